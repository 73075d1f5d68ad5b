/**
 * The Telegram Bot API calls Herald makes outside sending notifications (getMe, getChat,
 * getUpdates, getWebhookInfo, deleteWebhook, sendMessage), over the library's one HTTP path
 * ({@link createHttpClient}), with chat ids kept as strings exactly as Telegram sent them.
 * Shared by the setup commands (`herald chat-id`, `herald link`, `herald doctor`: their wording
 * of failures lives in src/cli/telegram-cli.ts) and the library's command bot.
 */
import type { HttpClient } from './http.js';
import { createHttpClient } from './http.js';
import { maskSecret, redact } from '../config/redact.js';

/** A successful Bot API answer. */
export interface TelegramOk<T> {
  readonly ok: true;
  readonly result: T;
}

/** A Bot API answer with `ok: false` (or one that is not a Bot API answer at all). */
export interface TelegramFailure {
  readonly ok: false;
  /** HTTP status. */
  readonly status: number;
  /** Telegram's `description`, or a short account of what came back instead. */
  readonly description: string;
  /** `parameters.retry_after` of a 429, in seconds. */
  readonly retryAfter?: number;
  /** `parameters.migrate_to_chat_id` of a group upgraded to a supergroup (as a string). */
  readonly migrateTo?: string;
}

/** The answer of one Bot API call. */
export type TelegramResult<T> = TelegramOk<T> | TelegramFailure;

/**
 * Which other consumer a 409 from getUpdates names: a webhook set on the bot (`webhook`: Telegram
 * answers no getUpdates while one is active) or another getUpdates poller (`poller`: "terminated
 * by other getUpdates request"); undefined for anything else.
 */
export function telegramConflict(f: TelegramFailure): 'webhook' | 'poller' | undefined {
  if (f.status !== 409) return undefined;
  return /webhook/i.test(f.description) ? 'webhook' : 'poller';
}

/** The request never got an answer (connection refused, DNS, timeout…). */
export class TelegramUnreachableError extends Error {
  override readonly name = 'TelegramUnreachableError';
  constructor(
    /** `host[:port]` of the API (never the path: it contains the token). */
    readonly host: string,
    /** Plain-language reason from the HTTP client. */
    readonly reason: string,
  ) {
    super(`could not reach the Telegram Bot API at ${host}: ${reason}`);
  }
}

/** A chat as the Bot API describes it; `id` kept as a string. */
export interface TelegramChat {
  readonly id: string;
  readonly type: string;
  readonly title?: string;
  readonly username?: string;
  readonly first_name?: string;
  readonly last_name?: string;
}

/** `getMe`'s answer. */
export interface TelegramBot {
  readonly id: string;
  readonly username?: string;
  readonly first_name?: string;
}

/** One update from `getUpdates` (only the parts the commands read are typed). */
export interface TelegramUpdate {
  readonly update_id: number;
  readonly [kind: string]: unknown;
}

const ID_KEYS = new Set(['id', 'chat_id', 'migrate_to_chat_id']);

// C0 controls but tab and newline, DEL, and C1 controls (as src/cli/output.ts strips them for the terminal).
const CONTROL_RE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** A server's text without control characters: it ends up on a terminal (stderr, the CLI), where they could move the cursor or retitle the window. */
function printable(text: string): string {
  return text.replace(CONTROL_RE, '');
}

/** setTimeout's largest delay; Node fires a longer (or non-finite) one after 1 ms instead. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A delay setTimeout keeps: at least 0, at most {@link MAX_TIMER_MS}. */
function timerMs(ms: number): number {
  if (Number.isNaN(ms) || ms <= 0) return 0;
  return Math.min(ms, MAX_TIMER_MS);
}

/** How much of an answer that is not a Bot API answer an error message quotes. */
const QUOTED_BODY_CHARS = 60;

/**
 * The start of an answer that is not JSON, quoted for an error message. The token is masked
 * (whole, then its secret part alone, which also covers a URL-encoded `%3A`) and everything
 * secret-shaped redacted BEFORE the text is cut: a proxy's 404 page echoing `/bot<token>/…`
 * would otherwise leave a cut-off token that no redaction recognizes any more.
 */
export function quoteBody(body: string, token: string): string {
  let masked = token ? body.split(token).join(maskSecret(token)) : body;
  const secretPart = token.slice(token.indexOf(':') + 1);
  if (secretPart.length >= 8) masked = masked.split(secretPart).join(maskSecret(secretPart));
  masked = redact(masked, token ? [token] : []);
  const chars = [...masked];
  return JSON.stringify(chars.length > QUOTED_BODY_CHARS ? `${chars.slice(0, QUOTED_BODY_CHARS).join('')}…` : masked);
}

/**
 * Rewrites the integer values of `id`-like keys in a JSON text as strings, so JSON.parse does
 * not turn a chat id into a double (ids can use up to 52 bits; keeping the digits exactly as
 * sent is the only safe choice). A small scanner rather than a regex, so text inside strings is
 * never touched.
 */
export function quoteIds(json: string): string {
  let out = '';
  let i = 0;
  let key: string | undefined; // the last string, while it may still be an object key
  let idValue = false; // right after `"id":`
  while (i < json.length) {
    const c = json[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < json.length && json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      const raw = json.slice(i, j + 1);
      out += raw;
      i = j + 1;
      key = raw;
      idValue = false;
      continue;
    }
    if (c === ':') {
      let name: unknown;
      try {
        name = key === undefined ? undefined : JSON.parse(key);
      } catch {
        name = undefined;
      }
      idValue = typeof name === 'string' && ID_KEYS.has(name);
      key = undefined;
      out += c;
      i++;
      continue;
    }
    if (idValue && (c === '-' || (c >= '0' && c <= '9'))) {
      let j = i + 1;
      while (j < json.length && /[0-9eE+.-]/.test(json[j]!)) j++;
      const num = json.slice(i, j);
      out += /^-?\d+$/.test(num) ? `"${num}"` : num;
      i = j;
      idValue = false;
      continue;
    }
    if (c !== ' ' && c !== '\n' && c !== '\r' && c !== '\t') {
      key = undefined;
      idValue = false;
    }
    out += c;
    i++;
  }
  return out;
}

/** Options of {@link TelegramApi}. */
export interface TelegramApiOptions {
  /** API root, e.g. `https://api.telegram.org` (validated by the caller with readTelegramBaseUrl). */
  readonly baseUrl: string;
  readonly token: string;
  /** Defaults to a client whose timeouts allow 25-second long polls. */
  readonly http?: HttpClient;
}

/** Longest single long poll; Telegram allows more, but shorter polls notice a dead connection sooner. */
export const MAX_POLL_SECONDS = 25;

/** A Bot API client for one bot token. Close it when done to free its sockets. */
export class TelegramApi {
  /** `host[:port]` of the API, safe to print. */
  readonly host: string;
  private readonly http: HttpClient;
  private readonly ownsHttp: boolean;

  constructor(private readonly options: TelegramApiOptions) {
    this.host = new URL(options.baseUrl).host;
    this.ownsHttp = options.http === undefined;
    // Long polls hold the request open for up to MAX_POLL_SECONDS: every timeout must outlast one.
    const longPoll = (MAX_POLL_SECONDS + 15) * 1000;
    this.http = options.http ?? createHttpClient({ connectTimeoutMs: 10_000, headersTimeoutMs: longPoll, bodyTimeoutMs: longPoll, requestTimeoutMs: longPoll });
  }

  /** True when this is Telegram's own server (the advice for an unreachable API differs). */
  get official(): boolean {
    return this.host === 'api.telegram.org';
  }

  /**
   * Calls `method` with a JSON body. Resolves with the answer, whatever its status; rejects
   * with {@link TelegramUnreachableError} when there was no answer (including on abort: check
   * your signal first).
   */
  async call<T>(method: string, params: Record<string, unknown> = {}, signal?: AbortSignal): Promise<TelegramResult<T>> {
    let res;
    try {
      res = await this.http.request(`${this.options.baseUrl}/bot${this.options.token}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(params),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      throw new TelegramUnreachableError(this.host, (err as Error).message);
    }
    let body: { ok?: unknown; result?: unknown; description?: unknown; parameters?: { retry_after?: unknown; migrate_to_chat_id?: unknown } } | undefined;
    try {
      body = JSON.parse(quoteIds(res.body)) as typeof body;
    } catch {
      body = undefined;
    }
    if (res.status === 200 && body?.ok === true) return { ok: true, result: body.result as T };
    // The description is printed as is: a server (a proxy, a TELEGRAM_API_BASE_URL) must not be able to send escape sequences.
    const description =
      typeof body?.description === 'string'
        ? printable(body.description)
        : `HTTP ${res.status}${body === undefined ? ` and not a Bot API answer (${quoteBody(res.body, this.options.token)})` : ''}`;
    const retryAfter = Number(body?.parameters?.retry_after);
    const migrateTo = body?.parameters?.migrate_to_chat_id;
    return {
      ok: false,
      status: res.status,
      description,
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfter } : {}),
      ...(migrateTo !== undefined && migrateTo !== null ? { migrateTo: String(migrateTo) } : {}),
    };
  }

  /** `getMe`. */
  getMe(signal?: AbortSignal): Promise<TelegramResult<TelegramBot>> {
    return this.call<TelegramBot>('getMe', {}, signal);
  }

  /** `getChat` (the id is sent as a string, exactly as given). */
  getChat(chatId: string, signal?: AbortSignal): Promise<TelegramResult<TelegramChat>> {
    return this.call<TelegramChat>('getChat', { chat_id: chatId }, signal);
  }

  /**
   * `getUpdates`: the updates after `offset` (which confirms everything before it), waiting up
   * to `timeout` seconds for one. `allowed_updates` is never sent: Telegram stores it for the
   * bot, and Herald must not change how another program receives the bot's updates.
   */
  getUpdates(
    params: { readonly offset?: number; readonly timeout: number; readonly limit?: number },
    signal?: AbortSignal,
  ): Promise<TelegramResult<TelegramUpdate[]>> {
    return this.call<TelegramUpdate[]>('getUpdates', { ...params }, signal);
  }

  /** `sendMessage` with plain text. */
  sendMessage(chatId: string, text: string, signal?: AbortSignal): Promise<TelegramResult<unknown>> {
    return this.call('sendMessage', { chat_id: chatId, text }, signal);
  }

  /** Frees the sockets of a client this API created. */
  async close(): Promise<void> {
    if (!this.ownsHttp) return;
    // A socket stuck mid-request must not keep the command from exiting.
    await Promise.race([this.http.close().catch(() => {}), new Promise<void>((r) => setTimeout(r, 1000).unref())]);
  }
}

/** A chat seen in updates, as `herald chat-id` lists it. */
export interface SeenChat {
  /** The id exactly as Telegram sent it: negative for groups, `-100…` for supergroups and channels. */
  readonly id: string;
  readonly type: string;
  readonly title?: string;
  readonly username?: string;
  /** First and last name of a private chat. */
  readonly name?: string;
  /** Which update kind showed it (`message`, `my_chat_member`, `channel_post`…). */
  readonly via: string;
  /** update_id of the latest update from this chat (higher is more recent). */
  readonly updateId: number;
  /** True when the latest update says the bot was removed from the chat. */
  readonly removed: boolean;
}

/** Update kinds that carry a chat, and where it is. */
const CHAT_CARRIERS: ReadonlyArray<readonly [string, (u: Record<string, unknown>) => unknown]> = [
  ['message', (u) => (u.message as { chat?: unknown } | undefined)?.chat],
  ['edited_message', (u) => (u.edited_message as { chat?: unknown } | undefined)?.chat],
  ['channel_post', (u) => (u.channel_post as { chat?: unknown } | undefined)?.chat],
  ['edited_channel_post', (u) => (u.edited_channel_post as { chat?: unknown } | undefined)?.chat],
  ['my_chat_member', (u) => (u.my_chat_member as { chat?: unknown } | undefined)?.chat],
  ['chat_member', (u) => (u.chat_member as { chat?: unknown } | undefined)?.chat],
  ['chat_join_request', (u) => (u.chat_join_request as { chat?: unknown } | undefined)?.chat],
  ['callback_query', (u) => (u.callback_query as { message?: { chat?: unknown } } | undefined)?.message?.chat],
];

/** The chat an update is about, if any. */
export function chatOfUpdate(update: TelegramUpdate): SeenChat | undefined {
  for (const [via, pick] of CHAT_CARRIERS) {
    const chat = pick(update) as Partial<TelegramChat> | undefined;
    if (!chat || chat.id === undefined || chat.id === null) continue;
    const status = via === 'my_chat_member' ? (update.my_chat_member as { new_chat_member?: { status?: string } }).new_chat_member?.status : undefined;
    const name = [chat.first_name, chat.last_name].filter(Boolean).join(' ');
    return {
      id: String(chat.id),
      type: typeof chat.type === 'string' ? chat.type : 'unknown',
      ...(chat.title ? { title: String(chat.title) } : {}),
      ...(chat.username ? { username: String(chat.username) } : {}),
      ...(name ? { name } : {}),
      via,
      updateId: Number(update.update_id),
      removed: status === 'left' || status === 'kicked',
    };
  }
  return undefined;
}

/** `supergroup "Ops room"`, `private @alice (Alice Smith)`. */
export function describeChat(chat: Pick<SeenChat, 'type' | 'title' | 'username' | 'name'>): string {
  const parts = [chat.type];
  if (chat.title) parts.push(JSON.stringify(chat.title));
  if (chat.username) parts.push(`@${chat.username}`);
  if (chat.name) parts.push(chat.title || chat.username ? `(${chat.name})` : chat.name);
  return parts.join(' ');
}

/** How a {@link pollUpdates} loop ended. */
export type PollEnd =
  | { readonly kind: 'stopped' }
  | { readonly kind: 'deadline' }
  | { readonly kind: 'interrupted' }
  | {
      readonly kind: 'failed';
      /** Telegram's refusal, or no answer at all ({@link TelegramUnreachableError}); the CLI words it with a fix. */
      readonly failure: TelegramFailure | Error;
      /** True when the refusal was 409 "webhook is active" and `deleteWebhook` was false. */
      readonly webhookActive?: boolean;
    };

/** Options of {@link pollUpdates}. */
export interface PollOptions {
  /** Aborted on Ctrl-C. */
  readonly signal: AbortSignal;
  /** When to stop waiting (epoch ms); read before every poll, so it may move (a grace period). */
  readonly deadline: () => number;
  /** On 409 "webhook is active": delete the webhook and go on (true), or fail with the fix (false). */
  readonly deleteWebhook: boolean;
  /** Receives each batch; return true to stop. */
  readonly onUpdates: (updates: readonly TelegramUpdate[]) => boolean | void;
  /** Told when the webhook was deleted, with the host it pointed to (never the full URL: it may hold a secret path). */
  readonly onWebhookDeleted?: (host: string) => void;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, timerMs(ms));
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * The `offset` that confirms `updates` (the highest update_id + 1): Telegram then never hands
 * them out again, to this process or after a restart.
 */
export function nextOffset(updates: readonly TelegramUpdate[], offset: number | undefined): number | undefined {
  for (const u of updates) if (Number.isSafeInteger(u.update_id) && (offset === undefined || u.update_id >= offset)) offset = u.update_id + 1;
  return offset;
}

/**
 * Long-polls `getUpdates` until `onUpdates` says stop, the deadline passes, Ctrl-C, or a
 * failure that waiting cannot fix. Confirms what it has read by moving `offset`, as every
 * getUpdates client does. It never sends `allowed_updates`: Telegram stores that setting for
 * the bot, and a setup command must not change how the user's bot receives updates.
 */
export async function pollUpdates(api: TelegramApi, options: PollOptions): Promise<PollEnd> {
  let offset: number | undefined;
  let networkErrors = 0;
  for (;;) {
    if (options.signal.aborted) return { kind: 'interrupted' };
    const remaining = options.deadline() - Date.now();
    if (remaining <= 0) return { kind: 'deadline' };
    const seconds = Math.min(MAX_POLL_SECONDS, Math.max(1, Math.ceil(remaining / 1000)));
    // Telegram's timeout is whole seconds; this timer ends the poll at the exact deadline.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timerMs(remaining));
    let answer: TelegramResult<TelegramUpdate[]>;
    try {
      answer = await api.getUpdates({ ...(offset !== undefined ? { offset } : {}), timeout: seconds }, AbortSignal.any([options.signal, deadline.signal]));
    } catch (err) {
      if (options.signal.aborted) return { kind: 'interrupted' };
      if (deadline.signal.aborted) continue;
      if (!(err instanceof TelegramUnreachableError) || ++networkErrors >= 3) {
        return { kind: 'failed', failure: err as Error };
      }
      await sleep(1000, options.signal);
      continue;
    } finally {
      clearTimeout(timer);
    }
    networkErrors = 0;
    if (!answer.ok) {
      const conflict = telegramConflict(answer);
      if (conflict === 'webhook' && options.deleteWebhook) {
        const deleted = await deleteWebhook(api, options);
        if (deleted.kind !== 'stopped') return deleted;
        continue;
      }
      if (conflict === 'webhook') {
        return { kind: 'failed', failure: answer, webhookActive: true };
      }
      if (answer.status === 429 || answer.status >= 500) {
        await sleep(Math.min(remaining, (answer.retryAfter ?? 1) * 1000), options.signal);
        continue;
      }
      return { kind: 'failed', failure: answer };
    }
    const updates = Array.isArray(answer.result) ? answer.result : [];
    offset = nextOffset(updates, offset);
    if (options.onUpdates(updates) === true) return { kind: 'stopped' };
  }
}

/** Deletes the bot's webhook (keeping pending updates), telling `onWebhookDeleted` where it pointed. */
async function deleteWebhook(api: TelegramApi, options: PollOptions): Promise<PollEnd> {
  const { signal } = options;
  try {
    const info = await api.call<{ url?: string }>('getWebhookInfo', {}, signal);
    let host = '(unknown)';
    if (info.ok && typeof info.result.url === 'string') {
      try {
        host = new URL(info.result.url).host;
      } catch {
        host = '(unparsable URL)';
      }
    }
    // Pending updates are kept: they may be exactly the messages we are looking for.
    const r = await api.call('deleteWebhook', { drop_pending_updates: false }, signal);
    if (!r.ok) return { kind: 'failed', failure: r };
    options.onWebhookDeleted?.(host);
    return { kind: 'stopped' };
  } catch (err) {
    if (signal.aborted) return { kind: 'interrupted' };
    return { kind: 'failed', failure: err as Error };
  }
}
