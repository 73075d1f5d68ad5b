/** Market symbols as exchanges write them (`BTC/USDT`, `BTC-USDT`, `BTC/USDT:USDT`, `BTCUSDT`), split into base and quote. */

/** Quote currencies recognised at the end of a symbol written without a separator, longest first (not TUSD: XBTUSD would read as XB/TUSD). */
const QUOTES = ['FDUSD', 'USDT', 'USDC', 'BUSD', 'DAI', 'USD', 'EUR', 'GBP', 'TRY', 'BRL', 'JPY', 'AUD', 'BTC', 'ETH', 'BNB'];

/** The base and quote of `symbol`; a symbol that cannot be split is all base (`quote` undefined). */
export function splitSymbol(symbol: string): { base: string; quote?: string } {
  const s = symbol.trim();
  // ccxt's derivatives add the settle currency after a colon: `BTC/USDT:USDT`.
  const m = /^([^/\-_:\s]+)[/\-_]([^/\-_:\s]+)/.exec(s);
  if (m) return { base: m[1]!, quote: m[2]! };
  const upper = s.toUpperCase();
  for (const q of QUOTES)
    if (upper.length > q.length && upper.endsWith(q)) return { base: s.slice(0, s.length - q.length), quote: s.slice(s.length - q.length) };
  return { base: s };
}
