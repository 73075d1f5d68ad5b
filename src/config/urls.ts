/** URL checks every platform shares: https except on loopback, and API base-URL variables. */
import type { Env } from './env.js';
import type { ConfigProblem } from './problems.js';
import { redact } from './redact.js';

/** True for 127.0.0.0/8, ::1 and localhost — the hosts where plain http is allowed. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** True when `url` may be used: https, or http on a loopback host (local servers and tests). */
export function isSecureOrLocal(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

/**
 * A URL for messages: the scheme, the host and the first path segment, `…` for whatever
 * follows (more path, a query, a fragment), credentials as `***@`. A mistyped webhook URL
 * (`/api/webhook/…` for `/api/webhooks/…`) carries its id and secret after the first segment,
 * where no pattern of a known secret can be relied on to find them, so none of that is shown.
 */
export function displayUrl(raw: string): string {
  const text = raw.trim();
  try {
    const url = new URL(text);
    const auth = url.username || url.password ? '***@' : '';
    const [first = '', ...rest] = url.pathname.replace(/^\//, '').split('/');
    const more = rest.some((s) => s !== '') || url.search !== '' || url.hash !== '';
    const path = first === '' ? (more ? '/…' : '') : `/${first}${more ? '/…' : ''}`;
    return redact(`${url.protocol}//${auth}${url.host}${path}`);
  } catch {
    // Not a URL. With a slash it reads as a URL without its scheme: show what would be its host
    // and first segment. Without one it may be a token put in the wrong variable: two characters.
    const [host = '', first] = text.split('/');
    if (first === undefined) return text.length > 8 ? `${text.slice(0, 2)}…` : redact(text);
    const head = `${host}/${first}`;
    const shown = head.length > 24 ? `${head.slice(0, 12)}…` : head.length < text.length ? `${head}/…` : head;
    return redact(shown);
  }
}

/** A base URL for messages: scheme and host only, since a proxy's path or credentials may be a secret. */
function displayBaseUrl(raw: string): string {
  try {
    const url = new URL(raw);
    const auth = url.username || url.password ? '***@' : '';
    const more = url.pathname.replace(/^\/+/, '') !== '' || url.search !== '' || url.hash !== '';
    return `${url.protocol}//${auth}${url.host}${more ? '/…' : ''}`;
  } catch {
    return `${raw.slice(0, 2)}…`;
  }
}

/**
 * Reads an API base-URL variable (`TELEGRAM_API_BASE_URL`, …): the default when unset, else an
 * https URL (http only on loopback) without its trailing slash, or the problem with it.
 */
export function readBaseUrl(env: Env, variable: string, fallback: string, example: string): { baseUrl: string; problem?: ConfigProblem } {
  const raw = env[variable]?.trim();
  if (!raw) return { baseUrl: fallback };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { baseUrl: fallback, problem: { variable, message: `its value ("${displayBaseUrl(raw)}") is not a URL`, fix: `use ${fallback} or ${example}` } };
  }
  if (!isSecureOrLocal(url)) {
    return {
      baseUrl: fallback,
      problem: { variable, message: `"${displayBaseUrl(raw)}" is not https`, fix: 'use https (plain http is only allowed on 127.0.0.1/localhost)' },
    };
  }
  return { baseUrl: raw.replace(/\/+$/, '') };
}
