/** The host's snapshot: read tolerantly, never trusted, never throwing. */
import { describe, expect, it } from 'vitest';
import { normaliseSnapshot, readNumber, SNAPSHOT_LIMITS } from '../../src/reports/snapshot.js';

describe('readNumber', () => {
  it.each([
    [1.5, 1.5],
    ['64210.5', 64210.5],
    [' -0.3 ', -0.3],
    ['1e-8', 1e-8],
    ['.5', 0.5],
    ['-0', 0],
  ])('%j → %d', (v, n) => expect(readNumber(v)).toBe(n));

  it.each(['1,234.5', '0x10', '', ' ', 'abc', '12abc', NaN, Infinity, null, undefined, {}, [], true])('%j is not read as a number', (v) =>
    expect(readNumber(v)).toBeUndefined(),
  );
});

it('a BigInt is not read either (hosts send decimals as numbers or strings)', () => expect(readNumber(10n)).toBeUndefined());

describe('normaliseSnapshot', () => {
  it('reads the full shape, numbers given as strings included', () => {
    const r = normaliseSnapshot({
      positions: [
        { symbol: 'BTC/USDT', side: 'long', qty: '0.5', entryPrice: '64000', markPrice: 65000, pnl: 500, pnlPct: 1.56, exchange: 'binance', strategy: 'ema' },
      ],
      balances: [{ asset: 'USDT', free: '900', total: '1000.5' }],
      equity: [
        { t: 2000, value: '10100' },
        { t: '1000', value: 10000 },
      ],
      realisedPnl: '123.4',
    });
    expect(r).toEqual({
      snapshot: {
        positions: [
          { symbol: 'BTC/USDT', side: 'long', qty: 0.5, entryPrice: 64000, markPrice: 65000, pnl: 500, pnlPct: 1.56, exchange: 'binance', strategy: 'ema' },
        ],
        balances: [{ asset: 'USDT', free: 900, total: 1000.5 }],
        equity: [
          { t: 1000, value: 10000 },
          { t: 2000, value: 10100 },
        ],
        realisedPnl: 123.4,
      },
      dropped: 0,
      notes: [],
    });
  });

  it('works out unrealised PnL and percent when the host leaves them out, for longs and shorts', () => {
    const { snapshot } = normaliseSnapshot({
      positions: [
        { symbol: 'BTC/USDT', side: 'long', qty: 2, entryPrice: 100, markPrice: 110 },
        { symbol: 'ETH/USDT', side: 'SHORT', qty: 2, entryPrice: 100, markPrice: 110 },
      ],
    });
    expect(snapshot!.positions!.map((p) => [p.side, p.pnl, p.pnlPct])).toEqual([
      ['long', 20, 10],
      ['short', -20, -10],
    ]);
  });

  it('a signed size without a side is read as its direction; a position without a mark keeps it unknown', () => {
    const { snapshot, dropped } = normaliseSnapshot({ positions: [{ symbol: 'SOL/USDT', qty: -3, entryPrice: 150 }] });
    expect(dropped).toBe(0);
    expect(snapshot!.positions).toEqual([{ symbol: 'SOL/USDT', side: 'short', qty: 3, entryPrice: 150 }]);
  });

  it('drops the rows it cannot read, counts them and says why for the first few', () => {
    const r = normaliseSnapshot({
      positions: [
        null,
        { side: 'long', qty: 1, entryPrice: 1 },
        { symbol: 'A', side: 'up', qty: 1, entryPrice: 1 },
        { symbol: 'B', side: 'long', qty: 'lots', entryPrice: 1 },
        { symbol: 'C', side: 'long', qty: 1, entryPrice: '1,000' },
        { symbol: 'D', side: 'long', qty: 1, entryPrice: 1, markPrice: 2 },
      ],
      balances: [{ asset: 'BTC' }, { total: 1 }],
      equity: [{ t: 'yesterday', value: 1 }],
      realisedPnl: 'much',
    });
    expect(r.snapshot!.positions!.map((p) => p.symbol)).toEqual(['D']);
    expect(r.snapshot!.balances).toEqual([]);
    expect(r.snapshot!.equity).toEqual([]);
    expect(r.snapshot!.realisedPnl).toBeUndefined();
    expect(r.dropped).toBe(9);
    expect(r.notes).toEqual([
      'positions[0]: not an object',
      'positions[1]: no symbol',
      'positions[2] (A): side is not long or short',
      'positions[3] (B): qty is not a number other than 0',
      'positions[4] (C): entryPrice is not a number',
    ]);
  });

  it('lists that are not lists are dropped; a missing positions list means "unknown", not "none"', () => {
    const r = normaliseSnapshot({ positions: { BTC: 1 }, balances: 'many' });
    expect(r.snapshot).toEqual({});
    expect(r.dropped).toBe(2);
    expect(normaliseSnapshot({ balances: [] }).snapshot).toEqual({ balances: [] });
  });

  it('something that is not an object is no snapshot', () => {
    for (const v of [null, 'state', 42, [1, 2]]) expect(normaliseSnapshot(v)).toEqual({ dropped: 1, notes: ['the snapshot is not an object'] });
  });

  it('reads equity times as ISO dates or Dates; one point per instant, the later row wins', () => {
    const { snapshot } = normaliseSnapshot({
      equity: [
        { t: '2024-01-10T00:00:00Z', value: 1 },
        { t: new Date('2024-01-09T00:00:00Z'), value: 2 },
        { t: '2024-01-10T00:00:00Z', value: 3 },
      ],
    });
    expect(snapshot!.equity).toEqual([
      { t: Date.parse('2024-01-09T00:00:00Z'), value: 2 },
      { t: Date.parse('2024-01-10T00:00:00Z'), value: 3 },
    ]);
  });

  it('keeps at most the limit of each list: the first positions, the newest equity points', () => {
    const positions = Array.from({ length: SNAPSHOT_LIMITS.positions + 10 }, (_, i) => ({ symbol: `S${i}`, side: 'long', qty: 1, entryPrice: 1 }));
    const equity = Array.from({ length: SNAPSHOT_LIMITS.equity + 5 }, (_, i) => ({ t: i, value: i }));
    const r = normaliseSnapshot({ positions, equity });
    expect(r.snapshot!.positions).toHaveLength(SNAPSHOT_LIMITS.positions);
    expect(r.snapshot!.positions!.at(-1)!.symbol).toBe(`S${SNAPSHOT_LIMITS.positions - 1}`);
    expect(r.snapshot!.equity).toHaveLength(SNAPSHOT_LIMITS.equity);
    expect(r.snapshot!.equity![0]).toEqual({ t: 5, value: 5 });
    expect(r.dropped).toBe(15);
  });

  it('never throws, even on a host object whose getters do', () => {
    const hostile = {
      get positions(): never {
        throw new Error('state is locked');
      },
    };
    expect(normaliseSnapshot(hostile)).toEqual({ dropped: 1, notes: ['the snapshot could not be read: state is locked'] });
  });
});
