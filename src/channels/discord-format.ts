/**
 * How Discord shows Herald's messages, for webhooks and the bot alike: plain `content` with
 * mentions disabled, cards as embeds within every embed limit, files as multipart uploads, edits,
 * and the answers both share (`X-RateLimit-*` headers, 429s, the created message's id).
 */
import { createRequire } from 'node:module';
import { type Card, type CardRules, type Tone, splitCard } from './card.js';
import type { Attachment, CardSupport, FileSupport, MessageRef, RateObservation, SendOutcome } from './channel.js';
import { attachmentBlob, genericOutcome, parseJson, postForm, postJson, retryAfterHeaderMs } from './answers.js';
import type { HttpClient, HttpResponse } from './http.js';
import { utf16Length } from './split.js';

/** Discord asks API clients to name themselves `DiscordBot ($url, $version)` (or Cloudflare may refuse them). */
export const DISCORD_USER_AGENT = `DiscordBot (https://www.npmjs.com/package/herald, ${packageVersion()})`;

/** The package's version, read once (src/channels and dist/channels are both two levels below it). */
function packageVersion(): string {
  try {
    return String((createRequire(import.meta.url)('../../package.json') as { version?: unknown }).version ?? '0');
  } catch {
    return '0';
  }
}

/** Characters per `content`. */
export const DISCORD_MAX_LENGTH = 2000;
/** Discord's default upload limit per file (discord.com/developers/reference#uploading-files: 10 MiB; boosted servers allow more). */
export const DISCORD_MAX_FILE_BYTES = 10 * 1024 * 1024;
/** How Discord takes files, for webhooks and bots alike: images are shown inline, the caption is the message's `content`. */
export const discordFiles: FileSupport = { maxBytes: DISCORD_MAX_FILE_BYTES, captionMax: DISCORD_MAX_LENGTH, images: true };
/** Discord's `flags` bit for a message without push/desktop notification. */
export const SUPPRESS_NOTIFICATIONS = 1 << 12;
/** Embed limits (discord.com/developers/docs/resources/message#embed-object-embed-limits). */
const LIMITS = { embeds: 10, total: 6000, title: 256, description: 4096, fields: 25, name: 256, value: 1024, footer: 2048 } as const;

/** Embed colours: buy/long/profit green, sell/short/loss and errors red, the rest blue. */
const COLOURS: Record<Tone, number | undefined> = { good: 0x2ecc71, bad: 0xe74c3c, error: 0xe74c3c, info: 0x3498db, plain: undefined };

/** A Discord embed (only the parts Herald sends). */
export interface DiscordEmbed {
  title?: string;
  url?: string;
  description?: string;
  color?: number;
  fields?: { name: string; value: string; inline: boolean }[];
  footer?: { text: string };
  timestamp?: string;
}

/** Discord counts characters; UTF-16 units are never fewer, so limits hold. */
const len = utf16Length;

/** One card as an embed. Assumes the card fits (see {@link discordCards}). */
export function embedOf(card: Card): DiscordEmbed {
  const colour = COLOURS[card.tone];
  const embed: DiscordEmbed = colour === undefined ? {} : { color: colour };
  if (card.title) embed.title = card.title;
  // Discord refuses the whole message for an embed URL that is not a web link: such a URL is shown as text.
  const webUrl = card.url !== undefined && /^https?:\/\/\S+$/i.test(card.url);
  if (card.url && card.title && webUrl) embed.url = card.url;
  const description = [card.description, card.url && !(card.title && webUrl) ? card.url : undefined].filter(Boolean).join('\n');
  if (description) embed.description = description;
  if (card.fields.length)
    embed.fields = card.fields.map((f) => ({ name: f.name, value: f.numeric ? `\`${f.value}\`` : f.value, inline: f.value.length <= 40 }));
  if (card.footer) embed.footer = { text: card.footer };
  if (card.timestamp !== undefined) embed.timestamp = new Date(card.timestamp).toISOString();
  return embed;
}

/** Characters an embed counts against the 6000 total. */
function embedSize(e: DiscordEmbed): number {
  return len(e.title ?? '') + len(e.description ?? '') + len(e.footer?.text ?? '') + (e.fields ?? []).reduce((n, f) => n + len(f.name) + len(f.value), 0);
}

function embedFits(e: DiscordEmbed): boolean {
  return (
    len(e.title ?? '') <= LIMITS.title &&
    len(e.description ?? '') <= LIMITS.description &&
    len(e.footer?.text ?? '') <= LIMITS.footer &&
    (e.fields ?? []).length <= LIMITS.fields &&
    (e.fields ?? []).every((f) => len(f.name) <= LIMITS.name && len(f.value) <= LIMITS.value && f.name.trim() !== '' && f.value.trim() !== '')
  );
}

const rules: CardRules = {
  fits(cards) {
    if (cards.length > LIMITS.embeds) return false;
    const embeds = cards.map(embedOf);
    return embeds.every(embedFits) && embeds.reduce((n, e) => n + embedSize(e), 0) <= LIMITS.total;
  },
  normalize(card) {
    // What no field, title or footer may hold moves into the description, whole; nothing is cut off.
    const fieldOk = (f: Card['fields'][number], i: number): boolean =>
      i < LIMITS.fields && len(f.name) <= LIMITS.name && len(f.value) + 2 <= LIMITS.value && f.name.trim() !== '' && f.value.trim() !== '';
    const kept = card.fields.filter(fieldOk);
    const moved = card.fields.filter((f, i) => !fieldOk(f, i));
    const longTitle = len(card.title) > LIMITS.title;
    const longFooter = card.footer !== undefined && len(card.footer) > LIMITS.footer;
    if (!moved.length && !longTitle && !longFooter) return card;
    const extra = [longTitle ? card.title : '', ...moved.map((f) => `${f.name}: ${f.value}`), longFooter ? card.footer! : ''].filter(Boolean);
    const { footer, ...rest } = card;
    return {
      ...rest,
      title: longTitle ? `${card.title.slice(0, LIMITS.title - 1)}…` : card.title,
      fields: kept,
      description: [...extra, card.description ?? ''].filter(Boolean).join('\n'),
      ...(footer !== undefined && !longFooter ? { footer } : {}),
    };
  },
  // Leaves room for the title and fields of the first embed within the 6000 total.
  pieceMax: 3000,
  measure: len,
};

/** Discord's card packing: up to 10 embeds and 6000 characters per message. */
export const discordCards: CardSupport = {
  fits: rules.fits,
  split: (card) => splitCard(card, rules),
};

/** The message body for a part: `content`, or embeds for cards; never pings anyone. */
export function discordPayload(text: string, cards: readonly Card[] | undefined, silent: boolean): Record<string, unknown> {
  const payload: Record<string, unknown> = cards ? { embeds: cards.map(embedOf) } : { content: text };
  payload.allowed_mentions = { parse: [] };
  if (silent) payload.flags = SUPPRESS_NOTIFICATIONS;
  return payload;
}

/**
 * The body of an edit: the same rendering as a send, with the other form cleared (a text edit of a
 * card message removes its embeds, and the reverse). No `flags`: an edit may only change
 * SUPPRESS_EMBEDS, and edits never notify anyway.
 */
export function discordEditPayload(text: string, cards: readonly Card[] | undefined): Record<string, unknown> {
  // `content: null` is how Discord's docs reset a message's content.
  return { content: cards ? null : text, embeds: cards ? cards.map(embedOf) : [], allowed_mentions: { parse: [] } };
}

/** True for a Discord id (a snowflake): what a message ref must be before it goes into a URL. */
export function isSnowflake(ref: MessageRef): boolean {
  return /^\d{1,20}$/.test(ref);
}

/**
 * Sends a message body, as JSON or, with a file, as multipart: `payload_json` (the same body plus
 * `attachments: [{ id: 0, filename }]`) and the bytes as `files[0]`. Never throws.
 */
export async function sendDiscord(
  http: HttpClient,
  url: string,
  payload: Record<string, unknown>,
  file: Attachment | undefined,
  signal: AbortSignal,
  headers: Record<string, string>,
  method = 'POST',
): Promise<HttpResponse | SendOutcome> {
  if (!file) return postJson(http, url, payload, signal, headers, method);
  const form = new FormData();
  form.append('payload_json', JSON.stringify({ ...payload, attachments: [{ id: 0, filename: file.name }] }));
  form.append('files[0]', attachmentBlob(file), file.name);
  return postForm(http, url, form, signal, { method, headers });
}

/** Discord's rate-limit headers as an observation of one bucket. */
export function observeRate(headers: Headers, bucketKey: string): RateObservation | undefined {
  const remaining = headers.get('x-ratelimit-remaining');
  const resetAfter = headers.get('x-ratelimit-reset-after');
  if (remaining === null || resetAfter === null) return undefined;
  const limit = Number(headers.get('x-ratelimit-limit'));
  return { bucketKey, remaining: Number(remaining), resetAfterMs: Number(resetAfter) * 1000, ...(limit > 0 ? { limit } : {}) };
}

/** A Discord error body. */
export interface DiscordError {
  message?: string;
  code?: number;
  retry_after?: number;
  global?: boolean;
}

/** Reads a Discord answer's error body and a readable `message (code N)`. */
export function discordError(res: HttpResponse): { body: DiscordError; what: string } {
  const body = (parseJson(res.body) ?? {}) as DiscordError;
  const what = body.message ? `${body.message}${body.code ? ` (code ${body.code})` : ''}` : `HTTP ${res.status}`;
  return { body, what };
}

/** The id of the message a 200 carries (created or edited), or undefined when the body is not a message. */
function messageId(body: string): MessageRef | undefined {
  const m = parseJson(body);
  const id = typeof m === 'object' && m !== null ? (m as { id?: unknown }).id : undefined;
  return typeof id === 'string' && isSnowflake(id) ? id : undefined;
}

/** Error codes of an edit whose message can no longer be edited: send the part as a new message instead. */
const UNEDITABLE: Readonly<Record<number, string>> = {
  10008: 'the message was deleted',
  30046: 'the message is too old to be edited again now',
  50083: 'the message is in an archived thread',
};

/**
 * What webhooks and bots answer alike: success (with the bucket observation and the message's id
 * as `ref`), 429 (a global one blocks `globalKey`), an edit whose message is gone (`uneditable`),
 * and the generic rest; undefined for the caller's own cases.
 */
export function commonOutcome(res: HttpResponse, bucketKey: string, globalKey: string, edit = false): SendOutcome | undefined {
  const observed = observeRate(res.headers, bucketKey);
  // An edit's route may be its own bucket at Discord: its answer may only lower what is left of the
  // send bucket it is charged to here, never set that bucket's size.
  const rate = observed && edit ? { bucketKey, remaining: observed.remaining, resetAfterMs: observed.resetAfterMs } : observed;
  const withRate = rate ? { rate } : {};
  // Herald asks for `?wait=true` and Discord then answers 200 with the message; a 200 without one
  // is not Discord's (a proxy's or captive portal's page). A 204 is what a webhook answers without
  // `wait`: it has no body that could be someone else's page, so it counts as delivered, only
  // without a ref (a later update of that message is then a new message).
  if (res.status === 204) return { kind: 'ok', ...withRate };
  const ref = res.status === 200 ? messageId(res.body) : undefined;
  if (ref !== undefined) return { kind: 'ok', ...withRate, ref };
  if (edit && res.status >= 400 && res.status < 500 && res.status !== 429) {
    const { body, what } = discordError(res);
    const why = body.code !== undefined ? UNEDITABLE[body.code] : undefined;
    if (why) return { kind: 'uneditable', reason: `${what}: ${why}` };
  }
  if (res.status === 429) {
    const { body } = discordError(res);
    const global = body.global === true || res.headers.get('x-ratelimit-global') === 'true';
    // Whole milliseconds, rounded up: a float like 64569.99999 must not wake a hair early.
    const delayMs = Math.ceil(body.retry_after !== undefined ? body.retry_after * 1000 : (retryAfterHeaderMs(res.headers) ?? 1000));
    return {
      kind: 'retry-after',
      delayMs,
      reason: `Discord rate limit${global ? ' (global)' : ''}`,
      ...(global ? { blockKeys: [globalKey] } : {}),
      ...(rate ? { rate } : {}),
    };
  }
  // A 5xx, or a success status whose body is not Discord's (a proxy's page): transient.
  if (res.status >= 500 || (res.status >= 200 && res.status < 300)) return genericOutcome(res, 'Discord');
  return undefined;
}
