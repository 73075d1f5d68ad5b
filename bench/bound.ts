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
export type Target = 'telegram-group' | 'telegram-private' | 'discord' | 'slack' | 'slack-bot' | 'discord-bot';

export const TARGETS: readonly Target[] = ['telegram-group', 'telegram-private', 'discord', 'slack', 'slack-bot', 'discord-bot'];

/**
 * Largest message per platform, in code points. Telegram and Discord (webhook and bot): what the
 * fake server enforces (4096 / 2000 `content`). Slack (webhook and chat.postMessage):
 * PLATFORMS.md's ≤ 4000 guidance (the fake does not refuse longer text; the Web API truncates
 * past 40,000).
 */
export const MAX_LENGTH: Record<Target, number> = {
  'telegram-group': 4096,
  'telegram-private': 4096,
  discord: 2000,
  slack: 4000,
  'slack-bot': 4000,
  'discord-bot': 2000,
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
  const fixed = (w: FixedWindow): Limiter => ({ wait: (t) => (w.peek(t).allowed ? 0 : w.peek(t).resetAfterMs), take: (t) => void w.consume(t) });
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
    case 'discord':
      return [fixed(new FixedWindow(l.discordPerWebhook.limit, l.discordPerWebhook.windowMs))];
    case 'slack':
      return [bucket(new TokenBucket(l.slackPerWebhook.burst, l.slackPerWebhook.perSecond, 0))];
    case 'slack-bot':
      // chat.postMessage: one bucket per token and channel (fake-slack-api.ts).
      return [bucket(new TokenBucket(l.slackPerChannel.burst, l.slackPerChannel.perSecond, 0))];
    case 'discord-bot':
      // POST /channels/{id}/messages: a fixed window per bot and channel, and the bot's global rolling second (fake-discord-bot.ts).
      return [fixed(new FixedWindow(l.discordPerChannel.limit, l.discordPerChannel.windowMs)), sliding(new SlidingWindow(l.discordGlobalPerSecond, 1000))];
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
    case 'slack-bot':
      return `chat.postMessage: burst ${l.slackPerChannel.burst} then ${l.slackPerChannel.perSecond}/s per token and channel`;
    case 'discord-bot':
      return `${l.discordPerChannel.limit} per ${l.discordPerChannel.windowMs / 1000} s window per bot and channel, ${l.discordGlobalPerSecond} per rolling second per bot`;
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
