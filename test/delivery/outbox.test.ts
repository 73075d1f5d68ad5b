/**
 * The durable outbox file: records that survive a kill at any instant, replay of what is not
 * done (in order, marked with its original time), damage recovery, one process per outbox,
 * compaction, spilling to disk, and no secrets in the file.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { makeEntry } from '../../src/delivery/entry.js';
import { countUndelivered, FileOutbox, OutboxInUseError } from '../../src/delivery/outbox.js';
import { crc32, decode, encode } from '../../src/delivery/outbox/records.js';

const dirs: string[] = [];
const open: FileOutbox[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmpPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'herald-outbox-'));
  dirs.push(d);
  return join(d, 'sub', 'outbox');
}

function openAt(path: string, memoryBytes = 8 * 1024 * 1024, maxBytes?: number) {
  const r = FileOutbox.open({ path, fsync: 'off', ...(maxBytes ? { maxBytes } : {}) }, memoryBytes);
  open.push(r.outbox);
  return r;
}

function closeAll(): void {
  for (const o of open.splice(0)) o.close();
}

const entry = (seq: number, text = `note ${seq}`, level: 'info' | 'error' = 'info') => makeEntry(seq, text, level, false, Date.UTC(2026, 11, 1, 14, 2, 7));

describe('records', () => {
  it('round-trip, and a changed byte or a torn line is recognised', () => {
    const line = encode({ t: 'n', s: 7, d: ['a'], x: 'tab\tnew\nline "q" ✓', l: 'i', c: 1 });
    expect(line.endsWith('\n')).toBe(true);
    expect(decode(line.slice(0, -1))).toEqual({ t: 'n', s: 7, d: ['a'], x: 'tab\tnew\nline "q" ✓', l: 'i', c: 1 });
    expect(decode(line.slice(0, -1).replace('7', '8'))).toBeUndefined();
    expect(decode(line.slice(0, 20))).toBeUndefined();
    // Over UTF-16 code units: stable, and different for any one changed character.
    expect(crc32('123456789')).toBe(crc32('123456789'));
    expect(crc32('123456789')).not.toBe(crc32('123456780'));
    expect(crc32('é')).not.toBe(crc32('e'));
  });
});

describe('FileOutbox', () => {
  it('replays what is not done at each destination, in order, marked with its original time; sequence numbers continue', () => {
    const path = tmpPath();
    const { outbox } = openAt(path);
    for (let s = 1; s <= 5; s++) outbox.queued(entry(s), ['a', 'b']);
    outbox.done(1, 'a');
    outbox.done(1, 'b');
    outbox.done(2, 'a');
    outbox.sending('b', [2, 3], 'keyB');
    const id = outbox.id;
    closeAll();
    expect(countUndelivered(path)).toBe(4);
    const { outbox: again, load } = openAt(path);
    expect(again.id).toBe(id);
    expect(again.lastSeq).toBe(5);
    expect(load.undelivered).toBe(4);
    const a = load.replay.get('a')!;
    const b = load.replay.get('b')!;
    expect(a.entries.map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(b.entries.map((e) => e.seq)).toEqual([2, 3, 4, 5]);
    expect(b.inflight).toEqual({ seqs: [2, 3], key: 'keyB' });
    expect(b.entries[0]!.text).toMatch(/by a restart\nnote 2$/);
    expect(a.entries[0]!.text).toMatch(/^⏱ (\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d, delayed .+ by a restart\nnote 3$/);
  });

  it('a torn last record (a power loss mid-write): the valid part is replayed, the damage said in one line', () => {
    const path = tmpPath();
    const { outbox } = openAt(path);
    for (let s = 1; s <= 3; s++) outbox.queued(entry(s), ['a']);
    closeAll();
    const full = readFileSync(path, 'utf8');
    writeFileSync(path, full.slice(0, full.length - 10));
    const { load } = openAt(path);
    expect(load.replay.get('a')!.entries.map((e) => e.seq)).toEqual([1, 2]);
    expect(load.damage).toMatch(/ended in a torn record \(a power loss or crash mid-write\?\); the 3 records before it are replayed/);
    expect(existsSync(`${path}.damaged`)).toBe(true);
  });

  it('garbage appended after good records: they are replayed, the rest set aside, and the file goes on cleanly', () => {
    const path = tmpPath();
    const { outbox } = openAt(path);
    outbox.queued(entry(1), ['a']);
    closeAll();
    appendFileSync(path, 'garbage that is not a record\n{"t":"n"}\tdeadbeef\n');
    const { outbox: again, load } = openAt(path);
    expect(load.replay.get('a')!.entries.map((e) => e.seq)).toEqual([1]);
    expect(load.damage).toMatch(/is damaged at record 3; the 2 records before it are replayed/);
    again.queued(entry(2), ['a']);
    closeAll();
    expect(
      openAt(path)
        .load.replay.get('a')!
        .entries.map((e) => e.seq),
    ).toEqual([1, 2]);
  });

  it('one process per outbox: a second open is refused; a lock left by a dead process is taken over', () => {
    const path = tmpPath();
    openAt(path);
    expect(() => FileOutbox.open({ path }, 1000)).toThrow(OutboxInUseError);
    closeAll();
    // A process that died holding the lock (its pid no longer exists).
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(`${path}.lock`, `${dead}\n`);
    expect(() => openAt(path)).not.toThrow();
    expect(readFileSync(`${path}.lock`, 'utf8').trim()).toBe(String(process.pid));
    closeAll();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('the file is mode 0600, even when it existed with another mode', () => {
    const path = tmpPath();
    openAt(path);
    closeAll();
    chmodSync(path, 0o644);
    openAt(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('compacts once mostly done: pending entries survive, the file shrinks', async () => {
    const path = tmpPath();
    const { outbox } = openAt(path);
    const text = 'x'.repeat(2000);
    for (let s = 1; s <= 4000; s++) {
      outbox.queued(entry(s, text), ['a']);
      if (s % 1000 !== 0) outbox.done(s, 'a');
    }
    const before = statSync(path).size;
    await new Promise((r) => setTimeout(r, 20));
    const after = statSync(path).size;
    expect(before).toBeGreaterThan(8_000_000);
    expect(after).toBeLessThan(20_000);
    closeAll();
    expect(
      openAt(path)
        .load.replay.get('a')!
        .entries.map((e) => e.seq),
    ).toEqual([1000, 2000, 3000, 4000]);
  });

  it('a finished outbox is rewritten to its header at close', () => {
    const path = tmpPath();
    const { outbox } = openAt(path);
    outbox.queued(entry(1, 'y'.repeat(500)), ['a']);
    outbox.done(1, 'a');
    closeAll();
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('spills entries to disk and reads them back in order; beyond the disk budget drops the oldest info first', () => {
    const path = tmpPath();
    const { outbox } = openAt(path, 8 * 1024 * 1024, 2_500);
    const entries = [1, 2, 3, 4, 5, 6].map((s) => entry(s, `spilled ${s} ${'z'.repeat(200)}`, s === 2 ? 'error' : 'info'));
    const dropped: number[] = [];
    for (const e of entries) {
      outbox.queued(e, ['a']);
      dropped.push(...outbox.put('a', e).map((d) => d.seq));
    }
    // 6 × 498 bytes > 2500: the oldest info goes (1); the error (2) would have stayed.
    expect(dropped).toEqual([1]);
    expect(outbox.count('a')).toBe(5);
    expect(outbox.take('a', 1200).map((e) => e.seq)).toEqual([2, 3]);
    expect(outbox.take('a', Infinity).map((e) => [e.seq, e.level, e.text.slice(0, 9)])).toEqual([
      [4, 'info', 'spilled 4'],
      [5, 'info', 'spilled 5'],
      [6, 'info', 'spilled 6'],
    ]);
  });

  it('holds no secrets: destination keys and texts only', () => {
    const path = tmpPath();
    const { outbox } = openAt(path);
    outbox.queued(makeEntry(1, 'hello', 'info', false, 1, { target: 'OPS_WEBHOOK' }), ['telegram:3f2a9c:-100123', 'discord:123456']);
    closeAll();
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('"d":["telegram:3f2a9c:-100123","discord:123456"]');
    expect(text).toContain('"o":"OPS_WEBHOOK"');
  });
});
