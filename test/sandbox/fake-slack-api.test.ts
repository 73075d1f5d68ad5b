/**
 * The fake Slack Web API (src/sandbox/fake-slack-api.ts) on the wire: auth, scopes, channels,
 * Block Kit limits, threads, rate limits and the conversations.* lookups, answered the way
 * slack.com answers them (HTTP 200 `{ ok: false }` for every refusal but 429).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';

const BOT = 'xoxb-1111111111-2222222222-abcdefghijklmnopqrstuvwx';
const OTHER = 'xoxb-1111111111-3333333333-zyxwvutsrqponmlkjihgfedc';
const T0 = 1_700_000_000_000;

let now = T0;
let fake: FakePlatformServer;

beforeEach(async () => {
  now = T0;
  fake = await FakePlatformServer.start({ clock: () => now });
  fake.addSlackChannel({ id: 'C0GENERAL1', name: 'general' });
  fake.addSlackChannel({ id: 'C0ALERTS01', name: 'Alerts' });
  fake.addSlackChannel({ id: 'C0OUTSIDE1', name: 'outside', isMember: false });
  fake.addSlackChannel({ id: 'C0OLD00001', name: 'old', isArchived: true });
  fake.addSlackChannel({ id: 'G0SECRET01', name: 'secret', isPrivate: true, isMember: false });
  fake.addSlackChannel({ id: 'G0PRIVATE1', name: 'private', isPrivate: true });
});

afterEach(async () => {
  await fake.close();
});

interface SlackAnswer {
  status: number;
  headers: Headers;
  body: Record<string, any>;
}

/** Calls a Web API method: JSON with a Bearer header by default. */
async function api(
  method: string,
  params: Record<string, unknown> = {},
  { token = BOT as string | null, form = false, http = 'POST' as 'GET' | 'POST' } = {},
): Promise<SlackAnswer> {
  const headers: Record<string, string> = {};
  let url = `${fake.slackApiBaseUrl}/${method}`;
  let body: string | undefined;
  if (http === 'GET') {
    url += `?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))}`;
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
  } else if (form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    const fields = Object.entries(params).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
    if (token !== null) fields.push(['token', token]);
    body = new URLSearchParams(fields).toString();
  } else {
    headers['content-type'] = 'application/json; charset=utf-8';
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    body = JSON.stringify(params);
  }
  const res = await fetch(url, { method: http, headers, ...(body !== undefined ? { body } : {}) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
}

const post = (params: Record<string, unknown>, options?: Parameters<typeof api>[2]) => api('chat.postMessage', params, options);

/** The refusal Slack sends for `error`: HTTP 200, `{ ok: false, error }`. */
const refused = (error: string, extra: object = {}) => ({ status: 200, body: { ok: false, error, ...extra } });

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

describe('Slack Web API: auth', () => {
  it('answers auth.test with the sandbox identity and the token scopes in x-oauth-scopes', async () => {
    const res = await api('auth.test');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ok: true,
      url: 'https://herald-sandbox.slack.com/',
      team: 'Herald Sandbox',
      user: 'herald',
      team_id: 'T0SANDBOX',
      user_id: 'U0HERALD',
      bot_id: 'B0HERALD',
    });
    expect(res.headers.get('x-oauth-scopes')).toBe('chat:write,chat:write.public,channels:read,groups:read,files:write');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect((await api('auth.test', {}, { http: 'GET' })).body.ok).toBe(true);
    // auth.test posts nothing.
    expect(fake.messages).toEqual([]);
    expect(fake.events).toEqual([]);
  });

  it('answers not_authed, invalid_auth and token_revoked as HTTP 200 refusals, recorded as errors', async () => {
    expect(await post({ channel: 'general', text: 'x' }, { token: null })).toMatchObject(refused('not_authed'));
    for (const bad of ['xoxq-1-2-abc', 'Bearer-nothing', 'xoxb-', '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ']) {
      const res = await post({ channel: 'general', text: 'x' }, { token: bad });
      expect(res, bad).toMatchObject(refused('invalid_auth'));
      expect(res.headers.get('x-oauth-scopes'), bad).toBeNull();
    }
    fake.revokeSlackToken(BOT);
    expect(await api('auth.test')).toMatchObject(refused('token_revoked'));
    expect(await post({ channel: 'general', text: 'x' })).toMatchObject(refused('token_revoked'));
    expect((await api('auth.test', {}, { token: OTHER })).body.ok).toBe(true); // only that token
    expect(fake.messages).toEqual([]);
    expect(fake.events.map((e) => [e.kind, e.status, e.detail, e.via])).toEqual([
      ['error', 200, 'not_authed', 'bot'],
      ...Array(4).fill(['error', 200, 'invalid_auth', 'bot']),
      ['error', 200, 'token_revoked', 'bot'],
      ['error', 200, 'token_revoked', 'bot'],
    ]);
  });

  it('takes the token from a form body, but not from a JSON body', async () => {
    const form = await post({ channel: 'general', text: 'form post' }, { form: true });
    expect(form.body.ok).toBe(true);
    expect(fake.messages[0]!.body).not.toHaveProperty('token'); // never recorded
    const res = await fetch(`${fake.slackApiBaseUrl}/chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: BOT, channel: 'general', text: 'json with token' }),
    });
    expect(await res.json()).toEqual({ ok: false, error: 'not_authed' });
  });

  it('answers missing_scope with needed and provided, and lists the scopes in the header', async () => {
    fake.setSlackScopes(BOT, ['channels:read', 'groups:read']);
    const res = await post({ channel: 'general', text: 'x' });
    expect(res).toMatchObject(refused('missing_scope', { needed: 'chat:write', provided: 'channels:read,groups:read' }));
    expect(res.headers.get('x-oauth-scopes')).toBe('channels:read,groups:read');
    expect(res.headers.get('x-accepted-oauth-scopes')).toBe('chat:write');
    expect(fake.events.at(-1)).toMatchObject({ kind: 'error', platform: 'slack', destination: 'C0GENERAL1', detail: 'missing_scope (needed chat:write)' });
    fake.setSlackScopes(BOT, ['chat:write']);
    expect((await api('conversations.info', { channel: 'C0GENERAL1' })).body).toEqual({
      ok: false,
      error: 'missing_scope',
      needed: 'channels:read',
      provided: 'chat:write',
    });
  });

  it('answers unknown methods with unknown_method (HTTP 404) and leaves Discord routes alone', async () => {
    const res = await api('chat.postEphemeralPigeon');
    expect([res.status, res.body.error]).toEqual([404, 'unknown_method']);
    expect(
      (await fetch(fake.discordWebhookUrl(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"content":"still discord"}' })).status,
    ).toBe(204);
    expect(fake.messagesFor('discord').map((m) => m.text)).toEqual(['still discord']);
  });
});

describe('Slack Web API: chat.postMessage', () => {
  it('posts by id, by name and by #name, recording the channel id, with Slack success shape', async () => {
    const byId = await post({ channel: 'C0GENERAL1', text: 'one' });
    now += 1;
    const byName = await post({ channel: 'general', text: 'two' });
    now += 1;
    const byHash = await post({ channel: '#ALERTS', text: 'three' });
    expect(byId.status).toBe(200);
    expect(byId.body).toEqual({
      ok: true,
      channel: 'C0GENERAL1',
      ts: '1700000000.000000',
      message: { type: 'message', text: 'one', user: 'U0HERALD', bot_id: 'B0HERALD', team: 'T0SANDBOX', ts: '1700000000.000000' },
    });
    expect(byName.body).toMatchObject({ ok: true, channel: 'C0GENERAL1', ts: '1700000000.001000' });
    expect(byHash.body).toMatchObject({ ok: true, channel: 'C0ALERTS01' });
    expect(fake.messagesFor('slack', 'C0GENERAL1').map((m) => m.text)).toEqual(['one', 'two']);
    expect(fake.messagesFor('slack', 'C0ALERTS01')).toEqual([
      expect.objectContaining({
        platform: 'slack',
        via: 'bot',
        destination: 'C0ALERTS01',
        text: 'three',
        silent: false,
        body: { channel: '#ALERTS', text: 'three' },
      }),
    ]);
    expect(fake.events.map((e) => [e.kind, e.destination, e.via])).toEqual([
      ['message', 'C0GENERAL1', 'bot'],
      ['message', 'C0GENERAL1', 'bot'],
      ['message', 'C0ALERTS01', 'bot'],
    ]);
  });

  it('gives messages in the same millisecond distinct, increasing ts', async () => {
    const a = await post({ channel: 'general', text: 'a' });
    const b = await post({ channel: 'alerts', text: 'b' });
    expect(a.body.ts).toBe('1700000000.000000');
    expect(b.body.ts).toBe('1700000000.000001');
  });

  it('refuses unknown, invisible, archived and not-joined channels like Slack', async () => {
    expect(await post({ text: 'no channel' })).toMatchObject(refused('channel_not_found'));
    expect(await post({ channel: 'nowhere', text: 'x' })).toMatchObject(refused('channel_not_found'));
    expect(await post({ channel: 'C0NOTKNOWN', text: 'x' })).toMatchObject(refused('channel_not_found'));
    // A private channel the bot is not in is invisible, not "not_in_channel".
    expect(await post({ channel: 'secret', text: 'x' })).toMatchObject(refused('channel_not_found'));
    expect(await post({ channel: 'G0SECRET01', text: 'x' })).toMatchObject(refused('channel_not_found'));
    expect(await post({ channel: 'old', text: 'x' })).toMatchObject(refused('is_archived'));
    // Public and not a member: fine with chat:write.public (a default scope), not_in_channel without.
    expect((await post({ channel: 'outside', text: 'joined by scope' })).body.ok).toBe(true);
    fake.setSlackScopes(BOT, ['chat:write', 'channels:read']);
    expect(await post({ channel: 'outside', text: 'x' })).toMatchObject(refused('not_in_channel'));
    expect((await post({ channel: 'private', text: 'member of a private one' })).body.ok).toBe(true);
    expect(fake.messages.map((m) => [m.destination, m.text])).toEqual([
      ['C0OUTSIDE1', 'joined by scope'],
      ['G0PRIVATE1', 'member of a private one'],
    ]);
    expect(fake.events.filter((e) => e.kind === 'error').map((e) => e.detail)).toEqual([
      'channel_not_found',
      'channel_not_found',
      'channel_not_found',
      'channel_not_found',
      'channel_not_found',
      'is_archived',
      'not_in_channel',
    ]);
  });

  it('answers no_text without text or blocks, and accepts blocks without text', async () => {
    expect(await post({ channel: 'general' })).toMatchObject(refused('no_text'));
    expect(await post({ channel: 'general', text: '   ', blocks: [] })).toMatchObject(refused('no_text'));
    now += 1000;
    const blocksOnly = await post({ channel: 'general', blocks: [section('*only* blocks')] });
    expect(blocksOnly.body).toMatchObject({ ok: true, message: { text: '', blocks: [section('*only* blocks')] } });
    expect(fake.messages).toHaveLength(1);
  });

  it('answers invalid_blocks for 51 blocks, a 151-character header and other broken blocks', async () => {
    const bad: Array<[string, unknown]> = [
      ['51 blocks', Array.from({ length: 51 }, () => ({ type: 'divider' }))],
      ['151-character header', [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }]],
      ['mrkdwn header', [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }]],
      ['3001-character section', [section('s'.repeat(3001))]],
      ['empty section text', [section('')]],
      ['section with neither text nor fields', [{ type: 'section' }]],
      ['11 fields', [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }]],
      ['2001-character field', [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'f'.repeat(2001) }] }]],
      ['11 context elements', [{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'plain_text', text: 'c' })) }]],
      ['unknown type', [{ type: 'marquee', text: 'x' }]],
      ['not an object', ['divider']],
    ];
    for (const [what, blocks] of bad) {
      now += 1000; // keep the channel's bucket full: this is about content, not rate
      expect(await post({ channel: 'general', text: 'fallback', blocks }), what).toMatchObject(refused('invalid_blocks'));
    }
    now += 1000;
    expect(await post({ channel: 'general', text: 'x', blocks: { type: 'divider' } })).toMatchObject(refused('invalid_blocks_format'));
    expect(fake.messages).toEqual([]);
  });

  it('accepts 50 blocks at their limits: header 150, section 3000, 10 fields, 10 context elements, divider, rich_text', async () => {
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(150) } },
      section('s'.repeat(3000)),
      { type: 'section', fields: Array.from({ length: 10 }, (_, i) => ({ type: i % 2 ? 'plain_text' : 'mrkdwn', text: `field ${i}` })) },
      { type: 'context', elements: Array.from({ length: 10 }, () => ({ type: 'mrkdwn', text: 'c' })) },
      { type: 'rich_text', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: 'rich' }] }] },
      ...Array.from({ length: 45 }, () => ({ type: 'divider' })),
    ];
    const res = await post({ channel: 'general', text: 'fallback', blocks });
    expect(res.body.ok).toBe(true);
    expect(fake.messages[0]!.body).toMatchObject({ blocks });
  });

  it('answers msg_blocks_too_long past 12,000 characters of block text', async () => {
    const tooLong = await post({ channel: 'general', text: 'x', blocks: Array.from({ length: 5 }, () => section('t'.repeat(2500))) });
    expect(tooLong).toMatchObject(refused('msg_blocks_too_long'));
    now += 1000;
    const fits = await post({
      channel: 'general',
      text: 'x',
      blocks: [...Array.from({ length: 4 }, () => section('t'.repeat(2500))), section('t'.repeat(2000))],
    });
    expect(fits.body.ok).toBe(true);
  });

  it('parses blocks sent as a JSON string in a form body, and records them parsed', async () => {
    const blocks = [{ type: 'header', text: { type: 'plain_text', text: 'Form header' } }];
    const res = await post({ channel: 'general', text: 'x', blocks: JSON.stringify(blocks), unfurl_links: 'false' }, { form: true });
    expect(res.body.ok).toBe(true);
    expect(fake.messages[0]!.body).toEqual({ channel: 'general', text: 'x', blocks, unfurl_links: 'false' });
    now += 1000;
    expect(await post({ channel: 'general', text: 'x', blocks: '[{"type":' }, { form: true })).toMatchObject(refused('invalid_blocks_format'));
  });

  it('accepts text over 40,000 characters with a message_truncated warning', async () => {
    const text = 'x'.repeat(40_001);
    const res = await post({ channel: 'general', text });
    expect(res.body).toMatchObject({ ok: true, warning: 'message_truncated', response_metadata: { warnings: ['message_truncated'] } });
    expect(res.body.message.text).toHaveLength(40_000);
    expect(fake.messages[0]!.text).toBe(text); // recorded as sent
    now += 1000;
    const fine = await post({ channel: 'general', text: 'x'.repeat(40_000) });
    expect(fine.body).not.toHaveProperty('response_metadata');
  });

  it('threads a reply under a message of the channel, and answers thread_not_found otherwise', async () => {
    const parent = await post({ channel: 'general', text: 'parent' });
    const ts = parent.body.ts as string;
    const reply = await post({ channel: 'C0GENERAL1', text: 'reply', thread_ts: ts });
    expect(reply.body).toMatchObject({ ok: true, message: { thread_ts: ts } });
    expect(fake.messages.map((m) => [m.text, m.thread])).toEqual([
      ['parent', undefined],
      ['reply', ts],
    ]);
    now += 1000;
    expect(await post({ channel: 'general', text: 'x', thread_ts: 'not-a-ts' })).toMatchObject(refused('thread_not_found'));
    expect(await post({ channel: 'general', text: 'x', thread_ts: '1600000000.000100' })).toMatchObject(refused('thread_not_found'));
    // A ts of another channel is no parent here.
    now += 1000;
    expect(await post({ channel: 'alerts', text: 'x', thread_ts: ts })).toMatchObject(refused('thread_not_found'));
    expect(fake.messages).toHaveLength(2);
  });

  it('answers 429 ratelimited with Retry-After past 3 messages per channel, per token, and recovers', async () => {
    for (let i = 0; i < 3; i++) expect((await post({ channel: i % 2 ? 'general' : 'C0GENERAL1', text: `m${i}` })).body.ok).toBe(true);
    const limited = await post({ channel: '#general', text: 'too fast' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.body).toEqual({ ok: false, error: 'ratelimited' });
    expect(fake.rateLimited('slack', 'C0GENERAL1')).toBe(1);
    // Other channels and other tokens have buckets of their own.
    expect((await post({ channel: 'alerts', text: 'other channel' })).body.ok).toBe(true);
    expect((await post({ channel: 'general', text: 'other token' }, { token: OTHER })).body.ok).toBe(true);
    now += 999;
    expect((await post({ channel: 'general', text: 'still early' })).status).toBe(429);
    now += 1;
    expect((await post({ channel: 'general', text: 'after a second' })).body.ok).toBe(true);
    expect(fake.messagesFor('slack', 'C0GENERAL1').map((m) => m.text)).toEqual(['m0', 'm1', 'm2', 'other token', 'after a second']);
    expect(fake.events.filter((e) => e.kind === 'rate-limited').map((e) => [e.status, e.destination, e.detail])).toEqual([
      [429, 'C0GENERAL1', 'ratelimited, Retry-After 1'],
      [429, 'C0GENERAL1', 'ratelimited, Retry-After 1'],
    ]);
  });

  it('honours the slackPerChannel limit option', async () => {
    await fake.close();
    fake = await FakePlatformServer.start({ clock: () => now, limits: { slackPerChannel: { burst: 1, perSecond: 0.5 } } });
    fake.addSlackChannel({ id: 'C1', name: 'one' });
    expect((await post({ channel: 'one', text: 'a' })).body.ok).toBe(true);
    const limited = await post({ channel: 'one', text: 'b' });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '2']);
  });
});

describe('Slack Web API: conversations', () => {
  it('conversations.info answers a channel by id with is_member, and channel_not_found for names and hidden ones', async () => {
    const res = await api('conversations.info', { channel: 'C0OUTSIDE1' }, { http: 'GET' });
    expect(res.body).toEqual({
      ok: true,
      channel: {
        id: 'C0OUTSIDE1',
        name: 'outside',
        name_normalized: 'outside',
        is_channel: true,
        is_group: false,
        is_im: false,
        is_mpim: false,
        is_private: false,
        is_archived: false,
        is_general: false,
        is_member: false,
      },
    });
    expect(res.headers.get('x-accepted-oauth-scopes')).toBe('channels:read,groups:read,im:read,mpim:read');
    expect((await api('conversations.info', { channel: 'C0OLD00001' })).body.channel).toMatchObject({ is_archived: true, is_member: true });
    expect((await api('conversations.info', { channel: 'G0PRIVATE1' })).body.channel).toMatchObject({ is_private: true });
    expect(await api('conversations.info', { channel: 'general' })).toMatchObject(refused('channel_not_found'));
    expect(await api('conversations.info', { channel: 'G0SECRET01' })).toMatchObject(refused('channel_not_found'));
    expect(await api('conversations.info', {})).toMatchObject(refused('channel_not_found'));
    fake.setSlackScopes(BOT, ['chat:write', 'channels:read']);
    expect((await api('conversations.info', { channel: 'G0PRIVATE1' })).body).toMatchObject({ ok: false, error: 'missing_scope', needed: 'groups:read' });
  });

  it('conversations.list pages with a cursor through what the bot may see', async () => {
    const all: string[] = [];
    let cursor = '';
    let pages = 0;
    do {
      const res = await api('conversations.list', { types: 'public_channel,private_channel', limit: 2, ...(cursor ? { cursor } : {}) }, { http: 'GET' });
      expect(res.body.ok).toBe(true);
      expect(res.body.channels.length).toBeLessThanOrEqual(2);
      all.push(...res.body.channels.map((c: { name: string }) => c.name));
      cursor = res.body.response_metadata.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    // The private channel the bot is not in ("secret") is not listed.
    expect(all).toEqual(['general', 'Alerts', 'outside', 'old', 'private']);
    expect(pages).toBe(3);
    // Default types: public channels only; exclude_archived drops "old".
    const pub = await api('conversations.list', { exclude_archived: true });
    expect(pub.body.channels.map((c: { id: string }) => c.id)).toEqual(['C0GENERAL1', 'C0ALERTS01', 'C0OUTSIDE1']);
    expect(pub.body.response_metadata).toEqual({ next_cursor: '' });
  });

  it('conversations.list refuses bad cursors, limits, types and missing scopes', async () => {
    expect(await api('conversations.list', { cursor: 'garbage' })).toMatchObject(refused('invalid_cursor'));
    expect(await api('conversations.list', { limit: 1000 })).toMatchObject(refused('invalid_limit'));
    expect(await api('conversations.list', { limit: 'ten' })).toMatchObject(refused('invalid_limit'));
    expect(await api('conversations.list', { types: 'public_channel,shared_drive' })).toMatchObject(refused('invalid_types'));
    fake.setSlackScopes(BOT, ['chat:write', 'channels:read']);
    expect((await api('conversations.list', { types: 'private_channel' })).body).toMatchObject({ ok: false, error: 'missing_scope', needed: 'groups:read' });
    expect((await api('conversations.list')).body.ok).toBe(true);
  });
});

describe('Slack Web API: faults, reset, redaction', () => {
  it('injects by method name or HTTP method and by channel id (also when posting by name), per API', async () => {
    fake.inject({ platform: 'slack', method: 'chat.postMessage', destination: 'C0ALERTS01' }, { status: 500, body: { ok: false, error: 'internal_error' } });
    fake.inject({ platform: 'slack', via: 'webhook' }, { status: 503, body: 'service_unavailable' });
    expect((await post({ channel: 'general', text: 'untouched' })).status).toBe(200);
    const failed = await post({ channel: 'alerts', text: 'x' });
    expect([failed.status, failed.body.error]).toEqual([500, 'internal_error']);
    // The webhook-only fault did not catch the Web API call; it catches the next webhook post.
    expect((await fetch(fake.slackWebhookUrl(), { method: 'POST', body: '{"text":"x"}' })).status).toBe(503);
    fake.inject({ platform: 'slack', method: 'GET' }, { status: 502, body: 'bad gateway' });
    expect((await fetch(`${fake.slackApiBaseUrl}/auth.test`, { headers: { authorization: `Bearer ${BOT}` } })).status).toBe(502);
    expect(fake.events.filter((e) => e.kind === 'error').map((e) => [e.status, e.destination, e.via])).toEqual([
      [500, 'C0ALERTS01', 'bot'],
      [503, 'T000/B000', 'webhook'],
      [502, '', 'bot'],
    ]);
    expect(fake.requests).toBe(4);
  });

  it('reset() forgets channels, scopes, revoked tokens, buckets and threads', async () => {
    fake.setSlackScopes(BOT, []);
    fake.revokeSlackToken(OTHER);
    fake.reset();
    expect(await post({ channel: 'general', text: 'x' })).toMatchObject(refused('channel_not_found'));
    fake.addSlackChannel({ id: 'C0GENERAL1', name: 'general' });
    expect((await post({ channel: 'general', text: 'x' })).body.ok).toBe(true);
    expect((await api('auth.test', {}, { token: OTHER })).body.ok).toBe(true);
  });

  it('masks bot tokens in event details', async () => {
    fake.inject({ platform: 'slack' }, { status: 500, body: { ok: false, error: `upstream refused Bearer ${BOT}` } });
    await post({ channel: 'general', text: 'x' });
    const detail = fake.events.at(-1)!.detail!;
    expect(detail).toBe(`injected fault: upstream refused Bearer ${BOT.slice(0, 7)}…`);
  });
});
