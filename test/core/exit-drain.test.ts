/**
 * pino-style exit drain, tested the only honest way: a real child process sends a burst and
 * exits (or is signalled) without calling close(); a real server counts what arrived.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';

const child = fileURLToPath(new URL('../fixtures/burst-child.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url));
let server: FakePlatformServer;

beforeAll(async () => {
  // These tests are about draining at exit, not about the platforms' limits (Herald's own
  // pacing still applies): a server that never answers 429 on its own keeps them quick.
  server = await FakePlatformServer.start({
    limits: {
      telegramPerChat: { burst: 1000, perSecond: 1000 },
      telegramPerGroupPerMinute: 100_000,
      telegramPerBotPerSecond: 1000,
      discordPerWebhook: { limit: 1000, windowMs: 1000 },
      slackPerWebhook: { burst: 1000, perSecond: 1000 },
    },
  });
});
afterAll(() => server.close());

/** Children still running; killed after each test so a failed assertion leaves no process behind. */
const live = new Set<ChildProcess>();
afterEach(async () => {
  await Promise.all(
    [...live].map(
      (c) =>
        new Promise<void>((resolve) => {
          c.once('close', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
});

function run(env: Record<string, string>, onStdout?: (s: string, kill: (sig: NodeJS.Signals) => void) => void) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', `file://${tsx}`, child], {
      env: { PATH: process.env.PATH!, HERALD_TEST_SERVER: server.url, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(p);
    // A hang fails the test (SIGKILL shows in `signal`) instead of holding the suite.
    const killer = setTimeout(() => p.kill('SIGKILL'), 20_000);
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.stdout.on('data', (d) => onStdout?.(String(d), (sig) => p.kill(sig)));
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearTimeout(killer);
      live.delete(p);
      resolve({ code, signal, stderr });
    });
  });
}

/** Notification numbers found in every message a platform received (coalesced ones too). */
function numbers(platform: 'telegram' | 'discord' | 'slack'): number[] {
  return server.messagesFor(platform).flatMap((m) => [...m.text.matchAll(/fill #(\d+)/g)].map((x) => Number(x[1])));
}

describe('drain at exit', () => {
  it('delivers a burst from a process that simply ends', async () => {
    server.reset();
    const r = await run({ BURST: '200' });
    expect(r.code).toBe(0);
    const all = Array.from({ length: 200 }, (_, i) => i);
    for (const p of ['telegram', 'discord', 'slack'] as const) expect(numbers(p)).toEqual(all);
    expect(r.stderr).toBe('');
  }, 30_000);

  it('drains on SIGTERM, then exits by the signal', async () => {
    server.reset();
    const r = await run({ BURST: '60', MODE: 'signal' }, (s, kill) => s.includes('ready') && kill('SIGTERM'));
    expect(r.signal).toBe('SIGTERM');
    const all = Array.from({ length: 60 }, (_, i) => i);
    for (const p of ['telegram', 'discord', 'slack'] as const) expect(numbers(p)).toEqual(all);
  }, 30_000);

  it('keeps the process alive while flush() waits on a rate limit, even without the exit drain', async () => {
    server.reset();
    server.inject({ platform: 'slack' }, { status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } });
    const r = await run({ MODE: 'flush-no-drain' });
    expect(r.code).toBe(0);
    expect(numbers('slack')).toEqual([0, 1]);
    expect(r.stderr).toBe('');
  }, 30_000);

  it('delivers the repeat count of a storm when the process simply ends', async () => {
    server.reset();
    const r = await run({ MODE: 'storm', BURST: '7' });
    expect(r.code).toBe(0);
    expect(server.messagesFor('discord').map((m) => m.text)).toEqual(['exchange timeout', '🔁 ×7 in the last 60 s: exchange timeout']);
  }, 30_000);

  it('leaves the notifier open when the host handles SIGINT itself, so its last messages arrive', async () => {
    server.reset();
    const r = await run({ BURST: '3', MODE: 'host-signal' }, (s, kill) => s.includes('ready') && kill('SIGINT'));
    expect(r.code).toBe(0);
    expect(numbers('telegram')).toEqual([0, 1, 2, 900, 901]);
    expect(r.stderr).toBe('');
  }, 30_000);

  it('reports on stderr what could not be delivered by the deadline, to where, redacted', async () => {
    server.reset();
    server.inject({ platform: 'slack' }, { status: 503, body: 'unavailable' }, 1000);
    const r = await run({ BURST: '5', HERALD_EXIT_DEADLINE_MS: '300' });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/could not be delivered before shutdown: 5 to Slack webhook T000\/B000\/XX…/);
    expect(r.stderr).not.toContain('XXXXXXXX');
    expect(numbers('telegram')).toEqual([0, 1, 2, 3, 4]);
    expect(numbers('discord')).toEqual([0, 1, 2, 3, 4]);
    expect(numbers('slack')).toEqual([]);
  }, 30_000);
});
