/**
 * ccxt's unified order → the payload of Herald's order events (`qty`, `filledQty`, `avgPrice`,
 * …), so the plugin's templates, cards and channel mappings apply unchanged.
 */
import { formatPrice, formatQty, str, upper } from '../plugin/format.js';
import type { Payload } from '../plugin/templates.js';
import type { CcxtOrder } from './exchange-like.js';

/** What every notification of one wrapped exchange carries. */
export interface OrderContext {
  readonly exchange: string;
  readonly strategy?: string;
  readonly mode: 'live' | 'paper';
}

/** The fee of an order: its `fee`, else its `fees` summed when they share one currency. */
function fee(o: CcxtOrder): { cost: number; currency?: string } | undefined {
  if (o.fee && typeof o.fee.cost === 'number') return { cost: o.fee.cost, ...(o.fee.currency ? { currency: o.fee.currency } : {}) };
  const fees = (o.fees ?? []).filter((f) => typeof f.cost === 'number');
  if (!fees.length || new Set(fees.map((f) => f.currency)).size > 1) return undefined;
  const currency = fees[0]!.currency;
  return { cost: fees.reduce((n, f) => n + f.cost!, 0), ...(currency ? { currency } : {}) };
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Drops undefined fields, so templates skip what the exchange did not say. */
function defined(p: Record<string, unknown>): Payload {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined));
}

/**
 * The payload of an order event. `final` (a closed order) reports what was filled as the
 * quantity, so an order closed short of its amount does not read as a partial fill.
 */
export function orderPayload(o: CcxtOrder, ctx: OrderContext, final = false): Payload {
  const f = fee(o);
  const filled = num(o.filled);
  const price = num(o.price);
  return defined({
    id: o.id,
    exchange: ctx.exchange,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    qty: final && filled !== undefined && filled > 0 ? filled : num(o.amount),
    // A market order's price is unknown until it fills; 0 is ccxt's "none" on some exchanges.
    price: price === 0 ? undefined : price,
    filledQty: filled,
    avgPrice: num(o.average),
    remaining: num(o.remaining),
    fee: f?.cost,
    feeCurrency: f?.currency,
    status: o.status,
    strategy: ctx.strategy,
    mode: ctx.mode,
    time: num(o.lastTradeTimestamp) ?? num(o.lastUpdateTimestamp) ?? num(o.timestamp),
  });
}

/** `BUY 0.5 BTC/USDT LIMIT @ 64,000.00`, for error lines. */
export function describeOrder(o: CcxtOrder): string {
  const price = num(o.price);
  const bits = [upper(o.side), o.amount !== undefined ? formatQty(o.amount) : undefined, str(o.symbol), str(o.type) ? upper(o.type) : undefined];
  return `${bits.filter(Boolean).join(' ')}${price ? ` @ ${formatPrice(price)}` : ''}`;
}
