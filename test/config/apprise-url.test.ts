/** Apprise URLs taken apart the way Apprise does (its tests' URLs). */
import { describe, expect, it } from 'vitest';
import { appriseBool, appriseList, parseAppriseUrl, schemeOf } from '../../src/config/apprise-url.js';

describe('parseAppriseUrl', () => {
  it('keeps a Telegram token whole (WHATWG URL reads its colon as a port)', () => {
    expect(() => new URL('tgram://123456789:ABC-def/chat')).toThrow();
    const u = parseAppriseUrl('tgram://123456789:ABC-def_ghi/-1001234567890:42/@mychannel/%40other/?silent=Yes&preview=no')!;
    expect(u).toEqual({
      scheme: 'tgram',
      host: '123456789:ABC-def_ghi',
      path: ['-1001234567890:42', '@mychannel', '@other'],
      query: new Map([
        ['silent', 'Yes'],
        ['preview', 'no'],
      ]),
    });
  });

  it('keeps #channel in the path (a fragment for WHATWG URL) and reads user@', () => {
    expect(new URL('slack://T1/B1/C1/#general').hash).toBe('#general');
    const u = parseAppriseUrl('slack://notify@T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#b:100/+C0123ABCD')!;
    expect(u.user).toBe('notify');
    expect(u.host).toBe('T1JJ3T3L2');
    expect(u.path).toEqual(['A1BRTD4JD', 'TIiajkdnlazkcOXrIdevi7FQ', '#b:100', '+C0123ABCD']);
  });

  it('splits the path on slashes, commas and whitespace; the query on & and ; with keys lower-cased; + stays +', () => {
    const u = parseAppriseUrl('TGRAM://123:abc/12,34//56?TO=a,b;Topic=7&flag&x=a+b')!;
    expect(u.scheme).toBe('tgram');
    expect(u.path).toEqual(['12', '34', '56']);
    expect([...u.query]).toEqual([
      ['to', 'a,b'],
      ['topic', '7'],
      ['flag', ''],
      ['x', 'a+b'],
    ]);
  });

  it('is undefined for what is not scheme://', () => {
    expect(parseAppriseUrl('#alerts')).toBeUndefined();
    expect(parseAppriseUrl('telegram:-100')).toBeUndefined();
    expect(schemeOf(' Discord://1/abc')).toBe('discord');
    expect(schemeOf('slack:#alerts')).toBeUndefined();
  });
});

describe('appriseBool and appriseList', () => {
  it('reads booleans like Apprise (first two letters), else the fallback', () => {
    for (const v of ['yes', 'Y', 'true', 'on', '1', 'enable', 'always']) expect(appriseBool(v, false), v).toBe(true);
    for (const v of ['no', 'N', 'false', 'off', '0', 'disable', 'never']) expect(appriseBool(v, true), v).toBe(false);
    expect(appriseBool('maybe', true)).toBe(true);
    expect(appriseBool(undefined, false)).toBe(false);
  });

  it('splits lists on commas and whitespace', () => {
    expect(appriseList('a, b  c,,d')).toEqual(['a', 'b', 'c', 'd']);
    expect(appriseList(undefined)).toEqual([]);
  });
});
