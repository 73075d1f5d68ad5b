/**
 * Shared types of the local platform fake (Telegram Bot API, Discord webhooks and bot API, Slack
 * incoming webhooks and Web API). Public names are re-exported from `fake-platforms.ts`; the
 * `Internal*` ones are the contract between the server and its per-platform handlers.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Rate limits the fake enforces. Defaults follow PLATFORMS.md (observed platform behaviour). */
export interface FakeLimits {
  /** Token bucket per bot and chat: `burst` messages at once, then `perSecond` refill. */
  telegramPerChat: { burst: number; perSecond: number };
  /** Messages per rolling minute into one group/channel (chat ids starting with `-`). */
  telegramPerGroupPerMinute: number;
  /** Messages per rolling second per bot token, across all chats. */
  telegramPerBotPerSecond: number;
  /** Fixed window per Discord webhook id; every POST to a live webhook counts. */
  discordPerWebhook: { limit: number; windowMs: number };
  /** Token bucket per Slack webhook (`T/B` part of the path). */
  slackPerWebhook: { burst: number; perSecond: number };
  /** Slack Web API chat.postMessage: token bucket per token and channel ("1 per second per channel, short bursts"). */
  slackPerChannel: { burst: number; perSecond: number };
  /** Discord bot API: fixed window per bot and channel for creating messages. */
  discordPerChannel: { limit: number; windowMs: number };
  /** Discord bot API: requests per rolling second per bot token, every route ("50 requests per second"). */
  discordGlobalPerSecond: number;
}

/** The limits used when `FakePlatformOptions.limits` leaves a field out. */
export const DEFAULT_LIMITS: Readonly<FakeLimits> = Object.freeze({
  telegramPerChat: { burst: 3, perSecond: 1 },
  telegramPerGroupPerMinute: 20,
  telegramPerBotPerSecond: 30,
  discordPerWebhook: { limit: 5, windowMs: 2000 },
  slackPerWebhook: { burst: 3, perSecond: 1 },
  slackPerChannel: { burst: 3, perSecond: 1 },
  discordPerChannel: { limit: 5, windowMs: 5000 },
  discordGlobalPerSecond: 50,
});

/** Options of {@link FakePlatformServer.start}. */
export interface FakePlatformOptions {
  /** TCP port on 127.0.0.1; 0 or absent picks a free one. */
  port?: number;
  /** Overrides of {@link DEFAULT_LIMITS}; nested objects replace the default object whole. */
  limits?: Partial<FakeLimits>;
  /** Time source in ms for rate limits and timestamps; tests pass a fake to skip sleeping. */
  clock?: () => number;
  /**
   * How many entries `messages` and `events` each keep; past it the oldest are dropped. Default
   * unlimited (tests and the benchmark read everything); a long-running sandbox sets a bound.
   */
  maxHistory?: number;
}

/** The platforms the fake serves. */
export type Platform = 'telegram' | 'discord' | 'slack';

/**
 * Which API of a platform a request used: `'webhook'` (Discord and Slack webhooks) or `'bot'`
 * (a bot token: the Telegram Bot API, the Discord bot API, the Slack Web API).
 */
export type Via = 'webhook' | 'bot';

/** One message the fake accepted (answered 2xx). */
export interface ReceivedMessage {
  /** 1-based arrival number across all platforms. */
  seq: number;
  platform: Platform;
  /**
   * Telegram: chat_id as a string. Discord: the webhook id, or the channel id (bot API). Slack:
   * the `T/B` part of the webhook path, or the channel id (Web API; a name is resolved to it).
   */
  destination: string;
  /** Which API delivered it. */
  via?: Via;
  /** Telegram: text as sent (markup included); Discord: `content`; Slack: `text`. */
  text: string;
  /** Telegram `disable_notification`; Discord `flags & 4096` (SUPPRESS_NOTIFICATIONS). */
  silent: boolean;
  /** Telegram `parse_mode`, when one was given. */
  parseMode?: string;
  /**
   * The thread it went into, when one was given: Telegram `message_thread_id`, Slack
   * `thread_ts`, Discord webhook `?thread_id=`.
   */
  thread?: string;
  /** The parsed request body (Telegram: query and body parameters merged). */
  body: unknown;
  /** Clock time (ms) of arrival. */
  at: number;
  /** The platform's id of this message, as later edits and replies name it (Telegram message_id, Discord message id, Slack ts). */
  id?: string;
  /** Set when this request edited an earlier message: that message's id. `text` and `body` are its new content. */
  edits?: string;
  /** Set when this message replies to another (Telegram reply_parameters, Discord message_reference, Slack thread_ts): that message's id. */
  replyTo?: string;
  /** Files uploaded with it (multipart), in order. */
  files?: ReceivedFile[];
}

/** A file a message carried. */
export interface ReceivedFile {
  /** The multipart field it came in (`photo`, `document`, `files[0]`), or the upload's name. */
  field: string;
  name: string;
  contentType: string;
  size: number;
  /** The bytes, base64 (the inbox shows images from it; tests decode it). */
  base64: string;
}

/**
 * Something a live inbox or a test may want to show: an accepted message, a 429, or any
 * other 4xx/5xx (including injected faults; `status` 0 for injected 'reset' and 'hang').
 * A 429 is reported once, as 'rate-limited', not also as 'error'.
 */
export interface ServerEvent {
  kind: 'message' | 'rate-limited' | 'error';
  platform: Platform;
  destination: string;
  /** Which API answered (absent only on events built outside the fake). */
  via?: Via;
  /**
   * HTTP status. A Slack Web API error is an 'error' with status 200: Slack answers
   * `{ ok: false, error }` with HTTP 200.
   */
  status: number;
  /** Error description (Telegram `description`, Discord `message`, Slack body or `error`); secrets redacted. */
  detail?: string;
  /** Set for kind 'message'. */
  message?: ReceivedMessage;
  at: number;
}

/**
 * What an injected fault answers instead of the real handler: a canned HTTP answer
 * (object body → JSON, string body → text/plain), `'reset'` (destroy the socket) or
 * `'hang'` (never answer; `close()` still finishes).
 */
export type Fault = { status: number; body?: unknown; headers?: Record<string, string> } | 'reset' | 'hang';

/** A request as the platform handlers see it (body already read). */
export interface InternalRequest {
  /** HTTP method, upper case. */
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  /** Aborted when the client goes away or the server closes (ends long polls). */
  signal: AbortSignal;
}

/** The part of a {@link ReceivedMessage} a handler decides; the server adds seq/at/platform. */
export interface InternalAccepted {
  destination: string;
  text: string;
  silent: boolean;
  parseMode?: string;
  thread?: string;
  body: unknown;
  id?: string;
  edits?: string;
  replyTo?: string;
  files?: ReceivedFile[];
}

/** A handler's answer plus what the server should record about it. */
export interface InternalReply {
  status: number;
  headers?: Record<string, string>;
  /** undefined → no body; string → text/plain; anything else → JSON. */
  body?: unknown;
  /** Set only when the request delivered a message (status must be 2xx). */
  accepted?: InternalAccepted;
  /** A refusal despite a 2xx status (Slack Web API `ok: false`): recorded as an 'error' event. */
  failed?: boolean;
  /** Event detail for 4xx/5xx answers (and `failed` ones). */
  detail?: string;
}

/** A routed request: what fault matching needs, and how to answer it for real. */
export interface InternalPrepared {
  /** Telegram chat id, Discord webhook or channel id, Slack `T/B` or channel id. */
  destination: string;
  /** Telegram: the Bot API method name; Slack Web API: its method name; webhooks and Discord bot: the HTTP method. */
  method: string;
  /** The HTTP method, when `method` is an API method name (a fault may match either). */
  httpMethod?: string;
  run(): InternalReply | Promise<InternalReply>;
}

/** One platform's request handler and state. */
export interface InternalHandler {
  readonly platform: Platform;
  /** Which API of the platform this handler serves. */
  readonly via: Via;
  /** Whether the path belongs to this platform (then this handler answers, even 404s). */
  owns(pathname: string): boolean;
  prepare(req: InternalRequest): InternalPrepared;
  /** Forget a message it accepted (the user deleted it): later edits of it fail as the platform's would. */
  deleteMessage?(destination: string, id: string): void;
  /** Forget all state (limits stay). */
  reset(): void;
  /** End pending work (long polls) so the server can close. */
  shutdown(): void;
}
