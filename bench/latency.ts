/**
 * Part 4 (child process): the time from `log()` to the request reaching the server when nothing
 * is queued, side by side with a bare `fetch` of the same request (same URL, same JSON bytes) to
 * the same server. The parent hosts the server (bench/arrival-server.ts) in its own process.
 *
 * Method: samples alternate Herald and bare fetch; each starts with nothing queued or in flight
 * (Herald: after its `delivered` event; fetch: after the answer's body) and a `--gap-ms` pause,
 * so every sample runs the way a notification after a quiet spell does. Herald uses the default
 * rate-limit store, consulted for every send as always, but its waits are skipped: the platforms'
 * pacing is the burst part's subject, not this one's. The first `--warmup` samples of each are
 * dropped (connection set-up, lazy initialisation).
 *
 *   node --import tsx bench/latency.ts --url http://127.0.0.1:PORT --samples 300 --gap-ms 10
 */
import { LocalRateLimits } from '../src/delivery/rate-limits.js';
import type { RateLimits } from '../src/delivery/rate-limits.js';
import { createNotifier } from '../src/index.js';
import { argValue, reply } from './child.js';

/** One sample: which side, its notification id, and when it started (hrtime ns, as a string). */
export interface LatencySample {
  readonly who: 'herald' | 'fetch';
  readonly id: number;
  readonly startNs: string;
}

/** What the child reports; the parent pairs it with the server's arrivals. */
export interface LatencyChildResult {
  readonly samples: readonly LatencySample[];
  readonly warmup: number;
  readonly gapMs: number;
}

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0';
const CHAT = '-1001234567890';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The default store, asked as always, with its waits skipped. */
function consultedButNotWaited(): RateLimits {
  const real = new LocalRateLimits();
  return {
    reserve: (buckets, now) => (real.reserve(buckets, now), 0),
    observe: (o, now) => real.observe(o, now),
    block: (keys, until) => real.block(keys, until),
    settle: (buckets, sentAt, answeredAt) => real.settle?.(buckets, sentAt, answeredAt),
  };
}

async function main(): Promise<void> {
  const url = argValue('url')!;
  const count = Number(argValue('samples') ?? 300);
  const gapMs = Number(argValue('gap-ms') ?? 10);
  const warmup = Number(argValue('warmup') ?? 20);
  const n = createNotifier({
    env: { TELEGRAM_API_BASE_URL: url, GENERAL_TELEGRAM_BOT_TOKEN: TOKEN, GENERAL_TELEGRAM_BOT_CHAT_ID: CHAT },
    drainOnExit: false,
    outbox: false,
    limits: consultedButNotWaited(),
    diagnostics: (l) => void process.stderr.write(l),
  });
  let delivered: (() => void) | undefined;
  n.on('delivered', () => delivered?.());
  n.on('failed', (e) => {
    throw new Error(`latency bench: Herald failed to deliver: ${e.reason}`);
  });
  const sendUrl = `${url}/bot${TOKEN}/sendMessage`;
  // The bytes Herald's Telegram driver sends for a plain line: the same request on both sides.
  const body = (text: string): string => JSON.stringify({ chat_id: CHAT, text, link_preview_options: { is_disabled: true }, parse_mode: 'HTML' });
  const samples: LatencySample[] = [];
  let id = 0;
  for (let i = 0; i < count; i++) {
    for (const who of i % 2 === 0 ? (['herald', 'fetch'] as const) : (['fetch', 'herald'] as const)) {
      const text = `FILLED BUY 0.01 BTC-USDT @ 64,210.50 · binance · ema-cross #${++id}`;
      await sleep(gapMs);
      if (who === 'herald') {
        const done = new Promise<void>((r) => (delivered = r));
        const start = process.hrtime.bigint();
        n.log(text);
        samples.push({ who, id, startNs: start.toString() });
        await done;
      } else {
        const payload = body(text);
        const start = process.hrtime.bigint();
        const res = await fetch(sendUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload });
        samples.push({ who, id, startNs: start.toString() });
        await res.text();
      }
    }
  }
  await n.close(1000);
  const result: LatencyChildResult = { samples, warmup, gapMs };
  reply(result);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
