/** The per-address limit: a minute's burst, a steady refill, Retry-After that is right, and a bounded memory. */
import { describe, expect, it } from 'vitest';
import { ClientRateLimit } from '../../src/relay/rate-limit.js';

describe('ClientRateLimit', () => {
  it('lets a burst up to the limit through, then says when the next request may come', () => {
    let now = 0;
    const limit = new ClientRateLimit(600, () => now);
    for (let i = 0; i < 600; i++) expect(limit.take('10.0.0.1').ok).toBe(true);
    expect(limit.take('10.0.0.1')).toEqual({ ok: false, retryAfterSeconds: 1 });
    // 600 a minute refills one every 100 ms.
    now += 100;
    expect(limit.take('10.0.0.1').ok).toBe(true);
    expect(limit.take('10.0.0.1').ok).toBe(false);
  });

  it('counts each address alone', () => {
    const limit = new ClientRateLimit(1, () => 0);
    expect(limit.take('a').ok).toBe(true);
    expect(limit.take('a')).toEqual({ ok: false, retryAfterSeconds: 60 });
    expect(limit.take('b').ok).toBe(true);
  });

  it('refills no further than a minute of requests', () => {
    let now = 0;
    const limit = new ClientRateLimit(2, () => now);
    limit.take('a');
    now += 3_600_000;
    expect([limit.take('a').ok, limit.take('a').ok, limit.take('a').ok]).toEqual([true, true, false]);
  });

  it('forgets idle addresses when many have been seen, and still limits the busy ones', () => {
    let now = 0;
    const limit = new ClientRateLimit(1, () => now);
    for (let i = 0; i < 10_000; i++) limit.take(`idle-${i}`);
    now += 60_000;
    limit.take('busy');
    expect((limit as unknown as { buckets: Map<string, unknown> }).buckets.size).toBe(1);
    expect(limit.take('busy').ok).toBe(false);
  });
});
