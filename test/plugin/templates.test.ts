/** The default message of every host event kind, and `{field}` templates. */
import { describe, expect, it } from 'vitest';
import { applyTemplate, DEFAULT_TEMPLATES, EVENT_KINDS, type EventKind, type Payload } from '../../src/plugin/templates.js';

const ctx = { id: 'o-1', exchange: 'binance', symbol: 'BTC-USDT', strategy: 'ema-cross', mode: 'live' };
const render = (kind: EventKind, p: Payload): string => DEFAULT_TEMPLATES[kind](p);

describe('EVENT_KINDS and DEFAULT_TEMPLATES', () => {
  it('has a default template for exactly the documented host events', () => {
    expect([...EVENT_KINDS].sort()).toEqual(
      [
        'session.started',
        'session.terminated',
        'order.submitted',
        'order.filled',
        'order.cancelled',
        'position.opened',
        'position.increased',
        'position.reduced',
        'position.closed',
        'exchange.reconnected',
        'error',
        'custom',
      ].sort(),
    );
    expect(Object.keys(DEFAULT_TEMPLATES).sort()).toEqual([...EVENT_KINDS].sort());
  });

  it.each(EVENT_KINDS)('%s renders an empty payload without throwing, "undefined" or "[object Object]"', (kind) => {
    const text = render(kind, {});
    expect(text.trim()).not.toBe('');
    expect(text).not.toMatch(/undefined|\[object Object\]|NaN/);
  });
});

describe('orders', () => {
  it('order.filled: the design card example', () => {
    expect(render('order.filled', { ...ctx, side: 'buy', type: 'market', qty: 0.5, avgPrice: 64210.5 })).toBe(
      '✅ FILLED BUY 0.5 BTC-USDT @ 64,210.50 · binance · ema-cross',
    );
  });

  it('order.filled: exchange strings, price when there is no avgPrice, filledQty == qty is a full fill', () => {
    expect(render('order.filled', { ...ctx, side: 'sell', type: 'limit', qty: '0.50000000', filledQty: '0.5', price: '64210.5' })).toBe(
      '✅ FILLED SELL 0.5 BTC-USDT @ 64,210.50 · binance · ema-cross',
    );
  });

  it('order.filled: a partial fill says how much filled and how much remains', () => {
    const text = render('order.filled', { ...ctx, side: 'buy', type: 'limit', qty: '1', filledQty: '0.4', avgPrice: '64000', mode: 'paper' });
    expect(text).toBe('🟡 PARTIAL FILL BUY 0.4 of 1 BTC-USDT @ 64,000.00 (0.6 remaining) · binance · ema-cross · paper');
  });

  it('order.filled: the remaining quantity has no floating-point noise', () => {
    const text = render('order.filled', { ...ctx, side: 'sell', qty: 0.3, filledQty: 0.1, avgPrice: 64000 });
    expect(text).toContain('(0.2 remaining)');
    expect(text).toContain('0.1 of 0.3');
  });

  it('order.submitted: limit orders show their type and price; market orders do not', () => {
    expect(render('order.submitted', { ...ctx, side: 'sell', type: 'limit', qty: 0.25, price: 65000 })).toBe(
      '📝 SUBMITTED SELL 0.25 BTC-USDT LIMIT @ 65,000.00 · binance · ema-cross',
    );
    expect(render('order.submitted', { ...ctx, side: 'buy', type: 'market', qty: 0.25 })).toBe('📝 SUBMITTED BUY 0.25 BTC-USDT · binance · ema-cross');
  });

  it('order.cancelled: mentions a partial fill before the cancel', () => {
    expect(render('order.cancelled', { ...ctx, side: 'sell', type: 'limit', qty: 1, price: 70000, filledQty: 0.25 })).toBe(
      '✖️ CANCELLED SELL 1 BTC-USDT LIMIT @ 70,000.00 · binance · ema-cross (0.25 filled before)',
    );
    expect(render('order.cancelled', { ...ctx, side: 'sell', type: 'limit', qty: 1, price: 70000, filledQty: 0 })).not.toContain('filled before');
  });
});

describe('positions', () => {
  it('position.opened long and short', () => {
    expect(render('position.opened', { ...ctx, side: 'long', qty: 0.5, entryPrice: 62410.5 })).toBe(
      '📈 OPENED LONG 0.5 BTC-USDT · entry 62,410.50 · binance · ema-cross',
    );
    expect(render('position.opened', { ...ctx, side: 'short', qty: 0.5, entryPrice: 62410.5 })).toBe(
      '📉 OPENED SHORT 0.5 BTC-USDT · entry 62,410.50 · binance · ema-cross',
    );
  });

  it('position.increased and position.reduced give the new size', () => {
    expect(render('position.increased', { ...ctx, side: 'long', qty: 1, entryPrice: 63000 })).toBe(
      '➕ INCREASED LONG to 1 BTC-USDT · entry 63,000.00 · binance · ema-cross',
    );
    expect(render('position.reduced', { ...ctx, side: 'long', qty: 0.25, entryPrice: 63000 })).toBe(
      '➖ REDUCED LONG to 0.25 BTC-USDT · entry 63,000.00 · binance · ema-cross',
    );
  });

  it('position.closed shows exit, PnL and PnL %', () => {
    expect(render('position.closed', { ...ctx, side: 'long', qty: 0.5, entryPrice: 62410.5, exitPrice: 64210, pnl: 899.75, pnlPct: 2.88 })).toBe(
      '💰 CLOSED LONG 0.5 BTC-USDT @ 64,210.00 · PnL +899.75 (+2.88%) · entry 62,410.50 · binance · ema-cross',
    );
    expect(render('position.closed', { ...ctx, side: 'short', qty: 2, entryPrice: 3000, exitPrice: '3060.25', pnl: '-120.5', pnlPct: '-2.0083' })).toBe(
      '🔻 CLOSED SHORT 2 BTC-USDT @ 3,060.25 · PnL -120.50 (-2.01%) · entry 3,000.00 · binance · ema-cross',
    );
  });

  it('position.closed without PnL still reads well', () => {
    expect(render('position.closed', { ...ctx, side: 'long', qty: 2, entryPrice: 3000 })).toBe(
      '🏁 CLOSED LONG 2 BTC-USDT · entry 3,000.00 · binance · ema-cross',
    );
  });
});

describe('session, exchange, error, custom', () => {
  it('session.started and session.terminated', () => {
    expect(render('session.started', { mode: 'paper', exchange: 'binance', symbols: ['BTC-USDT', 'ETH-USDT'], strategy: 'ema-cross' })).toBe(
      '🟢 SESSION STARTED · paper · BTC-USDT, ETH-USDT · binance · ema-cross',
    );
    expect(render('session.terminated', { mode: 'live', exchange: 'binance', reason: 'user stop' })).toBe('🔴 SESSION ENDED · live · binance · user stop');
  });

  it('exchange.reconnected with and without downtime', () => {
    expect(render('exchange.reconnected', { exchange: 'binance', downtimeMs: 12345 })).toBe('🔌 RECONNECTED to binance after 12.3 s offline');
    expect(render('exchange.reconnected', { exchange: 'bybit', downtimeMs: 185000 })).toBe('🔌 RECONNECTED to bybit after 3 min 5 s offline');
    expect(render('exchange.reconnected', { exchange: 'bybit' })).toBe('🔌 RECONNECTED to bybit');
  });

  it('error: strategy, symbol, message and the top of the stack', () => {
    const text = render('error', { error: new Error('insufficient balance'), strategy: 'ema-cross', symbol: 'BTC-USDT' });
    const [head, message, frame] = text.split('\n');
    expect(head).toBe('🚨 ERROR · ema-cross · BTC-USDT');
    expect(message).toBe('Error: insufficient balance');
    expect(frame).toMatch(/^ {2}at /);
  });

  it('error: a string, and fatal', () => {
    expect(render('error', { error: 'order rejected: min notional', fatal: true })).toBe('🚨 FATAL ERROR\norder rejected: min notional');
  });

  it('error: a plain-object error (as some exchange clients reject with) is readable', () => {
    const text = render('error', { error: { code: -2010, message: 'Account has insufficient balance' }, strategy: 'ema-cross' });
    expect(text).toContain('Account has insufficient balance');
    expect(text).not.toContain('[object Object]');
  });

  it('custom: name and message, data as JSON, name alone', () => {
    expect(render('custom', { name: 'rebalance', message: 'moved 10% to cash', data: { cash: 0.1 } })).toBe(
      '📣 rebalance: moved 10% to cash\n{\n  "cash": 0.1\n}',
    );
    expect(render('custom', { name: 'heartbeat' })).toBe('📣 heartbeat');
    expect(render('custom', { message: 'no name' })).toBe('📣 no name');
  });
});

describe('applyTemplate', () => {
  it('fills placeholders, formatting each by its name', () => {
    const p = { symbol: 'BTC-USDT', avgPrice: '64210.5', qty: '0.50', pnl: -5, pnlPct: 1.5, downtimeMs: 185000 };
    expect(applyTemplate('{symbol} @ {avgPrice} x {qty} pnl {pnl} ({pnlPct}) down {downtimeMs}', p)).toBe(
      'BTC-USDT @ 64,210.50 x 0.5 pnl -5.00 (+1.50%) down 3 min 5 s',
    );
  });

  it('reads nested fields, renders Errors and objects readably, and leaves missing ones empty', () => {
    const p = { data: { reason: 'drawdown', limits: { max: 3 } }, error: new Error('boom'), gone: null };
    expect(applyTemplate('{data.reason}|{data.limits}|{error}|{missing}|{gone}|{data.x.y}', p)).toBe('drawdown|{"max":3}|boom|||');
  });

  it('leaves text that is not a placeholder alone', () => {
    expect(applyTemplate('{ not a field } {a-b} {{symbol}}', { symbol: 'ETH' })).toBe('{ not a field } {a-b} {ETH}');
  });

  it('formats a count whose name happens to end in "ms" as a number, not a duration', () => {
    expect(applyTemplate('{items} items, {alarms} alarms', { items: 3, alarms: 2 })).toBe('3 items, 2 alarms');
  });
});

describe('custom data that JSON cannot take', () => {
  it('renders BigInt and cycles instead of losing the event', () => {
    const data: Record<string, unknown> = { size: 10n ** 20n };
    data.self = data;
    const text = DEFAULT_TEMPLATES.custom({ name: 'fills', message: 'done', data });
    expect(text).toContain('100000000000000000000');
    expect(text).toContain('[Circular]');
  });
});
