/**
 * The fake Slack Web API's edits, replies and uploads on the wire: chat.update (only the poster's
 * own messages, by channel id), deleted messages, thread replies recorded with `replyTo`, and the
 * upload flow (files.getUploadURLExternal → the upload URL on the fake → files.completeUploadExternal).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';

const BOT = 'xoxb-1111111111-2222222222-abcdefghijklmnopqrstuvwx';
const OTHER = 'xoxb-1111111111-3333333333-zyxwvutsrqponmlkjihgfedc';
const T0 = 1_700_000_000_000;
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 3, 255]);

let now = T0;
let fake: FakePlatformServer;

beforeEach(async () => {
  now = T0;
  fake = await FakePlatformServer.start({ clock: () => now });
  fake.addSlackChannel({ id: 'C0GENERAL1', name: 'general' });
  fake.addSlackChannel({ id: 'C0ALERTS01', name: 'alerts' });
  fake.addSlackChannel({ id: 'C0OUTSIDE1', name: 'outside', isMember: false });
});

afterEach(async () => {
  await fake.close();
});

type Body = Record<string, any>;

/** A Web API call: JSON with a Bearer header, or a form (what Slack's SDKs send for files.*). */
async function api(method: string, params: Record<string, unknown>, { token = BOT, form = false } = {}): Promise<Body> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  let body: string;
  if (form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString();
  } else {
    headers['content-type'] = 'application/json; charset=utf-8';
    body = JSON.stringify(params);
  }
  const res = await fetch(`${fake.slackApiBaseUrl}/${method}`, { method: 'POST', headers, body });
  return (await res.json()) as Body;
}

async function postTs(channel: string, text: string, token = BOT): Promise<string> {
  const res = await api('chat.postMessage', { channel, text }, { token });
  expect(res.ok).toBe(true);
  return res.ts as string;
}

/** The three upload steps; `bytes` goes raw unless `multipart`. Returns the completion's answer. */
async function upload(
  complete: Record<string, unknown>,
  { bytes = PNG, name = 'equity.png', multipart = false, token = BOT } = {},
): Promise<{ ticket: Body; put: Response; done: Body }> {
  const ticket = await api('files.getUploadURLExternal', { filename: name, length: String(bytes.length) }, { form: true, token });
  expect(ticket.ok).toBe(true);
  let put: Response;
  if (multipart) {
    const form = new FormData();
    form.append('filename', new Blob([bytes], { type: 'image/png' }), name);
    put = await fetch(ticket.upload_url as string, { method: 'POST', body: form });
  } else {
    put = await fetch(ticket.upload_url as string, { method: 'POST', headers: { 'content-type': 'image/png' }, body: bytes });
  }
  const done = await api('files.completeUploadExternal', { files: [{ id: ticket.file_id, title: name }], ...complete }, { form: true, token });
  return { ticket, put, done };
}

describe('fake Slack chat.update', () => {
  it('edits a message this token posted, by channel id and ts, and records it as an edit with the same id', async () => {
    const ts = await postTs('general', 'v1');
    const res = await api('chat.update', { channel: 'C0GENERAL1', ts, text: 'v2', blocks: [] });
    expect(res).toMatchObject({ ok: true, channel: 'C0GENERAL1', ts, text: 'v2', message: { text: 'v2', ts } });
    expect(fake.messages.map((m) => [m.text, m.id, m.edits])).toEqual([
      ['v1', ts, undefined],
      ['v2', ts, ts],
    ]);
    expect(fake.messages[1]!.body).toMatchObject({ channel: 'C0GENERAL1', ts, blocks: [] });
  });

  it("refuses another token's message (cant_update_message), an unknown or deleted one (message_not_found), and a channel name", async () => {
    const mine = await postTs('general', 'mine');
    const theirs = await postTs('general', 'theirs', OTHER);
    // A second apart each, so the channel's rate limit stays out of the way.
    const update = (params: Record<string, unknown>) => {
      now += 1000;
      return api('chat.update', params);
    };
    expect(await update({ channel: 'C0GENERAL1', ts: theirs, text: 'x' })).toEqual({ ok: false, error: 'cant_update_message' });
    expect(await update({ channel: 'C0GENERAL1', ts: '1600000000.000001', text: 'x' })).toEqual({ ok: false, error: 'message_not_found' });
    // The message is in #general, not in #alerts.
    expect(await update({ channel: 'C0ALERTS01', ts: mine, text: 'x' })).toEqual({ ok: false, error: 'message_not_found' });
    expect(await update({ channel: 'general', ts: mine, text: 'x' })).toEqual({ ok: false, error: 'channel_not_found' });
    fake.deleteMessage('slack', 'C0GENERAL1', mine, 'bot');
    expect(await update({ channel: 'C0GENERAL1', ts: mine, text: 'x' })).toEqual({ ok: false, error: 'message_not_found' });
    now += 1000;
    expect(await api('chat.postMessage', { channel: 'general', text: 'x', thread_ts: mine })).toEqual({ ok: false, error: 'thread_not_found' });
    expect(fake.messages.map((m) => m.text)).toEqual(['mine', 'theirs']);
  });

  it('checks the new content like a post (no_text, invalid_blocks) and needs chat:write', async () => {
    const ts = await postTs('general', 'v1');
    expect(await api('chat.update', { channel: 'C0GENERAL1', ts, text: ' ', blocks: [] })).toEqual({ ok: false, error: 'no_text' });
    expect(await api('chat.update', { channel: 'C0GENERAL1', ts, text: 'x', blocks: [{ type: 'nope' }] })).toEqual({ ok: false, error: 'invalid_blocks' });
    fake.setSlackScopes(BOT, ['files:write']);
    expect(await api('chat.update', { channel: 'C0GENERAL1', ts, text: 'x' })).toMatchObject({ ok: false, error: 'missing_scope', needed: 'chat:write' });
  });

  it('charges edits to the same per-channel bucket as posts', async () => {
    const ts = await postTs('general', 'v1');
    expect((await api('chat.update', { channel: 'C0GENERAL1', ts, text: 'v2' })).ok).toBe(true);
    expect((await api('chat.update', { channel: 'C0GENERAL1', ts, text: 'v3' })).ok).toBe(true);
    const res = await fetch(`${fake.slackApiBaseUrl}/chat.update`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'C0GENERAL1', ts, text: 'v4' }),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(fake.rateLimited('slack', 'C0GENERAL1')).toBe(1);
  });

  it('records a thread reply with replyTo (and thread), broadcast or not', async () => {
    const ts = await postTs('general', 'parent');
    expect((await api('chat.postMessage', { channel: 'general', text: 'alert', thread_ts: ts, reply_broadcast: true })).ok).toBe(true);
    expect(fake.messages[1]).toMatchObject({ text: 'alert', replyTo: ts, thread: ts, body: { reply_broadcast: true } });
    expect(fake.messages[1]!.id).not.toBe(ts);
  });
});

describe('fake Slack uploads', () => {
  it('raw bytes: the upload URL is on the fake, answers OK - <size>, and the completion shares the file with its comment', async () => {
    const { ticket, put, done } = await upload({ channel_id: 'C0GENERAL1', initial_comment: 'Equity &amp; drawdown' });
    expect(ticket).toEqual({ ok: true, file_id: 'F0000000001', upload_url: `${fake.url}/api/upload/v1/F0000000001` });
    expect(put.status).toBe(200);
    expect(await put.text()).toBe(`OK - ${PNG.length}`);
    expect(done).toEqual({ ok: true, files: [{ id: 'F0000000001', title: 'equity.png' }] });
    expect(fake.messages).toHaveLength(1);
    const m = fake.messages[0]!;
    expect(m).toMatchObject({ platform: 'slack', via: 'bot', destination: 'C0GENERAL1', text: 'Equity &amp; drawdown' });
    expect(m.id).toMatch(/^\d+\.\d{6}$/);
    expect(m.files).toEqual([{ field: 'equity.png', name: 'equity.png', contentType: 'image/png', size: PNG.length, base64: PNG.toString('base64') }]);
  });

  it('multipart bytes arrive the same; thread_ts makes the share a reply', async () => {
    const ts = await postTs('general', 'parent');
    const { put, done } = await upload({ channel_id: 'C0GENERAL1', thread_ts: ts }, { multipart: true });
    expect(put.status).toBe(200);
    expect(done.ok).toBe(true);
    const share = fake.messages[1]!;
    expect(Buffer.from(share.files![0]!.base64, 'base64').equals(PNG)).toBe(true);
    expect(share).toMatchObject({ text: '', replyTo: ts, thread: ts });
  });

  it('without a channel the file stays private: no message', async () => {
    expect((await upload({})).done.ok).toBe(true);
    expect(fake.messages).toEqual([]);
  });

  it('needs files:write for both methods', async () => {
    fake.setSlackScopes(BOT, ['chat:write']);
    const ticket = await api('files.getUploadURLExternal', { filename: 'a.png', length: '3' }, { form: true });
    expect(ticket).toEqual({ ok: false, error: 'missing_scope', needed: 'files:write', provided: 'chat:write' });
    const done = await api('files.completeUploadExternal', { files: [{ id: 'F1' }], channel_id: 'C0GENERAL1' }, { form: true });
    expect(done).toMatchObject({ ok: false, error: 'missing_scope', needed: 'files:write' });
  });

  it('refuses a JSON ticket request, a zero length, an unknown or not yet uploaded file, another token, a name, and a channel the bot is not in', async () => {
    expect(await api('files.getUploadURLExternal', { filename: 'a.png', length: 3 })).toEqual({ ok: false, error: 'invalid_arguments' });
    expect(await api('files.getUploadURLExternal', { filename: 'a.png', length: '0' }, { form: true })).toEqual({ ok: false, error: 'missing_argument' });
    expect(await api('files.completeUploadExternal', { files: [{ id: 'F9' }], channel_id: 'C0GENERAL1' }, { form: true })).toEqual({
      ok: false,
      error: 'file_not_found',
    });
    const ticket = await api('files.getUploadURLExternal', { filename: 'a.png', length: '3' }, { form: true });
    const complete = (params: Record<string, unknown>, token = BOT) =>
      api('files.completeUploadExternal', { files: [{ id: ticket.file_id }], ...params }, { form: true, token });
    expect(await complete({ channel_id: 'C0GENERAL1' })).toEqual({ ok: false, error: 'file_not_found' }); // no bytes yet
    await fetch(ticket.upload_url as string, { method: 'POST', body: 'abc' });
    expect(await complete({ channel_id: 'C0GENERAL1' }, OTHER)).toEqual({ ok: false, error: 'file_not_found' });
    expect(await complete({ channel_id: 'general' })).toEqual({ ok: false, error: 'channel_not_found' });
    expect(await complete({ channel_id: 'C0OUTSIDE1' })).toEqual({ ok: false, error: 'not_in_channel' });
    expect(await complete({ channel_id: 'C0GENERAL1', thread_ts: '1600000000.000001' })).toEqual({ ok: false, error: 'thread_not_found' });
    expect(fake.messages).toEqual([]);
    expect((await complete({ channel_id: 'C0GENERAL1' })).ok).toBe(true);
    // Completed once: the ticket is used up.
    expect(await complete({ channel_id: 'C0GENERAL1' })).toEqual({ ok: false, error: 'file_not_found' });
    const again = await fetch(ticket.upload_url as string, { method: 'POST', body: 'abc' });
    expect(again.status).toBe(404);
    expect(fake.messages.map((m) => m.files?.[0]?.size)).toEqual([3]);
  });

  it('a shared upload counts against the channel bucket like a post', async () => {
    await postTs('general', 'one');
    await postTs('general', 'two');
    expect((await upload({ channel_id: 'C0GENERAL1' })).done.ok).toBe(true);
    const ticket = await api('files.getUploadURLExternal', { filename: 'b.png', length: '1' }, { form: true });
    await fetch(ticket.upload_url as string, { method: 'POST', body: 'b' });
    const res = await fetch(`${fake.slackApiBaseUrl}/files.completeUploadExternal`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ files: JSON.stringify([{ id: ticket.file_id }]), channel_id: 'C0GENERAL1' }).toString(),
    });
    expect(res.status).toBe(429);
    now += 1000;
    expect((await upload({ channel_id: 'C0GENERAL1' })).done.ok).toBe(true);
  });

  it('faults can target the upload URL by the method name "upload"', async () => {
    fake.inject({ platform: 'slack', method: 'upload' }, { status: 500, body: 'boom' });
    const { put, done } = await upload({ channel_id: 'C0GENERAL1' });
    expect(put.status).toBe(500);
    expect(done).toEqual({ ok: false, error: 'file_not_found' });
  });

  it('reset() forgets pending uploads', async () => {
    const ticket = await api('files.getUploadURLExternal', { filename: 'a.png', length: '3' }, { form: true });
    fake.reset();
    fake.addSlackChannel({ id: 'C0GENERAL1', name: 'general' });
    expect((await fetch(ticket.upload_url as string, { method: 'POST', body: 'abc' })).status).toBe(404);
  });
});
