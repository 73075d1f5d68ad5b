/** The environment Herald reads: `process.env` over `.env`, or an explicit map. */
import { config as loadDotenv } from 'dotenv';

/** Environment as a plain string map (process.env after dotenv, or an explicit object). */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * `process.env` with `.env` applied underneath (real environment variables win). Returns a
 * copy so later changes to process.env do not change a running notifier.
 */
export function loadEnv(path?: string): Env {
  const parsed = loadDotenv({ path: path ?? '.env', processEnv: {}, quiet: true } as Parameters<typeof loadDotenv>[0]).parsed ?? {};
  return { ...parsed, ...process.env };
}

/**
 * A value without one pair of matching quotes around it, trimmed: dotenv removes them in `.env`,
 * but an environment set by hand (`docker run -e 'X="123"'`) keeps them, and a chat id in
 * quotes is still meant as one.
 */
export function unquote(raw: string): string;
export function unquote(raw: string | undefined): string | undefined;
export function unquote(raw: string | undefined): string | undefined {
  const v = raw?.trim();
  const m = v ? /^(["'])(.*)\1$/s.exec(v) : null;
  return m ? m[2]!.trim() : v;
}
