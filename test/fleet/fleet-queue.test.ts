/**
 * The fleet queue on a real redis-server, with real notifiers delivering to the local fake
 * Telegram (real limits): one destination's notifications from several processes leave through
 * whichever holds its lease, coalesced, each once, in order per process.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Channel } from '../../src/channels/channel.js';
import { makeEntry, type OutboxEntry } from '../../src/delivery/entry.js';
import { FleetQueue, type FleetTiming } from '../../src/fleet/fleet-queue.js';
import { CONNECTION_OPTIONS, RedisLink } from '../../src/fleet/redis-link.js';
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
      diagnostics: (l) => void lines.push(l),
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

  it('Redis stopped: notifications go out from this process, one line says so; restarted: shared again, one line', async () => {
    const lines: string[] = [];
    const a = notifier(lines);
    await processes(1);
    await redis.server.stop();
    a.n.log('while Redis is down');
    await expect(a.n.flush(5000)).resolves.toMatchObject({ complete: true });
    expect(platforms.messagesFor('telegram', CHAT).map((m) => m.text)).toEqual(['while Redis is down']);
    expect(lines.filter((l) => l.includes('is unreachable'))).toHaveLength(1);
    await redis.server.restart();
    const back = (l: string) => l.includes('is back; limits and queues are shared again');
    for (let i = 0; i < 400 && !lines.some(back); i++) await new Promise((r) => setTimeout(r, 25));
    expect(lines.filter(back)).toHaveLength(1);
    a.n.log('after Redis is back');
    await expect(a.n.flush(5000)).resolves.toMatchObject({ complete: true });
    expect(platforms.messagesFor('telegram', CHAT).map((m) => m.text)).toEqual(['while Redis is down', 'after Redis is back']);
    expect(lines, JSON.stringify(lines)).toHaveLength(2);
  });

  describe('FleetQueue on its own, with short leases', () => {
    const FAST: Partial<FleetTiming> = { leaseTtlMs: 400, leaseRenewMs: 100, claimAfterMs: 100, claimIdleMs: 400, orphanAfterMs: 1000, orphanScanMs: 100 };
    const X = { id: 'test-dest-x', label: 'destination x', processLocal: false } as unknown as Channel;
    const queues: FleetQueue[] = [];
    const conns: Redis[] = [];
    afterEach(async () => {
      await Promise.all(queues.splice(0).map((q) => q.close().catch(() => {})));
      for (const c of conns.splice(0)) c.disconnect();
    });

    async function fleetQueue(name: string, known: Channel[], settle: boolean) {
      const client = new Redis(redis.server.url, CONNECTION_OPTIONS);
      conns.push(client);
      await new Promise<void>((resolve) => client.once('ready', () => resolve()));
      const link = RedisLink.wrap(client, () => {});
      const got: OutboxEntry[] = [];
      const alerts: string[] = [];
      let seq = 0;
      const q: FleetQueue = new FleetQueue({
        link,
        processId: name,
        reader: link.duplicate(),
        known: () => known,
        lane: () => ({
          enqueue(e) {
            got.push(e);
            if (settle) setImmediate(() => q.settled(e.seq, X.id));
          },
          backlog: 0,
        }),
        enqueueHere: () => {
          throw new Error('Redis is up: nothing should stay local');
        },
        nextSeq: () => ++seq,
        report: () => {},
        alert: (t) => void alerts.push(t),
        label: (d) => (d === X.id ? X.label : d),
        timing: FAST,
      });
      queues.push(q);
      q.start();
      return { q, got, alerts, client };
    }
    const until = async (cond: () => boolean, what: string) => {
      for (let i = 0; i < 300 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
      if (!cond()) throw new Error(`timed out waiting for ${what}`);
    };
    const entry = (text: string) => makeEntry(0, text, 'info', false, Date.now());

    it('a holder that dies with entries read but not delivered: the next holder claims them and delivers them first, in order', async () => {
      const a = await fleetQueue('proc-a', [X], false);
      for (let i = 0; i < 100 && (await raw.get('herald:lease:test-dest-x')) !== 'proc-a'; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await raw.get('herald:lease:test-dest-x')).toBe('proc-a');
      for (const t of ['one', 'two', 'three']) a.q.offer(entry(t), [X]);
      await until(() => a.got.length === 3, "a's lane to read the three");
      // a dies: its connections drop, nothing is acknowledged or released.
      a.client.disconnect();
      const b = await fleetQueue('proc-b', [X], true);
      await until(() => b.got.length === 3, 'b to claim the three');
      b.q.offer(entry('four'), [X]);
      await until(() => b.got.length === 4, 'b to read the new one');
      expect(b.got.map((e) => e.text)).toEqual(['one', 'two', 'three', 'four']);
      // Delivered by b: acknowledged and deleted.
      for (let i = 0; i < 50 && (await raw.xlen('herald:q:test-dest-x')) > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await raw.xlen('herald:q:test-dest-x')).toBe(0);
    });

    it('entries no running process knows are reported once for the whole fleet, with the count', async () => {
      const key = 'herald:q:gone-dest';
      await raw.xgroup('CREATE', key, 'herald', '0', 'MKSTREAM');
      const old = Date.now() - 600_000;
      await raw.xadd(key, `${old}-0`, 'e', JSON.stringify({ t: 'lost?', l: 'info', s: false, c: old }));
      await raw.xadd(key, `${old}-1`, 'e', JSON.stringify({ t: 'lost too?', l: 'info', s: false, c: old }));
      const b = await fleetQueue('proc-b', [X], true);
      const c = await fleetQueue('proc-c', [X], true);
      await until(() => b.alerts.length + c.alerts.length > 0, 'the report');
      await new Promise((r) => setTimeout(r, 400));
      const all = [...b.alerts, ...c.alerts];
      expect(all).toHaveLength(1);
      expect(all[0]).toBe(
        `⚠️ 2 notifications for gone-dest have waited in Redis since ${new Date(old).toISOString()}: no running Herald process is configured for that destination. Start one that is, or delete ${key}.`,
      );
    });
  });
});
