/** ccxt errors read by class name (any ccxt build), as one line without secrets. */
import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { describeError, isCcxtError, isPermanent, isTransient } from '../../src/ccxt/ccxt-errors.js';

describe('isCcxtError', () => {
  it("follows ccxt's class hierarchy by name", () => {
    const err = new ccxt.RequestTimeout('binance GET https://api.binance.com/api/v3/order request timed out (10000 ms)');
    expect(isCcxtError(err, 'RequestTimeout')).toBe(true);
    expect(isCcxtError(err, 'NetworkError')).toBe(true);
    expect(isCcxtError(err, 'BaseError')).toBe(true);
    expect(isCcxtError(err, 'ExchangeError')).toBe(false);
    expect(isCcxtError('NetworkError', 'NetworkError')).toBe(false);
    expect(isCcxtError(null, 'NetworkError')).toBe(false);
  });

  it('a class of the same name from another copy of ccxt (the CommonJS build) counts', () => {
    class NetworkError extends Error {}
    expect(isTransient(new NetworkError('x'))).toBe(true);
  });

  it('tells passing failures from those retrying cannot fix', () => {
    expect(isTransient(new ccxt.DDoSProtection('429'))).toBe(true);
    expect(isTransient(new ccxt.ExchangeNotAvailable('maintenance'))).toBe(true);
    expect(isTransient(new ccxt.InsufficientFunds('no'))).toBe(false);
    expect(isPermanent(new ccxt.AuthenticationError('bad key'))).toBe(true);
    expect(isPermanent(new ccxt.NotSupported('watchOrders'))).toBe(true);
    expect(isPermanent(new ccxt.ArgumentsRequired('symbol'))).toBe(true);
    expect(isPermanent(new ccxt.NetworkError('reset'))).toBe(false);
  });
});

describe('describeError', () => {
  it("pulls the exchange's text and code out of the raw answer ccxt puts in the message", () => {
    expect(describeError(new ccxt.InvalidOrder('binance {"code":-2010,"msg":"Account has insufficient balance for requested action."}'))).toBe(
      'InvalidOrder: binance Account has insufficient balance for requested action. (code -2010)',
    );
    expect(describeError(new ccxt.ExchangeError('bybit {"retCode":10001,"retMsg":"params error"}'))).toBe('ExchangeError: bybit params error (code 10001)');
    // Not JSON after all: as given.
    expect(describeError(new ccxt.ExchangeError('kraken {not json}'))).toBe('ExchangeError: kraken {not json}');
  });

  it('cuts query strings (signatures, timestamps) from URLs', () => {
    const msg = 'binance GET https://api.binance.com/api/v3/order?symbol=BTCUSDT&orderId=1&timestamp=1&signature=abcdef0123 request timed out (10000 ms)';
    expect(describeError(new ccxt.RequestTimeout(msg))).toBe('RequestTimeout: binance GET https://api.binance.com/api/v3/order?… request timed out (10000 ms)');
  });

  it("masks the exchange's credentials wherever they appear", () => {
    const apiKey = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
    const err = new ccxt.AuthenticationError(`okx {"msg":"Invalid OK-ACCESS-KEY ${apiKey}","code":"50111"}`);
    const text = describeError(err, { apiKey, secret: 'short', password: 'hunter22' });
    expect(text).toBe('AuthenticationError: okx Invalid OK-ACCESS-KEY … (code 50111)');
    expect(text).not.toContain(apiKey);
  });

  it('anything thrown reads as a line: plain errors, strings, objects', () => {
    expect(describeError(new TypeError('x is not a function'))).toBe('TypeError: x is not a function');
    expect(describeError(new Error('plain'))).toBe('plain');
    expect(describeError('a string')).toBe('a string');
    expect(describeError(42)).toBe('42');
  });
});
