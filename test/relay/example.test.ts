/**
 * `npm run example:relay` (strategies-example/relay.ts) runs offline, prints a notification for
 * each post and exits 0, whatever a `.env` in its working directory says: here one with a
 * destination and a token that would both be refused.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { useChildProcesses } from '../fixtures/children.js';

describe('npm run example:relay', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const cwd = mkdtempSync(join(tmpdir(), 'herald-relay-example-'));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));
  const run = useChildProcesses();

  it('posts a freqtrade entry and exit_fill, a Jesse-style Discord post and a TradingView alert, and prints each notification', async () => {
    writeFileSync(join(cwd, '.env'), 'GENERAL_DISCORD_WEBHOOK=http://127.0.0.1:9/api/webhooks/1/nowhere0123456789\nHERALD_RELAY_TOKEN=short\n');
    // Absolute loader URL: `--import tsx` would be resolved from the temporary cwd.
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const { code, stdout, stderr } = await run(process.execPath, ['--import', tsx, join(root, 'strategies-example', 'relay.ts')], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, NO_COLOR: '1' },
    });
    const report = `exit ${code}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`;
    expect(code, report).toBe(0);
    expect(stderr, report).toBe('');
    expect(
      stdout.split('\n').filter((l) => l.startsWith('[herald]')),
      report,
    ).toEqual([
      '[herald] 📝 SUBMITTED BUY 0.5 BTC/USDT LIMIT @ 64,000.00 · binance · SampleStrategy',
      '[herald] 💰 CLOSED LONG 0.5 BTC/USDT @ 66,010.00 · PnL +899.75 (+2.80%) · entry 64,210.50 · binance · SampleStrategy',
      '[herald] OPENED long position for BTC-USDT: qty: 0.5, entry_price: 64210.5',
      '[herald] 📣 tradingview: BTCUSDT crossed 66,000 on the 1h chart',
    ]);
    expect(stdout).toMatch(/^\[example\] Herald relay listening on http:\/\/127\.0\.0\.1:\d+ /);
    expect(stdout).toMatch(/\[example\] Done: the relay is closed\.\n$/);
  });
});
