/**
 * One queue per destination for a whole fleet, in Redis streams. Every process appends what it
 * logs to the destination's stream (`herald:q:<destination key>`); the process that holds the
 * destination's lease reads the stream with a consumer group and feeds its own lane, which
 * coalesces, paces and retries as always, so eight processes' fills to one chat leave as one
 * message per second, in the order they were logged. A delivered (or definitely failed) entry is
 * acknowledged and deleted. A holder that dies leaves its entries pending in the group; the next
 * holder claims them after a short idle time and delivers them first: at most the batch that was
 * in flight can arrive twice.
 *
 * Streams hold destination keys and texts, never tokens or webhook URLs: each process resolves a
 * key from its own configuration, and only a process that knows a destination takes its lease.
 * Entries of a destination nobody knows wait, and are reported once when they have waited
 * {@link ORPHAN_AFTER_MS}. Streams are trimmed by age ({@link ENTRY_TTL_MS}) and expire when
 * unused, so Redis does not grow without bound.
 *
 * While Redis is unreachable, `offer` gives everything back to the process's own lanes (and its
 * outbox, when configured); entries this process had read keep being delivered, and their
 * acknowledgements wait for Redis to come back.
 */
import type { Channel } from '../channels/channel.js';
import type { LineWriter } from '../channels/console.js';
import { isAttachment, isLiveUpdate, makeEntry, type OutboxEntry } from '../delivery/entry.js';
import type { SharedQueue } from '../delivery/shared-queue.js';
import type { RedisClient, RedisLink } from './redis-link.js';

/** Stream of one destination. */
export const streamKey = (destination: string): string => `herald:q:${destination}`;
/** Lease of one destination: the id of the process that delivers it. */
export const leaseKey = (destination: string): string => `herald:lease:${destination}`;
/** Presence of one process: `{ pid, host, startedAt, destinations }` (read by `herald doctor`). */
export const presenceKey = (processId: string): string => `herald:proc:${processId}`;

const GROUP = 'herald';
/** A lease lapses this long after its holder's last renewal. */
export const LEASE_TTL_MS = 6000;
const LEASE_RENEW_MS = 2000;
/** A new holder leaves the previous one this long to acknowledge what it delivered, then claims the rest. */
const CLAIM_AFTER_MS = 3000;
/** Entries read but not acknowledged for this long belong to a holder that is gone. */
const CLAIM_IDLE_MS = LEASE_TTL_MS;
/** At most this many entries wait in the holder's lane; more stay in the stream (bounded duplicates and memory). */
const READ_AHEAD = 100;
const BLOCK_MS = 500;
const PRESENCE_TTL_MS = 15_000;
const PRESENCE_EVERY_MS = 5000;
/** Entries of a destination no running process knows are reported after this. */
export const ORPHAN_AFTER_MS = 120_000;
const ORPHAN_SCAN_MS = 30_000;
/** Entries older than this are trimmed from a stream (after being reported as orphans). */
export const ENTRY_TTL_MS = 24 * 3600_000;
const DRAIN_POLL_MS = 50;

/** What an entry looks like in a stream: plain data, no secrets. */
interface WireEntry {
  readonly t: string;
  readonly l: OutboxEntry['level'];
  readonly s: boolean;
  readonly c: number;
  readonly g?: OutboxEntry['tags'];
  readonly k?: OutboxEntry['card'];
  readonly to?: string;
  readonly f?: OutboxEntry['file'];
  readonly u?: OutboxEntry['live'];
}

/** The fleet's clock: lease and claim times, the orphan check. Defaults above; tests shorten them. */
export interface FleetTiming {
  readonly leaseTtlMs: number;
  readonly leaseRenewMs: number;
  readonly claimAfterMs: number;
  readonly claimIdleMs: number;
  readonly orphanAfterMs: number;
  readonly orphanScanMs: number;
}

const DEFAULT_TIMING: FleetTiming = {
  leaseTtlMs: LEASE_TTL_MS,
  leaseRenewMs: LEASE_RENEW_MS,
  claimAfterMs: CLAIM_AFTER_MS,
  claimIdleMs: CLAIM_IDLE_MS,
  orphanAfterMs: ORPHAN_AFTER_MS,
  orphanScanMs: ORPHAN_SCAN_MS,
};

/** What the fleet queue needs from the notifier around it. */
export interface FleetQueueSetup {
  readonly timing?: Partial<FleetTiming>;
  readonly link: RedisLink;
  readonly processId: string;
  /** A second connection for blocking reads. */
  readonly reader: RedisClient;
  /** Destinations this process can deliver (made so far), by key. */
  readonly known: () => readonly Channel[];
  /** The lane of a destination this process delivers. */
  readonly lane: (channel: Channel) => { enqueue(entry: OutboxEntry): void; readonly backlog: number };
  /** Queues in this process's own lanes (the journal first): what Redis could not take. */
  readonly enqueueHere: (channels: readonly Channel[], entry: OutboxEntry) => void;
  readonly nextSeq: () => number;
  /** One line on stderr (Herald's own reports). */
  readonly report: LineWriter;
  /** A notification on the error route (orphaned entries). */
  readonly alert: (text: string) => void;
  /** A label for a destination key (redacted), when this process knows it. */
  readonly label: (destination: string) => string;
}

interface Held {
  readonly channel: Channel;
  /** Until when the previous holder is left to acknowledge; then its leftovers are claimed. */
  claimAt: number;
  /** True once the leftovers of previous holders are claimed: new entries may be read. */
  reading: boolean;
}

/** The fleet's queue on Redis: a {@link SharedQueue}. */
export class FleetQueue implements SharedQueue {
  private readonly pending: { entry: OutboxEntry; channels: readonly Channel[] }[] = [];
  private writeScheduled = false;
  private writing: Promise<void> = Promise.resolve();
  /** Streams this process wrote to (for drain), with their destination's label. */
  private readonly written = new Map<string, string>();
  private readonly groups = new Set<string>();
  private readonly held = new Map<string, Held>();
  /** Entries read from a stream, by the local sequence number their lane knows them by. */
  private readonly inLane = new Map<string, { stream: string; id: string }>();
  /** `stream id` of every entry in a lane and not yet acknowledged, so none is fed twice. */
  private readonly fed = new Set<string>();
  /** Set when a read failed: this consumer's own pending entries are read again before new ones. */
  private recoverOwn = false;
  private readonly acks: { stream: string; id: string }[] = [];
  private ackScheduled = false;
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private stopped = false;
  private reading: Promise<void> | undefined;
  private readonly startedAt = Date.now();

  private readonly t: FleetTiming;

  constructor(private readonly o: FleetQueueSetup) {
    this.t = { ...DEFAULT_TIMING, ...o.timing };
  }

  /** Starts leases, presence, reading and the orphan check. */
  start(): void {
    const every = (ms: number, fn: () => Promise<void>): void => {
      const t = setInterval(() => void fn().catch(() => {}), ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.t.leaseRenewMs, () => this.leases());
    every(PRESENCE_EVERY_MS, () => this.presence());
    every(this.t.orphanScanMs, () => this.orphans());
    void this.leases().catch(() => {});
    void this.presence().catch(() => {});
    this.o.link.onChange((up) => {
      if (up) {
        this.flushAcks();
        void this.leases().catch(() => {});
        void this.presence().catch(() => {});
      }
    });
    this.reading = this.readLoop();
  }

  offer(entry: OutboxEntry, destinations: readonly Channel[]): readonly Channel[] {
    const shared = destinations.filter((c) => !c.processLocal);
    if (!this.o.link.healthy || this.stopped || shared.length === 0) return destinations;
    this.pending.push({ entry, channels: shared });
    if (!this.writeScheduled) {
      this.writeScheduled = true;
      // One pipeline per turn of the event loop: log() returns at once, bursts cost one round trip.
      setImmediate(() => {
        this.writeScheduled = false;
        // write() gives back what Redis refused; a bug in it must not stop every later write (or flush).
        this.writing = this.writing.then(() => this.write()).catch((err: unknown) => this.o.report(`herald: fleet write failed: ${(err as Error).message}\n`));
      });
    }
    return destinations.filter((c) => c.processLocal);
  }

  settled(seq: number, destination: string): void {
    const at = this.inLane.get(`${destination}#${seq}`);
    if (!at) return;
    this.inLane.delete(`${destination}#${seq}`);
    this.fed.delete(`${at.stream} ${at.id}`);
    this.acks.push(at);
    this.flushAcks();
  }

  async drain(timeoutMs: number | undefined): Promise<readonly { destination: string; count: number }[]> {
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    let waiting: { destination: string; count: number }[] = [];
    for (;;) {
      await this.writing;
      if (this.pending.length === 0) {
        waiting = await this.waiting();
        if (waiting.length === 0) return [];
      }
      if (Date.now() + DRAIN_POLL_MS > deadline) return waiting.length ? waiting : this.pendingCounts();
      await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
    }
  }

  /** Stops reading and renewing, acknowledges what was delivered, and hands this process's leases over at once. */
  async close(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.writing;
    await this.sendAcks();
    this.o.reader.disconnect();
    await this.reading?.catch(() => {});
    if (!this.o.link.healthy) return;
    const client = this.o.link.client;
    const mine = [...this.held.keys()];
    await Promise.all(mine.map((d) => client.eval(RELEASE, 1, leaseKey(d), this.o.processId).catch(() => 0)));
    await client.del(presenceKey(this.o.processId)).catch(() => 0);
    this.held.clear();
  }

  /** Appends what was offered, one pipeline; what Redis refuses goes back to this process's lanes. */
  private async write(): Promise<void> {
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    const pipe = this.o.link.client.pipeline();
    const minId = `${Date.now() - ENTRY_TTL_MS}-0`;
    // What each reply of the pipeline answers, in order: a group creation, or an append (followed by its PEXPIRE).
    const replies: ({ entry: OutboxEntry; channel: Channel } | 'group' | 'expire')[] = [];
    const creating = new Set<string>();
    for (const { entry, channels } of batch) {
      const wire = JSON.stringify(toWire(entry));
      for (const channel of channels) {
        const key = streamKey(channel.id);
        if (!this.groups.has(key) && !creating.has(key)) {
          // From id 0: entries appended before the group existed are still read by it.
          creating.add(key);
          pipe.xgroup('CREATE', key, GROUP, '0', 'MKSTREAM');
          replies.push('group');
        }
        pipe.xadd(key, 'MINID', '~', minId, '*', 'e', wire);
        pipe.pexpire(key, ENTRY_TTL_MS * 2);
        replies.push({ entry, channel }, 'expire');
      }
    }
    let results: [Error | null, unknown][] | null = null;
    try {
      results = await pipe.exec();
    } catch (err) {
      this.o.link.failed((err as Error).message);
    }
    replies.forEach((r, i) => {
      if (typeof r === 'string') return; // a group that exists already answers BUSYGROUP: fine
      const added = results?.[i];
      if (!added || added[0]) {
        // Not in Redis: this process delivers it itself, nothing is lost.
        this.o.enqueueHere([r.channel], r.entry);
        return;
      }
      this.groups.add(streamKey(r.channel.id));
      this.written.set(streamKey(r.channel.id), r.channel.label);
    });
  }

  /** Renews this process's leases and takes the free ones of destinations it knows. */
  private async leases(): Promise<void> {
    if (this.stopped || !this.o.link.healthy) return;
    const client = this.o.link.client;
    const now = Date.now();
    for (const channel of this.o.known()) {
      if (channel.processLocal) continue;
      const got = Number(await client.eval(ACQUIRE, 1, leaseKey(channel.id), this.o.processId, this.t.leaseTtlMs));
      const mine = this.held.get(channel.id);
      if (got === 0) {
        if (mine) this.held.delete(channel.id); // lost it (Redis was away): the new holder claims what is left
        continue;
      }
      if (!mine) {
        const key = streamKey(channel.id);
        await client.xgroup('CREATE', key, GROUP, '0', 'MKSTREAM').catch(() => 'exists');
        // Nothing left by an earlier holder: read at once. Else leave it time to acknowledge, then claim.
        const left = await this.othersPending(key);
        this.held.set(channel.id, { channel, claimAt: left > 0 ? now + this.t.claimAfterMs : 0, reading: left === 0 });
      }
    }
    await this.claim();
  }

  /** Claims what previous holders left unacknowledged, oldest first, before reading anything new. */
  private async claim(): Promise<void> {
    const client = this.o.link.client;
    for (const [destination, h] of this.held) {
      if (h.reading || Date.now() < h.claimAt) continue;
      const key = streamKey(destination);
      let cursor = '0-0';
      do {
        const [next, entries] = (await client.xautoclaim(key, GROUP, this.o.processId, this.t.claimIdleMs, cursor, 'COUNT', 100)) as [
          string,
          [string, string[]][],
        ];
        this.feed(h.channel, key, entries);
        cursor = next;
      } while (cursor !== '0-0');
      // Others' entries not yet idle long enough: their holder may still be acknowledging them.
      if ((await this.othersPending(key)) === 0) h.reading = true;
    }
  }

  /** Entries of a stream read by other consumers and not acknowledged. */
  private async othersPending(key: string): Promise<number> {
    const client = this.o.link.client;
    const [count, , , consumers] = (await client.xpending(key, GROUP)) as [number, unknown, unknown, [string, string][] | null];
    if (!Number(count)) return 0;
    return (consumers ?? []).filter(([name]) => name !== this.o.processId).reduce((n, [, c]) => n + Number(c), 0);
  }

  /** Reads new entries of the destinations this process holds, while their lanes have room. */
  private async readLoop(): Promise<void> {
    while (!this.stopped) {
      const ready = [...this.held.entries()].filter(([, h]) => h.reading && this.o.lane(h.channel).backlog < READ_AHEAD);
      if (ready.length === 0 || !this.o.link.healthy) {
        await new Promise((r) => setTimeout(r, BLOCK_MS).unref());
        continue;
      }
      try {
        if (this.recoverOwn) await this.readOwnPending(ready.map(([, h]) => h));
        const keys = ready.map(([d]) => streamKey(d));
        const got = (await this.o.reader.xreadgroup(
          'GROUP',
          GROUP,
          this.o.processId,
          'COUNT',
          READ_AHEAD,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          ...keys,
          ...keys.map(() => '>'),
        )) as [string, [string, string[]][]][] | null;
        for (const [key, entries] of got ?? []) {
          const h = this.held.get(key.slice('herald:q:'.length));
          if (h) this.feed(h.channel, key, entries);
        }
      } catch (err) {
        if (this.stopped) return;
        // A read Redis answered too late (after the command timeout) still handed its entries to
        // this consumer: they wait in its pending list, where '>' never shows them again.
        this.recoverOwn = true;
        // A stream that expired while unused lost its group: make it again (from id 0, nothing skipped).
        if (/NOGROUP/.test((err as Error).message)) {
          this.groups.clear();
          for (const [d] of ready) await this.o.link.client.xgroup('CREATE', streamKey(d), GROUP, '0', 'MKSTREAM').catch(() => 'exists');
        }
        await new Promise((r) => setTimeout(r, BLOCK_MS).unref());
      }
    }
  }

  /** Entries pending for this consumer that its lanes do not have (a read whose answer was lost): fed again, oldest first. */
  private async readOwnPending(held: readonly Held[]): Promise<void> {
    for (const h of held) {
      const key = streamKey(h.channel.id);
      const got = (await this.o.reader.xreadgroup('GROUP', GROUP, this.o.processId, 'COUNT', 1000, 'STREAMS', key, '0')) as
        [string, [string, string[]][]][] | null;
      const entries = (got?.[0]?.[1] ?? []).filter((e) => e && !this.fed.has(`${key} ${e[0]}`));
      this.feed(h.channel, key, entries);
    }
    this.recoverOwn = false;
  }

  /** Gives stream entries to the destination's lane, remembering which to acknowledge when done. */
  private feed(channel: Channel, stream: string, entries: readonly [string, string[]][] | null): void {
    for (const item of entries ?? []) {
      if (!item) continue; // XAUTOCLAIM lists deleted entries as nil
      const [id, fields] = item;
      if (this.fed.has(`${stream} ${id}`)) continue; // already in the lane (claimed or read twice)
      const entry = fromWire(fields, this.o.nextSeq());
      if (!entry) {
        // Not written by Herald (or damaged): removed, and said, rather than retried forever.
        this.o.report(`herald: entry ${id} of ${stream} is not a Herald notification; removed\n`);
        this.acks.push({ stream, id });
        continue;
      }
      this.fed.add(`${stream} ${id}`);
      this.inLane.set(`${channel.id}#${entry.seq}`, { stream, id });
      this.o.lane(channel).enqueue(entry);
    }
    this.flushAcks();
  }

  private flushAcks(): void {
    if (this.ackScheduled || this.acks.length === 0) return;
    this.ackScheduled = true;
    setImmediate(() => {
      this.ackScheduled = false;
      void this.sendAcks();
    });
  }

  /** Acknowledges and deletes delivered entries; kept for later while Redis is away. */
  private async sendAcks(): Promise<void> {
    if (!this.o.link.healthy || this.acks.length === 0) return;
    const batch = this.acks.splice(0);
    const pipe = this.o.link.client.pipeline();
    for (const { stream, id } of batch) {
      pipe.xack(stream, GROUP, id);
      pipe.xdel(stream, id);
    }
    try {
      const results = await pipe.exec();
      if (results?.some(([err]) => err)) throw new Error('acknowledgement refused');
    } catch (err) {
      this.acks.unshift(...batch);
      this.o.link.failed((err as Error).message);
    }
  }

  /** Streams this process wrote to that still hold entries. */
  private async waiting(): Promise<{ destination: string; count: number }[]> {
    if (this.written.size === 0) return [];
    if (!this.o.link.healthy) return this.pendingCounts();
    const keys = [...this.written.keys()];
    const pipe = this.o.link.client.pipeline();
    for (const k of keys) pipe.xlen(k);
    const results = await pipe.exec().catch(() => null);
    // A reply that is an error (a timeout) says nothing about the stream: still waiting, as far as we know.
    if (!results || results.some(([err]) => err)) return this.pendingCounts();
    const out: { destination: string; count: number }[] = [];
    keys.forEach((k, i) => {
      const n = Number(results[i]?.[1] ?? 0);
      if (n > 0) out.push({ destination: this.written.get(k)!, count: n });
      else this.written.delete(k);
    });
    return out;
  }

  private pendingCounts(): { destination: string; count: number }[] {
    return [...this.written.entries()].map(([, label]) => ({ destination: label, count: 1 }));
  }

  /** Says which destinations this process can deliver (read by `herald doctor`). */
  private async presence(): Promise<void> {
    if (this.stopped || !this.o.link.healthy) return;
    const { hostname } = await import('node:os');
    const destinations = this.o
      .known()
      .filter((c) => !c.processLocal)
      .map((c) => c.id);
    await this.o.link.client.set(
      presenceKey(this.o.processId),
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: this.startedAt, destinations }),
      'PX',
      PRESENCE_TTL_MS,
    );
  }

  /** Reports, once per fleet, entries that no running process can deliver. */
  private async orphans(): Promise<void> {
    if (this.stopped || !this.o.link.healthy) return;
    const client = this.o.link.client;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', 'herald:q:*', 'COUNT', 200);
      cursor = next;
      for (const key of keys) {
        const destination = key.slice('herald:q:'.length);
        if (await client.exists(leaseKey(destination))) continue;
        const [first] = (await client.xrange(key, '-', '+', 'COUNT', 1)) as [string, string[]][];
        if (!first) continue;
        const since = Number(first[0].split('-')[0]);
        if (Date.now() - since < this.t.orphanAfterMs) continue;
        if ((await client.set(`herald:orphan:${destination}`, this.o.processId, 'PX', 3600_000, 'NX')) !== 'OK') continue;
        const count = await client.xlen(key);
        this.o.alert(
          `⚠️ ${count} notification${count === 1 ? '' : 's'} for ${this.o.label(destination)} have waited in Redis since ${new Date(since).toISOString()}: no running Herald process is configured for that destination. Start one that is, or delete ${key}.`,
        );
      }
    } while (cursor !== '0');
  }
}

/** Takes a free lease (2), renews this process's own (1), or leaves another's (0). */
const ACQUIRE = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 2
`;

/** Gives up a lease only if it is still this process's. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

function toWire(e: OutboxEntry): WireEntry {
  return {
    t: e.text,
    l: e.level,
    s: e.silent,
    c: e.createdAt,
    ...(e.tags ? { g: e.tags } : {}),
    ...(e.card ? { k: e.card } : {}),
    ...(e.target ? { to: e.target } : {}),
    ...(e.file ? { f: e.file } : {}),
    ...(e.live ? { u: e.live } : {}),
  };
}

/** An entry read from a stream, under a sequence number of this process; undefined when unreadable. */
function fromWire(fields: readonly string[], seq: number): OutboxEntry | undefined {
  const i = fields.indexOf('e');
  if (i < 0) return undefined;
  try {
    const w = JSON.parse(fields[i + 1]!) as WireEntry;
    if (typeof w.t !== 'string' || (w.l !== 'info' && w.l !== 'error') || typeof w.c !== 'number') return undefined;
    return makeEntry(seq, w.t, w.l, w.s === true, w.c, {
      ...(w.g ? { tags: w.g } : {}),
      ...(w.k ? { card: w.k } : {}),
      ...(w.to ? { target: w.to } : {}),
      ...(isAttachment(w.f) ? { file: w.f } : {}),
      ...(isLiveUpdate(w.u) ? { live: w.u } : {}),
    });
  } catch {
    return undefined;
  }
}
