import { http, HttpResponse } from 'msw';
import { afterAll, describe, expect, it } from 'vitest';
import type { Channel, OutgoingPart, SendOutcome } from '../../src/channels/channel.js';
import { discordDriver, parseAppriseDiscord, type DiscordSpec } from '../../src/channels/discord.js';
import { createChannel } from '../../src/channels/registry.js';
import type { ConfigProblem } from '../../src/config/problems.js';
import { fillCard } from '../fixtures/cards.js';
import type { Env } from '../../src/config/env.js';
import { createHttpClient } from '../../src/channels/http.js';
import { isProblem } from '../../src/config/webhook-url.js';
import type { RateLimits } from '../../src/delivery/rate-limits.js';
import { DISCORD_URL, mswServer, sent, useTestNotifiers, useMsw } from '../fixtures/platforms.js';

useMsw();
/** testNotifier, closed after each test (also when an assertion fails first). */
const make = useTestNotifiers();

const WEBHOOK_ID = '111222333444555666';
const WEBHOOK_TOKEN = DISCORD_URL.split('/').pop()!;
const HOOK_URL = 'https://discord.com/api/v10/webhooks/:id/:token'; // Herald pins v10
const dcEnv = (url = DISCORD_URL): Env => ({ GENERAL_DISCORD_WEBHOOK: url });
const noLimits: RateLimits = { reserve: () => 0, observe: () => {}, block: () => {} };

const httpClient = createHttpClient();
afterAll(() => httpClient.close());

function parse(raw: string, origin = 'GENERAL_DISCORD_WEBHOOK'): DiscordSpec {
  const url = new URL(raw);
  expect(discordDriver.webhook!.matches(url, false)).toBe(true);
  const spec = discordDriver.webhook!.parse(url, origin);
  if (isProblem(spec)) throw new Error(spec.message);
  return spec;
}

const channel = (raw = DISCORD_URL): Channel => discordDriver.create(parse(raw), { http: httpClient });
const part = (text: string, silent = false): OutgoingPart => ({ text, level: 'info', silent });
const send = (c: Channel, text = 'hi'): Promise<SendOutcome> => c.send(part(text), new AbortController().signal);
/** The URL a send goes to: the webhook's with `wait=true` added (the answer then carries the message and its id). */
const waiting = (url: string): string => `${url}${url.includes('?') ? '&' : '?'}wait=true`;

function answer(status: number, body: unknown, headers: Record<string, string> = {}): void {
  mswServer.use(http.post(HOOK_URL, () => (body === null ? new HttpResponse(null, { status, headers }) : HttpResponse.json(body, { status, headers }))));
}

describe('Discord request', () => {
  it('sends content with allowed_mentions { parse: [] }, and no flags when not silent', async () => {
    const { notifier } = make(dcEnv());
    notifier.log('filled 1 BTC');
    await notifier.close();
    const [req] = sent('discord', WEBHOOK_ID);
    expect(req!.url).toBe(waiting(DISCORD_URL.replace('/api/webhooks/', '/api/v10/webhooks/'))); // pinned: retry_after in seconds
    expect(req!.body).toEqual({ content: 'filled 1 BTC', allowed_mentions: { parse: [] } });
  });

  it('a message with @everyone, @here and a role mention goes out verbatim with mentions disabled', async () => {
    const { notifier } = make(dcEnv());
    const text = '@everyone @here <@&123> <@456> price > 5 & *bold* _it_';
    notifier.log(text);
    await notifier.close();
    const [req] = sent('discord', WEBHOOK_ID);
    expect(req!.body.content).toBe(text);
    expect(req!.body.allowed_mentions).toEqual({ parse: [] });
  });

  it('sets flags 4096 (SUPPRESS_NOTIFICATIONS) only when silent', async () => {
    const { notifier } = make(dcEnv());
    notifier.notify('shh', { silent: true });
    await notifier.flush();
    notifier.notify('loud');
    await notifier.close();
    const [quiet, loud] = sent('discord', WEBHOOK_ID);
    expect(quiet!.body.flags).toBe(4096);
    expect(loud!.body).not.toHaveProperty('flags');
  });

  it('splits 10,000 characters into ordered parts of at most 2000', async () => {
    const original = Array.from({ length: 100 }, (_, i) => `${String(i).padStart(4, '0')} ${'d'.repeat(94)}`).join('\n');
    // Parts, not the first part and a .txt file: this is about splitting.
    const { notifier } = make(dcEnv(), { limits: noLimits, delivery: { fileAfterParts: 100 } });
    notifier.log(original);
    await notifier.close();
    const parts = sent('discord', WEBHOOK_ID).map((c) => c.body.content as string);
    expect(parts.length).toBeGreaterThanOrEqual(5);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(2000);
    expect(parts.join('\n')).toBe(original);
    for (const c of sent('discord', WEBHOOK_ID)) expect(c.body.allowed_mentions).toEqual({ parse: [] });
  });

  it('keeps the query string (?thread_id=) on the request', async () => {
    const url = `${DISCORD_URL}?thread_id=987654321`;
    const { notifier } = make(dcEnv(url));
    notifier.log('in a thread');
    await notifier.close();
    const [req] = sent('discord', WEBHOOK_ID);
    expect(new URL(req!.url).searchParams.get('thread_id')).toBe('987654321');
    expect(req!.body.content).toBe('in a thread');
  });
});

describe('Discord webhook URL parsing', () => {
  it('accepts discord.com, discordapp.com and /api/v10/ forms', () => {
    for (const raw of [
      'https://discord.com/api/webhooks/123456789012345678/tok_en-1.x',
      'https://discordapp.com/api/webhooks/123456789012345678/tok_en-1.x',
      'https://discord.com/api/v10/webhooks/123456789012345678/tok_en-1.x',
      'https://canary.discord.com/api/webhooks/123456789012345678/tok_en-1.x/',
    ]) {
      const spec = parse(raw);
      expect(spec).toMatchObject({ driver: 'discord', origin: 'GENERAL_DISCORD_WEBHOOK', webhookId: '123456789012345678', token: 'tok_en-1.x' });
    }
  });

  it('preserves the query in the spec URL', () => {
    const spec = parse('https://discord.com/api/webhooks/1/abc?thread_id=42&wait=true');
    expect(new URL(spec.url).search).toBe('?thread_id=42&wait=true');
  });

  it('sends to the discordapp.com / v10 URL as configured', async () => {
    const urls: string[] = [];
    mswServer.use(
      http.post('https://discordapp.com/api/v10/webhooks/:id/:token', ({ request }) => {
        urls.push(request.url);
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const out = await send(channel('https://discordapp.com/api/v10/webhooks/42/abc_DEF?thread_id=7'));
    expect(out.kind).toBe('ok');
    expect(urls).toEqual(['https://discordapp.com/api/v10/webhooks/42/abc_DEF?thread_id=7&wait=true']);
  });

  it('rejects other hosts and other paths (off loopback)', () => {
    const m = (raw: string): boolean => discordDriver.webhook!.matches(new URL(raw), false);
    expect(m('https://evil.example.com/api/webhooks/1/abc')).toBe(false);
    expect(m('https://discord.com/api/webhooks/notanumber/abc')).toBe(false);
    expect(m('https://discord.com/api/webhooks/1')).toBe(false);
    expect(m('https://hooks.slack.com/services/T0/B0/x')).toBe(false);
  });

  it('label and id name the webhook id but not its token', () => {
    const c = channel();
    expect(c.id).toBe(`discord:${WEBHOOK_ID}`);
    expect(c.label).toContain(WEBHOOK_ID);
    expect(c.label).not.toContain(WEBHOOK_TOKEN);
    expect(c.secrets).toEqual(expect.arrayContaining([WEBHOOK_TOKEN]));
    expect(c.secrets.some((s) => s.endsWith(WEBHOOK_TOKEN))).toBe(true);
  });
});

describe('Discord answer classification', () => {
  it('204 with X-RateLimit headers → ok with the rate observation', async () => {
    answer(204, null, { 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': '1.25', 'x-ratelimit-bucket': 'abc' });
    expect(await send(channel())).toEqual({ kind: 'ok', rate: { bucketKey: `discord:webhook:${WEBHOOK_ID}`, limit: 5, remaining: 0, resetAfterMs: 1250 } });
  });

  it('200 (wait=true) without rate headers → ok with the message id as ref', async () => {
    answer(200, { id: '1', content: 'hi' });
    expect(await send(channel())).toEqual({ kind: 'ok', ref: '1' });
  });

  it('429 with retry_after 1.5 → retry-after 1500 ms, no global block', async () => {
    answer(429, { message: 'You are being rate limited.', retry_after: 1.5, global: false }, { 'retry-after': '2' });
    const out = await send(channel());
    expect(out.kind).toBe('retry-after');
    if (out.kind !== 'retry-after') return;
    expect(out.delayMs).toBe(1500);
    expect(out.blockKeys).toBeUndefined();
  });

  it('429 global:true → blockKeys [discord:global]', async () => {
    answer(429, { message: 'You are being rate limited.', retry_after: 0.75, global: true });
    const out = await send(channel());
    expect(out).toMatchObject({ kind: 'retry-after', delayMs: 750, blockKeys: ['discord:global'] });
    expect(out.kind === 'retry-after' && out.reason).toMatch(/global/);
  });

  it('429 without a JSON body falls back to the Retry-After header', async () => {
    mswServer.use(http.post(HOOK_URL, () => new HttpResponse('slow down', { status: 429, headers: { 'retry-after': '3' } })));
    expect(await send(channel())).toMatchObject({ kind: 'retry-after', delayMs: 3000 });
  });

  it('404 Unknown Webhook → dead, with a fix naming the variable', async () => {
    answer(404, { message: 'Unknown Webhook', code: 10015 });
    const out = await send(channel());
    expect(out.kind).toBe('dead');
    if (out.kind !== 'dead') return;
    expect(out.reason).toContain('Unknown Webhook');
    expect(out.reason).toContain('10015');
    expect(out.fix).toContain('GENERAL_DISCORD_WEBHOOK');
  });

  it('401 Invalid Webhook Token → dead', async () => {
    answer(401, { message: 'Invalid Webhook Token', code: 50027 });
    expect((await send(channel())).kind).toBe('dead');
  });

  it('400 code 50035 → rejected, with the code in the reason', async () => {
    answer(400, {
      message: 'Invalid Form Body',
      code: 50035,
      errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } },
    });
    const out = await send(channel());
    expect(out.kind).toBe('rejected');
    expect(out.kind === 'rejected' && out.reason).toContain('50035');
  });

  it('5xx → transient', async () => {
    for (const status of [500, 502, 503]) {
      mswServer.use(http.post(HOOK_URL, () => new HttpResponse('<html>upstream error</html>', { status, headers: { 'content-type': 'text/html' } })));
      expect((await send(channel())).kind).toBe('transient');
    }
  });

  it("a 200 with a page that is not Discord's answer (a captive portal) → transient, never delivered", async () => {
    mswServer.use(
      http.post(
        HOOK_URL,
        () => new HttpResponse('<html><body>Welcome to the guest network</body></html>', { status: 200, headers: { 'content-type': 'text/html' } }),
      ),
    );
    const out = await send(channel());
    expect(out.kind).toBe('transient');
    expect(out.kind === 'transient' && out.reason).toMatch(/^Discord answered 200 with a body that is not its API's answer/);
  });

  it('a network error → transient', async () => {
    mswServer.use(http.post(HOOK_URL, () => HttpResponse.error()));
    expect((await send(channel())).kind).toBe('transient');
  });
});

// ---------------------------------------------------------------------------------------------
// Target forms: ?thread_id= on webhook URLs, Apprise discord:// URLs, GENERAL_DISCORD_WEBHOOK=discord://…

const APPRISE_ID = '123456789012345678';
const APPRISE_TOKEN = `t${'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-'.slice(0, 63)}`;
const APPRISE = `discord://${APPRISE_ID}/${APPRISE_TOKEN}`;
const LOCAL_API = 'http://127.0.0.1:9/api';

function apprise(raw: string, env: Env = {}, origin = 'log target'): DiscordSpec {
  const out = parseAppriseDiscord(raw, env, origin);
  if (!Array.isArray(out)) throw new Error(`unexpected problem: ${JSON.stringify(out)}`);
  expect(out).toHaveLength(1);
  return out[0]!;
}

function appriseProblem(raw: string, env: Env = {}): ConfigProblem {
  const out = parseAppriseDiscord(raw, env, 'log target');
  expect(Array.isArray(out), `${raw} should be refused`).toBe(false);
  return out as ConfigProblem;
}

/** Sends one part through a channel built from the spec; returns the request (URL and body). */
async function wire(s: DiscordSpec, p: OutgoingPart = part('hi')): Promise<{ url: string; body: Record<string, any> }> {
  const before = sent('discord').length;
  expect((await createChannel(s, { http: httpClient }).send(p, new AbortController().signal)).kind).toBe('ok');
  const reqs = sent('discord');
  expect(reqs).toHaveLength(before + 1);
  return reqs[reqs.length - 1]!;
}

describe('Discord webhook ?thread_id=', () => {
  it('is kept on the request (v10 pinned), and named in the id and label', async () => {
    const s = parse(`${DISCORD_URL}?thread_id=987654321098765432`);
    expect(s.threadId).toBe('987654321098765432');
    const req = await wire(s);
    expect(req.url).toBe(`https://discord.com/api/v10/webhooks/${WEBHOOK_ID}/${WEBHOOK_TOKEN}?thread_id=987654321098765432&wait=true`);
    const c = createChannel(s, { http: httpClient });
    expect(c.id).toBe(`discord:${WEBHOOK_ID}:987654321098765432`);
    expect(c.label).toContain('thread 987654321098765432');
    expect(c.label).not.toContain(WEBHOOK_TOKEN);
    expect(c.id).not.toBe(channel().id);
  });

  it('a thread_id that is not an id → a problem with how to copy it', () => {
    const out = discordDriver.webhook!.parse(new URL(`${DISCORD_URL}?thread_id=general`), 'GENERAL_DISCORD_WEBHOOK');
    expect(isProblem(out)).toBe(true);
    expect(isProblem(out) && out.message).toContain('thread_id "general"');
    expect(isProblem(out) && out.fix).toMatch(/Copy Thread ID/);
  });

  it('through GENERAL_DISCORD_WEBHOOK too', async () => {
    const reading = discordDriver.fromEnv!(dcEnv(`${DISCORD_URL}?thread_id=42`), 'GENERAL');
    expect(reading.problems).toEqual([]);
    expect(new URL((await wire(reading.specs[0]!)).url).searchParams.get('thread_id')).toBe('42');
  });
});

describe('discord:// (Apprise) targets', () => {
  it('discord://id/token → https://discord.com/api/v10/webhooks/id/token, content with mentions off', async () => {
    const s = apprise(APPRISE);
    expect(s).toEqual({
      driver: 'discord',
      origin: 'log target',
      url: `https://discord.com/api/v10/webhooks/${APPRISE_ID}/${APPRISE_TOKEN}`,
      webhookId: APPRISE_ID,
      token: APPRISE_TOKEN,
    });
    const req = await wire(s, part('@everyone hi'));
    expect(req.url).toBe(waiting(s.url));
    expect(req.body).toEqual({ content: '@everyone hi', allowed_mentions: { parse: [] } });
  });

  it("the driver's targets.parse reads discord:// the same way", () => {
    expect(discordDriver.targets!.schemes).toContain('discord');
    expect(discordDriver.targets!.parse(APPRISE, {}, 'log target')).toEqual([apprise(APPRISE)]);
  });

  it('DISCORD_API_BASE_URL applies (a loopback server)', async () => {
    const urls: string[] = [];
    mswServer.use(
      http.post(`${LOCAL_API}/v10/webhooks/:id/:token`, ({ request }) => {
        urls.push(request.url);
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const s = apprise(`${APPRISE}?thread=42`, { DISCORD_API_BASE_URL: `${LOCAL_API}/` });
    expect(s.url).toBe(`${LOCAL_API}/v10/webhooks/${APPRISE_ID}/${APPRISE_TOKEN}?thread_id=42`);
    expect((await send(createChannel(s, { http: httpClient }))).kind).toBe('ok');
    expect(urls).toEqual([waiting(s.url)]);
  });

  it('a DISCORD_API_BASE_URL that is not https (off loopback) → its problem', () => {
    expect(appriseProblem(APPRISE, { DISCORD_API_BASE_URL: 'http://example.com/api' }).variable).toBe('DISCORD_API_BASE_URL');
  });

  it('botname@ and ?botname= (or ?user=) → username on the wire; ?botname= wins', async () => {
    expect((await wire(apprise(`discord://herald@${APPRISE_ID}/${APPRISE_TOKEN}`))).body.username).toBe('herald');
    expect(apprise(`discord://herald@${APPRISE_ID}/${APPRISE_TOKEN}?botname=joe`).username).toBe('joe');
    expect(apprise(`${APPRISE}?user=bob`).username).toBe('bob');
    expect(apprise(`${APPRISE}?botname=Trade%20Bot`).username).toBe('Trade Bot');
    expect(apprise(APPRISE)).not.toHaveProperty('username');
  });

  it('?avatar_url= → avatar_url on the wire', async () => {
    const body = (await wire(apprise(`${APPRISE}?avatar_url=https://img.example/a.png`))).body;
    expect(body.avatar_url).toBe('https://img.example/a.png');
    expect(body.content).toBe('hi');
  });

  it('?thread= → ?thread_id= on the request, named in id and label', async () => {
    const s = apprise(`${APPRISE}/?thread=12345`);
    expect(s.threadId).toBe('12345');
    expect(new URL((await wire(s)).url).searchParams.get('thread_id')).toBe('12345');
    const c = createChannel(s, { http: httpClient });
    expect(c.id).toContain('12345');
    expect(c.label).toContain('thread 12345');
  });

  it('?thread= that is not an id → a problem', () => {
    expect(appriseProblem(`${APPRISE}?thread=abc123`).message).toContain('"abc123"');
  });

  it('format=text → content, never embeds (the channel takes no cards)', async () => {
    const s = apprise(`${APPRISE}?format=text`);
    expect(s.plain).toBe(true);
    const c = createChannel(s, { http: httpClient });
    expect(c.cards).toBeUndefined();
    const body = (await wire(s, part('line one'))).body;
    expect(body).toEqual({ content: 'line one', allowed_mentions: { parse: [] } });
    // format=markdown (Apprise's embeds) keeps cards.
    expect(createChannel(apprise(`${APPRISE}?format=markdown`), { http: httpClient }).cards).toBeDefined();
    expect(c.id).not.toBe(createChannel(apprise(APPRISE), { http: httpClient }).id);
  });

  it('without format=text, cards → embeds and no content', async () => {
    const body = (await wire(apprise(APPRISE), { ...part('summary'), cards: [fillCard()] })).body;
    expect(body).not.toHaveProperty('content');
    expect(body.embeds).toHaveLength(1);
    expect(body.allowed_mentions).toEqual({ parse: [] });
  });

  it('extra path segments are ignored, as in Apprise', () => {
    expect(apprise(`${APPRISE}/extra/ignored`).url).toBe(apprise(APPRISE).url);
  });

  it.each([
    ['discord://', /needs the webhook id and token/],
    [`discord://${APPRISE_ID}`, /token is missing or malformed/],
    [`discord://${APPRISE_ID}/`, /token is missing or malformed/],
    [`discord://abc/${APPRISE_TOKEN}`, /"abc" is not a webhook id/],
    [`discord://${APPRISE_ID}/to!ken`, /token is missing or malformed/],
    ['discord://:@/', /needs the webhook id and token|not a webhook id/],
  ])('%s → a problem with the discord:// form in the fix', (raw, message) => {
    const p = appriseProblem(raw);
    expect(p.variable).toBe('log target');
    expect(p.message).toMatch(message);
    expect(p.fix).toContain('discord://{webhook_id}/{webhook_token}');
  });

  it('id and label never contain the webhook token', () => {
    const c = createChannel(apprise(`discord://herald@${APPRISE_ID}/${APPRISE_TOKEN}?thread=7`), { http: httpClient });
    expect(c.label).not.toContain(APPRISE_TOKEN);
    expect(c.id).not.toContain(APPRISE_TOKEN);
    expect(c.secrets).toContain(APPRISE_TOKEN);
  });
});

describe('GENERAL_DISCORD_WEBHOOK / ERROR_DISCORD_WEBHOOK = discord://…', () => {
  it('is accepted for both roles, with the variable as origin', async () => {
    for (const role of ['GENERAL', 'ERROR'] as const) {
      const reading = discordDriver.fromEnv!({ [`${role}_DISCORD_WEBHOOK`]: `${APPRISE}?botname=herald` }, role);
      expect(reading.problems).toEqual([]);
      expect(reading.specs).toEqual([expect.objectContaining({ origin: `${role}_DISCORD_WEBHOOK`, webhookId: APPRISE_ID, username: 'herald' })]);
    }
    const reading = discordDriver.fromEnv!({ GENERAL_DISCORD_WEBHOOK: APPRISE }, 'GENERAL');
    expect((await wire(reading.specs[0]!)).url).toBe(`https://discord.com/api/v10/webhooks/${APPRISE_ID}/${APPRISE_TOKEN}?wait=true`);
  });

  it('a malformed discord:// → a problem naming the variable', () => {
    const reading = discordDriver.fromEnv!({ GENERAL_DISCORD_WEBHOOK: `discord://${APPRISE_ID}` }, 'GENERAL');
    expect(reading.specs).toEqual([]);
    expect(reading.problems).toEqual([expect.objectContaining({ variable: 'GENERAL_DISCORD_WEBHOOK' })]);
  });

  it('a 404 on a discord:// webhook → dead, the fix naming the variable', async () => {
    answer(404, { message: 'Unknown Webhook', code: 10015 });
    const reading = discordDriver.fromEnv!({ GENERAL_DISCORD_WEBHOOK: APPRISE }, 'GENERAL');
    const out = await send(createChannel(reading.specs[0]!, { http: httpClient }));
    expect(out.kind === 'dead' && out.fix).toContain('GENERAL_DISCORD_WEBHOOK');
  });
});
