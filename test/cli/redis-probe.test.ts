/**
 * The raw RESP client and probe behind `herald doctor`'s Redis check, without a Redis: URL
 * reading, the RESP parser fed in pieces, and what the probe says about a peer that is not
 * Redis, a closed port, a server that never answers, and Ctrl-C. (Against a real redis-server:
 * test/cli/doctor-redis.test.ts.)
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  compareVersions,
  encodeCommand,
  median,
  parsePresence,
  parseRedisUrl,
  parseResp,
  probeRedis,
  RedisReplyError,
  RespConnection,
  RespProtocolError,
  type RedisTarget,
} from '../../src/cli/redis-probe.js';
import { closedPort } from './harness.js';

describe('parseRedisUrl', () => {
  it('reads scheme, host, port, database and credentials; shows none of the credentials', () => {
    expect(parseRedisUrl('redis://:p%40ss%2Fword@cache.internal:6380/2')).toEqual({
      tls: false,
      host: 'cache.internal',
      port: 6380,
      db: 2,
      password: 'p@ss/word',
      shown: 'redis://cache.internal:6380/2',
    });
    expect(parseRedisUrl('rediss://app:secret@[::1]')).toEqual({
      tls: true,
      host: '::1',
      port: 6379,
      db: 0,
      username: 'app',
      password: 'secret',
      shown: 'rediss://[::1]:6379/0',
    });
    expect(parseRedisUrl('redis://localhost/')).toMatchObject({ host: 'localhost', port: 6379, db: 0, shown: 'redis://localhost:6379/0' });
  });

  it('refuses what is not a Redis URL without quoting it (it may hold a password)', () => {
    for (const bad of ['http://u:hunter2secret@host', 'hunter2secret', 'redis://:hunter2secret@host/abc', 'redis://:hunter2secret@/0']) {
      const p = parseRedisUrl(bad);
      expect(p, bad).toHaveProperty('fix');
      expect(JSON.stringify(p)).not.toContain('hunter2');
    }
    expect(parseRedisUrl('http://host')).toMatchObject({ message: 'HERALD_REDIS_URL is a http:// URL, not redis://' });
  });
});

describe('RESP', () => {
  it('encodes commands as arrays of bulk strings (UTF-8 lengths in bytes)', () => {
    expect(encodeCommand(['SET', 'k', 'é', 15000]).toString()).toBe('*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\né\r\n$5\r\n15000\r\n');
  });

  it('parses every RESP2 type, and waits for the rest of a value cut anywhere', () => {
    const wire = Buffer.from('*5\r\n+OK\r\n:42\r\n$-1\r\n$5\r\nhe\r\nl\r\n*2\r\n-ERR inner\r\n*0\r\n');
    const whole = parseResp(wire);
    expect(whole?.end).toBe(wire.length);
    const [ok, n, nil, bulk, nested] = whole!.value as unknown[];
    expect([ok, n, nil, bulk]).toEqual(['OK', 42, null, 'he\r\nl']);
    expect((nested as unknown[])[0]).toBeInstanceOf(RedisReplyError);
    expect((nested as unknown[])[1]).toEqual([]);
    for (let cut = 1; cut < wire.length; cut++) expect(parseResp(wire.subarray(0, cut)), `cut at ${cut}`).toBeUndefined();
  });

  it('names what answered when it is not RESP', () => {
    expect(() => parseResp(Buffer.from('HTTP/1.1 400 Bad Request\r\n'))).toThrow(/not answer in the Redis protocol \(it sent "HTTP\/1\.1 400 Bad Request"\)/);
    expect(() => parseResp(Buffer.from('\x16\x03\x01'))).toThrow(RespProtocolError);
  });
});

describe('helpers', () => {
  it('median, version order, presence values', () => {
    expect(median([5, 1, 3, 2, 4])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(compareVersions('6.0.16', '6.2.0')).toBe(-1);
    expect(compareVersions('7.0.15', '6.2.0')).toBe(1);
    expect(compareVersions('6.2', '6.2.0')).toBe(0);
    expect(parsePresence('k', '{"pid":1,"host":"h","startedAt":2,"destinations":["a","a","b"]}')).toEqual({
      key: 'k',
      pid: 1,
      host: 'h',
      startedAt: 2,
      destinations: ['a', 'b'],
    });
    expect(parsePresence('k', '{"destinations":"a"}')).toBeUndefined();
    expect(parsePresence('k', '{"destinations":[1]}')).toBeUndefined();
    expect(parsePresence('k', 'nope')).toBeUndefined();
  });
});

describe('probeRedis without a Redis', () => {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
  });

  /** A loopback TCP server that answers every connection with `onData`'s reply (or nothing). */
  async function peer(onData: (socket: Socket) => void): Promise<number> {
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('data', () => onData(socket));
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return (server.address() as { port: number }).port;
  }

  const target = (port: number): RedisTarget => parseRedisUrl(`redis://127.0.0.1:${port}`) as RedisTarget;

  it('an HTTP server on the port: says it is not Redis and what it sent', async () => {
    const port = await peer((s) => s.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'));
    const probe = await probeRedis(target(port), { timeoutMs: 2000 });
    expect(probe).toEqual({
      ok: false,
      problem: {
        message: `redis://127.0.0.1:${port}/0: the server did not answer in the Redis protocol (it sent "HTTP/1.1 400 Bad Request")`,
        fix: expect.stringMatching(/another service, or a Redis that only speaks TLS \(then use rediss:\/\/\)/),
      },
    });
  });

  it('a closed port: connection refused', async () => {
    const port = await closedPort();
    const probe = await probeRedis(target(port), { timeoutMs: 2000 });
    expect(probe.ok).toBe(false);
    expect(!probe.ok && probe.problem.message).toMatch(/connection refused \(ECONNREFUSED\)/);
  });

  it('a server that accepts and never answers: a timeout naming the command, with the fix', async () => {
    const port = await peer(() => {});
    const t0 = Date.now();
    const probe = await probeRedis(target(port), { timeoutMs: 300 });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(!probe.ok && probe.problem).toMatchObject({
      message: expect.stringMatching(/no answer to PING within 0\.3 s/),
      fix: expect.stringMatching(/--timeout/),
    });
  });

  it('pipelined commands get their own replies, in order, across split packets', async () => {
    const port = await peer((s) => {
      // Two replies, cut mid-value, in separate writes.
      s.write('$3\r\nfo');
      setTimeout(() => s.write('o\r\n:7\r\n'), 20);
    });
    const conn = await RespConnection.connect({ host: '127.0.0.1', port, tls: false }, { timeoutMs: 2000 });
    try {
      const [a, b] = await Promise.all([conn.command('GET', 'x'), conn.command('INCR', 'y')]);
      expect([a, b]).toEqual(['foo', 7]);
    } finally {
      conn.close();
    }
  });

  it('Ctrl-C while waiting: rejects instead of reporting a problem', async () => {
    const port = await peer(() => {});
    const ac = new AbortController();
    const probing = probeRedis(target(port), { timeoutMs: 10_000, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(probing).rejects.toThrow(/aborted/);
  });
});
