/**
 * Reading request bodies within a cap, and answering so the sender sees the answer: a refusal
 * sent while the sender is still uploading is followed by draining what it sends (up to a
 * bound), because closing a socket that still receives data makes the peer see a reset instead
 * of the status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An answer to send. */
export interface Answer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Text (sent as text/plain unless headers say otherwise) or a JSON document. */
  readonly body?: string | object;
}

/** A body read within its cap, or the news that it was larger. */
export type BodyRead = { readonly ok: true; readonly raw: Buffer } | { readonly ok: false; readonly tooLarge: true };

/** What is drained after a refusal before the connection is cut: enough for any honest sender. */
const DRAIN_MAX_BYTES = 16 * 1024 * 1024;
const DRAIN_MAX_MS = 10_000;

/** Reads the whole body unless it grows past `maxBytes` (then the stream is paused for {@link refuse}). */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        req.pause();
        resolve({ ok: false, tooLarge: true });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve({ ok: true, raw: Buffer.concat(chunks) });
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('the sender closed the connection before the body ended'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function encode(answer: Answer): { headers: Record<string, string>; payload: string } {
  const json = answer.body !== undefined && typeof answer.body !== 'string';
  const payload = answer.body === undefined ? '' : json ? `${JSON.stringify(answer.body)}\n` : (answer.body as string);
  const headers: Record<string, string> = {
    ...(payload !== '' ? { 'Content-Type': json ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8' } : {}),
    'Content-Length': String(Buffer.byteLength(payload)),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...answer.headers,
  };
  return { headers, payload };
}

/** Sends an answer to a request whose body has been read. */
export function send(res: ServerResponse, answer: Answer): void {
  const { headers, payload } = encode(answer);
  res.writeHead(answer.status, headers);
  res.end(payload);
}

/**
 * Refuses a request whose body may not have been read: the answer goes out at once and the
 * connection is closed after it, but only once the sender has finished sending (what it sends
 * is read and dropped, up to 16 MiB or 10 s, past which the connection is cut).
 */
export function refuse(req: IncomingMessage, res: ServerResponse, answer: Answer, bodyExpected = true): void {
  const { headers, payload } = encode(answer);
  res.writeHead(answer.status, { ...headers, Connection: 'close' });
  // Nothing more will arrive: a body-less request, or an Expect: 100-continue the answer declines.
  if (req.complete || !bodyExpected) {
    res.end(payload);
    return;
  }
  res.write(payload);
  let seen = 0;
  let finished = false;
  const finish = (cut: boolean): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('close', onEnd);
    res.end();
    if (cut) req.socket.destroy();
  };
  const onData = (chunk: Buffer): void => {
    seen += chunk.length;
    if (seen > DRAIN_MAX_BYTES) finish(true);
  };
  const onEnd = (): void => finish(false);
  const timer = setTimeout(() => finish(true), DRAIN_MAX_MS);
  timer.unref();
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('close', onEnd);
  req.on('error', () => finish(true));
  req.resume();
}
