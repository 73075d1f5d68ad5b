/**
 * Draining on process exit, the pino way: the hot path only enqueues, and on `beforeExit`,
 * SIGINT and SIGTERM every live notifier gets a deadline to deliver what it holds.
 * One set of process listeners serves all notifiers.
 */

/** What the exit hook needs from a notifier. */
export interface Drainable {
  /** Notifications not yet delivered or failed. */
  backlog(): number;
  /** Delivers within the deadline, then releases resources and reports what was left. */
  close(deadlineMs: number): Promise<unknown>;
  /** Delivers within the deadline, staying usable (the host handles the signal and may log more). */
  flush(deadlineMs: number): Promise<unknown>;
  readonly exitDeadlineMs: number;
}

const live = new Set<Drainable>();
let installed = false;
let draining: Promise<void> | undefined;

function drainAll(close = true): Promise<void> {
  draining ??= Promise.all([...live].map((n) => (close ? n.close(n.exitDeadlineMs) : n.flush(n.exitDeadlineMs)))).then(
    () => {
      draining = undefined;
    },
    () => {
      draining = undefined;
    },
  );
  return draining;
}

function onBeforeExit(): void {
  // beforeExit fires again after our async work; act only while something is still pending.
  if ([...live].some((n) => n.backlog() > 0)) void drainAll();
}

function onSignal(signal: NodeJS.Signals): void {
  // Decide now: closing the notifiers below removes this very listener.
  const alone = process.listenerCount(signal) === 1;
  // With its own handler the host is still shutting down (cancelling orders, logging): keep the notifiers open.
  void drainAll(alone).then(() => {
    // With other listeners the host owns the exit; alone, restore the default and re-raise.
    if (alone) {
      if (installed) uninstall();
      process.kill(process.pid, signal);
    }
  });
}

function uninstall(): void {
  process.off('beforeExit', onBeforeExit);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  installed = false;
}

/** Registers a notifier for draining at exit. Returns the function that unregisters it. */
export function drainOnExit(n: Drainable): () => void {
  live.add(n);
  if (!installed) {
    installed = true;
    process.on('beforeExit', onBeforeExit);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  return () => {
    live.delete(n);
    if (live.size === 0 && installed) uninstall();
  };
}
