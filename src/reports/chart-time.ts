/**
 * The time axis of a chart, in the reader's time zone: ticks on round wall-clock times (every
 * 15 minutes, every day at midnight, the first of a month) and their labels, times or dates
 * depending on the span.
 */
import { isTimeZone } from '../config/duration.js';

/** A wall-clock reading in a time zone. */
interface Wall {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** One formatter per time zone: building them is the slow part. */
const wallFormats = new Map<string, Intl.DateTimeFormat>();

/** Answers `timeZone` if Intl knows it, else `'UTC'` (a chart never fails over a typo). */
export function knownTimeZone(timeZone: string | undefined): string {
  return isTimeZone(timeZone) ? timeZone : 'UTC';
}

function wallFormat(timeZone: string): Intl.DateTimeFormat {
  let f = wallFormats.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
    wallFormats.set(timeZone, f);
  }
  return f;
}

/** The wall clock at instant `t` in `timeZone`. */
function wallAt(t: number, timeZone: string): Wall {
  const parts: Record<string, number> = {};
  for (const p of wallFormat(timeZone).formatToParts(t)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1, hour: parts.hour ?? 0, minute: parts.minute ?? 0 };
}

/** A wall-clock reading as if it were UTC: arithmetic on it is plain calendar arithmetic. */
function wallMs(w: Wall): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
}

/**
 * The instant showing wall-clock `ms` (as from {@link wallMs}) in `timeZone`. Two rounds settle
 * the offset across a DST change; a wall time skipped by DST lands just after the gap.
 */
function instantOf(ms: number, timeZone: string): number {
  let t = ms;
  for (let i = 0; i < 2; i++) t = ms - (wallMs(wallAt(t, timeZone)) - t);
  return t;
}

/** How labels of one tick step are written. */
type LabelKind = 'time' | 'day' | 'month' | 'year';

interface Step {
  /** Fixed-length steps in wall-clock milliseconds; calendar months for `months`. */
  readonly ms?: number;
  readonly months?: number;
  readonly kind: LabelKind;
}

/** Tick steps from 1 minute to 50 years, shortest first. */
const STEPS: readonly Step[] = [
  ...[1, 2, 5, 10, 15, 30].map((m) => ({ ms: m * MINUTE, kind: 'time' as const })),
  ...[1, 2, 3, 4, 6, 12].map((h) => ({ ms: h * HOUR, kind: 'time' as const })),
  ...[1, 2, 7, 14].map((d) => ({ ms: d * DAY, kind: 'day' as const })),
  ...[1, 2, 3, 6].map((m) => ({ months: m, kind: 'month' as const })),
  ...[1, 2, 5, 10, 20, 50].map((y) => ({ months: 12 * y, kind: 'year' as const })),
];

/** 1970-01-01 was a Thursday; week ticks fall on Mondays. */
const MONDAY = 4 * DAY;

/** The wall-clock tick times of `step` from `from` to `to` (wall milliseconds). */
function wallTicks(from: number, to: number, step: Step): number[] {
  const out: number[] = [];
  if (step.ms !== undefined) {
    const anchor = step.ms >= 7 * DAY ? MONDAY : 0;
    for (let t = Math.ceil((from - anchor) / step.ms) * step.ms + anchor; t <= to; t += step.ms) out.push(t);
    return out;
  }
  const months = step.months ?? 1;
  const start = new Date(from);
  let index = start.getUTCFullYear() * 12 + start.getUTCMonth();
  index = Math.ceil(index / months) * months;
  for (;;) {
    const t = Date.UTC(Math.floor(index / 12), index % 12, 1);
    if (t > to) return out;
    if (t >= from) out.push(t);
    index += months;
  }
}

/** A tick on the time axis. */
export interface TimeTick {
  /** The instant (epoch milliseconds). */
  readonly t: number;
  readonly label: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** Writes a wall-clock tick as its step reads best: 14:30, Mar 8, Mar 2026, 2026. */
function label(wall: number, kind: LabelKind, withYear: boolean): string {
  const d = new Date(wall);
  const month = MONTHS[d.getUTCMonth()] ?? '';
  switch (kind) {
    case 'time':
      // Midnight starts a new day: name the day instead of 00:00.
      if (d.getUTCHours() === 0 && d.getUTCMinutes() === 0) return `${month} ${d.getUTCDate()}`;
      return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
    case 'day':
      return withYear ? `${month} ${d.getUTCDate()}, ${d.getUTCFullYear()}` : `${month} ${d.getUTCDate()}`;
    case 'month':
      return withYear || d.getUTCMonth() === 0 ? `${month} ${d.getUTCFullYear()}` : month;
    case 'year':
      return String(d.getUTCFullYear());
  }
}

/**
 * Ticks for the span `[from, to]` in `timeZone`, at most `maxTicks` of them, on the shortest
 * round step that fits. Dates carry the year when the span is not all in the year of `now`.
 */
export function timeTicks(from: number, to: number, timeZone: string, maxTicks: number, now: number): TimeTick[] {
  const wFrom = wallMs(wallAt(from, timeZone));
  const wTo = wallMs(wallAt(to, timeZone));
  const span = Math.max(wTo - wFrom, MINUTE);
  const nowYear = wallAt(now, timeZone).year;
  const withYear = new Date(wFrom).getUTCFullYear() !== nowYear || new Date(wTo).getUTCFullYear() !== nowYear;
  for (const step of STEPS) {
    const length = step.ms ?? (step.months ?? 1) * 30 * DAY;
    if (span / length > maxTicks) continue;
    const walls = wallTicks(wFrom, wTo, step);
    if (walls.length > maxTicks) continue;
    return walls.map((w) => ({ t: instantOf(w, timeZone), label: label(w, step.kind, withYear) })).filter((tick) => tick.t >= from && tick.t <= to);
  }
  return [];
}

/**
 * Writes the period `[from, to]` for the subtitle: `Mar 1, 09:00 – Mar 8, 09:00 UTC`, with the
 * year when the period is not all in the year of `now`.
 */
export function formatPeriod(from: number, to: number, timeZone: string, now: number): string {
  const a = wallAt(from, timeZone);
  const b = wallAt(to, timeZone);
  const nowYear = wallAt(now, timeZone).year;
  const withYear = a.year !== nowYear || b.year !== nowYear;
  const date = (w: Wall): string => `${MONTHS[w.month - 1] ?? ''} ${w.day}${withYear ? `, ${w.year}` : ''}`;
  const time = (w: Wall): string => `${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
  if (from === to) return `${date(a)}, ${time(a)} ${timeZone}`;
  // Within one day the date is said once: Mar 1, 10:00 – 11:00.
  const end = date(a) === date(b) && a.year === b.year ? time(b) : `${date(b)}, ${time(b)}`;
  return `${date(a)}, ${time(a)} \u2013 ${end} ${timeZone}`;
}
