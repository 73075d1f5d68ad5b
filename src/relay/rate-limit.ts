/**
 * Requests per minute per client address: a token bucket per address that holds a minute's
 * worth and refills continuously, so a burst up to the limit passes and a steady flood does not.
 */

/** The verdict for one request. */
export type RateVerdict = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

/** Addresses remembered before full (idle) buckets are forgotten. */
const PRUNE_AT = 10_000;

/** A per-address request limit. */
export class ClientRateLimit {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    /** Requests a minute per address. */
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = perMinute / 60_000;
  }

  /** Counts one request from `address`. */
  take(address: string): RateVerdict {
    const now = this.now();
    const bucket = this.buckets.get(address) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + Math.max(0, now - bucket.at) * this.perMs);
    bucket.at = now;
    if (!this.buckets.has(address)) {
      if (this.buckets.size >= PRUNE_AT) this.prune(now);
      this.buckets.set(address, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)) };
  }

  /** Forgets addresses whose bucket has refilled: they are as if never seen. */
  private prune(now: number): void {
    for (const [address, b] of this.buckets) if (b.tokens + (now - b.at) * this.perMs >= this.perMinute) this.buckets.delete(address);
  }
}
