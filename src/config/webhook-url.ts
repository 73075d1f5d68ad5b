/** Validation of webhook URLs, shared by every driver that has them. */
import { type Env, unquote } from './env.js';
import type { ConfigProblem } from './problems.js';
import { displayUrl, isLoopbackHost, isSecureOrLocal } from './urls.js';

/** Recognises and parses one kind of webhook URL into `T` (a driver's destination spec). */
export interface WebhookFormat<T> {
  /** Human name used in errors ("a Discord webhook"). */
  readonly description: string;
  /** True when the URL is this kind of webhook. On loopback hosts only the path counts. */
  matches(url: URL, loopback: boolean): boolean;
  /** Builds the spec, or explains what is wrong with a URL that matched. */
  parse(url: URL, origin: string): T | ConfigProblem;
}

/**
 * Parses `raw` as one of `formats`' webhooks. https is required except on loopback hosts
 * (local servers and tests), where only the path tells platforms apart.
 */
export function parseWebhookUrl<T extends object>(
  raw: string,
  origin: string,
  formats: readonly WebhookFormat<T>[],
  options: { reveal?: boolean } = {},
): T | ConfigProblem {
  // Quotes an environment kept (`docker run -e 'HOOK="https://…"'`) are not part of the URL, as for the bot variables.
  const value = unquote(raw);
  // A variable named as a log target may hold anything (an API secret): never echo it.
  const shown = options.reveal === false ? 'its value' : `"${displayUrl(value)}"`;
  const expected = formats.map((s) => s.description).join(' or ');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { variable: origin, message: `${shown} is not a URL`, fix: `use ${expected}` };
  }
  if (!isSecureOrLocal(url)) {
    return { variable: origin, message: `${shown} is not https`, fix: 'webhook URLs must be https (plain http is only allowed on 127.0.0.1/localhost)' };
  }
  // fetch refuses a URL with credentials, and no platform's webhook has any: `https://discord.com@…` is a disguise.
  if (url.username || url.password) {
    return {
      variable: origin,
      message: `${shown} has a user name or password before its host (the part before @)`,
      fix: `copy the webhook URL again; it must look like ${expected}, with nothing before the host`,
    };
  }
  const format = formats.find((s) => s.matches(url, isLoopbackHost(url.hostname)));
  if (!format) {
    // A look-alike host (a Cyrillic і in dіscord.com) shows as punycode: say why it is not the real one.
    const lookAlike = url.hostname.split('.').some((label) => label.startsWith('xn--'))
      ? ' (its host has non-ASCII letters, so it only looks like a real one)'
      : '';
    return { variable: origin, message: `${shown} is not ${expected}${lookAlike}`, fix: `copy the webhook URL again; it must look like ${expected}` };
  }
  return format.parse(url, origin);
}

/** True when a parse result is a problem rather than a spec. */
export function isProblem(x: object): x is ConfigProblem {
  return 'fix' in x && 'message' in x && !('driver' in x);
}

/** Reads one webhook variable (e.g. `GENERAL_SLACK_WEBHOOK`) for a single platform: nothing when unset. */
export function readWebhookVariable<T extends object>(env: Env, variable: string, format: WebhookFormat<T>, howTo: string): T | ConfigProblem | undefined {
  const raw = env[variable]?.trim();
  if (!raw) return undefined;
  const parsed = parseWebhookUrl(raw, variable, [format]);
  return isProblem(parsed) ? { ...parsed, fix: `${parsed.fix}. ${howTo}` } : parsed;
}
