/**
 * One process per outbox: a lock file beside it holding the owner's pid. A lock whose process is
 * gone (a crash, kill -9) is stale and taken over; a live one is refused with a clear error.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

/** Another live process holds the outbox. */
export class OutboxInUseError extends Error {
  override readonly name = 'OutboxInUseError';
  constructor(
    readonly path: string,
    readonly pid: number,
  ) {
    super(`the outbox ${path} is in use by process ${pid}`);
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock at `lockPath` for this process; returns the release function. Throws {@link OutboxInUseError}. */
export function acquireLock(lockPath: string, outboxPath: string): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        process.off('exit', release);
        try {
          if (Number(readFileSync(lockPath, 'utf8').trim()) === process.pid) unlinkSync(lockPath);
        } catch {
          // Already gone: nothing to release.
        }
      };
      process.on('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let pid = NaN;
      try {
        pid = Number(readFileSync(lockPath, 'utf8').trim());
      } catch {
        // Vanished between the two calls: try again.
      }
      if (pid === process.pid || alive(pid)) throw new OutboxInUseError(outboxPath, pid);
      // Stale: its process is gone. Remove it and try again.
      try {
        unlinkSync(lockPath);
      } catch {
        // Someone else removed it first.
      }
    }
  }
  throw new OutboxInUseError(outboxPath, NaN);
}
