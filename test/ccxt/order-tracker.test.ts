/** Each state change of an order is told once, whichever source says it first. */
import { describe, expect, it } from 'vitest';
import type { CcxtOrder } from '../../src/ccxt/exchange-like.js';
import { OrderTracker } from '../../src/ccxt/order-tracker.js';

const ctx = { exchange: 'binance', strategy: 'grid', mode: 'live' } as const;
const limit = (o: Partial<CcxtOrder> = {}): CcxtOrder => ({
  id: '7',
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'limit',
  amount: 1,
  price: 60_000,
  filled: 0,
  status: 'open',
  ...o,
});
const kinds = (t: OrderTracker, o: CcxtOrder, origin: 'placed' | 'cancel' | 'update' = 'update') => t.update(o, origin).map((n) => n.kind);

describe('OrderTracker', () => {
  it('submitted once, a partial fill each time more is filled, then filled, then quiet', () => {
    const t = new OrderTracker(ctx);
    expect(kinds(t, limit(), 'placed')).toEqual(['order.submitted']);
    expect(kinds(t, limit())).toEqual([]);
    expect(kinds(t, limit({ filled: 0.2 }))).toEqual(['order.filled']);
    expect(kinds(t, limit({ filled: 0.2 }))).toEqual([]);
    // An older update arriving late (less filled) says nothing.
    expect(kinds(t, limit({ filled: 0.1 }))).toEqual([]);
    expect(kinds(t, limit({ filled: 1, status: 'closed', average: 59_990 }))).toEqual(['order.filled']);
    expect(kinds(t, limit({ filled: 1, status: 'closed' }))).toEqual([]);
    expect(t.open()).toEqual([]);
  });

  it('a partial fill reads as one (filled < qty); the final fill reports what was filled as the quantity', () => {
    const t = new OrderTracker(ctx);
    const [partial] = t.update(limit({ filled: 0.4, average: 60_000, remaining: 0.6 }), 'placed').slice(1);
    expect(partial?.payload).toMatchObject({ qty: 1, filledQty: 0.4, avgPrice: 60_000, remaining: 0.6, exchange: 'binance', strategy: 'grid', mode: 'live' });
    const [final] = t.update(limit({ filled: 0.9, status: 'closed', fee: { cost: 0.0009, currency: 'BTC' } }), 'update');
    expect(final?.payload).toMatchObject({ qty: 0.9, filledQty: 0.9, fee: 0.0009, feeCurrency: 'BTC' });
  });

  it('the stream can beat the REST answer: the answer then adds nothing', () => {
    const t = new OrderTracker(ctx);
    expect(kinds(t, limit({ filled: 1, status: 'closed' }), 'update')).toEqual(['order.filled']);
    expect(kinds(t, limit({ filled: 1, status: 'closed' }), 'placed')).toEqual([]);
  });

  it("a cancel answer with only the id is cancelled, with the order's known details", () => {
    const t = new OrderTracker(ctx);
    t.update(limit({ filled: 0.3 }), 'placed');
    const [n] = t.update({ id: '7' }, 'cancel');
    expect(n?.kind).toBe('order.cancelled');
    expect(n?.payload).toMatchObject({ symbol: 'BTC/USDT', side: 'buy', qty: 1, filledQty: 0.3, price: 60_000 });
  });

  it('expired is a cancel with its reason; rejected is an error', () => {
    const t = new OrderTracker(ctx);
    const [expired] = t.update(limit({ id: '1', status: 'expired' }), 'update');
    expect(expired).toMatchObject({ kind: 'order.cancelled', payload: { reason: 'expired' } });
    const [rejected] = t.update(limit({ id: '2', status: 'rejected' }), 'update');
    expect(rejected).toMatchObject({
      kind: 'error',
      payload: { error: 'order rejected: BUY 1 BTC/USDT LIMIT @ 60,000.00', symbol: 'BTC/USDT', strategy: 'grid' },
    });
  });

  it('polling follows only open orders placed through Herald, per symbol', () => {
    const t = new OrderTracker(ctx);
    t.update(limit({ id: 'a' }), 'placed');
    t.update(limit({ id: 'b', symbol: 'ETH/USDT' }), 'placed');
    t.update(limit({ id: 'c' }), 'update'); // seen on the stream only
    t.update(limit({ id: 'd', status: 'closed', filled: 1 }), 'placed');
    expect(t.open().map((o) => o.id)).toEqual(['a', 'b']);
    expect(t.open('ETH/USDT').map((o) => o.id)).toEqual(['b']);
    t.forget('a');
    expect(t.open().map((o) => o.id)).toEqual(['b']);
  });

  it('a market price of 0 (unknown until filled) is not shown as a price', () => {
    const t = new OrderTracker(ctx);
    const [n] = t.update(limit({ type: 'market', price: 0 }), 'placed');
    expect(n?.payload).not.toHaveProperty('price');
  });

  it('memory stays bounded: finished orders are forgotten beyond the newest 2000', () => {
    const t = new OrderTracker(ctx);
    for (let i = 0; i < 2500; i++) t.update(limit({ id: String(i), status: 'closed', filled: 1 }), 'update');
    // The oldest finished order is no longer remembered; the newest still is (a repeat stays quiet).
    expect(t.get('0')).toBeUndefined();
    expect(t.get('2499')).toBeDefined();
    expect(kinds(t, limit({ id: '2499', status: 'closed', filled: 1 }))).toEqual([]);
  });
});
