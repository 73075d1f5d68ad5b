/**
 * Fake Discord webhooks: `POST|GET /api[/vN]/webhooks/:id/:token`, with the per-webhook
 * window and the X-RateLimit-* headers a bucket-aware client (like @discordjs/rest) reads.
 */
import { createHash } from 'node:crypto';
import { FixedWindow, getOrCreate, safeDecode, type FixedWindowState } from './rate-window.js';
import { codePointLength } from './telegram-markup.js';
import type { FakeLimits, InternalHandler, InternalPrepared, InternalReply, InternalRequest } from './types.js';

const ROUTE_RE = /^\/api(?:\/v\d+)?\/webhooks\/([^/]+)\/([^/]+)\/?$/;
const DISCORD_EPOCH = 1_420_070_400_000n;
const SUPPRESS_NOTIFICATIONS = 4096;
const CHANNEL_ID = '1200000000000000001';
const GUILD_ID = '1100000000000000001';

type FieldErrors = Record<string, unknown>;

const discordError = (status: number, message: string, code: number, extra?: object): InternalReply => ({
  status,
  body: { message, code, ...extra },
  detail: message,
});

const maxLength = (max: number) => ({
  _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${max} or fewer in length.` }],
});

const invalidForm = (errors: FieldErrors): InternalReply =>
  discordError(400, 'Invalid Form Body', 50035, { errors });

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Embed checks with Discord's limits (PLATFORMS.md); returns 50035 `errors` or undefined. */
function checkEmbeds(embeds: unknown): FieldErrors | undefined {
  if (embeds === undefined || embeds === null) return undefined;
  if (!Array.isArray(embeds)) {
    return { embeds: { _errors: [{ code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' }] } };
  }
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
  if (total > 6000) {
    return { embeds: { _errors: [{ code: 'MAX_EMBED_SIZE_EXCEEDED', message: 'Embed size exceeds maximum size of 6000' }] } };
  }
  return undefined;
}

/** Parse a webhook body: JSON, or form fields (Discord accepts both for simple posts). */
function readBody(req: InternalRequest): { body?: Record<string, unknown>; error?: InternalReply } {
  const text = req.raw.toString('utf8');
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (type.includes('x-www-form-urlencoded')) {
    const body: Record<string, unknown> = Object.fromEntries(new URLSearchParams(text));
    if (typeof body['flags'] === 'string') body['flags'] = Number(body['flags']);
    return { body };
  }
  if (type.includes('multipart/form-data')) {
    return { error: discordError(400, 'The sandbox accepts JSON webhook bodies only (no multipart).', 50109) };
  }
  if (text.trim() === '') return { body: {} };
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return { error: discordError(400, 'The request body contains invalid JSON.', 50109) };
    }
    return { body: parsed as Record<string, unknown> };
  } catch {
    return { error: discordError(400, 'The request body contains invalid JSON.', 50109) };
  }
}

/** The Discord part of the fake server. */
export class FakeDiscord implements InternalHandler {
  readonly platform = 'discord' as const;

  private deleted = new Set<string>();
  private windows = new Map<string, FixedWindow>();
  private counter = 0;

  constructor(
    private readonly clock: () => number,
    private readonly limits: FakeLimits,
  ) {}

  owns(pathname: string): boolean {
    return pathname.startsWith('/api/');
  }

  prepare(req: InternalRequest): InternalPrepared {
    const m = ROUTE_RE.exec(req.url.pathname);
    if (!m) {
      return { destination: '', method: req.method, run: () => discordError(404, '404: Not Found', 0) };
    }
    const id = safeDecode(m[1]!);
    const token = safeDecode(m[2]!);
    return { destination: id, method: req.method, run: () => this.run(req, id, token) };
  }

  private window(id: string): FixedWindow {
    const { limit, windowMs } = this.limits.discordPerWebhook;
    return getOrCreate(this.windows, id, () => new FixedWindow(limit, windowMs));
  }

  private headers(id: string, s: FixedWindowState): Record<string, string> {
    return {
      'x-ratelimit-limit': String(s.limit),
      'x-ratelimit-remaining': String(s.remaining),
      'x-ratelimit-reset': (s.resetAt / 1000).toFixed(3),
      'x-ratelimit-reset-after': (s.resetAfterMs / 1000).toFixed(3),
      // A stable opaque id per webhook, like Discord's hashed bucket.
      'x-ratelimit-bucket': createHash('sha1').update(`webhook:${id}`).digest('hex').slice(0, 32),
    };
  }

  private run(req: InternalRequest, id: string, token: string): InternalReply {
    if (!/^\d{1,20}$/.test(id)) {
      return { status: 400, body: { webhook_id: [`Value "${id}" is not snowflake.`] }, detail: 'webhook id is not a snowflake' };
    }
    const now = this.clock();
    if (this.deleted.has(id)) {
      return { ...discordError(404, 'Unknown Webhook', 10015), headers: this.headers(id, this.window(id).peek(now)) };
    }
    if (req.method === 'GET') {
      return {
        status: 200,
        headers: this.headers(id, this.window(id).peek(now)),
        body: { id, type: 1, name: 'Herald Sandbox', avatar: null, channel_id: CHANNEL_ID, guild_id: GUILD_ID, application_id: null, token },
      };
    }
    if (req.method !== 'POST') return discordError(405, '405: Method Not Allowed', 0);

    // Discord charges the bucket before looking at the body, so bad requests count too.
    const state = this.window(id).consume(now);
    const headers = this.headers(id, state);
    if (!state.allowed) {
      const retryAfter = Math.max(0.001, state.resetAfterMs / 1000);
      return {
        status: 429,
        headers: { ...headers, 'retry-after': String(Math.max(1, Math.ceil(retryAfter))), 'x-ratelimit-scope': 'user' },
        body: { message: 'You are being rate limited.', retry_after: Number(retryAfter.toFixed(3)), global: false },
        detail: `You are being rate limited. retry_after ${retryAfter.toFixed(3)}s`,
      };
    }
    const withHeaders = (r: InternalReply): InternalReply => ({ ...r, headers: { ...headers, ...r.headers } });

    const { body, error } = readBody(req);
    if (error || !body) return withHeaders(error ?? discordError(400, 'The request body contains invalid JSON.', 50109));
    const rawContent = body['content'];
    if (rawContent !== undefined && rawContent !== null && typeof rawContent !== 'string') {
      return withHeaders(invalidForm({ content: { _errors: [{ code: 'BASE_TYPE_STRING', message: 'Must be a string.' }] } }));
    }
    const content = rawContent ?? '';
    if (codePointLength(content) > 2000) return withHeaders(invalidForm({ content: maxLength(2000) }));
    const username = body['username'];
    if (typeof username === 'string') {
      if (codePointLength(username) > 80) return withHeaders(invalidForm({ username: maxLength(80) }));
      const banned = ['discord', 'clyde'].find((w) => username.toLowerCase().includes(w));
      if (banned) {
        return withHeaders(invalidForm({
          username: { _errors: [{ code: 'USERNAME_INVALID_CONTAINS', message: `Username cannot contain "${banned}"` }] },
        }));
      }
    }
    const embedErrors = checkEmbeds(body['embeds']);
    if (embedErrors) return withHeaders(invalidForm(embedErrors));
    const hasEmbeds = Array.isArray(body['embeds']) && body['embeds'].length > 0;
    const hasOther = ['components', 'attachments', 'sticker_ids'].some((k) => Array.isArray(body[k]) && (body[k] as unknown[]).length > 0) || body['poll'] != null;
    if (content.trim() === '' && !hasEmbeds && !hasOther) {
      return withHeaders(discordError(400, 'Cannot send an empty message', 50006));
    }

    const flags = typeof body['flags'] === 'number' ? body['flags'] : 0;
    const accepted = { destination: id, text: content, silent: (flags & SUPPRESS_NOTIFICATIONS) !== 0, body };
    if (req.url.searchParams.get('wait') !== 'true') return { status: 204, headers, accepted };
    const threadId = req.url.searchParams.get('thread_id');
    const sinceEpoch = BigInt(Math.max(0, Math.floor(now))) - DISCORD_EPOCH;
    const snowflake = ((sinceEpoch < 0n ? 0n : sinceEpoch) << 22n) | BigInt(++this.counter & 0x3fffff);
    return {
      status: 200,
      headers,
      accepted,
      body: {
        id: snowflake.toString(),
        type: 0,
        content,
        channel_id: threadId ?? CHANNEL_ID,
        author: { id, username: typeof username === 'string' ? username : 'Herald Sandbox', discriminator: '0000', avatar: null, bot: true },
        attachments: [],
        embeds: Array.isArray(body['embeds']) ? body['embeds'] : [],
        mentions: [],
        mention_roles: [],
        pinned: false,
        mention_everyone: false,
        tts: false,
        timestamp: new Date(now).toISOString(),
        edited_timestamp: null,
        flags,
        components: [],
        webhook_id: id,
      },
    };
  }

  /** See {@link FakePlatformServer.deleteDiscordWebhook}. */
  deleteWebhook(id: string): void {
    this.deleted.add(String(id));
  }

  reset(): void {
    this.deleted.clear();
    this.windows.clear();
    this.counter = 0;
  }

  shutdown(): void {}
}
