/**
 * The setup commands' side of the Telegram Bot API client (src/channels/telegram-api.ts): which
 * token a chat command listens with, connecting to the bot, and every failure worded as a
 * message plus the fix a user can act on, naming the variable or option that holds the token.
 */
import type { Problem } from './output.js';
import type { Env } from '../config/env.js';
import { checkTelegramToken, readTelegramBaseUrl } from '../channels/telegram.js';
import { telegramConflict, TelegramApi, TelegramUnreachableError, type TelegramBot, type TelegramFailure } from '../channels/telegram-api.js';

/** The fix for a Telegram answer, naming the variable (or option) that holds the token. */
export function explainTelegramFailure(f: TelegramFailure, tokenSource: string, command = 'chat-id'): Problem {
  if (f.status === 401) {
    return {
      message: `Telegram refused the bot token (401 ${f.description}): it was revoked or mistyped`,
      fix: `get the current token from @BotFather (/mybots → your bot → API Token) and update ${tokenSource}`,
    };
  }
  if (f.status === 404) {
    return {
      message: `no bot answers at this token and address (404 ${f.description})`,
      fix: `check ${tokenSource} (the whole token @BotFather gave you) and TELEGRAM_API_BASE_URL`,
    };
  }
  if (telegramConflict(f) === 'webhook') {
    return {
      message: `this bot has a webhook set, and Telegram does not answer getUpdates while one is active (409 ${f.description})`,
      fix: `run \`herald ${command} --delete-webhook\` to remove it (whatever receives the webhook gets no updates until it sets it again), or open https://api.telegram.org/bot<TOKEN>/deleteWebhook`,
    };
  }
  if (f.status === 409) {
    return {
      message: `another program is reading this bot's updates (409 ${f.description})`,
      fix: `stop the bot that uses this token while \`herald ${command}\` runs, then try again`,
    };
  }
  if (f.status === 429) {
    return { message: `Telegram asked to slow down (429 ${f.description})`, fix: `wait ${f.retryAfter ?? 'a few'} seconds and try again` };
  }
  return {
    message: `Telegram answered ${f.status}: ${f.description}`,
    fix: f.status >= 500 ? 'Telegram is having trouble; try again in a minute' : `check ${tokenSource} and TELEGRAM_API_BASE_URL`,
  };
}

/** The message and fix for an API that did not answer. */
export function explainUnreachable(err: TelegramUnreachableError): Problem {
  return {
    message: err.message,
    fix:
      err.host === 'api.telegram.org'
        ? 'check the internet connection, proxy and firewall (api.telegram.org must be reachable on port 443)'
        : 'check TELEGRAM_API_BASE_URL and that the Bot API server there is running',
  };
}

/** The message and fix for how a `pollUpdates` loop failed (a refusal, or no answer). */
export function explainPollFailure(failure: TelegramFailure | Error, tokenSource: string, command: string): Problem {
  if (failure instanceof TelegramUnreachableError) return explainUnreachable(failure);
  if (failure instanceof Error) return { message: String(failure.message) };
  return explainTelegramFailure(failure, tokenSource, command);
}

/** A bot ready to use: its API client, who it is, and where its token came from. */
export interface ConnectedBot {
  readonly api: TelegramApi;
  readonly bot: TelegramBot;
  readonly token: string;
  /** `--token` or the variable that held it, for fixes. */
  readonly tokenSource: string;
  /** The token variable paired with `--var` when it was unset and GENERAL_TELEGRAM_BOT_TOKEN was used instead. */
  readonly fellBackFrom?: string;
}

/** The variable that holds the bot token when nothing more specific does. */
export const GENERAL_TOKEN_VARIABLE = 'GENERAL_TELEGRAM_BOT_TOKEN';

/** The token variable paired with a chat-id variable (`X_CHAT_ID` → `X_TOKEN`), if it has that shape. */
export function tokenVariableFor(chatVariable: string): string | undefined {
  return chatVariable.endsWith('_CHAT_ID') ? `${chatVariable.slice(0, -'_CHAT_ID'.length)}_TOKEN` : undefined;
}

/**
 * Which token a chat command listens with: `--token`; else the variable paired with the chat
 * variable (`--var ERROR_TELEGRAM_BOT_CHAT_ID` → ERROR_TELEGRAM_BOT_TOKEN), so the chat id
 * found belongs to the bot that will post there; else GENERAL_TELEGRAM_BOT_TOKEN.
 * `fellBackFrom` names the paired variable when it was unset and the GENERAL bot is used instead.
 */
export function pickToken(env: Env, tokenOption: string | undefined, chatVariable: string): { token: string; tokenSource: string; fellBackFrom?: string } {
  if (tokenOption !== undefined) return { token: tokenOption.trim(), tokenSource: '--token' };
  const paired = tokenVariableFor(chatVariable);
  if (paired && paired !== GENERAL_TOKEN_VARIABLE) {
    const own = env[paired]?.trim();
    if (own) return { token: own, tokenSource: paired };
    return { token: (env[GENERAL_TOKEN_VARIABLE] ?? '').trim(), tokenSource: GENERAL_TOKEN_VARIABLE, fellBackFrom: paired };
  }
  return { token: (env[GENERAL_TOKEN_VARIABLE] ?? '').trim(), tokenSource: GENERAL_TOKEN_VARIABLE };
}

/** The warning for a `--var` whose paired token variable is unset (see {@link pickToken}). */
export function fallbackNote(fellBackFrom: string, chatVariable: string): string {
  return `${fellBackFrom} is not set, so this listens as the GENERAL bot (${GENERAL_TOKEN_VARIABLE}); the chat id found belongs to that bot: set ${fellBackFrom} to the same token (or pass --token) so ${chatVariable} works`;
}

/**
 * What a chat command prints before it starts reading updates: getUpdates confirms what it
 * reads, so another program reading the same bot loses those updates.
 */
export const PENDING_UPDATES_NOTE =
  "Note: reading this bot's pending updates marks them as read (Telegram will not hand them out again); do not run this on a bot another program is serving.";

/**
 * Finds the bot token ({@link pickToken}: `--token`, the variable paired with `chatVariable`,
 * else GENERAL_TELEGRAM_BOT_TOKEN), checks it and TELEGRAM_API_BASE_URL with the library's own
 * validators, and calls getMe. Resolves with the bot, or with the problem to print (and
 * `interrupted` after Ctrl-C).
 */
export async function connectBot(
  env: Env,
  tokenOption: string | undefined,
  signal: AbortSignal,
  command: string,
  chatVariable = 'GENERAL_TELEGRAM_BOT_CHAT_ID',
): Promise<ConnectedBot | { readonly problem: Problem; readonly interrupted?: boolean }> {
  const { token, tokenSource, fellBackFrom } = pickToken(env, tokenOption, chatVariable);
  if (!token) {
    const wanted = fellBackFrom ?? tokenSource;
    const unset = fellBackFrom ? `${fellBackFrom} and ${GENERAL_TOKEN_VARIABLE} are` : `${tokenSource} is`;
    return {
      problem: {
        message:
          tokenOption !== undefined ? 'no bot token: --token is empty' : `no bot token: ${unset} not set (environment or env file) and --token was not given`,
        fix: `create a bot with @BotFather (/newbot), then run \`herald ${command} --token <TOKEN> --write${chatVariable !== 'GENERAL_TELEGRAM_BOT_CHAT_ID' ? ` --var ${chatVariable}` : ''}\`, or add ${tokenOption !== undefined ? GENERAL_TOKEN_VARIABLE : wanted}=<TOKEN> to .env`,
      },
    };
  }
  const bad = checkTelegramToken(token, tokenSource);
  if (bad) return { problem: { message: `${bad.variable}: ${bad.message}`, fix: bad.fix } };
  const base = readTelegramBaseUrl(env);
  if (base.problem) return { problem: { message: `${base.problem.variable}: ${base.problem.message}`, fix: base.problem.fix } };
  const api = new TelegramApi({ baseUrl: base.baseUrl, token });
  try {
    const me = await api.getMe(signal);
    if (!me.ok) {
      await api.close();
      return { problem: explainTelegramFailure(me, tokenSource, command) };
    }
    return { api, bot: me.result, token, tokenSource, ...(fellBackFrom ? { fellBackFrom } : {}) };
  } catch (err) {
    await api.close();
    if (signal.aborted) return { problem: { message: 'interrupted' }, interrupted: true };
    if (err instanceof TelegramUnreachableError) return { problem: explainUnreachable(err) };
    throw err;
  }
}
