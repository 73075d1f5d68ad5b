/**
 * What the Discord webhook and bot API fakes share: Discord's error bodies, reading a message
 * body (JSON, form, or multipart with `payload_json` and `files[n]`), the message checks
 * (content ≤ 2000, embeds within their limits, allowed_mentions, not empty, files ≤ 10 MiB), the
 * messages sent (for edits), the X-RateLimit-* headers and snowflake ids.
 */
import { createHash } from 'node:crypto';
import { isMultipart, readFormBody } from './form-body.js';
import type { FixedWindowState } from './rate-window.js';
import { codePointLength } from './telegram-markup.js';
import type { InternalReply, InternalRequest, ReceivedFile } from './types.js';

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

/** Discord's default upload limit per file (its docs' "Uploading Files": 10 MiB). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** A message body read from a request (with the files of a multipart one), or the error to answer. */
export type ReadBody =
  { body: Record<string, unknown>; files: ReceivedFile[]; error?: undefined } | { body?: undefined; files?: undefined; error: InternalReply };

const invalidJson = (): ReadBody => ({ error: discordError(400, 'The request body contains invalid JSON.', 50109) });

/** A JSON object from text, or the invalid-JSON answer. */
function jsonObject(text: string): ReadBody {
  if (text.trim() === '') return { body: {}, files: [] };
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return invalidJson();
    return { body: parsed as Record<string, unknown>, files: [] };
  } catch {
    return invalidJson();
  }
}

/** Form fields as a message body: `flags` is a number there. */
function formFields(fields: Record<string, string>): Record<string, unknown> {
  const body: Record<string, unknown> = { ...fields };
  if (typeof body['flags'] === 'string') body['flags'] = Number(body['flags']);
  return body;
}

/**
 * Parse a message body: JSON, form fields, or multipart (Discord's file uploads), where
 * `payload_json` holds the JSON body and each `files[n]` a file; a file over
 * {@link MAX_FILE_BYTES} answers 413 "Request entity too large" (code 40005) as Discord does.
 */
export async function readDiscordBody(req: InternalRequest): Promise<ReadBody> {
  const rawType = String(req.headers['content-type'] ?? '');
  const type = rawType.toLowerCase();
  if (type.includes('x-www-form-urlencoded')) return { body: formFields(Object.fromEntries(new URLSearchParams(req.raw.toString('utf8')))), files: [] };
  if (!isMultipart(rawType)) return jsonObject(req.raw.toString('utf8'));
  const form = await readFormBody(req.raw, rawType);
  if (!form) return { error: invalidForm({}) };
  if (form.files.some((f) => f.size > MAX_FILE_BYTES)) return { error: discordError(413, 'Request entity too large', 40005) };
  const { payload_json: json, ...rest } = form.fields;
  if (json === undefined) return { body: formFields(rest), files: form.files };
  const read = jsonObject(json);
  return read.error ? read : { body: read.body, files: form.files };
}

/** The `attachments` of a message object for uploaded files. */
export function attachmentObjects(files: readonly ReceivedFile[], channelId: string, nextId: () => string): Record<string, unknown>[] {
  return files.map((f) => {
    const id = nextId();
    const url = `https://cdn.discordapp.com/attachments/${channelId}/${id}/${encodeURIComponent(f.name)}`;
    return { id, filename: f.name, size: f.size, url, proxy_url: url.replace('cdn.discordapp.com', 'media.discordapp.net'), content_type: f.contentType };
  });
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
 * and allowed_mentions, then "not empty" (50006; uploaded `files` count as content). An `edit`
 * is not checked for emptiness here: what it leaves out stays (see {@link applyEdit}).
 */
export function checkMessage(
  body: Record<string, unknown>,
  more?: () => InternalReply | undefined,
  options: { files?: number; edit?: boolean } = {},
): CheckedMessage | InternalReply {
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
  if (!options.edit && content.trim() === '' && !hasEmbeds && !hasOther && !options.files) return discordError(400, 'Cannot send an empty message', 50006);
  const flags = typeof body['flags'] === 'number' ? body['flags'] : 0;
  return { content, flags, silent: (flags & SUPPRESS_NOTIFICATIONS) !== 0 };
}

/** True when {@link checkMessage} refused the message. */
export const isReply = (r: CheckedMessage | InternalReply): r is InternalReply => 'status' in r;

/** A message a fake sent and may edit: the message object it answered, and where it is. */
export interface SentMessage {
  /** The webhook id or the channel id, as the fake records it. */
  readonly destination: string;
  /** The thread a webhook posted it into. */
  readonly thread?: string;
  /** The message object, updated by edits. */
  readonly message: Record<string, unknown>;
}

/** How many sent messages a fake remembers for edits; older ones answer Unknown Message, like deleted ones. */
const MAX_SENT = 5000;

/** The messages a fake sent, by id, the oldest forgotten past {@link MAX_SENT} (a long-running sandbox stays small). */
export class SentMessages {
  private readonly byId = new Map<string, SentMessage>();

  add(id: string, sent: SentMessage): void {
    this.byId.set(id, sent);
    if (this.byId.size > MAX_SENT) this.byId.delete(this.byId.keys().next().value!);
  }

  /** The message `id` of `destination`, unless it was deleted or never sent there. */
  get(destination: string, id: string): SentMessage | undefined {
    const sent = this.byId.get(id);
    return sent?.destination === destination ? sent : undefined;
  }

  /** Forgets a message of `destination`, as a user deleting it. */
  delete(destination: string, id: string): void {
    if (this.get(destination, id)) this.byId.delete(id);
  }

  clear(): void {
    this.byId.clear();
  }
}

/**
 * Applies an edit's body to a sent message as Discord does: `content`, `embeds` and `attachments`
 * that the body names replace the old ones (null clears), uploaded files are appended; the rest
 * stays. Returns the edited message, or Discord's answer for an edit that would leave it empty.
 */
export function applyEdit(
  sent: Record<string, unknown>,
  body: Record<string, unknown>,
  files: readonly ReceivedFile[],
  now: number,
  nextId: () => string,
): { message: Record<string, unknown>; error?: undefined } | { message?: undefined; error: InternalReply } {
  const edited: Record<string, unknown> = { ...sent };
  if ('content' in body) edited['content'] = body['content'] ?? '';
  if ('embeds' in body) edited['embeds'] = Array.isArray(body['embeds']) ? body['embeds'] : [];
  // Since API v10 `attachments` lists every file to keep; without it the old ones stay.
  const kept = Array.isArray(body['attachments'])
    ? (sent['attachments'] as { id: string }[]).filter((a) => (body['attachments'] as ({ id?: unknown } | null)[]).some((k) => String(k?.id) === a.id))
    : (sent['attachments'] as unknown[]);
  edited['attachments'] = [...kept, ...attachmentObjects(files, String(sent['channel_id']), nextId)];
  const content = String(edited['content'] ?? '');
  if (content.trim() === '' && (edited['embeds'] as unknown[]).length === 0 && (edited['attachments'] as unknown[]).length === 0)
    return { error: discordError(400, 'Cannot send an empty message', 50006) };
  edited['edited_timestamp'] = new Date(now).toISOString();
  return { message: edited };
}

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
