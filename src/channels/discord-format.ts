/**
 * How Discord shows Herald's messages, for webhooks and the bot alike: plain `content` with
 * mentions disabled, cards as embeds within every embed limit, and the answers both share
 * (`X-RateLimit-*` headers, 429s).
 */
import { createRequire } from 'node:module';
import { type Card, type CardRules, type Tone, splitCard } from './card.js';
import type { CardSupport, RateObservation, SendOutcome } from './channel.js';
import { genericOutcome, parseJson, retryAfterHeaderMs } from './answers.js';
import type { HttpResponse } from './http.js';
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

/** True for a created message's JSON (what a 200 from Discord carries). */
function isMessage(body: string): boolean {
  const m = parseJson(body);
  return typeof m === 'object' && m !== null && 'id' in m;
}

/**
 * What webhooks and bots answer alike: success (with the bucket observation), 429 (a global
 * one blocks `globalKey`), and the generic rest; undefined for the caller's own cases.
 */
export function commonOutcome(res: HttpResponse, bucketKey: string, globalKey: string): SendOutcome | undefined {
  const rate = observeRate(res.headers, bucketKey);
  // 204 is a webhook's answer; a 200 must carry the created message, or it is not Discord's.
  if (res.status === 204 || (res.status === 200 && isMessage(res.body))) return rate ? { kind: 'ok', rate } : { kind: 'ok' };
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
