/**
 * `herald/redis`: the pieces of fleet mode for hosts that assemble their own notifier. Most
 * users need none of this: `HERALD_REDIS_URL` (or `createNotifier({ redis })`) turns fleet mode
 * on. ioredis is an optional peer dependency: this entry point checks for it first, so a missing
 * install says which package to add.
 * @packageDocumentation
 */
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { LineWriter } from '../channels/console.js';
import type { RateLimits } from '../delivery/rate-limits.js';
import { RedisLink, type RedisClient } from './redis-link.js';
import { SharedRateLimits } from './shared-limits.js';

try {
  createRequire(import.meta.url).resolve('ioredis');
} catch (err) {
  throw new Error('herald/redis needs the ioredis package, which is not installed. Install it next to herald: npm install ioredis', { cause: err });
}

/**
 * Rate limits shared by every process that uses this Redis, for `createNotifier({ limits })`
 * when only the limits should be shared (each process keeping its own queues). While Redis is
 * unreachable the limits are this process's own; `report` hears of it in one line (default
 * stderr), and once more when Redis is back.
 */
export function sharedRateLimits(client: RedisClient, report: LineWriter = (l) => void process.stderr.write(l)): RateLimits {
  return new SharedRateLimits(RedisLink.wrap(client, report), `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`);
}

export { ENTRY_TTL_MS, LEASE_TTL_MS, ORPHAN_AFTER_MS, leaseKey, presenceKey, streamKey } from './fleet-queue.js';
export type { RedisClient } from './redis-link.js';
