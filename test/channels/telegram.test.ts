import { http, HttpResponse, type JsonBodyType } from 'msw';
import { afterAll, describe, expect, it } from 'vitest';
import type { Channel, OutgoingPart, SendOutcome } from '../../src/channels/channel.js';
import type { Env } from '../../src/config/env.js';
import { createHttpClient } from '../../src/channels/http.js';
import { codePoints } from '../../src/channels/split.js';
import { escapeTelegramHtml, parseAppriseTelegram, TELEGRAM_DEFAULT_BASE, telegramDriver, type TelegramSpec } from '../../src/channels/telegram.js';
import { createChannel } from '../../src/channels/registry.js';
import type { ConfigProblem } from '../../src/config/problems.js';
import { fillCard } from '../fixtures/cards.js';
import { telegramCardsHtml } from '../../src/channels/telegram-format.js';
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

const unescapeHtml = (s: string): string =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

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
        if (body.parse_mode)
          return HttpResponse.json(
            { ok: false, error_code: 400, description: 'Bad Request: can\'t parse entities: Unsupported start tag "b" at byte offset 6' },
            { status: 400 },
          );
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
  it('200 ok → ok, with the message id as ref', async () => {
    answer(200, { ok: true, result: { message_id: 5 } });
    expect(await send(channel())).toEqual({ kind: 'ok', ref: '5' });
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
          return HttpResponse.json(
            {
              ok: false,
              error_code: 400,
              description: 'Bad Request: group chat was upgraded to a supergroup chat',
              parameters: { migrate_to_chat_id: -1009876543210 },
            },
            { status: 400 },
          );
        }
        return HttpResponse.json({ ok: true, result: { message_id: 1 } });
      }),
    );
    const c = channel('-4567');
    // Asked before the move too: the buckets follow the chat, not the first answer.
    expect(
      c
        .buckets()
        .map((b) => b.key)
        .join(' '),
    ).toContain(':-4567');
    const out = await send(c, 'first');
    expect(out.kind).toBe('moved');
    if (out.kind !== 'moved') return;
    expect(out.fix).toBe('set GENERAL_TELEGRAM_BOT_CHAT_ID=-1009876543210');
    expect(await send(c, 'again')).toEqual({ kind: 'ok', ref: '1' });
    expect(chatIds).toEqual(['-4567', '-1009876543210']);
    expect(
      c
        .buckets()
        .map((b) => b.key)
        .join(' '),
    ).toContain('-1009876543210');
    expect(
      c
        .buckets()
        .map((b) => b.key)
        .join(' '),
    ).not.toContain(':-4567');
    expect(c.label).toContain('-1009876543210');
  });

  it('migration through the notifier: the message is delivered to the new chat and a warning names the fix', async () => {
    const chatIds: unknown[] = [];
    mswServer.use(
      http.post(SEND_URL, async ({ request }) => {
        const body = (await request.json()) as Record<string, any>;
        chatIds.push(body.chat_id);
        if (body.chat_id === '-4567')
          return HttpResponse.json(
            {
              ok: false,
              error_code: 400,
              description: 'Bad Request: group chat was upgraded to a supergroup chat',
              parameters: { migrate_to_chat_id: -1009876543210 },
            },
            { status: 400 },
          );
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

  it("other 400 → rejected with Telegram's description", async () => {
    answer(400, { ok: false, error_code: 400, description: 'Bad Request: message is too long' });
    expect(await send(channel())).toEqual({ kind: 'rejected', reason: 'Bad Request: message is too long' });
  });

  it('500 and 502 with an HTML body → transient', async () => {
    for (const status of [500, 502]) {
      mswServer.use(
        http.post(
          SEND_URL,
          () => new HttpResponse(`<html><body><h1>${status} Bad Gateway</h1></body></html>`, { status, headers: { 'content-type': 'text/html' } }),
        ),
      );
      const out = await send(channel());
      expect(out.kind).toBe('transient');
      expect(out.kind === 'transient' && out.reason).toContain(String(status));
    }
  });

  it("a 200 whose body is not JSON (a captive portal's page) → transient, never delivered", async () => {
    mswServer.use(
      http.post(
        SEND_URL,
        () => new HttpResponse('<html><body>Welcome to the guest network</body></html>', { status: 200, headers: { 'content-type': 'text/html' } }),
      ),
    );
    const out = await send(channel());
    expect(out.kind).toBe('transient');
    expect(out.kind === 'transient' && out.reason).toMatch(/^Telegram answered 200 with a body that is not its API's answer/);
  });

  it('a network error → transient with a reason', async () => {
    mswServer.use(http.post(SEND_URL, () => HttpResponse.error()));
    // msw's network error is a fetch TypeError('Failed to fetch'); its message is the reason.
    expect(await send(channel())).toEqual({ kind: 'transient', reason: 'Failed to fetch' });
  });
});

describe('Telegram channel', () => {
  it('buckets(): a group chat adds the group bucket; a private chat does not', () => {
    const group = channel(GROUP)
      .buckets()
      .map((b) => b.key);
    const priv = channel('42424242')
      .buckets()
      .map((b) => b.key);
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

// ---------------------------------------------------------------------------------------------
// Target forms: telegram:<chat>[:<topic>], *_TELEGRAM_BOT_TOPIC_ID, Apprise tgram:// URLs.

const ORIGIN = 'log target';
const TG_API_LOCAL = 'http://127.0.0.1:9/tg';

/** Parses a target with the Telegram driver; fails the test on a problem. */
function targetSpecs(target: string, env: Env = { GENERAL_TELEGRAM_BOT_TOKEN: TOKEN }): TelegramSpec[] {
  const out = telegramDriver.targets!.parse(target, env, ORIGIN);
  if (!Array.isArray(out)) throw new Error(`unexpected problem: ${JSON.stringify(out)}`);
  return out as TelegramSpec[];
}

/** Parses a target that must be refused, and returns the problem. */
function targetProblem(target: string, env: Env = { GENERAL_TELEGRAM_BOT_TOKEN: TOKEN }): ConfigProblem {
  const out = telegramDriver.targets!.parse(target, env, ORIGIN);
  expect(Array.isArray(out), `${target} should be refused`).toBe(false);
  return out as ConfigProblem;
}

/** Sends one part through a channel built from the spec and returns the request body. */
async function wireBody(s: TelegramSpec, p: OutgoingPart = part('hi')): Promise<Record<string, any>> {
  const before = sent('telegram').length;
  expect((await createChannel(s, { http: httpClient }).send(p, new AbortController().signal)).kind).toBe('ok');
  const reqs = sent('telegram');
  expect(reqs).toHaveLength(before + 1);
  return reqs[reqs.length - 1]!.body;
}

describe('telegram:<chat>[:<topic>] targets (the GENERAL bot to another chat)', () => {
  it('telegram:<chat> → a spec for the GENERAL bot and that chat, sent without a topic', async () => {
    const [s, ...rest] = targetSpecs('telegram:-1001234567890');
    expect(rest).toEqual([]);
    expect(s).toEqual({ driver: 'telegram', origin: ORIGIN, token: TOKEN, baseUrl: TELEGRAM_DEFAULT_BASE, chatId: '-1001234567890' });
    const body = await wireBody(s!);
    expect(body).toEqual({ chat_id: '-1001234567890', text: 'hi', parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
    expect(sent('telegram', TOKEN)).toHaveLength(1);
  });

  it('telegram:<chat>:<topic> → message_thread_id on the wire, as a number', async () => {
    const [s] = targetSpecs('telegram:-1001234567890:42');
    expect(s!.topicId).toBe('42');
    const body = await wireBody(s!);
    expect(body.message_thread_id).toBe(42);
    expect(typeof body.message_thread_id).toBe('number');
    expect(body.chat_id).toBe('-1001234567890');
  });

  it('topic 1 (General) is left out: Telegram refuses message_thread_id 1', async () => {
    const [s] = targetSpecs('telegram:-1001234567890:1');
    expect(s).not.toHaveProperty('topicId');
    expect(await wireBody(s!)).not.toHaveProperty('message_thread_id');
  });

  it('topic 0 is refused, as in *_TELEGRAM_BOT_TOPIC_ID', () => {
    const p = targetProblem('telegram:-1001234567890:0');
    expect(p.variable).toBe(ORIGIN);
    expect(p.message).toMatch(/topic/);
  });

  it('@channel and a bare channel name are usernames', () => {
    expect(targetSpecs('telegram:@my_channel')[0]!.chatId).toBe('@my_channel');
    expect(targetSpecs('telegram:my_channel')[0]!.chatId).toBe('@my_channel');
  });

  it('a topic makes another destination (id and label), without revealing the token', () => {
    const plain = createChannel(targetSpecs('telegram:-1001234567890')[0]!, { http: httpClient });
    const topic = createChannel(targetSpecs('telegram:-1001234567890:42')[0]!, { http: httpClient });
    expect(topic.id).not.toBe(plain.id);
    expect(topic.label).toBe('Telegram bot 123456789:AA… → chat -1001234567890 topic 42');
    expect(topic.id).not.toContain(TOKEN.split(':')[1]!);
  });

  it('without GENERAL_TELEGRAM_BOT_TOKEN → a problem naming the target, with a fix', () => {
    const p = targetProblem('telegram:-1001234567890', {});
    expect(p.variable).toBe(ORIGIN);
    expect(p.message).toContain('GENERAL_TELEGRAM_BOT_TOKEN is not set');
    expect(p.fix).toMatch(/set GENERAL_TELEGRAM_BOT_TOKEN/);
    expect(p.fix).toContain('tgram://');
  });

  it('a malformed GENERAL_TELEGRAM_BOT_TOKEN → its problem (token masked)', () => {
    const p = targetProblem('telegram:-1001234567890', { GENERAL_TELEGRAM_BOT_TOKEN: '123456789:short' });
    expect(p.variable).toBe('GENERAL_TELEGRAM_BOT_TOKEN');
    expect(p.message).not.toContain('123456789:short');
  });

  it('telegram: with no chat, a chat that lost its minus, or junk → problems with the telegram:<chat> form in the fix', () => {
    expect(targetProblem('telegram:').message).toMatch(/names no chat/);
    const lost = targetProblem('telegram:1001234567890');
    expect(lost.message).toMatch(/lost its leading "-"/);
    expect(lost.fix).toContain('-1001234567890');
    expect(lost.fix).toContain('telegram:<chat_id>:<topic_id>');
    expect(targetProblem('telegram:not a chat').fix).toContain('telegram:<chat_id>');
  });

  it('TELEGRAM_API_BASE_URL applies', async () => {
    const urls: string[] = [];
    mswServer.use(
      http.post(`${TG_API_LOCAL}/:bot/sendMessage`, ({ request }) => {
        urls.push(request.url);
        return HttpResponse.json({ ok: true, result: { message_id: 1 } });
      }),
    );
    const [s] = targetSpecs('telegram:-1001234567890:42', { GENERAL_TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_BASE_URL: `${TG_API_LOCAL}/` });
    expect(s!.baseUrl).toBe(TG_API_LOCAL);
    expect((await createChannel(s!, { http: httpClient }).send(part('x'), new AbortController().signal)).kind).toBe('ok');
    expect(urls).toEqual([`${TG_API_LOCAL}/bot${TOKEN}/sendMessage`]);
  });

  it('a TELEGRAM_API_BASE_URL that is not https → its problem', () => {
    expect(targetProblem('telegram:-100123', { GENERAL_TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_BASE_URL: 'http://example.com' }).variable).toBe(
      'TELEGRAM_API_BASE_URL',
    );
  });
});

describe('Telegram cards on the wire', () => {
  it("cards go out as one HTML message (bold headline, <code> numbers), with the chat's options", async () => {
    const cards = [fillCard(), fillCard({ title: 'second <b>', url: undefined, tone: 'bad' })];
    const [s] = targetSpecs('telegram:-1001234567890:42');
    const body = await wireBody(s!, { ...part('summary'), cards });
    expect(body.parse_mode).toBe('HTML');
    expect(body.message_thread_id).toBe(42);
    expect(body.text).toBe(telegramCardsHtml(cards, true));
    expect(body.text).toContain('<b><a href="https://exchange.example/orders/42">✅ FILLED BUY 0.5 BTC-USDT</a></b>');
    expect(body.text).toContain('<b>second &lt;b&gt;</b>');
    expect(body.text).toContain('Qty: <code>0.5</code>');
  });

  it('"can\'t parse entities" on a card → the same cards resent as plain text', async () => {
    const bodies: Record<string, any>[] = [];
    mswServer.use(
      http.post(SEND_URL, async ({ request }) => {
        const body = (await request.json()) as Record<string, any>;
        bodies.push(body);
        if (body.parse_mode)
          return HttpResponse.json(
            { ok: false, error_code: 400, description: "Bad Request: can't parse entities: Unclosed start tag at byte offset 3" },
            { status: 400 },
          );
        return HttpResponse.json({ ok: true, result: { message_id: 1 } });
      }),
    );
    const cards = [fillCard({ title: 'a <b> & c' })];
    expect(await channel().send({ ...part('x'), cards }, new AbortController().signal)).toEqual({ kind: 'ok', ref: '1' });
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).not.toHaveProperty('parse_mode');
    expect(bodies[1]!.text).toBe(telegramCardsHtml(cards, false));
    expect(bodies[1]!.text).toContain('a <b> & c');
  });
});

describe('variables in quotes (docker run -e keeps them)', () => {
  it('token, chat id and topic are read without one pair of quotes around them', () => {
    const reading = telegramDriver.fromEnv!(
      { GENERAL_TELEGRAM_BOT_TOKEN: ` "${TOKEN}" `, GENERAL_TELEGRAM_BOT_CHAT_ID: `'${GROUP}'`, GENERAL_TELEGRAM_BOT_TOPIC_ID: '"42"' },
      'GENERAL',
    );
    expect(reading.problems).toEqual([]);
    expect(reading.specs[0]).toMatchObject({ token: TOKEN, chatId: GROUP, topicId: '42' });
  });

  it('mismatched quotes are part of the value, and say so in the problem', () => {
    const reading = telegramDriver.fromEnv!({ GENERAL_TELEGRAM_BOT_TOKEN: TOKEN, GENERAL_TELEGRAM_BOT_CHAT_ID: `"${GROUP}'` }, 'GENERAL');
    expect(reading.problems).toEqual([
      expect.objectContaining({ variable: 'GENERAL_TELEGRAM_BOT_CHAT_ID', message: `"\"${GROUP}'" is not a Telegram chat id` }),
    ]);
  });
});

describe('*_TELEGRAM_BOT_TOPIC_ID', () => {
  const topicEnv = (topic: string, role: 'GENERAL' | 'ERROR' = 'GENERAL'): Env => ({
    [`${role}_TELEGRAM_BOT_TOKEN`]: TOKEN,
    [`${role}_TELEGRAM_BOT_CHAT_ID`]: GROUP,
    [`${role}_TELEGRAM_BOT_TOPIC_ID`]: topic,
  });

  it('is read for each role and sent as message_thread_id (a number)', async () => {
    for (const role of ['GENERAL', 'ERROR'] as const) {
      const reading = telegramDriver.fromEnv!(topicEnv(' 42 ', role), role);
      expect(reading.problems).toEqual([]);
      expect(reading.specs[0]).toMatchObject({ chatId: GROUP, topicId: '42', topicVariable: `${role}_TELEGRAM_BOT_TOPIC_ID` });
      const body = await wireBody(reading.specs[0]!);
      expect(body.message_thread_id).toBe(42);
    }
  });

  it('1 (the General topic) is accepted and left out of the request', async () => {
    const reading = telegramDriver.fromEnv!(topicEnv('1'), 'GENERAL');
    expect(reading.problems).toEqual([]);
    expect(reading.specs[0]).not.toHaveProperty('topicId');
    expect(await wireBody(reading.specs[0]!)).not.toHaveProperty('message_thread_id');
  });

  it.each(['0', 'abc', '-5', '4.2', '1234567890123'])('%s → a problem naming the variable, with how to find the id', (topic) => {
    const reading = telegramDriver.fromEnv!(topicEnv(topic), 'GENERAL');
    expect(reading.specs).toEqual([]);
    expect(reading.problems).toEqual([expect.objectContaining({ variable: 'GENERAL_TELEGRAM_BOT_TOPIC_ID', message: `"${topic}" is not a forum topic id` })]);
    expect(reading.problems[0]!.fix).toMatch(/t\.me\/c\//);
  });

  it('empty means no topic', () => {
    const reading = telegramDriver.fromEnv!(topicEnv(''), 'GENERAL');
    expect(reading.problems).toEqual([]);
    expect(reading.specs[0]).not.toHaveProperty('topicId');
  });

  it('"Bad Request: message thread not found" → dead, the fix naming the topic variable', async () => {
    answer(400, { ok: false, error_code: 400, description: 'Bad Request: message thread not found' });
    const reading = telegramDriver.fromEnv!(topicEnv('42'), 'GENERAL');
    const out = await send(createChannel(reading.specs[0]!, { http: httpClient }));
    expect(out.kind).toBe('dead');
    if (out.kind !== 'dead') return;
    expect(out.reason).toContain('message thread not found');
    expect(out.reason).toContain('topic 42');
    expect(out.fix).toContain('GENERAL_TELEGRAM_BOT_TOPIC_ID');
  });

  it('"message thread not found" for a telegram:<chat>:<topic> target → dead, the fix naming the target', async () => {
    answer(400, { ok: false, error_code: 400, description: 'Bad Request: message thread not found' });
    const out = await send(createChannel(targetSpecs('telegram:-1001234567890:7')[0]!, { http: httpClient }));
    expect(out.kind).toBe('dead');
    expect(out.kind === 'dead' && out.fix).toContain(ORIGIN);
  });
});

describe('tgram:// (Apprise) targets', () => {
  const T = `tgram://${TOKEN}`;
  const chats = (specs: readonly TelegramSpec[]): [string, string | undefined][] => specs.map((s) => [s.chatId, s.topicId]);

  it('tgram://<token>/<chat> → one spec, like a telegram: target; sent with HTML', async () => {
    const specs = parseAppriseTelegram(`${T}/-1001234567890`, {}, ORIGIN) as TelegramSpec[];
    expect(specs).toEqual([{ driver: 'telegram', origin: ORIGIN, token: TOKEN, baseUrl: TELEGRAM_DEFAULT_BASE, chatId: '-1001234567890' }]);
    expect(targetSpecs(`${T}/-1001234567890`, {})).toEqual(specs);
    expect(await wireBody(specs[0]!)).toEqual({ chat_id: '-1001234567890', text: 'hi', parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
  });

  it('several chats in the path, in order: numeric ids, @channel, %40channel, a bare name → @name, chat:topic', async () => {
    const specs = targetSpecs(`${T}/-1001234567890:42/@mychannel/%40other_chan/lead2gold/12345/`, {});
    expect(chats(specs)).toEqual([
      ['-1001234567890', '42'],
      ['@mychannel', undefined],
      ['@other_chan', undefined],
      ['@lead2gold', undefined],
      ['12345', undefined],
    ]);
    const bodies = [];
    for (const s of specs) bodies.push(await wireBody(s));
    expect(bodies.map((b) => b.chat_id)).toEqual(['-1001234567890', '@mychannel', '@other_chan', '@lead2gold', '12345']);
    expect(bodies[0]!.message_thread_id).toBe(42);
    for (const b of bodies.slice(1)) expect(b).not.toHaveProperty('message_thread_id');
  });

  it('?to= adds chats (comma separated), after the path ones; a comma in the path separates too', () => {
    expect(chats(targetSpecs(`${T}/12345/?to=-1001234567890:12,@mychannel`, {}))).toEqual([
      ['12345', undefined],
      ['-1001234567890', '12'],
      ['@mychannel', undefined],
    ]);
    expect(chats(targetSpecs(`${T}/?to=-1001234567890`, {}))).toEqual([['-1001234567890', undefined]]);
    expect(chats(targetSpecs(`${T}/11111,22222`, {}))).toEqual([
      ['11111', undefined],
      ['22222', undefined],
    ]);
  });

  it('?topic= and its alias ?thread= set the topic of chats without their own; a chat:topic wins', async () => {
    expect(chats(targetSpecs(`${T}/lead2gold/?topic=12345`, {}))).toEqual([['@lead2gold', '12345']]);
    expect(chats(targetSpecs(`${T}/lead2gold/?thread=7`, {}))).toEqual([['@lead2gold', '7']]);
    const specs = targetSpecs(`${T}/-1001234567890:9/-1009999999999/?topic=5`, {});
    expect(chats(specs)).toEqual([
      ['-1001234567890', '9'],
      ['-1009999999999', '5'],
    ]);
    expect((await wireBody(specs[1]!)).message_thread_id).toBe(5);
  });

  it('?topic=1 is the General topic: left out', async () => {
    const [s] = targetSpecs(`${T}/-1001234567890/?topic=1`, {});
    expect(s).not.toHaveProperty('topicId');
    expect(await wireBody(s!)).not.toHaveProperty('message_thread_id');
  });

  it('?topic=abc → a problem', () => {
    expect(targetProblem(`${T}/lead2gold/?topic=abc`, {}).message).toBe('"abc" is not a forum topic id');
  });

  it('silent=yes → disable_notification on every message; silent=no → only on silent ones', async () => {
    const [loud] = targetSpecs(`${T}/-1001234567890?silent=no`, {});
    const [quiet] = targetSpecs(`${T}/-1001234567890?silent=yes`, {});
    expect(quiet!.silent).toBe(true);
    expect((await wireBody(quiet!)).disable_notification).toBe(true);
    expect(await wireBody(loud!)).not.toHaveProperty('disable_notification');
    expect((await wireBody(loud!, part('shh', true))).disable_notification).toBe(true);
  });

  it('preview=yes → link_preview_options.is_disabled false; default (and preview=no) → true', async () => {
    const [on] = targetSpecs(`${T}/-1001234567890?preview=yes`, {});
    const [off] = targetSpecs(`${T}/-1001234567890?preview=no`, {});
    const [dflt] = targetSpecs(`${T}/-1001234567890`, {});
    expect((await wireBody(on!)).link_preview_options).toEqual({ is_disabled: false });
    expect((await wireBody(off!)).link_preview_options).toEqual({ is_disabled: true });
    expect((await wireBody(dflt!)).link_preview_options).toEqual({ is_disabled: true });
  });

  it('format=text → no parse_mode and the text unescaped; no cards; other formats keep HTML', async () => {
    const [s] = targetSpecs(`${T}/-1001234567890?format=text`, {});
    expect(s!.plain).toBe(true);
    const c = createChannel(s!, { http: httpClient });
    expect(c.cards).toBeUndefined();
    const body = await wireBody(s!, part('a <b> & c'));
    expect(body).not.toHaveProperty('parse_mode');
    expect(body.text).toBe('a <b> & c');
    // Cards handed to it anyway go out as their plain text.
    const cardBody = await wireBody(s!, { ...part('x'), cards: [fillCard({ title: 'T <b>' })] });
    expect(cardBody.text).toContain('T <b>');
    expect(cardBody).not.toHaveProperty('parse_mode');
    for (const format of ['html', 'markdown']) {
      const [f] = targetSpecs(`${T}/-1001234567890?format=${format}`, {});
      expect((await wireBody(f!)).parse_mode, format).toBe('HTML');
    }
  });

  it('options make distinct destinations (different ids)', () => {
    const ids = ['', '?silent=yes', '?preview=yes', '?format=text'].map(
      (q) => createChannel(targetSpecs(`${T}/-1001234567890${q}`, {})[0]!, { http: httpClient }).id,
    );
    expect(new Set(ids).size).toBe(4);
  });

  it('a "bot" prefix, a %3A colon and a user@ prefix are all read as the same token', () => {
    for (const url of [
      `tgram://bot${TOKEN}/12345`,
      `tgram://${TOKEN.replace(':', '%3A')}/12345`,
      `tgram://bottest@${TOKEN}/12345`,
      `tgram://user:pass@${TOKEN}/12345`,
      `TGRAM://${TOKEN}/12345`,
    ]) {
      expect(targetSpecs(url, {}), url).toEqual([{ driver: 'telegram', origin: ORIGIN, token: TOKEN, baseUrl: TELEGRAM_DEFAULT_BASE, chatId: '12345' }]);
    }
  });

  it('no chat → a problem (Herald does not guess the bot owner), with the fix', () => {
    for (const url of [`${T}/`, T, `${T}/?silent=yes`]) {
      const p = targetProblem(url, {});
      expect(p.message, url).toMatch(/names no chat/);
      expect(p.fix).toContain('tgram://<token>/<chat_id>');
    }
  });

  it('malformed URLs → problems that never show the token', () => {
    const cases = [
      'tgram://',
      'tgram://alpha:abcdefg_hijklmnop/lead2gold/',
      `tgram://123456789/${TOKEN.split(':')[1]}/12345`,
      'tgram://123456789:abc.def/12',
      'tgram://123456789:abcdefg_hijklmnop/lead2gold', // Apprise's test token: too short for Herald, on purpose
      `${T}/a`,
      `${T}/1a`,
      `${T}/id1:invalid`,
      `${T}/%$/`,
      `${T}/1001234567890`,
    ];
    for (const url of cases) {
      const p = targetProblem(url, {});
      expect(p.variable, url).toBe(ORIGIN);
      expect(p.fix, url).toBeTruthy();
      expect(`${p.message} ${p.fix}`, url).not.toContain(TOKEN.split(':')[1]!);
      expect(`${p.message} ${p.fix}`, url).not.toContain('abcdefg_hijklmnop');
    }
  });

  it('TELEGRAM_API_BASE_URL applies to tgram:// targets and to the environment variables alike', async () => {
    const urls: string[] = [];
    mswServer.use(
      http.post(`${TG_API_LOCAL}/:bot/sendMessage`, ({ request }) => {
        urls.push(request.url);
        return HttpResponse.json({ ok: true, result: { message_id: 1 } });
      }),
    );
    const env = { TELEGRAM_API_BASE_URL: TG_API_LOCAL };
    const [fromUrl] = targetSpecs(`${T}/-1001234567890:3`, env);
    const [fromEnv] = telegramDriver.fromEnv!({ ...env, ...tgEnv() }, 'GENERAL').specs;
    for (const s of [fromUrl!, fromEnv!]) {
      expect(s.baseUrl).toBe(TG_API_LOCAL);
      expect((await send(createChannel(s, { http: httpClient }))).kind).toBe('ok');
    }
    expect(urls).toEqual([`${TG_API_LOCAL}/bot${TOKEN}/sendMessage`, `${TG_API_LOCAL}/bot${TOKEN}/sendMessage`]);
    expect(sent('telegram')).toEqual([]);
    expect(targetProblem(`${T}/12345`, { TELEGRAM_API_BASE_URL: 'ftp://x' }).variable).toBe('TELEGRAM_API_BASE_URL');
  });
});
