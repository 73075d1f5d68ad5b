/** The channel-mapping grammar and how a notification picks its entry. */
import { describe, expect, it } from 'vitest';
import { type Attributes, chooseEntry, matches, parseMapping } from '../../src/config/mapping.js';

const at = (a: Partial<Attributes> = {}): Attributes => ({ level: 'info', ...a });

describe('parseMapping', () => {
  it('reads key=channel entries in the order written, with and without qualifiers', () => {
    const { entries, problems } = parseMapping(
      ' error=alerts, ema-cross = ema ,mode:paper=sandbox,event:order.filled=fills,custom:rebalance=ops,event:custom:deploy=ops,BTC/USDT:USDT=perps ',
      'M',
    );
    expect(problems).toEqual([]);
    expect(entries.map((e) => [e.qualifier ?? null, e.key, e.channel, e.text])).toEqual([
      [null, 'error', 'alerts', 'error=alerts'],
      [null, 'ema-cross', 'ema', 'ema-cross=ema'],
      ['mode', 'paper', 'sandbox', 'mode:paper=sandbox'],
      ['event', 'order.filled', 'fills', 'event:order.filled=fills'],
      ['event', 'custom:rebalance', 'ops', 'custom:rebalance=ops'],
      ['event', 'custom:deploy', 'ops', 'event:custom:deploy=ops'],
      // A colon inside a symbol is not a qualifier.
      [null, 'BTC/USDT:USDT', 'perps', 'BTC/USDT:USDT=perps'],
    ]);
  });

  it('skips empty entries (a trailing comma) and accepts one entry per line', () => {
    expect(parseMapping('error=alerts,\n\nlevel:info=general,', 'M').entries.map((e) => e.text)).toEqual(['error=alerts', 'level:info=general']);
  });

  it.each([
    ['no "="', 'alerts', /"alerts" has no "="/],
    ['an empty key', '=alerts', /has an empty key/],
    ['an empty channel', 'error=', /has an empty channel/],
    ['an unknown qualifier', 'strat:ema=x', /"strat" is not a qualifier/],
    ['a bad level', 'level:warn=x', /level is info or error/],
    ['a bad mode', 'mode:demo=x', /mode is live or paper/],
    ['an unknown event', 'event:order.fill=x', /"order.fill" is not an event; events are session.started.*log and custom:<name>/],
    ['a qualifier without a value', 'symbol:=x', /symbol: needs a value/],
  ])('reports %s with the valid forms', (_what, raw, message) => {
    const { entries, problems } = parseMapping(raw, 'SLACK_CHANNEL_MAPPING');
    expect(entries).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.variable).toBe('SLACK_CHANNEL_MAPPING');
    expect(problems[0]!.message).toMatch(message);
    expect(problems[0]!.fix).toMatch(/key=channel|name the channel/);
  });

  it('reports every bad entry, keeping the good ones', () => {
    const { entries, problems } = parseMapping('error=alerts,oops,mode:x=y,ema=ema', 'M');
    expect(entries.map((e) => e.text)).toEqual(['error=alerts', 'ema=ema']);
    expect(problems).toHaveLength(2);
  });
});

describe('choosing an entry', () => {
  const { entries } = parseMapping('error=alerts,ema-cross=ema,mode:paper=sandbox,symbol:ETH-USDT=eth,custom:deploy=ops', 'M');

  it('a bare key matches any attribute: error is the event kind or the level', () => {
    expect(chooseEntry(entries, at({ event: 'error' }))?.channel).toBe('alerts');
    expect(chooseEntry(entries, at({ event: 'custom:x', level: 'error' }))?.channel).toBe('alerts');
    expect(chooseEntry(entries, at({ strategy: 'ema-cross', event: 'order.filled' }))?.channel).toBe('ema');
  });

  it('the first entry in written order wins', () => {
    // An error from ema-cross in paper mode matches three entries; error=alerts comes first.
    expect(chooseEntry(entries, at({ level: 'error', strategy: 'ema-cross', mode: 'paper' }))?.text).toBe('error=alerts');
    expect(chooseEntry(entries, at({ strategy: 'ema-cross', mode: 'paper' }))?.text).toBe('ema-cross=ema');
  });

  it('a qualified key matches only its attribute', () => {
    const [paper] = parseMapping('mode:paper=sandbox', 'M').entries;
    expect(matches(paper!, at({ mode: 'paper' }))).toBe(true);
    expect(matches(paper!, at({ strategy: 'paper' }))).toBe(false);
    expect(chooseEntry(entries, at({ symbol: 'ETH-USDT' }))?.channel).toBe('eth');
    expect(chooseEntry(entries, at({ strategy: 'ETH-USDT' }))).toBeUndefined();
  });

  it('custom:<name> matches that custom event only', () => {
    expect(chooseEntry(entries, at({ event: 'custom:deploy' }))?.channel).toBe('ops');
    expect(chooseEntry(entries, at({ event: 'custom:other' }))).toBeUndefined();
  });

  it('compares without regard to case, and matches nothing when no attribute equals a key', () => {
    expect(chooseEntry(entries, at({ strategy: 'EMA-Cross' }))?.channel).toBe('ema');
    expect(chooseEntry(entries, at({ event: 'order.filled', strategy: 'rsi' }))).toBeUndefined();
  });
});
