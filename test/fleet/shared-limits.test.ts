/**
 * Rate limits shared through a real redis-server: two processes' stores (two connections, two
 * process ids) draw from the same buckets, a 429 block seen by one holds the other, and while
 * Redis is down each falls back to its own limits, saying so once, and back once.
 */
import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import type { RateBucket } from '../../src/channels/channel.js';
import { CONNECTION_OPTIONS, RedisLink } from '../../src/fleet/redis-link.js';
import { SharedRateLimits } from '../../src/fleet/shared-limits.js';
import { describeWithRedis } from '../setup/redis.js';

const clients: Redis[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
});

describeWithRedis('the shared rate limits (test/fleet/shared-limits.test.ts)', 'SharedRateLimits on a real redis-server', (redis) => {
  async function store(name: string, lines: string[] = [], commandTimeout: number = CONNECTION_OPTIONS.commandTimeout) {
    const client = new Redis(redis.server.url, { ...CONNECTION_OPTIONS, commandTimeout });
    clients.push(client);
    await new Promise<void>((resolve) => client.once('ready', () => resolve()));
    const link = RedisLink.wrap(client, (l) => void lines.push(l));
    return { limits: new SharedRateLimits(link, name), link, lines };
  }
  const unique = (b: Omit<RateBucket, 'key'>): RateBucket => ({ key: `test:${Math.random().toString(36).slice(2)}`, ...b });

  it('two processes draw from one token bucket: together they get its burst, then wait for the refill', async () => {
    const a = await store('a');
    const b = await store('b');
    const bucket = unique({ capacity: 3, intervalMs: 1000 });
    const waits = [];
    for (const s of [a, b, a, b]) waits.push(await s.limits.reserve([bucket], Date.now()));
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    // The fourth waits for about one interval (plus the store's margin), whichever process asks.
    expect(waits[3]).toBeGreaterThan(900);
    expect(waits[3]).toBeLessThanOrEqual(1000 + 40);
  });

  it('takes from every bucket of a request or from none (the bot bucket limits all chats)', async () => {
    const a = await store('a');
    const bot = unique({ capacity: 2, intervalMs: 60_000 });
    const chat1 = unique({ capacity: 5, intervalMs: 1000 });
    const chat2 = unique({ capacity: 5, intervalMs: 1000 });
    expect(await a.limits.reserve([chat1, bot], Date.now())).toBe(0);
    expect(await a.limits.reserve([chat2, bot], Date.now())).toBe(0);
    expect(await a.limits.reserve([chat1, bot], Date.now())).toBeGreaterThan(0);
    // chat1 gave nothing on the refused request: four of its five are left.
    const other = unique({ capacity: 100, intervalMs: 1 });
    for (let i = 0; i < 4; i++) expect(await a.limits.reserve([chat1, other], Date.now())).toBe(0);
    expect(await a.limits.reserve([chat1, other], Date.now())).toBeGreaterThan(0);
  });

  it('a rolling window (Telegram groups: 20 per minute) counts every process', async () => {
    const a = await store('a');
    const b = await store('b');
    const group = unique({ capacity: 20, intervalMs: 3000, windowMs: 60_000 });
    for (let i = 0; i < 20; i++) expect(await (i % 2 ? a : b).limits.reserve([group], Date.now())).toBe(0);
    const wait = await a.limits.reserve([group], Date.now());
    expect(wait).toBeGreaterThan(59_000);
    expect(wait).toBeLessThanOrEqual(60_040);
  });

  it("a block one process saw (a 429's retry_after) holds back the others", async () => {
    const a = await store('a');
    const b = await store('b');
    const bucket = unique({ capacity: 30, intervalMs: 33 });
    expect(await b.limits.reserve([bucket], Date.now())).toBe(0);
    await a.limits.block([bucket.key], Date.now() + 5000);
    const wait = await b.limits.reserve([bucket], Date.now());
    expect(wait).toBeGreaterThan(4500);
    expect(wait).toBeLessThanOrEqual(5000);
  });

  it("what a platform reports (Discord's remaining 0, reset in 2 s) applies to every process", async () => {
    const a = await store('a');
    const b = await store('b');
    const bucket = unique({ capacity: 5, intervalMs: 400 });
    expect(await a.limits.reserve([bucket], Date.now())).toBe(0);
    await a.limits.observe({ bucketKey: bucket.key, remaining: 0, resetAfterMs: 2000, limit: 5 }, Date.now());
    expect(await b.limits.reserve([bucket], Date.now())).toBeGreaterThan(1500);
  });

  it('Redis down: each process uses its own limits, says so once; back: shared again, said once', async () => {
    const lines: string[] = [];
    const a = await store('a', lines);
    const bucket = unique({ capacity: 1, intervalMs: 60_000 });
    expect(await a.limits.reserve([bucket], Date.now())).toBe(0);
    await redis.server.stop();
    // Refused at once (no offline queue): the local bucket answers, and it is full.
    const down = a.limits.reserve([bucket], Date.now());
    expect(await down).toBe(0);
    expect(await a.limits.reserve([bucket], Date.now())).toBeGreaterThan(0);
    expect(lines.filter((l) => l.includes('unreachable'))).toHaveLength(1);
    await redis.server.restart();
    await new Promise<void>((resolve) => a.link.onChange((up) => up && resolve()));
    expect(lines.at(-1)).toMatch(/^herald: Redis at redis:\/\/127\.0\.0\.1:\d+ is back; limits and queues are shared again\n$/);
    // Shared again: the bucket in Redis (kept by AOF) is still spent.
    expect(await a.limits.reserve([bucket], Date.now())).toBeGreaterThan(0);
    expect(lines).toHaveLength(2);
  });

  it('a slow Redis (answers later than the command timeout): own limits meanwhile, shared again once it answers, one line each', async () => {
    const lines: string[] = [];
    const a = await store('a', lines, 100);
    const bucket = unique({ capacity: 5, intervalMs: 1000 });
    expect(await a.limits.reserve([bucket], Date.now())).toBe(0);
    const admin = new Redis(redis.server.url);
    clients.push(admin);
    // Every client's commands wait 700 ms: this one gives up after 100 ms, on a connection that stays up.
    await admin.client('PAUSE', 700);
    expect(await a.limits.reserve([bucket], Date.now())).toBe(0);
    expect(lines.filter((l) => l.includes('is unreachable'))).toHaveLength(1);
    for (let i = 0; i < 100 && !lines.some((l) => l.includes('is back;')); i++) await new Promise((r) => setTimeout(r, 50));
    expect(lines.filter((l) => l.includes('is back;'))).toHaveLength(1);
    expect(a.link.healthy).toBe(true);
  });
});
