/**
 * Discord bot-token driver: `POST /v10/channels/{id}/messages` with `Authorization: Bot …`
 * into any channel the bot may post to, each channel its own destination with its own route
 * bucket, the bot's global limit shared by all of them. Every new message carries a `nonce` with
 * `enforce_nonce`, so a resend after a timeout cannot post twice. Files go as multipart uploads,
 * edits as `PATCH /v10/channels/{id}/messages/{message_id}`, replies with a `message_reference`.
 */
import type { CardSupport, Channel, FileSupport, OutgoingPart, RateBucket, SendOutcome } from './channel.js';
import type { BotAccount, BotSupport, ChannelSpec, Driver, DriverContext } from './driver.js';
import { fingerprint, isOutcome } from './answers.js';
import { readDiscordApiBase } from './discord.js';
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
import type { HttpResponse } from './http.js';
import { utf16Length } from './split.js';
import type { ConfigProblem } from '../config/problems.js';
import { maskSecret } from '../config/redact.js';

const TOKEN_RE = /^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{25,}$/;
const SNOWFLAKE_RE = /^\d{17,20}$/;

/** Plain-data Discord bot channel. */
export interface DiscordBotSpec extends ChannelSpec {
  readonly driver: 'discord-bot';
  readonly token: string;
  /** `https://discord.com/api` or `DISCORD_API_BASE_URL`. */
  readonly baseUrl: string;
  /** The channel's (or thread's) id, a snowflake kept as a string. */
  readonly channelId: string;
  /** The variable holding the token, named in fixes for a dead token. */
  readonly tokenVariable?: string;
}

/** Checks a Discord bot token's shape (three dot-separated parts), naming the mistakes people make. */
export function checkDiscordBotToken(token: string, variable: string): ConfigProblem | undefined {
  const bare = token.replace(/^Bot\s+/i, '');
  if (TOKEN_RE.test(bare)) return undefined;
  const where = 'discord.com/developers/applications → your app → Bot → Reset Token → Copy';
  if (/\/api\/webhooks\//.test(token))
    return {
      variable,
      message: 'this is a webhook URL, not a bot token',
      fix: `put it in GENERAL_DISCORD_WEBHOOK instead, or use the bot token from ${where}`,
    };
  const shown = token.length > 8 ? maskSecret(token) : '(too short)';
  return {
    variable,
    message: `"${shown}" is not a Discord bot token (three parts separated by dots)`,
    fix: `copy the token from ${where}; the application id or client secret will not work`,
  };
}

/** The id a channel is written with; Discord ids are numbers of 17–20 digits, kept as strings. */
export function parseDiscordChannel(raw: string): string | { message: string } {
  const id = raw
    .trim()
    .replace(/^<#(\d+)>$/, '$1')
    .replace(/^#/, '');
  if (SNOWFLAKE_RE.test(id)) return id;
  return { message: `"${raw.trim()}" is not a Discord channel id: Discord bots address channels by id, a number of 17–20 digits` };
}

const bot: BotSupport = {
  provider: 'discord',
  variablePrefix: 'DISCORD',
  channelForm: 'a channel id (right-click the channel → Copy Channel ID, with Developer Mode on)',
  account(env, token, origin) {
    const problems: ConfigProblem[] = [];
    const tokenProblem = checkDiscordBotToken(token, origin);
    if (tokenProblem) problems.push(tokenProblem);
    const base = readDiscordApiBase(env);
    if (base.problem) problems.push(base.problem);
    return problems.length ? problems : { driver: 'discord-bot', origin, token: token.replace(/^Bot\s+/i, ''), baseUrl: base.baseUrl };
  },
  channel: (account, channel, origin) => discordBotSpec(account, channel, origin),
  label: (account) => `Discord bot ${maskSecret(account.token)}`,
};

/** The spec of one channel of a Discord bot, or why `channel` cannot be one. */
export function discordBotSpec(account: BotAccount, channel: string, origin: string): DiscordBotSpec | ConfigProblem {
  const id = parseDiscordChannel(channel);
  if (typeof id !== 'string') return { variable: origin, message: id.message, fix: `use ${bot.channelForm}` };
  return { driver: 'discord-bot', origin, token: account.token, baseUrl: account.baseUrl, channelId: id, tokenVariable: account.origin };
}

/** The Discord bot driver. */
export const discordBotDriver: Driver<DiscordBotSpec> = {
  name: 'discord-bot',
  bot,
  create: (spec, ctx) => new DiscordBotChannel(spec, ctx),
};

class DiscordBotChannel implements Channel {
  readonly platform = 'Discord';
  readonly maxLength = DISCORD_MAX_LENGTH;
  readonly secrets: readonly string[];
  readonly id: string;
  readonly label: string;
  readonly group: string;
  readonly cards: CardSupport = discordCards;
  readonly files: FileSupport = discordFiles;
  readonly edits = true;
  private readonly bucketKey: string;
  private readonly globalKey: string;
  private readonly url: string;

  constructor(
    private readonly spec: DiscordBotSpec,
    private readonly ctx: DriverContext,
  ) {
    const botKey = fingerprint(`${spec.baseUrl} ${spec.token}`);
    this.group = `discord-bot:${botKey}`;
    this.id = `discord-bot:${botKey}:${spec.channelId}`;
    this.label = `Discord bot ${maskSecret(spec.token)} → channel ${spec.channelId}`;
    this.secrets = [spec.token];
    this.bucketKey = `discord:bot:${botKey}:channel:${spec.channelId}`;
    this.globalKey = `discord:bot:${botKey}:global`;
    this.url = `${spec.baseUrl}/v10/channels/${spec.channelId}/messages`;
  }

  measure = utf16Length;

  buckets(): RateBucket[] {
    // Per-channel route bucket (5 per 5 s until the headers say otherwise) and the bot's 50/s
    // global limit; edits and uploads are charged to the same buckets as sends.
    return [
      { key: this.bucketKey, capacity: 5, intervalMs: 1000 },
      { key: this.globalKey, capacity: 50, intervalMs: 20 },
    ];
  }

  async send(part: OutgoingPart, signal: AbortSignal): Promise<SendOutcome> {
    const headers = { authorization: `Bot ${this.spec.token}`, 'user-agent': DISCORD_USER_AGENT };
    if (part.edit !== undefined) {
      // Only ids this driver returned come back here; anything else cannot name a message of this channel.
      if (!isSnowflake(part.edit)) return { kind: 'uneditable', reason: `"${part.edit}" is not a Discord message id` };
      // An edit is idempotent by itself: no nonce (Edit Message takes none).
      const res = await sendDiscord(this.ctx.http, `${this.url}/${part.edit}`, discordEditPayload(part.text, part.cards), undefined, signal, headers, 'PATCH');
      return isOutcome(res) ? res : this.outcome(res, true);
    }
    const payload = discordPayload(part.text, part.cards, part.silent);
    if (part.key) {
      // Discord returns the message already created with this nonce instead of posting again.
      payload.nonce = part.key.slice(0, 25);
      payload.enforce_nonce = true;
    }
    // A reply to a message deleted meanwhile goes as a plain message rather than failing.
    if (part.replyTo !== undefined && isSnowflake(part.replyTo)) payload.message_reference = { message_id: part.replyTo, fail_if_not_exists: false };
    const res = await sendDiscord(this.ctx.http, this.url, payload, part.file, signal, headers);
    return isOutcome(res) ? res : this.outcome(res, false);
  }

  private outcome(res: HttpResponse, edit: boolean): SendOutcome {
    const common = commonOutcome(res, this.bucketKey, this.globalKey, edit);
    if (common) return common;
    const { body, what } = discordError(res);
    const channel = `channel ${this.spec.channelId}`;
    if (res.status === 401)
      return {
        kind: 'dead',
        scope: 'group',
        reason: `${what}: the bot token was reset or mistyped`,
        fix: `copy the current token (discord.com/developers/applications → your app → Bot → Reset Token) into ${this.spec.tokenVariable ?? this.spec.origin}`,
      };
    if (res.status === 404 || body.code === 10003)
      return {
        kind: 'dead',
        reason: `${what}: ${channel} does not exist`,
        fix: `check the id in ${this.spec.origin} (right-click the channel → Copy Channel ID, with Developer Mode on)`,
      };
    if (res.status === 403 && body.code === 50013)
      return {
        kind: 'dead',
        reason: `${what} in ${channel}`,
        fix: 'give the bot Send Messages and Embed Links in that channel (channel → Edit Channel → Permissions)',
      };
    if (res.status === 403)
      return {
        kind: 'dead',
        reason: `${what}: the bot cannot see ${channel}`,
        fix: 'invite the bot to the server (OAuth2 → URL Generator, scope bot) and give it View Channel in that channel',
      };
    if (res.status === 400 && /snowflake/i.test(JSON.stringify(body)))
      return { kind: 'dead', reason: `${what}: ${channel} is not a valid id`, fix: `check the id in ${this.spec.origin}` };
    return { kind: 'rejected', reason: what };
  }
}
