/**
 * The Notifier: `log`/`notify` render and route a message and hand it to the delivery engine,
 * returning at once; `flush`/`close` wait for delivery; typed events tell the host what
 * happened. Delivery problems never throw into the caller.
 */
import { EventEmitter } from 'eventemitter3';
import type { Channel, Level } from '../channels/channel.js';
import { createConsoleChannel, type LineWriter } from '../channels/console.js';
import type { Env } from '../config/env.js';
import { createHttpClient, type HttpClient, type HttpOptions } from '../channels/http.js';
import { createChannel, WEBHOOKS } from '../channels/registry.js';
import { loadEnv } from '../config/env.js';
import { readConfig } from './configuration.js';
import { HeraldConfigError } from '../config/problems.js';
import { Delivery, type FlushReport } from '../delivery/delivery.js';
import { makeEntry } from '../delivery/entry.js';
import type { DeliveryEvents, FailedEvent, WarningEvent } from '../delivery/events.js';
import type { LaneStats } from '../delivery/lane.js';
import type { DeliveryOptions } from '../delivery/options.js';
import type { RateLimits } from '../delivery/rate-limits.js';
import { drainOnExit } from './exit-drain.js';
import { Redactor } from '../config/redact.js';
import { renderMessage } from './render.js';
import { resolveTarget } from './targets.js';

/** Options of {@link createNotifier}. */
export interface NotifierOptions {
  /** Environment to read; default `process.env` over `.env` (real variables win). */
  env?: Env;
  /** `.env` path when `env` is not given. Default `.env` in the working directory. */
  envFile?: string;
  /** Queue, retry, budget and storm settings. */
  delivery?: Partial<DeliveryOptions>;
  /** HTTP timeouts. */
  http?: HttpOptions;
  /** Shared rate-limit store; default in-process. */
  limits?: RateLimits;
  /** Where Herald prints its own one-line reports (failures, disabled destinations). Default stderr. */
  report?: LineWriter;
  /** Where the console default prints notifications. Default stdout. */
  console?: LineWriter;
  /** Drain on beforeExit/SIGINT/SIGTERM (default true) and the deadline for it in ms (default 10 000). */
  drainOnExit?: boolean;
  exitDeadlineMs?: number;
}

/** Options of one notification. */
export interface NotifyOptions {
  /** `error` also goes to the ERROR destinations. Default `info`. */
  level?: Level;
  /** Deliver without sound where supported. */
  silent?: boolean;
  /** A webhook URL or the name of an environment variable holding one; default: the routed destinations. */
  to?: string;
}

/** Events a Notifier emits. */
export type NotifierEvents = DeliveryEvents;

/** Counters for every destination used so far. */
export interface NotifierStats {
  readonly destinations: readonly LaneStats[];
  readonly backlog: number;
}

/** Creates a notifier from the environment. Throws {@link HeraldConfigError} listing every configuration problem. */
export function createNotifier(options: NotifierOptions = {}): Notifier {
  return new Notifier(options);
}

type Cached = { readonly channel: Channel } | { readonly note: string };

/** Sends notifications to the configured destinations. Create it with {@link createNotifier}. */
export class Notifier extends EventEmitter<NotifierEvents> {
  /** Deadline used when the process exits with notifications pending. */
  readonly exitDeadlineMs: number;
  private readonly env: Env;
  private readonly http: HttpClient;
  private readonly delivery: Delivery;
  private readonly redactor = new Redactor();
  private readonly channels = new Map<string, Channel>();
  private readonly generalRoute: readonly Channel[];
  private readonly errorRoute: readonly Channel[];
  private readonly targets = new Map<string, Cached>();
  private readonly reportLine: LineWriter;
  private readonly unregisterExit: () => void;
  private closing: Promise<FlushReport> | undefined;

  constructor(options: NotifierOptions = {}) {
    super();
    this.env = options.env ?? loadEnv(options.envFile);
    const config = readConfig(this.env);
    if (config.problems.length) throw new HeraldConfigError(config.problems);
    this.reportLine = options.report ?? ((line) => void process.stderr.write(line));
    this.exitDeadlineMs = options.exitDeadlineMs ?? 10_000;
    this.http = createHttpClient(options.http);
    this.delivery = new Delivery({
      emit: (name, ...args) => this.deliver(name, ...args),
      wants: (name) => this.listenerCount(name) > 0,
      ...(options.delivery ? { options: options.delivery } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
      onDisabled: (channel, reason, fix) => this.onDisabled(channel, reason, fix),
    });
    const general = config.general.map((s) => this.channel(createChannel(s, { http: this.http })));
    const error = config.error.map((s) => this.channel(createChannel(s, { http: this.http })));
    // With no general destination, notifications still show somewhere: the console.
    this.generalRoute = general.length ? unique(general) : [this.channel(createConsoleChannel(options.console))];
    this.errorRoute = unique([...error, ...this.generalRoute]);
    this.unregisterExit = options.drainOnExit === false ? () => {} : drainOnExit({ backlog: () => this.backlog(), close: (ms) => this.close(ms), flush: (ms) => this.flush(ms), exitDeadlineMs: this.exitDeadlineMs });
  }

  /** Sends `message` to the general destinations, or to `target` (a webhook URL or env variable name). Returns at once. */
  log(message: unknown, target?: string): void {
    this.notify(message, target === undefined || target === null ? {} : { to: target });
  }

  /** Sends one notification. Returns at once; never throws for delivery problems. */
  notify(message: unknown, options?: NotifyOptions | null): void {
    options ??= {};
    try {
      const level: Level = options.level === 'error' ? 'error' : 'info';
      let text = renderMessage(message);
      let route = level === 'error' ? this.errorRoute : this.generalRoute;
      if (options.to !== undefined && options.to !== '') {
        const target = this.target(options.to);
        if ('channel' in target) route = [target.channel];
        else text = `${target.note}\n${text}`;
      }
      this.delivery.enqueue(route, makeEntry(this.delivery.nextSeq(), text, level, options.silent === true, Date.now()));
    } catch (err) {
      // Nothing may escape into the strategy; say what happened instead.
      this.reportLine(`herald: could not queue a notification: ${this.redactor.apply((err as Error).message)}\n`);
    }
  }

  /** Resolves when everything queued so far is delivered or definitely failed (or at the deadline). */
  flush(timeoutMs?: number): Promise<FlushReport> {
    return this.delivery.flush(timeoutMs);
  }

  /** Flushes (default deadline 10 s), then reports what is left and releases sockets and timers. */
  close(timeoutMs = this.exitDeadlineMs): Promise<FlushReport> {
    this.closing ??= (async () => {
      this.unregisterExit();
      const report = await this.delivery.close(timeoutMs);
      if (!report.complete) {
        const where = report.undelivered.map((u) => `${u.count} to ${u.destination}`).join(', ');
        const total = report.undelivered.reduce((n, u) => n + u.count, 0);
        const message = `${total} notification${total === 1 ? '' : 's'} could not be delivered before shutdown: ${where}`;
        this.emitWarning({ code: 'undelivered-at-exit', message });
      }
      await this.http.close().catch(() => {});
      return report;
    })();
    return this.closing;
  }

  /** Per-destination counters and the total backlog. */
  stats(): NotifierStats {
    const destinations = this.delivery.stats();
    return { destinations, backlog: destinations.reduce((n, d) => n + d.backlog, 0) };
  }

  /** Notifications not yet delivered or failed, over all destinations. */
  backlog(): number {
    return this.stats().backlog;
  }

  /** Labels of the destinations general and error notifications go to (redacted). */
  routes(): { general: string[]; error: string[] } {
    return { general: this.generalRoute.map((c) => c.label), error: this.errorRoute.map((c) => c.label) };
  }

  /**
   * Where `notify(message, options)` would go right now, without queuing anything or reporting
   * a bad target: the (redacted) labels of the destinations, and the note an unusable `to`
   * target would put on the message's first line. Routing and target resolution are those of
   * {@link Notifier.notify}. For dry runs (`herald send --dry-run`) and setup tools.
   */
  preview(options?: NotifyOptions | null): { destinations: string[]; note?: string } {
    options ??= {};
    const route = options.level === 'error' ? this.errorRoute : this.generalRoute;
    const labels = (channels: readonly Channel[]): string[] => channels.map((c) => c.label);
    if (options.to === undefined || options.to === '') return { destinations: labels(route) };
    const cached = this.targets.get(typeof options.to === 'string' ? options.to : `(a ${typeof options.to})`);
    if (cached) return 'channel' in cached ? { destinations: [cached.channel.label] } : { destinations: labels(route), note: cached.note };
    const r = resolveTarget(options.to, this.env, WEBHOOKS);
    // Building a channel only computes its label; nothing is registered or sent.
    if (r.ok) return { destinations: [createChannel(r.spec, { http: this.http }).label] };
    return { destinations: labels(route), note: targetNote(this.targetProblem(r.problem)) };
  }

  private channel(c: Channel): Channel {
    const existing = this.channels.get(c.id);
    if (existing) return existing;
    this.channels.set(c.id, c);
    this.redactor.add(c.secrets);
    return c;
  }

  private target(to: unknown): Cached {
    // JS callers may pass anything; a string key keeps the once-only report per distinct target.
    const target = typeof to === 'string' ? to : `(a ${typeof to})`;
    const cached = this.targets.get(target);
    if (cached) return cached;
    const r = resolveTarget(to, this.env, WEBHOOKS);
    let result: Cached;
    if (r.ok) {
      result = { channel: this.channel(createChannel(r.spec, { http: this.http })) };
    } else {
      const message = this.targetProblem(r.problem);
      this.emitWarning({ code: 'target-unresolved', message, fix: r.problem.fix });
      result = { note: targetNote(message) };
    }
    this.targets.set(target, result);
    return result;
  }

  private targetProblem(problem: { message: string }): string {
    return this.redactor.apply(`log target ${problem.message}`);
  }

  private onDisabled(channel: Channel, reason: string, fix?: string): void {
    const message = `stopped sending to ${channel.label}: ${reason}`;
    this.emitWarning({ code: 'destination-disabled', destination: channel.label, message, ...(fix ? { fix } : {}) });
    // Tell the user where they will see it: every other destination errors go to.
    const others = this.errorRoute.filter((c) => c !== channel && !this.delivery.isDisabled(c));
    if (others.length) this.delivery.enqueue(others, makeEntry(this.delivery.nextSeq(), this.redactor.apply(`⚠️ Herald ${message}.${fix ? ` Fix: ${fix}` : ''}`), 'error', false, Date.now()));
  }

  private emitWarning(w: WarningEvent): void {
    this.deliver('warning', w);
  }

  /** Redacts, emits, and prints what nobody else will see. */
  private deliver<K extends keyof NotifierEvents>(name: K, ...args: NotifierEvents[K]): void {
    // These carry only labels (redacted when the channel is made) and fixed text: no secret to mask.
    const hot = name === 'queued' || name === 'delivered' || name === 'dropped';
    const payload = hot ? args[0] : this.redactPayload(args[0] as unknown as Record<string, unknown>);
    this.safeEmit(name, payload);
    if (hot) return;
    if (name === 'warning') {
      const w = payload as unknown as WarningEvent;
      this.reportLine(`herald: ${w.message}${w.fix ? `. Fix: ${w.fix}` : ''}\n`);
    } else if (name === 'failed') {
      const f = payload as unknown as FailedEvent;
      // Later messages to a disabled destination were announced by its one disable report.
      if (f.cause === 'disabled' && f.seqs.length === 1 && /^destination disabled/.test(f.reason)) return;
      const n = f.seqs.length;
      this.reportLine(`herald: could not deliver ${n} notification${n === 1 ? '' : 's'} to ${f.destination}: ${f.reason}${f.fix ? `. Fix: ${f.fix}` : ''}\n`);
    }
  }

  /** A host listener that throws must not break delivery or reach the engine. */
  private safeEmit(name: string, payload: unknown): void {
    if (this.listenerCount(name as keyof NotifierEvents) === 0) return;
    try {
      (this.emit as (n: string, p: unknown) => boolean).call(this, name, payload);
    } catch (err) {
      this.reportLine(`herald: a '${name}' event listener threw: ${this.redactor.apply((err as Error)?.message ?? String(err))}\n`);
    }
  }

  private redactPayload(p: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(p)) out[k] = typeof v === 'string' ? this.redactor.apply(v) : v;
    return out;
  }
}

/** First line of a message whose target could not be used. */
function targetNote(problem: string): string {
  return `⚠️ ${problem} — sent here instead.`;
}

function unique(channels: readonly Channel[]): Channel[] {
  return [...new Set(channels)];
}
