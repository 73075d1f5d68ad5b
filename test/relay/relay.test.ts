/**
 * The relay as a server: the token (401 and nothing arrives at the destination), limits that the
 * sender sees (413 before the connection closes, 429 with Retry-After), one-line 400 reasons,
 * /healthz, start-up problems, the non-loopback warning, durability with an outbox, and secrets
 * kept out of answers, reports and messages. Destinations are the fake platforms on 127.0.0.1.
 */
import { request as httpRequest } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { HeraldConfigError } from '../../src/config/problems.js';
import { createRelay } from '../../src/relay/relay.js';
import { FakePlatformServer } from '../../src/sandbox/fake-platforms.js';
import { closedPort } from '../cli/harness.js';
import { eventually, post, postJson, rawRequest, uploadThenRead, useRelays } from './harness.js';

const start = useRelays();
let server: FakePlatformServer;
beforeAll(async () => {
  server = await FakePlatformServer.start();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const WEBHOOK_ID = '1000000000000000077';
const WEBHOOK_SECRET = 'relayTestWebhookSecret0123456789';
const discordEnv = () => ({ GENERAL_DISCORD_WEBHOOK: server.discordWebhookUrl(WEBHOOK_ID, WEBHOOK_SECRET) });

describe('the token', () => {
  it('accepts it as a Bearer header or as the first path segment', async () => {
    const r = await start({ env: discordEnv() });
    expect((await post(`${r.url}/notify`, 'by header', 'text/plain', { Authorization: `Bearer ${r.token}` })).status).toBe(202);
    expect((await post(`${r.base}/notify`, 'by path', 'text/plain')).status).toBe(202);
    await eventually(() => expect(server.messages.map((m) => m.text).join('\n')).toMatch(/by header[\s\S]*by path/));
  });

  it.each([
    ['no token at all', (url: string) => post(`${url}/notify`, 'should not arrive', 'text/plain')],
    ['a wrong Bearer token', (url: string) => post(`${url}/notify`, 'should not arrive', 'text/plain', { Authorization: 'Bearer wrong-token-0123456789abc' })],
    ['a wrong path token', (url: string) => post(`${url}/t/wrong-token-0123456789abc/notify`, 'should not arrive', 'text/plain')],
    ['a prefix of the token', (url: string, token: string) => post(`${url}/t/${token.slice(0, -1)}/notify`, 'should not arrive', 'text/plain')],
    ['the token in another header', (url: string, token: string) => post(`${url}/notify`, 'should not arrive', 'text/plain', { 'X-Token': token })],
    [
      'a freqtrade exit_fill without it',
      (url: string) => postJson(`${url}/freqtrade`, { type: 'exit_fill', pair: 'BTC/USDT', amount: '0.5', profit_amount: '899.75', profit_ratio: '0.028' }),
    ],
  ])('answers 401 to %s, and nothing reaches the destination', async (_name, send) => {
    const r = await start({ env: discordEnv() });
    const res = await send(r.url, r.token);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="herald-relay"');
    expect((await res.text()).trim().split('\n')).toHaveLength(1);
    await r.relay.notifier.flush();
    // A positive control on the same relay: had the refused request been queued, it would arrive first.
    await post(`${r.base}/notify`, 'control', 'text/plain');
    await eventually(() => expect(server.messages).toHaveLength(1));
    expect(server.messages[0]!.text).toBe('control');
    expect(server.requests).toBe(1);
  });

  it('lets a sender that uploads its whole body first read the 401', async () => {
    const r = await start();
    const body = Buffer.alloc(512 * 1024, 0x61);
    const answer = await uploadThenRead(
      `${r.url}/t/wrong-token-0123456789abc/freqtrade`,
      { 'Content-Type': 'text/plain', 'Content-Length': body.length },
      body,
    );
    expect(answer).toMatchObject({ status: 401 });
  });

  it('answers 401 before revealing which paths exist', async () => {
    const r = await start();
    expect((await post(`${r.url}/admin`, 'x', 'text/plain')).status).toBe(401);
    expect((await post(`${r.base}/admin`, 'x', 'text/plain')).status).toBe(404);
  });

  it('refuses to start without a token, saying how to make one', () => {
    const make = () => createRelay({ env: {}, drainOnExit: false });
    expect(make).toThrow(HeraldConfigError);
    const problems = (() => {
      try {
        make();
      } catch (err) {
        return (err as HeraldConfigError).problems;
      }
      return [];
    })();
    expect(problems).toHaveLength(1);
    expect(problems[0]!.variable).toBe('HERALD_RELAY_TOKEN');
    expect(problems[0]!.message).toMatch(/is not set/);
    expect(problems[0]!.fix).toMatch(/randomBytes\(24\)\.toString\('base64url'\)/);
  });

  it('refuses a short token, one a URL path would change, and a bad HERALD_RELAY_RATE, all together', () => {
    let err: HeraldConfigError | undefined;
    try {
      createRelay({ env: { HERALD_RELAY_TOKEN: 'short', HERALD_RELAY_RATE: 'lots' }, drainOnExit: false });
    } catch (e) {
      err = e as HeraldConfigError;
    }
    expect(err?.problems.map((p) => p.variable)).toEqual(['HERALD_RELAY_TOKEN', 'HERALD_RELAY_RATE']);
    expect(err?.problems[0]!.message).toBe('is 5 characters long; at least 16 are needed');
    expect(() => createRelay({ env: { HERALD_RELAY_TOKEN: 'has spaces and / slashes in it' }, drainOnExit: false })).toThrow(
      /characters a URL path would change/,
    );
  });

  it('lists the notifier configuration problems with its own', () => {
    expect(() => createRelay({ env: { GENERAL_TELEGRAM_BOT_TOKEN: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0' }, drainOnExit: false })).toThrow(
      /2 problems:[\s\S]*HERALD_RELAY_TOKEN[\s\S]*GENERAL_TELEGRAM_BOT_CHAT_ID/,
    );
  });

  it('reads HERALD_RELAY_TOKEN from the environment', async () => {
    const relay = createRelay({ env: { HERALD_RELAY_TOKEN: 'from-the-environment-0123' }, console: () => {}, drainOnExit: false });
    try {
      const { url } = await relay.listen(0);
      expect((await post(`${url}/t/from-the-environment-0123/notify`, 'hi', 'text/plain')).status).toBe(202);
    } finally {
      await relay.close();
    }
  });
});

describe('limits the sender sees', () => {
  it('answers 413 to a 2 MiB body before the connection closes: the sender reads the status, not a reset', async () => {
    const r = await start();
    const answer = await rawRequest(`${r.base}/notify`, {
      headers: { 'Content-Type': 'text/plain', 'Content-Length': 2 * 1024 * 1024 },
      body: Buffer.alloc(2 * 1024 * 1024, 0x61),
    });
    expect(answer.error).toBeUndefined();
    expect(answer.status).toBe(413);
    expect(answer.body).toMatch(/^the body is larger than the relay accepts \(1048576 bytes\)/);
    await r.relay.notifier.flush();
    expect(r.lines).toEqual([]);
  });

  it('lets a client that uploads everything before reading (Python requests, as freqtrade) see the 413, not a reset', async () => {
    const r = await start();
    const body = Buffer.alloc(4 * 1024 * 1024, 0x61);
    const answer = await uploadThenRead(`${r.base}/freqtrade`, { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': body.length }, body);
    expect(answer).toMatchObject({ status: 413 });
  });

  it('answers 413 to a chunked body that grows past the limit (no Content-Length to go by)', async () => {
    const r = await start({ maxBodyBytes: 1000 });
    const answer = await rawRequest(`${r.base}/notify`, {
      headers: { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' },
      body: Buffer.alloc(50_000, 0x61),
      chunk: 700,
    });
    expect(answer.error).toBeUndefined();
    expect(answer.status).toBe(413);
    // The limit is inclusive: exactly maxBodyBytes is accepted.
    expect((await post(`${r.base}/notify`, 'a'.repeat(1000), 'text/plain')).status).toBe(202);
  });

  it('declines an announced large body under Expect: 100-continue without receiving it', async () => {
    const r = await start({ maxBodyBytes: 1000 });
    const answer = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = httpRequest(
        `${r.base}/notify`,
        { method: 'POST', headers: { 'Content-Type': 'text/plain', 'Content-Length': 5000, Expect: '100-continue' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, continued }));
        },
      );
      req.on('continue', () => {
        continued = true;
        req.end(Buffer.alloc(5000));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(answer).toEqual({ status: 413, continued: false });
  });

  it('sends 100 Continue, then reads and relays a body that fits', async () => {
    const r = await start();
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${r.base}/notify`,
        { method: 'POST', headers: { 'Content-Type': 'text/plain', 'Content-Length': 5, Expect: '100-continue' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        },
      );
      req.on('continue', () => req.end('hello'));
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(status).toBe(202);
    await r.relay.notifier.flush();
    expect(r.lines).toEqual(['[herald] hello\n']);
  });

  describe('the rate limit', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('answers 429 with Retry-After past the limit per address, notifies nothing, and lets requests through again as the minute refills', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const r = await start({ rateLimit: 3 });
      for (let i = 0; i < 3; i++) expect((await post(`${r.base}/notify`, `n${i}`, 'text/plain')).status).toBe(202);
      const refused = await post(`${r.base}/notify`, 'one too many', 'text/plain');
      expect(refused.status).toBe(429);
      // 3 a minute: one more every 20 s.
      expect(refused.headers.get('retry-after')).toBe('20');
      expect(await refused.text()).toBe('too many requests from this address (at most 3 a minute): retry in 20 s\n');
      // Wrong tokens count too: guessing is limited as well.
      expect((await post(`${r.url}/t/wrong-token-0123456789abc/notify`, 'x', 'text/plain')).status).toBe(429);
      vi.advanceTimersByTime(20_000);
      expect((await post(`${r.base}/notify`, 'after the wait', 'text/plain')).status).toBe(202);
      await r.relay.notifier.flush();
      expect(r.lines).toEqual(['[herald] n0\n', '[herald] n1\n', '[herald] n2\n', '[herald] after the wait\n']);
    });

    it('takes HERALD_RELAY_RATE from the environment', async () => {
      const r = await start({ env: { HERALD_RELAY_RATE: '1' } });
      expect((await post(`${r.base}/notify`, 'first', 'text/plain')).status).toBe(202);
      const refused = await post(`${r.base}/notify`, 'second', 'text/plain');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('60');
    });
  });
});

describe('answers', () => {
  it.each([
    ['JSON that does not parse', '/notify', '{"message": "unclosed', 'application/json', 'the body is not valid JSON (its Content-Type says application/json)'],
    ['an empty body', '/notify', '', 'text/plain', 'no message: send a text/plain body, JSON {"message": "…"}'],
    ['a JSON array', '/notify', '["a"]', 'application/json', 'the JSON body must be an object like {"message": "…"} or a string'],
    ['an unknown level', '/notify', '{"message": "x", "level": "critical"}', 'application/json', '"level" must be info or error'],
    ['a "to" that is no text', '/notify', '{"message": "x", "to": 5}', 'application/json', '"to" must be a target as text'],
    ['payload_json that does not parse', '/discord', 'payload_json=%7Bnope', 'application/x-www-form-urlencoded', 'payload_json is not valid JSON'],
    ['an empty Discord message', '/discord', '{"embeds": []}', 'application/json', 'empty message: send content, embeds or a file'],
    ['an empty Slack message', '/slack', '{"blocks": []}', 'application/json', 'no_text: send text, blocks or attachments'],
    ['a badly encoded target', '/notify/%E0%A4%A', 'x', 'text/plain', 'the target in the path is not properly URL-encoded'],
    ['a target where none is taken', '/freqtrade/OPS', '{}', 'application/json', '/freqtrade takes no target after its name'],
    ['a multipart body without its boundary', '/discord', 'x', 'multipart/form-data', 'multipart/form-data body without a boundary in its Content-Type'],
  ])('400 for %s, with a one-line reason, and nothing notified', async (_name, path, body, type, reason) => {
    const r = await start();
    const res = await post(`${r.base}${path}`, body, type);
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text.startsWith(reason), text).toBe(true);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trim()).not.toContain('\n');
    await r.relay.notifier.flush();
    expect(r.lines).toEqual([]);
  });

  it('404 names the endpoints; 405 says which method', async () => {
    const r = await start();
    const missing = await post(`${r.base}/telegram`, 'x', 'text/plain');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe(
      'no such endpoint; the relay serves POST /notify[/TARGET], POST /freqtrade, POST /discord[/TARGET], POST /slack[/TARGET], POST /tradingview[/TARGET], GET /healthz\n',
    );
    const get = await fetch(`${r.base}/notify`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('GET /healthz needs no token and reports backlog and disabled destinations without secrets', async () => {
    const r = await start({ env: discordEnv() });
    const fresh = await fetch(`${r.url}/healthz`);
    expect(fresh.status).toBe(200);
    expect(await fresh.json()).toEqual({ status: 'ok', backlog: 0, destinations: 0, disabled: [] });
    server.deleteDiscordWebhook(WEBHOOK_ID);
    await post(`${r.base}/notify`, 'to a deleted webhook', 'text/plain');
    await r.relay.notifier.flush();
    const res = await fetch(`${r.url}/healthz`);
    const text = await res.text();
    const health = JSON.parse(text) as { status: string; disabled: string[]; destinations: number };
    expect(health.status).toBe('degraded');
    expect(health.destinations).toBe(1);
    expect(health.disabled).toHaveLength(1);
    expect(health.disabled[0]).toContain(WEBHOOK_ID);
    expect(text).not.toContain(WEBHOOK_SECRET.slice(2));
    expect(text).not.toContain(r.token);
    expect((await post(`${r.url}/healthz`, 'x', 'text/plain')).status).toBe(405);
  });
});

describe('secrets', () => {
  it('never shows the token: not in answers, reports, or a message that contains it', async () => {
    const r = await start({ env: discordEnv() });
    const answers: string[] = [];
    for (const res of [
      await post(
        `${r.base}/notify`,
        `the token is ${r.token} and a webhook https://discord.com/api/webhooks/123456789012345678/AbCdEfGhIjKlMnOpQrStUv`,
        'text/plain',
      ),
      await postJson(`${r.base}/tradingview`, { ticker: 'BTCUSDT', message: `url ${r.base}/tradingview` }),
      await post(`${r.base}/notify`, '{"message": "x", "level": "nope"}', 'application/json'),
      await post(`${r.url}/notify`, 'x', 'text/plain', { Authorization: `Bearer ${r.token}x` }),
    ])
      answers.push(await res.text());
    await eventually(() => expect(server.messages).toHaveLength(2));
    const everything = [...answers, ...r.reports, ...server.messages.map((m) => m.text)].join('\n');
    expect(everything).not.toContain(r.token.slice(2));
    expect(everything).not.toContain('AbCdEfGhIjKlMnOpQrStUv');
    expect(server.messages[0]!.text).toContain(`the token is ${r.token.slice(0, 2)}…`);
  });
});

describe('listening and closing', () => {
  it('warns loudly when bound to an address other machines can reach', async () => {
    const r = await start();
    expect(r.reports).toEqual([]);
    const reports: string[] = [];
    const relay = createRelay({ token: 'another-relay-token-0123', env: {}, diagnostics: (l) => void reports.push(l), drainOnExit: false });
    try {
      const address = await relay.listen(0, '0.0.0.0');
      expect(address.url).toBe(`http://0.0.0.0:${address.port}`);
      expect(reports).toHaveLength(1);
      expect(reports[0]).toMatch(/^herald relay: ⚠️ {2}LISTENING ON 0\.0\.0\.0:\d+, REACHABLE FROM OTHER MACHINES\./);
      expect(reports[0]).not.toContain('another-relay-token');
    } finally {
      await relay.close();
    }
  });

  it('rejects with a clear message when the port is taken', async () => {
    const r = await start();
    const relay = createRelay({ token: 'another-relay-token-0123', env: {}, drainOnExit: false });
    try {
      await expect(relay.listen(r.port, '127.0.0.1')).rejects.toThrow(`port ${r.port} on 127.0.0.1 is already in use (another relay?)`);
    } finally {
      await relay.close();
    }
  });

  it('close() stops listening and delivers what was accepted', async () => {
    const lines: string[] = [];
    const relay = createRelay({ token: 'closing-relay-token-0123', env: {}, console: (l) => void lines.push(l), drainOnExit: false });
    const { url } = await relay.listen(0);
    expect((await post(`${url}/t/closing-relay-token-0123/notify`, 'accepted before close', 'text/plain')).status).toBe(202);
    await relay.close();
    expect(lines).toEqual(['[herald] accepted before close\n']);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('leaves a notifier it was given open', async () => {
    const r = await start();
    const relay = createRelay({ token: 'borrowing-relay-token-01', notifier: r.relay.notifier, env: {} });
    await relay.listen(0);
    await relay.close();
    expect((await post(`${r.base}/notify`, 'still open', 'text/plain')).status).toBe(202);
    await r.relay.notifier.flush();
    expect(r.lines).toEqual(['[herald] still open\n']);
  });
});

describe('durable', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'herald-relay-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('answers 202 only once the notification is in the outbox file', async () => {
    // A destination that refuses connections: nothing is delivered, so only the outbox holds it.
    const port = await closedPort();
    const outbox = join(dir, 'outbox');
    const r = await start({
      env: { GENERAL_DISCORD_WEBHOOK: `http://127.0.0.1:${port}/api/webhooks/1000000000000000001/durableTestSecret0123`, HERALD_OUTBOX: outbox },
      exitDeadlineMs: 100,
    });
    const res = await post(`${r.base}/notify`, 'kept across a crash', 'text/plain');
    expect(res.status).toBe(202);
    // Read at once, as a crash right after the answer would leave it.
    expect(await readFile(outbox, 'utf8')).toContain('kept across a crash');
  });
});
