/**
 * `POST /freqtrade`: what freqtrade's webhook RPC posts (freqtrade/rpc/webhook.py). freqtrade has
 * no fixed payload: for each message type it posts the user's configured fields filled with
 * Python's `str.format` from the message (freqtrade/rpc/rpc_types.py, freqtradebot.py
 * `_notify_enter`/`_notify_exit`…), so every value arrives as text, `None` for an empty one, as a
 * form (freqtrade's default) or JSON (`"format": "json"`). With the README's config (a
 * `"type": "{type}"` key and the fields below) each message becomes one of Herald's host events,
 * so templates, cards, per-event settings, tags and channel mappings apply:
 *
 * | freqtrade | Herald event |
 * | --- | --- |
 * | entry | order.submitted (the entry order) |
 * | entry_fill | position.opened; an additional entry (`sub_trade` True) order.filled |
 * | entry_cancel, exit_cancel | order.cancelled |
 * | exit | order.submitted (the exit order) |
 * | exit_fill | position.closed with pnl = profit_amount, pnlPct = profit_ratio × 100; a partial exit (`sub_trade` True) order.filled |
 * | warning | error |
 * | exception | error, fatal |
 * | status, startup, protection_trigger(_global), strategy_msg | custom `freqtrade.status`, `freqtrade.startup`, `freqtrade.protection`, `freqtrade.strategy_msg` |
 *
 * `strategy` and `mode` (live/paper), which freqtrade's webhook messages do not carry, come from
 * a literal field of the config or the URL's query (`/freqtrade?strategy=SampleStrategy`).
 */
import type { EventKind } from '../../config/events.js';
import type { Payload } from '../../plugin/templates.js';
import type { Body } from '../body.js';
import { fail, ok, type Parsed, type Relayed, type RequestContext } from '../relayed.js';
import { type Fields, isFields, text } from './fields.js';

/** Every message type freqtrade's webhook sends. */
export const FREQTRADE_TYPES = [
  'entry',
  'entry_fill',
  'entry_cancel',
  'exit',
  'exit_fill',
  'exit_cancel',
  'status',
  'startup',
  'warning',
  'exception',
  'protection_trigger',
  'protection_trigger_global',
  'strategy_msg',
] as const;

const NO_TYPE = 'no "type" field: add "type": "{type}" to each message type in freqtrade\'s webhook config (the README\'s Relay section has one to paste)';
/** Fields the plugin reads as instructions on a custom event; freqtrade's are not taken as such. */
const RESERVED = new Set(['type', 'name', 'message', 'to', 'level', 'silent', 'data']);

/** A field as freqtrade formats it: text, with Python's `None` (and nothing) read as absent. */
function value(f: Fields, name: string): string | undefined {
  const v = text(f[name]);
  return v === undefined || v === 'None' ? undefined : v.trim();
}

function num(f: Fields, name: string): number | undefined {
  const v = value(f, name);
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** Python's `True`/`False` (and JSON's booleans). */
function bool(f: Fields, name: string): boolean | undefined {
  const v = f[name];
  if (typeof v === 'boolean') return v;
  const s = value(f, name)?.toLowerCase();
  return s === 'true' ? true : s === 'false' ? false : undefined;
}

/** freqtrade's dates (`2024-05-01 12:00:00.123456+00:00`; naive ones are UTC) as epoch ms. */
function time(f: Fields, name: string): number | undefined {
  const v = value(f, name);
  if (v === undefined) return undefined;
  const iso = v.replace(' ', 'T');
  const ms = Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(iso) ? iso : `${iso}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A ratio as a percentage, without float noise (0.0281 × 100 = 2.81, not 2.8099999999999996). */
const percent = (ratio: number | undefined): number | undefined => (ratio === undefined ? undefined : Number((ratio * 100).toPrecision(12)));

/** freqtrade's status texts are Telegram Markdown (`*Exchange:* \`binance\``): shown plain. */
function plainMarkdown(s: string): string {
  return s
    .replace(/```[A-Za-z0-9_+-]*\n?/g, '')
    .replace(/`([^`\n]*)`/g, '$1')
    .replace(/\*([^*\n]+)\*/g, '$1')
    .trim();
}

/** Defined entries only, so absent fields stay absent in templates and cards. */
function defined(p: Record<string, unknown>): Payload {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined));
}

/** The message's own fields (for custom templates: `{stake_amount}`, `{exit_reason}`…), without None and without instructions. */
function own(f: Fields): Payload {
  const out: Payload = {};
  for (const [k, v] of Object.entries(f)) if (!RESERVED.has(k) && value(f, k) !== undefined) out[k] = typeof v === 'string' ? v.trim() : v;
  return out;
}

/** What every event from one message shares: the trade, where, and the context freqtrade leaves out. */
function context(f: Fields, ctx: RequestContext): Payload {
  const pair = value(f, 'pair');
  return defined({
    ...own(f),
    id: value(f, 'trade_id'),
    tradeId: value(f, 'trade_id'),
    symbol: pair !== '*' ? pair : undefined,
    // freqtrade capitalises the exchange for display (`Binance`); Herald names exchanges by their ccxt id.
    exchange: value(f, 'exchange')?.toLowerCase(),
    strategy: value(f, 'strategy') ?? text(ctx.query.get('strategy')),
    mode: value(f, 'mode') ?? text(ctx.query.get('mode')),
  });
}

const event = (name: EventKind, payload: Payload): Relayed => ({ kind: 'event', event: name, payload });
const custom = (name: string, message: string, base: Payload): Relayed => event('custom', { ...base, name, message });

function trade(type: string, f: Fields, base: Payload): Relayed {
  const short = value(f, 'direction')?.toLowerCase() === 'short';
  const position = short ? 'short' : 'long';
  const opening = short ? 'sell' : 'buy';
  const closing = short ? 'buy' : 'sell';
  const qty = num(f, 'amount');
  const order = (side: string): Payload => ({ ...base, side, ...defined({ type: value(f, 'order_type'), qty }) });
  switch (type) {
    case 'entry':
      return event('order.submitted', defined({ ...order(opening), price: num(f, 'open_rate') ?? num(f, 'limit') }));
    case 'entry_fill':
      if (bool(f, 'sub_trade') === true) return event('order.filled', defined({ ...order(opening), filledQty: qty, avgPrice: num(f, 'open_rate') }));
      return event('position.opened', defined({ ...base, side: position, qty, entryPrice: num(f, 'open_rate'), time: time(f, 'open_date') }));
    case 'entry_cancel':
      return event('order.cancelled', defined({ ...order(opening), price: num(f, 'limit') ?? num(f, 'open_rate'), reason: value(f, 'reason') }));
    case 'exit':
      return event(
        'order.submitted',
        defined({ ...order(closing), price: num(f, 'order_rate') ?? num(f, 'close_rate') ?? num(f, 'limit'), reason: value(f, 'exit_reason') }),
      );
    case 'exit_cancel':
      return event('order.cancelled', defined({ ...order(closing), price: num(f, 'limit'), reason: value(f, 'reason') }));
    default: {
      // exit_fill. A partial exit leaves the trade open: a fill, not a closed position.
      const exitPrice = num(f, 'close_rate') ?? num(f, 'order_rate') ?? num(f, 'limit');
      const result = { pnl: num(f, 'profit_amount'), pnlPct: percent(num(f, 'profit_ratio')), reason: value(f, 'exit_reason') };
      if (bool(f, 'sub_trade') === true || bool(f, 'is_final_exit') === false)
        return event('order.filled', defined({ ...order(closing), filledQty: qty, avgPrice: exitPrice, ...result }));
      return event(
        'position.closed',
        defined({ ...base, side: position, qty, entryPrice: num(f, 'open_rate'), exitPrice, ...result, time: time(f, 'close_date') }),
      );
    }
  }
}

function protection(f: Fields, base: Payload): Relayed {
  const pair = value(f, 'pair');
  const side = value(f, 'side');
  const until = value(f, 'lock_end_time');
  const reason = value(f, 'reason');
  const what = `${pair && pair !== '*' ? pair : 'all pairs'} locked${side && side !== '*' ? ` (${side} side)` : ''}${until ? ` until ${until}` : ''}${reason ? `: ${reason}` : ''}`;
  return custom('freqtrade.protection', what, defined({ ...base, time: time(f, 'lock_time') }));
}

function fromFields(f: Fields, ctx: RequestContext): Parsed<Relayed> {
  const type = value(f, 'type');
  if (type === undefined) return fail(NO_TYPE);
  if (!/^[a-z_]{1,40}$/.test(type))
    return fail(`"type" is "${type.slice(0, 40)}", not a freqtrade message type: write "type": "{type}" so freqtrade fills it in`);
  const base = context(f, ctx);
  const status = value(f, 'status');
  switch (type as (typeof FREQTRADE_TYPES)[number]) {
    case 'entry':
    case 'entry_fill':
    case 'entry_cancel':
    case 'exit':
    case 'exit_fill':
    case 'exit_cancel':
      return ok(trade(type, f, base));
    case 'warning':
      return ok(event('error', { ...base, error: `freqtrade warning: ${status ? plainMarkdown(status) : '(no status field in the webhook config)'}` }));
    case 'exception':
      return ok(
        event('error', { ...base, error: status ? plainMarkdown(status) : 'freqtrade exception (no status field in the webhook config)', fatal: true }),
      );
    case 'status':
    case 'startup':
      return ok(custom(`freqtrade.${type}`, status ? plainMarkdown(status) : type, base));
    case 'protection_trigger':
    case 'protection_trigger_global':
      return ok(protection(f, base));
    case 'strategy_msg':
      return ok(custom('freqtrade.strategy_msg', value(f, 'msg') ?? '(no msg field in the webhook config)', base));
    default: {
      // A type this relay does not know yet (freqtrade adds some): relayed as its fields rather than refused.
      const lines = Object.keys(f)
        .filter((k) => k !== 'type' && value(f, k) !== undefined)
        .map((k) => `${k}: ${value(f, k)!}`);
      return ok(custom(`freqtrade.${type}`, lines.join('\n') || type, base));
    }
  }
}

/** Reads a freqtrade webhook request. */
export function readFreqtrade(body: Body, ctx: RequestContext): Parsed<Relayed> {
  switch (body.kind) {
    case 'form':
      return fromFields(body.fields, ctx);
    case 'json':
      return isFields(body.value)
        ? fromFields(body.value, ctx)
        : fail('the JSON body must be an object: set "format": "json" (or "form") in freqtrade\'s webhook config');
    case 'text':
      // freqtrade's "raw" format posts one text value: relayed as it is.
      if (body.text.trim() === '') return fail(NO_TYPE);
      return ok(custom('freqtrade', body.text, context({}, ctx)));
  }
}
