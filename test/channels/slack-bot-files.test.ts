/**
 * The Slack bot driver's files, edits and replies on the real wire (global fetch + the undici
 * Agent) against the fake Slack Web API: the three-step upload, channel ids for names, chat.update,
 * broadcast thread replies, and what the notifier makes of them (long texts as message.txt, live
 * messages kept up to date).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Attachment, Channel, OutgoingPart, SendOutcome } from '../../src/channels/channel.js';
import { createHttpClient } from '../../src/channels/http.js';
import { createChannel } from '../../src/channels/registry.js';
import { slackBotDriver, slackBotSpec } from '../../src/channels/slack-bot.js';
import { slackBlocks } from '../../src/channels/slack-format.js';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';
import { createNotifier, type FailedEvent, type Notifier, type RateLimits } from '../../src/index.js';
import { fillCard } from '../fixtures/cards.js';

const TOKEN = 'xoxb-1111111111-2222222222222-AbCdEfGhIjKlMnOpQrStUvWx';
const OTHER = 'xoxb-9999999999-8888888888888-ZyXwVuTsRqPoNmLkJiHgFeDc';
const GENERAL = 'C0GENERAL01';
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3, 250]);
const png: Attachment = { name: 'equity.png', contentType: 'image/png', base64: PNG.toString('base64') };

/** No proactive waits: these tests are about what arrives, not pacing (the fake's limits are raised to match). */
const unlimited: RateLimits = { reserve: () => 0, observe: () => {}, block: () => {} };

let server: FakePlatformServer;
const http = createHttpClient();
const open: Notifier[] = [];

beforeAll(async () => {
  server = await FakePlatformServer.start({ limits: { slackPerChannel: { burst: 100, perSecond: 100 } } });
});
afterAll(async () => {
  await http.close();
  await server.close();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.close(1000)));
  server.reset();
});

function channels(): void {
  server.addSlackChannel({ id: GENERAL, name: 'general' });
  server.addSlackChannel({ id: 'C0ALERTS001', name: 'alerts' });
}

function channel(where = GENERAL, token = TOKEN): Channel {
  const account = slackBotDriver.bot!.account({ SLACK_API_BASE_URL: server.slackApiBaseUrl }, token, 'SLACK_BOT_TOKEN');
  if (!('driver' in account)) throw new Error(JSON.stringify(account));
  const spec = slackBotSpec(account, where, 'SLACK_DEFAULT_CHANNEL');
  if (!('driver' in spec)) throw new Error(spec.message);
  return createChannel(spec, { http });
}

const part = (text: string, extra: Partial<OutgoingPart> = {}): OutgoingPart => ({ text, level: 'info', silent: false, ...extra });
const send = (c: Channel, p: OutgoingPart): Promise<SendOutcome> => c.send(p, new AbortController().signal);
const bytesOf = (base64: string): Buffer => Buffer.from(base64, 'base64');

/** Sends and returns the ref of the message sent. */
async function sent(c: Channel, p: OutgoingPart): Promise<string> {
  const out = await send(c, p);
  if (out.kind !== 'ok' || out.ref === undefined) throw new Error(`expected ok with a ref, got ${JSON.stringify(out)}`);
  return out.ref;
}

function notifier(env: Record<string, string> = {}) {
  const failed: FailedEvent[] = [];
  const n = createNotifier({
    env: { SLACK_API_BASE_URL: server.slackApiBaseUrl, SLACK_BOT_TOKEN: TOKEN, SLACK_DEFAULT_CHANNEL: '#general', ...env },
    limits: unlimited,
    console: () => {},
    diagnostics: () => {},
    drainOnExit: false,
  });
  n.on('failed', (f) => failed.push(f));
  open.push(n);
  return { n, failed };
}

describe('Slack bot files', () => {
  it('declares files (50 MB, captions as long as messages, images inline) and edits', () => {
    const c = channel();
    expect(c.files).toEqual({ maxBytes: 50 * 1024 * 1024, captionMax: 3900, images: true });
    expect(c.edits).toBe(true);
  });

  it('a PNG takes three requests and arrives with its bytes and the escaped caption; no ref (Slack shares it after answering)', async () => {
    channels();
    const before = server.requests;
    expect(await send(channel(), part('Equity & drawdown <24h>', { file: png }))).toEqual({ kind: 'ok' });
    expect(server.requests - before).toBe(3);
    expect(server.messages).toHaveLength(1);
    const m = server.messages[0]!;
    expect(m).toMatchObject({ destination: GENERAL, via: 'bot', text: 'Equity &amp; drawdown &lt;24h&gt;' });
    expect(m.files).toHaveLength(1);
    expect(m.files![0]).toMatchObject({ name: 'equity.png', contentType: 'image/png', size: PNG.length });
    expect(bytesOf(m.files![0]!.base64).equals(PNG)).toBe(true);
    expect(m.body).toMatchObject({ channel_id: GENERAL, files: [{ title: 'equity.png' }] });
  });

  it('a channel written by name: its id is looked up once (conversations.list), then known', async () => {
    channels();
    const c = channel('#general');
    let before = server.requests;
    expect((await send(c, part('first', { file: png }))).kind).toBe('ok');
    expect(server.requests - before).toBe(4);
    before = server.requests;
    expect((await send(c, part('second', { file: png }))).kind).toBe('ok');
    expect(server.requests - before).toBe(3);
    expect(server.messages.map((m) => [m.destination, m.text])).toEqual([
      [GENERAL, 'first'],
      [GENERAL, 'second'],
    ]);
  });

  it('the id a message answer gave is used for the upload, without a lookup', async () => {
    channels();
    const c = channel('alerts');
    expect((await send(c, part('text first'))).kind).toBe('ok');
    const before = server.requests;
    expect((await send(c, part('then a chart', { file: png }))).kind).toBe('ok');
    expect(server.requests - before).toBe(3);
    expect(server.messages.map((m) => m.destination)).toEqual(['C0ALERTS001', 'C0ALERTS001']);
  });

  it('without files:write: rejected, the reason and fix name the scope and the token variable; text still goes', async () => {
    channels();
    server.setSlackScopes(TOKEN, ['chat:write', 'channels:read']);
    const out = await send(channel(), part('chart', { file: png }));
    expect(out.kind).toBe('rejected');
    if (out.kind !== 'rejected') return;
    expect(out.reason).toBe('Slack answered missing_scope: the bot token lacks the files:write scope, so equity.png was not sent');
    expect(out.fix).toContain('add files:write under api.slack.com/apps');
    expect(out.fix).toContain('reinstall the app');
    expect(out.fix).toContain('SLACK_BOT_TOKEN');
    expect(await send(channel(), part('text'))).toMatchObject({ kind: 'ok' });
    expect(server.messages.map((m) => m.text)).toEqual(['text']);
  });

  it('a channel name the token may not list (no channels:read): rejected, the fix says to write the id', async () => {
    channels();
    server.setSlackScopes(TOKEN, ['chat:write', 'files:write']);
    const out = await send(channel('#general'), part('chart', { file: png }));
    expect(out).toMatchObject({ kind: 'rejected', reason: expect.stringContaining('missing_scope channels:read') });
    expect(out.kind === 'rejected' && out.fix).toMatch(/write the channel's id \(C0123ABCD.*\) instead of its name in SLACK_DEFAULT_CHANNEL/);
    expect(server.messages).toEqual([]);
  });

  it('a name not among the listed channels: rejected (not dead: the list may not show every channel)', async () => {
    channels();
    const out = await send(channel('#nowhere'), part('chart', { file: png }));
    expect(out).toMatchObject({ kind: 'rejected', reason: '#nowhere is not among the channels the Slack bot can see, so a file cannot be shared there' });
  });

  it('a workspace that refuses uploads: rejected with an admin fix', async () => {
    channels();
    server.inject({ platform: 'slack', method: 'files.getUploadURLExternal' }, { status: 200, body: { ok: false, error: 'file_uploads_disabled' } });
    const out = await send(channel(), part('chart', { file: png }));
    expect(out).toMatchObject({ kind: 'rejected', reason: expect.stringContaining('file_uploads_disabled: the workspace does not allow file uploads') });
    expect(out.kind === 'rejected' && out.fix).toMatch(/workspace admin/);
  });

  it('the upload URL failing is transient; the retry asks for a new URL and delivers once', async () => {
    channels();
    server.inject({ platform: 'slack', method: 'upload' }, { status: 503, body: 'busy' });
    expect(await send(channel(), part('chart', { file: png }))).toEqual({ kind: 'transient', reason: "Slack's upload URL answered 503" });
    expect(await send(channel(), part('chart', { file: png }))).toEqual({ kind: 'ok' });
    expect(server.messages.map((m) => m.files?.[0]?.name)).toEqual(['equity.png']);
  });

  it('a dead token stops the bot on a file too (dead, scope group)', async () => {
    channels();
    server.revokeSlackToken(TOKEN);
    expect(await send(channel(), part('chart', { file: png }))).toMatchObject({ kind: 'dead', scope: 'group', reason: 'Slack answered token_revoked' });
  });

  it('the share listed in the completion answer becomes the ref', async () => {
    channels();
    const shares = { public: { [GENERAL]: [{ ts: '1700000000.000100', channel_name: 'general' }] } };
    server.inject(
      { platform: 'slack', method: 'files.completeUploadExternal' },
      { status: 200, body: { ok: true, files: [{ id: 'F1', title: 'x', shares }] } },
    );
    expect(await send(channel(), part('chart', { file: png }))).toEqual({ kind: 'ok', ref: `${GENERAL}:1700000000.000100` });
  });

  it('an empty file: Slack refuses zero bytes, so the words go as a message', async () => {
    channels();
    expect((await send(channel(), part('nothing attached', { file: { ...png, base64: '' } }))).kind).toBe('ok');
    expect(server.messages.map((m) => [m.text, m.files])).toEqual([['nothing attached', undefined]]);
  });

  it('a reply with a file goes into the message thread', async () => {
    channels();
    const c = channel();
    const ref = await sent(c, part('order'));
    expect((await send(c, part('fill chart', { file: png, replyTo: ref }))).kind).toBe('ok');
    const ts = ref.split(':')[1];
    expect(server.messages[1]).toMatchObject({ replyTo: ts, thread: ts, body: { thread_ts: ts } });
  });
});

describe('Slack bot edits and replies', () => {
  it('a message answers with its ref (channel id:ts), also when the channel is written by name', async () => {
    channels();
    const ref = await sent(channel('#general'), part('v1'));
    expect(ref).toMatch(/^C0GENERAL01:\d+\.\d{6}$/);
    expect(ref).toBe(`${GENERAL}:${server.messages[0]!.id}`);
  });

  it('edit → chat.update rendered like a send: cards as blocks, then text clears the blocks', async () => {
    channels();
    const c = channel('#general');
    const ref = await sent(c, part('🟡 PARTIAL & more'));
    const cards = [fillCard()];
    expect(await send(c, part('🟡 PARTIAL 0.6', { cards, edit: ref }))).toEqual({ kind: 'ok', ref });
    expect(await send(c, part('✅ FILLED <1 BTC>', { edit: ref }))).toEqual({ kind: 'ok', ref });
    const [, first, second] = server.messages;
    const ts = ref.split(':')[1]!;
    expect(first).toMatchObject({ edits: ts, id: ts, text: '🟡 PARTIAL 0.6', body: { channel: GENERAL, ts, blocks: slackBlocks(cards) } });
    expect(second).toMatchObject({ edits: ts, text: '✅ FILLED &lt;1 BTC&gt;', body: { blocks: [] } });
    expect(second!.body).not.toHaveProperty('thread_ts');
  });

  it.each([
    ['a deleted message', 'message_not_found'],
    ["another bot's message", 'cant_update_message'],
  ])('%s → uneditable (the lane then sends a new message)', async (_what, error) => {
    channels();
    const ref = await sent(channel(GENERAL, error === 'cant_update_message' ? OTHER : TOKEN), part('v1'));
    if (error === 'message_not_found') server.deleteMessage('slack', GENERAL, ref.split(':')[1]!, 'bot');
    expect(await send(channel(), part('v2', { edit: ref }))).toEqual({
      kind: 'uneditable',
      reason: `Slack answered ${error} for the message to update in ${GENERAL}`,
    });
  });

  it('edit_window_closed → uneditable; msg_too_long on an edit is about the content → rejected', async () => {
    channels();
    const ref = await sent(channel(), part('v1'));
    server.inject({ platform: 'slack', method: 'chat.update' }, { status: 200, body: { ok: false, error: 'edit_window_closed' } });
    expect((await send(channel(), part('v2', { edit: ref }))).kind).toBe('uneditable');
    server.inject({ platform: 'slack', method: 'chat.update' }, { status: 200, body: { ok: false, error: 'msg_too_long' } });
    expect(await send(channel(), part('v2', { edit: ref }))).toEqual({ kind: 'rejected', reason: 'Slack refused the message: msg_too_long' });
  });

  it('a ref this driver did not make → uneditable without a request', async () => {
    channels();
    const before = server.requests;
    expect((await send(channel(), part('v2', { edit: '12345' }))).kind).toBe('uneditable');
    expect(server.requests).toBe(before);
  });

  it('replyTo → a reply in the message thread, broadcast to the channel', async () => {
    channels();
    const c = channel('#general');
    const ref = await sent(c, part('order'));
    const reply = await send(c, part('✅ Filled', { replyTo: ref }));
    expect(reply).toMatchObject({ kind: 'ok', ref: expect.stringMatching(/^C0GENERAL01:/) });
    const ts = ref.split(':')[1];
    expect(server.messages[1]).toMatchObject({ text: '✅ Filled', replyTo: ts, body: { channel: 'general', thread_ts: ts, reply_broadcast: true } });
  });

  it('in a configured thread a reply stays in that thread, not broadcast', async () => {
    channels();
    const parent = (await sent(channel(), part('parent'))).split(':')[1]!;
    const c = channel(`${GENERAL}:${parent}`);
    const ref = await sent(c, part('in thread'));
    expect((await send(c, part('alert', { replyTo: ref }))).kind).toBe('ok');
    expect(server.messages[2]!.body).toMatchObject({ thread_ts: parent });
    expect(server.messages[2]!.body).not.toHaveProperty('reply_broadcast');
  });
});

describe('Slack bot through the notifier', () => {
  it('a PNG with its caption: one message carrying the bytes', async () => {
    channels();
    const { n, failed } = notifier();
    n.notify('📊 Equity 24 h', { file: { name: 'equity.png', data: new Uint8Array(PNG) } });
    await n.flush();
    expect(failed).toEqual([]);
    expect(server.messages).toHaveLength(1);
    expect(server.messages[0]).toMatchObject({ destination: GENERAL, text: '📊 Equity 24 h' });
    expect(server.messages[0]!.files!.map((f) => [f.name, f.contentType])).toEqual([['equity.png', 'image/png']]);
    expect(bytesOf(server.messages[0]!.files![0]!.base64).equals(PNG)).toBe(true);
  });

  it('a text of more than 4 parts arrives as its first part plus message.txt with the whole text', async () => {
    channels();
    const { n, failed } = notifier();
    const text = Array.from({ length: 30 }, (_, i) => `line ${i} ${'x'.repeat(700)}`).join('\n');
    n.notify(text);
    await n.flush();
    expect(failed).toEqual([]);
    expect(server.messages).toHaveLength(2);
    const [first, file] = server.messages;
    expect(first!.files).toBeUndefined();
    expect(first!.text.startsWith('line 0 ')).toBe(true);
    expect(text.startsWith(first!.text)).toBe(true);
    expect(first!.text.length).toBeLessThanOrEqual(3900);
    expect(file!.text).toMatch(/^📎 The whole message \(6 parts, .*\) is attached as message\.txt\.$/);
    expect(file!.files!.map((f) => f.name)).toEqual(['message.txt']);
    expect(bytesOf(file!.files![0]!.base64).toString('utf8')).toBe(text);
  });

  it('a live message: new, edited twice with chat.update, and the alert a broadcast reply in its thread', async () => {
    channels();
    const { n, failed } = notifier();
    // One state at a time, as fills come (states already waiting together would be one edit).
    n.notify('🟡 PARTIAL 0.3 of 1 BTC', { live: { key: 'order:1' } });
    await n.flush();
    n.notify('🟡 PARTIAL 0.6 of 1 BTC', { live: { key: 'order:1' } });
    await n.flush();
    n.notify('✅ FILLED 1 BTC', { live: { key: 'order:1', alert: '✅ Filled BUY 1 BTC/USDT' } });
    await n.flush();
    expect(failed).toEqual([]);
    const ts = server.messages[0]!.id!;
    expect(server.messages.map((m) => [m.text, m.edits, m.replyTo])).toEqual([
      ['🟡 PARTIAL 0.3 of 1 BTC', undefined, undefined],
      ['🟡 PARTIAL 0.6 of 1 BTC', ts, undefined],
      ['✅ FILLED 1 BTC', ts, undefined],
      ['✅ Filled BUY 1 BTC/USDT', undefined, ts],
    ]);
    expect(server.messages[3]!.body).toMatchObject({ reply_broadcast: true, thread_ts: ts });
  });

  it('a deleted live message: the next update is a new message, and later ones edit that one', async () => {
    channels();
    const { n, failed } = notifier();
    n.notify('v1', { live: { key: 'order:2' } });
    await n.flush();
    server.deleteMessage('slack', GENERAL, server.messages[0]!.id!, 'bot');
    n.notify('v2', { live: { key: 'order:2', alert: 'filled' } });
    await n.flush();
    n.notify('v3', { live: { key: 'order:2' } });
    await n.flush();
    expect(failed).toEqual([]);
    const [first, second, third] = server.messages;
    expect(server.messages).toHaveLength(3);
    expect(second).toMatchObject({ text: 'v2' });
    expect(second!.edits).toBeUndefined();
    expect(second!.id).not.toBe(first!.id);
    expect(third).toMatchObject({ text: 'v3', edits: second!.id });
  });

  it('missing files:write: the failed event names the scope; text notifications still arrive', async () => {
    channels();
    server.setSlackScopes(TOKEN, ['chat:write', 'channels:read']);
    const { n, failed } = notifier();
    n.notify('📊 Equity', { file: { name: 'equity.png', data: new Uint8Array(PNG) } });
    n.notify('still here');
    await n.flush();
    expect(failed).toEqual([
      expect.objectContaining({
        cause: 'rejected',
        reason: expect.stringContaining('lacks the files:write scope'),
        fix: expect.stringContaining('add files:write'),
      }),
    ]);
    expect(server.messages.map((m) => m.text)).toEqual(['still here']);
  });
});
