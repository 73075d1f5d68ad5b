/**
 * The live inbox, mounted on a {@link FakePlatformServer}'s own origin: the page at `/`, its
 * script and style under `/inbox/`, `/inbox/events`, a server-sent event stream of every
 * message, 429 and error the fake answers (with a replay of what came before, so a page opened
 * late sees everything, and heartbeat comments so proxies and browsers keep it open), the
 * messages' files under `/inbox/files/`, and `POST /inbox/command`, which sends a message to
 * the Telegram bots as the user of a sandbox chat (a `getUpdates` update).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExtraRoute, FakePlatformServer } from '../fake-platforms.js';
import type { Platform, ReceivedFile, ServerEvent, Via } from '../types.js';
import { INBOX_CSS, INBOX_HTML, INBOX_JS } from './page.js';
import { renderers } from './render.js';

/** A file of a message, as the page receives it. */
export interface InboxFile {
  name: string;
  contentType: string;
  size: number;
  /** Where the page downloads it: `/inbox/files/<event id>/<index>` (while the event is kept for replay). */
  url: string;
  /** The bytes, base64: only for an image the page shows inline (up to {@link INLINE_IMAGE_MAX_BYTES}). */
  base64?: string;
  /** A text file's first lines. */
  preview?: string;
  /** True when the text file goes on past {@link preview}. */
  previewCut?: boolean;
}

/** A Telegram chat the page can send the bots a message from (a `<select>` option). */
export interface InboxChat {
  id: string;
  /** Its human name (the inbox's label for it). */
  label: string;
  type: 'private' | 'group' | 'supergroup';
}

/** What the page receives for each {@link ServerEvent}, and for each message the user sent the bots from the page. */
export interface InboxEvent {
  /** 1-based, per inbox; the SSE id is `<session>.<id>`. */
  id: number;
  /** A {@link ServerEvent}'s kind, or `'command'`: a message the user sent the bots from the page (POST /inbox/command). */
  kind: ServerEvent['kind'] | 'command';
  platform: Platform;
  /** Telegram chat id; Discord webhook id or bot channel id; Slack `T/B` or bot channel id. */
  destination: string;
  /** Which API: a webhook or a bot token. */
  via?: Via;
  /** Human name of the destination when known (e.g. `GENERAL_DISCORD_WEBHOOK`). */
  label?: string;
  status: number;
  detail?: string;
  at: number;
  /** Messages only: the text as sent (markup included). */
  text?: string;
  silent?: boolean;
  parseMode?: string;
  /** Slack `mrkdwn: false`: the text is shown without markup. */
  plainText?: boolean;
  /** Topic or thread the message went into (Telegram topic, Slack thread_ts, Discord thread id). */
  thread?: string;
  /** Discord messages: the embeds as sent (the page renders them as cards). */
  embeds?: unknown[];
  /** Slack messages: the Block Kit blocks as sent (the page renders them instead of the text). */
  blocks?: unknown[];
  /** Who the message would notify beyond the channel (`@everyone`, `@channel`…). */
  pings?: string[];
  /** Display name the sender set (Discord/Slack `username`). */
  name?: string;
  /** Parts of the message the page does not show (components, attachments, keyboards). */
  notes?: string[];
  /** The platform's id of the message (Telegram message_id, Discord id, Slack ts). */
  messageId?: string;
  /** Set when the message is an edit: the id of the message it replaced (the page updates that one). */
  edits?: string;
  /** Set when the message replies to another: that one's id (the page quotes it). */
  replyTo?: string;
  /** The files it carried. */
  files?: InboxFile[];
}

/** Options of {@link Inbox}. */
export interface InboxOptions {
  /** Human names of known destinations, by platform then destination. */
  labels?: Partial<Record<Platform, Record<string, string>>>;
  /** `.env` lines shown in the page's setup panel. */
  envLines?: string;
  /** Interval of the SSE heartbeat comment (ms). Default 15 000. */
  heartbeatMs?: number;
  /** Events kept for replay to late joiners. Default 2000. */
  replayLimit?: number;
}

const LOOPBACK_HOST = /^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])(?::\d{1,5})?$/i;

/** Largest image (bytes) the page shows inline: its bytes travel in the event. */
export const INLINE_IMAGE_MAX_BYTES = renderers.maxInlineImage;
/** Largest body of POST /inbox/command (a Telegram message is at most 4096 characters). */
export const COMMAND_MAX_BODY_BYTES = 32 * 1024;
/** Longest message the page may send (Telegram's limit for a text message). */
const COMMAND_MAX_CHARS = 4096;
/** How much of a text file the page previews. */
const PREVIEW_LINES = 12;
const PREVIEW_CHARS = 2000;
/** Bytes of a text file read for its preview (more than the preview can hold in the common case). */
const PREVIEW_BYTES = 16 * 1024;
/** The sandbox's user, as the bots see the sender of a page message (the sandbox's private chat is with this user). */
const SANDBOX_USER = { is_bot: false, first_name: 'Sandbox', username: 'sandbox_user', language_code: 'en' } as const;

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const STATIC: Record<string, { type: string; body: string; csp?: boolean }> = {
  '/': { type: 'text/html; charset=utf-8', body: INBOX_HTML, csp: true },
  '/index.html': { type: 'text/html; charset=utf-8', body: INBOX_HTML, csp: true },
  '/inbox': { type: 'text/html; charset=utf-8', body: INBOX_HTML, csp: true },
  '/inbox/': { type: 'text/html; charset=utf-8', body: INBOX_HTML, csp: true },
  '/inbox/app.js': { type: 'text/javascript; charset=utf-8', body: INBOX_JS },
  '/inbox/app.css': { type: 'text/css; charset=utf-8', body: INBOX_CSS },
};

const EVENTS_PATH = '/inbox/events';
const HEALTH_PATH = '/inbox/health';
const COMMAND_PATH = '/inbox/command';
const FILE_PATH = /^\/inbox\/files\/(\d{1,12})\/(\d{1,4})$/;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What a message carries that the page shows as a note only. */
function notesOf(platform: Platform, body: unknown): string[] {
  const b = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const notes: string[] = [];
  if (platform === 'telegram' && b['reply_markup'] !== undefined) notes.push('+ a reply keyboard (not shown)');
  if (platform === 'discord' && Array.isArray(b['components']) && b['components'].length) notes.push('+ components (not shown)');
  if (platform === 'slack') {
    const attachments = Array.isArray(b['attachments']) ? b['attachments'].length : 0;
    if (attachments) notes.push(`+ ${plural(attachments, 'attachment')} (not shown)`);
  }
  return notes;
}

const isTextFile = (f: ReceivedFile): boolean => /^text\/plain\b/i.test(f.contentType) || /\.(txt|log)$/i.test(f.name);

/** The first lines of a text file, and whether it goes on. */
function previewOf(f: ReceivedFile): { preview: string; previewCut: boolean } {
  // Whole base64 quanta only: 4 characters are 3 bytes.
  const bytes = Buffer.from(f.base64.slice(0, Math.ceil(PREVIEW_BYTES / 3) * 4), 'base64');
  let text = new TextDecoder('utf-8').decode(bytes).replace(/\r\n?/g, '\n');
  let cut = bytes.length < f.size;
  // A character split by the byte limit decodes as U+FFFD: drop it.
  if (cut) text = text.replace(/\uFFFD$/, '');
  const lines = text.split('\n');
  if (lines.length > PREVIEW_LINES) {
    cut = true;
    text = lines.slice(0, PREVIEW_LINES).join('\n');
  } else if (cut) text = lines.slice(0, -1).join('\n') || text; // the last line may be partial
  if (text.length > PREVIEW_CHARS) {
    cut = true;
    text = text.slice(0, PREVIEW_CHARS);
  }
  return { preview: text.replace(/\n+$/, ''), previewCut: cut };
}

/** A file as the page gets it: the bytes only for an image it shows inline. */
function inboxFile(f: ReceivedFile, eventId: number, index: number): InboxFile {
  const file: InboxFile = { name: f.name, contentType: f.contentType, size: f.size, url: `/inbox/files/${eventId}/${index}` };
  if (renderers.imageSrc(f) !== null) file.base64 = f.base64;
  else if (isTextFile(f)) Object.assign(file, previewOf(f));
  return file;
}

/** A file name for Content-Disposition: ASCII for old clients, and the exact name as `filename*` (RFC 6266). */
function disposition(name: string): string {
  const ascii = name.replace(/[^\w.\- ]/g, '_').slice(0, 120) || 'file';
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** The configured Telegram chats a user can write to (labels name them; `@channel` names cannot send as a user). */
function commandChats(labels: Record<string, string> | undefined): InboxChat[] {
  return Object.entries(labels ?? {})
    .filter(([id]) => /^-?\d{1,20}$/.test(id))
    .map(([id, label]) => ({ id, label, type: id.startsWith('-100') ? 'supergroup' : id.startsWith('-') ? 'group' : 'private' }));
}

/** A chat id as Telegram writes it in JSON: a number (ids fit in 52 bits). */
const jsonId = (id: string): number | string => (Number.isSafeInteger(Number(id)) ? Number(id) : id);

/** Why a browser request must not act on the sandbox, or undefined when it comes from the inbox page itself. */
function notSameOrigin(req: IncomingMessage): string | undefined {
  // Browsers send Origin with every POST; a page of another site cannot forge it, and without
  // it (an old browser, a script) the request is not known to come from this page.
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || origin.toLowerCase() !== `http://${String(req.headers.host).toLowerCase()}`) return 'only the inbox page may send (Origin)';
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return 'only the inbox page may send (Sec-Fetch-Site)';
  if (!/^application\/json\b/i.test(String(req.headers['content-type'] ?? ''))) return 'send JSON (content-type: application/json)';
  return undefined;
}

/**
 * The body, or undefined when it is longer than `max` bytes. The rest of a long one is read and
 * dropped, so the client gets the 413 instead of a reset while it is still sending.
 */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = Number(req.headers['content-length'] ?? 0) > max ? max + 1 : 0;
    if (size > max) resolve(undefined);
    req.on('data', (chunk: Buffer) => {
      if (size > max) return;
      size += chunk.length;
      if (size > max) resolve(undefined);
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(size > max ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** The live inbox of one fake server. Construct it to mount it; `close()` to unmount. */
export class Inbox {
  /** Random per inbox: a page that reconnects to a new sandbox starts over. */
  readonly session = randomBytes(6).toString('hex');
  private readonly buffer: InboxEvent[] = [];
  /** The files of the events in {@link buffer}, by event id (the page downloads them from here). */
  private readonly files = new Map<number, readonly ReceivedFile[]>();
  private readonly clients = new Set<ServerResponse>();
  private readonly chats: InboxChat[];
  private readonly labels: Partial<Record<Platform, Record<string, string>>>;
  private readonly replayLimit: number;
  private readonly timer: NodeJS.Timeout;
  private readonly unmount: () => void;
  private readonly listener: (e: ServerEvent) => void;
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly fake: FakePlatformServer,
    private readonly options: InboxOptions = {},
  ) {
    this.labels = options.labels ?? {};
    this.chats = commandChats(this.labels.telegram);
    this.replayLimit = options.replayLimit ?? 2000;
    for (const e of fake.events) this.add(e);
    this.listener = (e) => this.broadcast(this.add(e));
    fake.on('event', this.listener);
    this.unmount = fake.mount(this.route);
    this.timer = setInterval(() => this.heartbeat(), options.heartbeatMs ?? 15_000);
    this.timer.unref();
  }

  /** Pages connected right now. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** Every event so far that is still kept for replay, oldest first. */
  get events(): readonly InboxEvent[] {
    return this.buffer;
  }

  /** The chats the page offers for sending the bots a message (the Telegram destinations with a label). */
  get commandChats(): readonly InboxChat[] {
    return this.chats;
  }

  /**
   * Sends the Telegram bots `text` from the user of `chatId`, as Telegram would: a `message`
   * update (chat, sender, date, a message_id, `bot_command` entities) for `getUpdates`, and an
   * event that shows it on the page. Returns the message id, or an error for a chat the page
   * does not offer and for an empty or too long text.
   */
  sendCommand(chatId: string, text: string): { ok: true; messageId: number } | { ok: false; error: string } {
    const chat = this.chats.find((c) => c.id === chatId);
    if (!chat) return { ok: false, error: 'unknown chat: pick one of the sandbox chats' };
    if (text.trim() === '') return { ok: false, error: 'the message is empty' };
    if ([...text].length > COMMAND_MAX_CHARS) return { ok: false, error: `the message is longer than ${COMMAND_MAX_CHARS} characters` };
    const at = Date.now();
    const user = this.chats.find((c) => c.type === 'private')?.id ?? '1';
    const commands = renderers.botCommands(text);
    // The fake gives the message the chat's next id, so the bots' answers can reply to it.
    const queued = this.fake.pushUpdate({
      message: {
        from: { id: jsonId(user), ...SANDBOX_USER },
        chat:
          chat.type === 'private'
            ? { id: jsonId(chat.id), type: 'private', first_name: SANDBOX_USER.first_name, username: SANDBOX_USER.username }
            : { id: jsonId(chat.id), type: chat.type, title: chat.label },
        date: Math.floor(at / 1000),
        text,
        ...(commands.length ? { entities: commands.map((c) => ({ type: 'bot_command', ...c })) } : {}),
      },
    });
    const messageId = (queued['message'] as { message_id: number }).message_id;
    this.broadcast(this.addCommand(chat, text, messageId, at));
    return { ok: true, messageId };
  }

  /** Ends every event stream and unmounts the page. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.fake.off('event', this.listener);
    this.unmount();
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private readonly route: ExtraRoute = (req, res, url) => {
    const path = url.pathname;
    const file = FILE_PATH.exec(path);
    const known = path === EVENTS_PATH || path === HEALTH_PATH || path === COMMAND_PATH || file !== null || Object.prototype.hasOwnProperty.call(STATIC, path);
    if (!known) return false;
    // Another site's page could reach 127.0.0.1 through a rebound DNS name: answer loopback names only.
    if (!LOOPBACK_HOST.test(req.headers.host ?? '')) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('herald sandbox: open it as http://127.0.0.1:PORT/\n');
      return true;
    }
    if (path === COMMAND_PATH) {
      void this.command(req, res).catch(() => {
        if (!res.headersSent) json(res, 500, { ok: false, error: 'sandbox internal error' });
        else res.destroy();
      });
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return true;
    }
    if (path === EVENTS_PATH) this.subscribe(req, res);
    else if (file) this.download(req, res, Number(file[1]), Number(file[2]));
    else if (path === HEALTH_PATH) {
      const body = JSON.stringify({ ok: true, name: 'herald-sandbox', session: this.session, messages: this.fake.messages.length });
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(body)) });
      res.end(req.method === 'HEAD' ? undefined : body);
    } else {
      const file = STATIC[path]!;
      const headers: Record<string, string> = {
        'content-type': file.type,
        'content-length': String(Buffer.byteLength(file.body)),
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      };
      if (file.csp) headers['content-security-policy'] = CSP;
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : file.body);
    }
    return true;
  };

  /** POST /inbox/command: `{ chat, text }` from the page. */
  private async command(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return json(res, 405, { ok: false, error: 'method not allowed' }, { allow: 'POST' });
    const refused = notSameOrigin(req);
    if (refused !== undefined) return json(res, refused.startsWith('send JSON') ? 415 : 403, { ok: false, error: refused });
    const raw = await readBody(req, COMMAND_MAX_BODY_BYTES);
    if (raw === undefined) return json(res, 413, { ok: false, error: `the body is larger than ${COMMAND_MAX_BODY_BYTES} bytes` });
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      body = undefined;
    }
    const { chat, text } = (body !== null && typeof body === 'object' ? body : {}) as { chat?: unknown; text?: unknown };
    if (typeof chat !== 'string' || typeof text !== 'string') return json(res, 400, { ok: false, error: 'send {"chat": "<chat id>", "text": "…"}' });
    const sent = this.sendCommand(chat, text);
    json(res, sent.ok ? 200 : 400, sent.ok ? { ok: true, message_id: sent.messageId } : sent);
  }

  /** GET /inbox/files/<event>/<n>: always a download, never shown by the browser as a page. */
  private download(req: IncomingMessage, res: ServerResponse, eventId: number, index: number): void {
    const f = this.files.get(eventId)?.[index];
    if (!f) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('this file is no longer kept\n');
      return;
    }
    const bytes = Buffer.from(f.base64, 'base64');
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(bytes.length),
      'content-disposition': disposition(f.name),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
    });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  }

  private addCommand(chat: InboxChat, text: string, messageId: number, at: number): InboxEvent {
    return this.keep({
      id: this.nextId++,
      kind: 'command',
      platform: 'telegram',
      destination: chat.id,
      via: 'bot',
      label: chat.label,
      status: 200,
      at,
      text,
      messageId: String(messageId),
    });
  }

  /** Keeps an event for replay, dropping the oldest (and their files) past the limit. */
  private keep(ev: InboxEvent): InboxEvent {
    this.buffer.push(ev);
    if (this.buffer.length > this.replayLimit) {
      for (const old of this.buffer.splice(0, this.buffer.length - this.replayLimit)) this.files.delete(old.id);
    }
    return ev;
  }

  private add(e: ServerEvent): InboxEvent {
    const label = this.labels[e.platform]?.[e.destination];
    const ev: InboxEvent = {
      id: this.nextId++,
      kind: e.kind,
      platform: e.platform,
      destination: e.destination,
      ...(e.via !== undefined ? { via: e.via } : {}),
      ...(label !== undefined ? { label } : {}),
      status: e.status,
      ...(e.detail !== undefined ? { detail: e.detail } : {}),
      at: e.at,
    };
    const m = e.message;
    if (m) {
      const body = m.body !== null && typeof m.body === 'object' ? (m.body as Record<string, unknown>) : {};
      ev.text = m.text;
      ev.silent = m.silent;
      if (m.parseMode !== undefined) ev.parseMode = m.parseMode;
      if (m.thread !== undefined) ev.thread = m.thread;
      if (m.platform === 'slack' && (body['mrkdwn'] === false || body['mrkdwn'] === 'false')) ev.plainText = true;
      // The fake accepted them, so they are within the platforms' limits (≤ 10 embeds, ≤ 50 blocks).
      if (m.platform === 'discord' && Array.isArray(body['embeds']) && body['embeds'].length) ev.embeds = body['embeds'];
      if (m.platform === 'slack' && Array.isArray(body['blocks']) && body['blocks'].length) ev.blocks = body['blocks'];
      const pings = renderers.pings(m.platform, m.text, body);
      if (pings.length) ev.pings = pings;
      if (typeof body['username'] === 'string' && body['username'].trim() !== '') ev.name = body['username'];
      const notes = notesOf(m.platform, m.body);
      if (notes.length) ev.notes = notes;
      if (m.id !== undefined) ev.messageId = m.id;
      if (m.edits !== undefined) ev.edits = m.edits;
      if (m.replyTo !== undefined) ev.replyTo = m.replyTo;
      if (m.files?.length) {
        ev.files = m.files.map((f, i) => inboxFile(f, ev.id, i));
        this.files.set(ev.id, m.files);
      }
    }
    return this.keep(ev);
  }

  private subscribe(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD' || this.closed) {
      res.end();
      return;
    }
    res.socket?.setNoDelay(true);
    // A reconnecting page sends the last id it saw: replay only what it missed (same session).
    const last = String(req.headers['last-event-id'] ?? '');
    const dot = last.lastIndexOf('.');
    const since = dot > 0 && last.slice(0, dot) === this.session ? Number(last.slice(dot + 1)) || 0 : 0;
    let out = 'retry: 2000\n\n';
    const hello = { session: this.session, envLines: this.options.envLines ?? '', showSetup: this.fake.messages.length === 0, chats: this.chats };
    out += `event: hello\ndata: ${JSON.stringify(hello)}\n\n`;
    for (const ev of this.buffer) if (ev.id > since) out += this.frame(ev);
    out += 'event: ready\ndata: {}\n\n';
    res.write(out);
    this.clients.add(res);
    res.once('close', () => this.clients.delete(res));
  }

  private frame(ev: InboxEvent): string {
    return `id: ${this.session}.${ev.id}\ndata: ${JSON.stringify(ev)}\n\n`;
  }

  private broadcast(ev: InboxEvent): void {
    if (this.clients.size === 0) return;
    const frame = this.frame(ev);
    for (const res of this.clients) if (!res.destroyed) res.write(frame);
  }

  private heartbeat(): void {
    for (const res of this.clients) if (!res.destroyed) res.write(': ping\n\n');
  }
}
