/**
 * Whether and when `herald run` starts the child again: the `--restart` mode, a backoff of 1 s
 * doubling to 60 s, and a limit of `--max-restarts` restarts within a 10-minute window, after
 * which it gives up. The backoff follows the window too: restarts older than 10 minutes no
 * longer count, so a bot that crashes once a day always comes back after 1 s.
 */

/** `--restart` modes. */
export const RESTART_MODES = ['never', 'on-failure', 'always'] as const;

/** A `--restart` mode: `never` (the default: watch and report, leave restarts to systemd, pm2 or Docker), `on-failure`, `always`. */
export type RestartMode = (typeof RESTART_MODES)[number];

/** The window restarts are counted in: 10 minutes. */
export const RESTART_WINDOW_MS = 10 * 60_000;

/** First backoff delay: 1 s. */
export const FIRST_RESTART_DELAY_MS = 1000;

/** Longest backoff delay: 60 s. */
export const MAX_RESTART_DELAY_MS = 60_000;

/** Default `--max-restarts`. */
export const DEFAULT_MAX_RESTARTS = 10;

/** Settings of a {@link RestartPolicy}. */
export interface RestartPolicyOptions {
  readonly mode: RestartMode;
  /** Restarts allowed within {@link RestartPolicyOptions.windowMs}. */
  readonly maxRestarts: number;
  /** Default {@link RESTART_WINDOW_MS}. */
  readonly windowMs?: number;
  /** Default {@link FIRST_RESTART_DELAY_MS}. */
  readonly firstDelayMs?: number;
  /** Default {@link MAX_RESTART_DELAY_MS}. */
  readonly maxDelayMs?: number;
}

/** What to do after the child exited. */
export type RestartDecision =
  /** Do not restart: the mode says so (`never`, or `on-failure` after a clean exit). */
  | { readonly action: 'exit' }
  /** Start it again after `delayMs`; `attempt` counts restarts within the window, this one included. */
  | { readonly action: 'restart'; readonly delayMs: number; readonly attempt: number }
  /** The mode would restart, but `restarts` restarts within the window already reached the limit. */
  | { readonly action: 'give-up'; readonly restarts: number };

/** The backoff before a restart that follows `previous` restarts within the window: 1 s, 2 s, 4 s … 60 s. */
export function backoffDelay(previous: number, firstDelayMs = FIRST_RESTART_DELAY_MS, maxDelayMs = MAX_RESTART_DELAY_MS): number {
  if (previous <= 0) return Math.min(firstDelayMs, maxDelayMs);
  // 2^n overflows to Infinity long before it matters; min() brings it back.
  return Math.min(maxDelayMs, firstDelayMs * 2 ** Math.min(previous, 64));
}

/** Decides restarts, remembering the ones made within the window. */
export class RestartPolicy {
  readonly mode: RestartMode;
  readonly maxRestarts: number;
  readonly windowMs: number;
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  private restarts: number[] = [];

  constructor(options: RestartPolicyOptions) {
    this.mode = options.mode;
    this.maxRestarts = Math.max(0, Math.floor(options.maxRestarts));
    this.windowMs = options.windowMs ?? RESTART_WINDOW_MS;
    this.firstDelayMs = options.firstDelayMs ?? FIRST_RESTART_DELAY_MS;
    this.maxDelayMs = options.maxDelayMs ?? MAX_RESTART_DELAY_MS;
  }

  /** True when the mode restarts after this kind of exit (limits aside). */
  wants(abnormal: boolean): boolean {
    return this.mode === 'always' || (this.mode === 'on-failure' && abnormal);
  }

  /** Restarts made within the window ending at `now`. */
  recent(now: number): number {
    this.restarts = this.restarts.filter((t) => now - t < this.windowMs);
    return this.restarts.length;
  }

  /**
   * Decides after an exit at `now` (`abnormal`: a non-zero code or a signal). A `restart`
   * decision is counted at once.
   */
  decide(abnormal: boolean, now: number): RestartDecision {
    if (!this.wants(abnormal)) return { action: 'exit' };
    const previous = this.recent(now);
    if (previous >= this.maxRestarts) return { action: 'give-up', restarts: previous };
    this.restarts.push(now);
    return { action: 'restart', delayMs: backoffDelay(previous, this.firstDelayMs, this.maxDelayMs), attempt: previous + 1 };
  }
}
