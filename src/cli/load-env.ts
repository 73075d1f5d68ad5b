/**
 * The environment a `herald` command works with: the command's environment over the env file
 * (real variables win, as in the library), read with the library's own {@link loadEnv} so the
 * CLI and a running bot see exactly the same values.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { CommandContext } from './command.js';
import type { Env } from '../channels/driver.js';
import { loadEnv } from '../config/config.js';
import type { Ui } from './output.js';

/** The merged environment and where its file part came from. */
export interface CliEnv {
  readonly env: Env;
  /** Absolute path of the env file (whether or not it exists). */
  readonly file: string;
  /** The path as the user would type it: relative to the working directory when inside it. */
  readonly shownFile: string;
  /** True when the file exists and is a regular file. */
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
 */
export function loadCliEnv(ctx: Pick<CommandContext, 'env' | 'cwd'>, envFileOption: string | undefined, ui?: Ui): CliEnv {
  const file = resolve(ctx.cwd, envFileOption ?? '.env');
  let found = false;
  try {
    found = existsSync(file) && statSync(file).isFile();
  } catch {
    found = false;
  }
  // loadEnv already puts process.env on top; ctx.env on top again keeps an injected environment authoritative.
  const env: Env = { ...(found ? loadEnv(file) : {}), ...ctx.env };
  if (ui) {
    for (const [name, value] of Object.entries(env)) {
      // Webhook URLs are left to redact()'s URL patterns, which keep the readable part (`/webhooks/123/ab…`).
      if (value && /TOKEN|SECRET|PASSWORD|API_?KEY/i.test(name)) ui.addSecret(value.trim());
    }
  }
  return { env, file, shownFile: showPath(file, ctx.cwd), found, explicit: envFileOption !== undefined };
}
