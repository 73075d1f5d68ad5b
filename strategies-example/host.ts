import { EventEmitter } from 'eventemitter3';
import type { Candle } from './candles.js';

/**
 * A minimal paper-trading host: an event bus plus a candle replay with simulated fills.
 *
 * It exists to show what a trading framework must emit for Herald to plug in (the
 * "Host events the plugin hooks" contract in DESIGN.md), and to give tests and the
 * `npm start` demo a deterministic session. It is not a backtester: no fees, no slippage,
 * no balance checks.
 *
 * Fill model, evaluated at the start of each candle for orders submitted earlier:
 * - market orders fill completely at this candle's open;
 * - a limit order whose price the open has already passed fills completely at the open
 *   (price improvement, as on a real book after a gap);
 * - a limit order whose price lies strictly inside the candle's range fills completely at
 *   its price;
 * - a limit order whose price the candle only touches (high exactly at a sell limit, low
 *   exactly at a buy limit) fills half its quantity: a touch means the level traded, not
 *   that all resting size at it did. The rest fills on a later candle;
 * - an order still open after `orderTtlCandles` candles is cancelled (reason `expired`).
 */

/** Order side as the contract names it. */
export type Side = 'buy' | 'sell';
/** Order type supported by the simulator. */
export type OrderType = 'market' | 'limit';

/** Options for {@link StrategyContext.buy} / {@link StrategyContext.sell}. */
export interface OrderOptions {
  type: OrderType;
  /** Required for limit orders. */
  price?: number;
}

/** A snapshot of an order as strategies and event listeners see it. */
export interface PaperOrder {
  id: string;
  exchange: string;
  symbol: string;
  side: Side;
  type: OrderType;
  qty: number;
  price?: number;
  filledQty: number;
  avgPrice?: number;
  strategy: string;
  /** Index of the candle during which the order was submitted. */
  submittedAt: number;
}

/** A strategy's net position, as seen through {@link StrategyContext.position}. */
export interface PositionView {
  side: 'long' | 'short';
  qty: number;
  entryPrice: number;
}

/** What a strategy can see and do while handling one candle. */
export interface StrategyContext {
  readonly exchange: string;
  readonly symbol: string;
  readonly mode: 'paper';
  /** Zero-based index of the current candle in the replay. */
  readonly candleIndex: number;
  /** This strategy's net position, or null when flat. Reflects fills up to this candle's open. */
  readonly position: PositionView | null;
  /** This strategy's orders that are still open. */
  readonly openOrders: readonly PaperOrder[];
  /** Submits a buy order; returns its id. Fills are simulated from later candles. */
  buy(qty: number, options?: OrderOptions): string;
  /** Submits a sell order; returns its id. */
  sell(qty: number, options?: OrderOptions): string;
  /** Cancels an open order; returns false if it is unknown or no longer open. */
  cancel(orderId: string): boolean;
}

/** The interface a strategy implements to run in {@link PaperHost}. */
export interface Strategy {
  /** Unique within a host; used in every event payload. */
  readonly name: string;
  /** Called once per candle. May throw: the host reports it as a non-fatal `error` and carries on. */
  onCandle(candle: Candle, ctx: StrategyContext): void | Promise<void>;
}

/** Options for {@link PaperHost.run}. */
export interface RunOptions {
  exchange: string;
  symbol: string;
  mode: 'paper';
}

/** Options for the {@link PaperHost} constructor. */
export interface PaperHostOptions {
  /** Orders still open after this many candles are cancelled. Default 24. */
  orderTtlCandles?: number;
  /**
   * Candle index at which one exchange disconnect is simulated (an `exchange.reconnected`
   * event is emitted there). Default: the middle of the replay. `false` disables it.
   */
  disconnectAt?: number | false;
  /** Downtime reported for the simulated disconnect. Default 4200 ms. */
  disconnectDowntimeMs?: number;
  /** Emit one `custom` `replay-summary` event before `session.terminated`. Default true. */
  summary?: boolean;
  /** Cash the paper account starts with, in the quote currency (for the equity curve). Default 10 000. */
  startingCash?: number;
}

/**
 * Payload of `report.snapshot`: the account as it stands, emitted after every candle so a
 * reporting plugin (Herald's periodic report) always has the latest picture.
 */
export interface SnapshotEvent {
  positions: {
    symbol: string;
    side: 'long' | 'short';
    qty: number;
    entryPrice: number;
    markPrice: number;
    pnl: number;
    pnlPct: number;
    exchange: string;
    strategy: string;
  }[];
  balances: { asset: string; total: number }[];
  /** Mark-to-market equity after each candle (epoch ms, quote currency). */
  equity: { t: number; value: number }[];
  realisedPnl: number;
}

/** Payload of `order.*` events. */
export interface OrderEvent {
  id: string;
  exchange: string;
  symbol: string;
  side: Side;
  type: OrderType;
  qty: number;
  price?: number;
  /** Cumulative filled quantity; `filledQty < qty` on `order.filled` is a partial fill. */
  filledQty?: number;
  /** Volume-weighted average price of all fills so far. */
  avgPrice?: number;
  /** Quantity and price of the fill this event reports (on `order.filled`). */
  lastFillQty?: number;
  lastFillPrice?: number;
  /** Why the order was cancelled (on `order.cancelled`). */
  reason?: string;
  strategy: string;
  mode: 'paper';
  time: number;
}

/**
 * Payload of `position.*` events. Prices in quote currency, `pnl` in quote currency
 * (no fees), `pnlPct` in percent of the entry cost of the quantity exited.
 *
 * - `opened`, `increased`: `qty` and `entryPrice` are the position after the fill.
 * - `reduced`: `qty` is what remains; `closedQty`, `exitPrice`, `pnl`, `pnlPct` describe
 *   the part just exited.
 * - `closed`: `qty` is the total quantity exited over the position's life, `exitPrice`
 *   their average exit price, `pnl`/`pnlPct` the position's total realised result.
 */
export interface PositionEvent {
  exchange: string;
  symbol: string;
  side: 'long' | 'short';
  qty: number;
  entryPrice: number;
  exitPrice?: number;
  pnl?: number;
  pnlPct?: number;
  closedQty?: number;
  strategy: string;
  mode: 'paper';
  time: number;
}

/** Every event {@link PaperHost} emits on {@link PaperHost.events}, with its payload. */
export interface PaperHostEvents {
  'strategy.created': Strategy;
  'session.started': { mode: 'paper'; exchange: string; symbols: string[]; strategy: string };
  'session.terminated': { mode: 'paper'; exchange: string; symbols: string[]; strategy: string; reason: string };
  'order.submitted': OrderEvent;
  'order.filled': OrderEvent;
  'order.cancelled': OrderEvent;
  'position.opened': PositionEvent;
  'position.increased': PositionEvent;
  'position.reduced': PositionEvent;
  'position.closed': PositionEvent;
  'exchange.reconnected': { exchange: string; downtimeMs: number };
  error: { error: Error | string; strategy: string; symbol: string; fatal: boolean };
  custom: { name: string; message?: string; data?: unknown; level?: 'info' | 'error' };
  'report.snapshot': SnapshotEvent;
}

/** Counters returned by {@link PaperHost.run}. */
export interface RunStats {
  orders: number;
  /** Every `order.filled` event, partial ones included. */
  fills: number;
  partialFills: number;
  cancels: number;
  /** Strategy exceptions reported as `error` events. */
  errors: number;
  /** Sum of realised P&L over all strategies, quote currency. */
  realizedPnl: number;
}

const emptyStats = (): RunStats => ({ orders: 0, fills: 0, partialFills: 0, cancels: 0, errors: 0, realizedPnl: 0 });

/** Internal position book for one strategy. */
interface Book {
  /** Signed: > 0 long, < 0 short, 0 flat. */
  qty: number;
  entryPrice: number;
  /** Accumulated over the current position's life, for the `position.closed` totals. */
  exitedQty: number;
  exitNotional: number;
  entryCostExited: number;
  realizedPnl: number;
}

/** Quantities below this are float residue, not size. */
const EPS = 1e-12;

/** Rounds to 1e-8 so payloads read 85.835, not 85.83499999999987 (no real quote has more precision). */
const tidy = (n: number): number => Math.round(n * 1e8) / 1e8;

/**
 * The reference host. Plug Herald in with `heraldPlugin().install(host)`: it only needs
 * {@link PaperHost.events}.
 */
export class PaperHost {
  /** The host's event bus; see {@link PaperHostEvents} for names and payloads. */
  readonly events = new EventEmitter();
  /** Strategies in the order they were added; each sees every candle. */
  readonly strategies: Strategy[] = [];

  private readonly ttl: number;
  private readonly disconnectAt: number | false | undefined;
  private readonly downtimeMs: number;
  private readonly summary: boolean;
  private readonly startingCash: number;
  private equity: { t: number; value: number }[] = [];

  private orders: PaperOrder[] = [];
  private books = new Map<string, Book>();
  private nextId = 1;
  private stats = emptyStats();

  constructor(options: PaperHostOptions = {}) {
    this.ttl = options.orderTtlCandles ?? 24;
    this.disconnectAt = options.disconnectAt;
    this.downtimeMs = options.disconnectDowntimeMs ?? 4200;
    this.summary = options.summary ?? true;
    this.startingCash = options.startingCash ?? 10_000;
  }

  /**
   * Registers a strategy and emits `strategy.created` with the instance, before it sees
   * any candle, so plugins (Herald) can give it `log()`.
   */
  addStrategy<S extends Strategy>(strategy: S): S {
    if (this.strategies.some((s) => s.name === strategy.name)) {
      throw new Error(`a strategy named "${strategy.name}" is already registered`);
    }
    this.strategies.push(strategy);
    this.emit('strategy.created', strategy);
    return strategy;
  }

  /**
   * Replays `candles` through every strategy as fast as possible (no sleeping) and emits
   * the session, order, position, error and exchange events along the way.
   *
   * @returns counters for the replay
   */
  async run(candles: readonly Candle[], options: RunOptions): Promise<RunStats> {
    const { exchange, symbol, mode } = options;
    this.orders = [];
    this.books = new Map();
    this.stats = emptyStats();
    this.equity = [];
    const strategyName = this.strategies.map((s) => s.name).join(', ');
    const disconnectAt = this.disconnectAt === undefined ? Math.floor(candles.length / 2) : this.disconnectAt;

    this.emit('session.started', { mode, exchange, symbols: [symbol], strategy: strategyName });

    for (let i = 0; i < candles.length; i++) {
      const candle = candles[i]!;
      if (i === disconnectAt && i > 0) {
        // Simulated: the feed dropped and came back; no candle is lost, so no real wait.
        this.emit('exchange.reconnected', { exchange, downtimeMs: this.downtimeMs });
      }
      this.matchOrders(candle, i, options);
      this.expireOrders(candle, i, options);

      for (const strategy of this.strategies) {
        const ctx = this.context(strategy, candle, i, options);
        try {
          const result = strategy.onCandle(candle, ctx);
          // Only await real promises: awaiting every candle would slow a sync replay for nothing.
          if (result !== undefined && typeof (result as Promise<void>).then === 'function') await result;
        } catch (err) {
          this.stats.errors++;
          this.emit('error', {
            error: err instanceof Error ? err : String(err),
            strategy: strategy.name,
            symbol,
            fatal: false,
          });
        }
      }
      this.emit('report.snapshot', this.snapshot(candle, options));
    }

    // Orders cannot outlive the session they were placed in.
    const end = candles[candles.length - 1]?.time ?? Date.now();
    for (const order of [...this.orders]) this.cancelOrder(order, 'session ended', end, options);

    if (this.summary) {
      // Message only: the counters are all in it, and a data dump would make the notification noisy.
      const s = this.stats;
      this.emit('custom', {
        name: 'replay-summary',
        level: 'info',
        message:
          `Replayed ${candles.length} ${symbol} candles: ${s.orders} orders, ${s.fills} fills ` +
          `(${s.partialFills} partial), ${s.cancels} cancelled, ${s.errors} strategy error${s.errors === 1 ? '' : 's'}, ` +
          `realised P&L ${s.realizedPnl >= 0 ? '+' : ''}${s.realizedPnl.toFixed(2)}`,
      });
    }
    this.emit('session.terminated', { mode, exchange, symbols: [symbol], strategy: strategyName, reason: 'replay finished' });
    return { ...this.stats, realizedPnl: tidy(this.stats.realizedPnl) };
  }

  /** The account after `candle`: open positions marked at its close, cash, the equity curve. */
  private snapshot(candle: Candle, run: RunOptions): SnapshotEvent {
    const positions: SnapshotEvent['positions'] = [];
    let unrealised = 0;
    for (const [strategy, book] of this.books) {
      if (Math.abs(book.qty) <= EPS) continue;
      const direction = book.qty > 0 ? 1 : -1;
      const qty = Math.abs(book.qty);
      const pnl = (candle.close - book.entryPrice) * qty * direction;
      unrealised += pnl;
      positions.push({
        symbol: run.symbol,
        side: direction > 0 ? 'long' : 'short',
        qty: tidy(qty),
        entryPrice: tidy(book.entryPrice),
        markPrice: candle.close,
        pnl: tidy(pnl),
        pnlPct: tidy((pnl / (book.entryPrice * qty)) * 100),
        exchange: run.exchange,
        strategy,
      });
    }
    const cash = this.startingCash + this.stats.realizedPnl;
    this.equity.push({ t: candle.time, value: tidy(cash + unrealised) });
    const quote = run.symbol.split(/[-/]/)[1] ?? 'USDT';
    return { positions, balances: [{ asset: quote, total: tidy(cash) }], equity: this.equity, realisedPnl: tidy(this.stats.realizedPnl) };
  }

  /** Typed emit: the public emitter stays untyped so any plugin can subscribe to it. */
  private emit<K extends keyof PaperHostEvents>(name: K, payload: PaperHostEvents[K]): void {
    this.events.emit(name, payload);
  }

  private context(strategy: Strategy, candle: Candle, index: number, run: RunOptions): StrategyContext {
    const book = this.book(strategy.name);
    const position: PositionView | null =
      Math.abs(book.qty) > EPS ? { side: book.qty > 0 ? 'long' : 'short', qty: Math.abs(book.qty), entryPrice: book.entryPrice } : null;
    const submit = (side: Side, qty: number, opts: OrderOptions = { type: 'market' }): string =>
      this.submit(strategy.name, side, qty, opts, candle, index, run);
    return {
      exchange: run.exchange,
      symbol: run.symbol,
      mode: run.mode,
      candleIndex: index,
      position,
      openOrders: this.orders.filter((o) => o.strategy === strategy.name).map((o) => ({ ...o })),
      buy: (qty, opts) => submit('buy', qty, opts),
      sell: (qty, opts) => submit('sell', qty, opts),
      cancel: (id) => {
        const order = this.orders.find((o) => o.id === id && o.strategy === strategy.name);
        if (order === undefined) return false;
        this.cancelOrder(order, 'cancelled by strategy', candle.time, run);
        return true;
      },
    };
  }

  private submit(strategy: string, side: Side, qty: number, opts: OrderOptions, candle: Candle, index: number, run: RunOptions): string {
    if (!(qty > 0) || !Number.isFinite(qty)) throw new Error(`order quantity must be a positive number, got ${qty}`);
    if (opts.type === 'limit' && !(opts.price !== undefined && opts.price > 0 && Number.isFinite(opts.price))) {
      throw new Error(`a limit order needs a positive price, got ${opts.price}`);
    }
    const order: PaperOrder = {
      id: `paper-${this.nextId++}`,
      exchange: run.exchange,
      symbol: run.symbol,
      side,
      type: opts.type,
      qty,
      filledQty: 0,
      strategy,
      submittedAt: index,
    };
    if (opts.type === 'limit') order.price = opts.price;
    this.orders.push(order);
    this.stats.orders++;
    this.emit('order.submitted', this.orderEvent(order, candle.time, run));
    return order.id;
  }

  /** Fills what this candle's prices allow, in submission order. */
  private matchOrders(candle: Candle, index: number, run: RunOptions): void {
    for (const order of [...this.orders]) {
      if (order.submittedAt >= index) continue; // placed during this candle: earliest fill is the next one
      const remaining = order.qty - order.filledQty;
      let fill: { qty: number; price: number } | undefined;
      if (order.type === 'market') {
        fill = { qty: remaining, price: candle.open };
      } else {
        const p = order.price!;
        if (order.side === 'sell') {
          if (candle.open >= p) fill = { qty: remaining, price: candle.open };
          else if (candle.high > p) fill = { qty: remaining, price: p };
          else if (candle.high === p) fill = { qty: Math.min(remaining, order.qty / 2), price: p };
        } else {
          if (candle.open <= p) fill = { qty: remaining, price: candle.open };
          else if (candle.low < p) fill = { qty: remaining, price: p };
          else if (candle.low === p) fill = { qty: Math.min(remaining, order.qty / 2), price: p };
        }
      }
      if (fill !== undefined) this.applyFill(order, fill.qty, fill.price, candle.time, run);
    }
  }

  private expireOrders(candle: Candle, index: number, run: RunOptions): void {
    for (const order of [...this.orders]) {
      if (index - order.submittedAt >= this.ttl) this.cancelOrder(order, `expired after ${this.ttl} candles`, candle.time, run);
    }
  }

  private applyFill(order: PaperOrder, qty: number, price: number, time: number, run: RunOptions): void {
    const before = order.filledQty;
    order.filledQty = before + qty;
    order.avgPrice = before === 0 ? price : ((order.avgPrice ?? price) * before + price * qty) / order.filledQty;
    const complete = order.qty - order.filledQty <= EPS * order.qty;
    if (complete) {
      order.filledQty = order.qty; // drop float residue so listeners can compare filledQty === qty
      this.orders = this.orders.filter((o) => o !== order);
    } else {
      this.stats.partialFills++;
    }
    this.stats.fills++;
    this.emit('order.filled', { ...this.orderEvent(order, time, run), lastFillQty: qty, lastFillPrice: price });
    this.updatePosition(order.strategy, order.side === 'buy' ? qty : -qty, price, time, run);
  }

  private cancelOrder(order: PaperOrder, reason: string, time: number, run: RunOptions): void {
    if (!this.orders.includes(order)) return;
    this.orders = this.orders.filter((o) => o !== order);
    this.stats.cancels++;
    this.emit('order.cancelled', { ...this.orderEvent(order, time, run), reason });
  }

  private orderEvent(order: PaperOrder, time: number, run: RunOptions): OrderEvent {
    const ev: OrderEvent = {
      id: order.id,
      exchange: order.exchange,
      symbol: order.symbol,
      side: order.side,
      type: order.type,
      qty: order.qty,
      filledQty: order.filledQty,
      strategy: order.strategy,
      mode: run.mode,
      time,
    };
    if (order.price !== undefined) ev.price = order.price;
    if (order.avgPrice !== undefined) ev.avgPrice = tidy(order.avgPrice);
    return ev;
  }

  private book(strategy: string): Book {
    let book = this.books.get(strategy);
    if (book === undefined) {
      book = { qty: 0, entryPrice: 0, exitedQty: 0, exitNotional: 0, entryCostExited: 0, realizedPnl: 0 };
      this.books.set(strategy, book);
    }
    return book;
  }

  /** Applies a signed fill (buy > 0, sell < 0) to the strategy's net position. */
  private updatePosition(strategy: string, signedQty: number, price: number, time: number, run: RunOptions): void {
    const book = this.book(strategy);
    const base = { exchange: run.exchange, symbol: run.symbol, strategy, mode: run.mode, time };
    const sideOf = (q: number): 'long' | 'short' => (q > 0 ? 'long' : 'short');

    if (Math.abs(book.qty) <= EPS || Math.sign(book.qty) === Math.sign(signedQty)) {
      // Opening or adding: the entry becomes the volume-weighted average.
      const opening = Math.abs(book.qty) <= EPS;
      const newQty = (opening ? 0 : book.qty) + signedQty;
      book.entryPrice = opening ? price : (book.entryPrice * Math.abs(book.qty) + price * Math.abs(signedQty)) / Math.abs(newQty);
      book.qty = newQty;
      if (opening) Object.assign(book, { exitedQty: 0, exitNotional: 0, entryCostExited: 0, realizedPnl: 0 });
      this.emit(opening ? 'position.opened' : 'position.increased', {
        ...base,
        side: sideOf(newQty),
        qty: Math.abs(newQty),
        entryPrice: tidy(book.entryPrice),
      });
      return;
    }

    // Reducing, closing, or flipping through zero.
    const side = sideOf(book.qty);
    const held = Math.abs(book.qty);
    const exitQty = Math.min(held, Math.abs(signedQty));
    const direction = side === 'long' ? 1 : -1;
    const pnl = (price - book.entryPrice) * exitQty * direction;
    const entryCost = book.entryPrice * exitQty;
    book.exitedQty += exitQty;
    book.exitNotional += price * exitQty;
    book.entryCostExited += entryCost;
    book.realizedPnl += pnl;
    this.stats.realizedPnl += pnl;

    const left = held - exitQty;
    if (left > EPS * held) {
      book.qty = left * direction;
      this.emit('position.reduced', {
        ...base,
        side,
        qty: left,
        entryPrice: tidy(book.entryPrice),
        exitPrice: price,
        closedQty: exitQty,
        pnl: tidy(pnl),
        pnlPct: tidy((pnl / entryCost) * 100),
      });
      return;
    }

    this.emit('position.closed', {
      ...base,
      side,
      qty: book.exitedQty,
      // Averages over the whole life, so pnl === (exitPrice - entryPrice) * qty for a long.
      entryPrice: tidy(book.entryCostExited / book.exitedQty),
      exitPrice: tidy(book.exitNotional / book.exitedQty),
      closedQty: exitQty,
      pnl: tidy(book.realizedPnl),
      pnlPct: tidy((book.realizedPnl / book.entryCostExited) * 100),
    });
    book.qty = 0;
    const flip = Math.abs(signedQty) - exitQty;
    if (flip > EPS * Math.abs(signedQty)) this.updatePosition(strategy, Math.sign(signedQty) * flip, price, time, run);
  }
}
