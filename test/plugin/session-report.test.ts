/**
 * The session's end through the plugin, on the wire against the fake Telegram: with reports on,
 * session.terminated queues a final report before the drain, and close() waits for a report
 * still being built (a slow snapshot function) so it is not lost; without reports, none is sent.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type HeraldHandle, type HeraldPluginOptions } from '../../src/index.js';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';
import { CHAT, fakeClock, realPause, roomyLimits, until, installPlugin } from '../fixtures/wiring.js';

let fake: FakePlatformServer;
const handles: HeraldHandle[] = [];

beforeEach(async () => {
  fake = await FakePlatformServer.start(roomyLimits);
  fakeClock('2026-03-02T16:30:00Z');
});

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(handles.splice(0).map((h) => h.close(1000)));
  await fake.close();
});

function install(options: Omit<HeraldPluginOptions, 'env'> = {}) {
  return installPlugin(fake, handles, options);
}

const texts = (): string[] => fake.messagesFor('telegram', CHAT).map((m) => m.text);
const reports = (): string[] => texts().filter((t) => t.startsWith('📊 Report'));
const BTC = { symbol: 'BTC/USDT', side: 'long', qty: 0.5, entryPrice: 64210.5, markPrice: 65100 };

describe('the report at the session end', () => {
  it('session.terminated queues a final report (the period so far) before the drain', async () => {
    const { host, handle } = install({ report: { every: '1d', timeZone: 'UTC' } });
    const order: string[] = [];
    handle.notifier.on('queued', (e) => void order.push(`queued ${e.seq}`));
    const realFlush = handle.notifier.flush.bind(handle.notifier);
    vi.spyOn(handle.notifier, 'flush').mockImplementation((timeoutMs) => {
      order.push('flush');
      return realFlush(timeoutMs);
    });
    host.emit('report.snapshot', { positions: [BTC] });
    host.emit('order.filled', { symbol: 'BTC/USDT', side: 'buy', qty: 0.5, price: 64210.5 });
    host.emit('session.terminated', { mode: 'paper' });
    await until(() => expect(reports()).toHaveLength(1));
    const report = reports()[0]!;
    expect(report.split('\n')[0]).toMatch(/^📊 Report 16:30 · /);
    expect(report).toContain('🟢 BTC/USDT LONG 0.5');
    expect(report).toContain('Fills: 1 · 1 buy');
    // The fill, the session's end, the report — then the drain.
    await until(() => expect(order).toContain('flush'));
    expect(order.slice(0, order.indexOf('flush'))).toEqual(['queued 1', 'queued 2', 'queued 3']);
  });

  it('close() right after session.terminated waits for a report whose snapshot is slow', async () => {
    let answer: (value: unknown) => void = () => {};
    const snapshot = vi.fn(() => new Promise((resolve) => (answer = resolve)));
    const { host, handle } = install({ report: { every: '1d', timeZone: 'UTC', snapshot } });
    host.emit('session.terminated', { mode: 'paper' });
    await until(() => expect(snapshot).toHaveBeenCalledTimes(1));
    handles.splice(handles.indexOf(handle), 1);
    let closed = false;
    const closing = handle.close(1000).then((r) => ((closed = true), r));
    await realPause(30);
    expect(closed).toBe(false);
    answer({ positions: [BTC] });
    expect((await closing).complete).toBe(true);
    expect(reports()).toHaveLength(1);
    expect(reports()[0]).toContain('🟢 BTC/USDT LONG 0.5');
  });

  it('close() does not wait past its deadline for a snapshot that hangs: it says so in one line', async () => {
    const lines: string[] = [];
    const { host, handle } = install({
      report: { every: '1d', timeZone: 'UTC', snapshot: () => new Promise(() => {}) },
      diagnostics: (l) => void lines.push(l),
    });
    host.emit('order.filled', { symbol: 'BTC/USDT', side: 'buy', qty: 0.5, price: 64210.5 });
    host.emit('session.terminated', { mode: 'paper' });
    handles.splice(handles.indexOf(handle), 1);
    let closed = false;
    const closing = handle.close(2000).then((r) => ((closed = true), r));
    await vi.advanceTimersByTimeAsync(1900);
    expect(closed).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    await until(() => expect(closed).toBe(true));
    expect(lines).toEqual(['herald: a report still being built at the 2000 ms shutdown deadline is not sent\n']);
    // What was queued before went out.
    expect(texts().join('\n')).toContain('SESSION ENDED');
    expect(reports()).toEqual([]);
  });

  it('without reports, the session end sends no report', async () => {
    const { host, handle } = install();
    host.emit('order.filled', { symbol: 'BTC/USDT', side: 'buy', qty: 0.5, price: 64210.5 });
    host.emit('session.terminated', { mode: 'paper' });
    await handle.flush(1000);
    await realPause(20);
    expect(texts().join('\n')).toContain('SESSION ENDED');
    expect(reports()).toEqual([]);
  });
});
