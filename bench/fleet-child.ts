/**
 * Part 5 (child process): one process of the fleet. Herald is configured only by the environment
 * the parent gives it (no .env: it runs in a directory of its own), with or without
 * HERALD_REDIS_URL. It prints `ready`, waits for `go` on stdin, logs its share of the burst in
 * one tick (ids `--first` onwards, so every process's notifications are told apart), flushes, and
 * replies with what it saw.
 *
 *   node --import tsx bench/fleet-child.ts --first 61 --count 60 --timeout-ms 120000
 */
import { createNotifier } from '../src/index.js';
import { argValue, reply } from './child.js';
import { fillText } from './texts.js';

/** What one process reports. */
export interface FleetChildResult {
  readonly complete: boolean;
  /** Notifications this process delivered (its own and others', in fleet mode). */
  readonly delivered: number;
  readonly failed: number;
  readonly rateLimitedRetries: number;
  /** Herald's one-line reports (stderr), e.g. Redis unreachable. */
  readonly reports: readonly string[];
}

const first = Number(argValue('first') ?? 1);
const count = Number(argValue('count') ?? 60);
const timeoutMs = Number(argValue('timeout-ms') ?? 120_000);

const reports: string[] = [];
const notifier = createNotifier({ env: process.env, outbox: false, drainOnExit: false, diagnostics: (l) => void reports.push(l.trimEnd()) });
let delivered = 0;
let failed = 0;
let rateLimitedRetries = 0;
notifier.on('delivered', (e) => void (delivered += e.seqs.length));
notifier.on('failed', (e) => void (failed += e.seqs.length));
notifier.on('retrying', (e) => void (e.rateLimited && rateLimitedRetries++));

process.stdout.write('ready\n');
await new Promise<void>((resolve) => {
  let input = '';
  process.stdin.setEncoding('utf8').on('data', (d: string) => {
    input += d;
    if (input.includes('go\n')) resolve();
  });
});
for (let id = first; id < first + count; id++) notifier.log(fillText(id));
const report = await notifier.flush(timeoutMs);
const result: FleetChildResult = { complete: report.complete, delivered, failed, rateLimitedRetries, reports };
reply(result);
await notifier.close(1000);
process.stdin.destroy();
