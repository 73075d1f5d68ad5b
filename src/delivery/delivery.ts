/**
 * The platform-agnostic delivery engine: one {@link Lane} per destination, shared rate limits,
 * flush with a deadline, and close.
 */
import type { Channel } from '../channels/channel.js';
import type { OutboxEntry } from './entry.js';
import type { Emit, Wants } from './events.js';
import type { Journal } from './journal.js';
import { Lane, type LaneStats } from './lane.js';
import { type DeliveryOptions, deliveryOptions } from './options.js';
import { LocalRateLimits, type RateLimits } from './rate-limits.js';
import type { SharedQueue } from './shared-queue.js';

/** What is still undelivered after a flush or close, per destination. */
export interface FlushReport {
  /** True when everything queued was delivered or definitely failed in time. */
  readonly complete: boolean;
  readonly undelivered: readonly { readonly destination: string; readonly count: number }[];
}

/** Construction parameters of {@link Delivery}. */
export interface DeliverySetup {
  readonly emit: Emit;
  /** Lets lanes skip building payloads nobody listens to; default: always build. */
  readonly wants?: Wants;
  readonly options?: Partial<DeliveryOptions>;
  readonly limits?: RateLimits;
  /** Called once per unusable destination, or once per group when a shared credential died (`scope: 'group'`). */
  readonly onDisabled?: (channel: Channel, reason: string, fix: string | undefined, scope: 'destination' | 'group') => void;
  /** The durable outbox under the queues. */
  readonly journal?: Journal;
  /** Sequence numbers continue after this one (the outbox's last, after a restart). */
  readonly lastSeq?: number;
}

/** Owns every destination's queue. */
export class Delivery {
  private readonly lanes = new Map<string, Lane>();
  /** Groups whose shared credential is dead, with why: their lanes, even new ones, stay disabled. */
  private readonly deadGroups = new Map<string, { reason: string; fix?: string }>();
  private readonly options: DeliveryOptions;
  private readonly limits: RateLimits;
  private seq = 0;
  private closed = false;
  /** A queue shared with other processes, once attached. */
  private shared: SharedQueue | undefined;

  constructor(private readonly setup: DeliverySetup) {
    this.options = deliveryOptions(setup.options);
    this.limits = setup.limits ?? new LocalRateLimits();
    this.seq = setup.lastSeq ?? 0;
  }

  /** Next notification sequence number. */
  nextSeq = (): number => ++this.seq;

  /** The lane for a channel, created on first use. */
  lane(channel: Channel): Lane {
    let lane = this.lanes.get(channel.id);
    if (!lane) {
      lane = new Lane(channel, {
        limits: this.limits,
        options: this.options,
        emit: this.setup.emit,
        wants: this.setup.wants ?? (() => true),
        nextSeq: this.nextSeq,
        onDisabled: (l, reason, fix, scope) => this.disabled(l.channel, reason, fix, scope),
        ...(this.setup.journal ? { journal: this.setup.journal } : {}),
        settled: (seq, destination) => this.shared?.settled(seq, destination),
      });
      this.lanes.set(channel.id, lane);
      // After close, a destination used for the first time must fail fast, not retry on a closed pool.
      if (this.closed) lane.close('the notifier is closed');
      const dead = channel.group === undefined ? undefined : this.deadGroups.get(channel.group);
      if (dead) lane.disable(dead.reason, dead.fix);
    }
    return lane;
  }

  private disabled(channel: Channel, reason: string, fix: string | undefined, scope: 'destination' | 'group'): void {
    if (scope === 'group' && channel.group !== undefined) {
      this.deadGroups.set(channel.group, { reason, ...(fix ? { fix } : {}) });
      for (const lane of this.lanes.values()) if (lane.channel.group === channel.group) lane.disable(reason, fix);
    }
    this.setup.onDisabled?.(channel, reason, fix, scope);
  }

  /** True when the destination was found unusable (also when its group's credential was). */
  isDisabled(channel: Channel): boolean {
    return this.lanes.get(channel.id)?.disabled ?? (channel.group !== undefined && this.deadGroups.has(channel.group));
  }

  /**
   * Queues an entry on each channel: in the shared queue when one is attached and up, else in
   * this process's lanes (in the journal first, when there is one). Returns at once.
   */
  enqueue(channels: readonly Channel[], entry: OutboxEntry): void {
    if (channels.length === 0) return;
    this.enqueueHere(this.shared ? this.shared.offer(entry, channels) : channels, entry);
  }

  /** Queues an entry in this process's own lanes (the journal first): what the shared queue could not take or gives back. */
  enqueueHere(channels: readonly Channel[], entry: OutboxEntry): void {
    if (channels.length === 0) return;
    this.setup.journal?.queued(
      entry,
      channels.map((c) => c.id),
    );
    for (const c of channels) this.lane(c).enqueue(entry);
  }

  /** Shares queues with other processes from now on (see {@link SharedQueue}). */
  attachShared(queue: SharedQueue | undefined): void {
    this.shared = queue;
  }

  /** Gives a destination what the outbox kept for it from a previous run, ahead of anything new. */
  replay(channel: Channel, entries: readonly OutboxEntry[], inflight?: { readonly seqs: readonly number[]; readonly key: string }): void {
    this.lane(channel).restore(entries, inflight);
  }

  /** Resolves when every queue is empty, or at the deadline with what is left. */
  async flush(timeoutMs?: number): Promise<FlushReport> {
    // Lanes sleep on unref'd timers; a caller awaiting flush must keep the process alive meanwhile.
    const keepAlive = setInterval(() => {}, 1 << 30);
    try {
      if (!this.shared) return await this.flushLanes(timeoutMs);
      // Shared: what this process offered is delivered by whichever process holds each destination.
      const started = Date.now();
      const waiting = await this.shared.drain(timeoutMs);
      const left = timeoutMs === undefined ? undefined : Math.max(0, timeoutMs - (Date.now() - started));
      const here = await this.flushLanes(left);
      const undelivered = [...here.undelivered, ...waiting];
      return { complete: undelivered.length === 0, undelivered };
    } finally {
      clearInterval(keepAlive);
    }
  }

  private async flushLanes(timeoutMs?: number): Promise<FlushReport> {
    // Loop: delivering can queue more (a disabled destination's notice to the others, storm summaries).
    const all = (async () => {
      do await Promise.all([...this.lanes.values()].map((l) => l.idle()));
      while ([...this.lanes.values()].some((l) => l.backlog > 0 && !l.disabled));
    })();
    if (timeoutMs === undefined) {
      await all;
    } else {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([all, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
    }
    const undelivered = [...this.lanes.values()].filter((l) => l.backlog > 0).map((l) => ({ destination: l.channel.label, count: l.backlog }));
    return { complete: undelivered.length === 0, undelivered };
  }

  /** Flushes within the deadline, then stops every lane, failing (and reporting) what is left. */
  async close(timeoutMs?: number): Promise<FlushReport> {
    const report = await this.flush(timeoutMs);
    this.closed = true;
    const kept = this.setup.journal ? '; kept in the outbox, delivered at the next start' : '';
    for (const lane of this.lanes.values())
      lane.close(report.complete ? 'the notifier is closed' : `not delivered within the ${timeoutMs} ms shutdown deadline${kept}`);
    for (const lane of this.lanes.values()) lane.channel.close?.();
    return report;
  }

  /** Per-destination counters. */
  stats(): LaneStats[] {
    return [...this.lanes.values()].map((l) => l.stats());
  }
}
