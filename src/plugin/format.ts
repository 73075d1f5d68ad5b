/** Number formatting for trading messages: prices with grouping, signed PnL, readable durations. */

import { renderInline, wellFormed } from '../core/render.js';

/** Exchanges often send numbers as strings; accept both. `-0` reads as 0 (no "-0" in a message). */
export function toNumber(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' && v.trim() !== '' ? Number(v) : undefined;
  return n === undefined || !Number.isFinite(n) ? undefined : n === 0 ? 0 : n;
}

/** Any payload value as inline text: strings as given, objects as one-line JSON, never "[object Object]". */
export function inline(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return wellFormed(v);
  if (v instanceof Error) return v.message;
  return renderInline(v);
}

/** {@link inline}, or undefined for a missing or empty value (so it can be skipped). */
export function str(v: unknown): string | undefined {
  const s = inline(v);
  return s === '' ? undefined : s;
}

/** {@link inline} in capitals: `BUY`, `LONG`. */
export function upper(v: unknown): string {
  return inline(v).toUpperCase();
}

const cache = new Map<string, Intl.NumberFormat>();
function nf(min: number, max: number, significant = false): Intl.NumberFormat {
  const key = `${min}-${max}-${significant}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.NumberFormat('en-US', significant ? { maximumSignificantDigits: max } : { minimumFractionDigits: min, maximumFractionDigits: max });
    cache.set(key, f);
  }
  return f;
}

/** `64210.5` → `64,210.50`; small prices keep their significant digits (`0.00012345`). */
export function formatPrice(v: unknown): string {
  const n = toNumber(v);
  if (n === undefined) return inline(v);
  const a = Math.abs(n);
  if (a >= 1000) return nf(2, 2).format(n);
  if (a >= 1) return nf(2, 4).format(n);
  return a === 0 ? '0' : nf(0, 6, true).format(n);
}

/** Quantities as given, up to 8 decimals, grouped: `0.5`, `1,250`. */
export function formatQty(v: unknown): string {
  const n = toNumber(v);
  return n === undefined ? inline(v) : nf(0, 8).format(n);
}

/** Signed amount: `+899.75`, `-120.50`. */
export function formatSigned(v: unknown): string {
  const n = toNumber(v);
  if (n === undefined) return inline(v);
  return `${n > 0 ? '+' : n < 0 ? '-' : ''}${nf(2, 2).format(Math.abs(n))}`;
}

/** Signed percent: `+2.80%`. */
export function formatPct(v: unknown): string {
  const n = toNumber(v);
  return n === undefined ? inline(v) : `${formatSigned(n)}%`;
}

/** `12345` ms → `12.3 s`, `185000` → `3 min 5 s`. */
export function formatDuration(ms: unknown): string {
  const n = toNumber(ms);
  if (n === undefined) return inline(ms);
  // Below 59.95 s one decimal still reads below a minute; above, carry whole seconds.
  if (n < 59_950) return `${+(n / 1000).toFixed(1)} s`;
  const total = Math.round(n / 1000);
  const h = Math.floor(total / 3600);
  const min = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h) return min ? `${h} h ${min} min` : `${h} h`;
  return s ? `${min} min ${s} s` : `${min} min`;
}

/** Formats a template field by what its name says it is. */
export function formatField(key: string, v: unknown): string {
  if (v === undefined || v === null) return '';
  if (/price$/i.test(key)) return formatPrice(v);
  if (/^pnlpct$/i.test(key)) return formatPct(v);
  if (/^pnl$/i.test(key)) return formatSigned(v);
  if (/qty$/i.test(key)) return formatQty(v);
  if (/(?:^ms|[a-z0-9]Ms)$/.test(key)) return formatDuration(v); // downtimeMs, not "items"
  return inline(v);
}

/** `1 fill`, `3 fills`, `2 notifications`: a count with its word. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
