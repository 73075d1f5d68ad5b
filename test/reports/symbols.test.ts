/** Symbols split into base and quote, however the exchange writes them. */
import { describe, expect, it } from 'vitest';
import { splitSymbol } from '../../src/reports/symbols.js';

describe('splitSymbol', () => {
  it.each([
    ['BTC/USDT', { base: 'BTC', quote: 'USDT' }],
    ['BTC/USDT:USDT', { base: 'BTC', quote: 'USDT' }],
    ['ETH-USD', { base: 'ETH', quote: 'USD' }],
    ['sol_usdc', { base: 'sol', quote: 'usdc' }],
    ['BTCUSDT', { base: 'BTC', quote: 'USDT' }],
    ['ETHBTC', { base: 'ETH', quote: 'BTC' }],
    ['XBTUSD', { base: 'XBT', quote: 'USD' }],
    ['AAPL', { base: 'AAPL' }],
    ['USDT', { base: 'USDT' }],
  ])('%s', (symbol, parts) => expect(splitSymbol(symbol)).toEqual(parts));
});
