/**
 * Secret redaction. Every string that leaves Herald (events, errors, stderr, CLI output) passes
 * through here, so a token or webhook secret can never leak, even inside an error message
 * produced by a library we call.
 */

const KEEP = 2;

/**
 * `123456:ABCdef…` → `123456:AB…`, `xoxb-1234-…` → `xoxb-12…`; other secrets keep their first
 * characters only. (A Telegram bot's number and a Slack token's kind are not secret.)
 */
export function maskSecret(secret: string): string {
  const colon = secret.indexOf(':');
  if (colon > 0 && /^\d+$/.test(secret.slice(0, colon))) return `${secret.slice(0, colon + 1 + KEEP)}…`;
  const slack = /^(?:xoxe\.)?xox[a-z]-/.exec(secret);
  if (slack) return `${secret.slice(0, slack[0].length + KEEP)}…`;
  return secret.length <= KEEP * 2 ? '…' : `${secret.slice(0, KEEP)}…`;
}

// Shapes of secrets we may not have been told about (e.g. a token typed as a log target).
const PATTERNS: readonly RegExp[] = [
  /(?<!\d)\d{5,}:[A-Za-z0-9_-]{20,}/g, // Telegram bot token (also inside /bot<token>/, where \b fails)
  /(\/webhooks\/\d+\/)([A-Za-z0-9_.-]{2})[A-Za-z0-9_.-]{6,}/g, // Discord webhook token
  /(\/services\/[A-Za-z0-9]+\/[A-Za-z0-9]+\/)([A-Za-z0-9]{2})[A-Za-z0-9]{4,}/g, // Slack webhook secret
  /\b(?:xoxe\.)?xox[abposr]-[A-Za-z0-9-]{8,}/g, // Slack token
  /\b[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{25,}/g, // Discord bot token (three dot-separated parts)
];

/** Replaces every known secret and every secret-shaped substring in `text`. */
export function redact(text: string, secrets: Iterable<string> = []): string {
  let out = text;
  for (const s of secrets) if (s.length >= 6) out = out.split(s).join(maskSecret(s));
  out = out.replace(PATTERNS[0]!, (m) => maskSecret(m));
  out = out.replace(PATTERNS[1]!, '$1$2…');
  out = out.replace(PATTERNS[2]!, '$1$2…');
  out = out.replace(PATTERNS[3]!, (m) => maskSecret(m));
  out = out.replace(PATTERNS[4]!, (m) => maskSecret(m));
  return out;
}

/** A set of secrets that grows as channels are created, with a bound `apply`. */
export class Redactor {
  private readonly secrets = new Set<string>();
  /** Registers secrets to mask from now on. */
  add(secrets: Iterable<string>): void {
    for (const s of secrets) if (s) this.secrets.add(s);
  }
  /** Redacts `text`. */
  apply = (text: string): string => redact(text, this.secrets);
}
