import { describe, expect, it } from 'vitest';
import { codePoints, type Measure, splitText, utf16Length } from '../../src/channels/split.js';
import { slackLength } from '../../src/channels/slack.js';

/** Small seeded PRNG (mulberry32): the same inputs on every run, so a failure is reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rand: () => number, list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
const int = (rand: () => number, lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));

const MEASURES: readonly (readonly [string, Measure])[] = [
  ['utf16Length', utf16Length],
  ['codePoints', codePoints],
  ['slackLength', slackLength],
];

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * True when `text` is exactly `parts[0] sep parts[1] sep …` with every separator accepted by
 * `sepOk` (tried at every length, so ambiguous segmentations are explored). The text before the
 * first part and after the last one must be accepted by `edgeOk` (default: nothing there).
 */
function reconstructs(text: string, parts: readonly string[], sepOk: (sep: string) => boolean, edgeOk: (edge: string) => boolean = (e) => e === ''): boolean {
  const memo = new Map<string, boolean>();
  const go = (i: number, pos: number): boolean => {
    const key = `${i}:${pos}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let ok = false;
    const part = parts[i]!;
    if (text.startsWith(part, pos)) {
      const end = pos + part.length;
      if (i === parts.length - 1) ok = edgeOk(text.slice(end));
      else for (let e = end; e <= text.length && !ok; e++) if (sepOk(text.slice(end, e))) ok = go(i + 1, e);
    }
    memo.set(key, ok);
    return ok;
  };
  if (parts.length === 0) return false;
  for (let start = 0; start <= text.length; start++) {
    if (!edgeOk(text.slice(0, start))) break;
    if (go(0, start)) return true;
  }
  return false;
}

/** A line split joins with '\n'; a hard cut inside a line joins with nothing. */
const lineOrCut = (sep: string): boolean => sep === '' || sep === '\n';
/** Whitespace at a split point may be dropped (a platform refuses a blank message); visible text never. */
const whitespaceOnly = (sep: string): boolean => /^\s*$/.test(sep);

/** Text of words separated by single spaces, lines never blank, some lines much longer than `max`. */
function wordyText(rand: () => number, max: number): string {
  const alphabet = ['a', 'b', 'z', 'é', '漢', '😀', '👍🏽', '&', '<', '>', '0', '_'];
  const lines: string[] = [];
  const lineCount = int(rand, 1, 12);
  for (let l = 0; l < lineCount; l++) {
    const target = rand() < 0.3 ? int(rand, max, max * 3) : int(rand, 1, max);
    const words: string[] = [];
    let len = 0;
    while (len < target) {
      let w = '';
      const wl = int(rand, 1, 14);
      for (let k = 0; k < wl; k++) w += pick(rand, alphabet);
      words.push(w);
      len += w.length + 1;
    }
    lines.push(words.join(' '));
  }
  return lines.join('\n');
}

/** Anything: blank lines, runs of spaces, leading/trailing newlines, emoji. */
function anyText(rand: () => number, max: number): string {
  const pieces = ['a', 'bc', 'def ', ' ', '   ', '\n', '\n\n', '😀', '👍🏽', 'é', '&', '<>', '漢字', 'x'.repeat(max)];
  let text = '';
  const n = int(rand, 1, 60);
  for (let k = 0; k < n; k++) text += pick(rand, pieces);
  return text;
}

describe('splitText: properties over random inputs', () => {
  for (const [name, measure] of MEASURES) {
    it(`${name}: every part fits, parts reproduce the text exactly, in order (word text)`, () => {
      const rand = prng(0xc0ffee ^ name.length);
      for (let run = 0; run < 400; run++) {
        const max = int(rand, 10, 80);
        const text = wordyText(rand, max);
        const parts = splitText(text, max, measure);
        const ctx = JSON.stringify({ run, max, text });
        for (const p of parts) expect(measure(p), ctx).toBeLessThanOrEqual(max);
        for (const p of parts) expect(LONE_SURROGATE.test(p), ctx).toBe(false);
        expect(reconstructs(text, parts, lineOrCut), ctx).toBe(true);
        if (!text.includes('\n')) expect(parts.join(''), ctx).toBe(text);
      }
    });

    it(`${name}: every part fits and is not blank, visible text kept in order (any text)`, () => {
      const rand = prng(0x5eed ^ (name.length * 7919));
      for (let run = 0; run < 400; run++) {
        const max = int(rand, 10, 60);
        const text = anyText(rand, max);
        if (text.trim() === '') continue;
        const parts = splitText(text, max, measure);
        const ctx = JSON.stringify({ run, max, text, parts });
        for (const p of parts) expect(measure(p), ctx).toBeLessThanOrEqual(max);
        for (const p of parts) expect(LONE_SURROGATE.test(p), ctx).toBe(false);
        // Telegram, Discord and Slack all refuse an empty or whitespace-only message.
        for (const p of parts) expect(p.trim(), ctx).not.toBe('');
        expect(reconstructs(text, parts, whitespaceOnly, whitespaceOnly), ctx).toBe(true);
      }
    });
  }

  it('numbered lines: line splits join back with "\\n" and each part is whole lines', () => {
    const rand = prng(42);
    for (let run = 0; run < 200; run++) {
      const max = int(rand, 30, 200);
      const lines = Array.from({ length: int(rand, 1, 80) }, (_, i) => `${i}:${'w'.repeat(int(rand, 0, 25))}`);
      const text = lines.join('\n');
      const parts = splitText(text, max, utf16Length);
      expect(parts.join('\n')).toBe(text);
      const seen = parts.flatMap((p) => p.split('\n'));
      expect(seen).toEqual(lines);
      for (const p of parts) expect(p.length).toBeLessThanOrEqual(max);
    }
  });
});

describe('splitText: specific cases', () => {
  it('returns the text as the only part when it fits, including exactly at the limit', () => {
    expect(splitText('hello', 5, utf16Length)).toEqual(['hello']);
    expect(splitText('', 5, utf16Length)).toEqual(['']);
    expect(splitText('hello!', 5, utf16Length)).toEqual(['hello', '!']);
  });

  it('packs whole lines into each part', () => {
    expect(splitText('aaa\nbbb\nccc\nddd', 7, utf16Length)).toEqual(['aaa\nbbb', 'ccc\nddd']);
  });

  it('cuts a long line at a space near the end of a piece', () => {
    const text = `${'a'.repeat(17)} ${'b'.repeat(10)}`;
    expect(splitText(text, 20, utf16Length)).toEqual([`${'a'.repeat(17)} `, 'b'.repeat(10)]);
  });

  it('never makes a piece longer than the limit when the space falls right at the limit', () => {
    const text = `${'a'.repeat(10)} ${'b'.repeat(5)}`;
    const parts = splitText(text, 10, utf16Length);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(10);
    expect(parts.join('')).toBe(text);
  });

  it('never cuts a surrogate pair in half', () => {
    expect(splitText(`${'a'.repeat(9)}😀b`, 10, utf16Length)).toEqual(['a'.repeat(9), '😀b']);
    const parts = splitText('😀'.repeat(25), 10, utf16Length);
    expect(parts).toEqual(['😀'.repeat(5), '😀'.repeat(5), '😀'.repeat(5), '😀'.repeat(5), '😀'.repeat(5)]);
  });

  it('codePoints counts an emoji once; slackLength counts escapes', () => {
    expect(codePoints('😀a')).toBe(2);
    expect(utf16Length('😀a')).toBe(3);
    expect(slackLength('a&<>')).toBe(1 + 5 + 4 + 4);
    expect(splitText('😀'.repeat(12), 10, codePoints)).toEqual(['😀'.repeat(10), '😀'.repeat(2)]);
    expect(splitText('&&&&', 10, slackLength)).toEqual(['&&', '&&']);
  });

  it('does not emit an empty part when a line fills a part exactly and a blank line follows', () => {
    const cases = [`${'a'.repeat(10)}\n`, `${'a'.repeat(10)}\n\n${'b'.repeat(10)}`, `${'a'.repeat(10)}\n\n\n${'b'.repeat(25)}`];
    for (const text of cases) {
      const parts = splitText(text, 10, utf16Length);
      for (const p of parts) expect(p.trim(), JSON.stringify({ text, parts })).not.toBe('');
      expect(parts.join('').replace(/\s/g, '')).toBe(text.replace(/\s/g, ''));
    }
  });
});

/** Grapheme clusters of every kind a hard cut could break, each one user-perceived character. */
const CLUSTERS: readonly (readonly [string, string])[] = [
  ['ZWJ family', '👨‍👩‍👧‍👦'],
  ['ZWJ with skin tone', '🧑🏽‍💻'],
  ['rainbow flag (VS16 + ZWJ)', '🏳️‍🌈'],
  ['flag (two regional indicators)', '🇺🇦'],
  ['skin tone modifier', '👍🏽'],
  ['keycap', '1️⃣'],
  ['e + combining acute, tilde, dot', 'e\u0301\u0303\u0323'],
  ['Hebrew letter with niqqud (RTL)', 'שָׁ'],
  ['Arabic letter with harakat (RTL)', 'بًّ'],
  ['Devanagari conjunct', 'क्ष'],
  ['Hangul jamo L V T', '\u1100\u1161\u11a8'],
  ['Thai consonant with SARA AM (a spacing mark)', 'กำ'],
];

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const clustersOf = (text: string): string[] => [...segmenter.segment(text)].map((s) => s.segment);
/** Every grapheme boundary of `text` (UTF-16 indices, 0 and the end included). */
function boundaries(text: string): Set<number> {
  const out = new Set([text.length]);
  for (const s of segmenter.segment(text)) out.add(s.index);
  return out;
}
/** The indices where consecutive parts of a line meet (parts of a text without '\n' join with nothing). */
function cutsOf(parts: readonly string[]): number[] {
  const cuts: number[] = [];
  let pos = 0;
  for (const p of parts.slice(0, -1)) cuts.push((pos += p.length));
  return cuts;
}

const PLATFORMS: readonly (readonly [string, Measure, number])[] = [
  ['Discord (2000 UTF-16 units)', utf16Length, 2000],
  ['Telegram (4096 code points)', codePoints, 4096],
  ['Slack (3900 escaped characters)', slackLength, 3900],
];

describe('splitText: hard cuts fall on grapheme-cluster boundaries', () => {
  for (const [platform, measure, max] of PLATFORMS) {
    for (const [name, cluster] of CLUSTERS) {
      it(`${platform}: ${name} straddling the limit moves whole to the next part`, () => {
        const size = measure(cluster);
        // Every position of the limit inside the cluster: 1..size-1 units of it would still fit.
        for (let inside = 1; inside < size; inside++) {
          const head = 'a'.repeat(max - inside);
          const text = `${head}${cluster}tail`;
          const parts = splitText(text, max, measure);
          expect(parts, `${inside} unit(s) inside`).toEqual([head, `${cluster}tail`]);
        }
        // Exactly at the limit, the cluster fits and stays in the first part.
        const exact = `${'a'.repeat(max - size)}${cluster}`;
        expect(splitText(`${exact}tail`, max, measure)).toEqual([exact, 'tail']);
      });
    }
  }

  for (const [name, measure] of MEASURES) {
    it(`${name}: every cut of random cluster-rich lines is a grapheme boundary, every part fits, nothing lost`, () => {
      const rand = prng(0x9a4e ^ name.length);
      const atoms = [
        ...CLUSTERS.map(([, c]) => c),
        'a',
        'b',
        ' ',
        '&',
        '<',
        '漢',
        '각',
        ' \u0301',
        '🇯🇵',
        '🇺🇦'.repeat(7),
        'e' + '\u0301'.repeat(40),
        `${'👨‍'.repeat(12)}👨`,
      ];
      for (let run = 0; run < 300; run++) {
        let text = '';
        const one = rand() < 0.3 ? pick(rand, atoms) : undefined;
        for (let k = int(rand, 1, 150); k > 0; k--) text += one ?? pick(rand, atoms);
        if (text.trim() === '' || text.includes('\r')) continue;
        const largest = Math.max(...clustersOf(text).map(measure));
        const max = Math.max(largest, int(rand, 8, rand() < 0.5 ? 40 : 300));
        const parts = splitText(text, max, measure);
        const ctx = JSON.stringify({ run, max, text, parts });
        for (const p of parts) expect(measure(p), ctx).toBeLessThanOrEqual(max);
        expect(parts.join(''), ctx).toBe(text);
        const ok = boundaries(text);
        for (const cut of cutsOf(parts)) expect(ok.has(cut), `${ctx} cut at ${cut}`).toBe(true);
      }
    });
  }

  it('a run of flags is cut between flags whatever the limit, counting pairs from the start of the run', () => {
    for (const lead of ['', 'x', '🇺']) {
      const text = `${lead}${'🇺🇦🇯🇵'.repeat(40)}`;
      for (let max = 8; max < 40; max++) {
        const parts = splitText(text, max, utf16Length);
        expect(parts.join('')).toBe(text);
        const ok = boundaries(text);
        for (const cut of cutsOf(parts)) expect(ok.has(cut), JSON.stringify({ lead, max, cut })).toBe(true);
      }
    }
  });

  it('a space that carries a combining mark is not a cut point', () => {
    const text = `${'a'.repeat(17)} \u0301${'b'.repeat(10)}`;
    const parts = splitText(text, 20, utf16Length);
    expect(parts.join('')).toBe(text);
    for (const cut of cutsOf(parts)) expect(boundaries(text).has(cut)).toBe(true);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(20);
  });

  it('a single cluster longer than the limit is cut inside (the one case it must be), never inside a surrogate pair, nothing lost', () => {
    const zalgo = `e${'\u0301'.repeat(30)}`;
    const parts = splitText(zalgo, 10, utf16Length);
    expect(parts.join('')).toBe(zalgo);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(10);
    const family = `${'👨‍'.repeat(10)}👨`; // one ZWJ cluster of 31 units
    const fam = splitText(`ab${family}cd`, 12, utf16Length);
    expect(fam.join('')).toBe(`ab${family}cd`);
    for (const p of fam) expect(LONE_SURROGATE.test(p), JSON.stringify(fam)).toBe(false);
    // Text after the oversized cluster is cut on boundaries again.
    expect(fam[0]).toBe('ab');
  });

  it('a 1 MB line of ZWJ emoji splits into whole clusters for every platform', () => {
    const text = '👨‍👩‍👧‍👦'.repeat(Math.ceil((1024 * 1024) / 11));
    for (const [, measure, max] of PLATFORMS) {
      const parts = splitText(text, max, measure);
      expect(parts.join('')).toBe(text);
      for (const p of parts) {
        expect(measure(p)).toBeLessThanOrEqual(max);
        expect(p.length % 11).toBe(0);
      }
    }
  });
});
