/**
 * POST /notify: text, Herald's JSON, and Apprise's body. Apprise's `json://` plugin posts
 * `{"version": "1.0", "title", "message", "attachments": [{filename, base64, mimetype}], "type"}`
 * (apprise/plugins/custom_json.py `send`; Debian's 1.2 NotifyJSON.py the same), its `form://`
 * plugin the same fields form-encoded (apprise/plugins/custom_form.py).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';
import { eventually, post, postForm, postJson, useRelays } from './harness.js';

const start = useRelays();
let server: FakePlatformServer;
beforeAll(async () => {
  server = await FakePlatformServer.start();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

describe('POST /notify', () => {
  it('relays a text/plain body as it is, and answers 202', async () => {
    const r = await start();
    const res = await post(`${r.base}/notify`, 'backup finished\nall 3 volumes', 'text/plain; charset=utf-8');
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ ok: true });
    await r.relay.notifier.flush();
    expect(r.lines).toEqual(['[herald] backup finished\n         all 3 volumes\n']);
  });

  it("reads curl -d 'text' (labelled form-encoded, but no form) as text", async () => {
    const r = await start();
    await post(`${r.base}/notify`, 'hello from curl', 'application/x-www-form-urlencoded');
    await r.relay.notifier.flush();
    expect(r.lines).toEqual(['[herald] hello from curl\n']);
  });

  it("reads curl -d 'text with = in it' as text too, since it has no field a notification has", async () => {
    const r = await start();
    await post(`${r.base}/notify`, 'ratio=1.5 reached', 'application/x-www-form-urlencoded');
    await r.relay.notifier.flush();
    expect(r.lines).toEqual(['[herald] ratio=1.5 reached\n']);
  });

  it('refuses a JSON message that is only blanks', async () => {
    const r = await start();
    const res = await postJson(`${r.base}/notify`, { message: '   ' });
    expect(res.status).toBe(400);
  });

  it("reads Herald's JSON: level, silent and tags", async () => {
    const r = await start();
    const seen: unknown[] = [];
    const notify = r.relay.notifier.notify.bind(r.relay.notifier);
    r.relay.notifier.notify = (message, options) => {
      seen.push(options);
      notify(message, options);
    };
    await postJson(`${r.base}/notify`, { message: 'exchange down', level: 'error', silent: true, tags: { strategy: 'grid', symbol: 'ETH-USDT', other: 'x' } });
    await r.relay.notifier.flush();
    expect(r.lines).toEqual(['[herald:error:silent] exchange down\n']);
    expect(seen).toEqual([{ level: 'error', silent: true, tags: { strategy: 'grid', symbol: 'ETH-USDT' } }]);
  });

  it('shows a message that is an object as JSON, like log() does', async () => {
    const r = await start();
    await postJson(`${r.base}/notify`, { message: { rsi: 81.2, symbol: 'BTC-USDT' } });
    await r.relay.notifier.flush();
    expect(r.lines[0]).toContain('"rsi": 81.2');
  });

  it("reads Apprise's json:// body: title and message, failure as an error, attachments named", async () => {
    const r = await start();
    const res = await postJson(`${r.base}/notify`, {
      version: '1.0',
      title: 'Backup',
      message: 'disk full',
      attachments: [{ filename: 'df.txt', base64: Buffer.from('95%').toString('base64'), mimetype: 'text/plain' }],
      type: 'failure',
    });
    expect(res.status).toBe(202);
    await r.relay.notifier.flush();
    expect(r.lines.map((l) => l.replace(/\n +/g, '\n'))).toEqual(['[herald:error] Backup\ndisk full\n📎 1 attachment not forwarded: df.txt\n']);
  });

  it.each([
    ['info', '[herald] '],
    ['success', '[herald] '],
    ['warning', '[herald:error] '],
    ['failure', '[herald:error] '],
  ])("reads Apprise's form:// body with type %s", async (type, head) => {
    const r = await start();
    await postForm(`${r.base}/notify`, { version: '1.0', title: 'Uptime', message: `site is ${type}`, type });
    await r.relay.notifier.flush();
    expect(r.lines).toEqual([`${head}Uptime\n${' '.repeat(head.length)}site is ${type}\n`]);
  });

  it('sends to the TARGET in the path (a webhook URL, URL-encoded) and to nothing else', async () => {
    const r = await start();
    const webhook = server.discordWebhookUrl('1000000000000000042', 'notifyTargetSecret0123456789');
    expect((await post(`${r.base}/notify/${encodeURIComponent(webhook)}`, 'to the target', 'text/plain')).status).toBe(202);
    await eventually(() => expect(server.messages).toHaveLength(1));
    expect(server.messages[0]).toMatchObject({ platform: 'discord', destination: '1000000000000000042', text: 'to the target' });
    await r.relay.notifier.flush();
    expect(r.lines).toEqual([]);
  });

  it('takes "to" from the JSON body when the path has no TARGET', async () => {
    const r = await start({ env: { REPORTS: server.slackWebhookUrl('T0REL/B0REPORTS/reportsSecret0123') } });
    await postJson(`${r.base}/notify`, { message: 'daily report', to: 'REPORTS' });
    await eventually(() => expect(server.messages).toHaveLength(1));
    expect(server.messages[0]).toMatchObject({ platform: 'slack', destination: 'T0REL/B0REPORTS', text: 'daily report' });
  });

  it('says in the answer when the target cannot be used, and delivers to the general destinations with a note', async () => {
    const r = await start();
    const res = await post(`${r.base}/notify/NO_SUCH_VARIABLE`, 'misrouted', 'text/plain');
    expect(res.status).toBe(202);
    const answer = (await res.json()) as { ok: boolean; warning?: string };
    expect(answer.ok).toBe(true);
    expect(answer.warning).toMatch(/NO_SUCH_VARIABLE/);
    await r.relay.notifier.flush();
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/^\[herald\] ⚠️ log target .*NO_SUCH_VARIABLE[\s\S]*misrouted\n$/);
  });
});
