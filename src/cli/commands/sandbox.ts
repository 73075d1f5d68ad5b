/**
 * `herald sandbox`: the local fake of Telegram, Discord and Slack (src/sandbox, the same one
 * the tests and the benchmark use) with a live inbox page on the same origin, the variables
 * that point Herald at it, and `--demo`, one sample of every notification through the real
 * library. Runs until Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Command, type CommandContext, EXIT_OK, EXIT_PROBLEM, UsageError } from '../command.js';
import { redact } from '../../config/redact.js';
import { colorEnabled, makeColors, stripControl } from '../output.js';
import { runDemo } from '../../sandbox/demo.js';
import { renderers, type RNode } from '../../sandbox/inbox/render.js';
import { SANDBOX_DEFAULT_PORT, SANDBOX_IDS, SANDBOX_VARIABLES, sandboxEnvLines, sandboxLabels } from '../../sandbox/sandbox-env.js';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox.js';
import type { ServerEvent } from '../../sandbox/types.js';

const HELP = `herald sandbox — local Telegram, Discord and Slack with a live inbox page

Usage: herald sandbox [--port N] [--open=false] [--demo] [--json]

Starts, on 127.0.0.1 only, an emulation of the Telegram Bot API (forum topics included),
Discord webhooks and the Discord bot API, Slack incoming webhooks and the Slack Web API
(chat.postMessage, auth.test, conversations.*), with the platforms' real size and rate limits
(429s included) and their answers for unknown channels, and on the same address an inbox page
that shows every message as the platform would (Telegram HTML, Discord markdown and embeds,
Slack mrkdwn and blocks), silent ones marked, 429s and errors in a side panel. The printed
variables include a Slack and a Discord bot with a default channel and a channel mapping.
It prints the variables to paste into .env; their values are sandbox-only and work nowhere
else, so they are printed in full. Runs until Ctrl-C.

Options:
  --port N          port on 127.0.0.1 (default ${SANDBOX_DEFAULT_PORT}; 0 picks a free one, printed)
  --open[=false]    open the inbox in your browser (default: yes when the output is a
                    terminal and a desktop opener exists; never when CI is set)
  --no-open         same as --open=false
  --demo            send one sample of every notification Herald makes (every event kind,
                    order.submitted included, an error, a silent one, a log to a named
                    target) through the library, so you see them all without a bot
  --json            print {"url", "inbox", "port", "env"} as one JSON line, keep running
  --verbose         print stack traces of unexpected errors
  -h, --help        this help

Then, with the variables in .env: \`herald doctor\`, \`herald test all\`, or your bot.
In the Herald repository, \`HERALD_SANDBOX=1 npm start\` runs the example strategy against
a running sandbox (HERALD_SANDBOX_PORT if not ${SANDBOX_DEFAULT_PORT}).

Exit codes: 0 stopped with Ctrl-C, 1 could not start (port in use…), 2 bad usage.

Examples:
  herald sandbox
  herald sandbox --demo
  herald sandbox --port 0 --open=false --json`;

type Stream = NodeJS.WritableStream & { isTTY?: boolean };

/**
 * Messages and events the sandbox keeps (oldest dropped first), so one left running for days
 * under a chatty bot does not grow without bound; the inbox replays fewer than this anyway.
 */
export const SANDBOX_MAX_HISTORY = 5000;

/** `--open`, `--open=true|false`, `--no-open`; everything else goes to parseArgs. */
function takeOpen(argv: readonly string[]): { open: boolean | undefined; rest: string[] } {
  let open: boolean | undefined;
  const rest: string[] = [];
  for (const arg of argv) {
    const m = /^--open(?:=(.*))?$/.exec(arg);
    if (m) {
      const v = (m[1] ?? 'true').toLowerCase();
      if (['true', '1', 'yes', 'on', ''].includes(v)) open = true;
      else if (['false', '0', 'no', 'off'].includes(v)) open = false;
      else throw new UsageError(`--open takes true or false, not "${redact(m[1] ?? '')}"`);
    } else if (arg === '--no-open') open = false;
    else rest.push(arg);
  }
  return { open, rest };
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined) return SANDBOX_DEFAULT_PORT;
  const t = raw.trim();
  if (!/^\d{1,5}$/.test(t) || Number(t) > 65535) throw new UsageError(`--port must be a port number from 0 to 65535, not "${redact(raw)}"`);
  return Number(t);
}

const truthyEnv = (v: string | undefined): boolean => v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, fsConstants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** How to open a URL in the desktop's browser, if this machine has a way. */
export function findOpener(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): { command: string; args: (url: string) => string[] } | undefined {
  if (platform === 'darwin') return { command: 'open', args: (url) => [url] };
  if (platform === 'win32') return { command: 'cmd', args: (url) => ['/c', 'start', '""', url] };
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return undefined; // no desktop session (ssh, container)
  const xdg = onPath('xdg-open', env);
  return xdg ? { command: xdg, args: (url) => [url] } : undefined;
}

function openBrowser(url: string, env: NodeJS.ProcessEnv, stderr: NodeJS.WritableStream): void {
  const opener = findOpener(env);
  if (!opener) {
    stderr.write(`herald sandbox: no desktop browser opener found; open ${url} yourself.\n`);
    return;
  }
  try {
    const child = spawn(opener.command, opener.args(url), { stdio: 'ignore', detached: true, windowsHide: true });
    child.on('error', () => stderr.write(`herald sandbox: could not open a browser; open ${url} yourself.\n`));
    child.unref();
  } catch {
    stderr.write(`herald sandbox: could not open a browser; open ${url} yourself.\n`);
  }
}

function plain(nodes: readonly RNode[]): string {
  return nodes.map((n) => (typeof n === 'string' ? n : plain(n.c))).join('');
}

/**
 * Text a client sent (message, chat id, error detail) made safe for one terminal line: control
 * characters removed (no escape sequence reaches the terminal), whitespace runs made one space.
 */
function oneLine(text: string): string {
  return stripControl(text).replace(/\s+/g, ' ').trim();
}

/** One terminal line for an event: time, platform, destination, first line of the text. */
export function eventLine(e: ServerEvent, labels: ReturnType<typeof sandboxLabels>, dim: (s: string) => string, warn: (s: string) => string): string {
  const d = new Date(e.at);
  const time = [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  const where = oneLine(labels[e.platform][e.destination] ?? e.destination);
  if (e.kind !== 'message' || !e.message) {
    const what = e.kind === 'rate-limited' ? `429 rate limited` : `error ${e.status || '(no answer)'}`;
    const detail = e.detail ? oneLine(e.detail) : '';
    return `${dim(time)}  ${e.platform.padEnd(8)} ${warn(what)} → ${where}${detail ? `: ${detail}` : ''}`;
  }
  const m = e.message;
  let rendered: string;
  try {
    rendered = plain(renderers.render(m.platform, m.text, m.parseMode));
  } catch {
    // Whatever a client sent, the sandbox keeps running: the line shows the text as sent.
    rendered = m.text;
  }
  // An embeds-only Discord message has no text: show its embeds' titles instead.
  const embeds = (m.body as { embeds?: unknown } | undefined)?.embeds;
  if (rendered.trim() === '' && Array.isArray(embeds)) {
    const titles = embeds
      .map((x) => (x && typeof x === 'object' ? (x as { title?: unknown; description?: unknown }) : {}))
      .map((x) => String(x.title ?? x.description ?? ''));
    rendered = `[${embeds.length} embed${embeds.length === 1 ? '' : 's'}] ${titles.filter(Boolean).join(' | ')}`;
  }
  const text = oneLine(rendered);
  const short = text.length > 90 ? `${text.slice(0, 89)}…` : text;
  return `${dim(time)}  ${m.platform.padEnd(8)} ${dim(`→ ${where}`)}${m.silent ? dim(' (silent)') : ''}  ${short}`;
}

function listenProblem(err: unknown, port: number): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE') return `port ${port} on 127.0.0.1 is already in use (another sandbox?). Stop it, or use --port 0 for a free port.`;
  if (code === 'EACCES') return `not allowed to listen on port ${port}; use a port above 1023, or --port 0.`;
  return `could not start: ${redact((err as Error)?.message ?? String(err))}`;
}

/** Resolves when the signal aborts (at once if it already has). */
function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

async function run(ctx: CommandContext): Promise<number> {
  const { open: openFlag, rest } = takeOpen(ctx.argv);
  let values: { port?: string; demo?: boolean; json?: boolean; verbose?: boolean };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: { port: { type: 'string', short: 'p' }, demo: { type: 'boolean' }, json: { type: 'boolean' }, verbose: { type: 'boolean' } },
      allowPositionals: false,
      strict: true,
    }));
  } catch (err) {
    throw new UsageError(redact((err as Error).message));
  }
  const port = parsePort(values.port);
  const json = values.json === true;
  const stdout = ctx.stdout as Stream;
  // Colour as every other command decides it (output.ts), for the stream each line goes to;
  // none in --json mode, where stdout is a document and notes go to stderr.
  const outColor = makeColors(!json && colorEnabled(ctx.env, ctx.stdout));
  const noteColor = json ? makeColors(false) : outColor;
  const { bold, dim } = outColor;
  const ci = truthyEnv(ctx.env.CI);
  const open = !ci && (openFlag ?? (stdout.isTTY === true && findOpener(ctx.env) !== undefined));

  // Ctrl-C before we started: do not print variables for a server that will not exist.
  if (ctx.signal.aborted) return EXIT_OK;
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({ port, maxHistory: SANDBOX_MAX_HISTORY });
  } catch (err) {
    ctx.stderr.write(`herald sandbox: ${listenProblem(err, port)}\n`);
    return EXIT_PROBLEM;
  }

  const labels = sandboxLabels();
  const out = (line = ''): void => void ctx.stdout.write(`${line}\n`);
  // In --json mode stdout carries the one document; everything else goes to stderr.
  const note = (line: string): void => void (json ? ctx.stderr : ctx.stdout).write(`${line}\n`);
  try {
    if (json) {
      out(JSON.stringify({ url: sandbox.url, inbox: sandbox.inboxUrl, port: sandbox.port, env: sandbox.env }));
    } else {
      out(`${bold('Herald sandbox')}: Telegram Bot API, Discord and Slack webhooks and bots on ${sandbox.url} (127.0.0.1 only)`);
      out();
      out(`  Inbox  ${bold(sandbox.inboxUrl)}`);
      out();
      out(`Paste into .env (sandbox-only values: they work nowhere else, so nothing here is secret):`);
      out();
      out(sandboxEnvLines(sandbox.env));
      out();
      out(
        dim(
          `Then \`herald doctor\` or \`herald test all\`, or run your bot. ${SANDBOX_VARIABLES.length} variables; GENERAL chat ${SANDBOX_IDS.generalChatId}, ERROR chat ${SANDBOX_IDS.errorChatId}.`,
        ),
      );
      out(dim('Ctrl-C to stop. Messages as they arrive:'));
      sandbox.fake.on('event', (e) => out(eventLine(e, labels, outColor.dim, outColor.yellow)));
    }
    if (open) openBrowser(sandbox.inboxUrl, ctx.env, ctx.stderr);

    let demo: Promise<void> | undefined;
    if (values.demo) {
      // One 429 on purpose, so the side panel shows what one looks like and that Herald waits and resends.
      sandbox.fake.inject(
        { platform: 'slack', destination: SANDBOX_IDS.generalSlack.split('/').slice(0, 2).join('/') },
        { status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } },
      );
      note(
        noteColor.dim(
          'Demo: sending one sample of every notification through Herald, one at a time (about 10 s; one Slack 429 is injected on purpose: Herald waits and resends)…',
        ),
      );
      demo = runDemo(sandbox.env, {
        signal: ctx.signal,
        report: (line) => void ctx.stderr.write(line),
        // The demo's bot keeps answering commands typed on the inbox page until Ctrl-C.
        keepAnswering: true,
        onDone: (r) => {
          const verdict = r.complete && r.failed === 0 ? noteColor.green('done') : noteColor.yellow('incomplete');
          note(
            `Demo ${verdict}: ${r.notifications} notifications, ${r.delivered} deliveries${r.failed ? `, ${r.failed} failed` : ''}. See them in ${sandbox.inboxUrl}; send the bot /status, /report or /mute 1h from the Telegram column.`,
          );
        },
      })
        .then(() => undefined)
        .catch((err: unknown) => note(`herald sandbox: the demo failed: ${redact((err as Error)?.message ?? String(err))}`));
    }

    await untilAborted(ctx.signal);
    await demo;
  } finally {
    await sandbox.close();
  }
  if (!json) out(dim('\nSandbox stopped.'));
  return EXIT_OK;
}

/** `herald sandbox`. */
export const sandboxCommand: Command = {
  name: 'sandbox',
  summary: 'local Telegram/Discord/Slack with a live inbox page (--demo shows every message)',
  help: HELP,
  run,
};
