/**
 * Writing variables into a `.env` file the way a person would: the variable's line is replaced
 * where it is (or appended), and every comment, blank line, other variable and the order stay
 * as they were. The write is atomic (temporary file in the same directory, then rename), so a
 * crash or Ctrl-C leaves either the old file or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import type { CliEnv } from './load-env.js';
import type { Ui } from './output.js';

/** One `NAME=value` to store. */
export interface EnvAssignment {
  readonly name: string;
  readonly value: string;
}

/** What {@link updateEnvText} / {@link writeEnvFile} did. */
export interface EnvUpdate {
  /** The new file contents. */
  readonly text: string;
  /** Names whose existing line(s) were replaced in place. */
  readonly replaced: readonly string[];
  /** Names added at the end. */
  readonly appended: readonly string[];
  /** Names already holding exactly this value (their lines are untouched). */
  readonly unchanged: readonly string[];
}

/**
 * Formats a value so dotenv reads it back unchanged: bare when safe, else in the first quote
 * style that can hold it (dotenv does not unescape \" inside double quotes, so escaping is no
 * option; only \n is expanded there, which is how a newline is written).
 */
export function formatEnvValue(value: string): string {
  if (/^[A-Za-z0-9_@:.,/+\-=%~]*$/.test(value)) return value;
  if (!value.includes("'") && !/[\r\n]/.test(value)) return `'${value}'`;
  if (!value.includes('"')) return `"${value.replace(/\r?\n/g, '\\n')}"`;
  if (!value.includes('`') && !/[\r\n]/.test(value)) return `\`${value}\``;
  // Every quote style and a newline: dotenv cannot hold it exactly (never the case for ids and tokens).
  return `"${value.replace(/"/g, "'").replace(/\r?\n/g, '\\n')}"`;
}

/**
 * dotenv's own line pattern (dotenv 16, `LINE` in lib/main.js), with match indices. Scanning
 * the file with it finds the assignments exactly where dotenv does: a `NAME=` line inside
 * another variable's multi-line quoted value ("…", '…' or `…`) is part of that value, and a
 * quoted value spanning several lines belongs to its one assignment.
 */
const DOTENV_LINE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/dgm;

/** One assignment as dotenv reads it: its name, the lines it spans and its value. */
interface FoundAssignment {
  readonly name: string;
  /** Index of the line with the name. */
  readonly first: number;
  /** Index of the line where the value ends (after `first` for a multi-line quoted value). */
  readonly last: number;
  /** The value dotenv reads (quotes removed, `\n` expanded in double quotes). */
  readonly value: string;
}

/** The assignments dotenv sees in `lines` (a file split at its line breaks). */
function findAssignments(lines: readonly string[]): FoundAssignment[] {
  const text = lines.join('\n');
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const found: FoundAssignment[] = [];
  const re = new RegExp(DOTENV_LINE.source, DOTENV_LINE.flags);
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const name = m[1]!;
    const key = m.indices![1]!;
    const value = m.indices![2];
    const first = lineOf(key[0]);
    // The pattern may also swallow a comment line after the value: the assignment ends with its value.
    const last = value ? lineOf(Math.max(value[0], value[1] - 1)) : first;
    found.push({ name, first, last: Math.max(first, last), value: parseDotenv(m[0])[name] ?? '' });
  }
  return found;
}

/**
 * Returns `text` with each assignment applied. Every assignment of the variable (dotenv lets
 * the last one win, so all of them) whose value differs is replaced in place, keeping an
 * `export ` prefix and indentation; a quoted value spanning several lines is replaced whole.
 * Assignments are found as dotenv finds them, so lines inside another variable's multi-line
 * value are never touched. Names not present are appended, on a new line, with the file's own
 * line ending.
 */
export function updateEnvText(text: string, assignments: readonly EnvAssignment[]): EnvUpdate {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text === '' ? [] : text.split(/\r?\n/);
  // A file ending with a newline splits into a last empty element; it is not a line of its own.
  const endsWithNewline = text.length > 0 && lines[lines.length - 1] === '';
  if (endsWithNewline) lines.pop();
  const replaced: string[] = [];
  const appended: string[] = [];
  const unchanged: string[] = [];
  for (const { name, value } of assignments) {
    const mine = findAssignments(lines).filter((a) => a.name === name);
    let changed = false;
    // From the last one, so the line numbers of the earlier ones stay valid.
    for (const a of mine.reverse()) {
      if (a.value === value) continue;
      const lead = /^(\s*)(export\s+)?/.exec(lines[a.first]!)!;
      lines.splice(a.first, a.last - a.first + 1, `${lead[1]}${lead[2] ?? ''}${name}=${formatEnvValue(value)}`);
      changed = true;
    }
    if (mine.length === 0) {
      lines.push(`${name}=${formatEnvValue(value)}`);
      appended.push(name);
    } else if (changed) {
      replaced.push(name);
    } else {
      unchanged.push(name);
    }
  }
  const body = lines.join(eol);
  const out = lines.length === 0 ? '' : endsWithNewline || appended.length > 0 || text.length === 0 ? `${body}${eol}` : body;
  return { text: out, replaced, appended, unchanged };
}

/**
 * Applies `assignments` to the env file at `file` (created if missing, mode 600 since it holds
 * secrets) atomically: the new contents go to a temporary file next to it, are flushed to disk,
 * then renamed over it. A symlinked `.env` is followed, so the link keeps pointing at the file.
 */
export async function writeEnvFile(file: string, assignments: readonly EnvAssignment[]): Promise<EnvUpdate & { readonly created: boolean }> {
  const target = await realpath(file).catch(() => file);
  let original = '';
  let mode = 0o600;
  let created = false;
  try {
    original = await readFile(target, 'utf8');
    mode = (await stat(target)).mode & 0o777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    created = true;
  }
  const update = updateEnvText(original, assignments);
  if (!created && update.text === original) return { ...update, created };
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.chmod(mode); // open()'s mode passes through the umask; keep the original's exactly
      await handle.writeFile(update.text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
  return { ...update, created };
}

/**
 * Writes `assignments` to the command's env file and prints one line per variable (added,
 * updated, already set). Returns false, after printing the reason and fix, when it could not.
 */
export async function writeAndReport(ui: Ui, loaded: Pick<CliEnv, 'file' | 'shownFile'>, assignments: readonly EnvAssignment[]): Promise<boolean> {
  try {
    const r = await writeEnvFile(loaded.file, assignments);
    for (const a of assignments) {
      const how = r.appended.includes(a.name) ? 'added to' : r.replaced.includes(a.name) ? 'updated in' : 'already set in';
      ui.info(`${ui.color.green('✓')} ${a.name}=${a.value} ${how} ${loaded.shownFile}${r.created ? ' (new file)' : ''}`);
    }
    return true;
  } catch (err) {
    ui.problem('herald: ', {
      message: `could not write ${loaded.shownFile}: ${(err as Error).message}`,
      fix: 'check the file and directory permissions, or use --env-file',
    });
    return false;
  }
}

/**
 * The variables to store for a discovered chat: the chat id, plus the bot token when it came
 * from `--token` and its variable (`…_CHAT_ID` → `…_TOKEN`) is not set yet, so a new user ends
 * with a complete pair. A different token already there is left alone, with a warning.
 */
export function chatAssignments(
  variable: string,
  chatId: string,
  bot: { readonly tokenSource: string; readonly token: string },
  env: Readonly<Record<string, string | undefined>>,
): { assignments: EnvAssignment[]; warning?: string } {
  const assignments: EnvAssignment[] = [{ name: variable, value: chatId }];
  const tokenVariable = variable.endsWith('_CHAT_ID') ? `${variable.slice(0, -'_CHAT_ID'.length)}_TOKEN` : undefined;
  if (bot.tokenSource !== '--token' || !tokenVariable) return { assignments };
  const current = env[tokenVariable]?.trim();
  if (!current) return { assignments: [...assignments, { name: tokenVariable, value: bot.token }] };
  if (current === bot.token) return { assignments };
  return { assignments, warning: `${tokenVariable} holds a different bot than --token and was left as is, so ${variable} now names a chat of the --token bot` };
}
