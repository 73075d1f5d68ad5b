/**
 * What a platform driver provides beyond its {@link Channel}s: reading its environment
 * variables, recognising its webhook URLs, and creating channels from plain-data specs (plain
 * data so a durable outbox can journal which destination an entry is for).
 */
import type { ConfigProblem } from '../config/problems.js';
import type { HttpClient } from './http.js';
import type { Channel } from './channel.js';

/** Environment as a plain string map (process.env after dotenv, or an explicit object). */
export type Env = Readonly<Record<string, string | undefined>>;

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

/** Recognises and parses a platform's webhook URLs. */
export interface WebhookSupport<S extends ChannelSpec = ChannelSpec> {
  /** Human name used in errors ("a Discord webhook"). */
  readonly description: string;
  /** True when the URL is this platform's webhook. On loopback hosts only the path counts. */
  matches(url: URL, loopback: boolean): boolean;
  /** Builds the spec, or explains what is wrong with a URL that matched. */
  parse(url: URL, origin: string): S | ConfigProblem;
}

/** A platform driver. One per file in `channels/`. */
export interface Driver<S extends ChannelSpec = ChannelSpec> {
  /** Matches `ChannelSpec.driver`. */
  readonly name: string;
  /** Reads this driver's own variables for `role` (e.g. `GENERAL_TELEGRAM_BOT_TOKEN`). */
  fromEnv?(env: Env, role: Role): EnvReading<S>;
  readonly webhook?: WebhookSupport<S>;
  create(spec: S, ctx: DriverContext): Channel;
}

/** True for 127.0.0.0/8, ::1 and localhost — the hosts where plain http is allowed. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
