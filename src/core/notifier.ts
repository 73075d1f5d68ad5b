/**
 * The Notifier: `log`/`notify` render and route a message and hand it to the delivery engine,
 * returning at once; `flush`/`close` wait for delivery; typed events tell the host what
 * happened. Delivery problems never throw into the caller.
 */
import { EventEmitter } from 'eventemitter3';
import type { Card } from '../channels/card.js';
import type { Attachment, Channel, Level } from '../channels/channel.js';
import { createConsoleChannel, type LineWriter } from '../channels/console.js';
import type { ChannelSpec } from '../channels/driver.js';
import type { Env } from '../config/env.js';
import { createHttpClient, type HttpClient, type HttpOptions } from '../channels/http.js';
import { createChannel } from '../channels/registry.js';
import { loadEnv } from '../config/env.js';
import type { EventSettings } from '../config/events.js';
import { type Attributes, chooseEntry, type MappingEntry, matches } from '../config/mapping.js';
import { cleanTags, type Tags } from '../config/tags.js';
import { type BotConfig, type HeraldConfig, readConfig, uniqueProblems } from './configuration.js';
import { HeraldConfigError } from '../config/problems.js';
import { Delivery, type FlushReport } from '../delivery/delivery.js';
import { type LiveUpdate, makeEntry, type OutboxEntry } from '../delivery/entry.js';
import type { DeliveryEvents, FailedEvent, WarningEvent } from '../delivery/events.js';
import type { LaneStats } from '../delivery/lane.js';
import { DEFAULT_DELIVERY, type DeliveryOptions } from '../delivery/options.js';
import { LocalRateLimits, type RateLimits, SwitchableRateLimits } from '../delivery/rate-limits.js';
import type { Fleet } from '../fleet/start-fleet.js';
import type { RedisClient } from '../fleet/redis-link.js';
import { redisLabel } from '../config/redis-env.js';
import { type DestinationReplay, FileOutbox, type OutboxLoad, type OutboxOptions, OutboxInUseError } from '../delivery/outbox.js';
import { startHeartbeat } from '../supervisor/heartbeat.js';
import type { PollLease } from '../commands/command-bot.js';
import { drainOnExit } from './exit-drain.js';
import { Redactor } from '../config/redact.js';
import { renderMessage } from './render.js';
import { HoldBuffer, quietHeading } from '../reports/digest.js';
import { type QuietOptions, type ReportOptions, readReportSettings } from '../reports/options.js';
import { type QuietHours, quietState } from '../reports/quiet.js';
import { type ReportMessage, Reporting } from '../reports/reporting.js';
import { clockText, machineTimeZone } from '../reports/zoned.js';
import { resolveTarget } from './targets.js';

/** Options of {@link createNotifier}. */
export interface NotifierOptions {
  /** Environment to read; default `process.env` over `.env` (real variables win). */
  env?: Env;
  /** `.env` path when `env` is not given. Default `.env` in the working directory. */
  envFile?: string;
  /** Queue, retry, budget and storm settings. */
  delivery?: Partial<DeliveryOptions>;
  /** HTTP timeouts. */
  http?: HttpOptions;
  /** Shared rate-limit store; default in-process. */
  limits?: RateLimits;
  /**
   * Where Herald prints its own one-line diagnostics (failures, disabled destinations). Default
   * stderr. (Called `report` in 0.1; `report` is now the periodic report.)
   */
  diagnostics?: LineWriter;
  /** Where the console default prints notifications. Default stdout. */
  console?: LineWriter;
  /** Drain on beforeExit/SIGINT/SIGTERM (default true) and the deadline for it in ms (default 10 000). */
  drainOnExit?: boolean;
  exitDeadlineMs?: number;
  /**
   * A durable outbox: every notification is written to this file before `log()` returns and
   * replayed at the next start until it is delivered. Default: `HERALD_OUTBOX` (and
   * `HERALD_OUTBOX_FSYNC`) from the environment; `false` turns it off even then.
   */
  outbox?: OutboxOptions | false;
  /**
   * Share rate limits and queues with every process that uses the same Redis (a `redis://` URL,
   * or an ioredis client, which stays yours to close). Default: `HERALD_REDIS_URL`; `false` turns
   * it off even then. Needs the optional `ioredis` package.
   */
  redis?: string | RedisClient | false;
  /**
   * A periodic report (open positions, the period's fills and PnL, Herald's health, an equity
   * chart): `{ every: '1d', at: '08:00', timeZone?, snapshot? }`. Default: `HERALD_REPORT_EVERY`,
   * `HERALD_REPORT_AT`, `HERALD_REPORT_TZ`; `false` turns it off even then.
   */
  report?: ReportOptions | false;
  /**
   * Quiet hours: info notifications go out silent between `from` and `to` (or, with `hold`, are
   * held and sent as one message at the end); errors are never silenced or held. Default:
   * `HERALD_QUIET` (`23:00-07:00`, `23:00-07:00,hold`); `false` turns them off even then.
   */
  quiet?: QuietOptions | false;
}

/** Options of one notification. */
export interface NotifyOptions {
  /** `error` also goes to the ERROR destinations. Default `info`. */
  level?: Level;
  /** Deliver without sound where supported. */
  silent?: boolean;
  /**
   * Where to send instead of the routed destinations: a webhook URL, an Apprise URL, a bot
   * channel (`#alerts`, `slack:#alerts`, `discord:<id>`), `telegram:<chat>[:<topic>]`, several of
   * those, or the name of a variable holding them.
   */
  to?: string;
  /** What the notification is about; a bot's channel mapping routes by these (and the level). */
  tags?: Tags;
  /** The rich form (an embed, blocks, a bold headline) for destinations that show one; the message stays the plain form. */
  card?: Card;
  /**
   * A file to send with the message (a chart, a log): where the destination takes files, the
   * message is its caption (or comes right after it, when too long for one); elsewhere the text alone.
   */
  file?: NotifyFile;
  /**
   * Keep one message up to date: the first notification with this key is a new message; later
   * ones with the same key edit it where the destination can edit (else they are new messages).
   * `alert` is sent as a short reply with an edit, because edits make no sound.
   */
  live?: LiveUpdate;
}

/** A file sent with a notification. */
export interface NotifyFile {
  /** File name shown to the reader, e.g. `equity.png`. */
  name: string;
  /** The bytes. */
  data: Uint8Array;
  /** MIME type; default from the name's extension (`.png`, `.txt`, `.csv`, `.json`), else `application/octet-stream`. */
  contentType?: string;
}

/** Events a Notifier emits. */
export type NotifierEvents = DeliveryEvents;

/** Counters for every destination used so far. */
export interface NotifierStats {
  readonly destinations: readonly LaneStats[];
  readonly backlog: number;
}

/** Creates a notifier from the environment. Throws {@link HeraldConfigError} listing every configuration problem. */
export function createNotifier(options: NotifierOptions = {}): Notifier {
  return new Notifier(options);
}

/** A resolved target: where it goes, and the note for the general destinations when part of it could not be used. */
interface Cached {
  readonly channels: readonly Channel[];
  readonly note?: string;
}

/** A bot with its channels made. */
interface BotRoute {
  readonly bot: BotConfig;
  readonly defaultChannel: Channel;
  readonly mapping: readonly { readonly entry: MappingEntry; readonly channel: Channel }[];
}

/** Where one notification goes, and which mapping entry (or default channel) chose each bot's channel. */
export interface RoutePreview {
  /** Redacted labels of the destinations. */
  readonly destinations: string[];
  /** The note an unusable `to` target would put on the message's first line. */
  readonly note?: string;
  /** Per bot: `error=alerts` (the entry that matched) or `default channel`. */
  readonly decisions?: string[];
}

const ROUTE_CACHE_MAX = 256;
/** How long what the outbox kept for a destination that is not configured any more waits for it to come back. */
const ORPHAN_WAIT_MS = 60_000;

/** Sends notifications to the configured destinations. Create it with {@link createNotifier}. */
export class Notifier extends EventEmitter<NotifierEvents> {
  /** Deadline used when the process exits with notifications pending. */
  readonly exitDeadlineMs: number;
  private readonly env: Env;
  private readonly http: HttpClient;
  private readonly delivery: Delivery;
  private readonly redactor = new Redactor();
  private readonly channels = new Map<string, Channel>();
  private readonly config: HeraldConfig;
  /** Fixed destinations (not bots) of general and error notifications. */
  private readonly generalFixed: readonly Channel[];
  private readonly errorFixed: readonly Channel[];
  private readonly bots: readonly BotRoute[];
  /** Routes by level and tags, so the hot path does not map on every call. */
  private readonly routeCache = new Map<string, readonly Channel[]>();
  private readonly targets = new Map<string, Cached>();
  private readonly outbox: FileOutbox | undefined;
  /** What the outbox kept for destinations not (yet) made in this run, by channel id. */
  private readonly orphans = new Map<string, DestinationReplay>();
  private orphanTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly reportLine: LineWriter;
  private readonly unregisterExit: () => void;
  /** Heartbeats to `herald run`, when it supervises this process. */
  private readonly stopHeartbeat: () => void;
  private closing: Promise<FlushReport> | undefined;
  /** Fleet mode: connecting, then connected (limits and queues shared through Redis). */
  private fleet: Promise<Fleet | undefined> | undefined;
  private readonly reporting: Reporting;
  private readonly quietHours: QuietHours | undefined;
  /** The quiet state, recomputed only when it can change (`until`). */
  private quietNow: { until: number; quiet: boolean; endsAt: number } = { until: 0, quiet: false, endsAt: 0 };
  private mutedUntilMs = 0;
  /** Info notifications held by quiet hours (with hold) or a mute, per set of destinations. */
  private readonly held = new Map<string, { channels: readonly Channel[]; buffer: HoldBuffer; heading: string }>();
  private releaseTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set while a notification that must not be hushed is queued (a report asked for). */
  private unhushed = false;

  constructor(options: NotifierOptions = {}) {
    super();
    this.env = options.env ?? loadEnv(options.envFile);
    const config = readConfig(this.env);
    // Options win over the environment; re-read with them only when given (their problems then come with the env's).
    const overridden = options.report !== undefined || options.quiet !== undefined;
    const extra = overridden
      ? readReportSettings(
          { ...(options.report !== undefined ? { report: options.report } : {}), ...(options.quiet !== undefined ? { quiet: options.quiet } : {}) },
          this.env,
        )
      : config.reports;
    // Every mistake at once: the destinations', the report's and the quiet hours'.
    const problems = overridden ? uniqueProblems([...config.problems.filter((p) => !isReportVariable(p.variable)), ...extra.problems]) : config.problems;
    if (problems.length) throw new HeraldConfigError(problems);
    this.config = config;
    this.quietHours = extra.quiet;
    this.reportLine = options.diagnostics ?? ((line) => void process.stderr.write(line));
    this.exitDeadlineMs = options.exitDeadlineMs ?? 10_000;
    const opened = this.openOutbox(options.outbox === false ? undefined : (options.outbox ?? config.outbox), options.delivery?.maxQueueBytes);
    this.outbox = opened?.outbox;
    this.http = createHttpClient(options.http);
    const redis = options.redis === false ? undefined : (options.redis ?? config.redisUrl);
    // With Redis, limits start as this process's own and become the shared ones once connected.
    const limits = redis === undefined ? options.limits : new SwitchableRateLimits(options.limits ?? new LocalRateLimits());
    this.delivery = new Delivery({
      ...(this.outbox ? { journal: this.outbox, lastSeq: this.outbox.lastSeq } : {}),
      emit: (name, ...args) => this.deliver(name, ...args),
      wants: (name) => this.listenerCount(name) > 0,
      ...(options.delivery ? { options: options.delivery } : {}),
      ...(limits ? { limits } : {}),
      onDisabled: (channel, reason, fix) => this.onDisabled(channel, reason, fix),
    });
    const general = config.general.map((s) => this.make(s));
    const error = config.error.map((s) => this.make(s));
    this.bots = config.bots.map((bot) => ({
      bot,
      defaultChannel: this.make(bot.defaultChannel),
      mapping: bot.mapping.map((m) => ({ entry: m.entry, channel: this.make(m.spec) })),
    }));
    // With no general destination, notifications still show somewhere: the console.
    this.generalFixed = general.length || this.bots.length ? unique(general) : [this.channel(createConsoleChannel(options.console))];
    this.errorFixed = unique([...error, ...this.generalFixed]);
    if (opened) this.replay(opened.load);
    this.reporting = new Reporting({
      ...(extra.report ? { schedule: extra.report } : {}),
      timeZone: extra.report?.timeZone ?? extra.quiet?.timeZone ?? machineTimeZone(),
      ...(extra.quiet ? { quiet: extra.quiet } : {}),
      send: (report) => this.sendReportMessage(report),
      stats: () => this.stats(),
      diagnostics: this.reportLine,
      notes: () =>
        this.mutedUntilMs > Date.now() ? [`🔕 Muted until ${clockText(this.mutedUntilMs, this.reporting.timeZone)} (errors still come through)`] : [],
    });
    this.reporting.start();
    this.unregisterExit =
      options.drainOnExit === false
        ? () => {}
        : drainOnExit({ backlog: () => this.backlog(), close: (ms) => this.close(ms), flush: (ms) => this.flush(ms), exitDeadlineMs: this.exitDeadlineMs });
    // The process's own environment (not `options.env`): the supervisor's socket belongs to the process.
    this.stopHeartbeat = startHeartbeat();
    if (redis !== undefined) this.fleet = this.startFleet(redis, limits as SwitchableRateLimits);
  }

  /** Connects to Redis in the background; until then (and whenever it is down) limits and lanes are this process's own. */
  private async startFleet(redis: string | RedisClient, limits: SwitchableRateLimits): Promise<Fleet | undefined> {
    try {
      const { startFleet } = await import('../fleet/start-fleet.js');
      const fleet = await startFleet({
        redis,
        report: this.reportLine,
        known: () => [...this.channels.values()],
        lane: (channel) => this.delivery.lane(channel),
        enqueueHere: (channels, entry) => this.delivery.enqueueHere(channels, entry),
        nextSeq: this.delivery.nextSeq,
        alert: (text) => this.notify(text, { level: 'error' }),
        label: (destination) => this.channels.get(destination)?.label ?? destination,
      });
      if (this.closing) {
        await fleet.close();
        return undefined;
      }
      limits.use(fleet.limits);
      this.delivery.attachShared(fleet.queue);
      return fleet;
    } catch (err) {
      const where = typeof redis === 'string' ? ` ${redisLabel(redis)}` : '';
      this.reportLine(`herald: cannot use Redis${where}: ${this.redactor.apply((err as Error).message)}; limits and queues are this process's own\n`);
      return undefined;
    }
  }

  /** Sends `message` to the general destinations, or to `target` (a webhook URL or env variable name). Returns at once. */
  log(message: unknown, target?: string): void {
    this.notify(message, target === undefined || target === null ? {} : { to: target });
  }

  /** Sends one notification. Returns at once; never throws for delivery problems. */
  notify(message: unknown, options?: NotifyOptions | null): void {
    options ??= {};
    try {
      const level: Level = options.level === 'error' ? 'error' : 'info';
      const text = renderMessage(message);
      const tags = options.tags === undefined ? undefined : cleanTags(options.tags);
      const card = isCard(options.card) ? options.card : undefined;
      const file = options.file === undefined ? undefined : this.attachment(options.file);
      const live = isLive(options.live) ? liveOf(options.live) : undefined;
      const extras =
        tags || card || file || live
          ? { ...(tags ? { tags } : {}), ...(card ? { card } : {}), ...(file ? { file } : {}), ...(live ? { live } : {}) }
          : undefined;
      const silent = options.silent === true;
      if (options.to !== undefined && options.to !== '') {
        const target = this.target(options.to);
        // A target without a secret in it is kept with the entry, so a replay finds it again.
        const kept = typeof options.to === 'string' && !options.to.includes('://') ? { ...extras, target: options.to } : extras;
        if (target.channels.length) this.admit(target.channels, makeEntry(this.delivery.nextSeq(), text, level, silent, Date.now(), kept));
        // What could not be resolved goes where it would have gone without a target, saying why.
        if (target.note)
          this.admit(
            this.route(level, tags),
            makeEntry(this.delivery.nextSeq(), `${target.note}\n${text}`, level, silent, Date.now(), tags ? { tags } : undefined),
          );
        return;
      }
      this.admit(this.route(level, tags), makeEntry(this.delivery.nextSeq(), text, level, silent, Date.now(), extras));
    } catch (err) {
      // Nothing may escape into the strategy; say what happened instead.
      this.reportLine(`herald: could not queue a notification: ${this.redactor.apply((err as Error).message)}\n`);
    }
  }

  /**
   * Queues an entry, unless quiet hours or a mute hush it: an info notification is then held for
   * the digest at the end (with quiet `hold`, or muted), or sent silent. A file or a live update
   * is never held (it would lose its file or its message to edit): it goes silent. Errors always go.
   */
  private admit(channels: readonly Channel[], entry: OutboxEntry): void {
    if (entry.level === 'error' || channels.length === 0 || this.unhushed) {
      this.delivery.enqueue(channels, entry);
      return;
    }
    const now = entry.createdAt;
    const muted = this.mutedUntilMs > now;
    const quiet = this.quietHours ? this.quietAt(now) : false;
    if (!muted && !quiet) {
      this.delivery.enqueue(channels, entry);
      return;
    }
    const hold = muted || this.quietHours!.hold;
    if (!hold || entry.file || entry.live) {
      this.delivery.enqueue(channels, entry.silent ? entry : { ...entry, silent: true });
      return;
    }
    const key = channels.map((c) => c.id).join('\0');
    let group = this.held.get(key);
    if (!group) {
      const heading = muted ? `🔕 Held while muted (from ${clockText(now, this.reporting.timeZone)})` : quietHeading(this.quietHours!);
      group = { channels, buffer: new HoldBuffer({ timeZone: this.reporting.timeZone }), heading };
      this.held.set(key, group);
    }
    group.buffer.hold(entry.text, now);
    this.armRelease(now);
  }

  /** True in quiet hours; the state is recomputed only when it can have changed. */
  private quietAt(now: number): boolean {
    if (now >= this.quietNow.until) {
      const s = quietState(now, this.quietHours!);
      this.quietNow = { quiet: s.quiet, until: (s.quiet ? s.endsAt : s.startsAt) ?? Number.MAX_SAFE_INTEGER, endsAt: s.endsAt ?? 0 };
    }
    return this.quietNow.quiet;
  }

  /** When what is held may go: the end of the mute and of quiet hours (with hold), whichever is later. */
  private armRelease(now: number): void {
    const quietEnd = this.quietHours?.hold && this.quietAt(now) ? this.quietNow.endsAt : 0;
    const at = Math.max(this.mutedUntilMs, quietEnd);
    clearTimeout(this.releaseTimer);
    if (at <= now) {
      this.releaseHeld();
      return;
    }
    this.releaseTimer = setTimeout(() => this.armRelease(Date.now()), Math.min(at - now, 2 ** 31 - 1));
    // Holding must not keep a finished process alive; close() sends what is held.
    this.releaseTimer.unref?.();
  }

  /** Sends each group's held notifications as one message (a long one is attached as a file by the lane). */
  private releaseHeld(): void {
    clearTimeout(this.releaseTimer);
    for (const [key, group] of this.held) {
      this.held.delete(key);
      const digest = group.buffer.take(group.heading);
      if (digest)
        this.delivery.enqueue(group.channels, makeEntry(this.delivery.nextSeq(), digest.text, 'info', false, Date.now(), { tags: { event: 'held' } }));
    }
  }

  /**
   * Mutes info notifications for `ms` (errors still go): they are held and sent as one message
   * when the mute ends. Returns when it ends (epoch ms).
   */
  mute(ms: number): number {
    const now = Date.now();
    this.mutedUntilMs = now + Math.max(0, ms);
    this.armRelease(now);
    return this.mutedUntilMs;
  }

  /** Ends a mute now; what it held is sent. */
  unmute(): void {
    this.mutedUntilMs = 0;
    this.armRelease(Date.now());
  }

  /** When quiet hours that hold notifications end (epoch ms), while they are on; otherwise undefined. */
  get quietHoldUntil(): number | undefined {
    const now = Date.now();
    return this.quietHours?.hold && this.quietAt(now) ? this.quietNow.endsAt : undefined;
  }

  /** When the mute ends (epoch ms), or undefined when not muted. */
  get mutedUntil(): number | undefined {
    return this.mutedUntilMs > Date.now() ? this.mutedUntilMs : undefined;
  }

  /**
   * Tells the periodic report what the host did: `report.snapshot` payloads are kept as the
   * latest state; order, position and error events make the period's figures. The plugin calls
   * this for every host event.
   */
  observe(event: string, payload: unknown): void {
    try {
      this.reporting.observe(event, payload);
    } catch (err) {
      this.reportLine(`herald: the report could not read a ${event} event: ${this.redactor.apply((err as Error).message)}\n`);
    }
  }

  /** Builds the report now (with its chart, when there is an equity curve) and queues it. Never rejects. */
  sendReport(options: { periodEnd?: boolean; label?: string; asked?: boolean } = {}): Promise<void> {
    return this.reporting.send(options);
  }

  /** The time zone reports and `/status` read times in. */
  get reportTimeZone(): string {
    return this.reporting.timeZone;
  }

  /** The environment this notifier read its configuration from (secrets included: keep it to yourself). */
  get environment(): Env {
    return this.env;
  }

  /**
   * With Redis, a lease so that one process of the fleet polls a bot for commands (lazy: the
   * lease waits for the fleet's connection); undefined without Redis.
   */
  commandLease(token: string): PollLease | undefined {
    const fleet = this.fleet;
    if (!fleet) return undefined;
    let lease: Promise<PollLease | undefined> | undefined;
    const get = (): Promise<PollLease | undefined> =>
      (lease ??= fleet.then(async (f) => {
        if (!f) return undefined;
        const { CommandLease } = await import('../fleet/command-lease.js');
        return new CommandLease({ client: f.link.client, token });
      }));
    return {
      renewMs: 5000,
      // Without a fleet (Redis refused at start), this process polls alone.
      hold: async () => {
        const l = await get();
        return l ? l.hold() : true;
      },
      release: async () => (await get())?.release(),
    };
  }

  /** True when periodic reports are on (`report` or `HERALD_REPORT_EVERY`). */
  get reportsScheduled(): boolean {
    return this.reporting.scheduled;
  }

  /** A short status: open positions, today's PnL, the backlog, the last error, a mute. For `/status`. */
  status(): Promise<string> {
    return this.reporting.status();
  }

  private sendReportMessage(report: ReportMessage): void {
    const file = report.chart ? { file: { name: report.chart.name, data: report.chart.png, contentType: 'image/png' } } : {};
    // A report someone asked for (/report) is the answer: a mute or quiet hours do not hold it.
    this.unhushed = report.asked === true;
    try {
      this.notify(report.text, { tags: { event: 'report' }, ...file });
    } finally {
      this.unhushed = false;
    }
  }

  /** A caller's file as an attachment; a malformed one is reported and the text goes without it. */
  private attachment(file: NotifyFile): Attachment | undefined {
    try {
      return attachmentOf(file);
    } catch (err) {
      this.reportLine(`herald: ${(err as Error).message}\n`);
      return undefined;
    }
  }

  /** Resolves when everything queued so far is delivered or definitely failed (or at the deadline). */
  flush(timeoutMs?: number): Promise<FlushReport> {
    // A report being built (snapshot, chart) is as good as queued: wait for it first.
    const start = Date.now();
    return this.reporting.idle().then(() => this.delivery.flush(timeoutMs === undefined ? undefined : Math.max(0, timeoutMs - (Date.now() - start))));
  }

  /** Flushes (default deadline 10 s), then reports what is left and releases sockets and timers. */
  close(timeoutMs = this.exitDeadlineMs): Promise<FlushReport> {
    this.closing ??= (async () => {
      this.unregisterExit();
      this.stopHeartbeat();
      this.reporting.stop();
      // A report being built (a snapshot, a chart) is queued before the queues close, within the
      // deadline (a hung snapshot must not hold the exit); what is held goes too.
      const started = Date.now();
      if (!(await this.reporting.idle(timeoutMs))) this.reportLine(`herald: a report still being built at the ${timeoutMs} ms shutdown deadline is not sent\n`);
      this.releaseHeld();
      const report = await this.delivery.close(Math.max(0, timeoutMs - (Date.now() - started)));
      clearTimeout(this.orphanTimer);
      if (!report.complete) {
        const where = report.undelivered.map((u) => `${u.count} to ${u.destination}`).join(', ');
        const total = report.undelivered.reduce((n, u) => n + u.count, 0);
        const kept = this.outbox ? `; kept in the outbox ${this.outbox.path}, delivered at the next start` : '';
        const message = `${total} notification${total === 1 ? '' : 's'} could not be delivered before shutdown: ${where}${kept}`;
        this.emitWarning({ code: 'undelivered-at-exit', message });
      }
      // Leases are handed over at once, so another process delivers what is left without waiting.
      await (await this.fleet)?.close().catch(() => {});
      this.outbox?.close();
      await this.http.close().catch(() => {});
      return report;
    })();
    return this.closing;
  }

  /** Per-destination counters and the total backlog. */
  stats(): NotifierStats {
    const destinations = this.delivery.stats();
    return { destinations, backlog: destinations.reduce((n, d) => n + d.backlog, 0) };
  }

  /** Notifications not yet delivered or failed, over all destinations. */
  backlog(): number {
    return this.stats().backlog;
  }

  /** What `HERALD_EVENTS` and `HERALD_FORMAT` say (the plugin applies them under its own options). */
  get settings(): EventSettings {
    return this.config.settings;
  }

  /**
   * Labels of the destinations general and error notifications go to (redacted): the fixed
   * destinations, and each bot's default channel.
   */
  routes(): { general: string[]; error: string[] } {
    const defaults = this.bots.map((b) => b.defaultChannel);
    const labels = (channels: readonly Channel[]): string[] => unique(channels).map((c) => c.label);
    return { general: labels([...this.generalFixed, ...defaults]), error: labels([...this.errorFixed, ...defaults]) };
  }

  /**
   * Where `notify(message, options)` would go right now, without queuing anything or reporting
   * a bad target: the (redacted) labels of the destinations, the note an unusable `to` target
   * would put on the message's first line, and which mapping entry chose each bot's channel.
   * Routing and target resolution are those of {@link Notifier.notify}. For dry runs (`herald
   * send --dry-run`) and setup tools.
   */
  preview(options?: NotifyOptions | null): RoutePreview {
    options ??= {};
    const level: Level = options.level === 'error' ? 'error' : 'info';
    const tags = options.tags === undefined ? undefined : cleanTags(options.tags);
    const labels = (channels: readonly Channel[]): string[] => channels.map((c) => c.label);
    const decisions = this.bots.map((b) => {
      const entry = chooseEntry(
        b.mapping.map((m) => m.entry),
        attributesOf(level, tags),
      );
      return `${b.bot.label}: ${entry ? `mapping entry ${entry.text}` : `default channel (${b.bot.variables.defaultChannel})`}`;
    });
    const routed = { destinations: labels(this.route(level, tags)), ...(decisions.length ? { decisions } : {}) };
    if (options.to === undefined || options.to === '') return routed;
    const key = typeof options.to === 'string' ? options.to : `(a ${typeof options.to})`;
    // Building channels only computes their labels; nothing is registered or sent.
    const cached = this.targets.get(key) ?? this.resolve(options.to, false);
    const destinations = labels(cached.channels);
    if (!cached.note) return { destinations };
    return { destinations: [...destinations, ...routed.destinations], note: cached.note, ...(decisions.length ? { decisions } : {}) };
  }

  /** The destinations of a notification with this level and these tags. */
  private route(level: Level, tags: Tags | undefined): readonly Channel[] {
    const fixed = level === 'error' ? this.errorFixed : this.generalFixed;
    if (!this.bots.length) return fixed;
    const key = `${level}\0${tags?.event ?? ''}\0${tags?.strategy ?? ''}\0${tags?.symbol ?? ''}\0${tags?.exchange ?? ''}\0${tags?.mode ?? ''}`;
    let route = this.routeCache.get(key);
    if (!route) {
      const attributes = attributesOf(level, tags);
      const chosen = this.bots.map((b) => b.mapping.find((m) => matches(m.entry, attributes))?.channel ?? b.defaultChannel);
      route = unique([...fixed, ...chosen]);
      if (this.routeCache.size >= ROUTE_CACHE_MAX) this.routeCache.clear();
      this.routeCache.set(key, route);
    }
    return route;
  }

  private make(spec: ChannelSpec): Channel {
    return this.channel(createChannel(spec, { http: this.http }));
  }

  private channel(c: Channel): Channel {
    const existing = this.channels.get(c.id);
    if (existing) return existing;
    this.channels.set(c.id, c);
    this.redactor.add(c.secrets);
    // A destination back in this run (a log() to its target again): what the outbox kept goes first.
    const orphan = this.orphans.get(c.id);
    if (orphan) {
      this.orphans.delete(c.id);
      this.delivery.replay(c, orphan.entries, orphan.inflight);
    }
    return c;
  }

  /** Opens the outbox; one process per outbox is a configuration problem, reported like the others. */
  private openOutbox(options: OutboxOptions | undefined, memoryBytes: number | undefined): { outbox: FileOutbox; load: OutboxLoad } | undefined {
    if (!options) return undefined;
    try {
      const opened = FileOutbox.open(options, memoryBytes ?? DEFAULT_DELIVERY.maxQueueBytes);
      if (opened.load.damage) this.reportLine(`herald: ${opened.load.damage}\n`);
      return opened;
    } catch (err) {
      if (err instanceof OutboxInUseError) {
        throw new HeraldConfigError([
          {
            variable: 'HERALD_OUTBOX',
            message: `the outbox ${err.path} is in use by process ${err.pid}`,
            fix: 'one process per outbox: give this one its own path (HERALD_OUTBOX or the outbox option), or stop the other process',
          },
        ]);
      }
      throw new HeraldConfigError([
        {
          variable: 'HERALD_OUTBOX',
          message: `the outbox ${options.path} cannot be opened: ${(err as Error).message}`,
          fix: 'name a file in a directory this process may write',
        },
      ]);
    }
  }

  /**
   * What the outbox kept from a previous run goes out first, destination by destination. A
   * destination is found by its id among this run's destinations, else by the target the entries
   * were sent to; one that is still missing waits a minute for a log() to bring it back, then
   * its notifications are reported as failed (not silently skipped).
   */
  private replay(load: OutboxLoad): void {
    for (const [id, kept] of load.replay) {
      let channel = this.channels.get(id);
      for (const t of kept.targets) {
        if (channel) break;
        this.target(t);
        channel = this.channels.get(id);
      }
      if (channel) this.delivery.replay(channel, kept.entries, kept.inflight);
      else this.orphans.set(id, kept);
    }
    if (!this.orphans.size) return;
    this.orphanTimer = setTimeout(() => this.abandonOrphans(), ORPHAN_WAIT_MS);
    this.orphanTimer.unref?.();
  }

  private abandonOrphans(): void {
    for (const [id, kept] of this.orphans) {
      const waiting = this.outbox!.take(id, Infinity);
      const seqs = [...kept.entries, ...waiting].map((e) => e.seq);
      for (const seq of seqs) this.outbox!.done(seq, id);
      this.deliver('failed', {
        destination: id,
        cause: 'disabled',
        seqs,
        reason: `destination ${id} from the outbox is not configured in this run (waited ${ORPHAN_WAIT_MS / 1000} s for it)`,
        fix: 'these notifications are given up; configure the destination again (the same variable or target) if it should still receive notifications',
      });
    }
    this.orphans.clear();
  }

  private target(to: unknown): Cached {
    // JS callers may pass anything; a string key keeps the once-only report per distinct target.
    const target = typeof to === 'string' ? to : `(a ${typeof to})`;
    const cached = this.targets.get(target);
    if (cached) return cached;
    const result = this.resolve(to, true);
    this.targets.set(target, result);
    return result;
  }

  /** Resolves a target; `register` makes its channels (and reports its problems) for real. */
  private resolve(to: unknown, register: boolean): Cached {
    const r = resolveTarget(to, { env: this.env, bots: this.config.bots });
    const channels = unique(r.specs.map((s) => (register ? this.make(s) : createChannel(s, { http: this.http }))));
    if (!r.problems.length) return { channels };
    const messages = r.problems.map((p) => this.targetProblem(p));
    if (register) r.problems.forEach((p, i) => this.emitWarning({ code: 'target-unresolved', message: messages[i]!, fix: p.fix }));
    return { channels, note: targetNote(messages.join('; ')) };
  }

  private targetProblem(problem: { message: string }): string {
    return this.redactor.apply(`log target ${problem.message}`);
  }

  private onDisabled(channel: Channel, reason: string, fix?: string): void {
    const message = `stopped sending to ${channel.label}: ${reason}`;
    this.emitWarning({ code: 'destination-disabled', destination: channel.label, message, ...(fix ? { fix } : {}) });
    // Tell the user where they will see it: every other destination errors go to.
    const others = this.route('error', undefined).filter((c) => c !== channel && !this.delivery.isDisabled(c));
    if (others.length)
      this.delivery.enqueue(
        others,
        makeEntry(this.delivery.nextSeq(), this.redactor.apply(`⚠️ Herald ${message}.${fix ? ` Fix: ${fix}` : ''}`), 'error', false, Date.now()),
      );
  }

  private emitWarning(w: WarningEvent): void {
    this.deliver('warning', w);
  }

  /** Redacts, emits, and prints what nobody else will see. */
  private deliver<K extends keyof NotifierEvents>(name: K, ...args: NotifierEvents[K]): void {
    // These carry only labels (redacted when the channel is made) and fixed text: no secret to mask.
    const hot = name === 'queued' || name === 'delivered' || name === 'dropped';
    const payload = hot ? args[0] : this.redactPayload(args[0] as unknown as Record<string, unknown>);
    this.safeEmit(name, payload);
    if (hot) return;
    if (name === 'warning') {
      const w = payload as unknown as WarningEvent;
      this.reportLine(`herald: ${w.message}${w.fix ? `. Fix: ${w.fix}` : ''}\n`);
    } else if (name === 'failed') {
      const f = payload as unknown as FailedEvent;
      // Later messages to a disabled destination were announced by its one disable report.
      if (f.cause === 'disabled' && f.seqs.length === 1 && /^destination disabled/.test(f.reason)) return;
      const n = f.seqs.length;
      this.reportLine(`herald: could not deliver ${n} notification${n === 1 ? '' : 's'} to ${f.destination}: ${f.reason}${f.fix ? `. Fix: ${f.fix}` : ''}\n`);
    }
  }

  /** A host listener that throws must not break delivery or reach the engine. */
  private safeEmit(name: string, payload: unknown): void {
    if (this.listenerCount(name as keyof NotifierEvents) === 0) return;
    try {
      (this.emit as (n: string, p: unknown) => boolean).call(this, name, payload);
    } catch (err) {
      this.reportLine(`herald: a '${name}' event listener threw: ${this.redactor.apply((err as Error)?.message ?? String(err))}\n`);
    }
  }

  private redactPayload(p: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(p)) out[k] = typeof v === 'string' ? this.redactor.apply(v) : v;
    return out;
  }
}

/** The variables the report and quiet options replace: their problems are the options' to report when those are given. */
function isReportVariable(variable: string): boolean {
  return /^HERALD_(REPORT_|QUIET)/.test(variable);
}

/** First line of a message whose target could not be used. */
function targetNote(problem: string): string {
  return `⚠️ ${problem} — sent here instead.`;
}

function unique(channels: readonly Channel[]): Channel[] {
  return [...new Set(channels)];
}

function attributesOf(level: Level, tags: Tags | undefined): Attributes {
  return tags ? { ...tags, level } : { level };
}

const CONTENT_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  txt: 'text/plain; charset=utf-8',
  log: 'text/plain; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
};

/** A caller's file as plain data (base64), so the entry can be journaled; a malformed one is an error the caller sees reported. */
function attachmentOf(file: NotifyFile): Attachment {
  if (typeof file !== 'object' || file === null || !(file.data instanceof Uint8Array))
    throw new Error('the file option needs { name, data: Uint8Array or Buffer } (the notification is sent without it)');
  const name = typeof file.name === 'string' && file.name.trim() !== '' ? file.name.trim() : 'file';
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? '';
  return {
    name,
    contentType: file.contentType ?? CONTENT_TYPES[ext] ?? 'application/octet-stream',
    base64: Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength).toString('base64'),
  };
}

/** A caller's live update as plain data: its key, alert and own text (a JS caller may pass anything in them). */
function liveOf(live: LiveUpdate): LiveUpdate {
  const single =
    live.single && typeof live.single.text === 'string'
      ? { text: live.single.text, ...(isCard(live.single.card) ? { card: live.single.card } : {}) }
      : undefined;
  return { key: live.key, ...(live.alert ? { alert: renderMessage(live.alert) } : {}), ...(single ? { single } : {}) };
}

function isLive(live: unknown): live is LiveUpdate {
  const l = live as LiveUpdate | undefined;
  return typeof l === 'object' && l !== null && typeof l.key === 'string' && l.key !== '';
}

/** A JS caller may pass anything as `card`; only a card-shaped object is one. */
function isCard(card: unknown): card is Card {
  const c = card as Card | undefined;
  return typeof c === 'object' && c !== null && typeof c.title === 'string' && Array.isArray(c.fields) && typeof c.tone === 'string';
}
