/** `herald link` as a subprocess: the deep-link flow with an injected `/start <token>` update. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesIn, hasStack, json, runCli, startCli, TOKEN, useCliFixture } from './harness.js';

const fixture = useCliFixture();

const env = (): Record<string, string> => ({ TELEGRAM_API_BASE_URL: fixture.server.url, GENERAL_TELEGRAM_BOT_TOKEN: TOKEN });
const LINK = /https:\/\/t\.me\/herald_sandbox_bot\?start=([A-Za-z0-9_-]{16})(?![A-Za-z0-9_-])/;

const start = (chatId: number, text: string): object => ({
  message: {
    message_id: 7,
    date: 1_700_000_000,
    chat: { id: chatId, type: 'private', first_name: 'Ann', username: 'ann' },
    from: { id: chatId, is_bot: false, first_name: 'Ann' },
    text,
  },
});

describe('herald link', () => {
  it('prints the deep link, waits for /start <token>, replies "Subscribed" in that chat, and --write stores the id', async () => {
    await writeFile(join(fixture.cwd, '.env'), `# mine\nGENERAL_TELEGRAM_BOT_TOKEN=${TOKEN}\nKEEP=1\n`);
    const cli = startCli(['link', '--write', '--timeout', '10'], { cwd: fixture.cwd, env: { TELEGRAM_API_BASE_URL: fixture.server.url } });
    const [, token] = await cli.waitFor(LINK);
    await cli.waitFor(/\?startgroup=/);
    // Someone else's /start, and a wrong token, are not the subscription.
    fixture.server.pushUpdate(start(111, '/start'));
    fixture.server.pushUpdate(start(222, '/start not-the-token'));
    fixture.server.pushUpdate(start(424242, `/start ${token}`));
    const run = await cli.done;
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Subscribed: chat 424242 \(private @ann \(Ann\)\)/);
    expect(fixture.server.messages).toEqual([
      expect.objectContaining({ platform: 'telegram', destination: '424242', text: '✅ Subscribed: Herald will post here.' }),
    ]);
    expect(await readFile(join(fixture.cwd, '.env'), 'utf8')).toBe(
      `# mine\nGENERAL_TELEGRAM_BOT_TOKEN=${TOKEN}\nKEEP=1\nGENERAL_TELEGRAM_BOT_CHAT_ID=424242\n`,
    );
    expect(await filesIn(fixture.cwd)).toEqual(['.env']);
  });

  it('accepts /start@bot <token> from a group, with --json (the link goes to stderr)', async () => {
    const cli = startCli(['link', '--json', '--var', 'ERROR_TELEGRAM_BOT_CHAT_ID', '--timeout', '10'], { cwd: fixture.cwd, env: env() });
    const [, token] = await cli.waitFor(LINK, 'stderr');
    fixture.server.pushUpdate({
      message: { message_id: 1, date: 1, chat: { id: -1005550001, type: 'supergroup', title: 'Desk' }, text: `/start@herald_sandbox_bot ${token}` },
    });
    const run = await cli.done;
    expect(run.code).toBe(0);
    expect(json(run)).toEqual({
      ok: true,
      bot: { id: '123456789', username: 'herald_sandbox_bot' },
      link: `https://t.me/herald_sandbox_bot?start=${token}`,
      groupLink: `https://t.me/herald_sandbox_bot?startgroup=${token}`,
      chat: { id: '-1005550001', type: 'supergroup', title: 'Desk' },
      replied: true,
      written: null,
    });
  });

  it('nobody presses Start: exit 1 with advice; 409 without --delete-webhook: exit 1 with the fix', async () => {
    const late = await runCli(['link', '--timeout', '0.5'], { cwd: fixture.cwd, env: env() });
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(/nobody pressed Start on the link within 0.5 s[\s\S]*fix: run `herald link` again/);

    fixture.server.setWebhookActive(true);
    const conflict = await runCli(['link', '--timeout', '5'], { cwd: fixture.cwd, env: env() });
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toMatch(/fix: run `herald link --delete-webhook`/);
    expect(hasStack(late.stderr + conflict.stderr)).toBe(false);
  });

  it('Ctrl-C while waiting: exit 130, nothing written', async () => {
    const cli = startCli(['link', '--write', '--timeout', '10'], { cwd: fixture.cwd, env: env() });
    await cli.waitFor(LINK);
    await cli.waitFor(/Waiting up to/);
    cli.child.kill('SIGINT');
    const run = await cli.done;
    expect(run.code).toBe(130);
    expect(await filesIn(fixture.cwd)).toEqual([]);
  });
});
