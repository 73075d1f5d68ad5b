/**
 * POST /slack: what bots that can only talk to a Slack incoming webhook send, answered the way
 * Slack answers (200 `ok`). Jesse's post is its `_slack` (jesse/services/notifier.py:
 * `requests.post(webhook_address, json={"text": msg})`); Slack also documents a form with a
 * `payload=` field (api.slack.com/messaging/webhooks, the curl examples), and Block Kit bodies.
 */
import { describe, expect, it } from 'vitest';
import { slackMrkdwnToText } from '../../src/relay/sources/slack-text.js';
import { post, postJson, useRelays } from './harness.js';

const start = useRelays();

/** Jesse's Slack body exactly as `json.dumps` writes it (the `_` escaped by `_format_msg`, the backslash by JSON). */
const JESSE_JSON = '{"text": "EXECUTED order: BTC-USDT, LIMIT, sell, 0.5, $66010.0\\nentry\\\\_price"}';

describe('POST /slack', () => {
  it("relays Jesse's JSON post and answers 200 ok like Slack", async () => {
    const r = await start();
    const res = await post(`${r.base}/slack`, JESSE_JSON, 'application/json');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
    await r.relay.notifier.flush();
    // Slack has no backslash escapes, so a Slack channel shows Jesse's `\_` as it is; so does the relay.
    expect(r.lines).toEqual(['[herald] EXECUTED order: BTC-USDT, LIMIT, sell, 0.5, $66010.0\n         entry\\_price\n']);
  });

  it('reads the payload= form Slack documents', async () => {
    const r = await start();
    const body = new URLSearchParams({ payload: JSON.stringify({ text: 'deploy <https://ci.example.com/42|#42> done &amp; green' }) }).toString();
    expect((await post(`${r.base}/slack`, body, 'application/x-www-form-urlencoded')).status).toBe(200);
    await r.relay.notifier.flush();
    expect(r.lines).toEqual(['[herald] deploy #42 (https://ci.example.com/42) done & green\n']);
  });

  it('renders Block Kit readably, in order, preferring the blocks to the fallback text', async () => {
    const r = await start();
    await postJson(`${r.base}/slack`, {
      text: 'fallback only shown in notifications',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Trade closed' } },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '*BTC/USDT* closed, <https://example.com/t/34|details>' },
          fields: [
            { type: 'mrkdwn', text: '*PnL*\n+899.75' },
            { type: 'mrkdwn', text: '*Reason*\nroi' },
          ],
        },
        { type: 'divider' },
        {
          type: 'rich_text',
          elements: [
            {
              type: 'rich_text_section',
              elements: [
                { type: 'text', text: 'Next: ' },
                { type: 'emoji', name: 'rocket', unicode: '1f680' },
              ],
            },
            { type: 'rich_text_list', style: 'bullet', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: 'rebalance' }] }] },
          ],
        },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: 'binance' },
            { type: 'plain_text', text: 'SampleStrategy' },
          ],
        },
        { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open' }, url: 'https://example.com/t/34' }] },
      ],
    });
    await r.relay.notifier.flush();
    expect(r.lines[0]!.replace(/\n +/g, '\n')).toBe(
      '[herald] Trade closed\n*BTC/USDT* closed, details (https://example.com/t/34)\n*PnL*\n+899.75\n*Reason*\nroi\n———\nNext: 🚀\n• rebalance\nbinance · SampleStrategy\nOpen (https://example.com/t/34)\n',
    );
  });

  it('reads legacy attachments after the text', async () => {
    const r = await start();
    await postJson(`${r.base}/slack`, {
      text: 'Alert',
      attachments: [
        {
          color: 'danger',
          title: 'Disk full',
          title_link: 'https://example.com/d',
          text: '95% used',
          fields: [{ title: 'Host', value: 'bot-1', short: true }],
        },
      ],
    });
    await r.relay.notifier.flush();
    expect(r.lines[0]!.replace(/\n +/g, '\n')).toBe('[herald] Alert\n\nDisk full (https://example.com/d)\n95% used\nHost: bot-1\n');
  });
});

describe('Slack mrkdwn as text', () => {
  it.each([
    ['&lt;b&gt; &amp; co', '<b> & co'],
    ['<https://x.example/a|the link> and <https://x.example/b>', 'the link (https://x.example/a) and https://x.example/b'],
    ['<!channel> <!here> <!subteam^S1|@ops>', '@channel @here @ops'],
    ['<@U123> in <#C456|alerts>', '@U123 in #alerts'],
    ['<!date^1700000000^{date_short}|Nov 14>', 'Nov 14'],
  ])('%s', (mrkdwn, text) => {
    expect(slackMrkdwnToText(mrkdwn)).toBe(text);
  });
});
