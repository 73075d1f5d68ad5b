/**
 * What the command bot says itself: the help, its refusals, and the one-time notices about
 * whoever else uses the bot (a webhook, another poller, a stranger) with the fix. The answers
 * to /status, /mute and /unmute come from the host's handlers.
 */
import { MUTE_MAX_MS, MUTE_MIN_MS } from './parse-command.js';
import { describeDuration } from '../config/duration.js';

/** The answer to /help (and /start, what a private chat sends first). */
export const HELP_TEXT = [
  'Herald answers these commands:',
  "/status — open positions, today's PnL, Herald's backlog and last error",
  '/report — the report, now',
  `/mute [duration] — mute info notifications (errors always come through): /mute 30m, /mute 2h; 1 h when no duration is given, ${describeDuration(MUTE_MIN_MS)} to ${describeDuration(MUTE_MAX_MS)}`,
  '/unmute — info notifications again',
  '/help — this list',
].join('\n');

/** The answer to a command the bot does not have. */
export function unknownCommandText(name: string): string {
  return `Herald has no /${name} command. Send /help for the list.`;
}

/** The answer when a handler failed (its reason, redacted by the caller). */
export function handlerFailedText(name: string, reason: string): string {
  return `⚠️ /${name} failed: ${reason}`;
}

/** Who wrote a command, for the notice about a chat that may not command the bot. */
export interface CommandAuthor {
  readonly chatId: string;
  /** The group's or channel's title. */
  readonly title?: string;
  readonly username?: string;
  /** First and last name. */
  readonly name?: string;
}

// C0 and C1 controls and line breaks: a stranger's name must stay on its line.
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const MAX_NAME_CHARS = 64;

/** A name a stranger chose, on one line and at most 64 characters. */
function shown(text: string): string {
  const chars = [...text.replace(CONTROL_RE, ' ').trim()];
  return chars.length > MAX_NAME_CHARS ? `${chars.slice(0, MAX_NAME_CHARS).join('')}…` : chars.join('');
}

/** `"Ops room", @alice` — how the notice names the writer. */
function describeAuthor(a: CommandAuthor): string {
  const parts: string[] = [];
  if (a.title) parts.push(`"${shown(a.title)}"`);
  if (a.username) parts.push(`@${shown(a.username)}`);
  else if (a.name) parts.push(shown(a.name));
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** The alert for the configured chat: someone elsewhere tried a command (said once per chat and run). */
export function strangerAlert(author: CommandAuthor, command: string): string {
  return `🚫 someone in chat ${author.chatId}${describeAuthor(author)} tried /${command}; only the configured chats may command this bot`;
}

/** Herald's own line (stderr) for the same attempt. */
export function strangerReport(author: CommandAuthor, command: string): string {
  return `herald: commands: chat ${author.chatId}${describeAuthor(author)} tried /${command} and got no answer: only the configured chats may command this bot (said once per chat)\n`;
}

/** How often a bot another consumer uses is tried again. */
export const CONFLICT_RETRY_MINUTES = 5;

/** A webhook is set on the bot: the line for stderr, with Telegram's words. */
export function webhookReport(description: string): string {
  return (
    `herald: commands: this bot has a webhook set, and Telegram does not answer getUpdates while one is active (409 ${description}), so commands get no answer. ` +
    'The webhook belongs to another program: if nothing uses it any more, run `herald chat-id --delete-webhook` to remove it (or open https://api.telegram.org/bot<TOKEN>/deleteWebhook); ' +
    `if something does, give Herald a bot of its own or turn commands off (HERALD_COMMANDS=off). Herald checks again every ${CONFLICT_RETRY_MINUTES} min.\n`
  );
}

/** The same for the chat. */
export const WEBHOOK_ALERT =
  '⚠️ Herald cannot answer commands: this bot has a webhook set, so another program receives its messages. If nothing uses that webhook any more, run `herald chat-id --delete-webhook`; otherwise give Herald a bot of its own or set HERALD_COMMANDS=off.';

/** Another process polls the bot: the line for stderr. */
export function pollerReport(description: string): string {
  return (
    `herald: commands: another program is reading this bot's updates (409 ${description}); Telegram gives each update to one of you only, so commands may go unanswered. ` +
    `Run one process per bot token, or set HERALD_REDIS_URL so the processes of a fleet share one poller. Herald tries again every ${CONFLICT_RETRY_MINUTES} min.\n`
  );
}

/** The same for the chat. */
export const POLLER_ALERT =
  "⚠️ Herald's commands may go unanswered: another program is reading this bot's updates. Run one process per bot token, or set HERALD_REDIS_URL so a fleet shares one poller.";

/** The token was refused (401) or names no bot (404): commands stop for this run. */
export function tokenReport(status: number, description: string, tokenVariable: string): string {
  return status === 401
    ? `herald: commands: Telegram refused the bot token (401 ${description}): it was revoked or mistyped; commands are off until Herald restarts. Get the current token from @BotFather (/mybots → your bot → API Token) and update ${tokenVariable}.\n`
    : `herald: commands: no bot answers at this token and address (404 ${description}); commands are off until Herald restarts. Check ${tokenVariable} and TELEGRAM_API_BASE_URL.\n`;
}

/** The same for the chat. */
export function tokenAlert(status: number, tokenVariable: string): string {
  return `⚠️ Herald's commands are off: Telegram ${status === 401 ? 'refused the bot token' : 'knows no bot at this token'}. Update ${tokenVariable} and restart.`;
}

/** Telegram has not answered for a minute (stderr only: the chat may be just as unreachable). */
export function downReport(host: string, reason: string): string {
  return `herald: commands: the Telegram Bot API at ${host} has not answered getUpdates for 1 min (${reason}); Herald keeps trying, at most a minute apart. Notifications are not affected.\n`;
}

/** Telegram answers again after {@link downReport}. */
export function backReport(host: string): string {
  return `herald: commands: the Telegram Bot API at ${host} answers again; commands work again\n`;
}

/** Polling works again after a webhook or another poller was reported. */
export function conflictOverReport(kind: 'webhook' | 'poller'): string {
  return `herald: commands: ${kind === 'webhook' ? 'the webhook is gone' : 'no other program is reading the updates now'}; commands are answered again\n`;
}

/** Commands left from before Herald polled, not answered (a restart must not replay yesterday's /mute). */
export function skippedReport(count: number, maxAgeMs: number): string {
  return `herald: commands: ${count === 1 ? '1 command' : `${count} commands`} sent more than ${describeDuration(maxAgeMs)} before Herald started reading them got no answer\n`;
}
