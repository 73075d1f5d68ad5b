/** The period's tally and the positions followed from events. */
import { describe, expect, it } from 'vitest';
import { ACTIVITY_LIMITS, ActivityTally, PositionBook } from '../../src/reports/activity.js';

describe('ActivityTally', () => {
  it('counts fills per side and per symbol, with net size and notional', () => {
    const t = new ActivityTally(0);
    t.record('order.filled', { symbol: 'BTC/USDT', side: 'buy', qty: 1, price: 100 }, 1);
    t.record('order.filled', { symbol: 'BTC/USDT', side: 'sell', qty: '0.25', avgPrice: '120' }, 2);
    // A partial fill counts what was filled.
    t.record('order.filled', { symbol: 'ETH/USDT', side: 'BUY', qty: 10, filledQty: 4, price: 10 }, 3);
    const f = t.peek(5);
    expect(f.from).toBe(0);
    expect(f.to).toBe(5);
    expect(f.fills).toEqual({
      count: 3,
      buys: 2,
      sells: 1,
      untallied: 0,
      bySymbol: [
        { symbol: 'BTC/USDT', buys: 1, sells: 1, buyQty: 1, sellQty: 0.25, netQty: 0.75, notional: 130 },
        { symbol: 'ETH/USDT', buys: 1, sells: 0, buyQty: 4, sellQty: 0, netQty: 4, notional: 40 },
      ],
    });
  });

  it('counts orders, closed positions with wins and realised PnL, and errors with the last one', () => {
    const t = new ActivityTally(0);
    t.record('order.submitted', { symbol: 'X' }, 1);
    t.record('order.cancelled', { symbol: 'X' }, 2);
    t.record('position.closed', { symbol: 'X', pnl: 30 }, 10);
    t.record('position.closed', { symbol: 'X', pnl: '-10' }, 20);
    t.record('position.closed', { symbol: 'X' }, 30);
    t.record('error', new Error('socket hang up'), 40);
    expect(t.peek(45).errors.last).toEqual({ text: 'socket hang up', at: 40 });
    t.record('error', new TypeError('x is undefined'), 45);
    expect(t.peek(46).errors.last!.text).toBe('TypeError: x is undefined');
    t.record('custom', { name: 'risk', level: 'error', message: 'drawdown 8%\nmore detail' }, 50);
    const f = t.peek(60);
    expect(f.orders).toEqual({ submitted: 1, cancelled: 1 });
    expect(f.closed).toEqual({
      count: 3,
      wins: 1,
      losses: 1,
      withPnl: 2,
      realisedPnl: 20,
      curve: [
        { t: 10, value: 30 },
        { t: 20, value: 20 },
      ],
    });
    expect(f.errors).toEqual({ count: 3, last: { text: 'drawdown 8%', at: 50 } });
  });

  it('take returns the period and starts the next; the last error stays for /status', () => {
    const t = new ActivityTally(0);
    t.record('order.filled', { symbol: 'X', side: 'buy', qty: 1 }, 1);
    t.record('error', { error: 'boom' }, 2);
    expect(t.take(100).fills.count).toBe(1);
    const next = t.peek(150);
    expect(next.from).toBe(100);
    expect(next.fills).toEqual({ count: 0, buys: 0, sells: 0, bySymbol: [], untallied: 0 });
    expect(next.errors).toEqual({ count: 0, last: { text: 'boom', at: 2 } });
  });

  it('ignores what it cannot read and never throws', () => {
    const t = new ActivityTally(0);
    const hostile = {
      get side(): never {
        throw new Error('no');
      },
    };
    expect(() => t.record('order.filled', hostile, 1)).not.toThrow();
    t.record('order.filled', 'BUY 1 BTC', 1);
    t.record('session.started', { mode: 'live' }, 1);
    expect(t.peek(2).fills.count).toBe(0);
  });

  it('keeps memory bounded: symbols past the limit are counted but not tallied, the curve is thinned', () => {
    const t = new ActivityTally(0);
    for (let i = 0; i < ACTIVITY_LIMITS.symbols + 50; i++) t.record('order.filled', { symbol: `S${i}`, side: 'buy', qty: 1 }, i);
    for (let i = 1; i <= 2000; i++) t.record('position.closed', { pnl: 1 }, i);
    const f = t.peek(3000);
    expect(f.fills.count).toBe(ACTIVITY_LIMITS.symbols + 50);
    expect(f.fills.bySymbol).toHaveLength(ACTIVITY_LIMITS.symbols);
    expect(f.fills.untallied).toBe(50);
    expect(f.closed.curve.length).toBeLessThanOrEqual(ACTIVITY_LIMITS.curve);
    expect(f.closed.curve.length).toBeGreaterThan(ACTIVITY_LIMITS.curve / 2);
    expect(f.closed.curve.at(-1)).toEqual({ t: 2000, value: 2000 });
    expect(f.closed.curve[0]).toEqual({ t: 1, value: 1 });
  });

  it('caps a long error text', () => {
    const t = new ActivityTally(0);
    t.record('error', { error: 'x'.repeat(1000) }, 1);
    expect(t.peek(2).errors.last!.text).toHaveLength(ACTIVITY_LIMITS.errorText);
  });
});

describe('PositionBook', () => {
  it('follows a position from open to close, marked at the last fill price', () => {
    const b = new PositionBook();
    b.record('position.opened', { symbol: 'BTC/USDT', side: 'long', qty: 1, entryPrice: 100, exchange: 'binance' });
    expect(b.positions()).toEqual([{ symbol: 'BTC/USDT', side: 'long', qty: 1, entryPrice: 100, exchange: 'binance' }]);
    b.record('order.filled', { symbol: 'BTC/USDT', side: 'buy', qty: 1, avgPrice: 110 });
    b.record('position.increased', { symbol: 'BTC/USDT', side: 'long', qty: 2, exchange: 'binance' });
    expect(b.positions()).toEqual([{ symbol: 'BTC/USDT', side: 'long', qty: 2, entryPrice: 100, exchange: 'binance', markPrice: 110, pnl: 20, pnlPct: 10 }]);
    b.record('position.reduced', { symbol: 'BTC/USDT', qty: '0.5', entryPrice: 104, exchange: 'binance' });
    expect(b.positions()[0]).toMatchObject({ qty: 0.5, entryPrice: 104, side: 'long' });
    b.record('position.closed', { symbol: 'BTC/USDT', exchange: 'binance', exitPrice: 120 });
    expect(b.positions()).toEqual([]);
  });

  it('a short gains when the price falls; one position per exchange, strategy and symbol', () => {
    const b = new PositionBook();
    b.record('position.opened', { symbol: 'ETH/USDT', side: 'short', qty: 2, entryPrice: 100, strategy: 'a' });
    b.record('position.opened', { symbol: 'ETH/USDT', side: 'long', qty: 1, entryPrice: 90, strategy: 'b' });
    b.record('order.filled', { symbol: 'ETH/USDT', price: 95 });
    expect(b.positions().map((p) => [p.strategy, p.pnl, p.pnlPct])).toEqual([
      ['a', 10, 5],
      ['b', 5, (5 / 90) * 100],
    ]);
  });

  it('skips positions it cannot read, and counts those past its limit', () => {
    const b = new PositionBook();
    b.record('position.opened', { symbol: 'X', side: 'long', qty: 'some' });
    b.record('position.opened', null);
    expect(b.positions()).toEqual([]);
    for (let i = 0; i < ACTIVITY_LIMITS.positions + 3; i++) b.record('position.opened', { symbol: `S${i}`, side: 'long', qty: 1, entryPrice: 1 });
    expect(b.positions()).toHaveLength(ACTIVITY_LIMITS.positions);
    expect(b.untracked).toBe(3);
  });
});
