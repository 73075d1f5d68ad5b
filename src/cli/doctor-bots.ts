/**
 * `herald doctor` for bot tokens, without posting anything: Slack `auth.test` (workspace and
 * bot name, the token's scopes) and, where the scopes allow, whether each channel exists and the
 * bot may post there; Discord `GET /users/@me` (the bot's name) and `GET /channels/{id}` for each
 * channel. What could not be checked is said, with why.
 */
import type { HttpClient, HttpResponse } from '../channels/http.js';
import type { SlackBotSpec } from '../channels/slack-bot.js';
import type { DiscordBotSpec } from '../channels/discord-bot.js';
import type { ChannelSpec } from '../channels/driver.js';
import type { BotConfig } from '../core/configuration.js';

/** One line of the doctor's report about a bot or one of its channels. */
export interface BotCheck {
  readonly role: 'GENERAL';
  readonly platform: 'slack' | 'discord';
  readonly variables: string[];
  readonly status: 'ok' | 'problem';
  /** False when nothing could be asked about it. */
  readonly checked: boolean;
  readonly summary: string;
  readonly fix?: string;
  readonly bot?: string;
  /** The channel as configured, and what decided it (`default channel`, `mapping error=alerts`). */
  readonly channel?: { readonly name: string; readonly via: string };
}

/** Ctrl-C while waiting: unwinds every pending check at once. */
export class BotCheckInterrupted extends Error {}

/** The default channel and every mapped channel, each once, with what names it. */
function channelsOf(bot: BotConfig): { spec: ChannelSpec; via: string; variable: string }[] {
  const list = [
    { spec: bot.defaultChannel, via: 'default channel', variable: bot.variables.defaultChannel },
    ...bot.mapping.map((m) => ({ spec: m.spec, via: `mapping ${m.entry.text}`, variable: bot.variables.mapping })),
  ];
  const seen = new Map<string, { spec: ChannelSpec; via: string; variable: string }>();
  for (const c of list) {
    const key = JSON.stringify({ ...c.spec, origin: '' });
    const prior = seen.get(key);
    if (prior) prior.via += `, ${c.via}`;
    else seen.set(key, { ...c });
  }
  return [...seen.values()];
}

async function call(
  http: HttpClient,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  signal: AbortSignal,
): Promise<HttpResponse | string> {
  try {
    return await http.request(url, { ...init, signal });
  } catch (err) {
    if (signal.aborted) throw new BotCheckInterrupted();
    return (err as Error).message;
  }
}

function json(res: HttpResponse): Record<string, unknown> {
  try {
    const v = JSON.parse(res.body) as unknown;
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const hostOf = (url: string): string => new URL(url).host;

/** Checks a Slack bot: auth.test, then each channel where the token's scopes allow. */
export async function checkSlackBot(bot: BotConfig, http: HttpClient, signal: AbortSignal): Promise<BotCheck[]> {
  const { token, baseUrl } = bot.account;
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' };
  const base = { role: 'GENERAL' as const, platform: 'slack' as const };
  const me = await call(http, `${baseUrl}/auth.test`, { method: 'POST', headers: auth, body: '' }, signal);
  if (typeof me === 'string')
    return [
      {
        ...base,
        variables: [bot.variables.token],
        status: 'problem',
        checked: true,
        summary: `could not reach the Slack API at ${hostOf(baseUrl)}: ${me}`,
        fix: 'check the network, proxy and firewall (and SLACK_API_BASE_URL), then run `herald doctor` again',
      },
    ];
  const a = json(me);
  if (me.status !== 200 || a.ok !== true) {
    const error = typeof a.error === 'string' ? a.error : `HTTP ${me.status}`;
    return [
      {
        ...base,
        variables: [bot.variables.token],
        status: 'problem',
        checked: true,
        summary: `${bot.label}: Slack answered ${error}`,
        fix: `copy the Bot User OAuth Token (xoxb-…) from api.slack.com/apps → your app → OAuth & Permissions into ${bot.variables.token}${error === 'token_revoked' || error === 'account_inactive' ? ', after reinstalling the app' : ''}`,
      },
    ];
  }
  const name = `@${String(a.user ?? 'bot')}`;
  const workspace = String(a.team ?? 'the workspace');
  const scopes = (me.headers.get('x-oauth-scopes') ?? '').split(/\s*,\s*/).filter(Boolean);
  const has = (s: string): boolean => scopes.includes(s);
  const checks: BotCheck[] = [];
  const canWrite = has('chat:write') || scopes.length === 0;
  checks.push({
    ...base,
    variables: [bot.variables.token],
    bot: name,
    checked: true,
    status: canWrite ? 'ok' : 'problem',
    summary: `bot ${name} in ${workspace}${scopes.length ? ` (scopes: ${scopes.join(', ')})` : ''}`,
    ...(canWrite ? {} : { fix: 'add the chat:write scope (OAuth & Permissions → Scopes → Bot Token Scopes) and reinstall the app' }),
  });
  const canRead = has('channels:read') || has('groups:read');
  let listed: Record<string, unknown>[] | undefined;
  for (const c of channelsOf(bot)) {
    const spec = c.spec as SlackBotSpec;
    const shown = /^[CGDU][A-Z0-9]{8,}$/.test(spec.channel) ? spec.channel : `#${spec.channel}`;
    const one = { ...base, variables: [c.variable], bot: name, channel: { name: shown, via: c.via } };
    if (!canRead) {
      checks.push({
        ...one,
        status: 'ok',
        checked: false,
        summary: `${shown} (${c.via}): not checked: the token has neither channels:read nor groups:read (posting does not need them; add one to let doctor check channels, or run \`herald test\`)`,
      });
      continue;
    }
    let info: Record<string, unknown> | undefined;
    if (shown.startsWith('#')) {
      listed ??= await listChannels(http, baseUrl, auth, signal);
      info = listed.find((x) => x.name === spec.channel);
    } else {
      const res = await call(http, `${baseUrl}/conversations.info?channel=${encodeURIComponent(spec.channel)}`, { method: 'GET', headers: auth }, signal);
      const body = typeof res === 'string' ? {} : json(res);
      info = body.ok === true ? (body.channel as Record<string, unknown>) : undefined;
    }
    checks.push({ ...one, checked: true, ...slackChannelVerdict(shown, c.via, info, has('chat:write.public')) });
  }
  return checks;
}

/** Every channel the token can see (public and private, archived ones included). */
async function listChannels(http: HttpClient, baseUrl: string, auth: Record<string, string>, signal: AbortSignal): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let cursor = '';
  for (let page = 0; page < 50; page++) {
    const q = new URLSearchParams({ types: 'public_channel,private_channel', limit: '200', ...(cursor ? { cursor } : {}) });
    const res = await call(http, `${baseUrl}/conversations.list?${q}`, { method: 'GET', headers: auth }, signal);
    if (typeof res === 'string') break;
    const body = json(res);
    if (body.ok !== true) {
      // A missing groups:read refuses private_channel: list public channels only.
      if (body.error === 'missing_scope' && q.get('types') !== 'public_channel' && page === 0) {
        const pub = await call(http, `${baseUrl}/conversations.list?types=public_channel&limit=200`, { method: 'GET', headers: auth }, signal);
        if (typeof pub !== 'string' && json(pub).ok === true) out.push(...((json(pub).channels as Record<string, unknown>[] | undefined) ?? []));
      }
      break;
    }
    out.push(...((body.channels as Record<string, unknown>[] | undefined) ?? []));
    cursor = String((body.response_metadata as { next_cursor?: string } | undefined)?.next_cursor ?? '');
    if (!cursor) break;
  }
  return out;
}

function slackChannelVerdict(
  shown: string,
  via: string,
  info: Record<string, unknown> | undefined,
  writePublic: boolean,
): Pick<BotCheck, 'status' | 'summary' | 'fix'> {
  if (!info)
    return {
      status: 'problem',
      summary: `${shown} (${via}): not found`,
      fix: `check the name or id; a private channel is only visible once the bot is invited (/invite @your-bot in ${shown})`,
    };
  const name = `#${String(info.name ?? shown)}`;
  if (info.is_archived === true)
    return { status: 'problem', summary: `${name} (${via}): archived`, fix: `unarchive ${name}, or map these notifications to another channel` };
  if (info.is_member === true) return { status: 'ok', summary: `${name} (${via}): the bot is a member and can post` };
  if (info.is_private !== true && writePublic) return { status: 'ok', summary: `${name} (${via}): not a member, but chat:write.public lets the bot post` };
  return {
    status: 'problem',
    summary: `${name} (${via}): the bot is not a member`,
    fix: `invite it: type /invite @your-bot in ${name}${info.is_private === true ? '' : ', or add the chat:write.public scope'}`,
  };
}

/** Checks a Discord bot: `GET /users/@me`, then `GET /channels/{id}` for each channel. */
export async function checkDiscordBot(bot: BotConfig, http: HttpClient, signal: AbortSignal): Promise<BotCheck[]> {
  const { token, baseUrl } = bot.account;
  const headers = { authorization: `Bot ${token}` };
  const base = { role: 'GENERAL' as const, platform: 'discord' as const };
  const me = await call(http, `${baseUrl}/v10/users/@me`, { method: 'GET', headers }, signal);
  if (typeof me === 'string')
    return [
      {
        ...base,
        variables: [bot.variables.token],
        status: 'problem',
        checked: true,
        summary: `could not reach the Discord API at ${hostOf(baseUrl)}: ${me}`,
        fix: 'check the network, proxy and firewall (and DISCORD_API_BASE_URL), then run `herald doctor` again',
      },
    ];
  if (me.status !== 200) {
    return [
      {
        ...base,
        variables: [bot.variables.token],
        status: 'problem',
        checked: true,
        summary: `${bot.label}: Discord answered ${me.status}${me.status === 401 ? ' Unauthorized (the token was reset or mistyped)' : ''}`,
        fix: `copy the current token (discord.com/developers/applications → your app → Bot → Reset Token) into ${bot.variables.token}`,
      },
    ];
  }
  const u = json(me);
  const name = `@${String(u.username ?? 'bot')}`;
  const checks: BotCheck[] = [
    { ...base, variables: [bot.variables.token], bot: name, status: 'ok', checked: true, summary: `bot ${name} (id ${String(u.id ?? '?')})` },
  ];
  for (const c of channelsOf(bot)) {
    const id = (c.spec as DiscordBotSpec).channelId;
    const one = { ...base, variables: [c.variable], bot: name, channel: { name: id, via: c.via } };
    const res = await call(http, `${baseUrl}/v10/channels/${id}`, { method: 'GET', headers }, signal);
    if (typeof res === 'string') {
      checks.push({ ...one, status: 'problem', checked: true, summary: `channel ${id} (${c.via}): could not ask Discord: ${res}` });
      continue;
    }
    const body = json(res);
    if (res.status === 200) {
      checks.push({
        ...one,
        status: 'ok',
        checked: true,
        summary: `#${String(body.name ?? id)} (${id}, ${c.via}): the bot can see it (whether it may post shows at the first message: \`herald test\`)`,
      });
    } else if (res.status === 404) {
      checks.push({
        ...one,
        status: 'problem',
        checked: true,
        summary: `channel ${id} (${c.via}): Unknown Channel`,
        fix: `copy the id again (right-click the channel → Copy Channel ID, with Developer Mode on) into ${c.variable}`,
      });
    } else if (res.status === 403) {
      checks.push({
        ...one,
        status: 'problem',
        checked: true,
        summary: `channel ${id} (${c.via}): the bot cannot see it (Missing Access)`,
        fix: 'invite the bot to the server (OAuth2 → URL Generator, scope bot) and give it View Channel and Send Messages there',
      });
    } else {
      checks.push({
        ...one,
        status: 'problem',
        checked: true,
        summary: `channel ${id} (${c.via}): Discord answered ${res.status}${typeof body.message === 'string' ? ` ${body.message}` : ''}`,
        fix: res.status === 429 || res.status >= 500 ? 'try again in a minute' : `check ${c.variable}`,
      });
    }
  }
  return checks;
}

/** The checks for every configured bot. */
export function checkBots(bots: readonly BotConfig[], http: HttpClient, signal: AbortSignal): Promise<BotCheck[]>[] {
  return bots.map((b) => (b.provider === 'slack' ? checkSlackBot(b, http, signal) : checkDiscordBot(b, http, signal)));
}
