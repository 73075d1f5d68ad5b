/**
 * Slack bot-token driver: `chat.postMessage` with a bot token (`xoxb-…`) into any channel the
 * bot may post to, each channel its own destination. Edits are `chat.update`; a reply goes into
 * the message's thread, also shown in the channel; files take Slack's three-step upload
 * (files.getUploadURLExternal, the bytes, files.completeUploadExternal). Slack answers most
 * errors as HTTP 200 `{ ok: false, error }`; they are classified like any other answer: a
 * channel the bot cannot use stops alone, a dead token stops every channel of the bot.
 */
import type { Attachment, CardSupport, Channel, FileSupport, MessageRef, OutgoingPart, RateBucket, SendOutcome } from './channel.js';
import type { BotAccount, BotSupport, ChannelSpec, Driver, DriverContext } from './driver.js';
import { fingerprint, genericOutcome, isOutcome, parseJson, postForm, postJson, retryAfterHeaderMs } from './answers.js';
import type { HttpResponse } from './http.js';
import { BLOCK_ERRORS, escapeSlack, SLACK_MAX_LENGTH, slackCards, slackLength, slackMessage } from './slack-format.js';
import type { Env } from '../config/env.js';
import type { ConfigProblem } from '../config/problems.js';
import { maskSecret } from '../config/redact.js';
import { readBaseUrl } from '../config/urls.js';

/** Slack's Web API root; `SLACK_API_BASE_URL` overrides it. */
export const SLACK_API_DEFAULT_BASE = 'https://slack.com/api';
const TOKEN_RE = /^(?:xoxe\.)?xox[bp]-[A-Za-z0-9-]{10,}$/;
/** Slack ids (C…, G…, D…, U…) always carry digits; `#DEPLOYMENTS` is a name written in capitals. */
const ID_RE = /^[CGDU](?=[A-Z0-9]*\d)[A-Z0-9]{8,}$/;
const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,79}$/;
const TS_RE = /^\d+\.\d+$/;

/** Plain-data Slack bot channel. */
export interface SlackBotSpec extends ChannelSpec {
  readonly driver: 'slack-bot';
  readonly token: string;
  readonly baseUrl: string;
  /** A channel id (`C0123ABCD`) or name without `#` (`alerts`). */
  readonly channel: string;
  /** Post as a reply in this thread. */
  readonly threadTs?: string;
  /** Text only, no blocks (Apprise `format=text`). */
  readonly plain?: boolean;
  /** The variable holding the token, named in fixes for a dead token. */
  readonly tokenVariable?: string;
}

/** The base URL `SLACK_API_BASE_URL` gives (default `https://slack.com/api`), or its problem. */
export function readSlackApiBase(env: Env): { baseUrl: string; problem?: ConfigProblem } {
  return readBaseUrl(env, 'SLACK_API_BASE_URL', SLACK_API_DEFAULT_BASE, 'a local server such as http://127.0.0.1:8787/api');
}

/** Checks a Slack bot token's shape, naming the mistakes people make. */
export function checkSlackBotToken(token: string, variable: string): ConfigProblem | undefined {
  if (TOKEN_RE.test(token)) return undefined;
  const where = 'api.slack.com/apps → your app → OAuth & Permissions → Bot User OAuth Token (xoxb-…)';
  if (/^xapp-/.test(token))
    return { variable, message: 'this is an app-level token (xapp-…), which cannot post messages', fix: `use the bot token from ${where}` };
  if (/hooks\.slack\.com/.test(token))
    return {
      variable,
      message: 'this is an incoming-webhook URL, not a bot token',
      fix: `put it in GENERAL_SLACK_WEBHOOK instead, or use the bot token from ${where}`,
    };
  const shown = token.length > 8 ? maskSecret(token) : '(too short)';
  return { variable, message: `"${shown}" is not a Slack bot token (expected xoxb-…)`, fix: `copy the ${where}, without quotes or spaces` };
}

/**
 * Parses a channel as written in variables and targets: `alerts`, `#alerts`, an id `C0123ABCD`
 * (also Apprise's `+C0123ABCD`), a user id `@U0123ABCD` for a direct message; `:<thread_ts>`
 * after it posts into that thread (`#alerts:1700000000.123456`).
 */
export function parseSlackChannel(raw: string): { channel: string; threadTs?: string } | { message: string } {
  let text = raw.trim();
  let threadTs: string | undefined;
  const colon = text.lastIndexOf(':');
  if (colon > 0) {
    threadTs = text.slice(colon + 1);
    text = text.slice(0, colon);
    if (!TS_RE.test(threadTs)) return { message: `"${threadTs}" is not a thread timestamp (like 1700000000.123456)` };
  }
  const bare = text.replace(/^[#+@]/, '');
  if (ID_RE.test(bare)) return { channel: bare, ...(threadTs ? { threadTs } : {}) };
  if (text.startsWith('@')) return { message: `"${text}": a direct message needs the user's id (@U0123ABCD), not a name` };
  if (text.startsWith('+')) return { message: `"${text}" is not a channel id (C0123ABCD)` };
  const name = bare.toLowerCase();
  if (!NAME_RE.test(name)) return { message: `"${text}" is not a Slack channel: names are lower case letters, digits, - and _ (no spaces)` };
  return { channel: name, ...(threadTs ? { threadTs } : {}) };
}

const bot: BotSupport = {
  provider: 'slack',
  variablePrefix: 'SLACK',
  channelForm: 'a channel name (alerts or #alerts) or id (C0123ABCD)',
  account(env, token, origin) {
    const problems: ConfigProblem[] = [];
    const tokenProblem = checkSlackBotToken(token, origin);
    if (tokenProblem) problems.push(tokenProblem);
    const base = readSlackApiBase(env);
    if (base.problem) problems.push(base.problem);
    return problems.length ? problems : { driver: 'slack-bot', origin, token, baseUrl: base.baseUrl };
  },
  channel: (account, channel, origin) => slackBotSpec(account, channel, origin),
  label: (account) => `Slack bot ${maskSecret(account.token)}`,
};

/** The spec of one channel of a Slack bot, or why `channel` cannot be one. */
export function slackBotSpec(account: BotAccount, channel: string, origin: string, plain = false): SlackBotSpec | ConfigProblem {
  const parsed = parseSlackChannel(channel);
  if ('message' in parsed) return { variable: origin, message: parsed.message, fix: `write ${bot.channelForm}, optionally followed by :<thread_ts>` };
  return {
    driver: 'slack-bot',
    origin,
    token: account.token,
    baseUrl: account.baseUrl,
    channel: parsed.channel,
    tokenVariable: account.origin,
    ...(parsed.threadTs ? { threadTs: parsed.threadTs } : {}),
    ...(plain ? { plain } : {}),
  };
}

/** The Slack bot driver. */
export const slackBotDriver: Driver<SlackBotSpec> = {
  name: 'slack-bot',
  bot,
  create: (spec, ctx) => new SlackBotChannel(spec, ctx),
};

interface SlackAnswer {
  ok?: boolean;
  error?: string;
  needed?: string;
  /** chat.postMessage, chat.update: the channel's id and the message's ts. */
  channel?: unknown;
  ts?: unknown;
  /** files.getUploadURLExternal. */
  upload_url?: unknown;
  file_id?: unknown;
  /** files.completeUploadExternal. */
  files?: unknown;
  /** conversations.list. */
  channels?: unknown;
  response_metadata?: { next_cursor?: unknown };
}

/** An answer Slack gave (HTTP 200 with a JSON object), with its headers. */
interface Answered {
  readonly answer: SlackAnswer;
  readonly headers: Headers;
}

/** Channel-level problems: this channel stops, the bot's others go on. */
const CHANNEL_FIX: Record<string, (c: string) => string> = {
  channel_not_found: (c) =>
    `check ${c}: the name or id must exist, names are lower case; for a private channel invite the bot first (/invite @your-bot in ${c})`,
  not_in_channel: (c) =>
    `invite the bot: type /invite @your-bot in ${c}, or add the chat:write.public scope so it can post in public channels it has not joined`,
  is_archived: (c) => `unarchive ${c}, or map these notifications to another channel`,
  restricted_action: (c) => `a workspace admin restricted posting in ${c}; ask them, or use another channel`,
  restricted_action_read_only_channel: (c) => `${c} is read-only for the bot; use another channel`,
  restricted_action_thread_only_channel: (c) => `${c} only takes thread replies; give a thread (${c}:<thread_ts>) or use another channel`,
  team_not_found: (c) => `an org-wide token cannot post by channel name: use ${c}'s id (C0123ABCD)`,
  thread_not_found: (c) => `the thread in ${c} does not exist: check the :<thread_ts> part`,
  cannot_reply_to_message: (c) => `that message in ${c} cannot take replies: check the :<thread_ts> part`,
  messages_tab_disabled: (c) => `the user has turned off the bot's messages tab; use a channel instead of ${c}`,
};

/** Bot-level problems: every channel of the bot stops. */
const BOT_FIX: Record<string, string> = {
  invalid_auth: 'the token is not valid: copy the Bot User OAuth Token (xoxb-…) again from OAuth & Permissions',
  not_authed: 'no token reached Slack: set the bot token',
  token_revoked: 'the token was revoked: reinstall the app to the workspace and copy the new Bot User OAuth Token',
  token_expired: 'the token expired (token rotation is on): use a non-expiring bot token, or refresh it',
  account_inactive: 'the bot user or the app was deactivated: reinstall the app',
  not_allowed_token_type: 'this kind of token cannot post: use the Bot User OAuth Token (xoxb-…)',
  ekm_access_denied: 'the workspace admins suspended the app: ask them',
  org_login_required: 'the workspace is migrating to an org; try again later or reinstall the app',
  two_factor_setup_required: 'the workspace requires two-factor authentication for this token',
};

/** Slack-side trouble worth retrying. */
const TRANSIENT = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/**
 * Slack accepts files up to 1 GB. Herald sends charts and texts, which are far smaller, and a request
 * has 20 s to finish (http.ts): 50 MB already needs about 20 Mbit/s up. A larger file is not
 * attached (the lane sends the text alone).
 */
const FILE_MAX_BYTES = 50 * 1024 * 1024;

/** chat.update answers about the message itself (gone, not this bot's, too old to edit): the lane sends the part as a new message. */
const UNEDITABLE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

/** Workspace settings that refuse a file: nothing the bot or the channel can change. */
const FILE_POLICY: Record<string, string> = {
  file_uploads_disabled: 'the workspace does not allow file uploads',
  file_uploads_except_images_disabled: 'the workspace only allows images',
  file_type_not_allowed: 'the workspace does not allow this file type',
  file_upload_size_restricted: 'the workspace limits the size of uploads',
  storage_limit_reached: 'the workspace has used up its file storage',
};

/** conversations.list pages read (200 channels each) when a channel's id must be looked up by its name. */
const LIST_PAGES = 20;

/** A sent message as its ref: `<channel id>:<ts>`, e.g. `C0123ABCD:1712345678.000100`. */
function refOf(channel: unknown, ts: unknown): MessageRef | undefined {
  if (typeof channel !== 'string' || !ID_RE.test(channel) || typeof ts !== 'string' || !TS_RE.test(ts)) return undefined;
  return `${channel}:${ts}`;
}

/** The channel id and ts a ref names, or undefined for a ref this driver did not make. */
function parseRef(ref: MessageRef): { channel: string; ts: string } | undefined {
  const i = ref.indexOf(':');
  const channel = ref.slice(0, i);
  const ts = ref.slice(i + 1);
  return i > 0 && ID_RE.test(channel) && TS_RE.test(ts) ? { channel, ts } : undefined;
}

/** The share message of an upload, when completeUploadExternal already lists it (sharing is usually still under way then). */
function shareRef(files: unknown, channel: string | undefined): MessageRef | undefined {
  if (channel === undefined || !Array.isArray(files)) return undefined;
  const shares = (files[0] as { shares?: unknown } | undefined)?.shares;
  if (typeof shares !== 'object' || shares === null) return undefined;
  for (const kind of ['public', 'private']) {
    const list = (shares as Record<string, Record<string, unknown> | undefined>)[kind]?.[channel];
    const ts = Array.isArray(list) ? (list[0] as { ts?: unknown } | undefined)?.ts : undefined;
    const ref = refOf(channel, ts);
    if (ref) return ref;
  }
  return undefined;
}

class SlackBotChannel implements Channel {
  readonly platform = 'Slack';
  readonly maxLength = SLACK_MAX_LENGTH;
  readonly secrets: readonly string[];
  readonly id: string;
  readonly label: string;
  readonly group: string;
  readonly cards: CardSupport | undefined;
  readonly files: FileSupport = { maxBytes: FILE_MAX_BYTES, captionMax: SLACK_MAX_LENGTH, images: true };
  readonly edits = true;
  private readonly name: string;
  private readonly botKey: string;
  private readonly tokenVariable: string;
  /** The channel's id (uploads need it): given by the spec, else learned from Slack's answers or looked up by name. */
  private channelId: string | undefined;

  constructor(
    private readonly spec: SlackBotSpec,
    private readonly ctx: DriverContext,
  ) {
    this.botKey = fingerprint(`${spec.baseUrl} ${spec.token}`);
    this.group = `slack-bot:${this.botKey}`;
    const thread = spec.threadTs ? `:${spec.threadTs}` : '';
    this.id = `slack-bot:${this.botKey}:${spec.channel}${thread}${spec.plain ? ':plain' : ''}`;
    this.name = ID_RE.test(spec.channel) ? spec.channel : `#${spec.channel}`;
    this.label = `Slack bot ${maskSecret(spec.token)} → ${this.name}${spec.threadTs ? ` (thread ${spec.threadTs})` : ''}`;
    this.secrets = [spec.token];
    this.cards = spec.plain ? undefined : slackCards;
    this.tokenVariable = spec.tokenVariable ?? spec.origin;
    // A user id (U…) is not where the messages land: that is the DM, whose id (D…) the first answer gives.
    this.channelId = ID_RE.test(spec.channel) && !spec.channel.startsWith('U') ? spec.channel : undefined;
  }

  measure = slackLength;

  buckets(): RateBucket[] {
    // chat.postMessage: about 1 message per second per channel, short bursts allowed. An edit
    // (chat.update, Tier 3) and an upload's three requests (files.*, Tier 4: 100+ per minute) are
    // one part each here too; a 429 from either still answers with its Retry-After.
    return [{ key: `slack:bot:${this.botKey}:${this.spec.channel}`, capacity: 3, intervalMs: 1000 }];
  }

  send(part: OutgoingPart, signal: AbortSignal): Promise<SendOutcome> {
    if (part.file) return this.upload(part, part.file, signal);
    return this.post(part, part.cards !== undefined, signal);
  }

  /** chat.postMessage, or chat.update for a part with `edit`. */
  private async post(part: OutgoingPart, rich: boolean, signal: AbortSignal): Promise<SendOutcome> {
    const edit = part.edit === undefined ? undefined : parseRef(part.edit);
    if (part.edit !== undefined && !edit) return { kind: 'uneditable', reason: `not a message this Slack channel sent: ${part.edit.slice(0, 40)}` };
    const payload = edit ? this.updatePayload(part, rich, edit) : this.postPayload(part, rich);
    const res = await postJson(this.ctx.http, `${this.spec.baseUrl}/${edit ? 'chat.update' : 'chat.postMessage'}`, payload, signal, {
      authorization: `Bearer ${this.spec.token}`,
      'content-type': 'application/json; charset=utf-8',
    });
    const read = this.read(res);
    if ('kind' in read) return read;
    const { answer } = read;
    if (answer.ok) {
      this.learn(answer.channel);
      const ref = refOf(answer.channel, answer.ts);
      return ref ? { kind: 'ok', ref } : { kind: 'ok' };
    }
    // The words matter more than the layout: blocks Slack refuses are resent as text.
    if (rich && BLOCK_ERRORS.has(answer.error ?? '')) return this.post(part, false, signal);
    if (edit && UNEDITABLE.has(answer.error ?? ''))
      return { kind: 'uneditable', reason: `Slack answered ${answer.error} for the message to update in ${this.name}` };
    return this.classify(answer, read.headers);
  }

  private postPayload(part: OutgoingPart, rich: boolean): Record<string, unknown> {
    const reply = part.replyTo === undefined ? undefined : parseRef(part.replyTo);
    // In a configured thread every message is already a reply there (and a reply cannot be a parent).
    const threadTs = this.spec.threadTs ?? reply?.ts;
    return {
      channel: this.spec.channel,
      unfurl_links: false,
      unfurl_media: false,
      ...slackMessage(part, rich, threadTs),
      // A live update's alert: edits make no sound, and a thread reply alone only notifies the
      // thread's followers (nobody but the bot). Broadcast, it also shows and rings in the channel.
      ...(reply && !this.spec.threadTs ? { reply_broadcast: true } : {}),
    };
  }

  private updatePayload(part: OutgoingPart, rich: boolean, edit: { channel: string; ts: string }): Record<string, unknown> {
    const message = slackMessage(part, rich, undefined);
    // Without `blocks`, chat.update keeps the old ones: an update sent as text must clear the card it replaces.
    return { channel: edit.channel, ts: edit.ts, ...message, blocks: message.blocks ?? [] };
  }

  /** Remembers the channel's id from an answer (chat.postMessage answers with the id even when posted by name). */
  private learn(channel: unknown): void {
    if (typeof channel === 'string' && ID_RE.test(channel) && !channel.startsWith('U')) this.channelId = channel;
  }

  /**
   * Slack's upload flow (files.upload is retired): files.getUploadURLExternal (name, length) →
   * the bytes to the upload URL → files.completeUploadExternal shares the file into the channel
   * with the part's text as its message. One send, one part against the rate buckets.
   */
  private async upload(part: OutgoingPart, file: Attachment, signal: AbortSignal): Promise<SendOutcome> {
    const bytes = Buffer.from(file.base64, 'base64');
    if (bytes.length === 0) {
      // Slack refuses an empty upload (missing_argument); the words still go.
      const { file: _empty, ...text } = part;
      return this.post(text, text.cards !== undefined, signal);
    }
    const target = await this.uploadTarget(signal);
    if ('kind' in target) return target;
    const ticket = this.read(await this.call('files.getUploadURLExternal', { filename: file.name, length: String(bytes.length) }, signal));
    if ('kind' in ticket) return ticket;
    if (!ticket.answer.ok) return this.classifyFile(ticket, file);
    const { upload_url: url, file_id: fileId } = ticket.answer;
    if (typeof url !== 'string' || typeof fileId !== 'string')
      return { kind: 'transient', reason: 'Slack answered files.getUploadURLExternal without an upload URL' };
    const put = await this.putBytes(url, file, bytes, signal);
    if (put) return put;
    const reply = part.replyTo === undefined ? undefined : parseRef(part.replyTo);
    const threadTs = this.spec.threadTs ?? reply?.ts;
    const caption = escapeSlack(part.text);
    const params = {
      files: JSON.stringify([{ id: fileId, title: file.name }]),
      ...target,
      ...(caption.trim() !== '' ? { initial_comment: caption } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
    };
    const done = this.read(await this.call('files.completeUploadExternal', params, signal));
    if ('kind' in done) return done;
    if (!done.answer.ok) return this.classifyFile(done, file);
    const ref = shareRef(done.answer.files, target.channel_id);
    return ref ? { kind: 'ok', ref } : { kind: 'ok' };
  }

  /** Where completeUploadExternal shares the file: `channel_id` needs an id, never a name. */
  private async uploadTarget(signal: AbortSignal): Promise<{ channel_id?: string; channels?: string } | SendOutcome> {
    if (this.channelId !== undefined) return { channel_id: this.channelId };
    // A user id: `channels` takes it and shares into the DM with that user.
    if (ID_RE.test(this.spec.channel)) return { channels: this.spec.channel };
    const id = await this.lookup(signal);
    return typeof id === 'string' ? { channel_id: id } : id;
  }

  /** The channel's id by its name, through conversations.list (only before any message told it). */
  private async lookup(signal: AbortSignal): Promise<string | SendOutcome> {
    let types = 'public_channel,private_channel';
    let cursor = '';
    for (let page = 0; page < LIST_PAGES; page++) {
      const query = { types, exclude_archived: 'true', limit: '200', ...(cursor ? { cursor } : {}) };
      const read = this.read(await this.call('conversations.list', query, signal, 'GET'));
      if ('kind' in read) return read;
      const { answer } = read;
      if (!answer.ok) {
        // Without groups:read only public channels can be listed: look there.
        if (answer.error === 'missing_scope' && answer.needed === 'groups:read' && types !== 'public_channel') {
          types = 'public_channel';
          continue;
        }
        if (answer.error !== 'missing_scope') return this.classify(answer, read.headers);
        return {
          kind: 'rejected',
          reason: `Slack shares files by channel id, and the bot token may not list channels to find ${this.name}'s (missing_scope ${answer.needed ?? 'channels:read'})`,
          fix: `write the channel's id (C0123ABCD: channel details → About, at the bottom) instead of its name in ${this.spec.origin}, or add the channels:read scope and reinstall the app`,
        };
      }
      const found = (Array.isArray(answer.channels) ? (answer.channels as { id?: unknown; name?: unknown }[]) : []).find(
        (c) => typeof c?.name === 'string' && c.name.toLowerCase() === this.spec.channel,
      );
      if (found && typeof found.id === 'string' && ID_RE.test(found.id)) return (this.channelId = found.id);
      const next = answer.response_metadata?.next_cursor;
      if (typeof next !== 'string' || next === '') break;
      cursor = next;
    }
    return {
      kind: 'rejected',
      reason: `${this.name} is not among the channels the Slack bot can see, so a file cannot be shared there`,
      fix: `write the channel's id (C0123ABCD) in ${this.spec.origin}; for a private channel, invite the bot first (/invite @your-bot)`,
    };
  }

  /** POSTs the bytes to the upload URL: undefined when Slack took them, else the outcome. */
  private async putBytes(url: string, file: Attachment, bytes: Buffer, signal: AbortSignal): Promise<SendOutcome | undefined> {
    const form = new FormData();
    form.append('filename', new Blob([bytes], { type: file.contentType }), file.name);
    // No token here: the upload URL is itself the permission, and it is not the API's host.
    const res = await postForm(this.ctx.http, url, form, signal);
    if (isOutcome(res)) return res;
    if (res.status === 200) return undefined;
    if (res.status === 429) return { kind: 'retry-after', delayMs: retryAfterHeaderMs(res.headers) ?? 1000, reason: 'Slack file upload rate limit (429)' };
    // A retry asks for a new upload URL, so any refusal of this one is worth one.
    if (res.status >= 500 || res.status === 408 || res.status === 404) return { kind: 'transient', reason: `Slack's upload URL answered ${res.status}` };
    return { kind: 'rejected', reason: `Slack's upload URL refused ${file.name} (${bytes.length} bytes): HTTP ${res.status}` };
  }

  /** A form-encoded Web API call (the files.* methods take forms, as Slack's own SDK sends them), or a GET with a query. */
  private async call(method: string, params: Record<string, string>, signal: AbortSignal, verb: 'GET' | 'POST' = 'POST'): Promise<HttpResponse | SendOutcome> {
    const query = new URLSearchParams(params).toString();
    const authorization = `Bearer ${this.spec.token}`;
    try {
      if (verb === 'GET') return await this.ctx.http.request(`${this.spec.baseUrl}/${method}?${query}`, { method: 'GET', headers: { authorization }, signal });
      return await this.ctx.http.request(`${this.spec.baseUrl}/${method}`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body: query,
        signal,
      });
    } catch (err) {
      return { kind: 'transient', reason: (err as Error).message };
    }
  }

  /** Slack's answer as JSON, or the outcome of an answer that is not one (429, 5xx, a proxy's page). */
  private read(res: HttpResponse | SendOutcome): Answered | SendOutcome {
    if (isOutcome(res)) return res;
    if (res.status === 429) return { kind: 'retry-after', delayMs: retryAfterHeaderMs(res.headers) ?? 1000, reason: 'Slack rate limit (429)' };
    const answer = parseJson(res.body);
    if (res.status !== 200 || !answer || typeof answer !== 'object' || Array.isArray(answer)) return genericOutcome(res, 'Slack');
    return { answer: answer as SlackAnswer, headers: res.headers };
  }

  /** A refused file step: a missing files:write or a workspace's upload policy fails this file only; the rest as for messages. */
  private classifyFile({ answer, headers }: Answered, file: Attachment): SendOutcome {
    const error = answer.error ?? 'unknown_error';
    if (error === 'missing_scope' && (answer.needed === undefined || answer.needed.startsWith('files:'))) {
      const scope = answer.needed ?? 'files:write';
      // Not `dead`: only files need this scope, and the bot's text messages still arrive.
      return {
        kind: 'rejected',
        reason: `Slack answered missing_scope: the bot token lacks the ${scope} scope, so ${file.name} was not sent`,
        fix: `add ${scope} under api.slack.com/apps → your app → OAuth & Permissions → Scopes, reinstall the app, and update ${this.tokenVariable} if the token changed`,
      };
    }
    const policy = FILE_POLICY[error];
    if (policy)
      return {
        kind: 'rejected',
        reason: `Slack answered ${error}: ${policy}, so ${file.name} was not sent`,
        fix: 'ask a workspace admin to allow it (Workspace settings → file uploads), or send this notification without a file',
      };
    return this.classify(answer, headers);
  }

  private classify(a: SlackAnswer, headers: Headers): SendOutcome {
    const error = a.error ?? 'unknown_error';
    if (error === 'ratelimited' || error === 'rate_limited')
      return { kind: 'retry-after', delayMs: retryAfterHeaderMs(headers) ?? 1000, reason: `Slack ${error}` };
    if (error === 'missing_scope') {
      const scope = a.needed ?? 'chat:write';
      return {
        kind: 'dead',
        scope: 'group',
        reason: `Slack answered missing_scope: the bot token lacks the ${scope} scope`,
        fix: `add ${scope} under api.slack.com/apps → your app → OAuth & Permissions → Scopes, reinstall the app, and update ${this.tokenVariable} if the token changed`,
      };
    }
    const botFix = BOT_FIX[error];
    if (botFix) return { kind: 'dead', scope: 'group', reason: `Slack answered ${error}`, fix: `${botFix} (update ${this.tokenVariable})` };
    const channelFix = CHANNEL_FIX[error] ?? (error.startsWith('restricted_action') ? CHANNEL_FIX.restricted_action : undefined);
    if (channelFix) return { kind: 'dead', reason: `Slack answered ${error} for ${this.name}`, fix: channelFix(this.name) };
    if (TRANSIENT.has(error)) return { kind: 'transient', reason: `Slack answered ${error}` };
    return { kind: 'rejected', reason: `Slack refused the message: ${error}` };
  }
}
