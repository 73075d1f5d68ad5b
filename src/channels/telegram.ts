/**
 * Telegram Bot API driver: `sendMessage` with `parse_mode: HTML`, every character of user text
 * escaped, plain-text resend on "can't parse entities", supergroup migration, and the
 * per-chat / per-group / per-bot limits from the Bot FAQ.
 */
import type { Channel, OutgoingPart, RateBucket, SendOutcome } from './channel.js';
import type { ConfigProblem } from '../config/problems.js';
import type { Driver, DriverContext, EnvReading, Role } from './driver.js';
import type { Env } from '../config/env.js';
import { readBaseUrl } from '../config/urls.js';
import { fingerprint, genericOutcome, isOutcome, parseJson, postJson, retryAfterHeaderMs } from './answers.js';
import { codePoints } from './split.js';
import { maskSecret } from '../config/redact.js';

/** Telegram's default API root; `TELEGRAM_API_BASE_URL` overrides it. */
export const TELEGRAM_DEFAULT_BASE = 'https://api.telegram.org';
/** Characters per message after entity parsing. */
export const TELEGRAM_MAX_LENGTH = 4096;
const TOKEN_RE = /^\d{3,}:[A-Za-z0-9_-]{30,}$/;
const CHAT_RE = /^(-?\d+|@[A-Za-z][A-Za-z0-9_]{3,})$/;

/** Plain-data Telegram destination. `chatId` stays a string end to end. */
export interface TelegramSpec {
  readonly driver: 'telegram';
  readonly origin: string;
  readonly token: string;
  readonly chatId: string;
  readonly baseUrl: string;
  /** Variable that holds the chat id, named in the migration fix. */
  readonly chatVariable?: string;
}

/** Escapes text for `parse_mode: HTML` (outside tags only `<`, `>`, `&` and `"` matter). */
export function escapeTelegramHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
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
    return { variable, message: `"${chatId}" looks like a supergroup or channel id that lost its leading "-"`, fix: `use -${chatId} (group ids are negative; supergroups and channels start with -100)` };
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

function readEnv(env: Env, role: Role): EnvReading<TelegramSpec> {
  const tokenVar = `${role}_TELEGRAM_BOT_TOKEN`;
  const chatVar = `${role}_TELEGRAM_BOT_CHAT_ID`;
  const token = env[tokenVar]?.trim();
  const chatId = env[chatVar]?.trim();
  if (!token && !chatId) return { specs: [], problems: [] };
  const problems: ConfigProblem[] = [];
  if (!token) problems.push({ variable: tokenVar, message: `${chatVar} is set but the token is missing`, fix: `set ${tokenVar} to the token from @BotFather, or remove ${chatVar}` });
  if (!chatId) problems.push({ variable: chatVar, message: `${tokenVar} is set but the chat id is missing`, fix: `set ${chatVar} (run \`herald chat-id\`, or message the bot and read getUpdates), or remove ${tokenVar}` });
  if (token) {
    const p = checkTelegramToken(token, tokenVar);
    if (p) problems.push(p);
  }
  if (chatId) {
    const p = checkTelegramChatId(chatId, chatVar);
    if (p) problems.push(p);
  }
  const base = readTelegramBaseUrl(env);
  if (base.problem) problems.push(base.problem);
  if (problems.length || !token || !chatId) return { specs: [], problems };
  return { specs: [{ driver: 'telegram', origin: tokenVar, token, chatId, baseUrl: base.baseUrl, chatVariable: chatVar }], problems: [] };
}

/** The Telegram driver. */
export const telegramDriver: Driver<TelegramSpec> = {
  name: 'telegram',
  fromEnv: readEnv,
  create: (spec, ctx) => new TelegramChannel(spec, ctx),
};

interface TelegramAnswer {
  ok?: boolean;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number | string };
}

class TelegramChannel implements Channel {
  readonly platform = 'Telegram';
  readonly maxLength = TELEGRAM_MAX_LENGTH;
  readonly secrets: readonly string[];
  readonly id: string;
  private chatId: string;
  private readonly botKey: string;

  constructor(private readonly spec: TelegramSpec, private readonly ctx: DriverContext) {
    this.chatId = spec.chatId;
    this.botKey = fingerprint(`${spec.baseUrl} ${spec.token}`);
    this.id = `telegram:${this.botKey}:${spec.chatId}`;
    this.secrets = [spec.token];
  }

  get label(): string {
    return `Telegram bot ${maskSecret(this.spec.token)} → chat ${this.chatId}`;
  }

  measure = codePoints;

  buckets(): RateBucket[] {
    // Bot FAQ: ~1 msg/s per chat (short bursts ok), 20/min per group, ~30/s per bot.
    const list: RateBucket[] = [
      { key: `telegram:chat:${this.botKey}:${this.chatId}`, capacity: 3, intervalMs: 1000 },
      { key: `telegram:bot:${this.botKey}`, capacity: 30, intervalMs: 1000 / 30 },
    ];
    // "20 per minute in a group" is a rolling window: a refilling bucket would allow 20 + t/3 in t seconds.
    if (this.chatId.startsWith('-')) list.push({ key: `telegram:group:${this.botKey}:${this.chatId}`, capacity: 20, intervalMs: 3000, windowMs: 60_000 });
    return list;
  }

  async send(part: OutgoingPart, signal: AbortSignal): Promise<SendOutcome> {
    const first = await this.post(part, true, signal);
    if (first.kind === 'rejected' && /can't parse entities/i.test(first.reason)) {
      // Escaping should make this impossible; if Telegram still disagrees, the words matter more than the markup.
      return this.post(part, false, signal);
    }
    return first;
  }

  private async post(part: OutgoingPart, html: boolean, signal: AbortSignal): Promise<SendOutcome> {
    const payload: Record<string, unknown> = {
      chat_id: this.chatId,
      text: html ? escapeTelegramHtml(part.text) : part.text,
      link_preview_options: { is_disabled: true },
    };
    if (html) payload.parse_mode = 'HTML';
    if (part.silent) payload.disable_notification = true;
    const res = await postJson(this.ctx.http, `${this.spec.baseUrl}/bot${this.spec.token}/sendMessage`, payload, signal);
    if (isOutcome(res)) return res;
    const answer = (parseJson(res.body) ?? {}) as TelegramAnswer;
    if (res.status === 200 && answer.ok) return { kind: 'ok' };
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
      return { kind: 'retry-after', delayMs: s !== undefined ? s * 1000 : retryAfterHeaderMs(headers) ?? 1000, reason: description };
    }
    if (status === 401) return { kind: 'dead', reason: `${description}: the bot token was revoked or mistyped`, fix: `get the current token from @BotFather (/mybots → API Token) and update ${this.spec.origin}` };
    if (status === 404) return { kind: 'dead', reason: `${description}: no bot answers at this token/address`, fix: `check ${this.spec.origin} and TELEGRAM_API_BASE_URL` };
    if (status === 403) return { kind: 'dead', reason: description, fix: forbiddenFix(description) };
    if (status === 400 && /chat not found/i.test(description)) {
      return { kind: 'dead', reason: `${description} (chat ${this.chatId})`, fix: `check ${this.spec.chatVariable ?? 'the chat id'}: group ids are negative (-…), supergroups and channels start with -100; a user must send /start to the bot first; \`herald chat-id\` lists the chats the bot can see` };
    }
    if (status === 400) return { kind: 'rejected', reason: description };
    return undefined;
  }
}

function forbiddenFix(description: string): string {
  if (/blocked by the user/i.test(description)) return 'unblock the bot in Telegram and send it /start';
  if (/kicked|not a member/i.test(description)) return 'add the bot to the group or channel again (as admin for channels)';
  return 'give the bot permission to post in this chat';
}
