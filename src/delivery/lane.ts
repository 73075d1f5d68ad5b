/**
 * One destination's queue and its sender loop. FIFO per destination; waits for the rate
 * limiter, then sends everything that piled up meanwhile as few messages as the platform's size
 * limit allows (coalescing); retries by the driver's classification of each answer.
 */
import { randomBytes } from 'node:crypto';
import type { Card } from '../channels/card.js';
import type { Attachment, Channel, MessageRef, OutgoingPart, RateBucket, SendOutcome } from '../channels/channel.js';
import { splitText } from '../channels/split.js';
import { backoffDelay } from './backoff.js';
import { Deque } from './deque.js';
import { attachmentBytes, type OutboxEntry, makeEntry } from './entry.js';
import type { Emit, FailedEvent, Wants } from './events.js';
import type { DeliveryOptions } from './options.js';
import type { RateLimits } from './rate-limits.js';
import type { Journal } from './journal.js';
import { StormFilter } from './storm.js';

/** Counters for one destination, as returned by `stats()`. */
export interface LaneStats {
  destination: string;
  platform: string;
  state: 'active' | 'disabled' | 'closed';
  /** Notifications waiting (including the batch being sent). */
  backlog: number;
  backlogBytes: number;
  queued: number;
  delivered: number;
  failed: number;
  dropped: number;
  suppressed: number;
  requests: number;
  retries: number;
  rateLimited: number;
}

/** What a lane needs from the engine around it. */
export interface LaneContext {
  readonly limits: RateLimits;
  readonly options: DeliveryOptions;
  readonly emit: Emit;
  readonly wants: Wants;
  readonly nextSeq: () => number;
  /** Called once when the destination turns out to be unusable; `group` when its shared credential is. */
  readonly onDisabled: (lane: Lane, reason: string, fix: string | undefined, scope: 'destination' | 'group') => void;
  /** The durable outbox under the queue, when there is one. */
  readonly journal?: Journal;
  /** Told when an entry is done here (delivered, failed, dropped, suppressed): a shared queue's copy may go. */
  readonly settled?: (seq: number, destination: string) => void;
}

interface Batch {
  readonly entries: readonly OutboxEntry[];
  /** Replaced when an edit falls back to a new message. */
  parts: readonly OutgoingPart[];
  index: number;
  attempts: number;
  moves: number;
  /** What every part's key starts with; journaled when the batch is first sent. */
  readonly keyBase: string;
  /** The live message this batch updates (its entry's `live.key`). */
  readonly live?: string;
}

const MAX_MOVES = 3;
/** Live messages remembered per destination for edits; the oldest is forgotten first (its next update is a new message). */
const MAX_LIVE_REFS = 1000;
/** How far behind a live update the lane looks for later states of the same message. */
const LIVE_LOOKAHEAD = 64;
/** Entries waiting behind a live update from which it is coalesced with them instead of sent (and edited) alone. */
const LIVE_CROWD = 10;
/** Per process (or per outbox, which outlives it), so part keys (idempotency keys) never repeat across restarts. */
const RUN_ID = randomBytes(6).toString('base64url');
/** A limits store whose `reserve` failed (it should fall back itself): ask again after this. */
const STORE_RETRY_MS = 1000;

/** A store's answer to observe/block/settle is not waited for; a failure of it is the store's to report. */
function settled(result: void | Promise<void>): void {
  if (result instanceof Promise) result.catch(() => {});
}

/** A destination's FIFO queue and sender. */
export class Lane {
  private readonly queue = new Deque<OutboxEntry>();
  /** Entries of a rejected coalesced batch, retried one by one so one bad message fails alone. */
  private solo: OutboxEntry[] = [];
  private current: Batch | undefined;
  private running = false;
  private disabledReason: string | undefined;
  private closed = false;
  private blockedUntil = 0;
  private droppedPending = 0;
  private droppedUnreported = 0;
  /** A request is on the wire: closing now cannot know whether it arrived. */
  private inFlight = false;
  private bytes = 0;
  /** Error entries in `queue`, so the budget need not scan an all-error queue. */
  private queuedErrors = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private sleeping: { timer: ReturnType<typeof setTimeout>; resolve: () => void } | undefined;
  private readonly abort = new AbortController();
  private readonly storm: StormFilter;
  /** Sent live messages by key, oldest first: what later updates edit. */
  private readonly liveRefs = new Map<string, MessageRef>();
  private readonly counters = { queued: 0, delivered: 0, failed: 0, dropped: 0, suppressed: 0, requests: 0, retries: 0, rateLimited: 0 };

  constructor(
    readonly channel: Channel,
    private readonly ctx: LaneContext,
  ) {
    const o = ctx.options;
    this.storm = new StormFilter(o.stormWindowMs, o.stormMaxKeys, (first, total, windowMs) => {
      const text = `🔁 ×${total} in the last ${Math.round(windowMs / 1000)} s: ${first.text}`;
      this.push(this.record(makeEntry(ctx.nextSeq(), text, first.level, first.silent, Date.now())));
    });
  }

  /** True once the destination was found unusable. */
  get disabled(): boolean {
    return this.disabledReason !== undefined;
  }

  /** Accepts a notification for this destination (already in the journal, if any). Never throws, never waits. */
  enqueue(entry: OutboxEntry): void {
    // A file or a live update is never folded into a storm summary (which would lose the file or the message to edit).
    if (this.disabledReason === undefined && !this.closed && !standalone(entry) && !this.storm.admit(entry, Date.now())) {
      this.counters.suppressed++;
      // Counted into the storm summary, which is journaled on its own.
      this.finished(entry.seq);
      return;
    }
    this.push(entry);
  }

  /**
   * Puts back what the outbox kept from a previous run, before anything new: the batch that was
   * being sent first (under its old key, so a platform that deduplicates sees the same request),
   * then the rest in order.
   */
  restore(entries: readonly OutboxEntry[], inflight?: { readonly seqs: readonly number[]; readonly key: string }): void {
    const bySeq = new Map(entries.map((e) => [e.seq, e]));
    const first = inflight?.seqs.map((s) => bySeq.get(s)).filter((e): e is OutboxEntry => e !== undefined) ?? [];
    if (inflight && first.length === inflight.seqs.length) {
      this.current = this.batchOf(first, inflight.key);
      for (const e of first) bySeq.delete(e.seq);
      this.counters.queued += first.length;
    }
    for (const e of entries) if (bySeq.has(e.seq)) this.push(e);
    this.wakeUp();
  }

  /** An entry made here (a storm summary, a drop notice) goes into the journal too. */
  private record(entry: OutboxEntry): OutboxEntry {
    this.ctx.journal?.queued(entry, [this.channel.id]);
    return entry;
  }

  private push(entry: OutboxEntry): void {
    if (this.closed || this.disabledReason !== undefined) {
      // A storm summary firing after close/disable: report it rather than strand it. After close,
      // an outbox keeps it for the next start; a disabled destination is done with it.
      if (this.disabledReason !== undefined) this.finished(entry.seq);
      this.counters.failed++;
      this.ctx.emit('failed', {
        destination: this.channel.label,
        cause: this.closed ? 'closed' : 'disabled',
        seqs: [entry.seq],
        reason: this.closed ? this.closedReason(entry) : `destination disabled: ${this.disabledReason}`,
      });
      return;
    }
    this.counters.queued++;
    const spill = this.ctx.journal?.spill;
    if (spill && spill.count(this.channel.id) > 0) {
      // Older entries wait on disk: this one waits behind them, in order.
      this.spillOut([entry]);
    } else {
      this.queue.push(entry);
      this.bytes += entry.bytes;
      if (entry.level === 'error') this.queuedErrors++;
      if (this.bytes > this.ctx.options.maxQueueBytes) {
        if (spill) this.spillTail();
        else this.enforceBudget();
      }
    }
    this.wakeUp();
    // Last: a throwing listener must not strand the entry.
    if (this.ctx.wants('queued')) this.ctx.emit('queued', { seq: entry.seq, destination: this.channel.label, level: entry.level });
  }

  private wakeUp(): void {
    if (this.running) return;
    this.running = true;
    // A microtask, so every log() of the current tick is queued before the first send.
    queueMicrotask(() => void this.pump());
  }

  /** With an outbox, what is over the memory budget waits on disk: the newest entries leave memory. */
  private spillTail(): void {
    const out: OutboxEntry[] = [];
    while (this.bytes > this.ctx.options.maxQueueBytes && this.queue.length > 1) {
      const e = this.queue.pop()!;
      this.bytes -= e.bytes;
      if (e.level === 'error') this.queuedErrors--;
      out.push(e);
    }
    this.spillOut(out.reverse());
  }

  private spillOut(entries: readonly OutboxEntry[]): void {
    const spill = this.ctx.journal!.spill!;
    const dropped: OutboxEntry[] = [];
    for (const e of entries) dropped.push(...spill.put(this.channel.id, e));
    if (dropped.length === 0) return;
    // Beyond the disk budget too: today's policy (oldest info first), done and announced.
    for (const d of dropped) this.finished(d.seq);
    this.noteDropped(dropped.length);
  }

  /** Brings waiting entries back from disk once memory has room. */
  private refill(): void {
    const spill = this.ctx.journal?.spill;
    const budget = this.ctx.options.maxQueueBytes;
    if (!spill || this.bytes > budget / 2 || spill.count(this.channel.id) === 0) return;
    for (const e of spill.take(this.channel.id, budget - this.bytes)) {
      this.queue.push(e);
      this.bytes += e.bytes;
      if (e.level === 'error') this.queuedErrors++;
    }
  }

  /** Why an entry logged after close() failed here; an outbox keeps it for the next start. */
  private closedReason(entry: OutboxEntry): string {
    return this.ctx.journal ? `the notifier is closed; notification ${entry.seq} is kept in the outbox for the next start` : 'the notifier is closed';
  }

  /** Drops the oldest info notifications (errors only when nothing else is left) until within budget. */
  private enforceBudget(): void {
    let dropped = 0;
    while (this.bytes > this.ctx.options.maxQueueBytes && this.queue.length > 1) {
      let i = 0;
      if (this.queuedErrors < this.queue.length) while (this.queue.at(i)!.level === 'error') i++;
      const victim = this.queue.removeAt(i)!;
      this.bytes -= victim.bytes;
      if (victim.level === 'error') this.queuedErrors--;
      this.finished(victim.seq);
      dropped++;
    }
    this.noteDropped(dropped);
  }

  /** Counts dropped entries for the notice in the channel and one `dropped` event per tick. */
  private noteDropped(dropped: number): void {
    if (dropped === 0) return;
    this.droppedPending += dropped;
    this.counters.dropped += dropped;
    // One event per tick, not per call: a flood over budget must not pay for an event each.
    if (this.droppedUnreported === 0) queueMicrotask(() => this.reportDropped());
    this.droppedUnreported += dropped;
  }

  private reportDropped(): void {
    const count = this.droppedUnreported;
    this.droppedUnreported = 0;
    const over = this.ctx.journal?.spill ? 'the outbox over its disk budget' : `queue over its ${formatBytes(this.ctx.options.maxQueueBytes)} budget`;
    this.ctx.emit('dropped', { destination: this.channel.label, count, reason: over });
  }

  /** Emits pending storm summaries now, then resolves when nothing is queued or in flight. */
  idle(): Promise<void> {
    this.storm.flush();
    if (!this.running && !this.hasWork()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Notifications not yet delivered or failed. */
  get backlog(): number {
    return this.queue.length + this.spilled + this.solo.length + (this.current?.entries.length ?? 0) + (this.droppedPending > 0 ? 1 : 0) + this.storm.pending;
  }

  private get spilled(): number {
    return this.ctx.journal?.spill?.count(this.channel.id) ?? 0;
  }

  /** Stops sending: aborts the request in flight and reports everything still queued as failed. */
  close(reason: string): void {
    if (this.closed) return;
    this.storm.flush(); // summaries become entries, reported as failed with the rest below
    this.closed = true;
    this.abort.abort(new Error(reason));
    if (this.inFlight && this.current) {
      const sending = this.current.entries;
      this.current = undefined;
      this.fail(sending, 'closed', `${reason}; closed while it was being sent, so it may have arrived`);
    }
    this.failAll('closed', reason);
    this.wake();
  }

  /**
   * Stops using this destination: everything queued fails with the reason. Used when it answered
   * as unusable, and when another channel of its group found the shared credential dead.
   */
  disable(reason: string, fix?: string): void {
    if (this.closed || this.disabledReason !== undefined) return;
    this.storm.flush();
    this.disabledReason = reason;
    if (this.inFlight && this.current) {
      const sending = this.current.entries;
      this.current = undefined;
      this.fail(sending, 'disabled', `${reason}; this was being sent when the destination was disabled, so it may have arrived`, fix);
    }
    this.failAll('disabled', reason, fix);
    this.wake();
  }

  stats(): LaneStats {
    return {
      destination: this.channel.label,
      platform: this.channel.platform,
      state: this.closed ? 'closed' : this.disabledReason !== undefined ? 'disabled' : 'active',
      backlog: this.backlog,
      backlogBytes: this.bytes,
      ...this.counters,
    };
  }

  /** An entry is done at this destination: the journal and a shared queue forget it. */
  private finished(seq: number): void {
    this.ctx.journal?.done(seq, this.channel.id);
    this.ctx.settled?.(seq, this.channel.id);
  }

  private hasWork(): boolean {
    return this.current !== undefined || this.solo.length > 0 || this.queue.length > 0 || this.droppedPending > 0 || this.spilled > 0;
  }

  private async pump(): Promise<void> {
    try {
      while (!this.closed && this.disabledReason === undefined && this.hasWork()) {
        const now = Date.now();
        if (this.blockedUntil > now) {
          await this.sleep(this.blockedUntil - now);
          continue;
        }
        const buckets = this.channel.buckets();
        const reserved = this.ctx.limits.reserve(buckets, now);
        // A local store answers at once; a shared one after a round trip (the lane may close meanwhile).
        const wait = typeof reserved === 'number' ? reserved : await reserved.catch(() => STORE_RETRY_MS);
        if (this.closed || this.disabledReason !== undefined) break;
        if (wait > 0) {
          await this.sleep(wait);
          continue;
        }
        this.current ??= this.takeBatch();
        await this.sendCurrent(this.current, buckets, now);
      }
    } catch (err) {
      // A bug here must not become an unhandled rejection in the host; report and stop this lane.
      this.failAll('internal', `internal error: ${(err as Error).message}`);
    } finally {
      this.running = false;
      if (!this.closed && this.disabledReason === undefined && this.hasWork()) {
        this.running = true;
        queueMicrotask(() => void this.pump());
      } else {
        for (const resolve of this.idleWaiters.splice(0)) resolve();
      }
    }
  }

  private takeBatch(): Batch {
    const { channel } = this;
    const entries: OutboxEntry[] = [];
    this.refill();
    if (this.droppedPending > 0) {
      const n = this.droppedPending;
      this.droppedPending = 0;
      const where = this.ctx.journal?.spill
        ? 'the outbox’s disk budget was full'
        : `more than ${formatBytes(this.ctx.options.maxQueueBytes)} was waiting for this destination`;
      entries.push(
        this.record(
          makeEntry(this.ctx.nextSeq(), `⚠️ Herald dropped ${n} older notification${n === 1 ? '' : 's'} here: ${where}.`, 'error', false, Date.now()),
        ),
      );
    } else if (this.solo.length > 0) {
      return this.batchOf([this.solo.shift()!]);
    } else {
      entries.push(this.takeHead());
    }
    const first = entries[0]!;
    // A live update is its own request where it can be edited, unless a backlog has built up:
    // then fewer messages matter more than edits, and it goes coalesced, as its own text.
    const crowded = this.queue.length >= LIVE_CROWD;
    const alone = (e: OutboxEntry): boolean => e.file !== undefined || (e.live !== undefined && channel.edits === true && !crowded);
    if (first.live && entries.length === 1 && channel.edits && !crowded) return this.latestOf(first);
    if (channel.coalesce === false || alone(first)) return this.batchOf(entries);
    const sameKind = (next: OutboxEntry): boolean => next.level === first.level && next.silent === first.silent && !alone(next);
    const head = plainOf(first);
    if (this.rich(head)) {
      // Cards coalesce by the platform's own packing rules (embeds per message, blocks, total
      // size); plain lines between them ride along as text cards, so order is kept without a
      // request for every line.
      const cards: Card[] = [head.card!];
      for (let next = this.queue.peek(); next && this.solo.length === 0 && sameKind(next); next = this.queue.peek()) {
        const card = cardOf(plainOf(next));
        if (!channel.cards!.fits([...cards, card])) break;
        cards.push(card);
        entries.push(this.takeHead());
      }
      return this.batchOf(entries);
    }
    const newline = channel.measure('\n');
    let length = channel.measure(head.text);
    for (let next = this.queue.peek(); next && this.solo.length === 0 && sameKind(next) && !this.rich(plainOf(next)); next = this.queue.peek()) {
      const add = newline + channel.measure(plainOf(next).text);
      if (length + add > channel.maxLength) break;
      length += add;
      entries.push(this.takeHead());
    }
    return this.batchOf(entries);
  }

  /**
   * A live update with later states of the same message already waiting behind it (a burst of
   * fills while the lane waited for a rate slot): only the latest is sent, in this one's place,
   * and it carries the alert of any state it replaces. One edit instead of several; the history
   * in the latest state's text tells the rest.
   */
  private latestOf(first: OutboxEntry): Batch {
    const key = first.live!.key;
    const later: number[] = [];
    for (let i = 0; i < Math.min(this.queue.length, LIVE_LOOKAHEAD); i++) {
      const e = this.queue.at(i)!;
      if (e.live?.key === key && e.level === first.level && !e.file) later.push(i);
    }
    if (later.length === 0) return this.batchOf([first]);
    const entries = [first];
    for (const i of later.reverse()) entries.splice(1, 0, this.takeAt(i));
    const latest = entries[entries.length - 1]!;
    const alert = latest.live!.alert ?? entries.map((e) => e.live?.alert).findLast((a) => a !== undefined);
    const shown = alert === undefined ? latest : { ...latest, live: { ...latest.live!, alert } };
    return this.batchOf(entries, undefined, shown);
  }

  private takeAt(i: number): OutboxEntry {
    const e = this.queue.removeAt(i)!;
    this.bytes -= e.bytes;
    if (e.level === 'error') this.queuedErrors--;
    return e;
  }

  /** True when this entry goes out as a card here. */
  private rich(entry: OutboxEntry): boolean {
    return entry.card !== undefined && this.channel.cards !== undefined;
  }

  private takeHead(): OutboxEntry {
    const e = this.queue.shift()!;
    this.bytes -= e.bytes;
    if (e.level === 'error') this.queuedErrors--;
    return e;
  }

  /** `content`: the one entry whose text the batch sends (a live update that replaces earlier states); default the entries, coalesced. */
  private batchOf(entries: readonly OutboxEntry[], keyBase?: string, content: OutboxEntry | undefined = entries.length === 1 ? entries[0] : undefined): Batch {
    const first = content ?? entries[0]!;
    const stem = keyBase ?? `${this.ctx.journal?.id ?? RUN_ID}${first.seq.toString(36)}.${entries.length.toString(36)}`;
    const key = (i: number): string => `${stem}.${i.toString(36)}`;
    const live = content?.live;
    // Where nothing can be edited, each state goes as a message of its own, without the history.
    const shown = content ? [live?.single && !this.channel.edits ? plainOf(content) : content] : entries.map(plainOf);
    let parts = this.partsOf(shown);
    if (content) parts = this.withFile(shown[0]!, parts);
    const ref = live && this.channel.edits ? this.liveRefs.get(live.key) : undefined;
    // An update of a live message edits it when it still fits one message; the alert is a reply, since edits make no sound.
    if (live && ref !== undefined && parts.length === 1 && !parts[0]!.file) {
      parts = [{ ...parts[0]!, edit: ref }];
      if (live.alert) parts.push({ level: first.level, silent: first.silent, text: live.alert, replyTo: ref });
    }
    parts = parts.map((p, i) => ({ ...p, key: key(i) }));
    return { entries, parts, index: 0, attempts: 0, moves: 0, keyBase: stem, ...(live ? { live: live.key } : {}) };
  }

  /**
   * A file goes with its text as caption when the text fits one, else with the text's first line
   * and the text after it. A text that would take more than `fileAfterParts` messages goes as its
   * first message and the whole text as a `.txt` file. Where files cannot go, the text alone.
   */
  private withFile(entry: OutboxEntry, parts: OutgoingPart[]): OutgoingPart[] {
    const files = this.channel.files;
    if (!files) return parts;
    const base = { level: entry.level, silent: entry.silent };
    if (entry.file) {
      if (attachmentBytes(entry.file) > files.maxBytes) return parts;
      const plain = !parts[0]!.cards;
      if (plain && this.channel.measure(entry.text) <= files.captionMax) return [{ ...base, text: entry.text, file: entry.file }];
      return [{ ...base, text: cutTo(firstLine(entry.text), files.captionMax, this.channel.measure), file: entry.file }, ...parts];
    }
    if (parts.length <= this.ctx.options.fileAfterParts || parts[0]!.cards) return parts;
    const whole = textFile(entry.text);
    if (attachmentBytes(whole) > files.maxBytes) return parts;
    const note = `📎 The whole message (${parts.length} parts, ${formatBytes(attachmentBytes(whole))}) is attached as ${whole.name}.`;
    return [parts[0]!, { ...base, text: cutTo(note, files.captionMax, this.channel.measure), file: whole }];
  }

  /** The batch's text or cards as parts, each within the channel's limits. */
  private partsOf(entries: readonly OutboxEntry[]): OutgoingPart[] {
    const first = entries[0]!;
    const base = { level: first.level, silent: first.silent };
    let parts: OutgoingPart[];
    if (this.rich(first)) {
      // With cards, the text is one line per card: what notifications and old clients show.
      const text = entries.map((e) => firstLine(e.text)).join('\n');
      const cards = entries.map(cardOf);
      const groups = this.channel.cards!.fits(cards) ? [cards] : packCards(this.channel.cards!.split(cards[0]!), this.channel.cards!);
      parts = groups.map((c, i) => ({ ...base, text: i === 0 ? text : `${text} (continued)`, cards: c }));
    } else {
      const text = entries.length === 1 ? first.text : entries.map((e) => e.text).join('\n');
      parts = splitText(text, this.channel.maxLength, this.channel.measure).map((t) => ({ ...base, text: t }));
    }
    return parts;
  }

  private async sendCurrent(batch: Batch, buckets: readonly RateBucket[], sentAt: number): Promise<void> {
    const first = batch.entries[0]!;
    if (batch.index === 0 && batch.attempts === 0 && batch.moves === 0)
      this.ctx.journal?.sending(
        this.channel.id,
        batch.entries.map((e) => e.seq),
        batch.keyBase,
      );
    batch.attempts++;
    this.counters.requests++;
    let outcome: SendOutcome;
    this.inFlight = true;
    try {
      outcome = await this.channel.send(batch.parts[batch.index]!, this.abort.signal);
    } catch (err) {
      outcome = { kind: 'transient', reason: `driver error: ${(err as Error).message}` };
    } finally {
      this.inFlight = false;
      settled(this.ctx.limits.settle?.(buckets, sentAt, Date.now()));
    }
    // Closed or disabled (its bot's token died on another channel) while this request was out.
    if (this.closed || this.disabledReason !== undefined) return;
    const now = Date.now();
    if ('rate' in outcome && outcome.rate) settled(this.ctx.limits.observe(outcome.rate, now));
    switch (outcome.kind) {
      case 'ok':
        if (batch.live !== undefined && batch.index === 0 && outcome.ref !== undefined && !batch.parts[0]!.edit) this.remember(batch.live, outcome.ref);
        batch.index++;
        if (batch.index < batch.parts.length) {
          batch.attempts = 0;
          return;
        }
        this.current = undefined;
        this.counters.delivered += batch.entries.length;
        for (const e of batch.entries) this.finished(e.seq);
        this.ctx.emit('delivered', {
          destination: this.channel.label,
          seqs: batch.entries.map((e) => e.seq),
          parts: batch.parts.length,
          attempts: batch.attempts,
          latencyMs: now - first.createdAt,
        });
        return;
      case 'retry-after':
        this.counters.rateLimited++;
        this.retryLater(batch, outcome.delayMs, outcome.reason, true);
        if (outcome.blockKeys) settled(this.ctx.limits.block(outcome.blockKeys, now + outcome.delayMs));
        return;
      case 'transient': {
        if (now - first.createdAt >= this.ctx.options.giveUpAfterMs) {
          this.fail(
            batch.entries,
            'gave-up',
            `gave up after ${batch.attempts} attempts over ${Math.round((now - first.createdAt) / 1000)} s: ${outcome.reason}`,
          );
          return;
        }
        this.retryLater(batch, backoffDelay(batch.attempts, this.ctx.options.backoff), outcome.reason, false);
        return;
      }
      case 'uneditable': {
        const part = batch.parts[batch.index]!;
        if (part.edit === undefined) {
          this.fail(batch.entries, 'rejected', outcome.reason);
          return;
        }
        // The message is gone or too old: this state goes as a new message (which rings; no reply needed).
        if (batch.live !== undefined) this.liveRefs.delete(batch.live);
        const { edit: _edit, ...fresh } = part;
        batch.parts = [fresh];
        batch.index = 0;
        batch.attempts = 0;
        return;
      }
      case 'rejected':
        if (batch.entries.length > 1) {
          // Coalesced text was refused: resend one by one so only the bad notification fails.
          this.current = undefined;
          this.solo.push(...batch.entries);
          return;
        }
        this.fail(batch.entries, 'rejected', outcome.reason, outcome.fix);
        return;
      case 'moved':
        batch.attempts--;
        if (++batch.moves > MAX_MOVES) {
          this.fail(batch.entries, 'rejected', `${outcome.reason} (moved too often, giving up)`, outcome.fix);
          return;
        }
        this.ctx.emit('warning', { code: 'destination-moved', destination: this.channel.label, message: outcome.reason, fix: outcome.fix });
        return;
      case 'dead':
        this.disable(outcome.reason, outcome.fix);
        this.ctx.onDisabled(this, outcome.reason, outcome.fix, outcome.scope ?? 'destination');
        return;
    }
  }

  /** Remembers a live message's ref for its later updates, forgetting the oldest past the bound. */
  private remember(key: string, ref: MessageRef): void {
    this.liveRefs.delete(key);
    this.liveRefs.set(key, ref);
    if (this.liveRefs.size > MAX_LIVE_REFS) this.liveRefs.delete(this.liveRefs.keys().next().value!);
  }

  private retryLater(batch: Batch, delayMs: number, reason: string, rateLimited: boolean): void {
    this.counters.retries++;
    this.blockedUntil = Date.now() + delayMs;
    this.ctx.emit('retrying', { destination: this.channel.label, reason, delayMs, attempt: batch.attempts, rateLimited });
  }

  private fail(entries: readonly OutboxEntry[], cause: FailedEvent['cause'], reason: string, fix?: string): void {
    if (this.current && this.current.entries === entries) this.current = undefined;
    if (entries.length === 0) return;
    // Closed before delivery: an outbox keeps them for the next start. Anything else is final.
    if (cause !== 'closed') for (const e of entries) this.finished(e.seq);
    this.counters.failed += entries.length;
    this.ctx.emit('failed', { destination: this.channel.label, cause, seqs: entries.map((e) => e.seq), reason, ...(fix ? { fix } : {}) });
  }

  private failAll(cause: FailedEvent['cause'], reason: string, fix?: string): void {
    const spill = this.ctx.journal?.spill;
    // What waits on disk is brought back to be reported (and marked done) unless the notifier is
    // only closing: then it stays on disk for the next start, counted in the backlog.
    const waiting = spill && cause !== 'closed' ? spill.take(this.channel.id, Infinity) : [];
    const entries = [...(this.current?.entries ?? []), ...this.solo.splice(0), ...this.queue.drain(), ...waiting];
    this.current = undefined;
    this.bytes = 0;
    this.queuedErrors = 0;
    if (this.droppedPending > 0) this.droppedPending = 0;
    this.fail(entries, cause, reason, fix);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleeping = undefined;
        resolve();
      }, ms);
      // Waiting must not keep a finished process alive; the exit drain keeps it alive on purpose.
      timer.unref?.();
      this.sleeping = { timer, resolve };
    });
  }

  private wake(): void {
    if (!this.sleeping) return;
    clearTimeout(this.sleeping.timer);
    const { resolve } = this.sleeping;
    this.sleeping = undefined;
    resolve();
  }
}

/** An entry as a card: its own, or its text as a plain card. */
function cardOf(entry: OutboxEntry): Card {
  return entry.card ?? { title: '', tone: 'plain', fields: [], description: entry.text };
}

/** A live update as a message of its own (its own text, without the history an edited message gathers); any other entry as it is. */
function plainOf(entry: OutboxEntry): OutboxEntry {
  const single = entry.live?.single;
  if (!single) return entry;
  const { card: _old, ...rest } = entry;
  return single.card ? { ...rest, text: single.text, card: single.card } : { ...rest, text: single.text };
}

/** True for an entry that is sent alone: it carries a file, or it updates a live message. */
function standalone(entry: OutboxEntry): boolean {
  return entry.file !== undefined || entry.live !== undefined;
}

/** A text as a `.txt` attachment. */
function textFile(text: string): Attachment {
  return { name: 'message.txt', contentType: 'text/plain; charset=utf-8', base64: Buffer.from(text, 'utf8').toString('base64') };
}

/** `text` cut to `max` (with an ellipsis) by the channel's measure. */
function cutTo(text: string, max: number, measure: (t: string) => number): string {
  if (measure(text) <= max) return text;
  const chars = [...text];
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (measure(chars.slice(0, mid).join('') + '…') <= max) lo = mid;
    else hi = mid - 1;
  }
  return chars.slice(0, lo).join('') + '…';
}

function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return nl < 0 ? text : text.slice(0, nl);
}

/** Greedy packing of cards that each fit alone into as few requests as fit, in order. */
function packCards(cards: readonly Card[], support: NonNullable<Channel['cards']>): Card[][] {
  const groups: Card[][] = [];
  for (const card of cards) {
    const last = groups[groups.length - 1];
    if (last && support.fits([...last, card])) last.push(card);
    else groups.push([card]);
  }
  return groups;
}

/** `8 MiB`-style sizes for messages. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}
