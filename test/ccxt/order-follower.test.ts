/**
 * The background loop on a scripted exchange, with fake timers: backoff while the exchange
 * fails, one notice for a lasting outage and one when it ends, polling at the exchange's pace,
 * the fall-back from watchOrders to polling, and a stop that ends everything.
 */
import ccxt from 'ccxt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CcxtExchange, CcxtOrder } from '../../src/ccxt/exchange-like.js';
import { OrderFollower, type FollowMode } from '../../src/ccxt/order-follower.js';
import { OrderTracker, type OrderNotice } from '../../src/ccxt/order-tracker.js';
import { describeError } from '../../src/ccxt/ccxt-errors.js';

const context = { exchange: 'kraken', mode: 'live' } as const;
const open = (id: string, filled = 0): CcxtOrder => ({ id, symbol: 'BTC/USD', side: 'buy', type: 'limit', amount: 1, price: 60_000, filled, status: 'open' });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(mode: FollowMode, exchange: Partial<CcxtExchange>) {
  const notices: OrderNotice[] = [];
  const tracker = new OrderTracker(context);
  const ex = { id: 'kraken', has: { watchOrders: true, fetchOrder: true }, rateLimit: 1000, createOrder: vi.fn(), ...exchange } as CcxtExchange;
  const follower = new OrderFollower({
    exchange: ex,
    tracker,
    emit: (n) => void notices.push(n),
    context,
    describe: (e) => describeError(e),
    mode,
    pollMs: 5000,
    outageNoticeMs: 60_000,
    backoff: { baseMs: 1000, factor: 2, maxMs: 60_000, jitter: 0 },
  });
  return { follower, tracker, notices, ex };
}

describe('watch mode', () => {
  it('a lasting disconnect is told once, its end once, and missed fills are fetched after', async () => {
    let failing = true;
    const watchOrders = vi.fn(async () => {
      if (failing) throw new ccxt.NetworkError('kraken connection closed by remote server, closing code 1006');
      return new Promise<CcxtOrder[]>(() => {}); // then quiet
    });
    const fetchOrder = vi.fn(async (id: string) => open(id, 0.5));
    const { follower, tracker, notices } = setup('watch', { watchOrders, fetchOrder });
    tracker.update(open('42'), 'placed');
    follower.start();
    // Backoff 1, 2, 4, 8, 16, 32 s: the 60 s mark passes on the 7th failure (at 63 s).
    await vi.advanceTimersByTimeAsync(59_000);
    expect(notices).toEqual([]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(notices.map((n) => n.kind)).toEqual(['error']);
    expect(notices[0]?.payload.error).toBe(
      'order updates (watchOrders) from kraken failing for 1 min 3 s: NetworkError: kraken connection closed by remote server, closing code 1006. Retrying; fills may be reported late.',
    );
    // Still failing: no second notice.
    await vi.advanceTimersByTimeAsync(120_000);
    expect(notices).toHaveLength(1);
    failing = false;
    watchOrders.mockImplementationOnce(async () => [open('99')]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(notices.map((n) => n.kind)).toEqual(['error', 'exchange.reconnected', 'order.submitted', 'order.filled']);
    expect(notices[1]?.payload).toMatchObject({ exchange: 'kraken', downtimeMs: expect.any(Number) });
    expect(notices[3]?.payload).toMatchObject({ id: '42', filledQty: 0.5 });
    expect(fetchOrder).toHaveBeenCalledWith('42', 'BTC/USD');
    await follower.stop();
  });

  it('a short blip stays quiet', async () => {
    const watchOrders = vi
      .fn()
      .mockRejectedValueOnce(new ccxt.RequestTimeout('timeout'))
      .mockResolvedValueOnce([open('1', 0.1)])
      .mockImplementation(() => new Promise(() => {}));
    const { follower, notices } = setup('watch', { watchOrders });
    follower.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(notices.map((n) => n.kind)).toEqual(['order.submitted', 'order.filled']);
    await follower.stop();
  });

  it('an exchange whose watchOrders cannot work (a symbol required) falls back to polling, saying so once', async () => {
    const watchOrders = vi.fn(async () => {
      throw new ccxt.ArgumentsRequired('kraken watchOrders() requires a symbol argument');
    });
    const fetchOrder = vi.fn(async (id: string) => open(id));
    const { follower, tracker, notices } = setup('watch', { watchOrders, fetchOrder });
    tracker.update(open('5'), 'placed');
    follower.start();
    await vi.advanceTimersByTimeAsync(12_000);
    expect(follower.mode).toBe('poll');
    expect(watchOrders).toHaveBeenCalledTimes(1);
    expect(notices.map((n) => n.payload.error)).toEqual([
      "watchOrders cannot follow orders on kraken (ArgumentsRequired: kraken watchOrders() requires a symbol argument); following Herald's own orders by polling fetchOrder instead.",
    ]);
    expect(fetchOrder.mock.calls.length).toBeGreaterThanOrEqual(2);
    await follower.stop();
  });

  it('stop ends the loop while a watch is pending, and a later rejection of it is no unhandled rejection', async () => {
    let reject: (e: Error) => void = () => {};
    const watchOrders = vi.fn(() => new Promise<CcxtOrder[]>((_r, j) => (reject = j)));
    const { follower } = setup('watch', { watchOrders });
    follower.start();
    await vi.advanceTimersByTimeAsync(10);
    await follower.stop();
    reject(new ccxt.NetworkError('closed by close()'));
    await vi.advanceTimersByTimeAsync(10);
    expect(watchOrders).toHaveBeenCalledTimes(1);
  });
});

describe('poll mode', () => {
  it("fetches each open order once per period, spaced by the exchange's rateLimit", async () => {
    const times: number[] = [];
    const fetchOrder = vi.fn(async (id: string) => {
      times.push(Date.now());
      return open(id);
    });
    const { follower, tracker } = setup('poll', { fetchOrder, rateLimit: 1500 });
    for (const id of ['a', 'b', 'c']) tracker.update(open(id), 'placed');
    const t0 = Date.now();
    follower.start();
    await vi.advanceTimersByTimeAsync(9_000);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // a, b, c 1.5 s apart; the next round 5 s after the first began.
    expect(times.map((t) => t - t0)).toEqual([0, 1500, 3000, 5000, 6500, 8000]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1500);
    await follower.stop();
  });

  it('more open orders than a period allows at that pace: the period stretches, the pace holds', async () => {
    const times: number[] = [];
    const fetchOrder = vi.fn(async (id: string) => {
      times.push(Date.now());
      return open(id);
    });
    const { follower, tracker } = setup('poll', { fetchOrder, rateLimit: 2000 });
    for (let i = 0; i < 4; i++) tracker.update(open(String(i)), 'placed');
    follower.start();
    await vi.advanceTimersByTimeAsync(20_000);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(2000);
    await follower.stop();
  });

  it('a new order is polled at once, not after the idle period', async () => {
    const fetchOrder = vi.fn(async (id: string) => open(id, 1));
    const { follower, tracker, notices } = setup('poll', { fetchOrder, rateLimit: 0 });
    follower.start();
    await vi.advanceTimersByTimeAsync(1000);
    tracker.update(open('n'), 'placed');
    follower.nudge();
    await vi.advanceTimersByTimeAsync(1);
    expect(fetchOrder).toHaveBeenCalledWith('n', 'BTC/USD');
    expect(notices.map((n) => n.kind)).toEqual(['order.filled']);
    await follower.stop();
  });

  it('network failures back off and a lasting outage is told once', async () => {
    const fetchOrder = vi.fn(async () => {
      throw new ccxt.ExchangeNotAvailable('kraken {"error":["EService:Unavailable"]}');
    });
    const { follower, tracker, notices } = setup('poll', { fetchOrder, rateLimit: 0 });
    tracker.update(open('1'), 'placed');
    follower.start();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(notices.map((n) => n.kind)).toEqual(['error']);
    // Backoff doubles to 60 s: about 14 tries in 10 minutes, not one every 5 s.
    expect(fetchOrder.mock.calls.length).toBeLessThan(20);
    expect(tracker.open()).toHaveLength(1);
    await follower.stop();
  });

  it('an order that fails three times for another reason is let go, saying so', async () => {
    const fetchOrder = vi.fn(async () => {
      throw new ccxt.ExchangeError('kraken {"error":["EOrder:Invalid order"]}');
    });
    const { follower, tracker, notices } = setup('poll', { fetchOrder, rateLimit: 0 });
    tracker.update(open('1'), 'placed');
    follower.start();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(fetchOrder).toHaveBeenCalledTimes(3);
    expect(notices.map((n) => n.payload.error)).toEqual([
      'stopped following order 1 (BTC/USD): ExchangeError: kraken {"error":["EOrder:Invalid order"]}. Its fills are not reported.',
    ]);
    expect(tracker.open()).toEqual([]);
    await follower.stop();
  });

  it('stop ends the idle wait at once', async () => {
    const { follower } = setup('poll', { fetchOrder: vi.fn() });
    follower.start();
    const stopped = follower.stop();
    await vi.advanceTimersByTimeAsync(0);
    await expect(stopped).resolves.toBeUndefined();
  });
});
