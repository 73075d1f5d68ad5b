/**
 * Part 2 (child process): nanoseconds per `log()` while delivery is throttled. The parent
 * hosts the fake platform server and passes the notifier environments.
 *
 * Method: a warm-up burst fills the destination's queue and exhausts its rate limit (the lane
 * is then waiting for its next slot); then `--calls` log() calls are made in chunks of 1,000,
 * yielding to the event loop between chunks so the throttled sender really runs alongside.
 * Each call is timed on its own with process.hrtime.bigint() (the timer's own cost, measured
 * separately, is included in the numbers). Texts are built before the timed call.
 *
 *   node --import tsx bench/hot-path.ts --calls 100000 --env '<json>' [--env3 '<json>'] [--env-over '<json>'] [--outbox-dir DIR]
 */
import { join } from 'node:path';
import { createNotifier, type Notifier } from '../src/index.js';
import { argValue, reply } from './child.js';
import { textMaker } from './texts.js';

const CHUNK = 1000;
const hr = process.hrtime.bigint;
const immediate = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface HotPathRun {
  label: string;
  destinations: string[];
  calls: number;
  warmupCalls: number;
  medianNs: number;
  p90Ns: number;
  p99Ns: number;
  p999Ns: number;
  maxNs: number;
  meanNs: number;
  /** Wall time of the measured phase, yields included. */
  wallMs: number;
  dropped: number;
  retries: number;
  /** Notifications delivered while measuring (coalesced). */
  deliveredDuringRun: number;
  /** Notifications still queued when the measurement ended: proof the sender was throttled. */
  backlogAtEnd: number;
  requestsDuringRun: number;
}

export interface HotPathResult {
  method: string;
  timerOverheadNs: number;
  runs: HotPathRun[];
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * `maxQueueBytes` undefined: Herald's default budget (the over-budget run, where every call
 * drops the oldest notification); otherwise a budget far above what is queued, so nothing is
 * dropped (drops are counted either way).
 */
async function measure(
  label: string,
  env: Record<string, string>,
  calls: number,
  warmupCalls: number,
  firstId: number,
  maxQueueBytes?: number,
): Promise<HotPathRun> {
  const reports: string[] = [];
  const n: Notifier = createNotifier({
    env,
    drainOnExit: false,
    diagnostics: (l) => void reports.push(l),
    ...(maxQueueBytes ? { delivery: { maxQueueBytes } } : {}),
  });
  let dropped = 0;
  let retries = 0;
  let delivered = 0;
  n.on('dropped', (e) => void (dropped += e.count));
  n.on('retrying', () => void retries++);
  n.on('delivered', (e) => void (delivered += e.seqs.length));
  const text = textMaker();
  let id = firstId;

  for (let done = 0; done < warmupCalls; done += CHUNK) {
    for (let j = 0; j < CHUNK; j++) n.log(text(++id));
    await immediate();
  }
  // Let the first sends go out: the lane is now waiting for a rate-limit slot.
  await sleep(300);
  const deliveredBefore = delivered;
  const droppedBefore = dropped;
  const requestsBefore = n.stats().destinations.reduce((s, d) => s + d.requests, 0);

  const samples = new Float64Array(calls);
  const texts: string[] = new Array<string>(CHUNK);
  const w0 = hr();
  for (let done = 0; done < calls; done += CHUNK) {
    const m = Math.min(CHUNK, calls - done);
    for (let j = 0; j < m; j++) texts[j] = text(++id);
    for (let j = 0; j < m; j++) {
      const a = hr();
      n.log(texts[j]);
      samples[done + j] = Number(hr() - a);
    }
    await immediate();
  }
  const wallMs = Number(hr() - w0) / 1e6;
  const stats = n.stats();
  const requestsDuringRun = stats.destinations.reduce((s, d) => s + d.requests, 0) - requestsBefore;
  const result = {
    label,
    destinations: stats.destinations.map((d) => d.destination),
    calls,
    warmupCalls,
    ...summarize(samples),
    wallMs,
    dropped: dropped - droppedBefore,
    retries,
    deliveredDuringRun: delivered - deliveredBefore,
    backlogAtEnd: stats.backlog,
    requestsDuringRun,
  };
  await n.close(50);
  return result;
}

function summarize(samples: Float64Array) {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const s of samples) sum += s;
  return {
    medianNs: quantile(sorted, 0.5),
    p90Ns: quantile(sorted, 0.9),
    p99Ns: quantile(sorted, 0.99),
    p999Ns: quantile(sorted, 0.999),
    maxNs: sorted[sorted.length - 1]!,
    meanNs: sum / samples.length,
  };
}

function timerOverhead(): number {
  const s = new Float64Array(100_000);
  for (let i = 0; i < s.length; i++) {
    const a = hr();
    s[i] = Number(hr() - a);
  }
  return quantile(s.sort(), 0.5);
}

async function main(): Promise<void> {
  const calls = Number(argValue('calls') ?? 100_000);
  const env = JSON.parse(argValue('env') ?? '{}') as Record<string, string>;
  const env3 = argValue('env3');
  const warmup = Math.max(CHUNK, Math.round(calls / 5));
  const envOver = argValue('env-over');
  const big = 1024 * 1024 * 1024;
  const runs = [await measure('1 destination', env, calls, warmup, 0, big)];
  if (env3) runs.push(await measure('3 destinations', JSON.parse(env3) as Record<string, string>, calls, warmup, 10_000_000, big));
  // Enough warm-up to fill the default 8 MiB budget (~280 bytes per queued notification).
  if (envOver)
    runs.push(
      await measure(
        '1 destination, queue full (default 8 MiB budget): every call drops the oldest',
        JSON.parse(envOver) as Record<string, string>,
        calls,
        Math.max(warmup, 40_000),
        20_000_000,
      ),
    );
  // The durable outbox, side by side with the runs above (outbox off): every log() appends its
  // record to the file before it returns; `always` also forces it to the device each time.
  const outboxDir = argValue('outbox-dir');
  if (outboxDir) {
    const withOutbox = (fsync: string) => ({ ...env, HERALD_OUTBOX: join(outboxDir, fsync), HERALD_OUTBOX_FSYNC: fsync });
    runs.push(await measure('1 destination, outbox, fsync batch (the default)', withOutbox('batch'), calls, warmup, 30_000_000, big));
    runs.push(await measure('1 destination, outbox, fsync off', withOutbox('off'), calls, warmup, 40_000_000, big));
    // An fdatasync per call (~0.2 ms on this disk): fewer calls, or this run alone would take minutes.
    const few = Math.min(calls, 5_000);
    runs.push(
      await measure(
        `1 destination, outbox, fsync always (${few.toLocaleString('en-US')} calls)`,
        withOutbox('always'),
        few,
        Math.min(warmup, 1_000),
        50_000_000,
        big,
      ),
    );
  }
  const result: HotPathResult = {
    method: `each log() timed on its own with process.hrtime.bigint() (timer cost included); ${CHUNK}-call chunks with an event-loop turn between them; texts built before the timed call`,
    timerOverheadNs: timerOverhead(),
    runs,
  };
  reply(result);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
