/**
 * `npm start`: replays the bundled BTC-USDT candles through the EMA-cross strategy on the
 * paper host, with Herald installed.
 *
 * Herald reads its destinations from the environment (a `.env` file, real variables win).
 * With none configured it prints notifications to the console, so this runs on a fresh
 * machine. Against the local sandbox, set `TELEGRAM_API_BASE_URL` and friends as usual;
 * nothing here is sandbox-specific.
 *
 * Lines this script prints itself start with `[example]`, so they are never mistaken for
 * Herald's own output.
 */
import { heraldPlugin } from '../src/index.js';
import { loadCandles } from './candles.js';
import { EmaCross } from './ema-cross.js';
import { PaperHost } from './host.js';

const exchange = 'binance';
const symbol = 'BTC-USDT';

const plugin = heraldPlugin({});
const host = new PaperHost();
const handle = plugin.install(host);
const strategy = host.addStrategy(new EmaCross());

const candles = loadCandles(new URL('./candles.csv', import.meta.url));
console.log(`[example] Herald example: replaying ${candles.length} ${symbol} candles through ${strategy.name} (paper)`);

try {
  const stats = await host.run(candles, { exchange, symbol, mode: 'paper' });
  // Everything the replay produced is queued by now; close() delivers it (or reports it failed).
  await handle.close();
  console.log(
    `[example] Done: ${stats.orders} orders, ${stats.fills} fills (${stats.partialFills} partial), ` +
      `${stats.cancels} cancelled, ${stats.errors} strategy error${stats.errors === 1 ? '' : 's'}, ` +
      `realised P&L ${stats.realizedPnl >= 0 ? '+' : ''}${stats.realizedPnl.toFixed(2)} USDT`,
  );
} catch (err) {
  // A host failure (not a strategy error, those are reported and survived) ends the demo.
  console.error('[example] replay failed:', err);
  await handle.close().catch(() => undefined);
  process.exitCode = 1;
}
