/**
 * The supervisor side of hang detection: a socket the child's heartbeats arrive on (see
 * `startHeartbeat` in heartbeat.ts), and a detector that says when a process that was
 * beating went quiet for too long, and when it is back.
 *
 * Each connection is one process (a notifier process shares one connection), tracked on its
 * own: under `npm start` or with worker processes, one blocked process is noticed even while
 * another keeps beating. Detection starts with a connection's first beat, so a child that does
 * not use Herald (and never connects) is never reported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { DEFAULT_HEARTBEAT_MS } from './heartbeat.js';

/** What changed after a beat, a closed connection or a check. */
export type HangChange =
  /** A connection has been quiet for the threshold; `silentMs` is how long. */
  | { readonly kind: 'unresponsive'; readonly silentMs: number }
  /** Every quiet connection beat again; `silentMs` is how long the longest silence lasted. */
  | { readonly kind: 'responsive'; readonly silentMs: number }
  /** The quiet connection closed (its process ended): no longer hung, but nothing to celebrate. */
  | { readonly kind: 'gone' };

/**
 * The state machine of hang detection, without sockets or timers: feed it beats, closed
 * connections and checks with the time, and it answers with the change to report, if any.
 * It reports `unresponsive` once per episode and `responsive` once when the episode ends.
 */
export class HangDetector {
  private readonly last = new Map<number, number>();
  private hungSince: number | undefined;

  /** @param thresholdMs silence that counts as a hang (must be positive). */
  constructor(readonly thresholdMs: number) {}

  /** True while a hang episode is open. */
  get hung(): boolean {
    return this.hungSince !== undefined;
  }

  /** Connections being watched. */
  get watched(): number {
    return this.last.size;
  }

  /** Connection `id` sent a beat at `now`. */
  beat(id: number, now: number): HangChange | undefined {
    this.last.set(id, now);
    return this.settle(now, 'responsive');
  }

  /** Connection `id` closed at `now`. */
  closed(id: number, now: number): HangChange | undefined {
    this.last.delete(id);
    return this.settle(now, 'gone');
  }

  /** Looks for a connection quiet for the threshold at `now`. */
  check(now: number): HangChange | undefined {
    if (this.hungSince !== undefined) return undefined;
    const oldest = this.oldestBeat();
    if (oldest === undefined || now - oldest < this.thresholdMs) return undefined;
    this.hungSince = oldest;
    return { kind: 'unresponsive', silentMs: now - oldest };
  }

  /** Forgets every connection and any open episode (the child exited; a new one starts fresh). */
  reset(): void {
    this.last.clear();
    this.hungSince = undefined;
  }

  private settle(now: number, kind: 'responsive' | 'gone'): HangChange | undefined {
    if (this.hungSince === undefined) return undefined;
    const oldest = this.oldestBeat();
    if (oldest !== undefined && now - oldest >= this.thresholdMs) return undefined;
    const since = this.hungSince;
    this.hungSince = undefined;
    return kind === 'gone' ? { kind } : { kind, silentMs: now - since };
  }

  private oldestBeat(): number | undefined {
    let oldest: number | undefined;
    for (const t of this.last.values()) if (oldest === undefined || t < oldest) oldest = t;
    return oldest;
  }
}

/** The interval a child should beat at for a given threshold: a quarter of it, at most 1 s, at least 50 ms. */
export function intervalFor(thresholdMs: number): number {
  return Math.max(50, Math.min(DEFAULT_HEARTBEAT_MS, Math.floor(thresholdMs / 4)));
}

/** Options of {@link startHeartbeatServer}. */
export interface HeartbeatServerOptions {
  /** Silence that counts as a hang. */
  readonly thresholdMs: number;
  /** Called with every change the detector reports. Must not throw. */
  readonly onChange: (change: HangChange) => void;
  /** A monotonic clock in ms; default `performance.now`. */
  readonly now?: () => number;
}

/** A listening heartbeat socket. */
export interface HeartbeatServer {
  /** The path to put in the child's `HERALD_SUPERVISOR_SOCKET`. */
  readonly socketPath: string;
  /** The interval to put in the child's `HERALD_HEARTBEAT_MS`. */
  readonly intervalMs: number;
  /** The detector (for tests and diagnostics). */
  readonly detector: HangDetector;
  /** Forgets the current child's connections (call when it exits). */
  reset(): void;
  /** Stops listening, closes connections and removes the socket. */
  close(): Promise<void>;
}

/**
 * Listens for heartbeats on a socket in a private temporary directory (mode 0700, so only this
 * user can connect) and checks for silence several times per threshold. Its timer is unref'd:
 * it never keeps the supervisor alive on its own.
 */
export async function startHeartbeatServer(options: HeartbeatServerOptions): Promise<HeartbeatServer> {
  const now = options.now ?? (() => performance.now());
  const detector = new HangDetector(options.thresholdMs);
  const sockets = new Map<Socket, number>();
  let nextId = 1;
  const report = (change: HangChange | undefined): void => {
    if (change) options.onChange(change);
  };

  let dir: string | undefined;
  let socketPath: string;
  if (process.platform === 'win32') {
    socketPath = `\\\\.\\pipe\\herald-run-${process.pid}-${randomBytes(6).toString('hex')}`;
  } else {
    dir = mkdtempSync(join(tmpdir(), 'herald-run-'));
    socketPath = join(dir, 'heartbeat.sock');
  }

  const server: Server = createServer((socket) => {
    const id = nextId++;
    sockets.set(socket, id);
    // Connecting takes a running event loop: it counts as the first beat.
    report(detector.beat(id, now()));
    socket.on('data', () => report(detector.beat(id, now())));
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      report(detector.closed(id, now()));
    });
  });
  server.on('error', () => {});
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    if (dir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  server.unref();

  const intervalMs = intervalFor(options.thresholdMs);
  const timer = setInterval(() => report(detector.check(now())), Math.max(25, Math.min(1000, Math.floor(options.thresholdMs / 4))));
  timer.unref();

  let closing: Promise<void> | undefined;
  return {
    socketPath,
    intervalMs,
    detector,
    reset: () => detector.reset(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(timer);
        for (const s of sockets.keys()) s.destroy();
        sockets.clear();
        server.close(() => {
          if (dir) rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      });
      return closing;
    },
  };
}
