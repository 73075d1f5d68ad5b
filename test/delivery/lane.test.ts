import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Delivery } from '../../src/delivery/delivery.js';
import { makeEntry } from '../../src/delivery/entry.js';
import type { DeliveryEvents } from '../../src/delivery/events.js';
import type { DeliveryOptions } from '../../src/delivery/options.js';
import type { Card } from '../../src/channels/card.js';
import type { CardSupport, Level, SendOutcome } from '../../src/channels/channel.js';
import { LocalRateLimits, type RateLimits } from '../../src/delivery/rate-limits.js';
import type { SharedQueue } from '../../src/delivery/shared-queue.js';
import { ScriptedChannel } from './scripted-channel.js';

type Recorded = { [K in keyof DeliveryEvents]: { name: K; payload: DeliveryEvents[K][0] } }[keyof DeliveryEvents];

function setup(options: Partial<DeliveryOptions> = {}) {
  const events: Recorded[] = [];
  const disabled: string[] = [];
  const delivery = new Delivery({
    emit: (name, payload) => void events.push({ name, payload } as Recorded),
    options: { stormWindowMs: 0, backoff: { baseMs: 1000, factor: 2, maxMs: 60_000, jitter: 0 }, ...options },
    onDisabled: (c, reason) => void disabled.push(`${c.id}: ${reason}`),
  });
  const send = (channels: ScriptedChannel[], text: string, level: Level = 'info', silent = false) =>
    delivery.enqueue(channels, makeEntry(delivery.nextSeq(), text, level, silent, Date.now()));
  const of = <K extends keyof DeliveryEvents>(name: K) => events.filter((e) => e.name === name).map((e) => e.payload as DeliveryEvents[K][0]);
  return { delivery, events, disabled, send, of };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('lane ordering and coalescing', () => {
  it('sends the first notification alone at once, then coalesces what piled up while waiting for a rate slot', async () => {
    const ch = new ScriptedChannel('a', 100, [{ key: 'a', capacity: 1, intervalMs: 1000 }]);
    const { send, delivery } = setup();
    send([ch], 'first');
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 1; i <= 30; i++) send([ch], `m${String(i).padStart(2, '0')}`); // 3 chars + newline each
    await vi.advanceTimersByTimeAsync(10_000);
    await delivery.flush();
    expect(ch.received[0]!.text).toBe('first');
    expect(ch.lines()).toEqual(['first', ...Array.from({ length: 30 }, (_, i) => `m${String(i + 1).padStart(2, '0')}`)]);
    // 30 × 3 chars + 29 newlines = 119 > 100: two coalesced requests after the first.
    expect(ch.received).toHaveLength(3);
    for (const r of ch.received) expect(r.text.length).toBeLessThanOrEqual(100);
  });

  it('never mixes info with error or silent with loud in one message, and keeps FIFO order', async () => {
    const ch = new ScriptedChannel('a', 1000, [{ key: 'b', capacity: 1, intervalMs: 1000 }]);
    const { send, delivery } = setup();
    send([ch], 'i1');
    send([ch], 'i2');
    send([ch], 'e1', 'error');
    send([ch], 'e2', 'error');
    send([ch], 's1', 'info', true);
    send([ch], 'i3');
    await vi.advanceTimersByTimeAsync(10_000);
    await delivery.flush();
    expect(ch.received.map((r) => [r.text, r.level, r.silent])).toEqual([
      ['i1\ni2', 'info', false],
      ['e1\ne2', 'error', false],
      ['s1', 'info', true],
      ['i3', 'info', false],
    ]);
  });

  it('splits one long notification into ordered parts, each within the limit', async () => {
    const ch = new ScriptedChannel('a', 50);
    const { send, delivery, of } = setup();
    const text = Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n');
    send([ch], text);
    await vi.advanceTimersByTimeAsync(0);
    await delivery.flush();
    expect(ch.received.every((r) => r.text.length <= 50)).toBe(true);
    expect(ch.received.map((r) => r.text).join('\n')).toBe(text);
    expect(of('delivered')[0]).toMatchObject({ parts: ch.received.length, seqs: [1] });
  });

  it('does not coalesce on channels that opt out (the console)', async () => {
    const ch = new ScriptedChannel('c', 1000, [], false);
    const { send, delivery } = setup();
    for (const t of ['a', 'b', 'c']) send([ch], t);
    await vi.advanceTimersByTimeAsync(0);
    await delivery.flush();
    expect(ch.received.map((r) => r.text)).toEqual(['a', 'b', 'c']);
  });
});

describe('lane failure policy', () => {
  it('waits exactly retry-after on a 429, then resends the same part first (order kept)', async () => {
    const ch = new ScriptedChannel('a', 1000, [{ key: 'c', capacity: 1, intervalMs: 10 }]);
    ch.script = [{ kind: 'retry-after', delayMs: 7000, reason: '429' }];
    const { send, delivery, of } = setup();
    send([ch], 'one');
    await vi.advanceTimersByTimeAsync(0);
    send([ch], 'two');
    await vi.advanceTimersByTimeAsync(6999);
    expect(ch.received).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(ch.received[1]!.at - ch.received[0]!.at).toBe(7000);
    await vi.advanceTimersByTimeAsync(100);
    await delivery.flush();
    expect(ch.lines()).toEqual(['one', 'two']);
    expect(of('retrying')).toEqual([expect.objectContaining({ delayMs: 7000, rateLimited: true, attempt: 1 })]);
  });

  it('backs off exponentially on transient failures and delivers in order afterwards', async () => {
    const ch = new ScriptedChannel();
    ch.script = [1, 2, 3].map(() => ({ kind: 'transient' as const, reason: '502' }));
    const { send, delivery, of } = setup();
    send([ch], 'a');
    send([ch], 'b');
    await vi.advanceTimersByTimeAsync(60_000);
    await delivery.flush();
    expect(of('retrying').map((r) => r.delayMs)).toEqual([1000, 2000, 4000]);
    const gaps = ch.received.slice(1).map((r, i) => r.at - ch.received[i]!.at);
    expect(gaps).toEqual([1000, 2000, 4000]);
    expect(ch.lines()).toEqual(['a', 'b']);
    expect(of('delivered')[0]!.attempts).toBe(4);
  });

  it('gives up on a transient failure only past giveUpAfterMs, and reports it', async () => {
    const ch = new ScriptedChannel();
    ch.script = Array.from({ length: 100 }, () => ({ kind: 'transient' as const, reason: 'connection reset' }));
    const { send, delivery, of } = setup({ giveUpAfterMs: 30_000 });
    send([ch], 'doomed');
    await vi.advanceTimersByTimeAsync(29_000);
    expect(of('failed')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(60_000);
    await delivery.flush();
    expect(of('failed')).toEqual([expect.objectContaining({ cause: 'gave-up', seqs: [1], reason: expect.stringContaining('connection reset') })]);
  });

  it('fails a rejected notification alone: a coalesced batch is retried one by one', async () => {
    const ch = new ScriptedChannel('a', 1000, [{ key: 'd', capacity: 1, intervalMs: 1000 }]);
    ch.script = [(p) => (p.text.includes('bad') ? { kind: 'rejected', reason: 'Bad Request' } : { kind: 'ok' })];
    ch.script.push(
      ...Array.from(
        { length: 10 },
        () => (p: { text: string }) => (p.text.includes('bad') ? ({ kind: 'rejected', reason: 'Bad Request' } as const) : ({ kind: 'ok' } as const)),
      ),
    );
    const { send, delivery, of } = setup();
    send([ch], 'warmup');
    await vi.advanceTimersByTimeAsync(0);
    send([ch], 'good1');
    send([ch], 'bad');
    send([ch], 'good2');
    await vi.advanceTimersByTimeAsync(10_000);
    await delivery.flush();
    expect(ch.lines()).toEqual(['warmup', 'good1', 'good2']);
    expect(of('failed')).toEqual([expect.objectContaining({ cause: 'rejected', seqs: [3], reason: 'Bad Request' })]);
  });

  it('disables a dead destination once: fails its queue, stops sending, reports once', async () => {
    const ch = new ScriptedChannel();
    ch.script = [{ kind: 'dead', reason: 'Unauthorized', fix: 'new token' }];
    const { send, delivery, of, disabled } = setup();
    send([ch], 'a');
    send([ch], 'b');
    await vi.advanceTimersByTimeAsync(0);
    await delivery.flush();
    send([ch], 'c');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(ch.received).toHaveLength(1);
    expect(disabled).toEqual(['scripted: Unauthorized']);
    expect(of('failed').flatMap((f) => f.seqs)).toEqual([1, 2, 3]);
    expect(delivery.stats()[0]).toMatchObject({ state: 'disabled', failed: 3, delivered: 0 });
  });

  it('resends at once after a move and warns once per move', async () => {
    const ch = new ScriptedChannel();
    ch.script = [{ kind: 'moved', reason: 'upgraded to supergroup -100999', fix: 'set X=-100999' }];
    const { send, delivery, of } = setup();
    send([ch], 'hello');
    await vi.advanceTimersByTimeAsync(0);
    await delivery.flush();
    expect(ch.delivered.map((r) => r.text)).toEqual(['hello']);
    expect(of('warning')).toEqual([expect.objectContaining({ code: 'destination-moved', fix: 'set X=-100999' })]);
  });

  it('a slow destination never delays another', async () => {
    const slow = new ScriptedChannel('slow');
    slow.script = [() => new Promise((r) => setTimeout(() => r({ kind: 'ok' }), 30_000))];
    const fast = new ScriptedChannel('fast');
    const { send, delivery } = setup();
    send([slow, fast], 'x');
    await vi.advanceTimersByTimeAsync(1);
    expect(fast.delivered).toHaveLength(1);
    expect(slow.delivered).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(30_000);
    await delivery.flush();
    expect(slow.delivered).toHaveLength(1);
  });
});

describe('bounded memory', () => {
  it('drops the oldest info first, keeps errors, and says how many were dropped', async () => {
    const ch = new ScriptedChannel('a', 10_000, [{ key: 'e', capacity: 1, intervalMs: 1000 }]);
    const { send, delivery, of } = setup({ maxQueueBytes: 2_000 });
    send([ch], 'warmup');
    await vi.advanceTimersByTimeAsync(0);
    send([ch], 'ERR-1', 'error');
    for (let i = 0; i < 100; i++) send([ch], `info ${i} ${'x'.repeat(20)}`);
    await vi.advanceTimersByTimeAsync(0);
    // One event for the whole flood of this tick, not one per call.
    expect(of('dropped')).toHaveLength(1);
    const dropped = of('dropped')[0]!.count;
    expect(dropped).toBeGreaterThan(50);
    expect(delivery.stats()[0]!.backlogBytes).toBeLessThanOrEqual(2_000);
    await vi.advanceTimersByTimeAsync(60_000);
    await delivery.flush();
    const lines = ch.lines();
    expect(lines).toContain('ERR-1');
    expect(lines.some((l) => l.includes(`dropped ${dropped} older notifications`))).toBe(true);
    // Survivors are the newest, in order; every notification is accounted for.
    const infos = lines.filter((l) => l.startsWith('info '));
    expect(infos).toEqual(Array.from({ length: 100 - dropped }, (_, i) => `info ${dropped + i} ${'x'.repeat(20)}`));
  });
});

describe('storm suppression', () => {
  it('collapses the same text within the window into one summary with a count', async () => {
    const ch = new ScriptedChannel('a', 1000);
    const { send, delivery } = setup({ stormWindowMs: 60_000 });
    for (let i = 0; i < 37; i++) {
      send([ch], 'exchange timeout');
      await vi.advanceTimersByTimeAsync(1000);
    }
    send([ch], 'something else');
    await vi.advanceTimersByTimeAsync(60_000);
    await delivery.flush();
    expect(ch.delivered.map((r) => r.text)).toEqual(['exchange timeout', 'something else', '🔁 ×37 in the last 60 s: exchange timeout']);
  });

  it('flush emits pending summaries instead of losing the count', async () => {
    const ch = new ScriptedChannel('a', 1000);
    const { send, delivery } = setup({ stormWindowMs: 60_000 });
    for (let i = 0; i < 5; i++) send([ch], 'same');
    await vi.advanceTimersByTimeAsync(0);
    await delivery.flush();
    expect(ch.lines()).toEqual(['same', '🔁 ×5 in the last 60 s: same']);
  });
});

describe('flush and close', () => {
  it('says a notification aborted mid-request may have arrived', async () => {
    const ch = new ScriptedChannel();
    ch.script = [() => new Promise((r) => setTimeout(() => r({ kind: 'ok' }), 60_000))];
    const { send, delivery, of } = setup();
    send([ch], 'on the wire');
    await vi.advanceTimersByTimeAsync(10);
    send([ch], 'still queued'); // after the first left, so not coalesced with it
    const closed = delivery.close(100);
    await vi.advanceTimersByTimeAsync(100);
    await closed;
    expect(of('failed').map((f) => [f.seqs, f.reason])).toEqual([
      [[1], expect.stringContaining('may have arrived')],
      [[2], expect.not.stringContaining('may have arrived')],
    ]);
  });

  it('flush with a deadline reports what is left; close fails it with a reason', async () => {
    const ch = new ScriptedChannel();
    ch.script = Array.from({ length: 100 }, () => ({ kind: 'transient' as const, reason: '503' }));
    const { send, delivery, of } = setup();
    send([ch], 'stuck');
    const flushed = delivery.flush(5000);
    await vi.advanceTimersByTimeAsync(5000);
    expect(await flushed).toEqual({ complete: false, undelivered: [{ destination: 'scripted scripted', count: 1 }] });
    const closed = delivery.close(10);
    await vi.advanceTimersByTimeAsync(10);
    expect((await closed).complete).toBe(false);
    expect(of('failed')).toEqual([expect.objectContaining({ cause: 'closed', seqs: [1] })]);
  });
});

/** A card whose size is its description's length; the scripted platform takes 3 cards or 100 characters per request. */
function card(text: string, title = 'T'): Card {
  return { title, tone: 'info', fields: [], description: text };
}
const cardSize = (c: Card): number => c.title.length + (c.description?.length ?? 0);
const threeCards: CardSupport = {
  fits: (cards) => cards.length <= 3 && cards.reduce((n, c) => n + cardSize(c), 0) <= 100,
  split: (c) => {
    const d = c.description ?? '';
    const out: Card[] = [];
    for (let i = 0; i < d.length; i += 90) out.push({ ...c, title: i === 0 ? c.title : '', description: d.slice(i, i + 90) });
    return out;
  },
};

describe('lane with rich cards', () => {
  function richSetup() {
    const ch = new ScriptedChannel('r', 1000, [{ key: 'r', capacity: 1, intervalMs: 1000 }]);
    ch.cards = threeCards;
    const t = setup();
    const sendCard = (text: string, c: Card, level: Level = 'info') =>
      t.delivery.enqueue([ch], makeEntry(t.delivery.nextSeq(), text, level, false, Date.now(), { card: c }));
    return { ch, ...t, sendCard };
  }

  it('packs waiting cards by the channel’s rules, plain lines among them as text cards, in order', async () => {
    const { ch, send, sendCard, delivery } = richSetup();
    sendCard('fill 1\ndetails', card('a'));
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 2; i <= 5; i++) sendCard(`fill ${i}`, card(`c${i}`));
    send([ch], 'a log line');
    sendCard('fill 6', card('c6'));
    await vi.advanceTimersByTimeAsync(10_000);
    await delivery.flush();
    expect(ch.received.map((r) => [r.text, r.cards?.map((c) => c.description) ?? null])).toEqual([
      // One line per card as the part's text: the first line of each notification.
      ['fill 1', ['a']],
      ['fill 2\nfill 3\nfill 4', ['c2', 'c3', 'c4']],
      ['fill 5\na log line\nfill 6', ['c5', 'a log line', 'c6']],
    ]);
    expect(ch.received[2]!.cards![1]).toEqual({ title: '', tone: 'plain', fields: [], description: 'a log line' });
  });

  it('text first coalesces as text up to the next card, which starts a card batch', async () => {
    const { ch, send, sendCard, delivery } = richSetup();
    send([ch], 'warmup');
    await vi.advanceTimersByTimeAsync(0);
    send([ch], 'line 1');
    send([ch], 'line 2');
    sendCard('fill', card('c'));
    send([ch], 'line 3');
    await vi.advanceTimersByTimeAsync(10_000);
    await delivery.flush();
    expect(ch.received.map((r) => [r.text, r.cards?.length ?? 0])).toEqual([
      ['warmup', 0],
      ['line 1\nline 2', 0],
      ['fill\nline 3', 2],
    ]);
  });

  it('sends a card too large for one request as the channel’s split, in order, nothing lost', async () => {
    const { ch, sendCard, delivery, of } = richSetup();
    const long = 'x'.repeat(250);
    sendCard('huge', card(long, 'Title'));
    await vi.advanceTimersByTimeAsync(10_000);
    await delivery.flush();
    expect(ch.received.map((r) => r.cards!.length)).toEqual([1, 1, 1]);
    expect(ch.received.map((r) => r.cards![0]!.description).join('')).toBe(long);
    expect(ch.received.map((r) => r.text)).toEqual(['huge', 'huge (continued)', 'huge (continued)']);
    expect(of('delivered')).toEqual([expect.objectContaining({ seqs: [1], parts: 3 })]);
  });

  it('gives every part a key that stays the same when it is resent and differs between parts', async () => {
    const { ch, sendCard, delivery } = richSetup();
    ch.script = [{ kind: 'transient', reason: 'timeout' }];
    sendCard('huge', card('y'.repeat(150)));
    await vi.advanceTimersByTimeAsync(10_000);
    await delivery.flush();
    const keys = ch.received.map((r) => r.key!);
    expect(keys).toHaveLength(3);
    expect(keys[0]).toBe(keys[1]); // the resend after the timeout
    expect(keys[2]).not.toBe(keys[1]);
    for (const k of keys) expect(k.length).toBeLessThanOrEqual(25);
  });

  it('sends a card as its text to a channel without cards', async () => {
    const ch = new ScriptedChannel('plain', 1000);
    const { delivery } = setup();
    delivery.enqueue([ch], makeEntry(delivery.nextSeq(), 'full plain text\nwith details', 'info', false, Date.now(), { card: card('d') }));
    await vi.advanceTimersByTimeAsync(0);
    await delivery.flush();
    expect(ch.received.map((r) => [r.text, r.cards])).toEqual([['full plain text\nwith details', undefined]]);
  });
});

describe('channels that share a credential', () => {
  it('a dead credential stops every channel of the group, reported once; other groups go on', async () => {
    const a = new ScriptedChannel('bot-a');
    const b = new ScriptedChannel('bot-b');
    const other = new ScriptedChannel('other-bot');
    a.group = b.group = 'bot-1';
    other.group = 'bot-2';
    b.script = [() => new Promise<SendOutcome>(() => {})]; // b's first request never answers
    a.script = [
      { kind: 'transient', reason: 'slow' },
      { kind: 'dead', scope: 'group', reason: 'token_revoked', fix: 'reinstall' },
    ];
    const { send, delivery, of, disabled } = setup();
    send([b], 'b in flight');
    send([a, b, other], 'x');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(disabled).toEqual(['bot-a: token_revoked']);
    expect(delivery.isDisabled(b)).toBe(true);
    expect(delivery.stats().map((s) => [s.destination, s.state])).toEqual([
      ['scripted bot-b', 'disabled'],
      ['scripted bot-a', 'disabled'],
      ['scripted other-bot', 'active'],
    ]);
    expect(other.lines()).toEqual(['x']);
    // b's request in flight (both notifications, coalesced) may have arrived: reported, not silently dropped.
    expect(of('failed').filter((f) => f.destination === 'scripted bot-b')).toEqual([
      {
        destination: 'scripted bot-b',
        cause: 'disabled',
        seqs: [1, 2],
        reason: 'token_revoked; this was being sent when the destination was disabled, so it may have arrived',
        fix: 'reinstall',
      },
    ]);
    // A channel of the same bot used for the first time afterwards starts disabled, without a new report.
    const late = new ScriptedChannel('bot-c');
    late.group = 'bot-1';
    send([late], 'late');
    await vi.advanceTimersByTimeAsync(0);
    expect(late.received).toEqual([]);
    expect(delivery.isDisabled(late)).toBe(true);
    expect(disabled).toHaveLength(1);
    expect(of('failed').find((f) => f.destination === 'scripted bot-c')).toMatchObject({ cause: 'disabled', reason: 'destination disabled: token_revoked' });
  });

  it('a dead destination (not its credential) stops that channel alone', async () => {
    const a = new ScriptedChannel('bot-a');
    const b = new ScriptedChannel('bot-b');
    a.group = b.group = 'bot-1';
    a.script = [{ kind: 'dead', reason: 'channel_not_found', fix: 'check the name' }];
    const { send, delivery, disabled } = setup();
    send([a, b], 'one');
    await vi.advanceTimersByTimeAsync(0);
    send([a, b], 'two');
    await vi.advanceTimersByTimeAsync(1_000);
    await delivery.flush();
    expect(disabled).toEqual(['bot-a: channel_not_found']);
    expect(b.lines()).toEqual(['one', 'two']);
    expect(delivery.isDisabled(b)).toBe(false);
  });
});

describe('a limits store that answers asynchronously (shared by many processes)', () => {
  /** The in-process buckets behind a round trip of `delayMs`, as a shared store would be. */
  function remote(delayMs: number, fail = 0) {
    const local = new LocalRateLimits();
    const calls = { reserve: 0, failed: 0 };
    const store: RateLimits = {
      reserve: async (buckets, now) => {
        calls.reserve++;
        await new Promise((r) => setTimeout(r, delayMs));
        if (calls.failed < fail) {
          calls.failed++;
          throw new Error('store unreachable');
        }
        return local.reserve(buckets, now);
      },
      observe: async (o, now) => local.observe(o, now),
      block: async (keys, until) => local.block(keys, until),
      settle: async (b, s, a) => local.settle(b, s, a),
    };
    return { store, calls };
  }

  it('waits for its answer and keeps the pace and the order', async () => {
    const ch = new ScriptedChannel('a', 1000, [{ key: 'async', capacity: 1, intervalMs: 1000 }]);
    const { store } = remote(5);
    const delivery = new Delivery({ emit: () => {}, limits: store, options: { stormWindowMs: 0 } });
    for (let i = 1; i <= 3; i++) {
      delivery.enqueue([ch], makeEntry(delivery.nextSeq(), `m${i}`, 'info', false, Date.now()));
      await vi.advanceTimersByTimeAsync(100);
    }
    await vi.advanceTimersByTimeAsync(5000);
    await delivery.flush();
    expect(ch.lines()).toEqual(['m1', 'm2', 'm3']);
    // m1 at once; m2 and m3 waited for the bucket's next slot (coalesced into one request).
    expect(ch.received.map((r) => r.text)).toEqual(['m1', 'm2\nm3']);
  });

  it('a store that fails is asked again a second later; nothing is lost', async () => {
    const ch = new ScriptedChannel('a', 1000);
    const { store, calls } = remote(1, 2);
    const delivery = new Delivery({ emit: () => {}, limits: store, options: { stormWindowMs: 0 } });
    delivery.enqueue([ch], makeEntry(delivery.nextSeq(), 'kept', 'info', false, Date.now()));
    await vi.advanceTimersByTimeAsync(1500);
    expect(ch.received).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1500);
    await delivery.flush();
    expect(ch.lines()).toEqual(['kept']);
    expect(calls.reserve).toBe(3);
  });
});

describe('a queue shared with other processes, attached above the lanes', () => {
  /** A shared queue in memory that takes channel `a` only and hands its entries back as a holder would. */
  function memoryQueue(delivery: Delivery, take: string) {
    const held: { entry: ReturnType<typeof makeEntry>; channel: ScriptedChannel }[] = [];
    const settled: string[] = [];
    const queue: SharedQueue = {
      offer: (entry, destinations) => {
        for (const c of destinations) if (c.id === take) held.push({ entry, channel: c as ScriptedChannel });
        return destinations.filter((c) => c.id !== take);
      },
      settled: (seq, destination) => void settled.push(`${destination}#${seq}`),
      drain: async () => (held.length ? [{ destination: take, count: held.length }] : []),
    };
    // The holder's side: what waits in the store comes back to this process's lane.
    const deliverHeld = () => {
      for (const { entry, channel } of held.splice(0)) delivery.lane(channel).enqueue(entry);
    };
    return { queue, held, settled, deliverHeld };
  }

  it('offers entries to the shared queue; what it declines stays with this process; lanes tell it what is done', async () => {
    const a = new ScriptedChannel('a', 1000);
    const b = new ScriptedChannel('b', 1000);
    const { delivery, send } = setup();
    const shared = memoryQueue(delivery, 'a');
    delivery.attachShared(shared.queue);
    send([a, b], 'both');
    await vi.advanceTimersByTimeAsync(10);
    expect(a.lines()).toEqual([]);
    expect(b.lines()).toEqual(['both']);
    expect(shared.held).toHaveLength(1);
    // Flush reports what still waits in the shared store.
    await expect(delivery.flush(100)).resolves.toEqual({ complete: false, undelivered: [{ destination: 'a', count: 1 }] });
    shared.deliverHeld();
    await vi.advanceTimersByTimeAsync(10);
    expect(a.lines()).toEqual(['both']);
    // Done at both destinations: the shared queue hears of each.
    expect(shared.settled.sort()).toEqual(['a#1', 'b#1']);
    await expect(delivery.flush(100)).resolves.toEqual({ complete: true, undelivered: [] });
  });
});
