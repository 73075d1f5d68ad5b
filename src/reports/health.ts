/** Herald's own health for a report or `/status`: what its destinations delivered, failed and dropped, and what waits. */
import type { LaneStats } from '../delivery/lane.js';

/** The counters a report reads from `Notifier.stats()`. */
export interface HealthStats {
  readonly destinations: readonly Pick<LaneStats, 'destination' | 'state' | 'backlog' | 'delivered' | 'failed' | 'dropped'>[];
}

/** Herald's health over a period. */
export interface HeraldHealth {
  readonly delivered: number;
  readonly failed: number;
  readonly dropped: number;
  /** Notifications waiting now, over all destinations. */
  readonly backlog: number;
  /** Labels (redacted) of the destinations Herald stopped using. */
  readonly disabled: readonly string[];
  /** How many destinations there are. */
  readonly destinations: number;
}

/**
 * Sums the destinations' counters; with `previous` (the stats at the period's start), only what
 * happened since. A destination's counters that went down (it was made anew) count from zero.
 */
export function summariseHealth(stats: HealthStats, previous?: HealthStats): HeraldHealth {
  const before = new Map(previous?.destinations.map((d) => [d.destination, d]));
  let delivered = 0;
  let failed = 0;
  let dropped = 0;
  let backlog = 0;
  const disabled: string[] = [];
  for (const d of stats.destinations) {
    const b = before.get(d.destination);
    const since = (now: number, then: number | undefined): number => (then === undefined || then > now ? now : now - then);
    delivered += since(d.delivered, b?.delivered);
    failed += since(d.failed, b?.failed);
    dropped += since(d.dropped, b?.dropped);
    backlog += d.backlog;
    if (d.state === 'disabled') disabled.push(d.destination);
  }
  return { delivered, failed, dropped, backlog, disabled, destinations: stats.destinations.length };
}
