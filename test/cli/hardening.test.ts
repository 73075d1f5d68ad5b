/**
 * Review findings in the `herald` CLI, one block per finding: a token cut short in an error,
 * `--var` listening as the wrong bot, unbounded seconds options, an unreadable .env read as
 * empty, escape sequences from the sandbox's clients reaching the terminal and colour decided
 * for the wrong stream, the unannounced side effect of reading updates, JSON documents missing
 * on Ctrl-C, and a `NAME=` line inside another variable's multi-line value taken for NAME.
 */
import { createServer, type Server } from 'node:http';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'dotenv';
import { afterEach, describe, expect, it } from 'vitest';
import { findLeak, json, OTHER_TOKEN, runCli, startCli, TOKEN, useCliFixture } from './harness.js';
import { MAX_SECONDS, MAX_TIMER_MS, parseSeconds, timerMs } from '../../src/cli/args.js';
import type { CommandContext } from '../../src/cli/command.js';
import { updateEnvText, writeEnvFile } from '../../src/cli/env-file.js';
import { EnvFileError, loadCliEnv } from '../../src/cli/load-env.js';
import { createUi, stripControl } from '../../src/cli/output.js';
import { quoteBody } from '../../src/channels/telegram-api.js';
import { eventLine, sandboxCommand } from '../../src/cli/commands/sandbox.js';
import { sendCommand } from '../../src/cli/commands/send.js';
import { sandboxEnv, sandboxLabels, SANDBOX_IDS } from '../../src/sandbox/sandbox-env.js';
import type { ServerEvent } from '../../src/sandbox/types.js';

const fixture = useCliFixture();

const FAST = ['--grace', '0.1', '--timeout', '5'];
const env = (): Record<string, string> => ({ TELEGRAM_API_BASE_URL: fixture.server.url, GENERAL_TELEGRAM_BOT_TOKEN: TOKEN });
const groupMessage = (id: number, title: string): object => ({
  message: {
    message_id: 1,
    date: 1_700_000_000,
    chat: { id, type: 'supergroup', title },
    from: { id: 42, is_bot: false, first_name: 'Ann' },
    text: 'hello bot',
  },
});
/** Control characters a terminal would act on (tab and newline excluded). */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A writable stream for an in-process command run, with what was written and a settable isTTY. */
function sink(isTTY: boolean): { stream: PassThrough & { isTTY?: boolean }; text: () => string } {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean };
  stream.isTTY = isTTY;
  let text = '';
  stream.setEncoding('utf8').on('data', (d: string) => {
    text += d;
  });
  return { stream, text: () => text };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

/** A local server answering every request like a proxy with no route: 404 and a text page that echoes the path. */
async function noRouteServer(): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`No route matches ${req.method} request ${req.url}`);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

describe('1. an answer that is not JSON: the quoted body never carries a piece of the token', () => {
  it('a proxy 404 echoing /bot<token>/getMe: the token is masked before the body is cut', async () => {
    const url = await noRouteServer();
    // The harness fails any run whose output holds 8+ characters of a token's secret part.
    const run = await runCli(['chat-id', ...FAST], { cwd: fixture.cwd, env: { TELEGRAM_API_BASE_URL: url, GENERAL_TELEGRAM_BOT_TOKEN: TOKEN } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/HTTP 404 and not a Bot API answer \("No route matches POST request \/bot123456789:AA…\/getMe"\)/);
    expect(findLeak(run.stdout + run.stderr)).toBeUndefined();

    const doctor = await runCli(['doctor', '--json'], {
      cwd: fixture.cwd,
      env: { TELEGRAM_API_BASE_URL: url, GENERAL_TELEGRAM_BOT_TOKEN: TOKEN, GENERAL_TELEGRAM_BOT_CHAT_ID: '-1001234567890' },
    });
    expect(doctor.code).toBe(1);
    expect(json(doctor).destinations[0].summary).toMatch(/not a Bot API answer \("No route matches POST request \/bot123456789:AA…/);
  });

  it('quoteBody masks the token whole, URL-encoded and alone, then cuts', () => {
    for (const body of [
      `No route matches POST request /bot${TOKEN}/getUpdates`,
      `No route matches POST request /bot${encodeURIComponent(TOKEN)}/getUpdates`,
      `<html><title>404</title><body>path: /bot${TOKEN.slice(0, 30)}</body></html>`.replace(TOKEN.slice(0, 30), TOKEN),
      `secret=${TOKEN.slice(TOKEN.indexOf(':') + 1)} and more text after it, long enough to be cut somewhere`,
    ]) {
      const quoted = quoteBody(body, TOKEN);
      expect(findLeak(quoted), quoted).toBeUndefined();
      expect(JSON.parse(quoted).length).toBeLessThanOrEqual(61);
    }
    expect(JSON.parse(quoteBody('short', TOKEN))).toBe('short');
  });
});

describe('2. --var X_CHAT_ID listens as the bot of X_TOKEN', () => {
  it('chat-id --var ERROR_TELEGRAM_BOT_CHAT_ID uses ERROR_TELEGRAM_BOT_TOKEN', async () => {
    fixture.server.pushUpdate(groupMessage(-1001234567890, 'Errors'));
    const run = await runCli(['chat-id', '--json', '--var', 'ERROR_TELEGRAM_BOT_CHAT_ID', ...FAST], {
      cwd: fixture.cwd,
      env: { ...env(), ERROR_TELEGRAM_BOT_TOKEN: OTHER_TOKEN },
    });
    expect(run.code).toBe(0);
    expect(json(run).bot.id).toBe('987654321');
  });

  it('names ERROR_TELEGRAM_BOT_TOKEN in the fix when that token is refused', async () => {
    fixture.server.revokeToken(OTHER_TOKEN);
    const run = await runCli(['chat-id', '--var', 'ERROR_TELEGRAM_BOT_CHAT_ID', ...FAST], {
      cwd: fixture.cwd,
      env: { ...env(), ERROR_TELEGRAM_BOT_TOKEN: OTHER_TOKEN },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Telegram refused the bot token[\s\S]*update ERROR_TELEGRAM_BOT_TOKEN/);
  });

  it('falls back to GENERAL_TELEGRAM_BOT_TOKEN when the paired variable is unset, and says so', async () => {
    fixture.server.pushUpdate(groupMessage(-1001234567890, 'Errors'));
    const run = await runCli(['chat-id', '--json', '--var', 'ERROR_TELEGRAM_BOT_CHAT_ID', ...FAST], { cwd: fixture.cwd, env: env() });
    expect(run.code).toBe(0);
    expect(json(run).bot.id).toBe('123456789');
    expect(run.stderr).toMatch(/ERROR_TELEGRAM_BOT_TOKEN is not set, so this listens as the GENERAL bot \(GENERAL_TELEGRAM_BOT_TOKEN\)/);

    const none = await runCli(['chat-id', '--var', 'ERROR_TELEGRAM_BOT_CHAT_ID', ...FAST], {
      cwd: fixture.cwd,
      env: { TELEGRAM_API_BASE_URL: fixture.server.url },
    });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no bot token: ERROR_TELEGRAM_BOT_TOKEN and GENERAL_TELEGRAM_BOT_TOKEN are not set/);
    expect(none.stderr).toMatch(/add ERROR_TELEGRAM_BOT_TOKEN=<TOKEN> to \.env/);
  });

  it('link --var ERROR_TELEGRAM_BOT_CHAT_ID uses ERROR_TELEGRAM_BOT_TOKEN too', async () => {
    const cli = startCli(['link', '--json', '--var', 'ERROR_TELEGRAM_BOT_CHAT_ID', '--timeout', '10'], {
      cwd: fixture.cwd,
      env: { ...env(), ERROR_TELEGRAM_BOT_TOKEN: OTHER_TOKEN },
    });
    const [, token] = await cli.waitFor(/\?start=([A-Za-z0-9_-]{16})(?![A-Za-z0-9_-])/, 'stderr');
    fixture.server.pushUpdate({ message: { message_id: 1, date: 1, chat: { id: -1005550001, type: 'supergroup', title: 'Desk' }, text: `/start ${token}` } });
    const run = await cli.done;
    expect(run.code).toBe(0);
    expect(json(run).bot.id).toBe('987654321');
  });
});

describe('3. seconds options are capped at one day', () => {
  it('--timeout / --grace beyond 86400 s are usage errors (exit 2), 86400 itself is fine', async () => {
    for (const args of [
      ['chat-id', '--timeout', '86401'],
      ['chat-id', '--grace', '1e9'],
      ['link', '--timeout', '1e12'],
      ['doctor', '--timeout', '100000'],
      ['test', '--timeout', '86400.5'],
      ['send', '--timeout', '90000', 'hello'],
    ]) {
      const run = await runCli(args, { cwd: fixture.cwd, env: env() });
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(/must be at most 86400 seconds/);
    }
    expect(parseSeconds('86400', 'timeout', 1)).toBe(MAX_SECONDS);
  });

  it('timer delays derived from them are clamped to what setTimeout honours', () => {
    expect(MAX_TIMER_MS).toBe(2 ** 31 - 1);
    expect(timerMs(1e12)).toBe(MAX_TIMER_MS);
    expect(timerMs(Infinity)).toBe(MAX_TIMER_MS);
    expect(timerMs(-5)).toBe(0);
    expect(timerMs(Number.NaN)).toBe(0);
    expect(timerMs(1500)).toBe(1500);
  });
});

describe('4. an env file that exists but cannot be read is an error, not an empty file', () => {
  // Reproducible as root too (root reads a chmod 000 file): a directory named .env (EISDIR)
  // and a symlink loop (ELOOP). Both were silently treated as "no .env".
  const configured = (): Record<string, string> => ({ ...env(), GENERAL_TELEGRAM_BOT_CHAT_ID: '-1001234567890' });

  it('a directory named .env: doctor exits 1 with the reason and the fix, and --json says the same', async () => {
    await mkdir(join(fixture.cwd, '.env'));
    const run = await runCli(['doctor'], { cwd: fixture.cwd, env: configured() });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot read \.env \(EISDIR\)/);
    expect(run.stderr).toMatch(/fix: .*--env-file/);

    const doc = await runCli(['doctor', '--json'], { cwd: fixture.cwd, env: configured() });
    expect(doc.code).toBe(1);
    expect(json(doc)).toEqual({
      ok: false,
      envFile: { path: '.env', found: false },
      problems: [],
      destinations: [],
      error: { message: expect.stringMatching(/cannot read \.env \(EISDIR\)/), fix: expect.any(String) },
    });
  });

  it('a symlink loop (ELOOP) stops every command that reads .env, with exit 1', async () => {
    await symlink('.env', join(fixture.cwd, '.env'));
    fixture.server.pushUpdate(groupMessage(-1001234567890, 'Ops'));
    for (const args of [['doctor'], ['test'], ['send', 'hello'], ['chat-id', ...FAST], ['link', '--timeout', '1']]) {
      const run = await runCli(args, { cwd: fixture.cwd, env: configured() });
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stderr, args.join(' ')).toMatch(/cannot read \.env \(ELOOP\)/);
    }
    const sent = await runCli(['send', '--json', 'hello'], { cwd: fixture.cwd, env: configured() });
    expect(json(sent)).toMatchObject({ ok: false, results: [], error: { message: expect.stringMatching(/cannot read \.env/) } });
    expect(fixture.server.messages).toEqual([]);
  });

  it('an explicit --env-file naming a directory is reported the same way; a missing file is still no error', async () => {
    // In process: Node 20 itself checks a script argument `--env-file <missing|dir>` and exits 9
    // before herald runs (nodejs/node#54232), so a subprocess cannot show herald's answer.
    await mkdir(join(fixture.cwd, 'conf'));
    expect(() => loadCliEnv({ env: {}, cwd: fixture.cwd }, 'conf')).toThrow(EnvFileError);
    try {
      loadCliEnv({ env: {}, cwd: fixture.cwd }, 'conf');
    } catch (err) {
      expect((err as EnvFileError).problem).toEqual({ message: 'cannot read conf (EISDIR): it is a directory', fix: expect.stringMatching(/--env-file/) });
    }
    expect(loadCliEnv({ env: { A: '1' }, cwd: fixture.cwd }, 'missing.env')).toMatchObject({ found: false, env: { A: '1' } });
  });
});

describe('5. terminal output: no control characters from clients, colour decided per stream', () => {
  const at = Date.UTC(2024, 0, 1, 12, 0, 0);
  const id = (s: string): string => s;

  it('eventLine strips control characters from the text, the destination and the detail', () => {
    const evil = 'a\u001b[2Jb\u001b]8;;https://evil.example\u0007c\u009b31md\u0000e\u007ff';
    const message: ServerEvent = {
      kind: 'message',
      platform: 'slack',
      destination: `T0/B0\u001b[1A`,
      status: 200,
      at,
      message: { seq: 1, platform: 'slack', destination: `T0/B0\u001b[1A`, text: `hello ${evil}`, silent: false, body: {}, at },
    };
    const error: ServerEvent = {
      kind: 'error',
      platform: 'telegram',
      destination: `-100\u001b[31m`,
      status: 400,
      detail: `Bad Request: ${evil}\nsecond line`,
      at,
    };
    for (const e of [message, error]) {
      const line = eventLine(e, sandboxLabels(), id, id);
      expect(line).not.toMatch(CONTROL);
      expect(line).not.toContain('\n');
    }
    expect(eventLine(message, sandboxLabels(), id, id)).toMatch(/hello a\[2Jb\]8;;https:\/\/evil\.examplec31mdef/);
    expect(eventLine(error, sandboxLabels(), id, id)).toMatch(/error 400 → -100\[31m: Bad Request: .* second line$/);
    expect(stripControl('tab\there\nnewline\u001b')).toBe('tab\there\nnewline');
  });

  /** Runs `herald sandbox` in this process until `during` resolves, then stops it (Ctrl-C); returns its output. */
  async function runSandbox(
    envVars: NodeJS.ProcessEnv,
    stdoutTty: boolean,
    during: (url: string, stdout: () => string) => Promise<void>,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const out = sink(stdoutTty);
    const err = sink(false);
    const controller = new AbortController();
    const ctx: CommandContext = {
      argv: ['--port', '0', '--open=false'],
      stdout: out.stream,
      stderr: err.stream,
      stdin: new PassThrough(),
      env: envVars,
      cwd: fixture.cwd,
      signal: controller.signal,
    };
    const running = sandboxCommand.run(ctx);
    try {
      await waitUntil(() => /Messages as they arrive/.test(out.text()));
      const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out.text())![1]!;
      await during(url, out.text);
    } finally {
      controller.abort();
    }
    const code = await running;
    return { code, stdout: out.text(), stderr: err.text() };
  }

  it('herald sandbox prints a message event without the escape sequences it carried', async () => {
    const run = await runSandbox({ NO_COLOR: '1' }, false, async (url, stdout) => {
      const token = sandboxEnv(url).GENERAL_TELEGRAM_BOT_TOKEN;
      const res = await fetch(`${url}/bot${token}/sendMessage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chat_id: SANDBOX_IDS.generalChatId, text: 'pay \u001b]0;owned\u0007attention \u001b[2J\u009b31mnow' }),
      });
      expect(res.status).toBe(200);
      await waitUntil(() => /pay .*now/.test(stdout()));
    });
    expect(run.code).toBe(0);
    const line = run.stdout.split('\n').find((l) => l.includes('pay '))!;
    expect(line).toMatch(/pay \]0;ownedattention \[2J31mnow$/);
    expect(run.stdout).not.toMatch(CONTROL);
  });

  it('NO_COLOR=0 (any non-empty value) turns colour off even on a terminal; without it a terminal gets colour', async () => {
    const off = await runSandbox({ NO_COLOR: '0' }, true, async () => {});
    expect(off.stdout).not.toContain('\u001b');
    const on = await runSandbox({}, true, async () => {});
    expect(on.stdout).toContain('\u001b[1m');
  });

  it('problems on stderr are coloured by whether stderr is a terminal, not stdout', () => {
    const out = sink(true);
    const err = sink(false);
    const ui = createUi({ stdout: out.stream, stderr: err.stream, env: {} }, {});
    ui.problem('herald x: ', { message: 'broken', fix: 'mend it' });
    expect(err.text()).toBe('herald x: broken\n  fix: mend it\n');

    const out2 = sink(false);
    const err2 = sink(true);
    const ui2 = createUi({ stdout: out2.stream, stderr: err2.stream, env: {} }, {});
    ui2.problem('herald x: ', { message: 'broken' });
    ui2.say('plain');
    expect(err2.text()).toContain('\u001b[31m');
    expect(out2.text()).toBe('plain\n');
  });
});

describe('6. chat-id and link say that reading updates marks them as read', () => {
  const NOTE = /reading this bot's pending updates marks them as read .*do not run this on a bot another program is serving/;

  it('chat-id prints the note once before listening (stdout), and on stderr with --json', async () => {
    fixture.server.pushUpdate(groupMessage(-1001234567890, 'Ops'));
    const run = await runCli(['chat-id', ...FAST], { cwd: fixture.cwd, env: env() });
    expect(run.code).toBe(0);
    expect(run.stdout.match(new RegExp(NOTE.source, 'g'))).toHaveLength(1);
    expect(run.stdout.search(NOTE)).toBeLessThan(run.stdout.indexOf('Listening for up to'));

    fixture.server.pushUpdate(groupMessage(-1001234567890, 'Ops'));
    const quiet = await runCli(['chat-id', '--json', ...FAST], { cwd: fixture.cwd, env: env() });
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toMatch(NOTE);
    expect(json(quiet).ok).toBe(true);
  });

  it('link prints it before the link (stderr with --json)', async () => {
    const cli = startCli(['link', '--json', '--timeout', '0.5'], { cwd: fixture.cwd, env: env() });
    const run = await cli.done;
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(NOTE);
    expect(run.stderr.search(NOTE)).toBeLessThan(run.stderr.indexOf('https://t.me/'));
    expect(json(run).ok).toBe(false);
  });

  it('--help of both documents it', async () => {
    for (const command of ['chat-id', 'link']) {
      const run = await runCli([command, '--help'], { cwd: fixture.cwd });
      expect(run.stdout).toMatch(/Reading this bot's pending updates marks them as read/);
      expect(run.stdout).toMatch(/Do not run it on a bot another\s+program is serving/);
    }
  });
});

describe('7. --json documents after Ctrl-C', () => {
  it('doctor interrupted while a check waits: the full documented document with "interrupted": true', async () => {
    fixture.server.inject({ platform: 'telegram', method: 'getMe' }, 'hang');
    const cli = startCli(['doctor', '--json'], { cwd: fixture.cwd, env: { ...env(), GENERAL_TELEGRAM_BOT_CHAT_ID: '-1001234567890' } });
    await waitUntil(() => fixture.server.requests >= 1);
    cli.child.kill('SIGINT');
    const run = await cli.done;
    expect(run.code).toBe(130);
    expect(json(run)).toEqual({
      ok: false,
      envFile: { path: '.env', found: false },
      problems: [],
      destinations: [],
      error: { message: expect.stringMatching(/interrupted/) },
      interrupted: true,
    });
  });

  it('send interrupted while reading stdin still prints its JSON document (in process: stdin stays open)', async () => {
    const out = sink(false);
    const err = sink(false);
    const controller = new AbortController();
    const stdin = new PassThrough();
    stdin.write('half a message');
    const running = sendCommand.run({
      argv: ['--json', '--to', 'OPS_WEBHOOK'],
      stdout: out.stream,
      stderr: err.stream,
      stdin,
      env: {},
      cwd: fixture.cwd,
      signal: controller.signal,
    });
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    expect(await running).toBe(130);
    expect(JSON.parse(out.text())).toEqual({
      ok: false,
      dryRun: false,
      level: 'info',
      silent: false,
      to: 'OPS_WEBHOOK',
      results: [],
      error: { message: expect.stringMatching(/interrupted while reading the message from stdin; nothing was sent/) },
      interrupted: true,
    });
    expect(err.text()).toMatch(/interrupted; nothing sent/);
  });
});

describe("10. a NAME= line inside another variable's multi-line quoted value is part of that value", () => {
  const NAME = 'GENERAL_TELEGRAM_BOT_CHAT_ID';

  for (const [quote, label] of [
    ['"', 'double'],
    ["'", 'single'],
    ['`', 'backtick'],
  ] as const) {
    it(`${label} quotes: the value is untouched and the variable appended, dotenv reads both`, () => {
      const value = `line1\n${NAME}=9\nline3`;
      const text = `# mine\nKEY=${quote}${value}${quote}\nA=1\n`;
      const r = updateEnvText(text, [{ name: NAME, value: '-1001234567890' }]);
      expect(r.text).toBe(`${text}${NAME}=-1001234567890\n`);
      expect(r.appended).toEqual([NAME]);
      expect(parse(r.text)).toEqual({ KEY: value, A: '1', [NAME]: '-1001234567890' });
    });
  }

  it('a real assignment after the multi-line value is replaced in place; one inside it is not', () => {
    const text = [`KEY="line1`, `${NAME}=9`, `line3"`, `export ${NAME}=12345 # old`, 'TAIL=1', ''].join('\n');
    const r = updateEnvText(text, [{ name: NAME, value: '-1001234567890' }]);
    expect(r.text).toBe([`KEY="line1`, `${NAME}=9`, `line3"`, `export ${NAME}=-1001234567890`, 'TAIL=1', ''].join('\n'));
    expect(r.replaced).toEqual([NAME]);
    expect(parse(r.text)).toEqual({ KEY: `line1\n${NAME}=9\nline3`, [NAME]: '-1001234567890', TAIL: '1' });
    // Already set to that value: nothing changes.
    expect(updateEnvText(r.text, [{ name: NAME, value: '-1001234567890' }])).toMatchObject({ text: r.text, unchanged: [NAME] });
  });

  it("the variable's own multi-line value is still replaced whole, and CRLF files keep CRLF", () => {
    const text = `${NAME}='a\r\nb'\r\nKEY="x\r\n${NAME}=7\r\ny"\r\n`;
    const r = updateEnvText(text, [{ name: NAME, value: '-5' }]);
    expect(r.text).toBe(`${NAME}=-5\r\nKEY="x\r\n${NAME}=7\r\ny"\r\n`);
    expect(parse(r.text)).toEqual({ [NAME]: '-5', KEY: `x\n${NAME}=7\ny` });
  });

  it('chat-id --write against such a .env: the variable is stored, the other value kept', async () => {
    const file = join(fixture.cwd, '.env');
    const original = `GENERAL_TELEGRAM_BOT_TOKEN=${TOKEN}\nNOTES="first\n${NAME}=9\nlast"\n`;
    await writeFile(file, original);
    fixture.server.pushUpdate(groupMessage(-1001234567890, 'Ops'));
    const run = await runCli(['chat-id', '--write', ...FAST], { cwd: fixture.cwd, env: { TELEGRAM_API_BASE_URL: fixture.server.url } });
    expect(run.code).toBe(0);
    const written = await readFile(file, 'utf8');
    expect(written).toBe(`${original}${NAME}=-1001234567890\n`);
    expect(parse(written)).toMatchObject({ NOTES: `first\n${NAME}=9\nlast`, [NAME]: '-1001234567890' });
    // And writeEnvFile leaves it alone when asked again.
    expect((await writeEnvFile(file, [{ name: NAME, value: '-1001234567890' }])).unchanged).toEqual([NAME]);
  });
});
