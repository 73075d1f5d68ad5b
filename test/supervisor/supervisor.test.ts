/**
 * The supervisor loop with real child processes (`node -e`) and stand-ins for where notices go
 * and for the outbox: the order of notice, count and hand-over; restarts; stop signals; the
 * child's environment.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { HandOverResult, OutboxAccess } from '../../src/supervisor/handover.js';
import { RestartPolicy } from '../../src/supervisor/restart-policy.js';
import { Supervisor, type SupervisorOptions } from '../../src/supervisor/supervisor.js';

const NODE = process.execPath;

/** Records what the supervisor does, in order. */
function harness(options: { undelivered?: number; deliver?: () => Promise<HandOverResult> } = {}) {
  const calls: string[] = [];
  const sent: string[] = [];
  const logs: string[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  stderr.resume();
  const outbox: OutboxAccess = {
    async countUndelivered(path) {
      calls.push(`count ${path}`);
      return options.undelivered ?? 0;
    },
    async deliver(path, deadlineMs) {
      calls.push(`deliver ${path} ${deadlineMs}`);
      return options.deliver ? options.deliver() : { remaining: 0 };
    },
  };
  const base = (o: Partial<SupervisorOptions> & Pick<SupervisorOptions, 'args'>): SupervisorOptions => ({
    name: 'bot',
    command: NODE,
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '' },
    policy: new RestartPolicy({ mode: 'never', maxRestarts: 10 }),
    heartbeatMs: 0,
    outboxPath: '/tmp/bot.outbox',
    outboxShown: '.herald/bot.outbox',
    outbox,
    notices: {
      send: (text) => {
        calls.push('notice');
        sent.push(text);
      },
      flush: async () => void calls.push('flush'),
    },
    redact: (t) => t.replaceAll('s3cr3t-value', 's3…'),
    log: (line) => logs.push(line),
    stdout,
    stderr,
    handOverDeadlineMs: 1234,
    ...o,
  });
  return { calls, sent, logs, base, out: () => out };
}

/** Resolves once `check` passes, polling. */
async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Supervisor', () => {
  it('a crash: count the outbox, send the notice, wait for it, then hand the outbox over; exit with the code', async () => {
    const h = harness({ undelivered: 2 });
    const s = new Supervisor(h.base({ args: ['-e', 'console.error("token s3cr3t-value"); process.exit(4)'] }));
    expect(await s.run()).toBe(4);
    expect(h.calls).toEqual(['count /tmp/bot.outbox', 'notice', 'flush', 'deliver /tmp/bot.outbox 1234']);
    expect(h.sent[0]).toMatch(
      /^💥 bot crashed: exit code 4\n.*not restarting \(--restart never\)\nundelivered notifications: 2, delivering them now from \.herald\/bot\.outbox\nlast stderr lines:\ntoken s3…$/,
    );
    expect(h.logs).toContain('delivering 2 notifications bot left in .herald/bot.outbox');
  });

  it('nothing undelivered: no hand-over; no outbox: no count at all', async () => {
    const h = harness({ undelivered: 0 });
    await new Supervisor(h.base({ args: ['-e', 'process.exit(1)'] })).run();
    expect(h.calls).toEqual(['count /tmp/bot.outbox', 'notice']);
    const g = harness();
    await new Supervisor(g.base({ args: ['-e', 'process.exit(1)'], outboxPath: undefined })).run();
    expect(g.calls).toEqual(['notice']);
    expect(g.sent[0]).not.toContain('undelivered');
  });

  it('what the hand-over could not deliver is said on the status lines', async () => {
    const h = harness({ undelivered: 3, deliver: async () => ({ remaining: 1 }) });
    await new Supervisor(h.base({ args: ['-e', 'process.exit(1)'] })).run();
    expect(h.logs.at(-1)).toBe('1 notification could not be delivered within 1.2 s; it stays in .herald/bot.outbox for the next start');
  });

  it('a clean exit: nothing at all', async () => {
    const h = harness();
    expect(await new Supervisor(h.base({ args: ['-e', ''] })).run()).toBe(0);
    expect(h.calls).toEqual([]);
  });

  it('on-failure with --max-restarts 2: three runs, two restart notices and a final one', async () => {
    const h = harness();
    const policy = new RestartPolicy({ mode: 'on-failure', maxRestarts: 2, firstDelayMs: 5 });
    const code = await new Supervisor(h.base({ args: ['-e', 'console.log("run"); process.exit(2)'], policy })).run();
    expect(code).toBe(2);
    expect(h.out()).toBe('run\nrun\nrun\n');
    expect(h.sent.map((t) => t.split('\n')[0])).toEqual([
      '💥 bot crashed: exit code 2',
      '💥 bot crashed: exit code 2',
      '🛑 bot crashed: exit code 2; not restarting: 2 restarts within 10 min (--max-restarts 2)',
    ]);
    expect(h.sent[1]).toMatch(/restarting in 10 ms \(restart 2 of at most 2 within 10 min\)/);
  });

  it('--restart always restarts after a clean exit without a notice', async () => {
    const h = harness();
    const policy = new RestartPolicy({ mode: 'always', maxRestarts: 1, firstDelayMs: 5 });
    const code = await new Supervisor(h.base({ args: ['-e', 'console.log("run")'], policy })).run();
    expect(code).toBe(0);
    expect(h.out()).toBe('run\nrun\n');
    // The second clean exit reaches the limit: the bot is down for good, which is worth a notice.
    expect(h.sent.map((t) => t.split('\n')[0])).toEqual(['🛑 bot exited with code 0; not restarting: 1 restart within 10 min (--max-restarts 1)']);
    expect(h.logs[0]).toBe('bot exited with code 0; restarting in 5 ms (--restart always)');
  });

  it('SIGTERM is passed on; the exit it causes is no crash', async () => {
    const h = harness();
    const s = new Supervisor(
      h.base({
        args: ['-e', 'process.on("SIGTERM", () => { console.log("got it"); process.exit(0) }); setInterval(() => {}, 1000); console.log("ready")'],
        policy: new RestartPolicy({ mode: 'always', maxRestarts: 5 }),
      }),
    );
    const running = s.run();
    await until(() => h.out().includes('ready'));
    s.signal('SIGTERM');
    expect(await running).toBe(0);
    expect(h.out()).toContain('got it');
    expect(s.stoppedBy).toBe('SIGTERM');
    expect(h.sent).toEqual([]);
  });

  it('the child dying of SIGTERM just before our own SIGTERM arrives (systemd, Ctrl-C) is no crash', async () => {
    const h = harness();
    const s = new Supervisor(h.base({ args: ['-e', 'console.log("dying"); process.kill(process.pid, "SIGTERM")'] }));
    const running = s.run();
    await until(() => h.out().includes('dying'));
    // Whether the child is still alive at this point or not, the answer is the same.
    await new Promise((r) => setTimeout(r, 30));
    s.signal('SIGTERM');
    expect(await running).toBe(143);
    expect(h.sent).toEqual([]);
  });

  it('a SIGTERM that reaches only the child (someone killed it) is a crash', async () => {
    const h = harness();
    const s = new Supervisor(h.base({ args: ['-e', 'process.kill(process.pid, "SIGTERM")'] }));
    expect(await s.run()).toBe(143);
    expect(h.sent[0]).toMatch(/^💥 bot killed by SIGTERM\n/);
  });

  it('a stop signal during the backoff cancels the restart', async () => {
    const h = harness();
    const s = new Supervisor(
      h.base({ args: ['-e', 'process.exit(6)'], policy: new RestartPolicy({ mode: 'on-failure', maxRestarts: 5, firstDelayMs: 60_000 }) }),
    );
    const running = s.run();
    await until(() => h.sent.length === 1);
    const t = Date.now();
    s.signal('SIGINT');
    expect(await running).toBe(6);
    expect(Date.now() - t).toBeLessThan(2000);
  });

  it('a second stop signal interrupts a hand-over that takes too long', async () => {
    const h = harness({ undelivered: 1, deliver: () => new Promise(() => {}) });
    const s = new Supervisor(h.base({ args: ['-e', 'process.exit(1)'] }));
    const running = s.run();
    await until(() => h.calls.some((c) => c.startsWith('deliver')));
    s.signal('SIGTERM');
    expect(s.interrupted.aborted).toBe(false);
    s.signal('SIGTERM');
    expect(s.interrupted.aborted).toBe(true);
    expect(await running).toBe(1);
    expect(h.logs.at(-1)).toBe('interrupted; what is left stays in .herald/bot.outbox for the next start');
  });

  it('the child gets the heartbeat socket when hang detection is on, and never an outer one', async () => {
    const script = 'console.log(JSON.stringify([process.env.HERALD_SUPERVISOR_SOCKET ?? null, process.env.HERALD_HEARTBEAT_MS ?? null]))';
    const on = harness();
    await new Supervisor(on.base({ args: ['-e', script], heartbeatMs: 2000, env: { HERALD_SUPERVISOR_SOCKET: '/outer.sock' } })).run();
    const [socket, ms] = JSON.parse(on.out()) as [string, string];
    expect(socket).toMatch(/herald-run-.*heartbeat\.sock$/);
    expect(ms).toBe('500');
    const off = harness();
    await new Supervisor(off.base({ args: ['-e', script], heartbeatMs: 0, env: { HERALD_SUPERVISOR_SOCKET: '/outer.sock', HERALD_HEARTBEAT_MS: '5' } })).run();
    expect(JSON.parse(off.out())).toEqual([null, null]);
  });

  it('a command that cannot start is reported, with exit code 127', async () => {
    const h = harness();
    expect(await new Supervisor(h.base({ command: 'herald-no-such-command', args: [] })).run()).toBe(127);
    expect(h.sent[0]).toMatch(/^💥 bot could not start: command not found \(ENOENT\)\nnot restarting/);
  });
});
