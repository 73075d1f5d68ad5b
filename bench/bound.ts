/**
 * The platform bound of the burst: the least number of messages the whole burst fits in at the
 * platform's size limit, sent as early as the platform's rate limits allow. The timing is
 * simulated with the fake server's own limiter classes and DEFAULT_LIMITS, so the bound is
 * exactly what the server under test enforces.
 */
import { DEFAULT_LIMITS, type FakeLimits } from '../src/sandbox/fake-platforms.js';
import { FixedWindow, SlidingWindow, TokenBucket } from '../src/sandbox/rate-window.js';
import { codePointLength } from './texts.js';

/** A benchmarked destination. */
export type Target = 'telegram-group' | 'telegram-private' | 'discord' | 'slack';

export const TARGETS: readonly Target[] = ['telegram-group', 'telegram-private', 'discord', 'slack'];

/** Largest message per platform, in code points. Telegram and Discord: what the fake server enforces (4096 / 2000). Slack: PLATFORMS.md's ≤ 4000 guidance (the fake does not enforce one). */
export const MAX_LENGTH: Record<Target, number> = {
  'telegram-group': 4096,
  'telegram-private': 4096,
  discord: 2000,
  slack: 4000,
};

export interface Bound {
  target: Target;
  /** Characters of all N texts joined with newlines. */
  chars: number;
  maxLength: number;
  /** ceil(chars / maxLength). */
  messages: number;
  /** Seconds from the first to the last of those messages, sent as early as the limits allow. */
  seconds: number;
  /** The limits used, in words. */
  rule: string;
  /** Seconds until a message beyond the burst could be sent (for the "within burst" case). */
  firstRefillSeconds: number;
}

interface Limiter {
  /** ms until allowed at `now`. */
  wait(now: number): number;
  take(now: number): void;
}

function limiters(target: Target, l: FakeLimits): Limiter[] {
  const bucket = (b: TokenBucket): Limiter => ({ wait: (t) => b.waitMs(t), take: (t) => b.take(t) });
  const sliding = (w: SlidingWindow): Limiter => ({ wait: (t) => w.waitMs(t), take: (t) => w.take(t) });
  switch (target) {
    case 'telegram-private':
    case 'telegram-group': {
      const list = [
        bucket(new TokenBucket(l.telegramPerChat.burst, l.telegramPerChat.perSecond, 0)),
        sliding(new SlidingWindow(l.telegramPerBotPerSecond, 1000)),
      ];
      if (target === 'telegram-group') list.push(sliding(new SlidingWindow(l.telegramPerGroupPerMinute, 60_000)));
      return list;
    }
    case 'discord': {
      const w = new FixedWindow(l.discordPerWebhook.limit, l.discordPerWebhook.windowMs);
      return [{ wait: (t) => (w.peek(t).allowed ? 0 : w.peek(t).resetAfterMs), take: (t) => void w.consume(t) }];
    }
    case 'slack':
      return [bucket(new TokenBucket(l.slackPerWebhook.burst, l.slackPerWebhook.perSecond, 0))];
  }
}

/** Seconds at which the k-th message can be sent at the earliest (greedy is optimal for these limiters). */
export function sendTimeSeconds(target: Target, k: number, limits: FakeLimits = DEFAULT_LIMITS): number {
  const list = limiters(target, limits);
  let t = 0;
  for (let i = 0; i < k; i++) {
    for (let guard = 0; guard < 10_000; guard++) {
      const w = Math.max(...list.map((x) => x.wait(t)));
      if (w <= 1e-9) break;
      t += w;
    }
    for (const x of list) x.take(t);
  }
  return Math.round(t) / 1000;
}

export function ruleText(target: Target, l: FakeLimits = DEFAULT_LIMITS): string {
  switch (target) {
    case 'telegram-private':
      return `burst ${l.telegramPerChat.burst} then ${l.telegramPerChat.perSecond}/s per chat, ${l.telegramPerBotPerSecond}/s per bot`;
    case 'telegram-group':
      return `burst ${l.telegramPerChat.burst} then ${l.telegramPerChat.perSecond}/s per chat, ${l.telegramPerGroupPerMinute} per rolling 60 s (group), ${l.telegramPerBotPerSecond}/s per bot`;
    case 'discord':
      return `${l.discordPerWebhook.limit} per ${l.discordPerWebhook.windowMs / 1000} s window per webhook`;
    case 'slack':
      return `burst ${l.slackPerWebhook.burst} then ${l.slackPerWebhook.perSecond}/s per webhook`;
  }
}

/** The bound for sending `texts` (joined with newlines) to `target`. */
export function boundFor(target: Target, texts: readonly string[], limits: FakeLimits = DEFAULT_LIMITS): Bound {
  const chars = texts.reduce((n, t) => n + codePointLength(t), 0) + Math.max(0, texts.length - 1);
  const maxLength = MAX_LENGTH[target];
  const messages = Math.ceil(chars / maxLength);
  // One more message than the burst holds: when the next slot opens.
  let burst = 1;
  while (burst < 1000 && sendTimeSeconds(target, burst + 1, limits) === 0) burst++;
  return {
    target,
    chars,
    maxLength,
    messages,
    seconds: sendTimeSeconds(target, messages, limits),
    rule: ruleText(target, limits),
    firstRefillSeconds: sendTimeSeconds(target, burst + 1, limits),
  };
}
