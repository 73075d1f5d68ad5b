/**
 * The one interface every destination implements. `core/` and `delivery/` only ever talk to a
 * {@link Channel}; everything platform-specific (escaping, request shape, answer classification,
 * declared limits) stays in its driver file.
 */

/** Severity of a notification. Errors also go to the ERROR destinations. */
export type Level = 'info' | 'error';

/** One request's worth of text, already cut to the channel's size limit. */
export interface OutgoingPart {
  /** Plain text; the driver escapes it for its platform. */
  readonly text: string;
  readonly level: Level;
  /** Deliver without a sound/notification where the platform supports it. */
  readonly silent: boolean;
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
  | { readonly kind: 'ok'; readonly rate?: RateObservation }
  /** The platform asked us to wait (429). `blockKeys` are buckets that the wait applies to beyond this channel. */
  | { readonly kind: 'retry-after'; readonly delayMs: number; readonly reason: string; readonly blockKeys?: readonly string[]; readonly rate?: RateObservation }
  /** Worth retrying with backoff: 5xx, reset, timeout, DNS. */
  | { readonly kind: 'transient'; readonly reason: string }
  /** This message can never be delivered (e.g. a 400 about its content); the channel is fine. */
  | { readonly kind: 'rejected'; readonly reason: string; readonly fix?: string }
  /** The destination itself is unusable (bad token, bot blocked, webhook deleted): stop using it. */
  | { readonly kind: 'dead'; readonly reason: string; readonly fix?: string }
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
  /** Length of `text` as the platform counts it against {@link Channel.maxLength}. */
  measure(text: string): number;
  /** Proactive limits for the next request (may change, e.g. after a migration). */
  buckets(): readonly RateBucket[];
  /** Send one part. Must not throw: every problem is a {@link SendOutcome}. */
  send(part: OutgoingPart, signal: AbortSignal): Promise<SendOutcome>;
  /** Release resources owned by this channel only (shared HTTP pools are closed elsewhere). */
  close?(): void;
}
