/** `herald chat-id` as a subprocess: discovery by getUpdates, the 409 path, .env writing, Ctrl-C. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closedPort, filesIn, hasStack, json, OTHER_TOKEN, runCli, startCli, TOKEN, useCliFixture } from './harness.js';

const fixture = useCliFixture();

const env = (): Record<string, string> => ({ TELEGRAM_API_BASE_URL: fixture.server.url, GENERAL_TELEGRAM_BOT_TOKEN: TOKEN });
const FAST = ['--grace', '0.1', '--timeout', '5'];

const groupMessage = (id: number | string, title: string): object => ({
  message: {
    message_id: 1,
    date: 1_700_000_000,
    chat: { id, type: 'supergroup', title },
    from: { id: 42, is_bot: false, first_name: 'Ann' },
    text: 'hello bot',
  },
});
const addedToGroup = (id: number, title: string): object => ({
  my_chat_member: {
    chat: { id, type: 'group', title },
    from: { id: 42, is_bot: false, first_name: 'Ann' },
    date: 1_700_000_000,
    old_chat_member: { status: 'left' },
    new_chat_member: { status: 'member' },
  },
});

const ENV_FILE = [
  '# Herald',
  `GENERAL_TELEGRAM_BOT_TOKEN=${TOKEN}`,
  '',
  '# chat goes here',
  'GENERAL_TELEGRAM_BOT_CHAT_ID=12345 # wrong one',
  'export OTHER_SETTING="keep me"',
  'TAIL=1',
  '',
].join('\n');

describe('herald chat-id', () => {
  it('lists each chat from pending updates (ids exactly as sent, minus sign kept) and picks the most recent', async () => {
    fixture.server.pushUpdate(groupMessage(-1001234567890, 'Ops room'));
    fixture.server.pushUpdate(addedToGroup(-4005001, 'Family'));
    const run = await runCli(['chat-id', ...FAST], { cwd: fixture.cwd, env: env() });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Bot @herald_sandbox_bot\./);
    expect(run.stdout).toMatch(/1\. -1001234567890 +supergroup "Ops room"/);
    expect(run.stdout).toMatch(/2\. -4005001 +group "Family"/);
    expect(run.stdout).toMatch(/2 chats found; the most recent is -4005001/);
  });

  it('sees a chat that writes while it waits (long poll), and --json has a stable shape', async () => {
    const cli = startCli(['chat-id', '--json', ...FAST], { cwd: fixture.cwd, env: env() });
    // In JSON mode nothing human goes to stdout: wait for the long poll to be open instead.
    await waitUntil(() => fixture.server.requests >= 2);
    fixture.server.pushUpdate({
      channel_post: { message_id: 3, date: 1_700_000_000, chat: { id: -1009876543210, type: 'channel', title: 'Signals', username: 'signals_ch' }, text: 'x' },
    });
    const run = await cli.done;
    expect(run.code).toBe(0);
    expect(json(run)).toEqual({
      ok: true,
      bot: { id: '123456789', username: 'herald_sandbox_bot' },
      chats: [
        { id: '-1009876543210', type: 'channel', title: 'Signals', username: 'signals_ch', via: 'channel_post', updateId: expect.any(Number), removed: false },
      ],
      chosen: expect.objectContaining({ id: '-1009876543210' }),
      written: null,
      webhookDeleted: null,
    });
  });

  it('--write replaces the variable in place, keeping comments, blank lines and the rest; atomic (no temp file left)', async () => {
    await writeFile(join(fixture.cwd, '.env'), ENV_FILE);
    fixture.server.pushUpdate(groupMessage(-1001234567890, 'Ops room'));
    const run = await runCli(['chat-id', '--write', ...FAST], { cwd: fixture.cwd, env: { TELEGRAM_API_BASE_URL: fixture.server.url } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/✓ GENERAL_TELEGRAM_BOT_CHAT_ID=-1001234567890 updated in \.env/);
    expect(await readFile(join(fixture.cwd, '.env'), 'utf8')).toBe(
      ENV_FILE.replace('GENERAL_TELEGRAM_BOT_CHAT_ID=12345 # wrong one', 'GENERAL_TELEGRAM_BOT_CHAT_ID=-1001234567890'),
    );
    expect(await filesIn(fixture.cwd)).toEqual(['.env']);
  });

  it('--pick N and --var NAME choose the chat and the variable', async () => {
    await writeFile(join(fixture.cwd, 'prod.env'), '# prod\nA=1\n');
    fixture.server.pushUpdate(groupMessage(-1001111111111, 'First'));
    fixture.server.pushUpdate(groupMessage(-1002222222222, 'Second'));
    const run = await runCli(['chat-id', '--write', '--pick', '1', '--var', 'ERROR_TELEGRAM_BOT_CHAT_ID', '--env-file', 'prod.env', ...FAST], {
      cwd: fixture.cwd,
      env: env(),
    });
    expect(run.code).toBe(0);
    expect(await readFile(join(fixture.cwd, 'prod.env'), 'utf8')).toBe('# prod\nA=1\nERROR_TELEGRAM_BOT_CHAT_ID=-1001111111111\n');
  });

  it('from nothing to a working .env: --token --write stores token and chat id, then doctor is happy', async () => {
    fixture.server.addChat({ id: '-1001234567890', type: 'supergroup', title: 'Ops room' });
    fixture.server.pushUpdate(groupMessage(-1001234567890, 'Ops room'));
    const base = { TELEGRAM_API_BASE_URL: fixture.server.url };
    const run = await runCli(['chat-id', '--token', OTHER_TOKEN, '--write', ...FAST], { cwd: fixture.cwd, env: base });
    expect(run.code).toBe(0);
    const written = await readFile(join(fixture.cwd, '.env'), 'utf8');
    expect(written).toBe(`GENERAL_TELEGRAM_BOT_CHAT_ID=-1001234567890\nGENERAL_TELEGRAM_BOT_TOKEN=${OTHER_TOKEN}\n`);
    expect(run.stdout).toMatch(/GENERAL_TELEGRAM_BOT_TOKEN=987654321:BB… added to \.env/);
    const doctor = await runCli(['doctor'], { cwd: fixture.cwd, env: base });
    expect(doctor.code).toBe(0);
  });

  it('409 webhook active: exit 1 with the exact fix; --delete-webhook applies it and goes on', async () => {
    fixture.server.setWebhookActive(true);
    fixture.server.pushUpdate(groupMessage(-1001234567890, 'Ops room'));
    const blocked = await runCli(['chat-id', ...FAST], { cwd: fixture.cwd, env: env() });
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/this bot has a webhook set, and Telegram does not answer getUpdates while one is active \(409 Conflict/);
    expect(blocked.stderr).toMatch(/fix: run `herald chat-id --delete-webhook` to remove it/);

    const fixed = await runCli(['chat-id', '--delete-webhook', ...FAST], { cwd: fixture.cwd, env: env() });
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toMatch(/Deleted the bot's webhook \(it pointed to example\.invalid\)/);
    expect(fixed.stdout).toMatch(/-1001234567890 +supergroup "Ops room"/);
  });

  it('nobody writes: exit 1 at --timeout with the advice', async () => {
    const run = await runCli(['chat-id', '--timeout', '0.5'], { cwd: fixture.cwd, env: env() });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /no chat wrote to @herald_sandbox_bot within 0.5 s[\s\S]*fix: send any message to @herald_sandbox_bot .* or add it to your group, then run `herald chat-id` again/,
    );
  });

  it('revoked token → BotFather fix; missing token → how to get one; unreachable API → host named; all exit 1, no stack', async () => {
    fixture.server.revokeToken(TOKEN);
    const revoked = await runCli(['chat-id', ...FAST], { cwd: fixture.cwd, env: env() });
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toMatch(
      /Telegram refused the bot token \(401 Unauthorized\)[\s\S]*fix: get the current token from @BotFather .* update GENERAL_TELEGRAM_BOT_TOKEN/,
    );

    fixture.server.revokeToken(OTHER_TOKEN);
    const given = await runCli(['chat-id', '--token', OTHER_TOKEN, '--json', ...FAST], {
      cwd: fixture.cwd,
      env: { TELEGRAM_API_BASE_URL: fixture.server.url },
    });
    expect(given.code).toBe(1);
    expect(json(given).error.fix).toMatch(/@BotFather .* and update --token$/);

    const missing = await runCli(['chat-id', ...FAST], { cwd: fixture.cwd, env: { TELEGRAM_API_BASE_URL: fixture.server.url } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no bot token[\s\S]*@BotFather \(\/newbot\)/);

    const port = await closedPort();
    const down = await runCli(['chat-id', ...FAST], { cwd: fixture.cwd, env: { ...env(), TELEGRAM_API_BASE_URL: `http://127.0.0.1:${port}` } });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(new RegExp(`could not reach the Telegram Bot API at 127\\.0\\.0\\.1:${port}: connection refused`));
    for (const r of [revoked, given, missing, down]) expect(hasStack(r.stdout + r.stderr)).toBe(false);
  });

  it('Ctrl-C while waiting: clean exit 130, .env untouched, no temp file', async () => {
    await writeFile(join(fixture.cwd, '.env'), ENV_FILE);
    const cli = startCli(['chat-id', '--write', '--timeout', '10'], { cwd: fixture.cwd, env: { TELEGRAM_API_BASE_URL: fixture.server.url } });
    await cli.waitFor(/Listening for up to 10 s/);
    await waitUntil(() => fixture.server.requests >= 2); // getMe, then the open long poll
    cli.child.kill('SIGINT');
    const run = await cli.done;
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/interrupted; nothing was written/);
    expect(hasStack(run.stdout + run.stderr)).toBe(false);
    expect(await readFile(join(fixture.cwd, '.env'), 'utf8')).toBe(ENV_FILE);
    expect(await filesIn(fixture.cwd)).toEqual(['.env']);
  });

  it('bad usage exits 2', async () => {
    for (const args of [
      ['chat-id', '--timeout', 'soon'],
      ['chat-id', '--var', 'not a name'],
      ['chat-id', 'extra'],
    ]) {
      const run = await runCli(args, { cwd: fixture.cwd, env: env() });
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/herald chat-id --help/);
    }
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
