/**
 * A local fake of the Telegram Bot API, Discord webhooks and bot API, and Slack incoming
 * webhooks and Web API, on 127.0.0.1 with plain `node:http`. It enforces the platforms' real limits and answers with
 * their real error shapes (PLATFORMS.md), so a client that ignores limits gets 429s here
 * before it gets them in production. Used by integration tests, the benchmark and the
 * `herald sandbox` inbox (through the `event` stream).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { EventEmitter } from 'eventemitter3';
import { FakeDiscord } from './fake-discord.js';
import { discordBotId, FakeDiscordBot, type FakeDiscordChannel } from './fake-discord-bot.js';
import { FakeSlack, slackDestination } from './fake-slack.js';
import { DEFAULT_SLACK_SCOPES, FakeSlackApi, type FakeSlackChannel } from './fake-slack-api.js';
import { FakeTelegram, type FakeTelegramChat } from './fake-telegram.js';
import { redact as redactSecrets } from '../config/redact.js';
import {
  DEFAULT_LIMITS,
  type Fault,
  type FakeLimits,
  type FakePlatformOptions,
  type InternalHandler,
  type InternalPrepared,
  type InternalReply,
  type InternalRequest,
  type Platform,
  type ReceivedFile,
  type ReceivedMessage,
  type ServerEvent,
  type Via,
} from './types.js';

export { DEFAULT_LIMITS, DEFAULT_SLACK_SCOPES, discordBotId, redactSecrets, slackDestination };
export type {
  Fault,
  FakeDiscordChannel,
  ReceivedFile,
  FakeLimits,
  FakePlatformOptions,
  FakeSlackChannel,
  FakeTelegramChat,
  Platform,
  ReceivedMessage,
  ServerEvent,
  Via,
};

/** Bodies above this are refused with 413: Telegram takes uploads up to 50 MB, so its own size answers are reachable. */
const MAX_BODY_BYTES = 51 * 1024 * 1024;

/** Which requests an injected fault replaces; absent fields match anything. */
export interface FaultMatch {
  platform: Platform;
  /**
   * Telegram chat_id; Discord webhook id, or channel id for the bot API; Slack `T/B`, or channel
   * id for the Web API (also when the request named the channel).
   */
  destination?: string;
  /**
   * Case-insensitive. Telegram: Bot API method ('sendMessage'). Slack Web API: its method
   * ('chat.postMessage') or the HTTP method. Webhooks and the Discord bot API: the HTTP method.
   */
  method?: string;
  /** Only requests to this API of the platform (webhook or bot token). */
  via?: Via;
}

/**
 * An extra route served on the fake's own origin (the `herald sandbox` inbox page uses one).
 * Called only for paths no platform owns (`/bot…`, `/api/…` and `/services/…` stay the
 * platforms'), with the request body unread; returns true when it answered (or will answer)
 * the request. Requests it answers are not counted in {@link FakePlatformServer.requests}.
 */
export type ExtraRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;

interface PendingFault {
  match: FaultMatch;
  fault: Fault;
  remaining: number;
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Write an answer unless the socket is gone (reset faults, closed server, gone client). */
function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.writableEnded) return;
  let payload: string | undefined;
  let type: string | undefined;
  if (typeof body === 'string') {
    payload = body;
    type = 'text/plain; charset=utf-8';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    type = 'application/json';
  }
  const out: Record<string, string> = {};
  if (type) out['content-type'] = type;
  // 204/304 must not carry a length (RFC 9110); everything else gets one so keep-alive works.
  if (status !== 204 && status !== 304) out['content-length'] = String(payload === undefined ? 0 : Buffer.byteLength(payload));
  else payload = undefined;
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  res.writeHead(status, out);
  res.end(payload);
}

/** Short text for an event about an answer that carries no description of its own. */
function describeBody(body: unknown): string | undefined {
  if (typeof body === 'string') return body;
  if (body && typeof body === 'object') {
    const b = body as { description?: unknown; message?: unknown; error?: unknown };
    if (typeof b.description === 'string') return b.description;
    if (typeof b.message === 'string') return b.message;
    if (typeof b.error === 'string') return b.error; // Slack Web API
  }
  return undefined;
}

/**
 * The fake platforms server. Start with {@link FakePlatformServer.start}; listen to `event`
 * for a live view; always `close()` it (it also ends hanging requests and long polls).
 */
export class FakePlatformServer extends EventEmitter<{ event: [ServerEvent] }> {
  /** Every accepted (2xx) message, in arrival order (the latest `maxHistory` when that is set). */
  readonly messages: ReceivedMessage[] = [];
  /** Every message, 429 and error answer, in order (the latest `maxHistory` when that is set). */
  readonly events: ServerEvent[] = [];
  /** HTTP requests received (all of them, faults and 404s included). */
  requests = 0;
  /** TCP connections accepted; stays low when clients reuse keep-alive connections. */
  connections = 0;

  private readonly server: Server;
  private readonly clock: () => number;
  private readonly limits: FakeLimits;
  private readonly maxHistory: number;
  private readonly telegram: FakeTelegram;
  private readonly discord: FakeDiscord;
  private readonly discordBot: FakeDiscordBot;
  private readonly slack: FakeSlack;
  private readonly slackApi: FakeSlackApi;
  private readonly handlers: InternalHandler[];
  private readonly sockets = new Set<Socket>();
  private readonly aborts = new Set<AbortController>();
  private readonly routes: ExtraRoute[] = [];
  private faults: PendingFault[] = [];
  private seq = 0;
  private baseUrl = '';
  private closing: Promise<void> | undefined;

  private constructor(options: FakePlatformOptions) {
    super();
    this.clock = options.clock ?? Date.now;
    // Drop explicit `undefined`s so `{ limits: { discordPerWebhook: undefined } }` keeps the default.
    const given = Object.fromEntries(Object.entries(options.limits ?? {}).filter(([, v]) => v !== undefined));
    this.limits = { ...DEFAULT_LIMITS, ...given };
    const max = options.maxHistory ?? Infinity;
    if (!(max === Infinity || (Number.isSafeInteger(max) && max > 0)))
      throw new RangeError(`fake platforms: maxHistory must be a positive integer or Infinity, not ${String(max)}`);
    this.maxHistory = max;
    this.telegram = new FakeTelegram(this.clock, this.limits);
    this.discord = new FakeDiscord(this.clock, this.limits);
    this.discordBot = new FakeDiscordBot(this.clock, this.limits);
    this.slack = new FakeSlack(this.clock, this.limits);
    this.slackApi = new FakeSlackApi(this.clock, this.limits);
    // The first handler that owns a path answers it. Order matters under /api/: Slack Web API
    // methods (/api/chat.postMessage) and Discord bot routes (/api/v10/channels/…) come before
    // the Discord webhook handler, which takes whatever else is under /api/ (404s included).
    this.handlers = [this.telegram, this.slackApi, this.discordBot, this.discord, this.slack];
    this.server = createServer((req, res) => void this.handle(req, res));
    // Long enough that a client's pooled connection survives between bursts, as in production.
    this.server.keepAliveTimeout = 10_000;
    this.server.on('connection', (socket: Socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Start a server on 127.0.0.1 (never another interface: it answers anyone). */
  static async start(options: FakePlatformOptions = {}): Promise<FakePlatformServer> {
    const fake = new FakePlatformServer(options);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(options.port ?? 0, '127.0.0.1', () => {
        fake.server.off('error', reject);
        resolve();
      });
    });
    const address = fake.server.address();
    if (address === null || typeof address === 'string') throw new Error('fake platforms: no TCP address');
    fake.baseUrl = `http://127.0.0.1:${address.port}`;
    return fake;
  }

  /** `http://127.0.0.1:PORT`. */
  get url(): string {
    return this.baseUrl;
  }

  /** Base for Telegram clients (they append `/bot<token>/<method>`); same as {@link url}. */
  get telegramBaseUrl(): string {
    return this.baseUrl;
  }

  /** A Discord webhook URL on this server; any snowflake id and any token work. */
  discordWebhookUrl(id = '1000000000000000001', token = 'sandbox-webhook-token'): string {
    return `${this.baseUrl}/api/webhooks/${id}/${token}`;
  }

  /** Base URL for the Slack Web API (`SLACK_API_BASE_URL`): clients append `/chat.postMessage`. */
  get slackApiBaseUrl(): string {
    return `${this.baseUrl}/api`;
  }

  /** Base URL for the Discord bot API (`DISCORD_API_BASE_URL`): clients append `/v10/channels/…`. */
  get discordApiBaseUrl(): string {
    return `${this.baseUrl}/api`;
  }

  /** A Slack incoming-webhook URL on this server; `path` is `T/B/secret` (or `/services/...`). */
  slackWebhookUrl(path = 'T000/B000/XXXXXXXX'): string {
    return `${this.baseUrl}/services/${path.replace(/^\/?(services\/)?/, '')}`;
  }

  /** Number of 429s answered (among the events kept), optionally for one platform and destination. */
  rateLimited(platform?: Platform, destination?: string): number {
    return this.events.filter(
      (e) => e.kind === 'rate-limited' && (platform === undefined || e.platform === platform) && (destination === undefined || e.destination === destination),
    ).length;
  }

  /** Accepted messages of one platform, optionally for one destination. */
  messagesFor(platform: Platform, destination?: string): ReceivedMessage[] {
    return this.messages.filter((m) => m.platform === platform && (destination === undefined || m.destination === destination));
  }

  /**
   * Make the next `times` requests matching `match` answer `fault` instead (before any
   * platform logic, like a proxy or network failure would). Faults are tried in the order
   * they were injected; `times` may be `Infinity`.
   */
  inject(match: FaultMatch, fault: Fault, times = 1): void {
    if (times > 0) this.faults.push({ match, fault, remaining: times });
  }

  /** Telegram: this token answers 401 Unauthorized from now on. */
  revokeToken(token: string): void {
    this.telegram.revokeToken(token);
  }

  /** Telegram: sendMessage to this chat answers 403 (default 'Forbidden: bot was blocked by the user'). */
  blockChat(chatId: string, description?: string): void {
    this.telegram.blockChat(chatId, description);
  }

  /** Telegram: this chat answers 400 'Bad Request: chat not found'. */
  unknownChat(chatId: string): void {
    this.telegram.unknownChat(chatId);
  }

  /** Telegram: `from` answers 400 'group chat was upgraded…' with `parameters.migrate_to_chat_id`. */
  migrateChat(from: string, to: string): void {
    this.telegram.migrateChat(from, to);
  }

  /** Telegram: make a chat known to getChat (and to the `chat` object of sent messages). */
  addChat(chat: FakeTelegramChat): void {
    this.telegram.addChat(chat);
  }

  /**
   * Telegram: queue an update for getUpdates (an `update_id` is assigned if missing or stale).
   * A user's `message` becomes part of its chat: it gets the chat's next `message_id` (and a
   * `date`) when it has none, and bots can reply to it. Returns the update as queued.
   */
  pushUpdate(update: object): Record<string, unknown> & { update_id: number } {
    return this.telegram.pushUpdate(update);
  }

  /** Telegram: while active, getUpdates answers 409 Conflict and getWebhookInfo shows a URL. */
  setWebhookActive(active: boolean): void {
    this.telegram.setWebhookActive(active);
  }

  /** Discord: this webhook id answers 404 Unknown Webhook (code 10015) from now on. */
  /**
   * Deletes a message the fake accepted, as a user would: editing it afterwards fails the way
   * the platform answers (Telegram "message to edit not found", Discord 10008, Slack
   * `message_not_found`). `via` picks the API when a platform has two (default: either).
   */
  deleteMessage(platform: Platform, destination: string, id: string, via?: Via): void {
    for (const h of this.handlers) if (h.platform === platform && (via === undefined || h.via === via)) h.deleteMessage?.(destination, id);
  }

  deleteDiscordWebhook(id: string): void {
    this.discord.deleteWebhook(id);
  }

  /** Slack: this webhook (full URL, `T/B/secret` or `T/B`) answers 410 `channel_is_archived`. */
  archiveSlackChannel(path: string): void {
    this.slack.archive(path);
  }

  /** Telegram: make `chatId` a forum whose topics are `topicIds` (null: an ordinary chat again). */
  setTelegramForum(chatId: string, topicIds: readonly number[] | null): void {
    this.telegram.setForum(chatId, topicIds);
  }

  /**
   * Slack Web API: add a channel (or replace the one with the same id). Defaults: the bot is
   * a member, not archived, public.
   */
  addSlackChannel(channel: FakeSlackChannel): void {
    this.slackApi.addChannel(channel);
  }

  /** Slack Web API: the scopes `token` has (answered in `x-oauth-scopes`); default {@link DEFAULT_SLACK_SCOPES}. */
  setSlackScopes(token: string, scopes: readonly string[]): void {
    this.slackApi.setScopes(token, scopes);
  }

  /** Slack Web API: this token answers `token_revoked` from now on. */
  revokeSlackToken(token: string): void {
    this.slackApi.revokeToken(token);
  }

  /**
   * Discord bot API: add a channel (or replace the one with the same id). Defaults: in the
   * sandbox guild, visible and sendable.
   */
  addDiscordChannel(channel: FakeDiscordChannel): void {
    this.discordBot.addChannel(channel);
  }

  /** Discord bot API: this token answers 401 Unauthorized from now on. */
  revokeDiscordBotToken(token: string): void {
    this.discordBot.revokeToken(token);
  }

  /**
   * Serve `route` on this server's origin for paths no platform owns (see {@link ExtraRoute}).
   * Routes are tried in mount order. Returns a function that unmounts it.
   */
  mount(route: ExtraRoute): () => void {
    this.routes.push(route);
    return () => {
      const i = this.routes.indexOf(route);
      if (i >= 0) this.routes.splice(i, 1);
    };
  }

  /** Forget messages, events, counters, faults and platform state; limits stay. */
  reset(): void {
    this.messages.length = 0;
    this.events.length = 0;
    this.requests = 0;
    this.connections = 0;
    this.faults = [];
    this.seq = 0;
    for (const h of this.handlers) h.reset();
  }

  /** Stop listening and destroy every socket, including hanging requests and long polls. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const ac of this.aborts) ac.abort();
      for (const h of this.handlers) h.shutdown();
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closing;
  }

  private takeFault(handler: InternalHandler, prepared: InternalPrepared): Fault | undefined {
    const methods = [prepared.method, prepared.httpMethod].filter((m): m is string => m !== undefined).map((m) => m.toLowerCase());
    const i = this.faults.findIndex(
      ({ match }) =>
        match.platform === handler.platform &&
        (match.via === undefined || match.via === handler.via) &&
        (match.destination === undefined || match.destination === prepared.destination) &&
        (match.method === undefined || methods.includes(match.method.toLowerCase())),
    );
    if (i < 0) return undefined;
    const pending = this.faults[i]!;
    if (--pending.remaining <= 0) this.faults.splice(i, 1);
    return pending.fault;
  }

  /** Appends to a history list, dropping the oldest entries past {@link maxHistory}. */
  private remember<T>(list: T[], item: T): void {
    list.push(item);
    if (list.length > this.maxHistory) list.splice(0, list.length - this.maxHistory);
  }

  private emitEvent(event: ServerEvent): void {
    this.remember(this.events, event);
    try {
      this.emit('event', event);
    } catch (err) {
      // A broken listener must not turn into a fake platform error; surface it loudly instead.
      queueMicrotask(() => {
        throw err;
      });
    }
  }

  /** Record what an answer means (message / 429 / error) before the client can see it. */
  private record(handler: InternalHandler, destination: string, reply: InternalReply): void {
    const { platform, via } = handler;
    const at = this.clock();
    const { status } = reply;
    if (reply.accepted && status >= 200 && status < 300) {
      const { destination: to, text, silent, parseMode, thread, body, id, edits, replyTo, files } = reply.accepted;
      const message: ReceivedMessage = {
        seq: ++this.seq,
        platform,
        destination: to,
        via,
        text,
        silent,
        ...(parseMode !== undefined ? { parseMode } : {}),
        ...(thread !== undefined ? { thread } : {}),
        body,
        at,
        ...(id !== undefined ? { id } : {}),
        ...(edits !== undefined ? { edits } : {}),
        ...(replyTo !== undefined ? { replyTo } : {}),
        ...(files !== undefined ? { files } : {}),
      };
      this.remember(this.messages, message);
      this.emitEvent({ kind: 'message', platform, destination: to, via, status, message, at });
      return;
    }
    if (status < 400 && !reply.failed) return;
    const detail = reply.detail ?? describeBody(reply.body);
    this.emitEvent({
      kind: status === 429 ? 'rate-limited' : 'error',
      platform,
      destination,
      via,
      status,
      ...(detail !== undefined ? { detail: redactSecrets(detail) } : {}),
      at,
    });
  }

  /** Answers with a mounted route when one takes the request; true if one did. */
  private routed(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.routes.length === 0) return false;
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      return false;
    }
    if (this.handlers.some((h) => h.owns(url.pathname))) return false;
    try {
      return this.routes.some((route) => route(req, res, url));
    } catch (err) {
      send(res, 500, `sandbox internal error: ${redactSecrets(String(err))}`);
      return true;
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.routed(req, res)) return;
    this.requests++;
    const ac = new AbortController();
    this.aborts.add(ac);
    res.once('close', () => {
      this.aborts.delete(ac);
      ac.abort();
    });
    try {
      const raw = await readBody(req);
      if (raw === undefined) {
        send(res, 413, 'request body too large', { connection: 'close' });
        return;
      }
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const handler = this.handlers.find((h) => h.owns(url.pathname));
      if (!handler) {
        send(res, 404, 'Not Found');
        return;
      }
      const request: InternalRequest = { method: (req.method ?? 'GET').toUpperCase(), url, headers: req.headers, raw, signal: ac.signal };
      const prepared = handler.prepare(request);
      const fault = this.takeFault(handler, prepared);
      if (fault !== undefined) {
        this.answerFault(handler, prepared.destination, fault, res);
        return;
      }
      const reply = await prepared.run();
      if (res.destroyed) return; // client or close() went away during a long poll
      this.record(handler, prepared.destination, reply);
      send(res, reply.status, reply.body, reply.headers);
    } catch (err) {
      send(res, 500, `sandbox internal error: ${redactSecrets(String(err))}`);
    }
  }

  private answerFault(handler: InternalHandler, destination: string, fault: Fault, res: ServerResponse): void {
    const at = this.clock();
    if (fault === 'reset' || fault === 'hang') {
      const { platform, via } = handler;
      this.emitEvent({ kind: 'error', platform, destination, via, status: 0, detail: `injected fault: ${fault}`, at });
      if (fault === 'reset') res.socket?.destroy();
      return; // 'hang': never answer; close() destroys the socket
    }
    this.record(handler, destination, {
      status: fault.status,
      body: fault.body,
      detail: `injected fault: ${describeBody(fault.body) ?? `HTTP ${fault.status}`}`,
    });
    send(res, fault.status, fault.body, fault.headers);
  }
}
