/** The relay's options and the variables behind them, checked all together like Herald's configuration. */
import type { Env } from '../config/env.js';
import type { ConfigProblem } from '../config/problems.js';
import { tokenProblem } from './token.js';

/** Requests a minute per client address by default. */
export const DEFAULT_RATE_PER_MINUTE = 600;
/** The largest body accepted by default: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** The relay's settings once checked. */
export interface RelaySettings {
  readonly token: string;
  readonly ratePerMinute: number;
  readonly maxBodyBytes: number;
}

/** What {@link resolveSettings} reads. */
export interface SettingsInput {
  readonly token?: string | undefined;
  readonly rateLimit?: number | undefined;
  readonly maxBodyBytes?: number | undefined;
}

/** Options win over `HERALD_RELAY_TOKEN` and `HERALD_RELAY_RATE`; every problem is collected. */
export function resolveSettings(input: SettingsInput, env: Env): { settings?: RelaySettings; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const fromOption = input.token !== undefined;
  const token = fromOption ? input.token : env.HERALD_RELAY_TOKEN?.trim();
  const bad = tokenProblem(token, fromOption ? 'token (option)' : 'HERALD_RELAY_TOKEN');
  if (bad) problems.push(bad);

  let ratePerMinute = DEFAULT_RATE_PER_MINUTE;
  if (input.rateLimit !== undefined) {
    if (!Number.isInteger(input.rateLimit) || input.rateLimit < 1)
      problems.push({
        variable: 'rateLimit (option)',
        message: `is ${String(input.rateLimit)}`,
        fix: 'give a whole number of requests per minute per address, at least 1',
      });
    else ratePerMinute = input.rateLimit;
  } else if (env.HERALD_RELAY_RATE !== undefined && env.HERALD_RELAY_RATE.trim() !== '') {
    const raw = env.HERALD_RELAY_RATE.trim();
    if (!/^[1-9]\d{0,6}$/.test(raw))
      problems.push({
        variable: 'HERALD_RELAY_RATE',
        message: `"${raw}" is not a number of requests`,
        fix: `give a whole number of requests per minute per client address (default ${DEFAULT_RATE_PER_MINUTE})`,
      });
    else ratePerMinute = Number(raw);
  }

  let maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
  if (input.maxBodyBytes !== undefined) {
    if (!Number.isInteger(input.maxBodyBytes) || input.maxBodyBytes < 1)
      problems.push({
        variable: 'maxBodyBytes (option)',
        message: `is ${String(input.maxBodyBytes)}`,
        fix: 'give a whole number of bytes, at least 1 (default 1 MiB)',
      });
    else maxBodyBytes = input.maxBodyBytes;
  }
  if (problems.length || token === undefined) return { problems };
  return { settings: { token, ratePerMinute, maxBodyBytes }, problems };
}
