/**
 * Resolving a target (`log(msg, target)`, an event's `to`, a variable's value): webhook URLs,
 * Apprise URLs (`tgram://`, `discord://`, `slack://`), bot channels (`#alerts`, `slack:#alerts`,
 * `discord:<id>`), `telegram:<chat>[:<topic>]`, several of those in one value, or the NAME of an
 * environment variable holding any of them. The notifier caches results, so a bad target is
 * reported once, not once per message.
 */
import type { ChannelSpec, Driver } from '../channels/driver.js';
import { DRIVERS, WEBHOOKS } from '../channels/registry.js';
import { schemeOf } from '../config/apprise-url.js';
import type { Env } from '../config/env.js';
import type { ConfigProblem } from '../config/problems.js';
import { redact } from '../config/redact.js';
import { isVariableName, splitTargets } from '../config/target-syntax.js';
import { displayUrl } from '../config/urls.js';
import { isProblem, parseWebhookUrl } from '../config/webhook-url.js';
import type { BotConfig } from './configuration.js';

/** What a target resolved to: every destination it names, and why any part of it could not be used. */
export interface TargetResolution {
  readonly specs: readonly ChannelSpec[];
  readonly problems: readonly ConfigProblem[];
}

/** What resolving needs: the environment, the drivers, and the configured bots. */
export interface TargetContext {
  readonly env: Env;
  readonly bots: readonly BotConfig[];
  readonly drivers?: readonly Driver[];
}

const ORIGIN = 'log target';

/** Every form a target may take, for fixes. */
export function targetForms(ctx: TargetContext): string {
  const drivers = ctx.drivers ?? DRIVERS;
  const schemes = drivers.flatMap((d) => d.targets?.schemes ?? []).map((s) => `${s}://…`);
  const prefixes = drivers.flatMap((d) => [...(d.targets?.prefixes ?? []), ...(d.bot ? [d.bot.provider] : [])]).map((p) => `${p}:…`);
  return `a Discord or Slack webhook URL, ${[...schemes, ...prefixes].join(', ')}, #channel (the bot's), or the name of a variable that holds one`;
}

/** Resolves a target value (one or several targets) against the environment and the configuration. */
export function resolveTarget(target: unknown, ctx: TargetContext): TargetResolution {
  if (typeof target !== 'string') {
    return fail({
      variable: ORIGIN,
      message: `${/^[aeiou]/.test(typeof target) ? 'an' : 'a'} ${typeof target} is not a target`,
      fix: `pass ${targetForms(ctx)}, as a string`,
    });
  }
  const t = target.trim();
  if (isVariableName(t)) return resolveVariable(t, ctx);
  const drivers = ctx.drivers ?? DRIVERS;
  const pieces = splitTargets(t, prefixesOf(drivers));
  // Words with no target among them ("my channel") are one bad target, not several unset variables.
  if (!pieces.some((p) => looksLikeTarget(p, drivers)))
    return fail({ variable: ORIGIN, message: `"${redact(t)}" is not a target`, fix: `pass ${targetForms(ctx)}` });
  return resolveList(pieces, ORIGIN, ctx, true);
}

/** True when `value` is written as targets at all: a variable name, or a list with a URL, `#channel` or `prefix:` form. */
export function looksLikeTargets(value: string, drivers: readonly Driver[] = DRIVERS): boolean {
  const t = value.trim();
  return isVariableName(t) || splitTargets(t, prefixesOf(drivers)).some((p) => looksLikeTarget(p, drivers));
}

/**
 * A target value as it may be shown: URLs (which carry secrets: webhook tokens, Apprise tokens)
 * by their scheme and host only, the secret-free forms (`#alerts`, `telegram:-100…`, variable
 * names) as written.
 */
export function displayTargets(value: string, drivers: readonly Driver[] = DRIVERS): string {
  return splitTargets(value.trim(), prefixesOf(drivers))
    .map((t) => {
      const scheme = schemeOf(t);
      if (scheme === undefined) return redact(t);
      if (scheme === 'http' || scheme === 'https') return displayUrl(t);
      return `${scheme}://…`;
    })
    .join(' ');
}

/** A URL, a `#channel` or a `prefix:` form. */
function looksLikeTarget(text: string, drivers: readonly Driver[]): boolean {
  return schemeOf(text) !== undefined || text.startsWith('#') || prefixesOf(drivers).some((p) => text.toLowerCase().startsWith(`${p}:`));
}

function fail(problem: ConfigProblem): TargetResolution {
  return { specs: [], problems: [problem] };
}

function prefixesOf(drivers: readonly Driver[]): string[] {
  return drivers.flatMap((d) => [...(d.targets?.prefixes ?? []), ...(d.bot ? [d.bot.provider] : [])]);
}

/** A variable's value: any target form, several allowed, but not the name of another variable. */
function resolveVariable(name: string, ctx: TargetContext): TargetResolution {
  const value = ctx.env[name]?.trim();
  if (!value) return fail({ variable: name, message: `${name} is not set`, fix: `add ${name}=<target> to .env or the environment (${targetForms(ctx)})` });
  const drivers = ctx.drivers ?? DRIVERS;
  const pieces = splitTargets(value, prefixesOf(drivers));
  const r = pieces.some((p) => looksLikeTarget(p, drivers))
    ? resolveList(pieces, name, ctx, false)
    : fail({
        variable: name,
        message: 'its value is not a target',
        fix: `put ${targetForms(ctx)} in ${name} (a variable holds the target itself, not the name of another one)`,
      });
  return { specs: r.specs, problems: r.problems.map((p) => ({ ...p, message: `${name}: ${p.message}` })) };
}

/** Several targets; `reveal` is false inside a variable's value (which may hold anything). */
function resolveList(pieces: readonly string[], origin: string, ctx: TargetContext, reveal: boolean): TargetResolution {
  const drivers = ctx.drivers ?? DRIVERS;
  const specs: ChannelSpec[] = [];
  const problems: ConfigProblem[] = [];
  for (const one of pieces) {
    // In a list written in code, a bare name is a variable; inside a variable, it would be a loop.
    const r = reveal && isVariableName(one) ? resolveVariable(one, ctx) : resolveOne(one, origin, ctx, drivers, reveal);
    if ('specs' in r) {
      specs.push(...r.specs);
      problems.push(...r.problems);
    } else if (isProblem(r)) problems.push(r);
    else specs.push(...r);
  }
  if (!specs.length && !problems.length) problems.push({ variable: origin, message: 'the target is empty', fix: `pass ${targetForms(ctx)}` });
  return { specs, problems };
}

function resolveOne(target: string, origin: string, ctx: TargetContext, drivers: readonly Driver[], reveal: boolean): readonly ChannelSpec[] | ConfigProblem {
  // A variable named as a target may hold anything (an API secret): never echo its value.
  const shown = reveal ? `"${redact(target)}"` : 'its value';
  const scheme = schemeOf(target);
  if (scheme === 'http' || scheme === 'https') {
    const r = parseWebhookUrl(target, origin, WEBHOOKS, { reveal });
    return isProblem(r) ? r : [r];
  }
  if (scheme !== undefined) {
    const driver = drivers.find((d) => d.targets?.schemes.includes(scheme));
    if (!driver) return { variable: origin, message: `${reveal ? `${scheme}://` : 'its value'} is not a scheme Herald knows`, fix: `use ${targetForms(ctx)}` };
    return driver.targets!.parse(target, ctx.env, origin);
  }
  if (target.startsWith('#')) return botChannel(undefined, target, origin, ctx, drivers);
  const colon = target.indexOf(':');
  const prefix = colon > 0 ? target.slice(0, colon).toLowerCase() : '';
  if (prefix) {
    const bot = drivers.find((d) => d.bot?.provider === prefix);
    if (bot) return botChannel(prefix, target.slice(colon + 1), origin, ctx, drivers);
    const driver = drivers.find((d) => d.targets?.prefixes.includes(prefix));
    if (driver) return driver.targets!.parse(target, ctx.env, origin);
  }
  return { variable: origin, message: `${shown} is not a target`, fix: `pass ${targetForms(ctx)}` };
}

/** A channel of a configured bot: `#alerts` (the only bot) or `slack:#alerts` / `discord:<id>`. */
function botChannel(
  provider: string | undefined,
  channel: string,
  origin: string,
  ctx: TargetContext,
  drivers: readonly Driver[],
): readonly ChannelSpec[] | ConfigProblem {
  const written = provider ? `${provider}:${channel}` : channel;
  const candidates = provider ? ctx.bots.filter((b) => b.provider === provider) : ctx.bots;
  if (candidates.length === 0) {
    const support = drivers.find((d) => d.bot && (!provider || d.bot.provider === provider))?.bot;
    const how =
      provider && support
        ? `set ${support.variablePrefix}_BOT_TOKEN and ${support.variablePrefix}_DEFAULT_CHANNEL (or NOTIFICATIONS_PROVIDER=${provider} with NOTIFICATIONS_TOKEN and NOTIFICATIONS_DEFAULT_CHANNEL)`
        : 'configure a Slack or Discord bot (SLACK_BOT_TOKEN or DISCORD_BOT_TOKEN with its DEFAULT_CHANNEL), or use a webhook URL';
    return { variable: origin, message: `"${written}" names a channel of a ${provider ?? 'Slack or Discord'} bot, and none is configured`, fix: how };
  }
  if (candidates.length > 1) {
    return {
      variable: origin,
      message: `"${written}" could be a channel of either bot (${candidates.map((b) => b.provider).join(' and ')} are both configured)`,
      fix: `say which: ${candidates.map((b) => `${b.provider}:${channel}`).join(' or ')}`,
    };
  }
  const bot = candidates[0]!;
  const support = drivers.find((d) => d.bot?.provider === bot.provider)!.bot!;
  const spec = support.channel(bot.account, channel, origin);
  return isProblem(spec) ? { ...spec, message: `"${written}": ${spec.message}` } : [spec];
}
