/**
 * Argument helpers shared by the `herald` subcommands: the options every command accepts, and
 * the conversions that turn a malformed argument into a {@link UsageError} (exit 2) instead of
 * a crash.
 */
import { UsageError } from './command.js';
import { redact } from '../config/redact.js';

/**
 * Options every subcommand accepts, spread into its own `parseArgs` options:
 * `--json` (one JSON document on stdout), `--env-file PATH` (default `.env` in the working
 * directory) and `--verbose` (stack traces for unexpected errors).
 */
export const COMMON_OPTIONS = {
  json: { type: 'boolean' },
  'env-file': { type: 'string' },
  verbose: { type: 'boolean' },
} as const;

/** Help text lines describing {@link COMMON_OPTIONS}, appended to each command's help. */
export const COMMON_HELP = [
  '  --env-file PATH   read variables from PATH instead of ./.env (real environment variables win)',
  '  --json            print one JSON document on stdout instead of text (shape below)',
  '  --verbose         print stack traces of unexpected errors',
  '  -h, --help        this help',
].join('\n');

/**
 * Runs a `parseArgs` call and turns its errors (unknown option, missing value…) into a
 * {@link UsageError}, so the dispatcher answers with exit 2 and a pointer to `--help`.
 * The message is redacted: a mistyped option may carry a token as its value.
 */
export function parseUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(redact((err as Error).message));
  }
}

/** Rejects more positional arguments than a command takes. */
export function maxPositionals(positionals: readonly string[], max: number, what: string): void {
  if (positionals.length > max) {
    const extra = positionals
      .slice(max)
      .map((p) => `"${redact(p)}"`)
      .join(' ');
    throw new UsageError(`unexpected argument${positionals.length - max === 1 ? '' : 's'} ${extra} (${what})`);
  }
}

/** The longest duration a seconds option (`--timeout`, `--grace`…) accepts: one day. */
export const MAX_SECONDS = 86_400;

/** The longest delay `setTimeout` honours (2^31-1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Parses a duration in seconds (`--timeout 30`, `--timeout 0.5`). Must be positive, finite and
 * at most {@link MAX_SECONDS}; anything else is a usage error naming the option.
 */
export function parseSeconds(raw: string | undefined, option: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${option} must be a positive number of seconds, not "${redact(raw)}"`);
  if (n > MAX_SECONDS) throw new UsageError(`--${option} must be at most ${MAX_SECONDS} seconds (one day), not "${redact(raw)}"`);
  return n;
}

/**
 * A delay for `setTimeout` derived from a user's option: at least 0 and at most
 * {@link MAX_TIMER_MS}. Node fires a longer (or non-finite) delay after 1 ms instead, which
 * would turn "wait a long time" into "stop at once".
 */
export function timerMs(ms: number): number {
  if (Number.isNaN(ms) || ms <= 0) return 0;
  return Math.min(ms, MAX_TIMER_MS);
}

/** Parses a 1-based position (`--pick 2`). */
export function parsePosition(raw: string | undefined, option: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[1-9]\d{0,5}$/.test(raw.trim())) throw new UsageError(`--${option} must be a whole number from 1, not "${redact(raw)}"`);
  return Number(raw.trim());
}

const VARIABLE_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks an environment variable name given with `--var`. */
export function parseVariableName(raw: string | undefined, fallback: string): string {
  if (raw === undefined) return fallback;
  if (!VARIABLE_RE.test(raw)) throw new UsageError(`--var must be an environment variable name (letters, digits, _), not "${redact(raw)}"`);
  return raw;
}
