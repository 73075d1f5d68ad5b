/**
 * The name `herald run` gives a bot when `--name` is not given, and the file-name form of a
 * name (for the outbox path). The name is what notices say, so it should be the script the
 * user thinks of, not the interpreter: `node strategy.js` is `strategy.js`.
 */
import { basename } from 'node:path';

// Interpreters and runners whose first script-looking argument is the bot.
const INTERPRETERS = /^(?:node|nodejs|bun|deno|tsx|ts-node(?:-esm)?|esno|python[\d.]*|pypy[\d.]*|ruby|perl|php|sh|bash|zsh|dash|ksh)$/;
// Package managers and tool runners: `npm start` is best named by its words.
const RUNNERS = /^(?:npm|npx|pnpm|pnpx|yarn|bunx|uv|uvx|poetry|pipenv|pdm|hatch)$/;
const FILE_LIKE = /[/\\]|\.[A-Za-z0-9]{1,8}$/;

function stripExe(name: string): string {
  return name.replace(/\.(?:exe|cmd|bat)$/i, '');
}

/** The last path segment, on either kind of separator. */
function lastSegment(path: string): string {
  return basename(path.replace(/\\/g, '/').replace(/\/+$/, ''));
}

/**
 * The default name of a bot run as `command args…`:
 * - an interpreter or runner (node, tsx, deno, bun, python, npx, uv…) followed by a script: the
 *   script's file name (`node dist/strategy.js` → `strategy.js`, `npx tsx bot.ts` → `bot.ts`,
 *   `python -m mybot` → `mybot`);
 * - a package manager without one: its words up to the first option (`npm start`, `npm run grid`);
 * - anything else: the command's file name (`./bin/grid-bot --live` → `grid-bot`).
 */
export function defaultName(command: string, args: readonly string[]): string {
  const base = stripExe(lastSegment(command)) || command;
  const interpreter = INTERPRETERS.test(base);
  const runner = RUNNERS.test(base);
  if (!interpreter && !runner) return base;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if ((arg === '-m' || arg === '--module') && args[i + 1]) return args[i + 1]!;
    if (arg.startsWith('-')) continue;
    if (FILE_LIKE.test(arg)) return lastSegment(arg) || arg;
  }
  if (runner) {
    const words: string[] = [base];
    for (const arg of args) {
      if (arg.startsWith('-') || words.length >= 4) break;
      words.push(arg);
    }
    return words.join(' ');
  }
  return base;
}

/**
 * `name` as a file name: letters, digits, `.`, `_` and `-` kept, anything else a `-`; no leading
 * dot; at most 100 characters; `bot` when nothing is left.
 */
export function fileSafeName(name: string): string {
  const safe = name
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[.-]+/, '')
    .replace(/-+$/, '')
    .slice(0, 100);
  return safe || 'bot';
}
