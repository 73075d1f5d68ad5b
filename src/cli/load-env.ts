/**
 * The environment a `herald` command works with: the command's environment over the env file
 * (real variables win, as in the library), read with the library's own {@link loadEnv} so the
 * CLI and a running bot see exactly the same values.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { CommandContext } from './command.js';
import type { Env } from '../config/env.js';
import { loadEnv } from '../config/env.js';
import type { Problem, Ui } from './output.js';

/**
 * The env file exists but cannot be read (permissions, a directory of that name…). Commands
 * report it as a problem (exit 1): going on as if it were empty would check, send or write
 * against a configuration the user never meant.
 */
export class EnvFileError extends Error {
  override readonly name = 'EnvFileError';
  constructor(
    readonly problem: Problem,
    /** The file as the user would type it. */
    readonly shownFile: string,
  ) {
    super(problem.message);
  }
}

/** Errors that mean "there is no env file here" rather than "there is one we cannot read". */
const MISSING = new Set(['ENOENT', 'ENOTDIR']);

function unreadable(shown: string, code: string, explicit: boolean): Problem {
  const other = explicit ? 'or point --env-file at a readable file' : 'or use --env-file to read another file';
  if (code === 'EISDIR')
    return {
      message: `cannot read ${shown} (EISDIR): it is a directory`,
      fix: `move the directory away and put your variables in a file named ${shown}, ${other}`,
    };
  if (code === 'EACCES' || code === 'EPERM')
    return {
      message: `cannot read ${shown} (${code})`,
      fix: `chmod/chown it so your user can read it (e.g. \`chmod 600 ${shown}\` as its owner, and let your user into its directory), ${other}`,
    };
  return { message: `cannot read ${shown} (${code})`, fix: `check the file and the path to it (\`ls -l ${shown}\`), ${other}` };
}

function codeOf(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? 'EIO';
}

/** The merged environment and where its file part came from. */
export interface CliEnv {
  readonly env: Env;
  /** Absolute path of the env file (whether or not it exists). */
  readonly file: string;
  /** The path as the user would type it: relative to the working directory when inside it. */
  readonly shownFile: string;
  /** True when the file exists and was read. */
  readonly found: boolean;
  /** True when `--env-file` named it (a missing explicit file deserves a warning). */
  readonly explicit: boolean;
}

/** Shows `file` relative to `cwd` when it lies inside it. */
export function showPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/**
 * Loads `--env-file` (default `.env` in `ctx.cwd`) under `ctx.env`. Values of secret-named
 * variables (`*_TOKEN`…) are registered with `ui` so no later line can print them.
 * A missing file is no error (the environment may hold everything); one that exists but
 * cannot be read throws {@link EnvFileError} (dotenv would silently read it as empty).
 */
export function loadCliEnv(ctx: Pick<CommandContext, 'env' | 'cwd'>, envFileOption: string | undefined, ui?: Ui): CliEnv {
  const file = resolve(ctx.cwd, envFileOption ?? '.env');
  const shownFile = showPath(file, ctx.cwd);
  const explicit = envFileOption !== undefined;
  let found = false;
  let stats: Stats | undefined;
  try {
    stats = statSync(file);
  } catch (err) {
    if (!MISSING.has(codeOf(err))) throw new EnvFileError(unreadable(shownFile, codeOf(err), explicit), shownFile);
  }
  if (stats?.isDirectory()) throw new EnvFileError(unreadable(shownFile, 'EISDIR', explicit), shownFile);
  // Anything else that is not a regular file (a FIFO would block a read, /dev/null is empty) counts as no file, as before.
  if (stats?.isFile()) {
    try {
      // Read it ourselves first: dotenv swallows read errors (EACCES…) and returns nothing.
      readFileSync(file);
      found = true;
    } catch (err) {
      throw new EnvFileError(unreadable(shownFile, codeOf(err), explicit), shownFile);
    }
  }
  // loadEnv already puts process.env on top; ctx.env on top again keeps an injected environment authoritative.
  const env: Env = { ...(found ? loadEnv(file) : {}), ...ctx.env };
  if (ui) {
    for (const [name, value] of Object.entries(env)) {
      // Webhook URLs are left to redact()'s URL patterns, which keep the readable part (`/webhooks/123/ab…`).
      if (value && /TOKEN|SECRET|PASSWORD|API_?KEY/i.test(name)) ui.addSecret(value.trim());
    }
  }
  return { env, file, shownFile, found, explicit };
}
