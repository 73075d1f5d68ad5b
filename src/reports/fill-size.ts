/**
 * The size of each fill from `order.filled` events, whose `filledQty` is the order's running
 * total (a partial fill of 0.3, then 0.6, then 1 means fills of 0.3, 0.3 and 0.4). Hosts that
 * say the fill's own size (`lastFillQty`) are read as they say.
 */
import { readNumber } from './snapshot.js';

/** Orders remembered; the oldest is forgotten first (its next fill then counts its whole `filledQty`). */
const MAX_ORDERS = 2000;

/** Follows each order's filled total to tell the size of its latest fill. */
export class FillSizes {
  private readonly filled = new Map<string, number>();

  /** The size of the fill this event reports, or undefined when it names none. */
  size(p: Record<string, unknown>): number | undefined {
    const own = readNumber(p.lastFillQty);
    const total = readNumber(p.filledQty);
    const id = typeof p.id === 'string' || typeof p.id === 'number' ? `${String(p.exchange ?? '')}\0${String(p.symbol ?? '')}\0${String(p.id)}` : undefined;
    if (id !== undefined && total !== undefined) {
      const before = this.filled.get(id) ?? 0;
      this.filled.delete(id);
      this.filled.set(id, total);
      if (this.filled.size > MAX_ORDERS) this.filled.delete(this.filled.keys().next().value!);
      if (own !== undefined) return own;
      return Math.max(0, total - before);
    }
    return own ?? total ?? readNumber(p.qty) ?? readNumber(p.amount);
  }
}
