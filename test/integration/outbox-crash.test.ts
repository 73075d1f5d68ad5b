/**
 * Nothing lost to kill -9: a child sends 500 notifications to three destinations through an
 * outbox, against the local server with the platforms' real limits, and is killed with SIGKILL
 * mid-burst; started again on the same outbox, it delivers the rest. Every notification
 * arrives, in order per destination, and the only repeats are the batch that was in flight.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakePlatformServer, type ReceivedMessage } from '../../src/sandbox/fake-platforms.js';
import { startOutboxChild, until } from '../fixtures/outbox-run.js';

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

const start = (mode: 'send' | 'resume', outbox: string) => startOutboxChild(server.url, mode, outbox, COUNT);

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
