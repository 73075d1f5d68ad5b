/** Herald's own health for reports: sums over destinations, since the period's start. */
import { describe, expect, it } from 'vitest';
import { summariseHealth } from '../../src/reports/health.js';

const lane = (
  destination: string,
  counters: Partial<{ delivered: number; failed: number; dropped: number; backlog: number }>,
  state: 'active' | 'disabled' = 'active',
) => ({
  destination,
  state,
  delivered: 0,
  failed: 0,
  dropped: 0,
  backlog: 0,
  ...counters,
});

describe('summariseHealth', () => {
  it('sums every destination and names the disabled ones', () => {
    const stats = {
      destinations: [lane('telegram:general', { delivered: 100, backlog: 2 }), lane('discord:…/alerts', { delivered: 20, failed: 1, dropped: 3 }, 'disabled')],
    };
    expect(summariseHealth(stats)).toEqual({ delivered: 120, failed: 1, dropped: 3, backlog: 2, disabled: ['discord:…/alerts'], destinations: 2 });
  });

  it('with the stats at the start of the period: only what happened since (backlog as it is now)', () => {
    const before = { destinations: [lane('a', { delivered: 100, failed: 2 }), lane('b', { delivered: 50 })] };
    const now = { destinations: [lane('a', { delivered: 130, failed: 2, backlog: 4 }), lane('b', { delivered: 5 }), lane('c', { delivered: 7 })] };
    // b went down (made anew): counted from zero; c is new.
    expect(summariseHealth(now, before)).toEqual({ delivered: 42, failed: 0, dropped: 0, backlog: 4, disabled: [], destinations: 3 });
  });
});
