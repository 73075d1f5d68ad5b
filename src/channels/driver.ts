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

/** One bot account (a token and the API it talks to), as plain data. */
export interface BotAccount {
  readonly driver: string;
  /** The variable the token came from. */
  readonly origin: string;
  readonly token: string;
  readonly baseUrl: string;
}

/**
 * Bot-token channels: one bot posting into many channels, the channel chosen per notification
 * (Gimlet's `NOTIFICATIONS_*` variables, or the provider's own `SLACK_BOT_TOKEN`…).
 */
export interface BotSupport {
  /** The `NOTIFICATIONS_PROVIDER` value, and the prefix of `slack:#alerts`-style targets. */
  readonly provider: string;
  /** Prefix of the provider's own variables: `SLACK` → SLACK_BOT_TOKEN, SLACK_DEFAULT_CHANNEL, SLACK_CHANNEL_MAPPING. */
  readonly variablePrefix: string;
  /** How a channel is written, for fixes: "a channel name (alerts or #alerts) or id (C0123ABCD)". */
  readonly channelForm: string;
  /** Checks the token and reads the provider's API base URL; problems name `origin`. */
  account(env: Env, token: string, origin: string): BotAccount | readonly ConfigProblem[];
  /** The spec of one channel of this bot, or why `channel` cannot be one. */
  channel(account: BotAccount, channel: string, origin: string): ChannelSpec | ConfigProblem;
  /** The bot's label with its token masked. */
  label(account: BotAccount): string;
}

/** Target forms a driver resolves itself: `telegram:<chat>` prefixes and Apprise URL schemes. */
export interface TargetSupport {
  /** `telegram` for `telegram:<chat>`. */
  readonly prefixes: readonly string[];
  /** URL schemes besides http(s) webhooks: Apprise's `tgram`, `discord`, `slack`. */
  readonly schemes: readonly string[];
  /** Resolves one target written in one of those forms; problems name `origin`. */
  parse(target: string, env: Env, origin: string): readonly ChannelSpec[] | ConfigProblem;
}

/**
 * A platform driver. One per file in `channels/`. The spec type parameter documents what
 * `create` receives; the registry lists drivers as `Driver` (methods are bivariant in their
 * parameters, and `create` only ever gets specs whose `driver` names it).
 */
export interface Driver<S extends ChannelSpec = ChannelSpec> {
  /** Matches `ChannelSpec.driver`. */
  readonly name: string;
  /** Reads this driver's own variables for `role` (e.g. `GENERAL_TELEGRAM_BOT_TOKEN`). */
  fromEnv?(env: Env, role: Role): EnvReading<S>;
  readonly webhook?: WebhookSupport<S>;
  readonly bot?: BotSupport;
  readonly targets?: TargetSupport;
  create(spec: S, ctx: DriverContext): Channel;
}

/** One variable's reading (a spec, a problem, or nothing set) as an {@link EnvReading}. */
export function readingOf<S extends ChannelSpec>(read: S | ConfigProblem | undefined): EnvReading<S> {
  if (read === undefined) return { specs: [], problems: [] };
  return 'driver' in read ? { specs: [read], problems: [] } : { specs: [], problems: [read] };
}
