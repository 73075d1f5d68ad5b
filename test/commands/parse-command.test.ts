import { describe, expect, it } from 'vitest';
import { isForBot, MUTE_DEFAULT_MS, parseCommand, readMuteDuration } from '../../src/commands/parse-command.js';

describe('parseCommand', () => {
  it.each([
    ['/status', { name: 'status', args: '' }],
    ['  /Status  ', { name: 'status', args: '' }],
    ['/mute 30m', { name: 'mute', args: '30m' }],
    ['/mute   1h 30m ', { name: 'mute', args: '1h 30m' }],
    ['/status@HeraldBot', { name: 'status', args: '', bot: 'HeraldBot' }],
    ['/mute@HeraldBot 2h', { name: 'mute', args: '2h', bot: 'HeraldBot' }],
    ['/mute\n2h', { name: 'mute', args: '2h' }],
  ])('%j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it.each(['status', 'hello /status', '/', '/sta-tus', '/status@', '/status@bot@bot', '', 42, undefined])('%j is no command', (text) => {
    expect(parseCommand(text)).toBeUndefined();
  });

  it('a command naming another bot is not for this one; usernames compare without case', () => {
    expect(isForBot(parseCommand('/status@OtherBot')!, 'herald_bot')).toBe(false);
    expect(isForBot(parseCommand('/status@Herald_Bot')!, 'herald_bot')).toBe(true);
    expect(isForBot(parseCommand('/status')!, 'herald_bot')).toBe(true);
    expect(isForBot(parseCommand('/status@herald_bot')!, undefined)).toBe(false);
  });
});

describe('readMuteDuration', () => {
  it('defaults to one hour and reads durations as users write them', () => {
    expect(readMuteDuration('')).toEqual({ ms: MUTE_DEFAULT_MS });
    expect(readMuteDuration('1h')).toEqual({ ms: 3_600_000 });
    expect(readMuteDuration('30m')).toEqual({ ms: 1_800_000 });
    expect(readMuteDuration('1h 30m')).toEqual({ ms: 5_400_000 });
    expect(readMuteDuration('1m')).toEqual({ ms: 60_000 });
    expect(readMuteDuration('7d')).toEqual({ ms: 7 * 86_400_000 });
  });

  it('refuses what is not a duration, and durations outside 1 min … 7 d, saying what works', () => {
    expect(readMuteDuration('5y')).toEqual({
      refusal: '"5y" is not a duration. Write it like /mute 30m, /mute 2h or /mute 1d (from 1 min to 7 d; /mute alone mutes for 1 h).',
    });
    expect(readMuteDuration('10s')).toEqual({ refusal: '10 s is too short to mute: give from 1 min to 7 d, like /mute 30m.' });
    expect(readMuteDuration('8d')).toEqual({ refusal: '8 d is too long to mute: give from 1 min to 7 d, like /mute 1d.' });
    // A long argument is quoted short.
    expect((readMuteDuration('x'.repeat(500)) as { refusal: string }).refusal).toMatch(/^"x{20}" is not a duration/);
  });
});
