/**
 * `POST /tradingview[/TARGET]`: a TradingView alert. TradingView posts the alert's message as
 * written, `{{ticker}}`-style placeholders filled in by TradingView or left as the user wrote
 * them, with Content-Type application/json when the message is valid JSON and text/plain
 * otherwise (tradingview.com/support/solutions/43000529348). It becomes the custom event
 * `tradingview`, tagged by the alert's ticker, exchange and strategy when its JSON names them.
 */
import { renderInline } from '../../core/render.js';
import type { Payload } from '../../plugin/templates.js';
import type { Body } from '../body.js';
import { fail, ok, type Parsed, type Relayed, type RequestContext } from '../relayed.js';
import { type Fields, firstText, isFields } from './fields.js';

const EMPTY = "empty alert: write the text (or JSON) to send in the alert's Message box";
/** Fields the plugin reads as instructions on a custom event; an alert's own are not taken as such. */
const RESERVED = new Set(['name', 'message', 'to', 'level', 'silent', 'data']);

function event(payload: Payload, ctx: RequestContext): Relayed {
  return { kind: 'event', event: 'custom', payload: { ...payload, name: 'tradingview', ...(ctx.target ? { to: ctx.target } : {}) } };
}

function fromFields(fields: Fields, ctx: RequestContext): Parsed<Relayed> {
  const own = firstText(fields, 'message', 'text', 'msg', 'content', 'alert', 'body');
  // Without a message field the alert is its fields, one per line as the user named them.
  const message =
    own ??
    Object.entries(fields)
      .filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : renderInline(v)}`)
      .join('\n');
  if (message.trim() === '') return fail(EMPTY);
  const extra = Object.fromEntries(Object.entries(fields).filter(([k]) => !RESERVED.has(k)));
  const symbol = firstText(fields, 'symbol', 'ticker', 'pair');
  return ok(event({ ...extra, message, ...(symbol ? { symbol } : {}) }, ctx));
}

/** Reads a TradingView alert. */
export function readTradingView(body: Body, ctx: RequestContext): Parsed<Relayed> {
  switch (body.kind) {
    case 'text':
      return body.text.trim() === '' ? fail(EMPTY) : ok(event({ message: body.text }, ctx));
    case 'form':
      return fromFields(body.fields, ctx);
    case 'json':
      if (isFields(body.value)) return fromFields(body.value, ctx);
      if (body.value === null || body.value === '') return fail(EMPTY);
      return ok(event({ message: typeof body.value === 'string' ? body.value : renderInline(body.value) }, ctx));
  }
}
