/**
 * The one interface every destination implements. `core/` and `delivery/` only ever talk to a
 * {@link Channel}; everything platform-specific (escaping, request shape, answer classification,
 * declared limits) stays in its driver file.
 */

import type { Card } from './card.js';

/** Severity of a notification. Errors also go to the ERROR destinations. */
export type Level = 'info' | 'error';

/**
 * A file sent with a message: a chart (PNG) or a long text (`.txt`). Plain data (the bytes as
 * base64), so an entry that carries one can be journaled like any other.
 */
export interface Attachment {
  /** File name shown to the reader, e.g. `equity.png`, `message.txt`. */
  readonly name: string;
  /** MIME type, e.g. `image/png`, `text/plain; charset=utf-8`. */
  readonly contentType: string;
  /** The bytes, base64-encoded. */
  readonly base64: string;
}

/**
 * A message a channel sent and can find again, to edit it or to reply to it. Opaque outside its
 * driver (Telegram: the message id; Discord: the message id; Slack: the channel and `ts`); plain data.
 */
export type MessageRef = string;

/** How a channel takes files. */
export interface FileSupport {
  /** Largest file one request may carry, in bytes. */
  readonly maxBytes: number;
  /** Longest text sent with a file (its caption), in the unit of {@link Channel.measure}; a longer text goes as its own message. */
  readonly captionMax: number;
  /** True when images are shown inline (a photo), not only as a download. */
  readonly images: boolean;
}

/** One request's worth of text (or cards), already cut to the channel's size limits. */
export interface OutgoingPart {
  /** Plain text; the driver escapes it for its platform. With `cards`, the one-line summaries of the cards. */
  readonly text: string;
  readonly level: Level;
  /** Deliver without a sound/notification where the platform supports it. */
  readonly silent: boolean;
  /** Rich cards, only for channels with {@link Channel.cards}; each already fits (see {@link CardSupport}). */
  readonly cards?: readonly Card[];
  /**
   * The same for every resend of this part and different for every other part: an idempotency
   * key for platforms that can refuse a duplicate (a resend after a timeout). At most 25 characters.
   */
  readonly key?: string;
  /** A file to send with this part (only for channels with {@link Channel.files}); `text` is its caption. */
  readonly file?: Attachment;
  /** Replace the text (and cards) of this sent message instead of sending a new one (only for channels with {@link Channel.edits}). */
  readonly edit?: MessageRef;
  /** Send as a reply to this message where the platform shows replies (else a new message). */
  readonly replyTo?: MessageRef;
}

/** How a channel takes rich cards. The delivery layer packs cards with it; the driver renders them. */
export interface CardSupport {
  /** True when these cards, in this order, fit one request. */
  fits(cards: readonly Card[]): boolean;
  /** Cuts a card too large for one request into cards that each fit alone: in order, nothing lost. */
  split(card: Card): readonly Card[];
}

/**
 * A proactive rate limit declared by a driver: a token bucket of `capacity` requests that
 * refills one token every `intervalMs`. Buckets with the same key are shared between channels
 * (e.g. one Telegram bot's 30 messages/s across all its chats).
 */
export interface RateBucket {
  readonly key: string;
  readonly capacity: number;
  readonly intervalMs: number;
  /** When set, the limit is a rolling window instead: at most `capacity` requests in any `windowMs`. */
  readonly windowMs?: number;
}

/** What a platform said about a bucket in its answer (Discord's `X-RateLimit-*` headers). */
export interface RateObservation {
  readonly bucketKey: string;
  readonly limit?: number;
  readonly remaining: number;
  readonly resetAfterMs: number;
}

/**
 * A driver's classification of one send attempt. The delivery layer's whole failure policy is
 * driven by this, never by status codes or platform names.
 */
export type SendOutcome =
  /** Delivered; `ref` names the message sent (channels with {@link Channel.edits}), for later edits and replies. */
  | { readonly kind: 'ok'; readonly rate?: RateObservation; readonly ref?: MessageRef }
  /** An edit found its message gone or too old to edit: send the part as a new message instead. */
  | { readonly kind: 'uneditable'; readonly reason: string }
  /** The platform asked us to wait (429). `blockKeys` are buckets that the wait applies to beyond this channel. */
  | { readonly kind: 'retry-after'; readonly delayMs: number; readonly reason: string; readonly blockKeys?: readonly string[]; readonly rate?: RateObservation }
  /** Worth retrying with backoff: 5xx, reset, timeout, DNS. */
  | { readonly kind: 'transient'; readonly reason: string }
  /** This message can never be delivered (e.g. a 400 about its content); the channel is fine. */
  | { readonly kind: 'rejected'; readonly reason: string; readonly fix?: string }
  /**
   * The destination itself is unusable (bad token, bot blocked, webhook deleted): stop using it.
   * `scope: 'group'` when the shared credential is at fault (a revoked bot token): every channel
   * of the same {@link Channel.group} stops too.
   */
  | { readonly kind: 'dead'; readonly reason: string; readonly fix?: string; readonly scope?: 'destination' | 'group' }
  /** The channel changed its own address (Telegram supergroup migration); send the same part again. */
  | { readonly kind: 'moved'; readonly reason: string; readonly fix: string };

/** A configured destination: one Telegram bot+chat, one webhook, the console… */
export interface Channel {
  /** Stable and secret-free; equal ids mean the same destination (used to de-duplicate routes). */
  readonly id: string;
  /** Human label with secrets redacted, e.g. `telegram bot 123456:AB… → chat -1001234`. */
  readonly label: string;
  /** Display name of the platform. */
  readonly platform: string;
  /** Largest text one request may carry, in the unit of {@link Channel.measure}. */
  readonly maxLength: number;
  /** Strings that must never appear in logs, errors or events. */
  readonly secrets: readonly string[];
  /** False when joining queued messages into one would read worse (the console). Default true. */
  readonly coalesce?: boolean;
  /** Present when the channel shows rich cards; without it, a card is sent as its text. */
  readonly cards?: CardSupport;
  /** Channels that share one credential (a bot's channels): a `dead` outcome with scope `group` stops them all. */
  readonly group?: string;
  /** Present when the channel can send files (charts, long texts as `.txt`). */
  readonly files?: FileSupport;
  /** True when the channel can edit a message it sent: `send` answers `ok` with a `ref`, and parts with `edit` work. */
  readonly edits?: boolean;
  /** True for a destination that belongs to this process (the console): never delivered through a queue shared with other processes. */
  readonly processLocal?: boolean;
  /** Length of `text` as the platform counts it against {@link Channel.maxLength}. */
  measure(text: string): number;
  /** Proactive limits for the next request (may change, e.g. after a migration). */
  buckets(): readonly RateBucket[];
  /** Send one part. Must not throw: every problem is a {@link SendOutcome}. */
  send(part: OutgoingPart, signal: AbortSignal): Promise<SendOutcome>;
  /** Release resources owned by this channel only (shared HTTP pools are closed elsewhere). */
  close?(): void;
}
