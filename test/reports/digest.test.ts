/** Digests per event kind (exact summary texts, windows, bounds) and the hold buffer of quiet hours and /mute. */
import { describe, expect, it } from 'vitest';
import type { Card } from '../../src/channels/card.js';
import { DIGEST_LIMITS, DigestBuffer, HoldBuffer, quietHeading } from '../../src/reports/digest.js';

const MIN = 60_000;
const T0 = Date.parse('2024-01-10T10:00:00Z');

/** A buffer digesting `kind` over `windowMs`, fed `payloads` one second apart, then taken at the window's end. */
function summarise(kind: string, payloads: unknown[], windowMs = 15 * MIN, text = (i: number) => `text ${i}`): string {
  const d = new DigestBuffer({ [kind]: windowMs });
  payloads.forEach((p, i) => expect(d.add(kind, p, text(i), T0 + i * 1000)).toBe(true));
  const [summary, ...rest] = d.take(T0 + windowMs);
  expect(rest).toEqual([]);
  expect(summary!.count).toBe(payloads.length);
  return summary!.text;
}

const fill = (side: string, qty: unknown, symbol = 'BTC/USDT') => ({ side, qty, symbol, price: 64000 });

describe('DigestBuffer summaries', () => {
  it('fills: count, sides and the net size per base asset', () => {
    const payloads = [...Array.from({ length: 9 }, () => fill('buy', 0.1)), ...Array.from({ length: 5 }, () => fill('sell', '0.096'))];
    expect(summarise('order.filled', payloads)).toBe('✅ 14 fills in the last 15 min: 9 buys, 5 sells, net +0.42 BTC');
  });

  it('fills over several assets; a partial fill counts what was filled; past four assets, a count', () => {
    expect(
      summarise('order.filled', [fill('buy', 1, 'BTCUSDT'), fill('sell', 3, 'ETH-USDT'), { side: 'buy', qty: 10, filledQty: 4, symbol: 'ETH/USDT' }]),
    ).toBe('✅ 3 fills in the last 15 min: 2 buys, 1 sell, net +1 BTC, +1 ETH');
    const six = ['A', 'B', 'C', 'D', 'E', 'F'].map((a) => fill('sell', 2, `${a}/USDT`));
    expect(summarise('order.filled', six, 60 * MIN)).toBe('✅ 6 fills in the last 1 h: 6 sells, net -2 A, -2 B, -2 C, -2 D, +2 more assets');
  });

  it('fills without sides or sizes: the count alone', () => {
    expect(summarise('order.filled', [{ symbol: 'X' }, 'BUY 1 X'], 30_000)).toBe('✅ 2 fills in the last 30 s');
  });

  it.each([
    ['order.submitted', [fill('buy', 1), fill('buy', 1), fill('sell', 1)], '📝 3 orders submitted in the last 15 min: 2 buys, 1 sell'],
    ['order.cancelled', [fill('sell', 1), fill('sell', 1)], '✖️ 2 orders cancelled in the last 15 min: 2 sells'],
    ['position.opened', [{ side: 'long' }, { side: 'long' }, { side: 'short' }], '📈 3 positions opened in the last 15 min: 2 long, 1 short'],
    [
      'position.increased',
      [{ symbol: 'BTC/USDT' }, { symbol: 'ETH/USDT' }, { symbol: 'BTC/USDT' }],
      '➕ 3 positions increased in the last 15 min: BTC/USDT ×2, ETH/USDT',
    ],
    ['position.reduced', [{ symbol: 'BTC/USDT' }, { symbol: 'BTC/USDT' }], '➖ 2 positions reduced in the last 15 min: BTC/USDT ×2'],
    ['position.closed', [{ pnl: 100 }, { pnl: '-30' }, { pnl: 50.5 }, {}], '💰 4 positions closed in the last 15 min: 2 in profit, PnL +120.50'],
    ['position.closed', [{ pnl: -100 }, { pnl: 30 }], '🔻 2 positions closed in the last 15 min: 1 in profit, PnL -70.00'],
    ['position.closed', [{}, {}], '🏁 2 positions closed in the last 15 min'],
  ])('%s', (kind, payloads, text) => expect(summarise(kind, payloads)).toBe(text));

  it('custom events: the count by name, then the last few texts', () => {
    const payloads = [{ name: 'signal' }, { name: 'note' }, { name: 'signal' }, { name: 'signal' }, { name: 'signal' }];
    expect(summarise('custom', payloads)).toBe('📣 5 custom events in the last 15 min (signal ×4, note), the last 3:\ntext 2\ntext 3\ntext 4');
    expect(summarise('custom', [{ name: 'a' }, { name: 'b' }])).toBe('📣 2 custom events in the last 15 min (a, b):\ntext 0\ntext 1');
  });

  it('any other kind: the count and the last few texts', () => {
    const payloads = [{ exchange: 'binance' }, { exchange: 'binance' }, { exchange: 'binance' }, { exchange: 'binance' }];
    expect(summarise('exchange.reconnected', payloads)).toBe('🗂 4 × exchange.reconnected in the last 15 min, the last 3:\ntext 1\ntext 2\ntext 3');
  });

  it("a window with one event is that event's own text and card", () => {
    const card: Card = { title: '✅ FILLED BUY 1 BTC/USDT', tone: 'good', fields: [] };
    const d = new DigestBuffer({ 'order.filled': 15 * MIN });
    d.add('order.filled', fill('buy', 1), '✅ FILLED BUY 1 BTC/USDT @ 64,000.00', T0, { card, silent: true });
    expect(d.take(T0 + 15 * MIN)).toEqual([
      { kind: 'order.filled', count: 1, text: '✅ FILLED BUY 1 BTC/USDT @ 64,000.00', card, silent: true, from: T0, until: T0 + 15 * MIN },
    ]);
  });
});

describe('DigestBuffer windows', () => {
  it('errors are never digested, and kinds without a window are not either', () => {
    const d = new DigestBuffer({ error: MIN, 'order.filled': MIN });
    expect(d.wants('error')).toBe(false);
    expect(d.add('error', { error: 'boom' }, '🚨 ERROR', T0)).toBe(false);
    expect(d.add('position.closed', {}, 'closed', T0)).toBe(false);
    expect(d.nextDueAt()).toBeUndefined();
  });

  it('a window opens with its first event and closes a window later; kinds have their own', () => {
    const d = new DigestBuffer({ 'order.filled': 15 * MIN, custom: MIN });
    d.add('order.filled', fill('buy', 1), 'a', T0);
    d.add('custom', { name: 'x' }, 'b', T0 + 5 * MIN);
    d.add('order.filled', fill('buy', 1), 'c', T0 + 10 * MIN);
    expect(d.nextDueAt()).toBe(T0 + 6 * MIN);
    expect(d.due(T0 + 6 * MIN - 1)).toBe(false);
    expect(d.take(T0 + 6 * MIN - 1)).toEqual([]);
    expect(d.due(T0 + 6 * MIN)).toBe(true);
    expect(d.take(T0 + 6 * MIN).map((s) => [s.kind, s.text])).toEqual([['custom', 'b']]);
    expect(d.nextDueAt()).toBe(T0 + 15 * MIN);
    // A late event before the take still joins its window: it has not been sent either.
    d.add('order.filled', fill('sell', 1), 'd', T0 + 16 * MIN);
    expect(d.take(T0 + 16 * MIN).map((s) => s.text)).toEqual(['✅ 3 fills in the last 15 min: 2 buys, 1 sell, net +1 BTC']);
    d.add('order.filled', fill('buy', 1), 'e', T0 + 17 * MIN);
    expect(d.nextDueAt()).toBe(T0 + 32 * MIN);
  });

  it('several due windows come earliest first; flush takes every open one', () => {
    const d = new DigestBuffer({ 'order.filled': 2 * MIN, 'order.cancelled': MIN, custom: 60 * MIN });
    d.add('order.filled', {}, 'f', T0);
    d.add('order.cancelled', {}, 'c', T0 + 30_000);
    d.add('custom', {}, 'x', T0);
    expect(d.take(T0 + 5 * MIN).map((s) => s.kind)).toEqual(['order.cancelled', 'order.filled']);
    expect(d.flush().map((s) => s.kind)).toEqual(['custom']);
    expect(d.nextDueAt()).toBeUndefined();
  });

  it('the summary is silent only when every event in it was', () => {
    const d = new DigestBuffer({ custom: MIN });
    d.add('custom', {}, 'a', T0, { silent: true });
    d.add('custom', {}, 'b', T0, { silent: false });
    expect(d.take(T0 + MIN)[0]!.silent).toBe(false);
    d.add('custom', {}, 'a', T0, { silent: true });
    d.add('custom', {}, 'b', T0, { silent: true });
    expect(d.take(T0 + MIN)[0]!.silent).toBe(true);
  });

  it('keeps memory bounded however many events arrive', () => {
    const d = new DigestBuffer({ custom: MIN, 'order.filled': MIN });
    for (let i = 0; i < 10_000; i++) {
      d.add('custom', { name: `name${i}` }, `line ${i} ${'x'.repeat(2000)}`, T0);
      d.add('order.filled', fill('buy', 1, `A${i}/USDT`), 'f', T0);
    }
    const [custom, fills] = d.take(T0 + MIN).sort((a, b) => a.kind.localeCompare(b.kind));
    expect(custom!.count).toBe(10_000);
    expect(custom!.text.split('\n')).toHaveLength(1 + DIGEST_LIMITS.lastTexts);
    expect(custom!.text.split('\n')[0]).toContain(`+${10_000 - DIGEST_LIMITS.names} more), the last 3:`);
    expect(custom!.text.split('\n')[1]).toHaveLength(DIGEST_LIMITS.textChars);
    expect(fills!.text).toBe('✅ 10000 fills in the last 1 min: 10000 buys, net +1 A0, +1 A1, +1 A2, +1 A3, more than 46 other assets');
  });

  it('a payload whose getters throw still counts', () => {
    const d = new DigestBuffer({ 'order.filled': MIN });
    const hostile = {
      get side(): never {
        throw new Error('no');
      },
    };
    d.add('order.filled', hostile, 'a', T0);
    d.add('order.filled', fill('buy', 1), 'b', T0);
    expect(d.take(T0 + MIN)[0]!.text).toBe('✅ 2 fills in the last 1 min: 1 buy, net +1 BTC');
  });
});

describe('HoldBuffer', () => {
  const night = { from: 23 * 60, to: 7 * 60 };

  it('one message at the end: the heading with the count, then each held text in order with its local time', () => {
    const h = new HoldBuffer({ timeZone: 'Europe/Berlin' });
    h.hold('✅ FILLED BUY 1 BTC/USDT', Date.parse('2024-01-10T22:14:00Z'));
    h.hold('📣 signal: long\nwith details', Date.parse('2024-01-11T01:02:00Z'));
    expect(h.size).toBe(2);
    expect(h.take(quietHeading(night))).toEqual({
      text: '🌙 Held during quiet hours (23:00–07:00): 2 notifications\n\n23:14 ✅ FILLED BUY 1 BTC/USDT\n\n02:02 📣 signal: long\nwith details',
      count: 2,
      dropped: 0,
    });
    expect(h.take(quietHeading(night))).toBeUndefined();
    expect(h.size).toBe(0);
  });

  it('never truncates a long text (the lane attaches it as a file)', () => {
    const h = new HoldBuffer({ timeZone: 'UTC' });
    const long = 'y'.repeat(50_000);
    h.hold(long, T0);
    expect(h.take('🔕 Held while muted')!.text).toBe(`🔕 Held while muted: 1 notification\n\n10:00 ${long}`);
  });

  it('bounded by bytes: the oldest go first, and the message says how many', () => {
    const h = new HoldBuffer({ timeZone: 'UTC', maxBytes: 1000 });
    for (let i = 0; i < 30; i++) h.hold(`${String(i).padStart(2, '0')} ${'€'.repeat(32)}`, T0 + i * MIN); // 99 bytes each
    const held = h.take('🔕 Held while muted')!;
    expect(held).toMatchObject({ count: 30, dropped: 20 });
    expect(held.text.split('\n')[0]).toBe('🔕 Held while muted: 30 notifications (the oldest 20 left out: over the 1000 B hold limit)');
    expect(
      held.text
        .split('\n\n')
        .slice(1)
        .map((l) => l.slice(6, 8)),
    ).toEqual(['20', '21', '22', '23', '24', '25', '26', '27', '28', '29']);
  });

  it('keeps the newest even when it alone is over the limit', () => {
    const h = new HoldBuffer({ timeZone: 'UTC', maxBytes: 10 });
    h.hold('first', T0);
    h.hold('a much longer second one', T0);
    expect(h.take('H')).toMatchObject({
      count: 2,
      dropped: 1,
      text: 'H: 2 notifications (the oldest 1 left out: over the 10 B hold limit)\n\n10:00 a much longer second one',
    });
  });

  it('stays compact through many drops', () => {
    const h = new HoldBuffer({ timeZone: 'UTC', maxBytes: 100 });
    for (let i = 0; i < 20_000; i++) h.hold(`n${i}`, T0);
    const held = h.take('H')!;
    expect(held.count).toBe(20_000);
    expect(held.text.endsWith('10:00 n19999')).toBe(true);
  });
});
