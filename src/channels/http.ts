/**
 * The single HTTP path of Herald: the global `fetch` with one shared undici `Agent` as its
 * dispatcher (keep-alive pool, connect/headers/body timeouts). Tests intercept this same path
 * with msw; `undici.request` would bypass it.
 *
 * Every request obeys the same four rules, whoever makes it (drivers, the CLI, doctor):
 * - it goes to https, or to plain http on a loopback host only (127.0.0.0/8, ::1, localhost);
 *   the URLs themselves come from validated configuration (platform hosts, the base-URL
 *   variables, webhook URLs), and a URL with credentials in it is refused;
 * - redirects are never followed (`redirect: 'manual'`): a 3xx comes back as what it is, so a
 *   token in the path or the Authorization header never reaches the host a redirect names;
 * - the response body is read incrementally up to {@link HttpOptions.maxBodyBytes}; past it
 *   the stream is cancelled (the connection is dropped, the rest never read) and the answer
 *   is what its status says, with the body cut;
 * - a timer bounds the whole exchange, body included ({@link HttpOptions.requestTimeoutMs}).
 */
import { Agent } from 'undici';

/** Timeouts and pool settings, all in milliseconds, and the response size cap. */
export interface HttpOptions {
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** Whole-request deadline, body included, enforced with a timer so fake timers in tests control it. */
  requestTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  /** Largest response body kept, in bytes (default 1 MiB); the rest is not read. */
  maxBodyBytes?: number;
}

/** A completed HTTP exchange (any status). */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  /**
   * The body as text (at most `maxBodyBytes` of it). For a redirect, Herald's own one-line
   * explanation instead (`{"description":"…","message":"…"}`, the fields Telegram and Discord
   * answers carry, so every reader shows it): the server's body is not read.
   */
  readonly body: string;
  /** True when the body was longer than `maxBodyBytes` and was cut there. */
  readonly truncated?: boolean;
  /** For a 3xx with a Location: the origin it pointed to (never its path, which may hold a token). Not followed. */
  readonly redirectTo?: string;
}

/** Minimal client the drivers use; network failures reject with an Error whose message is readable. */
export interface HttpClient {
  request(
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: string | FormData | Uint8Array; signal?: AbortSignal },
  ): Promise<HttpResponse>;
  /** Closes idle sockets and refuses new requests. */
  close(): Promise<void>;
}

/** 1 MiB: every answer Herald reads (a sent message, an error, a page of channels) is far smaller. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

const DEFAULTS: Required<HttpOptions> = {
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 15_000,
  bodyTimeoutMs: 15_000,
  requestTimeoutMs: 20_000,
  keepAliveTimeoutMs: 30_000,
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
};

/**
 * The options with every missing or unusable value (undefined, NaN, ≤ 0, Infinity) at its
 * default: `{ requestTimeoutMs: undefined }` must not mean "no deadline" — nor, through
 * setTimeout's coercion, a deadline of 1 ms. Timers are capped at setTimeout's largest delay.
 */
function settings(options: HttpOptions): Required<HttpOptions> {
  const out = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS) as (keyof HttpOptions)[]) {
    const v = options[key];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) out[key] = Math.min(v, 2 ** 31 - 1);
  }
  return out;
}

/** True for 127.0.0.0/8, ::1 and localhost: the only hosts plain http may go to. */
function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * Verdicts of {@link checkRequestUrl} by URL text: drivers send to the same few URLs again and
 * again, and parsing one costs tens of microseconds on a cold path (a notification after a quiet
 * minute), which is time between log() and the request leaving.
 */
const checked = new Map<string, URL | string>();
const CHECKED_MAX = 256;

/** {@link checkRequestUrl}, remembered for the URLs seen most recently. */
function checkRequestUrlCached(raw: string): URL | string {
  let verdict = checked.get(raw);
  if (verdict === undefined) {
    verdict = checkRequestUrl(raw);
    if (checked.size >= CHECKED_MAX) checked.clear();
    checked.set(raw, verdict);
  }
  return verdict;
}

/**
 * Requests in flight by the caller's signal, so one abort listener per signal (a lane's, which
 * lives as long as the notifier) serves every request made with it, instead of a listener added
 * and removed per request.
 */
const inFlight = new WeakMap<AbortSignal, Set<AbortController>>();

function follow(signal: AbortSignal, controller: AbortController): void {
  let set = inFlight.get(signal);
  if (!set) {
    const created = new Set<AbortController>();
    inFlight.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        for (const c of created) c.abort(signal.reason);
        created.clear();
      },
      { once: true },
    );
    set = created;
  }
  set.add(controller);
}

/** The URL to fetch, or why it may not be: never echoes the URL's path or query (they may hold a token). */
export function checkRequestUrl(raw: string): URL | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'refused to send: not a valid URL';
  }
  if (url.username || url.password) return `refused to send to ${url.protocol}//${url.host}: the URL carries credentials`;
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return url;
  return `refused to send to ${url.protocol}//${url.host}: only https is allowed (plain http on 127.0.0.1/localhost only)`;
}

/** Creates a client with its own keep-alive pool. */
export function createHttpClient(options: HttpOptions = {}): HttpClient {
  const o = settings(options);
  const agent = new Agent({
    connect: { timeout: o.connectTimeoutMs },
    headersTimeout: o.headersTimeoutMs,
    bodyTimeout: o.bodyTimeoutMs,
    keepAliveTimeout: o.keepAliveTimeoutMs,
  });
  return {
    async request(raw, init) {
      const url = checkRequestUrlCached(raw);
      if (typeof url === 'string') throw new Error(url);
      const timeout = new AbortController();
      let answered = false;
      const timer = setTimeout(
        () => timeout.abort(new Error(answered ? `the answer did not finish within ${o.requestTimeoutMs} ms` : `no answer within ${o.requestTimeoutMs} ms`)),
        o.requestTimeoutMs,
      );
      // Forward the caller's abort by hand: AbortSignal.any on a long-lived signal retains memory per request (Node 20).
      if (init.signal?.aborted) timeout.abort(init.signal.reason);
      else if (init.signal) follow(init.signal, timeout);
      const signal = timeout.signal;
      try {
        // `dispatcher` is undici's extension of RequestInit; Node's fetch honours it. The cast only
        // bridges the npm undici typings and Node's bundled undici-types, which are the same API.
        const fetchInit: Record<string, unknown> = {
          method: init.method ?? 'POST',
          headers: init.headers,
          body: init.body,
          signal,
          redirect: 'manual',
          dispatcher: agent,
        };
        const res = await fetch(raw, fetchInit as RequestInit);
        answered = true;
        const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
        if (location !== null) {
          await res.body?.cancel().catch(() => {});
          const to = redirectOrigin(location, url);
          // Worded where each reader looks: Telegram's `description`, Discord's `message`, the raw text for the rest.
          const reason = redirectReason(res.status, to, url);
          return {
            status: res.status,
            headers: res.headers,
            body: JSON.stringify({ description: reason, message: reason }),
            ...(to ? { redirectTo: to } : {}),
          };
        }
        const { text, truncated } = await readCapped(res, o.maxBodyBytes);
        return { status: res.status, headers: res.headers, body: text, ...(truncated ? { truncated } : {}) };
      } catch (err) {
        throw new Error(init.signal?.aborted ? 'aborted' : withoutUrl(describeNetworkError(err, timeout.signal), raw, url));
      } finally {
        clearTimeout(timer);
        if (init.signal) inFlight.get(init.signal)?.delete(timeout);
      }
    },
    close: () => agent.close(),
  };
}

/** The origin a Location header points to (relative ones resolve against the request), or undefined when unreadable. */
function redirectOrigin(location: string, base: URL): string | undefined {
  try {
    return new URL(location, base).origin;
  } catch {
    return undefined;
  }
}

function redirectReason(status: number, to: string | undefined, from: URL): string {
  const where = to === undefined ? 'an unreadable address' : to === from.origin ? `another path on ${from.host}` : to;
  return `HTTP ${status} redirect to ${where} not followed (Herald never follows redirects): use the final address in the configuration`;
}

/**
 * Reads at most `max` bytes of the body, one chunk at a time. Past the cap the stream is
 * cancelled, which drops the connection: a huge or endless body costs `max` bytes, not all of it.
 */
async function readCapped(res: Response, max: number): Promise<{ text: string; truncated: boolean }> {
  if (!res.body) return { text: '', truncated: false };
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = max - size;
      if (value.byteLength > room) {
        text += decoder.decode(value.subarray(0, room), { stream: true });
        truncated = true;
        break;
      }
      size += value.byteLength;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    if (truncated) await reader.cancel().catch(() => {});
    else reader.releaseLock();
  }
  // A character cut in half at the cap is dropped rather than shown as U+FFFD.
  return { text: truncated ? text : text + decoder.decode(), truncated };
}

/** An error text with the request URL (which may carry a token) replaced by its origin. */
function withoutUrl(message: string, raw: string, url: URL): string {
  let out = message.split(raw).join(`${url.origin}/…`);
  if (url.href !== raw) out = out.split(url.href).join(`${url.origin}/…`);
  const path = url.pathname + url.search;
  if (path.length > 1) out = out.split(path).join('/…');
  return out;
}

/** Plain-language reason for a failed request ("connection refused (ECONNREFUSED)"). */
export function describeNetworkError(err: unknown, timeout?: AbortSignal): string {
  if (timeout?.aborted) return `timed out: ${String((timeout.reason as Error | undefined)?.message ?? 'no answer')}`;
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'AbortError') return 'aborted';
  const code = e?.cause?.code;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'DNS lookup failed',
    EAI_AGAIN: 'DNS lookup failed (temporary)',
    ETIMEDOUT: 'connection timed out',
    UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
    UND_ERR_HEADERS_TIMEOUT: 'no response headers in time',
    UND_ERR_BODY_TIMEOUT: 'response body timed out',
    UND_ERR_SOCKET: 'socket closed unexpectedly',
  };
  if (code && known[code]) return `${known[code]} (${code})`;
  return e?.cause?.message ?? e?.message ?? String(err);
}
