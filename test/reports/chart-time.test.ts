import { describe, expect, it } from 'vitest';
import { formatPeriod, knownTimeZone, timeTicks } from '../../src/reports/chart-time.js';

const H = 3_600_000;
const D = 24 * H;
const now = Date.UTC(2026, 2, 10);

describe('timeTicks', () => {
  it('a few hours: clock times on round wall-clock minutes of the zone, midnight named by its date', () => {
    // India is UTC+5:30: UTC-aligned hours would read 05:30, 06:30…
    const from = Date.UTC(2026, 2, 1, 12, 10);
    const ticks = timeTicks(from, from + 12 * H, 'Asia/Kolkata', 3, now);
    expect(ticks.map((t) => t.label)).toEqual(['20:00', 'Mar 2', '04:00']);
    expect(ticks[0]?.t).toBe(Date.UTC(2026, 2, 1, 14, 30));
  });

  it('days: dates at local midnight, across a DST change', () => {
    // Europe/Berlin moves to summer time on 2026-03-29.
    const ticks = timeTicks(Date.UTC(2026, 2, 27, 12), Date.UTC(2026, 2, 31, 12), 'Europe/Berlin', 6, now);
    expect(ticks.map((t) => t.label)).toEqual(['Mar 28', 'Mar 29', 'Mar 30', 'Mar 31']);
    expect(ticks.map((t) => t.t)).toEqual([Date.UTC(2026, 2, 27, 23), Date.UTC(2026, 2, 28, 23), Date.UTC(2026, 2, 29, 22), Date.UTC(2026, 2, 30, 22)]);
  });

  it('weeks fall on Mondays; a year away from now shows the year', () => {
    const ticks = timeTicks(Date.UTC(2025, 0, 1), Date.UTC(2025, 1, 20), 'UTC', 5, now);
    expect(ticks.map((t) => t.label)).toEqual(['Jan 6, 2025', 'Jan 20, 2025', 'Feb 3, 2025', 'Feb 17, 2025']);
  });

  it('months, then years, for long spans', () => {
    expect(timeTicks(Date.UTC(2025, 5, 1), Date.UTC(2026, 4, 31), 'UTC', 5, now).map((t) => t.label)).toEqual(['Jul 2025', 'Oct 2025', 'Jan 2026', 'Apr 2026']);
    expect(timeTicks(Date.UTC(2018, 5, 1), Date.UTC(2026, 0, 1), 'UTC', 5, now).map((t) => t.label)).toEqual(['2020', '2022', '2024', '2026']);
  });

  it('never more ticks than asked, all inside the span', () => {
    for (const span of [5 * 60_000, 3 * H, 2 * D, 40 * D, 400 * D, 9000 * D]) {
      const from = Date.UTC(2024, 1, 29, 7, 13);
      const ticks = timeTicks(from, from + span, 'America/New_York', 5, now);
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      expect(ticks.length).toBeLessThanOrEqual(5);
      for (const t of ticks) expect(t.t >= from && t.t <= from + span).toBe(true);
    }
  });
});

describe('formatPeriod and knownTimeZone', () => {
  it('writes the period in the zone, the date once within a day, the year when not this year', () => {
    expect(formatPeriod(Date.UTC(2026, 2, 1, 9), Date.UTC(2026, 2, 8, 9), 'Europe/Berlin', now)).toBe('Mar 1, 10:00 \u2013 Mar 8, 10:00 Europe/Berlin');
    expect(formatPeriod(Date.UTC(2026, 2, 1, 9), Date.UTC(2026, 2, 1, 17), 'UTC', now)).toBe('Mar 1, 09:00 \u2013 17:00 UTC');
    expect(formatPeriod(Date.UTC(2025, 11, 30), Date.UTC(2026, 0, 2), 'UTC', now)).toBe('Dec 30, 2025, 00:00 \u2013 Jan 2, 2026, 00:00 UTC');
    expect(formatPeriod(Date.UTC(2026, 2, 1, 9), Date.UTC(2026, 2, 1, 9), 'UTC', now)).toBe('Mar 1, 09:00 UTC');
  });

  it('an unknown or missing zone is UTC', () => {
    expect(knownTimeZone('Mars/Olympus')).toBe('UTC');
    expect(knownTimeZone(undefined)).toBe('UTC');
    expect(knownTimeZone('Asia/Tokyo')).toBe('Asia/Tokyo');
  });
});
