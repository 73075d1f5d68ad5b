import { describe, expect, it } from 'vitest';
import { describeDuration, isTimeZone, parseClockTime, parseDuration } from '../../src/config/duration.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    [' 1.5h ', 5_400_000],
    ['2H', 7_200_000],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '15', 'm', '1w', '-1h', '1h-', 'soon', '1 hour'])('refuses %j', (text) => expect(parseDuration(text)).toBeUndefined());

  it('refuses what is not a string', () => expect(parseDuration(900)).toBeUndefined());
});

describe('describeDuration', () => {
  it.each([
    [900_000, '15 min'],
    [3_600_000, '1 h'],
    [5_400_000, '1 h 30 min'],
    [90_061_000, '1 d 1 h'],
    [0, '0 s'],
  ])('%d ms → %s', (ms, text) => expect(describeDuration(ms)).toBe(text));
});

describe('parseClockTime', () => {
  it('reads HH:MM as minutes after midnight', () => {
    expect(parseClockTime('08:00')).toBe(480);
    expect(parseClockTime('7:05')).toBe(425);
    expect(parseClockTime('23:59')).toBe(1439);
  });
  it.each(['24:00', '12:60', '8', '08-00', ''])('refuses %j', (t) => expect(parseClockTime(t)).toBeUndefined());
});

describe('isTimeZone', () => {
  it('knows IANA zones and refuses others', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});
