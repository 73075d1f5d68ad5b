/**
 * Fake Telegram Bot API: `/bot<token>/<method>` with the methods a notifier uses
 * (sendMessage, getMe, getChat, getUpdates, setWebhook, deleteWebhook, getWebhookInfo),
 * real limits and real error texts (PLATFORMS.md), forum topics (`message_thread_id`).
 */
import { getOrCreate, SlidingWindow, TokenBucket } from './rate-window.js';
import { codePointLength, parseTelegramHtml, parseTelegramMarkdownV2, type MarkupResult } from './telegram-markup.js';
import type { FakeLimits, InternalHandler, InternalPrepared, InternalReply, InternalRequest } from './types.js';

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
const MAX_POLL_SECONDS = 50;
const WEBHOOK_URL = 'https://example.invalid/hook';
const BOT_NAME = { first_name: 'Herald Sandbox', username: 'herald_sandbox_bot' } as const;

interface Params {
  values: Record<string, unknown>;
  /** chat_id exactly as sent: big JSON numbers are taken from the raw text, not a double. */
  chatId?: string;
  error?: string;
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
    if (type.includes('multipart/form-data')) {
      error = 'Bad Request: multipart bodies are not supported by the sandbox; send JSON';
    } else if (type.includes('x-www-form-urlencoded') || (!type.includes('json') && !text.trimStart().startsWith('{'))) {
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
  let chatId: string | undefined;
  const raw = values['chat_id'];
  if (typeof raw === 'string') chatId = raw.trim();
  else if (typeof raw === 'number') {
    // A JSON number beyond 2^53 was already rounded by JSON.parse; recover the digits sent.
    const exact = Number.isSafeInteger(raw) ? undefined : /"chat_id"\s*:\s*(-?\d+)/.exec(text)?.[1];
    chatId = exact ?? String(raw);
  } else if (typeof raw === 'bigint') chatId = raw.toString();
  return { values, ...(chatId !== undefined ? { chatId } : {}), ...(error !== undefined ? { error } : {}) };
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

  private sendMessage(token: string, params: Params): InternalReply {
    const chatId = params.chatId;
    const problem = this.chatProblem(chatId, true);
    if (problem || chatId === undefined) return problem ?? tgError(400, 'Bad Request: chat_id is empty');
    const thread = this.thread(chatId, params.values['message_thread_id']);
    if (thread.error) return thread.error;
    const rawText = params.values['text'];
    const text = typeof rawText === 'string' ? rawText : typeof rawText === 'number' ? String(rawText) : '';
    const parseModeRaw = params.values['parse_mode'];
    const parseMode = typeof parseModeRaw === 'string' && parseModeRaw !== '' ? parseModeRaw : undefined;
    if (text.trim() === '') return tgError(400, 'Bad Request: message text is empty');
    const parsed = plainText(text, parseMode);
    if (!parsed.ok) {
      return parsed.error === 'unsupported parse_mode'
        ? tgError(400, 'Bad Request: unsupported parse_mode')
        : tgError(400, `Bad Request: can't parse entities: ${parsed.error}`);
    }
    // Telegram trims the text; markup that leaves nothing is an empty message too.
    if (parsed.text.trim() === '') return tgError(400, 'Bad Request: message text is empty');
    if (codePointLength(parsed.text) > MAX_TEXT) return tgError(400, 'Bad Request: message is too long');

    const limited = this.checkRate(token, chatId);
    if (limited) return limited;

    const messageId = (this.messageIds.get(chatId) ?? 0) + 1;
    this.messageIds.set(chatId, messageId);
    const botId = token.split(':')[0]!;
    return {
      ...tgOk({
        message_id: messageId,
        from: { id: jsonId(botId), is_bot: true, ...BOT_NAME },
        chat: this.chatObject(chatId),
        date: Math.floor(this.clock() / 1000),
        ...(thread.id !== undefined ? { message_thread_id: thread.id, is_topic_message: true } : {}),
        text: parsed.text,
      }),
      accepted: {
        destination: chatId,
        text,
        silent: truthy(params.values['disable_notification']),
        ...(parseMode !== undefined ? { parseMode } : {}),
        ...(thread.id !== undefined ? { thread: String(thread.id) } : {}),
        body: params.values,
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
  pushUpdate(update: object): void {
    const given = toInt((update as { update_id?: unknown }).update_id);
    const updateId = given !== undefined && given >= this.nextUpdateId ? given : this.nextUpdateId;
    this.nextUpdateId = updateId + 1;
    this.updates.push({ ...(update as Record<string, unknown>), update_id: updateId });
    for (const p of [...this.pollers]) {
      const ready = this.pending(p.offset, p.limit);
      if (ready.length > 0) p.finish(tgOk(ready));
    }
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
    this.perChat.clear();
    this.perGroup.clear();
    this.perBot.clear();
  }

  shutdown(): void {
    for (const p of [...this.pollers]) p.finish(tgOk([]));
  }
}
