/**
 * `POST /notify[/TARGET]`: a message from anything that can make an HTTP request. Reads
 * text/plain, Herald's JSON (`{ message, level?, silent?, to?, tags? }`) and the body Apprise's
 * `json://` and `form://` plugins send (`{ version, title, message, type, attachments }`, see
 * apprise/plugins/custom_json.py), so Apprise, Uptime Kuma and Home Assistant can send to Herald.
 */
import { cleanTags } from '../../config/tags.js';
import type { NotifyOptions } from '../../core/notifier.js';
import { renderMessage } from '../../core/render.js';
import type { Body } from '../body.js';
import { fail, ok, type Parsed, type Relayed, type RequestContext } from '../relayed.js';
import { attachmentNames, attachmentNote, type Fields, firstText, flag, isFields, joinLines, level, text } from './fields.js';

/** Fields that make a form a notification (Herald's and Apprise's). */
const MESSAGE_FIELDS = ['message', 'text', 'body', 'title'];

const NO_MESSAGE =
  'no message: send a text/plain body, JSON {"message": "…"} (also title, level, silent, to, tags), or Apprise\'s {"title", "message", "type"}';

/** Reads a `/notify` request. */
export function readNotify(body: Body, ctx: RequestContext): Parsed<Relayed> {
  switch (body.kind) {
    case 'text':
      return body.text.trim() === '' ? fail(NO_MESSAGE) : ok(notification(body.text, ctx.target ? { to: ctx.target } : {}));
    case 'form':
      // `curl -d 'x = 1 is odd'` labels text as a form: with none of the fields a notification has, it is the text.
      if (body.raw !== undefined && !MESSAGE_FIELDS.some((f) => f in body.fields)) return ok(notification(body.raw, ctx.target ? { to: ctx.target } : {}));
      return fromFields(body.fields, ctx, body.files);
    case 'json':
      if (typeof body.value === 'string')
        return body.value.trim() === '' ? fail(NO_MESSAGE) : ok(notification(body.value, ctx.target ? { to: ctx.target } : {}));
      if (!isFields(body.value)) return fail('the JSON body must be an object like {"message": "…"} or a string');
      return fromFields(body.value, ctx, []);
  }
}

function fromFields(fields: Fields, ctx: RequestContext, files: readonly string[]): Parsed<Relayed> {
  const title = text(fields.title);
  const raw = fields.message ?? fields.text ?? fields.body;
  // A non-text message (an object) is shown as JSON, like log() shows one; blank text is no message.
  const message = typeof raw === 'string' ? text(raw) : raw === null ? undefined : raw;
  if (title === undefined && message === undefined) return fail(NO_MESSAGE);
  const lvl = level(fields.level ?? fields.type, fields.level !== undefined ? 'level' : 'type');
  if (!lvl.ok) return lvl;
  const silent = flag(fields.silent, 'silent');
  if (!silent.ok) return silent;
  if (fields.to !== undefined && typeof fields.to !== 'string')
    return fail('"to" must be a target as text (a variable name, #channel, telegram:<chat>, a webhook URL…)');
  if (fields.tags !== undefined && !isFields(fields.tags)) return fail('"tags" must be an object like {"strategy": "grid", "symbol": "ETH-USDT"}');
  const to = ctx.target ?? firstText(fields, 'to');
  const tags = cleanTags(fields.tags);
  const note = attachmentNote([...attachmentNames(fields.attachments), ...files]);
  const options: NotifyOptions = {
    ...(lvl.value ? { level: lvl.value } : {}),
    ...(silent.value ? { silent: true } : {}),
    ...(to ? { to } : {}),
    ...(tags ? { tags } : {}),
  };
  const shown = message === undefined || typeof message === 'string' ? message : renderMessage(message);
  return ok(notification(joinLines([title, shown, note]), options));
}

function notification(message: string, options: NotifyOptions): Relayed {
  return { kind: 'notify', message, options };
}
