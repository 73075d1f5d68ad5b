/**
 * Part 3 (child process): peak RSS while `--calls` log() calls are made in one tight loop to
 * one destination (distinct texts), then what became of every one of them, from Herald's own
 * events. The parent hosts the fake platform server (so its memory is not counted here) and
 * cross-checks the events against what arrived.
 *
 * RSS is sampled every 4,096 calls inside the loop (a tight loop never lets a timer run), then
 * every 5 ms while waiting for delivery, and once more at the end.
 *
 *   node --import tsx bench/memory.ts --calls 1000000 --wait-ms 60000 --env '<json>'
 */
import { createNotifier } from '../src/index.js';
import { formatBytes } from '../src/delivery/lane.js';
import { DEFAULT_DELIVERY } from '../src/delivery/options.js';
import { argValue, phase, reply } from './child.js';
import { textMaker } from './texts.js';

export interface MemoryResult {
  calls: number;
  destination: string;
  maxQueueBytes: string;
  baselineRssMB: number;
  peakRssMB: number;
  /** When the peak was seen: in the loop or while draining. */
  peakDuring: 'loop' | 'drain';
  rssAfterLoopMB: number;
  finalRssMB: number;
  heapUsedAfterLoopMB: number;
  loopMs: number;
  nsPerCall: number;
  waitMs: number;
  flushComplete: boolean;
  /** Our notifications delivered (inside coalesced messages). */
  delivered: number;
  /** Platform requests that carried them. */
  deliveredBatches: number;
  /** Summarized as dropped (the `dropped` events' counts). */
  dropped: number;
  droppedEvents: number;
  /** Drop notices Herald itself delivered ("Herald dropped N older notifications…"). */
  dropNoticesDelivered: number;
  /** Suppressed as storm repeats (0 here: every text differs). */
  suppressed: number;
  /** Still queued at the wait deadline; close() then reports them as failed (cause 'closed'). */
  pendingAtDeadline: number;
  failedClosed: number;
  failedOther: number;
  /** delivered + dropped + suppressed + failed: must equal calls. */
  accountedFor: number;
  rateLimitedRetries: number;
  warnings: string[];
}

const MB = 1024 * 1024;
const rss = () => process.memoryUsage.rss();

async function main(): Promise<void> {
  const calls = Number(argValue('calls') ?? 1_000_000);
  const waitMs = Number(argValue('wait-ms') ?? 60_000);
  const env = JSON.parse(argValue('env') ?? '{}') as Record<string, string>;
  const text = textMaker();
  const warnings: string[] = [];

  const n = createNotifier({ env, drainOnExit: false, diagnostics: (l) => void warnings.push(l.trimEnd()) });
  let delivered = 0;
  let deliveredBatches = 0;
  let notices = 0;
  let dropped = 0;
  let droppedEvents = 0;
  let failedClosed = 0;
  let failedOther = 0;
  let rateLimitedRetries = 0;
  // Our notifications are seqs 1..calls: the loop is synchronous, so Herald's own notices get later seqs.
  n.on('delivered', (e) => {
    deliveredBatches++;
    for (const s of e.seqs) {
      if (s <= calls) delivered++;
      else notices++;
    }
  });
  n.on('dropped', (e) => {
    dropped += e.count;
    droppedEvents++;
  });
  n.on('failed', (e) => {
    for (const s of e.seqs) {
      if (s > calls) continue;
      if (e.cause === 'closed') failedClosed++;
      else failedOther++;
    }
  });
  n.on('retrying', (e) => void (e.rateLimited && rateLimitedRetries++));

  const baseline = rss();
  let peak = baseline;
  let peakDuring: 'loop' | 'drain' = 'loop';
  const t0 = process.hrtime.bigint();
  for (let i = 1; i <= calls; i++) {
    n.log(text(i));
    if ((i & 4095) === 0) {
      const r = rss();
      if (r > peak) peak = r;
    }
  }
  const loopMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const afterLoop = rss();
  if (afterLoop > peak) peak = afterLoop;
  const heapUsedAfterLoop = process.memoryUsage().heapUsed;
  phase('loop-done');

  const sampler = setInterval(() => {
    const r = rss();
    if (r > peak) {
      peak = r;
      peakDuring = 'drain';
    }
  }, 5);
  const report = await n.flush(waitMs);
  const st = n.stats();
  const suppressed = st.destinations.reduce((s, d) => s + d.suppressed, 0);
  const pendingAtDeadline = calls - delivered - dropped - suppressed - failedClosed - failedOther;
  await n.close(1);
  clearInterval(sampler);
  const final = rss();
  if (final > peak) peak = final;

  const result: MemoryResult = {
    calls,
    destination: st.destinations.map((d) => d.destination).join(', '),
    maxQueueBytes: `${formatBytes(DEFAULT_DELIVERY.maxQueueBytes)} per destination (the default)`,
    baselineRssMB: baseline / MB,
    peakRssMB: peak / MB,
    peakDuring,
    rssAfterLoopMB: afterLoop / MB,
    finalRssMB: final / MB,
    heapUsedAfterLoopMB: heapUsedAfterLoop / MB,
    loopMs,
    nsPerCall: (loopMs * 1e6) / calls,
    waitMs,
    flushComplete: report.complete,
    delivered,
    deliveredBatches,
    dropped,
    droppedEvents,
    dropNoticesDelivered: notices,
    suppressed,
    pendingAtDeadline,
    failedClosed,
    failedOther,
    accountedFor: delivered + dropped + suppressed + failedClosed + failedOther,
    rateLimitedRetries,
    warnings: warnings.slice(0, 5),
  };
  reply(result);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
