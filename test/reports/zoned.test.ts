/** Wall-clock time in a zone with Intl alone: offsets, gaps and folds. */
import { describe, expect, it } from 'vitest';
import { clockText, firstInstantAtOrAfter, instantsOf, minuteOfDay, offsetAt, wallOf } from '../../src/reports/zoned.js';

const z = (iso: string): number => Date.parse(iso);
const H = 3_600_000;

describe('offsetAt and wallOf', () => {
  it.each([
    ['Europe/Berlin', '2024-01-10T12:00:00Z', 1 * H],
    ['Europe/Berlin', '2024-07-10T12:00:00Z', 2 * H],
    ['Asia/Kolkata', '2024-07-10T12:00:00Z', 5.5 * H],
    ['America/New_York', '2024-01-10T12:00:00Z', -5 * H],
    ['UTC', '2024-01-10T12:00:00Z', 0],
  ])('%s at %s is %d ms from UTC', (zone, iso, offset) => {
    expect(offsetAt(z(iso), zone)).toBe(offset);
    expect(wallOf(z(iso), zone)).toBe(z(iso) + offset);
  });

  it('keeps the milliseconds of the instant', () => expect(wallOf(z('2024-01-10T12:00:00.250Z'), 'UTC')).toBe(z('2024-01-10T12:00:00.250Z')));

  it('reads minutes after midnight and HH:MM in the zone', () => {
    expect(minuteOfDay(z('2024-01-10T22:30:00Z'), 'Asia/Kolkata')).toBe(4 * 60);
    expect(clockText(z('2024-01-10T22:30:00Z'), 'Asia/Kolkata')).toBe('04:00');
    expect(clockText(z('2024-07-10T06:05:00Z'), 'Europe/Berlin')).toBe('08:05');
  });
});

describe('instantsOf', () => {
  it('an ordinary wall time is one instant', () => {
    expect(instantsOf(z('2024-06-10T08:00:00Z'), 'Europe/Berlin')).toEqual([z('2024-06-10T06:00:00Z')]);
  });

  it('Berlin shows 02:30 twice on its fall-back day, earliest first', () => {
    expect(instantsOf(z('2024-10-27T02:30:00Z'), 'Europe/Berlin')).toEqual([z('2024-10-27T00:30:00Z'), z('2024-10-27T01:30:00Z')]);
  });

  it('Berlin never shows 02:30 on its spring-forward day', () => {
    expect(instantsOf(z('2024-03-31T02:30:00Z'), 'Europe/Berlin')).toEqual([]);
  });
});

describe('firstInstantAtOrAfter', () => {
  it('a skipped time falls when the clock jumps past it (02:30 → 03:00 summer time)', () => {
    expect(firstInstantAtOrAfter(z('2024-03-31T02:30:00Z'), 'Europe/Berlin')).toBe(z('2024-03-31T01:00:00Z'));
    expect(firstInstantAtOrAfter(z('2024-03-10T02:15:00Z'), 'America/New_York')).toBe(z('2024-03-10T07:00:00Z'));
  });

  it('a repeated time falls at its first showing', () => {
    expect(firstInstantAtOrAfter(z('2024-10-27T02:30:00Z'), 'Europe/Berlin')).toBe(z('2024-10-27T00:30:00Z'));
  });
});
