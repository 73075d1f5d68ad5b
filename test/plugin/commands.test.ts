/**
 * The command bot through the plugin, on the wire against the fake Telegram: /status answers from
 * the host's snapshot, /mute holds info (errors still ring) until /unmute, /report sends a report,
 * a stranger's chat is refused with one alert to the error route, start-up mistakes are reported
 * together, and close() ends the long poll at once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Env } from '../../src/config/env.js';
import { HeraldConfigError, heraldPlugin, type HeraldHandle, type HeraldPluginOptions } from '../../src/index.js';
import { clockText } from '../../src/reports/zoned.js';
import { FakePlatformServer, type ReceivedMessage } from '../../src/sandbox/fake-platforms.js';
import { CHAT, notifications, roomyLimits, until, installPlugin } from '../fixtures/wiring.js';

const STRANGER = '-1009876543210';
const SLACK_ERROR_PATH = 'T0AAAAAAA/B0CCCCCCC/zyxwvutsrqponmlkjihgfedc';

let fake: FakePlatformServer;
const handles: HeraldHandle[] = [];

beforeEach(async () => {
  fake = await FakePlatformServer.start(roomyLimits);
});

afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.close(1000)));
  await fake.close();
});

function install(options: Omit<HeraldPluginOptions, 'env'> = {}, extra: Env = {}) {
  return installPlugin(fake, handles, { commands: true, ...options }, { ERROR_SLACK_WEBHOOK: fake.slackWebhookUrl(SLACK_ERROR_PATH), ...extra });
}

let nextMessageId = 100;

/** A message written in `chat` now. */
function write(chat: string, text: string): void {
  fake.pushUpdate({
    message: {
      message_id: nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: { id: Number(chat), type: 'supergroup', title: 'Ops room' },
      from: { id: 4242, is_bot: false, first_name: 'Alice', username: 'alice' },
      text,
    },
  });
}

/** The bot's answers in `chat` (they reply to the command). */
const replies = (chat = CHAT): ReceivedMessage[] =>
  fake.messagesFor('telegram', chat).filter((m) => (m.body as Record<string, unknown>).reply_parameters !== undefined);
const noted = (): string[] => notifications(fake).map((m) => m.text);
const errorRoute = (): string[] => fake.messagesFor('slack').map((m) => m.text);

const BTC = { symbol: 'BTC/USDT', side: 'long', qty: 0.5, entryPrice: 64210.5, markPrice: 65100 };

describe('commands through the plugin', () => {
  it("/status answers with the snapshot's positions and the backlog", async () => {
    const { host } = install();
    host.emit('report.snapshot', { positions: [BTC] });
    write(CHAT, '/status');
    await until(() => expect(replies()).toHaveLength(1));
    const text = replies()[0]!.text;
    expect(text).toContain('Positions: 1 open · unrealised +444.75');
    expect(text).toContain('🟢 BTC/USDT LONG 0.5 · 64,210.50 → 65,100.00 · +444.75 (+1.39%)');
    expect(text).toContain('Herald: backlog 0');
  });

  it('/mute 1h holds info and lets errors through; /unmute sends what was held; /report sends a report', async () => {
    const { host, notifier } = install();
    write(CHAT, '/mute 1h');
    await until(() => expect(replies()).toHaveLength(1));
    expect(notifier.mutedUntil).toBeGreaterThan(Date.now() + 3_590_000);
    const until1 = clockText(notifier.mutedUntil!, notifier.reportTimeZone);
    expect(replies()[0]!.text).toBe(
      `🔕 Muted for 1 h, until ${until1}. Errors still come through; what is held arrives as one message at the end. /unmute ends it now.`,
    );

    host.emit('order.filled', { symbol: 'BTC/USDT', side: 'buy', qty: 0.5, price: 64210.5 });
    host.emit('error', 'exchange down');
    await until(() => expect(noted().join('\n')).toContain('exchange down'));
    await handlesFlush();
    expect(noted().join('\n')).not.toContain('FILLED');

    write(CHAT, '/unmute');
    await until(() => expect(replies()).toHaveLength(2));
    expect(replies()[1]!.text).toBe('🔔 Unmuted. What was held while muted follows as one message.');
    await until(() =>
      expect(noted().at(-1)).toMatch(/^🔕 Held while muted \(from \d\d:\d\d\): 1 notification\n\n\d\d:\d\d ✅ FILLED BUY 0\.5 BTC\/USDT @ 64,210\.50$/),
    );
    expect(notifier.mutedUntil).toBeUndefined();

    write(CHAT, '/report');
    await until(() => expect(noted().some((t) => t.startsWith('📊 Report'))).toBe(true));
    // The report goes as a notification; the bot adds no answer of its own.
    expect(replies()).toHaveLength(2);
  });

  it('/report while muted: the report is the answer, so it arrives at once; other info stays held', async () => {
    const { host, notifier } = install();
    write(CHAT, '/mute 2h');
    await until(() => expect(replies()).toHaveLength(1));
    host.emit('order.filled', { symbol: 'ETH/USDT', side: 'sell', qty: 2, price: 3100 });
    write(CHAT, '/report');
    await until(() => expect(noted().some((t) => t.startsWith('📊 Report'))).toBe(true));
    await handlesFlush();
    expect(noted().join('\n')).not.toContain('FILLED');
    expect(notifier.mutedUntil).toBeDefined();
  });

  it('a chat that is not allowed gets no answer, and one alert goes to the error route', async () => {
    const { notifier } = install();
    write(STRANGER, '/status');
    write(STRANGER, '/mute 1h');
    write(CHAT, '/help');
    await until(() => expect(replies()).toHaveLength(1));
    await until(() => expect(errorRoute()).toHaveLength(1));
    expect(errorRoute()[0]).toContain(`someone in chat ${STRANGER}`);
    expect(errorRoute()[0]).toContain('tried /status; only the configured chats may command this bot');
    expect(replies(STRANGER)).toEqual([]);
    expect(fake.messagesFor('telegram', STRANGER)).toEqual([]);
    expect(notifier.mutedUntil).toBeUndefined();
  });

  it('close() ends the long poll at once', async () => {
    const { handle } = install();
    write(CHAT, '/help');
    await until(() => expect(replies()).toHaveLength(1));
    handles.splice(handles.indexOf(handle), 1);
    const started = performance.now();
    await handle.close(1000);
    expect(performance.now() - started).toBeLessThan(1500);
    // Nothing polls any more: a command written now is not answered.
    const before = fake.requests;
    write(CHAT, '/status');
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.requests).toBe(before);
    expect(replies()).toHaveLength(1);
  });

  async function handlesFlush(): Promise<void> {
    await Promise.all(handles.map((h) => h.flush(1000)));
  }
});

describe('command settings at start-up', () => {
  it('commands on without a GENERAL Telegram bot: a HeraldConfigError naming HERALD_COMMANDS (option or variable)', () => {
    const env = { GENERAL_SLACK_WEBHOOK: fake.slackWebhookUrl() };
    for (const [options, extra] of [
      [{ commands: true }, {}],
      [{}, { HERALD_COMMANDS: 'on' }],
    ] as const) {
      let error: unknown;
      try {
        heraldPlugin({ env: { ...env, ...extra }, drainOnExit: false, outbox: false, redis: false, ...options });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(HeraldConfigError);
      expect((error as HeraldConfigError).problems).toEqual([
        expect.objectContaining({ variable: 'HERALD_COMMANDS', message: expect.stringContaining('GENERAL_TELEGRAM_BOT_TOKEN is not set') }),
      ]);
    }
  });

  it('a commands problem and a digest problem are reported together, and the notifier made for the failed start is closed', () => {
    const signalListeners = process.listenerCount('SIGTERM');
    let error: unknown;
    try {
      heraldPlugin({
        env: { GENERAL_SLACK_WEBHOOK: fake.slackWebhookUrl() },
        outbox: false,
        redis: false,
        commands: true,
        events: { 'order.filled': { digest: 'soon' } },
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(HeraldConfigError);
    expect((error as HeraldConfigError).problems.map((p) => p.variable).sort()).toEqual(["events['order.filled'].digest", 'HERALD_COMMANDS'].sort());
    // No exit hook is left behind by a notifier nobody can close.
    expect(process.listenerCount('SIGTERM')).toBe(signalListeners);
  });
});
