import { describe, expect, it } from 'vitest';
import { LocalRateLimits } from '../../src/delivery/rate-limits.js';
import { backoffDelay } from '../../src/delivery/backoff.js';
import { Deque } from '../../src/delivery/deque.js';

describe('LocalRateLimits', () => {
  const chat = { key: 'chat', capacity: 3, intervalMs: 1000 };
  const bot = { key: 'bot', capacity: 30, intervalMs: 1000 / 30 };

  it('allows the burst, then one per interval', () => {
    const l = new LocalRateLimits(0);
    expect([0, 0, 0].map(() => l.reserve([chat], 0))).toEqual([0, 0, 0]);
    expect(l.reserve([chat], 0)).toBe(1000);
    expect(l.reserve([chat], 999)).toBe(1);
    expect(l.reserve([chat], 1000)).toBe(0);
  });

  it('takes from every bucket or from none (a shared bot bucket limits all chats)', () => {
    const l = new LocalRateLimits(0);
    const chats = Array.from({ length: 31 }, (_, i) => ({ key: `chat${i}`, capacity: 3, intervalMs: 1000 }));
    const waits = chats.map((c) => l.reserve([c, bot], 0));
    expect(waits.slice(0, 30).every((w) => w === 0)).toBe(true);
    expect(waits[30]).toBeGreaterThan(0);
    // The refused reservation took nothing from chat30's own bucket.
    expect([1, 2, 3].map(() => l.reserve([chats[30]!], 0))).toEqual([0, 0, 0]);
  });

  it('follows what the platform reports: remaining 0 blocks until reset', () => {
    const l = new LocalRateLimits(0);
    const hook = { key: 'hook', capacity: 5, intervalMs: 400 };
    expect(l.reserve([hook], 0)).toBe(0);
    l.observe({ bucketKey: 'hook', remaining: 0, resetAfterMs: 1500, limit: 5 }, 0);
    expect(l.reserve([hook], 0)).toBe(1500);
    expect(l.reserve([hook], 1500)).toBe(0);
  });

  it('adds the safety margin to refill waits once, keeping the spacing at one interval', () => {
    // Every platform bucket has a burst (capacity ≥ 3); with capacity 1 the cap would eat the margin.
    const l = new LocalRateLimits(20);
    const b = { key: 'm', capacity: 3, intervalMs: 1000 };
    expect([0, 0, 0].map(() => l.reserve([b], 0))).toEqual([0, 0, 0]);
    expect(l.reserve([b], 0)).toBe(1020);
    expect(l.reserve([b], 1020)).toBe(0);
    expect(l.reserve([b], 1020)).toBe(1000);
    expect(l.reserve([b], 2020)).toBe(0);
  });

  it('block() holds a shared bucket (a global 429)', () => {
    const l = new LocalRateLimits();
    const g = { key: 'global', capacity: 50, intervalMs: 20 };
    l.reserve([g], 0);
    l.block(['global'], 3000);
    expect(l.reserve([g], 100)).toBe(2900);
  });
});

describe('backoffDelay', () => {
  it('doubles from the base up to the cap, with bounded jitter', () => {
    const p = { baseMs: 1000, factor: 2, maxMs: 60_000, jitter: 0.3 };
    expect([1, 2, 3, 7, 8, 20].map((a) => backoffDelay(a, p, () => 0))).toEqual([1000, 2000, 4000, 60_000, 60_000, 60_000]);
    expect(backoffDelay(1, p, () => 1)).toBe(700);
  });
});

describe('Deque', () => {
  it('is FIFO across compactions and supports removal', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 5000; i++) d.push(i);
    for (let i = 0; i < 3000; i++) expect(d.shift()).toBe(i);
    expect(d.length).toBe(2000);
    expect(d.removeAt(1)).toBe(3001);
    d.unshiftAll([-2, -1]);
    expect([d.shift(), d.shift(), d.shift(), d.shift()]).toEqual([-2, -1, 3000, 3002]);
    expect(d.drain()).toHaveLength(1997);
    expect(d.shift()).toBeUndefined();
  });
});

describe('rolling-window buckets (Telegram: 20 per minute in a group)', () => {
  it('allows capacity in any window, never capacity + refills', () => {
    const l = new LocalRateLimits(0);
    const group = { key: 'g', capacity: 20, intervalMs: 3000, windowMs: 60_000 };
    let t = 0;
    const sentAt: number[] = [];
    // Ask every 100 ms for two minutes; count what a rolling minute ever lets through.
    for (; t < 120_000; t += 100) if (l.reserve([group], t) === 0) sentAt.push(t);
    for (const start of sentAt) expect(sentAt.filter((x) => x >= start && x < start + 60_000).length).toBeLessThanOrEqual(20);
    expect(sentAt).toHaveLength(40);
  });

  it('says how long until the oldest send leaves the window (plus the margin)', () => {
    const l = new LocalRateLimits(50);
    const group = { key: 'g', capacity: 2, intervalMs: 3000, windowMs: 60_000 };
    expect(l.reserve([group], 0)).toBe(0);
    expect(l.reserve([group], 10_000)).toBe(0);
    expect(l.reserve([group], 20_000)).toBe(40_050);
  });
});

describe('LocalRateLimits.settle: counting from the answer', () => {
  it('a slow first request moves the refill to when it was answered, so the next burst cannot land early', () => {
    const l = new LocalRateLimits(0);
    const b = { key: 's', capacity: 3, intervalMs: 1000 };
    expect(l.reserve([b], 0)).toBe(0); // the bucket was full: this one starts the platform's refill
    l.settle([b], 0, 300); // …and took 300 ms (a new connection): the platform may have counted it at 300
    expect(l.reserve([b], 300)).toBe(0);
    l.settle([b], 300, 302);
    expect(l.reserve([b], 302)).toBe(0);
    l.settle([b], 302, 304);
    // Without settle the 4th would go at 1000, and arrive before the platform's 1300.
    expect(l.reserve([b], 304)).toBe(996);
    expect(l.reserve([b], 1300)).toBe(0);
  });

  it('only the request that found the bucket full moves it; a fast one changes nothing', () => {
    const l = new LocalRateLimits(0);
    const b = { key: 'f', capacity: 3, intervalMs: 1000 };
    l.reserve([b], 0);
    l.settle([b], 0, 2);
    l.reserve([b], 2);
    l.settle([b], 2, 900); // not the anchor: its latency does not matter to the refill
    l.reserve([b], 900);
    expect(l.reserve([b], 900)).toBe(102);
  });

  it('a rolling window counts a request from its answer', () => {
    const l = new LocalRateLimits(0);
    const w = { key: 'w', capacity: 2, intervalMs: 3000, windowMs: 60_000 };
    l.reserve([w], 0);
    l.settle([w], 0, 500);
    l.reserve([w], 600);
    expect(l.reserve([w], 1000)).toBe(59_500);
  });
});

describe('LocalRateLimits.observe: a window that resets', () => {
  it('is whole again at the reset, so each window’s slots do not drift later', () => {
    const l = new LocalRateLimits(0);
    const hook = { key: 'win', capacity: 5, intervalMs: 1000 };
    for (let window = 0; window < 3; window++) {
      const start = window * 5000;
      for (let i = 0; i < 5; i++) expect(l.reserve([hook], start + i), `window ${window} slot ${i}`).toBe(0);
      // The 5th answer, 100 ms later, says the window is spent and resets 5 s after it began.
      l.observe({ bucketKey: 'win', remaining: 0, resetAfterMs: 5000 - 104, limit: 5 }, start + 104);
      expect(l.reserve([hook], start + 104)).toBe(4896);
    }
  });
});
