/**
 * `POST /discord[/TARGET]`: whatever a Discord webhook accepts — JSON, a form with `content=`
 * (how Jesse posts, jesse/services/notifier.py `_discord`), or `payload_json` (as a form field or
 * a multipart part, how Discord clients send files) — relayed as text. The answer is Discord's
 * (204, or 200 with a message under `?wait=true`), so the sender sees success.
 */
import type { Body } from '../body.js';
import { fail, ok, type Parsed, type Relayed, type RequestContext } from '../relayed.js';
import { discordMessageText } from './discord-text.js';
import { attachmentNames, attachmentNote, type Fields, isFields, joinLines } from './fields.js';

/** Discord's `flags` bit for a message without a notification sound. */
const SUPPRESS_NOTIFICATIONS = 1 << 12;

/** The message object of any body shape Discord takes. */
function messageOf(body: Body): Parsed<Fields> {
  switch (body.kind) {
    case 'json':
      return isFields(body.value) ? ok(body.value) : fail('a Discord webhook body is a JSON object like {"content": "…"}');
    case 'text':
      return ok({ content: body.text });
    case 'form': {
      const { payload_json: json, ...rest } = body.fields;
      if (json === undefined) return ok(rest);
      let payload: unknown;
      try {
        payload = JSON.parse(json);
      } catch {
        return fail('payload_json is not valid JSON');
      }
      return isFields(payload) ? ok({ ...rest, ...payload }) : fail('payload_json must be a JSON object like {"content": "…"}');
    }
  }
}

/** Reads a Discord-webhook-shaped request. */
export function readDiscord(body: Body, ctx: RequestContext): Parsed<Relayed> {
  const m = messageOf(body);
  if (!m.ok) return m;
  const files = body.kind === 'form' ? body.files : [];
  const message = joinLines([discordMessageText(m.value), attachmentNote([...attachmentNames(m.value.attachments), ...files])], '\n\n');
  if (message === '') return fail('empty message: send content, embeds or a file (Discord itself answers 50006 "Cannot send an empty message")');
  const silent = (Number(m.value.flags) & SUPPRESS_NOTIFICATIONS) !== 0;
  return ok({ kind: 'notify', message, options: { ...(silent ? { silent } : {}), ...(ctx.target ? { to: ctx.target } : {}) } });
}
