/**
 * The bad-input table: what a strategy, a host, a `.env` or a shell can hand Herald that it did not
 * expect, one row each, with the outcome each must have. Inputs go in through `log()`, `notify()`,
 * the plugin's host events, targets, the configuration loader (`createNotifier` throwing
 * `HeraldConfigError`) and the `herald` command's arguments (the built CLI as a subprocess).
 *
 * For every row: nothing throws into the caller (only the configuration loader throws, by design,
 * one `HeraldConfigError` listing every problem); every refused input gets a clear message, and
 * the row asserts its words (and that no secret is in them); and nothing is lost: what should
 * arrive is asserted on the local fake platforms (127.0.0.1, real size and markup limits, 429s
 * relaxed so pacing is Herald's own).
 *
 * Split boundaries: a message is placed so that an emoji ZWJ sequence, a flag, a letter with
 * combining marks or RTL text with its points straddles each platform's limit (Telegram 4096 code
 * points, Discord 2000 UTF-16 units, Slack 3900 escaped characters); the parts must meet on a
 * grapheme-cluster boundary (Intl.Segmenter) and join back to the text.
 */
import { EventEmitter } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../../src/config/env.js';
import { slackLength } from '../../src/channels/slack.js';
import { codePoints, utf16Length } from '../../src/channels/split.js';
import { FakePlatformServer, type ReceivedMessage } from '../../src/sandbox/fake-platforms.js';
import {
  createNotifier,
  HeraldConfigError,
  heraldPlugin,
  type FailedEvent,
  type Notifier,
  type NotifierOptions,
  type RateLimits,
  type WarningEvent,
} from '../../src/index.js';
import { DISCORD_TOKEN as CLI_DISCORD_TOKEN, findLeak, hasStack, removeDir, runCli, tempDir, type CliRun } from '../cli/harness.js';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0';
const TOKEN_SECRET = TOKEN.slice(TOKEN.indexOf(':') + 3);
const CHAT = '4242424242';
const WEBHOOK_ID = '1000000000000000001';
const WEBHOOK_SECRET = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-secret';
const SLACK_PATH = 'T0AAAAAAA/B0BBBBBBB';
const SLACK_SECRET = 'abcdefghijklmnopqrstuvwx';
const SLACK_BOT = 'xoxb-1111111111-2222222222222-AbCdEfGhIjKlMnOpQrStUvWx';
const SLACK_GENERAL = 'C0GENERAL01';
/** What must never appear in a message, event, report or output (each with its harmless head cut off). */
const SECRETS = [TOKEN_SECRET, WEBHOOK_SECRET.slice(2), SLACK_SECRET.slice(2), SLACK_BOT.slice(7), CLI_DISCORD_TOKEN.slice(2)];

/** The fake never answers 429 here: what paces requests is Herald's own limiter. */
const RELAXED = {
  telegramPerChat: { burst: 1_000_000, perSecond: 1_000_000 },
  telegramPerGroupPerMinute: 1_000_000,
  telegramPerBotPerSecond: 1_000_000,
  discordPerWebhook: { limit: 1_000_000, windowMs: 1000 },
  slackPerWebhook: { burst: 1_000_000, perSecond: 1_000_000 },
  slackPerChannel: { burst: 1_000_000, perSecond: 1_000_000 },
  discordPerChannel: { limit: 1_000_000, windowMs: 1000 },
  discordGlobalPerSecond: 1_000_000,
};
/** For the 1 MB row only: hundreds of parts at the platforms' real pace would take minutes. */
const NO_LIMITS: RateLimits = { reserve: () => 0, observe: () => {}, block: () => {} };

let server: FakePlatformServer;
beforeAll(async () => {
  server = await FakePlatformServer.start({ limits: RELAXED });
});
afterAll(() => server.close());

type Where = 'telegram' | 'discord' | 'slack';

const telegramEnv = (): Env => ({ TELEGRAM_API_BASE_URL: server.telegramBaseUrl, GENERAL_TELEGRAM_BOT_TOKEN: TOKEN, GENERAL_TELEGRAM_BOT_CHAT_ID: CHAT });
const discordUrl = (): string => server.discordWebhookUrl(WEBHOOK_ID, WEBHOOK_SECRET);
const slackUrl = (): string => server.slackWebhookUrl(`${SLACK_PATH}/${SLACK_SECRET}`);
/** The three GENERAL destinations on the fake. */
const threeEnv = (over: Env = {}): Env => ({ ...telegramEnv(), GENERAL_DISCORD_WEBHOOK: discordUrl(), GENERAL_SLACK_WEBHOOK: slackUrl(), ...over });
const only = (where: Where): Env =>
  where === 'telegram' ? telegramEnv() : where === 'discord' ? { GENERAL_DISCORD_WEBHOOK: discordUrl() } : { GENERAL_SLACK_WEBHOOK: slackUrl() };

const unescapeHtml = (s: string): string =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
const unescapeSlack = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** A message's text as the platform shows it (Telegram markup and Slack escapes undone), cards flattened in. */
function shownOf(m: ReceivedMessage): string {
  const body = m.body as {
    embeds?: { title?: string; description?: string; fields?: { name: string; value: string }[]; footer?: { text?: string } }[];
    blocks?: { text?: { text: string }; fields?: { text: string }[]; elements?: { text: string }[] }[];
  };
  if (m.platform === 'telegram') return m.parseMode === 'HTML' ? unescapeHtml(m.text.replace(/<[^>]*>/g, '')) : m.text;
  if (m.platform === 'discord') {
    const embeds = (body.embeds ?? []).flatMap((e) => [e.title, e.description, ...(e.fields ?? []).flatMap((f) => [f.name, f.value]), e.footer?.text]);
    return [m.text, ...embeds].filter((x): x is string => typeof x === 'string' && x !== '').join('\n');
  }
  const blocks = (body.blocks ?? []).flatMap((b) => [b.text?.text, ...(b.fields ?? []).map((f) => f.text), ...(b.elements ?? []).map((e) => e.text)]);
  return unescapeSlack([m.text, ...blocks].filter((x): x is string => typeof x === 'string' && x !== '').join('\n'));
}

/** What one act through a notifier led to. */
interface Outcome {
  /** Anything that escaped into the caller. */
  readonly threw: unknown[];
  readonly warnings: WarningEvent[];
  readonly failed: FailedEvent[];
  readonly reports: string[];
  readonly messages: ReceivedMessage[];
  /** Messages as shown, per platform, in arrival order. */
  shown(where: Where): string[];
  /** Raw text of each message (Telegram and Slack escapes undone): the parts of a split message. */
  parts(where: Where): string[];
}

/** Runs `act` on a fresh notifier over the fake, waits for delivery, and collects what happened. */
async function deliver(
  act: (n: Notifier) => void,
  env: Env = threeEnv(),
  options: Partial<NotifierOptions> = {},
  setup?: (s: FakePlatformServer) => void,
): Promise<Outcome> {
  server.reset();
  setup?.(server);
  const warnings: WarningEvent[] = [];
  const failed: FailedEvent[] = [];
  const reports: string[] = [];
  const threw: unknown[] = [];
  const n = createNotifier({
    env,
    diagnostics: (l) => void reports.push(l),
    drainOnExit: false,
    delivery: { backoff: { baseMs: 20, factor: 2, maxMs: 200, jitter: 0 } },
    ...options,
  });
  n.on('warning', (w) => void warnings.push(w));
  n.on('failed', (f) => void failed.push(f));
  try {
    try {
      act(n);
    } catch (err) {
      threw.push(err);
    }
    await n.flush(15_000);
  } finally {
    await n.close(500);
  }
  const messages = [...server.messages];
  const of = (where: Where): ReceivedMessage[] => messages.filter((m) => m.platform === where);
  return {
    threw,
    warnings,
    failed,
    reports,
    messages,
    shown: (where) => of(where).map(shownOf),
    parts: (where) => of(where).map((m) => (where === 'discord' ? m.text : unescapeHtml(m.text))),
  };
}

/** The plugin installed on a host with a node:events emitter; `act` emits on it. */
function viaPlugin(act: (emit: (event: string, payload?: unknown) => void) => void): (n: Notifier) => void {
  return (n) => {
    const events = new EventEmitter();
    heraldPlugin({ notifier: n }).install({ events });
    act((event, payload) => events.emit(event, payload));
  };
}

/** Nothing thrown, nothing failed, no secret anywhere; every platform got exactly `text`. */
function expectArrived(o: Outcome, text: string, where: readonly Where[] = ['telegram', 'discord', 'slack']): void {
  expect(o.threw).toEqual([]);
  expect(o.failed).toEqual([]);
  for (const w of where) expect(o.shown(w), w).toEqual([text]);
  expectNoSecret(o);
}

/** No known secret in anything Herald produced: messages, events, report lines. */
function expectNoSecret(o: Outcome): void {
  const all = [
    ...o.messages.map((m) => JSON.stringify(m.body)),
    ...o.warnings.map((w) => JSON.stringify(w)),
    ...o.failed.map((f) => JSON.stringify(f)),
    ...o.reports,
  ].join('\n');
  for (const s of SECRETS) expect(all, 'a secret leaked').not.toContain(s);
}

/** `createNotifier(env)` throws one HeraldConfigError; its problems, each checked for secrets. */
function configProblems(env: Env): HeraldConfigError['problems'] {
  let error: unknown;
  try {
    const n = createNotifier({ env, drainOnExit: false, diagnostics: () => {} });
    void n.close(0);
  } catch (err) {
    error = err;
  }
  expect(error, 'createNotifier should have thrown').toBeInstanceOf(HeraldConfigError);
  const e = error as HeraldConfigError;
  for (const s of SECRETS) expect(e.message).not.toContain(s);
  return e.problems;
}

/** `createNotifier(env)` accepts the configuration. */
function configAccepted(env: Env): void {
  const n = createNotifier({ env, drainOnExit: false, diagnostics: () => {} });
  void n.close(0);
}

/** A target that cannot be used: never thrown, reported once over three logs, the messages still reach the general destinations with the reason first. */
async function badTarget(target: unknown, message: RegExp | string, env: Env = threeEnv()): Promise<Outcome> {
  const o = await deliver((n) => {
    for (let i = 1; i <= 3; i++) n.log(`to a bad target ${i}`, target as string);
  }, env);
  expect(o.threw).toEqual([]);
  const unresolved = o.warnings.filter((w) => w.code === 'target-unresolved');
  expect(unresolved).toHaveLength(1);
  if (typeof message === 'string') expect(unresolved[0]!.message).toBe(message);
  else expect(unresolved[0]!.message).toMatch(message);
  expect(unresolved[0]!.fix).toBeTruthy();
  const telegram = o.shown('telegram').join('\n');
  for (let i = 1; i <= 3; i++) expect(telegram).toContain(`to a bad target ${i}`);
  expect(telegram.startsWith(`⚠️ ${unresolved[0]!.message} — sent here instead.`)).toBe(true);
  expectNoSecret(o);
  return o;
}

/** Grapheme-cluster boundaries of `text` (UTF-16 indices, 0 and the end included). */
function graphemeBoundaries(text: string): Set<number> {
  const out = new Set([text.length]);
  for (const s of new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(text)) out.add(s.index);
  return out;
}

/** Clusters that must not be cut, and each platform's limit in its own unit. */
const CLUSTERS = {
  'a ZWJ family emoji': '👨‍👩‍👧‍👦',
  'a flag': '🇺🇦',
  'e with three combining marks': 'e\u0301\u0303\u0323',
  'Hebrew (RTL) with its points': 'שָׁלוֹם',
} as const;
/**
 * Each platform's unit and a filler of `n` of them: the cluster after it starts exactly where its
 * first code point still fits and the rest does not, so a cut by length alone would fall inside it.
 */
const LIMITS: Record<Where, { what: string; measure: (s: string) => number; filler: (n: number) => string }> = {
  telegram: { what: '4096 code points', measure: codePoints, filler: (n) => 'a'.repeat(n) },
  discord: { what: '2000 UTF-16 units', measure: utf16Length, filler: (n) => 'a'.repeat(n) },
  // Slack counts escaped characters: '&' is 5 (&amp;), so the filler is mostly escapes.
  slack: { what: '3900 escaped characters', measure: slackLength, filler: (n) => '&'.repeat(Math.floor(n / 5)) + 'a'.repeat(n % 5) },
};
const MAX: Record<Where, number> = { telegram: 4096, discord: 2000, slack: 3900 };

/** One CLI run in a fresh directory (its HOME), with `files` written there first. */
async function cli(args: readonly string[], env: Record<string, string> = {}, files: Record<string, string | Buffer> = {}): Promise<CliRun> {
  const cwd = await tempDir();
  try {
    for (const [name, content] of Object.entries(files)) await writeFile(join(cwd, name), content);
    const run = await runCli(args, { cwd, env });
    // The harness checks its own secrets; these are this file's.
    for (const s of SECRETS) expect(run.stdout + run.stderr, 'a secret leaked').not.toContain(s);
    expect(findLeak(run.stdout + run.stderr)).toBeUndefined();
    expect(hasStack(run.stderr), 'a stack trace on stderr').toBe(false);
    return run;
  } finally {
    await removeDir(cwd);
  }
}
const cliEnv = (): Record<string, string> => ({
  TELEGRAM_API_BASE_URL: server.telegramBaseUrl,
  GENERAL_TELEGRAM_BOT_TOKEN: TOKEN,
  GENERAL_TELEGRAM_BOT_CHAT_ID: CHAT,
});

/** One row: an input, where it goes in, what must happen. */
interface Row {
  readonly via: 'log' | 'notify' | 'split' | 'plugin' | 'target' | 'config' | 'cli';
  readonly input: string;
  readonly expected: string;
  readonly run: () => Promise<unknown> | unknown;
}

const cyclic = (): object => {
  const o: Record<string, unknown> = { symbol: 'BTC-USDT' };
  o.self = o;
  return o;
};
const stackless = (message: string): Error => {
  const e = new Error(message);
  e.stack = undefined;
  return e;
};

const ROWS: Row[] = [
  // ── log(message): values of every type ──────────────────────────────────────────────────────
  {
    via: 'log',
    input: 'undefined',
    expected: '"(empty message)" everywhere',
    run: async () => expectArrived(await deliver((n) => n.log(undefined)), '(empty message)'),
  },
  { via: 'log', input: 'null', expected: '"(empty message)" everywhere', run: async () => expectArrived(await deliver((n) => n.log(null)), '(empty message)') },
  {
    via: 'log',
    input: 'whitespace only ("  \\t\\n  ")',
    expected: '"(empty message)", never a blank request the platforms refuse',
    run: async () => expectArrived(await deliver((n) => n.log('  \t\n  ')), '(empty message)'),
  },
  {
    via: 'log',
    input: 'numbers 0, NaN, Infinity',
    expected: '"0", "NaN", "Infinity"',
    run: async () => expectArrived(await deliver((n) => [0, NaN, Infinity].forEach((x) => n.log(x))), '0\nNaN\nInfinity'),
  },
  { via: 'log', input: '-0', expected: '"0"', run: async () => expectArrived(await deliver((n) => n.log(-0)), '0') },
  {
    via: 'log',
    input: 'a BigInt beyond 2^53 (12345678901234567890n)',
    expected: 'every digit',
    run: async () => expectArrived(await deliver((n) => n.log(12345678901234567890n)), '12345678901234567890'),
  },
  {
    via: 'log',
    input: "a symbol (Symbol('tick'))",
    expected: '"Symbol(tick)"',
    run: async () => expectArrived(await deliver((n) => n.log(Symbol('tick'))), 'Symbol(tick)'),
  },
  {
    via: 'log',
    input: 'an object with a cycle',
    expected: 'JSON with "[Circular]" where it loops',
    run: async () => expectArrived(await deliver((n) => n.log(cyclic())), '{\n  "symbol": "BTC-USDT",\n  "self": "[Circular]"\n}'),
  },
  {
    via: 'log',
    input: 'an object whose toJSON throws',
    expected: 'its readable fields and why JSON refused it',
    run: async () =>
      expectArrived(
        await deliver((n) =>
          n.log({
            qty: 1,
            toJSON: () => {
              throw new Error('no JSON today');
            },
          }),
        ),
        '{ qty: 1, toJSON: [Function toJSON] } (not serialisable: no JSON today)',
      ),
  },
  {
    via: 'log',
    input: 'a Map and a BigInt inside an object',
    expected: 'the Map as an object, the BigInt as digits',
    run: async () => expectArrived(await deliver((n) => n.log({ fills: new Map([['BTC', 2n]]) })), '{\n  "fills": {\n    "BTC": "2"\n  }\n}'),
  },
  {
    via: 'log',
    input: 'an Error without a stack',
    expected: '"Error: boom" and nothing else',
    run: async () => expectArrived(await deliver((n) => n.log(stackless('boom'))), 'Error: boom'),
  },
  {
    via: 'log',
    input: "an Error with a cause (new Error('order failed', { cause: new TypeError('socket hang up') }))",
    expected: 'the error and its cause: the cause is usually the part that says what broke',
    run: async () => {
      const o = await deliver((n) => n.log(new Error('order failed', { cause: new TypeError('socket hang up') })));
      for (const w of ['telegram', 'discord', 'slack'] as const) {
        expect(o.shown(w)[0]).toMatch(/^Error: order failed/);
        expect(o.shown(w)[0], w).toContain('TypeError: socket hang up');
      }
    },
  },
  {
    via: 'log',
    input: 'lone UTF-16 surrogates ("buy \\uD83D then \\uDC00 sell")',
    expected: 'arrives with each lone surrogate as U+FFFD: ill-formed UTF-16 has no UTF-8 form, and Telegram answers 400 "strings must be encoded in UTF-8"',
    run: async () => {
      const o = await deliver((n) => n.log('buy \ud83d then \udc00 sell'));
      expectArrived(o, 'buy \ufffd then \ufffd sell');
    },
  },
  {
    via: 'log',
    input: 'a 1 MB string (10 000 lines and one 100 KB line)',
    expected:
      'its first part plus the whole text as message.txt where files go (Telegram, Discord); split into parts within every limit, in order, where they cannot (a Slack webhook); nothing lost',
    run: async () => {
      const lines = Array.from({ length: 10_000 }, (_, i) => `line ${String(i).padStart(5, '0')} <&> ${'x'.repeat(80)}`);
      lines.splice(5000, 0, `${'long '.repeat(20_000)}end`);
      const text = lines.join('\n');
      expect(text.length).toBeGreaterThan(1_000_000);
      const o = await deliver((n) => n.log(text), threeEnv(), { limits: NO_LIMITS });
      expect(o.threw).toEqual([]);
      expect(o.failed).toEqual([]);
      for (const w of ['telegram', 'discord'] as const) {
        const sent = o.messages.filter((m) => m.platform === w);
        expect(sent, w).toHaveLength(2);
        expect(text.startsWith(o.parts(w)[0]!), w).toBe(true);
        const file = sent[1]!.files?.[0];
        expect(file?.name, w).toBe('message.txt');
        expect(Buffer.from(file!.base64, 'base64').toString('utf8'), w).toBe(text);
      }
      const parts = o.parts('slack');
      expect(parts.length).toBeGreaterThan(200);
      // Parts join with the line break they were split at, or with nothing inside the long line.
      expect(parts.join('').replace(/\n/g, '')).toBe(text.replace(/\n/g, ''));
      for (const m of o.messages.filter((x) => x.platform === 'discord')) expect(m.text.length).toBeLessThanOrEqual(2000);
    },
  },
  {
    via: 'log',
    input: 'HTML, Markdown and mrkdwn specials (<b>x</b> & *b* _i_ `c` ~s~ [l](u) > q &amp;)',
    expected: 'shown literally on every platform: escaped for Telegram HTML and Slack, sent as written to Discord',
    run: async () => {
      const text = '<b>not bold</b> & *not bold* _not italic_ `not code` ~no strike~ [no link](https://x.example) > not a quote &amp; </code>';
      const o = await deliver((n) => n.log(text));
      expectArrived(o, text);
      const tg = o.messages.find((m) => m.platform === 'telegram')!;
      expect(tg.parseMode).toBe('HTML');
      expect(tg.text).not.toContain('<b>not');
    },
  },
  {
    via: 'log',
    input: 'mention attempts: @everyone @here <!channel> <!here> <!everyone> <@U123> <#C123> <@&123> <@123456789012345678> <!subteam^S1>',
    expected: 'shown as text, pinging no one: Discord allowed_mentions empty, Slack control characters escaped',
    run: async () => {
      const text = '@everyone @here <!channel> <!here> <!everyone> <@U123> <#C123> <@&123> <@123456789012345678> <!subteam^S1>';
      const o = await deliver((n) => n.log(text));
      expectArrived(o, text);
      const dc = o.messages.find((m) => m.platform === 'discord')!;
      expect((dc.body as { allowed_mentions: unknown }).allowed_mentions).toEqual({ parse: [] });
      const sl = o.messages.find((m) => m.platform === 'slack')!;
      expect(sl.text).not.toMatch(/<[!@#]/);
    },
  },
  {
    via: 'log',
    input: 'emoji, ZWJ sequences, flags, combining marks, RTL and bidi controls in one line',
    expected: 'arrives unchanged',
    run: async () => expectArrived(await deliver((n) => n.log('🚀 👨‍👩‍👧‍👦 🇺🇦 é̃ שָׁלוֹם مرحبا \u202Eevil\u202C 漢字')), '🚀 👨‍👩‍👧‍👦 🇺🇦 é̃ שָׁלוֹם مرحبا \u202Eevil\u202C 漢字'),
  },

  // ── notify(message, options): options of the wrong shape ───────────────────────────────────
  {
    via: 'notify',
    input: "options that are a string ('loud')",
    expected: 'ignored: delivered as a plain info notification',
    run: async () => expectArrived(await deliver((n) => n.notify('options as a string', 'loud' as never)), 'options as a string'),
  },
  {
    via: 'notify',
    input: 'options null',
    expected: 'delivered',
    run: async () => expectArrived(await deliver((n) => n.notify('options null', null)), 'options null'),
  },
  {
    via: 'notify',
    input: "level: 'fatal', silent: 'yes', tags: 'x', card: { title: 5 }",
    expected: 'unknown level is info (not to the ERROR destination), silent only when true, bad tags and card ignored',
    run: async () => {
      const errorHook = server.discordWebhookUrl('1000000000000000999', 'ErrorHookToken_0123456789abcdef');
      const o = await deliver(
        (n) => n.notify('wrong option types', { level: 'fatal', silent: 'yes', tags: 'x', card: { title: 5 } } as never),
        threeEnv({ ERROR_DISCORD_WEBHOOK: errorHook }),
      );
      expectArrived(o, 'wrong option types');
      expect(o.messages.every((m) => !m.silent)).toBe(true);
      expect(o.messages.filter((m) => m.destination === '1000000000000000999')).toEqual([]);
    },
  },

  // ── targets ────────────────────────────────────────────────────────────────────────────────
  {
    via: 'target',
    input: 'a number (42)',
    expected: '"log target a number is not a target", once; the messages go to the general destinations with that note',
    run: () => badTarget(42, 'log target a number is not a target'),
  },
  { via: 'target', input: 'a symbol', expected: '"a symbol is not a target", once', run: () => badTarget(Symbol('to'), 'log target a symbol is not a target') },
  {
    via: 'target',
    input: 'an object',
    expected: '"an object is not a target", once',
    run: () => badTarget({ to: 'x' }, 'log target an object is not a target'),
  },
  {
    via: 'target',
    input: 'whitespace only ("   ")',
    expected: '"log target "" is not a target", once',
    run: () => badTarget('   ', 'log target "" is not a target'),
  },
  {
    via: 'target',
    input: 'an unset variable (OPS_ALERTS)',
    expected: '"OPS_ALERTS is not set", once',
    run: () => badTarget('OPS_ALERTS', 'log target OPS_ALERTS is not set'),
  },
  {
    via: 'target',
    input: "'#alerts' with no bot configured",
    expected: 'names the missing bot and how to configure one',
    run: () => badTarget('#alerts', /"#alerts" names a channel of a Slack or Discord bot, and none is configured/),
  },
  {
    via: 'target',
    input: "'telegram:1001234567890' (a supergroup id without its minus)",
    expected: 'says the "-" was lost and gives -1001234567890',
    run: async () => expect((await badTarget('telegram:1001234567890', /lost its leading "-"/)).warnings[0]!.fix).toContain('-1001234567890'),
  },
  {
    via: 'target',
    input: `a mistyped webhook (/api/webhook/ for /api/webhooks/) with its secret`,
    expected: 'shows "https://discord.com/api/…": host and first path segment only',
    run: () =>
      badTarget(`https://discord.com/api/webhook/${WEBHOOK_ID}/${WEBHOOK_SECRET}`, /^log target "https:\/\/discord\.com\/api\/…" is not a Discord webhook/),
  },
  {
    via: 'target',
    input: 'a Slack webhook with /service/ for /services/',
    expected: 'shows "https://hooks.slack.com/service/…" only',
    run: () =>
      badTarget(
        `https://hooks.slack.com/service/${SLACK_PATH}/${SLACK_SECRET}`,
        /^log target "https:\/\/hooks\.slack\.com\/service\/…" is not a Discord webhook/,
      ),
  },
  {
    via: 'target',
    input: 'an IDN look-alike host (https://dіscord.com with a Cyrillic і)',
    expected: 'refused, shown in punycode and called a look-alike',
    run: () =>
      badTarget(
        `https://d\u0456scord.com/api/webhooks/${WEBHOOK_ID}/${WEBHOOK_SECRET}`,
        /"https:\/\/xn--dscord-pvf\.com\/api\/…" is not .* only looks like a real one/,
      ),
  },
  {
    via: 'target',
    input: 'a webhook over plain http (not loopback)',
    expected: '"… is not https"',
    run: () => badTarget(`http://discord.com/api/webhooks/${WEBHOOK_ID}/${WEBHOOK_SECRET}`, /^log target "http:\/\/discord\.com\/api\/…" is not https$/),
  },
  {
    via: 'target',
    input: 'a webhook with a user name and password (https://me:pw@discord.com/…)',
    expected: 'refused: "has a user name or password before its host"',
    run: () => badTarget(`https://me:hunter2@discord.com/api/webhooks/${WEBHOOK_ID}/${WEBHOOK_SECRET}`, /has a user name or password before its host/),
  },
  {
    via: 'target',
    input: 'a webhook on another host (https://discord.com.evil.example/api/webhooks/…)',
    expected: 'refused, its host shown',
    run: () =>
      badTarget(
        `https://discord.com.evil.example/api/webhooks/${WEBHOOK_ID}/${WEBHOOK_SECRET}`,
        /"https:\/\/discord\.com\.evil\.example\/api\/…" is not a Discord webhook/,
      ),
  },
  {
    via: 'target',
    input: 'a Discord webhook with ?thread_id=abc',
    expected: '"thread_id "abc" is not a Discord id"',
    run: () => badTarget(`${discordUrl()}?thread_id=abc`, 'log target thread_id "abc" is not a Discord id'),
  },
  {
    via: 'target',
    input: 'a Discord webhook with a query string and a fragment (?wait=true#frag)',
    expected: 'used: delivered to that webhook',
    run: async () => {
      const o = await deliver(
        (n) => n.log('with query and fragment', `${server.discordWebhookUrl('1000000000000000009', 'OtherHookToken_0123')}?wait=true#frag`),
        telegramEnv(),
      );
      expect(o.threw).toEqual([]);
      expect(o.warnings).toEqual([]);
      expect(o.messages.filter((m) => m.platform === 'discord').map((m) => [m.destination, m.text])).toEqual([
        ['1000000000000000009', 'with query and fragment'],
      ]);
    },
  },
  {
    via: 'target',
    input: "'slack:#alerts' with only a Discord webhook configured",
    expected: 'names the missing Slack bot',
    run: () => badTarget('slack:#alerts', /"slack:#alerts" names a channel of a slack bot, and none is configured/),
  },
  {
    via: 'target',
    input: "'slack:#Ops Room' with a Slack bot (a space separates targets)",
    expected:
      'two targets: #ops (a capitalised name is a name) gets it, and "Room", an unset variable, is reported with the message at the general destinations',
    run: async () => {
      const o = await deliver(
        (n) => n.log('spaced channel', 'slack:#Ops Room'),
        { ...telegramEnv(), SLACK_API_BASE_URL: server.slackApiBaseUrl, SLACK_BOT_TOKEN: SLACK_BOT, SLACK_DEFAULT_CHANNEL: SLACK_GENERAL },
        {},
        (s) => {
          s.addSlackChannel({ id: SLACK_GENERAL, name: 'general' });
          s.addSlackChannel({ id: 'C0OPS000001', name: 'ops' });
        },
      );
      expect(o.threw).toEqual([]);
      expect(o.failed).toEqual([]);
      expect(o.warnings.map((w) => w.message)).toEqual(['log target Room is not set']);
      expect(o.messages.filter((m) => m.platform === 'slack').map((m) => [m.destination, m.text])).toEqual([
        ['C0OPS000001', 'spaced channel'],
        [SLACK_GENERAL, '⚠️ log target Room is not set — sent here instead.\nspaced channel'],
      ]);
    },
  },

  // ── split boundaries: clusters straddling each platform's limit ─────────────────────────────
  ...(['telegram', 'discord', 'slack'] as const).flatMap((where) =>
    Object.entries(CLUSTERS).map(([name, cluster]): Row => ({
      via: 'split',
      input: `${name} straddling ${where === 'telegram' ? 'Telegram' : where === 'discord' ? 'Discord' : 'Slack'}'s ${LIMITS[where].what}`,
      expected: 'the cluster moves whole to the second part; parts join back to the text',
      run: async () => {
        const first = String.fromCodePoint(cluster.codePointAt(0)!);
        const head = LIMITS[where].filler(MAX[where] - LIMITS[where].measure(first));
        expect(LIMITS[where].measure(head + first)).toBe(MAX[where]);
        const text = `${head}${cluster} and the rest`;
        const o = await deliver((n) => n.log(text), only(where));
        expect(o.threw).toEqual([]);
        expect(o.failed).toEqual([]);
        const parts = o.parts(where);
        expect(parts.join(''), 'joined back').toBe(text);
        expect(parts[0], 'the first part ends before the cluster').toBe(head);
        expect(graphemeBoundaries(text).has(parts[0]!.length)).toBe(true);
      },
    })),
  ),

  {
    via: 'split',
    input: "a card description with a ZWJ family straddling Discord's 3000-unit description piece",
    expected: "the cluster opens the next embed whole; the embeds' descriptions join back to the description",
    run: async () => {
      const head = 'a'.repeat(2998);
      const description = `${head}👨‍👩‍👧‍👦${'b'.repeat(2000)}`;
      const o = await deliver((n) => n.notify('card', { card: { title: 'long card', tone: 'info', fields: [], description } }), only('discord'));
      expect(o.failed).toEqual([]);
      const pieces = o.messages.flatMap((m) => (m.body as { embeds: { description?: string }[] }).embeds.map((e) => e.description ?? ''));
      expect(pieces.join('')).toBe(description);
      expect(pieces[0]).toBe(head);
    },
  },
  {
    via: 'split',
    input: "a card description with a ZWJ family straddling Slack's 3000-character section (escaped)",
    expected: 'the cluster opens the next section whole; the sections join back to the description',
    run: async () => {
      const head = `${'&'.repeat(599)}aaa`; // 2998 escaped characters
      const description = `${head}👨‍👩‍👧‍👦${'b'.repeat(500)}`;
      const o = await deliver((n) => n.notify('card', { card: { title: 'long card', tone: 'info', fields: [], description } }), only('slack'));
      expect(o.failed).toEqual([]);
      const sections = o.messages.flatMap((m) =>
        (m.body as { blocks: { type: string; text?: { text: string } }[] }).blocks
          .filter((b) => b.type === 'section' && b.text)
          .map((b) => unescapeSlack(b.text!.text)),
      );
      expect(sections.join('')).toBe(description);
      expect(sections[0]).toBe(head);
    },
  },

  // ── plugin: host events with payloads of the wrong types ────────────────────────────────────
  ...(
    [
      ['order.filled', { side: 'buy', qty: 'abc', price: 64_210.5, symbol: 'BTC-USDT' }, "qty: 'abc'", 'the card shows qty "abc" as given', ['abc']],
      ['order.filled', { side: 'buy', qty: 0.5, price: NaN, symbol: 'BTC-USDT' }, 'price: NaN', 'shows "NaN"', ['NaN']],
      ['order.filled', { side: 'sell', qty: 0.5, avgPrice: Infinity, symbol: 'BTC-USDT' }, 'avgPrice: Infinity', 'shows "Infinity"', ['Infinity']],
      ['order.filled', { side: 'buy', qty: -0, price: 1, symbol: 'BTC-USDT' }, 'qty: -0', 'shows qty "0", never "-0"', ['FILLED BUY 0 BTC-USDT']],
      [
        'order.filled',
        { side: 'buy', qty: 10n, price: '64210.5', symbol: 'BTC-USDT' },
        "qty: 10n, price: '64210.5' (a BigInt and a numeric string)",
        'qty "10", price "64,210.50"',
        ['10', '64,210.50'],
      ],
      [
        'order.filled',
        { side: 'buy', qty: 1, symbol: { base: 'BTC', quote: 'USDT' } },
        'symbol: an object',
        'the object readably, never "[object Object]"',
        ['BTC'],
      ],
      [
        'position.closed',
        { side: 'long', qty: 1, pnl: 'abc', entryPrice: 1, symbol: 'X' },
        "pnl: 'abc'",
        'shows PnL "abc" as given, like qty and price',
        ['abc'],
      ],
      [
        'position.closed',
        { side: 'short', qty: 1, pnl: -12.5, pnlPct: NaN, entryPrice: -Infinity, exitPrice: '1e999', symbol: 'X' },
        'pnlPct: NaN, entryPrice: -Infinity, exitPrice: "1e999"',
        'each shown as given',
        ['NaN', '-Infinity', '1e999', '-12.50'],
      ],
      ['order.filled', null, 'a null payload', 'a "FILLED" notification, nothing thrown', ['FILLED']],
      ['order.filled', 'BUY 1 BTC', 'a string payload', 'the string is shown', ['BUY 1 BTC']],
      [
        'session.started',
        { mode: 5, symbols: [null, 3], exchange: '' },
        'session.started with mode: 5, symbols: [null, 3]',
        'arrives, "5" and "3" shown',
        ['5', '3'],
      ],
      [
        'custom',
        { name: 5, message: cyclic(), to: 42, level: 'error' },
        'custom event: name 5, a cyclic message, to: 42',
        '"📣 5:" and the JSON with [Circular]; the non-string to is ignored',
        ['📣 5:', '[Circular]'],
      ],
      ['error', stackless('no stack'), 'error event: an Error without a stack', '"Error: no stack"', ['ERROR', 'Error: no stack']],
      ['error', 'exchange said no', 'error event: a bare string', 'the string', ['ERROR', 'exchange said no']],
    ] as const
  ).map(([event, payload, input, expected, shown]): Row => ({
    via: 'plugin',
    input: `${event} with ${input}`,
    expected,
    run: async () => {
      const o = await deliver(viaPlugin((emit) => emit(event, payload)));
      expect(o.threw).toEqual([]);
      expect(o.failed).toEqual([]);
      for (const w of ['telegram', 'discord', 'slack'] as const) {
        const all = o.shown(w).join('\n');
        expect(all, w).not.toContain('[object Object]');
        for (const s of shown) expect(all, w).toContain(s);
      }
    },
  })),
  {
    via: 'plugin',
    input: 'strategy.created with a frozen strategy object',
    expected: 'no throw into the host; a notice says the strategy got no log()',
    run: async () => {
      const o = await deliver(viaPlugin((emit) => emit('strategy.created', Object.freeze({ name: 'frozen-ema' }))));
      expect(o.threw).toEqual([]);
      expect(o.shown('telegram').join('\n')).toMatch(/could not give strategy frozen-ema its log\(\)/);
    },
  },
  {
    via: 'plugin',
    input: 'strategy.created with null, then a strategy whose log() gets a cycle and a numeric target',
    expected: 'null ignored; the message arrives with the target note',
    run: async () => {
      const strategy: { name: string; log?: (m: unknown, t?: string) => void } = { name: 'ema-cross' };
      const o = await deliver(
        viaPlugin((emit) => {
          emit('strategy.created', null);
          emit('strategy.created', strategy);
          strategy.log!(cyclic(), 42 as never);
        }),
      );
      expect(o.threw).toEqual([]);
      expect(o.shown('slack')[0]).toBe('⚠️ log target a number is not a target — sent here instead.\n{\n  "symbol": "BTC-USDT",\n  "self": "[Circular]"\n}');
    },
  },

  // ── the configuration loader ───────────────────────────────────────────────────────────────
  {
    via: 'config',
    input: 'a supergroup chat id without its minus (1001234567890)',
    expected: 'HeraldConfigError: lost its leading "-", fix -1001234567890',
    run: () =>
      expect(configProblems({ GENERAL_TELEGRAM_BOT_TOKEN: TOKEN, GENERAL_TELEGRAM_BOT_CHAT_ID: '1001234567890' })).toEqual([
        {
          variable: 'GENERAL_TELEGRAM_BOT_CHAT_ID',
          message: '"1001234567890" looks like a supergroup or channel id that lost its leading "-"',
          fix: 'use -1001234567890 (group ids are negative; supergroups and channels start with -100)',
        },
      ]),
  },
  {
    via: 'config',
    input: 'a token with a space inside',
    expected: 'not a Telegram bot token, masked, the fix says without spaces',
    run: () => {
      const [p] = configProblems({ GENERAL_TELEGRAM_BOT_TOKEN: TOKEN.replace(':AA', ': AA'), GENERAL_TELEGRAM_BOT_CHAT_ID: CHAT });
      expect(p).toMatchObject({
        variable: 'GENERAL_TELEGRAM_BOT_TOKEN',
        message: expect.stringMatching(/is not a Telegram bot token/),
        fix: expect.stringMatching(/without quotes or spaces/),
      });
    },
  },
  {
    via: 'config',
    input: 'a token in literal quotes ("123…:AA…", as docker -e keeps them)',
    expected: 'accepted, as every variable is: the quotes are not part of the value',
    run: () => configAccepted({ GENERAL_TELEGRAM_BOT_TOKEN: `"${TOKEN}"`, GENERAL_TELEGRAM_BOT_CHAT_ID: `'${CHAT}'`, GENERAL_TELEGRAM_BOT_TOPIC_ID: '"42"' }),
  },
  {
    via: 'config',
    input: 'a chat id in literal quotes ("-1001234567890")',
    expected: 'accepted, as the bot variables and webhook URLs accept quoted values',
    run: () => configAccepted({ GENERAL_TELEGRAM_BOT_TOKEN: TOKEN, GENERAL_TELEGRAM_BOT_CHAT_ID: '"-1001234567890"' }),
  },
  {
    via: 'config',
    input: 'values with spaces around them and a CRLF ending',
    expected: 'accepted (trimmed)',
    run: () =>
      configAccepted({
        GENERAL_TELEGRAM_BOT_TOKEN: `  ${TOKEN}\r\n`,
        GENERAL_TELEGRAM_BOT_CHAT_ID: ' -1001234567890\r',
        GENERAL_DISCORD_WEBHOOK: `\t${discordUrl()}\r\n`,
      }),
  },
  {
    via: 'config',
    input: 'a value starting with a byte-order mark (U+FEFF)',
    expected: 'accepted',
    run: () => configAccepted({ GENERAL_TELEGRAM_BOT_TOKEN: `\ufeff${TOKEN}`, GENERAL_TELEGRAM_BOT_CHAT_ID: `\ufeff${CHAT}` }),
  },
  {
    via: 'config',
    input: 'a webhook URL in literal quotes',
    expected: 'accepted',
    run: () => configAccepted({ GENERAL_DISCORD_WEBHOOK: `"${discordUrl()}"`, GENERAL_SLACK_WEBHOOK: `'${slackUrl()}'` }),
  },
  {
    via: 'config',
    input: 'an empty value (GENERAL_DISCORD_WEBHOOK=)',
    expected: 'as if unset: no problem',
    run: () => configAccepted({ ...telegramEnv(), GENERAL_DISCORD_WEBHOOK: '' }),
  },
  {
    via: 'config',
    input: 'GENERAL_DISCORD_WEBHOOK over plain http',
    expected: '"… is not https", the fix names 127.0.0.1/localhost',
    run: () =>
      expect(configProblems({ GENERAL_DISCORD_WEBHOOK: `http://discord.com/api/webhooks/${WEBHOOK_ID}/${WEBHOOK_SECRET}` })[0]).toMatchObject({
        message: '"http://discord.com/api/…" is not https',
        fix: expect.stringMatching(/127\.0\.0\.1\/localhost/),
      }),
  },
  {
    via: 'config',
    input: 'GENERAL_DISCORD_WEBHOOK with a user name and password',
    expected: 'refused, credentials not shown',
    run: () => {
      const [p] = configProblems({ GENERAL_DISCORD_WEBHOOK: `https://me:hunter2@discord.com/api/webhooks/${WEBHOOK_ID}/${WEBHOOK_SECRET}` });
      expect(p!.message).toBe('"https://***@discord.com/api/…" has a user name or password before its host (the part before @)');
    },
  },
  {
    via: 'config',
    input: 'GENERAL_SLACK_WEBHOOK on another host (hooks.slack.com.evil.example)',
    expected: 'not a Slack incoming webhook, host shown, how to get one',
    run: () =>
      expect(configProblems({ GENERAL_SLACK_WEBHOOK: `https://hooks.slack.com.evil.example/services/${SLACK_PATH}/${SLACK_SECRET}` })[0]).toMatchObject({
        message: '"https://hooks.slack.com.evil.example/services/…" is not a Slack incoming webhook (https://hooks.slack.com/services/T…/B…/…)',
        fix: expect.stringMatching(/Incoming Webhooks/),
      }),
  },
  {
    via: 'config',
    input: 'GENERAL_DISCORD_WEBHOOK with ?thread_id=abc',
    expected: '"thread_id "abc" is not a Discord id"',
    run: () =>
      expect(configProblems({ GENERAL_DISCORD_WEBHOOK: `https://discord.com/api/webhooks/${WEBHOOK_ID}/${WEBHOOK_SECRET}?thread_id=abc` })[0]!.message).toBe(
        'thread_id "abc" is not a Discord id',
      ),
  },
  {
    via: 'config',
    input: 'GENERAL_SLACK_WEBHOOK with ?thread_ts=yesterday',
    expected: '"thread_ts "yesterday" is not a message timestamp"',
    run: () =>
      expect(configProblems({ GENERAL_SLACK_WEBHOOK: `https://hooks.slack.com/services/${SLACK_PATH}/${SLACK_SECRET}?thread_ts=yesterday` })[0]!.message).toBe(
        'thread_ts "yesterday" is not a message timestamp',
      ),
  },
  {
    via: 'config',
    input: 'GENERAL_DISCORD_WEBHOOK with a #fragment',
    expected: 'accepted (the fragment is never sent)',
    run: () => configAccepted({ GENERAL_DISCORD_WEBHOOK: `https://discord.com/api/webhooks/${WEBHOOK_ID}/${WEBHOOK_SECRET}#copied-from-the-docs` }),
  },
  {
    via: 'config',
    input: 'GENERAL_DISCORD_WEBHOOK on an IDN look-alike (dіscord.com, Cyrillic і)',
    expected: 'refused, punycode host shown, called a look-alike',
    run: () =>
      expect(configProblems({ GENERAL_DISCORD_WEBHOOK: `https://d\u0456scord.com/api/webhooks/${WEBHOOK_ID}/${WEBHOOK_SECRET}` })[0]!.message).toMatch(
        /^"https:\/\/xn--dscord-pvf\.com\/api\/…" is not a Discord webhook .*only looks like a real one\)$/,
      ),
  },
  {
    via: 'config',
    input: 'GENERAL_DISCORD_WEBHOOK with /api/webhook/ (path typo), secret in it',
    expected: 'host and first path segment only: "https://discord.com/api/…"',
    run: () =>
      expect(configProblems({ GENERAL_DISCORD_WEBHOOK: `https://discord.com/api/webhook/${WEBHOOK_ID}/${WEBHOOK_SECRET}` })[0]!.message).toBe(
        '"https://discord.com/api/…" is not a Discord webhook (https://discord.com/api/webhooks/{id}/{token})',
      ),
  },
  {
    via: 'config',
    input: 'GENERAL_SLACK_WEBHOOK with /service/ (path typo), secret in it',
    expected: 'host and first path segment only: "https://hooks.slack.com/service/…"',
    run: () =>
      expect(configProblems({ GENERAL_SLACK_WEBHOOK: `https://hooks.slack.com/service/${SLACK_PATH}/${SLACK_SECRET}` })[0]!.message).toBe(
        '"https://hooks.slack.com/service/…" is not a Slack incoming webhook (https://hooks.slack.com/services/T…/B…/…)',
      ),
  },
  {
    via: 'config',
    input: 'five mistakes at once (token, chat id, both webhooks, an unknown event switch)',
    expected: 'one HeraldConfigError listing all five',
    run: () => {
      const problems = configProblems({
        GENERAL_TELEGRAM_BOT_TOKEN: 'not-a-token',
        GENERAL_TELEGRAM_BOT_CHAT_ID: 'chat',
        GENERAL_DISCORD_WEBHOOK: 'discord',
        GENERAL_SLACK_WEBHOOK: 'http://hooks.slack.com/services/T/B/x',
        HERALD_EVENTS: 'order.exploded=on',
      });
      expect(problems.map((p) => p.variable).sort()).toEqual([
        'GENERAL_DISCORD_WEBHOOK',
        'GENERAL_SLACK_WEBHOOK',
        'GENERAL_TELEGRAM_BOT_CHAT_ID',
        'GENERAL_TELEGRAM_BOT_TOKEN',
        'HERALD_EVENTS',
      ]);
    },
  },

  // ── the herald command's arguments ──────────────────────────────────────────────────────────
  {
    via: 'cli',
    input: 'send --to a mistyped Discord webhook carrying its secret',
    expected: 'exit 1, "https://discord.com/api/…" and the fix; no secret',
    run: async () => {
      const run = await cli(['send', '--to', `https://discord.com/api/webhook/${WEBHOOK_ID}/${CLI_DISCORD_TOKEN}`, 'hello'], cliEnv());
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('"https://discord.com/api/…" is not a Discord webhook');
    },
  },
  {
    via: 'cli',
    input: 'send --timeout -1',
    expected: 'exit 2, says how to pass a value starting with a dash',
    run: async () => expect(await cli(['send', '--timeout', '-1', 'x'], cliEnv())).toMatchObject({ code: 2, stderr: expect.stringMatching(/--timeout/) }),
  },
  {
    via: 'cli',
    input: 'send --timeout abc',
    expected: 'exit 2, "--timeout must be a positive number of seconds"',
    run: async () =>
      expect(await cli(['send', '--timeout', 'abc', 'x'], cliEnv())).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('--timeout must be a positive number of seconds, not "abc"'),
      }),
  },
  {
    via: 'cli',
    input: 'send --tag strategy (no =VALUE)',
    expected: 'exit 2, "write KEY=VALUE"',
    run: async () =>
      expect(await cli(['send', '--tag', 'strategy', 'x'], cliEnv())).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('--tag "strategy": write KEY=VALUE'),
      }),
  },
  {
    via: 'cli',
    input: 'send --tag colour=red (unknown key)',
    expected: 'exit 2, lists the keys',
    run: async () =>
      expect(await cli(['send', '--tag', 'colour=red', 'x'], cliEnv())).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('KEY one of event, strategy, symbol, exchange, mode'),
      }),
  },
  {
    via: 'cli',
    input: "send --to '' (empty target)",
    expected: 'exit 2, "--to needs a webhook URL or a variable name"',
    run: async () => expect(await cli(['send', '--to', '', 'x'], cliEnv())).toMatchObject({ code: 2, stderr: expect.stringContaining('--to needs') }),
  },
  {
    via: 'cli',
    input: 'send --to 42',
    expected: 'exit 1, "42" is not a target, with the forms',
    run: async () =>
      expect(await cli(['send', '--to', '42', 'x'], cliEnv())).toMatchObject({ code: 1, stderr: expect.stringContaining('"42" is not a target') }),
  },
  {
    via: 'cli',
    input: 'send --no-such-option',
    expected: 'exit 2, "Unknown option"',
    run: async () =>
      expect(await cli(['send', '--no-such-option', 'x'], cliEnv())).toMatchObject({
        code: 2,
        stderr: expect.stringContaining("Unknown option '--no-such-option'"),
      }),
  },
  {
    via: 'cli',
    input: 'an unknown command (herald sned)',
    expected: 'exit 2, "unknown command"',
    run: async () => expect(await cli(['sned', 'x'], cliEnv())).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "sned"') }),
  },
  {
    via: 'cli',
    input: "send '   ' (a blank message argument)",
    expected: 'exit 0: sent as "(empty message)", as the library does',
    run: async () => {
      const run = await cli(['send', '--json', '   '], cliEnv());
      expect(run.code).toBe(0);
      expect(server.messages.at(-1)?.text).toBe('(empty message)');
    },
  },
  {
    via: 'cli',
    input: '.env with a byte-order mark, CRLF line ends, a quoted token and a padded chat id',
    expected: 'read as meant: exit 0, delivered to the chat',
    run: async () => {
      server.reset();
      const env = `\ufeffGENERAL_TELEGRAM_BOT_TOKEN="${TOKEN}"\r\nGENERAL_TELEGRAM_BOT_CHAT_ID=  ${CHAT}  \r\nTELEGRAM_API_BASE_URL=${server.telegramBaseUrl}\r\n`;
      const run = await cli(['send', 'from a windows .env'], {}, { '.env': env });
      expect(run.code, run.stderr).toBe(0);
      expect(server.messages.map((m) => [m.destination, m.text])).toEqual([[CHAT, 'from a windows .env']]);
    },
  },
  {
    via: 'cli',
    input: '.env with a chat id without its minus and a mistyped webhook',
    expected: 'exit 1, both problems listed with fixes, nothing sent, no secret',
    run: async () => {
      server.reset();
      const env = `GENERAL_TELEGRAM_BOT_TOKEN=${TOKEN}\nGENERAL_TELEGRAM_BOT_CHAT_ID=1001234567890\nTELEGRAM_API_BASE_URL=${server.telegramBaseUrl}\nGENERAL_DISCORD_WEBHOOK=https://discord.com/api/webhook/${WEBHOOK_ID}/${CLI_DISCORD_TOKEN}\n`;
      const run = await cli(['send', 'x'], {}, { '.env': env });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('lost its leading "-"');
      expect(run.stderr).toContain('"https://discord.com/api/…" is not a Discord webhook');
      expect(server.messages).toEqual([]);
    },
  },
];

describe('bad input: nothing throws into the caller, every refusal says why, nothing is lost', () => {
  it('has at least 40 rows', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(40);
  });
  for (const row of ROWS) {
    it(`[${row.via}] ${row.input} → ${row.expected}`, async () => {
      await row.run();
    }, 30_000);
  }
});
