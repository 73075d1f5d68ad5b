/**
 * The whole configuration: every driver's variables, the bots with their default channel and
 * channel mapping, and the event switches, read from the environment. Every problem is
 * collected so the user sees all of them at once, each with its fix.
 */
import type { BotAccount, BotSupport, ChannelSpec, Driver } from '../channels/driver.js';
import { DRIVERS } from '../channels/registry.js';
import { type Env, unquote } from '../config/env.js';
import { type EventSettings, readEventSettings } from '../config/events.js';
import { type MappingEntry, parseMapping } from '../config/mapping.js';
import { type OutboxSetting, readOutboxSetting } from '../config/outbox-env.js';
import { readRedisUrl } from '../config/redis-env.js';
import type { ConfigProblem } from '../config/problems.js';
import { readReportSettings, type ReportSettings } from '../reports/options.js';

/** A mapping entry with the channel it names. */
export interface MappedChannel {
  readonly entry: MappingEntry;
  readonly spec: ChannelSpec;
}

/** A bot: a GENERAL destination whose channel is chosen per notification by its mapping. */
export interface BotConfig {
  /** `slack` or `discord`: the prefix of `slack:#alerts` targets. */
  readonly provider: string;
  readonly account: BotAccount;
  /** The bot's label, token masked. */
  readonly label: string;
  /** Where a notification goes when no mapping entry matches. */
  readonly defaultChannel: ChannelSpec;
  /** Tried in the order written; the first entry that matches wins. */
  readonly mapping: readonly MappedChannel[];
  /** The variables it was read from, for messages. */
  readonly variables: { readonly token: string; readonly defaultChannel: string; readonly mapping: string };
}

/** Destinations by role, bots, event settings, and every problem, as plain data. */
export interface HeraldConfig {
  readonly general: readonly ChannelSpec[];
  readonly error: readonly ChannelSpec[];
  readonly bots: readonly BotConfig[];
  readonly settings: EventSettings;
  /** The durable outbox `HERALD_OUTBOX` asks for. */
  readonly outbox?: OutboxSetting;
  /** The Redis a fleet shares limits and queues through (`HERALD_REDIS_URL`). */
  readonly redisUrl?: string;
  /** The periodic report (`HERALD_REPORT_EVERY`, `_AT`, `_TZ`) and quiet hours (`HERALD_QUIET`). */
  readonly reports: ReportSettings;
  readonly problems: readonly ConfigProblem[];
}

/** Reads every driver's variables for both roles, the bots and the event settings. */
export function readConfig(env: Env, drivers: readonly Driver[] = DRIVERS): HeraldConfig {
  const problems: ConfigProblem[] = [];
  const general: ChannelSpec[] = [];
  const error: ChannelSpec[] = [];
  for (const driver of drivers) {
    if (!driver.fromEnv) continue;
    for (const [role, list] of [
      ['GENERAL', general],
      ['ERROR', error],
    ] as const) {
      const reading = driver.fromEnv(env, role);
      list.push(...reading.specs);
      problems.push(...reading.problems);
    }
  }
  const bots = readBots(env, drivers, problems);
  const events = readEventSettings(env);
  problems.push(...events.problems);
  const outbox = readOutboxSetting(env);
  problems.push(...outbox.problems);
  const redis = readRedisUrl(env);
  problems.push(...redis.problems);
  const reports = readReportSettings({}, env);
  problems.push(...reports.problems);
  return {
    general,
    error,
    bots,
    settings: events.settings,
    ...(outbox.outbox ? { outbox: outbox.outbox } : {}),
    ...(redis.url ? { redisUrl: redis.url } : {}),
    reports,
    problems: uniqueProblems(problems),
  };
}

/** A shared variable (TELEGRAM_API_BASE_URL) is read for each role: report its problem once. */
export function uniqueProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.variable}\0${p.message}`;
    return !seen.has(key) && seen.add(key);
  });
}

/** Variable names of one way to configure a bot. */
interface BotVariables {
  readonly token: string;
  readonly defaultChannel: string;
  readonly mapping: string;
}

const GIMLET: BotVariables = { token: 'NOTIFICATIONS_TOKEN', defaultChannel: 'NOTIFICATIONS_DEFAULT_CHANNEL', mapping: 'NOTIFICATIONS_CHANNEL_MAPPING' };

/**
 * The bots: `NOTIFICATIONS_PROVIDER` + `NOTIFICATIONS_*` (Gimlet's names) for one provider, or
 * each provider's own `{PREFIX}_BOT_TOKEN`, `{PREFIX}_DEFAULT_CHANNEL`, `{PREFIX}_CHANNEL_MAPPING`.
 */
function readBots(env: Env, drivers: readonly Driver[], problems: ConfigProblem[]): BotConfig[] {
  const supports = drivers.flatMap((d) => (d.bot ? [d.bot] : []));
  const providerRaw = env.NOTIFICATIONS_PROVIDER?.trim();
  const provider = providerRaw?.toLowerCase();
  const providers = supports.map((s) => s.provider);
  const gimletSet = [GIMLET.token, GIMLET.defaultChannel, GIMLET.mapping].filter((v) => env[v]?.trim());
  if (provider && !providers.includes(provider)) {
    problems.push({ variable: 'NOTIFICATIONS_PROVIDER', message: `"${providerRaw}" is not a provider Herald knows`, fix: `use ${providers.join(' or ')}` });
  } else if (!provider && gimletSet.length) {
    problems.push({
      variable: 'NOTIFICATIONS_PROVIDER',
      message: `${gimletSet.join(', ')} ${gimletSet.length === 1 ? 'is' : 'are'} set but NOTIFICATIONS_PROVIDER is not`,
      fix: `set NOTIFICATIONS_PROVIDER to ${providers.join(' or ')}`,
    });
  }
  const bots: BotConfig[] = [];
  for (const support of supports) {
    const own: BotVariables = {
      token: `${support.variablePrefix}_BOT_TOKEN`,
      defaultChannel: `${support.variablePrefix}_DEFAULT_CHANNEL`,
      mapping: `${support.variablePrefix}_CHANNEL_MAPPING`,
    };
    const forms = [own, ...(provider === support.provider ? [GIMLET] : [])].filter((v) => [v.token, v.defaultChannel, v.mapping].some((n) => env[n]?.trim()));
    if (forms.length > 1) {
      problems.push({
        variable: GIMLET.token,
        message: `both NOTIFICATIONS_* and ${support.variablePrefix}_* configure the ${support.provider} bot`,
        fix: `keep one of the two sets (they mean the same)`,
      });
      continue;
    }
    if (forms.length === 1) {
      const bot = readBot(env, support, forms[0]!, problems);
      if (bot) bots.push(bot);
    }
  }
  return bots;
}

function readBot(env: Env, support: BotSupport, v: BotVariables, problems: ConfigProblem[]): BotConfig | undefined {
  const token = unquote(env[v.token]);
  const defaultRaw = unquote(env[v.defaultChannel]);
  const mappingRaw = unquote(env[v.mapping]);
  if (!token) {
    problems.push({
      variable: v.token,
      message: `${[v.defaultChannel, v.mapping].filter((n) => env[n]?.trim()).join(' and ')} ${mappingRaw && defaultRaw ? 'are' : 'is'} set but the ${support.provider} bot token is missing`,
      fix: `set ${v.token} to the bot's token, or remove the other ${support.provider} bot variables`,
    });
    return undefined;
  }
  const account = support.account(env, token, v.token);
  if (Array.isArray(account)) {
    problems.push(...(account as readonly ConfigProblem[]));
    return undefined;
  }
  const acct = account as BotAccount;
  const before = problems.length;
  let defaultChannel: ChannelSpec | undefined;
  if (!defaultRaw) {
    problems.push({
      variable: v.defaultChannel,
      message: `the ${support.provider} bot has no default channel`,
      fix: `set ${v.defaultChannel} to ${support.channelForm}: notifications no mapping entry matches go there`,
    });
  } else {
    const spec = support.channel(acct, defaultRaw, v.defaultChannel);
    if ('driver' in spec) defaultChannel = spec;
    else problems.push(spec);
  }
  const mapping: MappedChannel[] = [];
  if (mappingRaw) {
    const parsed = parseMapping(mappingRaw, v.mapping);
    problems.push(...parsed.problems);
    for (const entry of parsed.entries) {
      const spec = support.channel(acct, entry.channel, v.mapping);
      if ('driver' in spec) mapping.push({ entry, spec });
      else problems.push({ ...spec, message: `"${entry.text}": ${spec.message}` });
    }
  }
  if (problems.length > before || !defaultChannel) return undefined;
  return { provider: support.provider, account: acct, label: support.label(acct), defaultChannel, mapping, variables: v };
}
