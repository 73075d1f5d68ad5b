/** Report slots on a zone's wall clock, through DST changes and in half-hour zones. */
import { describe, expect, it } from 'vitest';
import { describePeriod, isReportPeriod, nextReportAt, periodStart, type ReportSchedule } from '../../src/reports/schedule.js';

const z = (iso: string): number => Date.parse(iso);
const iso = (t: number): string => new Date(t).toISOString().replace('.000Z', 'Z');
const MIN = 60_000;
const H = 3_600_000;
const D = 86_400_000;

/** `count` slots in a row, starting after `from`. */
function slots(from: string, schedule: ReportSchedule, count: number): string[] {
  const out: string[] = [];
  let t = z(from);
  for (let i = 0; i < count; i++) out.push(iso((t = nextReportAt(t, schedule))));
  return out;
}

describe('nextReportAt', () => {
  const berlin = 'Europe/Berlin';

  it.each([
    ['daily 08:00, before it (summer)', '2024-06-10T05:00:00Z', { everyMs: D, at: 480, timeZone: berlin }, '2024-06-10T06:00:00Z'],
    ['daily 08:00, exactly at it: the next day', '2024-06-10T06:00:00Z', { everyMs: D, at: 480, timeZone: berlin }, '2024-06-11T06:00:00Z'],
    ['daily 08:00, after it', '2024-06-10T06:00:01Z', { everyMs: D, at: 480, timeZone: berlin }, '2024-06-11T06:00:00Z'],
    ['daily 08:00 in winter', '2024-01-10T05:00:00Z', { everyMs: D, at: 480, timeZone: berlin }, '2024-01-10T07:00:00Z'],
    ['daily without at: local midnight', '2024-01-10T05:00:00Z', { everyMs: D, timeZone: berlin }, '2024-01-10T23:00:00Z'],
    ['hourly without at: the top of the hour', '2024-01-10T05:17:00Z', { everyMs: H, timeZone: berlin }, '2024-01-10T06:00:00Z'],
    ['hourly in UTC', '2024-01-10T05:17:00Z', { everyMs: H, timeZone: 'UTC' }, '2024-01-10T06:00:00Z'],
    ['15 min', '2024-01-10T05:17:00Z', { everyMs: 15 * MIN, timeZone: berlin }, '2024-01-10T05:30:00Z'],
    ['daily 08:00 in New York', '2024-01-10T05:00:00Z', { everyMs: D, at: 480, timeZone: 'America/New_York' }, '2024-01-10T13:00:00Z'],
  ])('%s', (_name, now, schedule, expected) => expect(iso(nextReportAt(z(now), schedule))).toBe(expected));

  it('4 h anchored at 08:00 falls at 00, 04, 08, 12, 16, 20 local', () => {
    expect(slots('2024-06-10T00:00:00Z', { everyMs: 4 * H, at: 480, timeZone: berlin }, 6)).toEqual([
      '2024-06-10T02:00:00Z', // 04:00 CEST
      '2024-06-10T06:00:00Z',
      '2024-06-10T10:00:00Z',
      '2024-06-10T14:00:00Z',
      '2024-06-10T18:00:00Z',
      '2024-06-10T22:00:00Z', // 00:00 CEST
    ]);
  });

  it('hourly across Berlin spring-forward: 01:00, then 03:00 (02:00 never happens)', () => {
    expect(slots('2024-03-30T23:30:00Z', { everyMs: H, timeZone: berlin }, 4)).toEqual([
      '2024-03-31T00:00:00Z', // 01:00 CET
      '2024-03-31T01:00:00Z', // 03:00 CEST
      '2024-03-31T02:00:00Z',
      '2024-03-31T03:00:00Z',
    ]);
  });

  it('hourly across Berlin fall-back: both 02:00s, so reports stay an hour apart', () => {
    expect(slots('2024-10-26T23:30:00Z', { everyMs: H, timeZone: berlin }, 4)).toEqual([
      '2024-10-27T00:00:00Z', // 02:00 CEST
      '2024-10-27T01:00:00Z', // 02:00 CET
      '2024-10-27T02:00:00Z', // 03:00 CET
      '2024-10-27T03:00:00Z',
    ]);
  });

  it('every 30 min across fall-back stays 30 min apart', () => {
    const out = slots('2024-10-26T23:50:00Z', { everyMs: 30 * MIN, timeZone: berlin }, 6).map(z);
    expect(out.slice(1).map((t, i) => t - out[i]!)).toEqual([30 * MIN, 30 * MIN, 30 * MIN, 30 * MIN, 30 * MIN]);
  });

  it('daily 08:00 around Berlin spring-forward: the period is 23 h', () => {
    const schedule = { everyMs: D, at: 480, timeZone: berlin };
    expect(slots('2024-03-30T06:00:00Z', schedule, 2)).toEqual(['2024-03-30T07:00:00Z', '2024-03-31T06:00:00Z']);
    expect(z('2024-03-31T06:00:00Z') - periodStart(z('2024-03-31T06:00:00Z'), schedule)).toBe(23 * H);
  });

  it('daily 08:00 around Berlin fall-back: the period is 25 h', () => {
    const schedule = { everyMs: D, at: 480, timeZone: berlin };
    expect(slots('2024-10-26T05:00:00Z', schedule, 2)).toEqual(['2024-10-26T06:00:00Z', '2024-10-27T07:00:00Z']);
    expect(z('2024-10-27T07:00:00Z') - periodStart(z('2024-10-27T07:00:00Z'), schedule)).toBe(25 * H);
  });

  it('a daily time the clock skips comes when the clock jumps past it', () => {
    expect(slots('2024-03-30T12:00:00Z', { everyMs: D, at: 150, timeZone: berlin }, 2)).toEqual([
      '2024-03-31T01:00:00Z', // 03:00 CEST: 02:30 does not exist that night
      '2024-04-01T00:30:00Z', // 02:30 CEST
    ]);
  });

  it('a daily time the clock shows twice comes once, at its first showing', () => {
    expect(slots('2024-10-26T12:00:00Z', { everyMs: D, at: 150, timeZone: berlin }, 2)).toEqual([
      '2024-10-27T00:30:00Z', // 02:30 CEST
      '2024-10-28T01:30:00Z', // 02:30 CET the next day
    ]);
  });

  it('Asia/Kolkata (UTC+5:30): the local top of the hour is half past in UTC', () => {
    expect(slots('2024-01-10T05:17:00Z', { everyMs: H, timeZone: 'Asia/Kolkata' }, 2)).toEqual(['2024-01-10T05:30:00Z', '2024-01-10T06:30:00Z']);
    expect(slots('2024-01-10T00:00:00Z', { everyMs: 4 * H, at: 480, timeZone: 'Asia/Kolkata' }, 3)).toEqual([
      '2024-01-10T02:30:00Z', // 08:00 IST
      '2024-01-10T06:30:00Z',
      '2024-01-10T10:30:00Z',
    ]);
    expect(iso(nextReportAt(z('2024-01-10T03:00:00Z'), { everyMs: D, at: 480, timeZone: 'Asia/Kolkata' }))).toBe('2024-01-11T02:30:00Z');
  });

  it('New York spring-forward: hourly skips 02:00', () => {
    expect(slots('2024-03-10T06:30:00Z', { everyMs: H, timeZone: 'America/New_York' }, 2)).toEqual([
      '2024-03-10T07:00:00Z', // 03:00 EDT (01:00 EST was 06:00Z)
      '2024-03-10T08:00:00Z',
    ]);
  });

  it('every minute across Berlin spring-forward: 01:59 CET, then 03:00 CEST', () => {
    expect(slots('2024-03-31T00:58:30Z', { everyMs: MIN, timeZone: berlin }, 3)).toEqual([
      '2024-03-31T00:59:00Z',
      '2024-03-31T01:00:00Z',
      '2024-03-31T01:01:00Z',
    ]);
  });

  it('refuses a period that does not divide a day', () => {
    expect(() => nextReportAt(0, { everyMs: 7 * MIN, timeZone: 'UTC' })).toThrow(RangeError);
  });
});

describe('periodStart', () => {
  const hourly = { everyMs: H, timeZone: 'Europe/Berlin' };
  it('for a report at its slot: the slot before', () => expect(iso(periodStart(z('2024-01-10T10:00:00Z'), hourly))).toBe('2024-01-10T09:00:00Z'));
  it('between slots (/status): the last slot', () => expect(iso(periodStart(z('2024-01-10T10:17:00Z'), hourly))).toBe('2024-01-10T10:00:00Z'));
  it('a 4 h period anchored at 08:00', () =>
    expect(iso(periodStart(z('2024-06-10T09:00:00Z'), { everyMs: 4 * H, at: 480, timeZone: 'Europe/Berlin' }))).toBe('2024-06-10T06:00:00Z'));
});

describe('isReportPeriod', () => {
  it.each([
    [MIN, true],
    [15 * MIN, true],
    [H, true],
    [4 * H, true],
    [12 * H, true],
    [D, true],
    [7 * MIN, false],
    [5 * H, false],
    [2 * D, false],
    [30_000, false],
    [90_000, false],
    [0, false],
  ])('%d ms → %s', (ms, ok) => expect(isReportPeriod(ms)).toBe(ok));
});

describe('describePeriod', () => {
  it.each([
    [D, 'last 24 h'],
    [23 * H, 'last 23 h'],
    [25 * H, 'last 25 h'],
    [4 * H, 'last 4 h'],
    [15 * MIN, 'last 15 min'],
    [90 * MIN, 'last 1 h 30 min'],
    [3 * D, 'last 3 d'],
    [20_000, 'last 20 s'],
  ])('%d ms → %s', (ms, text) => expect(describePeriod(ms)).toBe(text));
});
