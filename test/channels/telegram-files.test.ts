/**
 * Files, edits and replies of the Telegram driver, on the wire against the local fake Telegram
 * (FakePlatformServer): straight through the driver, and through a real notifier's lanes.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Channel, OutgoingPart, SendOutcome } from '../../src/channels/channel.js';
import { createHttpClient } from '../../src/channels/http.js';
import { escapeTelegramHtml, parseAppriseTelegram, telegramDriver } from '../../src/channels/telegram.js';
import type { Env } from '../../src/config/env.js';
import { createNotifier, type Notifier } from '../../src/index.js';
import type { RateLimits } from '../../src/delivery/rate-limits.js';
import { FakePlatformServer, type ReceivedMessage, type ServerEvent } from '../../src/sandbox/fake-platforms.js';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0';
const CHAT = '-1001234567890';
/** A 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const png = { name: 'equity.png', contentType: 'image/png', base64: PNG.toString('base64') };
/** Proactive limits off, so a sequence of requests never waits on a token bucket. */
const noLimits: RateLimits = { reserve: () => 0, observe: () => {}, block: () => {} };

let fake: FakePlatformServer;
let events: ServerEvent[];
const notifiers: Notifier[] = [];
const httpClient = createHttpClient();

beforeEach(async () => {
  // The fake's limits are tested on their own; here every request of a sequence goes through.
  fake = await FakePlatformServer.start({ limits: { telegramPerChat: { burst: 100, perSecond: 100 }, telegramPerGroupPerMinute: 1000 } });
  events = [];
  fake.on('event', (e) => events.push(e));
});

afterEach(async () => {
  await Promise.all(notifiers.splice(0).map((n) => n.close(500)));
  await fake.close();
});

afterAll(() => httpClient.close());

const env = (extra: Env = {}): Env => ({
  GENERAL_TELEGRAM_BOT_TOKEN: TOKEN,
  GENERAL_TELEGRAM_BOT_CHAT_ID: CHAT,
  TELEGRAM_API_BASE_URL: fake.telegramBaseUrl,
  ...extra,
});

function notifier(extra: Env = {}): Notifier {
  const n = createNotifier({ env: env(extra), drainOnExit: false, limits: noLimits, outbox: false, redis: false });
  notifiers.push(n);
  return n;
}

function channel(extra: Env = {}): Channel {
  const reading = telegramDriver.fromEnv!(env(extra), 'GENERAL');
  expect(reading.problems).toEqual([]);
  return telegramDriver.create(reading.specs[0]!, { http: httpClient });
}

const part = (text: string, extra: Partial<OutgoingPart> = {}): OutgoingPart => ({ text, level: 'info', silent: false, ...extra });
const send = (c: Channel, p: OutgoingPart): Promise<SendOutcome> => c.send(p, new AbortController().signal);
const messages = (): ReceivedMessage[] => fake.messagesFor('telegram', CHAT);
const bytesOf = (m: ReceivedMessage | undefined): Buffer => Buffer.from(m!.files![0]!.base64, 'base64');
/** Telegram's answers that were not accepted messages, as their descriptions. */
const refusals = (): string[] => events.filter((e) => e.kind !== 'message').map((e) => `${e.status} ${e.detail ?? ''}`);

/** Counts the notifier's delivered and failed notifications. */
function outcomes(n: Notifier): { delivered: number; failed: string[] } {
  const seen = { delivered: 0, failed: [] as string[] };
  n.on('delivered', (e) => void (seen.delivered += e.seqs.length));
  n.on('failed', (e) => void seen.failed.push(e.reason));
  return seen;
}

describe('Telegram files', () => {
  it('declares files (10 MiB, 1024-character captions, images) and edits', () => {
    const c = channel();
    expect(c.files).toEqual({ maxBytes: 10 * 1024 * 1024, captionMax: 1024, images: true });
    expect(c.edits).toBe(true);
  });

  it('a photo whose caption fits: one sendPhoto, the caption is the text (escaped, HTML), the PNG arrives intact', async () => {
    const n = notifier();
    const seen = outcomes(n);
    const text = 'Equity <today> & "tomorrow"';
    n.notify(text, { file: { name: 'equity.png', data: PNG } });
    await n.flush();
    expect(fake.requests).toBe(1);
    const [m] = messages();
    expect(m).toMatchObject({ id: '1', text: escapeTelegramHtml(text), parseMode: 'HTML' });
    expect(m!.files).toEqual([expect.objectContaining({ field: 'photo', name: 'equity.png', contentType: 'image/png', size: PNG.length })]);
    expect(bytesOf(m).equals(PNG)).toBe(true);
    expect(seen).toEqual({ delivered: 1, failed: [] });
  });

  it('sendPhoto straight from the driver: every field on the wire, and the message id as ref', async () => {
    fake.setTelegramForum(CHAT, [5]);
    await send(channel(), part('first'));
    const outcome = await send(channel({ GENERAL_TELEGRAM_BOT_TOPIC_ID: '5' }), part('chart', { file: png, silent: true, replyTo: '1' }));
    expect(outcome).toEqual({ kind: 'ok', ref: '2' });
    const m = messages()[1]!;
    expect(m.body).toEqual({
      chat_id: CHAT,
      caption: 'chart',
      parse_mode: 'HTML',
      disable_notification: 'true',
      message_thread_id: '5',
      reply_parameters: JSON.stringify({ message_id: 1, allow_sending_without_reply: true }),
    });
    expect(m).toMatchObject({ silent: true, thread: '5', replyTo: '1' });
  });

  it('a caption too long: the driver sends it and the fake refuses it; through the lane, the photo gets the first line and the text follows', async () => {
    const long = `Daily report\n${'x'.repeat(1100)}`;
    const outcome = await send(channel(), part(long, { file: png }));
    expect(outcome).toEqual({ kind: 'rejected', reason: 'Bad Request: message caption is too long' });
    expect(messages()).toEqual([]);

    const n = notifier();
    const seen = outcomes(n);
    n.notify(long, { file: { name: 'equity.png', data: PNG } });
    await n.flush();
    const [photo, text] = messages();
    expect(photo).toMatchObject({ text: 'Daily report' });
    expect(photo!.files).toHaveLength(1);
    expect(text).toMatchObject({ text: long });
    expect(text).not.toHaveProperty('files');
    expect(seen).toEqual({ delivered: 1, failed: [] });
  });

  it('a .txt goes as sendDocument with its name, type and bytes', async () => {
    const n = notifier();
    const log = Buffer.from('2026-01-01 buy 1 BTC\n2026-01-02 sell 1 BTC\n', 'utf8');
    n.notify('Trade log', { file: { name: 'trades.txt', data: log } });
    await n.flush();
    const [m] = messages();
    expect(m!.files).toEqual([expect.objectContaining({ field: 'document', name: 'trades.txt', contentType: 'text/plain; charset=utf-8' })]);
    expect(bytesOf(m).equals(log)).toBe(true);
    expect(m!.text).toBe('Trade log');
  });

  it('a text longer than four messages: its first message, then the whole text as message.txt', async () => {
    const n = notifier();
    const text = Array.from({ length: 400 }, (_, i) => `${String(i).padStart(4, '0')} ${'y'.repeat(45)}`).join('\n');
    n.notify(text);
    await n.flush();
    const [first, file] = messages();
    expect(first!.text.length).toBeLessThanOrEqual(4096);
    expect(text.startsWith(first!.text.trimEnd())).toBe(true);
    expect(file!.files![0]).toMatchObject({ field: 'document', name: 'message.txt' });
    expect(bytesOf(file).toString('utf8')).toBe(text);
    expect(file!.text).toMatch(/attached as message\.txt/);
  });

  it('a photo Telegram refuses as a photo (dimensions) goes again as a document', async () => {
    fake.inject(
      { platform: 'telegram', method: 'sendPhoto' },
      { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: PHOTO_INVALID_DIMENSIONS' } },
    );
    expect(await send(channel(), part('wide chart', { file: png }))).toEqual({ kind: 'ok', ref: '1' });
    expect(messages()[0]!.files![0]!.field).toBe('document');
    expect(messages()[0]!.text).toBe('wide chart');
  });

  it('"can\'t parse entities" on a caption → the same caption again as plain text', async () => {
    const refusal = { ok: false, error_code: 400, description: 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0' };
    fake.inject({ platform: 'telegram', method: 'sendPhoto' }, { status: 400, body: refusal });
    expect(await send(channel(), part('a <x> & b', { file: png }))).toEqual({ kind: 'ok', ref: '1' });
    const [m] = messages();
    expect(m!.text).toBe('a <x> & b');
    expect(m).not.toHaveProperty('parseMode');
  });

  it('Apprise format=text: captions without parse_mode, edits too', async () => {
    const specs = parseAppriseTelegram(`tgram://${TOKEN}/${CHAT}?format=text`, env(), 'TEST');
    if (!Array.isArray(specs)) throw new Error(specs.message);
    const c = telegramDriver.create(specs[0]!, { http: httpClient });
    expect(await send(c, part('a & b', { file: png }))).toEqual({ kind: 'ok', ref: '1' });
    expect(await send(c, part('plain <b>'))).toEqual({ kind: 'ok', ref: '2' });
    expect(await send(c, part('plain <i>', { edit: '2' }))).toEqual({ kind: 'ok', ref: '2' });
    expect(messages().map((m) => [m.text, m.parseMode, m.edits])).toEqual([
      ['a & b', undefined, undefined],
      ['plain <b>', undefined, undefined],
      ['plain <i>', undefined, '2'],
    ]);
  });
});

describe('Telegram live messages', () => {
  it('three updates of one key: one new message, two edits of its id, and the alert as a reply to it', async () => {
    const n = notifier();
    const seen = outcomes(n);
    // One state at a time, as fills come (states already waiting together would be one edit).
    n.notify('BTC/USDT buy 1 @ 50 000: open', { live: { key: 'order:1' } });
    await n.flush();
    n.notify('BTC/USDT buy 1 @ 50 000: 0.4 filled', { live: { key: 'order:1' } });
    await n.flush();
    n.notify('BTC/USDT buy 1 @ 50 000: filled', { live: { key: 'order:1', alert: '✅ Filled: BTC/USDT buy 1 @ 50 000' } });
    await n.flush();
    expect(messages().map((m) => ({ id: m.id, edits: m.edits, replyTo: m.replyTo, text: m.text }))).toEqual([
      { id: '1', edits: undefined, replyTo: undefined, text: 'BTC/USDT buy 1 @ 50 000: open' },
      { id: '1', edits: '1', replyTo: undefined, text: 'BTC/USDT buy 1 @ 50 000: 0.4 filled' },
      { id: '1', edits: '1', replyTo: undefined, text: 'BTC/USDT buy 1 @ 50 000: filled' },
      { id: '2', edits: undefined, replyTo: '1', text: '✅ Filled: BTC/USDT buy 1 @ 50 000' },
    ]);
    expect(messages()[1]!.body).toEqual({
      chat_id: CHAT,
      message_id: 1,
      text: 'BTC/USDT buy 1 @ 50 000: 0.4 filled',
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
    });
    expect(messages()[3]!.body).toMatchObject({ reply_parameters: { message_id: 1, allow_sending_without_reply: true } });
    expect(seen).toEqual({ delivered: 3, failed: [] });
    expect(refusals()).toEqual([]);
  });

  it('a deleted message: the next update arrives as a new message, and later updates edit the new one', async () => {
    const n = notifier();
    const seen = outcomes(n);
    n.notify('order 7: open', { live: { key: 'order:7' } });
    await n.flush();
    fake.deleteMessage('telegram', CHAT, '1');
    n.notify('order 7: partly filled', { live: { key: 'order:7' } });
    await n.flush();
    n.notify('order 7: filled', { live: { key: 'order:7' } });
    await n.flush();
    expect(messages().map((m) => [m.id, m.edits, m.text])).toEqual([
      ['1', undefined, 'order 7: open'],
      ['2', undefined, 'order 7: partly filled'],
      ['2', '2', 'order 7: filled'],
    ]);
    expect(refusals()).toEqual(['400 Bad Request: message to edit not found']);
    expect(seen).toEqual({ delivered: 3, failed: [] });
  });

  it('an update that changes nothing ("message is not modified") counts as delivered', async () => {
    const n = notifier();
    const seen = outcomes(n);
    n.notify('position: flat', { live: { key: 'position' } });
    await n.flush();
    n.notify('position: flat', { live: { key: 'position' } });
    await n.flush();
    expect(messages()).toHaveLength(1);
    expect(refusals()).toEqual([expect.stringMatching(/^400 Bad Request: message is not modified/)]);
    expect(seen).toEqual({ delivered: 2, failed: [] });
  });

  it('"can\'t parse entities" on an edit → the same edit again as plain text', async () => {
    const n = notifier();
    n.notify('PnL <today>: +1 %', { live: { key: 'pnl' } });
    await n.flush();
    const refusal = { ok: false, error_code: 400, description: 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0' };
    fake.inject({ platform: 'telegram', method: 'editMessageText' }, { status: 400, body: refusal });
    n.notify('PnL <today>: +2 % & rising', { live: { key: 'pnl' } });
    await n.flush();
    const edit = messages()[1]!;
    expect(edit).toMatchObject({ edits: '1', text: 'PnL <today>: +2 % & rising' });
    expect(edit).not.toHaveProperty('parseMode');
    expect(edit.body).not.toHaveProperty('parse_mode');
  });

  it('the alert of a deleted message in a forum topic (no reply without it there) goes as a plain message', async () => {
    fake.setTelegramForum(CHAT, [5]);
    const outcome = await send(channel({ GENERAL_TELEGRAM_BOT_TOPIC_ID: '5' }), part('✅ Filled', { replyTo: '9' }));
    expect(outcome).toEqual({ kind: 'ok', ref: '1' });
    expect(refusals()).toEqual(['400 Bad Request: message to be replied not found']);
    expect(messages()[0]!.body).not.toHaveProperty('reply_parameters');
    expect(messages()[0]).toMatchObject({ thread: '5', text: '✅ Filled' });
  });

  it("classifies edit answers: gone or not this bot's → uneditable; 429, 403 and migration as for sends", async () => {
    const c = channel();
    expect(await send(c, part('v1'))).toEqual({ kind: 'ok', ref: '1' });
    const answer = (status: number, description: string, parameters?: object) =>
      fake.inject(
        { platform: 'telegram', method: 'editMessageText' },
        { status, body: { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) } },
      );
    for (const description of ["Bad Request: message can't be edited", 'Bad Request: MESSAGE_ID_INVALID', 'Bad Request: message to edit not found']) {
      answer(400, description);
      expect(await send(c, part('v2', { edit: '1' }))).toEqual({ kind: 'uneditable', reason: description });
    }
    expect(await send(c, part('v2', { edit: 'not-a-number' }))).toMatchObject({ kind: 'uneditable' });
    answer(429, 'Too Many Requests: retry after 7', { retry_after: 7 });
    expect(await send(c, part('v2', { edit: '1' }))).toMatchObject({ kind: 'retry-after', delayMs: 7000 });
    answer(403, 'Forbidden: bot was kicked from the supergroup chat');
    expect(await send(c, part('v2', { edit: '1' }))).toMatchObject({ kind: 'dead' });
    answer(400, 'Bad Request: group chat was upgraded to a supergroup chat', { migrate_to_chat_id: -1009876543210 });
    expect(await send(c, part('v2', { edit: '1' }))).toMatchObject({ kind: 'moved' });
    expect(messages().map((m) => m.text)).toEqual(['v1']);
  });
});
