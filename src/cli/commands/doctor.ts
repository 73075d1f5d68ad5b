/**
 * `herald doctor`: validates the configuration with the library's own checks, then asks each
 * platform whether the destination really exists, without posting anything: Telegram getMe
 * and getChat (with the minus-sign detective work users otherwise do by hand), Discord's
 * webhook GET, and Slack's URL shape (Slack has no read-only check).
 */
import { parseArgs } from 'node:util';
import type { Command, CommandContext } from '../command.js';
import { EXIT_OK, EXIT_PROBLEM } from '../command.js';
import { COMMON_HELP, COMMON_OPTIONS, maxPositionals, parseSeconds, parseUsage } from '../args.js';
import { createUi, EXIT_INTERRUPTED, inKeyOrder, plural, type Ui } from '../output.js';
import { EnvFileError, loadCliEnv, type CliEnv } from '../load-env.js';
import { describeChat, TelegramApi, TelegramUnreachableError, type TelegramBot, type TelegramChat, type TelegramResult } from '../../channels/telegram-api.js';
import { explainTelegramFailure, explainUnreachable } from '../telegram-cli.js';
import type { ChannelSpec } from '../../channels/driver.js';
import type { Env } from '../../config/env.js';
import { createHttpClient, type HttpClient } from '../../channels/http.js';
import { checkTelegramToken, readTelegramBaseUrl } from '../../channels/telegram.js';
import type { DiscordSpec } from '../../channels/discord.js';
import type { SlackSpec } from '../../channels/slack.js';
import { readConfig } from '../../core/configuration.js';
import type { ConfigProblem } from '../../config/problems.js';
import { maskSecret } from '../../config/redact.js';
import { BotCheckInterrupted, checkBots } from '../doctor-bots.js';
import { checkRedis, printRedis, readRedisTarget, redisTally, type RedisCheck } from '../doctor-redis.js';

const HELP = `herald doctor — check the configuration and every destination, without posting anything

Usage: herald doctor [options]

Loads .env (or --env-file) under the environment, validates every variable with the same
checks as the library (each problem with its fix), then asks each platform about each
destination:
  Telegram  getMe (the bot's @username) and getChat for the chat id. On "chat not found" it
            tries the id with a leading "-" and "-100" and tells you the exact fix when one
            exists; for a private chat, the user must send /start to the bot first.
  Discord   GET on the webhook URL: its name and channel, or "deleted (404)".
  Slack     the URL's shape only: Slack has no check that does not post (use \`herald test\`).
  Slack bot auth.test (workspace, bot name, scopes) and, when the token may read channels
            (channels:read / groups:read), whether the default and every mapped channel
            exist, are archived, and whether the bot is a member or may post anyway.
  Discord bot
            GET /users/@me (the bot's name) and GET /channels/{id} for the default and every
            mapped channel (Unknown Channel, Missing Access).
  Redis     with HERALD_REDIS_URL: whether it answers (AUTH and SELECT from the URL), its
            version, the round-trip time (median of 5 PINGs), whether it persists (AOF
            recommended: without it a Redis restart loses queued notifications), and how many
            live Herald processes share each destination. Read-only; the password is never shown.
One line per destination: ok, or problem + fix. Exit 1 when anything is wrong.

Options:
  --timeout S       seconds to wait for each platform's answer (default 10)
${COMMON_HELP}

Exit codes: 0 all good, 1 a problem (or nothing configured), 2 bad usage, 130 interrupted.

JSON (--json):
  { "ok": boolean,
    "envFile": { "path": string, "found": boolean },
    "problems": [ { "variable": string, "message": string, "fix": string } ],
    "destinations": [ { "role": "GENERAL" | "ERROR", "platform": "telegram" | "discord" | "slack",
                        "variables": string[], "status": "ok" | "problem", "checked": boolean,
                        "summary": string, "fix"?: string, "bot"?: string,
                        "chat"?: { "id", "type", "title"?, "username"? },
                        "suggestedChatId"?: string, "webhook"?: { "name", "channelId" },
                        "channel"?: { "name", "via" } } ],
  (a bot has one entry for itself and one per channel; "via" says what names the channel:
   "default channel" or "mapping error=alerts")
    "redis"?: { "url"?: string, "status": "ok" | "problem", "summary": string, "fix"?: string,
                "version"?: string, "rttMs"?: number,
                "persistence"?: { "aof": boolean, "appendfsync"?: string, "rdbSave"?: string,
                                  "status": "ok" | "warning", "summary": string, "fix"?: string },
                "processes"?: number, "hosts"?: number, "unreadable"?: number,
                "destinations"?: [ { "id": string, "label"?: string, "processes": number } ] },
  ("redis" only with HERALD_REDIS_URL; "url" is scheme://host:port/db, never the password)
    "error"?: { "message": string, "fix"?: string },
    "interrupted"?: true }
  (after Ctrl-C: the same shape with "ok": false, "destinations": [] and "interrupted": true)

Examples:
  herald doctor
  herald doctor --env-file config/prod.env
  herald doctor --json | jq '.destinations[] | select(.status == "problem")'`;

/** One destination's verdict. */
interface Check {
  role: 'GENERAL' | 'ERROR';
  platform: 'telegram' | 'discord' | 'slack';
  variables: string[];
  status: 'ok' | 'problem';
  /** False when nothing could be asked (Slack). */
  checked: boolean;
  summary: string;
  fix?: string;
  bot?: string;
  chat?: { id: string; type: string; title?: string; username?: string };
  suggestedChatId?: string;
  webhook?: { name?: string; channelId?: string };
  /** A bot's channel and what names it (`default channel`, `mapping error=alerts`). */
  channel?: { name: string; via: string };
}

/** Ctrl-C while a check was waiting: unwinds every pending check at once. */
class Interrupted extends Error {}

/** `herald doctor`. */
export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check .env and every destination for real (getMe, getChat, webhook GET) without posting',
  help: HELP,
  run,
};

async function run(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseUsage(() =>
    parseArgs({ args: [...ctx.argv], options: { ...COMMON_OPTIONS, timeout: { type: 'string' } }, allowPositionals: true, strict: true }),
  );
  maxPositionals(positionals, 0, 'herald doctor takes no arguments');
  const timeoutMs = parseSeconds(values.timeout, 'timeout', 10) * 1000;
  const ui = createUi(ctx, values);
  let loaded: CliEnv;
  try {
    loaded = loadCliEnv(ctx, values['env-file'], ui);
  } catch (err) {
    if (!(err instanceof EnvFileError)) throw err;
    const { message, fix } = err.problem;
    ui.emitJson({ ok: false, envFile: { path: err.shownFile, found: false }, problems: [], destinations: [], error: { message, ...(fix ? { fix } : {}) } });
    ui.problem('herald doctor: ', err.problem);
    return EXIT_PROBLEM;
  }
  const { env } = loaded;
  const redisUrl = readRedisTarget(env);
  if (redisUrl && 'secrets' in redisUrl) for (const s of redisUrl.secrets) ui.addSecret(s);
  const config = readConfig(env);

  const roles = (['GENERAL', 'ERROR'] as const).filter((r) => env[`${r}_TELEGRAM_BOT_TOKEN`]?.trim() || env[`${r}_TELEGRAM_BOT_CHAT_ID`]?.trim());
  const webhookSpecs = [...config.general.map((s) => ['GENERAL', s] as const), ...config.error.map((s) => ['ERROR', s] as const)].filter(
    ([, s]) => s.driver !== 'telegram',
  );

  ui.say(ui.color.bold('herald doctor'));
  ui.say(`env file: ${loaded.shownFile} ${loaded.found ? '(found)' : ui.color.yellow('(not found)')}`);
  if (loaded.explicit && !loaded.found) ui.warn(`herald doctor: --env-file ${loaded.shownFile} does not exist; using the environment only`);

  if (config.problems.length === 0 && roles.length === 0 && webhookSpecs.length === 0 && config.bots.length === 0) {
    const message = `nothing is configured: ${loaded.found ? `${loaded.shownFile} sets` : `there is no ${loaded.shownFile}, and the environment has`} no GENERAL_* or ERROR_* destination`;
    const fix =
      'create a bot with @BotFather (/newbot), then run `herald chat-id --token <TOKEN> --write` (it writes .env for you), or copy .env.example to .env and fill in what you use (README → Configuration); then run `herald doctor` again';
    ui.emitJson({ ok: false, envFile: { path: loaded.shownFile, found: loaded.found }, problems: [], destinations: [], error: { message, fix } });
    ui.say('');
    ui.problem('', { message: `Nothing to check: ${message}.`, fix });
    return EXIT_PROBLEM;
  }

  const http = createHttpClient({ connectTimeoutMs: timeoutMs, headersTimeoutMs: timeoutMs, bodyTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs });
  let checks: Check[];
  let redis: RedisCheck | undefined;
  try {
    ui.spin('asking the platforms…');
    const bots = new Map<string, Promise<TelegramResult<TelegramBot>>>();
    const [fixed, ofBots, ofRedis] = await Promise.all([
      Promise.all([
        ...roles.map((role) => checkTelegram(role, env, http, bots, ctx.signal)),
        ...webhookSpecs.map(([role, spec]) => checkWebhook(role, spec, http, ctx.signal)),
      ]),
      Promise.all(checkBots(config.bots, http, ctx.signal)),
      checkRedis(env, config, timeoutMs, ctx.signal),
    ]);
    checks = [...fixed, ...ofBots.flat()];
    redis = ofRedis;
  } catch (err) {
    if (err instanceof Interrupted || err instanceof BotCheckInterrupted || ctx.signal.aborted) {
      ui.stopSpinner();
      ui.emitJson({
        ok: false,
        envFile: { path: loaded.shownFile, found: loaded.found },
        problems: config.problems,
        destinations: [],
        error: { message: 'interrupted before every destination was checked' },
        interrupted: true,
      });
      ui.warn('herald doctor: interrupted');
      return EXIT_INTERRUPTED;
    }
    throw err;
  } finally {
    ui.stopSpinner();
    await Promise.race([http.close().catch(() => {}), new Promise<void>((r) => setTimeout(r, 1000).unref())]);
  }

  const ok = config.problems.length === 0 && checks.every((c) => c.status === 'ok') && redis?.status !== 'problem';
  ui.emitJson({
    ok,
    envFile: { path: loaded.shownFile, found: loaded.found },
    problems: config.problems,
    destinations: checks.map(ordered),
    ...(redis ? { redis } : {}),
  });
  printHuman(ui, config.problems, checks, loaded, redis);
  return ok ? EXIT_OK : EXIT_PROBLEM;
}

function printHuman(ui: Ui, problems: readonly ConfigProblem[], checks: readonly Check[], loaded: CliEnv, redis: RedisCheck | undefined): void {
  const c = ui.color;
  if (problems.length) {
    ui.say('');
    ui.say(c.bold(`Configuration: ${plural(problems.length, 'problem')}`));
    for (const p of problems) ui.say(`  ${c.red('problem')}  ${p.variable}: ${p.message} — fix: ${p.fix}`);
  }
  ui.say('');
  ui.say(c.bold('Destinations:'));
  if (checks.length === 0) ui.say(`  ${c.dim('none usable until the problems above are fixed')}`);
  const width = Math.max(0, ...checks.map((x) => tag(x).length));
  for (const x of checks) {
    const status = x.status === 'ok' ? c.green('ok     ') : c.red('problem');
    ui.say(`  ${status}  ${tag(x).padEnd(width)}  ${x.summary}${x.fix ? ` — fix: ${x.fix}` : ''}`);
  }
  if (redis) printRedis(ui, redis);
  const tally = redisTally(redis);
  const bad = problems.length + checks.filter((x) => x.status === 'problem').length + tally.problems;
  const warned = tally.warnings ? `, ${plural(tally.warnings, 'warning')} above` : '';
  ui.say('');
  if (bad === 0)
    ui.say(
      c.green(
        `All good: ${plural(checks.length + tally.checks, 'check')} passed${checks.some((x) => !x.checked) ? ' (some by shape only, as said above)' : ''}${warned}. \`herald test\` sends a test message to each destination.`,
      ),
    );
  else ui.say(c.red(`${plural(bad, 'problem')} found${loaded.found ? ` (env file ${loaded.shownFile})` : ''}.`));
}

/** The same key order for every destination in the JSON document, whatever path built it. */
function ordered(x: Check): Check {
  const keys: Array<keyof Check> = [
    'role',
    'platform',
    'variables',
    'status',
    'checked',
    'summary',
    'fix',
    'bot',
    'chat',
    'suggestedChatId',
    'webhook',
    'channel',
  ];
  return inKeyOrder(x, keys);
}

function tag(x: Check): string {
  const name = x.platform === 'telegram' ? 'Telegram' : x.platform === 'discord' ? 'Discord' : 'Slack';
  const bot = x.variables.some((v) => /BOT_TOKEN$|_DEFAULT_CHANNEL$|_CHANNEL_MAPPING$|^NOTIFICATIONS_/.test(v)) && x.platform !== 'telegram' ? ' bot' : '';
  return `${x.role} ${name}${bot}`;
}

/** Runs a Bot API call; an unreachable API becomes a value (a destination problem), Ctrl-C an {@link Interrupted}. */
async function guard<T>(signal: AbortSignal, call: () => Promise<T>): Promise<T | TelegramUnreachableError> {
  try {
    return await call();
  } catch (err) {
    if (signal.aborted) throw new Interrupted();
    if (err instanceof TelegramUnreachableError) return err;
    throw err;
  }
}

/** Checks one role's Telegram bot and chat. */
async function checkTelegram(
  role: 'GENERAL' | 'ERROR',
  env: Env,
  http: HttpClient,
  bots: Map<string, Promise<TelegramResult<TelegramBot>>>,
  signal: AbortSignal,
): Promise<Check> {
  const tokenVar = `${role}_TELEGRAM_BOT_TOKEN`;
  const chatVar = `${role}_TELEGRAM_BOT_CHAT_ID`;
  const token = env[tokenVar]?.trim() ?? '';
  const chatId = env[chatVar]?.trim() ?? '';
  const base: Pick<Check, 'role' | 'platform' | 'variables'> = { role, platform: 'telegram', variables: [tokenVar, chatVar] };
  const tokenProblem = token ? checkTelegramToken(token, tokenVar) : undefined;
  const baseUrl = readTelegramBaseUrl(env);
  if (!token || tokenProblem || baseUrl.problem) {
    // The configuration section already says what is wrong and how to fix it.
    const why = !token ? `${tokenVar} is missing` : tokenProblem ? `${tokenVar} is not a bot token` : 'TELEGRAM_API_BASE_URL is not usable';
    return { ...base, status: 'problem', checked: false, summary: `not checked: ${why} (see above)` };
  }
  const api = new TelegramApi({ baseUrl: baseUrl.baseUrl, token, http });
  const key = `${baseUrl.baseUrl} ${token}`;
  if (!bots.has(key)) bots.set(key, api.getMe(signal));
  const me = await guard(signal, () => bots.get(key)!);
  if (me instanceof TelegramUnreachableError) return { ...base, status: 'problem', checked: true, ...problemFields(explainUnreachable(me)) };
  if (!me.ok) {
    const p = explainTelegramFailure(me, tokenVar, 'doctor');
    return { ...base, status: 'problem', checked: true, ...problemFields({ ...p, message: `bot ${maskSecret(token)}: ${p.message}` }) };
  }
  const username = me.result.username ?? me.result.first_name ?? me.result.id;
  const bot = `@${username}`;
  if (!chatId) {
    return {
      ...base,
      status: 'problem',
      checked: true,
      bot,
      summary: `bot ${bot} answers, but ${chatVar} is missing`,
      fix: `run \`herald chat-id --write\` and send the bot a message (or \`herald link --write\`)`,
    };
  }
  const chat = await guard(signal, () => api.getChat(chatId, signal));
  if (chat instanceof TelegramUnreachableError) return { ...base, status: 'problem', checked: true, bot, ...problemFields(explainUnreachable(chat)) };
  if (chat.ok) {
    const info = chatInfo(chat.result, chatId);
    return { ...base, status: 'ok', checked: true, bot, chat: info, summary: `bot ${bot} → chat ${info.id} (${describeChat(info)})` };
  }
  if (chat.migrateTo) {
    return {
      ...base,
      status: 'problem',
      checked: true,
      bot,
      suggestedChatId: chat.migrateTo,
      summary: `bot ${bot} → chat ${chatId}: the group was upgraded to a supergroup with id ${chat.migrateTo}`,
      fix: `set ${chatVar}=${chat.migrateTo}`,
    };
  }
  if (/chat not found/i.test(chat.description)) {
    for (const candidate of variants(chatId)) {
      const found = await guard(signal, () => api.getChat(candidate, signal));
      if (found instanceof TelegramUnreachableError || !found.ok) continue;
      const info = chatInfo(found.result, candidate);
      return {
        ...base,
        status: 'problem',
        checked: true,
        bot,
        suggestedChatId: candidate,
        summary: `bot ${bot} → chat ${chatId} not found, but ${candidate} is (${describeChat(info)})`,
        fix: `set ${chatVar}=${candidate} (group ids are negative; supergroups and channels start with -100)`,
      };
    }
    const fix = /^\d+$/.test(chatId)
      ? `if this is a private chat, open https://t.me/${username} and press Start (send /start): a bot cannot see a user who never wrote to it; a group's id is negative — \`herald chat-id\` lists the chats the bot can see`
      : `add ${bot} to that group or channel (as an admin for a channel), then check the id with \`herald chat-id\``;
    return { ...base, status: 'problem', checked: true, bot, summary: `bot ${bot} → chat ${chatId}: chat not found`, fix };
  }
  if (/kicked|not a member|blocked/i.test(chat.description)) {
    const fix = /blocked/i.test(chat.description)
      ? 'unblock the bot in Telegram and send it /start'
      : `add ${bot} to the chat again (as an admin for a channel)`;
    return { ...base, status: 'problem', checked: true, bot, summary: `bot ${bot} → chat ${chatId}: ${chat.description}`, fix };
  }
  const other = explainTelegramFailure(chat, tokenVar, 'doctor');
  return { ...base, status: 'problem', checked: true, bot, summary: `bot ${bot} → chat ${chatId}: ${other.message}`, fix: other.fix ?? `check ${chatVar}` };
}

/** The ids a user most likely meant when Telegram does not know this one: the lost minus, or the lost -100. */
function variants(chatId: string): string[] {
  if (/^\d+$/.test(chatId)) return [`-${chatId}`, `-100${chatId}`];
  if (/^-\d+$/.test(chatId) && !chatId.startsWith('-100')) return [`-100${chatId.slice(1)}`];
  return [];
}

function chatInfo(chat: TelegramChat, asked: string): { id: string; type: string; title?: string; username?: string } {
  return {
    id: chat.id ? String(chat.id) : asked,
    type: chat.type ?? 'unknown',
    ...(chat.title ? { title: chat.title } : {}),
    ...(chat.username ? { username: chat.username } : {}),
  };
}

function problemFields(p: { message: string; fix?: string }): Pick<Check, 'summary' | 'fix'> {
  return { summary: p.message, ...(p.fix ? { fix: p.fix } : {}) };
}

/** Discord: GET the webhook (read-only; answers its name and channel). Slack: shape only. */
async function checkWebhook(role: 'GENERAL' | 'ERROR', spec: ChannelSpec, http: HttpClient, signal: AbortSignal): Promise<Check> {
  if (spec.driver === 'slack') {
    const s = spec as SlackSpec;
    return {
      role,
      platform: 'slack',
      variables: [spec.origin],
      status: 'ok',
      checked: false,
      summary: `webhook ${s.name}/${s.secret.slice(0, 2)}…: URL shape ok (not checked: Slack has no read-only check; \`herald test\` posts a test message)`,
    };
  }
  const d = spec as DiscordSpec;
  const base: Pick<Check, 'role' | 'platform' | 'variables' | 'checked'> = { role, platform: 'discord', variables: [spec.origin], checked: true };
  const host = new URL(d.url).host;
  let res;
  try {
    res = await http.request(d.url, { method: 'GET', signal });
  } catch (err) {
    if (signal.aborted) throw new Interrupted();
    return {
      ...base,
      status: 'problem',
      summary: `could not reach ${host}: ${(err as Error).message}`,
      fix: 'check the internet connection, proxy and firewall, then run `herald doctor` again',
    };
  }
  let body: { name?: unknown; channel_id?: unknown; message?: unknown; code?: unknown } = {};
  try {
    body = JSON.parse(res.body) as typeof body;
  } catch {
    body = {};
  }
  const label = `webhook ${d.webhookId}/${d.token.slice(0, 2)}…`;
  if (res.status === 200) {
    const name = typeof body.name === 'string' ? body.name : undefined;
    const channelId = body.channel_id !== undefined && body.channel_id !== null ? String(body.channel_id) : undefined;
    return {
      ...base,
      status: 'ok',
      webhook: { ...(name ? { name } : {}), ...(channelId ? { channelId } : {}) },
      summary: `${label}${name ? ` ${JSON.stringify(name)}` : ''} → channel ${channelId ?? '?'}`,
    };
  }
  if (res.status === 404) {
    return {
      ...base,
      status: 'problem',
      summary: `${label}: deleted (404${typeof body.message === 'string' ? ` ${body.message}` : ''})`,
      fix: `create a new webhook (channel → Edit Channel → Integrations → Webhooks → New Webhook), copy its URL into ${spec.origin}`,
    };
  }
  if (res.status === 401 || res.status === 403) {
    return {
      ...base,
      status: 'problem',
      summary: `${label}: the webhook token is not valid (${res.status})`,
      fix: `copy the webhook URL again (Integrations → Webhooks → Copy Webhook URL) into ${spec.origin}`,
    };
  }
  return {
    ...base,
    status: 'problem',
    summary: `${label}: Discord answered ${res.status}${typeof body.message === 'string' ? ` ${body.message}` : ''}`,
    fix: res.status >= 500 || res.status === 429 ? 'try again in a minute' : `check ${spec.origin}`,
  };
}
