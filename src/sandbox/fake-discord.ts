/**
 * Fake Discord webhooks: `POST|GET /api[/vN]/webhooks/:id/:token` (with `?wait=true` the message
 * object, else 204; JSON or multipart uploads) and `PATCH …/messages/:message_id` (Edit Webhook
 * Message), with the per-webhook window, shared by sends and edits, and the X-RateLimit-* headers
 * a bucket-aware client (like @discordjs/rest) reads.
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
import { FixedWindow, getOrCreate, safeDecode, type FixedWindowState } from './rate-window.js';
import { codePointLength } from './telegram-markup.js';
import type { FakeLimits, InternalHandler, InternalPrepared, InternalReply, InternalRequest, ReceivedFile } from './types.js';

const ROUTE_RE = /^\/api(?:\/v\d+)?\/webhooks\/([^/]+)\/([^/]+)(?:\/messages\/([^/]+))?\/?$/;
const CHANNEL_ID = '1200000000000000001';
const GUILD_ID = '1100000000000000001';

/** The Discord webhooks part of the fake server (the bot API is fake-discord-bot.ts). */
export class FakeDiscord implements InternalHandler {
  readonly platform = 'discord' as const;
  readonly via = 'webhook' as const;

  private deleted = new Set<string>();
  private windows = new Map<string, FixedWindow>();
  private sent = new SentMessages();
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
    const messageId = m[3] === undefined ? undefined : safeDecode(m[3]);
    return { destination: id, method: req.method, run: () => this.run(req, id, token, messageId) };
  }

  private window(id: string): FixedWindow {
    const { limit, windowMs } = this.limits.discordPerWebhook;
    return getOrCreate(this.windows, id, () => new FixedWindow(limit, windowMs));
  }

  private headers(id: string, s: FixedWindowState): Record<string, string> {
    return rateLimitHeaders(`webhook:${id}`, s);
  }

  private nextId(now: number): string {
    return snowflakeAt(now, ++this.counter);
  }

  private async run(req: InternalRequest, id: string, token: string, messageId: string | undefined): Promise<InternalReply> {
    if (!isSnowflake(id)) {
      return { status: 400, body: { webhook_id: [`Value "${id}" is not snowflake.`] }, detail: 'webhook id is not a snowflake' };
    }
    const now = this.clock();
    if (this.deleted.has(id)) {
      return { ...discordError(404, 'Unknown Webhook', 10015), headers: this.headers(id, this.window(id).peek(now)) };
    }
    if (messageId === undefined && req.method === 'GET') {
      return {
        status: 200,
        headers: this.headers(id, this.window(id).peek(now)),
        body: { id, type: 1, name: 'Herald Sandbox', avatar: null, channel_id: CHANNEL_ID, guild_id: GUILD_ID, application_id: null, token },
      };
    }
    if (req.method !== (messageId === undefined ? 'POST' : 'PATCH')) return discordError(405, '405: Method Not Allowed', 0);

    // Discord charges the bucket before looking at the body, so bad requests count too; edits
    // and uploads share the webhook's window with sends.
    const state = this.window(id).consume(now);
    const headers = this.headers(id, state);
    if (!state.allowed) return rateLimited(state.resetAfterMs, false, headers);
    const withHeaders = (r: InternalReply): InternalReply => ({ ...r, headers: { ...headers, ...r.headers } });

    // ?thread_id= posts into (or edits in) a thread of the webhook's channel; any snowflake stands for one.
    const threadId = req.url.searchParams.get('thread_id');
    if (threadId !== null && !isSnowflake(threadId)) {
      return withHeaders(invalidForm({ thread_id: fieldError('NUMBER_TYPE_COERCE', `Value "${threadId}" is not snowflake.`) }));
    }
    const read = await readDiscordBody(req);
    if (read.error) return withHeaders(read.error);
    const reply =
      messageId === undefined ? this.execute(req, id, threadId, read.body, read.files, now) : this.edit(id, messageId, threadId, read.body, read.files, now);
    return withHeaders(reply);
  }

  /** Execute Webhook: a new message, answered with its object when `?wait=true`. */
  private execute(req: InternalRequest, id: string, threadId: string | null, body: Record<string, unknown>, files: ReceivedFile[], now: number): InternalReply {
    const username = body['username'];
    const checked = checkMessage(
      body,
      () => {
        if (typeof username !== 'string') return undefined;
        if (codePointLength(username) > 80) return invalidForm({ username: maxLength(80) });
        const banned = ['discord', 'clyde'].find((w) => username.toLowerCase().includes(w));
        return banned ? invalidForm({ username: fieldError('USERNAME_INVALID_CONTAINS', `Username cannot contain "${banned}"`) }) : undefined;
      },
      { files: files.length },
    );
    if (isReply(checked)) return checked;
    const { content, flags, silent } = checked;
    const channelId = threadId ?? CHANNEL_ID;
    const messageId = this.nextId(now);
    const message: Record<string, unknown> = {
      id: messageId,
      type: 0,
      content,
      channel_id: channelId,
      author: { id, username: typeof username === 'string' ? username : 'Herald Sandbox', discriminator: '0000', avatar: null, bot: true },
      attachments: attachmentObjects(files, channelId, () => this.nextId(now)),
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
    };
    this.sent.add(messageId, { destination: id, ...(threadId !== null ? { thread: threadId } : {}), message });
    // Webhooks cannot reply: Execute Webhook has no message_reference, so none is recorded.
    const accepted = {
      destination: id,
      text: content,
      silent,
      ...(threadId !== null ? { thread: threadId } : {}),
      body,
      id: messageId,
      ...(files.length ? { files } : {}),
    };
    if (req.url.searchParams.get('wait') !== 'true') return { status: 204, accepted };
    return { status: 200, accepted, body: message };
  }

  /** Edit Webhook Message: only a message this webhook sent, found in its thread (`?thread_id=`) when it is in one. */
  private edit(id: string, messageId: string, threadId: string | null, body: Record<string, unknown>, files: ReceivedFile[], now: number): InternalReply {
    const sent = this.sent.get(id, messageId);
    if (!sent || (sent.thread ?? null) !== threadId) return discordError(404, 'Unknown Message', 10008);
    const checked = checkMessage(body, undefined, { edit: true });
    if (isReply(checked)) return checked;
    const { message: edited, error } = applyEdit(sent.message, body, files, now, () => this.nextId(now));
    if (error) return error;
    this.sent.add(messageId, { ...sent, message: edited });
    const text = String(edited['content'] ?? '');
    // An edit never notifies anyone: recorded as silent.
    const accepted = {
      destination: id,
      text,
      silent: true,
      ...(sent.thread !== undefined ? { thread: sent.thread } : {}),
      body,
      id: messageId,
      edits: messageId,
      ...(files.length ? { files } : {}),
    };
    return { status: 200, accepted, body: edited };
  }

  /** See {@link FakePlatformServer.deleteMessage}: `destination` is the webhook id. */
  deleteMessage(destination: string, id: string): void {
    this.sent.delete(String(destination), String(id));
  }

  /** See {@link FakePlatformServer.deleteDiscordWebhook}. */
  deleteWebhook(id: string): void {
    this.deleted.add(String(id));
  }

  reset(): void {
    this.deleted.clear();
    this.windows.clear();
    this.sent.clear();
    this.counter = 0;
  }

  shutdown(): void {}
}
