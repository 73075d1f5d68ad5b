import { http, HttpResponse } from 'msw';
import { afterAll, describe, expect, it } from 'vitest';
import type { Channel, OutgoingPart, SendOutcome } from '../../src/channels/channel.js';
import type { Env } from '../../src/config/env.js';
import { createHttpClient } from '../../src/channels/http.js';
import { escapeSlack, slackDriver, slackLength } from '../../src/channels/slack.js';
import type { RateLimits } from '../../src/delivery/rate-limits.js';
import { mswServer, sent, SLACK_URL, useTestNotifiers, useMsw } from '../fixtures/platforms.js';

useMsw();
/** testNotifier, closed after each test (also when an assertion fails first). */
const make = useTestNotifiers();

const HOOK_URL = 'https://hooks.slack.com/services/:a/:b/:c';
const ADDRESS = 'T0AAAAAAA/B0BBBBBBB';
const SECRET = SLACK_URL.split('/').pop()!;
const slEnv = (url = SLACK_URL): Env => ({ GENERAL_SLACK_WEBHOOK: url });
const noLimits: RateLimits = { reserve: () => 0, observe: () => {}, block: () => {} };

const httpClient = createHttpClient();
afterAll(() => httpClient.close());

function channel(env: Env = slEnv(), role: 'GENERAL' | 'ERROR' = 'GENERAL'): Channel {
  const reading = slackDriver.fromEnv!(env, role);
  expect(reading.problems).toEqual([]);
  return slackDriver.create(reading.specs[0]!, { http: httpClient });
}

const part = (text: string): OutgoingPart => ({ text, level: 'info', silent: false });
const send = (c: Channel, text = 'hi'): Promise<SendOutcome> => c.send(part(text), new AbortController().signal);
const unescape = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function answer(status: number, body: string, headers: Record<string, string> = {}): void {
  mswServer.use(http.post(HOOK_URL, () => new HttpResponse(body, { status, headers: { 'content-type': 'text/plain', ...headers } })));
}

describe('Slack request', () => {
  it('escapes only & < > so <!channel> arrives inert; everything else is untouched', async () => {
    const { notifier } = make(slEnv());
    const original = '<!channel> <@U123> a & b > c < d *bold* _it_ ~s~ `code` "q" \'s\' 😀 é 漢 &amp;';
    notifier.log(original);
    await notifier.close();
    const [req] = sent('slack', ADDRESS);
    expect(req!.url).toBe(SLACK_URL);
    expect(req!.body).toEqual({ text: escapeSlack(original) });
    expect(req!.body.text).toBe('&lt;!channel&gt; &lt;@U123&gt; a &amp; b &gt; c &lt; d *bold* _it_ ~s~ `code` "q" \'s\' 😀 é 漢 &amp;amp;');
    expect(unescape(req!.body.text as string)).toBe(original);
  });

  it('sends no silent flag (incoming webhooks have none)', async () => {
    const { notifier } = make(slEnv());
    notifier.notify('quiet', { silent: true });
    await notifier.close();
    expect(sent('slack', ADDRESS)[0]!.body).toEqual({ text: 'quiet' });
  });

  it('splits 10,000 characters into parts whose escaped length is at most 3900', async () => {
    // Lines full of characters that grow when escaped, so the limit must count the escaped form.
    const original = Array.from({ length: 100 }, (_, i) => `${String(i).padStart(4, '0')} ${'&<>x'.repeat(23)}xx`).join('\n');
    expect(original.length).toBeGreaterThanOrEqual(9999);
    const { notifier } = make(slEnv(), { limits: noLimits });
    notifier.log(original);
    await notifier.close();
    const parts = sent('slack', ADDRESS).map((c) => c.body.text as string);
    expect(parts.length).toBeGreaterThan(3);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(3900);
    expect(parts.map(unescape).join('\n')).toBe(original);
  });

  it('slackLength is the escaped length', () => {
    for (const s of ['', 'plain', '<!here>', '&&&', 'a<b>c&d😀']) expect(slackLength(s)).toBe(escapeSlack(s).length);
  });
});

describe('Slack answer classification', () => {
  it('200 ok → ok', async () => {
    answer(200, 'ok');
    expect(await send(channel())).toEqual({ kind: 'ok' });
  });

  it('429 Retry-After: 3 → retry-after 3000 ms', async () => {
    answer(429, 'rate_limited', { 'retry-after': '3' });
    expect(await send(channel())).toMatchObject({ kind: 'retry-after', delayMs: 3000 });
  });

  it.each([
    [404, 'channel_not_found', /deleted or renamed/],
    [410, 'channel_is_archived', /unarchive/],
    [403, 'action_prohibited', /admin/],
    [403, '', /check the webhook URL/],
    [404, 'no_service', /removed|uninstalled/],
  ])('%i %s → dead, fix names the variable', async (status, body, hint) => {
    answer(status, body);
    const out = await send(channel());
    expect(out.kind).toBe('dead');
    if (out.kind !== 'dead') return;
    expect(out.reason).toContain(String(status));
    if (body) expect(out.reason).toContain(body);
    expect(out.fix).toMatch(hint);
    expect(out.fix).toContain('GENERAL_SLACK_WEBHOOK');
  });

  it('the fix names the variable the channel came from (ERROR role)', async () => {
    answer(404, 'channel_not_found');
    const out = await send(channel({ ERROR_SLACK_WEBHOOK: SLACK_URL }, 'ERROR'));
    expect(out.kind === 'dead' && out.fix).toContain('ERROR_SLACK_WEBHOOK');
  });

  it('400 no_text / invalid_payload → rejected', async () => {
    for (const code of ['no_text', 'invalid_payload']) {
      answer(400, code);
      const out = await send(channel());
      expect(out.kind).toBe('rejected');
      expect(out.kind === 'rejected' && out.reason).toContain(code);
    }
  });

  it('500 → transient', async () => {
    answer(500, 'internal_error');
    expect((await send(channel())).kind).toBe('transient');
  });

  it('a network error → transient', async () => {
    mswServer.use(http.post(HOOK_URL, () => HttpResponse.error()));
    expect((await send(channel())).kind).toBe('transient');
  });
});

describe('Slack channel', () => {
  it('label and id do not contain the webhook secret', () => {
    const c = channel();
    expect(c.label).toContain(ADDRESS);
    expect(c.label).not.toContain(SECRET);
    expect(c.id).not.toContain(SECRET);
    expect(c.secrets).toEqual(expect.arrayContaining([SECRET, SLACK_URL]));
    expect(c.maxLength).toBe(3900);
  });
});
