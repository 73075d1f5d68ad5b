/**
 * The notifier's report methods on the wire against the fake Telegram: sendReport() on demand
 * (its own span, the period left open for the scheduled report), status() for /status, and
 * close() waiting for a report still being built — on demand or by the schedule — so it is not lost.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createNotifier, type Notifier, type NotifierOptions } from '../../src/index.js';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';
import { advanceTo, CHAT, fakeClock, noLimits, realPause, roomyLimits, telegramEnv, until } from '../fixtures/wiring.js';

let fake: FakePlatformServer;
const open: Notifier[] = [];

beforeEach(async () => {
  fake = await FakePlatformServer.start(roomyLimits);
  fakeClock('2026-03-02T09:40:00Z');
});

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(open.splice(0).map((n) => n.close(1000)));
  await fake.close();
});

function notifier(options: NotifierOptions = {}) {
  const lines: string[] = [];
  const n = createNotifier({
    env: telegramEnv(fake),
    drainOnExit: false,
    outbox: false,
    redis: false,
    limits: noLimits,
    diagnostics: (l) => void lines.push(l),
    ...options,
  });
  open.push(n);
  return { n, lines };
}

const texts = (): string[] => fake.messagesFor('telegram', CHAT).map((m) => m.text.replaceAll('\r\n', '\n'));
const reports = (): string[] => texts().filter((t) => t.startsWith('📊 Report'));

/** A snapshot function the test answers when it likes. */
function slowSnapshot() {
  let answer: (value: unknown) => void = () => {};
  const fn = vi.fn(() => new Promise((resolve) => (answer = resolve)));
  return { fn, answer: (value: unknown) => answer(value) };
}

const BTC = { symbol: 'BTC/USDT', side: 'long', qty: 0.5, entryPrice: 64210.5, markPrice: 65100 };

describe('sendReport()', () => {
  it('on demand: the span since the period began, and the period stays open for the scheduled report', async () => {
    const { n } = notifier({ report: { every: '1h', timeZone: 'UTC' } });
    n.observe('order.filled', { symbol: 'BTC/USDT', side: 'buy', qty: 0.5, price: 64210.5 });
    await advanceTo('2026-03-02T09:50:00Z');
    await n.sendReport();
    await n.flush();
    expect(reports()).toHaveLength(1);
    expect(reports()[0]!.split('\n')[0]).toBe('📊 Report 09:50 · last 10 min');
    expect(reports()[0]).toContain('Fills: 1 · 1 buy');
    await advanceTo('2026-03-02T10:00:00Z');
    await until(() => expect(reports()).toHaveLength(2));
    expect(reports()[1]!.split('\n')[0]).toBe('📊 Report 10:00 · last 1 h');
    expect(reports()[1]).toContain('Fills: 1 · 1 buy');
  });

  it('without a schedule, sendReport() still builds a report (reportsScheduled is false)', async () => {
    const { n } = notifier();
    expect(n.reportsScheduled).toBe(false);
    n.observe('report.snapshot', { positions: [BTC] });
    await n.sendReport();
    await n.flush();
    expect(reports()).toHaveLength(1);
    expect(reports()[0]).toContain('🟢 BTC/USDT LONG 0.5');
  });
});

describe('close() and reports being built', () => {
  it('close() waits for an on-demand report whose snapshot is slow', async () => {
    const snapshot = slowSnapshot();
    const { n } = notifier({ report: { every: '1d', timeZone: 'UTC', snapshot: snapshot.fn } });
    void n.sendReport();
    await until(() => expect(snapshot.fn).toHaveBeenCalled());
    let closed = false;
    const closing = n.close(1000).then((r) => ((closed = true), r));
    await realPause(20);
    expect(closed).toBe(false);
    snapshot.answer({ positions: [BTC] });
    expect((await closing).complete).toBe(true);
    expect(reports()).toHaveLength(1);
    expect(reports()[0]).toContain('🟢 BTC/USDT LONG 0.5');
  });

  it('close() waits for a scheduled report whose snapshot is slow', async () => {
    const snapshot = slowSnapshot();
    const { n, lines } = notifier({ report: { every: '1h', timeZone: 'UTC', snapshot: snapshot.fn } });
    await advanceTo('2026-03-02T10:00:00Z');
    await until(() => expect(snapshot.fn).toHaveBeenCalled());
    const closing = n.close(1000);
    await realPause(20);
    snapshot.answer({ positions: [BTC] });
    expect((await closing).complete).toBe(true);
    expect(reports()).toHaveLength(1);
    expect(reports()[0]!.split('\n')[0]).toBe('📊 Report 10:00 · last 1 h');
    expect(lines.filter((l) => !l.includes('report.snapshot()'))).toEqual([]);
  });

  it('after close() the schedule is stopped: no report comes later', async () => {
    const { n } = notifier({ report: { every: '1h', timeZone: 'UTC' } });
    await n.close(1000);
    await advanceTo('2026-03-02T11:00:00Z');
    await realPause(20);
    expect(reports()).toEqual([]);
  });
});

describe('status()', () => {
  it('positions from the latest snapshot, the day so far, the backlog, and the mute', async () => {
    const { n } = notifier({ report: { every: '1d', timeZone: 'UTC' } });
    n.observe('report.snapshot', { positions: [BTC] });
    n.observe('order.filled', { symbol: 'BTC/USDT', side: 'buy', qty: 0.5, price: 64210.5 });
    n.observe('position.closed', { symbol: 'SOL/USDT', pnl: -12 });
    n.mute(3_600_000);
    const status = await n.status();
    expect(status.split('\n')).toEqual([
      '📟 Status 09:40',
      'Positions: 1 open · unrealised +444.75',
      '🟢 BTC/USDT LONG 0.5 · 64,210.50 → 65,100.00 · +444.75 (+1.39%)',
      // The process began at 09:40: its day so far starts there, not at midnight.
      'Since 09:40: realised -12.00 · 0 of 1 closed in profit (0%) · 1 fill',
      'Herald: backlog 0',
      'No errors',
      '🔕 Muted until 10:40 (errors still come through)',
    ]);
  });
});
