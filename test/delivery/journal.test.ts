/**
 * The journal hooks under the queues (what a durable outbox implements), with an in-memory
 * journal: what is queued, sent and done, replay with the old key, and spilling what does not
 * fit in memory instead of dropping it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Delivery } from '../../src/delivery/delivery.js';
import { makeEntry, type OutboxEntry } from '../../src/delivery/entry.js';
import type { DeliveryEvents } from '../../src/delivery/events.js';
import type { Journal, SpillStore } from '../../src/delivery/journal.js';
import { ScriptedChannel } from './scripted-channel.js';

type Call = [string, ...unknown[]];

/** A journal that records its calls; with `diskEntries`, a spill store holding at most that many. */
class MemoryJournal implements Journal {
  readonly id = 'J0';
  readonly calls: Call[] = [];
  readonly spill: SpillStore | undefined;
  private readonly waiting = new Map<string, OutboxEntry[]>();

  constructor(diskEntries?: number) {
    this.spill =
      diskEntries === undefined
        ? undefined
        : {
            put: (d, e) => {
              const list = this.waiting.get(d) ?? this.waiting.set(d, []).get(d)!;
              list.push(e);
              const dropped: OutboxEntry[] = [];
              while (list.length > diskEntries) {
                const i = list.findIndex((x) => x.level !== 'error');
                dropped.push(...list.splice(i < 0 ? 0 : i, 1));
              }
              return dropped;
            },
            take: (d, maxBytes) => {
              const list = this.waiting.get(d) ?? [];
              const out: OutboxEntry[] = [];
              let bytes = 0;
              while (list.length && (out.length === 0 || bytes + list[0]!.bytes <= maxBytes)) {
                bytes += list[0]!.bytes;
                out.push(list.shift()!);
              }
              return out;
            },
            count: (d) => this.waiting.get(d)?.length ?? 0,
          };
  }

  queued(entry: OutboxEntry, destinations: readonly string[]): void {
    this.calls.push(['queued', entry.seq, [...destinations]]);
  }
  done(seq: number, destination: string): void {
    this.calls.push(['done', seq, destination]);
  }
  sending(destination: string, seqs: readonly number[], key: string): void {
    this.calls.push(['sending', destination, [...seqs], key]);
  }
  of(kind: string): Call[] {
    return this.calls.filter((c) => c[0] === kind);
  }
}

function setup(journal: Journal, options: { maxQueueBytes?: number } = {}, lastSeq?: number) {
  const events: { name: keyof DeliveryEvents; payload: any }[] = [];
  const delivery = new Delivery({
    emit: (name, payload) => void events.push({ name, payload }),
    options: { stormWindowMs: 0, backoff: { baseMs: 1000, factor: 2, maxMs: 60_000, jitter: 0 }, ...options },
    journal,
    ...(lastSeq !== undefined ? { lastSeq } : {}),
  });
  const send = (channels: ScriptedChannel[], text: string) => delivery.enqueue(channels, makeEntry(delivery.nextSeq(), text, 'info', false, Date.now()));
  return { delivery, events, send };
}

beforeEach(() => void vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
afterEach(() => void vi.useRealTimers());

describe('journal hooks', () => {
  it('records each notification once with every destination, the batch being sent, and done per destination', async () => {
    const j = new MemoryJournal();
    const a = new ScriptedChannel('a');
    const b = new ScriptedChannel('b');
    b.script = [{ kind: 'rejected', reason: 'Bad Request' }];
    const { delivery, send } = setup(j, {}, 41);
    send([a, b], 'one');
    await vi.advanceTimersByTimeAsync(0);
    await delivery.flush();
    expect(j.of('queued')).toEqual([['queued', 42, ['a', 'b']]]);
    expect(j.of('sending')).toEqual([
      ['sending', 'a', [42], expect.stringMatching(/^J0/)],
      ['sending', 'b', [42], expect.stringMatching(/^J0/)],
    ]);
    // Delivered at a, definitely refused at b: done at both.
    expect(j.of('done').sort()).toEqual([
      ['done', 42, 'a'],
      ['done', 42, 'b'],
    ]);
  });

  it('what close() could not deliver is not done: the outbox keeps it for the next start', async () => {
    const j = new MemoryJournal();
    const slow = new ScriptedChannel('slow');
    slow.script = Array.from({ length: 50 }, () => ({ kind: 'transient' as const, reason: 'timeout' }));
    const { delivery, send, events } = setup(j);
    send([slow], 'late');
    await vi.advanceTimersByTimeAsync(0);
    const closing = delivery.close(1000);
    await vi.advanceTimersByTimeAsync(2000);
    await closing;
    expect(j.of('done')).toEqual([]);
    expect(events.find((e) => e.name === 'failed')!.payload.reason).toMatch(/kept in the outbox, delivered at the next start$/);
  });

  it('a storm-suppressed repeat is done at once (the summary is journaled on its own)', async () => {
    const j = new MemoryJournal();
    const a = new ScriptedChannel('a', 1000, [{ key: 'k', capacity: 1, intervalMs: 1000 }]);
    const delivery = new Delivery({ emit: () => {}, options: { stormWindowMs: 60_000 }, journal: j });
    for (let i = 0; i < 3; i++) delivery.enqueue([a], makeEntry(delivery.nextSeq(), 'same', 'info', false, Date.now()));
    await vi.advanceTimersByTimeAsync(0);
    const flushed = delivery.flush();
    await vi.advanceTimersByTimeAsync(5000);
    await flushed;
    expect(a.lines()).toEqual(['same', '🔁 ×3 in the last 60 s: same']);
    expect(j.of('queued').map((c) => c[1])).toEqual([1, 2, 3, 4]);
    expect(
      j
        .of('done')
        .map((c) => c[1])
        .sort(),
    ).toEqual([1, 2, 3, 4]);
  });

  it('restore() sends the batch that was in flight first, under its old key, then the rest in order', async () => {
    const j = new MemoryJournal();
    const a = new ScriptedChannel('a');
    const { delivery } = setup(j);
    const old = [5, 6, 7, 8].map((s) => makeEntry(s, `old ${s}`, 'info', false, 1000 + s));
    delivery.replay(a, old, { seqs: [6, 7], key: 'Jold6.2' });
    await vi.advanceTimersByTimeAsync(0);
    await delivery.flush();
    expect(a.received.map((r) => [r.text, r.key])).toEqual([
      ['old 6\nold 7', 'Jold6.2.0'],
      ['old 5\nold 8', expect.stringMatching(/^J05\.2\.0$/)],
    ]);
    expect(j.of('queued')).toEqual([]); // already in the journal
    expect(j.of('done').map((c) => c[1])).toEqual([6, 7, 5, 8]);
  });
});

describe('spilling instead of dropping', () => {
  const TEXT = 'x'.repeat(100); // 280 bytes an entry

  it('keeps what is over the memory budget in the journal and delivers everything in order', async () => {
    const j = new MemoryJournal(10_000);
    const a = new ScriptedChannel('a', 100_000, [{ key: 's', capacity: 1, intervalMs: 1000 }]);
    const { delivery, send, events } = setup(j, { maxQueueBytes: 3000 });
    for (let i = 0; i < 60; i++) send([a], `${i} ${TEXT}`);
    expect(delivery.stats()[0]!.backlog).toBe(60);
    expect(j.spill!.count('a')).toBeGreaterThan(40);
    await vi.advanceTimersByTimeAsync(60_000);
    await delivery.flush();
    expect(a.lines().map((l) => Number(l.split(' ')[0]))).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(events.filter((e) => e.name === 'dropped')).toEqual([]);
    expect(j.of('done')).toHaveLength(60);
  });

  it('beyond the disk budget drops the oldest info first, marks it done and says so', async () => {
    const j = new MemoryJournal(5);
    const a = new ScriptedChannel('a', 100_000, [{ key: 's2', capacity: 1, intervalMs: 1000 }]);
    const { delivery, send, events } = setup(j, { maxQueueBytes: 3000 });
    for (let i = 0; i < 30; i++) send([a], `${i} ${TEXT}`);
    await vi.advanceTimersByTimeAsync(60_000);
    await delivery.flush();
    const dropped = events.filter((e) => e.name === 'dropped').reduce((n, e) => n + e.payload.count, 0);
    const delivered = a.lines().filter((l) => /^\d+ x/.test(l)).length;
    expect(delivered + dropped).toBe(30);
    expect(dropped).toBeGreaterThan(0);
    expect(events.find((e) => e.name === 'dropped')!.payload.reason).toBe('the outbox over its disk budget');
    expect(a.lines()).toContainEqual(`⚠️ Herald dropped ${dropped} older notifications here: the outbox’s disk budget was full.`);
  });
});
