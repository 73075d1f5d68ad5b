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

  let ratePerMinute =
    wholeOption(input.rateLimit, 'rateLimit', 'give a whole number of requests per minute per address, at least 1', problems) ?? DEFAULT_RATE_PER_MINUTE;
  const raw = env.HERALD_RELAY_RATE?.trim();
  // The option decides when given (a bad one is a problem above); else the variable.
  if (input.rateLimit === undefined && raw) {
    if (!/^[1-9]\d{0,6}$/.test(raw))
      problems.push({
        variable: 'HERALD_RELAY_RATE',
        message: `"${raw}" is not a number of requests`,
        fix: `give a whole number of requests per minute per client address (default ${DEFAULT_RATE_PER_MINUTE})`,
      });
    else ratePerMinute = Number(raw);
  }

  const maxBodyBytes =
    wholeOption(input.maxBodyBytes, 'maxBodyBytes', 'give a whole number of bytes, at least 1 (default 1 MiB)', problems) ?? DEFAULT_MAX_BODY_BYTES;
  if (problems.length || token === undefined) return { problems };
  return { settings: { token, ratePerMinute, maxBodyBytes }, problems };
}

/** A numeric option that must be a whole number ≥ 1: the number, or undefined (unset, or a problem added). */
function wholeOption(value: number | undefined, name: string, fix: string, problems: ConfigProblem[]): number | undefined {
  if (value === undefined) return undefined;
  if (Number.isInteger(value) && value >= 1) return value;
  problems.push({ variable: `${name} (option)`, message: `is ${String(value)}`, fix });
  return undefined;
}
