/** The texts `herald run` sends, exit codes, durations and default names. */
import { describe, expect, it } from 'vitest';
import { crashNotice, describeExit, exitCodeOf, formatDuration, isAbnormal, responsiveNotice, unresponsiveNotice } from '../../src/supervisor/notices.js';
import { defaultName, fileSafeName } from '../../src/supervisor/name.js';

const WINDOW = 10 * 60_000;

describe('exits', () => {
  it('exit codes as shells report them', () => {
    expect(exitCodeOf({ code: 0, signal: null })).toBe(0);
    expect(exitCodeOf({ code: 3, signal: null })).toBe(3);
    expect(exitCodeOf({ code: null, signal: 'SIGKILL' })).toBe(137);
    expect(exitCodeOf({ code: null, signal: 'SIGTERM' })).toBe(143);
    expect(exitCodeOf({ code: null, signal: null, spawnError: { code: 'ENOENT', message: 'spawn x ENOENT' } })).toBe(127);
    expect(exitCodeOf({ code: null, signal: null, spawnError: { code: 'EACCES', message: 'spawn x EACCES' } })).toBe(126);
  });

  it('abnormal: non-zero, a signal, or no start', () => {
    expect(isAbnormal({ code: 0, signal: null })).toBe(false);
    expect(isAbnormal({ code: 1, signal: null })).toBe(true);
    expect(isAbnormal({ code: null, signal: 'SIGTERM' })).toBe(true);
  });

  it('describes what ended the child, with a hint where one helps', () => {
    expect(describeExit({ code: 3, signal: null })).toBe('exit code 3');
    expect(describeExit({ code: null, signal: 'SIGKILL' })).toBe('killed by SIGKILL — out of memory?');
    expect(describeExit({ code: null, signal: 'SIGSEGV' })).toBe('killed by SIGSEGV — a native crash');
    expect(describeExit({ code: null, signal: 'SIGTERM' })).toBe('killed by SIGTERM');
    // A wrapper (npm start, a shell) reporting its own child's SIGKILL.
    expect(describeExit({ code: 137, signal: null })).toBe('exit code 137 (128 + SIGKILL — out of memory?)');
    expect(describeExit({ code: null, signal: null, spawnError: { code: 'ENOENT', message: 'x' } })).toBe('could not start: command not found (ENOENT)');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [850, '850 ms'],
    [1000, '1 s'],
    [1234, '1.2 s'],
    [45_000, '45 s'],
    [120_000, '2 min'],
    [90_000, '1 min 30 s'],
    [3 * 3600_000 + 5 * 60_000, '3 h 5 min'],
    [2 * 86_400_000 + 4 * 3600_000, '2 d 4 h'],
  ])('%i ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('notices', () => {
  it('a crash with a restart due, undelivered notifications and stderr', () => {
    const text = crashNotice({
      name: 'strategy.js',
      exit: { code: 3, signal: null },
      pid: 4242,
      uptimeMs: 4200,
      next: { kind: 'restart', delayMs: 1000, attempt: 1, max: 5, windowMs: WINDOW },
      undelivered: 2,
      outbox: '.herald/strategy.js.outbox',
      stderr: ['Error: exchange said no', '    at placeOrder (strategy.js:42:11)'],
    });
    expect(text).toBe(
      [
        '💥 strategy.js crashed: exit code 3',
        'uptime 4.2 s (pid 4242) · restarting in 1 s (restart 1 of at most 5 within 10 min)',
        'undelivered notifications: 2, delivering them now from .herald/strategy.js.outbox',
        'last stderr lines:',
        'Error: exchange said no',
        '    at placeOrder (strategy.js:42:11)',
      ].join('\n'),
    );
  });

  it('the final notice; no outbox line without an outbox; unknown counts said so', () => {
    const base = { name: 'grid', exit: { code: null, signal: 'SIGKILL' as const }, uptimeMs: 65_000, stderr: [] };
    const final = crashNotice({ ...base, next: { kind: 'give-up', restarts: 2, max: 2, windowMs: WINDOW } });
    expect(final).toBe(
      '🛑 grid killed by SIGKILL — out of memory?; not restarting: 2 restarts within 10 min (--max-restarts 2)\nuptime 1 min 5 s\nstderr: (nothing)',
    );
    const unknown = crashNotice({ ...base, next: { kind: 'exit', reason: '--restart never' }, undelivered: undefined, outbox: 'x' });
    expect(unknown).toContain('\nundelivered notifications: unknown (the outbox could not be read)\n');
  });

  it('a clean exit under --restart always that reached the limit', () => {
    const text = crashNotice({
      name: 'job',
      exit: { code: 0, signal: null },
      uptimeMs: 10,
      next: { kind: 'give-up', restarts: 1, max: 1, windowMs: WINDOW },
      stderr: [],
    });
    expect(text.split('\n')[0]).toBe('🛑 job exited with code 0; not restarting: 1 restart within 10 min (--max-restarts 1)');
  });

  it('hang and recovery', () => {
    expect(unresponsiveNotice('ema', 120_000)).toBe('⏸ ema unresponsive for 2 min (event loop blocked?)');
    expect(responsiveNotice('ema', 134_000)).toBe('▶️ ema responsive again (silent for 2 min 14 s)');
  });
});

describe('names', () => {
  it.each([
    ['node', ['strategy.js'], 'strategy.js'],
    ['/usr/bin/node', ['--enable-source-maps', 'dist/strategy.js', '--live'], 'strategy.js'],
    ['node', ['--import', 'tsx', 'src/bot.ts'], 'bot.ts'],
    ['npx', ['tsx', 'strategies/grid.ts'], 'grid.ts'],
    ['python3', ['-m', 'mybot'], 'mybot'],
    ['npm', ['start'], 'npm start'],
    ['npm', ['run', 'grid', '--', '--live'], 'npm run grid'],
    ['./bin/grid-bot', ['--live'], 'grid-bot'],
    ['node', ['-e', '1'], 'node'],
    ['C:\\tools\\bot.exe', [], 'bot'],
  ])('%s %j → %s', (command, args, name) => {
    expect(defaultName(command, args)).toBe(name);
  });

  it('file-safe names', () => {
    expect(fileSafeName('npm start')).toBe('npm-start');
    expect(fileSafeName('../../etc/passwd')).toBe('etc-passwd');
    expect(fileSafeName('grid.ts')).toBe('grid.ts');
    expect(fileSafeName('***')).toBe('bot');
    expect(fileSafeName('a'.repeat(300))).toHaveLength(100);
  });
});
