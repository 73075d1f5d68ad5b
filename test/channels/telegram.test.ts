import { http, HttpResponse, type JsonBodyType } from 'msw';
import { afterAll, describe, expect, it } from 'vitest';
import type { Channel, OutgoingPart, SendOutcome } from '../../src/channels/channel.js';
import type { Env } from '../../src/config/env.js';
import { createHttpClient } from '../../src/channels/http.js';
import { codePoints } from '../../src/channels/split.js';
import { escapeTelegramHtml, TELEGRAM_DEFAULT_BASE, telegramDriver, type TelegramSpec } from '../../src/channels/telegram.js';
import type { RateLimits } from '../../src/delivery/rate-limits.js';
import { mswServer, sent, useTestNotifiers, TOKEN, useMsw } from '../fixtures/platforms.js';

useMsw();
/** testNotifier, closed after each test (also when an assertion fails first). */
const make = useTestNotifiers();

const GROUP = '-1001234567890';
const SEND_URL = `${TELEGRAM_DEFAULT_BASE}/:bot/sendMessage`;
const tgEnv = (chatId = GROUP): Env => ({ GENERAL_TELEGRAM_BOT_TOKEN: TOKEN, GENERAL_TELEGRAM_BOT_CHAT_ID: chatId });
/** Proactive limits switched off, so multi-part tests never wait on a token bucket. */
const noLimits: RateLimits = { reserve: () => 0, observe: () => {}, block: () => {} };

const httpClient = createHttpClient();
afterAll(() => httpClient.close());

function spec(chatId = GROUP): TelegramSpec {
  const reading = telegramDriver.fromEnv!(tgEnv(chatId), 'GENERAL');
  expect(reading.problems).toEqual([]);
  return reading.specs[0]!;
}

function channel(chatId = GROUP): Channel {
  return telegramDriver.create(spec(chatId), { http: httpClient });
}

const part = (text: string, silent = false): OutgoingPart => ({ text, level: 'info', silent });
const send = (c: Channel, text = 'hi'): Promise<SendOutcome> => c.send(part(text), new AbortController().signal);

/** Makes Telegram answer every sendMessage with `body` and `status`. */
function answer(status: number, body: JsonBodyType, headers: Record<string, string> = {}): void {
  mswServer.use(http.post(SEND_URL, () => HttpResponse.json(body, { status, headers })));
}

const unescapeHtml = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

/** 100 numbered lines of 99 characters each. */
const numberedLines = (): string => Array.from({ length: 100 }, (_, i) => `${String(i).padStart(4, '0')} ${'x'.repeat(94)}`).join('\n');

async function deliver(messages: readonly string[], env: Env = tgEnv()): Promise<string[]> {
  const { notifier } = make(env, { limits: noLimits });
  for (const m of messages) notifier.log(m);
  await notifier.close();
  return sent('telegram', TOKEN).map((c) => c.body.text as string);
}

describe('Telegram request', () => {
  it('sends the exact sendMessage body to /bot<token>/sendMessage', async () => {
    const { notifier } = make(tgEnv());
    notifier.log('hello');
    await notifier.close();
    const [req] = sent('telegram', TOKEN);
    expect(req!.url).toBe(`https://api.telegram.org/bot${TOKEN}/sendMessage`);
    expect(req!.body).toEqual({ chat_id: '-1001234567890', text: 'hello', parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
    expect(typeof req!.body.chat_id).toBe('string');
  });

  it('sets disable_notification only for silent notifications', async () => {
    const { notifier } = make(tgEnv());
    notifier.notify('quiet', { silent: true });
    await notifier.flush();
    notifier.notify('loud');
    await notifier.close();
    const [quiet, loud] = sent('telegram', TOKEN);
    expect(quiet!.body.disable_notification).toBe(true);
    expect(quiet!.body.text).toBe('quiet');
    expect(loud!.body).not.toHaveProperty('disable_notification');
    expect(loud!.body.text).toBe('loud');
  });

  it('keeps an @channelusername chat id as given', async () => {
    const { notifier } = make(tgEnv('@my_channel'));
    notifier.log('x');
    await notifier.close();
    expect(sent('telegram', TOKEN)[0]!.body.chat_id).toBe('@my_channel');
  });

  it('HTML-escapes markup characters so the text arrives literally', async () => {
    const original = 'Order <b>&_*[]</code> "qty" > 5 & price < 3 `x` ~y~';
    const [text] = await deliver([original]);
    expect(text).toContain('&lt;b&gt;&amp;_*[]');
    expect(text).toContain('&lt;/code&gt;');
    expect(text).not.toMatch(/<|>/);
    expect(unescapeHtml(text!)).toBe(original);
    expect(escapeTelegramHtml(original)).toBe(text);
  });

  it('resends the same text as plain text (unescaped, no parse_mode) after "can\'t parse entities", and delivers it', async () => {
    const bodies: Record<string, any>[] = [];
    mswServer.use(
      http.post(SEND_URL, async ({ request }) => {
        const body = (await request.json()) as Record<string, any>;
        bodies.push(body);
        if (body.parse_mode) return HttpResponse.json({ ok: false, error_code: 400, description: "Bad Request: can't parse entities: Unsupported start tag \"b\" at byte offset 6" }, { status: 400 });
        return HttpResponse.json({ ok: true, result: { message_id: 1 } });
      }),
    );
    const { notifier } = make(tgEnv());
    const delivered: number[] = [];
    const failed: unknown[] = [];
    notifier.on('delivered', (e) => delivered.push(e.seqs.length));
    notifier.on('failed', (e) => failed.push(e));
    const original = 'a <b>bold</b> & more';
    notifier.log(original);
    await notifier.close();
    expect(bodies).toHaveLength(2);
    expect(bodies[0]!.parse_mode).toBe('HTML');
    expect(bodies[0]!.text).toBe(escapeTelegramHtml(original));
    expect(bodies[1]).not.toHaveProperty('parse_mode');
    expect(bodies[1]!.text).toBe(original);
    expect(bodies[1]!.chat_id).toBe(GROUP);
    expect(delivered).toEqual([1]);
    expect(failed).toEqual([]);
  });
});

describe('Telegram splitting', () => {
  it('sends a 10,000-character message of numbered lines as ordered parts of at most 4096 code points', async () => {
    const original = numberedLines();
    const parts = await deliver([original]);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(codePoints(p)).toBeLessThanOrEqual(4096);
    expect(parts.join('\n')).toBe(original);
    // Split on line boundaries: every part starts with a numbered line.
    for (const p of parts) expect(p).toMatch(/^\d{4} x+/);
  });

  it('hard-splits a single 10,000-character line; the parts concatenated are the original', async () => {
    const original = 'abcdefghij'.repeat(1000);
    const parts = await deliver([original]);
    expect(parts).toHaveLength(3);
    for (const p of parts) expect(codePoints(p)).toBeLessThanOrEqual(4096);
    expect(parts.join('')).toBe(original);
  });

  it('never sends a part over 4096 when a space falls right at the limit', async () => {
    const original = `${'a'.repeat(4096)} ${'b'.repeat(200)}`;
    const parts = await deliver([original]);
    for (const p of parts) expect(codePoints(p)).toBeLessThanOrEqual(4096);
    expect(parts.join('')).toBe(original);
  });

  it('never cuts an emoji (surrogate pair) in half, and counts it as one character', async () => {
    const original = `x${'😀🚀'.repeat(2500)}👍🏽`; // odd start, 5,003 code points, ~10,000 UTF-16 units
    const parts = await deliver([original]);
    expect(parts).toHaveLength(2);
    for (const p of parts) {
      expect(codePoints(p)).toBeLessThanOrEqual(4096);
      expect(p).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
    expect(codePoints(parts[0]!)).toBe(4096);
    expect(parts.join('')).toBe(original);
  });
});

describe('Telegram answer classification', () => {
  it('200 ok → ok', async () => {
    answer(200, { ok: true, result: { message_id: 5 } });
    expect(await send(channel())).toEqual({ kind: 'ok' });
  });

  it('429 with parameters.retry_after → retry-after of 1000 × retry_after ms', async () => {
    answer(429, { ok: false, error_code: 429, description: 'Too Many Requests: retry after 7', parameters: { retry_after: 7 } });
    const out = await send(channel());
    expect(out.kind).toBe('retry-after');
    expect(out.kind === 'retry-after' && out.delayMs).toBe(7000);
    expect(out.kind === 'retry-after' && out.reason).toContain('Too Many Requests');
  });

  it('401 → dead, with a fix that points to BotFather and the variable', async () => {
    answer(401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const out = await send(channel());
    expect(out.kind).toBe('dead');
    if (out.kind !== 'dead') return;
    expect(out.reason).toContain('Unauthorized');
    expect(out.fix).toContain('BotFather');
    expect(out.fix).toContain('GENERAL_TELEGRAM_BOT_TOKEN');
  });

  it('403 blocked by the user → dead, fix says unblock', async () => {
    answer(403, { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    const out = await send(channel('42424242'));
    expect(out).toMatchObject({ kind: 'dead', reason: 'Forbidden: bot was blocked by the user' });
    expect(out.kind === 'dead' && out.fix).toMatch(/unblock/i);
  });

  it('403 kicked / not a member → dead, fix says add the bot again', async () => {
    for (const description of ['Forbidden: bot was kicked from the supergroup chat', 'Forbidden: bot is not a member of the group chat']) {
      answer(403, { ok: false, error_code: 403, description });
      const out = await send(channel());
      expect(out.kind).toBe('dead');
      expect(out.kind === 'dead' && out.fix).toMatch(/add the bot/i);
    }
  });

  it('400 chat not found → dead, with the negative-id hint naming the chat variable', async () => {
    answer(400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' });
    const out = await send(channel('1234567'));
    expect(out.kind).toBe('dead');
    if (out.kind !== 'dead') return;
    expect(out.reason).toContain('chat not found');
    expect(out.reason).toContain('1234567');
    expect(out.fix).toContain('GENERAL_TELEGRAM_BOT_CHAT_ID');
    expect(out.fix).toMatch(/negative/);
    expect(out.fix).toContain('-100');
  });

  it('400 with migrate_to_chat_id → moved, and the next request goes to the new chat id', async () => {
    const chatIds: unknown[] = [];
    mswServer.use(
      http.post(SEND_URL, async ({ request }) => {
        const body = (await request.json()) as Record<string, any>;
        chatIds.push(body.chat_id);
        if (body.chat_id === '-4567') {
          return HttpResponse.json({ ok: false, error_code: 400, description: 'Bad Request: group chat was upgraded to a supergroup chat', parameters: { migrate_to_chat_id: -1009876543210 } }, { status: 400 });
        }
        return HttpResponse.json({ ok: true, result: { message_id: 1 } });
      }),
    );
    const c = channel('-4567');
    const out = await send(c, 'first');
    expect(out.kind).toBe('moved');
    if (out.kind !== 'moved') return;
    expect(out.fix).toBe('set GENERAL_TELEGRAM_BOT_CHAT_ID=-1009876543210');
    expect(await send(c, 'again')).toEqual({ kind: 'ok' });
    expect(chatIds).toEqual(['-4567', '-1009876543210']);
    expect(c.buckets().map((b) => b.key).join(' ')).toContain('-1009876543210');
    expect(c.label).toContain('-1009876543210');
  });

  it('migration through the notifier: the message is delivered to the new chat and a warning names the fix', async () => {
    const chatIds: unknown[] = [];
    mswServer.use(
      http.post(SEND_URL, async ({ request }) => {
        const body = (await request.json()) as Record<string, any>;
        chatIds.push(body.chat_id);
        if (body.chat_id === '-4567') return HttpResponse.json({ ok: false, error_code: 400, description: 'Bad Request: group chat was upgraded to a supergroup chat', parameters: { migrate_to_chat_id: -1009876543210 } }, { status: 400 });
        return HttpResponse.json({ ok: true, result: { message_id: 1 } });
      }),
    );
    const { notifier } = make(tgEnv('-4567'));
    const warnings: string[] = [];
    const delivered: number[] = [];
    notifier.on('warning', (w) => warnings.push(`${w.code} ${w.fix}`));
    notifier.on('delivered', (e) => delivered.push(...e.seqs));
    notifier.log('after the upgrade');
    await notifier.close();
    expect(chatIds).toEqual(['-4567', '-1009876543210']);
    expect(delivered).toHaveLength(1);
    expect(warnings).toEqual(['destination-moved set GENERAL_TELEGRAM_BOT_CHAT_ID=-1009876543210']);
  });

  it('other 400 → rejected with Telegram\'s description', async () => {
    answer(400, { ok: false, error_code: 400, description: 'Bad Request: message is too long' });
    expect(await send(channel())).toEqual({ kind: 'rejected', reason: 'Bad Request: message is too long' });
  });

  it('500 and 502 with an HTML body → transient', async () => {
    for (const status of [500, 502]) {
      mswServer.use(http.post(SEND_URL, () => new HttpResponse(`<html><body><h1>${status} Bad Gateway</h1></body></html>`, { status, headers: { 'content-type': 'text/html' } })));
      const out = await send(channel());
      expect(out.kind).toBe('transient');
      expect(out.kind === 'transient' && out.reason).toContain(String(status));
    }
  });

  it('a network error → transient with a reason', async () => {
    mswServer.use(http.post(SEND_URL, () => HttpResponse.error()));
    // msw's network error is a fetch TypeError('Failed to fetch'); its message is the reason.
    expect(await send(channel())).toEqual({ kind: 'transient', reason: 'Failed to fetch' });
  });
});

describe('Telegram channel', () => {
  it('buckets(): a group chat adds the group bucket; a private chat does not', () => {
    const group = channel(GROUP).buckets().map((b) => b.key);
    const priv = channel('42424242').buckets().map((b) => b.key);
    expect(group.some((k) => k.startsWith('telegram:group:'))).toBe(true);
    expect(priv.some((k) => k.startsWith('telegram:group:'))).toBe(false);
    expect(priv.some((k) => k.startsWith('telegram:chat:'))).toBe(true);
    expect(priv.some((k) => k.startsWith('telegram:bot:'))).toBe(true);
    // The per-bot bucket is shared by both chats of the same bot.
    expect(group.find((k) => k.startsWith('telegram:bot:'))).toBe(priv.find((k) => k.startsWith('telegram:bot:')));
  });

  it('label and id never contain the token secret; secrets lists the token', () => {
    const c = channel();
    const secretPart = TOKEN.split(':')[1]!;
    expect(c.label).toContain('123456789:AA…');
    expect(c.label).not.toContain(secretPart);
    expect(c.id).not.toContain(secretPart);
    expect(c.secrets).toContain(TOKEN);
    expect(c.maxLength).toBe(4096);
  });
});
