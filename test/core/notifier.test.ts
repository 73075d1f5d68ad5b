/**
 * The Notifier end to end over msw: routing and de-duplication, rendering of odd messages,
 * typed events, failure handling (reject, 429, 5xx, dead destinations), redaction, flush/close.
 */
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import type { Env } from '../../src/config/env.js';
import type { NotifierOptions } from '../../src/core/notifier.js';
import type { DeliveredEvent, FailedEvent, Notifier, QueuedEvent, RetryingEvent, WarningEvent } from '../../src/index.js';
import {
  captured,
  DISCORD_ERROR_URL,
  DISCORD_URL,
  ERROR_TOKEN,
  fullEnv,
  mswServer,
  sent,
  SLACK_ERROR_URL,
  SLACK_URL,
  testNotifier,
  TOKEN,
  useMsw,
} from '../fixtures/platforms.js';

useMsw();

const FAST = { backoff: { baseMs: 10, factor: 2, maxMs: 50, jitter: 0 } };
const DISCORD_ID = '111222333444555666';
const DISCORD_ERROR_ID = '999888777666555444';
const SLACK_NAME = 'T0AAAAAAA/B0BBBBBBB';
const SLACK_ERROR_NAME = 'T0AAAAAAA/B0CCCCCCC';

const open: Notifier[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.close(500)));
});

/** testNotifier, closed after the test. */
function make(env: Env, options: NotifierOptions = {}) {
  const t = testNotifier(env, options);
  open.push(t.notifier);
  return t;
}

type EventName = 'queued' | 'delivered' | 'retrying' | 'failed' | 'dropped' | 'warning';
const EVENT_NAMES: readonly EventName[] = ['queued', 'delivered', 'retrying', 'failed', 'dropped', 'warning'];

/** Records every event the notifier emits, in order. */
function record(notifier: Notifier) {
  const all: { name: EventName; payload: any }[] = [];
  const on = notifier.on.bind(notifier) as unknown as (name: string, fn: (p: unknown) => void) => void;
  for (const name of EVENT_NAMES) on(name, (payload) => all.push({ name, payload }));
  return {
    all,
    queued: () => all.filter((e) => e.name === 'queued').map((e) => e.payload as QueuedEvent),
    delivered: () => all.filter((e) => e.name === 'delivered').map((e) => e.payload as DeliveredEvent),
    retrying: () => all.filter((e) => e.name === 'retrying').map((e) => e.payload as RetryingEvent),
    failed: () => all.filter((e) => e.name === 'failed').map((e) => e.payload as FailedEvent),
    warnings: () => all.filter((e) => e.name === 'warning').map((e) => e.payload as WarningEvent),
  };
}

/** Texts received by one platform/address (Telegram `text`, Discord `content`, Slack `text`). */
function texts(platform: 'telegram' | 'discord' | 'slack', address?: string): string[] {
  return sent(platform, address).map((c) => String(platform === 'discord' ? c.body.content : c.body.text));
}

/** Every notification line a destination received, coalesced requests split back apart. */
function lines(platform: 'telegram' | 'discord' | 'slack', address?: string): string[] {
  return texts(platform, address).flatMap((t) => t.split('\n'));
}

/** Requests answered by {@link telegramAnswers} (they are not in `captured`). */
let overridden = 0;

/** Answers `status` (JSON `body`) for one Telegram bot token, after `delayMs`; other tokens fall through to the defaults. */
function telegramAnswers(token: string, status: number, body: Record<string, unknown>, delayMs = 0) {
  overridden = 0;
  return http.post('https://api.telegram.org/:bot/sendMessage', async ({ params }) => {
    if (params.bot !== `bot${token}`) return undefined;
    overridden++;
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    return HttpResponse.json(body, { status });
  });
}

describe('routing', () => {
  it('sends info to every GENERAL destination once and to no ERROR destination', async () => {
    const { notifier } = make(fullEnv());
    notifier.log('hello general');
    const report = await notifier.flush();
    expect(report.complete).toBe(true);
    expect(texts('telegram', TOKEN)).toEqual(['hello general']);
    expect(texts('discord', DISCORD_ID)).toEqual(['hello general']);
    expect(texts('slack', SLACK_NAME)).toEqual(['hello general']);
    expect(sent('telegram', ERROR_TOKEN)).toHaveLength(0);
    expect(sent('discord', DISCORD_ERROR_ID)).toHaveLength(0);
    expect(sent('slack', SLACK_ERROR_NAME)).toHaveLength(0);
    expect(captured).toHaveLength(3);
  });

  it('keeps Telegram chat ids as strings end to end', async () => {
    const { notifier } = make(fullEnv());
    notifier.notify('to both', { level: 'error' });
    await notifier.flush();
    expect(sent('telegram', TOKEN)[0]!.body.chat_id).toBe('-1001234567890');
    expect(sent('telegram', ERROR_TOKEN)[0]!.body.chat_id).toBe('42424242');
  });

  it('sends an error to every ERROR and every GENERAL destination, each once', async () => {
    const { notifier } = make(fullEnv());
    notifier.notify('disk full', { level: 'error' });
    await notifier.flush();
    for (const [platform, address] of [
      ['telegram', TOKEN],
      ['telegram', ERROR_TOKEN],
      ['discord', DISCORD_ID],
      ['discord', DISCORD_ERROR_ID],
      ['slack', SLACK_NAME],
      ['slack', SLACK_ERROR_NAME],
    ] as const) {
      expect(texts(platform, address), `${platform} ${address}`).toEqual(['disk full']);
    }
    expect(captured).toHaveLength(6);
  });

  it('de-duplicates ERROR_* and GENERAL_* pointing at the same bot+chat and the same webhooks', async () => {
    const env = fullEnv({
      ERROR_TELEGRAM_BOT_TOKEN: TOKEN,
      ERROR_TELEGRAM_BOT_CHAT_ID: '-1001234567890',
      ERROR_DISCORD_WEBHOOK: DISCORD_URL,
      ERROR_SLACK_WEBHOOK: SLACK_URL,
    });
    const { notifier } = make(env);
    expect(notifier.routes().error).toHaveLength(3);
    notifier.notify('once each', { level: 'error' });
    notifier.log('info once each');
    await notifier.flush();
    // Same level only coalesces, so the error and the info are separate requests: 2 per destination.
    expect(lines('telegram', TOKEN).filter((l) => l === 'once each')).toHaveLength(1);
    expect(lines('discord', DISCORD_ID).filter((l) => l === 'once each')).toHaveLength(1);
    expect(lines('slack', SLACK_NAME).filter((l) => l === 'once each')).toHaveLength(1);
    expect(lines('telegram', TOKEN).filter((l) => l === 'info once each')).toHaveLength(1);
    expect(captured).toHaveLength(6);
  });

  it('one request per notification when ERROR_* duplicates GENERAL_* (one notification)', async () => {
    const env = fullEnv({
      ERROR_TELEGRAM_BOT_TOKEN: TOKEN,
      ERROR_TELEGRAM_BOT_CHAT_ID: '-1001234567890',
      ERROR_DISCORD_WEBHOOK: DISCORD_URL,
      ERROR_SLACK_WEBHOOK: SLACK_URL,
    });
    const { notifier } = make(env);
    notifier.notify('boom', { level: 'error' });
    await notifier.flush();
    expect(captured).toHaveLength(3);
    expect(sent('telegram', TOKEN)).toHaveLength(1);
    expect(sent('discord', DISCORD_ID)).toHaveLength(1);
    expect(sent('slack', SLACK_NAME)).toHaveLength(1);
  });

  it('does not merge the same bot talking to two different chats', async () => {
    const { notifier } = make({
      GENERAL_TELEGRAM_BOT_TOKEN: TOKEN,
      GENERAL_TELEGRAM_BOT_CHAT_ID: '-1001234567890',
      ERROR_TELEGRAM_BOT_TOKEN: TOKEN,
      ERROR_TELEGRAM_BOT_CHAT_ID: '42424242',
    });
    notifier.notify('both chats', { level: 'error' });
    await notifier.flush();
    expect(
      sent('telegram', TOKEN)
        .map((c) => c.body.chat_id)
        .sort(),
    ).toEqual(['-1001234567890', '42424242']);
  });

  it('with only ERROR destinations, info goes to the console default and errors to both', async () => {
    const { notifier, consoleOut } = make({ ERROR_DISCORD_WEBHOOK: DISCORD_ERROR_URL });
    notifier.log('just info');
    await notifier.flush();
    expect(consoleOut).toEqual(['[herald] just info\n']);
    expect(captured).toHaveLength(0);
    notifier.notify('real error', { level: 'error' });
    await notifier.flush();
    expect(texts('discord', DISCORD_ERROR_ID)).toEqual(['real error']);
    expect(consoleOut).toEqual(['[herald] just info\n', '[herald:error] real error\n']);
  });

  it('with nothing configured, prints everything to the console', async () => {
    const { notifier, consoleOut } = make({});
    expect(notifier.routes().general).toEqual(['console (no destination configured)']);
    notifier.log('one');
    notifier.notify('two', { level: 'error' });
    notifier.notify('three', { silent: true });
    notifier.log('multi\nline');
    await notifier.flush();
    expect(consoleOut).toEqual(['[herald] one\n', '[herald:error] two\n', '[herald:silent] three\n', '[herald] multi\n         line\n']);
    expect(captured).toHaveLength(0);
  });
});

describe('log() returns at once and never throws', () => {
  it('has made no request when log() returns; the request follows', async () => {
    const { notifier } = make(fullEnv());
    notifier.log('later');
    expect(captured).toHaveLength(0);
    expect(notifier.backlog()).toBe(3);
    await notifier.flush();
    expect(captured.map((c) => c.platform).sort()).toEqual(['discord', 'slack', 'telegram']); // one request per general destination
    expect(texts('telegram', TOKEN)).toEqual(['later']);
    expect(notifier.backlog()).toBe(0);
  });

  it('takes weird messages without throwing and without an empty body', async () => {
    const { notifier, reports } = make({ GENERAL_DISCORD_WEBHOOK: DISCORD_URL }, { delivery: { stormWindowMs: 0 } });
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    const throwingToJson = {
      price: 1,
      get toJSON(): () => unknown {
        throw new Error('toJSON getter exploded');
      },
    };
    const noProto = Object.assign(Object.create(null) as object, { a: 1 });
    const inputs: unknown[] = [Symbol('sym'), circular, throwingToJson, 42n, () => 1, NaN, null, [1, [2]], new Map([['a', 1]]), noProto];
    for (const input of inputs) expect(() => notifier.log(input)).not.toThrow();
    await notifier.flush();
    const body = lines('discord').join('\n');
    expect(body).toContain('Symbol(sym)');
    expect(body).toContain('"self": "[Circular]"');
    expect(body).toContain('42');
    expect(body).toContain('NaN');
    for (const c of captured) expect(String(c.body.content).trim()).not.toBe('');
    expect(reports).toEqual([]);
    expect(notifier.stats().destinations[0]!.delivered).toBe(inputs.length);
  });

  it.each([
    ['a numeric target', (n: Notifier) => n.log('weird argument', 42 as unknown as string)],
    ['a Symbol target', (n: Notifier) => n.log('weird argument', Symbol('t') as unknown as string)],
    ['an object target', (n: Notifier) => n.log('weird argument', { url: DISCORD_URL } as unknown as string)],
    ['null options', (n: Notifier) => n.notify('weird argument', null as unknown as {})],
  ])('takes %s without throwing and still delivers the message to the general destinations', async (_what, call) => {
    const { notifier } = make({ GENERAL_DISCORD_WEBHOOK: DISCORD_URL });
    expect(() => call(notifier)).not.toThrow();
    await notifier.flush();
    expect(lines('discord').join('\n')).toContain('weird argument');
  });

  it('renders an object that has a throwing toJSON getter readably (not "[object Object]")', async () => {
    const { notifier } = make({ GENERAL_DISCORD_WEBHOOK: DISCORD_URL });
    const bad = {
      symbol: 'BTC-USDT',
      get toJSON(): () => unknown {
        throw new Error('nope');
      },
    };
    notifier.log(bad);
    await notifier.flush();
    // The fields that can be read, and why JSON refused the object.
    expect(texts('discord')).toEqual(['{ symbol: BTC-USDT, toJSON: (unreadable) } (not serialisable: nope)']);
  });
});

describe('non-string messages', () => {
  it('renders an Error as its message and the top of its stack', async () => {
    const { notifier } = make({ GENERAL_DISCORD_WEBHOOK: DISCORD_URL });
    notifier.log(new RangeError('qty below minimum'));
    await notifier.flush();
    const [text] = texts('discord');
    expect(text).toMatch(/^RangeError: qty below minimum\n {2}at /);
    const frames = text!.split('\n').slice(1);
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.length).toBeLessThanOrEqual(5);
    expect(text).not.toContain(process.cwd() + '/');
  });

  it('renders an object as JSON', async () => {
    const { notifier } = make({ GENERAL_DISCORD_WEBHOOK: DISCORD_URL });
    notifier.log({ symbol: 'BTC-USDT', qty: 0.5, nested: { ok: true } });
    await notifier.flush();
    const [text] = texts('discord');
    expect(JSON.parse(text!)).toEqual({ symbol: 'BTC-USDT', qty: 0.5, nested: { ok: true } });
  });

  it('renders an empty object without "[object Object]"', async () => {
    const { notifier } = make({ GENERAL_DISCORD_WEBHOOK: DISCORD_URL });
    notifier.log({});
    await notifier.flush();
    expect(texts('discord')).toEqual(['{}']);
  });

  it('replaces undefined, null, "" and whitespace with a placeholder, never an empty body', async () => {
    const { notifier } = make(fullEnv(), { delivery: { stormWindowMs: 0 } });
    notifier.log(undefined);
    notifier.log('');
    notifier.log('   ');
    notifier.log(null);
    await notifier.flush();
    // Coalesced: one request per general destination, four placeholders in each.
    expect(captured.map((c) => c.platform).sort()).toEqual(['discord', 'slack', 'telegram']);
    for (const c of captured) {
      const text = String(c.platform === 'discord' ? c.body.content : c.body.text);
      expect(text.split('\n')).toEqual(['(empty message)', '(empty message)', '(empty message)', '(empty message)']);
    }
  });
});

describe('events', () => {
  it('emits queued per destination, then delivered with seqs, parts and attempts', async () => {
    const { notifier } = make(fullEnv());
    const ev = record(notifier);
    notifier.log('first');
    notifier.log('second');
    // Synchronously queued, nothing delivered yet.
    expect(ev.queued()).toHaveLength(6);
    expect(ev.delivered()).toHaveLength(0);
    const seqs = [...new Set(ev.queued().map((q) => q.seq))];
    expect(seqs).toHaveLength(2);
    expect(seqs[1]).toBeGreaterThan(seqs[0]!);
    expect(new Set(ev.queued().map((q) => q.destination)).size).toBe(3);
    await notifier.flush();
    const delivered = ev.delivered();
    expect(delivered).toHaveLength(3); // coalesced: one request per destination
    for (const d of delivered) {
      expect(d.seqs).toEqual(seqs);
      expect(d.parts).toBe(1);
      expect(d.attempts).toBe(1);
      expect(d.latencyMs).toBeGreaterThanOrEqual(0);
    }
    expect(texts('discord')).toEqual(['first\nsecond']);
  });

  it('reports parts > 1 when a long message is split', async () => {
    const { notifier } = make({ GENERAL_DISCORD_WEBHOOK: DISCORD_URL });
    const ev = record(notifier);
    const long = Array.from({ length: 90 }, (_, i) => `line ${String(i).padStart(2, '0')} ${'x'.repeat(40)}`).join('\n');
    notifier.log(long);
    await notifier.flush();
    const [d] = ev.delivered();
    expect(d!.parts).toBeGreaterThan(1);
    expect(sent('discord')).toHaveLength(d!.parts);
    for (const t of texts('discord')) expect(t.length).toBeLessThanOrEqual(2000);
    expect(texts('discord').join('\n')).toBe(long);
  });

  it('a message Discord rejects with 400 fails once with its reason; others still deliver', async () => {
    mswServer.use(
      http.post('https://discord.com/api/v10/webhooks/:id/:token', () => HttpResponse.json({ message: 'Invalid Form Body', code: 50035 }, { status: 400 })),
    );
    const { notifier, reports } = make({
      GENERAL_TELEGRAM_BOT_TOKEN: TOKEN,
      GENERAL_TELEGRAM_BOT_CHAT_ID: '-1001234567890',
      GENERAL_DISCORD_WEBHOOK: DISCORD_URL,
      GENERAL_SLACK_WEBHOOK: SLACK_URL,
    });
    const ev = record(notifier);
    notifier.log('bad for discord');
    const report = await notifier.flush();
    expect(report.complete).toBe(true);
    const failed = ev.failed();
    expect(failed).toHaveLength(1);
    expect(failed[0]!.cause).toBe('rejected');
    expect(failed[0]!.reason).toContain('Invalid Form Body');
    expect(failed[0]!.destination).toMatch(/^Discord webhook/);
    expect(
      ev
        .delivered()
        .map((d) => d.destination)
        .sort(),
    ).toEqual([expect.stringMatching(/^Slack/), expect.stringMatching(/^Telegram/)]);
    expect(texts('telegram', TOKEN)).toEqual(['bad for discord']);
    expect(texts('slack')).toEqual(['bad for discord']);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/could not deliver 1 notification to Discord webhook .*Invalid Form Body/);
    const stats = notifier.stats().destinations.find((d) => d.platform === 'Discord')!;
    expect(stats.failed).toBe(1);
    expect(stats.delivered).toBe(0);
  });

  it('a coalesced batch that is rejected is retried one by one so only the bad message fails', async () => {
    mswServer.use(
      http.post('https://discord.com/api/v10/webhooks/:id/:token', async ({ request }) => {
        const body = (await request.clone().json()) as { content: string };
        if (body.content.includes('poison')) return HttpResponse.json({ message: 'Invalid Form Body', code: 50035 }, { status: 400 });
        return undefined;
      }),
    );
    const { notifier } = make({ GENERAL_DISCORD_WEBHOOK: DISCORD_URL });
    const ev = record(notifier);
    notifier.log('good 1');
    notifier.log('poison');
    notifier.log('good 2');
    await notifier.flush();
    expect(ev.failed()).toHaveLength(1);
    expect(ev.failed()[0]!.seqs).toHaveLength(1);
    expect(lines('discord')).toEqual(['good 1', 'good 2']);
  });

  it('a 429 with retry_after emits retrying (rate limited), then delivered', async () => {
    let calls = 0;
    mswServer.use(
      http.post('https://discord.com/api/v10/webhooks/:id/:token', () => {
        if (++calls === 1) return HttpResponse.json({ message: 'You are being rate limited.', retry_after: 0.05, global: false }, { status: 429 });
        return undefined;
      }),
    );
    const { notifier } = make({ GENERAL_DISCORD_WEBHOOK: DISCORD_URL });
    const ev = record(notifier);
    notifier.log('after a wait');
    await notifier.flush();
    const names = ev.all.map((e) => e.name).filter((n) => n !== 'queued');
    expect(names).toEqual(['retrying', 'delivered']);
    const [r] = ev.retrying();
    expect(r!.rateLimited).toBe(true);
    expect(r!.delayMs).toBe(50);
    expect(r!.attempt).toBe(1);
    expect(ev.delivered()[0]!.attempts).toBe(2);
    expect(texts('discord')).toEqual(['after a wait']);
    expect(ev.failed()).toHaveLength(0);
  });

  it('a Telegram 429 honours parameters.retry_after', async () => {
    let calls = 0;
    mswServer.use(
      http.post('https://api.telegram.org/:bot/sendMessage', () => {
        if (++calls === 1)
          return HttpResponse.json(
            { ok: false, error_code: 429, description: 'Too Many Requests: retry after 0.05', parameters: { retry_after: 0.05 } },
            { status: 429 },
          );
        return undefined;
      }),
    );
    const { notifier } = make({ GENERAL_TELEGRAM_BOT_TOKEN: TOKEN, GENERAL_TELEGRAM_BOT_CHAT_ID: '-1001234567890' });
    const ev = record(notifier);
    notifier.log('tg after wait');
    await notifier.flush();
    expect(ev.retrying()).toEqual([expect.objectContaining({ rateLimited: true, delayMs: 50 })]);
    expect(texts('telegram', TOKEN)).toEqual(['tg after wait']);
  });

  it('a single 500 is retried with backoff, not lost', async () => {
    let calls = 0;
    mswServer.use(
      http.post('https://hooks.slack.com/services/:a/:b/:c', () => {
        if (++calls === 1) return new HttpResponse('internal_error', { status: 500 });
        return undefined;
      }),
    );
    const { notifier } = make({ GENERAL_SLACK_WEBHOOK: SLACK_URL }, { delivery: FAST });
    const ev = record(notifier);
    notifier.log('survives a 500');
    const report = await notifier.flush();
    expect(report.complete).toBe(true);
    const [r] = ev.retrying();
    expect(r).toMatchObject({ rateLimited: false, delayMs: 10, attempt: 1 });
    expect(r!.reason).toContain('500');
    expect(ev.delivered()).toEqual([expect.objectContaining({ attempts: 2, parts: 1 })]);
    expect(texts('slack')).toEqual(['survives a 500']);
    expect(ev.failed()).toHaveLength(0);
    expect(notifier.stats().destinations[0]).toMatchObject({ delivered: 1, failed: 0, retries: 1, requests: 2 });
  });

  it('a network error is transient and retried', async () => {
    let calls = 0;
    mswServer.use(
      http.post('https://hooks.slack.com/services/:a/:b/:c', () => {
        if (++calls === 1) return HttpResponse.error();
        return undefined;
      }),
    );
    const { notifier } = make({ GENERAL_SLACK_WEBHOOK: SLACK_URL }, { delivery: FAST });
    const ev = record(notifier);
    notifier.log('after a reset');
    await notifier.flush();
    expect(ev.retrying()).toHaveLength(1);
    expect(texts('slack')).toEqual(['after a reset']);
  });

  it('a dead destination (Telegram 401) is disabled once, reported once, skipped later, and announced elsewhere', async () => {
    mswServer.use(telegramAnswers(TOKEN, 401, { ok: false, error_code: 401, description: 'Unauthorized' }));
    const { notifier, reports } = make(fullEnv());
    const ev = record(notifier);
    notifier.log('first');
    await notifier.flush();
    await notifier.flush();
    const warnings = ev.warnings();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.code).toBe('destination-disabled');
    expect(warnings[0]!.destination).toMatch(/^Telegram bot 123456789:AA… → chat -1001234567890$/);
    expect(warnings[0]!.message).toContain('Unauthorized');
    expect(warnings[0]!.fix).toContain('GENERAL_TELEGRAM_BOT_TOKEN');
    expect(reports.filter((l) => /stopped sending/.test(l))).toHaveLength(1);
    const reportsAfterFirst = reports.length;

    // The other destinations error notifications go to hear about it.
    for (const [platform, address] of [
      ['telegram', ERROR_TOKEN],
      ['discord', DISCORD_ID],
      ['discord', DISCORD_ERROR_ID],
      ['slack', SLACK_NAME],
      ['slack', SLACK_ERROR_NAME],
    ] as const) {
      expect(
        lines(platform, address).filter((l) => l.includes('stopped sending to Telegram bot 123456789:AA…')),
        `${platform} ${address}`,
      ).toHaveLength(1);
    }
    expect(texts('discord', DISCORD_ID)).toContain('first');
    expect(overridden).toBe(1);

    // Same level, same tick: one request per destination (keeps Slack's 3/s bucket from making the test wait).
    notifier.log('second');
    notifier.log('third');
    await notifier.flush();
    expect(overridden).toBe(1);
    expect(lines('discord', DISCORD_ID)).toEqual([
      'first',
      expect.stringMatching(/^⚠️ Herald stopped sending to Telegram bot 123456789:AA… → chat -1001234567890: Unauthorized/),
      'second',
      'third',
    ]);
    // 'first' (the 401 itself), then 'second' and 'third' skipped; seq 2 is the notice sent elsewhere.
    expect(ev.failed().map((f) => [f.cause, f.seqs])).toEqual([
      ['disabled', [1]],
      ['disabled', [3]],
      ['disabled', [4]],
    ]);
    expect(ev.warnings()).toHaveLength(1);
    expect(reports).toHaveLength(reportsAfterFirst);
    const tg = notifier.stats().destinations.find((d) => d.destination.includes('-1001234567890'))!;
    expect(tg.state).toBe('disabled');
    expect(tg.failed).toBe(3);
  });

  it('flush() waits for the disabled-destination notice it caused', async () => {
    // The 401 comes last, after the other destinations have delivered and gone idle.
    mswServer.use(telegramAnswers(TOKEN, 401, { ok: false, error_code: 401, description: 'Unauthorized' }, 30));
    const { notifier } = make(fullEnv());
    notifier.log('first');
    const report = await notifier.flush();
    expect(report).toEqual({ complete: true, undelivered: [] });
    expect(lines('telegram', ERROR_TOKEN).some((l) => l.includes('stopped sending to'))).toBe(true);
  });
});

describe('redaction', () => {
  it('no token or webhook secret appears in any event or report across a run with failures', async () => {
    const TARGET_DISCORD = 'https://discord.com/api/webhooks/444555666777888999/TargetSecretTargetSecretTargetSecret_x';
    mswServer.use(
      telegramAnswers(TOKEN, 401, { ok: false, error_code: 401, description: 'Unauthorized' }),
      http.post('https://discord.com/api/v10/webhooks/:id/:token', ({ params, request }) => {
        if (params.id === DISCORD_ID) return HttpResponse.json({ message: 'Unknown Webhook', code: 10015 }, { status: 404 });
        // An odd answer that echoes the URL back (a proxy error page, say).
        if (params.id === '444555666777888999') return new HttpResponse(`cannot POST ${request.url}`, { status: 418 });
        return undefined;
      }),
      http.post('https://hooks.slack.com/services/:a/:b/:c', ({ params }) => {
        if (params.b === 'B0BBBBBBB') return HttpResponse.error();
        return undefined;
      }),
    );
    const secrets = [
      TOKEN.split(':')[1]!,
      ERROR_TOKEN.split(':')[1]!,
      DISCORD_URL.split('/').pop()!,
      DISCORD_ERROR_URL.split('/').pop()!,
      SLACK_URL.split('/').pop()!,
      SLACK_ERROR_URL.split('/').pop()!,
      'TargetSecretTargetSecretTargetSecret_x',
      'HttpSecretHttpSecretHttpSecret',
      'slacksecretslacksecret',
      'EnvHeldSecretEnvHeldSecret',
    ];
    const env = fullEnv({ BAD_HOOK: 'http://discord.com/api/webhooks/123456789/EnvHeldSecretEnvHeldSecret' });
    const { notifier, reports, consoleOut } = make(env, { delivery: { ...FAST, giveUpAfterMs: 100 } });
    const ev = record(notifier);
    notifier.log('to general');
    notifier.notify('to errors', { level: 'error' });
    notifier.log('token as target', ERROR_TOKEN);
    notifier.log('http webhook', 'http://discord.com/api/webhooks/123456789/HttpSecretHttpSecretHttpSecret');
    notifier.log('slack over http', 'http://hooks.slack.com/services/T0AAAAAAA/B0DDDDDDD/slacksecretslacksecret');
    notifier.log('env var with bad hook', 'BAD_HOOK');
    notifier.log('odd answer', TARGET_DISCORD);
    await notifier.close(300);
    const everything = [...ev.all.map((e) => JSON.stringify(e.payload)), ...reports, ...consoleOut].join('\n');
    // The run did fail in the ways we meant.
    expect(ev.warnings().map((w) => w.code)).toEqual(expect.arrayContaining(['destination-disabled', 'target-unresolved']));
    expect(ev.failed().length).toBeGreaterThan(0);
    expect(ev.retrying().length).toBeGreaterThan(0);
    expect(everything).toContain('123456789:AA…');
    for (const s of secrets) expect(everything, s).not.toContain(s);
    // Nor in the notices Herald sent to the destinations that still work.
    const notices = captured.map((c) => JSON.stringify(c.body)).join('\n');
    expect(notices).toContain('stopped sending to');
    for (const s of secrets) expect(notices, s).not.toContain(s);
  });
});

describe('flush, close and stats', () => {
  it('flush resolves once everything is delivered', async () => {
    const { notifier } = make(fullEnv());
    for (let i = 0; i < 5; i++) notifier.log(`m${i}`);
    notifier.notify('e', { level: 'error' });
    const report = await notifier.flush();
    expect(report).toEqual({ complete: true, undelivered: [] });
    expect(notifier.backlog()).toBe(0);
    expect(lines('discord', DISCORD_ID)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'e']);
    expect(lines('discord', DISCORD_ERROR_ID)).toEqual(['e']);
  });

  it('flush with nothing queued resolves complete', async () => {
    const { notifier } = make(fullEnv());
    await expect(notifier.flush()).resolves.toEqual({ complete: true, undelivered: [] });
  });

  it('stats counts delivered and failed per destination', async () => {
    mswServer.use(
      http.post('https://discord.com/api/v10/webhooks/:id/:token', () => HttpResponse.json({ message: 'Invalid Form Body', code: 50035 }, { status: 400 })),
    );
    const { notifier } = make({ GENERAL_DISCORD_WEBHOOK: DISCORD_URL, GENERAL_SLACK_WEBHOOK: SLACK_URL });
    notifier.log('a');
    notifier.log('b');
    await notifier.flush();
    const stats = notifier.stats();
    expect(stats.backlog).toBe(0);
    const byPlatform = Object.fromEntries(stats.destinations.map((d) => [d.platform, d]));
    expect(byPlatform.Slack).toMatchObject({ delivered: 2, failed: 0, queued: 2, state: 'active', backlog: 0 });
    expect(byPlatform.Discord).toMatchObject({ delivered: 0, failed: 2, queued: 2, state: 'active', backlog: 0 });
    expect(stats.destinations.map((d) => d.destination).join(' ')).not.toContain(SLACK_URL.split('/').pop()!);
  });

  it('close() with a destination that keeps failing resolves incomplete at the deadline, warns, and later log() fails with cause closed', async () => {
    mswServer.use(http.post('https://hooks.slack.com/services/:a/:b/:c', () => new HttpResponse('internal_error', { status: 500 })));
    const { notifier, reports } = make({ GENERAL_SLACK_WEBHOOK: SLACK_URL, GENERAL_DISCORD_WEBHOOK: DISCORD_URL }, { delivery: FAST });
    const ev = record(notifier);
    notifier.log('stuck 1');
    notifier.log('stuck 2');
    const report = await notifier.close(200);
    expect(report.complete).toBe(false);
    expect(report.undelivered).toEqual([{ destination: expect.stringMatching(/^Slack webhook/), count: 2 }]);
    const warnings = ev.warnings();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.code).toBe('undelivered-at-exit');
    expect(warnings[0]!.message).toMatch(/^2 notifications could not be delivered before shutdown: 2 to Slack webhook/);
    expect(reports.some((l) => l.includes('could not be delivered before shutdown'))).toBe(true);
    expect(ev.failed()).toEqual([expect.objectContaining({ cause: 'closed', seqs: [1, 2] })]);
    expect(texts('discord')).toEqual(['stuck 1\nstuck 2']);
    // The same promise for a second close.
    await expect(notifier.close(200)).resolves.toBe(report);

    const before = captured.length;
    expect(() => notifier.log('after close')).not.toThrow();
    const afterClose = ev.failed().slice(1);
    expect(afterClose).toHaveLength(2);
    for (const f of afterClose) expect(f.cause).toBe('closed');
    await new Promise((r) => setTimeout(r, 30));
    expect(captured.length).toBe(before);
    const stats = notifier.stats().destinations;
    expect(stats.every((d) => d.state === 'closed')).toBe(true);
  });

  it('log() after close() to a destination never used before also fails with cause closed, sending nothing', async () => {
    const { notifier } = make({ GENERAL_DISCORD_WEBHOOK: DISCORD_URL }, { delivery: FAST });
    const ev = record(notifier);
    await notifier.close(200);
    notifier.log('late, targeted', SLACK_URL);
    notifier.notify('late error', { level: 'error' });
    await new Promise((r) => setTimeout(r, 50));
    expect(captured).toHaveLength(0);
    expect(ev.failed().map((f) => f.cause)).toEqual(['closed', 'closed']);
    expect(notifier.backlog()).toBe(0);
  });

  it('close() delivers what is queued and releases everything', async () => {
    const { notifier } = make(fullEnv());
    notifier.log('bye');
    const report = await notifier.close();
    expect(report.complete).toBe(true);
    expect(captured).toHaveLength(3);
  });
});

describe('a throwing event listener', () => {
  it('never strands a message or stops delivery; it is reported', async () => {
    const { notifier, reports } = make(fullEnv());
    notifier.on('queued', () => {
      throw new Error('listener bug');
    });
    notifier.on('delivered', () => {
      throw new Error('listener bug 2');
    });
    notifier.log('one');
    notifier.log('two');
    const report = await notifier.flush(5000);
    expect(report.complete).toBe(true);
    expect(sent('discord').map((c) => c.body.content)).toEqual(['one\ntwo']);
    expect(reports.join('')).toMatch(/'queued' event listener threw: listener bug/);
  });
});
