/** While the supervisor runs it owns SIGINT/SIGTERM/SIGHUP; the listeners before it come back after. */
import { describe, expect, it } from 'vitest';
import { isStopSignal, takeOverSignals } from '../../src/supervisor/signals.js';

describe('takeOverSignals', () => {
  it('routes the signals to its handler alone, then restores what was there', () => {
    const before: NodeJS.Signals[] = [];
    const earlier = (s: NodeJS.Signals): void => void before.push(s);
    process.on('SIGHUP', earlier);
    try {
      const seen: NodeJS.Signals[] = [];
      const restore = takeOverSignals((s) => seen.push(s), ['SIGHUP']);
      expect(process.listeners('SIGHUP')).toHaveLength(1);
      // emit() calls the listeners without a real signal reaching the test process.
      process.emit('SIGHUP', 'SIGHUP');
      expect(seen).toEqual(['SIGHUP']);
      expect(before).toEqual([]);
      restore();
      restore();
      expect(process.listeners('SIGHUP')).toEqual([earlier]);
    } finally {
      process.off('SIGHUP', earlier);
    }
  });

  it('SIGINT and SIGTERM mean stop; SIGHUP is only passed on', () => {
    expect(isStopSignal('SIGINT')).toBe(true);
    expect(isStopSignal('SIGTERM')).toBe(true);
    expect(isStopSignal('SIGHUP')).toBe(false);
  });
});
