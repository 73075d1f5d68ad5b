// Takes the README's screenshot of a report: runs `herald sandbox --demo`, waits for the demo,
// sends /status from the page, and photographs the Telegram column around the report.
// Usage: npm run build && node scripts/screenshot-report.mjs [out.png]
// Needs Debian's chromium (and fonts-noto-color-emoji, or the emoji show as boxes).
import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';

const out = process.argv[2] ?? 'docs/report.png';
const port = 18787;
const child = spawn(process.execPath, ['dist/cli/main.js', 'sandbox', '--demo', '--port', String(port), '--open=false'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let text = '';
child.stdout.on('data', (d) => (text += d));
const deadline = Date.now() + 60_000;
while (!text.includes('Demo ') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1700, height: 2400 }, deviceScaleFactor: 2 });
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForSelector('[data-list="telegram"] img');
  // Ask the bot for its status from the page, as a user would.
  const input = page.locator('#compose input[type="text"], #compose textarea').first();
  await input.fill('/status');
  await input.press('Enter');
  await page.waitForFunction(
    () =>
      document.querySelector('[data-list="telegram"]')?.textContent?.includes('No open positions') ||
      document.querySelector('[data-list="telegram"]')?.textContent?.includes('Positions:'),
    null,
    { timeout: 20_000 },
  );
  await page.waitForTimeout(500);
  // From the report (its chart) to the bot's answer to /status.
  const report = page.locator('[data-list="telegram"] > *', { has: page.locator('img') }).last();
  const top = (await report.boundingBox()).y - 8;
  const column = await page.locator('#col-telegram').boundingBox();
  const bottom = (await page.locator('#compose').boundingBox()).y;
  await page.screenshot({ path: out, clip: { x: column.x, y: top, width: column.width, height: bottom - top } });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  child.kill('SIGINT');
}
