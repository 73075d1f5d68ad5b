/**
 * Slack bot-token driver: `chat.postMessage` with a bot token (`xoxb-…`) into any channel the
 * bot may post to, each channel its own destination. Slack answers most errors as HTTP 200
 * `{ ok: false, error }`; they are classified like any other answer: a channel the bot cannot
 * use stops alone, a dead token stops every channel of the bot.
 */
import type { CardSupport, Channel, OutgoingPart, RateBucket, SendOutcome } from './channel.js';
import type { BotAccount, BotSupport, ChannelSpec, Driver, DriverContext } from './driver.js';
import { fingerprint, genericOutcome, isOutcome, parseJson, postJson, retryAfterHeaderMs } from './answers.js';
import { BLOCK_ERRORS, SLACK_MAX_LENGTH, slackCards, slackLength, slackMessage } from './slack-format.js';
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

class SlackBotChannel implements Channel {
  readonly platform = 'Slack';
  readonly maxLength = SLACK_MAX_LENGTH;
  readonly secrets: readonly string[];
  readonly id: string;
  readonly label: string;
  readonly group: string;
  readonly cards: CardSupport | undefined;
  private readonly name: string;
  private readonly botKey: string;
  private readonly tokenVariable: string;

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
  }

  measure = slackLength;

  buckets(): RateBucket[] {
    // chat.postMessage: about 1 message per second per channel, short bursts allowed.
    return [{ key: `slack:bot:${this.botKey}:${this.spec.channel}`, capacity: 3, intervalMs: 1000 }];
  }

  send(part: OutgoingPart, signal: AbortSignal): Promise<SendOutcome> {
    return this.post(part, part.cards !== undefined, signal);
  }

  private async post(part: OutgoingPart, rich: boolean, signal: AbortSignal): Promise<SendOutcome> {
    const payload = { channel: this.spec.channel, unfurl_links: false, unfurl_media: false, ...slackMessage(part, rich, this.spec.threadTs) };
    const res = await postJson(this.ctx.http, `${this.spec.baseUrl}/chat.postMessage`, payload, signal, {
      authorization: `Bearer ${this.spec.token}`,
      'content-type': 'application/json; charset=utf-8',
    });
    if (isOutcome(res)) return res;
    if (res.status === 429) return { kind: 'retry-after', delayMs: retryAfterHeaderMs(res.headers) ?? 1000, reason: 'Slack rate limit (429)' };
    const answer = parseJson(res.body) as SlackAnswer | undefined;
    if (res.status !== 200 || !answer || typeof answer !== 'object') return genericOutcome(res, 'Slack');
    if (answer.ok) return { kind: 'ok' };
    // The words matter more than the layout: blocks Slack refuses are resent as text.
    if (rich && BLOCK_ERRORS.has(answer.error ?? '')) return this.post(part, false, signal);
    return this.classify(answer, res.headers);
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
