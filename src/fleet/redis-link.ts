/**
 * The connection a fleet shares limits and queues through, and whether it is usable now. ioredis
 * is an optional peer dependency, loaded when a fleet is asked for. Commands fail fast while the
 * connection is down (no offline queue): callers fall back to this process's own limits and
 * queues at once instead of waiting, and the link says so in one line, and once more when
 * Redis is back.
 */
import { redisLabel } from '../config/redis-env.js';
import type { LineWriter } from '../channels/console.js';

/** The ioredis client members the fleet uses. */
export type RedisClient = import('ioredis').Redis;

/** Loads ioredis; a clear error when it is not installed. */
export async function loadIoredis(): Promise<typeof import('ioredis').Redis> {
  try {
    const mod = await import('ioredis');
    return mod.Redis;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw err;
    throw new Error('HERALD_REDIS_URL needs the ioredis package, which is not installed. Install it next to herald: npm install ioredis', { cause: err });
  }
}

/** Options every fleet connection is made with. */
export const CONNECTION_OPTIONS = {
  // Fail at once while disconnected: the caller falls back, nothing waits on a dead socket.
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 2000,
  commandTimeout: 2000,
  // Reconnect forever, 0.5 s doubling to 10 s.
  retryStrategy: (times: number) => Math.min(500 * 2 ** Math.min(times - 1, 5), 10_000),
  lazyConnect: false,
} as const;

/** How often a link that saw a command fail asks Redis whether it answers again. */
const PROBE_MS = 1000;

/** A shared Redis connection with its health. */
export class RedisLink {
  private up: boolean;
  private told = false;
  private probe: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private readonly listeners = new Set<(up: boolean) => void>();

  constructor(
    readonly client: RedisClient,
    private readonly label: string,
    private readonly report: LineWriter,
    /** The user's own client: not closed by Herald. */
    private readonly owned: boolean,
  ) {
    this.up = client.status === 'ready';
    client.on('ready', () => this.set(true));
    client.on('error', (err: Error) => this.down(err.message));
    client.on('close', () => this.down('connection closed'));
  }

  /** Connects to `url` (password never shown). */
  static async connect(url: string, report: LineWriter): Promise<RedisLink> {
    const Redis = await loadIoredis();
    const client = new Redis(url, CONNECTION_OPTIONS);
    unrefSockets(client);
    return new RedisLink(client, redisLabel(url), report, true);
  }

  /** Wraps a client the user made. */
  static wrap(client: RedisClient, report: LineWriter): RedisLink {
    const o = client.options;
    return new RedisLink(client, `redis://${o.host ?? 'localhost'}:${o.port ?? 6379}${o.db ? `/${o.db}` : ''}`, report, false);
  }

  /** True while commands can be sent. */
  get healthy(): boolean {
    return this.up && this.client.status === 'ready';
  }

  /** Called with every change of health. */
  onChange(listener: (up: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A command failed (or timed out): the link is down until Redis answers again, on a new
   * connection (`ready`) or on this one (a PING, each second: a slow Redis keeps its connection).
   */
  failed(reason: string): void {
    if (this.closed) return;
    this.down(reason);
    this.probe ??= setInterval(() => {
      if (this.client.status !== 'ready') return; // reconnecting: `ready` will say
      this.client.ping().then(
        () => this.set(true),
        () => {},
      );
    }, PROBE_MS);
    this.probe.unref();
  }

  /** A second connection for blocking reads (ioredis blocks the whole connection while it waits). */
  duplicate(): RedisClient {
    const d = this.client.duplicate();
    d.on('error', () => {}); // its health is the link's; reported once there
    if (this.owned) unrefSockets(d);
    return d;
  }

  async close(): Promise<void> {
    // The QUIT below closes the connection: that is no outage to report.
    this.closed = true;
    clearInterval(this.probe);
    this.listeners.clear();
    if (this.owned) await this.client.quit().catch(() => this.client.disconnect());
  }

  private down(reason: string): void {
    if (this.closed || (!this.up && this.told)) return;
    this.set(false, reason);
  }

  private set(up: boolean, reason?: string): void {
    if (up && this.probe) {
      clearInterval(this.probe);
      this.probe = undefined;
    }
    if (this.up === up && (up || this.told)) return;
    this.up = up;
    if (!up) {
      this.told = true;
      this.report(`herald: Redis at ${this.label} is unreachable (${reason ?? 'down'}); limits and queues are this process's own until it is back\n`);
    } else if (this.told) {
      this.told = false;
      this.report(`herald: Redis at ${this.label} is back; limits and queues are shared again\n`);
    }
    for (const l of this.listeners) l(up);
  }
}

/**
 * Herald's own connections must not keep a process alive that is otherwise done (a script that
 * logs and ends): its exit drain, which waits for delivery, keeps the loop alive while it runs.
 */
function unrefSockets(client: RedisClient): void {
  client.on('connect', () => (client as unknown as { stream?: { unref?: () => void } }).stream?.unref?.());
}
