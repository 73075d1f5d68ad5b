import { readFileSync } from 'node:fs';

/** One OHLCV bar. `time` is the bar's open time in epoch milliseconds (UTC). */
export interface Candle {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

const COLUMNS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;
type Column = (typeof COLUMNS)[number];

/** Aliases seen in exchange exports, so a CSV downloaded elsewhere loads as is. */
const ALIASES: Record<string, Column> = {
  time: 'time',
  timestamp: 'time',
  date: 'time',
  datetime: 'time',
  open_time: 'time',
  opentime: 'time',
  open: 'open',
  o: 'open',
  high: 'high',
  h: 'high',
  low: 'low',
  l: 'low',
  close: 'close',
  c: 'close',
  volume: 'volume',
  vol: 'volume',
  v: 'volume',
};

/**
 * Reads a candle CSV file. See {@link parseCandles} for the accepted format.
 *
 * @param path - a file path or a `file:` URL (e.g. `new URL('./candles.csv', import.meta.url)`)
 * @throws Error naming the file and line when the data is malformed
 */
export function loadCandles(path: string | URL): Candle[] {
  const text = readFileSync(path, 'utf8');
  const name = typeof path === 'string' ? path : path.pathname;
  return parseCandles(text, name);
}

/**
 * Parses candle CSV text.
 *
 * Accepts: an optional UTF-8 BOM; LF or CRLF line ends; blank lines and `#` comment lines;
 * a header naming the columns in any order (common aliases such as `timestamp`, `o`, `vol`
 * are understood) or no header, in which case the order `time,open,high,low,close[,volume]`
 * is assumed; double-quoted fields; `time` as an ISO 8601 string or epoch seconds or
 * milliseconds. Rows must be strictly increasing in time and internally consistent
 * (`low <= open, close <= high`), because a replay over bad bars produces fills that could
 * never happen.
 *
 * @param source - used only in error messages
 */
export function parseCandles(text: string, source = 'candles'): Candle[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let index: Record<Column, number> | undefined;
  const candles: Candle[] = [];

  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${source}:${i + 1}`;
    const fields = splitCsvLine(line, where);

    if (index === undefined) {
      const header = headerIndex(fields);
      if (header !== undefined) {
        index = header;
        return;
      }
      // No header: positional columns, volume optional.
      index = { time: 0, open: 1, high: 2, low: 3, close: 4, volume: 5 };
    }
    const cols = index;

    const num = (col: Column): number => {
      const cell = fields[cols[col]];
      if (cell === undefined || cell === '') {
        if (col === 'volume') return 0;
        throw new Error(`${where}: missing ${col}`);
      }
      const value = Number(cell);
      if (!Number.isFinite(value)) throw new Error(`${where}: ${col} is not a number: ${JSON.stringify(cell)}`);
      return value;
    };

    const candle: Candle = {
      time: parseTime(fields[cols.time], where),
      open: num('open'),
      high: num('high'),
      low: num('low'),
      close: num('close'),
      volume: num('volume'),
    };
    if (candle.low > Math.min(candle.open, candle.close) || candle.high < Math.max(candle.open, candle.close)) {
      throw new Error(`${where}: inconsistent bar (low ${candle.low}, high ${candle.high}, open ${candle.open}, close ${candle.close})`);
    }
    if (candle.volume < 0) throw new Error(`${where}: negative volume`);
    const prev = candles[candles.length - 1];
    if (prev !== undefined && candle.time <= prev.time) {
      throw new Error(`${where}: time ${new Date(candle.time).toISOString()} is not after the previous row`);
    }
    candles.push(candle);
  });

  return candles;
}

/** Returns column positions if `fields` is a header row, otherwise undefined. */
function headerIndex(fields: string[]): Record<Column, number> | undefined {
  const found: Partial<Record<Column, number>> = {};
  let named = 0;
  fields.forEach((f, i) => {
    const col = ALIASES[f.trim().toLowerCase()];
    if (col !== undefined && found[col] === undefined) {
      found[col] = i;
      named++;
    }
  });
  if (named === 0) return undefined;
  for (const col of COLUMNS) {
    if (col !== 'volume' && found[col] === undefined) throw new Error(`CSV header lacks a "${col}" column: ${fields.join(',')}`);
  }
  return { ...found, volume: found.volume ?? -1 } as Record<Column, number>;
}

/** Splits one CSV line, honouring double quotes and `""` escapes. */
function splitCsvLine(line: string, where: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        cur += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      out.push(cur.trim());
      cur = '';
    } else {
      cur += ch;
    }
  }
  if (quoted) throw new Error(`${where}: unterminated quoted field`);
  out.push(cur.trim());
  return out;
}

function parseTime(cell: string | undefined, where: string): number {
  if (cell === undefined || cell === '') throw new Error(`${where}: missing time`);
  if (/^\d+(\.\d+)?$/.test(cell)) {
    const n = Number(cell);
    // Epoch seconds are < 1e11 until the year 5138; anything larger is milliseconds.
    return n < 1e11 ? Math.round(n * 1000) : Math.round(n);
  }
  // Exchange exports often omit the zone; candle times are UTC, never local time.
  const iso = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(cell) ? `${cell.replace(' ', 'T')}Z` : cell;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`${where}: unreadable time ${JSON.stringify(cell)}`);
  return t;
}
