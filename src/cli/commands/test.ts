/**
 * `herald test`: one clearly labelled test message to each destination, through the library's
 * notifier (so the real delivery path is what gets tested), with the latency or the reason and
 * fix for each.
 */
import { setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';
import type { Command, CommandContext } from '../command.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError } from '../command.js';
import { COMMON_HELP, COMMON_OPTIONS, maxPositionals, parseSeconds, parseUsage } from '../args.js';
import { createUi, EXIT_INTERRUPTED, plural, type Ui } from '../output.js';
import { EnvFileError, loadCliEnv, type CliEnv } from '../load-env.js';
import { createCliNotifier, deliverAndWait, describeSpec, formatLatency, isConsole, type DeliveryResult } from '../deliver.js';
import type { ChannelSpec } from '../../channels/driver.js';
import type { Env } from '../../config/env.js';
import { type BotConfig, readConfig } from '../../core/configuration.js';
import { displayTargets, looksLikeTargets, resolveTarget } from '../../core/targets.js';
import { redact } from '../../config/redact.js';

const HELP = `herald test — send a labelled test message to each destination and show the latency

Usage: herald test [general | error | all | TARGET] [options]

  general   the GENERAL destinations (GENERAL_TELEGRAM_BOT_*, GENERAL_DISCORD_WEBHOOK, …)
  error     the ERROR destinations
  all       both (default); a destination configured for both gets one message
  TARGET    any target: a webhook URL, an Apprise URL (tgram://, discord://, slack://), a bot
            channel (#alerts, slack:#alerts, discord:<id>), telegram:<chat>[:<topic>], or the
            name of a variable that holds one

Each destination gets "🧪 Herald test message — <destination> — <time>", sent through the
library's notifier (same queues, rate limits, retries and error handling as your bot). Prints
the latency of each delivery, or the reason and the fix. Exit 1 if any failed.

Options:
  --timeout S       give up on a destination after S seconds (default 30)
${COMMON_HELP}

Exit codes: 0 every message delivered, 1 a failure or a configuration problem, 2 bad usage,
130 interrupted.

JSON (--json):
  { "ok": boolean, "target": string,
    "results": [ { "destination": string, "roles": string[], "platform": string, "ok": boolean,
                   "latencyMs"?: number, "parts"?: number, "error"?: string, "fix"?: string } ],
    "error"?: { "message", "fix" }, "problems"?: [ { "variable", "message", "fix" } ] }

Examples:
  herald test
  herald test error
  herald test OPS_ALERTS_WEBHOOK
  herald test https://discord.com/api/webhooks/123/abc --timeout 10`;

/** One message to send, to one destination. */
interface Job {
  roles: string[];
  platform: string;
  label: string;
  host: string | undefined;
  /** The environment the job's notifier sees: only this destination's variables. */
  env: Env;
  level: 'info' | 'error';
  to?: string;
}

/** A result with the job's roles and platform. */
type TestResult = DeliveryResult & { roles: string[]; platform: string };

/** `herald test`. */
export const testCommand: Command = {
  name: 'test',
  summary: 'send a labelled test message to each destination (or one target) and show the latency',
  help: HELP,
  run,
};

async function run(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseUsage(() =>
    parseArgs({ args: [...ctx.argv], options: { ...COMMON_OPTIONS, timeout: { type: 'string' } }, allowPositionals: true, strict: true }),
  );
  maxPositionals(positionals, 1, 'herald test takes one of general, error, all, or a target');
  const which = positionals[0] ?? 'all';
  const timeoutMs = parseSeconds(values.timeout, 'timeout', 30) * 1000;
  const ui = createUi(ctx, values);
  let loaded: CliEnv;
  try {
    loaded = loadCliEnv(ctx, values['env-file'], ui);
  } catch (err) {
    if (!(err instanceof EnvFileError)) throw err;
    const { message, fix } = err.problem;
    ui.emitJson({ ok: false, target: displayTargets(which), results: [], error: { message, ...(fix ? { fix } : {}) } });
    ui.problem('herald test: ', { message: `${message}; nothing was sent`, ...(fix ? { fix } : {}) });
    return EXIT_PROBLEM;
  }
  const { env } = loaded;

  let jobs: Job[];
  if (which === 'general' || which === 'error' || which === 'all') {
    const config = readConfig(env);
    if (config.problems.length) {
      ui.emitJson({ ok: false, target: which, results: [], problems: config.problems });
      ui.warn(`herald test: the configuration has ${plural(config.problems.length, 'problem')}; nothing was sent:`);
      for (const p of config.problems) ui.problem('  ', { message: `${p.variable}: ${p.message}`, fix: p.fix });
      ui.warn('`herald doctor` checks everything.');
      return EXIT_PROBLEM;
    }
    jobs = [...jobsForRoles(which, config.general, config.error, env), ...(which === 'error' ? [] : jobsForBots(config.bots, env))];
    if (jobs.length === 0) {
      const message = `no ${which === 'all' ? '' : `${which.toUpperCase()} `}destination is configured`;
      const fix =
        'set GENERAL_TELEGRAM_BOT_TOKEN and GENERAL_TELEGRAM_BOT_CHAT_ID (`herald chat-id --write` finds the chat id), or a *_DISCORD_WEBHOOK / *_SLACK_WEBHOOK, in .env; `herald doctor` explains';
      ui.emitJson({ ok: false, target: which, results: [], error: { message, fix } });
      ui.problem('herald test: ', { message, fix });
      return EXIT_PROBLEM;
    }
  } else {
    if (!looksLikeTargets(which)) throw new UsageError(`"${redact(which)}" is not general, error, all, a target or a variable name`);
    const config = readConfig(env);
    const r = resolveTarget(which, { env, bots: config.bots });
    if (r.problems.length || !r.specs.length) {
      const message = r.problems.map((p) => p.message).join('; ');
      const fix = r.problems[0]?.fix;
      ui.emitJson({ ok: false, target: displayTargets(which), results: [], error: { message, ...(fix ? { fix } : {}) } });
      ui.problem('herald test: ', { message, ...(fix ? { fix } : {}) });
      return EXIT_PROBLEM;
    }
    // One notifier for the whole target (it may name several destinations), with the full environment.
    const described = r.specs.map(describeSpec);
    jobs = [
      {
        roles: ['TARGET'],
        platform: [...new Set(r.specs.map((s) => s.driver))].join('+'),
        label: described.map((d) => d.label).join(', '),
        host: described[0]!.host,
        env,
        level: 'info',
        to: which,
      },
    ];
  }

  ui.say(`Sending a test message to ${plural(jobs.length, 'destination')}…`);
  ui.spin(`waiting for ${plural(jobs.length, 'destination')}…`);
  // Each job listens for Ctrl-C on the same signal; a bot with many channels means many jobs.
  setMaxListeners(10 + 2 * jobs.length, ctx.signal);
  const runs = await Promise.all(jobs.map((job) => sendOne(job, timeoutMs, ctx.signal)));
  ui.stopSpinner();
  const results: TestResult[] = runs.flatMap((r) => r.results);
  const interrupted = runs.some((r) => r.interrupted) || ctx.signal.aborted;
  const ok = !interrupted && results.length > 0 && results.every((r) => r.ok);
  ui.emitJson({ ok, target: displayTargets(which), results, ...(interrupted ? { interrupted: true } : {}) });
  printResults(ui, results);
  if (interrupted) {
    ui.warn('herald test: interrupted');
    return EXIT_INTERRUPTED;
  }
  return ok ? EXIT_OK : EXIT_PROBLEM;
}

/** The jobs for general/error/all: one per distinct destination, each with only its own variables. */
function jobsForRoles(which: 'general' | 'error' | 'all', general: readonly ChannelSpec[], error: readonly ChannelSpec[], env: Env): Job[] {
  const picked = [
    ...(which !== 'error' ? general.map((s) => ['GENERAL', s] as const) : []),
    ...(which !== 'general' ? error.map((s) => ['ERROR', s] as const) : []),
  ];
  const byKey = new Map<string, Job>();
  for (const [role, spec] of picked) {
    // The same bot+chat or webhook under both roles is one destination: one message.
    const key = identity(spec);
    const existing = byKey.get(key);
    if (existing) {
      existing.roles.push(role);
      continue;
    }
    const variables = [spec.origin, (spec as { chatVariable?: string }).chatVariable].filter((v): v is string => typeof v === 'string');
    const own: Record<string, string | undefined> = { TELEGRAM_API_BASE_URL: env.TELEGRAM_API_BASE_URL };
    for (const v of variables) own[v] = env[v];
    const { label, host } = describeSpec(spec);
    // An ERROR destination is reached with an error-level notification; its notifier has no
    // GENERAL destination, so the only other route is the console fallback, which is silenced.
    byKey.set(key, { roles: [role], platform: spec.driver, label, host, env: own, level: role === 'ERROR' ? 'error' : 'info' });
  }
  return [...byKey.values()];
}

/** One job per channel of each bot (its default and every mapped channel), sent as a `provider:channel` target. */
function jobsForBots(bots: readonly BotConfig[], env: Env): Job[] {
  const jobs: Job[] = [];
  for (const bot of bots) {
    const own: Record<string, string | undefined> = {};
    for (const name of Object.keys(env)) if (/^(NOTIFICATIONS_|SLACK_|DISCORD_)/.test(name)) own[name] = env[name];
    const seen = new Set<string>();
    for (const spec of [bot.defaultChannel, ...bot.mapping.map((m) => m.spec)]) {
      const key = identity(spec);
      if (seen.has(key)) continue;
      seen.add(key);
      const { label, host } = describeSpec(spec);
      const channel = (spec as { channel?: string; channelId?: string; threadTs?: string }).channelId ?? (spec as { channel?: string }).channel!;
      const thread = (spec as { threadTs?: string }).threadTs;
      jobs.push({
        roles: ['GENERAL'],
        platform: spec.driver,
        label,
        host,
        env: own,
        level: 'info',
        to: `${bot.provider}:${channel}${thread ? `:${thread}` : ''}`,
      });
    }
  }
  return jobs;
}

/** What makes two specs the same destination: everything but the variable names. */
function identity(spec: ChannelSpec): string {
  const { origin: _origin, chatVariable: _chat, ...rest } = spec as ChannelSpec & { chatVariable?: string };
  return JSON.stringify(rest, Object.keys(rest).sort());
}

async function sendOne(job: Job, timeoutMs: number, signal: AbortSignal): Promise<{ results: TestResult[]; interrupted: boolean }> {
  const notifier = createCliNotifier({ env: job.env, timeoutMs });
  const text = `🧪 Herald test message — ${job.roles.join(' + ')} ${job.label} — ${new Date().toISOString()}`;
  const { results, interrupted } = await deliverAndWait(notifier, () => notifier.notify(text, { level: job.level, ...(job.to ? { to: job.to } : {}) }), {
    timeoutMs,
    signal,
    hostOf: () => job.host,
  });
  const mine = results.filter((r) => !isConsole(r.destination));
  const list = mine.length ? mine : [{ destination: job.label, ok: false, error: 'the message was not queued for this destination' }];
  return { results: list.map((r) => ({ ...r, roles: job.roles, platform: job.platform })), interrupted };
}

function printResults(ui: Ui, results: readonly TestResult[]): void {
  const c = ui.color;
  const width = Math.max(0, ...results.map((r) => r.roles.join('+').length));
  for (const r of results) {
    const roles = r.roles.join('+').padEnd(width);
    if (r.ok) {
      ui.say(`  ${c.green('ok     ')}  ${roles}  ${r.destination}  ${c.dim(`delivered in ${formatLatency(r.latencyMs ?? 0)}`)}`);
    } else {
      ui.say(`  ${c.red('problem')}  ${roles}  ${r.destination}: ${r.error ?? 'failed'}${r.fix ? ` — fix: ${r.fix}` : ''}`);
    }
  }
  const failed = results.filter((r) => !r.ok).length;
  ui.say(
    failed === 0 ? c.green(`All ${plural(results.length, 'test message')} delivered.`) : c.red(`${failed} of ${plural(results.length, 'destination')} failed.`),
  );
}
