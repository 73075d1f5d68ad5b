/**
 * A notifier with a durable outbox, on the real wire: what is not delivered at close is
 * delivered at the next start, first and in order, marked with its original time; one process
 * per outbox; the memory budget waits on disk instead of dropping; a destination gone from the
 * configuration is reported.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';
import { createNotifier, HeraldConfigError, type Notifier, type NotifierOptions, type WarningEvent, type FailedEvent } from '../../src/index.js';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0';
const CHAT = '-1001234567890';
let server: FakePlatformServer;
const open: Notifier[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  server = await FakePlatformServer.start();
});
afterAll(() => server.close());
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(open.splice(0).map((n) => n.close(200)));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  server.reset();
});

function outboxPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'herald-notifier-outbox-'));
  dirs.push(d);
  return join(d, 'outbox');
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function start(base: string, path: string, options: NotifierOptions = {}) {
  const warnings: WarningEvent[] = [];
  const failed: FailedEvent[] = [];
  const reports: string[] = [];
  const n = createNotifier({
    env: { TELEGRAM_API_BASE_URL: base, GENERAL_TELEGRAM_BOT_TOKEN: TOKEN, GENERAL_TELEGRAM_BOT_CHAT_ID: CHAT },
    outbox: { path, fsync: 'batch' },
    diagnostics: (l) => void reports.push(l),
    drainOnExit: false,
    delivery: { backoff: { baseMs: 50, factor: 2, maxMs: 100, jitter: 0 } },
    ...options,
  });
  n.on('warning', (w) => warnings.push(w));
  n.on('failed', (f) => failed.push(f));
  open.push(n);
  return { n, warnings, failed, reports };
}

describe('notifier with an outbox', () => {
  it('what close() could not deliver is delivered at the next start, first, in order, with its original time', async () => {
    const path = outboxPath();
    // The same bot and chat (a destination's key), unreachable in the first run.
    server.inject({ platform: 'telegram' }, { status: 502, body: 'Bad Gateway' }, Infinity);
    const down = start(server.telegramBaseUrl, path);
    for (let i = 1; i <= 5; i++) down.n.log(`kept ${i}`);
    await down.n.close(300);
    server.reset();
    expect(down.warnings.find((w) => w.code === 'undelivered-at-exit')!.message).toMatch(
      new RegExp(`^5 notifications could not be delivered before shutdown: .*; kept in the outbox ${path}, delivered at the next start$`),
    );
    const up = start(server.telegramBaseUrl, path);
    up.n.log('new after restart');
    await up.n.flush();
    const lines = server.messagesFor('telegram', CHAT).flatMap((m) => m.text.split('\n'));
    expect(lines.filter((l) => !l.startsWith('⏱'))).toEqual(['kept 1', 'kept 2', 'kept 3', 'kept 4', 'kept 5', 'new after restart']);
    expect(lines.filter((l) => l.startsWith('⏱'))).toHaveLength(5);
    expect(lines[0]).toMatch(/^⏱ \d\d:\d\d:\d\d, delayed \d+ s by a restart$/);
    await up.n.close(1000);
    // All done: the file is back to its header, and a third start sends nothing.
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
    const sent = server.messagesFor('telegram', CHAT).length;
    const third = start(server.telegramBaseUrl, path);
    await third.n.flush();
    expect(server.messagesFor('telegram', CHAT)).toHaveLength(sent);
  });

  it('a second notifier on the same outbox gets a clear start-up error', () => {
    const path = outboxPath();
    start(server.telegramBaseUrl, path);
    expect(() => start(server.telegramBaseUrl, path)).toThrow(HeraldConfigError);
    try {
      start(server.telegramBaseUrl, path);
    } catch (e) {
      expect((e as HeraldConfigError).problems).toEqual([
        {
          variable: 'HERALD_OUTBOX',
          message: `the outbox ${path} is in use by process ${process.pid}`,
          fix: expect.stringContaining('one process per outbox'),
        },
      ]);
    }
  });

  it('HERALD_OUTBOX turns it on from the environment; a bad HERALD_OUTBOX_FSYNC is a config problem', async () => {
    const path = outboxPath();
    const n = createNotifier({ env: { HERALD_OUTBOX: path }, console: () => {}, drainOnExit: false });
    open.push(n);
    n.log('to the console, through the outbox');
    await n.flush();
    expect(readFileSync(path, 'utf8')).toContain('"d":["console"]');
    expect(() => createNotifier({ env: { HERALD_OUTBOX: outboxPath(), HERALD_OUTBOX_FSYNC: 'sometimes' }, drainOnExit: false })).toThrow(
      /HERALD_OUTBOX_FSYNC: "sometimes" is not a setting/,
    );
  });

  it('a target written without a secret is found again after the restart', async () => {
    const path = outboxPath();
    // The webhook's key is its id: the same webhook, unreachable in the first run.
    const down = start(server.telegramBaseUrl, path, {
      env: { OPS: server.discordWebhookUrl('1000000000000000009', 'opstoken').replace(String(server.url), `http://127.0.0.1:${await closedPort()}`) },
    });
    down.n.log('to ops', 'OPS');
    await down.n.close(200);
    expect(readFileSync(path, 'utf8')).not.toContain('opstoken');
    const up = start(server.telegramBaseUrl, path, { env: { OPS: server.discordWebhookUrl('1000000000000000009', 'opstoken') } });
    await up.n.flush();
    expect(server.messagesFor('discord', '1000000000000000009').map((m) => m.text)).toEqual([expect.stringMatching(/^⏱ .* by a restart\nto ops$/)]);
  });

  it('a destination gone from the configuration is reported after a minute, not silently skipped', async () => {
    const path = outboxPath();
    server.inject({ platform: 'telegram' }, { status: 502, body: 'Bad Gateway' }, Infinity);
    const down = start(server.telegramBaseUrl, path);
    down.n.log('for a chat that will be gone');
    await down.n.close(200);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const failed: FailedEvent[] = [];
    const n = createNotifier({ env: {}, outbox: { path }, console: () => {}, diagnostics: () => {}, drainOnExit: false });
    open.push(n);
    n.on('failed', (f) => failed.push(f));
    await vi.advanceTimersByTimeAsync(59_000);
    expect(failed).toEqual([]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(failed).toEqual([
      expect.objectContaining({
        cause: 'disabled',
        seqs: [1],
        reason: expect.stringMatching(/^destination telegram:[0-9a-f]+:-1001234567890 from the outbox is not configured in this run \(waited 60 s for it\)$/),
      }),
    ]);
  });

  it('with an outbox the memory budget waits on disk instead of dropping', async () => {
    const path = outboxPath();
    const dropped: number[] = [];
    const { n } = start(server.telegramBaseUrl, path, { delivery: { maxQueueBytes: 4_000, backoff: { baseMs: 50, factor: 2, maxMs: 100, jitter: 0 } } });
    n.on('dropped', (d) => dropped.push(d.count));
    for (let i = 1; i <= 80; i++) n.log(`#${i} ${'p'.repeat(80)}`);
    await n.flush();
    expect(dropped).toEqual([]);
    const ids = server
      .messagesFor('telegram', CHAT)
      .flatMap((m) => m.text.split('\n'))
      .map((l) => Number(/^#(\d+)/.exec(l)?.[1]));
    expect(ids).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
  }, 60_000);
});
