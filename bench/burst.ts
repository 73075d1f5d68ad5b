/**
 * Part 1, the burst: N order-filled notifications fired at once at one destination, for Herald
 * and for the libraries a bot author would pick instead, each on its own fresh fake platform
 * server so rate-limit state never leaks from one contender to another.
 */
import { setMaxListeners } from 'node:events';
import { REST } from '@discordjs/rest';
import { autoRetry } from '@grammyjs/auto-retry';
import { IncomingWebhook } from '@slack/webhook';
import { Bot } from 'grammy';
import { createNotifier } from '../src/index.js';
import { FakePlatformServer, type Platform, type Via } from '../src/sandbox/fake-platforms.js';
import type { Target } from './bound.js';
import { idsIn } from './texts.js';

export const TELEGRAM_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0';
export const GROUP_CHAT = '-1001234567890';
export const PRIVATE_CHAT = '424242424';
export const DISCORD_ID = '1000000000000000001';
export const DISCORD_TOKEN = 'sandbox-webhook-token';
export const SLACK_PATH = 'T000/B000/XXXXXXXX';
/** Bot tokens of the right shape (the fake and Herald both check it). */
export const SLACK_BOT_TOKEN = 'xoxb-1111111111-2222222222222-AbCdEfGhIjKlMnOpQrStUvWx';
export const DISCORD_BOT_TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd';
/** The channels the bots post to; registered on each fresh server before its contender starts. */
export const SLACK_CHANNEL = { id: 'C0BENCH0001', name: 'bench-fills' } as const;
export const DISCORD_CHANNEL = { id: '1200000000000000001', name: 'bench-fills' } as const;

export const PLATFORM: Record<Target, Platform> = {
  'telegram-group': 'telegram',
  'telegram-private': 'telegram',
  discord: 'discord',
  slack: 'slack',
  'slack-bot': 'slack',
  'discord-bot': 'discord',
};

/** Which API of the platform a target uses (the fake records it on every message and event). */
export const VIA: Record<Target, Via> = {
  'telegram-group': 'bot',
  'telegram-private': 'bot',
  discord: 'webhook',
  slack: 'webhook',
  'slack-bot': 'bot',
  'discord-bot': 'bot',
};

/** The fake server's destination key of each target. */
export const DESTINATION: Record<Target, string> = {
  'telegram-group': GROUP_CHAT,
  'telegram-private': PRIVATE_CHAT,
  discord: DISCORD_ID,
  slack: 'T000/B000',
  'slack-bot': SLACK_CHANNEL.id,
  'discord-bot': DISCORD_CHANNEL.id,
};

/**
 * Pays the process's one-time HTTP costs before anything is measured: Node loads its built-in
 * fetch on the first call (~100 ms on a small machine) and the fake server's request path runs
 * cold once. Without this, whichever contender goes first (Herald) carries them in its first
 * request. Herald's own code and its undici pool stay cold: they are its own cost.
 */
export async function warmUp(): Promise<void> {
  const server = await FakePlatformServer.start();
  try {
    const res = await fetch(server.slackWebhookUrl('T999/B999/WARMUP'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'warm-up' }),
    });
    await res.text();
  } finally {
    await server.close();
  }
}

/** A fresh fake server with the bots' channels known to it. */
async function freshServer(): Promise<FakePlatformServer> {
  const server = await FakePlatformServer.start();
  server.addSlackChannel({ ...SLACK_CHANNEL });
  server.addDiscordChannel({ ...DISCORD_CHANNEL });
  return server;
}

/** One contender on one destination. */
export interface CellResult {
  target: Target;
  contender: string;
  /** How the contender was used. */
  how: string;
  /** Every send settled (delivered or given up) before the timeout. */
  finished: boolean;
  timeoutSeconds: number;
  /** Server arrival of the last delivered notification, in s after the burst was fired; null if none arrived. */
  seconds: number | null;
  /** How long the caller's code was held up issuing the burst (the trading loop, for a sequential sender). */
  callerBlockedMs: number;
  /** Platform messages accepted (coalesced messages count once). */
  messages: number;
  requests: number;
  rateLimited: number;
  /** Other 4xx/5xx answers. */
  otherErrors: number;
  /** Distinct notification ids that arrived (before the timeout). */
  delivered: number;
  /** Notifications given up by the client, or never sent, before the timeout. */
  lost: number;
  /** Still in the client's hands at the timeout. */
  pending: number;
  /** Ids that arrived more than once. */
  duplicates: number;
  /** Sends the client itself reported as failed (before the timeout). */
  clientFailures: number;
  /** Herald only: coalesced/retry details, and what the server saw of its requests (ms after the burst). */
  herald?: {
    retries: number;
    failedEvents: number;
    droppedEvents: number;
    reports: string[];
    /** Every request of this destination as the server answered it, in ms after the burst (the first 400). */
    timeline: TimelineEntry[];
    /** Herald's own `retrying` events for this destination, in ms after the burst. */
    retryLog: { ms: number; delayMs: number; reason: string }[];
  };
}

/** One answer of the fake server: arrival in ms after the burst, status, 429/error detail, characters of an accepted message. */
export interface TimelineEntry {
  ms: number;
  status: number;
  detail?: string;
  chars?: number;
}

/** What arrived at `server` for `target` in the first `untilMs` after `t0`. */
function arrivals(server: FakePlatformServer, target: Target, n: number, t0: number, untilMs: number) {
  const platform = PLATFORM[target];
  const destination = DESTINATION[target];
  const via = VIA[target];
  const msgs = server.messagesFor(platform, destination).filter((m) => m.via === via && m.at - t0 <= untilMs);
  const seen = new Map<number, number>();
  let last: number | null = null;
  for (const m of msgs) {
    const ids = idsIn(m.text).filter((id) => id >= 1 && id <= n);
    for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
    if (ids.length) last = Math.max(last ?? 0, m.at - t0);
  }
  const events = server.events.filter((e) => e.platform === platform && e.via === via && e.destination === destination && e.at - t0 <= untilMs);
  return {
    timeline: events.slice(0, 400).map((e): TimelineEntry => ({
      ms: e.at - t0,
      status: e.status,
      ...(e.kind !== 'message' && e.detail ? { detail: e.detail } : {}),
      ...(e.message ? { chars: [...e.message.text].length } : {}),
    })),
    messages: msgs.length,
    delivered: seen.size,
    duplicates: [...seen.values()].filter((c) => c > 1).length,
    seconds: last === null ? null : last / 1000,
    requests: events.length,
    rateLimited: events.filter((e) => e.kind === 'rate-limited').length,
    otherErrors: events.filter((e) => e.kind === 'error').length,
  };
}

function envFor(server: FakePlatformServer, targets: readonly Target[]): Record<string, string> {
  const env: Record<string, string> = { TELEGRAM_API_BASE_URL: server.telegramBaseUrl };
  for (const t of targets) {
    if (t === 'telegram-group' || t === 'telegram-private') {
      env.GENERAL_TELEGRAM_BOT_TOKEN = TELEGRAM_TOKEN;
      env.GENERAL_TELEGRAM_BOT_CHAT_ID = DESTINATION[t];
    } else if (t === 'discord') env.GENERAL_DISCORD_WEBHOOK = server.discordWebhookUrl(DISCORD_ID, DISCORD_TOKEN);
    else if (t === 'slack') env.GENERAL_SLACK_WEBHOOK = server.slackWebhookUrl(SLACK_PATH);
    else if (t === 'slack-bot') {
      env.SLACK_BOT_TOKEN = SLACK_BOT_TOKEN;
      env.SLACK_API_BASE_URL = server.slackApiBaseUrl;
      env.SLACK_DEFAULT_CHANNEL = SLACK_CHANNEL.id;
    } else {
      env.DISCORD_BOT_TOKEN = DISCORD_BOT_TOKEN;
      env.DISCORD_API_BASE_URL = server.discordApiBaseUrl;
      env.DISCORD_DEFAULT_CHANNEL = DISCORD_CHANNEL.id;
    }
  }
  return env;
}

const HERALD_HOW: Record<Target, string> = {
  'telegram-group': 'createNotifier() with GENERAL_* env, log() × N in one tick',
  'telegram-private': 'createNotifier() with GENERAL_* env, log() × N in one tick',
  discord: 'createNotifier() with GENERAL_* env, log() × N in one tick',
  slack: 'createNotifier() with GENERAL_* env, log() × N in one tick',
  'slack-bot': 'createNotifier() with SLACK_BOT_TOKEN + SLACK_API_BASE_URL + SLACK_DEFAULT_CHANNEL (a channel id), log() × N in one tick',
  'discord-bot': 'createNotifier() with DISCORD_BOT_TOKEN + DISCORD_API_BASE_URL + DISCORD_DEFAULT_CHANNEL (a snowflake), log() × N in one tick',
};

/** How Herald labels each target's lane (`stats()`, events): its platform and API. */
const HERALD_LANE: Record<Target, RegExp> = {
  'telegram-group': /^Telegram/i,
  'telegram-private': /^Telegram/i,
  discord: /^Discord webhook/,
  slack: /^Slack webhook/,
  'slack-bot': /^Slack bot/,
  'discord-bot': /^Discord bot/,
};

/**
 * Herald with one notifier routed to `targets` (at most one Telegram chat: one GENERAL bot),
 * every notification logged at once, as a strategy's fill handler would.
 */
export async function runHerald(targets: readonly Target[], texts: readonly string[], timeoutMs: number): Promise<CellResult[]> {
  const server = await freshServer();
  const reports: string[] = [];
  const notifier = createNotifier({ env: envFor(server, targets), drainOnExit: false, diagnostics: (l) => void reports.push(l.trimEnd()) });
  type Counts = { retries: number; failed: number; dropped: number; retryLog: { ms: number; delayMs: number; reason: string }[] };
  const perDest = new Map<string, Counts>();
  const count = (d: string) => perDest.get(d) ?? perDest.set(d, { retries: 0, failed: 0, dropped: 0, retryLog: [] }).get(d)!;
  let t0 = Date.now();
  notifier.on('retrying', (e) => {
    const c = count(e.destination);
    c.retries++;
    c.retryLog.push({ ms: Date.now() - t0, delayMs: e.delayMs, reason: e.reason });
  });
  notifier.on('failed', (e) => void (count(e.destination).failed += e.seqs.length));
  notifier.on('dropped', (e) => void (count(e.destination).dropped += e.count));
  try {
    t0 = Date.now();
    const h0 = process.hrtime.bigint();
    for (const text of texts) notifier.log(text);
    const callerBlockedMs = Number(process.hrtime.bigint() - h0) / 1e6;
    const report = await notifier.flush(timeoutMs);
    const stats = notifier.stats().destinations;
    return targets.map((target) => {
      const a = arrivals(server, target, texts.length, t0, timeoutMs);
      const lanes = stats.filter((s) => HERALD_LANE[target].test(s.destination));
      if (lanes.length !== 1) throw new Error(`bench: expected one Herald lane for ${target}, found ${lanes.map((l) => l.destination).join(', ') || 'none'}`);
      const c = count(lanes[0]!.destination);
      const pending = report.complete ? 0 : texts.length - a.delivered - c.failed - c.dropped;
      return {
        target,
        contender: 'Herald',
        how: HERALD_HOW[target],
        finished: report.complete,
        timeoutSeconds: timeoutMs / 1000,
        seconds: a.seconds,
        callerBlockedMs,
        messages: a.messages,
        requests: a.requests,
        rateLimited: a.rateLimited,
        otherErrors: a.otherErrors,
        delivered: a.delivered,
        lost: report.complete ? texts.length - a.delivered : c.failed + c.dropped,
        pending: Math.max(0, pending),
        duplicates: a.duplicates,
        clientFailures: c.failed,
        herald: { retries: c.retries, failedEvents: c.failed, droppedEvents: c.dropped, reports, timeline: a.timeline, retryLog: c.retryLog },
      };
    });
  } finally {
    await notifier.close(1000);
    await server.close();
  }
}

/** A peer library set up against one server. */
interface PeerClient {
  send(text: string, signal: AbortSignal): Promise<unknown>;
  close?(): void;
}

export interface PeerSpec {
  target: Target;
  contender: string;
  how: string;
  /** `concurrent`: every send started at once (event handlers); `sequential`: `await` each in turn. */
  mode: 'concurrent' | 'sequential';
  /** Takes minutes (retries until delivered); run together with the other long ones. */
  long: boolean;
  make(server: FakePlatformServer): PeerClient;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs one peer on a fresh server; stops it (abort) at the timeout. */
export async function runPeer(spec: PeerSpec, texts: readonly string[], timeoutMs: number): Promise<CellResult> {
  const server = await freshServer();
  const client = spec.make(server);
  const ac = new AbortController();
  // One signal stops every send of this peer at the timeout; each pending send listens to it.
  setMaxListeners(Infinity, ac.signal);
  let failures = 0;
  let callerBlockedMs = 0;
  const t0 = Date.now();
  const h0 = process.hrtime.bigint();
  const failed = () => {
    // A send that fails only because we aborted it at the timeout is pending, not lost.
    if (!ac.signal.aborted) failures++;
  };
  let all: Promise<unknown>;
  if (spec.mode === 'concurrent') {
    all = Promise.all(texts.map((t) => client.send(t, ac.signal).then(() => undefined, failed)));
    callerBlockedMs = Number(process.hrtime.bigint() - h0) / 1e6;
  } else {
    all = (async () => {
      for (const t of texts) {
        if (ac.signal.aborted) break;
        try {
          await client.send(t, ac.signal);
        } catch {
          failed();
        }
      }
      callerBlockedMs = Number(process.hrtime.bigint() - h0) / 1e6;
    })();
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const finished = await Promise.race([all.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)))]);
  clearTimeout(timer);
  if (!finished) {
    ac.abort(new Error('benchmark timeout'));
    if (spec.mode === 'sequential') callerBlockedMs = timeoutMs;
    // Let aborted requests and retry timers wind down (bounded), then close the server under them.
    await Promise.race([all, sleep(10_000)]);
  }
  const a = arrivals(server, spec.target, texts.length, t0, finished ? Infinity : timeoutMs);
  client.close?.();
  await server.close();
  const lost = finished ? texts.length - a.delivered : failures;
  return {
    target: spec.target,
    contender: spec.contender,
    how: spec.how,
    finished,
    timeoutSeconds: timeoutMs / 1000,
    seconds: a.seconds,
    callerBlockedMs,
    messages: a.messages,
    requests: a.requests,
    rateLimited: a.rateLimited,
    otherErrors: a.otherErrors,
    delivered: a.delivered,
    lost,
    pending: finished ? 0 : Math.max(0, texts.length - a.delivered - lost),
    duplicates: a.duplicates,
    clientFailures: failures,
  };
}

/** A naive `await fetch(...)` per message, no retry, no pacing: what many bots do. */
function naive(target: Target): PeerSpec {
  return {
    target,
    contender: 'naive fetch',
    how: 'for (…) await fetch(POST) per message, no retry',
    mode: 'sequential',
    long: false,
    make: (server) => {
      let url: string;
      let body: (text: string) => unknown;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (target === 'discord') {
        url = server.discordWebhookUrl(DISCORD_ID, DISCORD_TOKEN);
        body = (content) => ({ content });
      } else if (target === 'slack') {
        url = server.slackWebhookUrl(SLACK_PATH);
        body = (text) => ({ text });
      } else if (target === 'slack-bot') {
        url = `${server.slackApiBaseUrl}/chat.postMessage`;
        headers.authorization = `Bearer ${SLACK_BOT_TOKEN}`;
        headers['content-type'] = 'application/json; charset=utf-8';
        body = (text) => ({ channel: SLACK_CHANNEL.id, text });
      } else if (target === 'discord-bot') {
        url = `${server.discordApiBaseUrl}/v10/channels/${DISCORD_CHANNEL.id}/messages`;
        headers.authorization = `Bot ${DISCORD_BOT_TOKEN}`;
        body = (content) => ({ content });
      } else {
        url = `${server.telegramBaseUrl}/bot${TELEGRAM_TOKEN}/sendMessage`;
        body = (text) => ({ chat_id: DESTINATION[target], text });
      }
      return {
        async send(text, signal) {
          const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body(text)), signal });
          const answer = await res.text();
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          // The Slack Web API refuses with HTTP 200 { ok: false, error }.
          if (target === 'slack-bot' && !(JSON.parse(answer) as { ok?: boolean }).ok) throw new Error(answer);
        },
      };
    },
  };
}

function grammy(target: 'telegram-group' | 'telegram-private'): PeerSpec {
  return {
    target,
    contender: 'grammY + auto-retry',
    how: 'bot.api.config.use(autoRetry()); bot.api.sendMessage() per event, all at once',
    mode: 'concurrent',
    long: true,
    make: (server) => {
      const bot = new Bot(TELEGRAM_TOKEN, { client: { apiRoot: server.telegramBaseUrl } });
      bot.api.config.use(autoRetry());
      const chat = Number(DESTINATION[target]);
      // grammY types its signal as the abort-controller polyfill's; Node's native one works at runtime (node-fetch accepts it).
      type GrammySignal = Parameters<typeof bot.api.sendMessage>[3];
      return { send: (text, signal) => bot.api.sendMessage(chat, text, {}, signal as unknown as GrammySignal) };
    },
  };
}

const discordRest: PeerSpec = {
  target: 'discord',
  contender: '@discordjs/rest',
  how: 'new REST({ api }); rest.post(Routes.webhook(id, token), { body: { content }, auth: false }) per event, all at once',
  mode: 'concurrent',
  long: true,
  make: (server) => {
    // REST builds `${api}/v10${route}`; the fake accepts /api/v10/webhooks/:id/:token like Discord.
    const rest = new REST({ api: `${server.url}/api` });
    // Routes.webhook(id, token) from discord-api-types is exactly this path.
    const route = `/webhooks/${DISCORD_ID}/${DISCORD_TOKEN}` as const;
    return {
      send: (content, signal) => rest.post(route, { body: { content }, auth: false, signal }),
      close: () => {
        rest.clearHashSweeper();
        rest.clearHandlerSweeper();
      },
    };
  },
};

const slackWebhook: PeerSpec = {
  target: 'slack',
  contender: '@slack/webhook',
  how: 'new IncomingWebhook(url).send({ text }) per event, all at once (default: no retry)',
  mode: 'concurrent',
  long: false,
  make: (server) => {
    const hook = new IncomingWebhook(server.slackWebhookUrl(SLACK_PATH));
    return { send: (text) => hook.send({ text }) };
  },
};

const discordBotRest: PeerSpec = {
  target: 'discord-bot',
  contender: '@discordjs/rest',
  how: 'new REST({ api }).setToken(token); rest.post(Routes.channelMessages(id), { body: { content } }) per event, all at once',
  mode: 'concurrent',
  long: true,
  make: (server) => {
    // REST builds `${api}/v10${route}` with `Authorization: Bot <token>`, as the fake's bot API expects.
    const rest = new REST({ api: server.discordApiBaseUrl }).setToken(DISCORD_BOT_TOKEN);
    // Routes.channelMessages(id) from discord-api-types is exactly this path.
    const route = `/channels/${DISCORD_CHANNEL.id}/messages` as const;
    return {
      send: (content, signal) => rest.post(route, { body: { content }, signal }),
      close: () => {
        rest.clearHashSweeper();
        rest.clearHandlerSweeper();
      },
    };
  },
};

/** Every peer, per target. (@slack/web-api, the Slack bot's own client, is not a dependency here: the bot's peer is plain fetch.) */
export const PEERS: readonly PeerSpec[] = [
  grammy('telegram-group'),
  naive('telegram-group'),
  grammy('telegram-private'),
  naive('telegram-private'),
  discordRest,
  naive('discord'),
  slackWebhook,
  naive('slack'),
  naive('slack-bot'),
  discordBotRest,
  naive('discord-bot'),
];
