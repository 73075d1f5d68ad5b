/**
 * Slack incoming webhooks cannot upload or edit: the channel declares neither, so through the
 * notifier a file's text, a long text and every update of a live message arrive as new text
 * messages, with nothing of the text lost (on the real wire, against the fake webhook).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/channels/http.js';
import { createChannel } from '../../src/channels/registry.js';
import { slackDriver } from '../../src/channels/slack.js';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';
import { createNotifier, type FailedEvent, type Notifier, type RateLimits } from '../../src/index.js';

const PATH = 'T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstuvwx';
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

/** No proactive waits: these tests are about what arrives, not pacing (the fake's limit is raised to match). */
const unlimited: RateLimits = { reserve: () => 0, observe: () => {}, block: () => {} };

let server: FakePlatformServer;
const open: Notifier[] = [];

beforeAll(async () => {
  server = await FakePlatformServer.start({ limits: { slackPerWebhook: { burst: 100, perSecond: 100 } } });
});
afterAll(() => server.close());
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.close(1000)));
  server.reset();
});

function notifier() {
  const failed: FailedEvent[] = [];
  const n = createNotifier({
    env: { GENERAL_SLACK_WEBHOOK: server.slackWebhookUrl(PATH) },
    limits: unlimited,
    console: () => {},
    diagnostics: () => {},
    drainOnExit: false,
  });
  n.on('failed', (f) => failed.push(f));
  open.push(n);
  return { n, failed };
}

const texts = (): string[] => server.messagesFor('slack').map((m) => m.text);

describe('Slack webhook: files and live updates arrive as text', () => {
  it('the webhook channel declares neither files nor edits', async () => {
    const spec = slackDriver.webhook!.parse(new URL(server.slackWebhookUrl(PATH)), 'GENERAL_SLACK_WEBHOOK');
    if (!('driver' in spec)) throw new Error(spec.message);
    const http = createHttpClient();
    const c = createChannel(spec, { http });
    expect(c.files).toBeUndefined();
    expect(c.edits).toBeUndefined();
    await http.close();
  });

  it('a file: its text arrives as a message, without the file', async () => {
    const { n, failed } = notifier();
    n.notify('📊 Equity & drawdown', { file: { name: 'equity.png', data: PNG } });
    await n.flush();
    expect(failed).toEqual([]);
    expect(texts()).toEqual(['📊 Equity &amp; drawdown']);
    expect(server.messages[0]!.files).toBeUndefined();
    expect(server.messages[0]!.body).toEqual({ text: '📊 Equity &amp; drawdown' });
  });

  it('a text of more than 4 parts arrives whole, as text messages in order (no message.txt)', async () => {
    const { n, failed } = notifier();
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i} ${'x'.repeat(700)}`);
    n.notify(lines.join('\n'));
    await n.flush();
    expect(failed).toEqual([]);
    expect(texts().length).toBe(6);
    expect(texts().flatMap((t) => t.split('\n'))).toEqual(lines);
    expect(server.messages.every((m) => m.files === undefined)).toBe(true);
  });

  it('every update of a live message is a new message; nothing is edited', async () => {
    const { n, failed } = notifier();
    // One state at a time (states waiting together would be coalesced into one message, as any text).
    n.notify('🟡 PARTIAL 0.3 of 1 BTC', { live: { key: 'order:1' } });
    await n.flush();
    n.notify('🟡 PARTIAL 0.6 of 1 BTC', { live: { key: 'order:1' } });
    await n.flush();
    n.notify('✅ FILLED 1 BTC', { live: { key: 'order:1', alert: '✅ Filled BUY 1 BTC/USDT' } });
    await n.flush();
    expect(failed).toEqual([]);
    expect(texts()).toEqual(['🟡 PARTIAL 0.3 of 1 BTC', '🟡 PARTIAL 0.6 of 1 BTC', '✅ FILLED 1 BTC']);
    expect(server.messages.map((m) => [m.edits, m.replyTo])).toEqual([
      [undefined, undefined],
      [undefined, undefined],
      [undefined, undefined],
    ]);
  });
});
