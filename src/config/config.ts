/**
 * Reading the environment into a typed configuration. Every problem is collected so the user
 * sees all of them at once, each with its fix.
 */
import { config as loadDotenv } from 'dotenv';
import type { ChannelSpec, Env } from '../channels/driver.js';
import { DRIVERS } from '../channels/registry.js';
import type { ConfigProblem } from './problems.js';

/** Destinations by role, as plain data. */
export interface HeraldConfig {
  readonly general: readonly ChannelSpec[];
  readonly error: readonly ChannelSpec[];
  readonly problems: readonly ConfigProblem[];
}

/** Reads every driver's variables for both roles. */
export function readConfig(env: Env): HeraldConfig {
  const problems: ConfigProblem[] = [];
  const general: ChannelSpec[] = [];
  const error: ChannelSpec[] = [];
  for (const driver of DRIVERS) {
    if (!driver.fromEnv) continue;
    for (const [role, list] of [['GENERAL', general], ['ERROR', error]] as const) {
      const reading = driver.fromEnv(env, role);
      list.push(...reading.specs);
      problems.push(...reading.problems);
    }
  }
  // A shared variable (TELEGRAM_API_BASE_URL) is read for each role: report its problem once.
  const seen = new Set<string>();
  const unique = problems.filter((p) => !seen.has(`${p.variable}\0${p.message}`) && seen.add(`${p.variable}\0${p.message}`));
  return { general, error, problems: unique };
}

/**
 * `process.env` with `.env` applied underneath (real environment variables win). Returns a
 * copy so later changes to process.env do not change a running notifier.
 */
export function loadEnv(path?: string): Env {
  const parsed = loadDotenv({ path: path ?? '.env', processEnv: {}, quiet: true } as Parameters<typeof loadDotenv>[0]).parsed ?? {};
  return { ...parsed, ...process.env };
}
