/** `herald doctor` as a subprocess against the in-process fake platforms. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closedPort, DISCORD_TOKEN, hasStack, json, runCli, SLACK_PATH, TOKEN, useCliFixture } from './harness.js';

const fixture = useCliFixture();

const telegram = (chatId: string): Record<string, string> => ({
  TELEGRAM_API_BASE_URL: fixture.server.url,
  GENERAL_TELEGRAM_BOT_TOKEN: TOKEN,
  GENERAL_TELEGRAM_BOT_CHAT_ID: chatId,
});

describe('herald doctor', () => {
  it('with nothing configured says so, explains how to start, exit 1', async () => {
    const run = await runCli(['doctor'], { cwd: fixture.cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Nothing to check: nothing is configured: there is no \.env/);
    expect(run.stderr).toMatch(/@BotFather.*herald chat-id --token <TOKEN> --write.*README/);
  });

  it('checks every destination for real: bot @username, chat, Discord name and channel, Slack by shape', async () => {
    fixture.server.addChat({ id: '-1001234567890', type: 'supergroup', title: 'Ops room' });
    // Read from .env: the same file the library reads.
    await writeFile(
      join(fixture.cwd, '.env'),
      [
        `TELEGRAM_API_BASE_URL=${fixture.server.url}`,
        `GENERAL_TELEGRAM_BOT_TOKEN=${TOKEN}`,
        'GENERAL_TELEGRAM_BOT_CHAT_ID=-1001234567890',
        `GENERAL_DISCORD_WEBHOOK=${fixture.server.discordWebhookUrl('1000000000000000001', DISCORD_TOKEN)}`,
        `ERROR_SLACK_WEBHOOK=${fixture.server.slackWebhookUrl(SLACK_PATH)}`,
        '',
      ].join('\n'),
    );
    const run = await runCli(['doctor'], { cwd: fixture.cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ok +GENERAL Telegram +bot @herald_sandbox_bot → chat -1001234567890 \(supergroup "Ops room"\)/);
    expect(run.stdout).toMatch(/ok +GENERAL Discord +webhook 1000000000000000001\/di… "Herald Sandbox" → channel 1200000000000000001/);
    expect(run.stdout).toMatch(/ok +ERROR Slack +.*not checked: Slack has no read-only check/);
    expect(run.stdout).toMatch(/All good/);
    expect(fixture.server.messages).toHaveLength(0); // nothing posted
  });

  it('--json has a stable shape', async () => {
    fixture.server.addChat({ id: '-1001234567890', type: 'supergroup', title: 'Ops room' });
    const run = await runCli(['doctor', '--json'], {
      cwd: fixture.cwd,
      env: { ...telegram('-1001234567890'), GENERAL_DISCORD_WEBHOOK: fixture.server.discordWebhookUrl('1000000000000000001', DISCORD_TOKEN) },
    });
    expect(run.code).toBe(0);
    const doc = json(run);
    expect(doc).toEqual({
      ok: true,
      envFile: { path: '.env', found: false },
      problems: [],
      destinations: [
        expect.objectContaining({
          role: 'GENERAL',
          platform: 'telegram',
          status: 'ok',
          checked: true,
          bot: '@herald_sandbox_bot',
          chat: { id: '-1001234567890', type: 'supergroup', title: 'Ops room' },
          variables: ['GENERAL_TELEGRAM_BOT_TOKEN', 'GENERAL_TELEGRAM_BOT_CHAT_ID'],
        }),
        expect.objectContaining({
          role: 'GENERAL',
          platform: 'discord',
          status: 'ok',
          checked: true,
          webhook: { name: 'Herald Sandbox', channelId: '1200000000000000001' },
        }),
      ],
    });
    expect(run.stderr).toBe('');
  });

  it('finds the supergroup id that lost its minus sign and gives the exact fix', async () => {
    fixture.server.addChat({ id: '-1001234567890', type: 'supergroup', title: 'Ops room' });
    const run = await runCli(['doctor'], { cwd: fixture.cwd, env: telegram('1001234567890') });
    expect(run.code).toBe(1);
    // The library's own validation, then the live check that confirms which id exists.
    expect(run.stdout).toMatch(/GENERAL_TELEGRAM_BOT_CHAT_ID: "1001234567890" looks like a supergroup or channel id that lost its leading "-"/);
    expect(run.stdout).toMatch(
      /problem +GENERAL Telegram +bot @herald_sandbox_bot → chat 1001234567890 not found, but -1001234567890 is \(supergroup "Ops room"\) — fix: set GENERAL_TELEGRAM_BOT_CHAT_ID=-1001234567890/,
    );
  });

  it('finds a group id missing its "-100" prefix', async () => {
    fixture.server.addChat({ id: '-1005550001', type: 'supergroup', title: 'Desk' });
    const run = await runCli(['doctor', '--json'], { cwd: fixture.cwd, env: telegram('5550001') });
    expect(run.code).toBe(1);
    const tg = json(run).destinations[0];
    expect(tg).toMatchObject({ status: 'problem', suggestedChatId: '-1005550001' });
    expect(tg.fix).toMatch(/^set GENERAL_TELEGRAM_BOT_CHAT_ID=-1005550001/);
  });

  it('a private chat that is not found: the user must send /start first', async () => {
    const run = await runCli(['doctor'], { cwd: fixture.cwd, env: telegram('777000111') });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /chat 777000111: chat not found — fix: if this is a private chat, open https:\/\/t\.me\/herald_sandbox_bot and press Start \(send \/start\)/,
    );
  });

  it('a revoked token: exit 1 with the BotFather fix, token redacted', async () => {
    fixture.server.revokeToken(TOKEN);
    const run = await runCli(['doctor'], { cwd: fixture.cwd, env: telegram('-1001234567890') });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/bot 123456789:AA…: Telegram refused the bot token \(401 Unauthorized\)/);
    expect(run.stdout).toMatch(/fix: get the current token from @BotFather \(\/mybots → your bot → API Token\) and update GENERAL_TELEGRAM_BOT_TOKEN/);
  });

  it('a deleted Discord webhook: "deleted (404)" with the fix', async () => {
    fixture.server.deleteDiscordWebhook('1000000000000000002');
    const run = await runCli(['doctor'], {
      cwd: fixture.cwd,
      env: { GENERAL_DISCORD_WEBHOOK: fixture.server.discordWebhookUrl('1000000000000000002', DISCORD_TOKEN) },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/problem +GENERAL Discord +webhook 1000000000000000002\/di…: deleted \(404 Unknown Webhook\) — fix: create a new webhook/);
  });

  it('malformed variables: every problem with its fix, from the library validation', async () => {
    const run = await runCli(['doctor'], {
      cwd: fixture.cwd,
      env: { GENERAL_TELEGRAM_BOT_TOKEN: 'not-a-token', ERROR_DISCORD_WEBHOOK: 'http://example.com/x' },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/GENERAL_TELEGRAM_BOT_TOKEN: .* is not a Telegram bot token .* fix: copy the whole token @BotFather gave you/);
    expect(run.stdout).toMatch(/GENERAL_TELEGRAM_BOT_CHAT_ID: GENERAL_TELEGRAM_BOT_TOKEN is set but the chat id is missing/);
    expect(run.stdout).toMatch(/ERROR_DISCORD_WEBHOOK: .* is not https/);
  });

  it('an unreachable API: clear message naming the host, exit 1, no stack trace', async () => {
    const port = await closedPort();
    const run = await runCli(['doctor'], { cwd: fixture.cwd, env: { ...telegram('-1001234567890'), TELEGRAM_API_BASE_URL: `http://127.0.0.1:${port}` } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`could not reach the Telegram Bot API at 127\\.0\\.0\\.1:${port}: connection refused \\(ECONNREFUSED\\)`));
    expect(run.stdout).toMatch(/fix: check TELEGRAM_API_BASE_URL/);
    expect(hasStack(run.stdout + run.stderr)).toBe(false);
  });

  it('bad usage exits 2 and points to --help', async () => {
    const run = await runCli(['doctor', '--bogus'], { cwd: fixture.cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Unknown option '--bogus'[\s\S]*herald doctor --help/);
  });
});
