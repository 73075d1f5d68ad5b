import { http, HttpResponse } from 'msw';
import { afterAll, describe, expect, it } from 'vitest';
import type { Channel, OutgoingPart, SendOutcome } from '../../src/channels/channel.js';
import { discordDriver, type DiscordSpec } from '../../src/channels/discord.js';
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

function answer(status: number, body: unknown, headers: Record<string, string> = {}): void {
  mswServer.use(http.post(HOOK_URL, () => (body === null ? new HttpResponse(null, { status, headers }) : HttpResponse.json(body, { status, headers }))));
}

describe('Discord request', () => {
  it('sends content with allowed_mentions { parse: [] }, and no flags when not silent', async () => {
    const { notifier } = make(dcEnv());
    notifier.log('filled 1 BTC');
    await notifier.close();
    const [req] = sent('discord', WEBHOOK_ID);
    expect(req!.url).toBe(DISCORD_URL.replace('/api/webhooks/', '/api/v10/webhooks/')); // pinned: retry_after in seconds
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
    const { notifier } = make(dcEnv(), { limits: noLimits });
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
    expect(urls).toEqual(['https://discordapp.com/api/v10/webhooks/42/abc_DEF?thread_id=7']);
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

  it('200 (wait=true) without rate headers → plain ok', async () => {
    answer(200, { id: '1', content: 'hi' });
    expect(await send(channel())).toEqual({ kind: 'ok' });
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
    answer(400, { message: 'Invalid Form Body', code: 50035, errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } } });
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

  it('a network error → transient', async () => {
    mswServer.use(http.post(HOOK_URL, () => HttpResponse.error()));
    expect((await send(channel())).kind).toBe('transient');
  });
});
