/**
 * `herald doctor` for `HERALD_REDIS_URL`: whether Redis answers (and why not, with the fix), its
 * version and round-trip time, whether it keeps its data across a restart, and how many live
 * Herald processes share each destination (from the fleet's presence keys), each destination
 * shown by the label of the matching configured channel. Read-only; the URL is only ever shown
 * as scheme, host, port and database.
 */
import type { ChannelSpec } from '../channels/driver.js';
import type { HttpClient } from '../channels/http.js';
import { createChannel } from '../channels/registry.js';
import { type Env, unquote } from '../config/env.js';
import type { HeraldConfig } from '../core/configuration.js';
import { inKeyOrder, plural, type Ui } from './output.js';
import { compareVersions, MIN_REDIS_VERSION, parseRedisUrl, PRESENCE_PATTERN, probeRedis, type RedisPersistence, type RedisTarget } from './redis-probe.js';

/** The variable doctor reads. */
export const REDIS_VARIABLE = 'HERALD_REDIS_URL';

/** Persistence as doctor judges it: AOF recommended. */
export interface RedisPersistenceCheck extends RedisPersistence {
  readonly status: 'ok' | 'warning';
  readonly summary: string;
  readonly fix?: string;
}

/** One destination that live processes share. */
export interface SharedDestination {
  /** The channel id the processes wrote (secret-free). */
  readonly id: string;
  /** The label of the configured channel with that id; absent when this configuration has none. */
  readonly label?: string;
  readonly processes: number;
}

/** Doctor's verdict on Redis (also its `redis` entry in `--json`). */
export interface RedisCheck {
  /** Scheme, host, port and database only; absent when the URL could not be read. */
  readonly url?: string;
  readonly status: 'ok' | 'problem';
  readonly summary: string;
  readonly fix?: string;
  readonly version?: string;
  /** Median of 5 PING round trips, milliseconds. */
  readonly rttMs?: number;
  readonly persistence?: RedisPersistenceCheck;
  /** Live Herald processes (presence keys). */
  readonly processes?: number;
  readonly hosts?: number;
  /** Processes per destination, most shared first. */
  readonly destinations?: readonly SharedDestination[];
  /** Presence keys whose value is not the fleet's JSON. */
  readonly unreadable?: number;
}

/** A parsed `HERALD_REDIS_URL` (its secrets to register with the output), or nothing to check. */
export function readRedisTarget(env: Env): { target: RedisTarget; secrets: string[] } | { problem: { message: string; fix?: string } } | undefined {
  const raw = unquote(env[REDIS_VARIABLE]);
  if (!raw) return undefined;
  const parsed = parseRedisUrl(raw, REDIS_VARIABLE);
  if (!('shown' in parsed)) return { problem: parsed };
  // With a password, the whole URL too: should it ever reach a line, redaction masks it as one piece.
  return { target: parsed, secrets: parsed.password ? [raw, parsed.password] : [] };
}

/** An HTTP client that refuses every request: channels built only for their ids and labels never send. */
const NO_HTTP: HttpClient = {
  request: () => Promise.reject(new Error('labels only')),
  close: async () => {},
};

/** Channel id → label for every destination this configuration knows (roles, bots' channels). */
export function channelLabels(config: HeraldConfig): Map<string, string> {
  const specs: ChannelSpec[] = [...config.general, ...config.error, ...config.bots.flatMap((b) => [b.defaultChannel, ...b.mapping.map((m) => m.spec)])];
  const labels = new Map<string, string>();
  for (const spec of specs) {
    try {
      const channel = createChannel(spec, { http: NO_HTTP });
      if (!labels.has(channel.id)) labels.set(channel.id, channel.label);
    } catch {
      // A spec no driver can build has no id to match: it is reported as a configuration problem.
    }
  }
  return labels;
}

/**
 * Checks Redis when `HERALD_REDIS_URL` is set; undefined when it is not. Rejects only when
 * `signal` aborts.
 */
export async function checkRedis(env: Env, config: HeraldConfig, timeoutMs: number, signal: AbortSignal): Promise<RedisCheck | undefined> {
  const read = readRedisTarget(env);
  if (read === undefined) return undefined;
  if (config.problems.some((p) => p.variable === REDIS_VARIABLE)) {
    // The configuration section already says what is wrong and how to fix it.
    return { status: 'problem', summary: `not checked: ${REDIS_VARIABLE} is not usable (see above)` };
  }
  if ('problem' in read) return { status: 'problem', summary: read.problem.message, ...(read.problem.fix ? { fix: read.problem.fix } : {}) };
  const { target } = read;
  const probe = await probeRedis(target, { timeoutMs, signal, variable: REDIS_VARIABLE });
  if (!probe.ok) return { url: target.shown, status: 'problem', summary: probe.problem.message, ...(probe.problem.fix ? { fix: probe.problem.fix } : {}) };

  const rtt = probe.rttMs;
  const base = {
    url: target.shown,
    version: probe.version,
    rttMs: Math.round(rtt * 1000) / 1000,
    persistence: judgePersistence(probe.persistence),
  };
  const labels = channelLabels(config);
  const counts = new Map<string, number>();
  for (const p of probe.processes) for (const d of p.destinations) counts.set(d, (counts.get(d) ?? 0) + 1);
  const destinations: SharedDestination[] = [...counts]
    .map(([id, processes]) => ({ id, ...(labels.has(id) ? { label: labels.get(id)! } : {}), processes }))
    .sort((a, b) => b.processes - a.processes || (a.label ?? a.id).localeCompare(b.label ?? b.id));
  const fleet = {
    processes: probe.processes.length,
    hosts: new Set(probe.processes.map((p) => p.host ?? '?')).size,
    destinations,
    ...(probe.unreadable ? { unreadable: probe.unreadable } : {}),
  };
  const about = `${target.shown}: Redis ${probe.version}, round trip ${formatMs(rtt)} (median of 5 PINGs)`;
  if (compareVersions(probe.version, MIN_REDIS_VERSION) < 0) {
    return ordered({
      ...base,
      status: 'problem',
      summary: `${about}; Herald's fleet needs Redis ${MIN_REDIS_VERSION.replace(/\.0$/, '')} or newer (streams with XAUTOCLAIM)`,
      fix: 'upgrade Redis (Debian 12 and Ubuntu 24.04 ship 7.x)',
      ...fleet,
    });
  }
  return ordered({ ...base, status: 'ok', summary: about, ...fleet });
}

/** The same key order in the JSON document whatever path built the check. */
function ordered(check: RedisCheck): RedisCheck {
  const keys: Array<keyof RedisCheck> = [
    'url',
    'status',
    'summary',
    'fix',
    'version',
    'rttMs',
    'persistence',
    'processes',
    'hosts',
    'destinations',
    'unreadable',
  ];
  return inKeyOrder(check, keys);
}

/** AOF on is what the fleet's queue needs to survive a Redis restart; anything else is a warning. */
function judgePersistence(p: RedisPersistence): RedisPersistenceCheck {
  const fix =
    'turn on AOF: `redis-cli CONFIG SET appendonly yes`, then `redis-cli CONFIG REWRITE` to keep it in redis.conf (a managed Redis has it in its settings)';
  if (p.aof) {
    if (p.appendfsync === 'no') {
      return {
        ...p,
        status: 'warning',
        summary: 'AOF on, but appendfsync no: the OS writes it when it likes, so a crash of the machine can lose the last ~30 s',
        fix: '`redis-cli CONFIG SET appendfsync everysec` (at most 1 s lost), then `redis-cli CONFIG REWRITE`',
      };
    }
    return { ...p, status: 'ok', summary: `AOF on${p.appendfsync ? ` (appendfsync ${p.appendfsync})` : ''}` };
  }
  if (p.rdbSave === '') {
    return { ...p, status: 'warning', summary: 'no persistence (AOF off, no RDB snapshots): a Redis restart loses every queued notification', fix };
  }
  if (p.rdbSave) {
    return {
      ...p,
      status: 'warning',
      summary: `AOF off, RDB snapshots only (save ${p.rdbSave}): a Redis restart loses what was queued since the last snapshot`,
      fix,
    };
  }
  return { ...p, status: 'warning', summary: 'AOF off: a Redis restart loses what was queued since the last RDB snapshot, if any', fix };
}

/** `0.21 ms`, `3.4 ms`, `120 ms`. */
function formatMs(ms: number): string {
  return `${ms < 1 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

/** Checks the Redis section counts: 1 (the server) plus the persistence warning, if any. */
export function redisTally(check: RedisCheck | undefined): { checks: number; problems: number; warnings: number } {
  if (!check) return { checks: 0, problems: 0, warnings: 0 };
  return { checks: 1, problems: check.status === 'problem' ? 1 : 0, warnings: check.persistence?.status === 'warning' ? 1 : 0 };
}

/** The Redis section of doctor's human output. */
export function printRedis(ui: Ui, check: RedisCheck): void {
  const c = ui.color;
  const status = (s: 'ok' | 'problem' | 'warning'): string => (s === 'ok' ? c.green('ok     ') : s === 'problem' ? c.red('problem') : c.yellow('warning'));
  const line = (s: 'ok' | 'problem' | 'warning', tag: string, text: string, fix?: string): void =>
    ui.say(`  ${status(s)}  ${tag.padEnd(11)}  ${text}${fix ? ` — fix: ${fix}` : ''}`);
  ui.say('');
  ui.say(c.bold(`Redis (${REDIS_VARIABLE}):`));
  line(check.status, 'server', check.summary, check.fix);
  if (check.persistence) line(check.persistence.status, 'persistence', check.persistence.summary, check.persistence.fix);
  if (check.processes === undefined) return;
  const extra = check.unreadable ? ` (${plural(check.unreadable, 'presence key')} not in Herald's format)` : '';
  if (check.processes === 0) {
    line('ok', 'fleet', `no live Herald process (no ${PRESENCE_PATTERN} keys): nothing shares a destination right now${extra}`);
    return;
  }
  const shared = check.destinations ?? [];
  line(
    'ok',
    'fleet',
    `${plural(check.processes, 'Herald process', 'Herald processes')} live on ${plural(check.hosts ?? 1, 'host')}${extra}${shared.length ? '; processes per destination:' : ', sharing no destination'}`,
  );
  const width = Math.max(...shared.map((d) => String(d.processes).length));
  for (const d of shared) {
    ui.say(`${' '.repeat(24)}${String(d.processes).padStart(width)}  ${d.label ?? `${d.id} ${c.dim('(not in this configuration)')}`}`);
  }
}
