/**
 * Part 5, the fleet: 8 processes (bench/fleet-child.ts) with one Telegram bot token each fire a
 * burst at the same Telegram group chat and the same Discord webhook, side by side: once sharing
 * limits and queues through Redis (HERALD_REDIS_URL, on a redis-server this part starts), once
 * with each process's own limits only. Each side has its own fresh fake server with the
 * platforms' real limits. Measured on the server: the last delivery after `go` against the
 * platform bound of all 8 bursts together (bound.ts: k messages at the platform's pace), 429s,
 * lost. Without redis-server the part is skipped with a one-line note.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { FakePlatformServer } from '../src/sandbox/fake-platforms.js';
import { REDIS_INSTALL, REDIS_SERVER, RedisServer } from '../test/fixtures/redis-server.js';
import { type Bound, boundFor } from './bound.js';
import { DESTINATION, DISCORD_ID, DISCORD_TOKEN, GROUP_CHAT, PLATFORM, TELEGRAM_TOKEN, VIA } from './burst.js';
import type { FleetChildResult } from './fleet-child.js';
import { int, secs, table } from './format.js';
import { fillTexts, idsIn } from './texts.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const TSX = resolve(ROOT, 'node_modules/tsx/dist/loader.mjs');
/** bench/child.ts's reply() prefix. */
const REPLY = 'BENCH_JSON ';

/** The target the fleet is held to: last delivery at most this many times the platform bound. */
export const FLEET_FACTOR = 1.3;
export const FLEET_TARGETS = ['telegram-group', 'discord'] as const;
export type FleetTarget = (typeof FLEET_TARGETS)[number];

/** One destination on one side. */
export interface FleetCell {
  readonly target: FleetTarget;
  readonly bound: Bound;
  /** Server arrival of the last notification, s after `go`; null if none arrived. */
  readonly seconds: number | null;
  readonly messages: number;
  readonly requests: number;
  readonly rateLimited: number;
  /** Distinct notifications that arrived. */
  readonly delivered: number;
  /** Notifications that never arrived (given up, or still pending at the timeout). */
  readonly lost: number;
  /** Notifications that arrived more than once. */
  readonly duplicates: number;
  /** Every answer of the server for this destination: ms after `go` and status. */
  readonly timeline: readonly { readonly ms: number; readonly status: number; readonly chars?: number }[];
}

/** One side: with Redis, or local limits only. */
export interface FleetSide {
  readonly side: 'redis' | 'local';
  readonly label: string;
  /** Every process flushed completely before the timeout. */
  readonly finished: boolean;
  /** From spawning to every process being ready (on Redis, for that side). */
  readonly startupMs: number;
  readonly cells: readonly FleetCell[];
  readonly children: readonly FleetChildResult[];
}

export type FleetResult =
  | { readonly skipped: string }
  | { readonly processes: number; readonly perProcess: number; readonly notifications: number; readonly sides: readonly FleetSide[] };

export interface FleetOptions {
  readonly processes: number;
  /** Notifications each process logs at once. */
  readonly perProcess: number;
  /** Per side, from `go`. */
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
}

/** Runs both sides, Redis first; skipped (one line) without redis-server. */
export async function runFleet(o: FleetOptions): Promise<FleetResult> {
  if (!existsSync(REDIS_SERVER)) return { skipped: `${REDIS_SERVER} is missing: ${REDIS_INSTALL}` };
  const texts = fillTexts(o.processes * o.perProcess);
  const redis = await RedisServer.start();
  try {
    const sides: FleetSide[] = [];
    for (const side of ['redis', 'local'] as const) {
      o.log(
        `fleet: ${o.processes} processes × ${o.perProcess} notifications, ${side === 'redis' ? 'limits and queues shared through Redis' : 'local limits only'}`,
      );
      sides.push(await runSide(side, redis, texts, o));
    }
    return { processes: o.processes, perProcess: o.perProcess, notifications: texts.length, sides };
  } finally {
    await redis.close();
  }
}

async function runSide(side: 'redis' | 'local', redis: RedisServer, texts: readonly string[], o: FleetOptions): Promise<FleetSide> {
  const server = await FakePlatformServer.start();
  // A directory of their own: no .env of the repository is read by the children.
  const cwd = mkdtempSync(join(tmpdir(), 'herald-bench-fleet-'));
  const client = side === 'redis' ? new Redis(redis.url) : undefined;
  const children: { proc: ChildProcess; out: string; ready: Promise<void>; done: Promise<void> }[] = [];
  try {
    await client?.flushall();
    const env = {
      PATH: process.env.PATH ?? '',
      TELEGRAM_API_BASE_URL: server.telegramBaseUrl,
      GENERAL_TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN,
      GENERAL_TELEGRAM_BOT_CHAT_ID: GROUP_CHAT,
      GENERAL_DISCORD_WEBHOOK: server.discordWebhookUrl(DISCORD_ID, DISCORD_TOKEN),
      ...(side === 'redis' ? { HERALD_REDIS_URL: redis.url } : {}),
    };
    const spawned = Date.now();
    for (let p = 0; p < o.processes; p++) {
      const args = ['--first', String(p * o.perProcess + 1), '--count', String(o.perProcess), '--timeout-ms', String(o.timeoutMs)];
      const proc = spawn(process.execPath, ['--import', TSX, resolve(HERE, 'fleet-child.ts'), ...args], { cwd, env, stdio: ['pipe', 'pipe', 'inherit'] });
      const child = { proc, out: '', ready: Promise.resolve(), done: Promise.resolve() };
      child.ready = new Promise<void>((ok, fail) => {
        proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
          child.out += d;
          if (/^ready$/m.test(child.out)) ok();
        });
        proc.once('close', (code) => fail(new Error(`fleet child ${p} exited (${code}) before it was ready`)));
      });
      child.ready.catch(() => {}); // awaited below; a later exit is not a failure of readiness
      child.done = new Promise<void>((ok) => proc.once('close', () => ok()));
      proc.stdin!.on('error', () => {});
      children.push(child);
    }
    await Promise.all(children.map((c) => c.ready));
    // With Redis: every process announced itself and the two destinations have their holders.
    if (client)
      await onRedis(
        client,
        children.map((c) => c.proc.pid!),
        2,
        60_000,
      );
    const startupMs = Date.now() - spawned;
    const t0 = Date.now();
    for (const c of children) c.proc.stdin!.write('go\n');
    const killer = setTimeout(() => children.forEach((c) => c.proc.kill('SIGKILL')), o.timeoutMs + 30_000);
    await Promise.all(children.map((c) => c.done));
    clearTimeout(killer);
    const results = children.map((c) => {
      const line = c.out.split('\n').find((l) => l.startsWith(REPLY));
      return line ? (JSON.parse(line.slice(REPLY.length)) as FleetChildResult) : undefined;
    });
    const finished = results.every((r) => r?.complete === true);
    const cells = FLEET_TARGETS.map((target) => cell(server, target, texts, t0));
    return {
      side,
      label: side === 'redis' ? `${o.processes} processes with Redis` : `${o.processes} processes, local limits only`,
      finished,
      startupMs,
      cells,
      children: results.filter((r): r is FleetChildResult => r !== undefined),
    };
  } finally {
    for (const c of children) c.proc.kill('SIGKILL');
    await Promise.all(children.map((c) => c.done));
    client?.disconnect();
    await server.close();
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** Waits until every pid has its presence key and `leases` leases are held. */
async function onRedis(client: Redis, pids: readonly number[], leases: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const keys = await client.keys('herald:proc:*');
    const present = new Set((keys.length ? await client.mget(keys) : []).map((v) => (v ? (JSON.parse(v) as { pid: number }).pid : 0)));
    if (pids.every((pid) => present.has(pid)) && (await client.keys('herald:lease:*')).length >= leases) return;
    if (Date.now() > end) throw new Error(`fleet: the processes were not all on Redis after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function cell(server: FakePlatformServer, target: FleetTarget, texts: readonly string[], t0: number): FleetCell {
  const platform = PLATFORM[target];
  const destination = DESTINATION[target];
  const msgs = server.messagesFor(platform, destination).filter((m) => m.via === VIA[target]);
  const seen = new Map<number, number>();
  let last: number | null = null;
  for (const m of msgs) {
    const ids = idsIn(m.text).filter((id) => id >= 1 && id <= texts.length);
    for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
    if (ids.length) last = Math.max(last ?? 0, m.at - t0);
  }
  const events = server.events.filter((e) => e.platform === platform && e.via === VIA[target] && e.destination === destination);
  return {
    target,
    bound: boundFor(target, texts),
    seconds: last === null ? null : last / 1000,
    messages: msgs.length,
    requests: events.length,
    rateLimited: events.filter((e) => e.kind === 'rate-limited').length,
    delivered: seen.size,
    lost: texts.length - seen.size,
    duplicates: [...seen.values()].filter((n) => n > 1).length,
    timeline: events.map((e) => ({ ms: e.at - t0, status: e.status, ...(e.message ? { chars: [...e.message.text].length } : {}) })),
  };
}

const LABEL: Record<FleetTarget, string> = { 'telegram-group': `Telegram group ${GROUP_CHAT}`, discord: 'Discord webhook' };

const ratio = (c: FleetCell): number | null => (c.seconds === null || c.bound.seconds <= 0 ? null : c.seconds / c.bound.seconds);

/** The printed section. */
export function fleetReport(r: FleetResult): string {
  if ('skipped' in r) return `PART 5 — FLEET: skipped (${r.skipped})`;
  const out = [
    `PART 5 — FLEET: ${r.processes} processes, one Telegram bot token, each firing ${r.perProcess} order-filled notifications at once at the same Telegram group chat and the same Discord webhook (${int(r.notifications)} in all, to each).`,
  ];
  out.push('With Redis: HERALD_REDIS_URL on a local redis-server (limits and one queue per destination shared). Local only: each process paces itself.');
  out.push('Bound = all 8 bursts together: k = ceil(all characters incl. newlines / platform max length) messages at the pace the fake server allows');
  out.push(
    '(bound.ts, as in part 1). Times are server arrivals after `go`, sent to all processes at once once they were ready. Each side has its own fresh server.',
  );
  for (const target of FLEET_TARGETS) {
    const b = r.sides[0]!.cells.find((c) => c.target === target)!.bound;
    out.push('');
    out.push(`${LABEL[target]} — k = ${b.messages}; ${b.rule} → bound ${secs(b.seconds)}`);
    const rows = r.sides.map((s) => {
      const c = s.cells.find((x) => x.target === target)!;
      const x = ratio(c);
      return [
        s.label,
        s.finished ? 'finished' : 'DNF',
        secs(c.seconds),
        x === null ? '—' : `${x.toFixed(2)}×`,
        int(c.messages),
        int(c.requests),
        int(c.rateLimited),
        `${int(c.delivered)}/${int(r.notifications)}`,
        int(c.lost),
        int(c.duplicates),
      ];
    });
    out.push(table(['Side', 'Result', 'Last delivery', 'vs bound', 'Msgs', 'Requests', '429s', 'Delivered', 'Lost', 'Dups'], rows, [2, 3, 4, 5, 6, 7, 8, 9]));
    // The evidence for the Redis side's time: when the server answered, and which answers were 429s.
    const redis = r.sides.find((s) => s.side === 'redis')?.cells.find((x) => x.target === target);
    if (redis)
      out.push(
        `  With Redis, the server's answers (s after go [characters]; ✗ = 429): ${redis.timeline.map((e) => `${(e.ms / 1000).toFixed(2)}${e.status === 429 ? '✗' : e.chars !== undefined ? ` [${e.chars}]` : ''}`).join(', ')}`,
      );
  }
  out.push('');
  out.push(`Start-up (spawn to ready, on Redis for that side): ${r.sides.map((s) => `${s.label} ${secs(s.startupMs / 1000)}`).join('; ')}.`);
  return out.join('\n');
}

/** The TARGETS row. */
export function fleetCheck(r: FleetResult): { target: string; result: 'PASS' | 'FAIL' | 'N/A'; measured: string } {
  const target = `Fleet of 8 with Redis: last delivery ≤ ${FLEET_FACTOR}× the platform bound, no 429 storm (≤ 1 per destination)`;
  if ('skipped' in r) return { target, result: 'N/A', measured: `skipped: ${r.skipped}` };
  const text = (s: FleetSide, c: FleetCell) => {
    const x = ratio(c);
    return `${s.side === 'redis' ? 'Redis' : 'local only'}: ${c.target} ${x === null ? '—' : `${x.toFixed(2)}×`} (${secs(c.seconds)} vs ${secs(c.bound.seconds)}), ${c.rateLimited} × 429, ${c.lost} lost`;
  };
  const redis = r.sides.find((s) => s.side === 'redis')!;
  const ok = redis.finished && redis.cells.every((c) => (ratio(c) ?? Infinity) <= FLEET_FACTOR && c.rateLimited <= 1 && c.lost === 0);
  return { target, result: ok ? 'PASS' : 'FAIL', measured: r.sides.flatMap((s) => s.cells.map((c) => text(s, c))).join('; ') };
}
