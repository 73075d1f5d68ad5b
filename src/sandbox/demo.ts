/**
 * `herald sandbox --demo`: one sample of every host event kind, sent through the real library
 * (heraldPlugin on a tiny host, environment pointing at a sandbox), so a user sees every
 * notification Herald sends without writing or running a bot.
 */
import { EventEmitter } from 'eventemitter3';
import type { Env } from '../config/env.js';
import { heraldPlugin, type HeraldStrategy } from '../plugin/plugin.js';
import type { EventKind, Payload } from '../plugin/templates.js';

const ctx = { exchange: 'binance', strategy: 'ema-cross', symbol: 'BTC-USDT', mode: 'paper' } as const;

/** The sample payload of each event kind (shaped like the example host's events). */
export const DEMO_SAMPLES: Readonly<Record<EventKind, Payload>> = {
  'session.started': { mode: 'paper', exchange: 'binance', strategy: 'ema-cross', symbols: ['BTC-USDT'] },
  'order.submitted': { ...ctx, id: 'demo-1', side: 'buy', type: 'limit', qty: 0.5, price: 64_200 },
  'order.filled': { ...ctx, id: 'demo-1', side: 'buy', type: 'limit', qty: 0.5, filledQty: 0.5, avgPrice: 64_210.5 },
  'position.opened': { ...ctx, side: 'long', qty: 0.5, entryPrice: 64_210.5 },
  'position.increased': { ...ctx, side: 'long', qty: 0.8, entryPrice: 64_105.25 },
  'order.cancelled': { ...ctx, id: 'demo-3', side: 'sell', type: 'limit', qty: 0.8, price: 66_000, filledQty: 0.3, reason: 'expired' },
  'position.reduced': { ...ctx, side: 'long', qty: 0.5, entryPrice: 64_105.25 },
  'exchange.reconnected': { exchange: 'binance', downtimeMs: 4_200 },
  error: {
    strategy: 'ema-cross',
    symbol: 'BTC-USDT',
    fatal: false,
    error: 'Order rejected by binance: notional 9.80 < minimum 10 USDT (order demo-4 skipped)',
  },
  custom: { name: 'daily-summary', message: '3 trades today · realised +182.40 USDT · sent silently', silent: true },
  'position.closed': { ...ctx, side: 'long', qty: 0.5, entryPrice: 64_105.25, exitPrice: 65_120, pnl: 507.38, pnlPct: 1.58 },
  'session.terminated': { mode: 'paper', exchange: 'binance', strategy: 'ema-cross', reason: 'demo finished' },
};

/** The buy order fills in three parts before its `order.filled` sample completes it: one message, edited, then an alert. */
export const DEMO_PARTIAL_FILLS: readonly Payload[] = [
  { ...ctx, id: 'demo-1', side: 'buy', type: 'limit', qty: 0.5, filledQty: 0.2, avgPrice: 64_200 },
  { ...ctx, id: 'demo-1', side: 'buy', type: 'limit', qty: 0.5, filledQty: 0.35, avgPrice: 64_204.3 },
];

/** Hourly equity over the two days before the demo: a curve for the report's chart. */
export function demoSnapshot(now: number): Payload {
  const hour = 3_600_000;
  const start = now - 48 * hour;
  // A drift up with a dip in the middle: deterministic, so every run draws the same chart.
  const equity = Array.from({ length: 49 }, (_, i) => ({
    t: start + i * hour,
    value: Math.round((10_000 + i * 14 + 180 * Math.sin(i / 5) - (i > 20 && i < 30 ? 260 : 0)) * 100) / 100,
  }));
  return {
    positions: [{ symbol: 'BTC-USDT', side: 'long', qty: 0.5, entryPrice: 64_105.25, markPrice: 65_120, exchange: 'binance', strategy: 'ema-cross' }],
    balances: [{ asset: 'USDT', total: 10_507.38 }],
    equity,
    realisedPnl: 507.38,
  };
}

/** The order the demo emits them in: a plausible session, start to end. */
export const DEMO_ORDER: readonly EventKind[] = [
  'session.started',
  'order.submitted',
  'order.filled',
  'position.opened',
  'position.increased',
  'order.cancelled',
  'position.reduced',
  'exchange.reconnected',
  'error',
  'custom',
  'position.closed',
  'session.terminated',
];

/** The strategy log line the demo sends to `EXAMPLE_ALERTS_WEBHOOK` (a named log target). */
export const DEMO_ALERT = '⚡ Volatility alert: BTC-USDT 1h range is 3.8× its 20-candle average';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Stops waiting for delivery (what is still queued is given up after a short drain). */
  signal?: AbortSignal;
  /** Herald's own report lines (failures, disabled destinations). */
  report?: (line: string) => void;
  /**
   * Keep the demo's bot answering `/status`, `/report`, `/mute` and `/unmute` (sent from the inbox
   * page) after the demo, until `signal` aborts; `onDone` hears the result when the demo's
   * notifications are delivered. Needs `signal`.
   */
  keepAnswering?: boolean;
  onDone?: (result: DemoResult) => void;
  /** How long to wait for delivery, in all (ms). Default 60 000. */
  deadlineMs?: number;
  /**
   * Default true: emit the next event only once the previous one is delivered everywhere, so
   * each shows as its own message (about 10 s under the platforms' limits). False emits them
   * all at once, and Herald merges what queues up for a destination into fewer messages.
   */
  paced?: boolean;
}

/** What {@link runDemo} did. */
export interface DemoResult {
  /** Notifications emitted (one per event kind, plus the alert). */
  notifications: number;
  /** Deliveries (one notification to one destination counts once). */
  delivered: number;
  failed: number;
  /** True when nothing was left undelivered. */
  complete: boolean;
}

/** Emits every event kind once (order.submitted enabled) plus one log to a named target, and waits for delivery. */
export async function runDemo(env: Env, options: DemoOptions = {}): Promise<DemoResult> {
  const answering = options.keepAnswering === true && options.signal !== undefined;
  const plugin = heraldPlugin({
    env,
    drainOnExit: false,
    drainOnTerminate: false,
    events: { 'order.submitted': true },
    diagnostics: (line) => options.report?.(line),
    // One message per order, edited as it fills; a report with a chart when the session ends.
    liveMessages: true,
    report: { every: '1d' },
    commands: answering,
  });
  let delivered = 0;
  let failed = 0;
  plugin.notifier.on('delivered', (e) => (delivered += e.seqs.length));
  plugin.notifier.on('failed', (e) => (failed += e.seqs.length));

  const signal = options.signal;
  const deadline = Date.now() + (options.deadlineMs ?? 60_000);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
    if (signal?.aborted) resolve();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  /** Waits until everything queued is delivered (or the deadline, or Ctrl-C). */
  const settle = async (): Promise<void> => {
    if (signal?.aborted) return;
    await Promise.race([plugin.notifier.flush(Math.max(0, deadline - Date.now())), aborted]);
  };

  const events = new EventEmitter();
  const handle = plugin.install({ events });
  const strategy: { name: string; log?: HeraldStrategy['log'] } = { name: 'ema-cross' };
  events.emit('strategy.created', strategy);
  let notifications = 0;
  const paced = options.paced !== false;
  for (const kind of DEMO_ORDER) {
    if (signal?.aborted) break;
    if (kind === 'order.filled') {
      for (const partial of DEMO_PARTIAL_FILLS) {
        events.emit(kind, partial);
        notifications++;
        if (paced) await settle();
      }
    }
    if (kind === 'session.terminated') {
      // The account as the session ends: the report lists it and draws its equity curve.
      events.emit('report.snapshot', demoSnapshot(Date.now()));
      notifications++; // the report
    }
    events.emit(kind, DEMO_SAMPLES[kind]);
    notifications++;
    if (kind === 'position.opened' && strategy.log) {
      strategy.log(DEMO_ALERT, 'EXAMPLE_ALERTS_WEBHOOK');
      notifications++;
    }
    // One at a time, as in a real session: Herald would otherwise (rightly) merge a burst into fewer messages.
    if (paced) await settle();
  }
  // flush() also waits for the session-end report to be built (snapshot, chart) and queued.
  await settle();
  const result = { notifications, delivered, failed, complete: true };
  if (answering && !signal!.aborted) {
    options.onDone?.({ ...result, delivered, failed, complete: plugin.notifier.backlog() === 0 });
    await aborted;
  }
  if (onAbort) signal?.removeEventListener('abort', onAbort);
  const report = await handle.close(signal?.aborted ? 500 : 2_000);
  return { notifications, delivered, failed, complete: report.complete };
}
