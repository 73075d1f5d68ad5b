/**
 * The fault matrix: one row per way the network or a platform fails, each against the local fake
 * platforms on 127.0.0.1 (real limits, real error shapes), with a trading loop ticking meanwhile.
 *
 * Every row logs a known set of numbered notifications (`#N` at the end of each text) from inside
 * a `setInterval` "trading loop" (a burst of 10 on the first tick, then one a tick) and checks the
 * one invariant that matters: every (notification, destination) pair is either on the fake server
 * or reported in a `failed` event — nothing lost silently, nothing delivered twice, nothing both —
 * plus what the row is about. The loop's longest gap between ticks is reported in the table (and
 * only held to a bound, 1 s, that nothing but a blocking `log()` could break). An unhandled
 * rejection anywhere fails the row.
 *
 * Time is compressed, never faked (real sockets, real timers):
 * - Backoff: production retries after 1 s doubling to 60 s and gives up after 15 min; the rows use
 *   20 ms doubling to 200 ms and give up after 10 s, so a row takes seconds, not minutes.
 * - 429s: Herald must wait exactly what the platform says, so the storm row uses retry_after of
 *   0.5–2 s (each wait is still asserted from the `retrying` events), and a 60 s retry_after is
 *   shown being waited on, not waited out: the notifier is closed after 1.5 s and what it held is
 *   reported.
 * - The one-minute outage is the production schedule divided by 100: backoff 10 ms doubling to
 *   600 ms (1 s → 60 s), give-up 9 s (15 min). Production retries at 0, 1, 3, 7, 15, 31 and 63 s,
 *   so a minute of outage is the first 7 attempts failing; the fake's fault counts make exactly
 *   those 7 fail and the 8th succeed, which is the same sequence of answers in ~1.2 s.
 *
 * DNS: a real resolution failure needs a resolver, i.e. the network, and the no-internet guard
 * (test/setup/no-internet.ts) refuses any host but loopback before a lookup happens (a `.invalid`
 * host never reaches DNS: the guard throws ERR_TEST_NO_INTERNET, not ENOTFOUND). So the DNS row
 * points every destination at `http://localhost:PORT` — a loopback name that Herald accepts over
 * plain http and the guard lets through — and replaces `dns.lookup`, the function Node's net
 * calls under undici, for that one name: the first lookups answer EAI_AGAIN and ENOTFOUND exactly
 * as getaddrinfo does, later ones 127.0.0.1. Node's connect, undici and fetch then fail the way
 * they do on a real DNS outage, and no packet leaves the process.
 *
 * SIGKILL with the outbox runs a child process (test/fixtures/outbox-child.ts) on this file's
 * server; its trading loop is the child's, which prints its longest gap.
 */
import dns from 'node:dns';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpOptions } from '../../src/channels/http.js';
import type { Env } from '../../src/config/env.js';
import type { DeliveryOptions } from '../../src/delivery/options.js';
import { FakePlatformServer, type Fault, type Platform, type ReceivedMessage, type Via } from '../../src/sandbox/fake-platforms.js';
import { createNotifier, type FailedEvent, type FlushReport, type NotifyOptions, type RetryingEvent, type WarningEvent } from '../../src/index.js';
import { longestGap, startOutboxChild, until } from '../fixtures/outbox-run.js';
import { prng } from '../fixtures/prng.js';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0';
/** A private chat: about 1 message/s with a burst of 3, and no 20-per-minute group window to sit out. */
const CHAT = '424242424';
const GROUP = '-123456789';
const SUPERGROUP = '-1009999999999';
const WEBHOOK_ID = '1000000000000000001';
const SLACK_HOOK = 'T000/B000';
const SLACK_BOT = 'xoxb-1111111111-2222222222222-AbCdEfGhIjKlMnOpQrStUvWx';
const SLACK_GENERAL = 'C0GENERAL01';
const SLACK_ALERTS = 'C0ALERTS001';

const TICK_MS = 10;
/** The bound on the loop's longest gap: only a log() that blocks could reach it. */
const GAP_BOUND_MS = 1000;
const FAST_BACKOFF = { baseMs: 20, factor: 2, maxMs: 200, jitter: 0 };

/** A destination as both sides name it: Herald's label in events, the fake's platform/API/destination. */
interface Dest {
  readonly key: string;
  readonly label: RegExp;
  readonly platform: Platform;
  readonly via: Via;
  /** The fake's destination key, when several destinations share a platform and API. */
  readonly server?: string;
}

const TG: Dest = { key: 'telegram', label: /^Telegram bot /, platform: 'telegram', via: 'bot' };
const DC: Dest = { key: 'discord', label: /^Discord webhook /, platform: 'discord', via: 'webhook' };
const SL: Dest = { key: 'slack', label: /^Slack webhook /, platform: 'slack', via: 'webhook' };
const SB_GENERAL: Dest = {
  key: 'slack-bot #general',
  label: new RegExp(`^Slack bot .* → ${SLACK_GENERAL}$`),
  platform: 'slack',
  via: 'bot',
  server: SLACK_GENERAL,
};
const SB_ALERTS: Dest = {
  key: 'slack-bot #alerts',
  label: new RegExp(`^Slack bot .* → ${SLACK_ALERTS}$`),
  platform: 'slack',
  via: 'bot',
  server: SLACK_ALERTS,
};
const GENERAL = [TG, DC, SL];

/** Per destination: what was expected there, what arrived (with copies), what was reported failed. */
interface PerDest {
  readonly expected: Set<number>;
  readonly copies: Map<number, number>;
  readonly failed: Map<number, FailedEvent>;
}

interface RowResult {
  readonly sent: number;
  readonly delivered: number;
  readonly failed: number;
  readonly duplicates: number;
  readonly lost: number;
  /** Arrived and also reported failed. */
  readonly both: number;
  /** Arrived where it was not sent. */
  readonly misrouted: number;
  readonly gapMs: number;
  readonly per: ReadonlyMap<string, PerDest>;
  readonly retrying: readonly RetryingEvent[];
  readonly warnings: readonly WarningEvent[];
  readonly failedEvents: readonly FailedEvent[];
  readonly flush: FlushReport;
  /** Server messages per destination key, notices included. */
  readonly messages: ReadonlyMap<string, readonly ReceivedMessage[]>;
}

interface Row {
  readonly fault: string;
  readonly destinations: readonly Dest[];
  readonly env: (s: FakePlatformServer) => Env;
  /** Notifications logged; default 40. */
  readonly count?: number;
  /** Logged on the first tick, as one burst (one coalesced batch); default 10. */
  readonly firstBurst?: number;
  /** Options of notification `id` and the keys of the destinations it goes to; default: plain, to every destination. */
  readonly route?: (id: number) => { readonly options: NotifyOptions; readonly to: readonly string[] };
  readonly delivery?: Partial<DeliveryOptions>;
  readonly http?: HttpOptions;
  /** Deadline of the flush after the last log(); default 20 s. */
  readonly flushMs?: number;
  /** Injects the fault; may return a cleanup. */
  readonly setup?: (s: FakePlatformServer) => void | (() => void);
  /** What the row is about, beyond the invariant. */
  readonly check: (r: RowResult, s: FakePlatformServer) => void;
}

const text = (id: number): string => `FILLED BUY 0.${id} BTC-USDT @ 64,210.50 · binance · ema-cross #${id}`;
const idsIn = (t: string): number[] => [...t.matchAll(/#(\d+)\b/g)].map((m) => Number(m[1]));

const generalEnv = (s: FakePlatformServer, over: Env = {}): Env => ({
  TELEGRAM_API_BASE_URL: s.telegramBaseUrl,
  GENERAL_TELEGRAM_BOT_TOKEN: TOKEN,
  GENERAL_TELEGRAM_BOT_CHAT_ID: CHAT,
  GENERAL_DISCORD_WEBHOOK: s.discordWebhookUrl(WEBHOOK_ID),
  GENERAL_SLACK_WEBHOOK: s.slackWebhookUrl(),
  ...over,
});

/** Telegram's 429 with `parameters.retry_after` (seconds). */
const telegram429 = (s: number): Fault => ({
  status: 429,
  body: { ok: false, error_code: 429, description: `Too Many Requests: retry after ${s}`, parameters: { retry_after: s } },
});

let server: FakePlatformServer;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
const table: {
  fault: string;
  sent: number | string;
  delivered: number | string;
  failed: number | string;
  duplicates: number | string;
  lost: number | string;
  gap: string;
}[] = [];

beforeAll(async () => {
  server = await FakePlatformServer.start();
  process.on('unhandledRejection', onUnhandled);
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await server.close();
  const head = ['fault', 'sent', 'delivered', 'reported failed', 'duplicates', 'lost', 'longest loop gap'];
  const rows = table.map((r) => [r.fault, String(r.sent), String(r.delivered), String(r.failed), String(r.duplicates), String(r.lost), r.gap]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(['Fault matrix (sent = notification × destination pairs)', line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
});

async function runRow(row: Row): Promise<RowResult> {
  server.reset();
  const cleanup = row.setup?.(server);
  const count = row.count ?? 40;
  const keys = row.destinations.map((d) => d.key);
  const per = new Map<string, PerDest>(
    row.destinations.map((d) => [d.key, { expected: new Set<number>(), copies: new Map<number, number>(), failed: new Map<number, FailedEvent>() }]),
  );
  const retrying: RetryingEvent[] = [];
  const warnings: WarningEvent[] = [];
  const failedEvents: FailedEvent[] = [];
  const seqToId = new Map<number, number>();
  const destOf = (label: string): Dest | undefined => row.destinations.find((d) => d.label.test(label));
  let logging: number | undefined;

  const n = createNotifier({
    env: row.env(server),
    diagnostics: () => {},
    drainOnExit: false,
    delivery: { backoff: FAST_BACKOFF, giveUpAfterMs: 10_000, ...row.delivery },
    ...(row.http ? { http: row.http } : {}),
  });
  // queued fires inside log(), so the seq it carries belongs to the notification being logged.
  n.on('queued', (e) => void (logging !== undefined && seqToId.set(e.seq, logging)));
  n.on('retrying', (e) => void retrying.push(e));
  n.on('warning', (e) => void warnings.push(e));
  n.on('failed', (e) => {
    failedEvents.push(e);
    const d = destOf(e.destination);
    for (const seq of e.seqs) {
      // A destination already disabled fails a notification inside log(), without queuing it.
      if (logging !== undefined) seqToId.set(seq, logging);
      const id = seqToId.get(seq);
      if (d && id !== undefined) per.get(d.key)!.failed.set(id, e);
    }
  });

  const send = (id: number): void => {
    const r = row.route?.(id) ?? { options: {}, to: keys };
    for (const k of r.to) per.get(k)!.expected.add(id);
    logging = id;
    n.notify(text(id), r.options);
    logging = undefined;
  };

  let gapMs = 0;
  let last = performance.now();
  let next = 1;
  let loggedAll!: () => void;
  const logged = new Promise<void>((resolve) => (loggedAll = resolve));
  const loop = setInterval(() => {
    const now = performance.now();
    gapMs = Math.max(gapMs, now - last);
    last = now;
    // A burst on the first tick, then one a tick: both shapes a strategy produces.
    for (let k = next === 1 ? (row.firstBurst ?? 10) : 1; k > 0 && next <= count; k--, next++) send(next);
    if (next > count) loggedAll();
  }, TICK_MS);

  let flush: FlushReport;
  try {
    await logged;
    flush = await n.flush(row.flushMs ?? 20_000);
    await n.close(500);
  } finally {
    clearInterval(loop);
    cleanup?.();
  }

  const messages = new Map<string, ReceivedMessage[]>(row.destinations.map((d) => [d.key, []]));
  let misrouted = 0;
  for (const m of server.messages) {
    const d = row.destinations.find((x) => x.platform === m.platform && x.via === m.via && (x.server === undefined || x.server === m.destination));
    if (!d) continue;
    messages.get(d.key)!.push(m);
    const p = per.get(d.key)!;
    for (const id of idsIn(m.text)) {
      if (id < 1 || id > count) continue;
      if (!p.expected.has(id)) misrouted++;
      p.copies.set(id, (p.copies.get(id) ?? 0) + 1);
    }
  }
  let sent = 0;
  let delivered = 0;
  let failed = 0;
  let duplicates = 0;
  let lost = 0;
  let both = 0;
  for (const p of per.values()) {
    for (const id of p.expected) {
      sent++;
      const copies = p.copies.get(id) ?? 0;
      if (copies > 0) delivered++;
      if (p.failed.has(id)) failed++;
      if (copies > 1) duplicates += copies - 1;
      if (copies > 0 && p.failed.has(id)) both++;
      if (copies === 0 && !p.failed.has(id)) lost++;
    }
  }
  return { sent, delivered, failed, duplicates, lost, both, misrouted, gapMs, per, retrying, warnings, failedEvents, flush, messages };
}

/** Every notification meant for `key` arrived there (and none was reported failed). */
function allDelivered(r: RowResult, ...keys: string[]): void {
  for (const key of keys) {
    const p = r.per.get(key)!;
    expect(
      [...p.expected].filter((id) => !p.copies.has(id)),
      `${key}: not delivered`,
    ).toEqual([]);
  }
}

/**
 * Every notification meant for `key` was reported failed and never arrived; every report matches
 * `shape`, and the first one (the answer that stopped the destination) also carries `fix`.
 */
function allFailed(r: RowResult, key: string, shape: Partial<Record<keyof FailedEvent, unknown>>, fix?: RegExp): void {
  const p = r.per.get(key)!;
  expect(
    [...p.expected].filter((id) => !p.failed.has(id)),
    `${key}: not reported failed`,
  ).toEqual([]);
  expect(p.copies.size, `${key}: arrived anyway`).toBe(0);
  const reports = [...new Set(p.failed.values())];
  for (const e of reports) expect(e).toMatchObject(shape);
  if (fix) expect(reports[0]!.fix, `${key}: the first report's fix`).toMatch(fix);
}

/** Injects into `s` after every answer to each destination, so each destination draws its own seeded sequence of faults. */
function randomFaults(
  s: FakePlatformServer,
  targets: readonly { platform: Platform; destination: string; via?: Via }[],
  seed: number,
  draw: (rand: () => number) => Fault | undefined,
): () => void {
  const rands = new Map(targets.map((t, i) => [`${t.platform} ${t.destination}`, prng(seed + i * 7919)]));
  const arm = (t: { platform: Platform; destination: string; via?: Via }): void => {
    const fault = draw(rands.get(`${t.platform} ${t.destination}`)!);
    if (fault !== undefined) s.inject({ platform: t.platform, destination: t.destination, ...(t.via ? { via: t.via } : {}) }, fault, 1);
  };
  for (const t of targets) arm(t);
  // Every request to a destination produces exactly one event (message, 429 or error, faults
  // included), recorded before the answer leaves: the next request finds its fault in place.
  const listener = (e: { platform: Platform; destination: string }): void => {
    const t = targets.find((x) => x.platform === e.platform && x.destination === e.destination);
    if (t) arm(t);
  };
  s.on('event', listener);
  return () => void s.off('event', listener);
}

/** Makes `dns.lookup('localhost')` fail `failures` times (EAI_AGAIN, then ENOTFOUND), then answer 127.0.0.1. */
function failingLocalhostDns(failures: number): { restore: () => void; lookups: () => number } {
  const original = dns.lookup;
  let calls = 0;
  const patched = function (this: unknown, hostname: string, options: unknown, callback?: unknown): void {
    const cb = (typeof options === 'function' ? options : callback) as (err: NodeJS.ErrnoException | null, address?: unknown, family?: number) => void;
    const opts = (typeof options === 'object' && options !== null ? options : typeof options === 'number' ? { family: options } : {}) as { all?: boolean };
    if (hostname !== 'localhost') return void (original as (...a: unknown[]) => void).call(this, hostname, options, callback);
    calls++;
    if (calls <= failures) {
      const code = calls <= failures / 2 ? 'EAI_AGAIN' : 'ENOTFOUND';
      const err = Object.assign(new Error(`getaddrinfo ${code} ${hostname}`), {
        code,
        errno: code === 'EAI_AGAIN' ? -3001 : -3008,
        syscall: 'getaddrinfo',
        hostname,
      });
      process.nextTick(cb, err);
      return;
    }
    if (opts.all) process.nextTick(cb, null, [{ address: '127.0.0.1', family: 4 }]);
    else process.nextTick(cb, null, '127.0.0.1', 4);
  };
  (dns as { lookup: unknown }).lookup = patched;
  return { restore: () => void ((dns as { lookup: unknown }).lookup = original), lookups: () => calls };
}

const ROWS: readonly Row[] = [
  {
    fault: '429 storm: retry_after 2 s and 1 s (Telegram), 0.5 s ×3 incl. global (Discord), Retry-After 1 s ×2 (Slack)',
    destinations: GENERAL,
    env: (s) => generalEnv(s),
    setup(s) {
      s.inject({ platform: 'telegram', destination: CHAT }, telegram429(2));
      s.inject({ platform: 'telegram', destination: CHAT }, telegram429(1));
      s.inject(
        { platform: 'discord', destination: WEBHOOK_ID },
        { status: 429, body: { message: 'You are being rate limited.', retry_after: 0.5, global: false }, headers: { 'retry-after': '1' } },
        2,
      );
      s.inject(
        { platform: 'discord', destination: WEBHOOK_ID },
        {
          status: 429,
          body: { message: 'You are being rate limited.', retry_after: 0.5, global: true },
          headers: { 'retry-after': '1', 'x-ratelimit-global': 'true' },
        },
      );
      s.inject({ platform: 'slack', destination: SLACK_HOOK }, { status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } }, 2);
    },
    check(r, s) {
      allDelivered(r, 'telegram', 'discord', 'slack');
      // Each wait is exactly what the platform asked for…
      expect(
        r.retrying
          .filter((e) => e.rateLimited)
          .map((e) => e.delayMs)
          .sort((a, b) => a - b),
      ).toEqual([500, 500, 500, 1000, 1000, 1000, 2000]);
      // …and no resend came early enough to earn a 429 of its own.
      expect(s.rateLimited()).toBe(7);
    },
  },
  {
    fault: '429 with retry_after 60 s (Telegram): waited on, not hammered, reported at shutdown',
    destinations: GENERAL,
    env: (s) => generalEnv(s),
    flushMs: 1500,
    setup: (s) => s.inject({ platform: 'telegram', destination: CHAT }, telegram429(60)),
    check(r, s) {
      allDelivered(r, 'discord', 'slack');
      allFailed(r, 'telegram', { cause: 'closed' });
      expect(r.retrying.filter((e) => e.rateLimited).map((e) => e.delayMs)).toEqual([60_000]);
      // One request, then silence: the bot waits instead of earning more 429s.
      expect(s.events.filter((e) => e.platform === 'telegram')).toHaveLength(1);
    },
  },
  {
    fault: '50 % random 5xx (seeded): 500 JSON, 502 HTML, 503 text, 504 empty',
    destinations: GENERAL,
    env: (s) => generalEnv(s),
    setup: (s) =>
      randomFaults(
        s,
        [
          { platform: 'telegram', destination: CHAT },
          { platform: 'discord', destination: WEBHOOK_ID },
          { platform: 'slack', destination: SLACK_HOOK },
        ],
        0x5e5,
        (rand) => {
          if (rand() >= 0.5) return undefined;
          const answers: Fault[] = [
            { status: 500, body: { ok: false, error_code: 500, description: 'Internal Server Error' } },
            { status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' },
            { status: 503, body: 'upstream connect error or disconnect/reset before headers' },
            { status: 504 },
          ];
          return answers[Math.floor(rand() * answers.length)];
        },
      ),
    check(r) {
      allDelivered(r, 'telegram', 'discord', 'slack');
      expect(r.retrying.filter((e) => !e.rateLimited).length).toBeGreaterThan(0);
    },
  },
  {
    fault: 'connection reset mid-request (3 per destination)',
    destinations: GENERAL,
    env: (s) => generalEnv(s),
    setup(s) {
      for (const [platform, destination] of [
        ['telegram', CHAT],
        ['discord', WEBHOOK_ID],
        ['slack', SLACK_HOOK],
      ] as const)
        s.inject({ platform, destination }, 'reset', 3);
    },
    check(r) {
      allDelivered(r, 'telegram', 'discord', 'slack');
      expect(r.retrying.filter((e) => /reset|socket|closed/i.test(e.reason))).toHaveLength(9);
    },
  },
  {
    fault: 'Discord accepts and never answers; Telegram and Slack keep delivering',
    destinations: GENERAL,
    env: (s) => generalEnv(s),
    http: { requestTimeoutMs: 300 },
    delivery: { giveUpAfterMs: 1500 },
    setup: (s) => s.inject({ platform: 'discord', destination: WEBHOOK_ID }, 'hang', Infinity),
    check(r) {
      allDelivered(r, 'telegram', 'slack');
      allFailed(r, 'discord', { cause: 'gave-up', reason: expect.stringMatching(/no answer within 300 ms/) });
    },
  },
  {
    fault: 'non-JSON 200 bodies from Telegram (a proxy page, twice)',
    destinations: GENERAL,
    // A small first batch: the one the proxy page answered is retried at Telegram's pace.
    firstBurst: 3,
    env: (s) => generalEnv(s),
    setup: (s) => s.inject({ platform: 'telegram', destination: CHAT }, { status: 200, body: '<html><body>Welcome to the guest network</body></html>' }, 2),
    check(r) {
      // Not Telegram's answer, so the message most likely never reached it: retried, and everything arrives.
      allDelivered(r, 'telegram', 'discord', 'slack');
      expect(r.retrying.some((e) => /Telegram answered 200 with a body that is not its API's answer/.test(e.reason))).toBe(true);
    },
  },
  {
    fault: 'non-JSON 200 bodies from the Discord and Slack webhooks (a proxy page, twice each)',
    destinations: GENERAL,
    env: (s) => generalEnv(s),
    setup(s) {
      s.inject({ platform: 'discord', destination: WEBHOOK_ID }, { status: 200, body: '<html><body>Welcome to the guest network</body></html>' }, 2);
      s.inject({ platform: 'slack', destination: SLACK_HOOK }, { status: 200, body: '<html><body>Welcome to the guest network</body></html>' }, 2);
    },
    check(r) {
      // Not the platform's answer: retried, and everything arrives.
      allDelivered(r, 'telegram', 'discord', 'slack');
    },
  },
  {
    fault: 'DNS failure: 8 lookups answer EAI_AGAIN, then ENOTFOUND (localhost, in-process)',
    destinations: GENERAL,
    env: (s) => {
      const base = s.url.replace('127.0.0.1', 'localhost');
      return generalEnv(s, {
        TELEGRAM_API_BASE_URL: base,
        GENERAL_DISCORD_WEBHOOK: `${base}/api/webhooks/${WEBHOOK_ID}/sandbox-webhook-token`,
        GENERAL_SLACK_WEBHOOK: `${base}/services/${SLACK_HOOK}/XXXXXXXX`,
      });
    },
    setup: () => failingLocalhostDns(8).restore,
    check(r) {
      allDelivered(r, 'telegram', 'discord', 'slack');
      const reasons = r.retrying.map((e) => e.reason);
      expect(reasons.filter((x) => /DNS lookup failed \(temporary\) \(EAI_AGAIN\)/.test(x)).length).toBeGreaterThan(0);
      expect(reasons.filter((x) => /DNS lookup failed \(ENOTFOUND\)/.test(x)).length).toBeGreaterThan(0);
    },
  },
  {
    fault: '403 bot was blocked by the user (Telegram)',
    destinations: GENERAL,
    env: (s) => generalEnv(s),
    setup: (s) => s.blockChat(CHAT),
    check(r) {
      allDelivered(r, 'discord', 'slack');
      allFailed(r, 'telegram', { cause: 'disabled', reason: expect.stringMatching(/blocked by the user/) }, /unblock the bot/);
      expect(r.warnings.filter((w) => w.code === 'destination-disabled')).toHaveLength(1);
      // The other destinations were told.
      for (const key of ['discord', 'slack'])
        expect(
          r.messages.get(key)!.some((m) => /stopped sending to Telegram/.test(m.text)),
          key,
        ).toBe(true);
    },
  },
  {
    fault: '404 Unknown Webhook (Discord webhook deleted)',
    destinations: GENERAL,
    env: (s) => generalEnv(s),
    setup: (s) => s.deleteDiscordWebhook(WEBHOOK_ID),
    check(r, s) {
      allDelivered(r, 'telegram', 'slack');
      allFailed(r, 'discord', { cause: 'disabled', reason: expect.stringMatching(/Unknown Webhook/) }, /create a new webhook/);
      // Asked once, then left alone.
      expect(s.events.filter((e) => e.platform === 'discord' && e.status === 404)).toHaveLength(1);
    },
  },
  {
    fault: '400 with migrate_to_chat_id (group upgraded to a supergroup)',
    destinations: GENERAL,
    env: (s) => generalEnv(s, { GENERAL_TELEGRAM_BOT_CHAT_ID: GROUP }),
    setup: (s) => s.migrateChat(GROUP, SUPERGROUP),
    check(r) {
      allDelivered(r, 'telegram', 'discord', 'slack');
      expect(new Set(r.messages.get('telegram')!.map((m) => m.destination))).toEqual(new Set([SUPERGROUP]));
      expect(r.warnings.filter((w) => w.code === 'destination-moved').map((w) => w.fix)).toEqual([`set GENERAL_TELEGRAM_BOT_CHAT_ID=${SUPERGROUP}`]);
    },
  },
  {
    fault: "400 can't parse entities (Telegram refuses the HTML once)",
    destinations: GENERAL,
    env: (s) => generalEnv(s),
    setup: (s) =>
      s.inject(
        { platform: 'telegram', destination: CHAT },
        { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0' } },
      ),
    check(r) {
      allDelivered(r, 'telegram', 'discord', 'slack');
      expect(
        r.messages.get('telegram')!.some((m) => m.parseMode === undefined),
        'resent as plain text',
      ).toBe(true);
    },
  },
  {
    fault: 'Slack ok:false: bot internal_error ×2, ratelimited, not_in_channel; webhook 500 rollup_error, 400 invalid_payload',
    destinations: [SL, SB_GENERAL, SB_ALERTS],
    // A small first batch: the one the proxy page answered is retried at Telegram's pace.
    firstBurst: 3,
    env: (s) => ({
      GENERAL_SLACK_WEBHOOK: s.slackWebhookUrl(),
      SLACK_API_BASE_URL: s.slackApiBaseUrl,
      SLACK_BOT_TOKEN: SLACK_BOT,
      SLACK_DEFAULT_CHANNEL: SLACK_GENERAL,
      SLACK_CHANNEL_MAPPING: `ema-cross=${SLACK_ALERTS}`,
    }),
    route: (id) =>
      id % 2
        ? { options: { tags: { strategy: 'ema-cross' } }, to: ['slack', 'slack-bot #alerts'] }
        : { options: { tags: { strategy: 'rsi' } }, to: ['slack', 'slack-bot #general'] },
    setup(s) {
      s.addSlackChannel({ id: SLACK_GENERAL, name: 'general' });
      // Not a member, and no chat:write.public: Slack answers ok:false not_in_channel.
      s.addSlackChannel({ id: SLACK_ALERTS, name: 'alerts', isMember: false });
      s.setSlackScopes(SLACK_BOT, ['chat:write']);
      s.inject({ platform: 'slack', via: 'bot', destination: SLACK_GENERAL }, { status: 200, body: { ok: false, error: 'internal_error' } }, 2);
      s.inject(
        { platform: 'slack', via: 'bot', destination: SLACK_GENERAL },
        { status: 200, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': '1' } },
      );
      s.inject({ platform: 'slack', via: 'webhook', destination: SLACK_HOOK }, { status: 500, body: 'rollup_error' });
      s.inject({ platform: 'slack', via: 'webhook', destination: SLACK_HOOK }, { status: 400, body: 'invalid_payload' });
    },
    check(r) {
      allDelivered(r, 'slack-bot #general');
      allFailed(r, 'slack-bot #alerts', { cause: 'disabled', reason: expect.stringMatching(/not_in_channel/) }, /\/invite/);
      // The webhook: a refused coalesced batch is resent one by one, so at most one notification fails, and says why.
      for (const e of new Set(r.per.get('slack')!.failed.values()))
        expect(e).toMatchObject({ cause: 'rejected', reason: expect.stringMatching(/invalid_payload/) });
      expect(r.per.get('slack')!.failed.size).toBeLessThanOrEqual(1);
      expect(r.retrying.some((e) => e.rateLimited && e.reason === 'Slack ratelimited' && e.delayMs === 1000)).toBe(true);
    },
  },
  {
    fault: 'outage of a minute, then recovery (production schedule ÷ 100: 7 failed attempts each)',
    destinations: GENERAL,
    env: (s) => generalEnv(s),
    delivery: { backoff: { baseMs: 10, factor: 2, maxMs: 600, jitter: 0 }, giveUpAfterMs: 9000 },
    setup(s) {
      const outage: Fault[] = [
        { status: 503, body: { ok: false, error_code: 503, description: 'Service Unavailable' } },
        'reset',
        { status: 502, body: '<html>502</html>' },
        { status: 503 },
        'reset',
        { status: 504 },
        { status: 500, body: 'internal_error' },
      ];
      for (const [platform, destination] of [
        ['telegram', CHAT],
        ['discord', WEBHOOK_ID],
        ['slack', SLACK_HOOK],
      ] as const)
        for (const f of outage) s.inject({ platform, destination }, f);
    },
    check(r, s) {
      allDelivered(r, 'telegram', 'discord', 'slack');
      for (const [platform, destination] of [
        ['telegram', CHAT],
        ['discord', WEBHOOK_ID],
        ['slack', SLACK_HOOK],
      ] as const) {
        expect(
          s.events.filter((e) => e.platform === platform && e.destination === destination && e.kind === 'error'),
          platform,
        ).toHaveLength(7);
      }
    },
  },
];

/** Notifications the kill row's child logs: a few messages' worth per destination, so the kill lands mid-burst. */
const KILL_COUNT = 200;

/**
 * SIGKILL with the outbox: a child process logs KILL_COUNT numbered notifications to the three
 * destinations through an outbox, is killed once each destination has a message, and is started
 * again on the same outbox. Sent = delivered + reported failed across both runs; a repeat may
 * only come from the batch that was in flight. (outbox-crash.test.ts does the same with 500.)
 */
async function killWithOutboxRow(): Promise<{
  sent: number;
  delivered: number;
  failed: number;
  duplicates: number;
  lost: number;
  gapMs: number;
  inFlight: number;
}> {
  server.reset();
  const dir = mkdtempSync(join(tmpdir(), 'herald-fault-kill-'));
  try {
    const outbox = join(dir, 'outbox');
    const platforms = ['telegram', 'discord', 'slack'] as const;
    const first = startOutboxChild(server.url, 'send', outbox, KILL_COUNT);
    await until(() => platforms.every((p) => server.messagesFor(p).length >= 1));
    first.proc.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const lastBefore = new Map(platforms.map((p) => [p, server.messagesFor(p).at(-1)?.text ?? '']));
    const resumed = await startOutboxChild(server.url, 'resume', outbox, KILL_COUNT).done;
    expect(resumed.code, resumed.stderr).toBe(0);
    const failed = [...resumed.stderr.matchAll(/^herald: .*failed/gm)].length;
    let delivered = 0;
    let duplicates = 0;
    let inFlight = 0;
    for (const p of platforms) {
      const ids = server.messagesFor(p).flatMap((m) => [...m.text.matchAll(/fill #(\d+) /g)].map((x) => Number(x[1])));
      const unique = new Set(ids);
      delivered += unique.size;
      duplicates += ids.length - unique.size;
      inFlight += [...lastBefore.get(p)!.matchAll(/fill #(\d+) /g)].length;
    }
    const sent = KILL_COUNT * platforms.length;
    return {
      sent,
      delivered,
      failed,
      duplicates,
      lost: sent - delivered - failed,
      gapMs: Math.max(longestGap(killed.stdout), longestGap(resumed.stdout)),
      inFlight,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('fault matrix: nothing lost silently, nothing twice, the trading loop never waits', () => {
  for (const row of ROWS) {
    it(
      row.fault,
      async () => {
        unhandled.length = 0;
        const r = await runRow(row);
        table.push({
          fault: row.fault,
          sent: r.sent,
          delivered: r.delivered,
          failed: r.failed,
          duplicates: r.duplicates,
          lost: r.lost,
          gap: `${Math.round(r.gapMs)} ms`,
        });
        expect(r.lost, 'lost: neither delivered nor reported failed').toBe(0);
        expect(r.duplicates, 'duplicates').toBe(0);
        expect(r.both, 'arrived and also reported failed').toBe(0);
        expect(r.misrouted, 'arrived where it was not sent').toBe(0);
        expect(r.sent).toBe(r.delivered + r.failed);
        expect(unhandled, 'unhandled rejections').toEqual([]);
        expect(r.gapMs, 'the trading loop was held up').toBeLessThan(GAP_BOUND_MS);
        row.check(r, server);
      },
      40_000,
    );
  }

  it('SIGKILL with the outbox (a child killed mid-burst, started again on the same outbox)', async () => {
    const r = await killWithOutboxRow();
    table.push({
      fault: 'SIGKILL with the outbox mid-burst, then a restart',
      sent: r.sent,
      delivered: r.delivered,
      failed: r.failed,
      duplicates: r.duplicates,
      lost: r.lost,
      gap: `${Math.round(r.gapMs)} ms`,
    });
    expect(r.lost, 'lost: neither delivered nor reported failed').toBe(0);
    expect(r.failed).toBe(0);
    expect(r.sent).toBe(r.delivered);
    // At least once: only the batch each destination had in flight may arrive twice.
    expect(r.duplicates).toBeLessThanOrEqual(r.inFlight);
    expect(r.gapMs, 'the trading loop was held up').toBeLessThan(GAP_BOUND_MS);
  }, 120_000);
});
