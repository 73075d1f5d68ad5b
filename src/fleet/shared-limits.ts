/**
 * Rate limits every process of a fleet shares, in Redis: one Lua script checks and takes from
 * every bucket of a request atomically, on Redis's clock (machines' clocks differ), so N
 * processes together never exceed a platform's limit. A 429's block, seen by one process, holds
 * back all of them. While Redis is unreachable each process uses its own limits (and says so,
 * through the link), and the shared ones again when it is back.
 */
import type { RateBucket, RateObservation } from '../channels/channel.js';
import { LocalRateLimits, type RateLimits } from '../delivery/rate-limits.js';
import type { RedisClient, RedisLink } from './redis-link.js';

/** A reservation's identity for {@link SharedRateLimits.settle}: when it was made, and for which buckets. */
const reservationKey = (buckets: readonly RateBucket[], at: number): string => `${at}|${buckets.map((b) => b.key).join('|')}`;

/** Reservations remembered until their request is answered. */
const MAX_UNSETTLED = 1000;

/** Every limit key lives under one hash tag, so a multi-key script also works on Redis Cluster. */
const PREFIX = 'herald:{rl}:';

/** A margin on every wait: a round trip sits between Redis's decision and the request leaving. */
const MARGIN_MS = 40;

/**
 * KEYS: per bucket, its hash and its window set. ARGV: margin, a member id, then per bucket
 * capacity, interval ms, window ms (0: a token bucket). Returns 0 (taken from every bucket) or the
 * ms to wait (nothing taken).
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local margin = tonumber(ARGV[1])
local member = ARGV[2]
local n = #KEYS / 2
local wait = 0
local tokens, upd = {}, {}
for i = 1, n do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  local cap, iv, win = tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1]), tonumber(ARGV[3 * i + 2])
  local v = redis.call('HMGET', h, 'tokens', 'upd', 'blk', 'cap')
  if tonumber(v[4]) then cap = tonumber(v[4]) end
  local w = 0
  local blk = tonumber(v[3]) or 0
  if blk > now then w = blk - now end
  if win > 0 then
    redis.call('ZREMRANGEBYSCORE', z, '-inf', now - win)
    if redis.call('ZCARD', z) >= cap then
      local oldest = redis.call('ZRANGE', z, 0, 0, 'WITHSCORES')
      local ww = tonumber(oldest[2]) + win - now + margin
      if ww > w then w = ww end
    end
  else
    local tk, u = tonumber(v[1]), tonumber(v[2])
    if tk == nil then tk, u = cap, now end
    if now > u then
      tk = math.min(cap, tk + (now - u) / iv)
      u = now
    end
    tokens[i], upd[i] = tk, u
    if tk < 1 then
      local ww = math.ceil((1 - tk) * iv - 1e-9) + margin
      if ww > w then w = ww end
    end
  end
  if w > wait then wait = w end
end
if wait > 0 then return math.ceil(wait) end
for i = 1, n do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  local cap, iv, win = tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1]), tonumber(ARGV[3 * i + 2])
  if win > 0 then
    redis.call('ZADD', z, now, member .. ':' .. i)
    redis.call('PEXPIRE', z, win * 2)
  else
    redis.call('HSET', h, 'tokens', tostring(tokens[i] - 1), 'upd', tostring(upd[i]))
    -- Taken from a full bucket: the platform's refill starts when this request arrives (see SETTLE).
    if tokens[i] >= cap - 1e-9 then redis.call('HSET', h, 'anc', member .. ':' .. i) end
  end
  redis.call('PEXPIRE', h, math.max(math.ceil(iv * cap * 2), 120000))
end
return 0
`;

/**
 * A request was answered `delay` ms after it was reserved; the platform counted it somewhere in
 * between. As LocalRateLimits.settle: the reservation that started a token bucket's refill counts
 * from the answer (the refill meanwhile is taken back), and a window's send time moves to it.
 * KEYS: per bucket, its hash and window set. ARGV: the reservation's member, delay ms, then per
 * bucket interval ms and window ms.
 */
const SETTLE = `
local member, delay = ARGV[1], tonumber(ARGV[2])
for i = 1, #KEYS / 2 do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  local iv, win = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  local id = member .. ':' .. i
  if win > 0 then
    if redis.call('ZSCORE', z, id) then redis.call('ZINCRBY', z, delay, id) end
  elseif redis.call('HGET', h, 'anc') == id then
    local tk = tonumber(redis.call('HGET', h, 'tokens'))
    if tk then redis.call('HSET', h, 'tokens', tostring(tk - delay / iv)) end
    redis.call('HDEL', h, 'anc')
  end
end
return 1
`;

/** KEYS[1]: the bucket's hash. ARGV: remaining, reset-after ms, limit (0: unknown). As LocalRateLimits.observe, on Redis's clock. */
const OBSERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local remaining, reset, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if limit > 0 then redis.call('HSET', KEYS[1], 'cap', limit) end
if remaining <= 0 then
  local blk = math.max(tonumber(redis.call('HGET', KEYS[1], 'blk')) or 0, now + reset)
  local cap = tonumber(redis.call('HGET', KEYS[1], 'cap')) or limit
  redis.call('HSET', KEYS[1], 'blk', blk, 'upd', blk)
  if cap and cap > 0 then redis.call('HSET', KEYS[1], 'tokens', cap) end
else
  local tk = tonumber(redis.call('HGET', KEYS[1], 'tokens'))
  if tk == nil or tk > remaining then redis.call('HSET', KEYS[1], 'tokens', remaining) end
  redis.call('HSET', KEYS[1], 'upd', now)
end
return 1
`;

/** KEYS: the buckets' hashes. ARGV[1]: how long from now (ms). */
const BLOCK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untilMs = now + tonumber(ARGV[1])
for i = 1, #KEYS do
  local blk = tonumber(redis.call('HGET', KEYS[i], 'blk')) or 0
  if untilMs > blk then redis.call('HSET', KEYS[i], 'blk', untilMs) end
  redis.call('PEXPIRE', KEYS[i], math.max(tonumber(ARGV[1]) * 2, 120000))
end
return 1
`;

interface LimitCommands {
  heraldReserve(numKeys: number, ...args: (string | number)[]): Promise<number>;
  heraldObserve(key: string, remaining: number, resetMs: number, limit: number): Promise<number>;
  heraldBlock(numKeys: number, ...args: (string | number)[]): Promise<number>;
  heraldSettle(numKeys: number, ...args: (string | number)[]): Promise<number>;
}

/** Installs the scripts on a client (idempotent). */
function commands(client: RedisClient): LimitCommands {
  const c = client as RedisClient & Partial<LimitCommands>;
  if (!c.heraldReserve) {
    client.defineCommand('heraldReserve', { lua: RESERVE });
    client.defineCommand('heraldObserve', { numberOfKeys: 1, lua: OBSERVE });
    client.defineCommand('heraldBlock', { lua: BLOCK });
    client.defineCommand('heraldSettle', { lua: SETTLE });
  }
  return c as RedisClient & LimitCommands;
}

/** Rate limits shared through Redis, this process's own while Redis is down. */
export class SharedRateLimits implements RateLimits {
  private readonly local = new LocalRateLimits();
  private readonly cmd: LimitCommands;
  private counter = 0;
  /** The member of each reservation still to settle, by its time and buckets. */
  private readonly members = new Map<string, string>();

  constructor(
    private readonly link: RedisLink,
    /** Unique per process: window members from different processes must not collide. */
    private readonly processId: string,
  ) {
    this.cmd = commands(link.client);
  }

  reserve(buckets: readonly RateBucket[], now: number): number | Promise<number> {
    if (!this.link.healthy || buckets.length === 0) return this.local.reserve(buckets, now);
    const keys: string[] = [];
    const member = `${this.processId}:${++this.counter}`;
    const args: (string | number)[] = [MARGIN_MS, member];
    for (const b of buckets) {
      keys.push(`${PREFIX}${b.key}`, `${PREFIX}${b.key}:w`);
      args.push(b.capacity, b.intervalMs, b.windowMs ?? 0);
    }
    return this.cmd.heraldReserve(keys.length, ...keys, ...args).then(
      (wait) => {
        if (Number(wait) === 0) this.remember(reservationKey(buckets, now), member);
        return Number(wait);
      },
      (err: unknown) => {
        this.link.failed((err as Error).message);
        return this.local.reserve(buckets, Date.now());
      },
    );
  }

  observe(o: RateObservation, now: number): void | Promise<void> {
    this.local.observe(o, now);
    if (!this.link.healthy) return;
    return this.cmd.heraldObserve(`${PREFIX}${o.bucketKey}`, o.remaining, Math.max(0, Math.ceil(o.resetAfterMs)), o.limit ?? 0).then(
      () => {},
      (err: unknown) => this.link.failed((err as Error).message),
    );
  }

  settle(buckets: readonly RateBucket[], sentAt: number, answeredAt: number): void | Promise<void> {
    this.local.settle(buckets, sentAt, answeredAt);
    const key = reservationKey(buckets, sentAt);
    const member = this.members.get(key);
    this.members.delete(key);
    if (member === undefined || answeredAt <= sentAt || !this.link.healthy) return;
    const keys: string[] = [];
    const args: (string | number)[] = [member, answeredAt - sentAt];
    for (const b of buckets) {
      keys.push(`${PREFIX}${b.key}`, `${PREFIX}${b.key}:w`);
      args.push(b.intervalMs, b.windowMs ?? 0);
    }
    return this.cmd.heraldSettle(keys.length, ...keys, ...args).then(
      () => {},
      (err: unknown) => this.link.failed((err as Error).message),
    );
  }

  private remember(key: string, member: string): void {
    // Bounded: a reservation whose request never settles (a closed lane) is forgotten eventually.
    if (this.members.size >= MAX_UNSETTLED) this.members.delete(this.members.keys().next().value!);
    this.members.set(key, member);
  }

  block(keys: readonly string[], until: number): void | Promise<void> {
    this.local.block(keys, until);
    if (!this.link.healthy || keys.length === 0) return;
    const ms = Math.max(0, Math.ceil(until - Date.now()));
    return this.cmd.heraldBlock(keys.length, ...keys.map((k) => `${PREFIX}${k}`), ms).then(
      () => {},
      (err: unknown) => this.link.failed((err as Error).message),
    );
  }
}
