/**
 * Benchmark notification texts: realistic order-filled lines of about 100 characters, each
 * carrying its notification id as the only `#N` marker, so delivered notifications can be
 * counted in whatever (coalesced, split) form they reach a platform.
 */

const SYMBOLS = [
  ['BTC-USDT', 64_210.5, 2],
  ['ETH-USDT', 3_412.37, 2],
  ['SOL-USDT', 148.912, 3],
  ['XRP-USDT', 0.52741, 5],
  ['DOGE-USDT', 0.158823, 6],
  ['AVAX-USDT', 36.418, 3],
] as const;
const VENUES = ['binance', 'bybit', 'okx', 'kraken', 'coinbase'] as const;
const STRATEGIES = ['ema-cross', 'rsi-revert', 'breakout-4h', 'grid-v2', 'mean-rev'] as const;

/** Small deterministic PRNG (mulberry32): the same run always sends the same texts. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;

function money(n: number, digits: number): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** The order-filled notification with id `id` (1-based), e.g. `✅ FILLED BUY 0.5 BTC-USDT @ 64,210.50 · … · ema-cross #17`. */
export function fillText(id: number): string {
  const r = prng(id * 7919 + 17);
  const [symbol, base, digits] = pick(r, SYMBOLS);
  const side = r() < 0.5 ? 'BUY' : 'SELL';
  const price = base * (1 + (r() - 0.5) * 0.02);
  const notional = 500 + r() * 9_500;
  const qty = +(notional / price).toPrecision(3);
  const fee = notional * 0.001;
  const pnl = (r() - 0.45) * 120;
  const pnlText = `${pnl >= 0 ? '+' : '−'}${money(Math.abs(pnl), 2)}`;
  const slip = (r() * 0.05).toFixed(3);
  return `✅ FILLED ${side} ${qty} ${symbol} @ ${money(price, digits)} · fee ${money(fee, 2)} · slip ${slip}% · PnL ${pnlText} · ${pick(r, VENUES)} · ${pick(r, STRATEGIES)} #${id}`;
}

/** Texts for ids 1..n. */
export function fillTexts(n: number): string[] {
  return Array.from({ length: n }, (_, i) => fillText(i + 1));
}

/** Every `#N` id in a received message, in order (a coalesced message holds many). */
export function idsIn(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/#(\d+)\b/g)) out.push(Number(m[1]));
  return out;
}

/** Characters as Telegram and the fake Discord count them (Unicode code points). */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Cheap distinct texts for the million-call loops: 120 realistic bodies, each call appends its
 * own `#id` (building the text is the caller's cost, not log()'s, and must not dominate).
 */
export function textMaker(): (id: number) => string {
  const bodies = fillTexts(120).map((t) => t.replace(/ #\d+$/, ''));
  return (id) => `${bodies[id % bodies.length]!} #${id}`;
}
