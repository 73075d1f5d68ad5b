/**
 * Proactive rate limiting with token buckets keyed by string. Buckets are shared by every lane
 * that names the same key (one Telegram bot across its chats), and the interface is small
 * enough to be backed by a shared store for fleets of bots later.
 */
import type { RateBucket, RateObservation } from '../channels/channel.js';

/**
 * Where limits live. The in-memory implementation is {@link LocalRateLimits}; a store shared by
 * many processes answers asynchronously (a round trip), so every method may return a promise.
 * A store must not reject: when its backend fails it falls back to limits of its own (a
 * rejected `reserve` is treated by the lanes as "wait a second and ask again").
 */
export interface RateLimits {
  /** Takes one token from every bucket and returns 0, or returns the ms to wait (taking nothing). */
  reserve(buckets: readonly RateBucket[], now: number): number | Promise<number>;
  /** Applies what a platform reported about a bucket (remaining requests, reset time). */
  observe(observation: RateObservation, now: number): void | Promise<void>;
  /** Blocks buckets until `until` (a 429 that applies beyond one destination). */
  block(keys: readonly string[], until: number): void | Promise<void>;
  /**
   * Tells the limits when a request reserved at `sentAt` was answered. The platform counted it
   * when it arrived, somewhere in between; a store that counts from departure would let the next
   * burst land early when the first request was slow (a new connection, a busy machine).
   * Optional: a store without it counts from departure.
   */
  settle?(buckets: readonly RateBucket[], sentAt: number, answeredAt: number): void | Promise<void>;
}

interface BucketState {
  tokens: number;
  capacity: number;
  intervalMs: number;
  updatedAt: number;
  blockedUntil: number;
  /** Rolling-window buckets: send times within the window, oldest first. */
  sent?: number[];
  windowMs?: number;
  /** Reservations so far (token buckets). */
  taken: number;
  /** The reservation that found the bucket full: the platform's refill starts when it arrives. */
  anchor?: { at: number; taken: number };
}

/** Token buckets in this process's memory. */
export class LocalRateLimits implements RateLimits {
  private readonly states = new Map<string, BucketState>();

  /**
   * @param marginMs added to every wait for a refill, for clocks that tick in whole ms and a
   * platform's own rounding. (When a request arrives is handled by {@link settle}, which once
   * needed a 50 ms margin here and cost 5% of a one-second bound.) Once waiting, spacing stays one
   * interval (the margin only shifts the phase), except for capacity-1 buckets, where the cap
   * absorbs it and spacing is interval + margin.
   */
  constructor(private readonly marginMs = 15) {}

  reserve(buckets: readonly RateBucket[], now: number): number {
    let wait = 0;
    for (const b of buckets) {
      const s = this.state(b.key, now, b);
      const w = Math.max(s.blockedUntil - now, s.sent ? this.windowWait(s, now) : this.refillWait(s, now));
      if (w > wait) wait = w;
    }
    if (wait > 0) return wait;
    for (const b of buckets) {
      const s = this.states.get(b.key)!;
      if (s.sent) {
        s.sent.push(now);
        continue;
      }
      if (s.tokens >= s.capacity - 1e-9) s.anchor = { at: now, taken: s.taken + 1 };
      s.tokens -= 1;
      s.taken++;
    }
    return 0;
  }

  settle(buckets: readonly RateBucket[], sentAt: number, answeredAt: number): void {
    if (answeredAt <= sentAt) return;
    for (const b of buckets) {
      const s = this.states.get(b.key);
      if (!s) continue;
      if (s.sent) {
        // Count the request from its answer: at or after the moment the platform counted it.
        const i = s.sent.indexOf(sentAt);
        if (i < 0) continue;
        s.sent.splice(i, 1);
        let j = s.sent.length;
        while (j > 0 && s.sent[j - 1]! > answeredAt) j--;
        s.sent.splice(j, 0, answeredAt);
      } else if (s.anchor?.at === sentAt) {
        // As if the request that started the refill had been taken when it was answered.
        this.refill(s, answeredAt);
        s.tokens = Math.min(s.tokens, s.capacity - 1 - (s.taken - s.anchor.taken));
        s.anchor = undefined;
      }
    }
  }

  observe(o: RateObservation, now: number): void {
    const s = this.states.get(o.bucketKey);
    if (!s) return;
    if (o.limit !== undefined && o.limit > 0) s.capacity = o.limit;
    if (o.remaining <= 0) {
      // A window that resets is whole again at the reset; refilling from now would let each
      // window's last slot drift later, and on a long burst into the next window.
      const reset = now + o.resetAfterMs;
      s.blockedUntil = Math.max(s.blockedUntil, reset);
      s.tokens = s.capacity;
      s.updatedAt = Math.max(now, s.blockedUntil);
      return;
    }
    s.tokens = Math.min(s.tokens, o.remaining);
    s.updatedAt = now;
  }

  block(keys: readonly string[], until: number): void {
    for (const k of keys) {
      const s = this.states.get(k);
      if (s) s.blockedUntil = Math.max(s.blockedUntil, until);
    }
  }

  private state(key: string, now: number, b: RateBucket): BucketState {
    let s = this.states.get(key);
    if (!s) {
      s = {
        tokens: b.capacity,
        capacity: b.capacity,
        intervalMs: b.intervalMs,
        updatedAt: now,
        blockedUntil: 0,
        taken: 0,
        ...(b.windowMs ? { sent: [], windowMs: b.windowMs } : {}),
      };
      this.states.set(key, s);
    }
    return s;
  }

  private refillWait(s: BucketState, now: number): number {
    this.refill(s, now);
    // epsilon: 0.999 tokens must not round up to a 2 ms wait
    return s.tokens >= 1 ? 0 : Math.ceil((1 - s.tokens) * s.intervalMs - 1e-9) + this.marginMs;
  }

  private windowWait(s: BucketState, now: number): number {
    const sent = s.sent!;
    while (sent.length && sent[0]! <= now - s.windowMs!) sent.shift();
    return sent.length < s.capacity ? 0 : sent[0]! + s.windowMs! - now + this.marginMs;
  }

  private refill(s: BucketState, now: number): void {
    // updatedAt may lie ahead (a window reset): nothing refills before it.
    if (now > s.updatedAt) {
      s.tokens = Math.min(s.capacity, s.tokens + (now - s.updatedAt) / s.intervalMs);
      s.updatedAt = now;
    }
  }
}

/** Limits that start as one store and can move to another (a shared one, once it is connected). */
export class SwitchableRateLimits implements RateLimits {
  constructor(private current: RateLimits) {}

  /** Uses `next` from now on. */
  use(next: RateLimits): void {
    this.current = next;
  }

  reserve(buckets: readonly RateBucket[], now: number): number | Promise<number> {
    return this.current.reserve(buckets, now);
  }

  observe(observation: RateObservation, now: number): void | Promise<void> {
    return this.current.observe(observation, now);
  }

  block(keys: readonly string[], until: number): void | Promise<void> {
    return this.current.block(keys, until);
  }

  settle(buckets: readonly RateBucket[], sentAt: number, answeredAt: number): void | Promise<void> {
    return this.current.settle?.(buckets, sentAt, answeredAt);
  }
}
