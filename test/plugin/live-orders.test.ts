import { describe, expect, it } from 'vitest';
import { LiveOrders } from '../../src/plugin/live-orders.js';
import { DEFAULT_TEMPLATES, type EventKind, type Payload } from '../../src/plugin/templates.js';

const clock = (at: number): string => `t${at}`;
const order = { id: '42', exchange: 'binance', symbol: 'BTC/USDT', side: 'buy', type: 'limit', qty: 1, price: 64_000, strategy: 'ema' };

function step(live: LiveOrders, kind: EventKind, p: Payload, at: number) {
  const text = DEFAULT_TEMPLATES[kind](p);
  const short = DEFAULT_TEMPLATES[kind]({ ...p, exchange: undefined, strategy: undefined });
  return live.update(kind, p, text, short, undefined, at);
}

describe('LiveOrders', () => {
  it('keeps one key per order; partial fills update quietly and the completing fill carries an alert', () => {
    const live = new LiveOrders(clock);
    const a = step(live, 'order.filled', { ...order, filledQty: 0.3, avgPrice: 64_000 }, 1);
    const b = step(live, 'order.filled', { ...order, filledQty: 0.6, avgPrice: 63_995 }, 2);
    const c = step(live, 'order.filled', { ...order, filledQty: 1, avgPrice: 63_989 }, 3);
    expect(a?.live).toEqual({ key: 'order:binance:BTC/USDT:ema:42' });
    // Later states carry their own text too, for destinations that cannot edit (no history there).
    expect(b?.live).toEqual({
      key: 'order:binance:BTC/USDT:ema:42',
      single: { text: DEFAULT_TEMPLATES['order.filled']({ ...order, filledQty: 0.6, avgPrice: 63_995 }) },
    });
    expect(c?.live.key).toBe('order:binance:BTC/USDT:ema:42');
    expect(c?.live.alert).toBe('✅ FILLED BUY 1 BTC/USDT @ 63,989.00 · binance · ema');
    // The first state alone; later ones lead with the current state and keep the timeline.
    expect(a?.text).toBe(DEFAULT_TEMPLATES['order.filled']({ ...order, filledQty: 0.3, avgPrice: 64_000 }));
    expect(c?.text.split('\n')).toEqual([
      '✅ FILLED BUY 1 BTC/USDT @ 63,989.00 · binance · ema',
      't1 🟡 PARTIAL FILL BUY 0.3 of 1 BTC/USDT @ 64,000.00 (0.7 remaining)',
      't2 🟡 PARTIAL FILL BUY 0.6 of 1 BTC/USDT @ 63,995.00 (0.4 remaining)',
      't3 ✅ FILLED BUY 1 BTC/USDT @ 63,989.00',
    ]);
  });

  it('puts the position the order opened and closed on its message; the close rings', () => {
    const live = new LiveOrders(clock);
    step(live, 'order.filled', { ...order, filledQty: 1 }, 1);
    const opened = step(live, 'position.opened', { exchange: 'binance', symbol: 'BTC/USDT', strategy: 'ema', side: 'long', qty: 1, entryPrice: 64_000 }, 2);
    const closed = step(
      live,
      'position.closed',
      { exchange: 'binance', symbol: 'BTC/USDT', strategy: 'ema', side: 'long', qty: 1, entryPrice: 64_000, exitPrice: 65_000, pnl: 1000, pnlPct: 1.56 },
      3,
    );
    expect(opened?.live.key).toBe('order:binance:BTC/USDT:ema:42');
    expect(opened?.live.alert).toBeUndefined();
    expect(closed?.live.alert).toMatch(/^💰 CLOSED LONG 1 BTC\/USDT @ 65,000.00 · PnL \+1,000(\.00)? \(\+1\.56%\)/);
    // After the close, a position event has no order message to go to: it is a message of its own.
    expect(step(live, 'position.opened', { exchange: 'binance', symbol: 'BTC/USDT', strategy: 'ema', side: 'long', qty: 1, entryPrice: 1 }, 4)).toBeUndefined();
  });

  it('leaves orders without an id, and positions of other symbols, to ordinary messages', () => {
    const live = new LiveOrders(clock);
    expect(step(live, 'order.filled', { ...order, id: undefined }, 1)).toBeUndefined();
    step(live, 'order.filled', order, 2);
    expect(step(live, 'position.opened', { exchange: 'binance', symbol: 'ETH/USDT', strategy: 'ema', side: 'long', qty: 1, entryPrice: 1 }, 3)).toBeUndefined();
  });

  it('keeps the timeline bounded and says how many earlier states it left out', () => {
    const live = new LiveOrders(clock);
    let last;
    for (let i = 1; i <= 20; i++) last = step(live, 'order.filled', { ...order, qty: 100, filledQty: i }, i);
    const lines = last!.text.split('\n');
    expect(lines[1]).toBe('… 8 earlier');
    expect(lines).toHaveLength(14);
    expect(lines.at(-1)).toMatch(/^t20 🟡 PARTIAL FILL BUY 20 of 100/);
  });

  it('adds the timeline to the card description', () => {
    const live = new LiveOrders(clock);
    const card = { title: 'FILLED', tone: 'good' as const, fields: [] };
    live.update('order.filled', { ...order, filledQty: 0.5 }, 'a', 'a', card, 1);
    const m = live.update('order.filled', { ...order, filledQty: 1 }, 'b', 'b', card, 2);
    expect(m?.card?.description).toBe('t1 a\nt2 b');
  });
});
