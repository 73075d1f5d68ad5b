/**
 * The durable outbox: an append-only file of records (see records.ts) under the queues. Every
 * notification is written before `log()` returns, so it survives the process being killed at
 * any instant; `fsync` decides when the file is forced to the device (what survives a power
 * loss). Done records are appended on delivery or definite failure; the file is compacted when
 * mostly done. What does not fit in memory waits here (the spill store), up to a disk budget.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Card } from '../../channels/card.js';
import type { Tags } from '../../config/tags.js';
import { isAttachment, isLiveUpdate } from '../entry.js';
import { makeEntry, type OutboxEntry } from '../entry.js';
import type { Journal, SpillStore } from '../journal.js';
import { acquireLock } from './lock.js';
import { decode, encode, type EntryRecord, type OutboxRecord } from './records.js';
import { restartNote } from './restart-note.js';
import { SeqTable } from './seq-table.js';
import { SpillQueue, type SpillStub } from './spill-queue.js';

/** When the file is forced to the device. */
export type FsyncMode = 'always' | 'batch' | 'off';

/** Options of the outbox. */
export interface OutboxOptions {
  /** The file; its lock is `<path>.lock`. */
  readonly path: string;
  /** `always`: after every record; `batch` (default): within 100 ms; `off`: when the OS decides. */
  readonly fsync?: FsyncMode;
  /** What may wait on disk beyond memory, in bytes of entries. Default 256 MiB. */
  readonly maxBytes?: number;
}

/** What a previous run left for one destination. */
export interface DestinationReplay {
  /** Oldest first, as many as fit `memoryBytes`; the rest already wait in the spill store. */
  readonly entries: readonly OutboxEntry[];
  /** The batch that was being sent, to be sent again first under the same key. */
  readonly inflight?: { readonly seqs: readonly number[]; readonly key: string };
  /** The targets the entries were sent to (secret-free), to find the destination again. */
  readonly targets: readonly string[];
}

/** What opening found. */
export interface OutboxLoad {
  readonly replay: ReadonlyMap<string, DestinationReplay>;
  /** One line about damage found (a torn last record, garbage), or undefined. */
  readonly damage?: string;
  /** Notifications not done at some destination. */
  readonly undelivered: number;
}

/** Default disk budget. */
export const OUTBOX_DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
const BATCH_FSYNC_MS = 100;
/** Compaction starts once this much of the file is done records. */
const COMPACT_MIN_DEAD = 4 * 1024 * 1024;
const CHUNK = 1 << 20;

/** A record read back from the file, with where it was. */
interface Located {
  readonly record: OutboxRecord;
  readonly offset: number;
  readonly length: number;
}

/**
 * Reads every valid record of an open file, in order; stops at the first damaged one.
 * Returns where the valid part ends and why it stopped early.
 */
function scan(fd: number, size: number, each: (r: Located) => void): { validEnd: number; damage?: { index: number; torn: boolean } } {
  let pos = 0;
  let carry = Buffer.alloc(0);
  let carryAt = 0;
  let index = 0;
  const buf = Buffer.allocUnsafe(CHUNK);
  while (pos < size) {
    const n = readSync(fd, buf, 0, Math.min(CHUNK, size - pos), pos);
    if (n <= 0) break;
    const data = carry.length ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
    const base = carry.length ? carryAt : pos;
    pos += n;
    let start = 0;
    for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
      const record = decode(data.toString('utf8', start, nl));
      index++;
      if (!record) return { validEnd: base + start, damage: { index, torn: false } };
      each({ record, offset: base + start, length: nl + 1 - start });
      start = nl + 1;
    }
    carry = Buffer.from(data.subarray(start));
    carryAt = base + start;
  }
  if (carry.length) return { validEnd: carryAt, damage: { index: index + 1, torn: true } };
  return { validEnd: size };
}

/** Reads the pending notifications of an outbox without opening it for writing (no lock): for `herald run`. */
export function countPending(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 0;
  }
  try {
    const pending = new Map<number, Set<string>>();
    scan(fd, fstatSync(fd).size, ({ record: r }) => {
      if (r.t === 'n') pending.set(r.s, new Set(r.d));
      else if (r.t === 'a') {
        const p = pending.get(r.s);
        p?.delete(r.d);
        if (p && p.size === 0) pending.delete(r.s);
      }
    });
    return pending.size;
  } finally {
    closeSync(fd);
  }
}

/** The outbox file: a {@link Journal} and its {@link SpillStore}. */
export class FileOutbox implements Journal, SpillStore {
  readonly id: string;
  /** The highest sequence number in the file: new ones continue after it. */
  readonly lastSeq: number;
  readonly spill: SpillStore = this;
  private fd: number;
  private size: number;
  private readonly fsyncMode: FsyncMode;
  private readonly maxBytes: number;
  private readonly release: () => void;
  private syncTimer: ReturnType<typeof setTimeout> | undefined;
  private compactTimer: ReturnType<typeof setTimeout> | undefined;
  /** Pending entries: where their record is, at how many destinations they wait. */
  private readonly live = new SeqTable();
  /** Bytes of the file that are done: records of finished entries, done and sending records. */
  private dead = 0;
  private readonly waiting = new Map<string, SpillQueue>();
  private waitingBytes = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    options: OutboxOptions,
    fd: number,
    release: () => void,
    id: string,
    lastSeq: number,
    size: number,
  ) {
    this.fd = fd;
    this.release = release;
    this.id = id;
    this.lastSeq = lastSeq;
    this.size = size;
    this.fsyncMode = options.fsync ?? 'batch';
    this.maxBytes = options.maxBytes ?? OUTBOX_DEFAULT_MAX_BYTES;
  }

  /**
   * Opens (or creates, mode 0600) the outbox, takes its lock (throws OutboxInUseError when a live
   * process holds it), and reads what a previous run left. `memoryBytes` is how much of it each
   * destination gets back in memory; the rest waits in the spill store.
   */
  static open(options: OutboxOptions, memoryBytes: number): { outbox: FileOutbox; load: OutboxLoad } {
    mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
    const release = acquireLock(`${options.path}.lock`, options.path);
    let fd: number | undefined;
    try {
      fd = openSync(options.path, 'a+', 0o600);
      fchmodSync(fd, 0o600);
      return FileOutbox.load(options, fd, release, memoryBytes);
    } catch (err) {
      if (fd !== undefined) closeSync(fd);
      release();
      throw err;
    }
  }

  private static load(options: OutboxOptions, fd: number, release: () => void, memoryBytes: number): { outbox: FileOutbox; load: OutboxLoad } {
    const size = fstatSync(fd).size;
    let id: string | undefined;
    let lastSeq = 0;
    const entries = new Map<number, { offset: number; length: number; record: EntryRecord; pending: Set<string> }>();
    const sending = new Map<string, { seqs: readonly number[]; key: string }>();
    let records = 0;
    const result = scan(fd, size, ({ record: r, offset, length }) => {
      records++;
      if (r.t === 'h') id ??= r.id;
      else if (r.t === 'n') {
        entries.set(r.s, { offset, length, record: r, pending: new Set(r.d) });
        lastSeq = Math.max(lastSeq, r.s);
      } else if (r.t === 'a') {
        const e = entries.get(r.s);
        e?.pending.delete(r.d);
        if (e && e.pending.size === 0) entries.delete(r.s);
      } else if (r.t === 'b') sending.set(r.d, { seqs: r.s, key: r.k });
    });
    let damage: string | undefined;
    if (result.damage) {
      const lost = size - result.validEnd;
      const aside = `${options.path}.damaged`;
      try {
        const tail = Buffer.allocUnsafe(lost);
        readSync(fd, tail, 0, lost, result.validEnd);
        writeFileSync(aside, tail, { mode: 0o600 });
      } catch {
        // Keeping a copy is a courtesy; replaying the valid part is what matters.
      }
      ftruncateSync(fd, result.validEnd);
      damage = result.damage.torn
        ? `the outbox ${options.path} ended in a torn record (a power loss or crash mid-write?); the ${records} records before it are replayed, the ${lost} bytes of the torn one set aside in ${aside}`
        : `the outbox ${options.path} is damaged at record ${result.damage.index}; the ${records} records before it are replayed, the ${lost} bytes from there on set aside in ${aside}`;
    }
    const outbox = new FileOutbox(options.path, options, fd, release, id ?? randomBytes(6).toString('base64url'), lastSeq, result.validEnd);
    if (!id) outbox.append({ t: 'h', v: 1, id: outbox.id });
    // Everything in the file before now is dead except the pending entries, rewritten or not.
    outbox.dead = result.validEnd;
    const replay = new Map<string, { entries: OutboxEntry[]; bytes: number; targets: Set<string>; inflight?: { seqs: readonly number[]; key: string } }>();
    const now = Date.now();
    for (const [seq, e] of [...entries].sort((a, b) => a[0] - b[0])) {
      outbox.live.set(seq, e.offset, e.length, e.pending.size);
      outbox.dead -= e.length;
      for (const dest of e.pending) {
        let r = replay.get(dest);
        if (!r) {
          const b = sending.get(dest);
          r = { entries: [], bytes: 0, targets: new Set(), ...(b && b.seqs.every((s) => entries.get(s)?.pending.has(dest)) ? { inflight: b } : {}) };
          replay.set(dest, r);
        }
        if (e.record.o) r.targets.add(e.record.o);
        // Marked with how late it is; the batch that was in flight keeps its key, so a platform that
        // deduplicates by it (Discord's nonce) returns the first message whatever the text says.
        const entry = outbox.entryOf(e.record, now);
        if (r.bytes + entry.bytes <= memoryBytes || r.entries.length === 0 || r.inflight?.seqs.includes(seq)) {
          r.entries.push(entry);
          r.bytes += entry.bytes;
        } else {
          outbox.queueOf(dest).push({ seq, offset: e.offset, length: e.length, bytes: entry.bytes, error: entry.level === 'error' });
          outbox.waitingBytes += entry.bytes;
        }
      }
    }
    const out = new Map<string, DestinationReplay>();
    for (const [dest, r] of replay) out.set(dest, { entries: r.entries, targets: [...r.targets], ...(r.inflight ? { inflight: r.inflight } : {}) });
    outbox.scheduleCompaction();
    return { outbox, load: { replay: out, undelivered: entries.size, ...(damage ? { damage } : {}) } };
  }

  queued(entry: OutboxEntry, destinations: readonly string[]): void {
    if (this.closed || destinations.length === 0) return;
    const record: EntryRecord = {
      t: 'n',
      s: entry.seq,
      d: destinations,
      x: entry.text,
      l: entry.level === 'error' ? 'e' : 'i',
      ...(entry.silent ? { q: 1 as const } : {}),
      c: entry.createdAt,
      ...(entry.tags ? { g: entry.tags as Record<string, string> } : {}),
      ...(entry.card ? { k: entry.card } : {}),
      ...(entry.target ? { o: entry.target } : {}),
      ...(entry.file ? { f: entry.file } : {}),
      ...(entry.live ? { u: entry.live } : {}),
    };
    const offset = this.size;
    this.live.set(entry.seq, offset, this.append(record), destinations.length);
  }

  done(seq: number, destination: string): void {
    if (this.closed) return;
    if (!this.live.has(seq)) return;
    this.dead += this.append({ t: 'a', s: seq, d: destination });
    const slot = this.live.decrement(seq)!;
    if (slot.remaining === 1) this.dead += slot.length;
    this.scheduleCompaction();
  }

  sending(destination: string, seqs: readonly number[], key: string): void {
    if (this.closed) return;
    this.dead += this.append({ t: 'b', d: destination, s: seqs, k: key });
  }

  put(destination: string, entry: OutboxEntry): readonly OutboxEntry[] {
    const where = this.live.get(entry.seq);
    if (!where) return [entry]; // not in the file (cannot happen): reported as dropped rather than lost silently
    const q = this.queueOf(destination);
    q.push({ seq: entry.seq, offset: where.offset, length: where.length, bytes: entry.bytes, error: entry.level === 'error' });
    this.waitingBytes += entry.bytes;
    const dropped: OutboxEntry[] = [];
    while (this.waitingBytes > this.maxBytes) {
      const victimQueue = this.largestQueue();
      const stub = victimQueue?.removeOldestInfo();
      if (!stub) break;
      this.waitingBytes -= stub.bytes;
      dropped.push(this.read(stub));
    }
    return dropped;
  }

  take(destination: string, maxBytes: number): OutboxEntry[] {
    const q = this.waiting.get(destination);
    const out: OutboxEntry[] = [];
    let bytes = 0;
    while (q && q.size > 0 && (out.length === 0 || bytes + q.at(0).bytes <= maxBytes)) {
      const stub = q.shift()!;
      this.waitingBytes -= stub.bytes;
      bytes += stub.bytes;
      out.push(this.read(stub));
    }
    return out;
  }

  count(destination: string): number {
    return this.waiting.get(destination)?.size ?? 0;
  }

  /** Forces what was written to the device, compacts a finished file, and releases the lock. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.syncTimer);
    clearTimeout(this.compactTimer);
    try {
      if (this.live.size === 0) this.rewrite();
      if (this.fsyncMode !== 'off') fdatasyncSync(this.fd);
    } catch {
      // The data is in the file already; syncing is the best effort it always was.
    }
    closeSync(this.fd);
    this.release();
  }

  /** Entries not yet done at some destination. */
  get pending(): number {
    return this.live.size;
  }

  /** Bytes of entries waiting on disk beyond memory, over every destination. */
  get waitingOnDisk(): number {
    return this.waitingBytes;
  }

  private queueOf(destination: string): SpillQueue {
    let q = this.waiting.get(destination);
    if (!q) this.waiting.set(destination, (q = new SpillQueue()));
    return q;
  }

  private largestQueue(): SpillQueue | undefined {
    let best: SpillQueue | undefined;
    for (const q of this.waiting.values()) if (!best || q.totalBytes > best.totalBytes) best = q;
    return best;
  }

  /** An entry record back from the file (for the spill store). */
  private read(stub: SpillStub): OutboxEntry {
    const buf = Buffer.allocUnsafe(stub.length);
    readSync(this.fd, buf, 0, stub.length, stub.offset);
    const record = decode(buf.toString('utf8', 0, stub.length - 1));
    if (!record || record.t !== 'n')
      return makeEntry(
        stub.seq,
        `(notification ${stub.seq} could not be read back from the outbox ${this.path})`,
        stub.error ? 'error' : 'info',
        false,
        Date.now(),
      );
    return this.entryOf(record, stub.seq <= this.lastSeq ? Date.now() : undefined);
  }

  /** A record as a queue entry; with `restartedAt`, marked with its original time and the delay. */
  private entryOf(r: EntryRecord, restartedAt: number | undefined): OutboxEntry {
    const note = restartedAt === undefined ? undefined : restartNote(r.c, restartedAt);
    const card = r.k as Card | undefined;
    const extras = {
      ...(r.g ? { tags: r.g as Tags } : {}),
      ...(card ? { card: note ? { ...card, footer: card.footer ? `${note} · ${card.footer}` : note } : card } : {}),
      ...(r.o ? { target: r.o } : {}),
      ...(isAttachment(r.f) ? { file: r.f } : {}),
      ...(isLiveUpdate(r.u) ? { live: r.u } : {}),
    };
    return makeEntry(r.s, note ? `${note}\n${r.x}` : r.x, r.l === 'e' ? 'error' : 'info', r.q === 1, r.c, extras);
  }

  private append(record: OutboxRecord): number {
    const line = encode(record);
    const bytes = Buffer.byteLength(line);
    writeSync(this.fd, line, this.size);
    this.size += bytes;
    if (this.fsyncMode === 'always') fdatasyncSync(this.fd);
    else if (this.fsyncMode === 'batch' && !this.syncTimer) {
      this.syncTimer = setTimeout(() => {
        this.syncTimer = undefined;
        if (!this.closed) fdatasyncSync(this.fd);
      }, BATCH_FSYNC_MS);
      this.syncTimer.unref?.();
    }
    return bytes;
  }

  private scheduleCompaction(): void {
    if (this.compactTimer || this.closed || this.dead < COMPACT_MIN_DEAD || this.dead * 2 < this.size) return;
    // Off the caller's stack: done() runs as deliveries complete, not in log().
    this.compactTimer = setTimeout(() => {
      this.compactTimer = undefined;
      if (!this.closed) this.rewrite();
    }, 0);
    this.compactTimer.unref?.();
  }

  /** Rewrites the file with only what is pending (and each destination's batch in flight), then swaps it in. */
  private rewrite(): void {
    const tmp = `${this.path}.compact`;
    const out = openSync(tmp, 'w', 0o600);
    const moved = new Map<number, { offset: number; length: number }>();
    let size = 0;
    const write = (r: OutboxRecord): number => {
      const line = encode(r);
      writeSync(out, line, size);
      const n = Buffer.byteLength(line);
      size += n;
      return n;
    };
    try {
      write({ t: 'h', v: 1, id: this.id });
      const doneAt = new Map<number, Set<string>>();
      const lastSending = new Map<string, OutboxRecord>();
      const pendingRecords: { record: EntryRecord }[] = [];
      scan(this.fd, this.size, ({ record: r }) => {
        if (r.t === 'n' && this.live.has(r.s)) pendingRecords.push({ record: r });
        else if (r.t === 'a' && this.live.has(r.s)) (doneAt.get(r.s) ?? doneAt.set(r.s, new Set()).get(r.s)!).add(r.d);
        else if (r.t === 'b') lastSending.set(r.d, r);
      });
      for (const { record } of pendingRecords) {
        const done = doneAt.get(record.s);
        const rec: EntryRecord = done ? { ...record, d: record.d.filter((d) => !done.has(d)) } : record;
        const offset = size;
        const length = write(rec);
        moved.set(record.s, { offset, length });
        this.live.relocate(record.s, offset, length, rec.d.length);
      }
      for (const b of lastSending.values()) if (b.t === 'b' && b.s.every((s) => this.live.has(s))) write(b);
      fdatasyncSync(out);
    } catch (err) {
      closeSync(out);
      throw err;
    }
    closeSync(out);
    renameSync(tmp, this.path);
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a+', 0o600);
    this.size = size;
    this.dead = 0;
    for (const q of this.waiting.values()) q.relocate(moved);
  }
}
