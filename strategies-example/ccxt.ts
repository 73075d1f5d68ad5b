/**
 * `npm run example:ccxt`: a short scripted trading session on the real ccxt package, wrapped by
 * `withHerald`. Offline: ccxt's binance talks to a fake Binance on 127.0.0.1 (Herald's sandbox
 * piece, answering in Binance's own shapes), so no keys and no network are needed.
 *
 * Herald reads its destinations from the environment like `npm start`: with none configured,
 * notifications print on the console. Lines this script prints itself start with `[example]`.
 */
import ccxt from 'ccxt';
import { withHerald } from '../src/ccxt/index.js';
import { BinanceServer } from '../src/sandbox/fake-binance.js';

const binance = await BinanceServer.start();
// `connect` gives ccxt the fake's markets, keys and address; with a real exchange, pass your keys instead.
const exchange = withHerald(binance.connect(new ccxt.binance()), { strategy: 'ema-cross', pollMs: 250 });
console.log(`[example] ccxt binance on a local fake; Herald follows fills by ${exchange.herald.following === 'poll' ? 'polling fetchOrder' : 'watchOrders'}`);

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

try {
  console.log('[example] market buy 0.05 BTC: fills at once');
  await exchange.createMarketBuyOrder('BTC/USDT', 0.05);

  console.log('[example] limit sell 0.05 BTC @ 66,000: the book fills it in three parts');
  const sell = await exchange.createLimitSellOrder('BTC/USDT', 0.05, 66_000);
  for (const part of [0.02, 0.02, 0.01]) {
    await pause(400);
    binance.fill(Number(sell.id), part, 66_000);
  }
  await pause(600);

  console.log('[example] limit buy 2 ETH @ 3,000, then cancelled');
  const buy = await exchange.createLimitBuyOrder('ETH/USDT', 2, 3000);
  await exchange.cancelOrder(buy.id!, 'ETH/USDT');

  console.log('[example] a buy the account cannot pay for: ccxt throws, Herald reports it');
  binance.failNext(400, { code: -2010, msg: 'Account has insufficient balance for requested action.' }, 'POST /api/v3/order');
  await exchange.createMarketBuyOrder('BTC/USDT', 50).catch((err: Error) => console.log(`[example] the strategy caught ${err.name}, as without Herald`));
} finally {
  const report = await exchange.herald.close();
  await binance.close();
  console.log(
    `[example] Done${report.complete ? '' : `; not delivered in time: ${report.undelivered.map((u) => `${u.count} to ${u.destination}`).join(', ')}`}`,
  );
}
