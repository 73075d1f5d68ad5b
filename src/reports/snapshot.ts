/**
 * The host's state for a report, in the one shape the issue fixes, checked and normalised:
 * `{ positions: [{ symbol, side, qty, entryPrice, markPrice, pnl?, pnlPct?, exchange?, strategy? }],
 * balances?: [{ asset, free?, total }], equity?: [{ t, value }], realisedPnl? }`.
 * Host data is never trusted and never makes this throw: numbers written as plain decimal strings
 * are read, rows that cannot be read are dropped and counted.
 */

/** An open position as the report shows it. */
export interface SnapshotPosition {
  readonly symbol: string;
  readonly side: 'long' | 'short';
  /** Size, always positive (the side says the direction). */
  readonly qty: number;
  readonly entryPrice: number;
  /** Undefined when unknown (a position known only from events, before any fill of its symbol). */
  readonly markPrice?: number;
  /** Unrealised PnL: the host's figure, else worked out from entry, mark and size (no fees, no leverage). */
  readonly pnl?: number;
  /** Unrealised PnL in percent of the entry: the host's figure, else worked out likewise. */
  readonly pnlPct?: number;
  readonly exchange?: string;
  readonly strategy?: string;
}

/** One asset's balance. */
export interface SnapshotBalance {
  readonly asset: string;
  readonly free?: number;
  readonly total: number;
}

/** One point of the equity curve. */
export interface EquityPoint {
  /** Epoch ms. */
  readonly t: number;
  readonly value: number;
}

/** A checked snapshot. */
export interface Snapshot {
  /** Undefined when the host gave no list: the report then shows the positions Herald followed from events. */
  readonly positions?: readonly SnapshotPosition[];
  readonly balances?: readonly SnapshotBalance[];
  /** Sorted by time, one value per instant. */
  readonly equity?: readonly EquityPoint[];
  /** The host's realised PnL, as it counts it (usually the session's total). */
  readonly realisedPnl?: number;
}

/** What {@link normaliseSnapshot} made of the host's data. */
export interface SnapshotReading {
  /** Undefined when the data was not a snapshot at all (not an object). */
  readonly snapshot?: Snapshot;
  /** Rows (and fields) left out because they could not be read. */
  readonly dropped: number;
  /** Why, for the first few: `positions[2]: qty is not a number`. */
  readonly notes: readonly string[];
}

/** Most rows kept of each list; the rest is counted as dropped. Keeps a runaway host from filling memory. */
export const SNAPSHOT_LIMITS = { positions: 1000, balances: 200, equity: 5000, notes: 5 } as const;

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A number, or a decimal string (`"64210.5"`, `"-0.3"`, `"1e-8"`); undefined for anything else
 * (`"1,234.5"`, `"0x10"`, `""`, NaN, Infinity), since guessing would show a wrong figure.
 */
export function readNumber(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && DECIMAL.test(v.trim()) ? Number(v.trim()) : undefined;
  return n === undefined || !Number.isFinite(n) ? undefined : n === 0 ? 0 : n;
}

/** A time: epoch ms (number or digits), an ISO date string, or a Date. */
function readTime(v: unknown): number | undefined {
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? v.getTime() : undefined;
  const n = readNumber(v);
  if (n !== undefined) return n;
  if (typeof v !== 'string') return undefined;
  const parsed = Date.parse(v);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** A short label (symbol, asset, exchange): a non-empty string or a number, trimmed and capped. */
function readLabel(v: unknown): string | undefined {
  const s = typeof v === 'string' ? v.trim() : typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
  return s === '' ? undefined : s.length > 64 ? `${s.slice(0, 63)}…` : s;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Reads the side: `long`/`short` in any case; `buy`/`sell` as their direction. */
function readSide(v: unknown): 'long' | 'short' | undefined {
  const s = typeof v === 'string' ? v.trim().toLowerCase() : '';
  return s === 'long' || s === 'buy' ? 'long' : s === 'short' || s === 'sell' ? 'short' : undefined;
}

class Collector {
  dropped = 0;
  readonly notes: string[] = [];
  drop(note: string, count = 1): void {
    this.dropped += count;
    if (this.notes.length < SNAPSHOT_LIMITS.notes) this.notes.push(note);
  }
}

function readPosition(row: unknown, where: string, c: Collector): SnapshotPosition | undefined {
  if (!isObject(row)) return void c.drop(`${where}: not an object`);
  const symbol = readLabel(row.symbol);
  if (!symbol) return void c.drop(`${where}: no symbol`);
  let qty = readNumber(row.qty ?? row.amount);
  let side = readSide(row.side);
  // A signed size without a side is unambiguous: negative is short.
  if (side === undefined && row.side === undefined && qty !== undefined && qty !== 0) side = qty < 0 ? 'short' : 'long';
  if (!side) return void c.drop(`${where} (${symbol}): side is not long or short`);
  if (qty === undefined || qty === 0) return void c.drop(`${where} (${symbol}): qty is not a number other than 0`);
  qty = Math.abs(qty);
  const entryPrice = readNumber(row.entryPrice);
  if (entryPrice === undefined) return void c.drop(`${where} (${symbol}): entryPrice is not a number`);
  const markPrice = readNumber(row.markPrice);
  const sign = side === 'long' ? 1 : -1;
  const pnl = readNumber(row.pnl) ?? (markPrice !== undefined ? (markPrice - entryPrice) * qty * sign : undefined);
  const pnlPct = readNumber(row.pnlPct) ?? (markPrice !== undefined && entryPrice !== 0 ? ((markPrice - entryPrice) / entryPrice) * 100 * sign : undefined);
  const exchange = readLabel(row.exchange);
  const strategy = readLabel(row.strategy);
  return {
    symbol,
    side,
    qty,
    entryPrice,
    ...(markPrice !== undefined ? { markPrice } : {}),
    ...(pnl !== undefined ? { pnl } : {}),
    ...(pnlPct !== undefined ? { pnlPct } : {}),
    ...(exchange ? { exchange } : {}),
    ...(strategy ? { strategy } : {}),
  };
}

function readBalance(row: unknown, where: string, c: Collector): SnapshotBalance | undefined {
  if (!isObject(row)) return void c.drop(`${where}: not an object`);
  const asset = readLabel(row.asset ?? row.currency);
  if (!asset) return void c.drop(`${where}: no asset`);
  const free = readNumber(row.free);
  const total = readNumber(row.total) ?? free;
  if (total === undefined) return void c.drop(`${where} (${asset}): total is not a number`);
  return { asset, ...(free !== undefined ? { free } : {}), total };
}

function readPoint(row: unknown, where: string, c: Collector): EquityPoint | undefined {
  if (!isObject(row)) return void c.drop(`${where}: not an object`);
  const t = readTime(row.t ?? row.time);
  const value = readNumber(row.value);
  if (t === undefined || value === undefined) return void c.drop(`${where}: t or value is not a number`);
  return { t, value };
}

/** The rows of a list that could be read, at most `limit` (the rest counted as dropped). */
function readList<T>(
  v: unknown,
  name: string,
  limit: number,
  read: (row: unknown, where: string, c: Collector) => T | undefined,
  c: Collector,
): T[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) return void c.drop(`${name} is not a list`);
  const out: T[] = [];
  const rows = v as unknown[];
  for (let i = 0; i < rows.length; i++) {
    if (out.length === limit) {
      c.drop(`${name}: ${rows.length - i} rows over the limit of ${limit}`, rows.length - i);
      break;
    }
    const row = read(rows[i], `${name}[${i}]`, c);
    if (row !== undefined) out.push(row);
  }
  return out;
}

/** Sorted by time; when two points share an instant, the later one in the host's list wins. */
function sortEquity(points: EquityPoint[]): EquityPoint[] {
  const byTime = new Map<number, EquityPoint>();
  for (const p of points) byTime.set(p.t, p);
  return [...byTime.values()].sort((a, b) => a.t - b.t);
}

/** Checks and normalises a host snapshot. Never throws: what cannot be read is dropped and counted. */
export function normaliseSnapshot(raw: unknown): SnapshotReading {
  const c = new Collector();
  try {
    if (!isObject(raw)) {
      c.drop('the snapshot is not an object');
      return { dropped: c.dropped, notes: c.notes };
    }
    // The equity curve is usually built oldest first; for the other lists the first rows are the ones to keep.
    const equityRaw = Array.isArray(raw.equity) && raw.equity.length > SNAPSHOT_LIMITS.equity ? raw.equity.slice(-SNAPSHOT_LIMITS.equity) : raw.equity;
    if (equityRaw !== raw.equity)
      c.drop(
        `equity: ${(raw.equity as unknown[]).length - SNAPSHOT_LIMITS.equity} oldest points over the limit`,
        (raw.equity as unknown[]).length - SNAPSHOT_LIMITS.equity,
      );
    const positions = readList(raw.positions, 'positions', SNAPSHOT_LIMITS.positions, readPosition, c);
    const balances = readList(raw.balances, 'balances', SNAPSHOT_LIMITS.balances, readBalance, c);
    const equity = readList(equityRaw, 'equity', SNAPSHOT_LIMITS.equity, readPoint, c);
    const realisedRaw = raw.realisedPnl ?? raw.realizedPnl;
    const realisedPnl = readNumber(realisedRaw);
    if (realisedRaw !== undefined && realisedRaw !== null && realisedPnl === undefined) c.drop('realisedPnl is not a number');
    const snapshot: Snapshot = {
      ...(positions ? { positions } : {}),
      ...(balances ? { balances } : {}),
      ...(equity ? { equity: sortEquity(equity) } : {}),
      ...(realisedPnl !== undefined ? { realisedPnl } : {}),
    };
    return { snapshot, dropped: c.dropped, notes: c.notes };
  } catch (err) {
    // A getter or proxy in the host's object that throws: what was read so far is lost, never the report.
    c.drop(`the snapshot could not be read: ${err instanceof Error ? err.message : String(err)}`);
    return { dropped: c.dropped, notes: c.notes };
  }
}
