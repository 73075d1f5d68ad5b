/** Discord bot-token driver: Create Message on the wire, every answer class, token and channel checks. */
import { http, HttpResponse } from 'msw';
import { afterAll, describe, expect, it } from 'vitest';
import type { Channel, OutgoingPart, SendOutcome } from '../../src/channels/channel.js';
import { checkDiscordBotToken, discordBotDriver, discordBotSpec, type DiscordBotSpec, parseDiscordChannel } from '../../src/channels/discord-bot.js';
import { embedOf } from '../../src/channels/discord-format.js';
import type { BotAccount } from '../../src/channels/driver.js';
import { createHttpClient } from '../../src/channels/http.js';
import { createChannel } from '../../src/channels/registry.js';
import type { Env } from '../../src/config/env.js';
import type { ConfigProblem } from '../../src/config/problems.js';
import { maskSecret } from '../../src/config/redact.js';
import { fillCard } from '../fixtures/cards.js';
import { DISCORD_ALERTS, DISCORD_BOT_TOKEN, DISCORD_CHANNEL, DISCORD_URL, mswServer, sent, useMsw } from '../fixtures/platforms.js';

useMsw();

const API = 'https://discord.com/api/v10/channels/:id/messages';
const TOKEN_VAR = 'DISCORD_BOT_TOKEN';
const CHANNEL_VAR = 'DISCORD_DEFAULT_CHANNEL';
/** Another well-formed bot token (never real). */
const OTHER_TOKEN = 'OTg3NjU0MzIxMDk4NzY1NDMy.HxYzAb.ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210zyxw';
/** The docs' example token: an older, 59-character one. */
const OLD_TOKEN = 'MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs';

const httpClient = createHttpClient();
afterAll(() => httpClient.close());

function account(env: Env = {}, token = DISCORD_BOT_TOKEN): BotAccount {
  const a = discordBotDriver.bot!.account(env, token, TOKEN_VAR);
  if (!('driver' in a)) throw new Error(`unexpected problems: ${JSON.stringify(a)}`);
  return a;
}

function spec(channelText = DISCORD_CHANNEL, acct = account()): DiscordBotSpec {
  const s = discordBotSpec(acct, channelText, CHANNEL_VAR);
  if (!('driver' in s)) throw new Error(s.message);
  return s;
}

const channel = (channelText = DISCORD_CHANNEL, acct = account()): Channel => createChannel(spec(channelText, acct), { http: httpClient });
const part = (text: string, extra: Partial<OutgoingPart> = {}): OutgoingPart => ({ text, level: 'info', silent: false, ...extra });
const send = (c: Channel, p: OutgoingPart = part('hi')): Promise<SendOutcome> => c.send(p, new AbortController().signal);

/** Discord answers every Create Message with `body` (null: no body). */
function answer(status: number, body: unknown, headers: Record<string, string> = {}): void {
  mswServer.use(
    http.post(API, () =>
      body === null
        ? new HttpResponse(null, { status, headers })
        : typeof body === 'string'
          ? new HttpResponse(body, { status, headers })
          : HttpResponse.json(body as Record<string, unknown>, { status, headers }),
    ),
  );
}

/** The bot's keys, from its declared buckets: [route bucket of the channel, the bot's global bucket]. */
function keys(c: Channel): { route: string; global: string } {
  const [route, global] = c.buckets().map((b) => b.key);
  return { route: route!, global: global! };
}

describe('Discord bot request', () => {
  it('POSTs /api/v10/channels/{id}/messages with Authorization: Bot <token> and content + allowed_mentions { parse: [] }', async () => {
    expect((await send(channel(), part('filled 1 BTC'))).kind).toBe('ok');
    const [req] = sent('discord-bot', DISCORD_CHANNEL);
    expect(req!.url).toBe(`https://discord.com/api/v10/channels/${DISCORD_CHANNEL}/messages`);
    expect(req!.authorization).toBe(`Bot ${DISCORD_BOT_TOKEN}`);
    expect(req!.body).toEqual({ content: 'filled 1 BTC', allowed_mentions: { parse: [] } });
  });

  it('a token given with its "Bot " prefix is not sent as "Bot Bot …"', async () => {
    await send(channel(DISCORD_CHANNEL, account({}, `Bot ${DISCORD_BOT_TOKEN}`)));
    expect(sent('discord-bot')[0]!.authorization).toBe(`Bot ${DISCORD_BOT_TOKEN}`);
  });

  /** The request headers of one send. */
  async function requestHeaders(): Promise<Headers> {
    const seen: Headers[] = [];
    mswServer.use(
      http.post(API, ({ request }) => {
        seen.push(request.headers);
        return HttpResponse.json({ id: '1' });
      }),
    );
    await send(channel());
    expect(seen).toHaveLength(1);
    return seen[0]!;
  }

  it('sends JSON (Content-Type application/json)', async () => {
    expect((await requestHeaders()).get('content-type')).toMatch(/^application\/json/);
  });

  it('sends a User-Agent of the form Discord requires: DiscordBot ($url, $versionNumber)', async () => {
    // Without it Node's fetch sends "node", which Discord's docs say may be blocked (Cloudflare, code 40333).
    expect((await requestHeaders()).get('user-agent') ?? '(no User-Agent header)').toMatch(/^DiscordBot \(\S+, \S+\)/);
  });

  it('silent → flags 4096; not silent → no flags', async () => {
    await send(channel(), part('quiet', { silent: true }));
    await send(channel(), part('loud'));
    const [quiet, loud] = sent('discord-bot');
    expect(quiet!.body.flags).toBe(4096);
    expect(loud!.body).not.toHaveProperty('flags');
  });

  it('a part key becomes the nonce, with enforce_nonce: true; without a key, neither is sent', async () => {
    const key = 'r1a2b3c4.k9.2.0-abcdefghi'; // 25 characters
    expect(key).toHaveLength(25);
    await send(channel(), part('first', { key }));
    await send(channel(), part('second'));
    const [withKey, without] = sent('discord-bot');
    expect(withKey!.body).toEqual({ content: 'first', allowed_mentions: { parse: [] }, nonce: key, enforce_nonce: true });
    expect(without!.body).not.toHaveProperty('nonce');
    expect(without!.body).not.toHaveProperty('enforce_nonce');
  });

  it('the nonce never exceeds 25 characters', async () => {
    await send(channel(), part('x', { key: 'k'.repeat(40) }));
    expect((sent('discord-bot')[0]!.body.nonce as string).length).toBeLessThanOrEqual(25);
  });

  it('the same part resent carries the same nonce (Discord returns the first message instead of posting twice)', async () => {
    const p = part('once', { key: 'abc.1.0' });
    await send(channel(), p);
    await send(channel(), p);
    const [a, b] = sent('discord-bot');
    expect(a!.body.nonce).toBe('abc.1.0');
    expect(b!.body.nonce).toBe(a!.body.nonce);
  });

  it('cards → embeds and no content', async () => {
    const cards = [fillCard(), fillCard({ tone: 'bad', title: 'second' })];
    await send(channel(), part('summary', { cards, key: 'k1' }));
    const [req] = sent('discord-bot');
    expect(req!.body).not.toHaveProperty('content');
    expect(req!.body.embeds).toEqual(cards.map(embedOf));
    expect(req!.body.allowed_mentions).toEqual({ parse: [] });
    expect(req!.body.nonce).toBe('k1');
  });

  it('@everyone in the text or inside an embed field goes out verbatim with allowed_mentions { parse: [] } only', async () => {
    await send(channel(), part('@everyone @here <@&1> now'));
    await send(channel(), part('x', { cards: [fillCard({ fields: [{ name: '@everyone', value: '@everyone <@&123>' }], description: '@here' })] }));
    const [text, card] = sent('discord-bot');
    expect(text!.body.content).toBe('@everyone @here <@&1> now');
    expect(text!.body.allowed_mentions).toEqual({ parse: [] });
    expect(card!.body.allowed_mentions).toEqual({ parse: [] });
    expect(card!.body.embeds[0].fields[0]).toEqual({ name: '@everyone', value: '@everyone <@&123>', inline: true });
  });

  it('DISCORD_API_BASE_URL (a loopback server) is where it posts, still /v10', async () => {
    const urls: string[] = [];
    mswServer.use(
      http.post('http://127.0.0.1:9/api/v10/channels/:id/messages', ({ request }) => {
        urls.push(request.url);
        return HttpResponse.json({ id: '1' });
      }),
    );
    expect((await send(channel(DISCORD_CHANNEL, account({ DISCORD_API_BASE_URL: 'http://127.0.0.1:9/api' })))).kind).toBe('ok');
    expect(urls).toEqual([`http://127.0.0.1:9/api/v10/channels/${DISCORD_CHANNEL}/messages`]);
  });
});

describe('Discord bot answers', () => {
  it("200 with X-RateLimit headers → ok with a rate observation of the channel's route bucket", async () => {
    const c = channel();
    expect(await send(c)).toEqual({
      kind: 'ok',
      ref: expect.stringMatching(/^\d+$/),
      rate: { bucketKey: keys(c).route, limit: 5, remaining: 4, resetAfterMs: 1000 },
    });
  });

  it('200 with fractional reset-after and remaining 0 → the exact observation', async () => {
    answer(200, { id: '1' }, { 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': '2.345', 'x-ratelimit-bucket': 'abcd' });
    const c = channel();
    const out = await send(c);
    expect(out.kind === 'ok' && out.rate).toMatchObject({ bucketKey: keys(c).route, limit: 5, remaining: 0 });
    expect(out.kind === 'ok' && out.rate!.resetAfterMs).toBeCloseTo(2345, 6);
  });

  it("a 200 without the created message (a proxy's page, or {}) → transient", async () => {
    for (const body of ['<html><body>Welcome to the guest network</body></html>', {}]) {
      answer(200, body);
      expect((await send(channel())).kind).toBe('transient');
    }
  });

  it('200 without rate headers → ok with the message id as ref', async () => {
    answer(200, { id: '1' });
    expect(await send(channel())).toEqual({ kind: 'ok', ref: '1' });
  });

  it('401 → dead with scope group (the token is dead for every channel)', async () => {
    answer(401, { message: '401: Unauthorized', code: 0 });
    const out = await send(channel());
    expect(out.kind).toBe('dead');
    if (out.kind !== 'dead') return;
    expect(out.scope).toBe('group');
    expect(out.reason).toContain('401: Unauthorized');
    expect(out.fix).toMatch(/Reset Token/);
  });

  it('the 401 fix names the token variable (DISCORD_BOT_TOKEN), not the channel variable', async () => {
    answer(401, { message: '401: Unauthorized', code: 0 });
    const out = await send(channel());
    expect(out.kind === 'dead' && out.fix).toContain(TOKEN_VAR);
    expect(out.kind === 'dead' && out.fix).not.toContain(CHANNEL_VAR);
  });

  it('403 code 50001 Missing Access → dead for this channel: invite the bot / View Channel', async () => {
    answer(403, { message: 'Missing Access', code: 50001 });
    const out = await send(channel());
    expect(out.kind).toBe('dead');
    if (out.kind !== 'dead') return;
    expect(out.scope).toBeUndefined();
    expect(out.reason).toContain('Missing Access (code 50001)');
    expect(out.reason).toContain(DISCORD_CHANNEL);
    expect(out.fix).toMatch(/View Channel/);
  });

  it('403 code 50013 Missing Permissions → dead for this channel, with a different fix (Send Messages, Embed Links)', async () => {
    answer(403, { message: 'Missing Permissions', code: 50013 });
    const out = await send(channel());
    expect(out.kind).toBe('dead');
    if (out.kind !== 'dead') return;
    expect(out.scope).toBeUndefined();
    expect(out.reason).toContain('50013');
    expect(out.fix).toMatch(/Send Messages/);
    expect(out.fix).toMatch(/Embed Links/);
    answer(403, { message: 'Missing Access', code: 50001 });
    const access = await send(channel());
    expect(access.kind === 'dead' && access.fix).not.toBe(out.fix);
  });

  it('404 code 10003 Unknown Channel → dead for this channel; the fix names the channel variable', async () => {
    answer(404, { message: 'Unknown Channel', code: 10003 });
    const out = await send(channel());
    expect(out.kind).toBe('dead');
    if (out.kind !== 'dead') return;
    expect(out.scope).toBeUndefined();
    expect(out.reason).toContain('Unknown Channel (code 10003)');
    expect(out.fix).toContain(CHANNEL_VAR);
    expect(out.fix).toMatch(/Copy Channel ID/);
  });

  it('429 with retry_after 2.5 → retry-after 2500 ms, no global block', async () => {
    answer(429, { message: 'You are being rate limited.', retry_after: 2.5, global: false }, { 'retry-after': '3' });
    const out = await send(channel());
    expect(out.kind).toBe('retry-after');
    if (out.kind !== 'retry-after') return;
    expect(out.delayMs).toBe(2500);
    expect(out.blockKeys).toBeUndefined();
  });

  it('429 with a fractional retry_after (64.57 s) → delayMs = retry_after × 1000', async () => {
    answer(429, { message: 'You are being rate limited.', retry_after: 64.57, global: false }, { 'retry-after': '65' });
    const out = await send(channel());
    expect(out.kind === 'retry-after' && out.delayMs).toBeCloseTo(64_570, 3);
  });

  it("429 global: true → blockKeys holds this bot's global key (the one in its buckets), not the webhooks' discord:global", async () => {
    answer(429, { message: 'You are being rate limited.', retry_after: 0.5, global: true });
    const c = channel();
    const out = await send(c);
    expect(out.kind).toBe('retry-after');
    if (out.kind !== 'retry-after') return;
    expect(out.delayMs).toBe(500);
    expect(out.blockKeys).toEqual([keys(c).global]);
    expect(out.blockKeys).not.toContain('discord:global');
    expect(out.reason).toMatch(/global/);
  });

  it('429 with the X-RateLimit-Global header (body without global) → global too', async () => {
    answer(429, { message: 'You are being rate limited.', retry_after: 1 }, { 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' });
    const c = channel();
    expect(await send(c)).toMatchObject({ kind: 'retry-after', delayMs: 1000, blockKeys: [keys(c).global] });
  });

  it('429 without a JSON body → the Retry-After header', async () => {
    answer(429, 'slow down', { 'retry-after': '4' });
    expect(await send(channel())).toMatchObject({ kind: 'retry-after', delayMs: 4000 });
  });

  it("the global key is per bot: shared by one bot's channels, different for another bot, never discord:global", () => {
    const a = keys(channel(DISCORD_CHANNEL));
    const b = keys(channel(DISCORD_ALERTS));
    const other = keys(channel(DISCORD_CHANNEL, account({}, OTHER_TOKEN)));
    expect(a.global).toBe(b.global);
    expect(other.global).not.toBe(a.global);
    expect(a.route).not.toBe(b.route);
    for (const k of [a.global, b.global, other.global]) expect(k).not.toBe('discord:global');
    expect(
      channel()
        .buckets()
        .map((x) => x.key),
    ).not.toContain('discord:global');
  });

  it('500 and 502 (HTML) → transient', async () => {
    for (const status of [500, 502]) {
      answer(status, '<html>bad gateway</html>', { 'content-type': 'text/html' });
      expect((await send(channel())).kind).toBe('transient');
    }
  });

  it('a network error → transient', async () => {
    mswServer.use(http.post(API, () => HttpResponse.error()));
    expect((await send(channel())).kind).toBe('transient');
  });

  it('400 code 50035 about a non-snowflake channel id → dead', async () => {
    answer(400, {
      message: 'Invalid Form Body',
      code: 50035,
      errors: { channel_id: { _errors: [{ code: 'NUMBER_TYPE_COERCE', message: 'Value "abc" is not snowflake.' }] } },
    });
    const out = await send(channel());
    expect(out.kind).toBe('dead');
    expect(out.kind === 'dead' && out.fix).toContain(CHANNEL_VAR);
  });

  it('other 400s (content too long, empty message) → rejected with the code', async () => {
    for (const body of [
      {
        message: 'Invalid Form Body',
        code: 50035,
        errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } },
      },
      { message: 'Cannot send an empty message', code: 50006 },
    ]) {
      answer(400, body);
      const out = await send(channel());
      expect(out.kind).toBe('rejected');
      expect(out.kind === 'rejected' && out.reason).toContain(String(body.code));
    }
  });
});

describe('Discord bot token checks', () => {
  it('accepts current (72-character) and older (59-character) tokens, with or without "Bot "', () => {
    for (const t of [DISCORD_BOT_TOKEN, OLD_TOKEN, OTHER_TOKEN, `Bot ${DISCORD_BOT_TOKEN}`, `bot  ${OLD_TOKEN}`])
      expect(checkDiscordBotToken(t, TOKEN_VAR), t).toBeUndefined();
  });

  it('bot.account strips the "Bot " prefix from the stored token', () => {
    expect(account({}, `Bot ${DISCORD_BOT_TOKEN}`)).toEqual({
      driver: 'discord-bot',
      origin: TOKEN_VAR,
      token: DISCORD_BOT_TOKEN,
      baseUrl: 'https://discord.com/api',
    });
  });

  const bad: [string, string, RegExp][] = [
    ['a webhook URL', DISCORD_URL, /webhook URL, not a bot token/],
    ['two parts', 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDeAbCdEfGhIjKlMnOpQrStUvWxYz0123456789', /three parts separated by dots/],
    ['an application id', '123456789012345678', /three parts separated by dots/],
    ['a client secret', 'AbCdEfGhIjKlMnOpQrStUvWxYz012345', /three parts separated by dots/],
    ['a Slack token', 'xoxb-1111111111-2222222222222-AbCdEfGhIjKlMnOpQrStUvWx', /not a Discord bot token/],
    ['a token with a space inside', 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.AbCdEfGhIjKlMnOp QrStUvWxYz0123456789abcd', /not a Discord bot token/],
  ];

  it.each(bad)('%s → a problem naming the variable, with a fix', (_what, token, message) => {
    const p = checkDiscordBotToken(token, TOKEN_VAR)!;
    expect(p).toBeDefined();
    expect(p.variable).toBe(TOKEN_VAR);
    expect(p.message).toMatch(message);
    expect(p.fix).toMatch(/discord\.com\/developers\/applications/);
  });

  it.each(bad)('%s: neither the message nor the fix contains the token', (_what, token) => {
    const p = checkDiscordBotToken(token, TOKEN_VAR)!;
    for (const text of [p.message, p.fix]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(token.slice(3));
    }
  });

  it('a webhook URL given as the token is sent to GENERAL_DISCORD_WEBHOOK', () => {
    expect(checkDiscordBotToken(DISCORD_URL, TOKEN_VAR)!.fix).toContain('GENERAL_DISCORD_WEBHOOK');
  });

  it('bot.account reports a bad token and a bad DISCORD_API_BASE_URL together', () => {
    const out = discordBotDriver.bot!.account({ DISCORD_API_BASE_URL: 'http://example.com/api' }, 'nope', TOKEN_VAR) as readonly ConfigProblem[];
    expect(out.map((p) => p.variable).sort()).toEqual(['DISCORD_API_BASE_URL', TOKEN_VAR]);
  });
});

describe('parseDiscordChannel', () => {
  it.each([
    [DISCORD_CHANNEL, DISCORD_CHANNEL],
    [`<#${DISCORD_CHANNEL}>`, DISCORD_CHANNEL],
    [`#${DISCORD_CHANNEL}`, DISCORD_CHANNEL],
    [`  ${DISCORD_ALERTS} `, DISCORD_ALERTS],
    ['80351110224678912', '80351110224678912'], // 17 digits (the docs' example)
  ])('%s → %s', (raw, id) => {
    expect(parseDiscordChannel(raw)).toBe(id);
  });

  it.each(['alerts', '#alerts', '<#alerts>', '12345', '123456789012345678901', `${DISCORD_CHANNEL}x`, ''])(
    '%s → refused: bots address channels by id',
    (raw) => {
      const out = parseDiscordChannel(raw);
      expect(typeof out).toBe('object');
      expect(typeof out === 'object' && out.message).toMatch(/17–20 digits/);
    },
  );

  it('discordBotSpec turns a refusal into a problem naming the variable, with how to copy the id', () => {
    const p = discordBotSpec(account(), '#alerts', CHANNEL_VAR);
    expect(p).toMatchObject({ variable: CHANNEL_VAR });
    expect('fix' in p && p.fix).toMatch(/Copy Channel ID/);
  });
});

describe('Discord bot channel', () => {
  it('label: masked token and channel id; no more of the token than its masked prefix', () => {
    const c = channel();
    const masked = maskSecret(DISCORD_BOT_TOKEN);
    expect(masked.length).toBeLessThan(8);
    expect(c.label).toBe(`Discord bot ${masked} → channel ${DISCORD_CHANNEL}`);
    expect(discordBotDriver.bot!.label(account())).toBe(`Discord bot ${masked}`);
    const [p1, p2, p3] = DISCORD_BOT_TOKEN.split('.');
    for (const x of [c.label, c.id, c.group!, ...c.buckets().map((b) => b.key)]) {
      for (const piece of [p1!.slice(0, 6), p2!, p3!.slice(0, 10)]) expect(x).not.toContain(piece);
    }
    expect(c.secrets).toEqual([DISCORD_BOT_TOKEN]);
  });

  it('channels of one bot share a group; different channels, different ids; another token, another group', () => {
    const a = channel(DISCORD_CHANNEL);
    const b = channel(DISCORD_ALERTS);
    const other = channel(DISCORD_CHANNEL, account({}, OTHER_TOKEN));
    expect(a.group).toBe(b.group);
    expect(a.id).not.toBe(b.id);
    expect(other.group).not.toBe(a.group);
    expect(other.id).not.toBe(a.id);
  });

  it('takes cards; 2000 characters of content', () => {
    expect(channel().cards).toBeDefined();
    expect(channel().maxLength).toBe(2000);
  });
});
