/**
 * `herald send`: one message from the shell (argument or stdin) through the library's
 * notifier, waiting for delivery, so cron jobs and scripts can notify the same destinations as
 * the bot: `some-job | herald send --to OPS_WEBHOOK`.
 */
import { parseArgs } from 'node:util';
import type { Command, CommandContext } from '../command.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError } from '../command.js';
import { COMMON_HELP, COMMON_OPTIONS, parseSeconds, parseUsage } from '../args.js';
import { createUi, EXIT_INTERRUPTED, plural, type Ui } from '../output.js';
import { EnvFileError, loadCliEnv, type CliEnv } from '../load-env.js';
import { createCliNotifier, deliverAndWait, describeSpec, formatLatency, isConsole, type DeliveryResult } from '../deliver.js';
import { readConfig } from '../../core/configuration.js';
import { displayTargets, resolveTarget } from '../../core/targets.js';
import { renderMessage } from '../../core/render.js';
import { TAG_NAMES, type Tags } from '../../config/tags.js';

const HELP = `herald send — send a message through Herald (from an argument or stdin)

Usage: herald send [message…] [--to TARGET] [--error] [--silent] [--tag KEY=VALUE]… [--dry-run] [options]

With no message argument the message is read from stdin, so a job's output can be sent as is.
It goes where the library would send it: the GENERAL destinations; with --error also the
ERROR ones; with --to only that target. Waits until it is delivered (or failed) and prints
the result for each destination. Long messages are split, never truncated.

Options:
  --to TARGET       any target: a webhook URL, an Apprise URL (tgram://, discord://, slack://),
                    a bot channel (#alerts, slack:#alerts, discord:<id>), telegram:<chat>[:<topic>],
                    several of those, or the name of a variable that holds them
  --error           send as an error (to the ERROR destinations too)
  --silent          deliver without a notification sound where the platform supports it
  --tag KEY=VALUE   a tag the bots' channel mappings route by (event, strategy, symbol,
                    exchange, mode); repeat for several: --tag strategy=ema-cross --tag mode=paper
  --dry-run         print what would be sent where, and which mapping entry decided; send nothing
  --timeout S       give up after S seconds (default 30)
${COMMON_HELP}

Exit codes: 0 delivered everywhere, 1 a failure or a configuration problem, 2 bad usage
(e.g. no message and stdin is a terminal), 130 interrupted.

JSON (--json):
  { "ok": boolean, "dryRun": boolean, "level": "info" | "error", "silent": boolean,
    "to": string | null, "characters"?: number (absent when nothing could be sent),
    "results": [ { "destination": string, "ok": boolean, "latencyMs"?: number, "parts"?: number,
                   "error"?: string, "fix"?: string } ],
    "error"?: { "message", "fix"? }, "problems"?: [ { "variable", "message", "fix" } ],
    "interrupted"?: true }
  (with --dry-run, results have only "destination", "text" holds the message and
  "decisions" says, per bot, which mapping entry or default channel chose its channel; Ctrl-C,
  even while the message is still being read from stdin, gives "interrupted": true)

Examples:
  herald send "backup finished"
  ./nightly-report.sh | herald send --to REPORTS_WEBHOOK --silent
  herald send --error "exchange API down"
  herald send --dry-run --tag strategy=ema-cross --tag event=order.filled "would this reach #ema?"
  echo test | herald send --dry-run --json`;

/** `herald send`. */
export const sendCommand: Command = {
  name: 'send',
  summary: 'send a message (argument or stdin) to the destinations or a target, and wait for delivery',
  help: HELP,
  run,
};

async function run(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseUsage(() =>
    parseArgs({
      args: [...ctx.argv],
      options: {
        ...COMMON_OPTIONS,
        to: { type: 'string' },
        error: { type: 'boolean' },
        silent: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        tag: { type: 'string', multiple: true },
        timeout: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    }),
  );
  const timeoutMs = parseSeconds(values.timeout, 'timeout', 30) * 1000;
  if (values.to !== undefined && values.to.trim() === '') throw new UsageError('--to needs a webhook URL or a variable name');
  const tags = parseTags(values.tag ?? []);
  const ui = createUi(ctx, values);
  const level = values.error ? 'error' : 'info';
  const silent = values.silent === true;
  const to = values.to?.trim();
  const dryRun = values['dry-run'] === true;
  // --to may hold secrets (webhook URLs, Apprise tokens): shown as the forms say, never in full.
  const base = { dryRun, level, silent, to: to === undefined ? null : displayTargets(to) };

  let message: string;
  if (positionals.length) {
    message = positionals.join(' ');
  } else {
    if (ctx.stdin.isTTY) throw new UsageError('no message: give it as an argument (herald send "text") or pipe it in (some-job | herald send)');
    const read = await readStdin(ctx.stdin, ctx.signal);
    if (read === undefined) {
      ui.emitJson({
        ok: false,
        ...base,
        results: [],
        error: { message: 'interrupted while reading the message from stdin; nothing was sent' },
        interrupted: true,
      });
      ui.warn('herald send: interrupted; nothing sent');
      return EXIT_INTERRUPTED;
    }
    // The newline that ends a command's output is not part of the message.
    message = read.replace(/(\r?\n)+$/, '');
    if (message.trim() === '') throw new UsageError('stdin was empty: nothing to send');
  }

  let loaded: CliEnv;
  try {
    loaded = loadCliEnv(ctx, values['env-file'], ui);
  } catch (err) {
    if (!(err instanceof EnvFileError)) throw err;
    const { message: why, fix } = err.problem;
    ui.emitJson({ ok: false, ...base, results: [], error: { message: why, ...(fix ? { fix } : {}) } });
    ui.problem('herald send: ', { message: `${why}; nothing was sent`, ...(fix ? { fix } : {}) });
    return EXIT_PROBLEM;
  }
  const { env } = loaded;
  const config = readConfig(env);
  if (config.problems.length) {
    ui.emitJson({ ok: false, ...base, results: [], problems: config.problems });
    ui.warn(`herald send: the configuration has ${plural(config.problems.length, 'problem')}; nothing was sent:`);
    for (const p of config.problems) ui.problem('  ', { message: `${p.variable}: ${p.message}`, fix: p.fix });
    return EXIT_PROBLEM;
  }
  let hosts = new Map<string, string | undefined>();
  for (const spec of [...config.general, ...config.error, ...config.bots.flatMap((b) => [b.defaultChannel, ...b.mapping.map((m) => m.spec)])]) {
    const d = describeSpec(spec);
    hosts.set(d.label, d.host);
  }
  if (to !== undefined) {
    // An explicit target that cannot be used is an error here: the library would fall back to
    // the general destinations, but someone who typed --to did not mean "anywhere".
    const r = resolveTarget(to, { env, bots: config.bots });
    if (r.problems.length || !r.specs.length) {
      const message = r.problems.map((p) => p.message).join('; ');
      const fix = r.problems[0]?.fix;
      ui.emitJson({ ok: false, ...base, results: [], error: { message, ...(fix ? { fix } : {}) } });
      ui.problem('herald send: ', { message, ...(fix ? { fix } : {}) });
      return EXIT_PROBLEM;
    }
    hosts = new Map(
      r.specs.map((spec) => {
        const d = describeSpec(spec);
        return [d.label, d.host] as const;
      }),
    );
  } else if (config.general.length === 0 && config.bots.length === 0 && (level === 'info' || config.error.length === 0)) {
    const message =
      level === 'info' && config.error.length
        ? 'no GENERAL destination is configured (only ERROR ones: add --error to send there)'
        : 'no destination is configured';
    const fix =
      'set GENERAL_TELEGRAM_BOT_TOKEN and GENERAL_TELEGRAM_BOT_CHAT_ID (`herald chat-id --write`), or a GENERAL_DISCORD_WEBHOOK / GENERAL_SLACK_WEBHOOK, in .env; or use --to';
    ui.emitJson({ ok: false, ...base, results: [], error: { message, fix } });
    ui.problem('herald send: ', { message: `${message}; nothing was sent`, fix });
    return EXIT_PROBLEM;
  }

  const notifier = createCliNotifier({ env, timeoutMs });
  const options = { level, silent, ...(to !== undefined ? { to } : {}), ...(tags ? { tags } : {}) } as const;
  const text = renderMessage(message);
  const characters = [...text].length;

  if (dryRun) {
    const preview = notifier.preview(options);
    await notifier.close(0);
    const destinations = preview.destinations.filter((d) => !isConsole(d));
    const shown = preview.note ? `${preview.note}\n${text}` : text;
    ui.emitJson({
      ok: true,
      ...base,
      ...(tags ? { tags } : {}),
      characters,
      text: shown,
      results: destinations.map((destination) => ({ destination })),
      ...(preview.decisions ? { decisions: preview.decisions } : {}),
    });
    ui.say(`Dry run: nothing was sent.`);
    ui.say(
      `Would send ${level === 'error' ? 'an error' : 'a message'}${silent ? ' (silent)' : ''} of ${plural(characters, 'character')} to ${plural(destinations.length, 'destination')}:`,
    );
    for (const d of destinations) ui.say(`  → ${d}`);
    if (preview.decisions) {
      ui.say(
        `Chosen by${
          tags
            ? ` (tags ${Object.entries(tags)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ')})`
            : ''
        }:`,
      );
      for (const d of preview.decisions) ui.say(`  ${d}`);
    }
    ui.say('Message:');
    for (const line of shown.split('\n')) ui.say(`  │ ${line}`);
    return EXIT_OK;
  }

  ui.spin('sending…');
  const { results, interrupted } = await deliverAndWait(notifier, () => notifier.notify(message, options), {
    timeoutMs,
    signal: ctx.signal,
    hostOf: (label) => hosts.get(label),
  });
  ui.stopSpinner();
  const ok = !interrupted && results.length > 0 && results.every((r) => r.ok);
  ui.emitJson({ ok, ...base, characters, results, ...(interrupted ? { interrupted: true } : {}) });
  printResults(ui, results);
  if (interrupted) {
    ui.warn('herald send: interrupted; what was not yet delivered is dropped');
    return EXIT_INTERRUPTED;
  }
  return ok ? EXIT_OK : EXIT_PROBLEM;
}

/** `--tag strategy=ema-cross` → tags; a bad one is a usage error naming the valid keys. */
function parseTags(list: readonly string[]): Tags | undefined {
  if (!list.length) return undefined;
  const tags: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? '' : item.slice(0, eq).trim();
    const value = eq < 0 ? '' : item.slice(eq + 1).trim();
    if (!(TAG_NAMES as readonly string[]).includes(key) || !value)
      throw new UsageError(`--tag "${item}": write KEY=VALUE with KEY one of ${TAG_NAMES.join(', ')}`);
    tags[key] = value;
  }
  return tags as Tags;
}

function printResults(ui: Ui, results: readonly DeliveryResult[]): void {
  const c = ui.color;
  for (const r of results) {
    if (r.ok)
      ui.say(
        `  ${c.green('ok     ')}  ${r.destination}  ${c.dim(`delivered in ${formatLatency(r.latencyMs ?? 0)}${(r.parts ?? 1) > 1 ? ` (${r.parts} parts)` : ''}`)}`,
      );
    else ui.say(`  ${c.red('problem')}  ${r.destination}: ${r.error ?? 'failed'}${r.fix ? ` — fix: ${r.fix}` : ''}`);
  }
  const failed = results.filter((r) => !r.ok).length;
  if (results.length === 0) ui.say(c.red('Nothing was queued.'));
  else
    ui.say(
      failed === 0 ? c.green(`Delivered to ${plural(results.length, 'destination')}.`) : c.red(`${failed} of ${plural(results.length, 'destination')} failed.`),
    );
}

/** Reads stdin to the end; undefined when Ctrl-C came first. */
function readStdin(stdin: NodeJS.ReadableStream, signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const cleanup = (): void => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onError);
      signal.removeEventListener('abort', onAbort);
    };
    const onData = (chunk: Buffer | string): void => void chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onAbort = (): void => {
      cleanup();
      // Stop reading so the process can exit; a pipe left flowing would keep it alive.
      (stdin as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      resolve(undefined);
    };
    if (signal.aborted) return onAbort();
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.on('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
