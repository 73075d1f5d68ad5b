/**
 * Runs the bot as a child process: stdin and stdout pass straight through (the child sees the
 * same terminal or pipe), stderr passes through too while a {@link LineTail} keeps its last
 * lines for the crash notice. Resolves once the child has exited and its stderr is read to the
 * end, so the tail holds the very last line it wrote.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { ChildExit } from './notices.js';
import type { LineTail } from './stderr-tail.js';

/** How long to wait for the end of stderr after the exit: a grandchild may hold it open forever. */
const STDERR_GRACE_MS = 1000;

/** How the child's stdout is connected: `inherit` (the same file descriptor) or a stream it is piped to. */
export type StdoutTarget = 'inherit' | NodeJS.WritableStream;

/** Options of {@link startChild}. */
export interface ChildOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Default `inherit`. */
  readonly stdout?: StdoutTarget;
  /** Where the child's stderr is copied, as it comes. */
  readonly stderr: NodeJS.WritableStream;
  /** Keeps the last stderr lines. */
  readonly tail: LineTail;
  /** A monotonic clock in ms; default `performance.now`. */
  readonly now?: () => number;
}

/** How the child ended, and after how long. */
export interface ChildResult extends ChildExit {
  /** From start to exit. */
  readonly uptimeMs: number;
  readonly pid: number | undefined;
}

/** A running child. */
export interface RunningChild {
  /** Undefined when it could not be started. */
  readonly pid: number | undefined;
  /** Resolves when it has exited and its stderr is drained (or a second later). Never rejects. */
  readonly exited: Promise<ChildResult>;
  /** True until it has exited. */
  readonly running: boolean;
  /** Sends it a signal; false when it is gone already or the signal could not be sent. */
  kill(signal: NodeJS.Signals): boolean;
}

/** Starts `command args…`. Never throws: a command that cannot be started resolves `exited` with its error. */
export function startChild(options: ChildOptions): RunningChild {
  const now = options.now ?? (() => performance.now());
  const startedAt = now();
  const stdout = options.stdout ?? 'inherit';
  let child: ChildProcess;
  let running = true;
  let exited: Promise<ChildResult>;
  try {
    child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['inherit', stdout === 'inherit' ? 'inherit' : 'pipe', 'pipe'],
      windowsHide: true,
    });
  } catch (err) {
    // spawn throws synchronously for some bad arguments (a NUL byte in an argument…).
    running = false;
    const e = err as NodeJS.ErrnoException;
    const result: ChildResult = { code: null, signal: null, spawnError: { code: e.code ?? 'EINVAL', message: e.message }, uptimeMs: 0, pid: undefined };
    return { pid: undefined, exited: Promise.resolve(result), running: false, kill: () => false };
  }

  if (stdout !== 'inherit') child.stdout?.pipe(stdout, { end: false });
  const stderr = child.stderr!;
  stderr.on('data', (chunk: Buffer) => options.tail.push(chunk));
  stderr.pipe(options.stderr, { end: false });
  const stderrDone = new Promise<void>((resolve) => {
    stderr.once('close', resolve);
    stderr.once('end', resolve);
    stderr.once('error', () => resolve());
  });

  exited = new Promise<ChildResult>((resolve) => {
    let settled = false;
    // `on`, not `once`: an 'error' without a listener would crash the supervisor.
    child.on('error', (err: NodeJS.ErrnoException) => {
      // Only a failed start ends the child here; other errors (a failed kill) are not its death.
      if (settled || child.pid !== undefined) return;
      settled = true;
      running = false;
      resolve({ code: null, signal: null, spawnError: { code: err.code ?? 'EIO', message: err.message }, uptimeMs: 0, pid: undefined });
    });
    child.once('exit', (code, signal) => {
      if (settled) return;
      settled = true;
      running = false;
      const uptimeMs = now() - startedAt;
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((r) => {
        timer = setTimeout(r, STDERR_GRACE_MS);
      });
      void Promise.race([stderrDone, grace]).then(() => {
        clearTimeout(timer);
        options.tail.end();
        // A grandchild may still hold stderr: keep passing its output through, but do not let
        // the open pipe keep the supervisor alive.
        (stderr as NodeJS.ReadableStream & { unref?: () => void }).unref?.();
        resolve({ code, signal, uptimeMs, pid: child.pid });
      });
    });
  });

  return {
    get pid() {
      return child.pid;
    },
    exited,
    get running() {
      return running;
    },
    kill(signal) {
      if (!running) return false;
      try {
        return child.kill(signal);
      } catch {
        return false;
      }
    },
  };
}
