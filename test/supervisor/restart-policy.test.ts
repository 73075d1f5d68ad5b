/** `--restart` decisions, the 1 s → 60 s backoff and the 10-minute restart window, on a fake clock. */
import { describe, expect, it } from 'vitest';
import { backoffDelay, RestartPolicy, RESTART_WINDOW_MS } from '../../src/supervisor/restart-policy.js';

describe('backoffDelay', () => {
  it('starts at 1 s and doubles to at most 60 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 50, 5000].map((n) => backoffDelay(n))).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000]);
  });

  it('follows another first delay and cap', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, 50, 150))).toEqual([50, 100, 150, 150]);
  });
});

describe('RestartPolicy', () => {
  it('never (the default mode) restarts nothing', () => {
    const p = new RestartPolicy({ mode: 'never', maxRestarts: 10 });
    expect(p.decide(true, 0)).toEqual({ action: 'exit' });
    expect(p.decide(false, 0)).toEqual({ action: 'exit' });
  });

  it('on-failure restarts after an abnormal exit only', () => {
    const p = new RestartPolicy({ mode: 'on-failure', maxRestarts: 10 });
    expect(p.decide(false, 0)).toEqual({ action: 'exit' });
    expect(p.decide(true, 0)).toEqual({ action: 'restart', delayMs: 1000, attempt: 1 });
  });

  it('always restarts after a clean exit too', () => {
    const p = new RestartPolicy({ mode: 'always', maxRestarts: 10 });
    expect(p.decide(false, 0)).toEqual({ action: 'restart', delayMs: 1000, attempt: 1 });
  });

  it('gives up once --max-restarts restarts were made within 10 minutes; the delay doubles meanwhile', () => {
    const p = new RestartPolicy({ mode: 'on-failure', maxRestarts: 3 });
    let t = 0;
    const decisions = [];
    for (let i = 0; i < 4; i++) {
      decisions.push(p.decide(true, t));
      t += 5000;
    }
    expect(decisions).toEqual([
      { action: 'restart', delayMs: 1000, attempt: 1 },
      { action: 'restart', delayMs: 2000, attempt: 2 },
      { action: 'restart', delayMs: 4000, attempt: 3 },
      { action: 'give-up', restarts: 3 },
    ]);
  });

  it('restarts older than the window no longer count, for the limit or the backoff', () => {
    const p = new RestartPolicy({ mode: 'on-failure', maxRestarts: 2 });
    p.decide(true, 0);
    p.decide(true, 60_000);
    expect(p.decide(true, 120_000)).toEqual({ action: 'give-up', restarts: 2 });
    // The first restart leaves the window: one slot, and the delay of one previous restart.
    expect(p.decide(true, RESTART_WINDOW_MS)).toEqual({ action: 'restart', delayMs: 2000, attempt: 2 });
    // Long after: a fresh start.
    expect(p.decide(true, RESTART_WINDOW_MS * 5)).toEqual({ action: 'restart', delayMs: 1000, attempt: 1 });
  });

  it('--max-restarts 0 gives up at the first failure', () => {
    const p = new RestartPolicy({ mode: 'always', maxRestarts: 0 });
    expect(p.decide(true, 0)).toEqual({ action: 'give-up', restarts: 0 });
  });
});
