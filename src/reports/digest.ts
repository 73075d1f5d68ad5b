/**
 * Digests: instead of one message per event, one summary per window and event kind
 * (`✅ 14 fills in the last 15 min: 9 buys, 5 sells, net +0.42 BTC`). And the hold buffer for
 * quiet hours and `/mute`: what was held, sent as one message when the hold ends.
 * Pure: the caller owns the timers (see {@link DigestBuffer.nextDueAt}) and never digests or holds errors.
 */
import { Buffer } from 'node:buffer';
import type { Card } from '../channels/card.js';
import { describeDuration } from '../config/duration.js';
import { formatQty, formatSigned, plural } from '../plugin/format.js';
import { describeQuietHours, type QuietHours } from './quiet.js';
import { formatBytes } from '../delivery/lane.js';
import { FillSizes } from './fill-size.js';
import { readNumber } from './snapshot.js';
import { splitSymbol } from './symbols.js';
import { clockText } from './zoned.js';

/** Bounds on what a digest window keeps, whatever arrives. */
export const DIGEST_LIMITS = {
  /** Texts kept for the kinds summarised by their last lines (custom and the rest). */
  lastTexts: 3,
  /** Characters of each of those texts. */
  textChars: 500,
  /** Assets with a net size listed (the rest: `+N more assets`), and tallied. */
  assetsShown: 4,
  assets: 50,
  /** Names of custom events, and symbols of increased/reduced positions. */
  names: 10,
} as const;

/** One window's summary, ready to send. */
export interface DigestSummary {
  readonly kind: string;
  /** Events in the window. */
  readonly count: number;
  /** The summary; with one event, that event's own text. */
  readonly text: string;
  /** With one event, its card when it came with one. */
  readonly card?: Card;
  /** True when every event in the window was to be sent silent. */
  readonly silent: boolean;
  /** When the window opened (its first event) and when it was due to close. */
  readonly from: number;
  readonly until: number;
}

/** What an event brings to {@link DigestBuffer.add} besides its text. */
export interface DigestExtra {
  readonly card?: Card;
  readonly silent?: boolean;
}

interface Window {
  readonly kind: string;
  readonly from: number;
  readonly until: number;
  count: number;
  silent: boolean;
  /** The first event, whole, while it is the only one. */
  only?: { text: string; card?: Card };
  lastTexts: string[];
  buys: number;
  sells: number;
  /** Net size per base asset (fills). */
  net: Map<string, number>;
  untalliedAssets: boolean;
  long: number;
  short: number;
  wins: number;
  withPnl: number;
  pnl: number;
  /** Custom event names or symbols, with counts. */
  names: Map<string, number>;
  moreNames: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';
const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const label = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** A signed size: `+0.42`, `-3`, `0`. */
const signedQty = (n: number): string => (n > 0 ? `+${formatQty(n)}` : formatQty(n));

function tally(w: Window, kind: string, payload: unknown, sizes: FillSizes): void {
  if (!isObject(payload)) return;
  const side = typeof payload.side === 'string' ? payload.side.toLowerCase() : '';
  if (side === 'buy') w.buys++;
  else if (side === 'sell') w.sells++;
  else if (side === 'long') w.long++;
  else if (side === 'short') w.short++;
  if (kind === 'order.filled') {
    const qty = sizes.size(payload);
    const symbol = label(payload.symbol);
    if (qty === undefined || !symbol || (side !== 'buy' && side !== 'sell')) return;
    const asset = splitSymbol(symbol).base;
    if (!w.net.has(asset) && w.net.size >= DIGEST_LIMITS.assets) {
      w.untalliedAssets = true;
      return;
    }
    w.net.set(asset, (w.net.get(asset) ?? 0) + (side === 'buy' ? 1 : -1) * Math.abs(qty));
  } else if (kind === 'position.closed') {
    const pnl = readNumber(payload.pnl);
    if (pnl === undefined) return;
    w.withPnl++;
    w.pnl += pnl;
    if (pnl > 0) w.wins++;
  } else if (kind === 'custom' || kind === 'position.increased' || kind === 'position.reduced') {
    const name = kind === 'custom' ? (label(payload.name) ?? 'event') : label(payload.symbol);
    if (name === undefined) return;
    if (w.names.has(name) || w.names.size < DIGEST_LIMITS.names) w.names.set(name, (w.names.get(name) ?? 0) + 1);
    else w.moreNames++;
  }
}

/** `9 buys, 5 sells` (the sides that occurred). */
function sides(a: [number, string, string], b: [number, string, string]): string {
  return [a, b]
    .filter(([n]) => n > 0)
    .map(([n, one, many]) => plural(n, one, many))
    .join(', ');
}

/** `net +0.42 BTC, -3 ETH, +2 more assets` (`more than 46 other assets` past the tally's limit). */
function netText(w: Window): string {
  if (w.net.size === 0) return '';
  const entries = [...w.net];
  const shown = entries.slice(0, DIGEST_LIMITS.assetsShown).map(([asset, n]) => `${signedQty(n)} ${asset}`);
  const more = entries.length - shown.length;
  // Past the tally's limit the number of other assets is unknown: say so rather than a wrong count.
  const rest = w.untalliedAssets ? `, more than ${plural(more, 'other asset')}` : more > 0 ? `, +${plural(more, 'more asset')}` : '';
  return `net ${shown.join(', ')}${rest}`;
}

/** `signal ×5, note ×2`. */
function namesText(w: Window): string {
  const names = [...w.names].map(([name, n]) => (n > 1 ? `${name} ×${n}` : name));
  if (w.moreNames) names.push(`+${w.moreNames} more`);
  return names.join(', ');
}

/** The head line, then (for kinds read by their lines) the last few texts. */
function summaryText(w: Window, windowMs: number): string {
  const span = `in the last ${describeDuration(windowMs)}`;
  const join = (head: string, tail: string): string => (tail ? `${head}: ${tail}` : head);
  switch (w.kind) {
    case 'order.filled':
      return join(`✅ ${plural(w.count, 'fill')} ${span}`, [sides([w.buys, 'buy', 'buys'], [w.sells, 'sell', 'sells']), netText(w)].filter(Boolean).join(', '));
    case 'order.submitted':
      return join(`📝 ${plural(w.count, 'order')} submitted ${span}`, sides([w.buys, 'buy', 'buys'], [w.sells, 'sell', 'sells']));
    case 'order.cancelled':
      return join(`✖️ ${plural(w.count, 'order')} cancelled ${span}`, sides([w.buys, 'buy', 'buys'], [w.sells, 'sell', 'sells']));
    case 'position.opened':
      return join(`📈 ${plural(w.count, 'position')} opened ${span}`, sides([w.long, 'long', 'long'], [w.short, 'short', 'short']));
    case 'position.increased':
      return join(`➕ ${plural(w.count, 'position')} increased ${span}`, namesText(w));
    case 'position.reduced':
      return join(`➖ ${plural(w.count, 'position')} reduced ${span}`, namesText(w));
    case 'position.closed': {
      const icon = w.withPnl === 0 ? '🏁' : w.pnl >= 0 ? '💰' : '🔻';
      const result = w.withPnl ? `${w.wins} in profit, PnL ${formatSigned(w.pnl)}` : '';
      return join(`${icon} ${plural(w.count, 'position')} closed ${span}`, result);
    }
    default: {
      const head =
        w.kind === 'custom' ? `📣 ${plural(w.count, 'custom event')} ${span}${w.names.size ? ` (${namesText(w)})` : ''}` : `🗂 ${w.count} × ${w.kind} ${span}`;
      const which = w.count > w.lastTexts.length ? `, the last ${w.lastTexts.length}` : '';
      return `${head}${which}:\n${w.lastTexts.join('\n')}`;
    }
  }
}

/**
 * One open window per event kind: it opens with the kind's first event and closes `window` ms
 * later, when {@link take} turns it into one summary. An event added after its window's end but
 * before `take` still joins it (it has not been sent either). Memory per window is bounded.
 */
export class DigestBuffer {
  private readonly open = new Map<string, Window>();
  /** Orders' filled totals: a partial fill adds only what it filled to the net size. */
  private readonly sizes = new FillSizes();

  /** @param windows digest window per event kind, ms (from `readReportSettings`). `error` is never digested. */
  constructor(private readonly windows: Readonly<Partial<Record<string, number>>>) {}

  /** True when events of `kind` are digested. */
  wants(kind: string): boolean {
    return kind !== 'error' && (this.windows[kind] ?? 0) > 0;
  }

  /**
   * Keeps an event for its kind's digest. False when the kind is not digested (the caller sends it
   * as usual); the caller also keeps error-level events (`custom` with `level: 'error'`) out.
   */
  add(kind: string, payload: unknown, text: string, at: number, extra: DigestExtra = {}): boolean {
    if (!this.wants(kind)) return false;
    let w = this.open.get(kind);
    if (!w) {
      w = {
        kind,
        from: at,
        until: at + this.windows[kind]!,
        count: 0,
        silent: true,
        lastTexts: [],
        buys: 0,
        sells: 0,
        net: new Map(),
        untalliedAssets: false,
        long: 0,
        short: 0,
        wins: 0,
        withPnl: 0,
        pnl: 0,
        names: new Map(),
        moreNames: 0,
      };
      this.open.set(kind, w);
    }
    w.count++;
    w.silent &&= extra.silent === true;
    if (w.count === 1) w.only = { text, ...(extra.card ? { card: extra.card } : {}) };
    else delete w.only;
    w.lastTexts.push(clip(text, DIGEST_LIMITS.textChars));
    if (w.lastTexts.length > DIGEST_LIMITS.lastTexts) w.lastTexts.shift();
    try {
      tally(w, kind, payload, this.sizes);
    } catch {
      // A payload whose getters throw still counts, without its figures.
    }
    return true;
  }

  /** When the earliest open window closes (for the caller's timer); undefined when none is open. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const w of this.open.values()) if (next === undefined || w.until < next) next = w.until;
    return next;
  }

  /** True when a window has closed by `now`. */
  due(now: number): boolean {
    const next = this.nextDueAt();
    return next !== undefined && next <= now;
  }

  /** The summaries of the windows closed by `now`, earliest first; those windows are forgotten. */
  take(now: number): DigestSummary[] {
    return this.drain((w) => w.until <= now);
  }

  /** Every open window's summary, due or not (at shutdown). */
  flush(): DigestSummary[] {
    return this.drain(() => true);
  }

  private drain(which: (w: Window) => boolean): DigestSummary[] {
    const done = [...this.open.values()].filter(which).sort((a, b) => a.until - b.until);
    return done.map((w) => {
      this.open.delete(w.kind);
      const single = w.count === 1 && w.only;
      return {
        kind: w.kind,
        count: w.count,
        text: single ? w.only!.text : summaryText(w, w.until - w.from),
        ...(single && w.only!.card ? { card: w.only!.card } : {}),
        silent: w.silent,
        from: w.from,
        until: w.until,
      };
    });
  }
}

/** What {@link HoldBuffer.take} returns. */
export interface HeldDigest {
  /** The heading, then every kept notification in order with its local time. Never truncated: the lane attaches a long one as a file. */
  readonly text: string;
  /** Notifications held, including the dropped ones. */
  readonly count: number;
  /** The oldest ones left out to stay within the byte limit. */
  readonly dropped: number;
}

/** `🌙 Held during quiet hours (23:00–07:00)`: the heading for {@link HoldBuffer.take}. */
export function quietHeading(window: Pick<QuietHours, 'from' | 'to'>): string {
  return `🌙 Held during quiet hours (${describeQuietHours(window)})`;
}

/**
 * Notifications held during quiet hours (with `hold`) or `/mute`, sent as one message at the end.
 * Bounded by bytes: past the limit the oldest go, and the message says how many.
 */
export class HoldBuffer {
  private items: { text: string; at: number; bytes: number }[] = [];
  private head = 0;
  private bytes = 0;
  private droppedCount = 0;
  private readonly maxBytes: number;
  private readonly timeZone: string;

  /** @param options.maxBytes UTF-8 bytes of text kept (default 1 MiB); `timeZone` for each item's time. */
  constructor(options: { timeZone: string; maxBytes?: number }) {
    this.timeZone = options.timeZone;
    this.maxBytes = options.maxBytes ?? 1024 * 1024;
  }

  /** Notifications held now (not counting dropped ones). */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Holds one notification's text. */
  hold(text: string, at: number): void {
    const bytes = Buffer.byteLength(text, 'utf8');
    this.items.push({ text, at, bytes });
    this.bytes += bytes;
    // Keep at least the newest, however long: dropping it would leave nothing to say but a count.
    while (this.bytes > this.maxBytes && this.size > 1) {
      this.bytes -= this.items[this.head]!.bytes;
      this.head++;
      this.droppedCount++;
    }
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * `🌙 Held during quiet hours (23:00–07:00): 12 notifications` and each kept one after its
   * time (`23:14 ✅ FILLED …`); undefined when nothing was held. Empties the buffer.
   */
  take(heading: string): HeldDigest | undefined {
    const kept = this.items.slice(this.head);
    const dropped = this.droppedCount;
    const count = kept.length + dropped;
    this.items = [];
    this.head = this.bytes = this.droppedCount = 0;
    if (count === 0) return undefined;
    const note = dropped ? ` (the oldest ${dropped} left out: over the ${formatBytes(this.maxBytes)} hold limit)` : '';
    const body = kept.map((i) => `${clockText(i.at, this.timeZone)} ${i.text}`).join('\n\n');
    return { text: `${heading}: ${plural(count, 'notification')}${note}\n\n${body}`, count, dropped };
  }
}
