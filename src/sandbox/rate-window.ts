/**
 * Rate limiters for the platform fake. All take the time as an argument (ms) so a test clock
 * can drive them, and all separate "how long until allowed" from "take" so a request checked
 * against several limiters only consumes when every one of them allows it.
 */

/** Token bucket: `burst` tokens at most, refilled at `perSecond` tokens per second. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly burst: number,
    readonly perSecond: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  private refill(now: number): void {
    // A clock that steps back must not drain the bucket.
    const elapsed = Math.max(0, now - this.last);
    this.last = Math.max(this.last, now);
    if (this.perSecond === Infinity) this.tokens = this.burst;
    else this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perSecond) / 1000);
  }

  /** Milliseconds until one token is available (0 when one is available now). */
  waitMs(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) return 0;
    if (this.perSecond <= 0 || this.burst < 1) return Infinity;
    return ((1 - this.tokens) * 1000) / this.perSecond;
  }

  /** Consume one token (call only after `waitMs` returned 0). */
  take(now: number): void {
    this.refill(now);
    this.tokens -= 1;
  }
}

/** Sliding log: at most `limit` hits in any `windowMs` span. */
export class SlidingWindow {
  private hits: number[] = [];

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  private prune(now: number): void {
    let drop = 0;
    while (drop < this.hits.length && this.hits[drop]! <= now - this.windowMs) drop++;
    if (drop > 0) this.hits.splice(0, drop);
  }

  /** Milliseconds until one more hit fits in the window. */
  waitMs(now: number): number {
    if (this.limit === Infinity) return 0;
    if (this.limit <= 0) return Infinity;
    this.prune(now);
    if (this.hits.length < this.limit) return 0;
    // The hit that has to leave the window before one more fits.
    const oldest = this.hits[this.hits.length - this.limit]!;
    return Math.max(1, oldest + this.windowMs - now);
  }

  /** Record a hit (call only after `waitMs` returned 0). */
  take(now: number): void {
    // Unlimited windows would otherwise grow without bound in a benchmark.
    if (this.limit === Infinity) return;
    this.hits.push(now);
  }
}

/** State of a {@link FixedWindow} after a check, in the shape Discord reports it. */
export interface FixedWindowState {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Clock ms at which the window resets. */
  resetAt: number;
  /** Milliseconds from now until the reset. */
  resetAfterMs: number;
}

/** Fixed window: the first hit opens a window of `windowMs`; at most `limit` hits inside it. */
export class FixedWindow {
  private start: number | undefined;
  private count = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  private roll(now: number): void {
    if (this.start === undefined || now >= this.start + this.windowMs || now < this.start) {
      this.start = now;
      this.count = 0;
    }
  }

  private state(now: number, allowed: boolean): FixedWindowState {
    const resetAt = (this.start ?? now) + this.windowMs;
    return {
      allowed,
      limit: this.limit,
      remaining: Math.max(0, this.limit - this.count),
      resetAt,
      resetAfterMs: Math.max(0, resetAt - now),
    };
  }

  /** Count one hit if it fits; report the window either way. */
  consume(now: number): FixedWindowState {
    this.roll(now);
    if (this.count >= this.limit) return this.state(now, false);
    this.count++;
    return this.state(now, true);
  }

  /** Report the window without counting (answers that Discord does not charge). */
  peek(now: number): FixedWindowState {
    this.roll(now);
    return this.state(now, this.count < this.limit);
  }
}

/** `map.get(key)`, creating and storing the value on first use. */
export function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

/** `decodeURIComponent` that keeps malformed input as is instead of throwing (bad paths → 4xx, not 500). */
export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
