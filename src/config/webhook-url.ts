/** Validation of webhook URLs, shared by every driver that has them. */
import type { ConfigProblem } from './problems.js';
import { type ChannelSpec, type Env, type EnvReading, type WebhookSupport, isLoopbackHost } from '../channels/driver.js';
import { redact } from '../core/redact.js';

/**
 * Parses `raw` as one of `supports`' webhooks. https is required except on loopback hosts
 * (local servers and tests), where only the path tells platforms apart.
 */
export function parseWebhookUrl(raw: string, origin: string, supports: readonly WebhookSupport[], options: { reveal?: boolean } = {}): ChannelSpec | ConfigProblem {
  // A variable named as a log target may hold anything (an API secret): never echo it.
  const shown = options.reveal === false ? 'its value' : `"${displayUrl(raw)}"`;
  const expected = supports.map((s) => s.description).join(' or ');
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { variable: origin, message: `${shown} is not a URL`, fix: `use ${expected}` };
  }
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    return { variable: origin, message: `${shown} is not https`, fix: 'webhook URLs must be https (plain http is only allowed on 127.0.0.1/localhost)' };
  }
  const support = supports.find((s) => s.matches(url, loopback));
  if (!support) return { variable: origin, message: `${shown} is not ${expected}`, fix: `copy the webhook URL again; it must look like ${expected}` };
  return support.parse(url, origin);
}

/** A URL for messages: secrets redacted, credentials and query left out. */
export function displayUrl(raw: string): string {
  try {
    const url = new URL(raw.trim());
    const auth = url.username || url.password ? '***@' : '';
    return redact(`${url.protocol}//${auth}${url.host}${url.pathname}${url.search ? '?…' : ''}`);
  } catch {
    return raw.length > 24 ? `${redact(raw.slice(0, 12))}…` : redact(raw);
  }
}

/** True when a parse result is a problem rather than a spec. */
export function isProblem(x: ChannelSpec | ConfigProblem): x is ConfigProblem {
  return 'fix' in x && 'message' in x && !('driver' in x);
}

/** Reads one webhook variable (e.g. `GENERAL_SLACK_WEBHOOK`) for a single platform. */
export function readWebhookVariable<S extends ChannelSpec>(env: Env, variable: string, support: WebhookSupport<S>, howTo: string): EnvReading<S> {
  const raw = env[variable]?.trim();
  if (!raw) return { specs: [], problems: [] };
  const parsed = parseWebhookUrl(raw, variable, [support]);
  if (isProblem(parsed)) return { specs: [], problems: [{ ...parsed, fix: `${parsed.fix}. ${howTo}` }] };
  return { specs: [parsed as S], problems: [] };
}
