/** Several targets in one value. */
import { describe, expect, it } from 'vitest';
import { splitTargets } from '../../src/config/target-syntax.js';

const P = ['telegram', 'slack', 'discord'];

describe('splitTargets', () => {
  it('splits on whitespace and on commas between targets', () => {
    expect(splitTargets(' discord:123  telegram:-100,#alerts ', P)).toEqual(['discord:123', 'telegram:-100', '#alerts']);
    expect(splitTargets('https://discord.com/api/webhooks/1/a,https://hooks.slack.com/services/T/B/X', P)).toEqual([
      'https://discord.com/api/webhooks/1/a',
      'https://hooks.slack.com/services/T/B/X',
    ]);
  });

  it('a comma inside a URL belongs to it (Apprise ?to=a,b and path lists)', () => {
    expect(splitTargets('tgram://1:abc/?to=-100,-200,#x', P)).toEqual(['tgram://1:abc/?to=-100,-200,#x']);
    expect(splitTargets('slack://xoxb-1/?to=#a,#b,discord:12', P)).toEqual(['slack://xoxb-1/?to=#a,#b', 'discord:12']);
    expect(splitTargets('tgram://1:abc/12,34,tgram://2:def/56', P)).toEqual(['tgram://1:abc/12,34', 'tgram://2:def/56']);
  });

  it('ignores empty pieces', () => {
    expect(splitTargets('#a,,#b,', P)).toEqual(['#a', '#b']);
  });
});
