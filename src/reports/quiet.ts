/**
 * Quiet hours: a nightly window (`23:00`–`07:00`, or one inside a day) on a time zone's wall
 * clock, during which info notifications go out silent or are held. Errors are never held or
 * silenced: that is the caller's rule, not this module's.
 */
import { nextReportAt, periodStart } from './schedule.js';
import { formatClock } from './zoned.js';

const DAY = 86_400_000;

/** A quiet-hours window, already validated (see `readReportSettings`). */
export interface QuietHours {
  /** Minutes after local midnight the window opens. */
  readonly from: number;
  /** Minutes after local midnight it closes; before `from` when it wraps midnight. Never equal to `from`. */
  readonly to: number;
  readonly timeZone: string;
  /** Hold info notifications and send them as one digest when the window closes, instead of sending them silent. */
  readonly hold: boolean;
}

/** Whether `now` is in quiet hours; when it is, when they end, and when not, when they next begin. */
export interface QuietState {
  readonly quiet: boolean;
  /** When quiet: the instant the window closes (the caller sends what it held then). */
  readonly endsAt?: number;
  /** When not quiet: the instant the window next opens. */
  readonly startsAt?: number;
}

/**
 * Quiet or not at `now` (epoch ms). The window is one stretch of real time: from the moment the
 * clock last showed `from` to the first moment after it the clock shows `to`. So a fall-back
 * night that shows 02:00–03:00 twice does not reopen a window that closed at 02:30, and a closing
 * time the clock skips (spring forward) closes the window when the clock jumps past it.
 */
export function quietState(now: number, window: Pick<QuietHours, 'from' | 'to' | 'timeZone'>): QuietState {
  const { from, to, timeZone } = window;
  if (from === to) return { quiet: false };
  const opened = periodStart(now + 1, { everyMs: DAY, at: from, timeZone });
  const closes = nextReportAt(opened, { everyMs: DAY, at: to, timeZone });
  if (now < closes) return { quiet: true, endsAt: closes };
  return { quiet: false, startsAt: nextReportAt(now, { everyMs: DAY, at: from, timeZone }) };
}

/** `23:00–07:00`: the window as people write it. */
export function describeQuietHours(window: Pick<QuietHours, 'from' | 'to'>): string {
  return `${formatClock(window.from)}–${formatClock(window.to)}`;
}
