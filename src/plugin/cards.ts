/**
 * The rich form of each host event: a headline, a tone (buy/long and profit good, sell/short and
 * loss bad, errors red, the rest neutral), fields for quantities and prices, and a footer with
 * the context. Drivers turn it into a Discord embed, Slack blocks or a Telegram headline.
 */
import type { Card, CardField, Tone } from '../channels/card.js';
import type { EventKind } from '../config/events.js';
import { renderMessage } from '../core/render.js';
import { formatDuration, formatPct, formatPrice, formatQty, formatSigned, inline, str, toNumber, upper } from './format.js';
import type { Payload } from './templates.js';

function field(name: string, value: string | undefined, numeric = true): CardField[] {
  return value === undefined || value === '' ? [] : [{ name, value, numeric }];
}

/** `binance · ema-cross · paper`. */
function footer(p: Payload): string | undefined {
  const bits = [str(p.exchange), str(p.strategy), str(p.mode)].filter(Boolean);
  return bits.length ? bits.join(' · ') : undefined;
}

/** When it happened: the payload's own time when it has one, else now. */
function when(p: Payload): number {
  for (const v of [p.time, p.timestamp]) {
    const n = typeof v === 'string' ? Date.parse(v) : toNumber(v);
    if (n !== undefined && Number.isFinite(n) && n > 0) return n;
  }
  return Date.now();
}

/** Only a web link becomes the headline's link. */
function link(p: Payload): string | undefined {
  const u = str(p.url);
  return u && /^https?:\/\//i.test(u) ? u : undefined;
}

function card(p: Payload, title: string, tone: Tone, fields: CardField[], description?: string): Card {
  const f = footer(p);
  const url = link(p);
  return { title, tone, fields, ...(description ? { description } : {}), ...(url ? { url } : {}), ...(f ? { footer: f } : {}), timestamp: when(p) };
}

const sideTone = (side: unknown): Tone => (side === 'buy' || side === 'long' ? 'good' : side === 'sell' || side === 'short' ? 'bad' : 'info');

function order(verb: string, p: Payload, tone: Tone): Card {
  const price = p.avgPrice ?? p.price;
  return card(p, `${verb} ${upper(p.side)} ${formatQty(p.qty)} ${inline(p.symbol)}`.trimEnd(), tone, [
    ...field('Type', str(p.type) ? upper(p.type) : undefined, false),
    ...field('Qty', str(p.qty) ? formatQty(p.qty) : undefined),
    ...field(p.avgPrice !== undefined ? 'Avg price' : 'Price', price !== undefined ? formatPrice(price) : undefined),
  ]);
}

function filled(p: Payload): Card {
  const qty = toNumber(p.qty);
  const done = toNumber(p.filledQty);
  const price = p.avgPrice ?? p.price;
  const priceField = field(p.avgPrice !== undefined ? 'Avg price' : 'Price', price !== undefined ? formatPrice(price) : undefined);
  const fee = field('Fee', str(p.fee) ? `${formatQty(p.fee)}${str(p.feeCurrency) ? ` ${str(p.feeCurrency)}` : ''}` : undefined);
  if (qty !== undefined && done !== undefined && done < qty) {
    return card(p, `🟡 PARTIAL FILL ${upper(p.side)} ${formatQty(done)} of ${formatQty(qty)} ${inline(p.symbol)}`.trimEnd(), sideTone(p.side), [
      ...field('Filled', formatQty(done)),
      ...field('Remaining', formatQty(qty - done)),
      ...priceField,
      ...fee,
    ]);
  }
  return card(p, `✅ FILLED ${upper(p.side)} ${formatQty(p.filledQty ?? p.qty)} ${inline(p.symbol)}`.trimEnd(), sideTone(p.side), [
    ...field('Qty', formatQty(p.filledQty ?? p.qty)),
    ...priceField,
    ...fee,
  ]);
}

function cancelled(p: Payload): Card {
  const c = order('✖️ CANCELLED', p, 'info');
  const done = toNumber(p.filledQty);
  const extra = [...(done !== undefined && done > 0 ? field('Filled before', formatQty(done)) : []), ...field('Reason', str(p.reason), false)];
  return { ...c, fields: [...c.fields, ...extra] };
}

function position(verb: 'OPENED' | 'INCREASED' | 'REDUCED', p: Payload): Card {
  const icon = verb === 'OPENED' ? (p.side === 'short' ? '📉' : '📈') : verb === 'INCREASED' ? '➕' : '➖';
  const to = verb === 'OPENED' ? '' : ' to';
  return card(p, `${icon} ${verb} ${upper(p.side)}${to} ${formatQty(p.qty)} ${inline(p.symbol)}`.trimEnd(), sideTone(p.side), [
    ...field('Qty', formatQty(p.qty)),
    ...field('Entry', p.entryPrice !== undefined ? formatPrice(p.entryPrice) : undefined),
    ...field('Exit', p.exitPrice !== undefined ? formatPrice(p.exitPrice) : undefined),
    ...field('PnL', p.pnl !== undefined ? formatSigned(p.pnl) : undefined),
  ]);
}

function closed(p: Payload): Card {
  const pnl = toNumber(p.pnl);
  const icon = pnl === undefined ? '🏁' : pnl >= 0 ? '💰' : '🔻';
  const tone: Tone = pnl === undefined ? 'info' : pnl >= 0 ? 'good' : 'bad';
  return card(p, `${icon} CLOSED ${upper(p.side)} ${formatQty(p.qty)} ${inline(p.symbol)}`.trimEnd(), tone, [
    ...field('PnL', pnl !== undefined ? formatSigned(pnl) : str(p.pnl)),
    ...field('PnL %', p.pnlPct !== undefined ? formatPct(p.pnlPct) : undefined),
    ...field('Entry', p.entryPrice !== undefined ? formatPrice(p.entryPrice) : undefined),
    ...field('Exit', p.exitPrice !== undefined ? formatPrice(p.exitPrice) : undefined),
    ...field('Qty', formatQty(p.qty)),
  ]);
}

function session(started: boolean, p: Payload): Card {
  const symbols = Array.isArray(p.symbols) ? p.symbols.map(inline).join(', ') : str(p.symbol);
  return card(p, started ? '🟢 SESSION STARTED' : '🔴 SESSION ENDED', 'info', [
    ...field('Mode', str(p.mode) ?? 'live', false),
    ...field('Symbols', symbols, false),
    ...field('Reason', str(p.reason), false),
  ]);
}

function error(p: Payload): Card {
  const where = [str(p.strategy), str(p.symbol)].filter(Boolean).join(' · ');
  const err = p.error;
  const text = err === undefined || err === null || err === '' ? 'unknown error' : renderMessage(err);
  return card(p, `🚨 ${p.fatal ? 'FATAL ERROR' : 'ERROR'}${where ? ` · ${where}` : ''}`, 'error', [], text);
}

function custom(p: Payload): Card {
  const message = p.message === undefined || p.message === null || p.message === '' ? undefined : renderMessage(p.message);
  const data = p.data !== undefined ? renderMessage(p.data) : undefined;
  return card(p, `📣 ${str(p.name) ?? 'event'}`, p.level === 'error' ? 'error' : 'info', [], [message, data].filter(Boolean).join('\n') || undefined);
}

/** The card for each event kind. */
export const DEFAULT_CARDS: Readonly<Record<EventKind, (p: Payload) => Card>> = {
  'session.started': (p) => session(true, p),
  'session.terminated': (p) => session(false, p),
  'order.submitted': (p) => order('📝 SUBMITTED', p, sideTone(p.side)),
  'order.filled': filled,
  'order.cancelled': cancelled,
  'position.opened': (p) => position('OPENED', p),
  'position.increased': (p) => position('INCREASED', p),
  'position.reduced': (p) => position('REDUCED', p),
  'position.closed': closed,
  'exchange.reconnected': (p) =>
    card(
      p,
      `🔌 RECONNECTED to ${str(p.exchange) ?? 'exchange'}`,
      'info',
      field('Offline for', p.downtimeMs !== undefined ? formatDuration(p.downtimeMs) : undefined, false),
    ),
  error,
  custom,
};
