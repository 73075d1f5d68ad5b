/**
 * Slack incoming-webhook driver: JSON `text` (mrkdwn, `&<>` escaped), cards as Block Kit,
 * errors read from the plain-text body. Also reads Apprise's `slack://` URLs, in both their
 * webhook (`slack://T/B/X/#channel`) and bot-token (`slack://xoxb-…/#channel:ts`) forms.
 */
import type { CardSupport, Channel, OutgoingPart, RateBucket, SendOutcome } from './channel.js';
import type { ChannelSpec, Driver, DriverContext, EnvReading, Role, TargetSupport, WebhookSupport } from './driver.js';
import { readingOf } from './driver.js';
import { fingerprint, genericOutcome, isOutcome, postJson, retryAfterHeaderMs } from './answers.js';
import { checkSlackBotToken, parseSlackChannel, readSlackApiBase, slackBotSpec } from './slack-bot.js';
import { BLOCK_ERRORS, SLACK_MAX_LENGTH, slackCards, slackLength, slackMessage } from './slack-format.js';
import { appriseBool, appriseList, parseAppriseUrl } from '../config/apprise-url.js';
import type { Env } from '../config/env.js';
import type { ConfigProblem } from '../config/problems.js';
import { isProblem, readWebhookVariable } from '../config/webhook-url.js';

export { escapeSlack, SLACK_MAX_LENGTH, slackLength } from './slack-format.js';

const PATH_RE = /^\/services\/([A-Za-z0-9]+)\/([A-Za-z0-9]+)\/([A-Za-z0-9]+)\/?$/;
const HOSTS = new Set(['hooks.slack.com', 'hooks.slack-gov.com']);
const TS_RE = /^\d+\.\d+$/;

/** Plain-data Slack webhook destination. */
export interface SlackSpec extends ChannelSpec {
  readonly driver: 'slack';
  /** The webhook URL to post to (no query). */
  readonly url: string;
  /** `T…/B…`: identifies the webhook without its secret. */
  readonly name: string;
  readonly secret: string;
  /** Reply in this thread (`thread_ts`). */
  readonly threadTs?: string;
  /** A channel override (`#alerts`), honoured by legacy webhooks only. */
  readonly channel?: string;
  /** Text only, no blocks (Apprise `format=text`). */
  readonly plain?: boolean;
}

const webhook: WebhookSupport<SlackSpec> = {
  description: 'a Slack incoming webhook (https://hooks.slack.com/services/T…/B…/…)',
  matches: (url, loopback) => (loopback || HOSTS.has(url.hostname.toLowerCase())) && PATH_RE.test(url.pathname),
  parse(url, origin) {
    const m = PATH_RE.exec(url.pathname)!;
    const threadTs = url.searchParams.get('thread_ts') ?? undefined;
    if (threadTs !== undefined && !TS_RE.test(threadTs))
      return {
        variable: origin,
        message: `thread_ts "${threadTs}" is not a message timestamp`,
        fix: "use the parent message's ts, like 1700000000.123456 (Copy link on the message shows it as p1700000000123456)",
      };
    const clean = new URL(url);
    clean.search = '';
    clean.hash = '';
    return { driver: 'slack', origin, url: clean.toString(), name: `${m[1]}/${m[2]}`, secret: m[3]!, ...(threadTs ? { threadTs } : {}) };
  },
};

const HOW_TO = 'Slack: api.slack.com/apps → your app → Incoming Webhooks → Add New Webhook to Workspace → Copy';

function readEnv(env: Env, role: Role): EnvReading<SlackSpec> {
  const variable = `${role}_SLACK_WEBHOOK`;
  const raw = env[variable]?.trim();
  // Apprise's slack://T/B/X works here too; a bot token form belongs in SLACK_BOT_TOKEN.
  if (raw && /^slack:\/\//i.test(raw)) {
    const specs = parseAppriseSlack(raw, env, variable);
    if (!Array.isArray(specs)) return { specs: [], problems: [specs as ConfigProblem] };
    const hooks = (specs as ChannelSpec[]).filter((s): s is SlackSpec => s.driver === 'slack');
    if (hooks.length !== specs.length)
      return {
        specs: [],
        problems: [
          {
            variable,
            message: 'this slack:// URL has a bot token, not a webhook',
            fix: 'put the bot token in SLACK_BOT_TOKEN (with SLACK_DEFAULT_CHANNEL), or use the webhook form slack://T…/B…/…',
          },
        ],
      };
    return { specs: hooks, problems: [] };
  }
  return readingOf(readWebhookVariable(env, variable, webhook, HOW_TO));
}

/** Apprise's webhook host for `slack://T/B/X`: the host of `SLACK_API_BASE_URL` when set (a sandbox), else hooks.slack.com. */
function webhookOrigin(env: Env, gov: boolean): string | ConfigProblem {
  if (!env.SLACK_API_BASE_URL?.trim()) return gov ? 'https://hooks.slack-gov.com' : 'https://hooks.slack.com';
  const base = readSlackApiBase(env);
  return base.problem ?? new URL(base.baseUrl).origin;
}

const APPRISE_FIX = 'write slack://T…/B…/…[/#channel] for a webhook or slack://xoxb-…/#channel for a bot (see https://appriseit.com/services/slack/)';

/** Apprise `slack://` → webhook or bot-channel specs, one per target. */
export function parseAppriseSlack(raw: string, env: Env, origin: string): ChannelSpec[] | ConfigProblem {
  const u = parseAppriseUrl(raw);
  if (!u) return { variable: origin, message: 'not a slack:// URL', fix: APPRISE_FIX };
  const problem = (message: string): ConfigProblem => ({ variable: origin, message, fix: APPRISE_FIX });
  let tokens = u.host ? [u.host, ...u.path] : [...u.path];
  const tokenOption = u.query.get('token');
  // ?token= replaces the tokens; what the path still holds is targets.
  if (tokenOption) tokens = [...tokenOption.split('/').filter(Boolean), ...tokens.filter((t) => /^[#@+]/.test(t))];
  const mode = (u.query.get('mode') ?? '').toLowerCase();
  if (/^(work|tri)/.test(mode)) return problem(`mode=${mode}: Slack workflow and trigger URLs are not supported`);
  const plain = (u.query.get('format') ?? '').toLowerCase() === 'text';
  const extra = appriseList(u.query.get('to'), /[\s,#/\\]+/);
  const first = tokens[0] ?? '';
  if (/^(xoxe\.)?xo|^xapp-/i.test(first) || mode.startsWith('bot')) {
    const tokenProblem = checkSlackBotToken(first, origin);
    if (tokenProblem) return { ...tokenProblem, message: `in the slack:// URL, ${tokenProblem.message}` };
    const base = readSlackApiBase(env);
    if (base.problem) return base.problem;
    const account = { driver: 'slack-bot', origin, token: first, baseUrl: base.baseUrl };
    const targets = [...tokens.slice(1), ...extra];
    const specs: ChannelSpec[] = [];
    // Apprise posts to #general when a bot URL names no channel.
    for (const t of targets.length ? targets : ['#general']) {
      if (t.includes('@') && !t.startsWith('@')) return problem(`"${t}": email targets are not supported; use the user's id (@U0123ABCD)`);
      const spec = slackBotSpec(account, t, origin, plain);
      if (isProblem(spec)) return spec;
      specs.push(spec);
    }
    return specs;
  }
  const [a, b, c, ...rest] = tokens;
  if (!a || !b || !c) return problem('a Slack webhook needs its three parts T…/B…/…');
  if (![a, b].every((t) => /^[A-Za-z0-9]+$/.test(t)) || !/^[A-Za-z0-9]+$/.test(c)) return problem('the webhook parts may only hold letters and digits');
  const host = webhookOrigin(env, mode.startsWith('gov'));
  if (typeof host !== 'string') return host;
  const url = `${host}/services/${a}/${b}/${c}`;
  const base: SlackSpec = { driver: 'slack', origin, url, name: `${a}/${b}`, secret: c, ...(plain ? { plain } : {}) };
  const targets = [...rest, ...extra];
  if (!targets.length) return [base];
  const specs: SlackSpec[] = [];
  for (const t of targets) {
    if (t.includes('@') && !t.startsWith('@')) return problem(`"${t}": email targets need a bot token, not a webhook`);
    const parsed = parseSlackChannel(t.startsWith('@') ? t.replace(/^@/, '+') : t);
    if ('message' in parsed) return problem(parsed.message);
    const channel = /^[a-z0-9]/.test(parsed.channel) ? `#${parsed.channel}` : parsed.channel;
    specs.push({ ...base, channel, ...(parsed.threadTs ? { threadTs: parsed.threadTs } : {}) });
  }
  return specs;
}

const targets: TargetSupport = {
  prefixes: [],
  schemes: ['slack'],
  parse: (target, env, origin) => parseAppriseSlack(target, env, origin),
};

/** The Slack incoming-webhook driver. */
export const slackDriver: Driver<SlackSpec> = {
  name: 'slack',
  fromEnv: readEnv,
  webhook,
  targets,
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
  readonly cards: CardSupport | undefined;
  private readonly bucketKey: string;

  constructor(
    private readonly spec: SlackSpec,
    private readonly ctx: DriverContext,
  ) {
    const where = `${spec.channel ? `:${spec.channel}` : ''}${spec.threadTs ? `:${spec.threadTs}` : ''}`;
    this.id = `slack:${spec.name}:${fingerprint(spec.secret)}${where}${spec.plain ? ':plain' : ''}`;
    this.label = `Slack webhook ${spec.name}/${spec.secret.slice(0, 2)}…${spec.channel ? ` → ${spec.channel}` : ''}${spec.threadTs ? ` (thread ${spec.threadTs})` : ''}`;
    this.secrets = [spec.secret, spec.url];
    this.bucketKey = `slack:webhook:${fingerprint(spec.url)}`;
    this.cards = spec.plain ? undefined : slackCards;
  }

  measure = slackLength;

  buckets(): RateBucket[] {
    // About 1 message/s per webhook with short bursts allowed.
    return [{ key: this.bucketKey, capacity: 3, intervalMs: 1000 }];
  }

  send(part: OutgoingPart, signal: AbortSignal): Promise<SendOutcome> {
    return this.post(part, part.cards !== undefined, signal);
  }

  private async post(part: OutgoingPart, rich: boolean, signal: AbortSignal): Promise<SendOutcome> {
    // Incoming webhooks have no silent flag; silence is a Telegram/Discord feature.
    const payload = { ...(this.spec.channel ? { channel: this.spec.channel } : {}), ...slackMessage(part, rich, this.spec.threadTs) };
    const res = await postJson(this.ctx.http, this.spec.url, payload, signal);
    if (isOutcome(res)) return res;
    const code = res.body.trim();
    if (res.status === 200 && code === 'ok') return { kind: 'ok' };
    if (res.status === 429) return { kind: 'retry-after', delayMs: retryAfterHeaderMs(res.headers) ?? 1000, reason: 'Slack rate limit' };
    if (rich && res.status === 400 && BLOCK_ERRORS.has(code)) return this.post(part, false, signal);
    const fix = DEAD_FIX[code];
    if (fix || res.status === 403 || res.status === 404 || res.status === 410) {
      return {
        kind: 'dead',
        reason: `Slack answered ${res.status} ${code || '(no body)'}`,
        fix: `${fix ?? 'check the webhook URL'} (update ${this.spec.origin})`,
      };
    }
    if (res.status === 400) return { kind: 'rejected', reason: `Slack answered 400 ${code}` };
    return genericOutcome(res, 'Slack');
  }
}
