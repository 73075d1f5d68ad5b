/**
 * Connects the command bot to a notifier: the GENERAL Telegram bot answers from the chats it is
 * configured for (and the ERROR chat when the same bot serves it), `/status` and `/report` come
 * from the notifier's report, `/mute` and `/unmute` hush its info notifications. With a fleet,
 * a Redis lease makes one process poll.
 */
import { checkTelegramToken, readTelegramBaseUrl } from '../channels/telegram.js';
import { describeDuration } from '../config/duration.js';
import { type Env, unquote } from '../config/env.js';
import type { ConfigProblem } from '../config/problems.js';
import type { Notifier } from '../core/notifier.js';
import { clockText } from '../reports/zoned.js';
import { type CommandBot, startCommandBot } from './command-bot.js';

const TOKEN = 'GENERAL_TELEGRAM_BOT_TOKEN';

/** What the command bot would use, or why it cannot start (a start-up problem, reported with the others). */
export function readCommandSetup(env: Env): { token: string; baseUrl: string; allowedChats: string[] } | ConfigProblem {
  const token = unquote(env[TOKEN]);
  const chat = unquote(env.GENERAL_TELEGRAM_BOT_CHAT_ID);
  if (!token || !chat)
    return {
      variable: 'HERALD_COMMANDS',
      message: `commands are on, but ${token ? 'GENERAL_TELEGRAM_BOT_CHAT_ID' : TOKEN} is not set: commands are answered by the GENERAL Telegram bot`,
      fix: `set ${TOKEN} and GENERAL_TELEGRAM_BOT_CHAT_ID, or turn commands off (HERALD_COMMANDS=off)`,
    };
  const badToken = checkTelegramToken(token, TOKEN);
  if (badToken) return badToken;
  const base = readTelegramBaseUrl(env);
  if (base.problem) return base.problem;
  // The ERROR chat may command too when the same bot serves it: it is the user's as well.
  const errorChat = unquote(env.ERROR_TELEGRAM_BOT_CHAT_ID);
  const sameBot = !unquote(env.ERROR_TELEGRAM_BOT_TOKEN) || unquote(env.ERROR_TELEGRAM_BOT_TOKEN) === token;
  const allowedChats = [...new Set([chat, ...(errorChat && sameBot ? [errorChat] : [])])];
  return { token, baseUrl: base.baseUrl, allowedChats };
}

/** Starts the bot for this notifier; `setup` from {@link readCommandSetup}. */
export function attachCommandBot(
  notifier: Notifier,
  setup: { token: string; baseUrl: string; allowedChats: string[] },
  diagnostics: (line: string) => void,
): CommandBot {
  const zone = notifier.reportTimeZone;
  return startCommandBot({
    token: setup.token,
    baseUrl: setup.baseUrl,
    allowedChats: setup.allowedChats,
    report: diagnostics,
    alert: (text) => notifier.notify(text, { level: 'error', tags: { event: 'commands' } }),
    lease: notifier.commandLease(setup.token),
    handlers: {
      status: () => notifier.status(),
      report: () => notifier.sendReport({ asked: true }),
      mute: (ms) => {
        const until = notifier.mute(ms);
        return `🔕 Muted for ${describeDuration(ms)}, until ${clockText(until, zone)}. Errors still come through; what is held arrives as one message at the end. /unmute ends it now.`;
      },
      unmute: () => {
        const was = notifier.mutedUntil !== undefined;
        notifier.unmute();
        if (!was) return '🔔 Not muted.';
        return notifier.quietHoldUntil !== undefined
          ? `🔔 Unmuted. Quiet hours hold notifications until ${clockText(notifier.quietHoldUntil, zone)}; what was held arrives then, as one message.`
          : '🔔 Unmuted. What was held while muted follows as one message.';
      },
    },
  });
}
