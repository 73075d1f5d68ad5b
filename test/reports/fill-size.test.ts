import { describe, expect, it } from 'vitest';
import { FillSizes } from '../../src/reports/fill-size.js';
import { DigestBuffer } from '../../src/reports/digest.js';

const order = { id: 'o1', exchange: 'binance', symbol: 'BTC/USDT', side: 'buy', qty: 1 };

describe('FillSizes', () => {
  it('reads cumulative filledQty as the increments it adds, per order', () => {
    const sizes = new FillSizes();
    expect(sizes.size({ ...order, filledQty: 0.3 })).toBeCloseTo(0.3);
    expect(sizes.size({ ...order, id: 'o2', filledQty: 0.5 })).toBeCloseTo(0.5);
    expect(sizes.size({ ...order, filledQty: 0.6 })).toBeCloseTo(0.3);
    expect(sizes.size({ ...order, filledQty: 1 })).toBeCloseTo(0.4);
    // A repeated state adds nothing.
    expect(sizes.size({ ...order, filledQty: 1 })).toBe(0);
  });

  it('takes lastFillQty as the fill’s own size, and a payload without an id as it says', () => {
    const sizes = new FillSizes();
    expect(sizes.size({ ...order, filledQty: 0.6, lastFillQty: 0.25 })).toBe(0.25);
    expect(sizes.size({ side: 'buy', symbol: 'ETH/USDT', qty: 2 })).toBe(2);
    expect(sizes.size({ side: 'buy', symbol: 'ETH/USDT', filledQty: 1.5 })).toBe(1.5);
  });
});

describe('fill digests with partial fills', () => {
  it('nets an order filled in three parts once, not the sum of its running totals', () => {
    const digest = new DigestBuffer({ 'order.filled': 60_000 });
    for (const filledQty of [0.3, 0.6, 1]) digest.add('order.filled', { ...order, filledQty }, `fill ${filledQty}`, 1000);
    const [summary] = digest.take(61_000 + 1000);
    expect(summary!.text).toMatch(/net \+1 BTC/);
  });
});
