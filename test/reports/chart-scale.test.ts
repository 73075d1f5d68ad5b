import { describe, expect, it } from 'vitest';
import { decimalsFor, formatChange, formatTick, formatValue, niceTicks } from '../../src/reports/chart-scale.js';
import { prng } from '../fixtures/prng.js';

describe('niceTicks', () => {
  it('4 to 6 evenly spaced ticks on 1, 2, 2.5 or 5 × 10^k covering the range, for ranges of every size', () => {
    const random = prng(42);
    const bad: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const scale = 10 ** Math.floor(random() * 30 - 15);
      const lo = (random() - 0.5) * 100 * scale;
      const hi = lo + random() * 100 * scale + scale * 1e-3;
      const { values, step, min, max } = niceTicks(lo, hi);
      const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
      const problems = [
        values.length >= 4 && values.length <= 6 ? '' : `${values.length} ticks`,
        [1, 2, 2.5, 5].some((m) => Math.abs(mantissa - m) < 1e-6) ? '' : `step ${step}`,
        // Widened only onto the ticks just outside the range.
        min <= lo && lo - min < step && max >= hi && max - hi < step ? '' : `axis ${min}..${max}`,
        values.every((v, k) => v >= min - step * 1e-6 && v <= max + step * 1e-6 && (k === 0 || Math.abs((v - (values[k - 1] as number)) / step - 1) < 1e-6))
          ? ''
          : `values ${values.join(' ')}`,
      ].filter(Boolean);
      if (problems.length > 0) bad.push(`${lo}..${hi}: ${problems.join(', ')}`);
    }
    expect(bad).toEqual([]);
  });

  it('round values without float noise', () => {
    expect(niceTicks(0, 1).values).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(niceTicks(-0.1, 0.9).values).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(9928, 10775).values).toEqual([10000, 10200, 10400, 10600]);
  });

  it('widens onto the ticks outside when no nice step fits 4 inside', () => {
    // 3.7 steps of 0.5 hold 3 ticks, 7.4 steps of 0.25 hold 7.
    expect(niceTicks(-4.38, -2.53)).toEqual({ min: -4.5, max: -2.5, values: [-4.5, -4, -3.5, -3, -2.5], step: 0.5 });
  });

  it('widens a flat range around its value, or around zero', () => {
    const flat = niceTicks(100, 100);
    expect(flat.min).toBeLessThan(100);
    expect(flat.max).toBeGreaterThan(100);
    expect(flat.values).toContain(100);
    const zero = niceTicks(0, 0);
    expect([zero.min, zero.max]).toEqual([-1, 1]);
    expect(zero.values).toContain(0);
  });
});

describe('formatting', () => {
  it('decimalsFor follows the step', () => {
    expect([decimalsFor(500), decimalsFor(1), decimalsFor(0.25), decimalsFor(0.005)]).toEqual([0, 0, 2, 3]);
  });

  it('tick labels: separators, a true minus, suffixes from a million, exponents at the extremes', () => {
    expect(formatTick(12000, 2000, 12000)).toBe('12,000');
    expect(formatTick(-2000, 1000, 2000)).toBe('\u22122,000');
    expect(formatTick(0.00015, 0.00001, 0.00017)).toBe('0.00015');
    expect(formatTick(1_500_000, 500_000, 2_000_000)).toBe('1.5M');
    expect(formatTick(2e12, 5e11, 2.5e12)).toBe('2.0T');
    expect(formatTick(3e18, 1e18, 5e18)).toBe('3.00e+18');
    expect(formatTick(0, 1, 5)).toBe('0');
  });

  it('values: two decimals, four significant digits below 1, suffixes from a million', () => {
    expect(formatValue(10730.3)).toBe('10,730.30');
    expect(formatValue(-2000)).toBe('\u22122,000.00');
    expect(formatValue(0.00123)).toBe('0.001230');
    expect(formatValue(2.47e12)).toBe('2.47T');
    expect(formatValue(3.2e-12)).toBe('3.20e\u221212');
    expect(formatValue(0)).toBe('0.00');
  });

  it('the change over the period, signed, relative to the size of the first value', () => {
    expect(formatChange(100, 112.346)).toEqual({ text: '+12.35%', direction: 'up' });
    expect(formatChange(100, 96.79)).toEqual({ text: '\u22123.21%', direction: 'down' });
    expect(formatChange(-100, -50)).toEqual({ text: '+50.00%', direction: 'up' });
    expect(formatChange(100, 100)).toEqual({ text: '\u00b10.00%', direction: 'flat' });
    expect(formatChange(0, 5)).toBeUndefined();
  });
});
