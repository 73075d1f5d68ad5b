/**
 * Discord webhook driver: `content` up to 2000 characters or cards as embeds, mentions disabled
 * so `@everyone` in a message never pings, silent via SUPPRESS_NOTIFICATIONS, threads via
 * `?thread_id=`, files as multipart uploads, edits of the messages it sent (`?wait=true` returns
 * their ids), and limits learned from the `X-RateLimit-*` headers. Also reads Apprise's
 * `discord://{id}/{token}` URLs.
 */
import type { CardSupport, Channel, FileSupport, MessageRef, OutgoingPart, RateBucket, SendOutcome } from './channel.js';
import type { ChannelSpec, Driver, DriverContext, EnvReading, Role, TargetSupport, WebhookSupport } from './driver.js';
import { readingOf } from './driver.js';
import { isOutcome } from './answers.js';
import type { HttpResponse } from './http.js';
import {
  commonOutcome,
  DISCORD_MAX_LENGTH,
  DISCORD_USER_AGENT,
  discordCards,
  discordEditPayload,
  discordError,
  discordFiles,
  discordPayload,
  isSnowflake,
  sendDiscord,
} from './discord-format.js';
import { utf16Length } from './split.js';
import { parseAppriseUrl } from '../config/apprise-url.js';
import type { Env } from '../config/env.js';
import type { ConfigProblem } from '../config/problems.js';
import { readBaseUrl } from '../config/urls.js';
import { isProblem, readWebhookVariable } from '../config/webhook-url.js';

export { DISCORD_MAX_LENGTH } from './discord-format.js';

/** Discord's API root; `DISCORD_API_BASE_URL` overrides it for bots and `discord://` webhooks. */
export const DISCORD_API_DEFAULT_BASE = 'https://discord.com/api';
const PATH_RE = /^\/api(?:\/v\d+)?\/webhooks\/(\d+)\/([A-Za-z0-9_.-]+)\/?$/;
const HOSTS = new Set(['discord.com', 'discordapp.com', 'ptb.discord.com', 'canary.discord.com']);
const ID_RE = /^\d{1,20}$/;

/** Plain-data Discord webhook destination. */
export interface DiscordSpec extends ChannelSpec {
  readonly driver: 'discord';
  /** The URL to post to: API v10 pinned, `thread_id` in the query when set. */
  readonly url: string;
  readonly webhookId: string;
  readonly token: string;
  /** Post into this thread of the webhook's channel. */
  readonly threadId?: string;
  /** Display name and avatar for the message (Apprise `botname`, `avatar_url`). */
  readonly username?: string;
  readonly avatarUrl?: string;
  /** `content` only, no embeds (Apprise `format=text`). */
  readonly plain?: boolean;
}

/** The base URL `DISCORD_API_BASE_URL` gives (default `https://discord.com/api`), or its problem. */
export function readDiscordApiBase(env: Env): { baseUrl: string; problem?: ConfigProblem } {
  return readBaseUrl(env, 'DISCORD_API_BASE_URL', DISCORD_API_DEFAULT_BASE, 'a local server such as http://127.0.0.1:8787/api');
}

/** The spec of a webhook at `base` (`https://discord.com/api`) with `/v10` pinned; `search` is kept as given. */
function webhookSpec(
  base: string,
  id: string,
  token: string,
  origin: string,
  extra: Partial<DiscordSpec>,
  problemFix: string,
  search = '',
): DiscordSpec | ConfigProblem {
  if (extra.threadId !== undefined && !ID_RE.test(extra.threadId))
    return { variable: origin, message: `thread_id "${extra.threadId}" is not a Discord id`, fix: problemFix };
  // URLs copied from Discord carry no version, i.e. the deprecated default, where 429's
  // retry_after is in milliseconds; pin v10 so it is seconds as PLATFORMS.md describes.
  const url = new URL(`${base}/v10/webhooks/${id}/${token}${search}`);
  if (extra.threadId) url.searchParams.set('thread_id', extra.threadId);
  const clean = Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined && v !== false && v !== ''));
  return { driver: 'discord', origin, url: url.toString(), webhookId: id, token, ...clean };
}

const THREAD_FIX = "use the thread's id (right-click the thread → Copy Thread ID, with Developer Mode on)";

const webhook: WebhookSupport<DiscordSpec> = {
  description: 'a Discord webhook (https://discord.com/api/webhooks/{id}/{token})',
  matches: (url, loopback) => (loopback || HOSTS.has(url.hostname.toLowerCase())) && PATH_RE.test(url.pathname),
  parse(url, origin) {
    const m = PATH_RE.exec(url.pathname)!;
    const threadId = url.searchParams.get('thread_id') ?? undefined;
    return webhookSpec(`${url.origin}/api`, m[1]!, m[2]!, origin, threadId ? { threadId } : {}, THREAD_FIX, url.search);
  },
};

const APPRISE_FIX = 'write discord://{webhook_id}/{webhook_token} (see https://appriseit.com/services/discord/)';

/** Apprise `discord://[botname@]{id}/{token}[?thread=…&avatar_url=…&format=…]`. */
export function parseAppriseDiscord(raw: string, env: Env, origin: string): DiscordSpec[] | ConfigProblem {
  const u = parseAppriseUrl(raw);
  const id = u?.host ?? '';
  const token = u?.path[0];
  if (!u || !/^\d+$/.test(id) || !token || !/^[A-Za-z0-9_.-]+$/.test(token)) {
    return {
      variable: origin,
      message:
        !u || !id
          ? 'discord:// needs the webhook id and token'
          : !/^\d+$/.test(id)
            ? `"${id}" is not a webhook id (digits)`
            : 'the webhook token is missing or malformed',
      fix: APPRISE_FIX,
    };
  }
  const base = readDiscordApiBase(env);
  if (base.problem) return base.problem;
  const q = u.query;
  const username = q.get('botname') ?? q.get('user') ?? u.user;
  const spec = webhookSpec(
    base.baseUrl,
    id,
    token,
    origin,
    {
      ...(q.get('thread') ? { threadId: q.get('thread')! } : {}),
      ...(username ? { username } : {}),
      ...(q.get('avatar_url') ? { avatarUrl: q.get('avatar_url')! } : {}),
      plain: (q.get('format') ?? '').toLowerCase() === 'text',
    },
    THREAD_FIX,
  );
  return isProblem(spec) ? spec : [spec];
}

const HOW_TO = 'Discord: channel → Edit Channel → Integrations → Webhooks → New Webhook → Copy Webhook URL';

function readEnv(env: Env, role: Role): EnvReading<DiscordSpec> {
  const variable = `${role}_DISCORD_WEBHOOK`;
  const raw = env[variable]?.trim();
  if (raw && /^discord:\/\//i.test(raw)) {
    const r = parseAppriseDiscord(raw, env, variable);
    return Array.isArray(r) ? { specs: r, problems: [] } : { specs: [], problems: [r as ConfigProblem] };
  }
  return readingOf(readWebhookVariable(env, variable, webhook, HOW_TO));
}

const targets: TargetSupport = {
  prefixes: [],
  schemes: ['discord'],
  parse: (target, env, origin) => parseAppriseDiscord(target, env, origin),
};

/** The Discord webhook driver. */
export const discordDriver: Driver<DiscordSpec> = {
  name: 'discord',
  fromEnv: readEnv,
  webhook,
  targets,
  create: (spec, ctx) => new DiscordWebhookChannel(spec, ctx),
};

class DiscordWebhookChannel implements Channel {
  readonly platform = 'Discord';
  readonly maxLength = DISCORD_MAX_LENGTH;
  readonly secrets: readonly string[];
  readonly id: string;
  readonly label: string;
  readonly cards: CardSupport | undefined;
  readonly files: FileSupport = discordFiles;
  readonly edits = true;
  private readonly bucketKey: string;
  /** Execute Webhook with `?wait=true`: Discord answers 200 with the message, whose id later edits need. */
  private readonly executeUrl: string;

  constructor(
    private readonly spec: DiscordSpec,
    private readonly ctx: DriverContext,
  ) {
    this.id = `discord:${spec.webhookId}${spec.threadId ? `:${spec.threadId}` : ''}${spec.plain ? ':plain' : ''}`;
    this.label = `Discord webhook ${spec.webhookId}/${spec.token.slice(0, 2)}…${spec.threadId ? ` → thread ${spec.threadId}` : ''}`;
    this.secrets = [spec.token, spec.url];
    this.bucketKey = `discord:webhook:${spec.webhookId}`;
    this.cards = spec.plain ? undefined : discordCards;
    const url = new URL(spec.url);
    url.searchParams.set('wait', 'true');
    this.executeUrl = url.toString();
  }

  measure = utf16Length;

  buckets(): RateBucket[] {
    // Observed: 5 requests / 2 s per webhook until the headers say otherwise; 50/s global. Edits
    // and uploads are charged to the same buckets as sends.
    return [
      { key: this.bucketKey, capacity: 5, intervalMs: 400 },
      { key: 'discord:global', capacity: 50, intervalMs: 20 },
    ];
  }

  /** Edit Webhook Message: `PATCH …/webhooks/{id}/{token}/messages/{message_id}`, in the webhook's thread when it has one. */
  private editUrl(ref: MessageRef): string {
    const url = new URL(this.spec.url);
    url.pathname = `${url.pathname.replace(/\/$/, '')}/messages/${ref}`;
    url.search = '';
    // A message in a thread is found only with its thread's id.
    if (this.spec.threadId) url.searchParams.set('thread_id', this.spec.threadId);
    return url.toString();
  }

  async send(part: OutgoingPart, signal: AbortSignal): Promise<SendOutcome> {
    const headers = { 'user-agent': DISCORD_USER_AGENT };
    if (part.edit !== undefined) {
      // Only ids this driver returned come back here; anything else cannot name a message of this webhook.
      if (!isSnowflake(part.edit)) return { kind: 'uneditable', reason: `"${part.edit}" is not a Discord message id` };
      const res = await sendDiscord(this.ctx.http, this.editUrl(part.edit), discordEditPayload(part.text, part.cards), undefined, signal, headers, 'PATCH');
      return isOutcome(res) ? res : this.outcome(res, true);
    }
    // Webhooks cannot reply (Execute Webhook takes no message_reference): a part with `replyTo`
    // goes as a plain new message, which still notifies.
    const payload = discordPayload(part.text, part.cards, part.silent);
    if (this.spec.username) payload.username = this.spec.username;
    if (this.spec.avatarUrl) payload.avatar_url = this.spec.avatarUrl;
    const res = await sendDiscord(this.ctx.http, this.executeUrl, payload, part.file, signal, headers);
    return isOutcome(res) ? res : this.outcome(res, false);
  }

  private outcome(res: HttpResponse, edit: boolean): SendOutcome {
    const common = commonOutcome(res, this.bucketKey, 'discord:global', edit);
    if (common) return common;
    const { what } = discordError(res);
    if (res.status === 404)
      return {
        kind: 'dead',
        reason: `${what}: the webhook${this.spec.threadId ? ' or its thread' : ''} was deleted`,
        fix: `create a new webhook (channel → Integrations → Webhooks) and update ${this.spec.origin}`,
      };
    if (res.status === 401 || res.status === 403)
      return { kind: 'dead', reason: `${what}: the webhook token is not valid`, fix: `copy the webhook URL again and update ${this.spec.origin}` };
    return { kind: 'rejected', reason: what };
  }
}
