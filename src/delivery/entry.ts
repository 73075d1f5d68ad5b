/** What a destination queue holds: plain, immutable data, so a durable outbox can journal it. */
import { type Card, cardBytes } from '../channels/card.js';
import type { Level } from '../channels/channel.js';
import type { Tags } from '../config/tags.js';

/** One notification waiting for a destination. Shared by every destination it is routed to. */
export interface OutboxEntry {
  /** Increasing per notifier; events name entries by it. */
  readonly seq: number;
  /** The plain text; for a card, its one-line summary. */
  readonly text: string;
  readonly level: Level;
  readonly silent: boolean;
  /** Epoch ms when it was logged; the give-up age counts from here. */
  readonly createdAt: number;
  /** Approximate memory held (UTF-16 text plus overhead), for the byte budget. */
  readonly bytes: number;
  /** What the notification is about (event kind, strategy, symbol…), as routing saw it. */
  readonly tags?: Tags;
  /** The rich form, for destinations that show cards. */
  readonly card?: Card;
  /** The target it was sent to, when written without a secret (a variable name, `#alerts`): lets a replay find the destination again. */
  readonly target?: string;
}

const ENTRY_OVERHEAD_BYTES = 80;

/** Optional parts of an entry. */
export interface EntryExtras {
  readonly tags?: Tags;
  readonly card?: Card;
  readonly target?: string;
}

/** Builds an entry, computing its byte cost once. */
export function makeEntry(seq: number, text: string, level: Level, silent: boolean, createdAt: number, extras?: EntryExtras): OutboxEntry {
  const bytes = text.length * 2 + ENTRY_OVERHEAD_BYTES + (extras?.card ? cardBytes(extras.card) : 0);
  if (!extras || (!extras.tags && !extras.card && !extras.target)) return { seq, text, level, silent, createdAt, bytes };
  return {
    seq,
    text,
    level,
    silent,
    createdAt,
    bytes,
    ...(extras.tags ? { tags: extras.tags } : {}),
    ...(extras.card ? { card: extras.card } : {}),
    ...(extras.target ? { target: extras.target } : {}),
  };
}
