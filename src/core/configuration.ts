/**
 * The whole configuration: every driver's variables read from the environment. Every problem
 * is collected so the user sees all of them at once, each with its fix.
 */
import type { ChannelSpec } from '../channels/driver.js';
import { DRIVERS } from '../channels/registry.js';
import type { Env } from '../config/env.js';
import type { ConfigProblem } from '../config/problems.js';

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
  return { general, error, problems: uniqueProblems(problems) };
}

/** A shared variable (TELEGRAM_API_BASE_URL) is read for each role: report its problem once. */
export function uniqueProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.variable}\0${p.message}`;
    return !seen.has(key) && seen.add(key);
  });
}
