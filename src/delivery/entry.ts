/** What a destination queue holds: plain, immutable data, so a durable outbox can journal it. */
import { type Card, cardBytes } from '../channels/card.js';
import type { Attachment, Level } from '../channels/channel.js';
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
  /** A file sent with the text (the text is its caption where the destination takes files). */
  readonly file?: Attachment;
  /** One message kept up to date: later entries with the same key edit it where the destination can. */
  readonly live?: LiveUpdate;
}

/** What makes an entry part of one message that updates in place (an order's states). */
export interface LiveUpdate {
  /** Entries with the same key update one message, e.g. `order:binance:BTC/USDT:123`. */
  readonly key: string;
  /**
   * Edits are silent on every platform: when this update matters (an order filled, a position
   * closed), this short text is sent as a reply to the edited message, so the phone still rings.
   */
  readonly alert?: string;
  /**
   * What this update says on its own (without the history a live message gathers): sent instead
   * where the destination cannot edit, so each state reads as a message of its own there.
   */
  readonly single?: { readonly text: string; readonly card?: Card };
}

const ENTRY_OVERHEAD_BYTES = 80;

/** Optional parts of an entry. */
export interface EntryExtras {
  readonly tags?: Tags;
  readonly card?: Card;
  readonly target?: string;
  readonly file?: Attachment;
  readonly live?: LiveUpdate;
}

/** Builds an entry, computing its byte cost once. */
export function makeEntry(seq: number, text: string, level: Level, silent: boolean, createdAt: number, extras?: EntryExtras): OutboxEntry {
  const bytes = text.length * 2 + ENTRY_OVERHEAD_BYTES + (extras?.card ? cardBytes(extras.card) : 0) + (extras?.file ? extras.file.base64.length : 0);
  if (!extras || (!extras.tags && !extras.card && !extras.target && !extras.file && !extras.live)) return { seq, text, level, silent, createdAt, bytes };
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
    ...(extras.file ? { file: extras.file } : {}),
    ...(extras.live ? { live: extras.live } : {}),
  };
}

/** True for an {@link Attachment} read back from a journal or a stream. */
export function isAttachment(x: unknown): x is Attachment {
  const a = x as Attachment | undefined;
  return typeof a === 'object' && a !== null && typeof a.name === 'string' && typeof a.contentType === 'string' && typeof a.base64 === 'string';
}

/** True for a {@link LiveUpdate} read back from a journal or a stream. */
export function isLiveUpdate(x: unknown): x is LiveUpdate {
  const u = x as LiveUpdate | undefined;
  return (
    typeof u === 'object' &&
    u !== null &&
    typeof u.key === 'string' &&
    (u.alert === undefined || typeof u.alert === 'string') &&
    (u.single === undefined || (typeof u.single === 'object' && u.single !== null && typeof u.single.text === 'string'))
  );
}

/** Size in bytes of an attachment's content. */
export function attachmentBytes(a: Attachment): number {
  const pad = a.base64.endsWith('==') ? 2 : a.base64.endsWith('=') ? 1 : 0;
  return Math.floor((a.base64.length * 3) / 4) - pad;
}
