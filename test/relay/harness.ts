/**
 * Runs relays in the test process on 127.0.0.1 with a generated token, and posts to them the way
 * senders do (real HTTP over loopback, no msw). With no destination configured, notifications
 * print to the console writer, captured here one notification per entry.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect as netConnect } from 'node:net';
import { afterEach } from 'vitest';
import type { Env } from '../../src/config/env.js';
import { createRelay, type Relay, type RelayOptions } from '../../src/relay/relay.js';

/** A running relay and what it printed. */
export interface TestRelay {
  readonly relay: Relay;
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** Console notifications (the console default), one string per notification, `[herald] …`. */
  readonly lines: string[];
  /** Herald's own report lines (stderr in production). */
  readonly reports: string[];
  /** `http://127.0.0.1:PORT/t/<token>`: prefix of a URL that carries the token. */
  readonly base: string;
}

/** Registers an afterEach that closes every relay the returned function started. */
export function useRelays(): (options?: RelayOptions & { env?: Env }) => Promise<TestRelay> {
  const open: Relay[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.close()));
  });
  return async (options = {}) => {
    const token = options.token ?? randomBytes(18).toString('base64url');
    const lines: string[] = [];
    const reports: string[] = [];
    const relay = createRelay({
      env: {},
      console: (l) => void lines.push(l),
      diagnostics: (l) => void reports.push(l),
      drainOnExit: false,
      ...options,
      token,
    });
    open.push(relay);
    const address = await relay.listen(0, '127.0.0.1');
    return { relay, url: address.url, port: address.port, token, lines, reports, base: `${address.url}/t/${token}` };
  };
}

/** Waits until `check` passes (polling every 10 ms), or fails with its last error after `ms`. */
export async function eventually<T>(check: () => T, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** A POST with a body of the given content type. */
export function post(url: string, body: string | Buffer | undefined, contentType?: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { ...(contentType ? { 'Content-Type': contentType } : {}), ...headers },
    ...(body !== undefined ? { body } : {}),
  });
}

/** A JSON POST. */
export function postJson(url: string, value: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return post(url, JSON.stringify(value), 'application/json', headers);
}

/** A form POST, encoded the way Python's requests encodes `data=dict` (spaces as `+`). */
export function postForm(url: string, fields: Record<string, string>): Promise<Response> {
  return post(url, new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded');
}

/** What a raw node:http client saw: the status, headers and body, or the socket error it got instead. */
export interface RawAnswer {
  readonly status?: number;
  readonly headers?: Record<string, string | string[] | undefined>;
  readonly body?: string;
  readonly error?: string;
}

/**
 * Sends a request with node:http, writing the body in chunks as an uploader does, and reports
 * what the client saw — in particular whether it read the answer or got a reset.
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string | number>; body?: Buffer; chunk?: number } = {},
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { method: options.method ?? 'POST', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on('error', (err) => resolve({ error: (err as NodeJS.ErrnoException).code ?? err.message }));
    });
    req.on('error', (err) => resolve({ error: (err as NodeJS.ErrnoException).code ?? err.message }));
    const body = options.body ?? Buffer.alloc(0);
    const size = options.chunk ?? 64 * 1024;
    let at = 0;
    const pump = (): void => {
      while (at < body.length) {
        const piece = body.subarray(at, at + size);
        at += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/**
 * Uploads a whole request before reading anything, the way Python's `requests` (freqtrade,
 * Jesse, Apprise) does: the socket is not read until the last byte is written. A server that
 * closes the connection while the upload is still arriving makes the kernel answer with a reset,
 * which discards the unread answer — this client then reports the error, as `requests` would.
 */
export function uploadThenRead(url: string, head: Record<string, string | number>, body: Buffer): Promise<RawAnswer> {
  const { hostname, port, pathname, search } = new URL(url);
  return new Promise((resolve) => {
    const socket = netConnect(Number(port), hostname);
    socket.pause();
    let received = '';
    let settled = false;
    const done = (answer: RawAnswer): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(answer);
    };
    socket.on('error', (err: NodeJS.ErrnoException) => done({ error: err.code ?? err.message }));
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('end', () => {
      const [status = '', ...rest] = received.split('\r\n');
      const blank = rest.indexOf('');
      done({ status: Number(status.split(' ')[1]), body: rest.slice(blank + 1).join('\r\n') });
    });
    const lines = [`POST ${pathname}${search} HTTP/1.1`, `Host: ${hostname}:${port}`, ...Object.entries(head).map(([k, v]) => `${k}: ${v}`), '', ''];
    socket.write(lines.join('\r\n'));
    socket.write(body, (err) => {
      if (err) return done({ error: (err as NodeJS.ErrnoException).code ?? err.message });
      socket.resume();
    });
  });
}
