/**
 * The channel-mapping grammar (`NOTIFICATIONS_CHANNEL_MAPPING="error=alerts,ema-cross=ema"`) and
 * how a notification picks its entry: entries are tried in the order written; the first whose
 * key equals one of the notification's attributes wins. A key may name its attribute
 * (`strategy:ema-cross`); a bare key matches any.
 */
import { EVENT_KINDS } from './events.js';
import type { ConfigProblem } from './problems.js';
import { TAG_NAMES, type Tags } from './tags.js';

/** Attributes a mapping key may name: every tag, and the level. */
export const QUALIFIERS = [...TAG_NAMES, 'level'] as const;

/** One of {@link QUALIFIERS}. */
export type Qualifier = (typeof QUALIFIERS)[number];

/** A notification's attributes as mapping sees them. */
export interface Attributes extends Tags {
  readonly level: 'info' | 'error';
}

/** One `key=channel` entry. */
export interface MappingEntry {
  /** The attribute the key names; undefined: any attribute. */
  readonly qualifier?: Qualifier;
  /** Compared without regard to case. */
  readonly key: string;
  /** The channel as written; the bot's driver checks it. */
  readonly channel: string;
  /** The entry as written, for dry runs and messages. */
  readonly text: string;
}

/** Event names a mapping may use besides the host events. */
const OTHER_EVENTS = ['log'];

const FORMS =
  'key=channel entries separated by commas, where key is a bare value (error, ema-cross, BTC-USDT) or qualifier:value with qualifier one of ' +
  `${QUALIFIERS.join(', ')} (e.g. event:order.filled, strategy:ema-cross, mode:paper, level:error, event:custom:<name>)`;

/** Parses a mapping variable; every entry that cannot work is a problem. */
export function parseMapping(raw: string, variable: string): { entries: MappingEntry[]; problems: ConfigProblem[] } {
  const entries: MappingEntry[] = [];
  const problems: ConfigProblem[] = [];
  const bad = (message: string, fix = `write ${FORMS}`): void => void problems.push({ variable, message, fix });
  for (const item of raw
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = item.indexOf('=');
    if (eq < 0) {
      bad(`"${item}" has no "=": each entry is key=channel`);
      continue;
    }
    const left = item.slice(0, eq).trim();
    const channel = item.slice(eq + 1).trim();
    if (!left) bad(`"${item}" has an empty key`);
    if (!channel) bad(`"${item}" has an empty channel`, 'name the channel after "=", e.g. error=alerts');
    if (!left || !channel) continue;
    const parsed = parseKey(left);
    if ('message' in parsed) {
      bad(`"${item}": ${parsed.message}`);
      continue;
    }
    entries.push({ ...parsed, channel, text: `${left}=${channel}` });
  }
  return { entries, problems };
}

function parseKey(left: string): { qualifier?: Qualifier; key: string } | { message: string } {
  const colon = left.indexOf(':');
  if (colon < 0) return { key: left };
  const word = left.slice(0, colon).toLowerCase();
  const rest = left.slice(colon + 1).trim();
  // A bare custom:<name> means the custom event of that name.
  if (word === 'custom') return rest ? { qualifier: 'event', key: `custom:${rest}` } : { message: 'custom: needs an event name (custom:<name>)' };
  if ((QUALIFIERS as readonly string[]).includes(word)) {
    if (!rest) return { message: `${word}: needs a value` };
    const qualifier = word as Qualifier;
    const problem = checkValue(qualifier, rest);
    return problem ? { message: problem } : { qualifier, key: rest };
  }
  // `BTC/USDT:USDT` is a symbol, not a qualifier; a plain word before ':' is a mistyped qualifier.
  if (/^[a-z]+$/i.test(word)) return { message: `"${word}" is not a qualifier` };
  return { key: left };
}

function checkValue(qualifier: Qualifier, value: string): string | undefined {
  const v = value.toLowerCase();
  if (qualifier === 'level' && v !== 'info' && v !== 'error') return 'level is info or error';
  if (qualifier === 'mode' && v !== 'live' && v !== 'paper') return 'mode is live or paper';
  if (qualifier === 'event' && !v.startsWith('custom:') && ![...EVENT_KINDS, ...OTHER_EVENTS].includes(v)) {
    return `"${value}" is not an event; events are ${[...EVENT_KINDS.filter((k) => k !== 'custom'), ...OTHER_EVENTS].join(', ')} and custom:<name>`;
  }
  return undefined;
}

/** True when the entry's key equals the attribute it names (any attribute for a bare key). */
export function matches(entry: MappingEntry, attributes: Attributes): boolean {
  const key = entry.key.toLowerCase();
  const names: readonly Qualifier[] = entry.qualifier ? [entry.qualifier] : QUALIFIERS;
  return names.some((name) => attributes[name]?.toLowerCase() === key);
}

/** The first entry that matches, or undefined (then the default channel). */
export function chooseEntry<E extends MappingEntry>(entries: readonly E[], attributes: Attributes): E | undefined {
  return entries.find((e) => matches(e, attributes));
}
