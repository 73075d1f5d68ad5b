/** The value axis of a chart: nice tick steps and the numbers written on it. */

/** Ticks for a value axis. */
export interface ValueTicks {
  /**
   * The axis runs from `min` to `max`: the range asked for, widened if it was flat or if no
   * nice step fits 4 ticks inside it (then the axis ends on ticks).
   */
  readonly min: number;
  readonly max: number;
  /** Tick values inside `[min, max]`, ascending, evenly spaced by `step`. */
  readonly values: readonly number[];
  /** Distance between two ticks. */
  readonly step: number;
}

/** Mantissas of the steps people read easily: 1, 2, 2.5 and 5 times a power of ten. */
const NICE = [1, 2, 2.5, 5] as const;

/** How many ticks an axis may have. */
const MIN_TICKS = 4;
const MAX_TICKS = 6;

/**
 * Chooses 4 to 6 evenly spaced ticks on a nice step inside `[min, max]`, 5 when it can. When
 * no nice step fits (a range of 3.7 steps of 0.5 holds 3 ticks, and of 0.25 holds 7), the axis
 * is widened to the ticks just outside the range instead. A flat range is widened around its
 * value first, so a constant series still gets a readable axis.
 */
export function niceTicks(min: number, max: number): ValueTicks {
  let lo = Math.min(min, max);
  let hi = Math.max(min, max);
  if (hi - lo <= Math.max(Math.abs(hi), Math.abs(lo)) * 1e-12) {
    // Flat: 1 % either side of the value (or ±1 around zero).
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.01;
    lo -= pad;
    hi += pad;
  }
  const exponent = Math.floor(Math.log10((hi - lo) / 5));
  let best: { first: number; count: number; step: number; widen: boolean; score: number } | undefined;
  for (let e = exponent - 1; e <= exponent + 1; e++) {
    for (const m of NICE) {
      const step = m * 10 ** e;
      for (const widen of [false, true]) {
        const first = widen ? Math.floor(lo / step + 1e-9) : Math.ceil(lo / step - 1e-9);
        const last = widen ? Math.ceil(hi / step - 1e-9) : Math.floor(hi / step + 1e-9);
        const count = last - first + 1;
        if (count < 2) continue;
        // 4 to 6 ticks first, then inside the range, then 5 of them, then 1, 2 and 5 before 2.5.
        const outside = count < MIN_TICKS ? MIN_TICKS - count : count > MAX_TICKS ? count - MAX_TICKS : 0;
        const score = outside * 100 + (widen ? 10 : 0) + Math.abs(count - 5) + (m === 2.5 ? 0.5 : 0);
        if (best === undefined || score < best.score) best = { first, count, step, widen, score };
      }
    }
  }
  // Some step always gives two ticks or more in a finite range; the fallback is for NaN.
  if (best === undefined) return { min: lo, max: hi, values: [lo, hi], step: hi - lo };
  const { first, count, step, widen } = best;
  const values = Array.from({ length: count }, (_, i) => clean((first + i) * step, step));
  return { min: widen ? Math.min(lo, values[0] as number) : lo, max: widen ? Math.max(hi, values.at(-1) as number) : hi, values, step };
}

/** Removes the float noise of `n * step` (0.30000000000000004 → 0.3). */
function clean(value: number, step: number): number {
  const digits = decimalsFor(step);
  return digits > 0 && digits <= 20 ? Number(value.toFixed(digits)) : value;
}

/** Decimals needed to write multiples of `step` exactly (0.25 → 2, 500 → 0). */
export function decimalsFor(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 0;
  for (let d = 0; d <= 12; d++) {
    const scaled = step * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return d;
  }
  return 12;
}

/** Suffixes for large numbers, from the largest. */
const UNITS = [
  { at: 1e12, suffix: 'T' },
  { at: 1e9, suffix: 'B' },
  { at: 1e6, suffix: 'M' },
] as const;

/** The typographic minus: the bundled font has it, and it is as wide as a plus. */
const MINUS = '\u2212';

/** Writes `n` with `decimals` decimals and thousands separators, a true minus sign. */
function fixed(n: number, decimals: number): string {
  const text = new Intl.NumberFormat('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals }).format(Math.abs(n));
  return (n < 0 && Number(text.replace(/,/g, '')) !== 0 ? MINUS : '') + text;
}

/** Beyond these the numbers are written with an exponent (1.2e+18, 3.4e−9). */
const HUGE = 1e15;
const TINY_STEP = 1e-8;

/** Writes `n` with an exponent, three significant digits. */
function scientific(n: number): string {
  return n.toExponential(2).replace('-', MINUS);
}

/**
 * Writes a tick label. Ticks a step apart never read the same: decimals follow the step, and
 * millions and up are written 1.5M, 2B, 3T.
 */
export function formatTick(value: number, step: number, largest: number): string {
  if (value === 0) return '0';
  if (largest >= HUGE || step < TINY_STEP) return scientific(value);
  for (const { at, suffix } of UNITS) {
    if (largest >= at) return fixed(value / at, decimalsFor(step / at)) + suffix;
  }
  return fixed(value, decimalsFor(step));
}

/**
 * Writes a value for a label (min, max, last): two decimals for ordinary amounts, four
 * significant digits below 1, 1.23M style from a million.
 */
export function formatValue(value: number): string {
  const abs = Math.abs(value);
  if (abs === 0) return '0.00';
  if (abs >= HUGE || abs < TINY_STEP) return scientific(value);
  for (const { at, suffix } of UNITS) {
    if (abs >= at) return fixed(value / at, 2) + suffix;
  }
  if (abs >= 1) return fixed(value, 2);
  // 0.001234: four significant digits.
  return fixed(value, Math.min(12, 3 - Math.floor(Math.log10(abs))));
}

/**
 * Writes the change over the period: `+12.34%`, `−3.21%`, `±0.00%` (written like the messages' percentages). Relative to the first
 * value's size, so a loss reads as a loss even when the series is negative; `undefined` when
 * the first value is 0 (no percentage of nothing).
 */
export function formatChange(first: number, last: number): { text: string; direction: 'up' | 'down' | 'flat' } | undefined {
  if (first === 0) return undefined;
  const pct = ((last - first) / Math.abs(first)) * 100;
  const text = Math.abs(pct) >= HUGE ? scientific(Math.abs(pct)) : fixed(Math.abs(pct), 2);
  if (text === '0.00' || last === first) return { text: '\u00b10.00%', direction: 'flat' };
  return pct > 0 ? { text: `+${text}%`, direction: 'up' } : { text: `${MINUS}${text}%`, direction: 'down' };
}
