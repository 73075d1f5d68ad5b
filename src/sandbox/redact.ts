/**
 * Secret redaction for anything the fake shows (event details, console lines of the sandbox
 * command): the fake sees real-looking tokens, and a live inbox page must not leak them.
 */

/**
 * Shorten secrets in free text: Telegram bot tokens `123456:ABCdef…` → `123456:AB…`,
 * Discord webhook tokens and Slack webhook secrets in URLs/paths → first two characters + `…`.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/(?<![0-9])(\d{3,}):([A-Za-z0-9_-]{2})[A-Za-z0-9_-]{8,}/g, '$1:$2…')
    .replace(/(\/webhooks\/[^/\s?#]+\/)([^/\s?#]{2})[^/\s?#]*/g, '$1$2…')
    .replace(/(\/services\/[^/\s?#]+\/[^/\s?#]+\/)([^/\s?#]{2})[^/\s?#]*/g, '$1$2…');
}
