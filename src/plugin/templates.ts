/**
 * Default message for each host event: short and scannable, the important word first
 * (`✅ FILLED BUY 0.5 BTC-USDT @ 64,210.50 · binance · ema-cross`).
 */
import type { EventKind } from '../config/events.js';
import { renderMessage } from '../core/render.js';
import { formatDuration, formatField, formatPct, formatPrice, formatQty, formatSigned, inline, str, toNumber, upper } from './format.js';

export { EVENT_KINDS, type EventKind } from '../config/events.js';

/** Payload fields (any shape is tolerated: hosts differ). */
export type Payload = Record<string, unknown>;

/** A template: `{field}` placeholders (nested `{data.x}` too), or a function. */
export type Template = string | ((payload: Payload) => string);

/** Fills `{field}` placeholders, formatting each by its name. */
export function applyTemplate(template: string, payload: Payload): string {
  return template.replace(/\{([A-Za-z0-9_.]+)\}/g, (_m, path: string) => {
    let v: unknown = payload;
    for (const k of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Payload)[k] : undefined;
    return formatField(path.split('.').pop()!, v);
  });
}

/** ` · binance · ema-cross · paper` — the context tail, skipping what is missing. */
function tail(p: Payload): string {
  const bits = [str(p.exchange), str(p.strategy), p.mode === 'paper' ? 'paper' : undefined].filter(Boolean);
  return bits.length ? ` · ${bits.join(' · ')}` : '';
}

function symbols(p: Payload): string | undefined {
  if (Array.isArray(p.symbols)) return p.symbols.map(inline).join(', ');
  return str(p.symbol);
}

function order(verb: string, p: Payload): string {
  const price = p.avgPrice ?? p.price;
  const at = price !== undefined ? ` @ ${formatPrice(price)}` : '';
  const type = str(p.type) && p.type !== 'market' ? ` ${upper(p.type)}` : '';
  return `${verb} ${upper(p.side)} ${formatQty(p.qty)} ${inline(p.symbol)}${type}${at}${tail(p)}`;
}

function filled(p: Payload): string {
  const qty = toNumber(p.qty);
  const done = toNumber(p.filledQty);
  const price = p.avgPrice ?? p.price;
  const at = price !== undefined ? ` @ ${formatPrice(price)}` : '';
  if (qty !== undefined && done !== undefined && done < qty) {
    return `🟡 PARTIAL FILL ${upper(p.side)} ${formatQty(done)} of ${formatQty(qty)} ${inline(p.symbol)}${at} (${formatQty(qty - done)} remaining)${tail(p)}`;
  }
  return `✅ FILLED ${upper(p.side)} ${formatQty(p.filledQty ?? p.qty)} ${inline(p.symbol)}${at}${tail(p)}`;
}

function cancelled(p: Payload): string {
  const done = toNumber(p.filledQty);
  const partly = done !== undefined && done > 0 ? ` (${formatQty(done)} filled before)` : '';
  return `${order('✖️ CANCELLED', p)}${partly}`;
}

function position(verb: string, p: Payload): string {
  const side = upper(p.side);
  const icon = verb === 'OPENED' ? (p.side === 'short' ? '📉' : '📈') : verb === 'INCREASED' ? '➕' : '➖';
  const to = verb === 'OPENED' ? '' : ' to';
  return `${icon} ${verb} ${side}${to} ${formatQty(p.qty)} ${inline(p.symbol)} · entry ${formatPrice(p.entryPrice)}${tail(p)}`;
}

function closed(p: Payload): string {
  const pnl = toNumber(p.pnl);
  const icon = pnl === undefined ? '🏁' : pnl >= 0 ? '💰' : '🔻';
  const exit = p.exitPrice !== undefined ? ` @ ${formatPrice(p.exitPrice)}` : '';
  // A PnL that is not a number is shown as given, like qty and price: dropping it would hide it.
  const shown = pnl !== undefined ? formatSigned(pnl) : str(p.pnl);
  const result = shown !== undefined ? ` · PnL ${shown}${p.pnlPct !== undefined ? ` (${formatPct(p.pnlPct)})` : ''}` : '';
  return `${icon} CLOSED ${upper(p.side)} ${formatQty(p.qty)} ${inline(p.symbol)}${exit}${result} · entry ${formatPrice(p.entryPrice)}${tail(p)}`;
}

function error(p: Payload): string {
  const err = p.error;
  const where = [str(p.strategy), str(p.symbol)].filter(Boolean).join(' · ');
  const text = err === undefined || err === null || err === '' ? 'unknown error' : renderMessage(err);
  return `🚨 ${p.fatal ? 'FATAL ERROR' : 'ERROR'}${where ? ` · ${where}` : ''}\n${text}`;
}

function custom(p: Payload): string {
  const name = str(p.name);
  const message = p.message === undefined || p.message === null || p.message === '' ? undefined : renderMessage(p.message);
  const data = p.data !== undefined ? `\n${renderMessage(p.data)}` : '';
  if (message) return `📣 ${name ? `${name}: ` : ''}${message}${data}`;
  return `📣 ${name ?? 'event'}${data}`;
}

/** The built-in message for each event kind. */
export const DEFAULT_TEMPLATES: Readonly<Record<EventKind, (p: Payload) => string>> = {
  'session.started': (p) => `🟢 SESSION STARTED · ${str(p.mode) ?? 'live'}${symbols(p) ? ` · ${symbols(p)}` : ''}${tail({ ...p, mode: undefined })}`,
  'session.terminated': (p) => `🔴 SESSION ENDED · ${str(p.mode) ?? 'live'}${tail({ ...p, mode: undefined })}${str(p.reason) ? ` · ${str(p.reason)}` : ''}`,
  'order.submitted': (p) => order('📝 SUBMITTED', p),
  'order.filled': filled,
  'order.cancelled': cancelled,
  'position.opened': (p) => position('OPENED', p),
  'position.increased': (p) => position('INCREASED', p),
  'position.reduced': (p) => position('REDUCED', p),
  'position.closed': closed,
  'exchange.reconnected': (p) =>
    `🔌 RECONNECTED to ${str(p.exchange) ?? 'exchange'}${p.downtimeMs !== undefined ? ` after ${formatDuration(p.downtimeMs)} offline` : ''}`,
  error,
  custom,
};
