/**
 * The outbox hand-over: a child that dies with notifications still queued leaves them in its
 * durable outbox; the supervisor counts them (read-only, without the lock) for the crash
 * notice, then opens that outbox with a notifier of its own, which replays every
 * unacknowledged notification on construction, and closes it within a deadline. What is still
 * undelivered then stays in the outbox for the child's next start. The outbox's lock (held by
 * the child, stale once it is dead) is the outbox's business, not this file's.
 *
 * The supervisor reaches the outbox through the narrow {@link OutboxAccess} interface (so its
 * loop can be tested with a stand-in); {@link libraryOutbox} is the real one.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Env } from '../config/env.js';
import { readOutboxSetting } from '../config/outbox-env.js';
import { createNotifier, type NotifierOptions } from '../core/notifier.js';
import { countUndelivered } from '../delivery/outbox.js';
import { fileSafeName } from './name.js';

/** The variable naming a notifier's durable outbox file. */
export const OUTBOX_ENV = 'HERALD_OUTBOX';

/** Where outboxes go by default, under the working directory. */
export const OUTBOX_DIR = '.herald';

/** The default outbox of a bot named `name`: `<cwd>/.herald/<name>.outbox` (name made file-safe). */
export function defaultOutboxPath(cwd: string, name: string): string {
  return resolve(cwd, OUTBOX_DIR, `${fileSafeName(name)}.outbox`);
}

/** The outbox a child will use, and what to add to its environment for it. */
export interface OutboxPlan {
  /** Absolute path of the outbox; undefined when the outbox is off (`HERALD_OUTBOX` set empty) or its directory cannot be made. */
  readonly path: string | undefined;
  /** Variables to add to the child's environment (`HERALD_OUTBOX` when the user set none). */
  readonly childEnv: Readonly<Record<string, string>>;
  /** A problem to tell the user (the directory could not be created). */
  readonly warning?: string;
}

/**
 * Decides the child's outbox. `env` is the environment with the env file applied, as the child
 * will see it: when it sets `HERALD_OUTBOX`, that file is used (relative to `cwd`) and nothing is
 * added; set but empty means no outbox. Otherwise the child gets `HERALD_OUTBOX=<cwd>/.herald/<name>.outbox`
 * and the directory is created.
 */
export function planOutbox(env: Env, cwd: string, name: string): OutboxPlan {
  const own = env[OUTBOX_ENV];
  if (own !== undefined) return { path: own.trim() === '' ? undefined : resolve(cwd, own.trim()), childEnv: {} };
  const path = defaultOutboxPath(cwd, name);
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { path: undefined, childEnv: {}, warning: `cannot create ${dirname(path)} (${e.code ?? e.message}): the child runs without an outbox hand-over` };
  }
  return { path, childEnv: { [OUTBOX_ENV]: path } };
}

/** What a hand-over achieved. */
export interface HandOverResult {
  /** Notifications still undelivered at the deadline (they stay in the outbox); undefined when unknown. */
  readonly remaining: number | undefined;
  /** Why the outbox could not be opened, if it could not. */
  readonly error?: string;
}

/** What the supervisor needs from the durable outbox. */
export interface OutboxAccess {
  /** Notifications waiting in the outbox at `path` (0 when there is no such file); undefined when it cannot be read. */
  countUndelivered(path: string): Promise<number | undefined>;
  /** Opens the outbox at `path` (which replays it), then closes it within `deadlineMs`. Never rejects. */
  deliver(path: string, deadlineMs: number): Promise<HandOverResult>;
}

/** Options of the notifier that replays an outbox (the same environment as the child, and how to report). */
export type HandOverNotifierOptions = Omit<NotifierOptions, 'env'> & { readonly env: Env };

/**
 * The real {@link OutboxAccess}: `countUndelivered` from `src/delivery/outbox.ts`, and
 * `createNotifier({ ...options, outbox: { path } })` (which replays the outbox) then
 * `close(deadlineMs)`.
 */
export function libraryOutbox(options: HandOverNotifierOptions): OutboxAccess {
  const count = async (path: string): Promise<number | undefined> => {
    try {
      const n = countUndelivered(path);
      return Number.isFinite(n) && n >= 0 ? n : undefined;
    } catch {
      return undefined;
    }
  };
  // The child's fsync setting, so the replay writes its records as the child would have.
  const fsync = readOutboxSetting(options.env).outbox?.fsync;
  return {
    countUndelivered: count,
    async deliver(path, deadlineMs) {
      try {
        // It only delivers what the child left: no report of its own.
        const notifier = createNotifier({ drainOnExit: false, ...options, report: false, outbox: { path, ...(fsync ? { fsync } : {}) } });
        const report = await notifier.close(deadlineMs);
        // The file is the truth (entries waiting on disk beyond the memory budget are not in the queues' report).
        const left = await count(path);
        return { remaining: left ?? report.undelivered.reduce((n, u) => n + u.count, 0) };
      } catch (err) {
        return { remaining: undefined, error: (err as Error)?.message ?? String(err) };
      }
    },
  };
}
