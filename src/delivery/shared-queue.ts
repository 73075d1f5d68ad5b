/**
 * Where a queue shared by many processes plugs in above the lanes. Entries offered to it leave
 * this process (to a store every process reads); whichever process delivers a destination gets
 * them back into its own lane for that destination, so coalescing, pacing and the failure policy
 * are the lanes' as always. Entries stay plain data on the way.
 */
import type { Channel } from '../channels/channel.js';
import type { OutboxEntry } from './entry.js';

/** A queue shared by processes (the Redis fleet queue). */
export interface SharedQueue {
  /**
   * Takes the entry for the destinations it can share now, and returns those it cannot (its
   * store is down): they stay with this process's own lanes. Synchronous and never throws.
   */
  offer(entry: OutboxEntry, destinations: readonly Channel[]): readonly Channel[];
  /** A lane is done with an entry (delivered, failed, dropped): the shared copy may go. */
  settled(seq: number, destination: string): void;
  /**
   * Resolves when what this process offered has left the shared store (delivered by some process,
   * or failed and reported), or at the deadline with what is still waiting, per destination label.
   */
  drain(timeoutMs: number | undefined): Promise<readonly { readonly destination: string; readonly count: number }[]>;
}
