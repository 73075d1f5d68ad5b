/**
 * Starts a notifier's fleet mode: connects to Redis (ioredis, loaded now), then shares rate
 * limits and queues through it. Until it is connected, and whenever Redis is unreachable, the
 * notifier uses its own limits and lanes.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { FleetQueue, type FleetQueueSetup } from './fleet-queue.js';
import { RedisLink, type RedisClient } from './redis-link.js';
import { SharedRateLimits } from './shared-limits.js';

/** What a notifier gives its fleet: what the queue needs, and where Redis is. */
export interface FleetSetup extends Omit<FleetQueueSetup, 'link' | 'processId' | 'reader'> {
  /** A `redis://` URL, or a client the user made (left open at close). */
  readonly redis: string | RedisClient;
}

/** A running fleet mode. */
export interface Fleet {
  readonly processId: string;
  readonly limits: SharedRateLimits;
  readonly queue: FleetQueue;
  readonly link: RedisLink;
  close(): Promise<void>;
}

/** Connects and starts sharing. */
export async function startFleet(setup: FleetSetup): Promise<Fleet> {
  const link = typeof setup.redis === 'string' ? await RedisLink.connect(setup.redis, setup.report) : RedisLink.wrap(setup.redis, setup.report);
  // Unique per run: a restarted process is a new consumer, and what the old one left is claimed like any dead holder's.
  const processId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const limits = new SharedRateLimits(link, processId);
  const queue = new FleetQueue({ ...setup, link, processId, reader: link.duplicate() });
  queue.start();
  return {
    processId,
    limits,
    queue,
    link,
    close: async () => {
      await queue.close();
      await link.close();
    },
  };
}
