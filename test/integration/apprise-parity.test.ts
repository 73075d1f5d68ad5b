/**
 * Apprise URLs read the way Apprise itself reads them: the same URLs go through Debian's Apprise
 * (its own parser, in a Python subprocess) and through Herald, and the token, the targets and the
 * options must agree; what Apprise refuses, Herald refuses. `.ci/run` installs Debian's
 * `apprise`; without it this test fails and says so.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { toolAvailable } from '../setup/optional-tool.js';
import { readConfig } from '../../src/core/configuration.js';
import { resolveTarget } from '../../src/core/targets.js';

const PYTHON = '/usr/bin/python3';
const RUN = toolAvailable(
  'the Apprise parity test (test/integration/apprise-parity.test.ts)',
  spawnSync(PYTHON, ['-c', 'import apprise'], { timeout: 10_000 }).status === 0,
  "Debian's apprise is missing: sudo apt-get install apprise",
);
const SCRIPT = fileURLToPath(new URL('../fixtures/apprise-parse.py', import.meta.url));
const TG = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0';
const XOXB = 'xoxb-1111111111-2222222222222-AbCdEfGhIjKlMnOpQrStUvWx';

type Parsed = Record<string, unknown> & { service: string };

function apprise(urls: readonly string[]): (Parsed | null)[] {
  const r = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify(urls), encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`Debian's Apprise is needed for this test (apt-get install apprise; .ci/run does it): ${r.stderr || r.error?.message}`);
  return JSON.parse(r.stdout) as (Parsed | null)[];
}

function herald(url: string) {
  return resolveTarget(url, { env: {}, bots: readConfig({}).bots });
}

const VALID = [
  `tgram://${TG}/-1001234567890`,
  `tgram://${TG}/-1001234567890/@mychannel/424242?silent=yes`,
  `tgram://${TG}/?to=-1001234567890,@mychannel&preview=yes`,
  `tgram://bot${TG}/-1001234567890`,
  `tgram://${TG.replace(':', '%3A')}/-1001234567890`,
  `tgram://${TG}/-1001234567890?format=text`,
  'discord://123456789012345678/AbCdEf_token-1',
  'discord://herald@123456789012345678/AbCdEf_token-1?thread=1500000000000000001',
  'https://discord.com/api/webhooks/123456789012345678/AbCdEf_token-1',
  'slack://T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstuvwx',
  'slack://T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstuvwx/#alerts',
  'slack://herald@T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstuvwx/?to=#alerts',
  `slack://${XOXB}/#alerts`,
  `slack://${XOXB}/#alerts:1700000000.123456/+C0123ABCD`,
  `slack://?token=${XOXB}&to=#ops`,
];

// (Debian's Apprise is 1.2; forms added later, like mode=workflow, or read differently since, like
// a user@ before a Telegram token, which 1.2 takes for a chat, are in the drivers' own tests.)
const INVALID = [
  'tgram://alpha:abcdefg_hijklmnop/lead2gold',
  'tgram://',
  'discord://',
  'discord://123456789012345678',
  'slack://T1JJ3T3L2',
  'slack://T1JJ3T3L2/A1BRTD4JD/',
];

let parsed: (Parsed | null)[];
let refused: (Parsed | null)[];
beforeAll(() => {
  if (!RUN) return;
  parsed = apprise(VALID);
  refused = apprise(INVALID);
});

describe.skipIf(!RUN)('Herald reads Apprise URLs like Apprise', () => {
  it.each(VALID.map((url, i) => [url, i] as const))('%s', (url, i) => {
    const a = parsed[i]!;
    expect(a, `Apprise itself accepts ${url}`).not.toBeNull();
    const r = herald(url);
    expect(r.problems, url).toEqual([]);
    const specs = r.specs as unknown as Record<string, string | boolean | undefined>[];
    if (a.service === 'NotifyTelegram') {
      expect(specs.every((s) => s.token === a.bot_token)).toBe(true);
      // Apprise 1.2 keeps a chat's :topic in the target (Herald reads it as the topic), and sorts the
      // chats (Herald keeps the order written).
      expect(specs.map((s) => s.chatId).sort()).toEqual((a.targets as string[]).map((t) => t.split(':')[0]).sort());
      expect(specs.every((s) => (s.silent ?? false) === a.silent)).toBe(true);
      expect(specs.every((s) => (s.preview ?? false) === a.preview)).toBe(true);
    } else if (a.service === 'NotifyDiscord') {
      expect(specs).toEqual([expect.objectContaining({ driver: 'discord', webhookId: a.webhook_id, token: a.webhook_token })]);
      expect(specs[0]!.threadId).toBe(a.thread_id ?? undefined);
    } else if (a.service === 'NotifySlack' && a.mode === 'bot') {
      expect(specs.every((s) => s.driver === 'slack-bot' && s.token === a.access_token)).toBe(true);
      // Apprise posts to #general when a bot URL names no channel; `+ID` is an id; `:ts` a thread.
      const channels = (a.channels as string[]).length ? (a.channels as string[]) : ['#general'];
      expect(specs.map((s) => `${s.channel}${s.threadTs ? `:${s.threadTs}` : ''}`)).toEqual(channels.map((c) => c.replace(/^[#+]/, '')));
    } else if (a.service === 'NotifySlack') {
      expect(specs.every((s) => s.driver === 'slack' && s.name === `${a.token_a}/${a.token_b}` && s.secret === a.token_c)).toBe(true);
      // A webhook without a channel posts where it was made (Apprise: [null]); Apprise adds the `#` when it sends.
      const channels = (a.channels as (string | null)[]).filter((c): c is string => c !== null).map((c) => c.replace(/^#/, ''));
      expect(specs.map((s) => (typeof s.channel === 'string' ? s.channel.replace(/^#/, '') : undefined))).toEqual(channels.length ? channels : [undefined]);
    } else {
      throw new Error(`unexpected service ${a.service}`);
    }
  });

  it('what Apprise refuses, Herald refuses with a fix', () => {
    expect(refused).toEqual(INVALID.map(() => null));
    for (const url of INVALID) {
      const r = herald(url);
      expect(r.specs, url).toEqual([]);
      expect(r.problems[0]?.fix.length, url).toBeGreaterThan(10);
    }
  });
});
