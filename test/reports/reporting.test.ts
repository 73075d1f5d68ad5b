/**
 * The periodic report through a real notifier, on the wire against the fake Telegram (and a fake
 * Slack webhook): the schedule fires at the top of the hour, the report lists the latest
 * snapshot's positions, the period's fills and realised PnL and Herald's health, rides as the
 * caption of a real equity chart, counts only its own period, and survives a host snapshot
 * function that throws or hangs.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { escapeTelegramHtml } from '../../src/channels/telegram.js';
import type { Env } from '../../src/config/env.js';
import { createNotifier, HeraldConfigError, type Notifier, type NotifierOptions } from '../../src/index.js';
import { FakePlatformServer, type ReceivedMessage } from '../../src/sandbox/fake-platforms.js';
import { decodePng } from '../fixtures/png.js';
import { advanceTo, CHAT, fakeClock, noLimits, realPause, roomyLimits, telegramEnv, until } from '../fixtures/wiring.js';

let fake: FakePlatformServer;
const open: Notifier[] = [];

beforeEach(async () => {
  fake = await FakePlatformServer.start(roomyLimits);
});

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(open.splice(0).map((n) => n.close(1000)));
  await fake.close();
});

function notifier(options: NotifierOptions, env: Env = telegramEnv(fake)) {
  const lines: string[] = [];
  const n = createNotifier({ env, drainOnExit: false, outbox: false, redis: false, limits: noLimits, diagnostics: (l) => void lines.push(l), ...options });
  open.push(n);
  return { n, lines };
}

const hourly = { every: '1h', timeZone: 'UTC' } as const;
const sent = (): ReceivedMessage[] => fake.messagesFor('telegram', CHAT);
const reports = (): ReceivedMessage[] => sent().filter((m) => m.text.startsWith('📊 Report'));
/** The text as written: HTML entities decoded, and a caption's CRLF (multipart form fields carry line breaks as CRLF) back to LF. */
const unescape = (t: string): string => t.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');

const BTC = { symbol: 'BTC/USDT', side: 'long', qty: 0.5, entryPrice: 64210.5, markPrice: 65100 };
const ETH = { symbol: 'ETH/USDT', side: 'short', qty: 2, entryPrice: 3100, markPrice: 3150 };
/** An equity curve over the first hour (09:00–10:00 UTC). */
const equity = Array.from({ length: 7 }, (_, i) => ({ t: Date.parse('2026-03-02T09:00:00Z') + i * 600_000, value: 10_000 + i * 25 - (i % 2) * 40 }));

describe('scheduled reports', () => {
  it('at the top of the hour: one sendPhoto with a real PNG chart, the report as its caption (positions, fills, realised PnL, health); the next hour counts only its own period', async () => {
    fakeClock('2026-03-02T09:40:00Z');
    const { n, lines } = notifier({ report: hourly });
    expect(n.reportsScheduled).toBe(true);
    n.observe('report.snapshot', { positions: [BTC], equity });
    n.observe('order.filled', { symbol: 'BTC/USDT', side: 'buy', qty: 0.5, price: 64210.5 });
    n.observe('order.filled', { symbol: 'ETH/USDT', side: 'sell', qty: 2, price: 3100 });
    n.observe('order.filled', { symbol: 'SOL/USDT', side: 'sell', qty: 10, price: 150 });
    n.observe('position.closed', { symbol: 'SOL/USDT', side: 'long', pnl: 42.5 });
    // The latest snapshot wins over the earlier one.
    n.observe('report.snapshot', { positions: [BTC, ETH], equity });
    n.notify('strategy started');
    await n.flush();
    expect(reports()).toEqual([]);

    await advanceTo('2026-03-02T09:59:59Z');
    expect(reports()).toEqual([]);
    await advanceTo('2026-03-02T10:00:00Z');
    await until(() => expect(reports()).toHaveLength(1));
    const [report] = reports();
    const text = unescape(report!.text);
    expect(text.split('\n')).toEqual([
      '📊 Report 10:00 · last 1 h',
      'Open positions: 2 · unrealised +344.75',
      '🟢 BTC/USDT LONG 0.5 · 64,210.50 → 65,100.00 · +444.75 (+1.39%)',
      '🔴 ETH/USDT SHORT 2 · 3,100.00 → 3,150.00 · -100.00 (-1.61%)',
      'Realised: +42.50 · 1 of 1 closed in profit (100%)',
      'Fills: 3 · 1 buy, 2 sells',
      'Herald: 1 delivered, 0 failed, 0 dropped, backlog 0',
    ]);
    // The caption arrives exactly as written: line breaks stay LF (a FormData body would make them CRLF).
    expect(report!.text).not.toContain('\r');
    expect(report!.text).toBe(escapeTelegramHtml(text));
    expect(report!.files).toEqual([expect.objectContaining({ field: 'photo', name: 'equity.png', contentType: 'image/png' })]);
    const png = decodePng(Buffer.from(report!.files![0]!.base64, 'base64'));
    expect([png.width, png.height]).toEqual([1600, 800]);
    expect(report!.silent).toBe(false);

    // The second hour: one new fill, nothing closed; the first report is its only delivery.
    await advanceTo('2026-03-02T10:30:00Z');
    n.observe('order.filled', { symbol: 'BTC/USDT', side: 'buy', qty: 0.1, price: 65000 });
    await advanceTo('2026-03-02T11:00:00Z');
    await until(() => expect(reports()).toHaveLength(2));
    const second = unescape(reports()[1]!.text).split('\n');
    expect(second[0]).toBe('📊 Report 11:00 · last 1 h');
    expect(second).toContain('No positions closed');
    expect(second).toContain('Fills: 1 · 1 buy');
    expect(second).toContain('Herald: 1 delivered, 0 failed, 0 dropped, backlog 0');
    expect(lines).toEqual([]);
  });

  it('report.snapshot() as an async function is asked when the report is due, and its answer is what the report shows', async () => {
    fakeClock('2026-03-02T09:58:00Z');
    const snapshot = vi.fn(async () => {
      await Promise.resolve();
      return { positions: [ETH] };
    });
    const { n, lines } = notifier({ report: { ...hourly, snapshot } });
    n.observe('report.snapshot', { positions: [BTC] });
    expect(snapshot).not.toHaveBeenCalled();
    await advanceTo('2026-03-02T10:00:00Z');
    await until(() => expect(reports()).toHaveLength(1));
    expect(snapshot).toHaveBeenCalledTimes(1);
    const text = unescape(reports()[0]!.text);
    expect(text).toContain('🔴 ETH/USDT SHORT 2 · 3,100.00 → 3,150.00');
    expect(text).not.toContain('BTC/USDT');
    // No equity curve and nothing closed: nothing to draw, so a plain sendMessage.
    expect(reports()[0]!.files).toBeUndefined();
    expect(lines).toEqual([]);
  });

  it('a snapshot function that throws: a text report from the latest report.snapshot event, and one diagnostics line', async () => {
    fakeClock('2026-03-02T09:58:00Z');
    const { n, lines } = notifier({
      report: {
        ...hourly,
        snapshot: () => {
          throw new Error('exchange down');
        },
      },
    });
    n.observe('report.snapshot', { positions: [BTC] });
    await advanceTo('2026-03-02T10:00:00Z');
    await until(() => expect(reports()).toHaveLength(1));
    expect(unescape(reports()[0]!.text)).toContain('🟢 BTC/USDT LONG 0.5');
    expect(reports()[0]!.files).toBeUndefined();
    expect(lines).toEqual(['herald: report.snapshot() failed (exchange down); the report uses the latest report.snapshot event\n']);
  });

  it('a snapshot function that hangs is given up after 10 s: the report goes from the latest event, with one diagnostics line', async () => {
    fakeClock('2026-03-02T09:58:00Z');
    const { n, lines } = notifier({ report: { ...hourly, snapshot: () => new Promise(() => {}) } });
    n.observe('report.snapshot', { positions: [BTC] });
    await advanceTo('2026-03-02T10:00:09Z');
    await realPause(20);
    expect(reports()).toEqual([]);
    await advanceTo('2026-03-02T10:00:10Z');
    await until(() => expect(reports()).toHaveLength(1));
    const text = unescape(reports()[0]!.text);
    expect(text.split('\n')[0]).toBe('📊 Report 10:00 · last 1 h');
    expect(text).toContain('🟢 BTC/USDT LONG 0.5');
    expect(lines).toEqual(['herald: report.snapshot() failed (no answer within 10 s); the report uses the latest report.snapshot event\n']);
  });

  it('a Slack webhook gets the report as text alone (it takes no files)', async () => {
    fakeClock('2026-03-02T09:58:00Z');
    const { n } = notifier({ report: hourly }, { GENERAL_SLACK_WEBHOOK: fake.slackWebhookUrl('T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstuvwx') });
    n.observe('report.snapshot', { positions: [BTC], equity });
    await advanceTo('2026-03-02T10:00:00Z');
    await until(() => expect(fake.messagesFor('slack')).toHaveLength(1));
    const [m] = fake.messagesFor('slack');
    expect(m!.files).toBeUndefined();
    expect(unescape(m!.text).split('\n').slice(0, 3)).toEqual([
      '📊 Report 10:00 · last 1 h',
      'Open positions: 1 · unrealised +444.75',
      '🟢 BTC/USDT LONG 0.5 · 64,210.50 → 65,100.00 · +444.75 (+1.39%)',
    ]);
  });
});

describe('report settings at start-up', () => {
  it('HERALD_REPORT_EVERY=2x is a HeraldConfigError naming the variable, reported with a bad token in the same env', () => {
    const env = { ...telegramEnv(fake), GENERAL_TELEGRAM_BOT_TOKEN: 'not-a-token', HERALD_REPORT_EVERY: '2x' };
    let error: unknown;
    try {
      createNotifier({ env, drainOnExit: false, outbox: false, redis: false, diagnostics: () => {} });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(HeraldConfigError);
    const variables = (error as HeraldConfigError).problems.map((p) => p.variable);
    expect(variables).toEqual(expect.arrayContaining(['GENERAL_TELEGRAM_BOT_TOKEN', 'HERALD_REPORT_EVERY']));
    expect((error as HeraldConfigError).message).toContain('HERALD_REPORT_EVERY: "2x" is not a duration');
  });

  it('HERALD_REPORT_EVERY=1h from the environment schedules reports; report: false turns them off even then', () => {
    const env = { ...telegramEnv(fake), HERALD_REPORT_EVERY: '1h', HERALD_REPORT_TZ: 'UTC' };
    expect(notifier({}, env).n.reportsScheduled).toBe(true);
    expect(notifier({ report: false }, env).n.reportsScheduled).toBe(false);
  });
});
