/** Small helpers drivers share for reading HTTP answers; no platform knowledge here. */
import { createHash, randomBytes } from 'node:crypto';
import type { Attachment, SendOutcome } from './channel.js';
import type { HttpClient, HttpResponse } from './http.js';
import { redact } from '../config/redact.js';

/** `Retry-After` header in ms (seconds form or HTTP date), or undefined. */
export function retryAfterHeaderMs(headers: Headers, now = Date.now()): number | undefined {
  const v = headers.get('retry-after');
  if (!v) return undefined;
  const s = Number(v);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Parses a JSON body, or undefined when it is not JSON (a proxy's HTML error page, say). */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** Sends a JSON request (POST unless `method` says otherwise); a network failure becomes a `transient` outcome instead of a throw. */
export async function postJson(
  http: HttpClient,
  url: string,
  payload: unknown,
  signal: AbortSignal,
  headers: Record<string, string> = {},
  method = 'POST',
): Promise<HttpResponse | SendOutcome> {
  try {
    return await http.request(url, { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(payload), signal });
  } catch (err) {
    return { kind: 'transient', reason: (err as Error).message };
  }
}

/**
 * Sends a multipart/form-data request (a file upload); fetch writes the boundary. A network
 * failure becomes a `transient` outcome instead of a throw.
 */
export async function postForm(
  http: HttpClient,
  url: string,
  form: FormData,
  signal: AbortSignal,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<HttpResponse | SendOutcome> {
  try {
    return await http.request(url, { method: options.method ?? 'POST', headers: options.headers ?? {}, body: form, signal });
  } catch (err) {
    return { kind: 'transient', reason: (err as Error).message };
  }
}

/**
 * A multipart/form-data body written by hand: text fields exactly as given. (A `FormData` body
 * turns every line break in a field into CRLF, as HTML forms do; a caption then reaches the
 * platform with characters it did not have, and counts them against its length limit.)
 */
export function multipartBody(
  fields: readonly (readonly [string, string])[],
  file: { field: string; attachment: Attachment },
): { body: Uint8Array; contentType: string } {
  const boundary = `----herald${randomBytes(12).toString('hex')}`;
  const quote = (v: string): string => v.replace(/["\r\n\\]/g, (c) => encodeURIComponent(c));
  const chunks: Buffer[] = [];
  for (const [name, value] of fields)
    chunks.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`, 'utf8'));
  const { field, attachment } = file;
  chunks.push(
    Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="${quote(field)}"; filename="${quote(attachment.name)}"\r\ncontent-type: ${attachment.contentType.replace(/[\r\n]/g, '')}\r\n\r\n`,
      'utf8',
    ),
    Buffer.from(attachment.base64, 'base64'),
    Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8'),
  );
  return { body: new Uint8Array(Buffer.concat(chunks)), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Sends a body made by {@link multipartBody}; a network failure becomes a `transient` outcome. */
export async function postMultipart(
  http: HttpClient,
  url: string,
  encoded: { body: Uint8Array; contentType: string },
  signal: AbortSignal,
): Promise<HttpResponse | SendOutcome> {
  try {
    return await http.request(url, { method: 'POST', headers: { 'content-type': encoded.contentType }, body: encoded.body, signal });
  } catch (err) {
    return { kind: 'transient', reason: (err as Error).message };
  }
}

/** An attachment's bytes as a Blob for a form. */
export function attachmentBlob(file: Attachment): Blob {
  return new Blob([Buffer.from(file.base64, 'base64')], { type: file.contentType });
}

/** Narrows {@link postJson}'s result. */
export function isOutcome(x: HttpResponse | SendOutcome): x is SendOutcome {
  return 'kind' in x;
}

/** The generic fallback every driver applies after its own cases: 5xx and odd answers are transient. */
export function genericOutcome(res: HttpResponse, what: string): SendOutcome {
  if (res.status >= 500 || res.status === 408) return { kind: 'transient', reason: `${what} answered ${res.status}` };
  // A success status with a body that is not the platform's answer came from something in between
  // (a captive portal, a proxy's page): the message most likely never arrived, so try again.
  if (res.status >= 200 && res.status < 300)
    return {
      kind: 'transient',
      reason: `${what} answered ${res.status} with a body that is not its API's answer (a proxy or captive portal in the way?): ${redact(res.body).slice(0, 80)}`,
    };
  // Redact before cutting: a token cut in half is no longer recognisable as one.
  return { kind: 'rejected', reason: `${what} answered ${res.status}: ${redact(res.body).slice(0, 200)}` };
}

/** Short stable id derived from secret material (a SHA-256 prefix): lets ids tell destinations apart without revealing the secret. */
export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 12);
}
