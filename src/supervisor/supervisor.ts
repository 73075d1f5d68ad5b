/**
 * The supervisor loop of `herald run`: start the child, wait for it to end, and when it ended
 * abnormally send a crash notice, hand its outbox over and restart it as the policy says;
 * meanwhile watch its heartbeats for hangs, and pass on the signals it is sent.
 *
 * Everything outside the process tree comes in through options (where notices go, how the
 * outbox is reached, how text is redacted, where status lines go), so the loop is tested with
 * real child processes and stand-ins for the rest.
 */
import { performance } from 'node:perf_hooks';
import { startChild, type ChildResult, type RunningChild, type StdoutTarget } from './child.js';
import type { OutboxAccess } from './handover.js';
import { HEARTBEAT_MS_ENV, SUPERVISOR_SOCKET_ENV } from './heartbeat.js';
import { startHeartbeatServer, type HangChange, type HeartbeatServer } from './heartbeat-server.js';
import { crashNotice, exitCodeOf, formatDuration, isAbnormal, type NextStep, responsiveNotice, unresponsiveNotice } from './notices.js';
import type { RestartDecision, RestartPolicy } from './restart-policy.js';
import { isStopSignal } from './signals.js';
import { LineTail } from './stderr-tail.js';

/** Default deadline for delivering the crash notice before the outbox is opened, and for the hand-over itself. */
export const HANDOVER_DEADLINE_MS = 10_000;

/**
 * How long a child's death by SIGINT, SIGTERM or SIGHUP waits for the same signal to reach the
 * supervisor before it counts as a crash.
 */
export const STOP_SIGNAL_GRACE_MS = 250;

/** True when the child ended by a signal that usually means "stop" (or a wrapper's 128 + it). */
function diedOfStopSignal(result: ChildResult): boolean {
  const signal =
    result.signal ?? (result.code !== null ? ({ 129: 'SIGHUP', 130: 'SIGINT', 143: 'SIGTERM' } as Record<number, NodeJS.Signals>)[result.code] : undefined);
  return signal === 'SIGINT' || signal === 'SIGTERM' || signal === 'SIGHUP';
}

/** Where notices go: error-level notifications through the library, in practice. */
export interface NoticeSink {
  /** Queues one notice (already redacted). Must not throw. */
  send(text: string): void;
  /** Resolves when what was sent so far is delivered or failed, or at the deadline. */
  flush(deadlineMs: number): Promise<unknown>;
}

/** Settings of a {@link Supervisor}. */
export interface SupervisorOptions {
  /** The bot's name in notices and status lines. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** The child's environment (the heartbeat variables are added here; `HERALD_OUTBOX` must already be in it). */
  readonly env: NodeJS.ProcessEnv;
  readonly policy: RestartPolicy;
  /** Silence that counts as a hang, in ms; 0 turns hang detection off. */
  readonly heartbeatMs: number;
  /** The child's outbox (absolute); undefined: no hand-over and no count in the notice. */
  readonly outboxPath?: string | undefined;
  /** The outbox path as shown in notices (relative to the working directory). Default: the path. */
  readonly outboxShown?: string | undefined;
  readonly outbox: OutboxAccess;
  readonly notices: NoticeSink;
  /** Redacts text before it is sent or printed (the library's redactor with the configuration's secrets). */
  readonly redact: (text: string) => string;
  /** Writes one status line of the supervisor's own (stderr). Must not throw. */
  readonly log: (line: string) => void;
  /**
   * Also print a one-line summary of each notice with {@link SupervisorOptions.log} (default
   * true). Off when the notices themselves print on the same stream (no destination configured).
   */
  readonly echoNotices?: boolean;
  /** Default `inherit`. */
  readonly stdout?: StdoutTarget;
  /** Where the child's stderr is copied. */
  readonly stderr: NodeJS.WritableStream;
  /** Deadline for the crash notice's delivery and for the outbox hand-over, each. Default {@link HANDOVER_DEADLINE_MS}. */
  readonly handOverDeadlineMs?: number;
  /** A monotonic clock in ms; default `performance.now`. */
  readonly now?: () => number;
}

/** Runs and watches one child (and its restarts). Create, then `run()`; route signals to `signal()`. */
export class Supervisor {
  private readonly now: () => number;
  private readonly tail = new LineTail();
  private readonly interruption = new AbortController();
  private child: RunningChild | undefined;
  private stopSignal: NodeJS.Signals | undefined;
  private hupForwarded = false;
  private readonly wakers = new Set<() => void>();
  private running = false;

  constructor(private readonly o: SupervisorOptions) {
    this.now = o.now ?? (() => performance.now());
  }

  /** Aborted by a second stop signal: whoever is waiting (a hand-over, a final flush) should stop waiting. */
  get interrupted(): AbortSignal {
    return this.interruption.signal;
  }

  /** The signal that asked the supervisor to stop, if one did. */
  get stoppedBy(): NodeJS.Signals | undefined {
    return this.stopSignal;
  }

  /**
   * Runs the child until it ends for good (no restart due, a stop signal, or the restart limit)
   * and resolves with the exit code to pass on: the last child's code, or 128 + the signal's
   * number when a signal ended it. Never rejects for the child's problems.
   */
  async run(): Promise<number> {
    if (this.running) throw new Error('Supervisor.run() called twice');
    this.running = true;
    const env: NodeJS.ProcessEnv = { ...this.o.env };
    // Not ours to pass on: an outer supervisor's socket would receive this child's beats.
    delete env[SUPERVISOR_SOCKET_ENV];
    delete env[HEARTBEAT_MS_ENV];
    let server: HeartbeatServer | undefined;
    if (this.o.heartbeatMs > 0) {
      try {
        server = await startHeartbeatServer({ thresholdMs: this.o.heartbeatMs, onChange: (c) => this.onHang(c), now: this.now });
        env[SUPERVISOR_SOCKET_ENV] = server.socketPath;
        env[HEARTBEAT_MS_ENV] = String(server.intervalMs);
      } catch (err) {
        this.log(`cannot listen for heartbeats (${(err as Error).message}); hang detection is off`);
      }
    }

    let code = 0;
    try {
      while (this.stopSignal === undefined) {
        this.hupForwarded = false;
        this.tail.clear();
        const child = startChild({
          command: this.o.command,
          args: this.o.args,
          cwd: this.o.cwd,
          env,
          stdout: this.o.stdout ?? 'inherit',
          stderr: this.o.stderr,
          tail: this.tail,
          now: this.now,
        });
        this.child = child;
        const result = await child.exited;
        this.child = undefined;
        server?.reset();
        code = exitCodeOf(result);
        // systemd (KillMode=control-group) and a terminal's Ctrl-C signal the child and us at the
        // same moment; when its death is seen first, give our own signal a moment to arrive.
        if (!this.wasAskedFor(result) && diedOfStopSignal(result)) await this.sleep(STOP_SIGNAL_GRACE_MS);
        if (this.wasAskedFor(result)) break;
        const abnormal = isAbnormal(result);
        const decision = this.o.policy.decide(abnormal, this.now());
        // The backoff runs while the notice and the hand-over are on their way.
        const backoff = decision.action === 'restart' ? this.sleep(decision.delayMs) : Promise.resolve();
        if (abnormal || decision.action === 'give-up') await this.report(result, decision);
        else if (decision.action === 'restart')
          this.log(`${this.o.name} exited with code 0; restarting in ${formatDuration(decision.delayMs)} (--restart ${this.o.policy.mode})`);
        if (decision.action !== 'restart') break;
        await backoff;
      }
    } finally {
      this.wakeAll();
      await server?.close();
    }
    return code;
  }

  /**
   * Passes `signal` on to the child. SIGINT and SIGTERM also mean "stop": the exit they cause is
   * reported as nothing (no notice, no restart), a pending restart is cancelled, and a second
   * one while no child runs aborts {@link Supervisor.interrupted}. A SIGHUP that ends the child
   * is likewise expected; one while no child runs stops the supervisor.
   */
  signal(signal: NodeJS.Signals): void {
    const child = this.child?.running ? this.child : undefined;
    if (isStopSignal(signal) || (signal === 'SIGHUP' && !child)) {
      if (this.stopSignal !== undefined && !child) this.interruption.abort(new Error(`interrupted by ${signal}`));
      this.stopSignal ??= signal;
      this.wakeAll();
    } else if (signal === 'SIGHUP') {
      this.hupForwarded = true;
    }
    child?.kill(signal);
  }

  /** True when the exit is the answer to a signal we passed on. */
  private wasAskedFor(result: ChildResult): boolean {
    if (this.stopSignal !== undefined) return true;
    return this.hupForwarded && (result.signal === 'SIGHUP' || result.code === 129);
  }

  /** Crash (or final) notice, then the outbox hand-over. */
  private async report(result: ChildResult, decision: RestartDecision): Promise<void> {
    const { policy } = this.o;
    const next: NextStep =
      decision.action === 'restart'
        ? { kind: 'restart', delayMs: decision.delayMs, attempt: decision.attempt, max: policy.maxRestarts, windowMs: policy.windowMs }
        : decision.action === 'give-up'
          ? { kind: 'give-up', restarts: decision.restarts, max: policy.maxRestarts, windowMs: policy.windowMs }
          : { kind: 'exit', reason: `--restart ${policy.mode}` };
    const path = this.o.outboxPath;
    const undelivered = path === undefined ? undefined : await this.o.outbox.countUndelivered(path).catch(() => undefined);
    const shown = this.o.outboxShown ?? path;
    const text = crashNotice({
      name: this.o.name,
      exit: result,
      pid: result.pid,
      uptimeMs: result.uptimeMs,
      next,
      stderr: this.tail.lines(),
      ...(path === undefined ? {} : { undelivered, outbox: shown }),
    });
    const safe = this.o.redact(text);
    this.send(safe);
    const [first = '', second = ''] = safe.split('\n');
    this.echo(`${first.replace(/^\S+ /, '')}${second ? ` · ${second}` : ''}`);

    if (path === undefined || undelivered === 0) return;
    // The crash notice first: the replayed notifications read as what the bot said before it died.
    await this.until(this.o.notices.flush(this.deadline()));
    if (this.interrupted.aborted) return;
    const what = undelivered === undefined ? 'the notifications' : `${undelivered} notification${undelivered === 1 ? '' : 's'}`;
    this.log(`delivering ${what} ${this.o.name} left in ${shown}`);
    const outcome = await this.until(this.o.outbox.deliver(path, this.deadline()));
    if (outcome === undefined) {
      this.log(`interrupted; what is left stays in ${shown} for the next start`);
    } else if (outcome.error !== undefined) {
      this.log(this.o.redact(`could not open ${shown}: ${outcome.error}; what it holds stays there for the next start`));
    } else if (outcome.remaining) {
      this.log(
        `${outcome.remaining} notification${outcome.remaining === 1 ? '' : 's'} could not be delivered within ${formatDuration(this.deadline())}; ${outcome.remaining === 1 ? 'it stays' : 'they stay'} in ${shown} for the next start`,
      );
    }
  }

  private onHang(change: HangChange): void {
    if (change.kind === 'gone') return;
    const text = change.kind === 'unresponsive' ? unresponsiveNotice(this.o.name, this.o.heartbeatMs) : responsiveNotice(this.o.name, change.silentMs);
    const safe = this.o.redact(text);
    this.send(safe);
    this.echo(safe.replace(/^\S+ /, ''));
  }

  private echo(line: string): void {
    if (this.o.echoNotices !== false) this.log(line);
  }

  private send(text: string): void {
    try {
      this.o.notices.send(text);
    } catch (err) {
      this.log(this.o.redact(`could not queue a notice: ${(err as Error)?.message ?? String(err)}`));
    }
  }

  private log(line: string): void {
    try {
      this.o.log(line);
    } catch {
      // Status lines are a courtesy.
    }
  }

  private deadline(): number {
    return this.o.handOverDeadlineMs ?? HANDOVER_DEADLINE_MS;
  }

  /** Waits `ms`, or less when a stop signal arrives. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopSignal !== undefined) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  /** Ends every pending {@link Supervisor.sleep}. */
  private wakeAll(): void {
    for (const wake of [...this.wakers]) wake();
  }

  /** `promise`, or undefined as soon as {@link Supervisor.interrupted} aborts. */
  private until<T>(promise: Promise<T>): Promise<T | undefined> {
    const signal = this.interrupted;
    if (signal.aborted) return Promise.resolve(undefined);
    return new Promise<T | undefined>((resolve) => {
      const onAbort = (): void => resolve(undefined);
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve(undefined);
        },
      );
    });
  }
}
