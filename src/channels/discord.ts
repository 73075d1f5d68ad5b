/**
 * Discord webhook driver: JSON `content` up to 2000 characters, mentions disabled so
 * `@everyone` in a message never pings, silent via SUPPRESS_NOTIFICATIONS, and limits learned
 * from the `X-RateLimit-*` headers.
 */
import type { Channel, OutgoingPart, RateBucket, RateObservation, SendOutcome } from './channel.js';
import type { Driver, DriverContext, EnvReading, Role, WebhookSupport } from './driver.js';
import type { Env } from '../config/env.js';
import { genericOutcome, isOutcome, parseJson, postJson, retryAfterHeaderMs } from './answers.js';
import { utf16Length } from './split.js';
import { readWebhookVariable } from '../config/webhook-url.js';
import { readingOf } from './driver.js';

/** Characters per `content`. */
export const DISCORD_MAX_LENGTH = 2000;
const SUPPRESS_NOTIFICATIONS = 1 << 12;
const PATH_RE = /^\/api(?:\/v\d+)?\/webhooks\/(\d+)\/([A-Za-z0-9_.-]+)\/?$/;
const HOSTS = new Set(['discord.com', 'discordapp.com', 'ptb.discord.com', 'canary.discord.com']);

/** Plain-data Discord webhook destination. */
export interface DiscordSpec {
  readonly driver: 'discord';
  readonly origin: string;
  readonly url: string;
  readonly webhookId: string;
  readonly token: string;
}

const webhook: WebhookSupport<DiscordSpec> = {
  description: 'a Discord webhook (https://discord.com/api/webhooks/{id}/{token})',
  matches: (url, loopback) => (loopback || HOSTS.has(url.hostname.toLowerCase())) && PATH_RE.test(url.pathname),
  parse(url, origin) {
    const m = PATH_RE.exec(url.pathname)!;
    // URLs copied from Discord carry no version, i.e. the deprecated default, where 429's
    // retry_after is in milliseconds; pin v10 so it is seconds as PLATFORMS.md describes.
    const pinned = new URL(url);
    pinned.pathname = `/api/v10/webhooks/${m[1]}/${m[2]}`;
    return { driver: 'discord', origin, url: pinned.toString(), webhookId: m[1]!, token: m[2]! };
  },
};

function readEnv(env: Env, role: Role): EnvReading<DiscordSpec> {
  const read = readWebhookVariable(env, `${role}_DISCORD_WEBHOOK`, webhook, 'Discord: channel → Edit Channel → Integrations → Webhooks → New Webhook → Copy Webhook URL');
  return readingOf(read);
}

/** The Discord webhook driver. */
export const discordDriver: Driver<DiscordSpec> = {
  name: 'discord',
  fromEnv: readEnv,
  webhook,
  create: (spec, ctx) => new DiscordWebhookChannel(spec, ctx),
};

/** Discord's rate-limit headers as an observation of this webhook's bucket. */
function observe(headers: Headers, bucketKey: string): RateObservation | undefined {
  const remaining = headers.get('x-ratelimit-remaining');
  const resetAfter = headers.get('x-ratelimit-reset-after');
  if (remaining === null || resetAfter === null) return undefined;
  const limit = Number(headers.get('x-ratelimit-limit'));
  return { bucketKey, remaining: Number(remaining), resetAfterMs: Number(resetAfter) * 1000, ...(limit > 0 ? { limit } : {}) };
}

class DiscordWebhookChannel implements Channel {
  readonly platform = 'Discord';
  readonly maxLength = DISCORD_MAX_LENGTH;
  readonly secrets: readonly string[];
  readonly id: string;
  readonly label: string;
  private readonly bucketKey: string;

  constructor(private readonly spec: DiscordSpec, private readonly ctx: DriverContext) {
    this.id = `discord:${spec.webhookId}`;
    this.label = `Discord webhook ${spec.webhookId}/${spec.token.slice(0, 2)}…`;
    this.secrets = [spec.token, spec.url];
    this.bucketKey = `discord:webhook:${spec.webhookId}`;
  }

  measure = utf16Length;

  buckets(): RateBucket[] {
    // Observed: 5 requests / 2 s per webhook until the headers say otherwise; 50/s global.
    return [
      { key: this.bucketKey, capacity: 5, intervalMs: 400 },
      { key: 'discord:global', capacity: 50, intervalMs: 20 },
    ];
  }

  async send(part: OutgoingPart, signal: AbortSignal): Promise<SendOutcome> {
    const payload: Record<string, unknown> = { content: part.text, allowed_mentions: { parse: [] } };
    if (part.silent) payload.flags = SUPPRESS_NOTIFICATIONS;
    const res = await postJson(this.ctx.http, this.spec.url, payload, signal);
    if (isOutcome(res)) return res;
    const rate = observe(res.headers, this.bucketKey);
    if (res.status === 200 || res.status === 204) return rate ? { kind: 'ok', rate } : { kind: 'ok' };
    const body = (parseJson(res.body) ?? {}) as { message?: string; code?: number; retry_after?: number; global?: boolean };
    const what = body.message ? `${body.message}${body.code ? ` (code ${body.code})` : ''}` : `HTTP ${res.status}`;
    if (res.status === 429) {
      const delayMs = body.retry_after !== undefined ? body.retry_after * 1000 : retryAfterHeaderMs(res.headers) ?? 1000;
      return { kind: 'retry-after', delayMs, reason: `Discord rate limit${body.global ? ' (global)' : ''}`, ...(body.global ? { blockKeys: ['discord:global'] } : {}), ...(rate ? { rate } : {}) };
    }
    if (res.status === 404) return { kind: 'dead', reason: `${what}: the webhook was deleted`, fix: `create a new webhook (channel → Integrations → Webhooks) and update ${this.spec.origin}` };
    if (res.status === 401 || res.status === 403) return { kind: 'dead', reason: `${what}: the webhook token is not valid`, fix: `copy the webhook URL again and update ${this.spec.origin}` };
    if (res.status === 400) return { kind: 'rejected', reason: what };
    return genericOutcome(res, 'Discord');
  }
}
