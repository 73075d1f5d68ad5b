/** What a notification is about: the attributes a channel mapping routes by. */

/** Tags of one notification. Plain strings, so queues (and a journal) can hold them. */
export interface Tags {
  /** The event kind: `order.filled`, `position.closed`, `error`, `custom:<name>`, `log` for `this.log`… */
  readonly event?: string;
  /** The strategy's name. */
  readonly strategy?: string;
  /** The market, e.g. `BTC-USDT`. */
  readonly symbol?: string;
  readonly exchange?: string;
  /** `live` or `paper`. */
  readonly mode?: string;
}

/** The tag names, in the order they are shown. */
export const TAG_NAMES = ['event', 'strategy', 'symbol', 'exchange', 'mode'] as const;

/** A tag name. */
export type TagName = (typeof TAG_NAMES)[number];

/** Keeps the known tags that are non-empty strings (hosts and JS callers may pass anything). */
export function cleanTags(raw: unknown): Tags | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const out: Record<string, string> = {};
  for (const name of TAG_NAMES) {
    const v = (raw as Record<string, unknown>)[name];
    if (typeof v === 'string' && v.trim() !== '') out[name] = v.trim();
    else if (typeof v === 'number' && Number.isFinite(v)) out[name] = String(v);
  }
  return Object.keys(out).length ? out : undefined;
}
