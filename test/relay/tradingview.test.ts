/**
 * POST /tradingview: an alert as TradingView posts it — the Message box as written, with
 * Content-Type application/json when it is valid JSON and text/plain otherwise
 * (tradingview.com/support/solutions/43000529348); placeholders it did not fill stay as written.
 */
import { describe, expect, it } from 'vitest';
import { post, postJson, useRelays } from './harness.js';

const start = useRelays();

describe('POST /tradingview', () => {
  it('relays a text alert as the custom event tradingview, {{placeholders}} as written', async () => {
    const r = await start();
    const res = await post(`${r.base}/tradingview`, '{{ticker}} crossed {{close}} on {{interval}}', 'text/plain; charset=utf-8');
    expect(res.status).toBe(202);
    await r.relay.notifier.flush();
    expect(r.lines).toEqual(['[herald] 📣 tradingview: {{ticker}} crossed {{close}} on {{interval}}\n']);
  });

  it('reads a JSON alert: its message, tagged by ticker, exchange and strategy', async () => {
    const r = await start();
    const seen: unknown[] = [];
    const notify = r.relay.notifier.notify.bind(r.relay.notifier);
    r.relay.notifier.notify = (message, options) => {
      seen.push(options?.tags);
      notify(message, options);
    };
    const alert = {
      ticker: 'BTCUSDT',
      exchange: 'BINANCE',
      strategy: 'breakout',
      message: 'long entry at 64210.5',
      close: 64210.5,
      to: 'ELSEWHERE',
      level: 'error',
    };
    expect((await postJson(`${r.base}/tradingview`, alert)).status).toBe(202);
    await r.relay.notifier.flush();
    // An alert's own "to" and "level" are its data, not instructions.
    expect(r.lines).toEqual(['[herald] 📣 tradingview: long entry at 64210.5\n']);
    expect(seen).toEqual([{ event: 'custom:tradingview', strategy: 'breakout', symbol: 'BTCUSDT', exchange: 'BINANCE' }]);
  });

  it('shows a JSON alert without a message field as its fields', async () => {
    const r = await start();
    await postJson(`${r.base}/tradingview`, { ticker: 'ETHUSDT', action: 'sell', price: 3090.5, contracts: '{{strategy.order.contracts}}' });
    await r.relay.notifier.flush();
    expect(r.lines.map((l) => l.replace(/\n +/g, '\n'))).toEqual([
      '[herald] 📣 tradingview: ticker: ETHUSDT\naction: sell\nprice: 3090.5\ncontracts: {{strategy.order.contracts}}\n',
    ]);
  });

  it('relays a body labelled JSON that is not, as text rather than losing the alert', async () => {
    const r = await start();
    expect((await post(`${r.base}/tradingview`, '{"price": {{close}}}', 'application/json')).status).toBe(202);
    await r.relay.notifier.flush();
    expect(r.lines).toEqual(['[herald] 📣 tradingview: {"price": {{close}}}\n']);
  });

  it('refuses an empty alert with a 400 that says where the text goes', async () => {
    const r = await start();
    const res = await post(`${r.base}/tradingview`, '  ', 'text/plain');
    expect(res.status).toBe(400);
    expect(await res.text()).toBe("empty alert: write the text (or JSON) to send in the alert's Message box\n");
  });

  it('honours the per-event settings of custom events (silent here)', async () => {
    const r = await start({ events: { custom: 'silent' } });
    await post(`${r.base}/tradingview`, 'quiet alert', 'text/plain');
    await r.relay.notifier.flush();
    expect(r.lines).toEqual(['[herald:silent] 📣 tradingview: quiet alert\n']);
  });
});
