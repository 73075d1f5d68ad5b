/**
 * Reading a chat message as a bot command, and `/mute`'s duration, as Telegram users write them:
 * `/status`, `/status@HeraldBot` (groups address one bot among several), `/mute 30m`.
 */
import { describeDuration, parseDuration } from '../config/duration.js';

/** A command as written in a message. */
export interface ParsedCommand {
  /** The command without the slash, lower case (`status`). */
  readonly name: string;
  /** What follows the command, trimmed (`30m` in `/mute 30m`). */
  readonly args: string;
  /** The bot named after `@` (`/status@HeraldBot` → `HeraldBot`), as written. */
  readonly bot?: string;
}

// Telegram's commands: 1–32 letters, digits and underscores; usernames 5–32 characters (older ones shorter).
const COMMAND_RE = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{1,64}))?(?:\s+([\s\S]*))?$/;

/** The command a message's text starts with, or undefined when it is no command. */
export function parseCommand(text: unknown): ParsedCommand | undefined {
  if (typeof text !== 'string') return undefined;
  const m = COMMAND_RE.exec(text.trim());
  if (!m) return undefined;
  return { name: m[1]!.toLowerCase(), args: (m[3] ?? '').trim(), ...(m[2] !== undefined ? { bot: m[2] } : {}) };
}

/**
 * True when the command is for this bot: it names none, or names this one (usernames compare
 * without case, as Telegram treats them). A command for another bot in the same group is not ours.
 */
export function isForBot(command: ParsedCommand, username: string | undefined): boolean {
  if (command.bot === undefined) return true;
  return username !== undefined && command.bot.toLowerCase() === username.toLowerCase();
}

/** `/mute` without a duration: one hour. */
export const MUTE_DEFAULT_MS = 3_600_000;
/** Shortest mute: anything shorter is over before anyone notices. */
export const MUTE_MIN_MS = 60_000;
/** Longest mute: a week; a longer silence is better done by turning notifications off. */
export const MUTE_MAX_MS = 7 * 86_400_000;

/** How long `/mute <args>` mutes, or the answer that says why it cannot. */
export function readMuteDuration(args: string): { readonly ms: number } | { readonly refusal: string } {
  const range = `from ${describeDuration(MUTE_MIN_MS)} to ${describeDuration(MUTE_MAX_MS)}`;
  if (args === '') return { ms: MUTE_DEFAULT_MS };
  const ms = parseDuration(args);
  const shown = [...args].slice(0, 20).join('');
  if (ms === undefined) {
    return { refusal: `"${shown}" is not a duration. Write it like /mute 30m, /mute 2h or /mute 1d (${range}; /mute alone mutes for 1 h).` };
  }
  if (ms < MUTE_MIN_MS) return { refusal: `${describeDuration(ms)} is too short to mute: give ${range}, like /mute 30m.` };
  if (ms > MUTE_MAX_MS) return { refusal: `${describeDuration(ms)} is too long to mute: give ${range}, like /mute 1d.` };
  return { ms };
}
