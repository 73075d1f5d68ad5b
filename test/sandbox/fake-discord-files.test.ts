/**
 * The fake Discord webhook and bot API on the wire: `?wait=true` message objects, multipart
 * uploads (`payload_json` + `files[n]`) and their size limit, edits (PATCH) of sent messages and
 * of deleted or unknown ones, replies by `message_reference`, and edits in the same rate window.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';

const BOT_ID = '1234567890123456789';
const TOKEN = `${Buffer.from(BOT_ID).toString('base64url')}.GzRABc.abcdefghijklmnopqrstuvwxyz0123456789AB`;
const OTHER_TOKEN = `${Buffer.from('9876543210987654321').toString('base64url')}.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs`;
const GENERAL = '1300000000000000001';
const HOOK = '1000000000000000001';
const THREAD = '1500000000000000001';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const T0 = 1_700_000_000_000;

let now = T0;
let fake: FakePlatformServer;

beforeEach(async () => {
  now = T0;
  fake = await FakePlatformServer.start({ clock: () => now });
  fake.addDiscordChannel({ id: GENERAL, name: 'general' });
});
afterEach(async () => {
  await fake.close();
});

interface Answer {
  status: number;
  body: any;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** A request with a JSON body (or a multipart form) to a path of the fake. */
async function call(method: string, url: string, body: unknown, auth?: string): Promise<Answer> {
  const headers: Record<string, string> = auth ? { authorization: auth } : {};
  if (body instanceof FormData) return answer(await fetch(url, { method, headers, body }));
  return answer(await fetch(url, { method, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) }));
}

/** A Discord upload: `payload_json` and one file as `files[0]`. */
function upload(payload: Record<string, unknown> | undefined, bytes: Buffer = PNG, name = 'equity.png'): FormData {
  const form = new FormData();
  if (payload) form.append('payload_json', JSON.stringify(payload));
  form.append('files[0]', new Blob([bytes], { type: 'image/png' }), name);
  return form;
}

const hook = (query = '', suffix = ''): string => `${fake.discordWebhookUrl(HOOK, 'tok')}${suffix}${query}`;
const botUrl = (suffix = ''): string => `${fake.discordApiBaseUrl}/v10/channels/${GENERAL}/messages${suffix}`;
const asBot = (method: string, suffix: string, body: unknown, token = TOKEN): Promise<Answer> => call(method, botUrl(suffix), body, `Bot ${token}`);

describe('fake Discord webhook: wait=true and uploads', () => {
  it('wait=true answers 200 with the message object whose id is recorded; without it 204 (an id recorded too)', async () => {
    const res = await call('POST', hook('?wait=true'), { content: 'hello', embeds: [{ title: 't' }] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ content: 'hello', channel_id: '1200000000000000001', embeds: [{ title: 't' }], attachments: [], webhook_id: HOOK });
    expect(res.body.id).toMatch(/^\d{17,20}$/);
    const plain = await fetch(hook(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content: 'x' }) });
    expect(plain.status).toBe(204);
    const [first, second] = fake.messagesFor('discord', HOOK);
    expect(first!.id).toBe(res.body.id);
    expect(second!.id).toMatch(/^\d+$/);
    expect(second!.id).not.toBe(first!.id);
  });

  it('a multipart upload: text from payload_json, the file recorded with its bytes, attachments in the answer', async () => {
    const res = await call('POST', hook('?wait=true'), upload({ content: 'caption', attachments: [{ id: 0, filename: 'equity.png' }], flags: 4096 }));
    expect(res.status).toBe(200);
    expect(res.body.attachments).toEqual([
      expect.objectContaining({ id: expect.stringMatching(/^\d+$/), filename: 'equity.png', size: PNG.length, content_type: 'image/png' }),
    ]);
    const [m] = fake.messagesFor('discord', HOOK);
    expect(m).toMatchObject({ text: 'caption', silent: true, files: [{ field: 'files[0]', name: 'equity.png', contentType: 'image/png', size: PNG.length }] });
    expect(Buffer.from(m!.files![0]!.base64, 'base64').equals(PNG)).toBe(true);
  });

  it('a file alone is not an empty message; a form field content works without payload_json', async () => {
    expect((await call('POST', hook('?wait=true'), upload(undefined))).status).toBe(200);
    const form = upload(undefined);
    form.append('content', 'from a form field');
    expect((await call('POST', hook('?wait=true'), form)).body.content).toBe('from a form field');
    expect(fake.messagesFor('discord', HOOK).map((m) => m.text)).toEqual(['', 'from a form field']);
  });

  it('a file over 10 MiB → 413 Request entity too large (code 40005), nothing recorded', async () => {
    const res = await call('POST', hook('?wait=true'), upload({ content: 'big' }, Buffer.alloc(10 * 1024 * 1024 + 1)));
    expect(res).toEqual({ status: 413, body: { message: 'Request entity too large', code: 40005 } });
    expect(fake.messagesFor('discord')).toEqual([]);
  });

  it('a payload_json that is not JSON → 400 (50109)', async () => {
    const form = new FormData();
    form.append('payload_json', '{not json');
    expect(await call('POST', hook(), form)).toMatchObject({ status: 400, body: { code: 50109 } });
  });
});

describe('fake Discord webhook: Edit Webhook Message', () => {
  it('PATCH …/messages/{id} edits the message: 200 with it, recorded with edits and id', async () => {
    const sent = await call('POST', hook('?wait=true'), { content: 'open', embeds: [{ title: 'card' }] });
    now += 1000;
    const res = await call('PATCH', hook('', `/messages/${sent.body.id}`), { content: 'filled', embeds: [] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: sent.body.id, content: 'filled', embeds: [], edited_timestamp: new Date(T0 + 1000).toISOString() });
    const edit = fake.messagesFor('discord', HOOK)[1]!;
    expect(edit).toMatchObject({ text: 'filled', id: sent.body.id, edits: sent.body.id, silent: true });
  });

  it('content null clears it; what the edit leaves out stays; an edit leaving nothing → 50006', async () => {
    const sent = await call('POST', hook('?wait=true'), { content: 'open' });
    const url = hook('', `/messages/${sent.body.id}`);
    expect((await call('PATCH', url, { content: null, embeds: [{ title: 'now a card' }] })).body).toMatchObject({
      content: '',
      embeds: [{ title: 'now a card' }],
    });
    expect((await call('PATCH', url, { allowed_mentions: { parse: [] } })).body).toMatchObject({ content: '', embeds: [{ title: 'now a card' }] });
    expect(await call('PATCH', url, { embeds: [] })).toMatchObject({ status: 400, body: { code: 50006 } });
  });

  it('an unknown, deleted, or other-thread message → 404 Unknown Message (10008)', async () => {
    const unknown = { status: 404, body: { message: 'Unknown Message', code: 10008 } };
    expect(await call('PATCH', hook('', '/messages/1300000000000000042'), { content: 'x' })).toEqual(unknown);
    const inThread = await call('POST', hook(`?wait=true&thread_id=${THREAD}`), { content: 'in a thread' });
    expect(inThread.body.channel_id).toBe(THREAD);
    expect(await call('PATCH', hook('', `/messages/${inThread.body.id}`), { content: 'x' })).toEqual(unknown);
    expect((await call('PATCH', hook(`?thread_id=${THREAD}`, `/messages/${inThread.body.id}`), { content: 'edited' })).status).toBe(200);
    expect(fake.messagesFor('discord', HOOK)[1]).toMatchObject({ thread: THREAD, edits: inThread.body.id });
    now += 2000; // a new rate window
    fake.deleteMessage('discord', HOOK, inThread.body.id, 'webhook');
    expect(await call('PATCH', hook(`?thread_id=${THREAD}`, `/messages/${inThread.body.id}`), { content: 'x' })).toEqual(unknown);
    // A message of another webhook is not this one's.
    const other = await call('POST', `${fake.discordWebhookUrl('1000000000000000002', 'tok')}?wait=true`, { content: 'theirs' });
    expect(await call('PATCH', hook('', `/messages/${other.body.id}`), { content: 'x' })).toEqual(unknown);
  });

  it('edits count against the webhook window with sends (5 per 2 s)', async () => {
    const sent = await call('POST', hook('?wait=true'), { content: 'open' });
    for (let i = 0; i < 4; i++) expect((await call('PATCH', hook('', `/messages/${sent.body.id}`), { content: `v${i}` })).status).toBe(200);
    expect((await call('PATCH', hook('', `/messages/${sent.body.id}`), { content: 'v5' })).status).toBe(429);
    expect((await call('POST', hook(), { content: 'next' })).status).toBe(429);
    now += 2000;
    expect((await call('PATCH', hook('', `/messages/${sent.body.id}`), { content: 'later' })).status).toBe(200);
  });

  it('other methods on a message → 405', async () => {
    expect((await call('DELETE', hook('', '/messages/1300000000000000042'), {})).status).toBe(405);
  });
});

describe('fake Discord bot: uploads, edits, replies', () => {
  it('a multipart upload with payload_json: recorded with its file, the nonce kept', async () => {
    const res = await asBot('POST', '', upload({ content: 'chart', nonce: 'k1', enforce_nonce: true, attachments: [{ id: 0, filename: 'equity.png' }] }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ content: 'chart', nonce: 'k1', attachments: [expect.objectContaining({ filename: 'equity.png', size: PNG.length })] });
    const [m] = fake.messagesFor('discord', GENERAL);
    expect(m).toMatchObject({ via: 'bot', text: 'chart', id: res.body.id, files: [{ field: 'files[0]', name: 'equity.png' }] });
  });

  it('PATCH /channels/{id}/messages/{id} edits its own message; unknown or deleted → 10008; another author → 50005', async () => {
    const sent = await asBot('POST', '', { content: 'open' });
    const res = await asBot('PATCH', `/${sent.body.id}`, { content: 'filled', embeds: [] });
    expect(res).toMatchObject({ status: 200, body: { id: sent.body.id, content: 'filled', type: 0 } });
    expect(fake.messagesFor('discord', GENERAL)[1]).toMatchObject({ text: 'filled', id: sent.body.id, edits: sent.body.id });
    expect(await asBot('PATCH', `/${sent.body.id}`, { content: 'x' }, OTHER_TOKEN)).toEqual({
      status: 403,
      body: { message: 'Cannot edit a message authored by another user', code: 50005 },
    });
    fake.deleteMessage('discord', GENERAL, sent.body.id, 'bot');
    expect(await asBot('PATCH', `/${sent.body.id}`, { content: 'x' })).toEqual({ status: 404, body: { message: 'Unknown Message', code: 10008 } });
    expect(fake.messagesFor('discord', GENERAL)).toHaveLength(2);
  });

  it('a reply: message_reference → type 19 with the reference, recorded with replyTo', async () => {
    const sent = await asBot('POST', '', { content: 'open' });
    const res = await asBot('POST', '', { content: '✅ filled', message_reference: { message_id: sent.body.id, fail_if_not_exists: false } });
    expect(res.body).toMatchObject({ type: 19, message_reference: { message_id: sent.body.id, channel_id: GENERAL } });
    expect(fake.messagesFor('discord', GENERAL)[1]).toMatchObject({ text: '✅ filled', replyTo: sent.body.id });
  });

  it('a reply to a missing message: 400 by default, a plain message with fail_if_not_exists false', async () => {
    const missing = '1300000000000000042';
    const refused = await asBot('POST', '', { content: 'x', message_reference: { message_id: missing } });
    expect(refused).toMatchObject({ status: 400, body: { code: 50035, errors: { message_reference: { _errors: [{ code: 'REPLIES_UNKNOWN_MESSAGE' }] } } } });
    const plain = await asBot('POST', '', { content: 'y', message_reference: { message_id: missing, fail_if_not_exists: false } });
    expect(plain.body.type).toBe(0);
    expect(plain.body).not.toHaveProperty('message_reference');
    const [m] = fake.messagesFor('discord', GENERAL);
    expect(m!.text).toBe('y');
    expect(m!.replyTo).toBeUndefined();
  });

  it('edits count against the channel window with sends (5 per 5 s)', async () => {
    const sent = await asBot('POST', '', { content: 'open' });
    for (let i = 0; i < 4; i++) expect((await asBot('PATCH', `/${sent.body.id}`, { content: `v${i}` })).status).toBe(200);
    expect((await asBot('POST', '', { content: 'next' })).status).toBe(429);
  });
});
