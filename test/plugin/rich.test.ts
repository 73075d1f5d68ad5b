/**
 * The plugin's rich messages, tags and environment switches: lifecycle events go out as cards
 * (Discord embeds, Slack blocks, Telegram bold headlines) unless plain is asked for; every event
 * carries tags a channel mapping routes by; HERALD_EVENTS switches events without code.
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { Env } from '../../src/config/env.js';
import { HeraldConfigError, heraldPlugin, type HeraldHandle, type HeraldPluginOptions, type Tags } from '../../src/index.js';
import { DISCORD_URL, SLACK_BOT_TOKEN, SLACK_URL, sent, TOKEN, useMsw } from '../fixtures/platforms.js';

useMsw();

const handles: HeraldHandle[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.close(500)));
});

function setup(env: Env, options: Omit<HeraldPluginOptions, 'env'> = {}) {
  const events = new EventEmitter();
  const plugin = heraldPlugin({ env, diagnostics: () => {}, console: () => {}, drainOnExit: false, ...options });
  const handle = plugin.install({ events });
  handles.push(handle);
  return { events, handle, notifier: handle.notifier };
}

const ctx = { exchange: 'binance', symbol: 'BTC-USDT', strategy: 'ema-cross', mode: 'paper' };
const FILL = { ...ctx, id: 'o-1', side: 'buy', type: 'market', qty: 0.5, filledQty: 0.5, avgPrice: 64210.5, time: Date.UTC(2026, 11, 1, 14, 2, 7) };
const LOSS = { ...ctx, side: 'short', qty: 1, entryPrice: 60000, exitPrice: 61000, pnl: -1000, pnlPct: -1.67 };

describe('rich messages by default for lifecycle events', () => {
  it('Discord: an embed coloured by side, with fields, footer and timestamp; no content, no pings', async () => {
    const { events, handle } = setup({ GENERAL_DISCORD_WEBHOOK: DISCORD_URL });
    events.emit('order.filled', FILL);
    events.emit('position.closed', LOSS);
    events.emit('error', { error: new Error('insufficient <balance> @everyone'), strategy: 'ema-cross' });
    await handle.flush();
    const bodies = sent('discord').map((c) => c.body);
    // The fill and the close coalesce into one message of two embeds; the error (another level) is its own.
    expect(bodies).toHaveLength(2);
    const [fill, closed] = bodies[0]!.embeds;
    expect(bodies[0]!.content).toBeUndefined();
    expect(bodies[0]!.allowed_mentions).toEqual({ parse: [] });
    expect(fill).toEqual({
      title: '✅ FILLED BUY 0.5 BTC-USDT',
      color: 0x2ecc71,
      fields: [
        { name: 'Qty', value: '`0.5`', inline: true },
        { name: 'Avg price', value: '`64,210.50`', inline: true },
      ],
      footer: { text: 'binance · ema-cross · paper' },
      timestamp: '2026-12-01T14:02:07.000Z',
    });
    expect(closed.title).toBe('🔻 CLOSED SHORT 1 BTC-USDT');
    expect(closed.color).toBe(0xe74c3c);
    expect(closed.fields.map((f: { name: string; value: string }) => `${f.name}=${f.value}`)).toEqual([
      'PnL=`-1,000.00`',
      'PnL %=`-1.67%`',
      'Entry=`60,000.00`',
      'Exit=`61,000.00`',
      'Qty=`1`',
    ]);
    const [error] = bodies[1]!.embeds;
    expect(error.title).toBe('🚨 ERROR · ema-cross');
    expect(error.color).toBe(0xe74c3c);
    expect(error.description).toMatch(/^Error: insufficient <balance> @everyone\n {2}at /);
  });

  it('Slack: blocks with a header and fields, and a one-line text that says the same', async () => {
    const { events, handle } = setup({ GENERAL_SLACK_WEBHOOK: SLACK_URL });
    events.emit('order.filled', { ...FILL, symbol: 'BTC<USDT>&' });
    await handle.flush();
    const [body] = sent('slack').map((c) => c.body);
    expect(body!.text).toBe('✅ FILLED BUY 0.5 BTC&lt;USDT&gt;&amp; @ 64,210.50 · binance · ema-cross · paper');
    expect(body!.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '✅ FILLED BUY 0.5 BTC<USDT>&', emoji: true } });
    expect(body!.blocks[1]).toEqual({
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*Qty*\n`0.5`', verbatim: true },
        { type: 'mrkdwn', text: '*Avg price*\n`64,210.50`', verbatim: true },
      ],
    });
    expect(body!.blocks[2]).toEqual({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: expect.stringMatching(/^binance · ema-cross · paper · <!date\^1796133727\^\{date_short_pretty\} \{time_secs\}\|2026-12-01 14:02:07 UTC>$/),
          verbatim: true,
        },
      ],
    });
  });

  it('Telegram: a bold headline, numbers in monospace, everything escaped, the headline linked to the event’s URL', async () => {
    const { events, handle } = setup({ GENERAL_TELEGRAM_BOT_TOKEN: TOKEN, GENERAL_TELEGRAM_BOT_CHAT_ID: '42' });
    events.emit('order.filled', { ...FILL, url: 'https://www.binance.com/en/my/orders?id=1&x="2"' });
    await handle.flush();
    const [body] = sent('telegram').map((c) => c.body);
    expect(body!.parse_mode).toBe('HTML');
    expect(body!.text).toBe(
      '<b><a href="https://www.binance.com/en/my/orders?id=1&amp;x=&quot;2&quot;">✅ FILLED BUY 0.5 BTC-USDT</a></b>\nQty: <code>0.5</code> · Avg price: <code>64,210.50</code>\n<i>binance · ema-cross · paper</i>',
    );
  });

  it('custom events and this.log stay plain; the console always gets the plain text', async () => {
    const out: string[] = [];
    const { events, handle } = setup({ GENERAL_DISCORD_WEBHOOK: DISCORD_URL }, {});
    events.emit('custom', { name: 'rebalance', message: 'moved 10% to cash' });
    const strategy: { log?: (m: unknown) => void } = {};
    events.emit('strategy.created', strategy);
    strategy.log!('a plain line');
    await handle.flush();
    expect(sent('discord').map((c) => c.body.content)).toEqual(['📣 rebalance: moved 10% to cash\na plain line']);
    const console = setup({}, { console: (l) => void out.push(l) });
    console.events.emit('order.filled', FILL);
    await console.handle.flush();
    expect(out).toEqual(['[herald] ✅ FILLED BUY 0.5 BTC-USDT @ 64,210.50 · binance · ema-cross · paper\n']);
  });
});

describe('choosing plain or rich', () => {
  it('HERALD_FORMAT=plain sends text everywhere; an event’s own format wins over it', async () => {
    const { events, handle } = setup(
      { GENERAL_DISCORD_WEBHOOK: DISCORD_URL, HERALD_FORMAT: 'plain' },
      { events: { 'position.closed': { format: 'rich' }, custom: { format: 'rich' } } },
    );
    events.emit('order.filled', FILL);
    events.emit('position.closed', LOSS);
    events.emit('custom', { name: 'deploy', message: 'v2 live' });
    await handle.flush();
    const bodies = sent('discord').map((c) => c.body);
    expect(bodies.map((b) => (b.embeds ? b.embeds.map((e: { title: string }) => e.title) : b.content))).toEqual([
      '✅ FILLED BUY 0.5 BTC-USDT @ 64,210.50 · binance · ema-cross · paper',
      ['🔻 CLOSED SHORT 1 BTC-USDT', '📣 deploy'],
    ]);
    expect(bodies[1]!.embeds[1].description).toBe('v2 live');
  });

  it('a custom template is sent as written; with format rich it becomes the card’s headline', async () => {
    const { events, handle } = setup(
      { GENERAL_DISCORD_WEBHOOK: DISCORD_URL },
      {
        events: { 'order.filled': { template: 'Filled {qty} {symbol}' }, 'position.closed': { template: (p) => `closed ${String(p.symbol)}`, format: 'rich' } },
      },
    );
    events.emit('order.filled', FILL);
    await handle.flush();
    events.emit('position.closed', LOSS);
    await handle.flush();
    const bodies = sent('discord').map((c) => c.body);
    expect(bodies[0]!.content).toBe('Filled 0.5 BTC-USDT');
    expect(bodies[1]!.embeds[0].title).toBe('closed BTC-USDT');
    expect(bodies[1]!.embeds[0].fields[0]).toEqual({ name: 'PnL', value: '`-1,000.00`', inline: true });
  });
});

describe('tags', () => {
  async function tagsOf(emit: (events: EventEmitter) => void): Promise<Tags[]> {
    const { events, notifier, handle } = setup({});
    const seen: Tags[] = [];
    const original = notifier.notify.bind(notifier);
    notifier.notify = (message, options) => {
      seen.push(options?.tags ?? {});
      original(message, options);
    };
    emit(events);
    await handle.flush();
    return seen;
  }

  it('every event carries its kind, and strategy, symbol, exchange and mode from its payload', async () => {
    const seen = await tagsOf((e) => {
      e.emit('order.filled', FILL);
      e.emit('custom', { name: 'rebalance', strategy: 'rsi' });
      e.emit('error', new Error('bare'));
      e.emit('exchange.reconnected', { exchange: 'kraken', downtimeMs: 1 });
    });
    expect(seen).toEqual([
      { event: 'order.filled', strategy: 'ema-cross', symbol: 'BTC-USDT', exchange: 'binance', mode: 'paper' },
      { event: 'custom:rebalance', strategy: 'rsi' },
      { event: 'error' },
      { event: 'exchange.reconnected', exchange: 'kraken' },
    ]);
  });

  it('what the session said fills in what later events leave out; one symbol of a session is its symbol tag', async () => {
    const seen = await tagsOf((e) => {
      e.emit('session.started', { mode: 'live', exchange: 'bybit', symbols: ['ETH-USDT'], strategy: 'grid' });
      e.emit('order.cancelled', { id: 'x', symbol: 'ETH-USDT', side: 'sell', type: 'limit', qty: 1 });
      e.emit('error', { error: 'oops' });
    });
    expect(seen).toEqual([
      { event: 'session.started', strategy: 'grid', symbol: 'ETH-USDT', exchange: 'bybit', mode: 'live' },
      { event: 'order.cancelled', strategy: 'grid', symbol: 'ETH-USDT', exchange: 'bybit', mode: 'live' },
      { event: 'error', strategy: 'grid', exchange: 'bybit', mode: 'live' },
    ]);
  });

  it('this.log is event log, with the strategy’s name, else its id, else its class name', async () => {
    class EmaCross {
      declare log: (m: unknown, t?: string) => void;
    }
    const seen = await tagsOf((e) => {
      const named = { name: 'ema-cross' } as { name: string; log?: (m: unknown) => void };
      const withId = { id: 7 } as { id: number; log?: (m: unknown) => void };
      const instance = new EmaCross();
      for (const s of [named, withId, instance]) e.emit('strategy.created', s);
      named.log!('a');
      withId.log!('b');
      instance.log('c');
    });
    expect(seen).toEqual([
      { event: 'log', strategy: 'ema-cross' },
      { event: 'log', strategy: '7' },
      { event: 'log', strategy: 'EmaCross' },
    ]);
  });
});

describe('a plugin run routed by a bot’s channel mapping', () => {
  it('sends each event to the channel its mapping names, errors to the error channel, the rest to the default', async () => {
    const { events, handle } = setup({
      SLACK_BOT_TOKEN,
      SLACK_DEFAULT_CHANNEL: 'general',
      SLACK_CHANNEL_MAPPING: 'error=alerts,event:position.closed=pnl,ema-cross=ema',
    });
    const strategy: { name: string; log?: (m: unknown) => void } = { name: 'ema-cross' };
    events.emit('session.started', { mode: 'paper', exchange: 'binance', symbols: ['BTC-USDT'] });
    events.emit('strategy.created', strategy);
    events.emit('order.filled', FILL);
    events.emit('position.closed', LOSS);
    events.emit('order.filled', { ...FILL, strategy: 'rsi' });
    events.emit('error', { error: new Error('down'), strategy: 'ema-cross' });
    strategy.log!('golden cross');
    await handle.flush();
    const byChannel = new Map<string, string[]>();
    for (const c of sent('slack-bot')) byChannel.set(c.address, [...(byChannel.get(c.address) ?? []), ...String(c.body.text).split('\n')]);
    expect(Object.fromEntries(byChannel)).toEqual({
      general: ['🟢 SESSION STARTED · paper · BTC-USDT · binance', '✅ FILLED BUY 0.5 BTC-USDT @ 64,210.50 · binance · rsi · paper'],
      ema: ['✅ FILLED BUY 0.5 BTC-USDT @ 64,210.50 · binance · ema-cross · paper', 'golden cross'],
      pnl: ['🔻 CLOSED SHORT 1 BTC-USDT @ 61,000.00 · PnL -1,000.00 (-1.67%) · entry 60,000.00 · binance · ema-cross · paper'],
      alerts: ['🚨 ERROR · ema-cross'],
    });
  });
});

describe('HERALD_EVENTS', () => {
  it('switches events on, off and to silent; plugin options win', async () => {
    const { events, handle } = setup(
      {
        GENERAL_TELEGRAM_BOT_TOKEN: TOKEN,
        GENERAL_TELEGRAM_BOT_CHAT_ID: '42',
        HERALD_FORMAT: 'plain',
        HERALD_EVENTS: 'order.submitted=on,order.filled=silent,position.opened=off,order.cancelled=off',
      },
      { events: { 'order.cancelled': true } },
    );
    events.emit('order.submitted', { ...FILL, type: 'limit', price: 64000 });
    events.emit('order.filled', FILL);
    events.emit('position.opened', { ...ctx, side: 'long', qty: 1, entryPrice: 1 });
    events.emit('order.cancelled', { ...FILL, type: 'limit', price: 70000 });
    await handle.flush();
    expect(sent('telegram').map((c) => [c.body.text.split(' ')[1], c.body.disable_notification === true])).toEqual([
      ['SUBMITTED', false],
      ['FILLED', true],
      ['CANCELLED', false],
    ]);
  });

  it('an unknown event or value is a start-up error listing the valid ones, with the other problems', () => {
    let err: unknown;
    try {
      heraldPlugin({ env: { HERALD_EVENTS: 'order.fill=on,error=loud', GENERAL_TELEGRAM_BOT_CHAT_ID: '1001234567890' }, drainOnExit: false });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HeraldConfigError);
    expect((err as HeraldConfigError).problems.map((p) => p.variable)).toEqual([
      'GENERAL_TELEGRAM_BOT_TOKEN',
      'GENERAL_TELEGRAM_BOT_CHAT_ID',
      'HERALD_EVENTS',
      'HERALD_EVENTS',
    ]);
    expect((err as HeraldConfigError).problems[2]!.fix).toContain('session.started, session.terminated, order.submitted');
  });
});
