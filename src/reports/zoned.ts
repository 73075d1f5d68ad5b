/**
 * Wall-clock time in an IANA time zone with nothing but `Intl`: the zone's offset at an instant,
 * the wall time an instant shows, and the instants a wall time stands for (none in a spring-forward
 * gap, two in a fall-back fold). Schedules and quiet hours are built on these.
 */

const MINUTE = 60_000;
const HOUR = 3_600_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The time zone this machine runs in (`UTC` when the runtime cannot tell). */
export function machineTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * The wall time `instant` shows in `timeZone`, as epoch ms of the same reading in UTC
 * (so 08:00 local is `Date.UTC(y, m, d, 8)`): day arithmetic on it needs no zone.
 */
export function wallOf(instant: number, timeZone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(whole)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  // Years before 100 would be read as 19xx by Date.UTC: not a case for trading reports.
  return wall + (instant - whole);
}

/** The zone's offset from UTC at `instant`, in ms (Berlin in summer: 7 200 000). */
export function offsetAt(instant: number, timeZone: string): number {
  return wallOf(instant, timeZone) - instant;
}

/** Minutes after local midnight at `instant` (0–1439). */
export function minuteOfDay(instant: number, timeZone: string): number {
  const wall = wallOf(instant, timeZone);
  return Math.floor((((wall % 86_400_000) + 86_400_000) % 86_400_000) / MINUTE);
}

/**
 * The instants at which the clock in `timeZone` shows `wall` (see {@link wallOf}), earliest
 * first: one on an ordinary day, two in a fall-back fold, none in a spring-forward gap.
 */
export function instantsOf(wall: number, timeZone: string): number[] {
  // Any instant showing `wall` lies within a day of it; a zone changes its offset at most once in that span.
  const before = offsetAt(wall - 26 * HOUR, timeZone);
  const after = offsetAt(wall + 26 * HOUR, timeZone);
  const out: number[] = [];
  for (const offset of before === after ? [before] : [before, after]) {
    const t = wall - offset;
    if (offsetAt(t, timeZone) === offset) out.push(t);
  }
  return out.sort((a, b) => a - b);
}

/**
 * The instant the clock first shows `wall` or later: the wall time itself on an ordinary day
 * (the first of the two in a fold), and the end of the gap when the clock skips it
 * (02:30 on Berlin's spring-forward day → 03:00 summer time).
 */
export function firstInstantAtOrAfter(wall: number, timeZone: string): number {
  const found = instantsOf(wall, timeZone);
  if (found.length) return found[0]!;
  // In a gap: the clock jumps past `wall` somewhere between the two readings; find the jump to the second.
  let lo = wall - offsetAt(wall + 26 * HOUR, timeZone); // still before the jump
  let hi = wall - offsetAt(wall - 26 * HOUR, timeZone); // already after it
  if (lo > hi) [lo, hi] = [hi, lo];
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (wallOf(mid, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** `08:00`: the wall-clock time `instant` shows in `timeZone`. */
export function clockText(instant: number, timeZone: string): string {
  return formatClock(minuteOfDay(instant, timeZone));
}

/** Minutes after midnight as `HH:MM`. */
export function formatClock(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}
