/**
 * Fake Discord webhooks: `POST|GET /api[/vN]/webhooks/:id/:token`, with the per-webhook
 * window and the X-RateLimit-* headers a bucket-aware client (like @discordjs/rest) reads.
 */
import {
  checkMessage,
  discordError,
  fieldError,
  invalidForm,
  isReply,
  isSnowflake,
  maxLength,
  rateLimited,
  rateLimitHeaders,
  readDiscordBody,
  snowflakeAt,
} from './discord-payload.js';
import { FixedWindow, getOrCreate, safeDecode, type FixedWindowState } from './rate-window.js';
import { codePointLength } from './telegram-markup.js';
import type { FakeLimits, InternalHandler, InternalPrepared, InternalReply, InternalRequest } from './types.js';

const ROUTE_RE = /^\/api(?:\/v\d+)?\/webhooks\/([^/]+)\/([^/]+)\/?$/;
const CHANNEL_ID = '1200000000000000001';
const GUILD_ID = '1100000000000000001';

/** The Discord webhooks part of the fake server (the bot API is fake-discord-bot.ts). */
export class FakeDiscord implements InternalHandler {
  readonly platform = 'discord' as const;
  readonly via = 'webhook' as const;

  private deleted = new Set<string>();
  private windows = new Map<string, FixedWindow>();
  private counter = 0;

  constructor(
    private readonly clock: () => number,
    private readonly limits: FakeLimits,
  ) {}

  /** Every `/api/` path the Slack Web API and the Discord bot API handlers (tried first) leave. */
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
    return rateLimitHeaders(`webhook:${id}`, s);
  }

  private run(req: InternalRequest, id: string, token: string): InternalReply {
    if (!isSnowflake(id)) {
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
    if (!state.allowed) return rateLimited(state.resetAfterMs, false, headers);
    const withHeaders = (r: InternalReply): InternalReply => ({ ...r, headers: { ...headers, ...r.headers } });

    const { body, error } = readDiscordBody(req);
    if (error) return withHeaders(error);
    const username = body['username'];
    const checked = checkMessage(body, () => {
      if (typeof username !== 'string') return undefined;
      if (codePointLength(username) > 80) return invalidForm({ username: maxLength(80) });
      const banned = ['discord', 'clyde'].find((w) => username.toLowerCase().includes(w));
      return banned ? invalidForm({ username: fieldError('USERNAME_INVALID_CONTAINS', `Username cannot contain "${banned}"`) }) : undefined;
    });
    if (isReply(checked)) return withHeaders(checked);
    const { content, flags, silent } = checked;
    // ?thread_id= posts into a thread of the webhook's channel; any snowflake stands for one.
    const threadId = req.url.searchParams.get('thread_id');
    if (threadId !== null && !isSnowflake(threadId)) {
      return withHeaders(invalidForm({ thread_id: fieldError('NUMBER_TYPE_COERCE', `Value "${threadId}" is not snowflake.`) }));
    }
    const accepted = { destination: id, text: content, silent, ...(threadId !== null ? { thread: threadId } : {}), body };
    if (req.url.searchParams.get('wait') !== 'true') return { status: 204, headers, accepted };
    return {
      status: 200,
      headers,
      accepted,
      body: {
        id: snowflakeAt(now, ++this.counter),
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
