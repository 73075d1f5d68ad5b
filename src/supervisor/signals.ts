/**
 * Signals `herald run` passes on to its child. While the supervisor runs it owns these signals:
 * listeners installed before it (the CLI's own Ctrl-C handling, which would exit on a second
 * Ctrl-C and leave the child behind) are set aside and put back afterwards.
 */

/** The signals forwarded to the child. */
export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** A forwarded signal. */
export type ForwardedSignal = (typeof FORWARDED_SIGNALS)[number];

/** SIGINT and SIGTERM ask the supervisor to stop: no restart, no crash notice for the exit they cause. */
export function isStopSignal(signal: NodeJS.Signals): boolean {
  return signal === 'SIGINT' || signal === 'SIGTERM';
}

/**
 * Routes `signals` to `handler` only, until the returned function is called; listeners present
 * before are removed meanwhile and restored (in order) afterwards. SIGHUP is left alone on
 * Windows, where Node cannot listen for it reliably.
 */
export function takeOverSignals(handler: (signal: NodeJS.Signals) => void, signals: readonly NodeJS.Signals[] = FORWARDED_SIGNALS): () => void {
  const list = process.platform === 'win32' ? signals.filter((s) => s !== 'SIGHUP') : [...signals];
  const saved = new Map<NodeJS.Signals, NodeJS.SignalsListener[]>();
  for (const signal of list) {
    saved.set(signal, [...process.listeners(signal)] as NodeJS.SignalsListener[]);
    process.removeAllListeners(signal);
    process.on(signal, handler);
  }
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    for (const signal of list) {
      process.off(signal, handler);
      for (const l of saved.get(signal) ?? []) process.on(signal, l);
    }
  };
}
