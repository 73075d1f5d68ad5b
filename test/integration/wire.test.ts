/**
 * The real wire: drivers, global fetch and the undici Agent against the fake platform server
 * on 127.0.0.1 (no msw here). The server enforces the platforms' limits and markup rules.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';
import { createNotifier, type Notifier, type NotifierEvents } from '../../src/index.js';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0';
const CHAT = '-1001234567890';
let server: FakePlatformServer;
let notifier: Notifier | undefined;

beforeAll(async () => {
  server = await FakePlatformServer.start();
});
afterAll(() => server.close());
afterEach(async () => {
  await notifier?.close(1000);
  notifier = undefined;
  server.reset();
});

function start(target: FakePlatformServer = server) {
  const events: { name: string; payload: any }[] = [];
  const reports: string[] = [];
  notifier = createNotifier({
    env: {
      TELEGRAM_API_BASE_URL: target.telegramBaseUrl,
      GENERAL_TELEGRAM_BOT_TOKEN: TOKEN,
      GENERAL_TELEGRAM_BOT_CHAT_ID: CHAT,
      GENERAL_DISCORD_WEBHOOK: target.discordWebhookUrl(),
      GENERAL_SLACK_WEBHOOK: target.slackWebhookUrl(),
    },
    diagnostics: (l) => void reports.push(l),
    drainOnExit: false,
    delivery: { backoff: { baseMs: 50, factor: 2, maxMs: 200, jitter: 0 } },
  });
  for (const name of ['delivered', 'retrying', 'failed', 'warning'] as (keyof NotifierEvents)[])
    notifier.on(name, (payload: any) => void events.push({ name, payload }));
  return { n: notifier, events, reports };
}

const unescape = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

describe('on the wire', () => {
  it('reuses keep-alive connections for many requests', async () => {
    const { n } = start();
    // Three sequential rounds stay within every platform's burst, so no rate wait slows this down.
    for (let i = 0; i < 3; i++) {
      n.log(`ping ${i}`);
      await n.flush();
      // Node's fetch frees a socket one tick after the body resolves; real messages are further apart.
      await new Promise((r) => setImmediate(r));
    }
    expect(server.messages).toHaveLength(9);
    expect(server.requests).toBe(9);
    // All three platforms share one origin here: at most one socket per concurrent lane, reused.
    expect(server.connections).toBeLessThanOrEqual(3);
  });

  it('retries after a 429 on each platform, in its own form, and delivers', async () => {
    const { n, events } = start();
    server.inject(
      { platform: 'telegram', method: 'sendMessage' },
      { status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } } },
    );
    server.inject(
      { platform: 'discord' },
      { status: 429, body: { message: 'You are being rate limited.', retry_after: 0.3, global: false }, headers: { 'retry-after': '1' } },
    );
    server.inject({ platform: 'slack' }, { status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } });
    n.log('after the limit');
    await n.flush();
    const retries = events.filter((e) => e.name === 'retrying').map((e) => e.payload);
    expect(retries.map((r) => r.delayMs).sort((a, b) => a - b)).toEqual([300, 1000, 1000]);
    expect(retries.every((r) => r.rateLimited)).toBe(true);
    expect(server.messages.map((m) => m.platform).sort()).toEqual(['discord', 'slack', 'telegram']);
  });

  it('is not lost on a 5xx or a reset connection', async () => {
    const { n } = start();
    server.inject({ platform: 'telegram' }, { status: 502, body: '<html>Bad Gateway</html>' });
    server.inject({ platform: 'discord' }, 'reset');
    n.log('survives');
    await n.flush();
    expect(server.messages.map((m) => m.platform).sort()).toEqual(['discord', 'slack', 'telegram']);
  });

  it('escapes markup so the server parses it, and splits long text within every limit', async () => {
    // Size and markup limits are the point here, not rate limits: a server that does not
    // answer 429 on its own (Herald still paces itself by the platforms' published limits).
    const relaxed = await FakePlatformServer.start({
      limits: {
        telegramPerChat: { burst: 1000, perSecond: 1000 },
        telegramPerGroupPerMinute: 100_000,
        telegramPerBotPerSecond: 1000,
        discordPerWebhook: { limit: 1000, windowMs: 1000 },
        slackPerWebhook: { burst: 1000, perSecond: 1000 },
      },
    });
    try {
      await splitsWithinLimits(relaxed);
    } finally {
      await notifier?.close(1000);
      notifier = undefined;
      await relaxed.close();
    }
  }, 20_000);

  async function splitsWithinLimits(server: FakePlatformServer): Promise<void> {
    const { n, events } = start(server);
    const tricky = 'BTC_USDT <b>&amp; *bold* [link](x) </code> 5 < 6 > 4 & "q"';
    const long = Array.from({ length: 400 }, (_, i) => `${String(i).padStart(4, '0')} ${'x'.repeat(20)}`).join('\n');
    n.log(tricky);
    n.log(long);
    await n.flush();
    expect(events.filter((e) => e.name === 'failed')).toEqual([]);
    const tg = server.messagesFor('telegram').map((m) => unescape(m.text));
    expect(tg[0]).toBe(tricky);
    expect(tg.slice(1).join('\n')).toBe(long);
    const discordMessages = server.messagesFor('discord');
    const discord = discordMessages.map((m) => m.text);
    expect(discord[0]).toBe(tricky);
    // Six Discord messages' worth (more than fileAfterParts, 4): its first part, then the whole text as message.txt.
    expect(discord).toHaveLength(3);
    expect(long.startsWith(discord[1]!)).toBe(true);
    const file = discordMessages[2]!.files?.[0];
    expect(file?.name).toBe('message.txt');
    expect(Buffer.from(file!.base64, 'base64').toString('utf8')).toBe(long);
    expect(discord.every((t) => t.length <= 2000)).toBe(true);
    const slack = server.messagesFor('slack').map((m) => unescape(m.text));
    expect(slack[0]).toBe(tricky);
    expect(slack.slice(1).join('\n')).toBe(long);
    expect(server.rateLimited()).toBe(0);
  }

  it('follows a supergroup migration and tells the user once which variable to change', async () => {
    server.migrateChat(CHAT, '-1009999999999');
    const { n, events, reports } = start();
    n.log('one');
    await n.flush();
    n.log('two');
    await n.flush();
    expect(server.messagesFor('telegram').map((m) => [m.destination, m.text])).toEqual([
      ['-1009999999999', 'one'],
      ['-1009999999999', 'two'],
    ]);
    const moved = events.filter((e) => e.name === 'warning' && e.payload.code === 'destination-moved');
    expect(moved).toHaveLength(1);
    expect(moved[0]!.payload.fix).toBe('set GENERAL_TELEGRAM_BOT_CHAT_ID=-1009999999999');
    expect(reports.join('')).not.toContain('AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0');
  });

  it('disables a revoked bot with one report and keeps the other destinations going', async () => {
    server.revokeToken(TOKEN);
    const { n, reports } = start();
    n.log('a');
    await n.flush();
    n.log('b');
    await n.flush();
    expect(server.messagesFor('telegram')).toHaveLength(0);
    expect(server.messagesFor('discord').map((m) => m.text)).toEqual(['a', expect.stringContaining('stopped sending to Telegram'), 'b']);
    expect(reports.filter((r) => r.includes('stopped sending'))).toHaveLength(1);
    expect(reports.join('')).toMatch(/BotFather/);
  });
});
