/**
 * Bot-token channels, target forms and rich messages on the real wire: the drivers, global fetch
 * and the undici Agent against the fake platform server on 127.0.0.1, which answers like the
 * real APIs (unknown channels, scopes, limits, embed and block limits, nonces).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Card } from '../../src/channels/card.js';
import { createHttpClient } from '../../src/channels/http.js';
import { createChannel } from '../../src/channels/registry.js';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';
import { createNotifier, type Notifier, type WarningEvent } from '../../src/index.js';

const TELEGRAM_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0';
const SLACK_TOKEN = 'xoxb-1111111111-2222222222222-AbCdEfGhIjKlMnOpQrStUvWx';
const DISCORD_TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd';
const D = { general: '1300000000000000001', alerts: '1300000000000000002', ema: '1300000000000000003' };
const S = { general: 'C0GENERAL01', alerts: 'C0ALERTS001', ema: 'C0EMACROSS1' };

let server: FakePlatformServer;
const open: Notifier[] = [];

beforeAll(async () => {
  server = await FakePlatformServer.start();
});
afterAll(() => server.close());
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.close(1000)));
  server.reset();
});

function channels(): void {
  server.addSlackChannel({ id: S.general, name: 'general' });
  server.addSlackChannel({ id: S.alerts, name: 'alerts' });
  server.addSlackChannel({ id: S.ema, name: 'ema' });
  for (const [name, id] of Object.entries(D)) server.addDiscordChannel({ id, name });
}

function start(env: Record<string, string>) {
  const warnings: WarningEvent[] = [];
  const reports: string[] = [];
  const n = createNotifier({
    env: { SLACK_API_BASE_URL: server.slackApiBaseUrl, DISCORD_API_BASE_URL: server.discordApiBaseUrl, TELEGRAM_API_BASE_URL: server.telegramBaseUrl, ...env },
    diagnostics: (l) => void reports.push(l),
    drainOnExit: false,
    delivery: { backoff: { baseMs: 50, factor: 2, maxMs: 200, jitter: 0 } },
  });
  n.on('warning', (w) => warnings.push(w));
  open.push(n);
  return { n, warnings, reports };
}

const BOTS = {
  SLACK_BOT_TOKEN: SLACK_TOKEN,
  SLACK_DEFAULT_CHANNEL: '#general',
  SLACK_CHANNEL_MAPPING: 'error=alerts,ema-cross=ema',
  NOTIFICATIONS_PROVIDER: 'discord',
  NOTIFICATIONS_TOKEN: DISCORD_TOKEN,
  NOTIFICATIONS_DEFAULT_CHANNEL: `"${D.general}"`.replace(/"/g, ''),
  NOTIFICATIONS_CHANNEL_MAPPING: `error=${D.alerts},ema-cross=${D.ema}`,
};

/** Texts (and embed titles) that reached each channel of a platform's bot. */
function byChannel(platform: 'slack' | 'discord'): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of server.messagesFor(platform).filter((x) => x.via === 'bot')) {
    const embeds = (m.body as { embeds?: { title?: string; description?: string }[] }).embeds ?? [];
    const lines = embeds.length ? embeds.map((e) => e.title || e.description || '') : m.text.split('\n');
    (out[m.destination] ??= []).push(...lines);
  }
  return out;
}

describe('bots routed by their channel mapping', () => {
  it('each notification reaches the channel its mapping names on Slack and on Discord; errors the error channel; the rest the default', async () => {
    channels();
    const { n } = start(BOTS);
    n.notify('fill from ema', { tags: { event: 'order.filled', strategy: 'ema-cross' } });
    n.notify('fill from rsi', { tags: { event: 'order.filled', strategy: 'rsi' } });
    n.notify('down', { level: 'error', tags: { event: 'error', strategy: 'ema-cross' } });
    await n.flush();
    expect(byChannel('slack')).toEqual({ [S.ema]: ['fill from ema'], [S.general]: ['fill from rsi'], [S.alerts]: ['down'] });
    expect(byChannel('discord')).toEqual({ [D.ema]: ['fill from ema'], [D.general]: ['fill from rsi'], [D.alerts]: ['down'] });
    expect(server.events.filter((e) => e.kind !== 'message')).toEqual([]);
  });

  it('a channel the bot is not in answers not_in_channel: that channel stops alone, with one report', async () => {
    channels();
    server.addSlackChannel({ id: S.ema, name: 'ema', isMember: false });
    server.setSlackScopes(SLACK_TOKEN, ['chat:write']);
    const { n, warnings } = start({ SLACK_BOT_TOKEN: SLACK_TOKEN, SLACK_DEFAULT_CHANNEL: 'general', SLACK_CHANNEL_MAPPING: 'ema-cross=ema' });
    for (let i = 0; i < 3; i++) {
      n.notify(`ema ${i}`, { tags: { strategy: 'ema-cross' } });
      n.notify(`other ${i}`, { tags: { strategy: 'rsi' } });
      await n.flush();
    }
    expect(warnings.map((w) => [w.code, w.destination])).toEqual([['destination-disabled', 'Slack bot xoxb-11… → #ema']]);
    expect(warnings[0]!.fix).toMatch(/\/invite/);
    // The other channel delivered all three, and the notice about #ema.
    expect(byChannel('slack')[S.general]).toEqual([
      'other 0',
      expect.stringMatching(/^⚠️ Herald stopped sending to Slack bot xoxb-11… → #ema: Slack answered not_in_channel/),
      'other 1',
      'other 2',
    ]);
    // #ema was asked once, not hammered.
    expect(server.events.filter((e) => e.destination === S.ema)).toHaveLength(1);
  });

  it('a revoked Discord bot token stops every channel of the bot; a Slack bot alongside goes on', async () => {
    channels();
    server.revokeDiscordBotToken(DISCORD_TOKEN);
    const { n, warnings } = start(BOTS);
    n.notify('one', { tags: { strategy: 'ema-cross' } });
    await n.flush();
    n.notify('two', { level: 'error' });
    n.notify('three');
    await n.flush();
    expect(warnings.filter((w) => w.code === 'destination-disabled')).toHaveLength(1);
    expect(server.events.filter((e) => e.platform === 'discord' && e.status === 401)).toHaveLength(1);
    expect(Object.values(byChannel('slack')).flat()).toEqual(expect.arrayContaining(['one', 'two', 'three']));
  });
});

describe('target forms on the wire', () => {
  it('topics, threads and every form reach the right place', async () => {
    channels();
    server.setTelegramForum('-1001234567890', [42]);
    // A thread to reply in: a message the bot posted before.
    const parent = await fetch(`${server.slackApiBaseUrl}/chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SLACK_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'alerts', text: 'parent' }),
    });
    const ts = ((await parent.json()) as { ts: string }).ts;
    const { n } = start({
      ...BOTS,
      GENERAL_TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN,
      GENERAL_TELEGRAM_BOT_CHAT_ID: '111',
      OPS: `slack:#alerts:${ts} ${server.discordWebhookUrl('1000000000000000009', 'hooktoken')}?thread_id=1500000000000000001`,
    });
    n.log('to a topic', 'telegram:-1001234567890:42');
    n.log('via a variable', 'OPS');
    n.log('apprise', `tgram://${TELEGRAM_TOKEN}/-1001234567890:42?silent=yes`);
    n.log('a discord bot channel', `discord:${D.ema}`);
    await n.flush();
    const tg = server.messagesFor('telegram').map((m) => [m.destination, m.thread, m.text, m.silent]);
    expect(tg).toEqual([
      ['-1001234567890', '42', 'to a topic', false],
      ['-1001234567890', '42', 'apprise', true],
    ]);
    expect(server.messagesFor('slack').map((m) => [m.destination, m.thread, m.text])).toEqual([
      [S.alerts, undefined, 'parent'],
      [S.alerts, ts, 'via a variable'],
    ]);
    expect(server.messagesFor('discord').map((m) => [m.via, m.destination, m.thread, m.text])).toEqual([
      ['webhook', '1000000000000000009', '1500000000000000001', 'via a variable'],
      ['bot', D.ema, undefined, 'a discord bot channel'],
    ]);
  });

  it('a topic that does not exist stops that destination with the fix', async () => {
    server.setTelegramForum('-1001234567890', [42]);
    const { n, warnings } = start({
      GENERAL_TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN,
      GENERAL_TELEGRAM_BOT_CHAT_ID: '-1001234567890',
      GENERAL_TELEGRAM_BOT_TOPIC_ID: '7',
    });
    n.log('lost?');
    await n.flush();
    expect(warnings[0]).toMatchObject({
      code: 'destination-disabled',
      message: expect.stringContaining('message thread not found'),
      fix: expect.stringContaining('GENERAL_TELEGRAM_BOT_TOPIC_ID'),
    });
  });
});

describe('Discord nonce: a resend cannot post twice', () => {
  it('the same part sent again (as after a timeout) returns the first message instead of a second', async () => {
    channels();
    const http = createHttpClient();
    try {
      const channel = createChannel(
        { driver: 'discord-bot', origin: 'test', token: DISCORD_TOKEN, baseUrl: server.discordApiBaseUrl, channelId: D.general } as never,
        { http },
      );
      const part = { text: 'only once', level: 'info' as const, silent: false, key: 'run1abc.1.0' };
      const signal = new AbortController().signal;
      expect((await channel.send(part, signal)).kind).toBe('ok');
      expect((await channel.send(part, signal)).kind).toBe('ok');
      expect((await channel.send({ ...part, key: 'run1abc.1.1' }, signal)).kind).toBe('ok');
      expect(server.messagesFor('discord').map((m) => m.text)).toEqual(['only once', 'only once']);
    } finally {
      await http.close();
    }
  });
});

describe('rich messages pass the platforms’ own limits', () => {
  const huge: Card = {
    title: `🚨 ${'T'.repeat(300)}`,
    tone: 'error',
    fields: [...Array.from({ length: 30 }, (_, i) => ({ name: `field ${i}`, value: `${i}` })), { name: 'big', value: 'v'.repeat(2500) }],
    description: Array.from({ length: 400 }, (_, i) => `line ${i} <b>&amp; @everyone <!channel> ${'x'.repeat(40)}`).join('\n'),
    footer: 'binance · ema-cross',
    timestamp: 0,
  };

  it('a card with oversize everything is accepted by every platform, nothing lost', async () => {
    channels();
    const { n, reports } = start({
      ...BOTS,
      GENERAL_TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN,
      GENERAL_TELEGRAM_BOT_CHAT_ID: '111',
      GENERAL_DISCORD_WEBHOOK: server.discordWebhookUrl(),
      GENERAL_SLACK_WEBHOOK: server.slackWebhookUrl(),
    });
    n.notify('huge card', { level: 'error', card: huge });
    await n.flush(30_000);
    expect(reports).toEqual([]);
    expect(server.events.filter((e) => e.kind === 'error')).toEqual([]);
    const everything = (platform: 'telegram' | 'discord' | 'slack', via: 'bot' | 'webhook') =>
      server
        .messagesFor(platform)
        .filter((m) => m.via === via)
        .map((m) => `${m.text}\n${JSON.stringify(m.body)}`)
        .join('\n');
    for (const [platform, via] of [
      ['telegram', 'bot'],
      ['discord', 'webhook'],
      ['discord', 'bot'],
      ['slack', 'webhook'],
      ['slack', 'bot'],
    ] as const) {
      const all = everything(platform, via);
      expect(all, `${platform} ${via}`).toContain('T'.repeat(300));
      expect(all, `${platform} ${via}`).toContain('v'.repeat(2500));
      for (const i of [0, 199, 399]) expect(all, `${platform} ${via} line ${i}`).toContain(`line ${i} `);
    }
    // Nothing pings: Discord never parses mentions; Slack's control characters are escaped.
    for (const m of server.messagesFor('discord')) expect((m.body as { allowed_mentions: unknown }).allowed_mentions).toEqual({ parse: [] });
    expect(everything('slack', 'webhook')).not.toContain('<!channel>');
  });
});
