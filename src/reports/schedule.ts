/**
 * When periodic reports are due: on the wall clock of a time zone, so a daily report at 08:00
 * arrives at 08:00 there all year, and a 4-hourly one anchored at 08:00 at 00, 04, 08, 12, 16, 20.
 * Pure functions of `now`; the caller owns the timer.
 */
import { describeDuration } from '../config/duration.js';
import { firstInstantAtOrAfter, instantsOf, offsetAt, wallOf } from './zoned.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** More than any offset change a zone makes in one step (DST moves the clock by 1 h, at most 2 h). */
const SLACK = 3 * HOUR;

/** A report schedule, already validated (see `readReportSettings`). */
export interface ReportSchedule {
  /** The period: a whole number of minutes that divides a day (15 min, 1 h, 4 h…), or one day. */
  readonly everyMs: number;
  /** Minutes after local midnight the slots are anchored to; default 0 (midnight, the top of the hour). */
  readonly at?: number;
  /** IANA time zone whose wall clock the slots follow. */
  readonly timeZone: string;
}

/** True when `everyMs` makes a schedule: whole minutes, at least one, dividing a day evenly. */
export function isReportPeriod(everyMs: number): boolean {
  return Number.isInteger(everyMs) && everyMs >= MINUTE && everyMs % MINUTE === 0 && DAY % everyMs === 0;
}

/**
 * The instants of the slots whose wall time lies in [wallFrom, wallTo], sorted.
 *
 * Slots are the wall times `at + k × every` (the same every day, since `every` divides a day).
 * A slot the clock skips (spring forward) falls at the moment the clock jumps past it. A slot the
 * clock shows twice (fall back) counts twice when the period is an hour or less, so hourly reports
 * stay an hour apart; longer periods take the first showing only, like a daily report that must
 * not come twice.
 */
function slotInstants(schedule: ReportSchedule, wallFrom: number, wallTo: number): number[] {
  const { everyMs: every, timeZone } = schedule;
  if (!isReportPeriod(every)) throw new RangeError(`a report period must be whole minutes dividing a day, not ${every} ms`);
  const anchor = (schedule.at ?? 0) * MINUTE;
  const first = anchor + Math.ceil((wallFrom - anchor) / every) * every;
  // Nearly always the zone keeps one offset across the whole span (instants lie within 14 h of
  // their wall time): plain arithmetic then, without asking Intl about every slot.
  const offset = offsetAt(wallFrom - 15 * HOUR, timeZone);
  if (offset === offsetAt(wallTo + 15 * HOUR, timeZone)) {
    const plain: number[] = [];
    for (let w = first; w <= wallTo; w += every) plain.push(w - offset);
    return plain;
  }
  const out = new Set<number>();
  for (let w = first; w <= wallTo; w += every) {
    const found = instantsOf(w, timeZone);
    if (found.length === 0) out.add(firstInstantAtOrAfter(w, timeZone));
    else for (const t of every <= HOUR ? found : found.slice(0, 1)) out.add(t);
  }
  return [...out].sort((a, b) => a - b);
}

/** The first report slot strictly after `now` (epoch ms). */
export function nextReportAt(now: number, schedule: ReportSchedule): number {
  const wall = wallOf(now, schedule.timeZone);
  const next = slotInstants(schedule, wall - SLACK, wall + schedule.everyMs + SLACK).find((t) => t > now);
  // Only a zone that jumps by more than SLACK could leave the window empty; a period later is the honest guess.
  return next ?? now + schedule.everyMs;
}

/**
 * Where the period ending at `end` began: the last slot strictly before it. For a report sent at
 * its slot, the slot before; for a moment between slots (a `/status` mid-period), the last slot.
 */
export function periodStart(end: number, schedule: ReportSchedule): number {
  const wall = wallOf(end, schedule.timeZone);
  const before = slotInstants(schedule, wall - schedule.everyMs - SLACK, wall + SLACK).filter((t) => t < end);
  return before.length ? before[before.length - 1]! : end - schedule.everyMs;
}

/**
 * `last 24 h`, `last 23 h` (a spring-forward day), `last 4 h`, `last 15 min`, `last 1 h 30 min`:
 * the real length of a period, for a report's headline. Hours up to two days, then days.
 */
export function describePeriod(ms: number): string {
  const minutes = Math.round(Math.max(0, ms) / MINUTE);
  if (minutes === 0) return `last ${describeDuration(ms)}`;
  if (minutes >= 2 * 24 * 60) return `last ${describeDuration(minutes * MINUTE)}`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `last ${h ? `${h} h` : ''}${h && m ? ' ' : ''}${m ? `${m} min` : ''}`;
}
