/** The stderr tail: the last lines, bounded, decoded across chunks, cleaned for a chat message. */
import { describe, expect, it } from 'vitest';
import { cleanLine, LineTail } from '../../src/supervisor/stderr-tail.js';

describe('LineTail', () => {
  it('keeps the last 50 lines, an unfinished last line included', () => {
    const tail = new LineTail();
    for (let i = 1; i <= 120; i++) tail.push(`line ${i}\n`);
    tail.push('half a li');
    tail.push('ne');
    const lines = tail.lines();
    expect(lines).toHaveLength(50);
    expect(lines[0]).toBe('line 72');
    expect(lines.at(-2)).toBe('line 120');
    expect(lines.at(-1)).toBe('half a line');
  });

  it('splits lines across chunks and CRLF endings; blank lines at the end are left out', () => {
    const tail = new LineTail(10);
    tail.push('Error: bo');
    tail.push('om\r\n    at f (a.js:1:1)\r\n\n\n');
    expect(tail.lines()).toEqual(['Error: boom', '    at f (a.js:1:1)']);
  });

  it('decodes a UTF-8 character split between two chunks', () => {
    const tail = new LineTail();
    const bytes = Buffer.from('prix: 64 210 € — ok\n');
    const cut = bytes.indexOf(Buffer.from('€')) + 1;
    tail.push(bytes.subarray(0, cut));
    tail.push(bytes.subarray(cut));
    expect(tail.lines()).toEqual(['prix: 64 210 € — ok']);
  });

  it('keeps 2000 characters of a huge line and counts the rest', () => {
    const tail = new LineTail(5, 2000);
    tail.push('x'.repeat(1500));
    tail.push('y'.repeat(1_000_000));
    tail.push('\nnext\n');
    const [long, next] = tail.lines();
    expect(long).toBe(`${'x'.repeat(1500)}${'y'.repeat(500)} … (999500 more characters)`);
    expect(next).toBe('next');
  });

  it('clear() forgets everything', () => {
    const tail = new LineTail();
    tail.push('old\npartial');
    tail.clear();
    expect(tail.lines()).toEqual([]);
  });
});

describe('cleanLine', () => {
  it('removes colours, OSC titles and links, and control characters; tabs stay', () => {
    expect(cleanLine('\u001b[31mError\u001b[39m:\tboom\u0007')).toBe('Error:\tboom');
    expect(cleanLine('\u001b]0;title\u0007see \u001b]8;;https://x.example\u001b\\here\u001b]8;;\u001b\\')).toBe('see here');
  });

  it('keeps what a terminal shows of a line rewritten with carriage returns', () => {
    expect(cleanLine('10%\r20%\r30% done')).toBe('30% done');
  });
});
