/**
 * vitest setup file: no test may open a connection to anything but loopback.
 *
 * Every outgoing TCP/TLS connection in Node goes through `net.Socket.prototype.connect`
 * (`net.connect`, `net.createConnection`, `tls.connect`, `http.Agent` and undici — both Node's
 * bundled copy behind the global `fetch` and the npm one behind Herald's `Agent` — all end up
 * there). The guard wraps that and the module-level entry points and throws for any host that
 * is not 127.0.0.0/8, ::1 or localhost, before a DNS lookup or a packet leaves the machine.
 *
 * msw answers intercepted requests before any socket exists, so mocked fetches are unaffected;
 * real connections to the fake platform servers on 127.0.0.1 pass. Code under test that swallows
 * the error (Herald retries network errors as transient) cannot hide an attempt either: every
 * blocked attempt is recorded and fails the test in `afterEach`. A test that provokes one on
 * purpose takes it with {@link takeBlockedConnections}.
 *
 * Child processes (the CLI and example tests) do not load this file; they are pointed at the
 * fake platforms by their environment.
 */
import net from 'node:net';
import tls from 'node:tls';
import { afterEach } from 'vitest';

/** Code of the error thrown for a blocked connection. */
export const NO_INTERNET_CODE = 'ERR_TEST_NO_INTERNET';

interface GuardState {
  installed: boolean;
  blocked: string[];
}

// On globalThis so the state is shared however many times this module is evaluated in a worker.
const KEY = Symbol.for('herald.test.no-internet');
const state: GuardState = ((globalThis as Record<symbol, unknown>)[KEY] as GuardState | undefined) ?? { installed: false, blocked: [] };
(globalThis as Record<symbol, unknown>)[KEY] = state;

/** True for 127.0.0.0/8, ::1 (also IPv4-mapped loopback) and localhost; Node's default host is localhost. */
export function isLoopbackHost(host: string | undefined | null): boolean {
  if (host === undefined || host === null || host === '') return true;
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h === 'localhost' || h === 'localhost.') return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) {
    if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^(?:::ffff:|0:0:0:0:0:ffff:)(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return mapped !== null && mapped[1]!.startsWith('127.');
  }
  return false;
}

/** Blocked attempts since the last call (and forgets them), e.g. `['example.com:443']`. */
export function takeBlockedConnections(): string[] {
  return state.blocked.splice(0);
}

function refuse(host: string, port: unknown): never {
  const where = `${host}:${String(port ?? '?')}`;
  state.blocked.push(where);
  const err = new Error(`no-internet guard: tests may only connect to loopback, not ${where}`) as Error & { code: string };
  err.code = NO_INTERNET_CODE;
  throw err;
}

type Target = { host?: string | null; port?: unknown; path?: unknown; socket?: unknown };

/** Where a connect call goes, from any of Node's argument forms; undefined for IPC paths. */
function targetOf(args: readonly unknown[]): Target | undefined {
  // net.connect() hands Socket#connect its already-normalized [options, callback] array.
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (first !== null && typeof first === 'object') return first as Target;
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    const second = Array.isArray(args[0]) ? undefined : args[1];
    return { port: first, host: typeof second === 'string' ? second : undefined };
  }
  if (typeof first === 'string') return { path: first };
  return undefined;
}

function check(args: readonly unknown[]): void {
  const t = targetOf(args);
  if (t === undefined || t.socket !== undefined) return; // TLS over a socket that was checked itself
  if (typeof t.path === 'string' && t.path !== '') return; // Unix socket / named pipe: local by definition
  if (!isLoopbackHost(t.host)) refuse(String(t.host), t.port);
}

function guard<F extends (...args: any[]) => any>(original: F): F {
  return function (this: unknown, ...args: unknown[]) {
    check(args);
    return original.apply(this, args);
  } as F;
}

if (!state.installed) {
  state.installed = true;
  const socketProto = net.Socket.prototype as unknown as { connect: (...args: unknown[]) => unknown };
  socketProto.connect = guard(socketProto.connect);
  const netMutable = net as unknown as Record<'connect' | 'createConnection', (...args: unknown[]) => unknown>;
  netMutable.connect = guard(netMutable.connect);
  netMutable.createConnection = guard(netMutable.createConnection);
  const tlsMutable = tls as unknown as Record<'connect', (...args: unknown[]) => unknown>;
  tlsMutable.connect = guard(tlsMutable.connect);
}

afterEach(() => {
  const blocked = takeBlockedConnections();
  if (blocked.length > 0) {
    throw new Error(`the test tried to reach the internet (blocked by test/setup/no-internet.ts): ${[...new Set(blocked)].join(', ')}`);
  }
});
