/**
 * The outbox's records: one JSON object per line, followed by a tab and the CRC-32 of the JSON,
 * so a torn or overwritten line is recognised instead of replayed. JSON escapes tabs and line
 * breaks inside strings, so neither can occur in a record.
 */

/** The file's first record: format version and the outbox's id (part keys derive from it). */
export interface HeaderRecord {
  readonly t: 'h';
  readonly v: 1;
  readonly id: string;
}
/** A notification and every destination it was queued for. */
export interface EntryRecord {
  readonly t: 'n';
  readonly s: number;
  readonly d: readonly string[];
  readonly x: string;
  /** Level: `e` error, `i` info. */
  readonly l: 'e' | 'i';
  readonly q?: 1;
  readonly c: number;
  readonly g?: Record<string, string>;
  readonly k?: unknown;
  /** The target it was sent to, when written without a secret (a variable name, `#alerts`…). */
  readonly o?: string;
  /** A file sent with it (name, type, base64 bytes). */
  readonly f?: unknown;
  /** The live message it updates (key and alert). */
  readonly u?: unknown;
}
/** Done at one destination. */
export interface DoneRecord {
  readonly t: 'a';
  readonly s: number;
  readonly d: string;
}
/** A batch about to be sent, with the key its parts carry. */
export interface SendingRecord {
  readonly t: 'b';
  readonly d: string;
  readonly s: readonly number[];
  readonly k: string;
}

/** Any record. */
export type OutboxRecord = HeaderRecord | EntryRecord | DoneRecord | SendingRecord;

const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 of a string's UTF-16 code units (cheap, and the same on both sides). */
export function crc32(text: string): number {
  let c = -1;
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    c = TABLE[(c ^ u) & 0xff]! ^ (c >>> 8);
    c = TABLE[(c ^ (u >>> 8)) & 0xff]! ^ (c >>> 8);
  }
  return (c ^ -1) >>> 0;
}

/** One line, newline included. */
export function encode(record: OutboxRecord): string {
  const json = JSON.stringify(record);
  return `${json}\t${crc32(json).toString(16).padStart(8, '0')}\n`;
}

/** A line (without its newline) back into a record; undefined when it is damaged. */
export function decode(line: string): OutboxRecord | undefined {
  const tab = line.lastIndexOf('\t');
  if (tab < 0 || line.length - tab !== 9) return undefined;
  const json = line.slice(0, tab);
  if (crc32(json).toString(16).padStart(8, '0') !== line.slice(tab + 1)) return undefined;
  try {
    const r = JSON.parse(json) as OutboxRecord;
    return r && typeof r === 'object' && typeof r.t === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}
