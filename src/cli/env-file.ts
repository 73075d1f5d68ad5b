/**
 * Writing variables into a `.env` file the way a person would: the variable's line is replaced
 * where it is (or appended), and every comment, blank line, other variable and the order stay
 * as they were. The write is atomic (temporary file in the same directory, then rename), so a
 * crash or Ctrl-C leaves either the old file or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
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

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The value part of an assignment line as dotenv would read it (enough to tell "unchanged"). */
function readValue(rest: string): string {
  const v = rest.trim();
  const q = v[0];
  if ((q === '"' || q === "'" || q === '`') && v.length > 1) {
    const end = v.indexOf(q, 1);
    if (end > 0) return v.slice(1, end);
  }
  return v.replace(/\s+#.*$/, '').trim();
}

/**
 * Returns `text` with each assignment applied. Every line that sets the variable (dotenv lets
 * the last one win, so all of them) is replaced in place, keeping an `export ` prefix and
 * indentation; a quoted value spanning several lines is replaced whole. Names not present are
 * appended, on a new line, with the file's own line ending.
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
    const re = new RegExp(`^(\\s*)(export\\s+)?${escapeRe(name)}\\s*=(.*)$`);
    let seen = false;
    let same = true;
    for (let i = 0; i < lines.length; i++) {
      const m = re.exec(lines[i]!);
      if (!m) continue;
      seen = true;
      // A quoted value left open on this line continues until the line that closes it.
      let last = i;
      const rest = m[3]!.trimStart();
      const q = rest[0];
      if ((q === '"' || q === "'" || q === '`') && rest.indexOf(q, 1) < 0) {
        let j = i + 1;
        while (j < lines.length && !lines[j]!.includes(q)) j++;
        if (j < lines.length) last = j;
        same = false;
      } else if (readValue(m[3]!) !== value) {
        same = false;
      }
      if (same && last === i) continue;
      lines.splice(i, last - i + 1, `${m[1]}${m[2] ?? ''}${name}=${formatEnvValue(value)}`);
    }
    if (!seen) {
      lines.push(`${name}=${formatEnvValue(value)}`);
      appended.push(name);
    } else if (same) {
      unchanged.push(name);
    } else {
      replaced.push(name);
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
    ui.problem('herald: ', { message: `could not write ${loaded.shownFile}: ${(err as Error).message}`, fix: 'check the file and directory permissions, or use --env-file' });
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
