/**
 * Sending through the library's notifier and waiting for the outcome, for `herald test` and
 * `herald send`: the real delivery path (queues, rate limits, retries, driver error
 * classification), with the notifier's events turned into one result per destination.
 */
import type { ChannelSpec } from '../channels/driver.js';
import type { Env } from '../config/env.js';
import type { HttpClient } from '../channels/http.js';
import { createConsoleChannel } from '../channels/console.js';
import { createChannel } from '../channels/registry.js';
import { createNotifier, type Notifier } from '../core/notifier.js';
import { timerMs } from './args.js';

/** Label of the console fallback channel (read from the library, not copied); the CLI never counts it as a destination. */
export const CONSOLE_LABEL = createConsoleChannel(() => {}).label;

/** True for the console fallback's label. */
export function isConsole(label: string): boolean {
  return label === CONSOLE_LABEL;
}

/** What happened to one message at one destination. */
export interface DeliveryResult {
  /** The destination's label, secrets redacted (`Telegram bot 123456:AB… → chat -100…`). */
  readonly destination: string;
  readonly ok: boolean;
  /** From queuing to the platform's acceptance (the notifier's `delivered` event). */
  readonly latencyMs?: number;
  /** Requests it took (more than 1 when a long message was split). */
  readonly parts?: number;
  /** Why it failed. */
  readonly error?: string;
  /** What to do about it. */
  readonly fix?: string;
}

/** Options of {@link createCliNotifier}. */
export interface CliNotifierOptions {
  readonly env: Env;
  /** Give up on a message that keeps failing transiently after this long. */
  readonly timeoutMs: number;
}

/**
 * A notifier for a one-shot command: no exit hooks (the CLI handles Ctrl-C itself), its own
 * stderr reports off (the command prints results), the console fallback silenced (a CLI user
 * gets results per destination instead), and retries bounded by the command's timeout.
 */
export function createCliNotifier(options: CliNotifierOptions): Notifier {
  const seconds = Math.ceil(options.timeoutMs / 1000) * 1000;
  return createNotifier({
    env: options.env,
    drainOnExit: false,
    diagnostics: () => {},
    console: () => {},
    delivery: { giveUpAfterMs: options.timeoutMs },
    // A one-shot command must not open (or replay) the bot's outbox: HERALD_OUTBOX is the bot's.
    outbox: false,
    // A one-shot command sends now and exits: no periodic report, and quiet hours do not hold or hush a test the user asked for.
    report: false,
    quiet: false,
    // Nor join the bots' fleet: it would take over leases and read their queues, and its results
    // are about each destination as it answers now.
    redis: false,
    http: {
      connectTimeoutMs: Math.min(10_000, seconds),
      requestTimeoutMs: Math.min(20_000, seconds),
      headersTimeoutMs: Math.min(15_000, seconds),
      bodyTimeoutMs: Math.min(15_000, seconds),
    },
  });
}

/**
 * Calls `send` (which queues one notification on `notifier`), then waits until every
 * destination it was queued for delivered or failed, the timeout passes, or `signal` aborts.
 * Destinations still pending at the timeout fail with the last retry reason. `hostOf` names
 * the host of a destination so an unreachable API is reported by name.
 */
export async function deliverAndWait(
  notifier: Notifier,
  send: () => void,
  options: { readonly timeoutMs: number; readonly signal: AbortSignal; readonly hostOf?: (label: string) => string | undefined },
): Promise<{ results: DeliveryResult[]; interrupted: boolean }> {
  const mine = new Set<number>();
  const results = new Map<string, DeliveryResult | undefined>();
  const lastRetry = new Map<string, string>();
  let capturing = false;
  const ours = (seqs: readonly number[]): boolean => seqs.some((s) => mine.has(s));
  notifier.on('queued', (e) => {
    // notify() queues synchronously, so what is queued while `send` runs is ours; later
    // entries (a disabled destination's notice to the others) are not.
    if (!capturing || isConsole(e.destination)) return;
    mine.add(e.seq);
    results.set(e.destination, undefined);
  });
  notifier.on('delivered', (e) => {
    if (ours(e.seqs) && results.has(e.destination))
      results.set(e.destination, { destination: e.destination, ok: true, latencyMs: e.latencyMs, parts: e.parts });
  });
  notifier.on('failed', (e) => {
    if (!ours(e.seqs) || !results.has(e.destination) || results.get(e.destination)) return;
    const host = options.hostOf?.(e.destination);
    const unreachable = e.cause === 'gave-up' && host ? ` (could not reach ${host})` : '';
    results.set(e.destination, { destination: e.destination, ok: false, error: `${e.reason}${unreachable}`, ...(e.fix ? { fix: e.fix } : {}) });
  });
  notifier.on('retrying', (e) => lastRetry.set(e.destination, e.reason));

  capturing = true;
  try {
    send();
  } finally {
    capturing = false;
  }

  let onAbort: (() => void) | undefined;
  const aborted = new Promise<'aborted'>((resolve) => {
    onAbort = () => resolve('aborted');
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });
  });
  // Just past the give-up age, so a destination failing right at it reports its own reason.
  const outcome = await Promise.race([notifier.flush(timerMs(options.timeoutMs + 250)), aborted]);
  if (onAbort) options.signal.removeEventListener('abort', onAbort);
  const interrupted = outcome === 'aborted';
  const seconds = Math.round(options.timeoutMs / 100) / 10;
  const list: DeliveryResult[] = [];
  for (const [destination, r] of results) {
    if (r) {
      list.push(r);
      continue;
    }
    const last = lastRetry.get(destination);
    const host = options.hostOf?.(destination);
    list.push({
      destination,
      ok: false,
      error: interrupted
        ? 'interrupted before delivery'
        : `not delivered within ${seconds} s${last ? `; last attempt: ${last}` : ''}${host && last ? ` (${host})` : ''}`,
      ...(interrupted
        ? {}
        : {
            fix: host
              ? `check that ${host} is reachable (network, proxy, firewall), or try again with a longer --timeout`
              : 'try again with a longer --timeout',
          }),
    });
  }
  await notifier.close(0).catch(() => {});
  return { results: list, interrupted };
}

/** An HTTP client that refuses every request: channels built only to read their labels never send. */
const NO_HTTP: HttpClient = {
  request: () => Promise.reject(new Error('labels only')),
  close: async () => {},
};

/** The label a spec's channel has, and the host it talks to (for "could not reach HOST"). */
export function describeSpec(spec: ChannelSpec): { label: string; host: string | undefined } {
  const label = createChannel(spec, { http: NO_HTTP }).label;
  const raw = (spec as { baseUrl?: unknown; url?: unknown }).baseUrl ?? (spec as { url?: unknown }).url;
  let host: string | undefined;
  try {
    host = typeof raw === 'string' ? new URL(raw).host : undefined;
  } catch {
    host = undefined;
  }
  return { label, host };
}

/** `142 ms` / `1.3 s`. */
export function formatLatency(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
