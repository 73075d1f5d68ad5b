import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Delivery } from '../../src/delivery/delivery.js';
import { type EntryExtras, makeEntry } from '../../src/delivery/entry.js';
import type { DeliveryEvents } from '../../src/delivery/events.js';
import type { DeliveryOptions } from '../../src/delivery/options.js';
import type { Attachment } from '../../src/channels/channel.js';
import { ScriptedChannel } from './scripted-channel.js';

function setup(options: Partial<DeliveryOptions> = {}) {
  const events: { name: keyof DeliveryEvents; payload: unknown }[] = [];
  const delivery = new Delivery({
    emit: (name, payload) => void events.push({ name, payload }),
    options: { stormWindowMs: 60_000, backoff: { baseMs: 1000, factor: 2, maxMs: 60_000, jitter: 0 }, ...options },
    onDisabled: () => {},
  });
  const send = (channels: ScriptedChannel[], text: string, extras?: EntryExtras, silent = false) =>
    delivery.enqueue(channels, makeEntry(delivery.nextSeq(), text, 'info', silent, Date.now(), extras));
  const failed = () => events.filter((e) => e.name === 'failed');
  return { delivery, send, failed, events };
}

const png: Attachment = { name: 'equity.png', contentType: 'image/png', base64: Buffer.from('not really a png').toString('base64') };

function filesChannel(maxLength = 100): ScriptedChannel {
  const ch = new ScriptedChannel('f', maxLength);
  ch.files = { maxBytes: 1024, captionMax: 30, images: true };
  return ch;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('files', () => {
  it('sends a file with its text as caption when the caption fits, and alone (never coalesced)', async () => {
    const ch = filesChannel();
    const { send, delivery } = setup();
    send([ch], 'before');
    send([ch], 'Report 08:00', { file: png });
    send([ch], 'after');
    await vi.advanceTimersByTimeAsync(0);
    await delivery.flush();
    expect(ch.delivered.map((r) => [r.text, r.file?.name])).toEqual([
      ['before', undefined],
      ['Report 08:00', 'equity.png'],
      ['after', undefined],
    ]);
  });

  it('sends a short caption with the file and the whole text right after when the text is longer than a caption', async () => {
    const ch = filesChannel();
    const { send, delivery } = setup();
    const text = '📊 Report 08:00 · last 24 h\nBTC/USDT long 0.5 @ 64,000 → 65,000\nETH/USDT short 2 @ 3,000 → 2,950';
    send([ch], text, { file: png });
    await vi.advanceTimersByTimeAsync(0);
    await delivery.flush();
    expect(ch.delivered[0]).toMatchObject({ text: '📊 Report 08:00 · last 24 h', file: png });
    expect(
      ch.delivered
        .slice(1)
        .map((r) => r.text)
        .join('\n'),
    ).toBe(text);
    expect(ch.delivered.slice(1).every((r) => r.file === undefined)).toBe(true);
  });

  it('sends the text alone where the channel takes no files, or the file is too large for it', async () => {
    const plain = new ScriptedChannel('p');
    const small = filesChannel();
    small.files = { maxBytes: 4, captionMax: 30, images: true };
    const { send, delivery } = setup();
    send([plain, small], 'Report', { file: png });
    await vi.advanceTimersByTimeAsync(0);
    await delivery.flush();
    for (const ch of [plain, small]) expect(ch.delivered.map((r) => [r.text, r.file])).toEqual([['Report', undefined]]);
  });

  it('turns a text longer than fileAfterParts messages into its first part plus the whole text as message.txt', async () => {
    const ch = filesChannel(50);
    ch.files = { maxBytes: 1024 * 1024, captionMax: 100, images: true };
    const plain = new ScriptedChannel('p', 50);
    const { send, delivery } = setup({ fileAfterParts: 4 });
    const text = Array.from({ length: 40 }, (_, i) => `stack frame ${i}`).join('\n');
    send([ch, plain], text);
    await vi.advanceTimersByTimeAsync(0);
    await delivery.flush();
    expect(ch.delivered).toHaveLength(2);
    expect(text.startsWith(ch.delivered[0]!.text)).toBe(true);
    const file = ch.delivered[1]!.file!;
    expect(file).toMatchObject({ name: 'message.txt', contentType: 'text/plain; charset=utf-8' });
    expect(Buffer.from(file.base64, 'base64').toString('utf8')).toBe(text);
    expect(ch.delivered[1]!.text).toMatch(/whole message \(\d+ parts, [\d.]+ (KiB|B)\) is attached as message\.txt/);
    // Without files: split as before, nothing lost.
    expect(plain.delivered.length).toBeGreaterThan(4);
    expect(plain.delivered.map((r) => r.text).join('\n')).toBe(text);
  });

  it('keeps a text of at most fileAfterParts messages as messages', async () => {
    const ch = filesChannel(50);
    const { send, delivery } = setup({ fileAfterParts: 4 });
    const text = Array.from({ length: 8 }, (_, i) => `line ${i} of the text`).join('\n');
    send([ch], text);
    await vi.advanceTimersByTimeAsync(0);
    await delivery.flush();
    expect(ch.delivered.every((r) => r.file === undefined)).toBe(true);
    expect(ch.delivered.map((r) => r.text).join('\n')).toBe(text);
  });

  it('never folds entries with files into a storm summary', async () => {
    const ch = filesChannel();
    const { send, delivery } = setup();
    for (let i = 0; i < 3; i++) send([ch], 'same', { file: png });
    await vi.advanceTimersByTimeAsync(0);
    await delivery.flush();
    expect(ch.delivered.filter((r) => r.file)).toHaveLength(3);
  });
});

describe('live messages', () => {
  function liveChannel(): ScriptedChannel {
    const ch = new ScriptedChannel('l', 200);
    ch.edits = true;
    return ch;
  }

  it('sends the first update as a new message and edits it with later ones; the alert is a reply to it', async () => {
    const ch = liveChannel();
    const { send, delivery } = setup();
    send([ch], '🟡 PARTIAL 0.3 of 1', { live: { key: 'o1' } });
    await vi.advanceTimersByTimeAsync(0);
    send([ch], '🟡 PARTIAL 0.6 of 1', { live: { key: 'o1' } });
    await vi.advanceTimersByTimeAsync(0);
    send([ch], '✅ FILLED 1', { live: { key: 'o1', alert: '✅ Filled BUY 1 BTC/USDT' } });
    await vi.advanceTimersByTimeAsync(0);
    await delivery.flush();
    expect(ch.delivered.map((r) => [r.text, r.edit, r.replyTo])).toEqual([
      ['🟡 PARTIAL 0.3 of 1', undefined, undefined],
      ['🟡 PARTIAL 0.6 of 1', 'm1', undefined],
      ['✅ FILLED 1', 'm1', undefined],
      ['✅ Filled BUY 1 BTC/USDT', undefined, 'm1'],
    ]);
  });

  it('keeps each key to its own message and never coalesces live updates with other text', async () => {
    const ch = liveChannel();
    const { send, delivery } = setup();
    send([ch], 'a1', { live: { key: 'a' } });
    send([ch], 'plain');
    send([ch], 'b1', { live: { key: 'b' } });
    await vi.advanceTimersByTimeAsync(0);
    send([ch], 'b2', { live: { key: 'b' } });
    send([ch], 'a2', { live: { key: 'a' } });
    await vi.advanceTimersByTimeAsync(0);
    await delivery.flush();
    expect(ch.delivered.map((r) => [r.text, r.edit])).toEqual([
      ['a1', undefined],
      ['plain', undefined],
      ['b1', undefined],
      ['b2', 'm3'],
      ['a2', 'm1'],
    ]);
  });

  it('sends an update whose message is gone as a new message, and edits that one afterwards', async () => {
    const ch = liveChannel();
    const { send, delivery, failed } = setup();
    send([ch], 'v1', { live: { key: 'o' } });
    await vi.advanceTimersByTimeAsync(0);
    ch.script.push({ kind: 'uneditable', reason: 'message to edit not found' });
    send([ch], 'v2', { live: { key: 'o', alert: 'filled' } });
    await vi.advanceTimersByTimeAsync(0);
    send([ch], 'v3', { live: { key: 'o' } });
    await vi.advanceTimersByTimeAsync(0);
    await delivery.flush();
    expect(ch.received.map((r) => [r.text, r.edit, r.replyTo])).toEqual([
      ['v1', undefined, undefined],
      ['v2', 'm1', undefined], // refused: gone
      ['v2', undefined, undefined], // a new message rings by itself: no reply
      ['v3', 'm2', undefined],
    ]);
    expect(failed()).toEqual([]);
  });

  it('sends an update’s own text, without the history, where the channel cannot edit', async () => {
    const ch = new ScriptedChannel('w', 200);
    const editing = liveChannel();
    const { send, delivery } = setup();
    send([ch, editing], 'v1', { live: { key: 'o' } });
    await vi.advanceTimersByTimeAsync(0);
    send([ch, editing], 'v2\nt1 v1\nt2 v2', { live: { key: 'o', single: { text: 'v2' } } });
    await vi.advanceTimersByTimeAsync(0);
    await delivery.flush();
    expect(ch.delivered.map((r) => r.text)).toEqual(['v1', 'v2']);
    expect(editing.delivered.map((r) => [r.text, r.edit])).toEqual([
      ['v1', undefined],
      ['v2\nt1 v1\nt2 v2', 'm1'],
    ]);
  });

  it('sends updates as new messages where the channel cannot edit', async () => {
    const ch = new ScriptedChannel('w', 200);
    const { send, delivery } = setup();
    send([ch], 'v1', { live: { key: 'o' } });
    await vi.advanceTimersByTimeAsync(0);
    send([ch], 'v2', { live: { key: 'o', alert: 'filled' } });
    await vi.advanceTimersByTimeAsync(0);
    await delivery.flush();
    expect(ch.delivered.map((r) => [r.text, r.edit, r.replyTo])).toEqual([
      ['v1', undefined, undefined],
      ['v2', undefined, undefined],
    ]);
  });

  it('sends an update too long for one message as new messages rather than a partial edit', async () => {
    const ch = liveChannel();
    const { send, delivery } = setup();
    send([ch], 'v1', { live: { key: 'o' } });
    await vi.advanceTimersByTimeAsync(0);
    const long = 'x'.repeat(150) + '\n' + 'y'.repeat(150);
    send([ch], long, { live: { key: 'o' } });
    await vi.advanceTimersByTimeAsync(0);
    await delivery.flush();
    expect(ch.delivered.slice(1).every((r) => r.edit === undefined)).toBe(true);
    expect(
      ch.delivered
        .slice(1)
        .map((r) => r.text)
        .join('\n'),
    ).toBe(long);
  });

  it('sends only the latest of several waiting states of one message, with the alert of a state it replaces', async () => {
    const ch = new ScriptedChannel('r', 500, [{ key: 'r', capacity: 1, intervalMs: 1000 }]);
    ch.edits = true;
    const { send, delivery, events } = setup();
    send([ch], 'v1', { live: { key: 'o' } });
    await vi.advanceTimersByTimeAsync(0);
    // A burst while the lane waits for its next slot: partial, filled (rings), position opened.
    send([ch], 'v2', { live: { key: 'o' } });
    send([ch], 'plain in between');
    send([ch], 'v3', { live: { key: 'o', alert: '✅ filled' } });
    send([ch], 'v4', { live: { key: 'o' } });
    await vi.advanceTimersByTimeAsync(10_000);
    await delivery.flush();
    expect(ch.delivered.map((r) => [r.text, r.edit, r.replyTo])).toEqual([
      ['v1', undefined, undefined],
      ['v4', 'm1', undefined],
      ['✅ filled', undefined, 'm1'],
      ['plain in between', undefined, undefined],
    ]);
    // Every state counts as delivered: the latest carries them.
    const delivered = events.filter((e) => e.name === 'delivered').flatMap((e) => (e.payload as { seqs: number[] }).seqs);
    expect(delivered.sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps every state where the channel cannot edit', async () => {
    const ch = new ScriptedChannel('w', 500, [{ key: 'w', capacity: 1, intervalMs: 1000 }]);
    const { send, delivery } = setup();
    send([ch], 'v1', { live: { key: 'o' } });
    await vi.advanceTimersByTimeAsync(0);
    send([ch], 'v2', { live: { key: 'o' } });
    send([ch], 'v3', { live: { key: 'o' } });
    await vi.advanceTimersByTimeAsync(10_000);
    await delivery.flush();
    expect(ch.lines()).toEqual(['v1', 'v2', 'v3']);
  });

  it('counts edits against the rate limits like sends', async () => {
    const ch = new ScriptedChannel('r', 200, [{ key: 'r', capacity: 1, intervalMs: 1000 }]);
    ch.edits = true;
    const { send, delivery } = setup();
    send([ch], 'v1', { live: { key: 'o' } });
    await vi.advanceTimersByTimeAsync(0);
    send([ch], 'v2', { live: { key: 'o' } });
    await vi.advanceTimersByTimeAsync(1100);
    send([ch], 'v3', { live: { key: 'o' } });
    await vi.advanceTimersByTimeAsync(5000);
    await delivery.flush();
    expect(ch.delivered.map((r) => [r.text, r.edit])).toEqual([
      ['v1', undefined],
      ['v2', 'm1'],
      ['v3', 'm1'],
    ]);
    const at = ch.delivered.map((r) => r.at);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(1000);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(1000);
  });
});
