/**
 * The redis-server test fixture itself (test/fixtures/redis-server.ts): it starts, answers over
 * a raw socket, keeps its data across a restart with AOF (and loses it without, as a Redis
 * without persistence does), comes back after SIGKILL, cleans up, and dies with its owner.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RedisReplyError } from '../../src/cli/redis-probe.js';
import { RedisServer } from '../fixtures/redis-server.js';
import { describeWithRedis, redisAvailable } from './redis.js';

const WHAT = 'the redis-server fixture tests (test/setup/redis-server.test.ts)';

/** Sends raw bytes and collects the answer until `until` matches it (no client library involved). */
function raw(port: number, bytes: string, until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let got = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer matching ${until} (got ${JSON.stringify(got)})`));
    }, 5000);
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      got += d;
      if (until.test(got)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(got);
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.write(bytes);
  });
}

/** The error code connecting to `port` gives, or 'connected'. */
function connectResult(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** True while a process with this pid runs (a zombie nobody reaped yet counts as gone: it is dead). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ...": the state follows the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

describeWithRedis(WHAT, 'RedisServer (test fixture)', (redis) => {
  it('listens on 127.0.0.1 at its url and answers PING in RESP over a raw socket', async () => {
    const { server } = redis;
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await raw(server.port, '*1\r\n$4\r\nPING\r\n', /\r\n$/)).toBe('+PONG\r\n');
    // Inline command form too: this is a real Redis, not something that only knows PING.
    expect(await raw(server.port, 'ECHO hello\r\n', /hello\r\n$/)).toBe('$5\r\nhello\r\n');
    expect(await server.command('CONFIG', 'GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await server.command('CONFIG', 'GET', 'bind')).toEqual(['bind', '127.0.0.1']);
  });

  it('restart keeps the data (AOF) on the same port', async () => {
    const { server } = redis;
    await server.command('SET', 'fixture:kept', 'v1');
    const pid = server.pid!;
    await server.restart();
    expect(server.pid).not.toBe(pid);
    expect(alive(pid)).toBe(false);
    expect(await server.command('GET', 'fixture:kept')).toBe('v1');
  });

  it('after SIGKILL the process is gone, the port refuses, and a restart brings the acknowledged data back', async () => {
    const { server } = redis;
    await server.command('SET', 'fixture:killed', 'v2');
    const pid = server.pid!;
    await server.kill();
    expect(server.running).toBe(false);
    expect(alive(pid)).toBe(false);
    expect(await connectResult(server.port)).toBe('ECONNREFUSED');
    await server.restart();
    // Redis write(2)s the AOF before it replies: a killed server loses nothing it acknowledged.
    expect(await server.command('GET', 'fixture:killed')).toBe('v2');
  });
});

describeWithRedis(
  WHAT,
  'RedisServer without AOF',
  (redis) => {
    it('loses everything on restart, as a Redis without persistence does', async () => {
      const { server } = redis;
      expect(await server.command('CONFIG', 'GET', 'appendonly')).toEqual(['appendonly', 'no']);
      await server.command('SET', 'fixture:lost', 'v');
      await server.restart();
      expect(await server.command('GET', 'fixture:lost')).toBeNull();
    });
  },
  { appendonly: false },
);

describeWithRedis(
  WHAT,
  'RedisServer with a password',
  (redis) => {
    it('refuses commands without AUTH; its url and command() authenticate', async () => {
      const { server } = redis;
      expect(server.url).toBe(`redis://:s3cr%40t-pass@127.0.0.1:${server.port}`);
      expect(await raw(server.port, '*1\r\n$4\r\nPING\r\n', /\r\n$/)).toMatch(/^-NOAUTH/);
      expect(await server.command('PING')).toBe('PONG');
      await expect(server.command('AUTH', 'wrong')).rejects.toBeInstanceOf(RedisReplyError);
    });
  },
  { password: 's3cr@t-pass' },
);

// Starts its own servers: no shared one for this suite.
describe.skipIf(!redisAvailable(WHAT))('RedisServer lifecycle', () => {
  it('close stops the server and removes its directory; two servers get two ports', async () => {
    const a = await RedisServer.start();
    const b = await RedisServer.start();
    try {
      expect(a.port).not.toBe(b.port);
      expect(a.dir).not.toBe(b.dir);
      expect(existsSync(a.dir)).toBe(true);
    } finally {
      await b.close();
    }
    const pid = a.pid!;
    await a.close();
    expect(alive(pid)).toBe(false);
    expect(existsSync(a.dir)).toBe(false);
    expect(await connectResult(a.port)).toBe('ECONNREFUSED');
    await a.close(); // twice is harmless
  });

  it('a server does not outlive a process that is SIGKILLed while owning it', async () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const owner = spawn(process.execPath, ['--import', tsx, fileURLToPath(new URL('../fixtures/redis-owner.ts', import.meta.url))], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    owner.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    owner.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const closed = new Promise<void>((r) => owner.once('close', () => r()));
    let dir: string | undefined;
    try {
      expect(await until(() => out.includes('\n'), 15_000), `owner did not start a server: ${err}`).toBe(true);
      const started = JSON.parse(out) as { pid: number; port: number; dir: string };
      const { pid, port } = started;
      dir = started.dir;
      expect(alive(pid)).toBe(true);
      expect(await connectResult(port)).toBe('connected');
      owner.kill('SIGKILL');
      await closed;
      expect(await until(() => !alive(pid), 5000), 'redis-server outlived its owner').toBe(true);
    } finally {
      owner.kill('SIGKILL');
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  });
});
