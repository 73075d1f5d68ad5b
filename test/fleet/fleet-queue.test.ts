/**
 * The fleet queue on a real redis-server, with real notifiers delivering to the local fake
 * Telegram (real limits): one destination's notifications from several processes leave through
 * whichever holds its lease, coalesced, each once, in order per process.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createNotifier, type Notifier } from '../../src/index.js';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';
import { describeWithRedis } from '../setup/redis.js';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0';
const CHAT = '-1001234567890';

let platforms: FakePlatformServer;
beforeAll(async () => {
  platforms = await FakePlatformServer.start();
});
afterAll(() => platforms.close());

describeWithRedis('the fleet queue (test/fleet/fleet-queue.test.ts)', 'the fleet queue on a real redis-server', (redis) => {
  const notifiers: Notifier[] = [];
  let raw: Redis;
  beforeAll(() => {
    raw = new Redis(redis.server.url);
  });
  afterAll(() => raw.disconnect());
  afterEach(async () => {
    await Promise.all(notifiers.splice(0).map((n) => n.close(5000)));
    platforms.reset();
    await raw.flushall();
  });

  function notifier(lines: string[] = []) {
    const n = createNotifier({
      env: {
        TELEGRAM_API_BASE_URL: platforms.telegramBaseUrl,
        GENERAL_TELEGRAM_BOT_TOKEN: TOKEN,
        GENERAL_TELEGRAM_BOT_CHAT_ID: CHAT,
        HERALD_REDIS_URL: redis.server.url,
      },
      drainOnExit: false,
      report: (l) => void lines.push(l),
    });
    notifiers.push(n);
    const delivered: number[] = [];
    n.on('delivered', (e) => void delivered.push(...e.seqs));
    return { n, delivered, lines };
  }

  /** Waits until `count` processes announce themselves (connected, sharing). */
  async function processes(count: number): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const [, keys] = await raw.scan('0', 'MATCH', 'herald:proc:*', 'COUNT', 100);
      if (keys.length >= count) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`fewer than ${count} processes in Redis`);
  }

  it('two processes, one chat: every notification once, through one sender, coalesced, in order per process', async () => {
    const a = notifier();
    const b = notifier();
    await processes(2);
    for (let i = 1; i <= 10; i++) {
      a.n.log(`a${i}`);
      b.n.log(`b${i}`);
    }
    const [ra, rb] = await Promise.all([a.n.flush(10_000), b.n.flush(10_000)]);
    expect(ra.complete && rb.complete).toBe(true);
    const lines = platforms.messagesFor('telegram', CHAT).flatMap((m) => m.text.split('\n'));
    expect([...lines].sort()).toEqual([...Array.from({ length: 10 }, (_, i) => `a${i + 1}`), ...Array.from({ length: 10 }, (_, i) => `b${i + 1}`)].sort());
    expect(lines.filter((l) => l.startsWith('a'))).toEqual(Array.from({ length: 10 }, (_, i) => `a${i + 1}`));
    expect(lines.filter((l) => l.startsWith('b'))).toEqual(Array.from({ length: 10 }, (_, i) => `b${i + 1}`));
    // One process delivered all twenty; the chat saw few messages and no 429.
    expect([a.delivered.length, b.delivered.length].sort((x, y) => x - y)).toEqual([0, 20]);
    expect(platforms.messagesFor('telegram', CHAT).length).toBeLessThanOrEqual(4);
    expect(platforms.rateLimited()).toBe(0);
    // Delivered entries are gone from Redis.
    const [, streams] = await raw.scan('0', 'MATCH', 'herald:q:*');
    for (const s of streams) expect(await raw.xlen(s)).toBe(0);
  });

  it('nothing secret in Redis: keys and entries carry destination keys and texts, never the token', async () => {
    const a = notifier();
    await processes(1);
    a.n.log('hello');
    await a.n.flush(5000);
    const keys = await raw.keys('*');
    const values = await Promise.all(keys.map(async (k) => `${k} ${JSON.stringify(await raw.dump(k))}`));
    expect(values.join('\n')).not.toContain(TOKEN);
    expect(values.join('\n')).not.toContain(TOKEN.split(':')[1]!);
  });
});
