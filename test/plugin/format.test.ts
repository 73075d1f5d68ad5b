/** Number formatting for trading messages. */
import { describe, expect, it } from 'vitest';
import { formatDuration, formatField, formatPct, formatPrice, formatQty, formatSigned, inline, toNumber } from '../../src/plugin/format.js';

describe('toNumber', () => {
  it('accepts numbers, numeric strings and bigints; rejects the rest', () => {
    expect(toNumber(1.5)).toBe(1.5);
    expect(toNumber(' 64210.5 ')).toBe(64210.5);
    expect(toNumber('1e3')).toBe(1000);
    expect(toNumber(10n)).toBe(10);
    for (const v of [NaN, Infinity, -Infinity, '', '   ', 'abc', '12abc', null, undefined, {}, [], true]) expect(toNumber(v), String(v)).toBeUndefined();
  });

  it('reads -0 as 0, so no message says "-0"', () => {
    for (const v of [-0, '-0', '-0.000']) expect(Object.is(toNumber(v), 0), String(v)).toBe(true);
    expect(formatQty(-0)).toBe('0');
    expect(formatSigned(-0)).toBe('0.00');
  });
});

describe('inline', () => {
  it('any value as text on one line: objects as compact JSON, cycles and BigInts too, never "[object Object]"', () => {
    const cyclic: Record<string, unknown> = { base: 'BTC' };
    cyclic.self = cyclic;
    expect(inline({ base: 'BTC', quote: 'USDT' })).toBe('{"base":"BTC","quote":"USDT"}');
    expect(inline(cyclic)).toBe('{"base":"BTC","self":"[Circular]"}');
    expect(inline({ n: 2n })).toBe('{"n":"2"}');
    expect(inline(new Error('nope'))).toBe('nope');
    expect(inline(Symbol('s'))).toBe('Symbol(s)');
    expect(inline('cut \ud83d')).toBe('cut \ufffd');
    expect(inline(null)).toBe('');
  });
});

describe('formatPrice', () => {
  it.each([
    [64210.5, '64,210.50'],
    ['64210.5', '64,210.50'],
    ['64210.50000000', '64,210.50'],
    [1000, '1,000.00'],
    [-1234.5, '-1,234.50'],
    [1e12, '1,000,000,000,000.00'],
    [12.5, '12.50'],
    [1.23456789, '1.2346'],
    [1, '1.00'],
    [0.5, '0.5'],
    [0.00012345, '0.00012345'],
    ['0.00000123456789', '0.00000123457'],
    [-0.0042, '-0.0042'],
    [0, '0'],
    [-0, '0'],
    ['0', '0'],
    [10n, '10.00'],
  ] as const)('%s → %s', (input, expected) => {
    expect(formatPrice(input)).toBe(expected);
  });

  it('leaves what is not a number as text', () => {
    expect(formatPrice(NaN)).toBe('NaN');
    expect(formatPrice('n/a')).toBe('n/a');
    expect(formatPrice(Infinity)).toBe('Infinity');
    expect(formatPrice(undefined)).toBe('');
    expect(formatPrice(null)).toBe('');
  });
});

describe('formatQty', () => {
  it.each([
    [0.5, '0.5'],
    ['0.50000000', '0.5'],
    [1250, '1,250'],
    [123456789012, '123,456,789,012'],
    ['0.00000001', '0.00000001'],
    [0.123456789, '0.12345679'],
    [-2, '-2'],
    [0, '0'],
  ] as const)('%s → %s', (input, expected) => {
    expect(formatQty(input)).toBe(expected);
  });

  it('leaves what is not a number as text', () => {
    expect(formatQty(NaN)).toBe('NaN');
    expect(formatQty('all')).toBe('all');
    expect(formatQty(undefined)).toBe('');
  });
});

describe('formatSigned and formatPct', () => {
  it.each([
    [899.75, '+899.75'],
    ['899.75', '+899.75'],
    [-120.5, '-120.50'],
    ['-120.5', '-120.50'],
    [0, '0.00'],
    [-0, '0.00'],
    [1234567.891, '+1,234,567.89'],
  ] as const)('formatSigned(%s) → %s', (input, expected) => {
    expect(formatSigned(input)).toBe(expected);
  });

  it.each([
    [2.8, '+2.80%'],
    ['2.8', '+2.80%'],
    [-1.234, '-1.23%'],
    [0, '0.00%'],
    [150, '+150.00%'],
  ] as const)('formatPct(%s) → %s', (input, expected) => {
    expect(formatPct(input)).toBe(expected);
  });

  it('leaves what is not a number as text', () => {
    expect(formatSigned(NaN)).toBe('NaN');
    expect(formatSigned('n/a')).toBe('n/a');
    expect(formatPct(NaN)).toBe('NaN');
    expect(formatPct('n/a')).toBe('n/a');
    expect(formatPct(undefined)).toBe('');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [999, '1 s'],
    [12345, '12.3 s'],
    ['12345', '12.3 s'],
    [45_000, '45 s'],
    [60_000, '1 min'],
    [185_000, '3 min 5 s'],
    [600_000, '10 min'],
  ] as const)('%s ms → %s', (input, expected) => {
    expect(formatDuration(input)).toBe(expected);
  });

  it('never shows 60 seconds: rounding up carries into the minutes', () => {
    expect(formatDuration(119_500)).toBe('2 min');
    expect(formatDuration(59_999)).toBe('1 min');
  });

  it('leaves what is not a number as text', () => {
    expect(formatDuration(NaN)).toBe('NaN');
    expect(formatDuration('soon')).toBe('soon');
    expect(formatDuration(undefined)).toBe('');
  });
});

describe('formatField', () => {
  it('chooses the format by the field name', () => {
    expect(formatField('avgPrice', '64210.5')).toBe('64,210.50');
    expect(formatField('entryPrice', 3000)).toBe('3,000.00');
    expect(formatField('pnl', -5)).toBe('-5.00');
    expect(formatField('pnlPct', 1.5)).toBe('+1.50%');
    expect(formatField('filledQty', '0.40')).toBe('0.4');
    expect(formatField('downtimeMs', 185_000)).toBe('3 min 5 s');
    expect(formatField('symbol', 'BTC-USDT')).toBe('BTC-USDT');
    expect(formatField('symbols', ['BTC-USDT', 'ETH-USDT'])).toBe('["BTC-USDT","ETH-USDT"]');
    expect(formatField('error', new TypeError('bad'))).toBe('bad');
    expect(formatField('anything', null)).toBe('');
    expect(formatField('anything', undefined)).toBe('');
    expect(formatField('count', 3)).toBe('3');
  });

  it('does not take names that merely end in "ms" (items, alarms) for durations', () => {
    expect(formatField('items', 3)).toBe('3');
    expect(formatField('alarms', 12)).toBe('12');
  });
});
