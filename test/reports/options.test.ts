/** Report, quiet-hours and digest settings: from options or the environment, every mistake at once with its fix. */
import { describe, expect, it } from 'vitest';
import { readReportSettings, type ReportSettingsInput } from '../../src/reports/options.js';

const H = 3_600_000;
const D = 86_400_000;
const read = (options: ReportSettingsInput, env: Record<string, string> = {}) => readReportSettings(options, env, 'Etc/UTC');
/** The problems as `VARIABLE: message`. */
const problems = (options: ReportSettingsInput, env: Record<string, string> = {}): string[] =>
  read(options, env).problems.map((p) => `${p.variable}: ${p.message}`);

describe('reports', () => {
  it('nothing asked, nothing set, no problem', () => {
    expect(read({})).toEqual({ digests: {}, problems: [] });
  });

  it('from the environment', () => {
    const s = read({}, { HERALD_REPORT_EVERY: '1d', HERALD_REPORT_AT: '08:00', HERALD_REPORT_TZ: 'Europe/Berlin' });
    expect(s.problems).toEqual([]);
    expect(s.report).toEqual({ everyMs: D, at: 480, timeZone: 'Europe/Berlin' });
  });

  it("defaults to the machine's time zone and to midnight / the top of the hour", () => {
    expect(read({}, { HERALD_REPORT_EVERY: '4h' }).report).toEqual({ everyMs: 4 * H, timeZone: 'Etc/UTC' });
  });

  it('from the options, which replace the environment', () => {
    const snapshot = (): unknown => ({ positions: [] });
    const s = read({ report: { every: '1h', timeZone: 'europe/berlin', snapshot } }, { HERALD_REPORT_EVERY: '1d', HERALD_REPORT_AT: '08:00' });
    expect(s.problems).toEqual([]);
    expect(s.report).toEqual({ everyMs: H, timeZone: 'europe/berlin', snapshot });
  });

  it('report: false turns reports off whatever the environment says', () => {
    expect(read({ report: false }, { HERALD_REPORT_EVERY: '1d' })).toEqual({ digests: {}, problems: [] });
  });

  it.each(['1h', '4h', '1d', '30m', '15m', '2h', '12h', ' 1H '])('accepts every=%j', (every) => {
    expect(read({}, { HERALD_REPORT_EVERY: every }).problems).toEqual([]);
  });

  it.each([
    ['2x', '"2x" is not a duration'],
    ['30s', '"30s" is shorter than a minute'],
    ['2d', '"2d" is longer than a day'],
    ['7m', '"7m" does not divide a day into equal periods'],
    ['5h', '"5h" does not divide a day into equal periods'],
    ['90s', '"90s" is not a whole number of minutes'],
  ])('refuses HERALD_REPORT_EVERY=%s', (every, message) => {
    const [p, ...rest] = read({}, { HERALD_REPORT_EVERY: every }).problems;
    expect(rest).toEqual([]);
    expect(p!.variable).toBe('HERALD_REPORT_EVERY');
    expect(p!.message).toBe(message);
  });

  it('says how to write a period', () => {
    expect(read({}, { HERALD_REPORT_EVERY: '2x' }).problems[0]!.fix).toMatch(/^write 1h, 4h or 1d/);
    expect(read({}, { HERALD_REPORT_EVERY: '2d' }).problems[0]!.fix).toContain("use 1d at most (a daily report), with at: '08:00'");
  });

  it('a number for every is refused with the text to write', () => {
    const [p] = read({ report: { every: 3_600_000 as unknown as string } }).problems;
    expect(`${p!.variable}: ${p!.message}`).toBe('report.every: report.every is 3600000, not a duration');
    expect(p!.fix).toMatch(/^write it as text: 1h, 4h or 1d/);
  });

  it('at without every', () => {
    expect(problems({}, { HERALD_REPORT_AT: '08:00' })).toEqual(['HERALD_REPORT_AT: HERALD_REPORT_AT is set but HERALD_REPORT_EVERY is not']);
    expect(problems({ report: { at: '08:00' } as never })).toEqual(['report.every: report is given without every']);
  });

  it('a time zone without every or quiet hours is a mistake; with quiet hours it is theirs', () => {
    expect(problems({}, { HERALD_REPORT_TZ: 'Europe/Berlin' })).toEqual(['HERALD_REPORT_TZ: HERALD_REPORT_TZ is set but HERALD_REPORT_EVERY is not']);
    const s = read({}, { HERALD_REPORT_TZ: 'Europe/Berlin', HERALD_QUIET: '23:00-07:00' });
    expect(s.problems).toEqual([]);
    expect(s.quiet?.timeZone).toBe('Europe/Berlin');
  });

  it.each([
    [{}, { HERALD_REPORT_EVERY: '1d', HERALD_REPORT_AT: '8am' }, 'HERALD_REPORT_AT: "8am" is not a time of day'],
    [{}, { HERALD_REPORT_EVERY: '1d', HERALD_REPORT_AT: '24:00' }, 'HERALD_REPORT_AT: "24:00" is not a time of day'],
    [{}, { HERALD_REPORT_EVERY: '1d', HERALD_REPORT_TZ: 'Mars/Olympus' }, 'HERALD_REPORT_TZ: "Mars/Olympus" is not a time zone this runtime knows'],
    [{ report: { every: '1d', timeZone: 'CEST+2' } }, {}, 'report.timeZone: "CEST+2" is not a time zone this runtime knows'],
    [{ report: { every: '1d', snapshot: 'state' as never } }, {}, 'report.snapshot: report.snapshot is "state", not a function'],
    [{ report: '1d' as never }, {}, 'report: report is "1d", not an object'],
  ])('refuses %j %j', (options, env, message) => {
    const s = read(options, env);
    expect(s.problems.map((p) => `${p.variable}: ${p.message}`)).toEqual([message]);
    expect(s.report).toBeUndefined();
  });
});

describe('quiet hours', () => {
  it.each([
    ['23:00-07:00', { from: 1380, to: 420, timeZone: 'Etc/UTC', hold: false }],
    ['23:00-07:00,hold', { from: 1380, to: 420, timeZone: 'Etc/UTC', hold: true }],
    [' 22:30 – 6:15 , silent ', { from: 1350, to: 375, timeZone: 'Etc/UTC', hold: false }],
    ['"12:00-13:00,HOLD"', { from: 720, to: 780, timeZone: 'Etc/UTC', hold: true }],
  ])('HERALD_QUIET=%s', (value, quiet) => {
    const s = read({}, { HERALD_QUIET: value });
    expect(s.problems).toEqual([]);
    expect(s.quiet).toEqual(quiet);
  });

  it('HERALD_QUIET=off or empty: none', () => {
    expect(read({}, { HERALD_QUIET: 'off' }).quiet).toBeUndefined();
    expect(read({}, { HERALD_QUIET: '' }).quiet).toBeUndefined();
  });

  it.each([
    ['23-7', 'HERALD_QUIET: "23-7" is not a quiet-hours window'],
    ['25:00-07:00', 'HERALD_QUIET: "25:00-07:00" has a time that is not on a 24-hour clock'],
    ['23:00-23:00', 'HERALD_QUIET: quiet hours from 23:00 to 23:00 cover no time'],
    ['23:00-07:00,mute', 'HERALD_QUIET: "mute" is not a quiet-hours mode'],
  ])('refuses HERALD_QUIET=%s', (value, message) => {
    const s = read({}, { HERALD_QUIET: value });
    expect(s.problems.map((p) => `${p.variable}: ${p.message}`)).toEqual([message]);
    expect(s.quiet).toBeUndefined();
  });

  it('the window format is in the fix', () => {
    expect(read({}, { HERALD_QUIET: '23-7' }).problems[0]!.fix).toBe(
      'write HH:MM-HH:MM, e.g. 23:00-07:00; add ,hold to hold notifications until the end instead of sending them silent',
    );
  });

  it('from the options, in their own zone, else the report zone', () => {
    expect(read({ quiet: { from: '23:00', to: '07:00', timeZone: 'Asia/Kolkata', hold: true } }, { HERALD_QUIET: '01:00-02:00' }).quiet).toEqual({
      from: 1380,
      to: 420,
      timeZone: 'Asia/Kolkata',
      hold: true,
    });
    expect(read({ report: { every: '1d', timeZone: 'Europe/Berlin' }, quiet: { from: '23:00', to: '07:00' } }).quiet?.timeZone).toBe('Europe/Berlin');
    expect(read({ quiet: false }, { HERALD_QUIET: '23:00-07:00' }).quiet).toBeUndefined();
  });

  it('every mistake in the quiet options at once', () => {
    expect(problems({ quiet: { from: '11pm', to: '7', timeZone: 'Nowhere', hold: 'yes' as never } })).toEqual([
      'quiet.from: "11pm" is not a time of day',
      'quiet.to: "7" is not a time of day',
      'quiet.hold: quiet.hold is "yes", not true or false',
      'quiet.timeZone: "Nowhere" is not a time zone this runtime knows',
    ]);
  });
});

describe('digests', () => {
  it('reads a window per event kind', () => {
    const s = read({ events: { 'order.filled': { digest: '15m' }, custom: { digest: '30s' }, 'position.closed': true } });
    expect(s.problems).toEqual([]);
    expect(s.digests).toEqual({ 'order.filled': 900_000, custom: 30_000 });
  });

  it.each([
    ['error', '15m', "events['error'].digest: errors are never digested"],
    ['order.filled', '0.5s', `events['order.filled'].digest: "0.5s" is shorter than a second`],
    ['order.filled', 'soon', `events['order.filled'].digest: "soon" is not a duration`],
    ['order.filled', 900, `events['order.filled'].digest: 900 is not a duration`],
    ['custom', '2d', `events['custom'].digest: "2d" is longer than a day`],
  ])('refuses %s: { digest: %j }', (kind, digest, message) => {
    const s = read({ events: { [kind]: { digest } } });
    expect(s.problems.map((p) => `${p.variable}: ${p.message}`)).toEqual([message]);
    expect(s.digests).toEqual({});
  });

  it('says errors are sent at once', () => {
    expect(read({ events: { error: { digest: '1m' } } }).problems[0]!.fix).toBe("remove digest from events['error']: every error is sent at once");
  });
});

it('reports every mistake together', () => {
  expect(
    problems(
      { events: { error: { digest: '1m' }, 'order.filled': { digest: '0s' } } },
      { HERALD_REPORT_EVERY: '2x', HERALD_REPORT_AT: '8', HERALD_REPORT_TZ: 'Mars/Olympus', HERALD_QUIET: '07:00-07:00' },
    ),
  ).toEqual([
    'HERALD_REPORT_TZ: "Mars/Olympus" is not a time zone this runtime knows',
    'HERALD_QUIET: quiet hours from 07:00 to 07:00 cover no time',
    'HERALD_REPORT_AT: "8" is not a time of day',
    'HERALD_REPORT_EVERY: "2x" is not a duration',
    `events['order.filled'].digest: "0s" is shorter than a second`,
    "events['error'].digest: errors are never digested",
  ]);
});
