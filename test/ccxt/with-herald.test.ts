/**
 * withHerald against the real ccxt package: binance (REST) and ccxt.pro binance, markets from
 * Binance's own exchangeInfo fixture, every request on the wire to a local Binance
 * (src/sandbox/fake-binance.ts) and every notification on the wire to the local fake
 * Telegram with its real limits.
 */
import ccxt from 'ccxt';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { withHerald, type HeraldCcxtOptions, type WithHerald } from '../../src/ccxt/index.js';
import type { CcxtExchange } from '../../src/ccxt/exchange-like.js';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';
import { BINANCE_KEY, BINANCE_SECRET, BinanceServer } from '../../src/sandbox/fake-binance.js';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0';
const ERROR_TOKEN = '987654321:BBHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9';
const GENERAL = '-1001234567890';
const ERRORS = '-1009876543210';

let binance: BinanceServer;
let platforms: FakePlatformServer;
const wrapped: WithHerald<CcxtExchange>[] = [];

beforeAll(async () => {
  [binance, platforms] = await Promise.all([BinanceServer.start(), FakePlatformServer.start()]);
});
afterAll(async () => {
  await Promise.all([binance.close(), platforms.close()]);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(wrapped.splice(0).map((e) => e.herald.close(2000)));
  binance.reset();
  platforms.reset();
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    TELEGRAM_API_BASE_URL: platforms.telegramBaseUrl,
    GENERAL_TELEGRAM_BOT_TOKEN: TOKEN,
    GENERAL_TELEGRAM_BOT_CHAT_ID: GENERAL,
    ERROR_TELEGRAM_BOT_TOKEN: ERROR_TOKEN,
    ERROR_TELEGRAM_BOT_CHAT_ID: ERRORS,
    HERALD_FORMAT: 'plain',
    ...extra,
  };
}

/** A binance exchange on the local servers, wrapped. */
function exchange<E extends CcxtExchange>(make: () => E, options: HeraldCcxtOptions = {}): WithHerald<E> {
  const ex = withHerald(binance.connect(make()), { env: env(), drainOnExit: false, diagnostics: () => {}, strategy: 'ema-cross', ...options });
  wrapped.push(ex);
  return ex;
}

const rest = (options: HeraldCcxtOptions = {}) => exchange(() => new ccxt.binance({ enableRateLimit: false }), options);

/** Everything one chat received, as lines (coalesced messages split back). */
function lines(chat: string): string[] {
  return platforms.messagesFor('telegram', chat).flatMap((m) => m.text.split('\n'));
}

/** Waits until the chat has a line matching, delivering meanwhile. */
async function waitFor(chat: string, pattern: RegExp, ex: WithHerald<CcxtExchange>): Promise<string> {
  for (let i = 0; i < 200; i++) {
    await ex.herald.notifier.flush(1000);
    const hit = lines(chat).find((l) => pattern.test(l));
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no line matching ${pattern} in ${chat}: ${JSON.stringify(lines(chat))}`);
}

/** Lets the notification branch (next turn of the loop) run, then delivers. */
async function settle(ex: WithHerald<CcxtExchange>): Promise<void> {
  await new Promise((r) => setImmediate(r));
  await ex.herald.notifier.flush(2000);
}

describe('order calls', () => {
  it('a market order that fills at once: one FILLED with average price and fee, nothing for submitted (off by default)', async () => {
    const ex = rest();
    const order = await ex.createOrder('BTC/USDT', 'market', 'buy', 0.5);
    expect(order.status).toBe('closed');
    await settle(ex);
    const got = lines(GENERAL);
    expect(got).toEqual(['✅ FILLED BUY 0.5 BTC/USDT @ 64,210.50 · binance · ema-cross']);
    // The request reached Binance signed, with the order as given.
    const [req] = binance.seen('POST', '/api/v3/order');
    expect(req?.params).toMatchObject({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.5' });
    expect(lines(ERRORS)).toEqual([]);
  });

  it('returns exactly what ccxt returns: the same object, untouched', async () => {
    const plain = binance.connect(new ccxt.binance({ enableRateLimit: false }));
    let fromCcxt: unknown;
    const original = plain.createOrder.bind(plain);
    plain.createOrder = async (...args: Parameters<typeof plain.createOrder>) => (fromCcxt = await original(...args)) as never;
    const ex = withHerald(plain, { env: env(), drainOnExit: false, diagnostics: () => {} });
    wrapped.push(ex);
    const order = await ex.createOrder('ETH/USDT', 'limit', 'sell', 2, 3500);
    expect(order).toBe(fromCcxt);
    expect(order).toMatchObject({ id: expect.any(String), symbol: 'ETH/USDT', side: 'sell', type: 'limit', amount: 2, price: 3500, status: 'open' });
  });

  it('never delays the call: the notification is made after the caller has the result', async () => {
    const ex = rest();
    const notify = vi.spyOn(ex.herald.notifier, 'notify');
    const order = await ex.createOrder('BTC/USDT', 'market', 'sell', 0.1);
    // The caller's continuation runs before Herald formats anything.
    expect(notify).not.toHaveBeenCalled();
    expect(order.status).toBe('closed');
    await settle(ex);
    expect(notify).toHaveBeenCalledTimes(1);
    expect(notify.mock.calls[0]![1]).toMatchObject({
      tags: { event: 'order.filled', strategy: 'ema-cross', symbol: 'BTC/USDT', exchange: 'binance', mode: 'live' },
    });
  });

  it('close() right after an order call still tells it', async () => {
    const ex = rest();
    await ex.createOrder('BTC/USDT', 'market', 'buy', 0.5);
    await ex.herald.close(2000);
    expect(lines(GENERAL)).toEqual(['✅ FILLED BUY 0.5 BTC/USDT @ 64,210.50 · binance · ema-cross']);
  });

  it('a helper that calls createOrder inside (createMarketBuyOrder) notifies once', async () => {
    const ex = rest();
    await ex.createMarketBuyOrder('BTC/USDT', 0.25);
    await ex.createLimitSellOrder('ETH/USDT', 1, 3600);
    await settle(ex);
    expect(lines(GENERAL)).toEqual(['✅ FILLED BUY 0.25 BTC/USDT @ 64,210.50 · binance · ema-cross']);
    expect(binance.seen('POST', '/api/v3/order')).toHaveLength(2);
  });

  it('order.submitted switched on: a resting limit order says SUBMITTED', async () => {
    const ex = rest({ events: { 'order.submitted': true } });
    await ex.createOrder('ETH/USDT', 'limit', 'buy', 1.5, 3400.5);
    await settle(ex);
    expect(lines(GENERAL)).toEqual(['📝 SUBMITTED BUY 1.5 ETH/USDT LIMIT @ 3,400.50 · binance · ema-cross']);
  });

  it('an exchange error becomes an error notification with the exchange message, and is re-thrown unchanged', async () => {
    const ex = rest();
    binance.failNext(400, { code: -2010, msg: 'Account has insufficient balance for requested action.' }, 'POST /api/v3/order');
    const err = await ex.createOrder('BTC/USDT', 'market', 'buy', 100).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ccxt.InsufficientFunds);
    expect((err as Error).message).toBe('binance Account has insufficient balance for requested action.');
    const line = await waitFor(ERRORS, /createOrder/, ex);
    expect(line).toBe('createOrder BTC/USDT failed: InsufficientFunds: binance Account has insufficient balance for requested action.');
    expect(lines(ERRORS)[0]).toBe('🚨 ERROR · ema-cross · BTC/USDT');
    // Errors go to the general chat too ("general is used for all notifications").
    expect(lines(GENERAL)).toContain(line);
  });

  it("an order Binance refuses (a filter failure) is told with Binance's own reason and code", async () => {
    const ex = rest();
    binance.failNext(400, { code: -1013, msg: 'Filter failure: NOTIONAL' }, 'POST /api/v3/order');
    // ccxt maps Binance's -1013 to BadRequest.
    await expect(ex.createOrder('ETH/USDT', 'limit', 'buy', 0.001, 10)).rejects.toBeInstanceOf(ccxt.BadRequest);
    const line = await waitFor(ERRORS, /createOrder/, ex);
    expect(line).toBe('createOrder ETH/USDT failed: BadRequest: binance Filter failure: NOTIONAL (code -1013)');
  });

  it("a network failure is told without the request's query (signature) and re-thrown as ccxt's NetworkError", async () => {
    const ex = rest();
    (ex as unknown as { fetchImplementation: unknown }).fetchImplementation = () => Promise.reject(new TypeError('fetch failed'));
    const err = await ex.fetchOrder('1', 'BTC/USDT').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ccxt.NetworkError);
    await expect(ex.cancelOrder('1', 'BTC/USDT')).rejects.toBeInstanceOf(ccxt.NetworkError);
    const line = await waitFor(ERRORS, /cancelOrder/, ex);
    expect(line).toMatch(/^cancelOrder BTC\/USDT failed: NetworkError: binance DELETE https:\/\/api\.binance\.com\/api\/v3\/order\?… fetch failed$/);
    const all = platforms.messages.map((m) => m.text).join('\n');
    expect(all).not.toContain('signature');
    expect(all).not.toContain(BINANCE_KEY);
    expect(all).not.toContain(BINANCE_SECRET);
    // fetchOrder is not an order call: its failure is the caller's to handle.
    expect(lines(ERRORS).filter((l) => l.startsWith('fetchOrder'))).toEqual([]);
  });

  it('cancelOrder: CANCELLED with what was filled before', async () => {
    const ex = rest();
    const order = await ex.createOrder('BTC/USDT', 'limit', 'buy', 1, 60_000);
    binance.fill(Number(order.id), 0.4, 60_000);
    await ex.cancelOrder(order.id!, 'BTC/USDT');
    await settle(ex);
    expect(lines(GENERAL)).toEqual(['✖️ CANCELLED BUY 1 BTC/USDT LIMIT @ 60,000.00 · binance · ema-cross (0.4 filled before)']);
  });

  it('cancelAllOrders: each open order is told', async () => {
    const ex = rest();
    await ex.createOrder('ETH/USDT', 'limit', 'buy', 1, 3000);
    await ex.createOrder('ETH/USDT', 'limit', 'buy', 2, 2900);
    await ex.cancelAllOrders('ETH/USDT');
    await settle(ex);
    expect(lines(GENERAL)).toEqual([
      '✖️ CANCELLED BUY 1 ETH/USDT LIMIT @ 3,000.00 · binance · ema-cross',
      '✖️ CANCELLED BUY 2 ETH/USDT LIMIT @ 2,900.00 · binance · ema-cross',
    ]);
  });

  it('a testnet exchange is reported as paper', async () => {
    const ex = exchange(() => {
      const b = new ccxt.binance({ enableRateLimit: false });
      b.setSandboxMode(true);
      // The sandbox URLs point at testnet.binance.vision; the local server answers there too.
      (b as unknown as { urls: { api: Record<string, string> } }).urls.api.private = 'https://api.binance.com/api/v3';
      return b;
    });
    await ex.createOrder('BTC/USDT', 'market', 'buy', 0.5);
    await settle(ex);
    expect(lines(GENERAL)).toEqual(['✅ FILLED BUY 0.5 BTC/USDT @ 64,210.50 · binance · ema-cross · paper']);
  });
});

describe('following fills by polling fetchOrder (REST exchange)', () => {
  it('an order that fills in three parts: two partial fills and the final fill', async () => {
    const ex = rest({ pollMs: 20 });
    expect(ex.herald.following).toBe('poll');
    const order = await ex.createOrder('BTC/USDT', 'limit', 'buy', 1, 64_000);
    const id = Number(order.id);
    binance.fill(id, 0.3, 64_000);
    await waitFor(GENERAL, /PARTIAL FILL BUY 0\.3 of 1/, ex);
    binance.fill(id, 0.3, 63_990);
    await waitFor(GENERAL, /PARTIAL FILL BUY 0\.6 of 1/, ex);
    binance.fill(id, 0.4, 63_980);
    await waitFor(GENERAL, /✅ FILLED/, ex);
    expect(lines(GENERAL)).toEqual([
      '🟡 PARTIAL FILL BUY 0.3 of 1 BTC/USDT @ 64,000.00 (0.7 remaining) · binance · ema-cross',
      '🟡 PARTIAL FILL BUY 0.6 of 1 BTC/USDT @ 63,995.00 (0.4 remaining) · binance · ema-cross',
      '✅ FILLED BUY 1 BTC/USDT @ 63,989.00 · binance · ema-cross',
    ]);
    // The order is no longer polled once it is final.
    const polls = binance.seen('GET', '/api/v3/order').length;
    await new Promise((r) => setTimeout(r, 100));
    expect(binance.seen('GET', '/api/v3/order').length).toBe(polls);
  });

  it('an order that expires is told as cancelled, reason expired', async () => {
    const ex = rest({ pollMs: 20 });
    const order = await ex.createOrder('ETH/USDT', 'limit', 'sell', 3, 3900);
    binance.end(Number(order.id), 'EXPIRED');
    await waitFor(GENERAL, /CANCELLED/, ex);
    expect(lines(GENERAL)).toEqual(['✖️ CANCELLED SELL 3 ETH/USDT LIMIT @ 3,900.00 · binance · ema-cross']);
  });

  it('an order the exchange no longer knows is let go, saying so', async () => {
    const ex = rest({ pollMs: 20 });
    const order = await ex.createOrder('ETH/USDT', 'limit', 'sell', 3, 3900);
    binance.orders.delete(Number(order.id));
    const line = await waitFor(ERRORS, /stopped following/, ex);
    expect(line).toBe(`stopped following order ${order.id} (ETH/USDT): OrderNotFound: binance Order does not exist. (code -2013). Its fills are not reported.`);
  });
});

describe('following fills with watchOrders (ccxt.pro)', () => {
  /** A ccxt.pro binance whose user-data stream is scripted: Binance's executionReport messages go through ccxt's own handler. */
  function pro(options: HeraldCcxtOptions = {}) {
    const queue: (Record<string, unknown> | Error)[] = [];
    let waiting: (() => void) | undefined;
    const ex = exchange(() => {
      const b = new ccxt.pro.binance({ enableRateLimit: false });
      let resolved: unknown;
      const client = { resolve: (value: unknown) => (resolved = value) };
      const handler = b as unknown as { handleOrder(c: unknown, m: unknown): void; orders?: { clear?(): void } };
      b.watchOrders = async () => {
        while (!queue.length) await new Promise<void>((r) => (waiting = r));
        const next = queue.shift()!;
        if (next instanceof Error) throw next;
        handler.handleOrder(client, next);
        return [...(resolved as unknown[])].slice(-1) as never;
      };
      return b;
    }, options);
    const push = (m: Record<string, unknown> | Error) => {
      queue.push(m);
      waiting?.();
    };
    return { ex, push };
  }

  it('an order that fills in three parts, reported by the stream: two partial fills and the final fill, each once', async () => {
    const { ex, push } = pro();
    expect(ex.herald.following).toBe('watch');
    const order = await ex.createOrder('BTC/USDT', 'limit', 'sell', 1, 65_000);
    const id = Number(order.id);
    push(binance.executionReport(id)); // NEW: already known from the REST answer
    push(binance.executionReport(binance.fill(id, 0.25, 65_000).orderId));
    await waitFor(GENERAL, /PARTIAL FILL SELL 0\.25 of 1/, ex);
    push(binance.executionReport(binance.fill(id, 0.5, 65_010).orderId));
    await waitFor(GENERAL, /PARTIAL FILL SELL 0\.75 of 1/, ex);
    push(binance.executionReport(binance.fill(id, 0.25, 65_020).orderId));
    await waitFor(GENERAL, /✅ FILLED/, ex);
    // The same final report again (a reconnect replays it): nothing more.
    push(binance.executionReport(id));
    await settle(ex);
    expect(lines(GENERAL)).toEqual([
      '🟡 PARTIAL FILL SELL 0.25 of 1 BTC/USDT @ 65,000.00 (0.75 remaining) · binance · ema-cross',
      '🟡 PARTIAL FILL SELL 0.75 of 1 BTC/USDT @ 65,006.67 (0.25 remaining) · binance · ema-cross',
      '✅ FILLED SELL 1 BTC/USDT @ 65,010.00 · binance · ema-cross',
    ]);
    // No polling while the stream works.
    expect(binance.seen('GET', '/api/v3/order')).toEqual([]);
  });

  it("orders placed elsewhere (the exchange's web page) are followed too; a rejection is an error", async () => {
    const { ex, push } = pro();
    const other = binance.connect(new ccxt.binance({ enableRateLimit: false }));
    const placed = await other.createOrder('ETH/USDT', 'limit', 'buy', 2, 3000);
    push(binance.executionReport(Number(placed.id)));
    push(binance.executionReport(binance.end(Number(placed.id), 'REJECTED').orderId));
    const line = await waitFor(ERRORS, /rejected/, ex);
    expect(line).toBe('order rejected: BUY 2 ETH/USDT LIMIT @ 3,000.00');
  });

  it('watch: false follows by polling instead', () => {
    const { ex } = pro({ watch: false });
    expect(ex.herald.following).toBe('poll');
  });

  it('a disconnect is retried quietly; fills missed meanwhile are fetched once the stream is back', async () => {
    const { ex, push } = pro();
    const order = await ex.createOrder('BTC/USDT', 'limit', 'buy', 1, 64_000);
    push(new ccxt.NetworkError('binance connection closed by remote server, closing code 1006'));
    // Filled while the stream was down: the stream will not replay it.
    binance.fill(Number(order.id), 1, 64_000);
    const other = binance.connect(new ccxt.binance({ enableRateLimit: false }));
    const unrelated = await other.createOrder('ETH/USDT', 'limit', 'buy', 1, 3000);
    push(binance.executionReport(Number(unrelated.id)));
    await waitFor(GENERAL, /✅ FILLED BUY 1 BTC\/USDT/, ex);
    expect(lines(ERRORS)).toEqual([]);
    expect(binance.seen('GET', '/api/v3/order').map((r) => r.params.orderId)).toEqual([order.id]);
  });
});

describe('misuse', () => {
  it('something that is not an exchange, or one wrapped twice, is refused with the fix', () => {
    expect(() => withHerald({} as CcxtExchange)).toThrow(/give it a ccxt exchange instance/);
    const ex = rest();
    expect(() => withHerald(ex)).toThrow(/already wrapped; use exchange.herald/);
  });
});
