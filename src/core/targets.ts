/**
 * Resolving a `log(msg, target)` target: a webhook URL, or the NAME of an environment variable
 * holding one. Results are cached, so a bad target is reported once, not once per message.
 */
import type { ChannelSpec, WebhookSupport } from '../channels/driver.js';
import type { Env } from '../config/env.js';
import { isProblem, parseWebhookUrl } from '../config/webhook-url.js';
import type { ConfigProblem } from '../config/problems.js';
import { redact } from '../config/redact.js';

/** A target that resolved, or why it did not. */
export type TargetResolution = { readonly ok: true; readonly spec: ChannelSpec } | { readonly ok: false; readonly problem: ConfigProblem };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Resolves one target string against the environment and the known webhook formats. */
export function resolveTarget(target: unknown, env: Env, webhooks: readonly WebhookSupport[]): TargetResolution {
  const expected = webhooks.map((w) => w.description).join(' or ');
  if (typeof target !== 'string') {
    return { ok: false, problem: { variable: 'log target', message: `a ${typeof target} is not a target`, fix: `pass ${expected}, or the name of a variable that holds one, as a string` } };
  }
  const t = target.trim();
  if (t.includes('://')) {
    const r = parseWebhookUrl(t, 'log target', webhooks);
    return isProblem(r) ? { ok: false, problem: r } : { ok: true, spec: r };
  }
  if (!ENV_NAME.test(t)) {
    return { ok: false, problem: { variable: 'log target', message: `"${redact(t)}" is neither a webhook URL nor an environment variable name`, fix: `pass ${expected}, or the name of a variable that holds one` } };
  }
  const value = env[t]?.trim();
  if (!value) {
    return { ok: false, problem: { variable: t, message: `${t} is not set`, fix: `add ${t}=<webhook URL> to .env or the environment (${expected})` } };
  }
  const r = parseWebhookUrl(value, t, webhooks, { reveal: false });
  return isProblem(r) ? { ok: false, problem: { ...r, message: `${t}: ${r.message}` } } : { ok: true, spec: r };
}
