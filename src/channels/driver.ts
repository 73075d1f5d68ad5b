/**
 * What a platform driver provides beyond its {@link Channel}s: reading its environment
 * variables, recognising its webhook URLs, and creating channels from plain-data specs (plain
 * data so a durable outbox can journal which destination an entry is for).
 */
import type { Env } from '../config/env.js';
import type { ConfigProblem } from '../config/problems.js';
import type { WebhookFormat } from '../config/webhook-url.js';
import type { HttpClient } from './http.js';
import type { Channel } from './channel.js';

/** GENERAL destinations get every notification; ERROR ones get errors only. */
export type Role = 'GENERAL' | 'ERROR';

/** Plain-data description of one destination. `origin` names where it came from (a variable). */
export interface ChannelSpec {
  readonly driver: string;
  readonly origin: string;
}

/** Shared resources a driver may use to build channels. */
export interface DriverContext {
  readonly http: HttpClient;
}

/** Result of reading a driver's variables for one role. */
export interface EnvReading<S extends ChannelSpec = ChannelSpec> {
  readonly specs: readonly S[];
  readonly problems: readonly ConfigProblem[];
}

/** Recognises and parses a platform's webhook URLs into its specs. */
export type WebhookSupport<S extends ChannelSpec = ChannelSpec> = WebhookFormat<S>;

/** A platform driver. One per file in `channels/`. */
export interface Driver<S extends ChannelSpec = ChannelSpec> {
  /** Matches `ChannelSpec.driver`. */
  readonly name: string;
  /** Reads this driver's own variables for `role` (e.g. `GENERAL_TELEGRAM_BOT_TOKEN`). */
  fromEnv?(env: Env, role: Role): EnvReading<S>;
  readonly webhook?: WebhookSupport<S>;
  create(spec: S, ctx: DriverContext): Channel;
}

/** One variable's reading (a spec, a problem, or nothing set) as an {@link EnvReading}. */
export function readingOf<S extends ChannelSpec>(read: S | ConfigProblem | undefined): EnvReading<S> {
  if (read === undefined) return { specs: [], problems: [] };
  return 'driver' in read ? { specs: [read], problems: [] } : { specs: [], problems: [read] };
}
