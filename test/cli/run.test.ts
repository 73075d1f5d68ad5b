/**
 * `herald run` as a subprocess of the built CLI, supervising small real bots
 * (test/fixtures/run-child.mjs), with its notices delivered to the fake platforms.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DISCORD_TOKEN, startCli, runCli, TOKEN, useCliFixture } from './harness.js';

const fixture = useCliFixture();

const CHILD = fileURLToPath(new URL('../fixtures/run-child.mjs', import.meta.url));
const OUTBOX_CHILD = fileURLToPath(new URL('../fixtures/run-outbox-child.mjs', import.meta.url));

const ERROR_CHAT = '-1009999999999';
const HOOK_ID = '1000000000000000007';

/** An error Telegram bot and an error Discord webhook on the fake server; backoff shortened for the restart tests. */
const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  TELEGRAM_API_BASE_URL: fixture.server.url,
  ERROR_TELEGRAM_BOT_TOKEN: TOKEN,
  ERROR_TELEGRAM_BOT_CHAT_ID: ERROR_CHAT,
  ERROR_DISCORD_WEBHOOK: fixture.server.discordWebhookUrl(HOOK_ID, DISCORD_TOKEN),
  HERALD_RUN_BACKOFF_MS: '50',
  ...extra,
});

/** What the error Discord webhook received. */
const notices = (): string[] => fixture.server.messagesFor('discord', HOOK_ID).map((m) => m.text);

/** A bot token and an API key the harness does not know, so the child may print them (its stderr passes through). */
const CHILD_TOKEN = '555555555:AAzzYYxxWWvvUUttSSrrQQppOOnnMMll99';
const API_KEY = 'kx9SuperSecretExchangeKey77';

describe('herald run: crashes', () => {
  it('a child that exits 3: exit code 3, one crash notice on each error destination with the code, uptime and redacted stderr', async () => {
    const run = await runCli(['run', '--', 'node', CHILD, 'exit', '3', 'Error: exchange said no', `token ${CHILD_TOKEN} key ${API_KEY}`], {
      cwd: fixture.cwd,
      env: env({ EXCHANGE_API_KEY: API_KEY }),
    });
    expect(run.code).toBe(3);
    // The child's stderr passes through unchanged.
    expect(run.stderr).toContain('Error: exchange said no');
    const [notice, ...more] = notices();
    expect(more).toEqual([]);
    expect(notice).toMatch(
      /^💥 run-child\.mjs crashed: exit code 3\nuptime \d+(\.\d)? m?s \(pid \d+\) · not restarting \(--restart never\)\nundelivered notifications: none\nlast stderr lines:\nError: exchange said no\ntoken 555555555:AA… key kx…$/,
    );
    expect(notice).not.toContain('zzYYxx');
    expect(notice).not.toContain('SuperSecret');
    // The same notice on the error Telegram bot, and nothing else anywhere.
    expect(fixture.server.messagesFor('telegram', ERROR_CHAT).map((m) => m.text)).toHaveLength(1);
    expect(fixture.server.messagesFor('telegram', ERROR_CHAT)[0]!.text).toContain('💥 run-child.mjs crashed: exit code 3');
    expect(fixture.server.messages).toHaveLength(2);
    // A status line of its own, redacted too.
    expect(run.stderr).toMatch(/herald run: run-child\.mjs crashed: exit code 3 · uptime .* · not restarting/);
  });

  it('a child killed by SIGKILL: exit code 137 and "killed by SIGKILL — out of memory?"', async () => {
    const run = await runCli(['run', '--name', 'grid-btc', '--', 'node', CHILD, 'kill'], { cwd: fixture.cwd, env: env() });
    expect(run.code).toBe(128 + 9);
    expect(notices()).toHaveLength(1);
    expect(notices()[0]).toMatch(/^💥 grid-btc killed by SIGKILL — out of memory\?\nuptime .*\n.*\nlast stderr lines:\nallocating a lot$/);
  });

  it('a clean exit sends nothing and exits 0', async () => {
    const run = await runCli(['run', '--', 'node', CHILD, 'exit', '0', 'just a warning'], { cwd: fixture.cwd, env: env() });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('just a warning\n');
    expect(fixture.server.messages).toEqual([]);
  });

  it.each([[1], [42]])('passes exit code %i on', async (code) => {
    const run = await runCli(['run', '--', 'node', CHILD, 'exit', String(code)], { cwd: fixture.cwd, env: env() });
    expect(run.code).toBe(code);
    expect(notices()[0]).toMatch(new RegExp(`crashed: exit code ${code}\\n`));
  });

  it('a command that does not exist: exit 127 and a notice saying so', async () => {
    const run = await runCli(['run', '--', './no-such-bot', '--live'], { cwd: fixture.cwd, env: env() });
    expect(run.code).toBe(127);
    expect(notices()[0]).toMatch(/^💥 no-such-bot could not start: command not found \(ENOENT\)\nnot restarting/);
  });
});

describe('herald run: signals', () => {
  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('%s sent to herald run reaches the child, which exits; no notice', async (signal) => {
    const cli = startCli(['run', '--', 'node', CHILD, 'signals'], { cwd: fixture.cwd, env: env() });
    await cli.waitFor(/ready/);
    cli.child.kill(signal);
    const run = await cli.done;
    expect(run.stdout).toContain(`child got ${signal}`);
    expect(run.code).toBe(0);
    expect(fixture.server.messages).toEqual([]);
  });

  it('a child that dies of the SIGTERM passed on: exit code 143, no crash notice, no restart', async () => {
    const cli = startCli(['run', '--restart', 'always', '--', 'node', CHILD, 'wait'], { cwd: fixture.cwd, env: env() });
    await cli.waitFor(/ready/);
    cli.child.kill('SIGTERM');
    const run = await cli.done;
    expect(run.code).toBe(128 + 15);
    expect(run.stdout.match(/ready/g)).toHaveLength(1);
    expect(fixture.server.messages).toEqual([]);
  });
});

describe('herald run: restarts', () => {
  it('--restart on-failure --max-restarts 2: two restarts with notices, then a final notice and the last exit code', async () => {
    const runs = join(fixture.cwd, 'runs.txt');
    const run = await runCli(['run', '--name', 'flaky', '--restart', 'on-failure', '--max-restarts', '2', '--', 'node', CHILD, 'count', runs, '3'], {
      cwd: fixture.cwd,
      env: env(),
    });
    expect(run.code).toBe(3);
    expect(await readFile(runs, 'utf8')).toBe('run\nrun\nrun\n');
    const sent = notices();
    expect(sent).toHaveLength(3);
    expect(sent[0]).toMatch(/^💥 flaky crashed: exit code 3\nuptime .* · restarting in 50 ms \(restart 1 of at most 2 within 10 min\)\n/);
    expect(sent[1]).toMatch(/^💥 flaky crashed: exit code 3\nuptime .* · restarting in 100 ms \(restart 2 of at most 2 within 10 min\)\n/);
    expect(sent[2]).toMatch(
      /^🛑 flaky crashed: exit code 3; not restarting: 2 restarts within 10 min \(--max-restarts 2\)\nuptime [^\n]*\nundelivered notifications: none\nlast stderr lines:\nrun failed$/,
    );
  });

  it('--restart on-failure does not restart after a clean exit', async () => {
    const runs = join(fixture.cwd, 'runs.txt');
    const run = await runCli(['run', '--restart', 'on-failure', '--', 'node', CHILD, 'count', runs, '0'], { cwd: fixture.cwd, env: env() });
    expect(run.code).toBe(0);
    expect(await readFile(runs, 'utf8')).toBe('run\n');
    expect(fixture.server.messages).toEqual([]);
  });
});

describe('herald run: hangs', () => {
  it('--heartbeat 1: a child whose event loop blocks gets an unresponsive notice, then "responsive again"', async () => {
    const run = await runCli(['run', '--name', 'ema', '--heartbeat', '1', '--', 'node', CHILD, 'hang', '300', '1700', '300'], {
      cwd: fixture.cwd,
      env: env(),
      killAfterMs: 15_000,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('unblocked');
    expect(notices()).toEqual([
      expect.stringMatching(/^⏸ ema unresponsive for 1 s \(event loop blocked\?\)$/),
      expect.stringMatching(/^▶️ ema responsive again \(silent for \d+(\.\d)? s\)$/),
    ]);
  });

  it('a bot that only creates a notifier heartbeats by itself: its blocked loop is reported', async () => {
    const run = await runCli(['run', '--name', 'plain', '--heartbeat', '1', '--', 'node', CHILD, 'notifier-hang', '300', '1700'], {
      cwd: fixture.cwd,
      env: env(),
      killAfterMs: 15_000,
    });
    expect(run.code).toBe(0);
    expect(notices()).toEqual([
      expect.stringMatching(/^⏸ plain unresponsive for 1 s \(event loop blocked\?\)$/),
      expect.stringMatching(/^▶️ plain responsive again/),
    ]);
  });

  it('a child that never sends a heartbeat is never reported as hung', async () => {
    const run = await runCli(['run', '--heartbeat', '0.2', '--', 'node', '-e', 'const end = Date.now() + 600; while (Date.now() < end) {}'], {
      cwd: fixture.cwd,
      env: env(),
    });
    expect(run.code).toBe(0);
    expect(fixture.server.messages).toEqual([]);
  });
});

describe('herald run: environment and outbox', () => {
  it('gives the child HERALD_OUTBOX=.herald/<name>.outbox (directory created) and the heartbeat socket', async () => {
    const run = await runCli(['run', '--name', 'env bot', '--', 'node', CHILD, 'env'], { cwd: fixture.cwd, env: env() });
    expect(run.code).toBe(0);
    const seen = JSON.parse(run.stdout) as Record<string, string>;
    expect(seen.HERALD_OUTBOX).toBe(join(fixture.cwd, '.herald', 'env-bot.outbox'));
    expect(existsSync(join(fixture.cwd, '.herald'))).toBe(true);
    expect(seen.HERALD_SUPERVISOR_SOCKET).toMatch(/heartbeat\.sock$/);
    expect(seen.HERALD_HEARTBEAT_MS).toBe('1000');
  });

  it('leaves HERALD_OUTBOX to the user when .env sets it, and --heartbeat 0 gives no socket', async () => {
    await writeFile(join(fixture.cwd, '.env'), 'HERALD_OUTBOX=state/mine.outbox\n');
    const run = await runCli(['run', '--heartbeat', '0', '--', 'node', CHILD, 'env'], {
      cwd: fixture.cwd,
      env: env({ HERALD_SUPERVISOR_SOCKET: '/tmp/outer.sock' }),
    });
    expect(run.code).toBe(0);
    // The child reads .env itself; herald run adds nothing, and passes no outer socket on.
    expect(JSON.parse(run.stdout)).toEqual({ HERALD_RUN_BACKOFF_MS: '50' });
    expect(existsSync(join(fixture.cwd, '.herald'))).toBe(false);
  });

  it("--env-file: the child gets the file's variables too", async () => {
    await writeFile(join(fixture.cwd, 'prod.env'), 'FROM_ENV_FILE=yes\n');
    const run = await runCli(['run', '--env-file', 'prod.env', '--name', 'p', '--', 'node', CHILD, 'env'], { cwd: fixture.cwd, env: env() });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ FROM_ENV_FILE: 'yes', HERALD_OUTBOX: join(fixture.cwd, '.herald', 'p.outbox') });
  });

  it("hands the outbox over: the count in the notice, then the child's notifications delivered", async () => {
    const hook = fixture.server.discordWebhookUrl('1000000000000000008', DISCORD_TOKEN);
    const run = await runCli(['run', '--name', 'outboxbot', '--', 'node', OUTBOX_CHILD, '3'], {
      cwd: fixture.cwd,
      env: env({ GENERAL_DISCORD_WEBHOOK: hook }),
    });
    expect(run.code).toBe(3);
    const crash = notices()[0]!;
    expect(crash).toMatch(
      /^💥 outboxbot crashed: exit code 3\n.*\nundelivered notifications: 3, delivering them now from \.herald\/outboxbot\.outbox\nlast stderr lines:\nError: exchange connection lost$/,
    );
    const general = fixture.server.messagesFor('discord', '1000000000000000008').map((m) => m.text);
    // The crash notice (errors go to general destinations too), then what the child had queued.
    expect(general.join('\n')).toMatch(/💥 outboxbot crashed[\s\S]*fill #1 before the crash[\s\S]*fill #2 before the crash[\s\S]*fill #3 before the crash/);
  });

  it('an outbox named in .env: the child holds it while it runs (herald run does not), and it is handed over from there', async () => {
    const hook = fixture.server.discordWebhookUrl('1000000000000000008', DISCORD_TOKEN);
    await writeFile(join(fixture.cwd, '.env'), `HERALD_OUTBOX=state/bot.outbox\nGENERAL_DISCORD_WEBHOOK=${hook}\n`);
    const run = await runCli(['run', '--name', 'mine', '--', 'node', OUTBOX_CHILD, '2'], { cwd: fixture.cwd, env: env() });
    expect(run.code).toBe(3);
    expect(run.stderr).not.toMatch(/in use by process/);
    expect(notices()[0]).toMatch(/\nundelivered notifications: 2, delivering them now from state\/bot\.outbox\n/);
    expect(
      fixture.server
        .messagesFor('discord', '1000000000000000008')
        .map((m) => m.text)
        .join('\n'),
    ).toMatch(/fill #1 before the crash[\s\S]*fill #2 before the crash/);
    expect(existsSync(join(fixture.cwd, '.herald'))).toBe(false);
  });
});

describe('herald run: usage and configuration', () => {
  it('no command: exit 2 with usage', async () => {
    const run = await runCli(['run', '--restart', 'always'], { cwd: fixture.cwd, env: env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no command to run/);
  });

  it.each([
    [['--restart', 'sometimes'], /--restart must be one of never, on-failure, always/],
    [['--max-restarts', 'lots'], /--max-restarts must be a whole number/],
    [['--heartbeat', 'soon'], /--heartbeat must be a number of seconds/],
    [['--json'], /Unknown option '--json'/],
  ])('%j: exit 2', async (options, message) => {
    const run = await runCli(['run', ...options, '--', 'node', CHILD, 'exit', '0'], { cwd: fixture.cwd, env: env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('a configuration problem: exit 1, every problem listed, the bot not started', async () => {
    const marker = join(fixture.cwd, 'started');
    const run = await runCli(['run', '--', 'node', CHILD, 'touch', marker], { cwd: fixture.cwd, env: env({ ERROR_TELEGRAM_BOT_CHAT_ID: '1009999999999' }) });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the bot was not started[\s\S]*lost its leading "-"/);
    expect(existsSync(marker)).toBe(false);
  });

  it('--help after "--" belongs to the child', async () => {
    const run = await runCli(['run', '--', 'node', CHILD, 'args', '--help', '-h'], { cwd: fixture.cwd, env: env() });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(['--help', '-h']);
  });

  it('options may come without "--" before the command; the command keeps its own options', async () => {
    const run = await runCli(['run', '--name', 'x', 'node', CHILD, 'exit', '5', '--not-ours'], { cwd: fixture.cwd, env: env() });
    expect(run.code).toBe(5);
    expect(notices()[0]).toMatch(/^💥 x crashed: exit code 5\n[\s\S]*last stderr lines:\n--not-ours$/);
  });

  it('--help says what it sends, that hang detection needs Herald in the child, and the exit codes', async () => {
    const run = await runCli(['run', '--help'], { cwd: fixture.cwd, env: env() });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/a\s+child that does not use Herald .* is never\s+reported as hung/s);
    expect(run.stdout).toMatch(/128 \+ the signal's number/);
    expect(run.stdout).toMatch(/\.herald\/<name>\.outbox/);
  });

  it('with no destination configured, the notice prints on stderr', async () => {
    const run = await runCli(['run', '--', 'node', CHILD, 'exit', '3', 'bad'], { cwd: fixture.cwd, env: { HERALD_RUN_BACKOFF_MS: '50' } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/no destination is configured/);
    expect(run.stderr).toMatch(/\[herald:error\] 💥 run-child\.mjs crashed: exit code 3\n/);
  });
});
