/**
 * `herald sandbox` as a command (in-process, with a test context and an AbortController), and
 * `HERALD_SANDBOX=1 npm start` against a running sandbox.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/cli/command.js';
import { sandboxCommand } from '../../src/cli/commands/sandbox.js';
import { runCli } from '../../src/cli/run.js';
import { DEFAULT_CARDS } from '../../src/plugin/cards.js';
import { DEFAULT_TEMPLATES, EVENT_KINDS } from '../../src/plugin/templates.js';
import { DEMO_PARTIAL_FILLS, DEMO_SAMPLES } from '../../src/sandbox/demo.js';
import type { InboxEvent } from '../../src/sandbox/inbox/server.js';
import { SANDBOX_IDS, SANDBOX_VARIABLES } from '../../src/sandbox/sandbox-env.js';
import { startSandbox } from '../../src/sandbox/sandbox.js';
import { DEMO_FAILURE_MESSAGE } from '../../strategies-example/ema-cross.js';
import { useChildProcesses } from '../fixtures/children.js';

class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** Every command context's controller: aborted after each test, so a failed one leaves no sandbox running. */
const controllers: AbortController[] = [];
afterEach(() => {
  for (const c of controllers.splice(0)) c.abort();
});

function context(argv: string[], env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '' }) {
  const controller = new AbortController();
  controllers.push(controller);
  const stdout = new Capture();
  const stderr = new Capture();
  const ctx: CommandContext = { argv, stdout, stderr, stdin: process.stdin, env, cwd: process.cwd(), signal: controller.signal };
  return { ctx, controller, stdout, stderr };
}

async function until(pred: () => boolean, what: () => string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting; output so far:\n${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Everything the inbox would show a page that connects now (the SSE replay). */
async function replay(baseUrl: string): Promise<InboxEvent[]> {
  const ac = new AbortController();
  const res = await fetch(`${baseUrl}/inbox/events`, { signal: ac.signal });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  while (!text.includes('event: ready')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  ac.abort();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('id: '))
    .map(
      (block) =>
        JSON.parse(
          block
            .split('\n')
            .find((l) => l.startsWith('data: '))!
            .slice(6),
        ) as InboxEvent,
    );
}

describe('herald sandbox', () => {
  it('--json prints the URL and variables as one JSON line, serves until aborted, then closes and exits 0', async () => {
    const { ctx, controller, stdout, stderr } = context(['--port', '0', '--open=false', '--json']);
    const running = sandboxCommand.run(ctx);
    await until(
      () => stdout.text.includes('\n'),
      () => stdout.text + stderr.text,
    );
    const doc = JSON.parse(stdout.text) as { url: string; inbox: string; port: number; env: Record<string, string> };
    expect(doc.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(doc.port).toBeGreaterThan(0);
    expect(doc.url).toBe(`http://127.0.0.1:${doc.port}`);
    expect(doc.inbox).toBe(`${doc.url}/`);
    expect(Object.keys(doc.env)).toEqual([...SANDBOX_VARIABLES]);
    expect(doc.env.TELEGRAM_API_BASE_URL).toBe(doc.url);
    expect(await (await fetch(`${doc.url}/inbox/health`)).json()).toMatchObject({ ok: true });
    controller.abort();
    expect(await running).toBe(0);
    expect(stdout.text.trim().split('\n')).toHaveLength(1);
    await expect(fetch(`${doc.url}/inbox/health`)).rejects.toThrow();
  });

  it('prints the .env lines and the inbox URL, and a line per message as it arrives', async () => {
    const { ctx, controller, stdout } = context(['--port', '0', '--no-open']);
    const running = sandboxCommand.run(ctx);
    await until(
      () => stdout.text.includes('Ctrl-C to stop'),
      () => stdout.text,
    );
    const url = /Inbox {2}(http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout.text)![1]!;
    for (const name of SANDBOX_VARIABLES) expect(stdout.text).toMatch(new RegExp(`^${name}=\\S+$`, 'm'));
    expect(stdout.text).toContain(`TELEGRAM_API_BASE_URL=${url}\n`);
    expect(stdout.text).not.toMatch(/\u001b\[/); // not a terminal: no colour
    const env = Object.fromEntries([...stdout.text.matchAll(/^([A-Z_]+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
    await fetch(env.GENERAL_DISCORD_WEBHOOK!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'hello **there**' }),
    });
    await until(
      () => stdout.text.includes('hello there'),
      () => stdout.text,
    );
    expect(stdout.text).toMatch(/discord +→ GENERAL_DISCORD_WEBHOOK {2}hello there/);
    controller.abort();
    expect(await running).toBe(0);
    expect(stdout.text).toContain('Sandbox stopped.');
  });

  it('--demo shows one sample of every lifecycle message in each platform column', async () => {
    const { ctx, controller, stdout, stderr } = context(['--port', '0', '--open=false', '--demo']);
    const running = sandboxCommand.run(ctx);
    await until(
      () => stdout.text.includes('Demo '),
      () => stdout.text + stderr.text,
      40_000,
    );
    // 12 event kinds to 3 GENERAL webhooks/chats and 2 bots, the error to 3 ERROR ones, the alert to its webhook.
    // 12 event kinds, two partial fills and the report to 3 GENERAL webhooks/chats and 2 bots (the
    // report to their default channels), the error to 3 ERROR ones, the alert to its webhook.
    expect(stdout.text).toMatch(/Demo done: 16 notifications, 79 deliveries/);
    const url = /Inbox {2}(http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout.text)![1]!;
    const events = await replay(url);
    controller.abort();
    expect(await running).toBe(0);
    // The one 429 injected on purpose shows in the side panel (a real one from Herald's pacing
    // is allowed too); nothing failed, and every message arrived exactly once.
    expect(events.filter((e) => e.kind === 'rate-limited' && e.detail?.startsWith('injected'))).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'error')).toEqual([]);
    /** What a message shows: its text, and the titles and descriptions of its embeds or the text of its blocks. */
    const shown = (e: InboxEvent): string => [e.text ?? '', JSON.stringify(e.embeds ?? []), JSON.stringify(e.blocks ?? [])].join('\n');
    // Live order messages: the demo's buy order (submitted, two partial fills, filled, the position
    // opened and increased) is one message edited in place, and so is the cancelled sell (with the
    // position reduced, then closed); the fill and the close ring with a reply. A Slack webhook
    // cannot edit: there each state is a message of its own.
    const LIVE_FRESH = ['session.started', 'order.submitted', 'order.cancelled', 'exchange.reconnected', 'error', 'custom', 'session.terminated'];
    for (const platform of ['telegram', 'discord', 'slack'] as const) {
      const general = events.filter((e) => e.kind === 'message' && e.platform === platform && e.label?.startsWith('GENERAL'));
      const fresh = general.filter((e) => !e.edits && !e.replyTo);
      for (const kind of EVENT_KINDS) {
        // Custom events are plain text; the rest are cards headed by their title (in some version of their message).
        const first =
          kind === 'custom' ? DEFAULT_TEMPLATES[kind](DEMO_SAMPLES[kind]).split(' · ')[0]!.split('\n')[0]! : DEFAULT_CARDS[kind](DEMO_SAMPLES[kind]).title;
        expect(
          general.filter((e) => shown(e).includes(first.replace(/&/g, '&amp;').replace(/</g, '&lt;')) || shown(e).includes(first)).length,
          `${platform} ${kind}`,
        ).toBeGreaterThanOrEqual(1);
      }
      if (platform === 'slack') {
        // Every kind, the two partial fills and the report, each once.
        expect(general, platform).toHaveLength(EVENT_KINDS.length + DEMO_PARTIAL_FILLS.length + 1);
        expect(general.filter((e) => e.edits || e.replyTo)).toEqual([]);
      } else {
        // + the report; a Discord webhook cannot reply, so its two alerts are messages of their own.
        expect(fresh, platform).toHaveLength(LIVE_FRESH.length + 1 + (platform === 'discord' ? 2 : 0));
        const ids = new Set(fresh.map((e) => e.messageId));
        const edits = general.filter((e) => e.edits);
        expect(edits.length, platform).toBeGreaterThanOrEqual(6);
        for (const e of edits) expect(ids.has(e.edits), `${platform} edit of ${e.edits}`).toBe(true);
        const replies = general.filter((e) => e.replyTo);
        // Discord webhooks cannot reply: the alerts are plain new messages there.
        if (platform === 'telegram')
          expect(replies.map((e) => shown(e).split('\n')[0])).toEqual([expect.stringContaining('FILLED BUY 0.5'), expect.stringContaining('CLOSED LONG')]);
      }
      expect(
        fresh.filter((e) => e.silent),
        platform,
      ).toHaveLength(platform === 'slack' ? 0 : 1);
      expect(
        events.filter((e) => e.platform === platform && e.label?.startsWith('ERROR')),
        platform,
      ).toHaveLength(1);
      // The report, with its chart where the destination takes files.
      const reports = fresh.filter((e) => /📊 Report/.test(e.text ?? ''));
      expect(
        reports.map((e) => e.files?.map((f) => f.name) ?? []),
        platform,
      ).toEqual([platform === 'slack' ? [] : ['equity.png']]);
    }
    // Each bot: the error in its #alerts, ema-cross's session in #ema (live order messages edited), the report in the default channel.
    for (const platform of ['discord', 'slack'] as const) {
      const bot = events.filter((e) => e.kind === 'message' && e.platform === platform && e.via === 'bot');
      expect(
        bot.filter((e) => e.label?.endsWith('#alerts')).map((e) => shown(e)),
        platform,
      ).toEqual([expect.stringContaining('ERROR · ema-cross · BTC-USDT')]);
      expect(
        bot.filter((e) => e.label?.endsWith('#ema') && !e.edits && !e.replyTo),
        platform,
      ).toHaveLength(LIVE_FRESH.length - 1); // all but the error
      expect(bot.filter((e) => e.label?.endsWith('#ema') && e.edits).length, platform).toBeGreaterThanOrEqual(6);
      expect(
        bot.filter((e) => e.label?.endsWith('#general')).map((e) => e.files?.map((f) => f.name)),
        platform,
      ).toEqual([['equity.png']]);
    }
    expect(events.filter((e) => e.label === 'EXAMPLE_ALERTS_WEBHOOK')).toHaveLength(1);
  }, 60_000);

  it('reports a port in use (exit 1) and bad usage (exit 2)', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { ctx, stderr } = context(['--port', String(port), '--open=false']);
      expect(await sandboxCommand.run(ctx)).toBe(1);
      expect(stderr.text).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
    for (const argv of [['--port', 'abc'], ['--port', '70000'], ['--open=maybe'], ['--bogus'], ['extra']]) {
      const { ctx, stderr } = context([]);
      const { argv: _unused, ...rest } = ctx;
      expect(await runCli(['sandbox', ...argv], rest), argv.join(' ')).toBe(2);
      expect(stderr.text).toContain('herald sandbox --help');
    }
  });

  it('stops at once when already aborted, printing no variables for a server that never ran', async () => {
    const { ctx, controller, stdout } = context(['--port', '0', '--open=false', '--json']);
    controller.abort();
    expect(await sandboxCommand.run(ctx)).toBe(0);
    expect(stdout.text).toBe('');
  });
});

describe('npm start with HERALD_SANDBOX=1', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const cwd = mkdtempSync(join(tmpdir(), 'herald-sandbox-example-'));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const run = useChildProcesses();

  function runExample(env: Record<string, string>) {
    return run(process.execPath, ['--import', tsx, join(root, 'strategies-example', 'run.ts')], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, NO_COLOR: '1', ...env },
    });
  }

  it('sends the example strategy to a running sandbox: every platform, the alerts webhook, the error', async () => {
    const sandbox = await startSandbox({ port: 0 });
    try {
      // Live order messages off: every state is its own line, so the counts below follow from the notifications alone.
      const r = await runExample({ HERALD_SANDBOX: '1', HERALD_SANDBOX_PORT: String(sandbox.port), HERALD_LIVE_MESSAGES: 'off' });
      const report = `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
      expect(r.code, report).toBe(0);
      expect(r.stdout, report).toContain(`[example] HERALD_SANDBOX: sending to the sandbox at ${sandbox.url}`);
      const fake = sandbox.fake;
      // The replay is synchronous, so every notification is queued before the first request and
      // the batching follows from the notifications alone: requests per destination.
      const perDestination = (count: (m: (typeof fake.messages)[number]) => number): Record<string, number> => {
        const out: Record<string, number> = {};
        for (const m of fake.messages) out[`${m.platform} ${m.destination}`] = (out[`${m.platform} ${m.destination}`] ?? 0) + count(m);
        return out;
      };
      const { slackChannels: slack, discordChannels: discord } = SANDBOX_IDS;
      expect(
        perDestination(() => 1),
        report,
      ).toEqual({
        // Each: the session's notifications coalesced, then the report.
        [`telegram ${SANDBOX_IDS.generalChatId}`]: 4, // 4096 visible characters a message
        [`discord ${SANDBOX_IDS.generalDiscord.id}`]: 7, // 10 embeds a message
        'slack T0SANDBOX/B0GENERAL': 6, // 50 blocks a message
        [`telegram ${SANDBOX_IDS.errorChatId}`]: 1,
        [`discord ${SANDBOX_IDS.errorDiscord.id}`]: 1,
        'slack T0SANDBOX/B0ERRORS': 1,
        [`discord ${SANDBOX_IDS.alertsDiscord.id}`]: 1, // EXAMPLE_ALERTS_WEBHOOK
        // The bots: everything of ema-cross's session in #ema, the strategy error in #alerts, the
        // report (about the whole account) in the default channel.
        [`discord ${discord.ema.id}`]: 6,
        [`slack ${slack.ema.id}`]: 4,
        [`discord ${discord.alerts.id}`]: 1,
        [`slack ${slack.alerts.id}`]: 1,
        [`discord ${discord.general.id}`]: 1,
        [`slack ${slack.general.id}`]: 1,
      });
      // The report, with its equity chart where the destination takes files (a Slack webhook cannot).
      const reports = fake.messages.filter((m) => /📊 Report \d\d:\d\d · end of session/.test(m.text));
      expect(reports.map((m) => `${m.platform} ${m.destination} ${m.files?.map((f) => f.name).join() ?? 'text only'}`).sort(), report).toEqual(
        [
          `telegram ${SANDBOX_IDS.generalChatId} equity.png`,
          `discord ${SANDBOX_IDS.generalDiscord.id} equity.png`,
          'slack T0SANDBOX/B0GENERAL text only',
          `discord ${discord.general.id} equity.png`,
          `slack ${slack.general.id} equity.png`,
        ].sort(),
      );
      // The same fills everywhere: 14 (2 of them partial) to each GENERAL destination and to each bot's #ema.
      const count = (m: (typeof fake.messages)[number]): number => {
        const embeds = (m.body as { embeds?: { title?: string }[] }).embeds ?? [];
        const shown = m.platform === 'discord' ? [m.text, ...embeds.map((e) => e.title ?? '')].join('\n') : m.text;
        return (shown.match(/✅ FILLED|🟡 PARTIAL FILL/g) ?? []).length;
      };
      const fills = perDestination(count);
      expect(fills, report).toEqual({
        [`telegram ${SANDBOX_IDS.generalChatId}`]: 14,
        [`discord ${SANDBOX_IDS.generalDiscord.id}`]: 14,
        'slack T0SANDBOX/B0GENERAL': 14,
        [`telegram ${SANDBOX_IDS.errorChatId}`]: 0,
        [`discord ${SANDBOX_IDS.errorDiscord.id}`]: 0,
        'slack T0SANDBOX/B0ERRORS': 0,
        [`discord ${SANDBOX_IDS.alertsDiscord.id}`]: 0,
        [`discord ${discord.ema.id}`]: 14,
        [`slack ${slack.ema.id}`]: 14,
        [`discord ${discord.alerts.id}`]: 0,
        [`slack ${slack.alerts.id}`]: 0,
        [`discord ${discord.general.id}`]: 0,
        [`slack ${slack.general.id}`]: 0,
      });
      expect(
        fake.events.filter((e) => e.kind !== 'message'),
        report,
      ).toEqual([]); // no 429, no error
      const errors = [...fake.messagesFor('telegram', SANDBOX_IDS.errorChatId), ...fake.messagesFor('discord', SANDBOX_IDS.errorDiscord.id)];
      expect(errors.map((m) => `${m.text}\n${JSON.stringify(m.body)}`).join('\n'), report).toContain(DEMO_FAILURE_MESSAGE);
      expect(
        r.stdout.split('\n').filter((l) => l && !l.startsWith('[example]')),
        report,
      ).toEqual([]); // nothing on the console
    } finally {
      await sandbox.close();
    }
  }, 60_000);

  it('says how to start a sandbox when none is running, and exits 1', async () => {
    const free = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    const r = await runExample({ HERALD_SANDBOX: '1', HERALD_SANDBOX_PORT: String(free) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`no sandbox answers at http://127.0.0.1:${free}: start one with \`npm run sandbox\``);
  }, 30_000);
});
