/**
 * `withHerald(exchange)`: the same ccxt exchange object, whose order calls notify. Each wrapped
 * method returns ccxt's own promise untouched; notifications are made from a branch of it on
 * the next turn of the event loop, so an order call is never delayed, and nothing Herald does
 * can change what ccxt returns or throws. Notifications go through Herald's plugin (as host
 * events), so event settings, templates, cards and channel mappings apply as for any host.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'eventemitter3';
import type { Notifier } from '../core/notifier.js';
import type { FlushReport } from '../delivery/delivery.js';
import { heraldPlugin, type HeraldPluginOptions } from '../plugin/plugin.js';
import { describeError, type Credentials } from './ccxt-errors.js';
import type { CcxtExchange, CcxtOrder } from './exchange-like.js';
import { ORDER_METHODS, type OrderAction } from './order-methods.js';
import { OrderFollower, type FollowMode } from './order-follower.js';
import { OrderTracker, type OrderNotice } from './order-tracker.js';

/** Options of {@link withHerald}: a notifier's options, plus how orders are followed. */
export interface HeraldCcxtOptions extends Omit<HeraldPluginOptions, 'drainOnTerminate' | 'drainDeadlineMs'> {
  /** The `strategy` tag and footer of every notification. */
  strategy?: string;
  /** `paper` or `live`; default `paper` when the exchange is in sandbox (testnet) mode, else `live`. */
  mode?: 'live' | 'paper';
  /** Follow fills with `watchOrders`; default true when the exchange has it (ccxt.pro classes). */
  watch?: boolean;
  /** Without `watch`: how often Herald's open orders are fetched, in ms (default 5000; never faster than the exchange's `rateLimit`). */
  pollMs?: number;
  /** How long order updates may fail before one notification says so (ms, default 60 000). */
  outageNoticeMs?: number;
}

/** `exchange.herald`: the notifier and the fill-following loop. */
export interface HeraldCcxt {
  readonly notifier: Notifier;
  /** How fills are followed now: `watch` (watchOrders), `poll` (fetchOrder) or `off`. */
  readonly following: FollowMode;
  /** Ends the fill-following loop; resolves when it has. The notifier stays open. */
  stop(): Promise<void>;
  /** Stops, then delivers what is queued within the deadline and closes the notifier (if Herald made it). */
  close(timeoutMs?: number): Promise<FlushReport>;
}

/** An exchange after {@link withHerald}: the same object and type, with `herald`. */
export type WithHerald<E> = E & { readonly herald: HeraldCcxt };

/** Set while a wrapped call runs, so the ccxt helpers it calls (createMarketOrder → createOrder) do not notify again. */
const insideOrderCall = new AsyncLocalStorage<true>();

const DEFAULT_POLL_MS = 5000;
const DEFAULT_OUTAGE_NOTICE_MS = 60_000;

const isOrder = (v: unknown): v is CcxtOrder => v !== null && typeof v === 'object' && 'id' in v && (v as CcxtOrder).id !== undefined;

/** The orders in an order call's answer (one order, a list, or something else). */
function ordersIn(result: unknown): CcxtOrder[] {
  if (Array.isArray(result)) return result.filter(isOrder);
  return isOrder(result) ? [result] : [];
}

/** The symbol an order call was about: ccxt's order methods take it first (`cancelOrder(id, symbol)` second). */
function symbolOf(method: string, args: readonly unknown[]): string | undefined {
  const v = args[/^(cancelOrder|editOrder|editLimit)/.test(method) ? 1 : 0];
  // A unified symbol always has its slash (`BTC/USDT`, `BTC/USDT:USDT`); ids and lists do not.
  return typeof v === 'string' && v.includes('/') ? v : undefined;
}

/**
 * Makes a ccxt exchange notify about its orders: submitted (off by default), filled, partly
 * filled, cancelled, expired, rejected, and every failed order call (re-thrown unchanged).
 * Returns the same object, typed as given, with `exchange.herald`.
 *
 * @example
 * const exchange = withHerald(new ccxt.pro.binance({ apiKey, secret }), { strategy: 'ema-cross' });
 */
export function withHerald<E extends CcxtExchange>(exchange: E, options: HeraldCcxtOptions = {}): WithHerald<E> {
  if (exchange === null || typeof exchange !== 'object' || typeof exchange.createOrder !== 'function') {
    throw new TypeError('withHerald(exchange): give it a ccxt exchange instance, e.g. withHerald(new ccxt.binance({ apiKey, secret }))');
  }
  if ('herald' in exchange) throw new TypeError('withHerald(exchange): this exchange is already wrapped; use exchange.herald');
  const plugin = heraldPlugin(options);
  const host = { events: new EventEmitter() };
  const handle = plugin.install(host);
  const mode = options.mode ?? (exchange.isSandboxModeEnabled === true ? 'paper' : 'live');
  const strategy = typeof options.strategy === 'string' && options.strategy.trim() !== '' ? options.strategy.trim() : undefined;
  const context = { exchange: exchange.id, mode, ...(strategy ? { strategy } : {}) } as const;
  const tracker = new OrderTracker(context);
  // Read when an error is described: keys may be set after wrapping.
  const secrets = exchange as unknown as Credentials;
  const describe = (err: unknown): string =>
    describeError(err, {
      apiKey: secrets.apiKey,
      secret: secrets.secret,
      password: secrets.password,
      uid: secrets.uid,
      privateKey: secrets.privateKey,
      token: secrets.token,
    });
  const emit = (n: OrderNotice): void => void host.events.emit(n.kind, n.payload);

  const watchable = exchange.has.watchOrders === true && typeof exchange.watchOrders === 'function';
  const pollable = typeof exchange.fetchOrder === 'function' && exchange.has.fetchOrder !== false;
  const followMode: FollowMode = (options.watch ?? watchable) && watchable ? 'watch' : pollable ? 'poll' : 'off';
  const follower = new OrderFollower({
    exchange,
    tracker,
    emit,
    context,
    describe,
    mode: followMode,
    pollMs: Math.max(options.pollMs ?? DEFAULT_POLL_MS, 1),
    outageNoticeMs: options.outageNoticeMs ?? DEFAULT_OUTAGE_NOTICE_MS,
  });

  const onResult = (action: OrderAction, method: string, args: readonly unknown[], result: unknown): void => {
    const orders = ordersIn(result);
    if (action === 'cancel') {
      // cancelAllOrders often answers without the orders: the ones Herald followed are the ones cancelled.
      const known = orders.length ? orders : method.startsWith('cancelAllOrders') ? tracker.open(symbolOf(method, args)).map((o) => o.order) : [];
      for (const o of known) for (const n of tracker.update(o, 'cancel')) emit(n);
      if (!known.length && method.startsWith('cancelAllOrders')) {
        const symbol = symbolOf(method, args);
        emit({
          kind: 'custom',
          payload: {
            ...context,
            name: 'orders cancelled',
            message: `all open orders${symbol ? ` on ${symbol}` : ''} cancelled`,
            ...(symbol ? { symbol } : {}),
          },
        });
      }
      return;
    }
    for (const o of orders) for (const n of tracker.update(o, 'placed')) emit(n);
    follower.nudge();
  };

  const onError = (method: string, args: readonly unknown[], err: unknown): void => {
    const symbol = symbolOf(method, args);
    emit({ kind: 'error', payload: tracker.errorPayload(`${method}${symbol ? ` ${symbol}` : ''} failed: ${describe(err)}`, symbol) });
  };

  /** Runs a notification step; a bug of ours becomes a report, never the caller's problem. */
  const safely = (step: () => void): void => {
    setImmediate(() => {
      try {
        step();
      } catch (err) {
        handle.notifier.notify(`⚠️ Herald could not report an order call on ${exchange.id}: ${describe(err)}`, { level: 'error' });
      }
    });
  };

  const target = exchange as unknown as Record<string, unknown>;
  for (const [method, action] of ORDER_METHODS) {
    const original = target[method];
    if (typeof original !== 'function') continue;
    const wrapped = function (this: unknown, ...args: unknown[]): unknown {
      if (insideOrderCall.getStore()) return Reflect.apply(original, this, args);
      const result: unknown = insideOrderCall.run(true, () => Reflect.apply(original, this, args));
      if (result instanceof Promise) {
        // A branch: the caller gets ccxt's own promise, settled exactly as ccxt settles it.
        result.then(
          (value: unknown) => safely(() => onResult(action, method, args, value)),
          (err: unknown) => safely(() => onError(method, args, err)),
        );
      }
      return result;
    };
    Object.defineProperty(wrapped, 'name', { value: method });
    Object.defineProperty(exchange, method, { value: wrapped, configurable: true, writable: true, enumerable: false });
  }

  const herald: HeraldCcxt = {
    notifier: handle.notifier,
    get following() {
      return follower.mode;
    },
    stop: () => follower.stop(),
    close: async (timeoutMs) => {
      await follower.stop();
      // Order calls that settled just now have their notification one turn of the loop away.
      await new Promise((resolve) => setImmediate(resolve));
      handle.uninstall();
      // A notifier the user gave stays theirs to close.
      return options.notifier ? handle.flush(timeoutMs) : handle.close(timeoutMs);
    },
  };
  Object.defineProperty(exchange, 'herald', { value: herald, configurable: true, enumerable: false });
  follower.start();
  return exchange as WithHerald<E>;
}
