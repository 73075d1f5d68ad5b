/** What a destination queue holds: plain, immutable data, so a durable outbox can journal it. */
import type { Level } from '../channels/channel.js';

/** One notification waiting for a destination. Shared by every destination it is routed to. */
export interface OutboxEntry {
  /** Increasing per notifier; events name entries by it. */
  readonly seq: number;
  readonly text: string;
  readonly level: Level;
  readonly silent: boolean;
  /** Epoch ms when it was logged; the give-up age counts from here. */
  readonly createdAt: number;
  /** Approximate memory held (UTF-16 text plus overhead), for the byte budget. */
  readonly bytes: number;
}

const ENTRY_OVERHEAD_BYTES = 80;

/** Builds an entry, computing its byte cost once. */
export function makeEntry(seq: number, text: string, level: Level, silent: boolean, createdAt: number): OutboxEntry {
  return { seq, text, level, silent, createdAt, bytes: text.length * 2 + ENTRY_OVERHEAD_BYTES };
}
