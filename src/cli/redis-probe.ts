/**
 * A tiny Redis client over `node:net` / `node:tls` speaking RESP2, and the read-only probe
 * `herald doctor` runs against `HERALD_REDIS_URL`: connect, AUTH, SELECT, PING round trips,
 * INFO, and a SCAN of the fleet's presence keys. Doctor must work without the optional Redis
 * client package, hence no dependency here; it never writes to Redis.
 */
import { isIP, Socket, connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { performance } from 'node:perf_hooks';
import type { Problem } from './output.js';

/** The presence keys the fleet keeps, one per live process (`herald:proc:<processId>`, TTL 15 s). */
export const PRESENCE_PATTERN = 'herald:proc:*';

/**
 * Oldest Redis the fleet works on: streams with consumer groups and `XAUTOCLAIM` (6.2).
 * An older server is reported as a problem.
 */
export const MIN_REDIS_VERSION = '6.2.0';

/** Most presence keys doctor reads: a fleet is dozens of processes; more means a SCAN gone wrong. */
const MAX_PRESENCE_KEYS = 10_000;

/** Where `HERALD_REDIS_URL` points, with its credentials kept apart from what may be shown. */
export interface RedisTarget {
  readonly tls: boolean;
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  /** `scheme://host:port/db`: no user, no password; the only form of the URL that is ever printed. */
  readonly shown: string;
}

const URL_FORM = 'redis://[[user]:password@]host[:port][/db] (rediss:// for TLS)';

/**
 * Reads a Redis URL the way Redis clients do: `redis://` or `rediss://` (TLS), userinfo as
 * `:password` or `user:password` (percent-decoded), port 6379 by default, the database as the
 * path. Problems never quote the URL: it may hold a password.
 */
export function parseRedisUrl(raw: string, variable = 'HERALD_REDIS_URL'): RedisTarget | Problem {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { message: `${variable} is not a URL`, fix: `write it as ${URL_FORM}` };
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    return { message: `${variable} is a ${url.protocol}// URL, not redis://`, fix: `write it as ${URL_FORM}` };
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) return { message: `${variable} has no host`, fix: `write it as ${URL_FORM}` };
  const port = url.port ? Number(url.port) : 6379;
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d+$/.test(path)) {
    return {
      message: `${variable} names database "${path}"; Redis databases are numbers`,
      fix: `end the URL with /0 (or another database number), or with no path`,
    };
  }
  const db = path === '' ? 0 : Number(path);
  let username: string | undefined;
  let password: string | undefined;
  try {
    username = url.username ? decodeURIComponent(url.username) : undefined;
    password = url.password ? decodeURIComponent(url.password) : undefined;
  } catch {
    return {
      message: `${variable} has a user or password that is not valid percent-encoding`,
      fix: 'percent-encode special characters in the password (e.g. %40 for @)',
    };
  }
  const scheme = url.protocol.slice(0, -1);
  const shownHost = isIP(host) === 6 ? `[${host}]` : host;
  return {
    tls: scheme === 'rediss',
    host,
    port,
    db,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    shown: `${scheme}://${shownHost}:${port}/${db}`,
  };
}

/** An error reply from Redis (`-ERR …`, `-WRONGPASS …`, `-NOAUTH …`). */
export class RedisReplyError extends Error {
  override readonly name = 'RedisReplyError';
  /** The first word of the reply: `ERR`, `WRONGPASS`, `NOAUTH`, `LOADING`… */
  readonly code: string;
  constructor(readonly reply: string) {
    super(reply);
    this.code = reply.split(' ', 1)[0] ?? '';
  }
}

/** The peer does not speak RESP (an HTTP server on that port, a TLS server read as plain text…). */
export class RespProtocolError extends Error {
  override readonly name = 'RespProtocolError';
}

/** No reply (or no connection) within the timeout. */
export class RedisTimeoutError extends Error {
  override readonly name = 'RedisTimeoutError';
}

/** A RESP2 reply. Error replies inside arrays (EXEC) stay values; at the top level they reject. */
export type RespValue = string | number | null | RedisReplyError | readonly RespValue[];

/**
 * Parses one RESP2 value starting at `at`; undefined while the buffer holds only part of it.
 * Throws {@link RespProtocolError} on anything that is not RESP.
 */
export function parseResp(buf: Buffer, at = 0): { value: RespValue; end: number } | undefined {
  if (at >= buf.length) return undefined;
  const nl = buf.indexOf('\r\n', at);
  if (nl < 0) {
    if (!'+-:$*'.includes(String.fromCharCode(buf[at]!))) throw notResp(buf, at);
    return undefined;
  }
  const line = buf.toString('utf8', at + 1, nl);
  const next = nl + 2;
  switch (String.fromCharCode(buf[at]!)) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new RedisReplyError(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const n = Number(line);
      if (!Number.isInteger(n)) throw notResp(buf, at);
      if (n < 0) return { value: null, end: next };
      if (buf.length < next + n + 2) return undefined;
      return { value: buf.toString('utf8', next, next + n), end: next + n + 2 };
    }
    case '*': {
      const n = Number(line);
      if (!Number.isInteger(n)) throw notResp(buf, at);
      if (n < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let pos = next;
      for (let i = 0; i < n; i++) {
        const item = parseResp(buf, pos);
        if (!item) return undefined;
        items.push(item.value);
        pos = item.end;
      }
      return { value: items, end: pos };
    }
    default:
      throw notResp(buf, at);
  }
}

function notResp(buf: Buffer, at: number): RespProtocolError {
  // The printable start of its first line, to show what listens instead (e.g. "HTTP/1.1 400 Bad Request").
  const start = buf
    .toString('latin1', at, Math.min(buf.length, at + 40))
    .split(/[\r\n]/, 1)[0]!
    .replace(/[^\x20-\x7e]+/g, ' ')
    .trim();
  return new RespProtocolError(`the server did not answer in the Redis protocol${start ? ` (it sent "${start}")` : ''}`);
}

/** Encodes a command as a RESP array of bulk strings. */
export function encodeCommand(args: readonly (string | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.from(String(a), 'utf8');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** How to connect. */
export interface RespConnectOptions {
  /** Limit for the connection (TLS handshake included) and for each reply. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

interface Pending {
  resolve(value: RespValue): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * One connection, commands pipelined in order. A timeout, a protocol error or a closed socket
 * fails every pending command and the connection: replies could no longer be matched to commands.
 */
export class RespConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];
  private failure: Error | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('Redis closed the connection')));
  }

  /** Opens a connection (TLS for `rediss://`); rejects with the socket's error, a timeout or an abort. */
  static connect(target: Pick<RedisTarget, 'host' | 'port' | 'tls'>, options: RespConnectOptions): Promise<RespConnection> {
    const { signal, timeoutMs } = options;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(new Error('aborted'));
        return;
      }
      const socket = target.tls
        ? tlsConnect({ host: target.host, port: target.port, ...(isIP(target.host) ? {} : { servername: target.host }) })
        : netConnect({ host: target.host, port: target.port });
      const done = (err?: Error): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.off('error', done);
        socket.off(target.tls ? 'secureConnect' : 'connect', onConnect);
        if (err) {
          socket.on('error', () => {}); // a late error of a socket given up on must not crash the process
          socket.destroy();
          reject(err);
        } else {
          socket.setNoDelay(true);
          resolve(new RespConnection(socket, timeoutMs));
        }
      };
      const onConnect = (): void => done();
      const onAbort = (): void => done(new Error('aborted'));
      let tcp = false;
      socket.once('connect', () => (tcp = true));
      const timer = setTimeout(
        () => done(new RedisTimeoutError(tcp ? `connected, but no TLS handshake within ${timeoutMs / 1000} s` : `no connection within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      socket.once('error', done);
      socket.once(target.tls ? 'secureConnect' : 'connect', onConnect);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Sends one command; resolves with its reply, rejects with a {@link RedisReplyError} for an error reply. */
  command(...args: readonly (string | number)[]): Promise<RespValue> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new RedisTimeoutError(`no answer to ${String(args[0])} within ${this.timeoutMs / 1000} s`)), this.timeoutMs);
      this.pending.push({ resolve, reject, timer });
      this.socket.write(encodeCommand(args));
    });
  }

  /** Closes the connection; pending commands fail. */
  close(): void {
    this.fail(new Error('connection closed'));
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    let parsed: ReturnType<typeof parseResp>;
    try {
      while (this.pending.length && (parsed = parseResp(this.buffer))) {
        this.buffer = this.buffer.subarray(parsed.end);
        const p = this.pending.shift()!;
        clearTimeout(p.timer);
        if (parsed.value instanceof RedisReplyError) p.reject(parsed.value);
        else p.resolve(parsed.value);
      }
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private fail(err: Error): void {
    if (!this.failure) this.failure = err;
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(this.failure);
    }
    this.socket.destroy();
  }
}

/** One live process's presence key, as the fleet writes it. */
export interface PresenceRecord {
  readonly key: string;
  readonly pid?: number;
  readonly host?: string;
  readonly startedAt?: number;
  /** Channel ids (`telegram:<fingerprint>:<chat>`…): never secrets. */
  readonly destinations: readonly string[];
}

/** How the server keeps its data across a restart. */
export interface RedisPersistence {
  readonly aof: boolean;
  /** `appendfsync` (always, everysec, no) when CONFIG GET is allowed. */
  readonly appendfsync?: string;
  /** `save` (RDB snapshot points, '' for none) when CONFIG GET is allowed. */
  readonly rdbSave?: string;
}

/** What the probe found. */
export type RedisProbe =
  | { readonly ok: false; readonly problem: Problem }
  | {
      readonly ok: true;
      readonly version: string;
      /** Median of 5 PING round trips, in milliseconds. */
      readonly rttMs: number;
      readonly persistence: RedisPersistence;
      readonly processes: readonly PresenceRecord[];
      /** Presence keys whose value is not the fleet's JSON. */
      readonly unreadable: number;
      /** True when more than {@link MAX_PRESENCE_KEYS} keys matched and the rest was not read. */
      readonly truncated: boolean;
    };

/** Options of {@link probeRedis}. */
export interface ProbeOptions extends RespConnectOptions {
  /** The variable the URL came from, for fixes. */
  readonly variable?: string;
}

/**
 * Checks the Redis `target` points at, read-only: reachable (with why not and the fix), AUTH,
 * SELECT, the version, the PING round trip, persistence, and the fleet's presence keys. Rejects
 * only when `signal` aborts; every other failure is a {@link Problem} in the result.
 */
export async function probeRedis(target: RedisTarget, options: ProbeOptions): Promise<RedisProbe> {
  const variable = options.variable ?? 'HERALD_REDIS_URL';
  let conn: RespConnection | undefined;
  let stage: Stage = 'connect';
  // Ctrl-C while a command waits: closing the connection fails it at once.
  const onAbort = (): void => conn?.close();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    conn = await RespConnection.connect(target, options);
    if (target.password !== undefined) {
      stage = 'auth';
      await conn.command(...(target.username ? ['AUTH', target.username, target.password] : ['AUTH', target.password]));
    }
    stage = 'ping';
    await conn.command('PING');
    if (target.db !== 0) {
      stage = 'select';
      await conn.command('SELECT', target.db);
    }
    stage = 'info';
    const rtts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await conn.command('PING');
      rtts.push(performance.now() - t0);
    }
    const server = infoFields(await conn.command('INFO', 'server'));
    const persistenceInfo = infoFields(await conn.command('INFO', 'persistence'));
    const version = server.get('redis_version') ?? 'unknown';
    const persistence: RedisPersistence = {
      aof: persistenceInfo.get('aof_enabled') === '1',
      ...(await configGet(conn, 'appendfsync', 'appendfsync')),
      ...(await configGet(conn, 'save', 'rdbSave')),
    };
    stage = 'scan';
    const { processes, unreadable, truncated } = await readPresence(conn);
    return { ok: true, version, rttMs: median(rtts), persistence, processes, unreadable, truncated };
  } catch (err) {
    if (options.signal?.aborted) throw new Error('aborted', { cause: err });
    return { ok: false, problem: explain(err as Error, stage, target, variable, options.timeoutMs) };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    conn?.close();
  }
}

type Stage = 'connect' | 'auth' | 'ping' | 'select' | 'info' | 'scan';

/** `CONFIG GET name` as `{ [as]: value }`; nothing when CONFIG is refused (managed Redis often renames it). */
async function configGet<K extends string>(conn: RespConnection, name: string, as: K): Promise<Partial<Record<K, string>>> {
  try {
    const reply = await conn.command('CONFIG', 'GET', name);
    if (Array.isArray(reply) && typeof reply[1] === 'string') return { [as]: reply[1] } as Partial<Record<K, string>>;
  } catch (err) {
    if (!(err instanceof RedisReplyError)) throw err;
  }
  return {};
}

/** `INFO` text (`key:value` lines under `# Section` headers) as a map. */
export function infoFields(reply: RespValue): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof reply !== 'string') return out;
  for (const line of reply.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return out;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** -1, 0 or 1 as dotted version `a` is older than, equal to or newer than `b` (missing parts count as 0). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** SCANs the presence keys (SCAN may return a key twice) and reads them with MGET. */
async function readPresence(conn: RespConnection): Promise<{ processes: PresenceRecord[]; unreadable: number; truncated: boolean }> {
  const keys = new Set<string>();
  let cursor = '0';
  let truncated = false;
  do {
    const reply = await conn.command('SCAN', cursor, 'MATCH', PRESENCE_PATTERN, 'COUNT', 1000);
    if (!Array.isArray(reply) || typeof reply[0] !== 'string' || !Array.isArray(reply[1]))
      throw new RespProtocolError('SCAN answered something that is not a cursor and keys');
    cursor = reply[0];
    for (const k of reply[1] as RespValue[]) if (typeof k === 'string') keys.add(k);
    if (keys.size > MAX_PRESENCE_KEYS) {
      truncated = true;
      break;
    }
  } while (cursor !== '0');
  const list = [...keys].sort().slice(0, MAX_PRESENCE_KEYS);
  const processes: PresenceRecord[] = [];
  let unreadable = 0;
  for (let i = 0; i < list.length; i += 500) {
    const batch = list.slice(i, i + 500);
    const values = await conn.command('MGET', ...batch);
    if (!Array.isArray(values)) throw new RespProtocolError('MGET answered something that is not a list');
    batch.forEach((key, j) => {
      const raw = (values as RespValue[])[j];
      if (raw === null || raw === undefined) return; // expired between SCAN and MGET: the process is gone
      const record = typeof raw === 'string' ? parsePresence(key, raw) : undefined;
      if (record) processes.push(record);
      else unreadable++;
    });
  }
  return { processes, unreadable, truncated };
}

/** One presence value (`{ pid, host, startedAt, destinations }`), or undefined when it is not that. */
export function parsePresence(key: string, raw: string): PresenceRecord | undefined {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if (!Array.isArray(o.destinations) || !o.destinations.every((d) => typeof d === 'string')) return undefined;
  return {
    key,
    ...(typeof o.pid === 'number' ? { pid: o.pid } : {}),
    ...(typeof o.host === 'string' ? { host: o.host } : {}),
    ...(typeof o.startedAt === 'number' ? { startedAt: o.startedAt } : {}),
    destinations: [...new Set(o.destinations as string[])],
  };
}

/** What went wrong, in the user's terms, with the fix. Never quotes the URL (it may hold a password). */
function explain(err: Error, stage: Stage, target: RedisTarget, variable: string, timeoutMs: number): Problem {
  const where = target.shown;
  const code = (err as NodeJS.ErrnoException).code;
  const fixUrl = `correct the host and port in ${variable}`;
  if (err instanceof RedisReplyError) {
    if (err.code === 'WRONGPASS' || (stage === 'auth' && /invalid password|invalid username/i.test(err.reply))) {
      return {
        message: `${where}: Redis refused the ${target.username ? 'user name and password' : 'password'} (${err.code})`,
        fix: `put the right password in ${variable} (redis://:PASSWORD@host:port/db, or redis://USER:PASSWORD@… for an ACL user)`,
      };
    }
    if (stage === 'auth' && /without any password configured|AUTH.*called without/i.test(err.reply)) {
      return {
        message: `${where}: the URL has a password but this Redis has none (${err.code})`,
        fix: `remove the password from ${variable}, or set requirepass on the server`,
      };
    }
    if (err.code === 'NOAUTH') {
      return { message: `${where}: Redis requires a password (NOAUTH)`, fix: `add it to ${variable}: redis://:PASSWORD@host:port/db` };
    }
    if (stage === 'select') {
      return {
        message: `${where}: Redis has no database ${target.db} (${err.reply})`,
        fix: `use a database the server has (0 to \`databases\` - 1, 16 by default) in ${variable}`,
      };
    }
    if (err.code === 'LOADING') return { message: `${where}: Redis is still loading its data`, fix: 'run `herald doctor` again in a moment' };
    if (err.code === 'NOPERM') {
      return {
        message: `${where}: the ACL user may not run a command doctor needs (${err.reply})`,
        fix: 'allow PING, INFO, SCAN and MGET on herald:* for this user',
      };
    }
    return { message: `${where}: Redis answered ${err.reply}`, fix: `check the server and ${variable}` };
  }
  if (err instanceof RespProtocolError) {
    const hint = target.tls ? 'this port may not speak TLS' : 'this may be another service, or a Redis that only speaks TLS (then use rediss://)';
    return { message: `${where}: ${err.message}`, fix: `${hint}; ${fixUrl}` };
  }
  if (err instanceof RedisTimeoutError && /TLS handshake/.test(err.message)) {
    return { message: `${where}: ${err.message}`, fix: `this port may not speak TLS: a Redis without TLS needs redis://, not rediss://` };
  }
  if (err instanceof RedisTimeoutError) {
    return {
      message: `${where}: ${err.message}`,
      fix: `check that Redis runs and that a firewall lets this machine reach ${target.host}:${target.port} (Redis's \`bind\` and \`protected-mode\` refuse other hosts by default), or raise --timeout (${timeoutMs / 1000} s now)`,
    };
  }
  switch (code) {
    case 'ECONNREFUSED':
      return {
        message: `${where}: connection refused (ECONNREFUSED): nothing listens there`,
        fix: `start Redis (\`sudo systemctl start redis-server\`), or ${fixUrl}`,
      };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { message: `${where}: host ${target.host} not found (${code})`, fix: `${fixUrl} (check the name; DNS may be down)` };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
      return { message: `${where}: ${target.host} cannot be reached (${code})`, fix: `check the network and firewall, or ${fixUrl}` };
    case 'ECONNRESET':
    case 'EPIPE':
      return {
        message: `${where}: the connection was closed by the other side (${code})`,
        fix: target.tls ? 'this port may not speak TLS (then use redis://)' : `a Redis with TLS only needs rediss://; otherwise check the server's log`,
      };
    default:
      break;
  }
  if (target.tls && (code?.startsWith('ERR_SSL') || code?.startsWith('ERR_TLS') || /ssl|tls|certificate|self.signed/i.test(err.message))) {
    return {
      message: `${where}: the TLS connection failed (${code ?? err.message})`,
      fix: /certificate|self.signed|UNABLE_TO|CERT_/i.test(`${code ?? ''} ${err.message}`)
        ? `the server's certificate is not trusted: add its CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem`
        : `check that this port speaks TLS; a plain Redis needs redis://, not rediss://`,
    };
  }
  if (stage === 'connect') return { message: `${where}: could not connect (${code ?? err.message})`, fix: fixUrl };
  return { message: `${where}: ${err.message}${code ? ` (${code})` : ''}`, fix: `check the server and ${variable}` };
}
