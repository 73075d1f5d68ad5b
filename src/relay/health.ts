/** `GET /healthz`: is the relay up, how much waits, and which destinations are stopped. No token, no secret. */
import type { Notifier } from '../core/notifier.js';

/** The `/healthz` document. */
export interface RelayHealth {
  /** `ok`, or `degraded` when a destination is disabled (its label says which; fix it and restart). */
  readonly status: 'ok' | 'degraded';
  /** Notifications not yet delivered, over all destinations. */
  readonly backlog: number;
  /** Destinations used so far. */
  readonly destinations: number;
  /** Redacted labels of the destinations Herald stopped sending to. */
  readonly disabled: readonly string[];
}

/** The health of the relay's notifier. Labels are redacted by the notifier (`123456789:AA…`). */
export function relayHealth(notifier: Notifier): RelayHealth {
  const stats = notifier.stats();
  const disabled = stats.destinations.filter((d) => d.state === 'disabled').map((d) => d.destination);
  return { status: disabled.length ? 'degraded' : 'ok', backlog: stats.backlog, destinations: stats.destinations.length, disabled };
}
