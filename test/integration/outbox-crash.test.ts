/**
 * Nothing lost to kill -9: a child sends 500 notifications to three destinations through an
 * outbox, against the local server with the platforms' real limits, and is killed with SIGKILL
 * mid-burst; started again on the same outbox, it delivers the rest. Every notification
 * arrives, in order per destination, and the only repeats are the batch that was in flight.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakePlatformServer, type ReceivedMessage } from '../../src/sandbox/fake-platforms.js';

const child = fileURLToPath(new URL('../fixtures/outbox-child.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url));
const COUNT = 500;
let server: FakePlatformServer;
let dir: string;

beforeAll(async () => {
  server = await FakePlatformServer.start();
  dir = mkdtempSync(join(tmpdir(), 'herald-crash-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function start(mode: 'send' | 'resume', outbox: string): { proc: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const proc = spawn(process.execPath, ['--import', tsx, child], {
    env: { PATH: process.env.PATH ?? '', HERALD_TEST_SERVER: server.url, OUTBOX: outbox, MODE: mode, COUNT: String(COUNT) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const killer = setTimeout(() => proc.kill('SIGKILL'), 90_000);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    proc.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { proc, done };
}

async function until(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Notification ids in each message, per destination. */
function idsByMessage(platform: 'telegram' | 'discord' | 'slack'): number[][] {
  return server.messagesFor(platform).map((m: ReceivedMessage) => [...m.text.matchAll(/fill #(\d+) /g)].map((x) => Number(x[1])));
}

describe('the outbox across kill -9', () => {
  it('every notification arrives, in order per destination; only the batch in flight may repeat', async () => {
    const outbox = join(dir, 'outbox');
    const first = start('send', outbox);
    // Kill it mid-burst: once every destination has some, and well before all could arrive.
    await until(() => (['telegram', 'discord', 'slack'] as const).every((p) => server.messagesFor(p).length >= 2));
    first.proc.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stdout).not.toContain('delivered everything');
    const beforeRestart = Object.fromEntries((['telegram', 'discord', 'slack'] as const).map((p) => [p, idsByMessage(p).flat().length]));
    for (const n of Object.values(beforeRestart)) expect(n).toBeLessThan(COUNT);

    const second = start('resume', outbox);
    const resumed = await second.done;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('resumed: complete');

    const summary: Record<string, { delivered: number; duplicates: number; before: number }> = {};
    for (const platform of ['telegram', 'discord', 'slack'] as const) {
      const messages = idsByMessage(platform);
      const all = messages.flat();
      const unique = new Set(all);
      expect(unique.size, platform).toBe(COUNT);
      // In order: ids never go back, except when the in-flight batch is sent again.
      const repeats = all.length - unique.size;
      const firstRun = messages.findIndex((_, i) => messages.slice(0, i + 1).flat().length >= beforeRestart[platform]!);
      const inFlight = messages[firstRun] ?? [];
      const deduped = all.filter((id, i) => all.indexOf(id) === i);
      expect(deduped, platform).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
      expect(repeats, platform).toBeLessThanOrEqual(inFlight.length);
      summary[platform] = { delivered: unique.size, duplicates: repeats, before: beforeRestart[platform]! };
    }
    console.log(`outbox across kill -9 (${COUNT} notifications): ${JSON.stringify(summary)}`);
  }, 120_000);
});
