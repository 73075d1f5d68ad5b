/**
 * Fake Telegram Bot API: `/bot<token>/<method>` with the methods a notifier uses
 * (sendMessage, sendPhoto, sendDocument, editMessageText, getMe, getChat, getUpdates,
 * setWebhook, deleteWebhook, getWebhookInfo), real limits and real error texts (PLATFORMS.md),
 * forum topics (`message_thread_id`), replies (`reply_parameters`) and multipart uploads.
 */
import { isMultipart, readFormBody } from './form-body.js';
import { getOrCreate, SlidingWindow, TokenBucket } from './rate-window.js';
import { codePointLength, parseTelegramHtml, parseTelegramMarkdownV2, type MarkupResult } from './telegram-markup.js';
import type { FakeLimits, InternalHandler, InternalPrepared, InternalReply, InternalRequest, ReceivedFile } from './types.js';

/** A chat the fake knows (for getChat and for the `chat` object of sent messages). */
export interface FakeTelegramChat {
  id: string;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  title?: string;
  username?: string;
  first_name?: string;
}

const TOKEN_RE = /^\d+:[A-Za-z0-9_-]{20,}$/;
const CHAT_ID_RE = /^(?:-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{2,31})$/;
const MAX_TEXT = 4096;
/** Characters of a caption after entity parsing. */
const MAX_CAPTION = 1024;
/** sendPhoto: "The photo must be at most 10 MB in size". */
const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
/** Uploads of other files: "50 MB for other files". */
const MAX_FILE_BYTES = 50 * 1024 * 1024;
const NOT_MODIFIED =
  'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';
const MAX_POLL_SECONDS = 50;
const WEBHOOK_URL = 'https://example.invalid/hook';
const BOT_NAME = { first_name: 'Herald Sandbox', username: 'herald_sandbox_bot' } as const;

interface Params {
  values: Record<string, unknown>;
  /** chat_id exactly as sent: big JSON numbers are taken from the raw text, not a double. */
  chatId?: string;
  /** Files of a multipart body, in order. */
  files?: ReceivedFile[];
  error?: string;
}

/** A message this fake sent for a bot: what edits and replies find. */
interface SentMessage {
  /** The bot (token's numeric id) that sent it: only it may edit it. */
  readonly botId: string;
  readonly kind: 'text' | 'photo' | 'document';
  readonly thread?: number;
  readonly date: number;
  /** What "not modified" compares: the text after parsing, and the markup when it made entities. */
  content: string;
}

/** What a new message carries, checked and parsed, before it is counted and stored. */
interface Outgoing {
  readonly kind: SentMessage['kind'];
  /** Text or caption as sent (markup included). */
  readonly raw: string;
  readonly parseMode: string | undefined;
  /** After entity parsing. */
  readonly plain: string;
  readonly file?: ReceivedFile;
}

interface Poller {
  token: string;
  offset: number;
  limit: number;
  finish(reply: InternalReply): void;
}

const truthy = (v: unknown): boolean => v === true || v === 'true' || v === 1 || v === '1';

function toInt(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? Math.trunc(n) : undefined;
}

/** Merge query and body parameters (JSON or form), as the Bot API accepts both. */
function readParams(req: InternalRequest): Params {
  const values: Record<string, unknown> = Object.fromEntries(req.url.searchParams);
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  const text = req.raw.toString('utf8');
  let error: string | undefined;
  if (text.trim() !== '') {
    if (type.includes('x-www-form-urlencoded') || (!type.includes('json') && !text.trimStart().startsWith('{'))) {
      Object.assign(values, Object.fromEntries(new URLSearchParams(text)));
    } else {
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
          error = 'Bad Request: parameters must be a JSON object';
        } else Object.assign(values, parsed);
      } catch {
        error = "Bad Request: can't parse JSON encoded request";
      }
    }
  }
  return { values, ...chatIdOf(values, text), ...(error !== undefined ? { error } : {}) };
}

/** chat_id as sent; `text` is the raw body, where a JSON number too big for a double still has its digits. */
function chatIdOf(values: Record<string, unknown>, text: string): { chatId?: string } {
  let chatId: string | undefined;
  const raw = values['chat_id'];
  if (typeof raw === 'string') chatId = raw.trim();
  else if (typeof raw === 'number') {
    // A JSON number beyond 2^53 was already rounded by JSON.parse; recover the digits sent.
    const exact = Number.isSafeInteger(raw) ? undefined : /"chat_id"\s*:\s*(-?\d+)/.exec(text)?.[1];
    chatId = exact ?? String(raw);
  } else if (typeof raw === 'bigint') chatId = raw.toString();
  return chatId !== undefined ? { chatId } : {};
}

/** A multipart body's fields (over the query's) and files, as an upload sends them. */
async function readFormParams(req: InternalRequest): Promise<Params> {
  const values: Record<string, unknown> = Object.fromEntries(req.url.searchParams);
  const form = await readFormBody(req.raw, String(req.headers['content-type']));
  if (!form) return { values, error: 'Bad Request: invalid multipart/form-data body' };
  Object.assign(values, form.fields);
  return { values, files: form.files, ...chatIdOf(values, '') };
}

/**
 * The chat_id field of a multipart body, found without parsing it (the server matches faults
 * before the handler runs, and a form is only read asynchronously).
 */
function formChatId(raw: Buffer): string | undefined {
  return /name="chat_id"\r\n(?:[^\r\n]+\r\n)*\r\n([^\r\n]*)\r\n/.exec(raw.toString('latin1'))?.[1]?.trim();
}

/** Telegram error envelope. */
function tgError(status: number, description: string, parameters?: Record<string, unknown>): InternalReply {
  return {
    status,
    body: { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) },
    detail: description,
  };
}

const tgOk = (result: unknown): InternalReply => ({ status: 200, body: { ok: true, result } });

/** Chat id as Telegram prints it: a JSON number (ids fit in 52 bits), or the string if not. */
function jsonId(id: string): number | string {
  const n = Number(id);
  return /^-?\d+$/.test(id) && Number.isSafeInteger(n) ? n : id;
}

/** Telegram's message for the text that would be stored, or its error. */
function plainText(text: string, parseMode: string | undefined): MarkupResult {
  switch ((parseMode ?? '').toLowerCase()) {
    case '':
    case 'markdown': // legacy Markdown: accepted as is
      return { ok: true, text };
    case 'html':
      return parseTelegramHtml(text);
    case 'markdownv2':
      return parseTelegramMarkdownV2(text);
    default:
      return { ok: false, error: 'unsupported parse_mode' };
  }
}

const stringParam = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

function parseModeOf(params: Params): string | undefined {
  const raw = params.values['parse_mode'];
  return typeof raw === 'string' && raw !== '' ? raw : undefined;
}

/** A text or caption after entity parsing, or Telegram's refusal of its markup. */
/**
 * A message's `text` as Telegram checks it: present, parsed by its parse mode, not empty once
 * the markup is gone (Telegram trims it), within the length limit (`tooLong` is the method's own answer).
 */
function readText(params: Params, tooLong: string): { text: string; parseMode: string | undefined; plain: string } | { error: InternalReply } {
  const text = stringParam(params.values['text']);
  const parseMode = parseModeOf(params);
  if (text.trim() === '') return { error: tgError(400, 'Bad Request: message text is empty') };
  const parsed = parse(text, parseMode);
  if ('error' in parsed) return parsed;
  if (parsed.text.trim() === '') return { error: tgError(400, 'Bad Request: message text is empty') };
  if (codePointLength(parsed.text) > MAX_TEXT) return { error: tgError(400, tooLong) };
  return { text, parseMode, plain: parsed.text };
}

function parse(text: string, parseMode: string | undefined): { text: string } | { error: InternalReply } {
  const parsed = plainText(text, parseMode);
  if (parsed.ok) return { text: parsed.text };
  return {
    error:
      parsed.error === 'unsupported parse_mode'
        ? tgError(400, 'Bad Request: unsupported parse_mode')
        : tgError(400, `Bad Request: can't parse entities: ${parsed.error}`),
  };
}

/**
 * What "message is not modified" compares: the visible text, plus the markup when it made
 * formatting (the fake keeps no entities, so markup that renders the same but is written
 * differently counts as a change).
 */
function contentOf(raw: string, parseMode: string | undefined, plain: string): string {
  const mode = (parseMode ?? '').toLowerCase();
  const formatted = mode === 'html' ? raw.includes('<') : mode === 'markdownv2' ? raw.replace(/\\([\s\S])/g, '$1') !== plain : false;
  return formatted ? `${plain}\u0000${mode}\u0000${raw}` : plain;
}

/** True for bytes Telegram can decode as a photo: PNG, JPEG, GIF, WebP or BMP by their signature. */
function isImage(bytes: Buffer): boolean {
  const ascii = (from: number, to: number): string => bytes.subarray(from, to).toString('latin1');
  return (
    ascii(0, 8) === '\x89PNG\r\n\x1a\n' ||
    (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) ||
    ascii(0, 4) === 'GIF8' ||
    (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') ||
    ascii(0, 2) === 'BM'
  );
}

/** A PNG's width and height from its header, for the photo's size in the answer. */
function pngSize(file: ReceivedFile): { width?: number; height?: number } {
  const bytes = Buffer.from(file.base64, 'base64');
  if (bytes.length < 24 || bytes.subarray(12, 16).toString('latin1') !== 'IHDR') return {};
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** The Telegram part of the fake server. */
export class FakeTelegram implements InternalHandler {
  readonly platform = 'telegram' as const;
  readonly via = 'bot' as const;

  private revoked = new Set<string>();
  private blocked = new Map<string, string>();
  private unknown = new Set<string>();
  private migrated = new Map<string, string>();
  private chats = new Map<string, FakeTelegramChat>();
  /** Forum chats and their topic ids (message_thread_id values that exist). */
  private forums = new Map<string, Set<number>>();
  private updates: Array<Record<string, unknown> & { update_id: number }> = [];
  private nextUpdateId = 1;
  private webhookUrl = '';
  private pollers = new Set<Poller>();
  private messageIds = new Map<string, number>();
  /** Messages sent per chat, by id: what edits and replies find (a deleted one is gone). */
  private sent = new Map<string, Map<number, SentMessage>>();
  /** file_ids handed out, so a later send may name the file instead of uploading it again. */
  private fileIds = new Map<string, ReceivedFile>();
  private fileCount = 0;
  private perChat = new Map<string, TokenBucket>();
  private perGroup = new Map<string, SlidingWindow>();
  private perBot = new Map<string, SlidingWindow>();

  constructor(
    private readonly clock: () => number,
    private readonly limits: FakeLimits,
  ) {}

  owns(pathname: string): boolean {
    return pathname.startsWith('/bot');
  }

  prepare(req: InternalRequest): InternalPrepared {
    const m = /^\/bot([^/]*)\/([^/]+)\/?$/.exec(req.url.pathname);
    if (!m) return { destination: '', method: '', run: () => tgError(404, 'Not Found') };
    const token = m[1]!;
    const method = m[2]!;
    if (isMultipart(String(req.headers['content-type'] ?? ''))) {
      return {
        destination: formChatId(req.raw) ?? req.url.searchParams.get('chat_id') ?? '',
        method,
        run: async () => this.run(token, method, await readFormParams(req), req.signal),
      };
    }
    const params = readParams(req);
    return {
      destination: params.chatId ?? '',
      method,
      run: () => this.run(token, method, params, req.signal),
    };
  }

  private run(token: string, method: string, params: Params, signal: AbortSignal): InternalReply | Promise<InternalReply> {
    if (!TOKEN_RE.test(token)) return tgError(404, 'Not Found');
    if (this.revoked.has(token)) return tgError(401, 'Unauthorized');
    if (params.error) return tgError(400, params.error);
    switch (method.toLowerCase()) {
      case 'getme':
        return tgOk({ id: jsonId(token.split(':')[0]!), is_bot: true, ...BOT_NAME });
      case 'sendmessage':
        return this.sendMessage(token, params);
      case 'sendphoto':
        return this.sendFile(token, params, 'photo');
      case 'senddocument':
        return this.sendFile(token, params, 'document');
      case 'editmessagetext':
        return this.editMessageText(token, params);
      case 'getchat':
        return this.getChat(params);
      case 'getupdates':
        return this.getUpdates(token, params, signal);
      case 'setwebhook': {
        const url = params.values['url'];
        this.webhookUrl = typeof url === 'string' ? url : '';
        return tgOk(true);
      }
      case 'deletewebhook':
        this.webhookUrl = '';
        if (truthy(params.values['drop_pending_updates'])) this.updates = [];
        return tgOk(true);
      case 'getwebhookinfo':
        return tgOk({ url: this.webhookUrl, has_custom_certificate: false, pending_update_count: this.updates.length });
      default:
        return tgError(404, 'Not Found');
    }
  }

  /** The error a chat's state forces, if any (checked before anything else about the chat). */
  private chatProblem(chatId: string | undefined, sending: boolean): InternalReply | undefined {
    if (chatId === undefined || chatId === '') return tgError(400, 'Bad Request: chat_id is empty');
    if (!CHAT_ID_RE.test(chatId) || this.unknown.has(chatId)) return tgError(400, 'Bad Request: chat not found');
    const to = this.migrated.get(chatId);
    if (to !== undefined) {
      return tgError(400, 'Bad Request: group chat was upgraded to a supergroup chat', {
        migrate_to_chat_id: Number(to),
      });
    }
    const blocked = this.blocked.get(chatId);
    if (sending && blocked !== undefined) return tgError(403, blocked);
    return undefined;
  }

  private chatObject(chatId: string): Record<string, unknown> {
    const known = this.chats.get(chatId);
    if (known) return { ...known, id: jsonId(known.id) };
    const type = chatId.startsWith('-100') ? 'supergroup' : chatId.startsWith('-') ? 'group' : chatId.startsWith('@') ? 'channel' : 'private';
    return chatId.startsWith('@') ? { id: chatId, type, username: chatId.slice(1) } : { id: jsonId(chatId), type };
  }

  /**
   * The topic a message_thread_id names, or the error. Absent (or 0) means no topic. Telegram
   * answers "message thread not found" for a topic the forum does not have, for any topic in a
   * chat that is not a forum, and for 1 (the General topic takes no thread id).
   */
  private thread(chatId: string, raw: unknown): { id?: number; error?: InternalReply } {
    if (raw === undefined || raw === null || raw === '' || raw === 0 || raw === '0') return {};
    const id = toInt(raw);
    const topics = this.forums.get(chatId);
    if (id === undefined || id === 1 || !topics?.has(id)) return { error: tgError(400, 'Bad Request: message thread not found') };
    return { id };
  }

  /** The chat and topic a send or edit goes to, or the error Telegram answers first. */
  private target(params: Params): { chatId: string; thread?: number } | { error: InternalReply } {
    const chatId = params.chatId;
    const problem = this.chatProblem(chatId, true);
    if (problem || chatId === undefined) return { error: problem ?? tgError(400, 'Bad Request: chat_id is empty') };
    const thread = this.thread(chatId, params.values['message_thread_id']);
    if (thread.error) return { error: thread.error };
    return { chatId, ...(thread.id !== undefined ? { thread: thread.id } : {}) };
  }

  private sendMessage(token: string, params: Params): InternalReply {
    const to = this.target(params);
    if ('error' in to) return to.error;
    const read = readText(params, 'Bad Request: message is too long');
    if ('error' in read) return read.error;
    return this.accept(token, to, params, { kind: 'text', raw: read.text, parseMode: read.parseMode, plain: read.plain });
  }

  /** sendPhoto / sendDocument: a multipart upload, or a file id this fake gave out before. */
  private sendFile(token: string, params: Params, kind: 'photo' | 'document'): InternalReply {
    const to = this.target(params);
    if ('error' in to) return to.error;
    const file = this.fileParam(params, kind);
    if ('error' in file) return file.error;
    if (file.size === 0) return tgError(400, 'Bad Request: file must be non-empty');
    if (kind === 'photo') {
      // Observed answers: the Bot API passes the server's error names through.
      if (file.size > MAX_PHOTO_BYTES) return tgError(400, 'Bad Request: PHOTO_SAVE_FILE_INVALID');
      if (!isImage(Buffer.from(file.base64, 'base64'))) return tgError(400, 'Bad Request: IMAGE_PROCESS_FAILED');
    } else if (file.size > MAX_FILE_BYTES) return tgError(413, 'Request Entity Too Large');
    const caption = stringParam(params.values['caption']);
    const parseMode = parseModeOf(params);
    const parsed = parse(caption, parseMode);
    if ('error' in parsed) return parsed.error;
    if (codePointLength(parsed.text) > MAX_CAPTION) return tgError(400, 'Bad Request: message caption is too long');
    return this.accept(token, to, params, { kind, raw: caption, parseMode, plain: parsed.text, file });
  }

  /** The file a sendPhoto / sendDocument names: its own field, an `attach://<field>`, or a file id given out before. */
  private fileParam(params: Params, kind: 'photo' | 'document'): ReceivedFile | { error: InternalReply } {
    const files = params.files ?? [];
    const own = files.find((f) => f.field === kind);
    if (own) return own;
    const named = params.values[kind];
    if (typeof named !== 'string' || named.trim() === '') return { error: tgError(400, `Bad Request: there is no ${kind} in the request`) };
    const attached = /^attach:\/\/(.+)$/.exec(named.trim());
    const found = attached ? files.find((f) => f.field === attached[1]) : this.fileIds.get(named.trim());
    return found ?? { error: tgError(400, 'Bad Request: wrong file identifier/HTTP URL specified') };
  }

  /**
   * Counts a checked message against the limits, gives it the chat's next id and stores it for
   * edits and replies. A reply to a message the chat does not have is sent without the reply
   * when allowed (never in a forum topic, as in Telegram), else refused.
   */
  private accept(token: string, to: { chatId: string; thread?: number }, params: Params, out: Outgoing): InternalReply {
    const { chatId, thread } = to;
    const reply = this.replyTarget(chatId, thread, params);
    if ('error' in reply) return reply.error;
    const limited = this.checkRate(token, chatId);
    if (limited) return limited;

    const messageId = (this.messageIds.get(chatId) ?? 0) + 1;
    this.messageIds.set(chatId, messageId);
    const botId = token.split(':')[0]!;
    const date = Math.floor(this.clock() / 1000);
    getOrCreate(this.sent, chatId, () => new Map()).set(messageId, {
      botId,
      kind: out.kind,
      date,
      ...(thread !== undefined ? { thread } : {}),
      content: contentOf(out.raw, out.parseMode, out.plain),
    });
    const fileId = out.file ? this.issueFileId(out.kind, out.file) : undefined;
    return {
      ...tgOk({
        ...this.messageObject(botId, chatId, messageId, date, thread),
        ...(reply.id !== undefined
          ? { reply_to_message: this.messageObject(botId, chatId, reply.id, this.sent.get(chatId)!.get(reply.id)!.date, thread) }
          : {}),
        ...(out.kind === 'text' ? { text: out.plain } : {}),
        ...(out.kind === 'photo' && fileId ? { photo: [{ ...fileId, ...pngSize(out.file!) }] } : {}),
        ...(out.kind === 'document' && fileId ? { document: { file_name: out.file!.name, mime_type: out.file!.contentType, ...fileId } } : {}),
        ...(out.kind !== 'text' && out.plain !== '' ? { caption: out.plain } : {}),
      }),
      accepted: {
        destination: chatId,
        text: out.raw,
        silent: truthy(params.values['disable_notification']),
        ...(out.parseMode !== undefined ? { parseMode: out.parseMode } : {}),
        ...(thread !== undefined ? { thread: String(thread) } : {}),
        body: params.values,
        id: String(messageId),
        ...(reply.id !== undefined ? { replyTo: String(reply.id) } : {}),
        ...(out.file ? { files: [out.file] } : {}),
      },
    };
  }

  /** The common fields of a Message object the fake returns. */
  private messageObject(botId: string, chatId: string, messageId: number, date: number, thread: number | undefined): Record<string, unknown> {
    return {
      message_id: messageId,
      from: { id: jsonId(botId), is_bot: true, ...BOT_NAME },
      chat: this.chatObject(chatId),
      date,
      ...(thread !== undefined ? { message_thread_id: thread, is_topic_message: true } : {}),
    };
  }

  /** The message a send replies to (`reply_parameters`, or the older `reply_to_message_id`), if any. */
  private replyTarget(chatId: string, thread: number | undefined, params: Params): { id?: number } | { error: InternalReply } {
    let raw: unknown = params.values['reply_parameters'];
    if (typeof raw === 'string') {
      try {
        raw = JSON.parse(raw) as unknown;
      } catch {
        return { error: tgError(400, "Bad Request: can't parse reply parameters JSON object") };
      }
    }
    const given = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : undefined;
    const messageId = given ? given['message_id'] : params.values['reply_to_message_id'];
    if (messageId === undefined || messageId === null || messageId === '') return {};
    const allowRaw = given ? given['allow_sending_without_reply'] : params.values['allow_sending_without_reply'];
    const id = toInt(messageId);
    if (id !== undefined && this.sent.get(chatId)?.has(id)) return { id };
    // "Always False for replies in another chat or forum topic."
    if (truthy(allowRaw) && thread === undefined) return {};
    return { error: tgError(400, 'Bad Request: message to be replied not found') };
  }

  private issueFileId(kind: Outgoing['kind'], file: ReceivedFile): { file_id: string; file_unique_id: string; file_size: number } {
    const n = ++this.fileCount;
    const fileId = `${kind === 'photo' ? 'AgAC' : 'BQAC'}sandbox${n}`;
    this.fileIds.set(fileId, file);
    return { file_id: fileId, file_unique_id: `AQAD${n}`, file_size: file.size };
  }

  /** editMessageText of a text message this bot sent in the chat; counts against the limits like a send. */
  private editMessageText(token: string, params: Params): InternalReply {
    const chatId = params.chatId;
    const problem = this.chatProblem(chatId, true);
    if (problem || chatId === undefined) return problem ?? tgError(400, 'Bad Request: chat_id is empty');
    const rawId = params.values['message_id'];
    if (rawId === undefined || rawId === null || rawId === '') return tgError(400, 'Bad Request: message identifier is not specified');
    const messageId = toInt(rawId);
    if (messageId === undefined || messageId <= 0) return tgError(400, 'Bad Request: MESSAGE_ID_INVALID');
    // The edit's own answer for a long text: the server's error name, unlike sendMessage's.
    const read = readText(params, 'Bad Request: MESSAGE_TOO_LONG');
    if ('error' in read) return read.error;
    const { text, parseMode, plain } = read;
    const botId = token.split(':')[0]!;
    const message = this.sent.get(chatId)?.get(messageId);
    if (!message) return tgError(400, 'Bad Request: message to edit not found');
    if (message.botId !== botId) return tgError(400, "Bad Request: message can't be edited");
    if (message.kind !== 'text') return tgError(400, 'Bad Request: there is no text in the message to edit');
    const content = contentOf(text, parseMode, plain);
    if (content === message.content) return tgError(400, NOT_MODIFIED);
    const limited = this.checkRate(token, chatId);
    if (limited) return limited;

    message.content = content;
    return {
      ...tgOk({
        ...this.messageObject(botId, chatId, messageId, message.date, message.thread),
        edit_date: Math.floor(this.clock() / 1000),
        text: plain,
      }),
      accepted: {
        destination: chatId,
        text,
        silent: false,
        ...(parseMode !== undefined ? { parseMode } : {}),
        ...(message.thread !== undefined ? { thread: String(message.thread) } : {}),
        body: params.values,
        id: String(messageId),
        edits: String(messageId),
      },
    };
  }

  /** Check every limit first and charge only when all allow, so a 429 costs nothing. */
  private checkRate(token: string, chatId: string): InternalReply | undefined {
    const now = this.clock();
    const botId = token.split(':')[0]!;
    const chatKey = `${botId}|${chatId}`;
    const { telegramPerChat: pc, telegramPerGroupPerMinute, telegramPerBotPerSecond } = this.limits;
    const chat = getOrCreate(this.perChat, chatKey, () => new TokenBucket(pc.burst, pc.perSecond, now));
    const bot = getOrCreate(this.perBot, botId, () => new SlidingWindow(telegramPerBotPerSecond, 1000));
    const group = chatId.startsWith('-') ? getOrCreate(this.perGroup, chatKey, () => new SlidingWindow(telegramPerGroupPerMinute, 60_000)) : undefined;
    const wait = Math.max(chat.waitMs(now), bot.waitMs(now), group?.waitMs(now) ?? 0);
    if (wait > 0) {
      const retryAfter = Number.isFinite(wait) ? Math.max(1, Math.ceil(wait / 1000)) : 2_147_483;
      return tgError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
    }
    chat.take(now);
    bot.take(now);
    group?.take(now);
    return undefined;
  }

  private getChat(params: Params): InternalReply {
    const chatId = params.chatId;
    const problem = this.chatProblem(chatId, false);
    if (problem || chatId === undefined) return problem ?? tgError(400, 'Bad Request: chat_id is empty');
    const known = this.chats.get(chatId);
    return known ? tgOk({ ...known, id: jsonId(known.id) }) : tgError(400, 'Bad Request: chat not found');
  }

  private pending(offset: number, limit: number): unknown[] {
    return this.updates.filter((u) => u.update_id >= offset).slice(0, limit);
  }

  private getUpdates(token: string, params: Params, signal: AbortSignal): InternalReply | Promise<InternalReply> {
    if (this.webhookUrl !== '') {
      return tgError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    }
    let offset = toInt(params.values['offset']) ?? 0;
    const limit = Math.min(100, Math.max(1, toInt(params.values['limit']) ?? 100));
    const timeout = Math.min(MAX_POLL_SECONDS, Math.max(0, toInt(params.values['timeout']) ?? 0));
    // offset confirms everything before it; a negative one keeps only the last -offset updates.
    if (offset > 0) this.updates = this.updates.filter((u) => u.update_id >= offset);
    else if (offset < 0) {
      this.updates = this.updates.slice(offset);
      offset = 0;
    }
    // Like Telegram, a newer poll from the same bot ends the older one with 409.
    for (const p of [...this.pollers]) {
      if (p.token === token) {
        p.finish(tgError(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running'));
      }
    }
    const ready = this.pending(offset, limit);
    if (ready.length > 0 || timeout === 0 || signal.aborted) return tgOk(ready);
    return new Promise<InternalReply>((resolve) => {
      // The wait is real time, not the injected clock: the client really waits on the socket.
      const poller: Poller = {
        token,
        offset,
        limit,
        finish: (reply) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          this.pollers.delete(poller);
          resolve(reply);
        },
      };
      const onAbort = (): void => poller.finish(tgOk([]));
      const timer = setTimeout(() => poller.finish(tgOk(this.pending(offset, limit))), timeout * 1000);
      signal.addEventListener('abort', onAbort, { once: true });
      this.pollers.add(poller);
    });
  }

  /** See {@link FakePlatformServer.revokeToken}. */
  revokeToken(token: string): void {
    this.revoked.add(token);
  }

  /** See {@link FakePlatformServer.blockChat}. */
  blockChat(chatId: string, description = 'Forbidden: bot was blocked by the user'): void {
    this.blocked.set(String(chatId), description);
  }

  /** See {@link FakePlatformServer.unknownChat}. */
  unknownChat(chatId: string): void {
    this.unknown.add(String(chatId));
  }

  /** See {@link FakePlatformServer.migrateChat}. */
  migrateChat(from: string, to: string): void {
    this.migrated.set(String(from), String(to));
  }

  /** See {@link FakePlatformServer.addChat}. */
  addChat(chat: FakeTelegramChat): void {
    const entry = { ...chat, id: String(chat.id) };
    this.chats.set(entry.id, entry);
    if (entry.username) this.chats.set(`@${entry.username}`, entry);
  }

  /** See {@link FakePlatformServer.setTelegramForum}. */
  setForum(chatId: string, topicIds: readonly number[] | null): void {
    if (topicIds === null) this.forums.delete(String(chatId));
    else this.forums.set(String(chatId), new Set(topicIds));
  }

  /** See {@link FakePlatformServer.pushUpdate}. */
  pushUpdate(update: object): Record<string, unknown> & { update_id: number } {
    const given = toInt((update as { update_id?: unknown }).update_id);
    const updateId = given !== undefined && given >= this.nextUpdateId ? given : this.nextUpdateId;
    this.nextUpdateId = updateId + 1;
    const stored: Record<string, unknown> & { update_id: number } = { ...(update as Record<string, unknown>), update_id: updateId };
    const message = this.userMessage(stored['message']);
    if (message) stored['message'] = message;
    this.updates.push(stored);
    for (const p of [...this.pollers]) {
      const ready = this.pending(p.offset, p.limit);
      if (ready.length > 0) p.finish(tgOk(ready));
    }
    return stored;
  }

  /**
   * A user's message in a pushed update, made part of its chat: it takes the chat's next
   * message id when it has none (ids are per chat, shared with the bots' messages), later bot
   * messages get higher ids, and bots can reply to it (not edit it).
   */
  private userMessage(raw: unknown): Record<string, unknown> | undefined {
    if (raw === null || typeof raw !== 'object') return undefined;
    const message = raw as Record<string, unknown>;
    const chatId = (message['chat'] as { id?: unknown } | undefined)?.id;
    if (typeof chatId !== 'number' && typeof chatId !== 'string') return undefined;
    const chat = String(chatId);
    const last = this.messageIds.get(chat) ?? 0;
    const messageId = toInt(message['message_id']) ?? last + 1;
    this.messageIds.set(chat, Math.max(last, messageId));
    const date = toInt(message['date']) ?? Math.floor(this.clock() / 1000);
    const thread = toInt(message['message_thread_id']);
    getOrCreate(this.sent, chat, () => new Map()).set(messageId, {
      botId: '',
      kind: 'text',
      date,
      ...(thread !== undefined ? { thread } : {}),
      content: typeof message['text'] === 'string' ? message['text'] : '',
    });
    return { ...message, message_id: messageId, date };
  }

  /** See {@link FakePlatformServer.deleteMessage}: a later edit answers "message to edit not found". */
  deleteMessage(destination: string, id: string): void {
    const n = toInt(id);
    if (n !== undefined) this.sent.get(String(destination))?.delete(n);
  }

  /** See {@link FakePlatformServer.setWebhookActive}. */
  setWebhookActive(active: boolean): void {
    this.webhookUrl = active ? WEBHOOK_URL : '';
  }

  reset(): void {
    this.shutdown();
    this.revoked.clear();
    this.blocked.clear();
    this.unknown.clear();
    this.migrated.clear();
    this.chats.clear();
    this.forums.clear();
    this.updates = [];
    this.nextUpdateId = 1;
    this.webhookUrl = '';
    this.messageIds.clear();
    this.sent.clear();
    this.fileIds.clear();
    this.fileCount = 0;
    this.perChat.clear();
    this.perGroup.clear();
    this.perBot.clear();
  }

  shutdown(): void {
    for (const p of [...this.pollers]) p.finish(tgOk([]));
  }
}
