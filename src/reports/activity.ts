/**
 * What Herald saw of the host's events, for reports when the host gives no snapshot (and for the
 * period's fills and closed positions when it does): an {@link ActivityTally} per period, and a
 * {@link PositionBook} of the positions still open. Fed with `(kind, payload, at)`; memory is
 * bounded whatever the host sends.
 */
import { renderMessage } from '../core/render.js';
import { FillSizes } from './fill-size.js';
import { readNumber, type SnapshotPosition } from './snapshot.js';

/** Fills of one symbol in the period. */
export interface SymbolFills {
  readonly symbol: string;
  readonly buys: number;
  readonly sells: number;
  readonly buyQty: number;
  readonly sellQty: number;
  /** Bought minus sold. */
  readonly netQty: number;
  /** Σ qty × price over the fills with a price, in the symbol's quote currency. */
  readonly notional: number;
}

/** One point of the realised-PnL curve: the period's running sum after a close. */
export interface RealisedPoint {
  readonly t: number;
  readonly value: number;
}

/** The figures of one period. */
export interface ActivityFigures {
  /** Epoch ms the period began and ended. */
  readonly from: number;
  readonly to: number;
  readonly fills: {
    readonly count: number;
    readonly buys: number;
    readonly sells: number;
    /** Per symbol, in the order first seen; at most {@link ACTIVITY_LIMITS}.symbols. */
    readonly bySymbol: readonly SymbolFills[];
    /** Fills of symbols beyond that limit (counted above, not per symbol). */
    readonly untallied: number;
  };
  readonly orders: { readonly submitted: number; readonly cancelled: number };
  readonly closed: {
    readonly count: number;
    /** Closed with a PnL above 0, below 0, and with a PnL at all. */
    readonly wins: number;
    readonly losses: number;
    readonly withPnl: number;
    readonly realisedPnl: number;
    /** The running realised PnL, thinned evenly when long: for the chart when there is no equity curve. */
    readonly curve: readonly RealisedPoint[];
  };
  readonly errors: { readonly count: number; readonly last?: { readonly text: string; readonly at: number } };
}

/** Bounds on what a tally and a book keep. */
export const ACTIVITY_LIMITS = { symbols: 100, curve: 500, errorText: 300, positions: 500, prices: 500 } as const;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';
const label = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : undefined);

/** The first line of an error, capped: what a report or `/status` shows of it. */
function errorText(payload: unknown): string {
  const p = isObject(payload) && !(payload instanceof Error) ? payload : { error: payload };
  const raw = p.error ?? p.message;
  // The line already says it is an error: a plain Error's "Error: " prefix only takes room (a TypeError keeps its name).
  const text =
    raw === undefined || raw === null || raw === ''
      ? 'unknown error'
      : renderMessage(raw)
          .split('\n')[0]!
          .trim()
          .replace(/^Error: /, '');
  return text.length > ACTIVITY_LIMITS.errorText ? `${text.slice(0, ACTIVITY_LIMITS.errorText - 1)}…` : text;
}

/** A fill's price: its average when given, else its price. */
function fillPrice(p: Record<string, unknown>): number | undefined {
  return readNumber(p.lastFillPrice) ?? readNumber(p.avgPrice) ?? readNumber(p.price);
}

type MutableSymbolFills = { -readonly [K in keyof SymbolFills]: SymbolFills[K] };

/**
 * The period's tally: fills (buys, sells, net size and notional per symbol), orders submitted and
 * cancelled, positions closed (wins, realised PnL), errors (count, the last one). `take` returns
 * the figures and starts the next period. Keep one per span you report on (the report's period,
 * the day for `/status`) and feed each the same events.
 */
export class ActivityTally {
  private from: number;
  private fillCount = 0;
  private buys = 0;
  private sells = 0;
  private untallied = 0;
  private bySymbol = new Map<string, MutableSymbolFills>();
  private submitted = 0;
  private cancelled = 0;
  private closedCount = 0;
  private wins = 0;
  private losses = 0;
  private withPnl = 0;
  private realised = 0;
  private curve: RealisedPoint[] = [];
  private errorCount = 0;
  private lastError: { text: string; at: number } | undefined;

  /** Orders' filled totals, kept across periods: a partial fill's size is what it added. */
  private readonly fillSizes = new FillSizes();

  /** @param start epoch ms the first period begins. */
  constructor(start: number) {
    this.from = start;
  }

  /** Counts one host event. Unknown kinds and unreadable payloads are ignored; never throws. */
  record(kind: string, payload: unknown, at: number): void {
    try {
      this.count(kind, payload, at);
    } catch {
      // A payload whose getters throw is the host's problem; the tally stays as it was.
    }
  }

  private count(kind: string, payload: unknown, at: number): void {
    if (kind === 'error' || (kind === 'custom' && isObject(payload) && payload.level === 'error')) {
      this.errorCount++;
      this.lastError = { text: errorText(payload), at };
      return;
    }
    if (!isObject(payload)) return;
    if (kind === 'order.submitted') this.submitted++;
    else if (kind === 'order.cancelled') this.cancelled++;
    else if (kind === 'order.filled') this.fill(payload);
    else if (kind === 'position.closed') this.close(payload, at);
  }

  private fill(p: Record<string, unknown>): void {
    const side = typeof p.side === 'string' ? p.side.toLowerCase() : '';
    this.fillCount++;
    if (side === 'buy') this.buys++;
    else if (side === 'sell') this.sells++;
    const symbol = label(p.symbol) ?? '?';
    let s = this.bySymbol.get(symbol);
    if (!s) {
      if (this.bySymbol.size >= ACTIVITY_LIMITS.symbols) {
        this.untallied++;
        return;
      }
      s = { symbol, buys: 0, sells: 0, buyQty: 0, sellQty: 0, netQty: 0, notional: 0 };
      this.bySymbol.set(symbol, s);
    }
    const qty = this.fillSizes.size(p);
    const price = fillPrice(p);
    if (side === 'buy') s.buys++;
    else if (side === 'sell') s.sells++;
    if (qty === undefined) return;
    const size = Math.abs(qty);
    if (side === 'buy') s.buyQty += size;
    else if (side === 'sell') s.sellQty += size;
    s.netQty = s.buyQty - s.sellQty;
    if (price !== undefined) s.notional += size * price;
  }

  private close(p: Record<string, unknown>, at: number): void {
    this.closedCount++;
    const pnl = readNumber(p.pnl);
    if (pnl === undefined) return;
    this.withPnl++;
    if (pnl > 0) this.wins++;
    else if (pnl < 0) this.losses++;
    this.realised += pnl;
    this.curve.push({ t: at, value: this.realised });
    // Halve the resolution instead of forgetting the start: the curve keeps its whole shape, first and last point.
    if (this.curve.length > ACTIVITY_LIMITS.curve) this.curve = this.curve.filter((_, i, all) => i % 2 === 0 || i === all.length - 1);
  }

  /** The figures so far, without starting a new period. */
  peek(now: number): ActivityFigures {
    return {
      from: this.from,
      to: now,
      fills: {
        count: this.fillCount,
        buys: this.buys,
        sells: this.sells,
        bySymbol: [...this.bySymbol.values()].map((s) => ({ ...s })),
        untallied: this.untallied,
      },
      orders: { submitted: this.submitted, cancelled: this.cancelled },
      closed: { count: this.closedCount, wins: this.wins, losses: this.losses, withPnl: this.withPnl, realisedPnl: this.realised, curve: [...this.curve] },
      errors: { count: this.errorCount, ...(this.lastError ? { last: { ...this.lastError } } : {}) },
    };
  }

  /** The period's figures; the next period begins at `now`. The last error is kept across periods (for `/status`), its count is not. */
  take(now: number): ActivityFigures {
    const figures = this.peek(now);
    this.from = now;
    this.fillCount = this.buys = this.sells = this.untallied = 0;
    this.bySymbol = new Map();
    this.submitted = this.cancelled = 0;
    this.closedCount = this.wins = this.losses = this.withPnl = this.realised = 0;
    this.curve = [];
    this.errorCount = 0;
    return figures;
  }
}

interface BookEntry {
  symbol: string;
  side: 'long' | 'short';
  qty: number;
  entryPrice: number;
  exchange?: string;
  strategy?: string;
}

/**
 * The positions still open, followed from `position.*` events (`increased`/`reduced` carry the new
 * size), with the last fill price of each symbol as its mark. For reports when the host gives no
 * snapshot. One position per exchange, strategy and symbol.
 */
export class PositionBook {
  private readonly open = new Map<string, BookEntry>();
  private readonly prices = new Map<string, number>();
  /** Positions opened while the book was full, so not shown. */
  untracked = 0;

  /** Follows one host event; others are ignored. Never throws. */
  record(kind: string, payload: unknown): void {
    try {
      if (!isObject(payload)) return;
      if (kind === 'order.filled') this.price(payload);
      else if (kind.startsWith('position.')) this.position(kind, payload);
    } catch {
      // A payload whose getters throw: the book stays as it was.
    }
  }

  private price(p: Record<string, unknown>): void {
    const symbol = label(p.symbol);
    const price = fillPrice(p);
    if (!symbol || price === undefined) return;
    // Re-inserting moves the symbol to the end, so the oldest price is the one forgotten.
    this.prices.delete(symbol);
    this.prices.set(symbol, price);
    if (this.prices.size > ACTIVITY_LIMITS.prices) this.prices.delete(this.prices.keys().next().value!);
  }

  private position(kind: string, p: Record<string, unknown>): void {
    const symbol = label(p.symbol);
    if (!symbol) return;
    const exchange = label(p.exchange);
    const strategy = label(p.strategy);
    const key = `${exchange ?? ''}\u0000${strategy ?? ''}\u0000${symbol}`;
    if (kind === 'position.closed') {
      this.open.delete(key);
      const exit = readNumber(p.exitPrice);
      if (exit !== undefined) this.price({ symbol, price: exit });
      return;
    }
    if (kind !== 'position.opened' && kind !== 'position.increased' && kind !== 'position.reduced') return;
    const known = this.open.get(key);
    const qty = readNumber(p.qty);
    const side = p.side === 'long' || p.side === 'short' ? p.side : known?.side;
    const entryPrice = readNumber(p.entryPrice) ?? known?.entryPrice;
    if (qty === undefined || side === undefined || entryPrice === undefined) return;
    if (qty === 0) {
      this.open.delete(key);
      return;
    }
    if (!known && this.open.size >= ACTIVITY_LIMITS.positions) {
      this.untracked++;
      return;
    }
    this.open.set(key, { symbol, side, qty: Math.abs(qty), entryPrice, ...(exchange ? { exchange } : {}), ...(strategy ? { strategy } : {}) });
  }

  /** The open positions, in the order they opened, marked at the last fill price of their symbol. */
  positions(): SnapshotPosition[] {
    return [...this.open.values()].map((e) => {
      const mark = this.prices.get(e.symbol);
      if (mark === undefined) return { ...e };
      const sign = e.side === 'long' ? 1 : -1;
      const pnl = (mark - e.entryPrice) * e.qty * sign;
      const pnlPct = e.entryPrice !== 0 ? ((mark - e.entryPrice) / e.entryPrice) * 100 * sign : undefined;
      return { ...e, markPrice: mark, pnl, ...(pnlPct !== undefined ? { pnlPct } : {}) };
    });
  }
}
