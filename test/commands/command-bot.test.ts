/**
 * The command bot on the wire: the real HTTP client against the fake Telegram on 127.0.0.1
 * (getUpdates with injected updates, webhook and poller conflicts, injected network faults).
 * Fake timers where waits matter (backoff, the 5-minute conflict retry); they are advanced in
 * small steps with a real pause between, so the local requests each step starts complete.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startCommandBot, type CommandBot, type CommandBotOptions, type CommandHandlers, type PollLease } from '../../src/commands/command-bot.js';
import { backReport, conflictOverReport, HELP_TEXT, POLLER_ALERT, skippedReport, WEBHOOK_ALERT, unknownCommandText } from '../../src/commands/command-texts.js';
import { FakePlatformServer, type ReceivedMessage } from '../../src/sandbox/fake-platforms.js';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0';
const GROUP = '-1001234567890';
const STRANGER = '-1009876543210';
/** The fake's getMe username. */
const BOT_USERNAME = 'herald_sandbox_bot';

const realSetTimeout = globalThis.setTimeout;
const realPause = (ms = 3): Promise<void> => new Promise((resolve) => realSetTimeout(resolve, ms));

let server: FakePlatformServer;
const running: CommandBot[] = [];

beforeAll(async () => {
  server = await FakePlatformServer.start();
});
afterAll(() => server.close());
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(running.splice(0).map((b) => b.stop()));
  server.reset();
});

function fakeTimers(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
}

/** Advances fake time in steps, letting real I/O (the local requests each step starts) finish between them. */
async function advance(ms: number, step = 1000): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    await vi.advanceTimersByTimeAsync(step);
    await realPause();
  }
}

function start(over: Partial<CommandBotOptions> = {}) {
  const lines: string[] = [];
  const alerts: string[] = [];
  const handlers = {
    status: vi.fn<CommandHandlers['status']>(() => 'BTC/USDT long 0.01 @ 65 000\nPnL today: +12.30 USDT (<b> & </b> stay as written)'),
    report: vi.fn<CommandHandlers['report']>(() => {}),
    mute: vi.fn<CommandHandlers['mute']>((ms) => `🔕 info notifications muted for ${ms / 60_000} min`),
    unmute: vi.fn<CommandHandlers['unmute']>(() => '🔔 info notifications back on'),
  };
  const bot = startCommandBot({
    token: TOKEN,
    baseUrl: server.telegramBaseUrl,
    allowedChats: [GROUP],
    handlers,
    report: (l) => void lines.push(l),
    alert: (t) => void alerts.push(t),
    ...over,
  });
  running.push(bot);
  return { bot, lines, alerts, handlers };
}

let nextMessageId = 100;

/** A message written in `chatId` (now, unless `ageMs` says how long ago). Returns its message_id. */
function write(chatId: string, text: string, ageMs = 0): number {
  const messageId = nextMessageId++;
  server.pushUpdate({
    message: {
      message_id: messageId,
      date: Math.floor((Date.now() - ageMs) / 1000),
      chat: { id: Number(chatId), type: 'supergroup', title: 'Ops room' },
      from: { id: 4242, is_bot: false, first_name: 'Alice', username: 'alice' },
      text,
    },
  });
  return messageId;
}

const answers = (chatId = GROUP): ReceivedMessage[] => server.messagesFor('telegram', chatId);
const body = (m: ReceivedMessage): Record<string, unknown> => m.body as Record<string, unknown>;
/** getUpdates answered 409 (webhook or another poller). */
const conflicts = (): number => server.events.filter((e) => e.status === 409).length;
const resets = (): number => server.events.filter((e) => e.detail === 'injected fault: reset').length;

describe('answers', () => {
  it("/status from an allowed chat: the handler's text as plain text, in reply to the command", async () => {
    const { handlers } = start();
    const id = write(GROUP, '/status');
    await vi.waitFor(() => expect(answers()).toHaveLength(1));
    const [reply] = answers();
    expect(reply!.text).toBe('BTC/USDT long 0.01 @ 65 000\nPnL today: +12.30 USDT (<b> & </b> stay as written)');
    expect(reply!.parseMode).toBeUndefined();
    expect(body(reply!).reply_parameters).toEqual({ message_id: id, allow_sending_without_reply: true });
    expect(handlers.status).toHaveBeenCalledTimes(1);
  });

  it('/mute 1h calls the handler with 3 600 000 ms and sends its answer; /mute alone is 1 h, /mute 30m half that', async () => {
    const { handlers } = start();
    write(GROUP, '/mute 1h');
    write(GROUP, '/mute');
    write(GROUP, '/mute 30m');
    await vi.waitFor(() => expect(answers()).toHaveLength(3));
    expect(handlers.mute.mock.calls).toEqual([[3_600_000], [3_600_000], [1_800_000]]);
    expect(answers().map((m) => m.text)).toEqual([
      '🔕 info notifications muted for 60 min',
      '🔕 info notifications muted for 60 min',
      '🔕 info notifications muted for 30 min',
    ]);
  });

  it('/mute 5y, 10s or 8d: a clear refusal, and nothing muted', async () => {
    const { handlers } = start();
    write(GROUP, '/mute 5y');
    write(GROUP, '/mute 10s');
    write(GROUP, '/mute 8d');
    await vi.waitFor(() => expect(answers()).toHaveLength(3));
    expect(answers().map((m) => m.text)).toEqual([
      '"5y" is not a duration. Write it like /mute 30m, /mute 2h or /mute 1d (from 1 min to 7 d; /mute alone mutes for 1 h).',
      '10 s is too short to mute: give from 1 min to 7 d, like /mute 30m.',
      '8 d is too long to mute: give from 1 min to 7 d, like /mute 1d.',
    ]);
    expect(handlers.mute).not.toHaveBeenCalled();
  });

  it('/unmute, /help, /report and an unknown command', async () => {
    const { handlers } = start();
    write(GROUP, '/unmute');
    write(GROUP, '/help');
    write(GROUP, '/report');
    write(GROUP, '/frobnicate now');
    await vi.waitFor(() => expect(answers()).toHaveLength(3));
    expect(answers().map((m) => m.text)).toEqual(['🔔 info notifications back on', HELP_TEXT, unknownCommandText('frobnicate')]);
    // The report goes out through the host's notifications: the bot adds no answer of its own.
    expect(handlers.report).toHaveBeenCalledTimes(1);
  });

  it('a handler that throws: the chat hears the command failed (redacted), and stderr says why', async () => {
    const { lines } = start({
      handlers: {
        status: () => {
          throw new Error(`snapshot unreadable at https://discord.com/api/webhooks/111222333444555666/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789`);
        },
        report: () => {},
        mute: () => '',
        unmute: () => '',
      },
    });
    write(GROUP, '/status');
    await vi.waitFor(() => expect(answers()).toHaveLength(1));
    expect(answers()[0]!.text).toMatch(/^⚠️ \/status failed: snapshot unreadable at /);
    expect(answers()[0]!.text).not.toContain('AbCdEfGhIjKlMnOpQrStUvWxYz0123456789');
    expect(lines.some((l) => l.startsWith('herald: commands: /status failed: snapshot unreadable'))).toBe(true);
  });

  it('a status longer than one message goes in parts, the first one as the reply', async () => {
    const long = Array.from({ length: 120 }, (_, i) => `position ${i}: ${'x'.repeat(50)}`).join('\n');
    start({ handlers: { status: () => long, report: () => {}, mute: () => '', unmute: () => '' } });
    write(GROUP, '/status');
    await vi.waitFor(() => expect(answers()).toHaveLength(2), { timeout: 5000 });
    expect(
      answers()
        .map((m) => m.text)
        .join('\n'),
    ).toBe(long);
    expect(body(answers()[0]!).reply_parameters).toBeDefined();
    expect(body(answers()[1]!).reply_parameters).toBeUndefined();
  });

  it('commands addressed to another bot are ignored; those addressed to this one are answered', async () => {
    const { handlers } = start();
    write(GROUP, '/status@OtherBot');
    write(GROUP, `/mute@${BOT_USERNAME.toUpperCase()} 30m`);
    await vi.waitFor(() => expect(answers()).toHaveLength(1));
    await realPause(100);
    expect(answers()).toHaveLength(1);
    expect(handlers.status).not.toHaveBeenCalled();
    expect(handlers.mute).toHaveBeenCalledWith(1_800_000);
  });

  it('a chat that is not allowed gets no answer; the attempt is said once per chat (stderr and alert)', async () => {
    const { handlers, alerts, lines } = start();
    write(STRANGER, '/status');
    write(STRANGER, '/mute 1h');
    write(GROUP, '/unmute');
    await vi.waitFor(() => expect(answers()).toHaveLength(1));
    write(STRANGER, '/status');
    write('777000', '/help');
    write(GROUP, '/help');
    await vi.waitFor(() => expect(answers()).toHaveLength(2));
    expect(answers(STRANGER)).toEqual([]);
    expect(answers('777000')).toEqual([]);
    expect(handlers.status).not.toHaveBeenCalled();
    expect(handlers.mute).not.toHaveBeenCalled();
    expect(alerts).toEqual([
      '🚫 someone in chat -1009876543210 ("Ops room", @alice) tried /status; only the configured chats may command this bot',
      '🚫 someone in chat 777000 ("Ops room", @alice) tried /help; only the configured chats may command this bot',
    ]);
    expect(lines.filter((l) => l.includes('only the configured chats'))).toHaveLength(2);
  });
});

describe('offsets and restarts', () => {
  it('a restart does not answer again what was answered (updates are confirmed)', async () => {
    const first = start();
    write(GROUP, '/status');
    await vi.waitFor(() => expect(answers()).toHaveLength(1));
    // getMe, getUpdates, sendMessage, and the next getUpdates that confirms.
    await vi.waitFor(() => expect(server.requests).toBeGreaterThanOrEqual(4));
    await first.bot.stop();
    const before = server.requests;
    const second = start();
    await vi.waitFor(() => expect(server.requests).toBeGreaterThanOrEqual(before + 2));
    await realPause(100);
    expect(answers()).toHaveLength(1);
    expect(second.handlers.status).not.toHaveBeenCalled();
  });

  it('commands older than a minute waiting at start are not answered (no replay of yesterday’s /mute), and said in one line', async () => {
    write(GROUP, '/mute 1h', 24 * 3600_000);
    write(GROUP, '/unmute', 5 * 60_000);
    const { handlers, lines } = start();
    write(GROUP, '/status');
    await vi.waitFor(() => expect(answers()).toHaveLength(1));
    expect(answers()[0]!.text).toContain('PnL today');
    expect(handlers.mute).not.toHaveBeenCalled();
    expect(handlers.unmute).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(lines).toContain(skippedReport(2, 60_000)));
  });
});

describe('other consumers of the bot', () => {
  it('a webhook set: said once with the fix (stderr and alert), tried again every 5 min, not in a loop; answered once it is gone', async () => {
    fakeTimers();
    server.setWebhookActive(true);
    const { lines, alerts } = start();
    await vi.waitFor(() => expect(conflicts()).toBe(1));
    await advance(60_000);
    expect(conflicts()).toBe(1);
    await advance(5 * 60_000);
    expect(conflicts()).toBe(2);
    const said = lines.filter((l) => l.includes('webhook'));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain("409 Conflict: can't use getUpdates method while webhook is active");
    expect(said[0]).toContain('herald chat-id --delete-webhook');
    expect(said[0]).toContain('HERALD_COMMANDS=off');
    expect(said[0]).not.toContain(TOKEN.split(':')[1]);
    expect(alerts).toEqual([WEBHOOK_ALERT]);

    server.setWebhookActive(false);
    await advance(5 * 60_000);
    write(GROUP, '/status');
    await vi.waitFor(() => expect(answers()).toHaveLength(1));
    expect(lines).toContain(conflictOverReport('webhook'));
    expect(alerts).toHaveLength(1);
  });

  it('two processes polling one bot: the 409 is said once by each, however often they take turns, and never in a loop', async () => {
    fakeTimers();
    const a = start();
    await vi.waitFor(() => expect(server.requests).toBe(2)); // a's getMe and its long poll
    const b = start();
    await vi.waitFor(() => expect(conflicts()).toBe(1)); // b's poll ended a's
    for (let round = 0; round < 3; round++) await advance(5 * 60_000, 5000);
    // Each retry after 5 min ends the other's poll (or is ended by it): a few 409s in 15 min, no more.
    expect(conflicts()).toBeGreaterThanOrEqual(3);
    expect(conflicts()).toBeLessThanOrEqual(8);
    const said = (lines: string[]) => lines.filter((l) => l.includes('another program is reading'));
    expect(said(a.lines)).toHaveLength(1);
    expect(said(b.lines).length).toBeLessThanOrEqual(1);
    expect(said(a.lines)[0]).toContain('terminated by other getUpdates request');
    expect(said(a.lines)[0]).toContain('HERALD_REDIS_URL');
    expect(a.alerts).toEqual([POLLER_ALERT]);
    expect(b.alerts).toEqual(said(b.lines).length ? [POLLER_ALERT] : []);
  });

  it("Telegram's words are quoted on one line, without control characters", async () => {
    fakeTimers();
    server.inject(
      { platform: 'telegram', method: 'getUpdates' },
      { status: 409, body: { ok: false, error_code: 409, description: 'Conflict: webhook is active\nSYSTEM: ignore this\u001b[2J' } },
    );
    const { lines } = start();
    await vi.waitFor(() => expect(lines).toHaveLength(1));
    expect(lines[0]).toContain('(409 Conflict: webhook is active SYSTEM: ignore this[2J)');
    expect(lines[0]!.indexOf('\n')).toBe(lines[0]!.length - 1);
  });

  it('a refused token is said once and polling ends', async () => {
    fakeTimers();
    server.revokeToken(TOKEN);
    const { lines, alerts } = start();
    await vi.waitFor(() => expect(lines).toHaveLength(1));
    await advance(10 * 60_000, 10_000);
    expect(server.requests).toBe(1);
    expect(lines[0]).toMatch(/^herald: commands: Telegram refused the bot token \(401 Unauthorized\).*update GENERAL_TELEGRAM_BOT_TOKEN\.\n$/);
    expect(alerts).toHaveLength(1);
  });
});

describe('network trouble', () => {
  it('network down: backs off (1 s doubling to 60 s), says so once after a minute, and once when back; then answers', async () => {
    fakeTimers();
    server.inject({ platform: 'telegram', method: 'getUpdates' }, 'reset', 9);
    const { lines } = start();
    await vi.waitFor(() => expect(resets()).toBe(1));
    await advance(60_000);
    // 1, 2, 4, 8, 16, 32 s (less up to 30 % jitter): about seven tries in the first minute, not a tight loop.
    expect(resets()).toBeGreaterThanOrEqual(5);
    expect(resets()).toBeLessThanOrEqual(8);
    await advance(4 * 60_000);
    expect(resets()).toBe(9);
    const down = lines.filter((l) => l.includes('has not answered getUpdates for 1 min'));
    expect(down).toHaveLength(1);
    expect(down[0]).toMatch(/^herald: commands: the Telegram Bot API at 127\.0\.0\.1:\d+ has not answered getUpdates for 1 min \(.+\)/);
    await vi.waitFor(() => expect(lines.filter((l) => l.includes('answers again'))).toHaveLength(1));
    expect(lines.at(-1)).toBe(backReport(new URL(server.telegramBaseUrl).host));
    write(GROUP, '/status');
    await vi.waitFor(() => expect(answers()).toHaveLength(1));
  });

  it('a 429 on getUpdates waits its retry_after, quietly', async () => {
    fakeTimers();
    server.inject(
      { platform: 'telegram', method: 'getUpdates' },
      { status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 30', parameters: { retry_after: 30 } } },
    );
    const { lines } = start();
    await vi.waitFor(() => expect(server.events.filter((e) => e.status === 429)).toHaveLength(1));
    const before = server.requests;
    await advance(25_000);
    expect(server.requests).toBe(before);
    await advance(6000);
    expect(server.requests).toBe(before + 1);
    expect(lines).toEqual([]);
  });
});

describe('stop', () => {
  it('ends the long poll at once; nothing is read or answered after it', async () => {
    const { bot } = start();
    await vi.waitFor(() => expect(server.requests).toBe(2)); // getMe, then the long poll
    const t0 = performance.now();
    await bot.stop();
    expect(performance.now() - t0).toBeLessThan(500);
    write(GROUP, '/status');
    await realPause(200);
    expect(server.requests).toBe(2);
    expect(answers()).toEqual([]);
  });
});

/** A lease in memory with a lifetime, like the Redis one: `dead` stops its holder renewing. */
class MemoryLease implements PollLease {
  static holder: string | undefined;
  static until = 0;
  readonly renewMs = 30;
  dead = false;
  constructor(
    private readonly id: string,
    private readonly ttlMs = 150,
  ) {}
  hold(): Promise<boolean> {
    const now = Date.now();
    if (this.dead) return Promise.resolve(false);
    if (MemoryLease.holder === this.id || MemoryLease.holder === undefined || MemoryLease.until < now) {
      MemoryLease.holder = this.id;
      MemoryLease.until = now + this.ttlMs;
      return Promise.resolve(true);
    }
    return Promise.resolve(false);
  }
  release(): Promise<void> {
    if (MemoryLease.holder === this.id) MemoryLease.holder = undefined;
    return Promise.resolve();
  }
}

describe('with a lease', () => {
  it('only the holder polls; when it stops renewing, its poll ends at once and the other takes over', async () => {
    MemoryLease.holder = undefined;
    const leaseA = new MemoryLease('a');
    const leaseB = new MemoryLease('b');
    const a = start({ lease: leaseA });
    await vi.waitFor(() => expect(MemoryLease.holder).toBe('a'));
    const b = start({ lease: leaseB });
    write(GROUP, '/status');
    await vi.waitFor(() => expect(answers()).toHaveLength(1));
    expect(a.handlers.status).toHaveBeenCalledTimes(1);
    expect(b.handlers.status).not.toHaveBeenCalled();

    leaseA.dead = true;
    await vi.waitFor(() => expect(MemoryLease.holder).toBe('b'));
    write(GROUP, '/unmute');
    await vi.waitFor(() => expect(answers()).toHaveLength(2));
    expect(b.handlers.unmute).toHaveBeenCalledTimes(1);
    expect(a.handlers.unmute).not.toHaveBeenCalled();
    // Never two pollers at once: no 409, nothing said.
    expect(conflicts()).toBe(0);
    expect([...a.lines, ...b.lines]).toEqual([]);
  });

  it('stop() gives the lease up', async () => {
    MemoryLease.holder = undefined;
    const { bot } = start({ lease: new MemoryLease('a') });
    await vi.waitFor(() => expect(MemoryLease.holder).toBe('a'));
    await bot.stop();
    expect(MemoryLease.holder).toBeUndefined();
  });
});
