/**
 * Digests through the plugin, on the wire against the fake Telegram with fake time: a burst of
 * fills in a window becomes one summary, a lone fill stays its own message, errors are never
 * digested, the session's end sends an open window before the drain, and digest mistakes are
 * start-up errors reported with the environment's.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Env } from '../../src/config/env.js';
import { HeraldConfigError, heraldPlugin, type HeraldHandle, type HeraldPluginOptions } from '../../src/index.js';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';
import { advanceTo, CHAT, fakeClock, realPause, roomyLimits, telegramEnv, until, installPlugin } from '../fixtures/wiring.js';

let fake: FakePlatformServer;
const handles: HeraldHandle[] = [];

beforeEach(async () => {
  fake = await FakePlatformServer.start(roomyLimits);
  fakeClock('2026-03-02T10:00:00Z');
});

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(handles.splice(0).map((h) => h.close(1000)));
  await fake.close();
});

function install(options: Omit<HeraldPluginOptions, 'env'> = {}, extra: Env = {}) {
  return installPlugin(fake, handles, { events: { 'order.filled': { digest: '15m' } }, ...options }, extra);
}

const texts = (): string[] => fake.messagesFor('telegram', CHAT).map((m) => m.text);
/** What arrived, line by line: the lane packs notifications queued together into one message. */
const lines = (): string[] => texts().flatMap((t) => t.split('\n'));
const buy = { symbol: 'BTC/USDT', side: 'buy', qty: 0.1, price: 64000 };
const sell = { symbol: 'BTC/USDT', side: 'sell', qty: 0.096, price: 64100 };

describe('digests', () => {
  it('14 fills in 15 min: nothing until the window closes, then one summary', async () => {
    const { host } = install();
    for (let i = 0; i < 14; i++) {
      host.emit('order.filled', i < 9 ? buy : sell);
      await advanceTo(new Date(Date.parse('2026-03-02T10:00:00Z') + (i + 1) * 60_000).toISOString());
    }
    await realPause(20);
    expect(texts()).toEqual([]);
    await advanceTo('2026-03-02T10:15:00Z');
    await until(() => expect(texts()).toEqual(['✅ 14 fills in the last 15 min: 9 buys, 5 sells, net +0.42 BTC']));
    // The next fill opens a new window.
    host.emit('order.filled', buy);
    await advanceTo('2026-03-02T10:30:00Z');
    await until(() => expect(texts()).toHaveLength(2));
    expect(texts()[1]).toBe('✅ FILLED BUY 0.1 BTC/USDT @ 64,000.00');
  });

  it('one fill in the window: its own message, as it would have been', async () => {
    const { host } = install();
    host.emit('order.filled', { ...buy, exchange: 'binance' });
    await advanceTo('2026-03-02T10:15:00Z');
    await until(() => expect(texts()).toEqual(['✅ FILLED BUY 0.1 BTC/USDT @ 64,000.00 · binance']));
  });

  it('errors are never digested: an error event and an error-level custom event go at once while fills wait', async () => {
    const { host } = install({ events: { 'order.filled': { digest: '15m' }, custom: { digest: '15m' } } });
    host.emit('order.filled', buy);
    host.emit('error', 'exchange down');
    host.emit('custom', { name: 'risk', message: 'drawdown limit hit', level: 'error' });
    host.emit('custom', { name: 'note', message: 'just a note' });
    await until(() => expect(lines().join('\n')).toContain('drawdown limit hit'));
    expect(lines().join('\n')).toContain('exchange down');
    expect(lines().join('\n')).not.toContain('just a note');
    expect(lines().join('\n')).not.toContain('FILLED');
    await advanceTo('2026-03-02T10:15:00Z');
    await until(() => expect(lines()).toEqual(expect.arrayContaining(['✅ FILLED BUY 0.1 BTC/USDT @ 64,000.00', '📣 note: just a note'])));
  });

  it('session.terminated sends an open window before the drain', async () => {
    const { host, handle } = install();
    const order: string[] = [];
    handle.notifier.on('queued', (e) => void order.push(`queued ${e.seq}`));
    const realFlush = handle.notifier.flush.bind(handle.notifier);
    vi.spyOn(handle.notifier, 'flush').mockImplementation((timeoutMs) => {
      order.push('flush');
      return realFlush(timeoutMs);
    });
    host.emit('order.filled', buy);
    host.emit('order.filled', sell);
    await advanceTo('2026-03-02T10:05:00Z');
    host.emit('session.terminated', { mode: 'paper', reason: 'done' });
    await until(() => expect(lines()).toContain('✅ 2 fills in the last 15 min: 1 buy, 1 sell, net +0.004 BTC'));
    expect(lines()[0]).toBe('🔴 SESSION ENDED · paper · done');
    // Both messages (the session's end, the digest) were queued before the drain began.
    expect(order.indexOf('flush')).toBe(2);
  });
});

describe('digest settings at start-up', () => {
  it("digest on 'error' is a HeraldConfigError", () => {
    expect(() => heraldPlugin({ env: telegramEnv(fake), drainOnExit: false, events: { error: { digest: '15m' } } })).toThrow(HeraldConfigError);
    try {
      heraldPlugin({ env: telegramEnv(fake), drainOnExit: false, events: { error: { digest: '15m' } } });
    } catch (err) {
      expect((err as HeraldConfigError).problems).toEqual([
        expect.objectContaining({ variable: "events['error'].digest", message: 'errors are never digested' }),
      ]);
    }
  });

  it('digest mistakes are reported together with a bad environment variable', () => {
    let error: unknown;
    try {
      heraldPlugin({
        env: telegramEnv(fake, { GENERAL_TELEGRAM_BOT_TOKEN: 'not-a-token' }),
        drainOnExit: false,
        events: { 'order.filled': { digest: '2x' }, error: { digest: '1h' } },
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(HeraldConfigError);
    expect((error as HeraldConfigError).problems.map((p) => p.variable)).toEqual(
      expect.arrayContaining(['GENERAL_TELEGRAM_BOT_TOKEN', "events['order.filled'].digest", "events['error'].digest"]),
    );
  });
});
