/**
 * Hang detection: the detector's state machine and the server's checks on fake timers; the
 * child side (startHeartbeat) over a real Unix socket.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { heartbeatInterval, startHeartbeat } from '../../src/supervisor/heartbeat.js';
import { HangDetector, intervalFor, startHeartbeatServer, type HangChange } from '../../src/supervisor/heartbeat-server.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('HangDetector', () => {
  it('says nothing before a first beat, however long', () => {
    const d = new HangDetector(1000);
    expect(d.check(1_000_000)).toBeUndefined();
  });

  it('one unresponsive per episode, then responsive with how long it lasted', () => {
    const d = new HangDetector(1000);
    d.beat(1, 0);
    expect(d.check(999)).toBeUndefined();
    expect(d.check(1000)).toEqual({ kind: 'unresponsive', silentMs: 1000 });
    expect(d.check(5000)).toBeUndefined();
    expect(d.beat(1, 7000)).toEqual({ kind: 'responsive', silentMs: 7000 });
    expect(d.check(7500)).toBeUndefined();
    expect(d.check(8000)).toEqual({ kind: 'unresponsive', silentMs: 1000 });
  });

  it('watches each connection: one blocked process is noticed while another keeps beating', () => {
    const d = new HangDetector(1000);
    d.beat(1, 0);
    d.beat(2, 0);
    d.beat(2, 900);
    expect(d.check(1000)).toEqual({ kind: 'unresponsive', silentMs: 1000 });
    // The healthy one beating does not end the episode…
    expect(d.beat(2, 1500)).toBeUndefined();
    // …the quiet one closing does, without a "responsive again".
    expect(d.closed(1, 1600)).toEqual({ kind: 'gone' });
    expect(d.hung).toBe(false);
  });

  it('reset() forgets connections and the episode', () => {
    const d = new HangDetector(1000);
    d.beat(1, 0);
    d.check(2000);
    d.reset();
    expect(d.hung).toBe(false);
    expect(d.watched).toBe(0);
    expect(d.check(10_000)).toBeUndefined();
  });

  it('children beat at a quarter of the threshold, between 50 ms and 1 s', () => {
    expect([120_000, 1000, 100].map(intervalFor)).toEqual([1000, 250, 50]);
  });
});

describe('startHeartbeatServer', () => {
  it('reports a silent connection after the threshold and its return, checking on its own timer', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let clock = 0;
    const changes: HangChange[] = [];
    const server = await startHeartbeatServer({ thresholdMs: 1000, onChange: (c) => changes.push(c), now: () => clock });
    cleanup.push(() => server.close());
    expect(server.intervalMs).toBe(250);
    const client = createConnection(server.socketPath);
    cleanup.push(() => client.destroy());
    await vi.waitFor(() => expect(server.detector.watched).toBe(1));

    clock = 900;
    vi.advanceTimersByTime(250);
    expect(changes).toEqual([]);
    clock = 1000;
    vi.advanceTimersByTime(250);
    expect(changes).toEqual([{ kind: 'unresponsive', silentMs: 1000 }]);

    clock = 2500;
    client.write('hb 1\n');
    await vi.waitFor(() => expect(changes).toHaveLength(2));
    expect(changes[1]).toEqual({ kind: 'responsive', silentMs: 2500 });
  });

  it('listens on a socket only its user can reach, removed on close', async () => {
    const server = await startHeartbeatServer({ thresholdMs: 1000, onChange: () => {} });
    const { statSync, existsSync } = await import('node:fs');
    const dir = join(server.socketPath, '..');
    if (process.platform !== 'win32') expect(statSync(dir).mode & 0o077).toBe(0);
    await server.close();
    expect(existsSync(dir)).toBe(false);
  });
});

/** A plain socket server standing in for the supervisor: counts connections and lines. */
async function fakeSupervisor(path: string): Promise<{ server: Server; sockets: Set<Socket>; connections: () => number; lines: string[] }> {
  const sockets = new Set<Socket>();
  const lines: string[] = [];
  let connections = 0;
  const server = createServer((s) => {
    connections++;
    sockets.add(s);
    s.setEncoding('utf8').on('data', (d: string) => lines.push(...d.split('\n').filter(Boolean)));
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(path, () => r()));
  cleanup.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return { server, sockets, connections: () => connections, lines };
}

function socketPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-hb-test-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'hb.sock');
}

describe('startHeartbeat (the child side)', () => {
  it('without HERALD_SUPERVISOR_SOCKET it does nothing', () => {
    const stop = startHeartbeat({});
    expect(() => stop()).not.toThrow();
  });

  it('writes "hb <pid>" every HERALD_HEARTBEAT_MS over one connection, and stop() closes it', async () => {
    const path = socketPath();
    const sup = await fakeSupervisor(path);
    const stop = startHeartbeat({ HERALD_SUPERVISOR_SOCKET: path, HERALD_HEARTBEAT_MS: '20' });
    cleanup.push(stop);
    await vi.waitFor(() => expect(sup.lines.length).toBeGreaterThanOrEqual(4), { timeout: 3000 });
    expect(new Set(sup.lines)).toEqual(new Set([`hb ${process.pid}`]));
    expect(sup.connections()).toBe(1);
    stop();
    await vi.waitFor(() => expect(sup.sockets.size).toBe(0));
  });

  it('shares one connection between notifiers; it closes when the last one stops', async () => {
    const path = socketPath();
    const sup = await fakeSupervisor(path);
    const env = { HERALD_SUPERVISOR_SOCKET: path, HERALD_HEARTBEAT_MS: '20' };
    const a = startHeartbeat(env);
    const b = startHeartbeat(env);
    cleanup.push(a, b);
    await vi.waitFor(() => expect(sup.lines.length).toBeGreaterThanOrEqual(2), { timeout: 3000 });
    a();
    a(); // twice: still counts once
    const seen = sup.lines.length;
    await vi.waitFor(() => expect(sup.lines.length).toBeGreaterThan(seen + 1), { timeout: 3000 });
    expect(sup.connections()).toBe(1);
    b();
    await vi.waitFor(() => expect(sup.sockets.size).toBe(0));
  });

  it('reconnects quietly when the connection drops, and when the socket appears late', async () => {
    const path = socketPath();
    const stop = startHeartbeat({ HERALD_SUPERVISOR_SOCKET: path, HERALD_HEARTBEAT_MS: '20' });
    cleanup.push(stop);
    // Nothing listens yet: beats fail silently.
    await new Promise((r) => setTimeout(r, 60));
    const sup = await fakeSupervisor(path);
    await vi.waitFor(() => expect(sup.connections()).toBe(1), { timeout: 3000 });
    for (const s of sup.sockets) s.destroy();
    await vi.waitFor(() => expect(sup.connections()).toBe(2), { timeout: 3000 });
    const before = sup.lines.length;
    await vi.waitFor(() => expect(sup.lines.length).toBeGreaterThan(before), { timeout: 3000 });
  });

  it('never throws for a socket that cannot exist', () => {
    const stop = startHeartbeat({ HERALD_SUPERVISOR_SOCKET: '/nonexistent/dir/hb.sock', HERALD_HEARTBEAT_MS: 'soon' });
    expect(() => stop()).not.toThrow();
  });

  it('HERALD_HEARTBEAT_MS: default 1000, clamped to 10 ms … 60 s', () => {
    expect([undefined, '', 'x', '-5', '0', '5', '250', '999999'].map(heartbeatInterval)).toEqual([1000, 1000, 1000, 1000, 1000, 10, 250, 60_000]);
  });

  it('does not keep the process alive', async () => {
    const path = socketPath();
    const sup = await fakeSupervisor(path);
    const child = fileURLToPath(new URL('../fixtures/run-heartbeat-child.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url));
    const started = Date.now();
    const proc = spawn(process.execPath, ['--import', tsx, child], {
      env: { ...process.env, HERALD_SUPERVISOR_SOCKET: path, HERALD_HEARTBEAT_MS: '20' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    let out = '';
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const code = await new Promise<number | null>((r) => proc.on('close', (c) => r(c)));
    clearTimeout(killer);
    expect(code).toBe(0);
    expect(out).toBe('done\n');
    expect(sup.connections()).toBe(1);
    // tsx start-up included; a heartbeat that held the process would run into the 10 s kill.
    expect(Date.now() - started).toBeLessThan(8000);
  });
});
