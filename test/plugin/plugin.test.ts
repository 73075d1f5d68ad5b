/**
 * heraldPlugin end to end: host events (eventemitter3 and node:events) become notifications
 * with the right text, route, silence and target; strategies get log(); the session end
 * drains; uninstall removes every listener; nothing Herald does throws into the host.
 */
import { EventEmitter as NodeEmitter } from 'node:events';
import { EventEmitter as EE3 } from 'eventemitter3';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Env } from '../../src/config/env.js';
import {
  EVENT_KINDS,
  HeraldConfigError,
  heraldPlugin,
  type EventKind,
  type FlushReport,
  type HeraldHandle,
  type HeraldPluginOptions,
  type HeraldStrategy,
} from '../../src/index.js';
import {
  captured,
  DISCORD_ERROR_URL,
  DISCORD_URL,
  ERROR_TOKEN,
  fullEnv,
  mswServer,
  sent,
  SLACK_URL,
  testNotifier,
  TOKEN,
  useMsw,
} from '../fixtures/platforms.js';

useMsw();

const OTHER_DISCORD = 'https://discord.com/api/webhooks/555666777888999000/OtherOtherOtherOtherOtherOther_-zz';
const OTHER_DISCORD_ID = '555666777888999000';
const DISCORD_ID = '111222333444555666';
const DISCORD_ERROR_ID = '999888777666555444';
const TELEGRAM_ONLY = { GENERAL_TELEGRAM_BOT_TOKEN: TOKEN, GENERAL_TELEGRAM_BOT_CHAT_ID: '-1001234567890' };

/** What the tests use of a host's emitter; both eventemitter3 and node:events fit. */
interface Emitter {
  emit(event: string, ...args: unknown[]): boolean;
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
  listenerCount(event: string): number;
  eventNames(): (string | symbol)[];
}
const ee3 = (): Emitter => new EE3();
const nodeEmitter = (): Emitter => new NodeEmitter();
const EMITTERS = [
  ['eventemitter3', ee3],
  ['node:events', nodeEmitter],
] as const;

const handles: HeraldHandle[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.close(500)));
});

/**
 * Creates the plugin with captured output and installs it on a fresh host. These tests read the
 * text templates on the wire, so events go out plain (HERALD_FORMAT=plain); the rich cards have
 * their own tests (rich.test.ts).
 */
function setup(events: Emitter, env: Env, options: Omit<HeraldPluginOptions, 'env'> = {}) {
  const reports: string[] = [];
  const consoleOut: string[] = [];
  const plugin = heraldPlugin({
    env: { HERALD_FORMAT: 'plain', ...env },
    diagnostics: (l) => void reports.push(l),
    console: (l) => void consoleOut.push(l),
    drainOnExit: false,
    ...options,
  });
  const handle = plugin.install({ events });
  handles.push(handle);
  return { plugin, handle, notifier: handle.notifier, events, reports, consoleOut };
}

/** Console blocks back to notifications: level, silence and the text without the `[herald]` margin. */
function fromConsole(out: readonly string[]): { error: boolean; silent: boolean; text: string }[] {
  return out.map((block) => {
    const m = /^\[herald(:error)?(:silent)?\] /.exec(block);
    if (!m) throw new Error(`not a console notification: ${block}`);
    const [first, ...rest] = block.replace(/\n$/, '').split('\n');
    const text = [first!.slice(m[0].length), ...rest.map((l) => l.slice(m[0].length))].join('\n');
    return { error: m[1] !== undefined, silent: m[2] !== undefined, text };
  });
}

function discordLines(address?: string): string[] {
  return sent('discord', address).flatMap((c) => String(c.body.content).split('\n'));
}

const ctx = { exchange: 'binance', symbol: 'BTC-USDT', strategy: 'ema-cross', mode: 'live' };

/** A realistic payload for every event kind and what it must read like. */
const CASES: Record<EventKind, { payload: unknown; text: string | RegExp; error?: boolean }> = {
  'session.started': {
    payload: { mode: 'paper', exchange: 'binance', symbols: ['BTC-USDT', 'ETH-USDT'], strategy: 'ema-cross' },
    text: '🟢 SESSION STARTED · paper · BTC-USDT, ETH-USDT · binance · ema-cross',
  },
  'order.submitted': {
    payload: { ...ctx, id: 'o-1', side: 'buy', type: 'limit', qty: 0.5, price: 64000 },
    text: '📝 SUBMITTED BUY 0.5 BTC-USDT LIMIT @ 64,000.00 · binance · ema-cross',
  },
  'order.filled': {
    payload: { ...ctx, id: 'o-2', side: 'buy', type: 'market', qty: 0.5, filledQty: 0.5, avgPrice: 64210.5 },
    text: '✅ FILLED BUY 0.5 BTC-USDT @ 64,210.50 · binance · ema-cross',
  },
  'order.cancelled': {
    payload: { ...ctx, id: 'o-3', side: 'sell', type: 'limit', qty: 1, price: 70000, filledQty: 0.25 },
    text: '✖️ CANCELLED SELL 1 BTC-USDT LIMIT @ 70,000.00 · binance · ema-cross (0.25 filled before)',
  },
  'position.opened': {
    payload: { ...ctx, side: 'long', qty: 0.5, entryPrice: 64210.5 },
    text: '📈 OPENED LONG 0.5 BTC-USDT · entry 64,210.50 · binance · ema-cross',
  },
  'position.increased': {
    payload: { ...ctx, side: 'long', qty: 0.75, entryPrice: 64100 },
    text: '➕ INCREASED LONG to 0.75 BTC-USDT · entry 64,100.00 · binance · ema-cross',
  },
  'position.reduced': {
    payload: { ...ctx, side: 'long', qty: 0.25, entryPrice: 64100 },
    text: '➖ REDUCED LONG to 0.25 BTC-USDT · entry 64,100.00 · binance · ema-cross',
  },
  'position.closed': {
    payload: { ...ctx, side: 'long', qty: 0.25, entryPrice: 64100, exitPrice: 65000, pnl: 225, pnlPct: 1.404 },
    text: '💰 CLOSED LONG 0.25 BTC-USDT @ 65,000.00 · PnL +225.00 (+1.40%) · entry 64,100.00 · binance · ema-cross',
  },
  'exchange.reconnected': { payload: { exchange: 'binance', downtimeMs: 12345 }, text: '🔌 RECONNECTED to binance after 12.3 s offline' },
  error: {
    payload: { error: new Error('insufficient balance'), strategy: 'ema-cross', symbol: 'BTC-USDT' },
    text: /^🚨 ERROR · ema-cross · BTC-USDT\nError: insufficient balance\n {2}at /,
    error: true,
  },
  custom: { payload: { name: 'rebalance', message: 'moved 10% to cash' }, text: '📣 rebalance: moved 10% to cash' },
  'session.terminated': {
    payload: { mode: 'paper', exchange: 'binance', reason: 'replay finished' },
    text: '🔴 SESSION ENDED · paper · binance · replay finished',
  },
};

describe.each(EMITTERS)('with %s', (_name, makeEmitter) => {
  it('turns every event kind into a readable notification', async () => {
    expect(Object.keys(CASES).sort()).toEqual([...EVENT_KINDS].sort());
    const { events, consoleOut, handle } = setup(makeEmitter(), {}, { events: { 'order.submitted': true } });
    for (const kind of EVENT_KINDS) expect(() => events.emit(kind, CASES[kind].payload)).not.toThrow();
    await handle.flush();
    const got = fromConsole(consoleOut);
    expect(got).toHaveLength(EVENT_KINDS.length);
    EVENT_KINDS.forEach((kind, i) => {
      const { text, error } = CASES[kind];
      if (typeof text === 'string') expect(got[i]!.text, kind).toBe(text);
      else expect(got[i]!.text, kind).toMatch(text);
      expect(got[i]!.error, kind).toBe(error === true);
      expect(got[i]!.text, kind).not.toMatch(/\[object Object\]|undefined/);
    });
  });

  it('a partial fill says how much filled and how much remains', async () => {
    const { events, consoleOut, handle } = setup(makeEmitter(), {});
    events.emit('order.filled', { ...ctx, id: 'o-4', side: 'sell', type: 'limit', qty: '1.5', filledQty: '0.4', avgPrice: '64000.5' });
    await handle.flush();
    expect(fromConsole(consoleOut).map((c) => c.text)).toEqual(['🟡 PARTIAL FILL SELL 0.4 of 1.5 BTC-USDT @ 64,000.50 (1.1 remaining) · binance · ema-cross']);
  });

  it('uninstall() removes every listener it added, and nothing is sent afterwards', async () => {
    const events = makeEmitter();
    const mine = () => {};
    events.on('order.filled', mine);
    const { handle, consoleOut } = setup(events, {});
    for (const kind of EVENT_KINDS) if (kind !== 'order.submitted') expect(events.listenerCount(kind), kind).toBeGreaterThan(0);
    expect(events.listenerCount('strategy.created')).toBe(1);
    handle.uninstall();
    for (const kind of [...EVENT_KINDS, 'strategy.created'].filter((k) => k !== 'order.filled')) expect(events.listenerCount(kind), kind).toBe(0);
    expect(events.listenerCount('order.filled')).toBe(1); // the host's own listener stays
    expect(events.eventNames()).toEqual(['order.filled']);
    events.emit('order.filled', CASES['order.filled'].payload);
    events.emit('custom', { name: 'after', message: 'uninstall' });
    await handle.flush();
    expect(consoleOut).toEqual([]);
    handle.uninstall(); // twice is harmless
  });

  it('a template that throws becomes an error notification, and the host emit does not throw', async () => {
    const { events, consoleOut, handle } = setup(
      makeEmitter(),
      {},
      {
        events: {
          'order.filled': {
            template: () => {
              throw new Error('template exploded');
            },
          },
        },
      },
    );
    expect(() => events.emit('order.filled', CASES['order.filled'].payload)).not.toThrow();
    await handle.flush();
    expect(fromConsole(consoleOut)).toEqual([{ error: true, silent: false, text: '⚠️ Herald could not format a order.filled event: template exploded' }]);
  });

  it('strategy.created gives the strategy a working log(message, target?)', async () => {
    const { events, handle, notifier } = setup(makeEmitter(), { GENERAL_DISCORD_WEBHOOK: DISCORD_URL });
    class Strategy {
      readonly name = 'ema-cross';
      log?: HeraldStrategy['log'];
    }
    const s = new Strategy();
    events.emit('strategy.created', s);
    expect(typeof s.log).toBe('function');
    expect(Object.keys(s)).toEqual(['name']);
    s.log!('crossed up');
    s.log!({ fast: 12.5, slow: 12.1 });
    s.log!('to the other channel', OTHER_DISCORD);
    expect(captured).toHaveLength(0); // returned at once
    await handle.flush();
    expect(discordLines(DISCORD_ID).slice(0, 1)).toEqual(['crossed up']);
    expect(
      sent('discord', DISCORD_ID)
        .map((c) => c.body.content)
        .join('\n'),
    ).toContain('"fast": 12.5');
    expect(discordLines(OTHER_DISCORD_ID)).toEqual(['to the other channel']);
    expect(notifier.stats().destinations.reduce((n, d) => n + d.delivered, 0)).toBe(3);
  });
});

describe('event settings', () => {
  it('order.submitted is off by default (no listener) and on when enabled', async () => {
    const off = setup(ee3(), {});
    expect(off.events.listenerCount('order.submitted')).toBe(0);
    off.events.emit('order.submitted', CASES['order.submitted'].payload);
    await off.handle.flush();
    expect(off.consoleOut).toEqual([]);

    const on = setup(ee3(), {}, { events: { 'order.submitted': true } });
    on.events.emit('order.submitted', CASES['order.submitted'].payload);
    await on.handle.flush();
    expect(fromConsole(on.consoleOut).map((c) => c.text)).toEqual([CASES['order.submitted'].text]);
  });

  it('false switches an event off', async () => {
    const { events, consoleOut, handle } = setup(ee3(), {}, { events: { 'order.filled': false, 'position.opened': { enabled: false } } });
    events.emit('order.filled', CASES['order.filled'].payload);
    events.emit('position.opened', CASES['position.opened'].payload);
    events.emit('position.closed', CASES['position.closed'].payload);
    await handle.flush();
    expect(fromConsole(consoleOut).map((c) => c.text)).toEqual([CASES['position.closed'].text]);
  });

  it("'silent' sends without sound (Telegram disable_notification); other events keep their sound", async () => {
    const { events, handle } = setup(ee3(), TELEGRAM_ONLY, { events: { 'order.filled': 'silent', 'position.opened': { enabled: 'silent' } } });
    events.emit('order.filled', CASES['order.filled'].payload);
    await handle.flush();
    events.emit('position.opened', CASES['position.opened'].payload);
    await handle.flush();
    events.emit('position.closed', CASES['position.closed'].payload);
    await handle.flush();
    const bodies = sent('telegram', TOKEN).map((c) => c.body);
    expect(bodies).toHaveLength(3);
    expect(bodies[0]).toMatchObject({ text: CASES['order.filled'].text, disable_notification: true });
    expect(bodies[1]).toMatchObject({ disable_notification: true });
    expect(bodies[2]!.disable_notification).toBeUndefined();
  });

  it('a string template fills {symbol} and {avgPrice}; a function template gets the payload', async () => {
    const seen: unknown[] = [];
    const { events, consoleOut, handle } = setup(
      ee3(),
      {},
      {
        events: {
          'order.filled': { template: 'Filled {qty} {symbol} at {avgPrice} for {strategy}' },
          'position.closed': {
            template: (p) => {
              seen.push(p);
              return `closed ${String(p.symbol)} with ${String(p.pnl)}`;
            },
          },
        },
      },
    );
    const closed = CASES['position.closed'].payload;
    events.emit('order.filled', { ...ctx, side: 'buy', qty: '0.50', avgPrice: '64210.5' });
    events.emit('position.closed', closed);
    await handle.flush();
    expect(fromConsole(consoleOut).map((c) => c.text)).toEqual(['Filled 0.5 BTC-USDT at 64,210.50 for ema-cross', 'closed BTC-USDT with 225']);
    expect(seen).toEqual([closed]);
  });

  it('a per-event `to` sends that event only to its target (URL or env variable name)', async () => {
    const env = { GENERAL_DISCORD_WEBHOOK: DISCORD_URL, GENERAL_SLACK_WEBHOOK: SLACK_URL, PNL_WEBHOOK: OTHER_DISCORD };
    const { events, handle } = setup(ee3(), env, { events: { 'position.closed': { to: 'PNL_WEBHOOK' }, 'position.opened': { to: OTHER_DISCORD } } });
    events.emit('position.closed', CASES['position.closed'].payload);
    events.emit('position.opened', CASES['position.opened'].payload);
    events.emit('order.filled', CASES['order.filled'].payload);
    await handle.flush();
    expect(discordLines(OTHER_DISCORD_ID)).toEqual([CASES['position.closed'].text, CASES['position.opened'].text]);
    expect(discordLines(DISCORD_ID)).toEqual([CASES['order.filled'].text]);
    expect(sent('slack').map((c) => c.body.text)).toEqual([CASES['order.filled'].text]);
  });

  it('a per-event level of error routes that event to the ERROR destinations too', async () => {
    const { events, handle } = setup(ee3(), fullEnv(), { events: { 'exchange.reconnected': { level: 'error' } } });
    events.emit('exchange.reconnected', { exchange: 'bybit', downtimeMs: 185000 });
    await handle.flush();
    expect(discordLines(DISCORD_ERROR_ID)).toEqual(['🔌 RECONNECTED to bybit after 3 min 5 s offline']);
    expect(discordLines(DISCORD_ID)).toEqual(['🔌 RECONNECTED to bybit after 3 min 5 s offline']);
    expect(sent('telegram', ERROR_TOKEN)).toHaveLength(1);
  });
});

describe('error events', () => {
  it('go to the ERROR route (and general), carrying strategy and message', async () => {
    const { events, handle } = setup(nodeEmitter(), fullEnv());
    events.emit('error', { error: new Error('insufficient balance'), strategy: 'ema-cross', symbol: 'BTC-USDT' });
    await handle.flush();
    for (const id of [DISCORD_ID, DISCORD_ERROR_ID]) {
      const text = sent('discord', id)
        .map((c) => String(c.body.content))
        .join('\n');
      expect(text, id).toMatch(/^🚨 ERROR · ema-cross · BTC-USDT\nError: insufficient balance\n/);
    }
    expect(sent('telegram', ERROR_TOKEN)).toHaveLength(1);
    expect(sent('telegram', ERROR_TOKEN)[0]!.body.text).toContain('insufficient balance');
    expect(sent('telegram', TOKEN)).toHaveLength(1);
    expect(sent('slack')).toHaveLength(2);
  });

  it('a bare Error and a string payload both work', async () => {
    const { events, handle } = setup(nodeEmitter(), { ERROR_DISCORD_WEBHOOK: DISCORD_ERROR_URL });
    expect(() => events.emit('error', new TypeError('cannot read price'))).not.toThrow();
    await handle.flush();
    expect(() => events.emit('error', 'websocket closed unexpectedly')).not.toThrow();
    await handle.flush();
    const [first, second] = sent('discord', DISCORD_ERROR_ID).map((c) => String(c.body.content));
    expect(first).toMatch(/^🚨 ERROR\nTypeError: cannot read price\n {2}at /);
    expect(second).toBe('🚨 ERROR\nwebsocket closed unexpectedly');
  });

  it('fatal errors say so', async () => {
    const { events, consoleOut, handle } = setup(ee3(), {});
    events.emit('error', { error: 'exchange account suspended', fatal: true, strategy: 'ema-cross' });
    await handle.flush();
    expect(fromConsole(consoleOut)).toEqual([{ error: true, silent: false, text: '🚨 FATAL ERROR · ema-cross\nexchange account suspended' }]);
  });
});

describe('custom events', () => {
  it('use their message and data', async () => {
    const { events, consoleOut, handle } = setup(ee3(), {});
    events.emit('custom', { name: 'rebalance', message: 'moved 10% to cash', data: { cash: 0.1 } });
    events.emit('custom', 'just a string');
    await handle.flush();
    expect(fromConsole(consoleOut).map((c) => c.text)).toEqual(['📣 rebalance: moved 10% to cash\n{\n  "cash": 0.1\n}', '📣 just a string']);
  });

  it('level: error goes to the ERROR route', async () => {
    const { events, handle } = setup(ee3(), fullEnv());
    events.emit('custom', { name: 'risk', message: 'daily drawdown above 5%', level: 'error' });
    events.emit('custom', { name: 'note', message: 'info only' });
    await handle.flush();
    expect(discordLines(DISCORD_ERROR_ID)).toEqual(['📣 risk: daily drawdown above 5%']);
    expect(discordLines(DISCORD_ID).sort()).toEqual(['📣 note: info only', '📣 risk: daily drawdown above 5%']);
  });

  it('to: sends only to that target', async () => {
    const { events, handle } = setup(ee3(), { GENERAL_DISCORD_WEBHOOK: DISCORD_URL, DAILY_REPORT_HOOK: OTHER_DISCORD });
    events.emit('custom', { name: 'report', message: 'daily PnL +1.2%', to: 'DAILY_REPORT_HOOK' });
    await handle.flush();
    expect(discordLines(OTHER_DISCORD_ID)).toEqual(['📣 report: daily PnL +1.2%']);
    expect(sent('discord', DISCORD_ID)).toHaveLength(0);
  });

  it('silent: true sends without sound', async () => {
    const { events, handle } = setup(ee3(), { ...TELEGRAM_ONLY, GENERAL_DISCORD_WEBHOOK: DISCORD_URL });
    events.emit('custom', { name: 'heartbeat', message: 'alive', silent: true });
    await handle.flush();
    expect(sent('telegram', TOKEN)[0]!.body).toMatchObject({ text: '📣 heartbeat: alive', disable_notification: true });
    expect(sent('discord')[0]!.body).toMatchObject({ content: '📣 heartbeat: alive', flags: 4096 });
  });
});

describe('session end and lifecycle', () => {
  it('session.terminated flushes: everything is delivered when that flush resolves', async () => {
    // A slow platform, so the flush really has to wait (Herald pins /api/v10/, see discord.ts).
    let slowHits = 0;
    mswServer.use(
      http.post('https://discord.com/api/v10/webhooks/:id/:token', async () => {
        slowHits++;
        await new Promise((r) => setTimeout(r, 30));
        return undefined; // then the default handler answers and records it
      }),
    );
    const { events, notifier } = setup(ee3(), { GENERAL_DISCORD_WEBHOOK: DISCORD_URL }, { drainDeadlineMs: 5000 });
    const flush = vi.spyOn(notifier, 'flush');
    events.emit('session.started', CASES['session.started'].payload);
    events.emit('order.filled', CASES['order.filled'].payload);
    expect(flush).not.toHaveBeenCalled();
    events.emit('session.terminated', CASES['session.terminated'].payload);
    expect(flush).toHaveBeenCalledTimes(1);
    expect(flush).toHaveBeenCalledWith(5000);
    const delivered = () => notifier.stats().destinations.reduce((n, d) => n + d.delivered, 0);
    expect(delivered()).toBe(0);
    const report = await (flush.mock.results[0]!.value as Promise<FlushReport>);
    expect(report.complete).toBe(true);
    // The three notifications went out coalesced in one request, and it went through the slow handler.
    expect(sent('discord')).toHaveLength(1);
    expect(slowHits).toBe(1);
    expect(delivered()).toBe(3);
    expect(discordLines()).toEqual([CASES['session.started'].text, CASES['order.filled'].text, CASES['session.terminated'].text]);
  });

  it('drainOnTerminate: false does not flush on session.terminated', () => {
    const { events, notifier } = setup(ee3(), {}, { drainOnTerminate: false });
    const flush = vi.spyOn(notifier, 'flush');
    events.emit('session.terminated', CASES['session.terminated'].payload);
    expect(flush).not.toHaveBeenCalled();
  });

  it('handle.close() uninstalls, delivers what is queued, and later events are not sent', async () => {
    const events = ee3();
    const { handle, notifier } = setup(events, { GENERAL_DISCORD_WEBHOOK: DISCORD_URL });
    const failed: string[] = [];
    notifier.on('failed', (f) => failed.push(f.cause));
    events.emit('order.filled', CASES['order.filled'].payload);
    const report = await handle.close(1000);
    expect(report.complete).toBe(true);
    expect(discordLines()).toEqual([CASES['order.filled'].text]);
    expect(events.eventNames()).toEqual([]);
    events.emit('order.filled', CASES['order.filled'].payload);
    notifier.log('after close');
    expect(failed).toEqual(['closed']);
  });

  it('uses a notifier passed in options, with the settings of its environment (HERALD_FORMAT)', async () => {
    const { notifier } = testNotifier({ GENERAL_DISCORD_WEBHOOK: DISCORD_URL, HERALD_FORMAT: 'plain' });
    const plugin = heraldPlugin({ notifier, events: { 'order.submitted': true } });
    expect(plugin.name).toBe('herald');
    expect(plugin.notifier).toBe(notifier);
    const events = nodeEmitter();
    const handle = plugin.install({ events });
    handles.push(handle);
    events.emit('order.submitted', CASES['order.submitted'].payload);
    await handle.flush();
    expect(discordLines()).toEqual([CASES['order.submitted'].text]);
  });

  it('a missing or odd payload never throws into the host', async () => {
    const { events, consoleOut, handle } = setup(nodeEmitter(), {});
    for (const kind of EVENT_KINDS) {
      expect(() => events.emit(kind), kind).not.toThrow();
      expect(() => events.emit(kind, null), kind).not.toThrow();
      expect(() => events.emit(kind, 42), kind).not.toThrow();
    }
    expect(() => events.emit('strategy.created')).not.toThrow();
    expect(() => events.emit('strategy.created', 'not an object')).not.toThrow();
    await handle.flush();
    // 11 kinds on by default × 3 payloads: undefined and null give the same text (the storm
    // window folds the repeat into one "🔁 ×2" line); 42 is shown, so its text is its own.
    expect(consoleOut).toHaveLength(33);
    expect(consoleOut).toContain('[herald] ✅ FILLED   \n         42\n');
    for (const block of consoleOut) {
      expect(block).not.toMatch(/\[object Object\]|undefined|NaN/);
      // `[herald] <icon> …` (or a storm summary of one), continuation lines under the text.
      const prefix = /^\[herald(?::error)?\] /.exec(block)?.[0] ?? '[herald] ';
      const shape = new RegExp(
        `^\\[herald(?::error)?\\] (?:🔁 ×[23] in the last 60 s: )?(?:🟢|🔴|✅|✖️|📈|➕|➖|🏁|🔌|🚨|📣) [A-Za-z0-9][^\\n]*\\n(?: {${prefix.length}}\\S[^\\n]*\\n)*$`,
        'u',
      );
      expect(block).toMatch(shape);
    }
    expect(consoleOut.filter((b) => b.startsWith('[herald:error] '))).toEqual([
      '[herald:error] 🚨 ERROR\n               unknown error\n',
      '[herald:error] 🚨 ERROR\n               42\n',
      '[herald:error] 🔁 ×2 in the last 60 s: 🚨 ERROR\n               unknown error\n',
    ]);
  });

  it('a frozen strategy object does not make the host emit throw', () => {
    const { events } = setup(nodeEmitter(), {});
    const frozen = Object.freeze({ name: 'frozen' });
    expect(() => events.emit('strategy.created', frozen)).not.toThrow();
  });
});

describe('configuration', () => {
  it('a bad env throws HeraldConfigError at creation, listing every problem without secrets', () => {
    const env = {
      GENERAL_TELEGRAM_BOT_TOKEN: `bot${TOKEN}`,
      GENERAL_DISCORD_WEBHOOK: 'http://discord.com/api/webhooks/123456789/PlainHttpSecretPlainHttpSecret',
      ERROR_SLACK_WEBHOOK: 'not a url',
      ERROR_TELEGRAM_BOT_CHAT_ID: '1001234567890',
      TELEGRAM_API_BASE_URL: 'ftp://api.example.com',
    };
    let error: unknown;
    try {
      heraldPlugin({ env, diagnostics: () => {}, drainOnExit: false });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HeraldConfigError);
    const e = error as HeraldConfigError;
    const variables = e.problems.map((p) => p.variable);
    // One problem per bad variable, in the order the drivers read them.
    expect(variables).toEqual([
      'GENERAL_TELEGRAM_BOT_CHAT_ID',
      'GENERAL_TELEGRAM_BOT_TOKEN',
      'TELEGRAM_API_BASE_URL',
      'ERROR_TELEGRAM_BOT_TOKEN',
      'ERROR_TELEGRAM_BOT_CHAT_ID',
      'GENERAL_DISCORD_WEBHOOK',
      'ERROR_SLACK_WEBHOOK',
    ]);
    expect(e.message).toMatch(/^Herald configuration has 7 problems:\n/);
    for (const v of variables) expect(e.message).toContain(v);
    expect(e.message).toContain('lost its leading "-"');
    expect(e.message).not.toContain(TOKEN.split(':')[1]!);
    expect(e.message).not.toContain('PlainHttpSecretPlainHttpSecret');
  });
});
