/**
 * `npm start`: replays the bundled BTC-USDT candles through the EMA-cross strategy on the
 * paper host, with Herald installed.
 *
 * Herald reads its destinations from the environment (a `.env` file, real variables win).
 * With none configured it prints notifications to the console, so this runs on a fresh
 * machine. With `HERALD_SANDBOX=1` it sends to a running `herald sandbox` instead (see
 * {@link sandboxOptions}).
 *
 * Lines this script prints itself start with `[example]`, so they are never mistaken for
 * Herald's own output.
 */
import { heraldPlugin, type HeraldPluginOptions } from '../src/index.js';
import { SANDBOX_DEFAULT_PORT, sandboxEnv } from '../src/sandbox/sandbox-env.js';
import { loadCandles } from './candles.js';
import { EmaCross } from './ema-cross.js';
import { PaperHost } from './host.js';

const exchange = 'binance';
const symbol = 'BTC-USDT';

/**
 * `HERALD_SANDBOX=1 npm start`: send everything to a running `herald sandbox` (`npm run
 * sandbox`) on 127.0.0.1:${HERALD_SANDBOX_PORT ?? 8787} instead of the configured destinations,
 * so the notifications appear in its inbox page. Only the sandbox's variables are used, so
 * nothing reaches a real chat. Without HERALD_SANDBOX, nothing changes.
 */
async function sandboxOptions(): Promise<HeraldPluginOptions | undefined> {
  const flag = process.env.HERALD_SANDBOX;
  if (flag === undefined || flag === '' || flag === '0' || flag.toLowerCase() === 'false') return undefined;
  const port = process.env.HERALD_SANDBOX_PORT?.trim() || String(SANDBOX_DEFAULT_PORT);
  const base = `http://127.0.0.1:${port}`;
  try {
    const res = await fetch(`${base}/inbox/health`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  } catch {
    console.error(`[example] HERALD_SANDBOX is set but no sandbox answers at ${base}: start one with \`npm run sandbox\` (or set HERALD_SANDBOX_PORT).`);
    process.exit(1);
  }
  console.log(`[example] HERALD_SANDBOX: sending to the sandbox at ${base}; watch ${base}/`);
  return { env: sandboxEnv(base) };
}

/**
 * A daily report (with the equity curve as a chart where the destination takes images) and one at
 * the end of the session, unless HERALD_REPORT_EVERY says otherwise; order messages that update in
 * place where the destination can edit, unless HERALD_LIVE_MESSAGES says otherwise.
 */
const shown: HeraldPluginOptions = {
  ...(process.env.HERALD_REPORT_EVERY ? {} : { report: { every: '1d' } }),
  ...(process.env.HERALD_LIVE_MESSAGES ? {} : { liveMessages: true }),
};
const plugin = heraldPlugin({ ...shown, ...(await sandboxOptions()) });
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
