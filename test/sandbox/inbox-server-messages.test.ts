/**
 * The inbox server's part in files, edits, replies and commands (src/sandbox/inbox/server.ts):
 * the events it builds from the fake's messages (ids, edits, replies, files with an inline
 * image, a download path and a text preview), the download route, and POST /inbox/command,
 * which hands the Telegram bots a realistic update. Messages with files are emitted on the
 * fake by hand (the event the fake emits for an upload); commands go through the real fake.
 */
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { FakePlatformServer, type ReceivedFile, type ReceivedMessage, type ServerEvent } from '../../src/sandbox/fake-platforms.js';
import { renderers as R, toHtml } from '../../src/sandbox/inbox/render.js';
import { COMMAND_MAX_BODY_BYTES, INLINE_IMAGE_MAX_BYTES, Inbox, type InboxEvent } from '../../src/sandbox/inbox/server.js';
import { SANDBOX_IDS } from '../../src/sandbox/sandbox-env.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function sandboxFor(): Promise<Sandbox> {
  const s = await startSandbox({ port: 0 });
  cleanups.push(() => s.close());
  return s;
}

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

const file = (name: string, contentType: string, bytes: Buffer, field = 'document'): ReceivedFile => ({
  field,
  name,
  contentType,
  size: bytes.length,
  base64: bytes.toString('base64'),
});

let seq = 0;
/** The event the fake emits for an accepted message. */
function accepted(fields: Partial<ReceivedMessage>): ServerEvent {
  const message: ReceivedMessage = {
    seq: ++seq,
    platform: 'telegram',
    destination: '111',
    via: 'bot',
    text: '',
    silent: false,
    body: {},
    at: Date.now(),
    ...fields,
  };
  return { kind: 'message', platform: message.platform, destination: message.destination, via: 'bot', status: 200, message, at: message.at };
}

/** A request with headers fetch will not send as given (Host, Origin…). */
function raw(url: string, method: string, headers: Record<string, string>, body?: string | Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** POST /inbox/command as the page sends it (same origin, JSON). */
function command(s: Sandbox, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return raw(
    `${s.url}/inbox/command`,
    'POST',
    { origin: s.url, 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', ...headers },
    JSON.stringify(body),
  );
}

/** A Bot API call of the GENERAL bot, straight to the fake. */
async function bot(s: Sandbox, method: string, body: unknown): Promise<Record<string, any>> {
  const res = await fetch(`${s.url}/bot${SANDBOX_IDS.generalBotToken}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Record<string, any>;
}

/** getUpdates of the GENERAL bot, straight to the fake (no long poll). */
async function updates(s: Sandbox): Promise<Record<string, any>[]> {
  const res = await fetch(`${s.url}/bot${SANDBOX_IDS.generalBotToken}/getUpdates`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ timeout: 0 }),
  });
  return ((await res.json()) as { result: Record<string, any>[] }).result;
}

describe('inbox events for messages with ids, edits, replies and files', () => {
  it('carry the ids, the files with a download path, the bytes of a small image only, and a text preview', async () => {
    const fake = await FakePlatformServer.start();
    cleanups.push(() => fake.close());
    const inbox = new Inbox(fake);
    cleanups.push(() => inbox.close());

    const small = file('chart.png', 'image/png', Buffer.from(PNG, 'base64'), 'photo');
    const big = file('big.png', 'image/png', Buffer.alloc(INLINE_IMAGE_MAX_BYTES + 1, 7), 'photo');
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1} · ünïcode`);
    const txt = file('message.txt', 'text/plain; charset=utf-8', Buffer.from(lines.join('\r\n')));
    const short = file('notes.TXT', 'application/octet-stream', Buffer.from('one\ntwo\n'));
    fake.emit('event', accepted({ id: '5', text: 'caption', files: [small, big, txt, short] }));
    fake.emit('event', accepted({ id: '5', edits: '5', text: 'edited' }));
    fake.emit('event', accepted({ id: '6', replyTo: '5', text: 'reply' }));

    const [withFiles, edit, reply] = inbox.events;
    const id = withFiles!.id;
    expect(withFiles).toMatchObject({ kind: 'message', messageId: '5', text: 'caption' });
    expect(withFiles).not.toHaveProperty('edits');
    expect(withFiles!.files).toEqual([
      { name: 'chart.png', contentType: 'image/png', size: small.size, url: `/inbox/files/${id}/0`, base64: PNG },
      { name: 'big.png', contentType: 'image/png', size: INLINE_IMAGE_MAX_BYTES + 1, url: `/inbox/files/${id}/1` },
      {
        name: 'message.txt',
        contentType: 'text/plain; charset=utf-8',
        size: txt.size,
        url: `/inbox/files/${id}/2`,
        preview: lines.slice(0, 12).join('\n'),
        previewCut: true,
      },
      { name: 'notes.TXT', contentType: 'application/octet-stream', size: 8, url: `/inbox/files/${id}/3`, preview: 'one\ntwo', previewCut: false },
    ]);
    expect(edit).toMatchObject({ messageId: '5', edits: '5', text: 'edited' });
    expect(edit).not.toHaveProperty('files');
    expect(reply).toMatchObject({ messageId: '6', replyTo: '5' });

    // Downloads: the exact bytes, always as an attachment the browser does not render.
    const got = await fetch(`${fake.url}/inbox/files/${id}/1`);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/octet-stream');
    expect(got.headers.get('content-disposition')).toBe(`attachment; filename="big.png"; filename*=UTF-8''big.png`);
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    expect(got.headers.get('content-security-policy')).toContain('sandbox');
    expect(Buffer.from(await got.arrayBuffer()).equals(Buffer.alloc(INLINE_IMAGE_MAX_BYTES + 1, 7))).toBe(true);
    expect((await fetch(`${fake.url}/inbox/files/${id}/9`)).status).toBe(404);
    expect((await fetch(`${fake.url}/inbox/files/${id + 100}/0`)).status).toBe(404);
    expect((await raw(`${fake.url}/inbox/files/${id}/0`, 'GET', { host: 'evil.example' })).status).toBe(403);
    expect((await fetch(`${fake.url}/inbox/files/${id}/0`, { method: 'POST', body: 'x' })).status).toBe(405);
  });

  it('name a hostile file safely in the download, and drop files with the events past the replay limit', async () => {
    const fake = await FakePlatformServer.start();
    cleanups.push(() => fake.close());
    const inbox = new Inbox(fake, { replayLimit: 2 });
    cleanups.push(() => inbox.close());
    const name = 'a"\r\nx-evil: 1; ü.txt';
    fake.emit('event', accepted({ id: '1', files: [file(name, 'text/html', Buffer.from('<script>alert(1)</script>'))] }));
    const first = inbox.events[0]!.id;
    const got = await fetch(`${fake.url}/inbox/files/${first}/0`);
    expect(got.headers.get('x-evil')).toBeNull();
    expect(got.headers.get('content-type')).toBe('application/octet-stream');
    expect(got.headers.get('content-disposition')).toBe(`attachment; filename="a___x-evil_ 1_ _.txt"; filename*=UTF-8''${encodeURIComponent(name)}`);
    fake.emit('event', accepted({ id: '2' }));
    fake.emit('event', accepted({ id: '3' }));
    expect(inbox.events.map((e) => e.messageId)).toEqual(['2', '3']);
    expect((await fetch(`${fake.url}/inbox/files/${first}/0`)).status).toBe(404);
  });
});

describe('through the real Slack fake', () => {
  /** A Slack Web API call with the sandbox bot token (JSON, or a form when `form` is set). */
  async function slack(s: Sandbox, method: string, values: Record<string, unknown>, form = false): Promise<Record<string, any>> {
    const res = await fetch(`${s.env.SLACK_API_BASE_URL}/${method}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${s.env.SLACK_BOT_TOKEN}`,
        'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json; charset=utf-8',
      },
      body: form ? new URLSearchParams(values as Record<string, string>).toString() : JSON.stringify(values),
    });
    return (await res.json()) as Record<string, any>;
  }

  it('Slack: an update edits the message, a thread reply quotes it, a shared upload shows its image with the comment', async () => {
    const s = await sandboxFor();
    const alerts = SANDBOX_IDS.slackChannels.alerts.id;
    const general = SANDBOX_IDS.slackChannels.general.id;
    const posted = await slack(s, 'chat.postMessage', { channel: alerts, text: '*SUBMITTED* BUY 0.5 BTC' });
    expect(posted.ok).toBe(true);
    expect((await slack(s, 'chat.update', { channel: alerts, ts: posted.ts, text: '*FILLED* BUY 0.5 BTC' })).ok).toBe(true);
    expect((await slack(s, 'chat.postMessage', { channel: alerts, thread_ts: posted.ts, text: 'filled at 64,210' })).ok).toBe(true);
    const bytes = Buffer.from(PNG, 'base64');
    const url = await slack(s, 'files.getUploadURLExternal', { filename: 'chart.png', length: String(bytes.length) }, true);
    expect((await fetch(url.upload_url as string, { method: 'POST', headers: { 'content-type': 'image/png' }, body: bytes })).status).toBe(200);
    const shared = await slack(s, 'files.completeUploadExternal', {
      files: [{ id: url.file_id, title: 'chart.png' }],
      channel_id: general,
      initial_comment: 'chart *4h*',
    });
    expect(shared.ok).toBe(true);

    const [original, edit, reply, upload] = s.inbox.events;
    expect(original).toMatchObject({ platform: 'slack', destination: alerts, messageId: posted.ts });
    expect(edit).toMatchObject({ destination: alerts, messageId: posted.ts, edits: posted.ts });
    expect(reply).toMatchObject({ destination: alerts, replyTo: posted.ts, thread: posted.ts });
    expect(upload!.files).toEqual([{ name: 'chart.png', contentType: 'image/png', size: bytes.length, url: `/inbox/files/${upload!.id}/0`, base64: PNG }]);

    // What the page makes of them: one message, edited once, the reply quoting its new text.
    const tl = R.timeline();
    const steps = s.inbox.events.map((ev) => tl.apply(ev));
    expect(steps.map((x) => x.op)).toEqual(['new', 'edit', 'new', 'new']);
    const parts = R.parts(steps[1]!.entry, tl);
    expect(parts.edited).toBe('edited ×1');
    expect(toHtml(parts.content)).toBe('<div class="body"><b>FILLED</b> BUY 0.5 BTC</div>');
    expect(toHtml(R.parts(steps[2]!.entry, tl).quote!.c)).toBe('<span class="quote-name">Herald</span><span class="quote-text">FILLED BUY 0.5 BTC</span>');
    expect(toHtml(R.content(steps[3]!.entry.current))).toBe(
      `<div class="files"><div class="file file-image"><img src="data:image/png;base64,${PNG}" alt="chart.png"></div></div><div class="body">chart <b>4h</b></div>`,
    );
  });
});

describe('through the real Discord fake', () => {
  it('an upload shows its image with the content, a PATCH edits it and keeps the image, a reply quotes it', async () => {
    const s = await sandboxFor();
    const channel = s.env.DISCORD_DEFAULT_CHANNEL;
    const api = `${s.env.DISCORD_API_BASE_URL}/v10/channels/${channel}/messages`;
    const auth = { authorization: `Bot ${s.env.DISCORD_BOT_TOKEN}` };
    const form = new FormData();
    form.set('payload_json', JSON.stringify({ content: '**BTC** 4h', attachments: [{ id: 0, filename: 'chart.png' }] }));
    form.set('files[0]', new Blob([Buffer.from(PNG, 'base64')], { type: 'image/png' }), 'chart.png');
    const created = await fetch(api, { method: 'POST', headers: auth, body: form });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };
    const json = { ...auth, 'content-type': 'application/json' };
    expect((await fetch(`${api}/${id}`, { method: 'PATCH', headers: json, body: JSON.stringify({ content: '**BTC** 4h, closed above' }) })).status).toBe(200);
    const reply = await fetch(api, { method: 'POST', headers: json, body: JSON.stringify({ content: 'noted', message_reference: { message_id: id } }) });
    expect(reply.status).toBe(200);

    const [upload, edit, answer] = s.inbox.events;
    expect(upload).toMatchObject({ platform: 'discord', via: 'bot', destination: channel, messageId: id, files: [{ name: 'chart.png', base64: PNG }] });
    expect(edit).toMatchObject({ messageId: id, edits: id, text: '**BTC** 4h, closed above' });
    expect(answer).toMatchObject({ replyTo: id });

    const tl = R.timeline();
    const steps = s.inbox.events.map((ev) => tl.apply(ev));
    expect(steps.map((x) => x.op)).toEqual(['new', 'edit', 'new']);
    expect(toHtml(R.parts(steps[1]!.entry, tl).content)).toBe(
      `<div class="files"><div class="file file-image"><img src="data:image/png;base64,${PNG}" alt="chart.png"></div></div><div class="body"><b>BTC</b> 4h, closed above</div>`,
    );
    expect(toHtml(R.parts(steps[2]!.entry, tl).quote!.c)).toBe(
      '<span class="quote-name">Herald</span><span class="quote-text">🖼 Photo · BTC 4h, closed above</span>',
    );
  });
});

describe('POST /inbox/command', () => {
  it('hands the bots a Telegram update from the sandbox user, and shows it on the page', async () => {
    const s = await sandboxFor();
    expect(s.inbox.commandChats).toEqual([
      { id: SANDBOX_IDS.generalChatId, label: 'GENERAL bot chat', type: 'private' },
      { id: SANDBOX_IDS.errorChatId, label: 'ERROR bot chat', type: 'supergroup' },
    ]);
    // A bot message first: the user's message takes the chat's next id after it.
    expect((await bot(s, 'sendMessage', { chat_id: SANDBOX_IDS.generalChatId, text: 'started' })).result.message_id).toBe(1);
    const before = Math.floor(Date.now() / 1000);
    const sent = await command(s, { chat: SANDBOX_IDS.generalChatId, text: '/status BTC' });
    expect(sent.status).toBe(200);
    const { message_id } = JSON.parse(sent.body) as { message_id: number };
    expect(message_id).toBe(2);
    const group = await command(s, { chat: SANDBOX_IDS.errorChatId, text: 'hello /help@herald_sandbox_bot' });
    expect(group.status).toBe(200);

    const [u1, u2, ...rest] = await updates(s);
    expect(rest).toEqual([]);
    expect(u1!.update_id).toEqual(expect.any(Number));
    expect(u2!.update_id).toBeGreaterThan(u1!.update_id as number);
    const m = u1!.message as Record<string, any>;
    expect(m).toEqual({
      message_id,
      from: { id: Number(SANDBOX_IDS.generalChatId), is_bot: false, first_name: 'Sandbox', username: 'sandbox_user', language_code: 'en' },
      chat: { id: Number(SANDBOX_IDS.generalChatId), type: 'private', first_name: 'Sandbox', username: 'sandbox_user' },
      date: expect.any(Number),
      text: '/status BTC',
      entities: [{ type: 'bot_command', offset: 0, length: 7 }],
    });
    expect(m.date).toBeGreaterThanOrEqual(before);
    expect(m.date).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    const g = u2!.message as Record<string, any>;
    expect(g.chat).toEqual({ id: Number(SANDBOX_IDS.errorChatId), type: 'supergroup', title: 'ERROR bot chat' });
    expect(g.from.id).toBe(Number(SANDBOX_IDS.generalChatId)); // the same user, in the group
    expect(g.entities).toEqual([{ type: 'bot_command', offset: 6, length: 24 }]);
    expect(g.message_id).toBe(1); // ids are per chat

    // The bot answers with a reply to it: accepted, recorded as a reply, with the next id.
    const answer = await bot(s, 'sendMessage', { chat_id: SANDBOX_IDS.generalChatId, text: 'BTC: flat', reply_parameters: { message_id } });
    expect(answer.ok).toBe(true);
    expect(answer.result.message_id).toBe(3);
    expect(s.fake.messages.at(-1)).toMatchObject({ id: '3', replyTo: '2', text: 'BTC: flat' });
    // The user's message is not the bot's to edit.
    const edit = await bot(s, 'editMessageText', { chat_id: SANDBOX_IDS.generalChatId, message_id, text: 'x' });
    expect(edit).toMatchObject({ ok: false, description: "Bad Request: message can't be edited" });

    // The page gets both as outgoing messages among the bot's (they are not messages of the fake).
    expect(s.inbox.events.map((e: InboxEvent) => [e.kind, e.destination, e.text, e.messageId, e.replyTo])).toEqual([
      ['message', SANDBOX_IDS.generalChatId, 'started', '1', undefined],
      ['command', SANDBOX_IDS.generalChatId, '/status BTC', '2', undefined],
      ['command', SANDBOX_IDS.errorChatId, 'hello /help@herald_sandbox_bot', '1', undefined],
      ['message', SANDBOX_IDS.generalChatId, 'BTC: flat', '3', '2'],
      ['error', SANDBOX_IDS.generalChatId, undefined, undefined, undefined], // the refused edit
    ]);
    expect(s.fake.messages.map((m) => m.text)).toEqual(['started', 'BTC: flat']);
  });

  it('refuses other origins, other sites, non-JSON, large bodies, unknown chats and empty texts, and pushes nothing for them', async () => {
    const s = await sandboxFor();
    const ok = { chat: SANDBOX_IDS.generalChatId, text: '/start' };
    const refusals: [() => Promise<{ status: number; body: string }>, number][] = [
      [() => raw(`${s.url}/inbox/command`, 'POST', { 'content-type': 'application/json' }, JSON.stringify(ok)), 403], // no Origin
      [() => command(s, ok, { origin: 'http://evil.example' }), 403],
      [() => command(s, ok, { origin: `http://localhost:${s.port}` }), 403], // another origin than the Host
      [() => command(s, ok, { 'sec-fetch-site': 'cross-site' }), 403],
      [() => command(s, ok, { 'content-type': 'text/plain' }), 415],
      [() => command(s, { ...ok, text: 'x'.repeat(COMMAND_MAX_BODY_BYTES) }), 413],
      [() => command(s, { ...ok, text: 'x'.repeat(4097) }), 400],
      [() => command(s, { ...ok, chat: '424242' }), 400],
      [() => command(s, { ...ok, text: '   ' }), 400],
      [() => command(s, { chat: 1, text: 2 }), 400],
      [() => raw(`${s.url}/inbox/command`, 'POST', { origin: s.url, 'content-type': 'application/json' }, '{not json'), 400],
      [() => raw(`${s.url}/inbox/command`, 'GET', {}), 405],
    ];
    for (const [send, status] of refusals) {
      const res = await send();
      expect(res.status, res.body).toBe(status);
      expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: expect.any(String) });
    }
    // A page reaching 127.0.0.1 through a rebound DNS name gets the inbox's loopback-only answer.
    expect((await command(s, ok, { host: `evil.example:${s.port}`, origin: `http://evil.example:${s.port}` })).status).toBe(403);
    expect(await updates(s)).toEqual([]);
    expect(s.inbox.events).toEqual([]);
    // The same request with the page's headers goes through (the refusals were for their reasons).
    expect((await command(s, ok, { origin: `http://127.0.0.1:${s.port}` })).status).toBe(200);
    expect(await updates(s)).toHaveLength(1);
  });

  it('tells the page which chats it can send from, in the hello event', async () => {
    const s = await sandboxFor();
    const ac = new AbortController();
    cleanups.push(() => ac.abort());
    const res = await fetch(`${s.url}/inbox/events`, { signal: ac.signal });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('event: ready')) text += (await reader.read()).value ?? '';
    const hello = JSON.parse(/event: hello\ndata: (.*)\n/.exec(text)![1]!) as { chats: unknown };
    expect(hello.chats).toEqual(s.inbox.commandChats);
  });
});
