/**
 * Report, quiet-hours and digest settings from the plugin options and the environment, checked
 * together so every mistake is reported at once with its fix.
 *
 * - Reports: `report: { every, at?, timeZone?, snapshot? }`, or `HERALD_REPORT_EVERY`,
 *   `HERALD_REPORT_AT`, `HERALD_REPORT_TZ`. `every` is `1h`, `4h`, `1d`, or any whole number of
 *   minutes that divides a day (`15m`, `30m`, `2h`, `6h`, `12h`…), so the slots fall on the same
 *   wall-clock times every day. A `report` object replaces `HERALD_REPORT_EVERY`/`_AT`;
 *   `report: false` turns reports off whatever the environment says.
 * - Quiet hours: `quiet: { from, to, timeZone?, hold? }`, or `HERALD_QUIET=23:00-07:00`, with
 *   `,hold` to hold notifications until the window closes (`HERALD_QUIET=23:00-07:00,hold`)
 *   instead of sending them silent. `quiet: false` turns them off.
 * - Time zones: the report's `timeZone`, else `HERALD_REPORT_TZ`, else the machine's. Quiet hours
 *   use their own `timeZone`, else the report's zone (the zone the user said they live in).
 * - Digests: `events: { 'order.filled': { digest: '15m' } }`, any duration from 1 s to 1 d.
 *   Errors are never digested.
 */
import { EVENT_KINDS, type EventKind } from '../config/events.js';
import { isTimeZone, parseClockTime, parseDuration } from '../config/duration.js';
import { unquote, type Env } from '../config/env.js';
import type { ConfigProblem } from '../config/problems.js';
import type { QuietHours } from './quiet.js';
import { isReportPeriod, type ReportSchedule } from './schedule.js';
import { formatClock, machineTimeZone } from './zoned.js';

/** Where a report's data comes from when it is due: the host's state, sync or async. */
export type SnapshotSource = () => unknown;

/** `report` in the plugin options. */
export interface ReportOptions {
  /** `1h`, `4h`, `1d`, or another whole number of minutes dividing a day (`30m`, `2h`, `12h`). */
  every: string;
  /** `08:00`: the wall-clock time the slots are anchored to (a daily report's time). Default midnight. */
  at?: string;
  /** IANA time zone of `at` and the slots; default `HERALD_REPORT_TZ`, else the machine's. */
  timeZone?: string;
  /** Called when a report is due; returns the snapshot (or a promise of it). Without it, Herald uses the latest `report.snapshot` event. */
  snapshot?: SnapshotSource;
}

/** `quiet` in the plugin options. */
export interface QuietOptions {
  /** `23:00`: when quiet hours begin. */
  from: string;
  /** `07:00`: when they end (before `from` when they wrap midnight). */
  to: string;
  /** Default: the report's time zone, else `HERALD_REPORT_TZ`, else the machine's. */
  timeZone?: string;
  /** Hold info notifications and send them as one digest at the end (default: send them silent). */
  hold?: boolean;
}

/** The options these settings come from (a subset of the plugin's). */
export interface ReportSettingsInput {
  report?: ReportOptions | false;
  quiet?: QuietOptions | false;
  /** Per-event settings; only `digest` is read here. */
  events?: Readonly<Partial<Record<string, unknown>>>;
}

/** A report schedule with where its data comes from. */
export interface ReportSetting extends ReportSchedule {
  readonly snapshot?: SnapshotSource;
}

/** The checked settings; a part with a problem is left out (the caller throws on any problem). */
export interface ReportSettings {
  readonly report?: ReportSetting;
  readonly quiet?: QuietHours;
  /** Digest window per event kind, ms. */
  readonly digests: Readonly<Partial<Record<EventKind, number>>>;
  readonly problems: ConfigProblem[];
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const EVERY_FIX = 'write 1h, 4h or 1d (any whole number of minutes that divides a day also works: 15m, 30m, 2h, 3h, 6h, 8h, 12h)';
const TIME_FIX = 'write HH:MM on a 24-hour clock, e.g. 08:00';
const ZONE_FIX = 'use an IANA time zone name such as Europe/Berlin, America/New_York, Asia/Kolkata or UTC';
const QUIET_FIX = 'write HH:MM-HH:MM, e.g. 23:00-07:00; add ,hold to hold notifications until the end instead of sending them silent';

/** A setting's value and the name to blame for it (`report.every` or `HERALD_REPORT_EVERY`). */
interface Sourced {
  readonly value: unknown;
  readonly variable: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const shown = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : typeof v === 'function' ? 'a function' : (JSON.stringify(v) ?? String(v)));

/** Reads and checks the report, quiet-hours and digest settings; `machineZone` is for tests. */
export function readReportSettings(options: ReportSettingsInput, env: Env, machineZone: string = machineTimeZone()): ReportSettings {
  const problems: ConfigProblem[] = [];
  const reportOpt = options.report;
  const quietOpt = options.quiet;
  if (reportOpt !== undefined && reportOpt !== false && !isObject(reportOpt))
    problems.push({
      variable: 'report',
      message: `report is ${shown(reportOpt)}, not an object`,
      fix: "write report: { every: '1d', at: '08:00' }, or false for none",
    });
  if (quietOpt !== undefined && quietOpt !== false && !isObject(quietOpt))
    problems.push({
      variable: 'quiet',
      message: `quiet is ${shown(quietOpt)}, not an object`,
      fix: "write quiet: { from: '23:00', to: '07:00' }, or false for none",
    });

  const zoneOf = (source: Sourced | undefined): string | undefined => {
    if (!source) return machineZone;
    // The zone as written (ICU would rename Asia/Kolkata to Asia/Calcutta).
    const zone = typeof source.value === 'string' && isTimeZone(source.value.trim()) ? source.value.trim() : undefined;
    if (!zone) problems.push({ variable: source.variable, message: `${shown(source.value)} is not a time zone this runtime knows`, fix: ZONE_FIX });
    return zone;
  };

  // The zone the user gave for reports: their own, unless quiet hours name another.
  const reportObj = isObject(reportOpt) ? reportOpt : undefined;
  const envZone = unquote(env.HERALD_REPORT_TZ);
  const zoneSource: Sourced | undefined =
    reportObj?.timeZone !== undefined
      ? { value: reportObj.timeZone, variable: 'report.timeZone' }
      : envZone
        ? { value: envZone, variable: 'HERALD_REPORT_TZ' }
        : undefined;
  const reportZone = zoneOf(zoneSource);

  const quiet = readQuiet(quietOpt, env, problems, zoneSource, reportZone, zoneOf);
  const quietAsked = isObject(quietOpt) || (quietOpt === undefined && !!unquote(env.HERALD_QUIET));
  const report = readReport(reportOpt, env, problems, reportZone, zoneSource, quietAsked);
  const digests = readDigests(options.events, problems);
  return { ...(report ? { report } : {}), ...(quiet ? { quiet } : {}), digests, problems };
}

function readReport(
  opt: ReportOptions | false | undefined,
  env: Env,
  problems: ConfigProblem[],
  timeZone: string | undefined,
  zoneSource: Sourced | undefined,
  quietWantsZone: boolean,
): ReportSetting | undefined {
  if (opt === false || (opt !== undefined && !isObject(opt))) return undefined;
  const before = problems.length;
  const every: Sourced | undefined = opt
    ? opt.every !== undefined
      ? { value: opt.every, variable: 'report.every' }
      : undefined
    : env.HERALD_REPORT_EVERY?.trim()
      ? { value: unquote(env.HERALD_REPORT_EVERY), variable: 'HERALD_REPORT_EVERY' }
      : undefined;
  const at: Sourced | undefined = opt
    ? opt.at !== undefined
      ? { value: opt.at, variable: 'report.at' }
      : undefined
    : env.HERALD_REPORT_AT?.trim()
      ? { value: unquote(env.HERALD_REPORT_AT), variable: 'HERALD_REPORT_AT' }
      : undefined;
  const everyName = opt ? 'report.every' : 'HERALD_REPORT_EVERY';

  if (opt?.snapshot !== undefined && typeof opt.snapshot !== 'function')
    problems.push({
      variable: 'report.snapshot',
      message: `report.snapshot is ${shown(opt.snapshot)}, not a function`,
      fix: 'pass a function returning the snapshot (or a promise of it), or emit report.snapshot events instead',
    });

  let atMinutes: number | undefined;
  if (at) {
    atMinutes = parseClockTime(at.value);
    if (atMinutes === undefined) problems.push({ variable: at.variable, message: `${shown(at.value)} is not a time of day`, fix: TIME_FIX });
  }

  if (!every) {
    if (opt) problems.push({ variable: 'report.every', message: 'report is given without every', fix: EVERY_FIX });
    else if (at)
      problems.push({
        variable: at.variable,
        message: `${at.variable} is set but ${everyName} is not`,
        fix: `set ${everyName} (1h, 4h or 1d), or remove ${at.variable}`,
      });
    else if (zoneSource && !quietWantsZone)
      problems.push({
        variable: zoneSource.variable,
        message: `${zoneSource.variable} is set but ${everyName} is not`,
        fix: `set ${everyName} (1h, 4h or 1d) for reports, or HERALD_QUIET for quiet hours; otherwise remove ${zoneSource.variable}`,
      });
    return undefined;
  }

  const everyMs = readEvery(every, problems);
  if (everyMs === undefined || timeZone === undefined || problems.length > before) return undefined;
  const snapshot = typeof opt === 'object' ? opt.snapshot : undefined;
  return { everyMs, ...(atMinutes !== undefined ? { at: atMinutes } : {}), timeZone, ...(snapshot ? { snapshot } : {}) };
}

function readEvery(every: Sourced, problems: ConfigProblem[]): number | undefined {
  const { value, variable } = every;
  const problem = (message: string, fix = EVERY_FIX): undefined => {
    problems.push({ variable, message, fix });
    return undefined;
  };
  if (typeof value !== 'string') return problem(`${variable} is ${shown(value)}, not a duration`, `write it as text: ${EVERY_FIX.slice('write '.length)}`);
  const ms = parseDuration(value);
  if (ms === undefined) return problem(`${shown(value)} is not a duration`);
  if (ms < MINUTE) return problem(`${shown(value)} is shorter than a minute`);
  if (ms > DAY) return problem(`${shown(value)} is longer than a day`, "use 1d at most (a daily report), with at: '08:00' (HERALD_REPORT_AT) for its time");
  if (ms % MINUTE !== 0) return problem(`${shown(value)} is not a whole number of minutes`);
  if (!isReportPeriod(ms)) return problem(`${shown(value)} does not divide a day into equal periods`);
  return ms;
}

function readQuiet(
  opt: QuietOptions | false | undefined,
  env: Env,
  problems: ConfigProblem[],
  reportZoneSource: Sourced | undefined,
  reportZone: string | undefined,
  zoneOf: (source: Sourced | undefined) => string | undefined,
): QuietHours | undefined {
  if (opt === false || (opt !== undefined && !isObject(opt))) return undefined;
  const before = problems.length;
  let from: number | undefined;
  let to: number | undefined;
  let hold = false;
  let variable: string;
  if (opt) {
    variable = 'quiet';
    from = parseClockTime(opt.from);
    to = parseClockTime(opt.to);
    if (from === undefined) problems.push({ variable: 'quiet.from', message: `${shown(opt.from)} is not a time of day`, fix: TIME_FIX });
    if (to === undefined) problems.push({ variable: 'quiet.to', message: `${shown(opt.to)} is not a time of day`, fix: TIME_FIX });
    if (opt.hold !== undefined && typeof opt.hold !== 'boolean')
      problems.push({
        variable: 'quiet.hold',
        message: `quiet.hold is ${shown(opt.hold)}, not true or false`,
        fix: 'write hold: true to hold notifications until the end, or leave it out to send them silent',
      });
    hold = opt.hold === true;
  } else {
    variable = 'HERALD_QUIET';
    const raw = unquote(env.HERALD_QUIET);
    if (!raw || raw.toLowerCase() === 'off') return undefined;
    const m = /^(\d{1,2}:\d{2})\s*[-–—]\s*(\d{1,2}:\d{2})\s*(?:,\s*([a-z]+))?$/i.exec(raw);
    if (!m) {
      problems.push({ variable, message: `"${raw}" is not a quiet-hours window`, fix: QUIET_FIX });
      return undefined;
    }
    from = parseClockTime(m[1]);
    to = parseClockTime(m[2]);
    if (from === undefined || to === undefined) problems.push({ variable, message: `"${raw}" has a time that is not on a 24-hour clock`, fix: QUIET_FIX });
    const mode = m[3]?.toLowerCase();
    if (mode !== undefined && mode !== 'hold' && mode !== 'silent')
      problems.push({
        variable,
        message: `"${m[3]}" is not a quiet-hours mode`,
        fix: 'add ,hold to hold notifications until the end, or nothing (or ,silent) to send them silent',
      });
    hold = mode === 'hold';
  }
  if (from !== undefined && from === to)
    problems.push({
      variable,
      message: `quiet hours from ${formatClock(from)} to ${formatClock(from)} cover no time`,
      fix: 'give two different times, e.g. 23:00-07:00',
    });
  const timeZone =
    opt && opt.timeZone !== undefined ? zoneOf({ value: opt.timeZone, variable: 'quiet.timeZone' }) : reportZoneSource ? reportZone : zoneOf(undefined);
  if (problems.length > before || from === undefined || to === undefined || timeZone === undefined) return undefined;
  return { from, to, timeZone, hold };
}

function readDigests(events: ReportSettingsInput['events'], problems: ConfigProblem[]): Partial<Record<EventKind, number>> {
  const digests: Partial<Record<EventKind, number>> = {};
  if (!isObject(events)) return digests;
  for (const kind of EVENT_KINDS) {
    const setting = events[kind];
    if (!isObject(setting) || setting.digest === undefined) continue;
    const variable = `events['${kind}'].digest`;
    const value = setting.digest;
    if (kind === 'error') {
      problems.push({ variable, message: 'errors are never digested', fix: "remove digest from events['error']: every error is sent at once" });
      continue;
    }
    const ms = parseDuration(value);
    if (ms === undefined) problems.push({ variable, message: `${shown(value)} is not a duration`, fix: 'write 30s, 15m or 1h (at least 1s, at most 1d)' });
    else if (ms < 1000) problems.push({ variable, message: `${shown(value)} is shorter than a second`, fix: 'write 1s or more, e.g. 30s, 15m or 1h' });
    else if (ms > DAY)
      problems.push({ variable, message: `${shown(value)} is longer than a day`, fix: 'write 1d or less; the periodic report covers longer spans' });
    else digests[kind] = ms;
  }
  return digests;
}
