/**
 * Runs the periodic report: keeps the host's latest snapshot and the period's activity, fires on
 * the wall-clock schedule, asks the host's `snapshot()` when one is given, draws the equity chart
 * and hands the finished report to the notifier. Also answers `/status`. Never throws into the
 * host: a snapshot function that fails or hangs, or a chart that cannot be drawn, leaves a
 * report in text with the reason on the diagnostics writer.
 */
import type { LineWriter } from '../channels/console.js';
import { describeDuration } from '../config/duration.js';
import { ActivityTally, PositionBook } from './activity.js';
import { renderEquityChart } from './chart.js';
import { type HealthStats, summariseHealth } from './health.js';
import type { ReportSetting } from './options.js';
import { quietState, type QuietHours } from './quiet.js';
import { buildReport, buildStatus, type Report } from './report-text.js';
import { describePeriod, nextReportAt } from './schedule.js';
import { normaliseSnapshot, type Snapshot } from './snapshot.js';

const DAY = 86_400_000;
/** A host's `snapshot()` that has not answered by then is given up for this report. */
const SNAPSHOT_TIMEOUT_MS = 10_000;
/** setTimeout's largest delay; a longer wait is taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a finished report is sent as. */
export interface ReportMessage {
  readonly text: string;
  /** The equity chart, when there is a curve to draw and the chart library is installed. */
  readonly chart?: { readonly name: string; readonly png: Uint8Array };
  /** Someone asked for it (`/report`): it goes out now, even while muted or held by quiet hours. */
  readonly asked?: boolean;
}

/** What {@link Reporting} needs from the notifier around it. */
export interface ReportingContext {
  /** The schedule, when periodic reports are on. */
  readonly schedule?: ReportSetting;
  /** The zone reports and `/status` read times in (the schedule's, else the machine's). */
  readonly timeZone: string;
  readonly quiet?: QuietHours;
  /** Queues the report (as an info notification). */
  send(report: ReportMessage): void;
  /** The destinations' counters, for Herald's health line. */
  stats(): HealthStats;
  diagnostics: LineWriter;
  /** Extra lines for `/status` (`🔕 muted until 15:00`). */
  notes?(): string[];
  now?(): number;
}

/** The report, `/status`, and the schedule. */
export class Reporting {
  private latest: unknown;
  private readonly period: ActivityTally;
  private readonly today: ActivityTally;
  private readonly book = new PositionBook();
  private statsAtStart: HealthStats | undefined;
  private nextMidnight: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private dueAt: number | undefined;
  private stopped = false;
  /** Reports being built (snapshot, chart), on demand or scheduled. */
  private readonly building = new Set<Promise<void>>();
  private snapshotWarned = false;
  private chartWarned = false;
  private readonly now: () => number;

  constructor(private readonly ctx: ReportingContext) {
    this.now = ctx.now ?? Date.now;
    const now = this.now();
    this.period = new ActivityTally(now);
    this.nextMidnight = nextReportAt(now, { everyMs: DAY, timeZone: ctx.timeZone });
    this.today = new ActivityTally(now);
  }

  /** The zone reports and `/status` read times in. */
  get timeZone(): string {
    return this.ctx.timeZone;
  }

  /** True when reports are sent on a schedule. */
  get scheduled(): boolean {
    return this.ctx.schedule !== undefined;
  }

  /** Follows one host event: `report.snapshot` is kept as the latest state; the others feed the period's figures. */
  observe(kind: string, payload: unknown): void {
    if (kind === 'report.snapshot') {
      this.latest = payload;
      return;
    }
    const at = this.now();
    this.rollDay(at);
    this.period.record(kind, payload, at);
    this.today.record(kind, payload, at);
    this.book.record(kind, payload);
  }

  /** Starts the schedule (no-op without one). */
  start(): void {
    if (!this.ctx.schedule || this.stopped) return;
    this.dueAt = nextReportAt(this.now(), this.ctx.schedule);
    this.arm();
  }

  /** Stops the schedule. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /**
   * Builds the report now and queues it; resolves once it is queued. `periodEnd` closes the
   * period (a scheduled report, the session's end); `label` replaces `last 24 h` in the headline.
   */
  send(options: { periodEnd?: boolean; label?: string; asked?: boolean } = {}): Promise<void> {
    // Tracked whoever asked (the schedule included), so close() can wait for it: a report being built is not lost.
    const sending = this.sendNow(options);
    this.building.add(sending);
    void sending.finally(() => this.building.delete(sending));
    return sending;
  }

  /**
   * Resolves once every report being built has been queued (or given up); with `withinMs`, at that
   * deadline at the latest. True when none is left being built.
   */
  async idle(withinMs?: number): Promise<boolean> {
    if (this.building.size === 0) return true;
    const all = Promise.all([...this.building]).then(() => true);
    if (withinMs === undefined) return all;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), withinMs)));
    const done = await Promise.race([all, late]);
    clearTimeout(timer);
    return done;
  }

  private async sendNow(options: { periodEnd?: boolean; label?: string; asked?: boolean }): Promise<void> {
    try {
      const report = await this.build(options.periodEnd === true, options.label);
      const chart = report.equity ? await this.chart(report) : undefined;
      this.ctx.send({ text: report.text, ...(chart ? { chart } : {}), ...(options.asked ? { asked: true } : {}) });
    } catch (err) {
      // A bug here must not reach the host's timer or event loop; say it instead.
      this.ctx.diagnostics(`herald: the report could not be built: ${(err as Error).message}\n`);
    }
  }

  /** The answer to `/status`. */
  async status(): Promise<string> {
    const now = this.now();
    this.rollDay(now);
    const { snapshot } = await this.snapshot();
    return buildStatus({
      ...(snapshot ? { snapshot } : {}),
      eventPositions: this.book.positions(),
      today: this.today.peek(now),
      health: summariseHealth(this.ctx.stats()),
      now,
      timeZone: this.ctx.timeZone,
      ...(this.ctx.quiet ? { quiet: quietState(now, this.ctx.quiet) } : {}),
      ...(this.ctx.notes ? { notes: this.ctx.notes() } : {}),
    });
  }

  private async build(periodEnd: boolean, label: string | undefined): Promise<Report> {
    const now = this.now();
    const { snapshot, dropped } = await this.snapshot();
    const activity = periodEnd ? this.period.take(now) : this.period.peek(now);
    const stats = this.ctx.stats();
    const health = summariseHealth(stats, this.statsAtStart);
    if (periodEnd) this.statsAtStart = stats;
    const schedule = this.ctx.schedule;
    const periodLabel = label ?? (periodEnd && schedule ? describePeriod(schedule.everyMs) : `last ${describeDuration(Math.max(now - activity.from, 1000))}`);
    return buildReport({
      ...(snapshot ? { snapshot } : {}),
      eventPositions: this.book.positions(),
      activity,
      health,
      periodLabel,
      now,
      timeZone: this.ctx.timeZone,
      ...(dropped ? { snapshotDropped: dropped } : {}),
    });
  }

  /** The host's state: from its `snapshot()` when given (bounded in time), else the latest event. */
  private async snapshot(): Promise<{ snapshot?: Snapshot; dropped: number }> {
    let raw = this.latest;
    const source = this.ctx.schedule?.snapshot;
    if (source) {
      try {
        raw = await withTimeout(Promise.resolve().then(source), SNAPSHOT_TIMEOUT_MS);
      } catch (err) {
        this.ctx.diagnostics(
          `herald: report.snapshot() failed (${(err as Error)?.message ?? String(err)}); the report uses the latest report.snapshot event\n`,
        );
      }
    }
    if (raw === undefined) return { dropped: 0 };
    const reading = normaliseSnapshot(raw);
    if (!reading.snapshot && !this.snapshotWarned) {
      this.snapshotWarned = true;
      this.ctx.diagnostics(
        `herald: the host's report snapshot is not an object ({ positions, balances?, equity?, realisedPnl? }); reports use the events instead\n`,
      );
    }
    return { ...(reading.snapshot ? { snapshot: reading.snapshot } : {}), dropped: reading.dropped };
  }

  private async chart(report: Report): Promise<ReportMessage['chart']> {
    const equity = report.equity!;
    const drawn = await renderEquityChart(equity.points, { title: equity.title, timeZone: this.ctx.timeZone, now: this.now() });
    if ('reason' in drawn) {
      // Once per run: the report still goes out, as text.
      if (!this.chartWarned) this.ctx.diagnostics(`herald: reports go without a chart: ${drawn.reason}\n`);
      this.chartWarned = true;
      return undefined;
    }
    return { name: equity.title === 'Equity' ? 'equity.png' : 'realised-pnl.png', png: drawn.png };
  }

  private arm(): void {
    clearTimeout(this.timer);
    if (this.dueAt === undefined || this.stopped) return;
    const wait = Math.min(Math.max(this.dueAt - this.now(), 0), MAX_TIMER_MS);
    this.timer = setTimeout(() => void this.fire(), wait);
    // A report must not keep a finished process alive.
    this.timer.unref?.();
  }

  private async fire(): Promise<void> {
    if (this.dueAt === undefined || this.stopped) return;
    const now = this.now();
    if (now < this.dueAt) {
      this.arm(); // a wait longer than one timer allows
      return;
    }
    this.dueAt = nextReportAt(now, this.ctx.schedule!);
    this.arm();
    await this.send({ periodEnd: true });
  }

  /** `/status` counts from local midnight: at the day's turn the day's figures start again. */
  private rollDay(now: number): void {
    if (now < this.nextMidnight) return;
    this.today.take(now);
    this.nextMidnight = nextReportAt(now, { everyMs: DAY, timeZone: this.ctx.timeZone });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
    timer.unref?.();
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
