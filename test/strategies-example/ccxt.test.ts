/** `npm run example:ccxt` from a fresh directory (no .env): the scripted session's notifications on the console. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { useChildProcesses } from '../fixtures/children.js';

describe('npm run example:ccxt (strategies-example/ccxt.ts)', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const cwd = mkdtempSync(join(tmpdir(), 'herald-example-ccxt-'));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));
  const run = useChildProcesses();

  it('runs offline, exits 0 and prints the fill, the three-part fill, the cancel and the reported error', async () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const { code, stdout, stderr } = await run(process.execPath, ['--import', tsx, join(root, 'strategies-example', 'ccxt.ts')], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, NO_COLOR: '1' },
    });
    const report = `exit ${code}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`;
    expect(code, report).toBe(0);
    const herald = stdout.split('\n').filter((l) => l.startsWith('[herald]'));
    expect(herald, report).toEqual([
      '[herald] ✅ FILLED BUY 0.05 BTC/USDT @ 64,210.50 · binance · ema-cross',
      '[herald] 🟡 PARTIAL FILL SELL 0.02 of 0.05 BTC/USDT @ 66,000.00 (0.03 remaining) · binance · ema-cross',
      '[herald] 🟡 PARTIAL FILL SELL 0.04 of 0.05 BTC/USDT @ 66,000.00 (0.01 remaining) · binance · ema-cross',
      '[herald] ✅ FILLED SELL 0.05 BTC/USDT @ 66,000.00 · binance · ema-cross',
      '[herald] ✖️ CANCELLED BUY 2 ETH/USDT LIMIT @ 3,000.00 · binance · ema-cross',
    ]);
    expect(stdout, report).toContain('[example] the strategy caught InsufficientFunds, as without Herald');
    // The console default marks errors and indents their continuation lines.
    expect(stdout, report).toContain(
      '[herald:error] 🚨 ERROR · ema-cross · BTC/USDT\n               createMarketBuyOrder BTC/USDT failed: InsufficientFunds: binance Account has insufficient balance for requested action.\n',
    );
    expect(stdout, report).toContain('[example] Done\n');
  }, 60_000);
});
