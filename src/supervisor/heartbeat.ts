/**
 * The child side of `herald run`'s hang detection. The supervisor listens on a Unix domain
 * socket (a named pipe on Windows) and names it in the child's environment; a process that uses
 * Herald connects to it and writes a tiny line every interval from an unref'd timer. When the
 * child's event loop is blocked, the lines stop, and the supervisor (another process, whose own
 * loop still runs) notices.
 *
 * An environment variable rather than Node's IPC channel: it survives `npm start`, `tsx` and
 * shell wrappers between the supervisor and the process that actually runs Herald.
 *
 * This file is loaded by every notifier, so it imports nothing but `node:net`.
 */
import { createConnection, type Socket } from 'node:net';

/** Names the socket the supervisor listens on; set by `herald run` in the child's environment. */
export const SUPERVISOR_SOCKET_ENV = 'HERALD_SUPERVISOR_SOCKET';

/** The heartbeat interval in milliseconds; set by `herald run` next to {@link SUPERVISOR_SOCKET_ENV}. */
export const HEARTBEAT_MS_ENV = 'HERALD_HEARTBEAT_MS';

/** Interval when {@link HEARTBEAT_MS_ENV} is unset or not a positive number. */
export const DEFAULT_HEARTBEAT_MS = 1000;

/** Shortest interval honoured, so a typo cannot turn heartbeats into a busy loop. */
const MIN_HEARTBEAT_MS = 10;

/** Longest interval honoured (one minute). */
const MAX_HEARTBEAT_MS = 60_000;

/**
 * Beats are skipped while more than this many bytes wait to be written (a supervisor that
 * stopped reading): memory stays bounded and a beat is never worth queuing.
 */
const MAX_BUFFERED_BYTES = 1024;

/** One connection per socket and interval, shared by every notifier of the process. */
interface Link {
  refs: number;
  stop(): void;
}

const links = new Map<string, Link>();

const noop = (): void => {};

/** Parses {@link HEARTBEAT_MS_ENV}: a number of milliseconds, clamped to 10 ms … 60 s. */
export function heartbeatInterval(raw: string | undefined): number {
  const n = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isFinite(n) || n <= 0) return DEFAULT_HEARTBEAT_MS;
  return Math.min(MAX_HEARTBEAT_MS, Math.max(MIN_HEARTBEAT_MS, Math.round(n)));
}

/**
 * Starts sending heartbeats to the supervisor named by `HERALD_SUPERVISOR_SOCKET` in `env`
 * (default `process.env`), one line every `HERALD_HEARTBEAT_MS` (default 1000), and returns the
 * function that stops them. Without that variable it does nothing (and returns a no-op).
 *
 * It never throws, never keeps the process alive (the timer and the socket are unref'd),
 * reconnects quietly on the next beat when the socket drops or is not there yet, and shares one
 * connection between all its callers in a process; the connection closes when the last caller
 * stops. Calling the returned function more than once is harmless.
 */
export function startHeartbeat(env: NodeJS.ProcessEnv = process.env): () => void {
  try {
    const path = env[SUPERVISOR_SOCKET_ENV]?.trim();
    if (!path) return noop;
    const intervalMs = heartbeatInterval(env[HEARTBEAT_MS_ENV]);
    const key = `${path}\0${intervalMs}`;
    let link = links.get(key);
    if (!link) {
      link = openLink(path, intervalMs);
      links.set(key, link);
    }
    link.refs++;
    const mine = link;
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      try {
        mine.refs--;
        if (mine.refs <= 0) {
          if (links.get(key) === mine) links.delete(key);
          mine.stop();
        }
      } catch {
        // Stopping heartbeats must never disturb a shutdown.
      }
    };
  } catch {
    return noop;
  }
}

/** Connects to `path` and beats every `intervalMs` until stopped. */
function openLink(path: string, intervalMs: number): Link {
  const line = `hb ${process.pid}\n`;
  let socket: Socket | undefined;
  let stopped = false;

  const connect = (): void => {
    const s = createConnection(path);
    socket = s;
    s.unref();
    // A first beat at once: the supervisor learns quickly that this process uses Herald.
    s.on('connect', () => write(s));
    // 'close' follows every error; the next beat reconnects.
    s.on('error', noop);
    s.on('close', () => {
      if (socket === s) socket = undefined;
    });
    // The supervisor never writes; anything it might send is ignored.
    s.on('data', noop);
  };

  const write = (s: Socket): void => {
    if (stopped || s.destroyed || s.writableLength > MAX_BUFFERED_BYTES) return;
    s.write(line, noop);
  };

  const beat = (): void => {
    try {
      if (stopped) return;
      if (!socket) connect();
      else if (!socket.connecting) write(socket);
    } catch {
      // A heartbeat is best effort: the next tick tries again.
      socket = undefined;
    }
  };

  const timer = setInterval(beat, intervalMs);
  timer.unref();
  beat();

  return {
    refs: 0,
    stop() {
      stopped = true;
      clearInterval(timer);
      socket?.destroy();
      socket = undefined;
    },
  };
}
