/**
 * Discord webhook and bot drivers on the wire (global fetch and the undici Agent against the fake
 * platform server on 127.0.0.1): file uploads, edits of sent messages, a deleted message, replies,
 * and what a 200 must carry now that webhooks ask for `?wait=true`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Attachment, Channel, OutgoingPart, SendOutcome } from '../../src/channels/channel.js';
import { discordBotDriver, discordBotSpec } from '../../src/channels/discord-bot.js';
import { discordDriver } from '../../src/channels/discord.js';
import { createHttpClient } from '../../src/channels/http.js';
import { isProblem } from '../../src/config/webhook-url.js';
import { createNotifier, type Notifier } from '../../src/index.js';
import { FakePlatformServer, type ReceivedMessage } from '../../src/sandbox/fake-platforms.js';

const WEBHOOK_ID = '1000000000000000001';
const THREAD_ID = '1500000000000000001';
const BOT_TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd';
const CHANNEL = '1300000000000000001';
/** A real 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const png: Attachment = { name: 'equity.png', contentType: 'image/png', base64: PNG.toString('base64') };

let server: FakePlatformServer;
const httpClient = createHttpClient();
const open: Notifier[] = [];

beforeAll(async () => {
  server = await FakePlatformServer.start();
});
afterAll(async () => {
  await server.close();
  await httpClient.close();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.close(1000)));
  server.reset();
});

function webhook(query = ''): Channel {
  const spec = discordDriver.webhook!.parse(new URL(`${server.discordWebhookUrl(WEBHOOK_ID)}${query}`), 'GENERAL_DISCORD_WEBHOOK');
  if (isProblem(spec)) throw new Error(spec.message);
  return discordDriver.create(spec, { http: httpClient });
}

function bot(): Channel {
  const account = discordBotDriver.bot!.account({ DISCORD_API_BASE_URL: server.discordApiBaseUrl }, BOT_TOKEN, 'DISCORD_BOT_TOKEN');
  if (!('driver' in account)) throw new Error(JSON.stringify(account));
  const spec = discordBotSpec(account, CHANNEL, 'DISCORD_DEFAULT_CHANNEL');
  if (!('driver' in spec)) throw new Error(spec.message);
  server.addDiscordChannel({ id: CHANNEL, name: 'general' });
  return discordBotDriver.create(spec, { http: httpClient });
}

const part = (text: string, extra: Partial<OutgoingPart> = {}): OutgoingPart => ({ text, level: 'info', silent: false, ...extra });
const send = (c: Channel, p: OutgoingPart): Promise<SendOutcome> => c.send(p, new AbortController().signal);
const refOf = (out: SendOutcome): string => (out.kind === 'ok' && out.ref !== undefined ? out.ref : `no ref in ${JSON.stringify(out)}`);

/** A notifier on the fake server with the given Discord destinations only. */
function notifier(env: Record<string, string>): Notifier {
  server.addDiscordChannel({ id: CHANNEL, name: 'general' });
  const n = createNotifier({ env: { DISCORD_API_BASE_URL: server.discordApiBaseUrl, ...env }, drainOnExit: false, console: () => {}, outbox: false });
  open.push(n);
  return n;
}
const WEBHOOK_ENV = (): Record<string, string> => ({ GENERAL_DISCORD_WEBHOOK: server.discordWebhookUrl(WEBHOOK_ID) });
const BOT_ENV = { DISCORD_BOT_TOKEN: BOT_TOKEN, DISCORD_DEFAULT_CHANNEL: CHANNEL };

/** What one message showed: its text, and for an edit the id it edited, for a reply the id it answered. */
const shown = (m: ReceivedMessage) => ({ text: m.text, id: m.id, edits: m.edits, replyTo: m.replyTo });

describe('Discord file uploads', () => {
  it('a webhook uploads a PNG as files[0] with its caption as content, and answers the message id', async () => {
    const c = webhook();
    expect(c.files).toEqual({ maxBytes: 10 * 1024 * 1024, captionMax: 2000, images: true });
    const out = await send(c, part('📈 Equity 24 h', { file: png }));
    const [m] = server.messagesFor('discord', WEBHOOK_ID);
    expect(refOf(out)).toBe(m!.id);
    expect(m!.text).toBe('📈 Equity 24 h');
    expect(m!.files).toEqual([{ field: 'files[0]', name: 'equity.png', contentType: 'image/png', size: PNG.length, base64: png.base64 }]);
    expect(m!.body).toEqual({ content: '📈 Equity 24 h', allowed_mentions: { parse: [] }, attachments: [{ id: 0, filename: 'equity.png' }] });
  });

  it('a bot uploads a PNG with its caption, keeping the nonce', async () => {
    const c = bot();
    const out = await send(c, part('📈 Equity 24 h', { file: png, key: 'run1.a.0' }));
    const [m] = server.messagesFor('discord', CHANNEL);
    expect(m!.via).toBe('bot');
    expect(refOf(out)).toBe(m!.id);
    expect(m!.text).toBe('📈 Equity 24 h');
    expect(Buffer.from(m!.files![0]!.base64, 'base64').equals(PNG)).toBe(true);
    expect(m!.files![0]).toMatchObject({ field: 'files[0]', name: 'equity.png', contentType: 'image/png' });
    expect(m!.body).toMatchObject({ nonce: 'run1.a.0', enforce_nonce: true, attachments: [{ id: 0, filename: 'equity.png' }] });
  });

  it('a notification with a file reaches a webhook through the notifier with its bytes and caption', async () => {
    const n = notifier(WEBHOOK_ENV());
    n.notify('Daily report', { file: { name: 'equity.png', data: PNG } });
    await n.flush(5000);
    const [m] = server.messagesFor('discord', WEBHOOK_ID);
    expect(m!.text).toBe('Daily report');
    expect(Buffer.from(m!.files![0]!.base64, 'base64').equals(PNG)).toBe(true);
  });
});

describe('Discord edits of sent messages', () => {
  it('a webhook edits its message with PATCH …/messages/{id}, in its thread', async () => {
    const c = webhook(`?thread_id=${THREAD_ID}`);
    const ref = refOf(await send(c, part('BTC/USDT buy 0.5: open')));
    const out = await send(c, part('BTC/USDT buy 0.5: filled', { edit: ref }));
    expect(out).toMatchObject({ kind: 'ok', ref });
    const [first, edit] = server.messagesFor('discord', WEBHOOK_ID);
    expect(first).toMatchObject({ text: 'BTC/USDT buy 0.5: open', thread: THREAD_ID, id: ref });
    expect(edit).toMatchObject({ text: 'BTC/USDT buy 0.5: filled', thread: THREAD_ID, id: ref, edits: ref });
    // Same rendering as a send, the other form cleared, no flags (an edit cannot carry SUPPRESS_NOTIFICATIONS).
    expect(edit!.body).toEqual({ content: 'BTC/USDT buy 0.5: filled', embeds: [], allowed_mentions: { parse: [] } });
  });

  it('a live order edits its webhook message through the notifier, then its bot message', async () => {
    for (const env of [WEBHOOK_ENV(), BOT_ENV]) {
      server.reset();
      const n = notifier(env);
      n.notify('order 1: open', { live: { key: 'order:1' } });
      await n.flush(5000);
      n.notify('order 1: partly filled', { live: { key: 'order:1' } });
      await n.flush(5000);
      const [first, edit] = server.messagesFor('discord').map(shown);
      expect(server.messagesFor('discord')).toHaveLength(2);
      expect(edit).toEqual({ text: 'order 1: partly filled', id: first!.id, edits: first!.id, replyTo: undefined });
    }
  });

  it('a bot edit is PATCH /channels/{id}/messages/{id} and answers ok with its ref', async () => {
    const c = bot();
    const ref = refOf(await send(c, part('open')));
    expect(await send(c, part('filled', { edit: ref }))).toMatchObject({ kind: 'ok', ref });
    expect(server.messagesFor('discord', CHANNEL).map(shown)).toEqual([
      { text: 'open', id: ref, edits: undefined, replyTo: undefined },
      { text: 'filled', id: ref, edits: ref, replyTo: undefined },
    ]);
  });

  it('an edit of a deleted message (10008) → uneditable, for a webhook and a bot', async () => {
    for (const [c, via, destination] of [
      [webhook(), 'webhook', WEBHOOK_ID],
      [bot(), 'bot', CHANNEL],
    ] as const) {
      const ref = refOf(await send(c, part('open')));
      server.deleteMessage('discord', destination, ref, via);
      const out = await send(c, part('filled', { edit: ref }));
      expect(out.kind).toBe('uneditable');
      expect(out.kind === 'uneditable' && out.reason).toMatch(/Unknown Message \(code 10008\)/);
    }
  });

  it('a ref that is not a Discord id → uneditable without a request', async () => {
    const requests = server.requests;
    expect((await send(webhook(), part('x', { edit: '../../channels' }))).kind).toBe('uneditable');
    expect((await send(bot(), part('x', { edit: 'C01:1700000000.1' }))).kind).toBe('uneditable');
    expect(server.requests).toBe(requests);
  });

  it("an edit's rate observation lowers the send bucket but never sets its size", async () => {
    const c = webhook();
    const ref = refOf(await send(c, part('open')));
    const out = await send(c, part('filled', { edit: ref }));
    expect(out.kind === 'ok' && out.rate).toEqual({ bucketKey: `discord:webhook:${WEBHOOK_ID}`, remaining: 3, resetAfterMs: expect.any(Number) });
  });

  it('edits count against the webhook window: the third request in a window of 2 is a 429', async () => {
    const tight = await FakePlatformServer.start({ limits: { discordPerWebhook: { limit: 2, windowMs: 60_000 } } });
    try {
      const spec = discordDriver.webhook!.parse(new URL(tight.discordWebhookUrl(WEBHOOK_ID)), 'GENERAL_DISCORD_WEBHOOK');
      if (isProblem(spec)) throw new Error(spec.message);
      const c = discordDriver.create(spec, { http: httpClient });
      const ref = refOf(await send(c, part('open')));
      expect((await send(c, part('filled', { edit: ref }))).kind).toBe('ok');
      expect((await send(c, part('closed', { edit: ref }))).kind).toBe('retry-after');
      expect(tight.rateLimited('discord', WEBHOOK_ID)).toBe(1);
    } finally {
      await tight.close();
    }
  });
});

describe('a live message whose message was deleted', () => {
  it('the update goes as a new message, and the next one edits that (webhook and bot)', async () => {
    for (const [env, via, destination] of [
      [WEBHOOK_ENV(), 'webhook', WEBHOOK_ID],
      [BOT_ENV, 'bot', CHANNEL],
    ] as const) {
      server.reset();
      const n = notifier(env);
      n.notify('order 1: open', { live: { key: 'order:1' } });
      await n.flush(5000);
      const firstId = server.messagesFor('discord')[0]!.id!;
      server.deleteMessage('discord', destination, firstId, via);
      n.notify('order 1: filled', { live: { key: 'order:1' } });
      await n.flush(5000);
      n.notify('order 1: closed', { live: { key: 'order:1' } });
      await n.flush(5000);
      const [, fresh, edit] = server.messagesFor('discord').map(shown);
      expect(server.messagesFor('discord')).toHaveLength(3);
      expect(fresh!.text).toBe('order 1: filled');
      expect(fresh!.edits).toBeUndefined();
      expect(fresh!.id).not.toBe(firstId);
      expect(edit).toEqual({ text: 'order 1: closed', id: fresh!.id, edits: fresh!.id, replyTo: undefined });
    }
  });
});

describe('the alert of a live update', () => {
  it('by bot: a reply with message_reference to the edited message', async () => {
    const n = notifier(BOT_ENV);
    n.notify('order 1: open', { live: { key: 'order:1' } });
    await n.flush(5000);
    n.notify('order 1: filled', { live: { key: 'order:1', alert: '✅ order 1 filled' } });
    await n.flush(5000);
    const [first, edit, reply] = server.messagesFor('discord', CHANNEL);
    expect(edit!.edits).toBe(first!.id);
    expect(reply).toMatchObject({ text: '✅ order 1 filled', replyTo: first!.id });
    expect((reply!.body as Record<string, unknown>)['message_reference']).toEqual({ message_id: first!.id, fail_if_not_exists: false });
  });

  it('by webhook: a plain new message (webhooks cannot reply)', async () => {
    const n = notifier(WEBHOOK_ENV());
    n.notify('order 1: open', { live: { key: 'order:1' } });
    await n.flush(5000);
    n.notify('order 1: filled', { live: { key: 'order:1', alert: '✅ order 1 filled' } });
    await n.flush(5000);
    const [first, edit, alert] = server.messagesFor('discord', WEBHOOK_ID);
    expect(edit!.edits).toBe(first!.id);
    expect(shown(alert!)).toEqual({ text: '✅ order 1 filled', id: expect.any(String), edits: undefined, replyTo: undefined });
    expect(alert!.body).not.toHaveProperty('message_reference');
  });

  it('a bot reply to a message deleted meanwhile goes as a plain message', async () => {
    const c = bot();
    const ref = refOf(await send(c, part('open')));
    server.deleteMessage('discord', CHANNEL, ref, 'bot');
    expect((await send(c, part('✅ filled', { replyTo: ref }))).kind).toBe('ok');
    const reply = server.messagesFor('discord', CHANNEL)[1]!;
    expect(reply.text).toBe('✅ filled');
    expect(reply.replyTo).toBeUndefined();
    expect((reply.body as Record<string, unknown>)['message_reference']).toEqual({ message_id: ref, fail_if_not_exists: false });
  });
});

describe('what a webhook 200 must carry with ?wait=true', () => {
  it('asks for wait=true (keeping thread_id), so the answer carries the message', async () => {
    const out = await send(webhook(`?thread_id=${THREAD_ID}`), part('hi'));
    const [m] = server.messagesFor('discord', WEBHOOK_ID);
    expect(out).toMatchObject({ kind: 'ok', ref: m!.id });
    expect(m!.thread).toBe(THREAD_ID);
  });

  it("a 200 with a page that is not Discord's (a captive portal) → transient, also for an edit", async () => {
    server.inject({ platform: 'discord', via: 'webhook' }, { status: 200, body: '<html>Sign in to the Wi-Fi</html>' }, 2);
    expect((await send(webhook(), part('hi'))).kind).toBe('transient');
    expect((await send(webhook(), part('hi', { edit: '1300000000000000009' }))).kind).toBe('transient');
  });

  it('a 200 with JSON that is not a message → transient', async () => {
    server.inject({ platform: 'discord', via: 'webhook' }, { status: 200, body: { status: 'ok' } });
    expect((await send(webhook(), part('hi'))).kind).toBe('transient');
  });

  it('a 204 (no body that could be a page) → delivered, without a ref', async () => {
    server.inject({ platform: 'discord', via: 'webhook' }, { status: 204 });
    expect(await send(webhook(), part('hi'))).toEqual({ kind: 'ok' });
  });
});
