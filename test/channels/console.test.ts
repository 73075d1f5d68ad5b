import { describe, expect, it } from 'vitest';
import { CONSOLE_PREFIX, createConsoleChannel, formatConsoleLine } from '../../src/channels/console.js';
import type { OutgoingPart } from '../../src/channels/channel.js';
import { captured, testNotifier, useMsw } from '../fixtures/platforms.js';

useMsw();

const part = (text: string, level: 'info' | 'error' = 'info', silent = false): OutgoingPart => ({ text, level, silent });

describe('formatConsoleLine', () => {
  it('info: "[herald] text" and a newline', () => {
    expect(CONSOLE_PREFIX).toBe('[herald]');
    expect(formatConsoleLine(part('order filled'))).toBe('[herald] order filled\n');
  });

  it('error and silent are marked in the prefix', () => {
    expect(formatConsoleLine(part('boom', 'error'))).toBe('[herald:error] boom\n');
    expect(formatConsoleLine(part('quiet', 'info', true))).toBe('[herald:silent] quiet\n');
    expect(formatConsoleLine(part('both', 'error', true))).toBe('[herald:error:silent] both\n');
  });

  it('indents continuation lines under the text of the first line', () => {
    expect(formatConsoleLine(part('line 1\nline 2\n  line 3'))).toBe('[herald] line 1\n         line 2\n           line 3\n');
    const err = formatConsoleLine(part('Error: x\n  at f (a.ts:1:1)', 'error'));
    expect(err).toBe('[herald:error] Error: x\n                 at f (a.ts:1:1)\n');
    // Every continuation line starts exactly where the first line's text starts.
    const [first, second] = err.split('\n');
    expect(second!.indexOf('at')).toBe(first!.indexOf('Error') + 2);
  });
});

describe('console channel', () => {
  it('writes each part through the writer and reports ok', async () => {
    const lines: string[] = [];
    const c = createConsoleChannel((t) => void lines.push(t));
    expect(await c.send(part('a'), new AbortController().signal)).toEqual({ kind: 'ok' });
    expect(lines).toEqual(['[herald] a\n']);
    expect(c.coalesce).toBe(false);
    expect(c.buckets()).toEqual([]);
  });

  it('a throwing writer becomes a transient outcome, not a throw', async () => {
    const c = createConsoleChannel(() => {
      throw new Error('EPIPE');
    });
    const out = await c.send(part('a'), new AbortController().signal);
    expect(out.kind).toBe('transient');
    expect(out.kind === 'transient' && out.reason).toContain('EPIPE');
  });
});

describe('console default', () => {
  it('is used when nothing is configured, and prints every notification in order, one block each', async () => {
    const { notifier, consoleOut, reports } = testNotifier({});
    expect(notifier.routes()).toEqual({ general: ['console (no destination configured)'], error: ['console (no destination configured)'] });
    notifier.log('started');
    notifier.notify('it broke', { level: 'error' });
    notifier.notify('quiet note', { silent: true });
    notifier.log('two\nlines');
    notifier.log({ symbol: 'BTC/USDT', qty: 1 });
    for (let i = 0; i < 40; i++) notifier.log(`tick ${i}`);
    await notifier.close();
    expect(consoleOut.slice(0, 5)).toEqual([
      '[herald] started\n',
      '[herald:error] it broke\n',
      '[herald:silent] quiet note\n',
      '[herald] two\n         lines\n',
      '[herald] {\n           "symbol": "BTC/USDT",\n           "qty": 1\n         }\n',
    ]);
    expect(consoleOut.slice(5)).toEqual(Array.from({ length: 40 }, (_, i) => `[herald] tick ${i}\n`));
    expect(reports).toEqual([]);
    expect(captured).toEqual([]);
  });
});
