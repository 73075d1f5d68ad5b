/**
 * `POST /slack[/TARGET]`: whatever a Slack incoming webhook accepts — JSON (how Jesse posts,
 * jesse/services/notifier.py `_slack`), or a form with `payload=` — relayed as text. The answer
 * is Slack's (200 `ok`), so the sender sees success.
 */
import type { Body } from '../body.js';
import { fail, ok, type Parsed, type Relayed, type RequestContext } from '../relayed.js';
import { type Fields, isFields } from './fields.js';
import { slackMessageText } from './slack-text.js';

function messageOf(body: Body): Parsed<Fields> {
  switch (body.kind) {
    case 'json':
      return isFields(body.value) ? ok(body.value) : fail('invalid_payload: a Slack webhook body is a JSON object like {"text": "…"}');
    case 'text':
      return ok({ text: body.text });
    case 'form': {
      const { payload, ...rest } = body.fields;
      if (payload === undefined) return ok(rest);
      let parsed: unknown;
      try {
        parsed = JSON.parse(payload);
      } catch {
        return fail('invalid_payload: the payload field is not valid JSON');
      }
      return isFields(parsed) ? ok(parsed) : fail('invalid_payload: the payload field must be a JSON object like {"text": "…"}');
    }
  }
}

/** Reads a Slack-webhook-shaped request. */
export function readSlack(body: Body, ctx: RequestContext): Parsed<Relayed> {
  const m = messageOf(body);
  if (!m.ok) return m;
  const message = slackMessageText(m.value);
  if (message.trim() === '') return fail('no_text: send text, blocks or attachments');
  return ok({ kind: 'notify', message, options: ctx.target ? { to: ctx.target } : {} });
}
