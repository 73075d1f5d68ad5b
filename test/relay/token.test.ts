/** The token: what makes a usable one, how a request presents it, and the paths around it. */
import { describe, expect, it } from 'vitest';
import { parsePath } from '../../src/relay/paths.js';
import { bearerToken, TokenCheck, tokenProblem } from '../../src/relay/token.js';

describe('the token', () => {
  it('matches only the exact token', () => {
    const check = new TokenCheck('the-right-token-0123');
    expect(check.matches('the-right-token-0123')).toBe(true);
    for (const wrong of [undefined, '', 'the-right-token-012', 'the-right-token-01234', 'THE-RIGHT-TOKEN-0123'])
      expect(check.matches(wrong), String(wrong)).toBe(false);
  });

  it('reads it from Authorization: Bearer (any case), nothing else', () => {
    expect(bearerToken({ authorization: 'Bearer abc.def' })).toBe('abc.def');
    expect(bearerToken({ authorization: 'bearer   abc ' })).toBe('abc');
    expect(bearerToken({ authorization: 'Basic YTpi' })).toBeUndefined();
    expect(bearerToken({})).toBeUndefined();
  });

  it('wants at least 16 URL-safe characters', () => {
    expect(tokenProblem('a'.repeat(16))).toBeUndefined();
    expect(tokenProblem('A-z_0.9~'.repeat(3))).toBeUndefined();
    expect(tokenProblem(undefined)?.message).toMatch(/^is not set/);
    expect(tokenProblem('   ')?.message).toMatch(/^is not set/);
    expect(tokenProblem('a'.repeat(15))?.message).toBe('is 15 characters long; at least 16 are needed');
    expect(tokenProblem(`${'a'.repeat(16)}/#`)?.message).toMatch(/characters a URL path would change/);
  });
});

describe('parsePath', () => {
  it.each([
    ['/notify', { endpoint: 'notify' }],
    ['/notify/', { endpoint: 'notify' }],
    ['/t/tok/notify', { token: 'tok', endpoint: 'notify' }],
    ['/t/tok/notify/%23alerts', { token: 'tok', endpoint: 'notify', target: '#alerts' }],
    ['/slack/slack%3A%23ops%3A1700000000.123456', { endpoint: 'slack', target: 'slack:#ops:1700000000.123456' }],
    ['/notify/https%3A%2F%2Fdiscord.com%2Fapi%2Fwebhooks%2F1%2Fabc', { endpoint: 'notify', target: 'https://discord.com/api/webhooks/1/abc' }],
    ['/notify/telegram:-100123/extra', { endpoint: 'notify', target: 'telegram:-100123/extra' }],
    ['/healthz', { endpoint: 'healthz' }],
    ['/unknown', {}],
    ['/t/tok', { token: 'tok' }],
    ['/freqtrade/x', { endpoint: 'freqtrade', problem: '/freqtrade takes no target after its name' }],
    ['/notify/%zz', { endpoint: 'notify', problem: 'the target in the path is not properly URL-encoded (encode it with encodeURIComponent)' }],
  ])('%s', (path, expected) => {
    const parsed = parsePath(path);
    expect({ ...parsed }).toMatchObject(expected);
    if (!('target' in expected)) expect(parsed.target).toBeUndefined();
  });
});
