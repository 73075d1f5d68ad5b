import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';

const TOKEN = '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abc-012';
const OTHER_TOKEN = '654321:ZYXWVUTSRQPONMLKJIHGFEDCBA_abc-012';
const T0 = 1_700_000_000_000;
/** A 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const NOT_MODIFIED =
  'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';

let now = T0;
let fake: FakePlatformServer;

beforeEach(async () => {
  now = T0;
  fake = await FakePlatformServer.start({ clock: () => now });
});

afterEach(async () => {
  await fake.close();
});

interface TgAnswer {
  ok: boolean;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number };
  result?: any;
}

async function tg(method: string, params: unknown, token = TOKEN): Promise<{ status: number; body: TgAnswer }> {
  const res = await fetch(`${fake.telegramBaseUrl}/bot${token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: res.status, body: (await res.json()) as TgAnswer };
}

/** A multipart request, as an upload sends it (fetch writes the boundary). */
async function upload(method: string, fields: Record<string, string>, file?: { field: string; bytes: Buffer; name: string; type: string }) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  if (file) form.set(file.field, new Blob([file.bytes], { type: file.type }), file.name);
  const res = await fetch(`${fake.telegramBaseUrl}/bot${TOKEN}/${method}`, { method: 'POST', body: form });
  return { status: res.status, body: (await res.json()) as TgAnswer };
}

const photo = (bytes = PNG) => ({ field: 'photo', bytes, name: 'equity.png', type: 'image/png' });
const error = (status: number, description: string) => ({ status, body: { ok: false, error_code: status, description } });

describe('sendPhoto and sendDocument', () => {
  it('takes a multipart photo with a caption: the bytes, name and caption are recorded, the answer has the photo and the id', async () => {
    const sent = await upload('sendPhoto', { chat_id: '42', caption: '<b>Equity</b> &amp; more', parse_mode: 'HTML' }, photo());
    expect(sent.status).toBe(200);
    expect(sent.body.result).toMatchObject({ message_id: 1, chat: { id: 42 }, caption: 'Equity & more' });
    expect(sent.body.result.photo).toEqual([expect.objectContaining({ width: 1, height: 1, file_size: PNG.length })]);
    const [m] = fake.messagesFor('telegram', '42');
    expect(m).toMatchObject({ id: '1', text: '<b>Equity</b> &amp; more', parseMode: 'HTML', silent: false });
    expect(m!.files).toHaveLength(1);
    expect(m!.files![0]).toMatchObject({ field: 'photo', name: 'equity.png', contentType: 'image/png', size: PNG.length });
    expect(Buffer.from(m!.files![0]!.base64, 'base64').equals(PNG)).toBe(true);
  });

  it('takes a document, and a file id it gave out before in a JSON body', async () => {
    const txt = Buffer.from('line 1\nline 2\n', 'utf8');
    const sent = await upload(
      'sendDocument',
      { chat_id: '42', disable_notification: 'true' },
      { field: 'document', bytes: txt, name: 'message.txt', type: 'text/plain' },
    );
    expect(sent.status).toBe(200);
    expect(sent.body.result.document).toMatchObject({ file_name: 'message.txt', mime_type: 'text/plain', file_size: txt.length });
    expect(sent.body.result).not.toHaveProperty('caption');
    const again = await tg('sendDocument', { chat_id: 42, document: sent.body.result.document.file_id, caption: 'again' });
    expect(again.status).toBe(200);
    expect(again.body.result).toMatchObject({ message_id: 2, caption: 'again' });
    const [first, second] = fake.messagesFor('telegram', '42');
    expect(first).toMatchObject({ id: '1', silent: true, text: '' });
    expect(second!.files![0]!.name).toBe('message.txt');
    expect(await tg('sendDocument', { chat_id: 42, document: 'no-such-file' })).toEqual(error(400, 'Bad Request: wrong file identifier/HTTP URL specified'));
  });

  it('takes a photo named by attach://<field>', async () => {
    const sent = await upload('sendPhoto', { chat_id: '42', photo: 'attach://chart' }, { ...photo(), field: 'chart' });
    expect(sent.status).toBe(200);
    expect(fake.messagesFor('telegram', '42')[0]!.files![0]!.field).toBe('chart');
  });

  it('refuses a caption over 1024 characters after entity parsing, and takes 1024 with markup around them', async () => {
    const fits = `<b>${'é'.repeat(1024)}</b>`;
    expect((await upload('sendPhoto', { chat_id: '42', caption: fits, parse_mode: 'HTML' }, photo())).status).toBe(200);
    const long = await upload('sendPhoto', { chat_id: '42', caption: 'x'.repeat(1025) }, photo());
    expect(long).toEqual(error(400, 'Bad Request: message caption is too long'));
    expect(fake.messagesFor('telegram', '42')).toHaveLength(1);
  });

  it('refuses a photo over 10 MB, a file that is not a picture, an empty file and a request without one', async () => {
    const big = Buffer.concat([PNG, Buffer.alloc(10 * 1024 * 1024 + 1 - PNG.length)]);
    expect(await upload('sendPhoto', { chat_id: '42' }, photo(big))).toEqual(error(400, 'Bad Request: PHOTO_SAVE_FILE_INVALID'));
    expect(await upload('sendPhoto', { chat_id: '42' }, photo(Buffer.from('not a picture')))).toEqual(error(400, 'Bad Request: IMAGE_PROCESS_FAILED'));
    expect(await upload('sendPhoto', { chat_id: '42' }, photo(Buffer.alloc(0)))).toEqual(error(400, 'Bad Request: file must be non-empty'));
    expect(await upload('sendPhoto', { chat_id: '42', caption: 'x' })).toEqual(error(400, 'Bad Request: there is no photo in the request'));
    expect(await upload('sendDocument', { chat_id: '42' })).toEqual(error(400, 'Bad Request: there is no document in the request'));
    expect(fake.messages).toEqual([]);
  });

  it('answers the chat errors for uploads, and a fault matches the chat_id of a multipart body', async () => {
    fake.blockChat('99');
    expect(await upload('sendPhoto', { chat_id: '99' }, photo())).toEqual(error(403, 'Forbidden: bot was blocked by the user'));
    fake.inject(
      { platform: 'telegram', destination: '-100777', method: 'sendPhoto' },
      { status: 500, body: { ok: false, error_code: 500, description: 'Internal Server Error' } },
    );
    expect((await upload('sendPhoto', { chat_id: '-100777' }, photo())).status).toBe(500);
    expect((await upload('sendPhoto', { chat_id: '-100777' }, photo())).status).toBe(200);
  });
});

describe('message ids and replies', () => {
  it('numbers messages per chat, across sendMessage, sendPhoto and sendDocument, and records the id', async () => {
    expect((await tg('sendMessage', { chat_id: 42, text: 'a' })).body.result.message_id).toBe(1);
    expect((await upload('sendPhoto', { chat_id: '42' }, photo())).body.result.message_id).toBe(2);
    expect((await tg('sendMessage', { chat_id: 43, text: 'b' })).body.result.message_id).toBe(1);
    expect((await tg('sendMessage', { chat_id: 42, text: 'c' })).body.result.message_id).toBe(3);
    expect(fake.messages.map((m) => [m.destination, m.id])).toEqual([
      ['42', '1'],
      ['42', '2'],
      ['43', '1'],
      ['42', '3'],
    ]);
  });

  it('reply_parameters (JSON, or a JSON string in a form) → replyTo, and reply_to_message in the answer', async () => {
    await tg('sendMessage', { chat_id: 42, text: 'order placed' });
    const reply = await tg('sendMessage', { chat_id: 42, text: 'filled', reply_parameters: { message_id: 1 } });
    expect(reply.body.result).toMatchObject({ message_id: 2, reply_to_message: { message_id: 1 } });
    const form = await upload('sendPhoto', { chat_id: '42', reply_parameters: JSON.stringify({ message_id: 2 }) }, photo());
    expect(form.status).toBe(200);
    expect(fake.messagesFor('telegram', '42').map((m) => m.replyTo)).toEqual([undefined, '1', '2']);
  });

  it('a reply to a missing message: sent without it when allowed, else "message to be replied not found" (always in a forum topic)', async () => {
    const allowed = await tg('sendMessage', { chat_id: 42, text: 'x', reply_parameters: { message_id: 9, allow_sending_without_reply: true } });
    expect(allowed.status).toBe(200);
    expect(allowed.body.result).not.toHaveProperty('reply_to_message');
    expect(fake.messages[0]).not.toHaveProperty('replyTo');
    const refused = error(400, 'Bad Request: message to be replied not found');
    expect(await tg('sendMessage', { chat_id: 42, text: 'x', reply_parameters: { message_id: 9 } })).toEqual(refused);
    fake.setTelegramForum('-1001234567890', [5]);
    const inTopic = { chat_id: '-1001234567890', text: 'x', message_thread_id: 5, reply_parameters: { message_id: 9, allow_sending_without_reply: true } };
    expect(await tg('sendMessage', inTopic)).toEqual(refused);
  });
});

describe('editMessageText', () => {
  it('edits a message the bot sent: the answer has edit_date, the record has edits and id', async () => {
    await tg('sendMessage', { chat_id: 42, text: 'order: new' });
    now += 5000;
    const edited = await tg('editMessageText', { chat_id: 42, message_id: 1, text: '<b>order</b>: filled', parse_mode: 'HTML' });
    expect(edited.status).toBe(200);
    expect(edited.body.result).toMatchObject({ message_id: 1, text: 'order: filled', date: T0 / 1000, edit_date: T0 / 1000 + 5 });
    const [, edit] = fake.messagesFor('telegram', '42');
    expect(edit).toMatchObject({ id: '1', edits: '1', text: '<b>order</b>: filled', parseMode: 'HTML' });
    // The edit is no new message: the next one is number 2.
    expect((await tg('sendMessage', { chat_id: 42, text: 'next' })).body.result.message_id).toBe(2);
  });

  it('"message is not modified" for the same content; other markup around the same text is a change', async () => {
    await tg('sendMessage', { chat_id: 42, text: 'a &amp; b', parse_mode: 'HTML' });
    expect(await tg('editMessageText', { chat_id: 42, message_id: 1, text: 'a & b' })).toEqual(error(400, NOT_MODIFIED));
    expect((await tg('editMessageText', { chat_id: 42, message_id: 1, text: '<b>a &amp; b</b>', parse_mode: 'HTML' })).status).toBe(200);
    expect(await tg('editMessageText', { chat_id: 42, message_id: 1, text: '<b>a &amp; b</b>', parse_mode: 'HTML' })).toEqual(error(400, NOT_MODIFIED));
  });

  it('answers the real errors: not found, deleted, another bot, a photo, too long, bad markup, bad id', async () => {
    await tg('sendMessage', { chat_id: 42, text: 'mine' });
    await upload('sendPhoto', { chat_id: '42' }, photo());
    const notFound = error(400, 'Bad Request: message to edit not found');
    expect(await tg('editMessageText', { chat_id: 42, message_id: 7, text: 'x' })).toEqual(notFound);
    expect(await tg('editMessageText', { chat_id: 43, message_id: 1, text: 'x' })).toEqual(notFound);
    expect(await tg('editMessageText', { chat_id: 42, message_id: 1, text: 'x' }, OTHER_TOKEN)).toEqual(error(400, "Bad Request: message can't be edited"));
    expect(await tg('editMessageText', { chat_id: 42, message_id: 2, text: 'x' })).toEqual(error(400, 'Bad Request: there is no text in the message to edit'));
    expect(await tg('editMessageText', { chat_id: 42, message_id: 1, text: 'x'.repeat(4097) })).toEqual(error(400, 'Bad Request: MESSAGE_TOO_LONG'));
    expect((await tg('editMessageText', { chat_id: 42, message_id: 1, text: '<b>x', parse_mode: 'HTML' })).body.description).toMatch(
      /^Bad Request: can't parse entities: /,
    );
    expect(await tg('editMessageText', { chat_id: 42, message_id: 0, text: 'x' })).toEqual(error(400, 'Bad Request: MESSAGE_ID_INVALID'));
    expect(await tg('editMessageText', { chat_id: 42, text: 'x' })).toEqual(error(400, 'Bad Request: message identifier is not specified'));
    expect(await tg('editMessageText', { chat_id: 42, message_id: 1, text: ' ' })).toEqual(error(400, 'Bad Request: message text is empty'));
    fake.deleteMessage('telegram', '42', '1');
    expect(await tg('editMessageText', { chat_id: 42, message_id: 1, text: 'x' })).toEqual(notFound);
    expect(fake.messagesFor('telegram', '42')).toHaveLength(2);
  });

  it('edits and uploads count against the per-chat limit like sends; a refused edit costs nothing', async () => {
    await tg('sendMessage', { chat_id: 42, text: 'v1' });
    expect(await tg('editMessageText', { chat_id: 42, message_id: 9, text: 'x' })).toEqual(error(400, 'Bad Request: message to edit not found'));
    expect((await tg('editMessageText', { chat_id: 42, message_id: 1, text: 'v2' })).status).toBe(200);
    expect((await upload('sendPhoto', { chat_id: '42' }, photo())).status).toBe(200);
    // Burst of 3 per chat spent: the fourth request of any kind waits.
    const limited = await tg('editMessageText', { chat_id: 42, message_id: 1, text: 'v3' });
    expect(limited.status).toBe(429);
    expect(limited.body.parameters?.retry_after).toBe(1);
    expect((await upload('sendDocument', { chat_id: '42' }, { field: 'document', bytes: Buffer.from('x'), name: 'a.txt', type: 'text/plain' })).status).toBe(
      429,
    );
    now += 1000;
    expect((await tg('editMessageText', { chat_id: 42, message_id: 1, text: 'v3' })).status).toBe(200);
  });

  it('reset() forgets sent messages', async () => {
    await tg('sendMessage', { chat_id: 42, text: 'v1' });
    fake.reset();
    expect(await tg('editMessageText', { chat_id: 42, message_id: 1, text: 'v2' })).toEqual(error(400, 'Bad Request: message to edit not found'));
  });
});
