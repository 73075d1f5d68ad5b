/**
 * The texts `herald run` sends: a crash notice (what ended the child, its uptime, what happens
 * next, how many notifications it left undelivered, its last stderr lines), the final notice
 * when it gives up restarting, and the hang and recovery notices. Plain text, built here and
 * redacted by the caller before it leaves the process.
 */
import { constants } from 'node:os';

/** How a child ended. */
export interface ChildExit {
  /** The exit code, or null when a signal ended it (or it never started). */
  readonly code: number | null;
  /** The signal that ended it, if one did. */
  readonly signal: NodeJS.Signals | null;
  /** Why it could not be started at all (`ENOENT`: no such command; `EACCES`: not executable). */
  readonly spawnError?: { readonly code: string; readonly message: string };
}

/** The number of a signal (`SIGKILL` → 9), or undefined for a name this system does not know. */
export function signalNumber(signal: string): number | undefined {
  return (constants.signals as Record<string, number | undefined>)[signal];
}

/** The signal whose number is `n`, if any. */
function signalName(n: number): string | undefined {
  for (const [name, value] of Object.entries(constants.signals)) if (value === n) return name;
  return undefined;
}

/**
 * The exit code `herald run` passes on for an exit: the child's code; 128 + the signal's number
 * when a signal ended it (as shells report it: SIGKILL → 137); 127 when the command was not
 * found and 126 when it could not be executed (also as shells do).
 */
export function exitCodeOf(exit: ChildExit): number {
  if (exit.spawnError) return exit.spawnError.code === 'ENOENT' ? 127 : 126;
  if (exit.code !== null) return exit.code;
  if (exit.signal) return 128 + (signalNumber(exit.signal) ?? 0);
  return 1;
}

/** True for an exit that deserves a notice: a non-zero code, a signal, or a failed start. */
export function isAbnormal(exit: ChildExit): boolean {
  return exit.spawnError !== undefined || exit.signal !== null || exit.code !== 0;
}

const HINTS: Readonly<Record<string, string>> = {
  SIGKILL: 'out of memory?',
  SIGSEGV: 'a native crash',
  SIGBUS: 'a native crash',
  SIGILL: 'a native crash',
  SIGABRT: 'aborted',
};

/**
 * What ended the child, for a headline: `exit code 3`, `killed by SIGKILL — out of memory?`,
 * `exit code 137 (128 + SIGKILL — out of memory?)` (a wrapper such as `npm start` or a shell
 * reporting its own child's death), `could not start: command not found (ENOENT)`.
 */
export function describeExit(exit: ChildExit): string {
  if (exit.spawnError) {
    const why = exit.spawnError.code === 'ENOENT' ? 'command not found' : exit.spawnError.code === 'EACCES' ? 'permission denied' : exit.spawnError.message;
    return `could not start: ${why} (${exit.spawnError.code})`;
  }
  if (exit.signal) {
    const hint = HINTS[exit.signal];
    return `killed by ${exit.signal}${hint ? ` — ${hint}` : ''}`;
  }
  const code = exit.code ?? 1;
  if (code > 128 && code < 160) {
    const name = signalName(code - 128);
    if (name) {
      const hint = HINTS[name];
      return `exit code ${code} (128 + ${name}${hint ? ` — ${hint}` : ''})`;
    }
  }
  return `exit code ${code}`;
}

/**
 * A duration for people: `850 ms`, `1.2 s`, `45 s`, `2 min`, `1 min 30 s`, `3 h 5 min`, `2 d 4 h`.
 * Whole units only where they help (`2 min`, not `2 min 0 s`).
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${Number((ms / 1000).toFixed(1))} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const parts = (big: number, bigUnit: string, small: number, smallUnit: string): string =>
    small ? `${big} ${bigUnit} ${small} ${smallUnit}` : `${big} ${bigUnit}`;
  if (s < 3600) return parts(Math.floor(s / 60), 'min', s % 60, 's');
  const m = Math.round(s / 60);
  if (m < 24 * 60) return parts(Math.floor(m / 60), 'h', m % 60, 'min');
  const h = Math.round(m / 60);
  return parts(Math.floor(h / 24), 'd', h % 24, 'h');
}

/** What `herald run` does after the exit a notice reports. */
export type NextStep =
  /** It exits too; `reason` says why (`--restart never`). */
  | { readonly kind: 'exit'; readonly reason: string }
  /** It restarts after `delayMs`: restart `attempt` of at most `max` within the window. */
  | { readonly kind: 'restart'; readonly delayMs: number; readonly attempt: number; readonly max: number; readonly windowMs: number }
  /** It gives up: `restarts` restarts within the window reached `--max-restarts`. */
  | { readonly kind: 'give-up'; readonly restarts: number; readonly max: number; readonly windowMs: number };

/** What a crash notice reports. */
export interface CrashReport {
  readonly name: string;
  readonly exit: ChildExit;
  readonly pid?: number | undefined;
  readonly uptimeMs: number;
  readonly next: NextStep;
  /** Notifications the child left undelivered: a number, or undefined when unknown. Absent: no outbox to ask. */
  readonly undelivered?: number | undefined;
  /** The outbox they wait in, as shown to the user (relative to the working directory). */
  readonly outbox?: string | undefined;
  /** The child's last stderr lines (cleaned, not yet redacted). */
  readonly stderr: readonly string[];
}

/** The headline of a crash or final notice. */
function headline(r: CrashReport): string {
  const what =
    r.exit.spawnError || r.exit.signal
      ? describeExit(r.exit)
      : isAbnormal(r.exit)
        ? `crashed: ${describeExit(r.exit)}`
        : `exited with code ${r.exit.code ?? 0}`;
  if (r.next.kind === 'give-up') {
    return `🛑 ${r.name} ${what}; not restarting: ${r.next.restarts} restart${r.next.restarts === 1 ? '' : 's'} within ${formatDuration(r.next.windowMs)} (--max-restarts ${r.next.max})`;
  }
  return `💥 ${r.name} ${what}`;
}

/**
 * The crash notice (or, when `next` gives up, the final notice):
 *
 * ```text
 * 💥 strategy.js crashed: exit code 3
 * uptime 4.2 s (pid 1234) · restarting in 1 s (restart 1 of at most 5 within 10 min)
 * undelivered notifications: 2, delivering them now from .herald/strategy.js.outbox
 * last stderr lines:
 * Error: exchange said no
 *     at placeOrder (strategy.js:42:11)
 * ```
 */
export function crashNotice(r: CrashReport): string {
  const lines = [headline(r)];
  const started = r.exit.spawnError ? undefined : `uptime ${formatDuration(r.uptimeMs)}${r.pid !== undefined ? ` (pid ${r.pid})` : ''}`;
  let next: string | undefined;
  if (r.next.kind === 'restart')
    next = `restarting in ${formatDuration(r.next.delayMs)} (restart ${r.next.attempt} of at most ${r.next.max} within ${formatDuration(r.next.windowMs)})`;
  else if (r.next.kind === 'exit') next = `not restarting (${r.next.reason})`;
  lines.push([started, next].filter(Boolean).join(' · '));
  if ('undelivered' in r) {
    const n = r.undelivered;
    if (n === undefined) lines.push('undelivered notifications: unknown (the outbox could not be read)');
    else if (n === 0) lines.push('undelivered notifications: none');
    else lines.push(`undelivered notifications: ${n}, delivering ${n === 1 ? 'it' : 'them'} now${r.outbox ? ` from ${r.outbox}` : ''}`);
  }
  if (r.stderr.length) lines.push('last stderr lines:', ...r.stderr);
  else if (!r.exit.spawnError) lines.push('stderr: (nothing)');
  return lines.filter((l) => l !== '').join('\n');
}

/** `⏸ strategy.js unresponsive for 2 min (event loop blocked?)`. */
export function unresponsiveNotice(name: string, thresholdMs: number): string {
  return `⏸ ${name} unresponsive for ${formatDuration(thresholdMs)} (event loop blocked?)`;
}

/** `▶️ strategy.js responsive again (silent for 2 min 14 s)`. */
export function responsiveNotice(name: string, silentMs: number): string {
  return `▶️ ${name} responsive again (silent for ${formatDuration(silentMs)})`;
}
