/**
 * What the Discord webhook and bot API fakes share: Discord's error bodies, reading a message
 * body, the message checks (content ≤ 2000, embeds within their limits, allowed_mentions, not
 * empty), the X-RateLimit-* headers and snowflake ids.
 */
import { createHash } from 'node:crypto';
import type { FixedWindowState } from './rate-window.js';
import { codePointLength } from './telegram-markup.js';
import type { InternalReply, InternalRequest } from './types.js';

/** `flags` bit for a silent message (no push or desktop notification). */
export const SUPPRESS_NOTIFICATIONS = 4096;
const DISCORD_EPOCH = 1_420_070_400_000n;

/** A field-by-field error tree, as in a 50035 answer's `errors`. */
export type FieldErrors = Record<string, unknown>;

/** Discord's error body `{ message, code, ...extra }`. */
export const discordError = (status: number, message: string, code: number, extra?: object): InternalReply => ({
  status,
  body: { message, code, ...extra },
  detail: message,
});

/** One field error `{ _errors: [{ code, message }] }`. */
export const fieldError = (code: string, message: string) => ({ _errors: [{ code, message }] });

/** The error for a string over `max` characters. */
export const maxLength = (max: number) => fieldError('BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);

/** 400 Invalid Form Body (code 50035) with its `errors` tree. */
export const invalidForm = (errors: FieldErrors): InternalReply => discordError(400, 'Invalid Form Body', 50035, { errors });

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Embed checks with Discord's limits (PLATFORMS.md); returns 50035 `errors` or undefined. */
export function checkEmbeds(embeds: unknown): FieldErrors | undefined {
  if (embeds === undefined || embeds === null) return undefined;
  if (!Array.isArray(embeds)) return { embeds: fieldError('BASE_TYPE_ARRAY', 'Must be an array.') };
  if (embeds.length > 10) return { embeds: maxLength(10) };
  const perEmbed: FieldErrors = {};
  let total = 0;
  embeds.forEach((raw: unknown, i) => {
    const e = (raw ?? {}) as Record<string, unknown>;
    const errs: FieldErrors = {};
    const field = (name: string, value: string, max: number, into: FieldErrors = errs): void => {
      total += codePointLength(value);
      if (codePointLength(value) > max) into[name] = maxLength(max);
    };
    field('title', str(e['title']), 256);
    field('description', str(e['description']), 4096);
    const footer = (e['footer'] ?? {}) as Record<string, unknown>;
    const footerErrs: FieldErrors = {};
    field('text', str(footer['text']), 2048, footerErrs);
    if (Object.keys(footerErrs).length) errs['footer'] = footerErrs;
    const author = (e['author'] ?? {}) as Record<string, unknown>;
    const authorErrs: FieldErrors = {};
    field('name', str(author['name']), 256, authorErrs);
    if (Object.keys(authorErrs).length) errs['author'] = authorErrs;
    const fields = Array.isArray(e['fields']) ? (e['fields'] as unknown[]) : [];
    if (fields.length > 25) errs['fields'] = maxLength(25);
    const fieldErrs: FieldErrors = {};
    fields.forEach((f: unknown, j) => {
      const ff = (f ?? {}) as Record<string, unknown>;
      const one: FieldErrors = {};
      field('name', str(ff['name']), 256, one);
      field('value', str(ff['value']), 1024, one);
      if (Object.keys(one).length) fieldErrs[String(j)] = one;
    });
    if (Object.keys(fieldErrs).length && !errs['fields']) errs['fields'] = fieldErrs;
    if (Object.keys(errs).length) perEmbed[String(i)] = errs;
  });
  if (Object.keys(perEmbed).length) return { embeds: perEmbed };
  if (total > 6000) return { embeds: fieldError('MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000') };
  return undefined;
}

const MENTION_TYPES = ['users', 'roles', 'everyone'];

/** allowed_mentions checks: known `parse` types, and `parse: ['users']` not together with `users: [...]`. */
function checkAllowedMentions(am: unknown): FieldErrors | undefined {
  if (am === undefined || am === null) return undefined;
  if (typeof am !== 'object' || Array.isArray(am))
    return { allowed_mentions: fieldError('MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType') };
  const { parse, users, roles } = am as Record<string, unknown>;
  if (parse !== undefined) {
    if (!Array.isArray(parse)) return { allowed_mentions: { parse: fieldError('BASE_TYPE_ARRAY', 'Must be an array.') } };
    const bad = parse.findIndex((p) => typeof p !== 'string' || !MENTION_TYPES.includes(p));
    if (bad >= 0) {
      return { allowed_mentions: { parse: { [String(bad)]: fieldError('BASE_TYPE_CHOICES', "Value must be one of {'users', 'roles', 'everyone'}.") } } };
    }
  }
  for (const [name, list] of [
    ['users', users],
    ['roles', roles],
  ] as const) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) return { allowed_mentions: { [name]: fieldError('BASE_TYPE_ARRAY', 'Must be an array.') } };
    if (list.length > 100) return { allowed_mentions: { [name]: maxLength(100) } };
    if (Array.isArray(parse) && parse.includes(name) && list.length > 0) {
      return {
        allowed_mentions: fieldError('MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE', `parse:["${name}"] and ${name}: [ids...] are mutually exclusive.`),
      };
    }
  }
  return undefined;
}

/** A message body read from a request, or the error to answer. */
export type ReadBody = { body: Record<string, unknown>; error?: undefined } | { body?: undefined; error: InternalReply };

/** Parse a message body: JSON, or form fields (Discord accepts both for simple posts). */
export function readDiscordBody(req: InternalRequest): ReadBody {
  const text = req.raw.toString('utf8');
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  const invalidJson = (): ReadBody => ({ error: discordError(400, 'The request body contains invalid JSON.', 50109) });
  if (type.includes('x-www-form-urlencoded')) {
    const body: Record<string, unknown> = Object.fromEntries(new URLSearchParams(text));
    if (typeof body['flags'] === 'string') body['flags'] = Number(body['flags']);
    return { body };
  }
  if (type.includes('multipart/form-data')) {
    return { error: discordError(400, 'The sandbox accepts JSON message bodies only (no multipart).', 50109) };
  }
  if (text.trim() === '') return { body: {} };
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return invalidJson();
    return { body: parsed as Record<string, unknown> };
  } catch {
    return invalidJson();
  }
}

/** A message that passed {@link checkMessage}. */
export interface CheckedMessage {
  content: string;
  flags: number;
  silent: boolean;
}

/**
 * Discord's checks of a message body, in Discord's order: `content` a string of at most 2000
 * characters, then `more` (the caller's own fields, e.g. a webhook's `username`), then embeds
 * and allowed_mentions, then "not empty" (50006).
 */
export function checkMessage(body: Record<string, unknown>, more?: () => InternalReply | undefined): CheckedMessage | InternalReply {
  const rawContent = body['content'];
  if (rawContent !== undefined && rawContent !== null && typeof rawContent !== 'string') {
    return invalidForm({ content: fieldError('BASE_TYPE_STRING', 'Must be a string.') });
  }
  const content = rawContent ?? '';
  if (codePointLength(content) > 2000) return invalidForm({ content: maxLength(2000) });
  const extra = more?.();
  if (extra) return extra;
  const embedErrors = checkEmbeds(body['embeds']) ?? checkAllowedMentions(body['allowed_mentions']);
  if (embedErrors) return invalidForm(embedErrors);
  const hasEmbeds = Array.isArray(body['embeds']) && body['embeds'].length > 0;
  const hasOther =
    ['components', 'attachments', 'sticker_ids'].some((k) => Array.isArray(body[k]) && (body[k] as unknown[]).length > 0) || body['poll'] != null;
  if (content.trim() === '' && !hasEmbeds && !hasOther) return discordError(400, 'Cannot send an empty message', 50006);
  const flags = typeof body['flags'] === 'number' ? body['flags'] : 0;
  return { content, flags, silent: (flags & SUPPRESS_NOTIFICATIONS) !== 0 };
}

/** True when {@link checkMessage} refused the message. */
export const isReply = (r: CheckedMessage | InternalReply): r is InternalReply => 'status' in r;

/** X-RateLimit-* headers for a window; the bucket is a stable opaque hash of `bucketKey`, like Discord's. */
export function rateLimitHeaders(bucketKey: string, s: FixedWindowState): Record<string, string> {
  return {
    'x-ratelimit-limit': String(s.limit),
    'x-ratelimit-remaining': String(s.remaining),
    'x-ratelimit-reset': (s.resetAt / 1000).toFixed(3),
    'x-ratelimit-reset-after': (s.resetAfterMs / 1000).toFixed(3),
    'x-ratelimit-bucket': createHash('sha1').update(bucketKey).digest('hex').slice(0, 32),
  };
}

/** Body and headers of a 429 after `waitMs`: `retry_after` in float seconds, `Retry-After` rounded up. */
export function rateLimited(waitMs: number, global: boolean, headers: Record<string, string>): InternalReply {
  const retryAfter = Math.max(0.001, waitMs / 1000);
  return {
    status: 429,
    headers: {
      ...headers,
      'retry-after': String(Math.max(1, Math.ceil(retryAfter))),
      'x-ratelimit-scope': global ? 'global' : 'user',
      ...(global ? { 'x-ratelimit-global': 'true' } : {}),
    },
    body: { message: 'You are being rate limited.', retry_after: Number(retryAfter.toFixed(3)), global },
    detail: `You are being rate limited${global ? ' (global)' : ''}. retry_after ${retryAfter.toFixed(3)}s`,
  };
}

/** A snowflake for clock time `now` (ms) with a per-process increment `n`. */
export function snowflakeAt(now: number, n: number): string {
  const sinceEpoch = BigInt(Math.max(0, Math.floor(now))) - DISCORD_EPOCH;
  return (((sinceEpoch < 0n ? 0n : sinceEpoch) << 22n) | BigInt(n & 0x3fffff)).toString();
}

/** Discord ids are snowflakes: decimal strings (17–20 digits in practice). */
export const isSnowflake = (id: string): boolean => /^\d{1,20}$/.test(id);
