/**
 * Which process of a fleet polls a bot's commands: a lease in Redis, one key per bot. The holder
 * renews it every {@link CommandLeaseOptions.renewMs}; a holder that dies stops renewing and the
 * key lapses after {@link CommandLeaseOptions.ttlMs}, when another process takes it. Telegram
 * answers only one getUpdates poller per bot, so without this every process but one would be
 * cut off with 409 "terminated by other getUpdates request".
 *
 * The key holds a fingerprint of the token (a SHA-256 prefix), never the token; the value is the
 * holder's process id, which only its holder renews or deletes (compare-and-pexpire,
 * compare-and-del, in Lua so nothing comes between the compare and the change).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { fingerprint } from '../channels/answers.js';
import type { PollLease } from '../commands/command-bot.js';
import type { RedisClient } from './redis-link.js';

/** The lease of one bot's command polling. */
export const commandLeaseKey = (token: string): string => `herald:commands:${fingerprint(token)}`;

/** A lease lapses this long after its holder's last renewal: the longest a fleet goes without a poller. */
export const COMMAND_LEASE_TTL_MS = 15_000;

/** Options of {@link CommandLease}. */
export interface CommandLeaseOptions {
  readonly client: RedisClient;
  /** The bot's token: only its fingerprint reaches Redis. */
  readonly token: string;
  /** This process's id in the fleet; default `host:pid:random`. */
  readonly holder?: string;
  /** Default {@link COMMAND_LEASE_TTL_MS}. */
  readonly ttlMs?: number;
  /** Default a third of the lifetime: two renewals may fail before the lease lapses. */
  readonly renewMs?: number;
}

/** Renews the lease if this process holds it (1), else leaves it (0). */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** Gives the lease up only if this process still holds it. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** A {@link PollLease} in Redis: `SET key holder NX PX ttl` to take, Lua to renew and release. */
export class CommandLease implements PollLease {
  readonly renewMs: number;
  /** The Redis key (a fingerprint of the token). */
  readonly key: string;
  /** This process's id, the value of the key while it holds the lease. */
  readonly holder: string;
  private readonly ttlMs: number;

  constructor(private readonly o: CommandLeaseOptions) {
    this.key = commandLeaseKey(o.token);
    this.holder = o.holder ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.ttlMs = Math.max(1, Math.round(o.ttlMs ?? COMMAND_LEASE_TTL_MS));
    this.renewMs = Math.max(1, Math.round(o.renewMs ?? this.ttlMs / 3));
  }

  /** Renews this process's lease, or takes a free one; false when another holds it or Redis does not answer. */
  async hold(): Promise<boolean> {
    const { client } = this.o;
    try {
      // Renewal first, also when this process believes it lost the lease: after a failed
      // renewal (a timeout) the key may still be its own, and then it keeps it without a gap.
      if (Number(await client.eval(RENEW, 1, this.key, this.holder, this.ttlMs)) === 1) return true;
      return (await client.set(this.key, this.holder, 'PX', this.ttlMs, 'NX')) === 'OK';
    } catch {
      return false; // unsure whether it still holds: it stops polling; if it does, the next renewal says so
    }
  }

  /** Deletes the key if this process holds it, so another process takes over at once. */
  async release(): Promise<void> {
    await this.o.client.eval(RELEASE, 1, this.key, this.holder).catch(() => 0);
  }
}
