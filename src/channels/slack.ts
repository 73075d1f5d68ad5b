/**
 * Slack incoming-webhook driver: JSON `text`, `&<>` escaped (which also stops `<!channel>`
 * mentions from generated text), split below Slack's 4000-character guidance, errors read from
 * the plain-text body.
 */
import type { Channel, OutgoingPart, RateBucket, SendOutcome } from './channel.js';
import type { Driver, DriverContext, EnvReading, Role, WebhookSupport } from './driver.js';
import type { Env } from '../config/env.js';
import { fingerprint, genericOutcome, isOutcome, postJson, retryAfterHeaderMs } from './answers.js';
import { readWebhookVariable } from '../config/webhook-url.js';
import { readingOf } from './driver.js';

/** Characters per message, after escaping; Slack advises ≤ 4000. */
export const SLACK_MAX_LENGTH = 3900;
const PATH_RE = /^\/services\/([A-Za-z0-9]+)\/([A-Za-z0-9]+)\/([A-Za-z0-9]+)\/?$/;

/** Plain-data Slack webhook destination. */
export interface SlackSpec {
  readonly driver: 'slack';
  readonly origin: string;
  readonly url: string;
  /** `T…/B…`: identifies the webhook without its secret. */
  readonly name: string;
  readonly secret: string;
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeSlack(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** Length after escaping, counted without building the escaped string. */
export function slackLength(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 38) n += 4; // &amp;
    else if (c === 60 || c === 62) n += 3; // &lt; &gt;
  }
  return n;
}

const webhook: WebhookSupport<SlackSpec> = {
  description: 'a Slack incoming webhook (https://hooks.slack.com/services/T…/B…/…)',
  matches: (url, loopback) => (loopback || url.hostname.toLowerCase() === 'hooks.slack.com') && PATH_RE.test(url.pathname),
  parse(url, origin) {
    const m = PATH_RE.exec(url.pathname)!;
    return { driver: 'slack', origin, url: url.toString(), name: `${m[1]}/${m[2]}`, secret: m[3]! };
  },
};

function readEnv(env: Env, role: Role): EnvReading<SlackSpec> {
  const read = readWebhookVariable(env, `${role}_SLACK_WEBHOOK`, webhook, 'Slack: api.slack.com/apps → your app → Incoming Webhooks → Add New Webhook to Workspace → Copy');
  return readingOf(read);
}

/** The Slack incoming-webhook driver. */
export const slackDriver: Driver<SlackSpec> = {
  name: 'slack',
  fromEnv: readEnv,
  webhook,
  create: (spec, ctx) => new SlackWebhookChannel(spec, ctx),
};

const DEAD_FIX: Record<string, string> = {
  channel_not_found: 'the channel was deleted or renamed; add a new webhook for an existing channel',
  channel_is_archived: 'unarchive the channel or add a webhook for another one',
  action_prohibited: 'an admin restricted this webhook; ask them or create a new one',
  no_service: 'the webhook was removed or the app uninstalled; create a new webhook',
  invalid_token: 'the webhook URL is wrong or revoked; copy it again',
};

class SlackWebhookChannel implements Channel {
  readonly platform = 'Slack';
  readonly maxLength = SLACK_MAX_LENGTH;
  readonly secrets: readonly string[];
  readonly id: string;
  readonly label: string;
  private readonly bucketKey: string;

  constructor(private readonly spec: SlackSpec, private readonly ctx: DriverContext) {
    this.id = `slack:${spec.name}:${fingerprint(spec.secret)}`;
    this.label = `Slack webhook ${spec.name}/${spec.secret.slice(0, 2)}…`;
    this.secrets = [spec.secret, spec.url];
    this.bucketKey = `slack:webhook:${fingerprint(spec.url)}`;
  }

  measure = slackLength;

  buckets(): RateBucket[] {
    // About 1 message/s per webhook with short bursts allowed.
    return [{ key: this.bucketKey, capacity: 3, intervalMs: 1000 }];
  }

  async send(part: OutgoingPart, signal: AbortSignal): Promise<SendOutcome> {
    // Incoming webhooks have no silent flag; silence is a Telegram/Discord feature.
    const res = await postJson(this.ctx.http, this.spec.url, { text: escapeSlack(part.text) }, signal);
    if (isOutcome(res)) return res;
    const code = res.body.trim();
    if (res.status === 200) return { kind: 'ok' };
    if (res.status === 429) return { kind: 'retry-after', delayMs: retryAfterHeaderMs(res.headers) ?? 1000, reason: 'Slack rate limit' };
    const fix = DEAD_FIX[code];
    if (fix || res.status === 403 || res.status === 404 || res.status === 410) {
      return { kind: 'dead', reason: `Slack answered ${res.status} ${code || '(no body)'}`, fix: `${fix ?? 'check the webhook URL'} (update ${this.spec.origin})` };
    }
    if (res.status === 400) return { kind: 'rejected', reason: `Slack answered 400 ${code}` };
    return genericOutcome(res, 'Slack');
  }
}
