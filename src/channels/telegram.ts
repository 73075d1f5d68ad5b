/**
 * Telegram Bot API driver: `sendMessage` with `parse_mode: HTML`, every character of user text
 * escaped, plain-text resend on "can't parse entities", supergroup migration, forum topics,
 * cards as a bold headline with numbers in monospace, and the per-chat / per-group / per-bot
 * limits from the Bot FAQ. Files go as `sendPhoto` (images) or `sendDocument` with the text as
 * caption; live messages are edited with `editMessageText` and alerts sent as replies. Also
 * resolves `telegram:<chat>[:<topic>]` targets (the GENERAL bot to another chat) and Apprise's
 * `tgram://` URLs.
 */
import type { CardSupport, Channel, FileSupport, OutgoingPart, RateBucket, SendOutcome } from './channel.js';
import type { ConfigProblem } from '../config/problems.js';
import type { ChannelSpec, Driver, DriverContext, EnvReading, Role, TargetSupport } from './driver.js';
import { escapeTelegramHtml, telegramCards, telegramCardsHtml } from './telegram-format.js';

export { escapeTelegramHtml } from './telegram-format.js';
import { appriseBool, appriseList, parseAppriseUrl } from '../config/apprise-url.js';
import { type Env, unquote } from '../config/env.js';
import { readBaseUrl } from '../config/urls.js';
import { fingerprint, genericOutcome, isOutcome, multipartBody, parseJson, postJson, postMultipart, retryAfterHeaderMs } from './answers.js';
import type { HttpResponse } from './http.js';
import { codePoints } from './split.js';
import { maskSecret } from '../config/redact.js';

/** Telegram's default API root; `TELEGRAM_API_BASE_URL` overrides it. */
export const TELEGRAM_DEFAULT_BASE = 'https://api.telegram.org';
/** Characters per message after entity parsing. */
export const TELEGRAM_MAX_LENGTH = 4096;
/**
 * Files: sendPhoto takes photos up to 10 MB (documents up to 50 MB, but one limit keeps a file
 * from going one way and not the other); captions are 0–1024 characters after entity parsing.
 */
export const TELEGRAM_FILES: FileSupport = { maxBytes: 10 * 1024 * 1024, captionMax: 1024, images: true };
const TOKEN_RE = /^\d{3,}:[A-Za-z0-9_-]{30,}$/;
const CHAT_RE = /^(-?\d+|@[A-Za-z][A-Za-z0-9_]{3,})$/;

/** Plain-data Telegram destination. `chatId` stays a string end to end. */
export interface TelegramSpec extends ChannelSpec {
  readonly driver: 'telegram';
  readonly token: string;
  readonly chatId: string;
  readonly baseUrl: string;
  /** Variable that holds the chat id, named in the migration fix. */
  readonly chatVariable?: string;
  /** Forum topic (`message_thread_id`). */
  readonly topicId?: string;
  /** Variable that holds the topic id, named in fixes. */
  readonly topicVariable?: string;
  /** Every message without sound (Apprise `silent=yes`). */
  readonly silent?: boolean;
  /** Show link previews (Apprise `preview=yes`); off by default. */
  readonly preview?: boolean;
  /** Plain text: no parse mode, no cards (Apprise `format=text`). */
  readonly plain?: boolean;
}

/** Checks a bot token's shape; returns a problem or undefined. */
export function checkTelegramToken(token: string, variable: string): ConfigProblem | undefined {
  if (TOKEN_RE.test(token)) return undefined;
  const shown = token.length > 8 ? maskSecret(token) : '(too short)';
  return {
    variable,
    message: `"${shown}" is not a Telegram bot token (expected <digits>:<secret>, like 123456789:AAE…)`,
    fix: 'copy the whole token @BotFather gave you (/mybots → your bot → API Token), without quotes or spaces',
  };
}

/** Checks a chat id's shape, catching the classic dropped minus of supergroup ids. */
export function checkTelegramChatId(chatId: string, variable: string): ConfigProblem | undefined {
  if (/^100\d{10}$/.test(chatId)) {
    return {
      variable,
      message: `"${chatId}" looks like a supergroup or channel id that lost its leading "-"`,
      fix: `use -${chatId} (group ids are negative; supergroups and channels start with -100)`,
    };
  }
  if (CHAT_RE.test(chatId)) return undefined;
  return {
    variable,
    message: `"${chatId}" is not a Telegram chat id`,
    fix: 'use the numeric id (negative for groups, -100… for supergroups and channels) or @channelusername; `herald chat-id` finds it',
  };
}

/** Validates `TELEGRAM_API_BASE_URL` (https, or http on loopback for a local server). */
export function readTelegramBaseUrl(env: Env): { baseUrl: string; problem?: ConfigProblem } {
  return readBaseUrl(env, 'TELEGRAM_API_BASE_URL', TELEGRAM_DEFAULT_BASE, "your Bot API server's address, e.g. http://127.0.0.1:8081");
}

/** Checks a forum topic id: a positive number (`message_thread_id`). */
function checkTopic(topic: string, variable: string): ConfigProblem | undefined {
  if (/^\d{1,12}$/.test(topic) && topic !== '0') return undefined;
  return {
    variable,
    message: `"${topic}" is not a forum topic id`,
    fix: 'use the number at the end of a message link in the topic (https://t.me/c/<chat>/<topic>/<message>), or leave it empty for the General topic',
  };
}

function readEnv(env: Env, role: Role): EnvReading<TelegramSpec> {
  const tokenVar = `${role}_TELEGRAM_BOT_TOKEN`;
  const chatVar = `${role}_TELEGRAM_BOT_CHAT_ID`;
  const topicVar = `${role}_TELEGRAM_BOT_TOPIC_ID`;
  // Quotes kept by a hand-set environment are not part of the value, as for every variable.
  const token = unquote(env[tokenVar]);
  const chatId = unquote(env[chatVar]);
  const topicId = unquote(env[topicVar]);
  if (!token && !chatId) {
    return {
      specs: [],
      problems: topicId
        ? [
            {
              variable: topicVar,
              message: `${topicVar} is set but ${tokenVar} and ${chatVar} are not`,
              fix: `set the bot and the forum chat the topic belongs to, or remove ${topicVar}`,
            },
          ]
        : [],
    };
  }
  const problems: ConfigProblem[] = [];
  if (!token)
    problems.push({
      variable: tokenVar,
      message: `${chatVar} is set but the token is missing`,
      fix: `set ${tokenVar} to the token from @BotFather, or remove ${chatVar}`,
    });
  if (!chatId)
    problems.push({
      variable: chatVar,
      message: `${tokenVar} is set but the chat id is missing`,
      fix: `set ${chatVar} (run \`herald chat-id\`, or message the bot and read getUpdates), or remove ${tokenVar}`,
    });
  if (token) {
    const p = checkTelegramToken(token, tokenVar);
    if (p) problems.push(p);
  }
  if (chatId) {
    const p = checkTelegramChatId(chatId, chatVar);
    if (p) problems.push(p);
  }
  if (topicId) {
    const p = checkTopic(topicId, topicVar);
    if (p) problems.push(p);
  }
  const base = readTelegramBaseUrl(env);
  if (base.problem) problems.push(base.problem);
  if (problems.length || !token || !chatId) return { specs: [], problems };
  return {
    specs: [
      {
        driver: 'telegram',
        origin: tokenVar,
        token,
        chatId,
        baseUrl: base.baseUrl,
        chatVariable: chatVar,
        ...topicOf(topicId),
        ...(topicId ? { topicVariable: topicVar } : {}),
      },
    ],
    problems: [],
  };
}

/** The General topic is topic 1, which Telegram refuses as `message_thread_id`: leave it out. */
function topicOf(topic: string | undefined): { topicId?: string } {
  return topic && topic !== '1' ? { topicId: topic } : {};
}

/** A chat as written in a target: `-100123`, `@channel`, Apprise's bare `channel`; `:<topic>` after it. */
function chatTarget(raw: string, origin: string): { chatId: string; topicId?: string } | ConfigProblem {
  const m = /^(.+?)(?::(\d+))?$/.exec(raw.trim().replace(/%3A/gi, ':'))!;
  let chat = m[1]!;
  if (/^[A-Za-z_][A-Za-z0-9_]+$/.test(chat)) chat = `@${chat}`;
  const problem = checkTelegramChatId(chat, origin) ?? (m[2] !== undefined ? checkTopic(m[2], origin) : undefined);
  if (problem) return problem;
  return { chatId: chat, ...topicOf(m[2]) };
}

const TARGET_FIX = 'write telegram:<chat_id> or telegram:<chat_id>:<topic_id> (e.g. telegram:-1001234567890:42)';

/** `telegram:<chat>[:<topic>]`: the GENERAL bot to another chat or topic. */
function parsePrefixTarget(target: string, env: Env, origin: string): TelegramSpec[] | ConfigProblem {
  const rest = target.slice(target.indexOf(':') + 1);
  if (!rest.trim()) return { variable: origin, message: `"${target}" names no chat`, fix: TARGET_FIX };
  const token = env.GENERAL_TELEGRAM_BOT_TOKEN?.trim();
  if (!token)
    return {
      variable: origin,
      message: `"${target}" needs the GENERAL Telegram bot, and GENERAL_TELEGRAM_BOT_TOKEN is not set`,
      fix: 'set GENERAL_TELEGRAM_BOT_TOKEN (from @BotFather), or use a tgram://<token>/<chat> URL',
    };
  const tokenProblem = checkTelegramToken(token, 'GENERAL_TELEGRAM_BOT_TOKEN');
  if (tokenProblem) return tokenProblem;
  const chat = chatTarget(rest, origin);
  if ('fix' in chat) return { ...chat, fix: `${chat.fix}; ${TARGET_FIX}` };
  const base = readTelegramBaseUrl(env);
  if (base.problem) return base.problem;
  return [{ driver: 'telegram', origin, token, baseUrl: base.baseUrl, ...chat }];
}

const APPRISE_FIX = 'write tgram://<bot_token>/<chat_id>[:<topic>]/… (see https://appriseit.com/services/telegram/)';

/** Apprise `tgram://<token>/<chat>[:<topic>]/…?to=…&topic=…&silent=…&preview=…&format=…`: one spec per chat. */
export function parseAppriseTelegram(raw: string, env: Env, origin: string): TelegramSpec[] | ConfigProblem {
  const u = parseAppriseUrl(raw.replace(/^(tgram:\/\/)bot(?=\d)/i, '$1'));
  const problem = (message: string, fix = APPRISE_FIX): ConfigProblem => ({ variable: origin, message, fix });
  if (!u) return problem('not a tgram:// URL');
  // Apprise accepts the token's colon as ':' or '%3A', so the host already holds the whole token.
  const token = u.host;
  if (!/^\d+:/.test(token)) return problem('tgram:// needs the bot token first, like tgram://123456789:AAE…/<chat_id>');
  const tokenProblem = checkTelegramToken(token, origin);
  if (tokenProblem) return { ...tokenProblem, message: `in the tgram:// URL, ${tokenProblem.message}` };
  const q = u.query;
  const defaultTopic = q.get('topic') ?? q.get('thread');
  if (defaultTopic !== undefined && defaultTopic !== '') {
    const p = checkTopic(defaultTopic, origin);
    if (p) return p;
  }
  const chats = [...u.path, ...appriseList(q.get('to'))];
  if (!chats.length)
    return problem(
      'the tgram:// URL names no chat (Herald does not guess the bot owner)',
      `add the chat id: tgram://<token>/<chat_id> (\`herald chat-id\` finds it)`,
    );
  const base = readTelegramBaseUrl(env);
  if (base.problem) return base.problem;
  const options = {
    ...(appriseBool(q.get('silent'), false) ? { silent: true } : {}),
    ...(appriseBool(q.get('preview'), false) ? { preview: true } : {}),
    ...((q.get('format') ?? '').toLowerCase() === 'text' ? { plain: true } : {}),
  };
  const specs: TelegramSpec[] = [];
  for (const c of chats) {
    const chat = chatTarget(c, origin);
    if ('fix' in chat) return chat;
    specs.push({
      driver: 'telegram',
      origin,
      token,
      baseUrl: base.baseUrl,
      chatId: chat.chatId,
      ...(chat.topicId ? { topicId: chat.topicId } : topicOf(defaultTopic)),
      ...options,
    });
  }
  return specs;
}

const targets: TargetSupport = {
  prefixes: ['telegram'],
  schemes: ['tgram'],
  parse: (target, env, origin) => (/^tgram:\/\//i.test(target) ? parseAppriseTelegram(target, env, origin) : parsePrefixTarget(target, env, origin)),
};

/** The Telegram driver. */
export const telegramDriver: Driver<TelegramSpec> = {
  name: 'telegram',
  fromEnv: readEnv,
  targets,
  create: (spec, ctx) => new TelegramChannel(spec, ctx),
};

interface TelegramAnswer {
  ok?: boolean;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number | string };
  /** The sent (or edited) Message; `true` for edits of inline messages, which Herald never makes. */
  result?: { message_id?: number } | boolean;
}

/** Edit answers that mean the message is gone, too old, or not one this bot can edit: send anew. */
const UNEDITABLE = /message to edit not found|message can't be edited|MESSAGE_ID_INVALID|there is no text in the message to edit/i;
/** A sendPhoto refused for the picture itself (size, dimensions, format): the same file goes as a document. */
const BAD_PHOTO = /PHOTO_|IMAGE_PROCESS_FAILED/i;

class TelegramChannel implements Channel {
  readonly platform = 'Telegram';
  readonly maxLength = TELEGRAM_MAX_LENGTH;
  readonly secrets: readonly string[];
  readonly id: string;
  readonly cards: CardSupport | undefined;
  readonly files = TELEGRAM_FILES;
  readonly edits = true;
  private chatId: string;
  private readonly botKey: string;

  constructor(
    private readonly spec: TelegramSpec,
    private readonly ctx: DriverContext,
  ) {
    this.chatId = spec.chatId;
    this.botKey = fingerprint(`${spec.baseUrl} ${spec.token}`);
    const options = [spec.silent ? 'silent' : '', spec.preview ? 'preview' : '', spec.plain ? 'plain' : ''].filter(Boolean);
    this.id = `telegram:${this.botKey}:${spec.chatId}${spec.topicId ? `:${spec.topicId}` : ''}${options.length ? `:${options.join(',')}` : ''}`;
    this.secrets = [spec.token];
    this.cards = spec.plain ? undefined : telegramCards;
  }

  get label(): string {
    return `Telegram bot ${maskSecret(this.spec.token)} → chat ${this.chatId}${this.spec.topicId ? ` topic ${this.spec.topicId}` : ''}`;
  }

  measure = codePoints;

  buckets(): RateBucket[] {
    // Asked before every send: built once per chat (a migration changes the chat).
    if (this.bucketsFor?.chatId === this.chatId) return this.bucketsFor.list;
    // Bot FAQ: ~1 msg/s per chat (short bursts ok), 20/min per group, ~30/s per bot.
    const list: RateBucket[] = [
      { key: `telegram:chat:${this.botKey}:${this.chatId}`, capacity: 3, intervalMs: 1000 },
      { key: `telegram:bot:${this.botKey}`, capacity: 30, intervalMs: 1000 / 30 },
    ];
    // "20 per minute in a group" is a rolling window: a refilling bucket would allow 20 + t/3 in t seconds.
    if (this.chatId.startsWith('-')) list.push({ key: `telegram:group:${this.botKey}:${this.chatId}`, capacity: 20, intervalMs: 3000, windowMs: 60_000 });
    this.bucketsFor = { chatId: this.chatId, list };
    return list;
  }

  private bucketsFor: { readonly chatId: string; readonly list: RateBucket[] } | undefined;

  async send(part: OutgoingPart, signal: AbortSignal): Promise<SendOutcome> {
    const how: How = { html: !this.spec.plain, document: false, reply: part.replyTo !== undefined };
    for (;;) {
      const outcome = await this.post(part, how, signal);
      if (outcome.kind !== 'rejected') return outcome;
      // Each fallback below changes one thing once, so this ends after at most four requests.
      if (how.html && /can't parse entities/i.test(outcome.reason)) {
        // Escaping should make this impossible; if Telegram still disagrees, the words matter more than the markup.
        how.html = false;
      } else if (how.reply && /message to be replied not found/i.test(outcome.reason)) {
        // The message is gone and Telegram refused to send without it (always so in a forum topic): the alert still goes.
        how.reply = false;
      } else if (part.file && part.edit === undefined && !how.document && isPicture(part) && BAD_PHOTO.test(outcome.reason)) {
        // Too large or odd for a photo (dimensions, format): a document shows the same file.
        how.document = true;
      } else return outcome;
    }
  }

  /** One request for the part: an edit, an upload, or a message. */
  private async post(part: OutgoingPart, how: How, signal: AbortSignal): Promise<SendOutcome> {
    const text = part.cards ? telegramCardsHtml(part.cards, how.html) : how.html ? escapeTelegramHtml(part.text) : part.text;
    const url = (method: string): string => `${this.spec.baseUrl}/bot${this.spec.token}/${method}`;
    const silent = part.silent || this.spec.silent === true;
    // Sending without the replied message keeps the alert when the live message was deleted meanwhile.
    const replyParameters = how.reply && part.replyTo !== undefined ? { message_id: Number(part.replyTo), allow_sending_without_reply: true } : undefined;
    let res: HttpResponse | SendOutcome;
    if (part.edit !== undefined) {
      if (!/^\d+$/.test(part.edit)) return { kind: 'uneditable', reason: `"${part.edit}" is not a Telegram message id` };
      const payload: Record<string, unknown> = {
        chat_id: this.chatId,
        message_id: Number(part.edit),
        text,
        link_preview_options: { is_disabled: !this.spec.preview },
      };
      if (how.html) payload.parse_mode = 'HTML';
      res = await postJson(this.ctx.http, url('editMessageText'), payload, signal);
    } else if (part.file) {
      const field = isPicture(part) && !how.document ? 'photo' : 'document';
      // Written by hand, not as FormData: that would turn the caption's line breaks into CRLF.
      const fields: [string, string][] = [['chat_id', this.chatId]];
      if (text !== '') fields.push(['caption', text]);
      if (how.html) fields.push(['parse_mode', 'HTML']);
      if (silent) fields.push(['disable_notification', 'true']);
      if (this.spec.topicId) fields.push(['message_thread_id', this.spec.topicId]);
      if (replyParameters) fields.push(['reply_parameters', JSON.stringify(replyParameters)]);
      const body = multipartBody(fields, { field, attachment: part.file });
      res = await postMultipart(this.ctx.http, url(field === 'photo' ? 'sendPhoto' : 'sendDocument'), body, signal);
    } else {
      const payload: Record<string, unknown> = {
        chat_id: this.chatId,
        text,
        link_preview_options: { is_disabled: !this.spec.preview },
      };
      if (how.html) payload.parse_mode = 'HTML';
      if (silent) payload.disable_notification = true;
      if (this.spec.topicId) payload.message_thread_id = Number(this.spec.topicId);
      if (replyParameters) payload.reply_parameters = replyParameters;
      res = await postJson(this.ctx.http, url('sendMessage'), payload, signal);
    }
    if (isOutcome(res)) return res;
    const answer = (parseJson(res.body) ?? {}) as TelegramAnswer;
    if (res.status === 200 && answer.ok) {
      const id = typeof answer.result === 'object' ? answer.result.message_id : undefined;
      const ref = part.edit ?? (id !== undefined ? String(id) : undefined);
      return ref !== undefined ? { kind: 'ok', ref } : { kind: 'ok' };
    }
    if (part.edit !== undefined && res.status === 400) {
      const description = answer.description ?? '';
      // The message already shows this text: nothing to change is success.
      if (/message is not modified/i.test(description)) return { kind: 'ok', ref: part.edit };
      if (UNEDITABLE.test(description)) return { kind: 'uneditable', reason: description };
    }
    return this.classify(res.status, answer, res.headers) ?? genericOutcome(res, 'Telegram');
  }

  private classify(status: number, a: TelegramAnswer, headers: Headers): SendOutcome | undefined {
    const description = a.description ?? `HTTP ${status}`;
    const migrated = a.parameters?.migrate_to_chat_id;
    if (migrated !== undefined) {
      const from = this.chatId;
      this.chatId = String(migrated);
      const variable = this.spec.chatVariable ?? 'the chat id';
      return { kind: 'moved', reason: `the group ${from} was upgraded to supergroup ${this.chatId}; sending there now`, fix: `set ${variable}=${this.chatId}` };
    }
    if (status === 429) {
      const s = a.parameters?.retry_after;
      return { kind: 'retry-after', delayMs: s !== undefined ? s * 1000 : (retryAfterHeaderMs(headers) ?? 1000), reason: description };
    }
    if (status === 401)
      return {
        kind: 'dead',
        reason: `${description}: the bot token was revoked or mistyped`,
        fix: `get the current token from @BotFather (/mybots → API Token) and update ${this.spec.origin}`,
      };
    if (status === 404)
      return { kind: 'dead', reason: `${description}: no bot answers at this token/address`, fix: `check ${this.spec.origin} and TELEGRAM_API_BASE_URL` };
    if (status === 403) return { kind: 'dead', reason: description, fix: forbiddenFix(description) };
    if (status === 400 && /message thread not found/i.test(description)) {
      return {
        kind: 'dead',
        reason: `${description} (chat ${this.chatId}, topic ${this.spec.topicId ?? 'none'})`,
        fix: `check ${this.spec.topicVariable ?? this.spec.origin}: the topic id is the number after the chat in a message link (https://t.me/c/<chat>/<topic>/<message>), and the chat must be a forum`,
      };
    }
    if (status === 400 && /chat not found/i.test(description)) {
      return {
        kind: 'dead',
        reason: `${description} (chat ${this.chatId})`,
        fix: `check ${this.spec.chatVariable ?? 'the chat id'}: group ids are negative (-…), supergroups and channels start with -100; a user must send /start to the bot first; \`herald chat-id\` lists the chats the bot can see`,
      };
    }
    if (status === 400) return { kind: 'rejected', reason: description };
    return undefined;
  }
}

/** How one request renders a part; each fallback turns one of these off. */
interface How {
  /** `parse_mode: HTML` with escaped text, else plain text. */
  html: boolean;
  /** An image sent with sendDocument instead of sendPhoto. */
  document: boolean;
  /** With `reply_parameters`. */
  reply: boolean;
}

/** Images are shown as photos; anything else is a document. */
function isPicture(part: OutgoingPart): boolean {
  return part.file !== undefined && /^image\//i.test(part.file.contentType);
}

function forbiddenFix(description: string): string {
  if (/blocked by the user/i.test(description)) return 'unblock the bot in Telegram and send it /start';
  if (/kicked|not a member/i.test(description)) return 'add the bot to the group or channel again (as admin for channels)';
  return 'give the bot permission to post in this chat';
}
