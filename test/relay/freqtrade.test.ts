/**
 * POST /freqtrade with what freqtrade's webhook really sends for the README's config (every
 * message type, JSON and form; shapes from freqtrade's sources, see freqtrade-fixtures.ts), and
 * the acceptance check: an exit_fill arrives on the (local) Telegram server as a closed
 * position with its profit and percentage.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';
import {
  ENTRY,
  ENTRY_CANCEL,
  ENTRY_FILL,
  ENTRY_FILL_ADDED,
  EVERY_TYPE,
  EXCEPTION,
  EXIT,
  EXIT_CANCEL,
  EXIT_FILL,
  EXIT_FILL_PARTIAL,
  EXIT_FILL_SHORT_LOSS,
  FREQTRADE_WEBHOOK_CONFIG,
  freqtradeBody,
  type FreqtradeMessage,
  PROTECTION,
  PROTECTION_GLOBAL,
  STARTUP,
  STATUS,
  STRATEGY_MSG,
  WARNING,
} from './freqtrade-fixtures.js';
import { eventually, postForm, postJson, useRelays } from './harness.js';

const start = useRelays();
const TAIL = ' · binance · SampleStrategy';

/** What each message prints on the console default (one notification each). */
const EXPECTED: [string, FreqtradeMessage, string][] = [
  ['entry', ENTRY, `[herald] 📝 SUBMITTED BUY 0.5 BTC/USDT LIMIT @ 64,000.00${TAIL}`],
  ['entry_fill', ENTRY_FILL, `[herald] 📈 OPENED LONG 0.5 BTC/USDT · entry 64,210.50${TAIL}`],
  ['entry_fill of an added entry', ENTRY_FILL_ADDED, `[herald] ✅ FILLED BUY 0.25 BTC/USDT @ 63,000.00${TAIL}`],
  ['entry_cancel', ENTRY_CANCEL, `[herald] ✖️ CANCELLED BUY 0.5 BTC/USDT LIMIT @ 64,000.00${TAIL}`],
  ['exit', EXIT, `[herald] 📝 SUBMITTED SELL 0.5 BTC/USDT LIMIT @ 66,010.00${TAIL}`],
  ['exit_fill', EXIT_FILL, `[herald] 💰 CLOSED LONG 0.5 BTC/USDT @ 66,010.00 · PnL +899.75 (+2.80%) · entry 64,210.50${TAIL}`],
  ['exit_fill of a partial exit', EXIT_FILL_PARTIAL, `[herald] ✅ FILLED SELL 0.2 BTC/USDT @ 66,010.00${TAIL}`],
  [
    'exit_fill of a short at a loss',
    EXIT_FILL_SHORT_LOSS,
    `[herald] 🔻 CLOSED SHORT 2 ETH/USDT:USDT @ 3,090.00 · PnL -183.60 (-3.06%) · entry 3,000.00${TAIL}`,
  ],
  ['exit_cancel', EXIT_CANCEL, `[herald] ✖️ CANCELLED SELL 0.5 BTC/USDT LIMIT @ 66,010.00${TAIL}`],
  ['status', STATUS, '[herald] 📣 freqtrade.status: running'],
  ['warning', WARNING, '[herald:error] 🚨 ERROR · SampleStrategy\n               freqtrade warning: Dry run is enabled. All trades are simulated.'],
  [
    'protection_trigger',
    PROTECTION,
    '[herald] 📣 freqtrade.protection: BTC/USDT locked (long side) until 2024-05-01 14:00:00: Stoploss Guard: 4 stoplosses in 60 min',
  ],
  ['protection_trigger_global', PROTECTION_GLOBAL, '[herald] 📣 freqtrade.protection: all pairs locked until 2024-05-01 14:00:00: Max drawdown'],
  ['strategy_msg', STRATEGY_MSG, '[herald] 📣 freqtrade.strategy_msg: RSI above 80 on ETH/USDT'],
];

describe('POST /freqtrade', () => {
  it.each(EXPECTED)('relays %s (JSON, as "format": "json" posts it)', async (_name, message, line) => {
    const r = await start();
    const res = await postJson(`${r.base}/freqtrade?strategy=SampleStrategy`, freqtradeBody(message));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ ok: true });
    await r.relay.notifier.flush();
    expect(r.lines).toEqual([`${line}\n`]);
  });

  it.each(EXPECTED)("relays %s (form-encoded, freqtrade's default format)", async (_name, message, line) => {
    const r = await start();
    const res = await postForm(`${r.base}/freqtrade?strategy=SampleStrategy`, freqtradeBody(message));
    expect(res.status).toBe(202);
    await r.relay.notifier.flush();
    expect(r.lines).toEqual([`${line}\n`]);
  });

  it('shows startup and exception texts without their Telegram Markdown, the exception as a fatal error', async () => {
    const r = await start();
    await postJson(`${r.base}/freqtrade?strategy=SampleStrategy`, freqtradeBody(STARTUP));
    await postJson(`${r.base}/freqtrade?strategy=SampleStrategy`, freqtradeBody(EXCEPTION));
    await r.relay.notifier.flush();
    expect(r.lines[0]).toMatch(/^\[herald\] 📣 freqtrade\.startup: Exchange: binance\n\s+Stake per trade: 100 USDT\n/);
    expect(r.lines[0]).toContain("Minimum ROI: {'0': 0.04}");
    expect(r.lines[1]).toMatch(/^\[herald:error\] 🚨 FATAL ERROR · SampleStrategy\n\s+OperationalException:\n\s+Traceback/);
    expect(r.lines[1]).toContain('Issue /start if you think it is safe to restart.');
    expect(r.lines.join('')).not.toMatch(/[*`]/);
  });

  it('accepts every message type freqtrade sends, each with the README config (no field a message lacks)', () => {
    for (const m of EVERY_TYPE) expect(() => freqtradeBody(m), m.type).not.toThrow();
    expect(EVERY_TYPE.map((m) => m.type)).toEqual(
      Object.keys(FREQTRADE_WEBHOOK_CONFIG).filter((k) => !['enabled', 'url', 'format', 'allow_custom_messages'].includes(k)),
    );
  });

  it('README: the webhook config to paste is the one tested here', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /```json\n("webhook": \{[\s\S]*?\n\})\n```/.exec(readme)?.[1];
    expect(block, 'a ```json block with "webhook": {…} in the README').toBeDefined();
    expect(JSON.parse(`{${block!}}`)).toEqual({ webhook: FREQTRADE_WEBHOOK_CONFIG });
  });

  it('tags pair, strategy, exchange and mode so channel mappings route freqtrade events', async () => {
    const r = await start();
    const seen: unknown[] = [];
    const notify = r.relay.notifier.notify.bind(r.relay.notifier);
    r.relay.notifier.notify = (message, options) => {
      seen.push(options?.tags);
      notify(message, options);
    };
    await postJson(`${r.base}/freqtrade?strategy=SampleStrategy&mode=paper`, freqtradeBody(EXIT_FILL));
    await postJson(`${r.base}/freqtrade?strategy=SampleStrategy&mode=paper`, freqtradeBody(PROTECTION));
    expect(seen).toEqual([
      { event: 'position.closed', strategy: 'SampleStrategy', symbol: 'BTC/USDT', exchange: 'binance', mode: 'paper' },
      { event: 'custom:freqtrade.protection', strategy: 'SampleStrategy', symbol: 'BTC/USDT', mode: 'paper' },
    ]);
  });

  it("applies per-event settings: switched off, retemplated with freqtrade's own fields", async () => {
    const r = await start({
      events: {
        'order.submitted': false,
        'position.closed': { template: '{symbol} closed by {exit_reason}: {pnl} ({pnlPct}), trade {trade_id}' },
      },
    });
    expect((await postJson(`${r.base}/freqtrade`, freqtradeBody(ENTRY))).status).toBe(202);
    await postJson(`${r.base}/freqtrade`, freqtradeBody(EXIT_FILL));
    await r.relay.notifier.flush();
    expect(r.lines).toEqual(['[herald] BTC/USDT closed by roi: +899.75 (+2.80%), trade 34\n']);
  });

  it('HERALD_EVENTS still switches order.submitted off (the relay only changes its default)', async () => {
    const r = await start({ env: { HERALD_EVENTS: 'order.submitted=off' } });
    await postJson(`${r.base}/freqtrade`, freqtradeBody(ENTRY));
    await r.relay.notifier.flush();
    expect(r.lines).toEqual([]);
  });

  it('refuses a body without "type" with a 400 that says how to fix the config, and notifies nothing', async () => {
    const r = await start();
    const res = await postJson(`${r.base}/freqtrade`, { pair: 'BTC/USDT', status: 'running' });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toMatch(/^no "type" field: add "type": "\{type\}" to each message type/);
    expect(text.trim().split('\n')).toHaveLength(1);
    await r.relay.notifier.flush();
    expect(r.lines).toEqual([]);
  });

  it('relays a type it does not know as its fields rather than refusing it', async () => {
    const r = await start();
    expect((await postJson(`${r.base}/freqtrade`, { type: 'whitelist', data: "['BTC/USDT', 'ETH/USDT']" })).status).toBe(202);
    await r.relay.notifier.flush();
    expect(r.lines).toEqual(["[herald] 📣 freqtrade.whitelist: data: ['BTC/USDT', 'ETH/USDT']\n"]);
  });

  it('relays freqtrade\'s "raw" format (one text body) as it is', async () => {
    const r = await start();
    const res = await fetch(`${r.base}/freqtrade`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'Status: running' });
    expect(res.status).toBe(202);
    await r.relay.notifier.flush();
    expect(r.lines).toEqual(['[herald] 📣 freqtrade: Status: running\n']);
  });
});

describe('acceptance: a freqtrade exit_fill on the wire', () => {
  const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0';
  let server: FakePlatformServer;
  beforeAll(async () => {
    server = await FakePlatformServer.start();
  });
  afterAll(() => server.close());

  it('produces a closed-position notification with profit and percentage on the local Telegram server', async () => {
    const r = await start({
      env: { TELEGRAM_API_BASE_URL: server.telegramBaseUrl, GENERAL_TELEGRAM_BOT_TOKEN: TOKEN, GENERAL_TELEGRAM_BOT_CHAT_ID: '-1001234567890' },
    });
    const res = await postForm(`${r.base}/freqtrade?strategy=SampleStrategy`, freqtradeBody(EXIT_FILL));
    expect(res.status).toBe(202);
    const [message] = await eventually(() => {
      expect(server.messages).toHaveLength(1);
      return server.messages;
    });
    expect(message!.destination).toBe('-1001234567890');
    // Telegram gets the card: a bold headline, the numbers in monospace.
    expect(message!.text).toContain('💰 CLOSED LONG 0.5 BTC/USDT');
    expect(message!.text).toContain('PnL: <code>+899.75</code>');
    expect(message!.text).toContain('PnL %: <code>+2.80%</code>');
  });
});
