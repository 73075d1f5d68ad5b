/** The fake Binance checks what Binance checks (key, HMAC signature) and answers in Binance's shapes. */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINANCE_KEY, BINANCE_SECRET, BinanceServer } from '../../src/sandbox/fake-binance.js';

let server: BinanceServer;
beforeAll(async () => {
  server = await BinanceServer.start();
});
afterAll(() => server.close());

function signed(query: string, secret = BINANCE_SECRET): string {
  return `${query}&signature=${createHmac('sha256', secret).update(query).digest('hex')}`;
}
const post = (body: string, key = BINANCE_KEY) =>
  fetch(`${server.origin}/api/v3/order`, { method: 'POST', headers: { 'x-mbx-apikey': key, 'content-type': 'application/x-www-form-urlencoded' }, body });

describe('fake Binance', () => {
  it('refuses a wrong signature or key with -1022, as Binance does', async () => {
    const query = 'symbol=BTCUSDT&side=BUY&type=MARKET&quantity=1&timestamp=1';
    const bad = await post(signed(query, 'another-secret'));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ code: -1022, msg: 'Signature for this request is not valid.' });
    expect((await post(signed(query), 'another-key')).status).toBe(400);
    expect(server.orders.size).toBe(0);
  });

  it('a market order fills at once with its fills; a limit order rests until filled in parts', async () => {
    const market = (await (await post(signed('symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.5&timestamp=1'))).json()) as Record<string, unknown>;
    expect(market).toMatchObject({ symbol: 'BTCUSDT', status: 'FILLED', executedQty: '0.50000000', fills: [{ qty: '0.50000000', commissionAsset: 'BTC' }] });
    const limit = (await (await post(signed('symbol=ETHUSDT&side=SELL&type=LIMIT&quantity=2&price=3000&timeInForce=GTC&timestamp=2'))).json()) as {
      orderId: number;
      status: string;
    };
    expect(limit.status).toBe('NEW');
    server.fill(limit.orderId, 0.5, 3000);
    expect(server.executionReport(limit.orderId)).toMatchObject({ e: 'executionReport', x: 'TRADE', X: 'PARTIALLY_FILLED', l: '0.50000000', z: '0.50000000' });
    expect(server.fill(limit.orderId, 5, 3000)).toMatchObject({ status: 'FILLED', executedQty: 2 });
  });

  it('an injected failure waits for its route', async () => {
    server.failNext(400, { code: -2010, msg: 'Account has insufficient balance for requested action.' }, 'POST /api/v3/order');
    const get = await fetch(`${server.origin}/api/v3/order?${signed('symbol=BTCUSDT&orderId=999999&timestamp=3')}`, {
      headers: { 'x-mbx-apikey': BINANCE_KEY },
    });
    expect(await get.json()).toEqual({ code: -2013, msg: 'Order does not exist.' });
    const refused = await post(signed('symbol=BTCUSDT&side=BUY&type=MARKET&quantity=9&timestamp=4'));
    expect(await refused.json()).toEqual({ code: -2010, msg: 'Account has insufficient balance for requested action.' });
  });
});
