/** `herald test` and `herald send` as subprocesses, delivering through the library to the fake platforms. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileOutbox } from '../../src/delivery/outbox.js';
import { closedPort, DISCORD_TOKEN, hasStack, json, runCli, SLACK_PATH, TOKEN, useCliFixture } from './harness.js';

const fixture = useCliFixture();

const CHAT = '-1001234567890';
const all = (): Record<string, string> => ({
  TELEGRAM_API_BASE_URL: fixture.server.url,
  GENERAL_TELEGRAM_BOT_TOKEN: TOKEN,
  GENERAL_TELEGRAM_BOT_CHAT_ID: CHAT,
  GENERAL_DISCORD_WEBHOOK: fixture.server.discordWebhookUrl('1000000000000000001', DISCORD_TOKEN),
  ERROR_SLACK_WEBHOOK: fixture.server.slackWebhookUrl(SLACK_PATH),
  OPS_WEBHOOK: fixture.server.discordWebhookUrl('1000000000000000009', DISCORD_TOKEN),
});

describe('herald test', () => {
  it('sends one labelled test message per destination and prints the latency', async () => {
    const run = await runCli(['test'], { cwd: fixture.cwd, env: all() });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ok +GENERAL +Telegram bot 123456789:AA… → chat -1001234567890 +delivered in \d+ ms/);
    expect(run.stdout).toMatch(/ok +GENERAL +Discord webhook 1000000000000000001\/di… +delivered in \d+ ms/);
    expect(run.stdout).toMatch(/ok +ERROR +Slack webhook T0AAAA\/B0BBBB\/sl… +delivered in \d+ ms/);
    expect(fixture.server.messages.map((m) => m.platform).sort()).toEqual(['discord', 'slack', 'telegram']);
    const tg = fixture.server.messagesFor('telegram', CHAT)[0]!;
    expect(tg.text).toMatch(/^🧪 Herald test message — GENERAL Telegram bot 123456789:AA… → chat -1001234567890 — \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('--json: one document with a result per destination; `error` only the ERROR ones', async () => {
    const run = await runCli(['test', 'error', '--json'], { cwd: fixture.cwd, env: all() });
    expect(run.code).toBe(0);
    expect(json(run)).toEqual({
      ok: true,
      target: 'error',
      results: [{ destination: 'Slack webhook T0AAAA/B0BBBB/sl…', roles: ['ERROR'], platform: 'slack', ok: true, latencyMs: expect.any(Number), parts: 1 }],
    });
    expect(fixture.server.messages).toHaveLength(1);
  });

  it('TARGET: a variable holding a webhook', async () => {
    const run = await runCli(['test', 'OPS_WEBHOOK'], { cwd: fixture.cwd, env: all() });
    expect(run.code).toBe(0);
    expect(fixture.server.messages.map((m) => m.destination)).toEqual(['1000000000000000009']);
    expect(fixture.server.messages[0]!.text).toMatch(/^🧪 Herald test message — TARGET Discord webhook 1000000000000000009\/di… — /);
  });

  it('a revoked token: exit 1 with the reason and the BotFather fix', async () => {
    fixture.server.revokeToken(TOKEN);
    const run = await runCli(['test', 'general'], { cwd: fixture.cwd, env: all() });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /problem +GENERAL +Telegram bot 123456789:AA… → chat -1001234567890: Unauthorized: the bot token was revoked or mistyped — fix: get the current token from @BotFather/,
    );
    expect(run.stdout).toMatch(/ok +GENERAL +Discord/);
  });

  it('an unreachable API: exit 1 naming the host, no stack trace', async () => {
    const port = await closedPort();
    const run = await runCli(['test', '--timeout', '0.5'], {
      cwd: fixture.cwd,
      env: { TELEGRAM_API_BASE_URL: `http://127.0.0.1:${port}`, GENERAL_TELEGRAM_BOT_TOKEN: TOKEN, GENERAL_TELEGRAM_BOT_CHAT_ID: CHAT },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`problem .*connection refused \\(ECONNREFUSED\\).*127\\.0\\.0\\.1:${port}`));
    expect(hasStack(run.stdout + run.stderr)).toBe(false);
  });

  it('a configuration problem: nothing sent, every problem with its fix', async () => {
    const run = await runCli(['test'], { cwd: fixture.cwd, env: { ...all(), GENERAL_TELEGRAM_BOT_CHAT_ID: '1001234567890' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/lost its leading "-"[\s\S]*fix: use -1001234567890/);
    expect(fixture.server.messages).toHaveLength(0);
  });
});

describe('herald send', () => {
  it('sends the message argument to the general destinations and waits for delivery', async () => {
    const run = await runCli(['send', 'backup', 'finished'], { cwd: fixture.cwd, env: all() });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Delivered to 2 destinations\./);
    expect(fixture.server.messages.map((m) => [m.platform, m.text]).sort()).toEqual([
      ['discord', 'backup finished'],
      ['telegram', 'backup finished'],
    ]);
  });

  it('reads stdin when no message is given: some-job | herald send --to OPS_WEBHOOK --silent', async () => {
    const run = await runCli(['send', '--to', 'OPS_WEBHOOK', '--silent', '--json'], { cwd: fixture.cwd, env: all(), input: 'line 1\nline 2\n' });
    expect(run.code).toBe(0);
    expect(json(run)).toEqual({
      ok: true,
      dryRun: false,
      level: 'info',
      silent: true,
      to: 'OPS_WEBHOOK',
      characters: 13,
      results: [{ destination: 'Discord webhook 1000000000000000009/di…', ok: true, latencyMs: expect.any(Number), parts: 1 }],
    });
    expect(fixture.server.messages).toEqual([
      expect.objectContaining({ platform: 'discord', destination: '1000000000000000009', text: 'line 1\nline 2', silent: true }),
    ]);
  });

  it('--error also reaches the ERROR destinations', async () => {
    const run = await runCli(['send', '--error', 'exchange down'], { cwd: fixture.cwd, env: all() });
    expect(run.code).toBe(0);
    expect(fixture.server.messages.map((m) => m.platform).sort()).toEqual(['discord', 'slack', 'telegram']);
  });

  it('--dry-run prints what would go where and sends nothing', async () => {
    const run = await runCli(['send', '--dry-run', '--error'], { cwd: fixture.cwd, env: all(), input: 'would be sent\n' });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Dry run: nothing was sent/);
    expect(run.stdout).toMatch(/→ Slack webhook T0AAAA\/B0BBBB\/sl…/);
    expect(run.stdout).toMatch(/→ Telegram bot 123456789:AA… → chat -1001234567890/);
    expect(run.stdout).toMatch(/│ would be sent/);
    const json_ = await runCli(['send', '--dry-run', '--to', 'OPS_WEBHOOK', '--json', 'hi'], { cwd: fixture.cwd, env: all() });
    expect(json(json_)).toMatchObject({ ok: true, dryRun: true, text: 'hi', results: [{ destination: 'Discord webhook 1000000000000000009/di…' }] });
    expect(fixture.server.messages).toHaveLength(0);
    expect(fixture.server.requests).toBe(0);
  });

  it("leaves the bot's outbox alone: HERALD_OUTBOX held by a running bot does not stop it", async () => {
    const path = join(fixture.cwd, 'bot.outbox');
    // The bot: this process holds the outbox's lock.
    const { outbox } = FileOutbox.open({ path }, 1000);
    try {
      const run = await runCli(['send', '--to', fixture.server.discordWebhookUrl('1000000000000000001', DISCORD_TOKEN), 'from cron'], {
        cwd: fixture.cwd,
        env: { HERALD_OUTBOX: path },
      });
      expect(run.code, run.stderr).toBe(0);
      expect(fixture.server.messages.map((m) => m.text)).toEqual(['from cron']);
    } finally {
      outbox.close();
    }
  });

  it('an unusable --to target: exit 1 with the fix, nothing sent anywhere', async () => {
    const run = await runCli(['send', '--to', 'MISSING_WEBHOOK', 'x'], { cwd: fixture.cwd, env: all() });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/MISSING_WEBHOOK is not set[\s\S]*fix: add MISSING_WEBHOOK=<target>/);
    expect(fixture.server.messages).toHaveLength(0);
  });

  it('empty stdin is bad usage (exit 2); nothing configured is exit 1', async () => {
    const empty = await runCli(['send'], { cwd: fixture.cwd, env: all(), input: '' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/stdin was empty/);
    const none = await runCli(['send', 'hello'], { cwd: fixture.cwd });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no destination is configured; nothing was sent/);
  });
});
