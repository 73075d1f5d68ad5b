/**
 * Fake Slack Web API: `/api/<method>` for chat.postMessage, chat.update, auth.test,
 * conversations.info, conversations.list and the file upload flow (files.getUploadURLExternal,
 * the upload URL, files.completeUploadExternal), with a bot token (`Authorization: Bearer xoxb-…`,
 * or `token` in a form body). Answers like Slack (.scratch/bot-apis.md §1–4): every refusal is
 * HTTP 200 `{ ok: false, error }` except rate limiting (HTTP 429 + Retry-After); every answer to
 * a valid token carries `x-oauth-scopes`. Posts, edits and shared uploads are limited per token
 * and channel, together.
 */
import { isMultipart, readFormBody } from './form-body.js';
import { getOrCreate, TokenBucket } from './rate-window.js';
import { checkBlocks } from './slack-blocks.js';
import { codePointLength } from './telegram-markup.js';
import type { FakeLimits, InternalHandler, InternalPrepared, InternalReply, InternalRequest, ReceivedFile } from './types.js';

/** A channel the fake Slack workspace has. */
export interface FakeSlackChannel {
  /** `C…` (any string; names and ids are matched separately). */
  id: string;
  /** Without `#`. */
  name: string;
  /** Whether the bot is in it. Default true. */
  isMember?: boolean;
  /** Default false. */
  isArchived?: boolean;
  /** Private channels the bot is not in are invisible to it. Default false. */
  isPrivate?: boolean;
}

/**
 * Scopes a token has unless {@link FakeSlackApi.setScopes} says otherwise: a sandbox app set up
 * for everything Herald does, files included (a real app needs files:write added by hand).
 */
export const DEFAULT_SLACK_SCOPES: readonly string[] = ['chat:write', 'chat:write.public', 'channels:read', 'groups:read', 'files:write'];

/** What auth.test answers (besides `ok`), and who the messages are from. */
export const SLACK_SANDBOX_IDENTITY = {
  url: 'https://herald-sandbox.slack.com/',
  team: 'Herald Sandbox',
  user: 'herald',
  team_id: 'T0SANDBOX',
  user_id: 'U0HERALD',
  bot_id: 'B0HERALD',
} as const;

const METHOD_RE = /^\/api\/([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)+)\/?$/;
/** Where the fake takes uploaded bytes (Slack's are on files.slack.com/upload/v1/…): under /api/ so it stays Slack's. */
const UPLOAD_PATH = '/api/upload/v1/';
const UPLOAD_RE = /^\/api\/upload\/v1\/(F[0-9A-Z]+)\/?$/;
const TOKEN_RE = /^xox[bp]-[A-Za-z0-9-]{6,}$/;
/** Slack truncates `text` past this (with a `message_truncated` warning), it does not refuse it. */
const MAX_TEXT = 40_000;
const CONVERSATION_SCOPES = 'channels:read,groups:read,im:read,mpim:read';
const ACCEPTED_SCOPES: Record<string, string> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
  'auth.test': '',
  'conversations.info': CONVERSATION_SCOPES,
  'conversations.list': CONVERSATION_SCOPES,
};
const TYPE_SCOPES: Record<string, string> = {
  public_channel: 'channels:read',
  private_channel: 'groups:read',
  mpim: 'mpim:read',
  im: 'im:read',
};

interface Known {
  id: string;
  name: string;
  isMember: boolean;
  isArchived: boolean;
  isPrivate: boolean;
}

interface Params {
  values: Record<string, unknown>;
  /** `token` from a form body (JSON bodies must use the header, as on Slack). */
  formToken?: string;
  /** True when the body was JSON. */
  json?: boolean;
  error?: string;
}

/** A file between files.getUploadURLExternal and files.completeUploadExternal. */
interface Upload {
  token: string;
  name: string;
  /** The bytes, once they reached the upload URL. */
  file?: ReceivedFile;
}

/** What a message's text and blocks came to. */
interface Checked {
  text: string;
  blocks: unknown[] | undefined;
  body: Record<string, unknown>;
  truncated: boolean;
}

/** A message's content, or Slack's refusal of it. */
type Content = Checked | { error: string };

/** Whether a path is a Slack Web API method (`/api/chat.postMessage`) or the fake's upload URL, rather than a Discord route. */
export function isSlackMethodPath(pathname: string): boolean {
  return METHOD_RE.test(pathname) || UPLOAD_RE.test(pathname);
}

/** Query and body parameters (JSON or form) merged; Slack reads both. */
function readParams(req: InternalRequest): Params {
  const values: Record<string, unknown> = Object.fromEntries(req.url.searchParams);
  delete values['token']; // tokens in URLs are refused for new apps; never recorded
  const text = req.raw.toString('utf8');
  if (text.trim() === '') return { values };
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('application/json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { values, error: 'json_not_object' };
      const body = { ...(parsed as Record<string, unknown>) };
      delete body['token'];
      return { values: { ...values, ...body }, json: true };
    } catch {
      return { values, error: 'invalid_json' };
    }
  }
  if (type.startsWith('application/x-www-form-urlencoded')) {
    const form = Object.fromEntries(new URLSearchParams(text));
    const formToken = form['token'];
    delete form['token'];
    return { values: { ...values, ...form }, ...(formToken !== undefined ? { formToken } : {}) };
  }
  if (type.startsWith('multipart/form-data')) return { values, error: 'invalid_form_data' };
  return { values, error: type === '' ? 'missing_post_type' : 'invalid_post_type' };
}

const truthy = (v: unknown): boolean => v === true || v === 'true' || v === 1 || v === '1';
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function channelObject(c: Known): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    name_normalized: c.name.toLowerCase(),
    is_channel: true,
    is_group: false,
    is_im: false,
    is_mpim: false,
    is_private: c.isPrivate,
    is_archived: c.isArchived,
    is_general: c.name === 'general',
    is_member: c.isMember,
  };
}

/** The Slack Web API part of the fake server (incoming webhooks are fake-slack.ts). */
export class FakeSlackApi implements InternalHandler {
  readonly platform = 'slack' as const;
  readonly via = 'bot' as const;

  private channels = new Map<string, Known>();
  private scopes = new Map<string, readonly string[]>();
  private revoked = new Set<string>();
  private buckets = new Map<string, TokenBucket>();
  /** Channel id → the ts of every message posted there (parents for thread_ts) → the token that posted it (who may edit it). */
  private posted = new Map<string, Map<string, string>>();
  /** File id → an upload not yet completed. */
  private uploads = new Map<string, Upload>();
  private fileSeq = 0;
  private lastMicros = 0;

  constructor(
    private readonly clock: () => number,
    private readonly limits: FakeLimits,
  ) {}

  owns(pathname: string): boolean {
    return isSlackMethodPath(pathname);
  }

  prepare(req: InternalRequest): InternalPrepared {
    const upload = UPLOAD_RE.exec(req.url.pathname)?.[1];
    if (upload !== undefined) return { destination: '', method: 'upload', httpMethod: req.method, run: () => this.receiveUpload(req, upload) };
    const method = METHOD_RE.exec(req.url.pathname)![1]!;
    const params = readParams(req);
    const channel = params.values['channel'] ?? params.values['channel_id'];
    // Faults match the channel id, also when the caller gave a name.
    const destination = typeof channel === 'string' ? (this.resolve(channel)?.id ?? channel) : '';
    return { destination, method, httpMethod: req.method, run: () => this.run(req, method, params) };
  }

  private run(req: InternalRequest, method: string, params: Params): InternalReply {
    const accepted = ACCEPTED_SCOPES[method];
    if (accepted === undefined) {
      return { status: 404, body: { ok: false, error: 'unknown_method', req_method: method }, failed: true, detail: `unknown_method ${method}` };
    }
    if (req.method !== 'GET' && req.method !== 'POST') {
      return { status: 405, body: { ok: false, error: 'method_not_allowed' }, failed: true, detail: 'method_not_allowed' };
    }
    const header = /^Bearer\s+(\S+)\s*$/i.exec(String(req.headers['authorization'] ?? ''))?.[1];
    const token = header ?? params.formToken;
    if (token === undefined || token === '') return this.fail('not_authed');
    if (!TOKEN_RE.test(token)) return this.fail('invalid_auth');
    if (this.revoked.has(token)) return this.fail('token_revoked');

    const scopes = this.scopes.get(token) ?? DEFAULT_SLACK_SCOPES;
    const headers = { 'x-oauth-scopes': scopes.join(','), 'x-accepted-oauth-scopes': accepted };
    const reply = ((): InternalReply => {
      if (params.error) return this.fail(params.error);
      const has = (scope: string): boolean => scopes.includes(scope);
      const missing = (needed: string): InternalReply => this.fail('missing_scope', { needed, provided: scopes.join(',') });
      switch (method) {
        case 'auth.test':
          return this.ok({ ...SLACK_SANDBOX_IDENTITY });
        case 'chat.postMessage':
          return has('chat:write') ? this.postMessage(token, has('chat:write.public'), params.values) : missing('chat:write');
        case 'chat.update':
          return has('chat:write') ? this.update(token, params.values) : missing('chat:write');
        case 'files.getUploadURLExternal':
          return has('files:write') ? this.uploadUrl(token, req, params) : missing('files:write');
        case 'files.completeUploadExternal':
          return has('files:write') ? this.complete(token, params.values) : missing('files:write');
        case 'conversations.info': {
          if (!has('channels:read') && !has('groups:read')) return missing('channels:read');
          const raw = params.values['channel'];
          // An ID only ("Conversation ID to learn more about"): names are not looked up here.
          const c = typeof raw === 'string' ? this.channels.get(raw.trim()) : undefined;
          if (!c || (c.isPrivate && !c.isMember)) return this.fail('channel_not_found');
          if (!has(c.isPrivate ? 'groups:read' : 'channels:read')) return missing(c.isPrivate ? 'groups:read' : 'channels:read');
          return this.ok({ channel: channelObject(c) });
        }
        default:
          return this.list(params.values, has, missing);
      }
    })();
    return { ...reply, headers: { ...headers, ...reply.headers } };
  }

  private ok(body: Record<string, unknown>): InternalReply {
    return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: { ok: true, ...body } };
  }

  private fail(error: string, extra?: { needed: string; provided: string }): InternalReply {
    return {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: { ok: false, error, ...extra },
      failed: true,
      detail: extra ? `${error} (needed ${extra.needed})` : error,
    };
  }

  /** A channel by id, or by name with or without `#` (case-insensitive). */
  private resolve(raw: string): Known | undefined {
    const v = raw.trim();
    const byId = this.channels.get(v);
    if (byId) return byId;
    const name = v.replace(/^#/, '').toLowerCase();
    for (const c of this.channels.values()) if (c.name.toLowerCase() === name) return c;
    return undefined;
  }

  /** `<seconds>.<6 digits>`, strictly increasing (Slack's ts is unique per channel). */
  private nextTs(now: number): string {
    let micros = Math.floor(now) * 1000;
    if (micros <= this.lastMicros) micros = this.lastMicros + 1;
    this.lastMicros = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  private postMessage(token: string, canJoinPublic: boolean, values: Record<string, unknown>): InternalReply {
    const raw = values['channel'];
    const channel = typeof raw === 'string' && raw.trim() !== '' ? this.resolve(raw) : undefined;
    // A private channel the bot is not in does not exist as far as the bot can tell.
    if (!channel || (channel.isPrivate && !channel.isMember)) return this.fail('channel_not_found');
    if (channel.isArchived) return this.fail('is_archived');
    if (!channel.isMember && !canJoinPublic) return this.fail('not_in_channel');

    // Charged before the content is checked, as the webhook is: a refused post costs a token too.
    const now = this.clock();
    const limited = this.charge(token, channel.id, now);
    if (limited) return limited;
    const content = this.content(values);
    if ('error' in content) return this.fail(content.error);

    const threadTs = values['thread_ts'];
    const hasThread = threadTs !== undefined && threadTs !== null && threadTs !== '';
    if (hasThread && (typeof threadTs !== 'string' || !this.posted.get(channel.id)?.has(threadTs))) return this.fail('thread_not_found');

    const ts = this.nextTs(now);
    getOrCreate(this.posted, channel.id, () => new Map<string, string>()).set(ts, token);
    const thread = hasThread ? { thread: String(threadTs), replyTo: String(threadTs) } : {};
    return {
      ...this.ok(this.messageAnswer(channel.id, ts, content, hasThread ? String(threadTs) : undefined)),
      accepted: { destination: channel.id, text: content.text, silent: false, body: content.body, id: ts, ...thread },
    };
  }

  /** chat.update: only a message this token posted in that channel, named by the channel's id and the message's ts. */
  private update(token: string, values: Record<string, unknown>): InternalReply {
    const raw = values['channel'];
    // chat.update takes the id chat.postMessage answered with; names are not looked up.
    const channel = typeof raw === 'string' ? this.channels.get(raw.trim()) : undefined;
    if (!channel || (channel.isPrivate && !channel.isMember)) return this.fail('channel_not_found');
    if (channel.isArchived) return this.fail('is_archived');
    const now = this.clock();
    const limited = this.charge(token, channel.id, now);
    if (limited) return limited;
    const ts = values['ts'];
    const poster = typeof ts === 'string' ? this.posted.get(channel.id)?.get(ts) : undefined;
    if (poster === undefined || typeof ts !== 'string') return this.fail('message_not_found');
    if (poster !== token) return this.fail('cant_update_message');
    const content = this.content(values);
    if ('error' in content) return this.fail(content.error);
    return {
      ...this.ok({ ...this.messageAnswer(channel.id, ts, content, undefined), text: content.text }),
      accepted: { destination: channel.id, text: content.text, silent: false, body: content.body, id: ts, edits: ts },
    };
  }

  /** files.getUploadURLExternal: a file id and a URL on this server to POST the bytes to. */
  private uploadUrl(token: string, req: InternalRequest, params: Params): InternalReply {
    // [community] Slack refuses a JSON body here (invalid_arguments) although its docs list JSON; its SDKs send forms.
    if (params.json) return this.fail('invalid_arguments');
    const { filename, length } = params.values;
    if (typeof filename !== 'string' || filename.trim() === '') return this.fail('invalid_arguments');
    // "missing_argument: typically only occurs when the length provided is 0".
    if (length === undefined || length === '' || Number(length) === 0) return this.fail('missing_argument');
    if (!Number.isSafeInteger(Number(length)) || Number(length) < 0) return this.fail('invalid_arguments');
    const id = `F${String(++this.fileSeq).padStart(10, '0')}`;
    this.uploads.set(id, { token, name: filename });
    const host = String(req.headers.host ?? '127.0.0.1');
    return this.ok({ upload_url: `http://${host}${UPLOAD_PATH}${id}`, file_id: id });
  }

  /** The upload URL: takes the bytes raw or as a multipart form, as Slack's does, and answers 200 `OK - <size>`. */
  private async receiveUpload(req: InternalRequest, id: string): Promise<InternalReply> {
    if (req.method !== 'POST') return { status: 405, body: 'method not allowed', detail: `upload ${req.method}` };
    const upload = this.uploads.get(id);
    if (!upload) return { status: 404, body: 'upload not found', detail: 'upload URL unknown or already used' };
    const type = String(req.headers['content-type'] ?? '');
    let bytes = req.raw;
    let contentType = type.split(';')[0]!.trim() || 'application/octet-stream';
    if (isMultipart(type)) {
      const sent = (await readFormBody(req.raw, type))?.files[0];
      if (!sent) return { status: 400, body: 'no file in the form', detail: 'upload without a file' };
      bytes = Buffer.from(sent.base64, 'base64');
      contentType = sent.contentType;
    }
    upload.file = { field: upload.name, name: upload.name, contentType, size: bytes.length, base64: bytes.toString('base64') };
    return { status: 200, body: `OK - ${bytes.length}` };
  }

  /** files.completeUploadExternal: shares uploaded files into a channel (by id) as one message, `initial_comment` its text. */
  private complete(token: string, values: Record<string, unknown>): InternalReply {
    let list = values['files'];
    if (typeof list === 'string') {
      try {
        list = JSON.parse(list) as unknown;
      } catch {
        return this.fail('invalid_arguments');
      }
    }
    if (!Array.isArray(list) || list.length === 0) return this.fail('invalid_arguments');
    const done: { id: string; title: string; file: ReceivedFile }[] = [];
    for (const f of list as unknown[]) {
      const id = isObject(f) ? f['id'] : undefined;
      const upload = typeof id === 'string' ? this.uploads.get(id) : undefined;
      if (typeof id !== 'string' || !upload || upload.token !== token || !upload.file) return this.fail('file_not_found');
      const title = isObject(f) && typeof f['title'] === 'string' && f['title'] !== '' ? f['title'] : upload.name;
      done.push({ id, title, file: upload.file });
    }
    const answer = { files: done.map(({ id, title }) => ({ id, title })) };
    const channels = values['channels'];
    const raw = values['channel_id'] ?? (typeof channels === 'string' ? channels.split(',')[0] : undefined);
    const finish = (): void => done.forEach(({ id }) => this.uploads.delete(id));
    if (raw === undefined || raw === '') {
      finish(); // shared nowhere: a private file, no message
      return this.ok(answer);
    }
    // An id, as the method asks; names are not looked up.
    const channel = typeof raw === 'string' ? this.channels.get(raw.trim()) : undefined;
    if (!channel || (channel.isPrivate && !channel.isMember)) return this.fail('channel_not_found');
    if (channel.isArchived) return this.fail('is_archived');
    // [inferred] chat:write.public lets a bot post messages where it is not a member, not share files.
    if (!channel.isMember) return this.fail('not_in_channel');
    const now = this.clock();
    const limited = this.charge(token, channel.id, now);
    if (limited) return limited;
    const threadTs = values['thread_ts'];
    const hasThread = threadTs !== undefined && threadTs !== null && threadTs !== '';
    if (hasThread && (typeof threadTs !== 'string' || !this.posted.get(channel.id)?.has(threadTs))) return this.fail('thread_not_found');
    finish();
    const ts = this.nextTs(now);
    getOrCreate(this.posted, channel.id, () => new Map<string, string>()).set(ts, token);
    const comment = values['initial_comment'];
    const thread = hasThread ? { thread: String(threadTs), replyTo: String(threadTs) } : {};
    return {
      ...this.ok(answer),
      accepted: {
        destination: channel.id,
        text: typeof comment === 'string' ? comment : '',
        silent: false,
        body: { ...values, files: list },
        id: ts,
        ...thread,
        files: done.map(({ file }) => file),
      },
    };
  }

  /** Takes a token from the per-token-and-channel bucket, or answers 429 with Retry-After. */
  private charge(token: string, channelId: string, now: number): InternalReply | undefined {
    const { burst, perSecond } = this.limits.slackPerChannel;
    const bucket = getOrCreate(this.buckets, `${token}|${channelId}`, () => new TokenBucket(burst, perSecond, now));
    const wait = bucket.waitMs(now);
    if (wait <= 0) {
      bucket.take(now);
      return undefined;
    }
    const retryAfter = Number.isFinite(wait) ? Math.max(1, Math.ceil(wait / 1000)) : 2_147_483;
    return {
      status: 429,
      headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(retryAfter) },
      body: { ok: false, error: 'ratelimited' },
      detail: `ratelimited, Retry-After ${retryAfter}`,
    };
  }

  /** A message's text and blocks as chat.postMessage and chat.update check them. */
  private content(values: Record<string, unknown>): Content {
    const checked = checkBlocks(values['blocks']);
    if (!checked.ok) return { error: checked.error };
    const blocks = checked.blocks;
    const body: Record<string, unknown> = { ...values, ...(blocks !== undefined ? { blocks } : {}) };
    const rawText = values['text'];
    const text = typeof rawText === 'string' ? rawText : '';
    const attachments = values['attachments'];
    const hasRich = (blocks !== undefined && blocks.length > 0) || (Array.isArray(attachments) && attachments.length > 0);
    if (text.trim() === '' && !hasRich) return { error: 'no_text' };
    return { text, blocks, body, truncated: codePointLength(text) > MAX_TEXT };
  }

  /** The `channel`, `ts` and `message` of a post or an edit answer. */
  private messageAnswer(channel: string, ts: string, content: Checked, threadTs: string | undefined): Record<string, unknown> {
    const { text, blocks, truncated } = content;
    return {
      channel,
      ts,
      message: {
        type: 'message',
        text: truncated ? Array.from(text).slice(0, MAX_TEXT).join('') : text,
        user: SLACK_SANDBOX_IDENTITY.user_id,
        bot_id: SLACK_SANDBOX_IDENTITY.bot_id,
        team: SLACK_SANDBOX_IDENTITY.team_id,
        ts,
        ...(blocks !== undefined ? { blocks } : {}),
        ...(threadTs !== undefined ? { thread_ts: threadTs } : {}),
      },
      ...(truncated ? { warning: 'message_truncated', response_metadata: { warnings: ['message_truncated'] } } : {}),
    };
  }

  private list(values: Record<string, unknown>, has: (scope: string) => boolean, missing: (needed: string) => InternalReply): InternalReply {
    const types = String(values['types'] ?? 'public_channel')
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
    if (types.length === 0) types.push('public_channel');
    for (const t of types) {
      const needed = TYPE_SCOPES[t];
      if (needed === undefined) return this.fail('invalid_types');
      if (!has(needed)) return missing(needed);
    }
    const rawLimit = values['limit'];
    const limit = rawLimit === undefined || rawLimit === '' || Number(rawLimit) === 0 ? 100 : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit >= 1000) return this.fail('invalid_limit');
    let offset = 0;
    const cursor = values['cursor'];
    if (cursor !== undefined && cursor !== '') {
      const m = typeof cursor === 'string' ? /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8')) : null;
      if (!m) return this.fail('invalid_cursor');
      offset = Number(m[1]);
    }
    const excludeArchived = truthy(values['exclude_archived']);
    const visible = [...this.channels.values()].filter(
      (c) => (c.isPrivate ? types.includes('private_channel') && c.isMember : types.includes('public_channel')) && !(excludeArchived && c.isArchived),
    );
    const next = offset + limit < visible.length ? Buffer.from(`offset:${offset + limit}`).toString('base64') : '';
    return this.ok({ channels: visible.slice(offset, offset + limit).map(channelObject), response_metadata: { next_cursor: next } });
  }

  /** See {@link FakePlatformServer.addSlackChannel}. */
  addChannel(channel: FakeSlackChannel): void {
    const id = String(channel.id);
    this.channels.set(id, {
      id,
      name: channel.name.replace(/^#/, ''),
      isMember: channel.isMember ?? true,
      isArchived: channel.isArchived ?? false,
      isPrivate: channel.isPrivate ?? false,
    });
  }

  /** See {@link FakePlatformServer.setSlackScopes}. */
  setScopes(token: string, scopes: readonly string[]): void {
    this.scopes.set(token, [...scopes]);
  }

  /** See {@link FakePlatformServer.deleteMessage}: later edits of it answer message_not_found, replies thread_not_found. */
  deleteMessage(destination: string, id: string): void {
    this.posted.get(destination)?.delete(id);
  }

  /** See {@link FakePlatformServer.revokeSlackToken}. */
  revokeToken(token: string): void {
    this.revoked.add(token);
  }

  reset(): void {
    this.channels.clear();
    this.scopes.clear();
    this.revoked.clear();
    this.buckets.clear();
    this.posted.clear();
    this.uploads.clear();
    this.fileSeq = 0;
    this.lastMicros = 0;
  }

  shutdown(): void {}
}
