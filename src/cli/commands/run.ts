/**
 * `herald run`: runs a bot as a child process and watches it. When it dies abnormally (a
 * non-zero exit, a signal, the out-of-memory killer's SIGKILL) an error notification says so,
 * with its last stderr lines (redacted) and how many notifications it left undelivered, which
 * are then delivered from its outbox; it restarts only when asked to (`--restart`), and a child
 * that uses Herald is watched for hangs through its heartbeats. The supervisor itself lives in
 * src/supervisor; this file turns arguments and the environment into its settings.
 */
import { parseArgs } from 'node:util';
import type { Command, CommandContext } from '../command.js';
import { EXIT_PROBLEM, UsageError } from '../command.js';
import { MAX_SECONDS, parseUsage } from '../args.js';
import { createUi, EXIT_INTERRUPTED, plural, type Ui } from '../output.js';
import { EnvFileError, loadCliEnv, showPath, type CliEnv } from '../load-env.js';
import type { ChannelSpec } from '../../channels/driver.js';
import type { HttpClient } from '../../channels/http.js';
import { createChannel } from '../../channels/registry.js';
import { redact } from '../../config/redact.js';
import { readConfig } from '../../core/configuration.js';
import { createNotifier, type Notifier } from '../../core/notifier.js';
import { LocalRateLimits } from '../../delivery/rate-limits.js';
import { libraryOutbox, planOutbox } from '../../supervisor/handover.js';
import { defaultName } from '../../supervisor/name.js';
import { DEFAULT_MAX_RESTARTS, FIRST_RESTART_DELAY_MS, RESTART_MODES, RestartPolicy, type RestartMode } from '../../supervisor/restart-policy.js';
import { takeOverSignals } from '../../supervisor/signals.js';
import { HANDOVER_DEADLINE_MS, Supervisor } from '../../supervisor/supervisor.js';

const HELP = `herald run — run a bot and tell you when it crashes or hangs

Usage: herald run [--name NAME] [--restart on-failure|always|never] [--max-restarts N]
                  [--heartbeat SECONDS] [options] -- <command> [args…]

Runs <command> as a child: stdin and stdout pass through, stderr too (its last 50 lines are
kept), SIGINT, SIGTERM and SIGHUP are passed on to it, and herald run exits with its exit code
(128 + the signal's number when a signal ended it: 137 for SIGKILL).

When the child dies abnormally (a non-zero exit code, a signal; SIGKILL usually means the
out-of-memory killer), an error notification goes to the ERROR destinations (and the GENERAL
ones, as every error does) with its name, exit code or signal, uptime, last stderr lines
(secrets redacted) and how many notifications it left undelivered; those are then delivered
from its outbox. A clean exit (code 0) sends nothing. With no destination configured, notices
print on stderr.

Outbox: unless HERALD_OUTBOX is set (environment or .env), the child gets
HERALD_OUTBOX=.herald/<name>.outbox (under the working directory), so what it could not
deliver before dying is kept there, delivered by herald run right after the crash, and
otherwise on the next start. HERALD_OUTBOX= (empty) turns this off.

Hangs: a child that uses Herald (a notifier or the plugin) sends heartbeats to herald run over
a local socket, from a timer of its event loop. When they stop for --heartbeat seconds, e.g. a
loop that never yields, "⏸ <name> unresponsive for 2 min (event loop blocked?)" is sent, and
"▶️ <name> responsive again" when they resume. Detection starts with the first heartbeat: a
child that does not use Herald (or any process before it creates its notifier) is never
reported as hung, only as crashed.

Options:
  --name NAME          the bot's name in notices and its outbox file. Default: the script an
                       interpreter runs (node dist/strategy.js → strategy.js, python -m bot →
                       bot), a package manager's words (npm start), else the command's file name
  --restart MODE       never (default: report, and leave restarting to systemd, pm2 or Docker),
                       on-failure (after a non-zero exit or a signal), always (after any exit)
  --max-restarts N     give up after N restarts within 10 minutes, with a final notice and the
                       child's last exit code (default ${DEFAULT_MAX_RESTARTS}); restarts wait 1 s, doubling to 60 s
  --heartbeat S        seconds without a heartbeat that count as a hang (default 120; 0: off)
  --env-file PATH      read variables from PATH instead of ./.env (real environment variables
                       win); with this option the child gets them in its environment too
  --verbose            print stack traces of unexpected errors
  -h, --help           this help

Put herald run's own options before the command; "--" marks where the command starts (needed
when the command's first word begins with "-"). Ctrl-C or SIGTERM stops the child (passed on)
and herald run with it: no notice, no restart. A second one while herald run is delivering
notices stops that wait too.

Exit codes: the child's (see above); 2 bad usage; 1 a configuration problem (the child is not
started); 127 the command was not found, 126 it could not be executed.

Examples:
  herald run -- node dist/strategy.js
  herald run --name grid-btc --restart on-failure -- npx tsx strategies/grid.ts --live
  herald run --heartbeat 30 -- npm start`;

/** `herald run`. */
export const runCommand: Command = {
  name: 'run',
  summary: 'run a bot and send a notice when it crashes or hangs (restarts optional)',
  help: HELP,
  run,
};

/** Options of `herald run` that take a value (the rest are flags). */
const VALUE_OPTIONS = new Set(['--name', '--restart', '--max-restarts', '--heartbeat', '--env-file']);

/**
 * Splits `herald run`'s own options from the command: at `--`, or at the first argument that
 * is neither an option nor an option's value. Everything after belongs to the command, its own
 * `--` included.
 */
export function splitCommand(argv: readonly string[]): { own: string[]; command: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return { own: argv.slice(0, i), command: argv.slice(i + 1) };
    if (VALUE_OPTIONS.has(arg)) {
      i++;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') return { own: argv.slice(0, i), command: argv.slice(i) };
  }
  return { own: [...argv], command: [] };
}

function parseName(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const name = raw.trim();
  if (!name || name.length > 100 || /[\u0000-\u001f\u007f]/.test(name))
    throw new UsageError(`--name must be 1 to 100 printable characters, not "${redact(raw)}"`);
  return name;
}

function parseRestart(raw: string | undefined): RestartMode {
  if (raw === undefined) return 'never';
  if (!(RESTART_MODES as readonly string[]).includes(raw)) throw new UsageError(`--restart must be one of ${RESTART_MODES.join(', ')}, not "${redact(raw)}"`);
  return raw as RestartMode;
}

function parseMaxRestarts(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_MAX_RESTARTS;
  if (!/^\d{1,4}$/.test(raw.trim())) throw new UsageError(`--max-restarts must be a whole number from 0 to 9999, not "${redact(raw)}"`);
  return Number(raw.trim());
}

function parseHeartbeat(raw: string | undefined): number {
  if (raw === undefined) return 120;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new UsageError(`--heartbeat must be a number of seconds (0 turns hang detection off), not "${redact(raw)}"`);
  if (n > MAX_SECONDS) throw new UsageError(`--heartbeat must be at most ${MAX_SECONDS} seconds (one day), not "${redact(raw)}"`);
  return n;
}

/** An HTTP client that refuses every request: channels made only to learn their secrets never send. */
const NO_HTTP: HttpClient = {
  request: () => Promise.reject(new Error('secrets only')),
  close: async () => {},
};

/** Registers every secret the configured destinations hold, so no notice or line can show one. */
function registerSecrets(ui: Ui, specs: readonly ChannelSpec[]): void {
  for (const spec of specs) {
    try {
      for (const s of createChannel(spec, { http: NO_HTTP }).secrets) ui.addSecret(s);
    } catch {
      // A spec no driver can make was already reported as a configuration problem.
    }
  }
}

/** The first backoff delay: 1 s, or HERALD_RUN_BACKOFF_MS from the real environment (a hook for tests, not documented). */
function firstDelay(env: NodeJS.ProcessEnv): number {
  const n = Number(env.HERALD_RUN_BACKOFF_MS);
  return env.HERALD_RUN_BACKOFF_MS !== undefined && Number.isFinite(n) && n >= 0 ? n : FIRST_RESTART_DELAY_MS;
}

/** Resolves when `promise` settles or `signal` aborts, whichever comes first. */
function until(promise: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    promise.then(done, done);
  });
}

async function run(ctx: CommandContext): Promise<number> {
  const { own, command } = splitCommand(ctx.argv);
  const { values } = parseUsage(() =>
    parseArgs({
      args: own,
      options: {
        name: { type: 'string' },
        restart: { type: 'string' },
        'max-restarts': { type: 'string' },
        heartbeat: { type: 'string' },
        'env-file': { type: 'string' },
        verbose: { type: 'boolean' },
      },
      allowPositionals: false,
      strict: true,
    }),
  );
  const [file, ...args] = command;
  if (file === undefined || file.trim() === '') throw new UsageError('no command to run: herald run [options] -- <command> [args…]');
  const mode = parseRestart(values.restart);
  const maxRestarts = parseMaxRestarts(values['max-restarts']);
  const heartbeatMs = Math.round(parseHeartbeat(values.heartbeat) * 1000);
  const name = parseName(values.name) ?? defaultName(file, args);
  const ui = createUi(ctx, { verbose: values.verbose });

  let loaded: CliEnv;
  try {
    loaded = loadCliEnv(ctx, values['env-file'], ui);
  } catch (err) {
    if (!(err instanceof EnvFileError)) throw err;
    ui.problem('herald run: ', { message: `${err.problem.message}; the bot was not started`, ...(err.problem.fix ? { fix: err.problem.fix } : {}) });
    return EXIT_PROBLEM;
  }
  const { env } = loaded;
  const config = readConfig(env);
  if (config.problems.length) {
    ui.warn(`herald run: the configuration has ${plural(config.problems.length, 'problem')}; the bot was not started:`);
    for (const p of config.problems) ui.problem('  ', { message: `${p.variable}: ${p.message}`, fix: p.fix });
    return EXIT_PROBLEM;
  }
  registerSecrets(ui, [...config.general, ...config.error, ...config.bots.flatMap((b) => [b.defaultChannel, ...b.mapping.map((m) => m.spec)])]);
  const nowhere = !config.general.length && !config.error.length && !config.bots.length;
  if (nowhere) {
    ui.warn(
      'herald run: no destination is configured: crash and hang notices print here (set GENERAL_* or ERROR_* variables in .env; `herald doctor` checks them)',
    );
  }

  const plan = planOutbox(env, ctx.cwd, name);
  if (plan.warning) ui.warn(`herald run: ${plan.warning}`);
  // The child reads .env itself; an explicit --env-file is passed on so both see the same values.
  const childEnv: NodeJS.ProcessEnv = { ...(loaded.explicit ? env : ctx.env), ...plan.childEnv };

  const limits = new LocalRateLimits();
  const report = (line: string): void => void ctx.stderr.write(ui.redact(line));
  let notifier: Notifier;
  try {
    // outbox: false — HERALD_OUTBOX names the child's outbox, which only the child may hold while it runs.
    // redis: false — the supervisor delivers its own notices; the child is the one in the fleet.
    notifier = createNotifier({
      env,
      outbox: false,
      redis: false,
      // The child reports on itself; a report from the supervisor would be a second, empty one.
      report: false,
      drainOnExit: false,
      diagnostics: report,
      console: (text) => void ctx.stderr.write(text),
      limits,
    });
  } catch (err) {
    ui.warn(`herald run: ${(err as Error).message}`);
    return EXIT_PROBLEM;
  }

  const supervisor = new Supervisor({
    name,
    command: file,
    args,
    cwd: ctx.cwd,
    env: childEnv,
    policy: new RestartPolicy({ mode, maxRestarts, firstDelayMs: firstDelay(ctx.env) }),
    heartbeatMs,
    outboxPath: plan.path,
    outboxShown: plan.path === undefined ? undefined : showPath(plan.path, ctx.cwd),
    // Replays go where the child would have sent them, its console fallback included (stdout).
    outbox: libraryOutbox({ env: { ...env, ...plan.childEnv }, diagnostics: report, limits, console: (text) => void ctx.stdout.write(text) }),
    notices: {
      send: (text) => notifier.notify(text, { level: 'error', tags: { event: 'custom:herald-run' } }),
      flush: (ms) => notifier.flush(ms),
    },
    redact: (text) => ui.redact(text),
    log: (line) => ui.warn(`herald run: ${line}`),
    echoNotices: !nowhere,
    stdout: ctx.stdout === process.stdout ? 'inherit' : ctx.stdout,
    stderr: ctx.stderr,
    handOverDeadlineMs: HANDOVER_DEADLINE_MS,
  });

  if (ctx.signal.aborted) {
    // Ctrl-C before the child was started: there is nothing to stop.
    await notifier.close(0).catch(() => {});
    return EXIT_INTERRUPTED;
  }
  // Signals go to the child (through the supervisor) until the last notice is out, not to the
  // CLI's own handler, which would leave at a second Ctrl-C with the wrong exit code.
  const restore = takeOverSignals((signal) => supervisor.signal(signal));
  const onAbort = (): void => supervisor.signal('SIGTERM');
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let closed = false;
  try {
    const code = await supervisor.run();
    await until(notifier.close(HANDOVER_DEADLINE_MS), supervisor.interrupted);
    closed = true;
    return code;
  } finally {
    if (!closed) void notifier.close(0).catch(() => {});
    ctx.signal.removeEventListener('abort', onAbort);
    restore();
  }
}
