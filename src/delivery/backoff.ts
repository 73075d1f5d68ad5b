/** Retry timing for transient failures, in one place. */

/** Exponential backoff with jitter. */
export interface BackoffPolicy {
  /** First delay. Default 1000 ms. */
  readonly baseMs: number;
  /** Growth per attempt. Default 2. */
  readonly factor: number;
  /** Upper bound. Default 60 000 ms. */
  readonly maxMs: number;
  /** Fraction of the delay that is randomised (0–1) so many bots do not retry in lockstep. Default 0.3. */
  readonly jitter: number;
}

/** Defaults: about 1 s doubling to 60 s. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, factor: 2, maxMs: 60_000, jitter: 0.3 };

/** Delay before retry number `attempt` (1-based). */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * policy.factor ** Math.max(0, attempt - 1));
  return Math.round(exp * (1 - policy.jitter * random()));
}
