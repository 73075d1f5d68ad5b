/**
 * `herald relay`: the relay (src/relay) as a command. Reads the token and the destinations from
 * the environment and `.env`, listens (127.0.0.1:8788 by default), prints one line saying where
 * and what it serves, and runs until Ctrl-C, which closes the server and delivers what it
 * accepted. This file turns arguments and the environment into the relay's options.
 */
import { parseArgs } from 'node:util';
import { type Command, type CommandContext, EXIT_OK, EXIT_PROBLEM, UsageError } from '../command.js';
import { COMMON_HELP, COMMON_OPTIONS, maxPositionals, parseUsage } from '../args.js';
import { EnvFileError, loadCliEnv, type CliEnv } from '../load-env.js';
import { createUi, plural, type Ui } from '../output.js';
import { HeraldConfigError } from '../../config/problems.js';
import { readConfig } from '../../core/configuration.js';
import { createRelay, type Relay, RELAY_DEFAULT_HOST, RELAY_DEFAULT_PORT, RELAY_ENDPOINTS } from '../../relay/relay.js';
import { DEFAULT_RATE_PER_MINUTE } from '../../relay/options.js';
import { MAKE_TOKEN } from '../../relay/token.js';

const HELP = `herald relay — receive what other bots post and deliver it with Herald

Usage: herald relay [--port N] [--host ADDRESS] [--rate N] [options]

Runs an HTTP server that turns what freqtrade, Jesse, TradingView, Apprise and scripts post
into Herald notifications, delivered to the destinations in .env with everything Herald does
(routing, pacing, coalescing, splitting, cards, the outbox). Every request but GET /healthz
carries the token HERALD_RELAY_TOKEN, as "Authorization: Bearer <token>" or as the first path
segment (/t/<token>/freqtrade) for senders that can only be given a URL. Runs until Ctrl-C,
then delivers what it accepted (10 s at most).

Endpoints:
  POST /notify[/TARGET]       text, JSON {"message", "level", "silent", "to", "tags"}, or
                              Apprise's json:// body; answers 202
  POST /freqtrade             freqtrade's webhook (the README's Relay section has the config)
  POST /discord[/TARGET]      a Discord-webhook body (Jesse, scripts); answers 204 like Discord
  POST /slack[/TARGET]        a Slack-webhook body; answers "ok" like Slack
  POST /tradingview[/TARGET]  a TradingView alert, text or JSON
  GET  /healthz               backlog and disabled destinations; no token needed
TARGET is any Herald target, URL-encoded: /slack/%23alerts, /notify/OPS_WEBHOOK.

Options:
  --port N          port (default ${RELAY_DEFAULT_PORT}; 0 picks a free one, printed)
  --host ADDRESS    address to listen on (default ${RELAY_DEFAULT_HOST}: this machine only). Any other
                    is reachable from other machines: put TLS (a reverse proxy) in front
  --rate N          requests a minute per client address before 429 (default
                    HERALD_RELAY_RATE, else ${DEFAULT_RATE_PER_MINUTE})
${COMMON_HELP}

Variables: HERALD_RELAY_TOKEN (required; at least 16 of A-Z a-z 0-9 . _ ~ -; make one with
  ${MAKE_TOKEN}),
  HERALD_RELAY_RATE, and the destination variables every Herald command reads.

Exit codes: 0 stopped with Ctrl-C, 1 a configuration problem or the address cannot be used,
2 bad usage.

JSON (--json):
  one line once listening, then the relay runs on; notifications printed by the console
  default (no destination configured) go to stderr:
  { "url": string, "host": string, "port": number, "endpoints": [string] }

Examples:
  herald relay
  herald relay --port 9000 --rate 120
  herald relay --port 0 --json`;

/** `herald relay`. */
export const relayCommand: Command = {
  name: 'relay',
  summary: 'receive freqtrade, Jesse, TradingView and Apprise posts and deliver them with Herald',
  help: HELP,
  run,
};

function parsePort(raw: string | undefined): number {
  if (raw === undefined) return RELAY_DEFAULT_PORT;
  const t = raw.trim();
  if (!/^\d{1,5}$/.test(t) || Number(t) > 65535) throw new UsageError(`--port must be a port number from 0 to 65535, not "${raw}"`);
  return Number(t);
}

function parseHost(raw: string | undefined): string {
  if (raw === undefined) return RELAY_DEFAULT_HOST;
  const t = raw.trim();
  if (t === '' || /[\s/\u0000-\u001f]/.test(t)) throw new UsageError(`--host must be an address or host name (127.0.0.1, 0.0.0.0, ::1), not "${raw}"`);
  return t;
}

function parseRate(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[1-9]\d{0,6}$/.test(raw.trim())) throw new UsageError(`--rate must be a whole number of requests a minute, at least 1, not "${raw}"`);
  return Number(raw.trim());
}

/** Resolves when the signal aborts (at once if it already has). */
function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

function problems(ui: Ui, err: HeraldConfigError): number {
  ui.warn(`herald relay: the configuration has ${plural(err.problems.length, 'problem')}; the relay was not started:`);
  for (const p of err.problems) ui.problem('  ', { message: `${p.variable}: ${p.message}`, fix: p.fix });
  return EXIT_PROBLEM;
}

async function run(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseUsage(() =>
    parseArgs({
      args: [...ctx.argv],
      options: { ...COMMON_OPTIONS, port: { type: 'string', short: 'p' }, host: { type: 'string' }, rate: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    }),
  );
  maxPositionals(positionals, 0, 'herald relay takes options only');
  const port = parsePort(values.port);
  const host = parseHost(values.host);
  const rateLimit = parseRate(values.rate);
  const ui = createUi(ctx, values);

  let loaded: CliEnv;
  try {
    loaded = loadCliEnv(ctx, values['env-file'], ui);
  } catch (err) {
    if (!(err instanceof EnvFileError)) throw err;
    ui.problem('herald relay: ', { message: `${err.problem.message}; the relay was not started`, ...(err.problem.fix ? { fix: err.problem.fix } : {}) });
    return EXIT_PROBLEM;
  }
  const { env } = loaded;
  // In --json mode stdout is the one document: what the console default prints goes to stderr.
  const consoleOut = ui.json ? ctx.stderr : ctx.stdout;
  let relay: Relay;
  try {
    relay = createRelay({
      env,
      ...(rateLimit !== undefined ? { rateLimit } : {}),
      diagnostics: (line) => void ctx.stderr.write(ui.redact(line)),
      console: (text) => void consoleOut.write(text),
      // Ctrl-C reaches this command through ctx.signal; the close below delivers what was accepted.
      drainOnExit: false,
    });
  } catch (err) {
    if (err instanceof HeraldConfigError) return problems(ui, err);
    throw err;
  }
  if (ctx.signal.aborted) {
    await relay.close();
    return EXIT_OK;
  }
  let address;
  try {
    address = await relay.listen(port, host);
  } catch (err) {
    await relay.close();
    ui.problem('herald relay: ', { message: (err as Error).message });
    return EXIT_PROBLEM;
  }
  const token = env.HERALD_RELAY_TOKEN?.trim() ?? '';
  // The token's own characters are masked by ui (it is a *_TOKEN variable): `/t/ab…/`.
  if (ui.json) ctx.stdout.write(`${ui.redact(JSON.stringify({ url: address.url, host: address.host, port: address.port, endpoints: RELAY_ENDPOINTS }))}\n`);
  else
    ui.say(
      `herald relay: listening on ${address.url} — ${RELAY_ENDPOINTS.join(', ')}; token: "Authorization: Bearer …" or ${address.url}/t/${token}/<endpoint>`,
    );
  const config = readConfig(env);
  if (!config.general.length && !config.error.length && !config.bots.length)
    ui.warn('herald relay: no destination is configured: notifications print here (set GENERAL_* variables in .env; `herald doctor` checks them)');

  await untilAborted(ctx.signal);
  ui.warn('herald relay: stopping; delivering what was accepted…');
  await relay.close();
  ui.warn('herald relay: stopped.');
  return EXIT_OK;
}
