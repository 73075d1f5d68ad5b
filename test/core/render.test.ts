import { describe, expect, it } from 'vitest';
import { EMPTY_PLACEHOLDER, renderError, renderMessage } from '../../src/core/render.js';

describe('renderMessage: strings and primitives', () => {
  it('returns a string unchanged', () => {
    expect(renderMessage('hello\n  world ')).toBe('hello\n  world ');
  });

  it('undefined, null, empty and blank strings become the placeholder', () => {
    expect(EMPTY_PLACEHOLDER).not.toBe('');
    for (const v of [undefined, null, '', '   ', '\n\t']) expect(renderMessage(v)).toBe(EMPTY_PLACEHOLDER);
  });

  it('numbers, booleans, bigints and symbols as text', () => {
    expect(renderMessage(0)).toBe('0');
    expect(renderMessage(-1.5)).toBe('-1.5');
    expect(renderMessage(NaN)).toBe('NaN');
    expect(renderMessage(true)).toBe('true');
    expect(renderMessage(false)).toBe('false');
    expect(renderMessage(12345678901234567890n)).toBe('12345678901234567890');
    expect(renderMessage(Symbol('s'))).toBe('Symbol(s)');
  });
});

describe('renderMessage: errors', () => {
  it('Error → "Name: message" then at most 5 stack lines', () => {
    const err = new TypeError('bad input');
    err.stack = ['TypeError: bad input', ...Array.from({ length: 9 }, (_, i) => `    at fn${i} (file${i}.ts:${i}:1)`)].join('\n');
    const lines = renderMessage(err).split('\n');
    expect(lines[0]).toBe('TypeError: bad input');
    expect(lines.slice(1)).toEqual([
      '  at fn0 (file0.ts:0:1)',
      '  at fn1 (file1.ts:1:1)',
      '  at fn2 (file2.ts:2:1)',
      '  at fn3 (file3.ts:3:1)',
      '  at fn4 (file4.ts:4:1)',
    ]);
  });

  it('a real thrown error keeps its name, message and top frames', () => {
    let err: Error | undefined;
    try {
      JSON.parse('{oops');
    } catch (e) {
      err = e as Error;
    }
    const out = renderMessage(err);
    const [head, ...frames] = out.split('\n');
    expect(head).toMatch(/^SyntaxError: /);
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.length).toBeLessThanOrEqual(5);
    for (const f of frames) expect(f).toMatch(/^ {2}at /);
  });

  it('stack paths are shown relative to the working directory', () => {
    const err = new Error('x');
    err.stack = `Error: x\n    at f (${process.cwd()}/src/a.ts:1:2)\n    at g (file://${process.cwd()}/src/b.ts:3:4)`;
    expect(renderError(err)).toBe('Error: x\n  at f (src/a.ts:1:2)\n  at g (src/b.ts:3:4)');
  });

  it('an error with a cause: each cause after it, with its first frame, three deep at most', () => {
    const stackless = (e: Error, frame?: string): Error => ((e.stack = frame ? `${e.name}: ${e.message}\n    at ${frame}` : undefined), e);
    const root = stackless(new TypeError('socket hang up'), 'connect (src/net.ts:9:1)');
    const err = stackless(new Error('order failed', { cause: root }), 'placeOrder (src/bot.ts:1:2)');
    expect(renderError(err)).toBe('Error: order failed\n  at placeOrder (src/bot.ts:1:2)\nCaused by: TypeError: socket hang up\n  at connect (src/net.ts:9:1)');
    // A cause that is no Error, and a chain that loops back, still end.
    expect(renderError(stackless(new Error('a', { cause: { code: 'ECONNRESET' } })))).toBe('Error: a\nCaused by: {\n  "code": "ECONNRESET"\n}');
    const loop = stackless(new Error('loop'));
    loop.cause = stackless(new Error('back', { cause: loop }));
    expect(renderError(loop)).toBe('Error: loop\nCaused by: Error: back');
    let deep: Error = stackless(new Error('e0'));
    for (let i = 1; i <= 5; i++) deep = stackless(new Error(`e${i}`, { cause: deep }));
    expect(renderError(deep).split('\n')).toEqual(['Error: e5', 'Caused by: Error: e4', 'Caused by: Error: e3', 'Caused by: Error: e2']);
  });

  it('lone UTF-16 surrogates become U+FFFD; pairs (emoji) stay whole', () => {
    expect(renderMessage('buy \ud83d then \udc00 sell 🚀')).toBe('buy \ufffd then \ufffd sell 🚀');
    expect(renderMessage({ note: 'cut \ud83d' })).toBe('{\n  "note": "cut \ufffd"\n}');
  });

  it('an error without stack or message still reads', () => {
    const err = new Error('');
    err.stack = undefined;
    expect(renderMessage(err)).toBe('Error: (no message)');
  });

  it('a custom error subclass shows its name', () => {
    class OrderRejected extends Error {
      override name = 'OrderRejected';
    }
    expect(renderMessage(new OrderRejected('insufficient margin')).split('\n')[0]).toBe('OrderRejected: insufficient margin');
  });
});

describe('renderMessage: objects', () => {
  it('objects and arrays as indented JSON, never [object Object]', () => {
    expect(renderMessage({ symbol: 'ETH', qty: 2, tags: ['a'] })).toBe(JSON.stringify({ symbol: 'ETH', qty: 2, tags: ['a'] }, null, 2));
    expect(renderMessage([1, 'two'])).toBe('[\n  1,\n  "two"\n]');
  });

  it('a circular object renders with a [Circular] marker', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    const out = renderMessage(a);
    expect(JSON.parse(out)).toEqual({ name: 'a', self: '[Circular]' });
  });

  it('bigint values inside objects render as digits', () => {
    expect(JSON.parse(renderMessage({ qty: 10n ** 20n }))).toEqual({ qty: '100000000000000000000' });
  });

  it('Map and Set render their contents', () => {
    const out = JSON.parse(
      renderMessage({
        m: new Map<string, unknown>([
          ['a', 1],
          ['b', { c: 2 }],
        ]),
        s: new Set([1, 2]),
      }),
    );
    expect(out).toEqual({ m: { a: 1, b: { c: 2 } }, s: [1, 2] });
    expect(JSON.parse(renderMessage(new Map([['k', 'v']])))).toEqual({ k: 'v' });
  });

  it('a Map that contains itself renders safely with [Circular], not "[object Object]"', () => {
    const m = new Map<string, unknown>([['name', 'm']]);
    m.set('self', m);
    const out = renderMessage({ m });
    expect(out).not.toContain('[object');
    expect(out).toContain('[Circular]');
    expect(out).toContain('"name": "m"');
  });

  it('the same object referenced twice (not a cycle) is rendered both times', () => {
    const price = { value: 64000, currency: 'USDT' };
    const out = JSON.parse(renderMessage({ entry: price, exit: price }));
    expect(out).toEqual({ entry: price, exit: price });
  });

  it('an Error inside an object renders as its text', () => {
    const err = new Error('inner');
    err.stack = 'Error: inner\n    at x (y.ts:1:1)';
    expect(JSON.parse(renderMessage({ error: err }))).toEqual({ error: 'Error: inner\n  at x (y.ts:1:1)' });
  });

  it('an object with a throwing toJSON does not throw', () => {
    const bad = {
      toJSON() {
        throw new Error('nope');
      },
    };
    expect(() => renderMessage(bad)).not.toThrow();
    // The readable fields (functions by name, not by their source), then why JSON refused it.
    expect(renderMessage(bad)).toBe('{ toJSON: [Function toJSON] } (not serialisable: nope)');
    const getter = {
      symbol: 'BTC-USDT',
      qty: 2,
      get toJSON(): () => unknown {
        throw new Error('nope');
      },
    };
    expect(renderMessage(getter)).toBe('{ symbol: BTC-USDT, qty: 2, toJSON: (unreadable) } (not serialisable: nope)');
  });

  it('an object without enumerable fields still says what it is', () => {
    expect(renderMessage({})).toBe('{}');
    expect(renderMessage(new (class Position {})())).toBe('Position {}');
    expect(renderMessage(Object.create(null))).toBe('{}');
  });
});

describe('objects JSON refuses, with nested fields', () => {
  it('shows nested objects, arrays and functions in a short form, never [object Object]', () => {
    const text = renderMessage({
      nested: { a: 1 },
      list: [1, 2, 3],
      cb: function onFill() {},
      get toJSON() {
        throw new Error('nope');
      },
    });
    expect(text).toBe('{ nested: {…}, list: [Array(3)], cb: [Function onFill], toJSON: (unreadable) } (not serialisable: nope)');
  });
});
