/**
 * Where a durable outbox plugs in under the queues: the engine tells the journal what it
 * queued, what it is sending and what is done, and may keep what does not fit in memory in the
 * journal's store instead of dropping it. Every call is synchronous and must not throw: the
 * journal is written before `log()` returns.
 */
import type { OutboxEntry } from './entry.js';

/** A record of every notification until it is done at every destination it was queued for. */
export interface Journal {
  /** Stable across restarts of the same outbox: part keys (Discord's nonce) derive from it. */
  readonly id: string;
  /** The entry was queued for these destinations (channel ids). */
  queued(entry: OutboxEntry, destinations: readonly string[]): void;
  /** The entry is done at this destination: delivered, definitely failed, dropped or suppressed. */
  done(seq: number, destination: string): void;
  /** A batch of these entries is about to be sent under this key, so a replay re-forms it with the same key. */
  sending(destination: string, seqs: readonly number[], key: string): void;
  /** Present when entries beyond the memory budget may wait here instead of being dropped. */
  readonly spill?: SpillStore;
}

/** Entries of a destination that wait in the journal instead of memory, oldest first. */
export interface SpillStore {
  /**
   * Moves an entry out of memory (it is already in the journal). Returns the entries dropped to
   * stay within the disk budget (the oldest info notifications first), which the caller reports.
   */
  put(destination: string, entry: OutboxEntry): readonly OutboxEntry[];
  /** The oldest waiting entries, up to about `maxBytes` of memory (at least one when any wait). */
  take(destination: string, maxBytes: number): OutboxEntry[];
  /** How many entries wait for this destination. */
  count(destination: string): number;
}
