/**
 * What Herald knows of each order, so every state change is told once, whichever source says
 * it first: the order call's answer, `watchOrders` (which may beat the REST answer), or a poll.
 * An order reads: submitted → partial fills (each time more is filled) → filled, cancelled
 * (also expired) or rejected; after a final state it is quiet.
 */
import type { EventKind } from '../config/events.js';
import type { Payload } from '../plugin/templates.js';
import type { CcxtOrder } from './exchange-like.js';
import { describeOrder, orderPayload, type OrderContext } from './order-payload.js';

/** A Herald event to emit. */
export interface OrderNotice {
  readonly kind: EventKind;
  readonly payload: Payload;
}

/** Where an order update comes from: Herald's own call (`placed`, `cancel`), or a watch or poll. */
export type UpdateOrigin = 'placed' | 'cancel' | 'update';

interface OrderState {
  /** The order as last seen, merged: cancel answers often carry only the id. */
  order: CcxtOrder;
  submitted: boolean;
  filled: number;
  final: boolean;
  /** Placed through Herald: followed by polling. */
  placed: boolean;
}

/** Finished orders remembered, so a late duplicate update stays quiet. */
const FINISHED_KEPT = 2000;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Keeps the fields a newer update left out (undefined), and takes the ones it has. */
function merge(old: CcxtOrder, next: CcxtOrder): CcxtOrder {
  const out: Record<string, unknown> = { ...old };
  for (const [k, v] of Object.entries(next)) if (v !== undefined && v !== null) out[k] = v;
  return out as CcxtOrder;
}

/** Per-order state, bounded. */
export class OrderTracker {
  private readonly states = new Map<string, OrderState>();
  private readonly finished: string[] = [];

  constructor(private readonly context: OrderContext) {}

  /** The notices an order update calls for; updates its state. */
  update(raw: CcxtOrder, origin: UpdateOrigin): OrderNotice[] {
    const id = typeof raw.id === 'string' || typeof raw.id === 'number' ? String(raw.id) : undefined;
    const known = id !== undefined ? this.states.get(id) : undefined;
    if (known?.final) return [];
    const order = known ? merge(known.order, raw) : raw;
    // A cancel call's answer means cancelled, unless it says the order filled or ended first
    // (some exchanges answer with the order as it was, still `open`, or with no status at all).
    const status =
      origin === 'cancel'
        ? raw.status === 'closed' || raw.status === 'expired' || raw.status === 'rejected'
          ? raw.status
          : 'canceled'
        : (order.status ?? 'open');
    const state: OrderState = known ?? { order, submitted: false, filled: 0, final: false, placed: origin === 'placed' };
    state.order = order;
    if (origin === 'placed') state.placed = true;
    const notices: OrderNotice[] = [];
    const filled = num(order.filled) ?? 0;
    switch (status) {
      case 'closed':
        notices.push({ kind: 'order.filled', payload: orderPayload(order, this.context, true) });
        state.final = true;
        break;
      case 'canceled':
      case 'cancelled':
      case 'expired':
        notices.push({
          kind: 'order.cancelled',
          payload: { ...orderPayload(order, this.context), ...(status === 'expired' ? { reason: 'expired' } : {}) },
        });
        state.final = true;
        break;
      case 'rejected':
        notices.push({ kind: 'error', payload: this.errorPayload(`order rejected: ${describeOrder(order)}`, order.symbol) });
        state.final = true;
        break;
      default:
        if (!state.submitted) notices.push({ kind: 'order.submitted', payload: orderPayload(order, this.context) });
        if (filled > state.filled) notices.push({ kind: 'order.filled', payload: orderPayload(order, this.context) });
    }
    state.submitted = true;
    state.filled = Math.max(state.filled, filled);
    if (id !== undefined) {
      if (!known) this.states.set(id, state);
      if (state.final) this.finish(id);
    }
    return notices;
  }

  /** The order as last seen, if Herald knows it. */
  get(id: string): CcxtOrder | undefined {
    return this.states.get(id)?.order;
  }

  /** Open orders placed through Herald (what polling follows), optionally on one symbol. */
  open(symbol?: string): { id: string; order: CcxtOrder }[] {
    const out: { id: string; order: CcxtOrder }[] = [];
    for (const [id, s] of this.states) if (s.placed && !s.final && (symbol === undefined || s.order.symbol === symbol)) out.push({ id, order: s.order });
    return out;
  }

  /** Stops following an order (it cannot be fetched any more). */
  forget(id: string): void {
    const s = this.states.get(id);
    if (s && !s.final) {
      s.final = true;
      this.finish(id);
    }
  }

  /** An error notice's payload, with this exchange's context. */
  errorPayload(error: string, symbol?: string): Payload {
    const { exchange, strategy, mode } = this.context;
    return { error, exchange, mode, ...(strategy ? { strategy } : {}), ...(symbol ? { symbol } : {}) };
  }

  private finish(id: string): void {
    this.finished.push(id);
    if (this.finished.length > FINISHED_KEPT) this.states.delete(this.finished.shift()!);
  }
}
