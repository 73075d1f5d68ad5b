/**
 * Quiet hours and /mute through a real notifier, on the wire against the fake Telegram, with the
 * clock faked at 23:30 UTC: info goes silent (or is held with `hold`, and while muted), errors
 * always go at once with sound, and what was held arrives as one message when the hold ends or
 * at close().
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Env } from '../../src/config/env.js';
import { createNotifier, type Notifier, type NotifierOptions } from '../../src/index.js';
import { FakePlatformServer, type ReceivedMessage } from '../../src/sandbox/fake-platforms.js';
import { advanceTo, CHAT, fakeClock, noLimits, realPause, roomyLimits, telegramEnv, until } from '../fixtures/wiring.js';

let fake: FakePlatformServer;
const open: Notifier[] = [];

beforeEach(async () => {
  fake = await FakePlatformServer.start(roomyLimits);
  fakeClock('2026-03-02T23:30:00Z');
});

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(open.splice(0).map((n) => n.close(1000)));
  await fake.close();
});

function notifier(options: NotifierOptions = {}, extra: Env = {}): Notifier {
  const n = createNotifier({
    env: telegramEnv(fake, extra),
    drainOnExit: false,
    outbox: false,
    redis: false,
    limits: noLimits,
    diagnostics: () => {},
    ...options,
  });
  open.push(n);
  return n;
}

const quiet = { from: '23:00', to: '07:00', timeZone: 'UTC' } as const;
const sent = (): ReceivedMessage[] => fake.messagesFor('telegram', CHAT);
const texts = (): string[] => sent().map((m) => m.text);

describe('quiet hours', () => {
  it('without hold: info arrives at once but silent, an error with sound', async () => {
    const n = notifier({ quiet });
    n.notify('✅ FILLED BTC/USDT buy 0.5');
    n.notify('🚨 exchange down', { level: 'error' });
    await n.flush();
    expect(sent().map((m) => [m.text, m.silent])).toEqual([
      ['✅ FILLED BTC/USDT buy 0.5', true],
      ['🚨 exchange down', false],
    ]);
    expect(sent()[0]!.body).toMatchObject({ disable_notification: true });
  });

  it('outside quiet hours nothing changes', async () => {
    vi.setSystemTime(new Date('2026-03-02T12:00:00Z'));
    const n = notifier({ quiet: { ...quiet, hold: true } });
    n.notify('midday fill');
    await n.flush();
    expect(sent().map((m) => [m.text, m.silent])).toEqual([['midday fill', false]]);
  });

  it('with hold: info waits until 07:00 and arrives as one message listing each; errors go at once', async () => {
    const n = notifier({ quiet: { ...quiet, hold: true } });
    n.notify('first fill');
    await advanceTo('2026-03-03T01:15:00Z');
    n.notify('second fill');
    n.notify('🚨 exchange down', { level: 'error' });
    await n.flush();
    expect(texts()).toEqual(['🚨 exchange down']);
    expect(sent()[0]!.silent).toBe(false);

    await advanceTo('2026-03-03T06:59:59Z');
    expect(texts()).toEqual(['🚨 exchange down']);
    await advanceTo('2026-03-03T07:00:00Z');
    await until(() => expect(sent()).toHaveLength(2));
    const held = sent()[1]!;
    expect(held.text).toBe('🌙 Held during quiet hours (23:00–07:00): 2 notifications\n\n23:30 first fill\n\n01:15 second fill');
    expect(held.silent).toBe(false);
    // Nothing is held any more: the next info goes straight out.
    n.notify('morning');
    await n.flush();
    expect(texts().at(-1)).toBe('morning');
  });

  it('a file or a live update is never held: it goes at once, silent', async () => {
    const n = notifier({ quiet: { ...quiet, hold: true } });
    n.notify('chart', { file: { name: 'trades.txt', data: Buffer.from('buy 1 BTC\n') } });
    n.notify('order 7: open', { live: { key: 'order:7' } });
    await n.flush();
    expect(sent().map((m) => [m.text, m.silent])).toEqual([
      ['chart', true],
      ['order 7: open', true],
    ]);
  });

  it('close() during a quiet-hours hold sends what is held', async () => {
    const n = notifier({ quiet: { ...quiet, hold: true } });
    n.notify('late fill');
    await n.flush();
    expect(sent()).toEqual([]);
    const report = await n.close(1000);
    expect(report.complete).toBe(true);
    expect(texts()).toEqual(['🌙 Held during quiet hours (23:00–07:00): 1 notification\n\n23:30 late fill']);
  });

  it('HERALD_QUIET=23:00-07:00,hold from the environment holds too', async () => {
    const n = notifier({}, { HERALD_QUIET: '23:00-07:00,hold', HERALD_REPORT_TZ: 'UTC' });
    n.notify('from env');
    await n.flush();
    expect(sent()).toEqual([]);
    await advanceTo('2026-03-03T07:00:00Z');
    await until(() => expect(texts()).toEqual(['🌙 Held during quiet hours (23:00–07:00): 1 notification\n\n23:30 from env']));
  });
});

describe('mute', () => {
  beforeEach(() => void vi.setSystemTime(new Date('2026-03-02T14:00:00Z')));

  it('mute(1 h): info is held, errors go; unmute() sends the held ones as one message', async () => {
    const n = notifier();
    expect(n.mutedUntil).toBeUndefined();
    const until1 = n.mute(3_600_000);
    expect(until1).toBe(Date.parse('2026-03-02T15:00:00Z'));
    expect(n.mutedUntil).toBe(until1);
    n.notify('fill while muted');
    n.notify('🚨 margin call', { level: 'error' });
    await n.flush();
    expect(texts()).toEqual(['🚨 margin call']);
    await advanceTo('2026-03-02T14:20:00Z');
    n.notify('another fill');
    n.unmute();
    expect(n.mutedUntil).toBeUndefined();
    await until(() => expect(sent()).toHaveLength(2));
    expect(texts()[1]).toBe('🔕 Held while muted (from 14:00): 2 notifications\n\n14:00 fill while muted\n\n14:20 another fill');
    n.notify('after');
    await n.flush();
    expect(texts()).toHaveLength(3);
  });

  it("the mute's end releases what it held; mutedUntil is then undefined", async () => {
    const n = notifier();
    n.mute(3_600_000);
    n.notify('held one');
    await n.flush();
    await realPause(20);
    expect(sent()).toEqual([]);
    await advanceTo('2026-03-02T15:00:00Z');
    await until(() => expect(texts()).toEqual(['🔕 Held while muted (from 14:00): 1 notification\n\n14:00 held one']));
    expect(n.mutedUntil).toBeUndefined();
  });

  it('unmute() with nothing held sends nothing', async () => {
    const n = notifier();
    n.mute(60_000);
    n.unmute();
    await n.flush();
    await realPause(20);
    expect(sent()).toEqual([]);
  });
});
