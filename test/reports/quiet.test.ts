/** Quiet hours: one stretch of real time on a zone's wall clock, wrapping midnight or not, through DST. */
import { describe, expect, it } from 'vitest';
import { describeQuietHours, quietState } from '../../src/reports/quiet.js';

const z = (iso: string): number => Date.parse(iso);
const berlinNight = { from: 23 * 60, to: 7 * 60, timeZone: 'Europe/Berlin' };

describe('quietState', () => {
  it.each([
    ['22:59 CET: not yet, starts at 23:00', '2024-01-10T21:59:00Z', { quiet: false, startsAt: z('2024-01-10T22:00:00Z') }],
    ['23:00: quiet until 07:00 tomorrow', '2024-01-10T22:00:00Z', { quiet: true, endsAt: z('2024-01-11T06:00:00Z') }],
    ['03:00: quiet until 07:00 today', '2024-01-11T02:00:00Z', { quiet: true, endsAt: z('2024-01-11T06:00:00Z') }],
    ['06:59:59: still quiet', '2024-01-11T05:59:59Z', { quiet: true, endsAt: z('2024-01-11T06:00:00Z') }],
    ['07:00: over, next at 23:00', '2024-01-11T06:00:00Z', { quiet: false, startsAt: z('2024-01-11T22:00:00Z') }],
    ['12:00 in summer: starts at 23:00 CEST', '2024-07-11T10:00:00Z', { quiet: false, startsAt: z('2024-07-11T21:00:00Z') }],
  ])('wrapping midnight, Berlin: %s', (_name, now, state) => expect(quietState(z(now), berlinNight)).toEqual(state));

  it.each([
    ['11:59', '2024-01-10T10:59:00Z', { quiet: false, startsAt: z('2024-01-10T11:00:00Z') }],
    ['12:30', '2024-01-10T11:30:00Z', { quiet: true, endsAt: z('2024-01-10T12:00:00Z') }],
    ['13:00', '2024-01-10T12:00:00Z', { quiet: false, startsAt: z('2024-01-11T11:00:00Z') }],
  ])('within a day (12:00–13:00 Berlin): %s', (_name, now, state) =>
    expect(quietState(z(now), { from: 12 * 60, to: 13 * 60, timeZone: 'Europe/Berlin' })).toEqual(state),
  );

  it('spring-forward: a closing time the clock skips closes the window when the clock jumps', () => {
    const window = { from: 60, to: 150, timeZone: 'Europe/Berlin' }; // 01:00–02:30, and 02:30 never comes on 31 March
    expect(quietState(z('2024-03-31T00:30:00Z'), window)).toEqual({ quiet: true, endsAt: z('2024-03-31T01:00:00Z') });
    expect(quietState(z('2024-03-31T01:00:00Z'), window).quiet).toBe(false);
  });

  it('spring-forward night 23:00–07:00 is an hour shorter in real time', () => {
    expect(quietState(z('2024-03-30T22:00:00Z'), berlinNight)).toEqual({ quiet: true, endsAt: z('2024-03-31T05:00:00Z') });
  });

  it('fall-back: a window that closed at 02:30 does not reopen when the clock shows 02:00 again', () => {
    const window = { from: 23 * 60, to: 150, timeZone: 'Europe/Berlin' };
    expect(quietState(z('2024-10-27T00:10:00Z'), window)).toEqual({ quiet: true, endsAt: z('2024-10-27T00:30:00Z') }); // 02:10 CEST
    expect(quietState(z('2024-10-27T01:10:00Z'), window)).toEqual({ quiet: false, startsAt: z('2024-10-27T22:00:00Z') }); // 02:10 CET
  });

  it('Asia/Kolkata 22:00–06:00', () => {
    const window = { from: 22 * 60, to: 6 * 60, timeZone: 'Asia/Kolkata' };
    expect(quietState(z('2024-01-10T16:29:00Z'), window).quiet).toBe(false);
    expect(quietState(z('2024-01-10T16:30:00Z'), window)).toEqual({ quiet: true, endsAt: z('2024-01-11T00:30:00Z') });
  });

  it('a window from a time to the same time is never quiet', () => {
    expect(quietState(z('2024-01-10T22:30:00Z'), { from: 23 * 60, to: 23 * 60, timeZone: 'UTC' })).toEqual({ quiet: false });
  });
});

describe('describeQuietHours', () => {
  it('writes the window as people do', () => expect(describeQuietHours({ from: 23 * 60, to: 7 * 60 })).toBe('23:00–07:00'));
});
