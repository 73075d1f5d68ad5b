/**
 * Fake Discord bot API: `POST /api/v10/channels/{id}/messages` (JSON or multipart uploads,
 * replies by `message_reference`), `PATCH /api/v10/channels/{id}/messages/{message_id}`,
 * `GET /api/v10/channels/{id}` and `GET /api/v10/users/@me` (v9 and unversioned paths too), with
 * `Authorization: Bot <token>`. Answers like Discord (.scratch/bot-apis.md §6–8): 401 for a bad
 * or revoked token, 50035 for an id that is not a snowflake, 10003 for an unknown channel, 50001
 * for one the bot cannot see, 50013 for one it cannot post in, 10008 for an edit of a message
 * that is not there, 50005 for one another author sent; nonce + enforce_nonce make a resend
 * return the first message instead of creating a second. Limits: a fixed window per bot and
 * channel for creating and editing messages, and the global 50 requests per second per bot.
 */
import {
  applyEdit,
  attachmentObjects,
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
  SentMessages,
  snowflakeAt,
} from './discord-payload.js';
import { FixedWindow, getOrCreate, safeDecode, SlidingWindow } from './rate-window.js';
import type { FakeLimits, InternalHandler, InternalPrepared, InternalReply, InternalRequest } from './types.js';

/** A channel the fake Discord bot knows. */
export interface FakeDiscordChannel {
  /** Snowflake. */
  id: string;
  name: string;
  /** Default: the sandbox guild. */
  guildId?: string;
  /** VIEW_CHANNEL: without it every route answers 403 Missing Access (50001). Default true. */
  canView?: boolean;
  /** SEND_MESSAGES: without it creating a message answers 403 Missing Permissions (50013). Default true. */
  canSend?: boolean;
}

const OWNS_RE = /^\/api(?:\/v\d+)?\/(?:channels|users)(?:\/|$)/;
const MESSAGES_RE = /^\/api(?:\/v\d+)?\/channels\/([^/]*)\/messages\/?$/;
const MESSAGE_RE = /^\/api(?:\/v\d+)?\/channels\/([^/]*)\/messages\/([^/]+)\/?$/;
const CHANNEL_RE = /^\/api(?:\/v\d+)?\/channels\/([^/]*)\/?$/;
const ME_RE = /^\/api(?:\/v\d+)?\/users\/(?:@me|%40me)\/?$/i;
const TOKEN_RE = /^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{25,}$/;
/** The bot's id when the token's first part does not decode to one. */
const FALLBACK_BOT_ID = '1400000000000000000';
const SANDBOX_GUILD_ID = '1100000000000000001';
const BOT_NAME = 'Herald Sandbox';
/** How long enforce_nonce remembers a nonce; Discord says "the past few minutes". */
const NONCE_WINDOW_MS = 5 * 60_000;

type Route =
  { kind: 'messages' | 'channel'; channelId: string } | { kind: 'message'; channelId: string; messageId: string } | { kind: 'me' } | { kind: 'unknown' };

interface Known {
  id: string;
  name: string;
  guildId: string;
  canView: boolean;
  canSend: boolean;
}

const unauthorized = (): InternalReply => discordError(401, '401: Unauthorized', 0);

function route(pathname: string): Route {
  let m = MESSAGES_RE.exec(pathname);
  if (m) return { kind: 'messages', channelId: safeDecode(m[1]!) };
  m = MESSAGE_RE.exec(pathname);
  if (m) return { kind: 'message', channelId: safeDecode(m[1]!), messageId: safeDecode(m[2]!) };
  m = CHANNEL_RE.exec(pathname);
  if (m) return { kind: 'channel', channelId: safeDecode(m[1]!) };
  if (ME_RE.test(pathname)) return { kind: 'me' };
  return { kind: 'unknown' };
}

/** The token from `Authorization: Bot <token>`, if the header has that shape. */
function botToken(req: InternalRequest): string | undefined {
  const m = /^Bot\s+(\S+)\s*$/.exec(String(req.headers['authorization'] ?? ''));
  return m && TOKEN_RE.test(m[1]!) ? m[1] : undefined;
}

/** The bot's user id: the token's first part is base64url of it (serenity `token.rs`). */
export function discordBotId(token: string): string {
  const decoded = Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8');
  return /^\d{17,20}$/.test(decoded) ? decoded : FALLBACK_BOT_ID;
}

/** A nonce as Discord takes it: an integer, or a string of at most 25 characters. */
function checkNonce(nonce: unknown): InternalReply | undefined {
  if (nonce === undefined || nonce === null) return undefined;
  if (typeof nonce === 'number' && Number.isSafeInteger(nonce)) return undefined;
  if (typeof nonce === 'string') return nonce.length <= 25 ? undefined : invalidForm({ nonce: maxLength(25) });
  return invalidForm({ nonce: fieldError('NONCE_TYPE_INVALID', 'Nonce must be an integer or a string of 25 characters at most.') });
}

/** The Discord bot API part of the fake server (webhooks are fake-discord.ts). */
export class FakeDiscordBot implements InternalHandler {
  readonly platform = 'discord' as const;
  readonly via = 'bot' as const;

  private channels = new Map<string, Known>();
  private revoked = new Set<string>();
  private global = new Map<string, SlidingWindow>();
  private windows = new Map<string, FixedWindow>();
  /** `bot|channel|nonce` → the message it created and when. */
  private nonces = new Map<string, { at: number; message: Record<string, unknown> }>();
  /** Messages the bots sent, for edits and replies. */
  private sent = new SentMessages();
  private counter = 0;

  constructor(
    private readonly clock: () => number,
    private readonly limits: FakeLimits,
  ) {}

  owns(pathname: string): boolean {
    return OWNS_RE.test(pathname);
  }

  prepare(req: InternalRequest): InternalPrepared {
    const r = route(req.url.pathname);
    const destination = r.kind === 'messages' || r.kind === 'message' || r.kind === 'channel' ? r.channelId : '';
    return { destination, method: req.method, run: () => this.run(req, r) };
  }

  private async run(req: InternalRequest, r: Route): Promise<InternalReply> {
    if (r.kind === 'unknown') return discordError(404, '404: Not Found', 0);
    const token = botToken(req);
    if (token === undefined || this.revoked.has(token)) return unauthorized();
    const botId = discordBotId(token);
    const now = this.clock();

    // The global limit counts every authenticated request, before any route's own bucket.
    const global = getOrCreate(this.global, botId, () => new SlidingWindow(this.limits.discordGlobalPerSecond, 1000));
    const globalWait = global.waitMs(now);
    if (globalWait > 0) return rateLimited(globalWait, true, {});
    global.take(now);

    if (r.kind === 'me') {
      if (req.method !== 'GET') return discordError(405, '405: Method Not Allowed', 0);
      return { status: 200, body: { id: botId, username: BOT_NAME, discriminator: '0000', global_name: null, avatar: null, bot: true, flags: 0 } };
    }

    const { channelId } = r;
    if (!isSnowflake(channelId)) {
      return invalidForm({ channel_id: fieldError('NUMBER_TYPE_COERCE', `Value "${channelId}" is not snowflake.`) });
    }
    const expected = r.kind === 'messages' ? 'POST' : r.kind === 'message' ? 'PATCH' : 'GET';
    if (req.method !== expected) return discordError(405, '405: Method Not Allowed', 0);

    // One bucket per route and channel (a top-level resource), per bot; the route's bucket
    // hash is the same for every channel, like Discord's. Charged before the channel is looked
    // at, so refused requests cost a slot too. Edits share the bucket of creating messages.
    const { limit, windowMs } = this.limits.discordPerChannel;
    const routeKey = r.kind === 'channel' ? 'GET /channels/{id}' : 'POST /channels/{id}/messages';
    const state = getOrCreate(this.windows, `${routeKey}|${botId}|${channelId}`, () => new FixedWindow(limit, windowMs)).consume(now);
    const headers = rateLimitHeaders(routeKey, state);
    if (!state.allowed) return rateLimited(state.resetAfterMs, false, headers);
    const withHeaders = (reply: InternalReply): InternalReply => ({ ...reply, headers: { ...headers, ...reply.headers } });

    const channel = this.channels.get(channelId);
    if (!channel) return withHeaders(discordError(404, 'Unknown Channel', 10003));
    if (!channel.canView) return withHeaders(discordError(403, 'Missing Access', 50001));
    if (r.kind === 'message') return withHeaders(await this.editMessage(req, botId, channel, r.messageId, now));
    if (r.kind === 'channel') {
      return withHeaders({
        status: 200,
        body: {
          id: channel.id,
          type: 0,
          name: channel.name,
          guild_id: channel.guildId,
          position: 0,
          parent_id: null,
          nsfw: false,
          topic: null,
          permission_overwrites: [],
        },
      });
    }
    if (!channel.canSend) return withHeaders(discordError(403, 'Missing Permissions', 50013));
    return withHeaders(await this.createMessage(req, botId, channel, now));
  }

  private nextId(now: number): string {
    return snowflakeAt(now, ++this.counter);
  }

  private async createMessage(req: InternalRequest, botId: string, channel: Known, now: number): Promise<InternalReply> {
    const { body, files, error } = await readDiscordBody(req);
    if (error) return error;
    const checked = checkMessage(body, () => checkNonce(body['nonce']), { files: files.length });
    if (isReply(checked)) return checked;
    const { content, flags, silent } = checked;
    const reference = this.reference(body['message_reference'], channel.id);
    if (reference && 'status' in reference) return reference;

    const nonce = body['nonce'];
    const enforce = body['enforce_nonce'] === true && (typeof nonce === 'string' || typeof nonce === 'number');
    const nonceKey = `${botId}|${channel.id}|${String(nonce)}`;
    if (enforce) {
      this.forgetOldNonces(now);
      const earlier = this.nonces.get(nonceKey);
      // The message this author already created with this nonce, and nothing new recorded.
      if (earlier) return { status: 200, body: earlier.message };
    }
    const id = this.nextId(now);
    const message: Record<string, unknown> = {
      id,
      // 19 is a reply, 0 an ordinary message.
      type: reference ? 19 : 0,
      channel_id: channel.id,
      content,
      embeds: Array.isArray(body['embeds']) ? body['embeds'] : [],
      ...(nonce !== undefined && nonce !== null ? { nonce } : {}),
      author: { id: botId, username: BOT_NAME, discriminator: '0000', global_name: null, avatar: null, bot: true },
      attachments: attachmentObjects(files, channel.id, () => this.nextId(now)),
      ...(reference ? { message_reference: { type: 0, message_id: reference.id, channel_id: channel.id, guild_id: channel.guildId } } : {}),
      mentions: [],
      mention_roles: [],
      mention_everyone: false,
      pinned: false,
      tts: false,
      timestamp: new Date(now).toISOString(),
      edited_timestamp: null,
      flags,
      components: [],
    };
    if (enforce) this.nonces.set(nonceKey, { at: now, message });
    this.sent.add(id, { destination: channel.id, message });
    return {
      status: 200,
      body: message,
      accepted: {
        destination: channel.id,
        text: content,
        silent,
        body,
        id,
        ...(reference ? { replyTo: reference.id } : {}),
        ...(files.length ? { files } : {}),
      },
    };
  }

  /**
   * The message a `message_reference` replies to: its id, nothing when there is no reference or
   * it names a missing message with `fail_if_not_exists: false` (then a plain message), else
   * Discord's refusal.
   */
  private reference(raw: unknown, channelId: string): { id: string } | InternalReply | undefined {
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'object' || Array.isArray(raw))
      return invalidForm({ message_reference: fieldError('MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType') });
    const ref = raw as Record<string, unknown>;
    const id = String(ref['message_id'] ?? '');
    if (!isSnowflake(id)) return invalidForm({ message_reference: { message_id: fieldError('NUMBER_TYPE_COERCE', `Value "${id}" is not snowflake.`) } });
    if (this.sent.get(channelId, id)) return { id };
    if (ref['fail_if_not_exists'] === false) return undefined;
    return invalidForm({ message_reference: fieldError('REPLIES_UNKNOWN_MESSAGE', 'Unknown message') });
  }

  /** Edit Message: only a message of this channel, and only one this bot sent. */
  private async editMessage(req: InternalRequest, botId: string, channel: Known, messageId: string, now: number): Promise<InternalReply> {
    const sent = this.sent.get(channel.id, messageId);
    if (!sent) return discordError(404, 'Unknown Message', 10008);
    if ((sent.message['author'] as { id?: string } | undefined)?.id !== botId)
      return discordError(403, 'Cannot edit a message authored by another user', 50005);
    const { body, files, error } = await readDiscordBody(req);
    if (error) return error;
    const checked = checkMessage(body, undefined, { edit: true });
    if (isReply(checked)) return checked;
    const { message: edited, error: empty } = applyEdit(sent.message, body, files, now, () => this.nextId(now));
    if (empty) return empty;
    this.sent.add(messageId, { ...sent, message: edited });
    // An edit never notifies anyone: recorded as silent.
    const accepted = {
      destination: channel.id,
      text: String(edited['content'] ?? ''),
      silent: true,
      body,
      id: messageId,
      edits: messageId,
      ...(files.length ? { files } : {}),
    };
    return { status: 200, body: edited, accepted };
  }

  /** See {@link FakePlatformServer.deleteMessage}: `destination` is the channel id. */
  deleteMessage(destination: string, id: string): void {
    this.sent.delete(String(destination), String(id));
  }

  /** Drops nonces older than the window (the map is in insertion order, so oldest first). */
  private forgetOldNonces(now: number): void {
    for (const [key, entry] of this.nonces) {
      if (now - entry.at < NONCE_WINDOW_MS) break;
      this.nonces.delete(key);
    }
  }

  /** See {@link FakePlatformServer.addDiscordChannel}. */
  addChannel(channel: FakeDiscordChannel): void {
    const id = String(channel.id);
    this.channels.set(id, {
      id,
      name: channel.name,
      guildId: channel.guildId ?? SANDBOX_GUILD_ID,
      canView: channel.canView ?? true,
      canSend: channel.canSend ?? true,
    });
  }

  /** See {@link FakePlatformServer.revokeDiscordBotToken}. */
  revokeToken(token: string): void {
    this.revoked.add(token);
  }

  reset(): void {
    this.channels.clear();
    this.revoked.clear();
    this.global.clear();
    this.windows.clear();
    this.nonces.clear();
    this.sent.clear();
    this.counter = 0;
  }

  shutdown(): void {}
}
