import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakePlatformServer, redactSecrets, type ServerEvent } from '../../src/sandbox/fake-platforms.js';

const TOKEN = '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abc-012';
const T0 = 1_700_000_000_000;

let now = T0;
let fake: FakePlatformServer;

beforeEach(async () => {
  now = T0;
  fake = await FakePlatformServer.start({ clock: () => now });
});

afterEach(async () => {
  await fake.close();
});

interface TgAnswer {
  ok: boolean;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
  result?: any;
}

async function tg(method: string, params: unknown = {}, token = TOKEN): Promise<{ status: number; body: TgAnswer }> {
  const res = await fetch(`${fake.telegramBaseUrl}/bot${token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof params === 'string' ? params : JSON.stringify(params),
  });
  return { status: res.status, body: (await res.json()) as TgAnswer };
}

/** Resolves once `pred()` holds, checking every few ms; fails after `capMs` (generous: only a bug reaches it). */
async function until(pred: () => boolean, what: string, capMs = 5000): Promise<void> {
  const deadline = Date.now() + capMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${capMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** `value` after `ms`, to race a promise that must settle well before. */
const after = <T>(ms: number, value: T): Promise<T> => new Promise((r) => setTimeout(() => r(value), ms).unref());

const postJson = (url: string, body: unknown): Promise<Response> =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('Telegram', () => {
  it('accepts sendMessage with the Bot API success shape and records it', async () => {
    const events: ServerEvent[] = [];
    fake.on('event', (e) => events.push(e));
    const first = await tg('sendMessage', { chat_id: 42, text: 'hello', disable_notification: true });
    const second = await tg('sendMessage', { chat_id: '42', text: 'again' });
    expect(first.status).toBe(200);
    expect(first.body.ok).toBe(true);
    expect(first.body.result).toMatchObject({
      message_id: 1,
      date: Math.floor(T0 / 1000),
      chat: { id: 42, type: 'private' },
      text: 'hello',
    });
    expect(second.body.result.message_id).toBe(2);
    expect(fake.messagesFor('telegram', '42').map((m) => [m.text, m.silent])).toEqual([
      ['hello', true],
      ['again', false],
    ]);
    expect(fake.messages[0]).toMatchObject({ seq: 1, platform: 'telegram', destination: '42', at: T0 });
    expect(events.map((e) => e.kind)).toEqual(['message', 'message']);
  });

  it('answers getMe with the bot id from the token', async () => {
    const { body } = await tg('getMe');
    expect(body).toEqual({
      ok: true,
      result: { id: 123456, is_bot: true, first_name: 'Herald Sandbox', username: 'herald_sandbox_bot' },
    });
  });

  it('keeps big chat ids exactly as sent (no double rounding)', async () => {
    const raw = `{"chat_id": 12345678901234567891, "text": "x"}`;
    const { status } = await tg('sendMessage', raw);
    expect(status).toBe(200);
    expect(fake.messages[0]!.destination).toBe('12345678901234567891');
  });

  it('accepts valid HTML and returns the text without markup', async () => {
    const text = '<b>bold</b> <i>it</i> <a href="https://x.test/?a=1&amp;b=2">link</a> <span class="tg-spoiler">s</span> <code>1 &lt; 2</code> &#65;';
    const { status, body } = await tg('sendMessage', { chat_id: 1, text, parse_mode: 'HTML' });
    expect(status).toBe(200);
    expect(body.result.text).toBe('bold it link s 1 < 2 A');
    expect(fake.messages[0]).toMatchObject({ text, parseMode: 'HTML' });
  });

  it.each([
    ['a < b', 'Unsupported start tag "" at byte offset 2'],
    ['AT&T', 'Unsupported HTML entity'],
    ['<b>open', `Can't find end tag corresponding to start tag "b"`],
    ['<b>x</i>', 'Unmatched end tag'],
    ['<div>x</div>', 'Unsupported start tag "div"'],
    ['<span>x</span>', 'must have class "tg-spoiler"'],
  ])("rejects bad HTML %j with can't parse entities", async (text, fragment) => {
    const { status, body } = await tg('sendMessage', { chat_id: 1, text, parse_mode: 'HTML' });
    expect(status).toBe(400);
    expect(body.description).toMatch(/^Bad Request: can't parse entities: /);
    expect(body.description).toContain(fragment);
    expect(fake.messages).toHaveLength(0);
  });

  it('counts entities as one character each for the 4096 limit', async () => {
    const ok = await tg('sendMessage', { chat_id: 1, text: '&lt;b&gt;' + 'x'.repeat(4093), parse_mode: 'HTML' });
    expect(ok.status).toBe(200);
    expect(ok.body.result.text.startsWith('<b>')).toBe(true);
    const long = await tg('sendMessage', { chat_id: 2, text: '&lt;b&gt;' + 'x'.repeat(4094), parse_mode: 'HTML' });
    expect(long.status).toBe(400);
    expect(long.body.description).toBe('Bad Request: message is too long');
  });

  it('counts code points, not UTF-16 units, and rejects 4097 characters', async () => {
    const emoji = await tg('sendMessage', { chat_id: 1, text: '😀'.repeat(4096) });
    expect(emoji.status).toBe(200);
    const long = await tg('sendMessage', { chat_id: 2, text: 'x'.repeat(4097) });
    expect(long.body).toEqual({ ok: false, error_code: 400, description: 'Bad Request: message is too long' });
  });

  it('rejects empty text, including markup that leaves nothing', async () => {
    for (const [text, parse_mode] of [
      ['', undefined],
      ['   ', undefined],
      ['<b></b>', 'HTML'],
    ] as const) {
      const { status, body } = await tg('sendMessage', { chat_id: 1, text, parse_mode });
      expect(status).toBe(400);
      expect(body.description).toBe('Bad Request: message text is empty');
    }
  });

  it('flags an unescaped MarkdownV2 reserved character and accepts escaped text', async () => {
    const bad = await tg('sendMessage', { chat_id: 1, text: 'Price 1.5', parse_mode: 'MarkdownV2' });
    expect(bad.status).toBe(400);
    expect(bad.body.description).toContain(`Character '.' is reserved`);
    const good = await tg('sendMessage', { chat_id: 1, text: '*Price* 1\\.5', parse_mode: 'MarkdownV2' });
    expect(good.status).toBe(200);
    expect(good.body.result.text).toBe('Price 1.5');
  });

  it('answers 404 for a malformed token or unknown method, 401 for a revoked token', async () => {
    expect((await tg('getMe', {}, 'not-a-token')).body).toEqual({ ok: false, error_code: 404, description: 'Not Found' });
    expect((await tg('sendPigeon')).status).toBe(404);
    fake.revokeToken(TOKEN);
    const revoked = await tg('sendMessage', { chat_id: 1, text: 'x' });
    expect(revoked).toEqual({ status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } });
    expect(fake.events.at(-1)).toMatchObject({ kind: 'error', status: 401, detail: 'Unauthorized' });
  });

  it('answers 429 after the per-chat burst with retry_after, and accepts again after waiting', async () => {
    for (let i = 0; i < 3; i++) expect((await tg('sendMessage', { chat_id: 7, text: `m${i}` })).status).toBe(200);
    const limited = await tg('sendMessage', { chat_id: 7, text: 'too fast' });
    expect(limited).toEqual({
      status: 429,
      body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } },
    });
    // Another chat has its own bucket.
    expect((await tg('sendMessage', { chat_id: 8, text: 'other' })).status).toBe(200);
    expect(fake.rateLimited('telegram', '7')).toBe(1);
    expect(fake.rateLimited('telegram', '8')).toBe(0);
    now += 999;
    expect((await tg('sendMessage', { chat_id: 7, text: 'still early' })).status).toBe(429);
    now += 1;
    expect((await tg('sendMessage', { chat_id: 7, text: 'after wait' })).status).toBe(200);
    expect(fake.messagesFor('telegram', '7')).toHaveLength(4);
  });

  it('limits a group to 20 messages per rolling minute', async () => {
    await fake.close();
    fake = await FakePlatformServer.start({ clock: () => now, limits: { telegramPerChat: { burst: 100, perSecond: 100 } } });
    for (let i = 0; i < 20; i++) {
      now += 100;
      expect((await tg('sendMessage', { chat_id: '-100555', text: `m${i}` })).status).toBe(200);
    }
    const limited = await tg('sendMessage', { chat_id: '-100555', text: 'one too many' });
    expect(limited.status).toBe(429);
    // The first message went out at T0+100 and leaves the window at T0+60100: now is T0+2000.
    expect(limited.body.parameters?.retry_after).toBe(59);
    expect((await tg('sendMessage', { chat_id: '555', text: 'private chats are not group-limited' })).status).toBe(200);
  });

  it('limits a bot across chats per second', async () => {
    await fake.close();
    fake = await FakePlatformServer.start({ clock: () => now, limits: { telegramPerBotPerSecond: 2 } });
    expect((await tg('sendMessage', { chat_id: 1, text: 'a' })).status).toBe(200);
    expect((await tg('sendMessage', { chat_id: 2, text: 'b' })).status).toBe(200);
    expect((await tg('sendMessage', { chat_id: 3, text: 'c' })).status).toBe(429);
    now += 1000;
    expect((await tg('sendMessage', { chat_id: 3, text: 'c' })).status).toBe(200);
  });

  it('answers migrated, blocked and unknown chats like Telegram', async () => {
    fake.migrateChat('-123', '-1001234567890');
    fake.blockChat('99');
    fake.unknownChat('77');
    const migrated = await tg('sendMessage', { chat_id: -123, text: 'x' });
    expect(migrated).toEqual({
      status: 400,
      body: {
        ok: false,
        error_code: 400,
        description: 'Bad Request: group chat was upgraded to a supergroup chat',
        parameters: { migrate_to_chat_id: -1001234567890 },
      },
    });
    const blocked = await tg('sendMessage', { chat_id: 99, text: 'x' });
    expect([blocked.status, blocked.body.description]).toEqual([403, 'Forbidden: bot was blocked by the user']);
    const unknown = await tg('sendMessage', { chat_id: 77, text: 'x' });
    expect([unknown.status, unknown.body.description]).toEqual([400, 'Bad Request: chat not found']);
    expect((await tg('sendMessage', { chat_id: -1001234567890, text: 'x' })).status).toBe(200);
  });

  it('sends into forum topics, and answers "message thread not found" for a topic that does not exist', async () => {
    fake.setTelegramForum('-1001234567890', [5, 7]);
    const inTopic = await tg('sendMessage', { chat_id: '-1001234567890', text: 'in topic 5', message_thread_id: 5 });
    expect(inTopic.status).toBe(200);
    expect(inTopic.body.result).toMatchObject({ message_thread_id: 5, is_topic_message: true, text: 'in topic 5' });
    const general = await tg('sendMessage', { chat_id: '-1001234567890', text: 'no topic' });
    expect(general.body.result).not.toHaveProperty('message_thread_id');
    const notFound = { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: message thread not found' } };
    expect(await tg('sendMessage', { chat_id: '-1001234567890', text: 'x', message_thread_id: 6 })).toEqual(notFound);
    // The General topic takes no thread id, even in a forum.
    fake.setTelegramForum('-1001234567890', [1, 5]);
    expect(await tg('sendMessage', { chat_id: '-1001234567890', text: 'x', message_thread_id: 1 })).toEqual(notFound);
    // A chat that is not a forum has no topics; form bodies send the id as a string.
    expect(await tg('sendMessage', { chat_id: '42', text: 'x', message_thread_id: 5 })).toEqual(notFound);
    expect(await tg('sendMessage', { chat_id: '-1001234567890', text: 'x', message_thread_id: 'five' })).toEqual(notFound);
    const form = await fetch(`${fake.telegramBaseUrl}/bot${TOKEN}/sendMessage`, {
      method: 'POST',
      body: new URLSearchParams({ chat_id: '-1001234567890', text: 'form', message_thread_id: '5' }),
    });
    expect(form.status).toBe(200);
    expect(fake.messages.map((m) => [m.text, m.thread])).toEqual([
      ['in topic 5', '5'],
      ['no topic', undefined],
      ['form', '5'],
    ]);
    expect(fake.messages[0]!.body).toMatchObject({ message_thread_id: 5 });
    fake.setTelegramForum('-1001234567890', null);
    expect(await tg('sendMessage', { chat_id: '-1001234567890', text: 'x', message_thread_id: 5 })).toEqual(notFound);
  });

  it('answers getChat for known chats only', async () => {
    fake.addChat({ id: '-100777', type: 'supergroup', title: 'Alerts' });
    const known = await tg('getChat', { chat_id: -100777 });
    expect(known.body.result).toEqual({ id: -100777, type: 'supergroup', title: 'Alerts' });
    const unknown = await tg('getChat', { chat_id: 5 });
    expect(unknown.body.description).toBe('Bad Request: chat not found');
  });

  it('long-polls getUpdates until an update is pushed, and confirms with offset', async () => {
    let settled = false;
    const poll = tg('getUpdates', { timeout: 5 }).finally(() => {
      settled = true;
    });
    // The server counts the request on arrival; its body is tiny and already read by the time
    // another macrotask runs, so from here the poll is parked waiting for an update.
    await until(() => fake.requests === 1, 'the getUpdates request');
    expect(settled).toBe(false);
    fake.pushUpdate({ message: { chat: { id: 42, type: 'private' }, text: '/start abc' } });
    const { body } = await poll;
    expect(body.ok).toBe(true);
    expect(body.result).toHaveLength(1);
    const id = body.result[0].update_id as number;
    expect(body.result[0].message.text).toBe('/start abc');
    fake.pushUpdate({ message: { text: 'second' } });
    const next = await tg('getUpdates', { offset: id + 1 });
    expect(next.body.result.map((u: { update_id: number }) => u.update_id)).toEqual([id + 1]);
  });

  it('answers 409 to getUpdates while a webhook is active, until deleteWebhook', async () => {
    fake.setWebhookActive(true);
    const conflict = await tg('getUpdates');
    expect(conflict.status).toBe(409);
    expect(conflict.body.description).toBe("Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    expect((await tg('getWebhookInfo')).body.result.url).toBe('https://example.invalid/hook');
    expect((await tg('deleteWebhook')).body).toEqual({ ok: true, result: true });
    expect((await tg('getUpdates')).body).toEqual({ ok: true, result: [] });
  });
});

describe('Discord', () => {
  it('answers 204 by default and 200 with a message on ?wait=true, with rate-limit headers', async () => {
    const plain = await postJson(fake.discordWebhookUrl('111', 'tok'), { content: 'hi', flags: 4096 });
    expect(plain.status).toBe(204);
    expect(plain.headers.get('x-ratelimit-limit')).toBe('5');
    expect(plain.headers.get('x-ratelimit-remaining')).toBe('4');
    expect(plain.headers.get('x-ratelimit-reset-after')).toBe('2.000');
    expect(plain.headers.get('x-ratelimit-reset')).toBe(((T0 + 2000) / 1000).toFixed(3));
    expect(plain.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{32}$/);
    const waited = await postJson(`${fake.discordWebhookUrl('111', 'tok')}?wait=true`, { content: 'with wait' });
    expect(waited.status).toBe(200);
    const msg = (await waited.json()) as { id: string; content: string; webhook_id: string };
    expect(msg).toMatchObject({ content: 'with wait', webhook_id: '111' });
    expect(msg.id).toMatch(/^\d+$/);
    expect(fake.messagesFor('discord', '111').map((m) => [m.text, m.silent])).toEqual([
      ['hi', true],
      ['with wait', false],
    ]);
    // The versioned route works too.
    expect((await postJson(`${fake.url}/api/v10/webhooks/111/tok`, { content: 'v10' })).status).toBe(204);
  });

  it('answers 429 with retry_after and Retry-After past 5 per 2 s, then recovers', async () => {
    const url = fake.discordWebhookUrl();
    for (let i = 0; i < 5; i++) expect((await postJson(url, { content: `m${i}` })).status).toBe(204);
    now += 500;
    const limited = await postJson(url, { content: 'too fast' });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ message: 'You are being rate limited.', retry_after: 1.5, global: false });
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(fake.rateLimited('discord')).toBe(1);
    now += 1500;
    expect((await postJson(url, { content: 'next window' })).status).toBe(204);
  });

  it('rejects too long (50035), empty (50006) and deleted webhooks (10015)', async () => {
    const long = await postJson(fake.discordWebhookUrl(), { content: 'x'.repeat(2001) });
    expect(long.status).toBe(400);
    expect(await long.json()).toEqual({
      message: 'Invalid Form Body',
      code: 50035,
      errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } },
    });
    const empty = await postJson(fake.discordWebhookUrl(), { content: '' });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual({ message: 'Cannot send an empty message', code: 50006 });
    expect(empty.headers.get('x-ratelimit-limit')).toBe('5');
    expect((await postJson(fake.discordWebhookUrl(), { embeds: [{ title: 'embed only' }] })).status).toBe(204);
    fake.deleteDiscordWebhook('1000000000000000001');
    const gone = await postJson(fake.discordWebhookUrl(), { content: 'x' });
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({ message: 'Unknown Webhook', code: 10015 });
  });

  it('answers GET with the webhook object', async () => {
    const res = await fetch(fake.discordWebhookUrl('222', 'secret-token'));
    expect(await res.json()).toMatchObject({ id: '222', type: 1, name: 'Herald Sandbox', token: 'secret-token' });
  });
});

describe('Slack', () => {
  it('answers ok, no_text and invalid_payload as plain text', async () => {
    const ok = await postJson(fake.slackWebhookUrl(), { text: 'hello' });
    expect([ok.status, await ok.text()]).toEqual([200, 'ok']);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(fake.messagesFor('slack', 'T000/B000')[0]?.text).toBe('hello');
    const noText = await postJson(fake.slackWebhookUrl('T1/B1/s'), { text: '' });
    expect([noText.status, await noText.text()]).toEqual([400, 'no_text']);
    const bad = await fetch(fake.slackWebhookUrl('T2/B2/s'), { method: 'POST', body: '{not json' });
    expect([bad.status, await bad.text()]).toEqual([400, 'invalid_payload']);
  });

  it('answers 429 rate_limited with Retry-After past the burst', async () => {
    for (let i = 0; i < 3; i++) expect((await postJson(fake.slackWebhookUrl(), { text: `m${i}` })).status).toBe(200);
    const limited = await postJson(fake.slackWebhookUrl(), { text: 'too fast' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.text()).toBe('rate_limited');
    expect(fake.rateLimited('slack', 'T000/B000')).toBe(1);
    now += 1000;
    expect((await postJson(fake.slackWebhookUrl(), { text: 'later' })).status).toBe(200);
  });

  it('checks blocks with the Web API rules and records thread_ts', async () => {
    const header = (text: string) => ({ type: 'header', text: { type: 'plain_text', text } });
    const tooMany = await postJson(fake.slackWebhookUrl('T1/B1/s'), { text: 'x', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) });
    expect([tooMany.status, await tooMany.text()]).toEqual([400, 'invalid_blocks']);
    const longHeader = await postJson(fake.slackWebhookUrl('T2/B2/s'), { text: 'x', blocks: [header('h'.repeat(151))] });
    expect([longHeader.status, await longHeader.text()]).toEqual([400, 'invalid_blocks']);
    const tooLong = await postJson(fake.slackWebhookUrl('T3/B3/s'), {
      text: 'x',
      blocks: Array.from({ length: 5 }, () => ({ type: 'section', text: { type: 'mrkdwn', text: 't'.repeat(2500) } })),
    });
    expect([tooLong.status, await tooLong.text()]).toEqual([400, 'msg_blocks_too_long']);
    const ok = await postJson(fake.slackWebhookUrl('T4/B4/s'), { text: 'fallback', blocks: [header('h'.repeat(150))], thread_ts: '1700000000.000100' });
    expect([ok.status, await ok.text()]).toEqual([200, 'ok']);
    expect(fake.messagesFor('slack')).toEqual([
      expect.objectContaining({ destination: 'T4/B4', via: 'webhook', thread: '1700000000.000100', text: 'fallback' }),
    ]);
    const badTs = await postJson(fake.slackWebhookUrl('T5/B5/s'), { text: 'x', thread_ts: 'yesterday' });
    expect([badTs.status, await badTs.text()]).toEqual([400, 'invalid_payload']);
  });

  it('answers 410 channel_is_archived for an archived channel', async () => {
    fake.archiveSlackChannel(fake.slackWebhookUrl('T9/B9/zzz'));
    const res = await postJson(fake.slackWebhookUrl('T9/B9/zzz'), { text: 'x' });
    expect([res.status, await res.text()]).toEqual([410, 'channel_is_archived']);
    expect(fake.events.at(-1)).toMatchObject({ kind: 'error', platform: 'slack', destination: 'T9/B9', detail: 'channel_is_archived' });
  });
});

describe('faults and server behaviour', () => {
  it('injects a 500 once, then answers normally', async () => {
    fake.inject({ platform: 'telegram', method: 'sendMessage' }, { status: 500, body: { ok: false, error_code: 500, description: 'Internal Server Error' } });
    const failed = await tg('sendMessage', { chat_id: 1, text: 'x' });
    expect([failed.status, failed.body.description]).toEqual([500, 'Internal Server Error']);
    expect((await tg('sendMessage', { chat_id: 1, text: 'x' })).status).toBe(200);
    expect(fake.events.map((e) => [e.kind, e.status])).toEqual([
      ['error', 500],
      ['message', 200],
    ]);
  });

  it('only injects into matching destinations', async () => {
    fake.inject({ platform: 'slack', destination: 'T1/B1' }, { status: 503, body: 'service_unavailable' }, 2);
    expect((await postJson(fake.slackWebhookUrl('T2/B2/x'), { text: 'x' })).status).toBe(200);
    expect((await postJson(fake.slackWebhookUrl('T1/B1/x'), { text: 'x' })).status).toBe(503);
    expect((await postJson(fake.slackWebhookUrl('T1/B1/x'), { text: 'x' })).status).toBe(503);
    expect((await postJson(fake.slackWebhookUrl('T1/B1/x'), { text: 'x' })).status).toBe(200);
  });

  it("'reset' destroys the connection", async () => {
    fake.inject({ platform: 'discord' }, 'reset');
    await expect(postJson(fake.discordWebhookUrl(), { content: 'x' })).rejects.toThrow();
    expect((await postJson(fake.discordWebhookUrl(), { content: 'x' })).status).toBe(204);
    expect(fake.messages).toHaveLength(1);
  });

  it("'hang' never answers, and close() still finishes", async () => {
    fake.inject({ platform: 'slack' }, 'hang');
    const pending = postJson(fake.slackWebhookUrl(), { text: 'x' });
    const outcome = pending.then(
      () => 'answered',
      () => 'failed',
    );
    await until(() => fake.events.length === 1, 'the hang event');
    expect(fake.requests).toBe(1);
    expect(fake.events).toEqual([expect.objectContaining({ kind: 'error', status: 0, detail: 'injected fault: hang' })]);
    const closed = await Promise.race([fake.close().then(() => 'closed'), after(2000, 'timeout')]);
    expect(closed).toBe('closed');
    expect(await outcome).toBe('failed');
  });

  it('close() also ends a pending long poll', async () => {
    const poll = tg('getUpdates', { timeout: 30 }).then(
      () => 'answered',
      () => 'failed',
    );
    await until(() => fake.requests === 1, 'the getUpdates request');
    expect(await Promise.race([fake.close().then(() => 'closed'), after(2000, 'timeout')])).toBe('closed');
    // close() destroys the socket before the ended poll's empty answer can be written.
    expect(await poll).toBe('failed');
  });

  it('counts requests and reuses keep-alive connections', async () => {
    for (let i = 0; i < 5; i++) {
      await tg('getMe');
      // fetch resolves the body a tick before its pool marks the socket idle; without this
      // tick the next request opens a second socket (a client-side race, not the server's).
      await new Promise((r) => setImmediate(r));
    }
    expect(fake.requests).toBe(5);
    expect(fake.connections).toBe(1);
    // A client without keep-alive opens a connection per request, and each one is counted.
    for (let i = 0; i < 2; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest(`${fake.url}/bot${TOKEN}/getMe`, { agent: false, headers: { connection: 'close' } }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        });
        req.on('error', reject);
        req.end();
      });
    }
    expect(fake.requests).toBe(7);
    expect(fake.connections).toBe(3);
  });

  it('reset() clears messages, events, counters, faults and state', async () => {
    fake.blockChat('5');
    fake.inject({ platform: 'slack' }, { status: 500 });
    await tg('sendMessage', { chat_id: 5, text: 'x' });
    await tg('sendMessage', { chat_id: 6, text: 'x' });
    fake.reset();
    expect([fake.messages.length, fake.events.length, fake.requests, fake.connections]).toEqual([0, 0, 0, 0]);
    expect((await tg('sendMessage', { chat_id: 5, text: 'x' })).status).toBe(200);
    expect((await postJson(fake.slackWebhookUrl(), { text: 'x' })).status).toBe(200);
    expect(fake.messages.map((m) => m.seq)).toEqual([1, 2]);
  });

  it('redacts tokens in event details', async () => {
    fake.inject({ platform: 'telegram' }, { status: 502, body: `bad gateway for /bot${TOKEN}/sendMessage` });
    await fetch(`${fake.url}/bot${TOKEN}/sendMessage`, { method: 'POST' });
    const detail = fake.events.at(-1)?.detail ?? '';
    expect(detail).toContain('123456:AB…');
    expect(detail).not.toContain(TOKEN);
    expect(redactSecrets('https://x/api/webhooks/123/abcdefghijkl')).toBe('https://x/api/webhooks/123/ab…');
    expect(redactSecrets('https://hooks/services/T1/B1/abcdefgh')).toBe('https://hooks/services/T1/B1/ab…');
  });
});
