/** `HERALD_REDIS_URL`: the Redis a fleet of processes shares limits and queues through. */
import type { Env } from './env.js';
import type { ConfigProblem } from './problems.js';

/**
 * Reads `HERALD_REDIS_URL` (`redis://[user:password@]host[:port][/db]`, `rediss://` for TLS).
 * Problems name the variable and the fix; the value is never echoed (it may hold a password).
 */
export function readRedisUrl(env: Env): { url?: string; problems: ConfigProblem[] } {
  const raw = env.HERALD_REDIS_URL?.trim().replace(/^(["'])(.*)\1$/, '$2');
  if (!raw) return { problems: [] };
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
    return {
      problems: [
        {
          variable: 'HERALD_REDIS_URL',
          message: 'HERALD_REDIS_URL is not a Redis URL',
          fix: 'write it as redis://host:6379 (redis://:password@host:6379/0 with a password, rediss:// for TLS)',
        },
      ],
    };
  }
  return { url: raw, problems: [] };
}

/** `redis://host:6379/0`: a Redis URL without its user and password, for messages. */
export function redisLabel(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
  } catch {
    return 'redis';
  }
}
