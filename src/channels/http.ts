/**
 * The single HTTP path of Herald: the global `fetch` with one shared undici `Agent` as its
 * dispatcher (keep-alive pool, connect/headers/body timeouts). Tests intercept this same path
 * with msw; `undici.request` would bypass it.
 */
import { Agent } from 'undici';

/** Timeouts and pool settings, all in milliseconds. */
export interface HttpOptions {
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** Whole-request deadline, enforced with a timer so fake timers in tests control it. */
  requestTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
}

/** A completed HTTP exchange (any status). */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

/** Minimal client the drivers use; network failures reject with an Error whose message is readable. */
export interface HttpClient {
  request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal }): Promise<HttpResponse>;
  /** Closes idle sockets and refuses new requests. */
  close(): Promise<void>;
}

const DEFAULTS: Required<HttpOptions> = {
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 15_000,
  bodyTimeoutMs: 15_000,
  requestTimeoutMs: 20_000,
  keepAliveTimeoutMs: 30_000,
};

/** Creates a client with its own keep-alive pool. */
export function createHttpClient(options: HttpOptions = {}): HttpClient {
  const o = { ...DEFAULTS, ...options };
  const agent = new Agent({
    connect: { timeout: o.connectTimeoutMs },
    headersTimeout: o.headersTimeoutMs,
    bodyTimeout: o.bodyTimeoutMs,
    keepAliveTimeout: o.keepAliveTimeoutMs,
  });
  return {
    async request(url, init) {
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(new Error(`no answer within ${o.requestTimeoutMs} ms`)), o.requestTimeoutMs);
      // Forward the caller's abort by hand: AbortSignal.any on a long-lived signal retains memory per request (Node 20).
      const forward = (): void => timeout.abort(init.signal?.reason);
      if (init.signal?.aborted) forward();
      init.signal?.addEventListener('abort', forward, { once: true });
      const signal = timeout.signal;
      try {
        // `dispatcher` is undici's extension of RequestInit; Node's fetch honours it. The cast only
        // bridges the npm undici typings and Node's bundled undici-types, which are the same API.
        const fetchInit: Record<string, unknown> = { method: init.method ?? 'POST', headers: init.headers, body: init.body, signal, dispatcher: agent };
        const res = await fetch(url, fetchInit as RequestInit);
        const body = await res.text();
        return { status: res.status, headers: res.headers, body };
      } catch (err) {
        throw new Error(init.signal?.aborted ? 'aborted' : describeNetworkError(err, timeout.signal));
      } finally {
        clearTimeout(timer);
        init.signal?.removeEventListener('abort', forward);
      }
    },
    close: () => agent.close(),
  };
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
