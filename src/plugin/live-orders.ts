/**
 * One message per order that updates in place: the first notification about an order is a new
 * message; its later states (more partial fills, filled, cancelled) and the position it opens or
 * closes edit that message, with a timeline of what happened. Edits make no sound, so the states
 * that matter — an order completely filled, a position closed with its PnL — carry a short alert
 * that the lane sends as a reply to the edited message.
 */
import type { Card } from '../channels/card.js';
import type { LiveUpdate } from '../delivery/entry.js';
import { str, toNumber } from './format.js';
import type { EventKind, Payload } from './templates.js';

/** Orders remembered at once; the oldest is forgotten first (its next state is a new message). */
const MAX_ORDERS = 1000;
/** Timeline lines kept per order; older ones are summarised as "…N earlier". */
const MAX_TIMELINE = 12;

/** Event kinds that can update an order's message. */
export const LIVE_KINDS: ReadonlySet<EventKind> = new Set([
  'order.submitted',
  'order.filled',
  'order.cancelled',
  'position.opened',
  'position.increased',
  'position.reduced',
  'position.closed',
]);

interface OrderMessage {
  readonly key: string;
  readonly timeline: string[];
  dropped: number;
}

/** What a live event turns into: the whole message as it now reads, its card, and the live key (and alert). */
export interface LiveMessage {
  readonly text: string;
  readonly card?: Card;
  readonly live: LiveUpdate;
}

/** Formats a time of day for the timeline. */
export type ClockFormat = (at: number) => string;

/** Keeps each order's message: its key and its timeline. */
export class LiveOrders {
  private readonly orders = new Map<string, OrderMessage>();
  /** The latest order message of each position (exchange, symbol, strategy), for position events. */
  private readonly latestBySymbol = new Map<string, string>();

  constructor(private readonly clock: ClockFormat = defaultClock) {}

  /**
   * The message for this event: `text` is the event's own text (its first line leads the
   * message), `short` the same without the context tail, for the timeline. Undefined when the
   * event is not about a known order (no id; a position event with no order message before it):
   * it is then sent as a message of its own.
   */
  update(kind: EventKind, p: Payload, text: string, short: string, card: Card | undefined, at: number): LiveMessage | undefined {
    const place = placeOf(p);
    let order: OrderMessage | undefined;
    if (kind.startsWith('order.')) {
      const id = str(p.id) ?? (typeof p.id === 'number' ? String(p.id) : undefined);
      if (id === undefined) return undefined;
      const key = `order:${place}:${id}`;
      order = this.orders.get(key);
      if (order) this.orders.delete(key); // re-inserted below: most recent last
      order ??= { key, timeline: [], dropped: 0 };
      this.orders.set(key, order);
      if (this.orders.size > MAX_ORDERS) this.orders.delete(this.orders.keys().next().value!);
      this.latestBySymbol.set(place, key);
      if (this.latestBySymbol.size > MAX_ORDERS) this.latestBySymbol.delete(this.latestBySymbol.keys().next().value!);
    } else {
      const key = this.latestBySymbol.get(place);
      order = key === undefined ? undefined : this.orders.get(key);
      if (!order) return undefined;
      // The position is told on its order's message once it closes; a later order starts afresh.
      if (kind === 'position.closed') this.latestBySymbol.delete(place);
    }
    order.timeline.push(`${this.clock(at)} ${firstLine(short)}`);
    if (order.timeline.length > MAX_TIMELINE) {
      order.timeline.shift();
      order.dropped++;
    }
    const alert = alertOf(kind, p, text);
    const timeline = [...(order.dropped ? [`… ${order.dropped} earlier`] : []), ...order.timeline].join('\n');
    // One line alone (the first state) needs no timeline under it.
    const body = order.timeline.length + order.dropped > 1 ? `${text}\n${timeline}` : text;
    const single = body === text ? {} : { single: card ? { text, card } : { text } };
    const live: LiveUpdate = { key: order.key, ...(alert ? { alert } : {}), ...single };
    if (!card) return { text: body, live };
    const withTimeline =
      order.timeline.length + order.dropped > 1 ? { ...card, description: card.description ? `${card.description}\n${timeline}` : timeline } : card;
    return { text: body, card: withTimeline, live };
  }
}

/** The states that ring: an order completely filled, a position closed (with its PnL). */
function alertOf(kind: EventKind, p: Payload, text: string): string | undefined {
  if (kind === 'position.closed') return firstLine(text);
  if (kind !== 'order.filled') return undefined;
  const qty = toNumber(p.qty);
  const done = toNumber(p.filledQty);
  // A partial fill edits quietly; the fill that completes the order rings.
  if (qty !== undefined && done !== undefined && done < qty) return undefined;
  return firstLine(text);
}

function placeOf(p: Payload): string {
  return `${str(p.exchange) ?? ''}:${str(p.symbol) ?? ''}:${str(p.strategy) ?? ''}`;
}

function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return nl < 0 ? text : text.slice(0, nl);
}

function defaultClock(at: number): string {
  return new Date(at).toLocaleTimeString('en-GB', { hour12: false });
}
