/**
 * Redaction for what the fake puts in event details. The shared redactor (config/redact.ts)
 * knows Telegram tokens and webhook secrets; the bot-token APIs add Slack `xox…-` tokens and
 * Discord bot tokens, which it does not mask (yet), so the sandbox masks them itself on top.
 */
import { redact as redactShared } from '../config/redact.js';

// Slack tokens: xoxb- (bot), xoxp- (user), xoxa-/xoxr-/xoxe… (app, refresh): keep the kind only.
const SLACK_TOKEN = /\bxox[a-z](?:\.[a-z]+)?-[A-Za-z0-9-]+/g;
// Discord bot token: base64url(bot id) . timestamp . HMAC. The first part is only the bot's
// public id, but it is half of a secret-shaped string: keep two characters as elsewhere.
const DISCORD_BOT_TOKEN = /(?<![A-Za-z0-9_-])([A-Za-z0-9_-]{2})[A-Za-z0-9_-]{18,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{25,}/g;

/** Masks Slack and Discord bot tokens in `text` (`xoxb-…`, `MT…`). */
export function maskBotTokens(text: string): string {
  return text
    .replace(SLACK_TOKEN, (m) => `${m.slice(0, m.indexOf('-') + 1)}…`)
    .replace(DISCORD_BOT_TOKEN, '$1…');
}

/** Everything the fake reports: the shared redaction, then the bot tokens it misses. */
export function redactSandbox(text: string): string {
  return maskBotTokens(redactShared(text));
}
