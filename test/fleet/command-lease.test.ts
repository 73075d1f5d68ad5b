/**
 * The command-polling lease on a real redis-server: one holder per bot, the key never holds the
 * token, a holder that stops renewing is replaced within about the lease's lifetime, and a
 * release hands over at once. Then two command bots on the fake Telegram share one lease: only
 * the holder polls (no 409), and the other answers once the holder stops.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startCommandBot, type CommandBot } from '../../src/commands/command-bot.js';
import { CommandLease, commandLeaseKey } from '../../src/fleet/command-lease.js';
import { CONNECTION_OPTIONS } from '../../src/fleet/redis-link.js';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';
import { describeWithRedis } from '../setup/redis.js';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0';
const OTHER_TOKEN = '987654321:BBHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9';
const GROUP = '-1001234567890';

const clients: Redis[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describeWithRedis('the command-polling lease (test/fleet/command-lease.test.ts)', 'CommandLease on a real redis-server', (redis) => {
  async function client(): Promise<Redis> {
    const c = new Redis(redis.server.url, CONNECTION_OPTIONS);
    clients.push(c);
    await new Promise<void>((resolve) => c.once('ready', () => resolve()));
    return c;
  }
  /** A token of the right shape no other test uses, so tests do not share a key. */
  const freshToken = (): string => `${Math.floor(Math.random() * 1e9)}:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0`;

  it('two leases on one bot: one holder; the key is a fingerprint of the token and holds the holder', async () => {
    const token = freshToken();
    const a = new CommandLease({ client: await client(), token, holder: 'a', ttlMs: 2000 });
    const b = new CommandLease({ client: await client(), token, holder: 'b', ttlMs: 2000 });
    expect(await a.hold()).toBe(true);
    expect(await b.hold()).toBe(false);
    expect(await a.hold()).toBe(true); // a renewal
    expect(await b.hold()).toBe(false);
    expect(a.key).toBe(commandLeaseKey(token));
    expect(a.key).not.toContain(token.split(':')[1]);
    expect(a.key).toMatch(/^herald:commands:[0-9a-f]{12}$/);
    expect(await redis.server.command('GET', a.key)).toBe('a');
    const ttl = Number(await redis.server.command('PTTL', a.key));
    expect(ttl).toBeGreaterThan(1000);
    expect(ttl).toBeLessThanOrEqual(2000);
    // Another bot has its own lease.
    const other = new CommandLease({ client: await client(), token: OTHER_TOKEN, holder: 'b', ttlMs: 2000 });
    expect(other.key).not.toBe(a.key);
    expect(await other.hold()).toBe(true);
    await other.release();
  });

  it('renewals keep the lease past its lifetime; when the holder stops renewing, the other takes over within about that lifetime', async () => {
    const token = freshToken();
    const a = new CommandLease({ client: await client(), token, holder: 'a', ttlMs: 400 });
    const b = new CommandLease({ client: await client(), token, holder: 'b', ttlMs: 400 });
    expect(await a.hold()).toBe(true);
    for (let i = 0; i < 6; i++) {
      await sleep(a.renewMs);
      expect(await a.hold()).toBe(true);
      expect(await b.hold()).toBe(false);
    }
    const stoppedAt = Date.now();
    let tookAt = 0;
    while (Date.now() - stoppedAt < 3000) {
      if (await b.hold()) {
        tookAt = Date.now();
        break;
      }
      await sleep(20);
    }
    expect(tookAt - stoppedAt).toBeGreaterThan(200);
    expect(tookAt - stoppedAt).toBeLessThan(900);
    // The old holder finds it gone and cannot renew it back.
    expect(await a.hold()).toBe(false);
    expect(await redis.server.command('GET', a.key)).toBe('b');
  });

  it('a release hands over at once; a release by a process that does not hold it changes nothing', async () => {
    const token = freshToken();
    const a = new CommandLease({ client: await client(), token, holder: 'a', ttlMs: 10_000 });
    const b = new CommandLease({ client: await client(), token, holder: 'b', ttlMs: 10_000 });
    expect(await a.hold()).toBe(true);
    await b.release();
    expect(await b.hold()).toBe(false);
    await a.release();
    expect(await b.hold()).toBe(true);
    await b.release();
  });

  it('a Redis that does not answer gives no lease, and no error', async () => {
    const dead = new Redis({ ...CONNECTION_OPTIONS, port: 1, lazyConnect: true, retryStrategy: () => null });
    dead.on('error', () => {});
    clients.push(dead);
    const lease = new CommandLease({ client: dead, token: freshToken() });
    expect(await lease.hold()).toBe(false);
    await expect(lease.release()).resolves.toBeUndefined();
  });

  describe('two command bots sharing the lease', () => {
    let server: FakePlatformServer;
    const bots: CommandBot[] = [];
    beforeAll(async () => {
      server = await FakePlatformServer.start();
    });
    afterAll(async () => {
      await Promise.all(bots.splice(0).map((b) => b.stop()));
      await server.close();
    });

    it('only the holder polls (no 409); when it stops, the other answers', async () => {
      const lines: string[] = [];
      const answered: string[] = [];
      const bot = async (name: string) => {
        const lease = new CommandLease({ client: await client(), token: TOKEN, holder: name, ttlMs: 600 });
        const b = startCommandBot({
          token: TOKEN,
          baseUrl: server.telegramBaseUrl,
          allowedChats: [GROUP],
          handlers: {
            status: () => {
              answered.push(name);
              return `status from ${name}`;
            },
            report: () => {},
            mute: () => '',
            unmute: () => '',
          },
          report: (l) => void lines.push(l),
          alert: (t) => void lines.push(t),
          lease,
        });
        bots.push(b);
        return b;
      };
      const a = await bot('a');
      await vi.waitFor(async () => expect(await redis.server.command('GET', commandLeaseKey(TOKEN))).toBe('a'));
      await bot('b');
      const write = (id: number) =>
        server.pushUpdate({
          message: { message_id: id, date: Math.floor(Date.now() / 1000), chat: { id: Number(GROUP), type: 'supergroup' }, text: '/status' },
        });
      write(1);
      await vi.waitFor(() => expect(server.messagesFor('telegram', GROUP)).toHaveLength(1));
      await a.stop(); // releases: b takes over at its next renewal
      write(2);
      await vi.waitFor(() => expect(server.messagesFor('telegram', GROUP)).toHaveLength(2), { timeout: 5000 });
      expect(answered).toEqual(['a', 'b']);
      expect(server.messagesFor('telegram', GROUP).map((m) => m.text)).toEqual(['status from a', 'status from b']);
      expect(server.events.filter((e) => e.status === 409)).toEqual([]);
      expect(lines).toEqual([]);
    });
  });
});
