/**
 * The live inbox, mounted on a {@link FakePlatformServer}'s own origin: the page at `/`, its
 * script and style under `/inbox/`, and `/inbox/events`, a server-sent event stream of every
 * message, 429 and error the fake answers (with a replay of what came before, so a page opened
 * late sees everything, and heartbeat comments so proxies and browsers keep it open).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExtraRoute, FakePlatformServer } from '../fake-platforms.js';
import type { Platform, ServerEvent, Via } from '../types.js';
import { INBOX_CSS, INBOX_HTML, INBOX_JS } from './page.js';
import { renderers } from './render.js';

/** What the page receives for each {@link ServerEvent}. */
export interface InboxEvent {
  /** 1-based, per inbox; the SSE id is `<session>.<id>`. */
  id: number;
  kind: ServerEvent['kind'];
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

/** The live inbox of one fake server. Construct it to mount it; `close()` to unmount. */
export class Inbox {
  /** Random per inbox: a page that reconnects to a new sandbox starts over. */
  readonly session = randomBytes(6).toString('hex');
  private readonly buffer: InboxEvent[] = [];
  private readonly clients = new Set<ServerResponse>();
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
    const known = path === EVENTS_PATH || path === HEALTH_PATH || Object.prototype.hasOwnProperty.call(STATIC, path);
    if (!known) return false;
    // Another site's page could reach 127.0.0.1 through a rebound DNS name: answer loopback names only.
    if (!LOOPBACK_HOST.test(req.headers.host ?? '')) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('herald sandbox: open it as http://127.0.0.1:PORT/\n');
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return true;
    }
    if (path === EVENTS_PATH) this.subscribe(req, res);
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
    }
    this.buffer.push(ev);
    if (this.buffer.length > this.replayLimit) this.buffer.splice(0, this.buffer.length - this.replayLimit);
    return ev;
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
    out += `event: hello\ndata: ${JSON.stringify({ session: this.session, envLines: this.options.envLines ?? '', showSetup: this.fake.messages.length === 0 })}\n\n`;
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
