/**
 * The fake Discord bot API (src/sandbox/fake-discord-bot.ts) on the wire: auth, channel
 * answers, message checks, nonce idempotency, per-channel and global rate limits; plus the
 * webhook's `?thread_id=`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discordBotId, FakePlatformServer } from '../../src/sandbox/fake-platforms.js';

/** base64url("1234567890123456789") . timestamp . HMAC: the shape of a real bot token. */
const BOT_ID = '1234567890123456789';
const TOKEN = `${Buffer.from(BOT_ID).toString('base64url')}.GzRABc.abcdefghijklmnopqrstuvwxyz0123456789AB`;
const OTHER_TOKEN = `${Buffer.from('9876543210987654321').toString('base64url')}.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs`;
const GENERAL = '1300000000000000001';
const ALERTS = '1300000000000000002';
const HIDDEN = '1300000000000000003';
const READONLY = '1300000000000000004';
const UNKNOWN = '1300000000000000999';
const T0 = 1_700_000_000_000;

let now = T0;
let fake: FakePlatformServer;

beforeEach(async () => {
  now = T0;
  fake = await FakePlatformServer.start({ clock: () => now });
  fake.addDiscordChannel({ id: GENERAL, name: 'general' });
  fake.addDiscordChannel({ id: ALERTS, name: 'alerts', guildId: '1100000000000000777' });
  fake.addDiscordChannel({ id: HIDDEN, name: 'hidden', canView: false });
  fake.addDiscordChannel({ id: READONLY, name: 'announcements', canSend: false });
});

afterEach(async () => {
  await fake.close();
});

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function call(method: 'GET' | 'POST', path: string, body?: unknown, auth: string | null = `Bot ${TOKEN}`): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (auth !== null) headers['authorization'] = auth;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${fake.discordApiBaseUrl}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const send = (channel: string, body: unknown, auth?: string | null): Promise<Answer> => call('POST', `/v10/channels/${channel}/messages`, body, auth);

const UNAUTHORIZED = { status: 401, body: { message: '401: Unauthorized', code: 0 } };

describe('Discord bot API: messages', () => {
  it('creates a message: 200 with the message object, recorded under the channel id', async () => {
    const res = await send(GENERAL, { content: 'hello **bot**', allowed_mentions: { parse: [] }, flags: 4096 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      type: 0,
      channel_id: GENERAL,
      content: 'hello **bot**',
      embeds: [],
      author: { id: BOT_ID, username: 'Herald Sandbox', bot: true },
      timestamp: new Date(T0).toISOString(),
      flags: 4096,
    });
    expect(res.body.id).toMatch(/^\d{17,20}$/);
    expect(res.body).not.toHaveProperty('nonce');
    expect(fake.messagesFor('discord', GENERAL)).toEqual([
      expect.objectContaining({
        platform: 'discord',
        via: 'bot',
        destination: GENERAL,
        text: 'hello **bot**',
        silent: true,
        body: { content: 'hello **bot**', allowed_mentions: { parse: [] }, flags: 4096 },
      }),
    ]);
    expect(fake.events.map((e) => [e.kind, e.destination, e.via])).toEqual([['message', GENERAL, 'bot']]);
  });

  it('serves v9 and unversioned paths too, and keeps webhooks working beside it', async () => {
    expect((await call('POST', `/v9/channels/${GENERAL}/messages`, { content: 'v9' })).status).toBe(200);
    expect((await call('POST', `/channels/${GENERAL}/messages`, { content: 'unversioned' })).status).toBe(200);
    const hook = await fetch(fake.discordWebhookUrl(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"content":"webhook"}' });
    expect(hook.status).toBe(204);
    expect(fake.messages.map((m) => [m.via, m.destination, m.text])).toEqual([
      ['bot', GENERAL, 'v9'],
      ['bot', GENERAL, 'unversioned'],
      ['webhook', '1000000000000000001', 'webhook'],
    ]);
  });

  it('answers 401 for a missing, malformed, non-Bot or revoked token', async () => {
    expect(await send(GENERAL, { content: 'x' }, null)).toMatchObject(UNAUTHORIZED);
    expect(await send(GENERAL, { content: 'x' }, 'Bot not-a-token')).toMatchObject(UNAUTHORIZED);
    expect(await send(GENERAL, { content: 'x' }, TOKEN)).toMatchObject(UNAUTHORIZED); // no "Bot " prefix
    expect(await send(GENERAL, { content: 'x' }, `Bearer ${TOKEN}`)).toMatchObject(UNAUTHORIZED);
    expect(await call('GET', '/v10/users/@me', undefined, null)).toMatchObject(UNAUTHORIZED);
    fake.revokeDiscordBotToken(TOKEN);
    expect(await send(GENERAL, { content: 'x' })).toMatchObject(UNAUTHORIZED);
    expect(await call('GET', `/v10/channels/${GENERAL}`)).toMatchObject(UNAUTHORIZED);
    expect((await send(GENERAL, { content: 'other bot' }, `Bot ${OTHER_TOKEN}`)).status).toBe(200);
    expect(fake.messages.map((m) => m.text)).toEqual(['other bot']);
    expect(fake.events.filter((e) => e.kind === 'error').map((e) => [e.status, e.detail])).toEqual(Array(7).fill([401, '401: Unauthorized']));
  });

  it('answers 50035 for a channel id that is not a snowflake', async () => {
    const res = await send('general', { content: 'x' });
    expect(res).toMatchObject({
      status: 400,
      body: {
        message: 'Invalid Form Body',
        code: 50035,
        errors: { channel_id: { _errors: [{ code: 'NUMBER_TYPE_COERCE', message: 'Value "general" is not snowflake.' }] } },
      },
    });
    expect((await call('GET', '/v10/channels/undefined')).body.errors.channel_id._errors[0].message).toBe('Value "undefined" is not snowflake.');
  });

  it('answers 10003 Unknown Channel, 50001 Missing Access and 50013 Missing Permissions', async () => {
    expect(await send(UNKNOWN, { content: 'x' })).toMatchObject({ status: 404, body: { message: 'Unknown Channel', code: 10003 } });
    expect(await send(HIDDEN, { content: 'x' })).toMatchObject({ status: 403, body: { message: 'Missing Access', code: 50001 } });
    expect(await send(READONLY, { content: 'x' })).toMatchObject({ status: 403, body: { message: 'Missing Permissions', code: 50013 } });
    // The same answers on GET /channels/{id}, except that reading a read-only channel is fine.
    expect(await call('GET', `/v10/channels/${UNKNOWN}`)).toMatchObject({ status: 404, body: { code: 10003 } });
    expect(await call('GET', `/v10/channels/${HIDDEN}`)).toMatchObject({ status: 403, body: { code: 50001 } });
    expect((await call('GET', `/v10/channels/${READONLY}`)).status).toBe(200);
    expect(fake.messages).toEqual([]);
    expect(fake.events.map((e) => [e.status, e.destination, e.detail])).toEqual([
      [404, UNKNOWN, 'Unknown Channel'],
      [403, HIDDEN, 'Missing Access'],
      [403, READONLY, 'Missing Permissions'],
      [404, UNKNOWN, 'Unknown Channel'],
      [403, HIDDEN, 'Missing Access'],
    ]);
  });

  it('checks the body like the webhook: content length, empty, embeds, allowed_mentions', async () => {
    const tooLong = await send(GENERAL, { content: 'x'.repeat(2001) });
    expect(tooLong).toMatchObject({ status: 400, body: { code: 50035, errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } } });
    expect(await send(GENERAL, { content: '  ' })).toMatchObject({ status: 400, body: { message: 'Cannot send an empty message', code: 50006 } });
    const title = await send(GENERAL, { embeds: [{ title: 't'.repeat(257) }] });
    expect(title.body.errors).toEqual({
      embeds: { '0': { title: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 256 or fewer in length.' }] } } },
    });
    now += 5000;
    const fields = await send(GENERAL, { embeds: [{ fields: Array.from({ length: 26 }, () => ({ name: 'n', value: 'v' })) }] });
    expect(fields.body.errors).toEqual({
      embeds: { '0': { fields: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' }] } } },
    });
    const total = await send(GENERAL, { embeds: Array.from({ length: 2 }, () => ({ description: 'd'.repeat(3001) })) });
    expect(total.body.errors.embeds._errors[0].code).toBe('MAX_EMBED_SIZE_EXCEEDED');
    const eleven = await send(GENERAL, { embeds: Array.from({ length: 11 }, () => ({ title: 't' })) });
    expect(eleven.body.errors).toEqual({ embeds: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 10 or fewer in length.' }] } });
    const parse = await send(GENERAL, { content: 'x', allowed_mentions: { parse: ['everybody'] } });
    expect(parse.body).toMatchObject({ code: 50035, errors: { allowed_mentions: { parse: { '0': { _errors: [{ code: 'BASE_TYPE_CHOICES' }] } } } } });
    now += 5000;
    const exclusive = await send(GENERAL, { content: 'x', allowed_mentions: { parse: ['users'], users: ['1'] } });
    expect(exclusive.body.errors.allowed_mentions._errors[0].code).toBe('MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE');
    const bad = await fetch(`${fake.discordApiBaseUrl}/v10/channels/${GENERAL}/messages`, {
      method: 'POST',
      headers: { authorization: `Bot ${TOKEN}`, 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(await bad.json()).toEqual({ message: 'The request body contains invalid JSON.', code: 50109 });
    expect(fake.messages).toEqual([]);
    // At the limits it is accepted: an embed-only message with 25 fields at their maximum sizes fits in 6000.
    const embed = { title: 'Filled', fields: Array.from({ length: 5 }, (_, i) => ({ name: `n${i}`, value: 'v'.repeat(1024), inline: true })) };
    const ok = await send(GENERAL, { embeds: [embed] });
    expect(ok.status).toBe(200);
    expect(ok.body.embeds).toEqual([embed]);
  });
});

describe('Discord bot API: nonce', () => {
  it('with enforce_nonce, the same nonce again returns the first message and records nothing new', async () => {
    const first = await send(GENERAL, { content: 'order filled', nonce: 'herald-42', enforce_nonce: true });
    now += 1500;
    const again = await send(GENERAL, { content: 'order filled (resend)', nonce: 'herald-42', enforce_nonce: true });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(first.body.nonce).toBe('herald-42');
    expect(fake.messagesFor('discord', GENERAL).map((m) => m.text)).toEqual(['order filled']);
    expect(fake.events.filter((e) => e.kind === 'message')).toHaveLength(1);
    // The nonce is per channel and per author; an integer nonce works too.
    const elsewhere = await send(ALERTS, { content: 'elsewhere', nonce: 'herald-42', enforce_nonce: true });
    const otherBot = await send(GENERAL, { content: 'other bot', nonce: 'herald-42', enforce_nonce: true }, `Bot ${OTHER_TOKEN}`);
    expect(new Set([first.body.id, elsewhere.body.id, otherBot.body.id]).size).toBe(3);
    const int1 = await send(GENERAL, { content: 'int', nonce: 123456789, enforce_nonce: true });
    const int2 = await send(GENERAL, { content: 'int again', nonce: 123456789, enforce_nonce: true });
    expect(int2.body.id).toBe(int1.body.id);
    expect(fake.messages.map((m) => m.text)).toEqual(['order filled', 'elsewhere', 'other bot', 'int']);
  });

  it('without enforce_nonce, or after five minutes, the same nonce creates a new message', async () => {
    const a = await send(GENERAL, { content: 'a', nonce: 'n1' });
    const b = await send(GENERAL, { content: 'b', nonce: 'n1' });
    expect(a.body.id).not.toBe(b.body.id);
    const c = await send(GENERAL, { content: 'c', nonce: 'n2', enforce_nonce: true });
    now += 5 * 60_000 - 1;
    expect((await send(GENERAL, { content: 'c again', nonce: 'n2', enforce_nonce: true })).body.id).toBe(c.body.id);
    now += 1;
    const late = await send(GENERAL, { content: 'c late', nonce: 'n2', enforce_nonce: true });
    expect(late.body.id).not.toBe(c.body.id);
    expect(fake.messages.map((m) => m.text)).toEqual(['a', 'b', 'c', 'c late']);
  });

  it('refuses a nonce longer than 25 characters or of another type (50035)', async () => {
    expect((await send(GENERAL, { content: 'x', nonce: 'n'.repeat(25) })).status).toBe(200);
    const long = await send(GENERAL, { content: 'x', nonce: 'n'.repeat(26), enforce_nonce: true });
    expect(long).toMatchObject({ status: 400, body: { code: 50035, errors: { nonce: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } } });
    for (const nonce of [1.5, { a: 1 }, true]) {
      const res = await send(ALERTS, { content: 'x', nonce });
      expect([res.status, res.body.code], JSON.stringify(nonce)).toEqual([400, 50035]);
    }
    expect(fake.messages).toHaveLength(1);
  });
});

describe('Discord bot API: rate limits', () => {
  it('limits each channel to 5 messages per 5 s, with X-RateLimit-* headers on every answer', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await send(GENERAL, { content: `m${i}` });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('5');
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(4 - i));
      expect(res.headers.get('x-ratelimit-reset')).toBe(((T0 + 5000) / 1000).toFixed(3));
      expect(res.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{32}$/);
    }
    now += 1500;
    const limited = await send(GENERAL, { content: 'too fast' });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ message: 'You are being rate limited.', retry_after: 3.5, global: false });
    expect(limited.headers.get('retry-after')).toBe('4');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-ratelimit-reset-after')).toBe('3.500');
    expect(limited.headers.get('x-ratelimit-scope')).toBe('user');
    expect(limited.headers.get('x-ratelimit-global')).toBeNull();
    expect(fake.rateLimited('discord', GENERAL)).toBe(1);
    // Refused answers carry the headers too, and another channel has its own window (same bucket hash).
    const other = await send(ALERTS, { content: '' });
    expect([other.status, other.headers.get('x-ratelimit-remaining')]).toEqual([400, '4']);
    expect(other.headers.get('x-ratelimit-bucket')).toBe(limited.headers.get('x-ratelimit-bucket'));
    now += 3500;
    expect((await send(GENERAL, { content: 'next window' })).status).toBe(200);
    expect(fake.messagesFor('discord', GENERAL)).toHaveLength(6);
  });

  it('limits a bot to 50 requests per second across routes (global 429)', async () => {
    for (let i = 0; i < 50; i++) {
      const res = await call('GET', '/v10/users/@me');
      expect(res.status, `request ${i}`).toBe(200);
    }
    const limited = await send(GENERAL, { content: 'over the global limit' });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ message: 'You are being rate limited.', retry_after: 1, global: true });
    expect(limited.headers.get('x-ratelimit-global')).toBe('true');
    expect(limited.headers.get('x-ratelimit-scope')).toBe('global');
    expect(limited.headers.get('retry-after')).toBe('1');
    // Per bot: another token is not limited.
    expect((await send(GENERAL, { content: 'other bot' }, `Bot ${OTHER_TOKEN}`)).status).toBe(200);
    now += 1000;
    expect((await send(GENERAL, { content: 'a second later' })).status).toBe(200);
    expect(fake.messages.map((m) => m.text)).toEqual(['other bot', 'a second later']);
    expect(fake.events.filter((e) => e.kind === 'rate-limited').map((e) => e.detail)).toEqual(['You are being rate limited (global). retry_after 1.000s']);
  });

  it('honours the discordPerChannel and discordGlobalPerSecond options', async () => {
    await fake.close();
    fake = await FakePlatformServer.start({ clock: () => now, limits: { discordPerChannel: { limit: 1, windowMs: 2000 }, discordGlobalPerSecond: 2 } });
    fake.addDiscordChannel({ id: GENERAL, name: 'general' });
    expect((await send(GENERAL, { content: 'a' })).status).toBe(200);
    expect((await send(GENERAL, { content: 'b' })).body.global).toBe(false);
    expect((await send(GENERAL, { content: 'c' })).body.global).toBe(true);
  });
});

describe('Discord bot API: lookups', () => {
  it('GET /users/@me answers the bot id decoded from the token, or a fixed one', async () => {
    const me = await call('GET', '/v10/users/@me');
    expect(me).toMatchObject({ status: 200, body: { id: BOT_ID, username: 'Herald Sandbox', discriminator: '0000', bot: true } });
    const odd = `${'x'.repeat(24)}.GzRABc.abcdefghijklmnopqrstuvwxyz0123456789AB`;
    expect((await call('GET', '/v10/users/@me', undefined, `Bot ${odd}`)).body.id).toBe('1400000000000000000');
    expect(discordBotId(TOKEN)).toBe(BOT_ID);
  });

  it('GET /channels/{id} answers the channel', async () => {
    expect((await call('GET', `/v10/channels/${ALERTS}`)).body).toMatchObject({ id: ALERTS, type: 0, name: 'alerts', guild_id: '1100000000000000777' });
    expect((await call('GET', `/v10/channels/${GENERAL}`)).body).toMatchObject({ id: GENERAL, name: 'general', guild_id: '1100000000000000001' });
  });

  it('answers 404 for routes it does not have and 405 for methods it does not take', async () => {
    expect(await call('GET', '/v10/guilds/1100000000000000001')).toMatchObject({ status: 404, body: { message: '404: Not Found', code: 0 } });
    expect(await call('GET', `/v10/channels/${GENERAL}/messages/1/reactions`)).toMatchObject({ status: 404 });
    expect((await call('GET', `/v10/channels/${GENERAL}/messages/1`)).status).toBe(405);
    expect((await call('GET', `/v10/channels/${GENERAL}/messages`)).status).toBe(405);
    expect((await call('POST', `/v10/channels/${GENERAL}`, { name: 'x' })).status).toBe(405);
  });
});

describe('Discord: faults, reset, redaction, webhook threads', () => {
  it('injects by channel id and per API', async () => {
    fake.inject({ platform: 'discord', destination: ALERTS, method: 'post' }, { status: 502, body: { message: 'Bad Gateway' } });
    fake.inject({ platform: 'discord', via: 'webhook' }, 'reset');
    expect((await send(GENERAL, { content: 'fine' })).status).toBe(200);
    expect((await send(ALERTS, { content: 'x' })).status).toBe(502);
    await expect(
      fetch(fake.discordWebhookUrl(), { method: 'POST', body: '{"content":"x"}', headers: { 'content-type': 'application/json' } }),
    ).rejects.toThrow();
    expect(fake.events.map((e) => [e.kind, e.status, e.destination, e.via])).toEqual([
      ['message', 200, GENERAL, 'bot'],
      ['error', 502, ALERTS, 'bot'],
      ['error', 0, '1000000000000000001', 'webhook'],
    ]);
  });

  it('reset() forgets channels, revoked tokens, windows and nonces', async () => {
    await send(GENERAL, { content: 'x', nonce: 'n', enforce_nonce: true });
    fake.revokeDiscordBotToken(OTHER_TOKEN);
    fake.reset();
    expect((await send(GENERAL, { content: 'x' })).status).toBe(404);
    fake.addDiscordChannel({ id: GENERAL, name: 'general' });
    expect((await send(GENERAL, { content: 'again', nonce: 'n', enforce_nonce: true })).body.content).toBe('again');
    expect((await send(GENERAL, { content: 'other' }, `Bot ${OTHER_TOKEN}`)).status).toBe(200);
    expect(fake.messages.map((m) => m.seq)).toEqual([1, 2]);
  });

  it('masks bot tokens in event details', async () => {
    fake.inject({ platform: 'discord' }, { status: 500, body: { message: `token ${TOKEN} refused` } });
    await send(GENERAL, { content: 'x' });
    expect(fake.events.at(-1)!.detail).toBe(`injected fault: token ${TOKEN.slice(0, 2)}… refused`);
  });

  it('records a webhook ?thread_id= and refuses one that is not a snowflake', async () => {
    const url = `${fake.discordWebhookUrl('111', 'tok')}?thread_id=1500000000000000001&wait=true`;
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"content":"in a thread"}' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { channel_id: string }).channel_id).toBe('1500000000000000001');
    expect(fake.messages[0]).toMatchObject({ via: 'webhook', destination: '111', thread: '1500000000000000001' });
    const bad = await fetch(`${fake.discordWebhookUrl('111', 'tok')}?thread_id=abc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"content":"x"}',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: number }).code).toBe(50035);
    expect(fake.messages).toHaveLength(1);
  });
});
