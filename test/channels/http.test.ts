/**
 * The real HTTP path (global fetch + undici Agent) against a node:http server on 127.0.0.1.
 * No msw here on purpose: it would intercept fetch and hide the sockets.
 */
import { getEventListeners, once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkRequestUrl, createHttpClient, DEFAULT_MAX_BODY_BYTES, describeNetworkError, type HttpClient } from '../../src/channels/http.js';
import type { FailedEvent } from '../../src/delivery/events.js';
import { createNotifier } from '../../src/index.js';
import { TelegramApi } from '../../src/channels/telegram-api.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

interface Running {
  server: Server;
  url: string;
  connections: () => number;
}

const servers: Server[] = [];
const clients: HttpClient[] = [];

async function start(handler: Handler): Promise<Running> {
  let connections = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => handler(req, body, res));
  });
  server.on('connection', () => connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, connections: () => connections };
}

function client(options: Parameters<typeof createHttpClient>[0] = {}): HttpClient {
  const c = createHttpClient(options);
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

describe('createHttpClient against a local server', () => {
  it('returns status, headers and body, and sends method, headers and body', async () => {
    const seen: { method?: string; type?: string; body: string }[] = [];
    const srv = await start((req, body, res) => {
      seen.push({ method: req.method, type: req.headers['content-type'], body });
      res.writeHead(201, { 'content-type': 'application/json', 'x-test': 'yes' }).end('{"ok":true}');
    });
    const res = await client().request(`${srv.url}/bot1/sendMessage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-test')).toBe('yes');
    expect(res.body).toBe('{"ok":true}');
    expect(seen).toEqual([{ method: 'POST', type: 'application/json', body: '{"a":1}' }]);
  });

  it('resolves (does not reject) for error statuses', async () => {
    const srv = await start((_req, _body, res) => res.writeHead(503).end('busy'));
    const res = await client().request(srv.url, { body: 'x' });
    expect(res).toMatchObject({ status: 503, body: 'busy' });
  });

  it('reuses one keep-alive connection for sequential requests', async () => {
    const srv = await start((_req, body, res) => res.writeHead(200).end(`echo ${body}`));
    const c = client();
    for (let i = 0; i < 5; i++) {
      const res = await c.request(srv.url, { method: 'POST', body: String(i) });
      expect(res.body).toBe(`echo ${i}`);
      // undici returns the socket to the pool one macrotask after the body is read; a request
      // issued in the same tick finds it still busy and opens a second socket (see next test).
      await new Promise((r) => setImmediate(r));
    }
    expect(srv.connections()).toBe(1);
  });

  it('back-to-back requests still reuse the pool: 20 requests, at most 2 connections', async () => {
    const srv = await start((_req, body, res) => res.writeHead(200).end(`echo ${body}`));
    const c = client();
    for (let i = 0; i < 20; i++) expect((await c.request(srv.url, { method: 'POST', body: String(i) })).body).toBe(`echo ${i}`);
    expect(srv.connections()).toBeLessThanOrEqual(2);
  });

  it('rejects with a readable "connection refused" reason for a closed port', async () => {
    const srv = await start((_req, _body, res) => res.end());
    const url = srv.url;
    servers.splice(servers.indexOf(srv.server), 1);
    await new Promise<void>((r) => srv.server.close(() => r()));
    await expect(client().request(url, { body: 'x' })).rejects.toThrow(/connection refused \(ECONNREFUSED\)/);
  });

  it('gives up on a server that never answers after requestTimeoutMs, with a "timed out" reason', async () => {
    let got = 0;
    const srv = await start(() => {
      got++; // never answer
    });
    // The reason names the deadline that fired (not a connect or headers timeout of undici's).
    const err = (await client({ requestTimeoutMs: 200 })
      .request(srv.url, { body: 'x' })
      .catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe('timed out: no answer within 200 ms');
    expect(got).toBe(1);
  });

  it('a caller abort rejects with "aborted", not a timeout', async () => {
    const srv = await start(() => {});
    const ac = new AbortController();
    const pending = client({ requestTimeoutMs: 5000 }).request(srv.url, { body: 'x', signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    const err = (await pending.catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/abort/i);
    expect(err.message).not.toMatch(/timed out/);
  });

  it('one caller signal over many requests: a single abort listener on it, and its abort still stops the one in flight', async () => {
    let calls = 0;
    const srv = await start((_req, _body, res) => {
      // The 21st request hangs until the caller aborts.
      if (++calls <= 20) res.end('ok');
    });
    const ac = new AbortController();
    const c = client({ requestTimeoutMs: 5000 });
    for (let i = 0; i < 20; i++) await c.request(srv.url, { body: 'x', signal: ac.signal });
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    const pending = c.request(srv.url, { body: 'x', signal: ac.signal });
    await vi.waitFor(() => expect(calls).toBe(21));
    ac.abort();
    expect(((await pending.catch((e: unknown) => e)) as Error).message).toBe('aborted');
  });
});

describe('describeNetworkError', () => {
  it('names known error codes in plain words', () => {
    expect(describeNetworkError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } }))).toBe('connection reset (ECONNRESET)');
    expect(describeNetworkError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } }))).toBe('DNS lookup failed (ENOTFOUND)');
    expect(describeNetworkError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'EWHATEVER', message: 'odd thing' } }))).toBe('odd thing');
  });
});

// ---------------------------------------------------------------------------------------------
// Issue 8 security pass: where requests may go, redirects, body size, deadlines.
// ---------------------------------------------------------------------------------------------

/** A fake bot token (never real) that a request path carries, as Telegram's does. */
const PATH_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0';

/** A server on another loopback address: "another host" for redirects, still inside the no-internet guard. */
async function startOn(host: string, handler: Handler): Promise<Running> {
  let connections = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => handler(req, body, res));
  });
  server.on('connection', () => connections++);
  server.listen(0, host);
  await once(server, 'listening');
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://${host}:${port}`, connections: () => connections };
}

/** Writes `total` bytes of 'x' in 64 KiB chunks, respecting backpressure; resolves with what was written when done or closed. */
function writeBig(res: ServerResponse, total: number, headers: Record<string, string> = {}): Promise<{ written: number; finished: boolean }> {
  return new Promise((resolve) => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let written = 0;
    res.writeHead(200, { 'content-type': 'text/plain', ...headers });
    res.on('close', () => resolve({ written, finished: written >= total }));
    const pump = (): void => {
      while (written < total) {
        const piece = total - written >= chunk.length ? chunk : chunk.subarray(0, total - written);
        written += piece.length;
        if (!res.write(piece)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
}

describe('checkRequestUrl: https everywhere, plain http on loopback only', () => {
  it('accepts https anywhere and http on 127.0.0.0/8, ::1 and localhost', () => {
    for (const ok of [
      'https://api.telegram.org/bot1/x',
      'https://discord.com/api/v10/channels/1/messages',
      'http://127.0.0.1:8081/bot1/x',
      'http://127.9.9.9/x',
      'http://localhost:3000/x',
      'http://[::1]:3000/x',
    ]) {
      expect(checkRequestUrl(ok), ok).toBeInstanceOf(URL);
    }
  });

  it('refuses plain http elsewhere, other schemes, credentials and non-URLs, without echoing the path', () => {
    const cases: [string, RegExp][] = [
      [`http://api.telegram.org/bot${PATH_TOKEN}/sendMessage`, /^refused to send to http:\/\/api\.telegram\.org: only https is allowed/],
      [`http://10.0.0.5:8081/bot${PATH_TOKEN}/sendMessage`, /only https is allowed/],
      [`http://127.0.0.1.evil.example/bot${PATH_TOKEN}/x`, /only https is allowed/],
      [`ftp://127.0.0.1/bot${PATH_TOKEN}`, /only https is allowed/],
      [`file:///etc/bot${PATH_TOKEN}`, /only https is allowed/],
      [`https://user:${PATH_TOKEN}@discord.com/api/x`, /the URL carries credentials/],
      [`http://127.0.0.1:99999/bot${PATH_TOKEN}/x`, /not a valid URL/],
      [`/bot${PATH_TOKEN}/sendMessage`, /not a valid URL/],
    ];
    for (const [url, re] of cases) {
      const r = checkRequestUrl(url);
      expect(r, url).toMatch(re);
      expect(r).not.toContain('AAHdqTcv');
    }
  });

  it('a refused URL rejects before any connection is made', async () => {
    const err = (await client()
      .request(`http://example.com/bot${PATH_TOKEN}/sendMessage`, { body: 'x' })
      .catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('refused to send to http://example.com: only https is allowed (plain http on 127.0.0.1/localhost only)');
    // test/setup/no-internet.ts would fail this test had a socket to example.com been attempted.
  });
});

describe('redirects are never followed', () => {
  for (const status of [301, 302, 303, 307, 308]) {
    it(`a ${status} to another host comes back as a ${status} with a clear reason; the other host sees nothing`, async () => {
      const stolen: string[] = [];
      const other = await startOn('127.0.0.2', (req, body, res) => {
        stolen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''} ${body}`);
        res.writeHead(200).end('{"ok":true}');
      });
      const first = await start((req, _body, res) =>
        res.writeHead(status, { location: `${other.url}${req.url}`, 'content-type': 'text/html' }).end('<html>moved</html>'),
      );
      const res = await client().request(`${first.url}/bot${PATH_TOKEN}/sendMessage`, {
        method: 'POST',
        headers: { authorization: `Bot ${PATH_TOKEN}` },
        body: '{"text":"hi"}',
      });
      expect(res.status).toBe(status);
      expect(res.redirectTo).toBe(other.url);
      const reason = `HTTP ${status} redirect to ${other.url} not followed (Herald never follows redirects): use the final address in the configuration`;
      expect(JSON.parse(res.body)).toEqual({ description: reason, message: reason });
      expect(res.body).not.toContain('AAHdqTcv');
      expect(stolen).toEqual([]);
      expect(other.connections()).toBe(0);
    });
  }

  it('a relative Location (same host, another path) is not followed either', async () => {
    const paths: string[] = [];
    const srv = await start((req, _body, res) => {
      paths.push(req.url ?? '');
      res.writeHead(302, { location: '/elsewhere' }).end();
    });
    const res = await client().request(`${srv.url}/bot${PATH_TOKEN}/sendMessage`, { body: 'x' });
    expect(res.status).toBe(302);
    expect(res.body).toContain(`redirect to another path on ${new URL(srv.url).host} not followed`);
    expect(paths).toEqual([`/bot${PATH_TOKEN}/sendMessage`]);
  });

  it('a 3xx without a Location is an ordinary answer (its body read as usual)', async () => {
    const srv = await start((_req, _body, res) => res.writeHead(304).end());
    const res = await client().request(srv.url, { method: 'GET' });
    expect(res).toMatchObject({ status: 304, body: '' });
    expect(res.redirectTo).toBeUndefined();
  });

  it("the CLI's Bot API calls (doctor, chat-id, link) read the same reason as Telegram's description", async () => {
    const other = await startOn('127.0.0.2', (_req, _body, res) => res.writeHead(200).end('{"ok":true,"result":{}}'));
    const first = await start((req, _body, res) => res.writeHead(301, { location: `${other.url}${req.url}` }).end());
    const api = new TelegramApi({ baseUrl: first.url, token: PATH_TOKEN, http: client() });
    const r = await api.getMe();
    expect(r).toMatchObject({
      ok: false,
      status: 301,
      description: `HTTP 301 redirect to ${other.url} not followed (Herald never follows redirects): use the final address in the configuration`,
    });
    expect(other.connections()).toBe(0);
  });

  it('every driver turns a redirect into a failed notification naming the redirect, and the token goes nowhere else', async () => {
    const stolen: string[] = [];
    const other = await startOn('127.0.0.2', (req, _body, res) => {
      stolen.push(`${req.method} ${req.url}`);
      res.writeHead(200).end('ok');
    });
    const first = await start((req, _body, res) => res.writeHead(302, { location: `${other.url}${req.url}` }).end());
    const slackBot = 'xoxb-1111111111-2222222222222-AbCdEfGhIjKlMnOpQrStUvWx';
    const discordBot = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd';
    const notifier = createNotifier({
      env: {
        TELEGRAM_API_BASE_URL: first.url,
        GENERAL_TELEGRAM_BOT_TOKEN: PATH_TOKEN,
        GENERAL_TELEGRAM_BOT_CHAT_ID: '-1001234567890',
        GENERAL_DISCORD_WEBHOOK: `${first.url}/api/webhooks/111222333444555666/discordWebhookSecret0123456789`,
        GENERAL_SLACK_WEBHOOK: `${first.url}/services/T0AAAA/B0BBBB/slackSecretXyz0123456`,
        SLACK_API_BASE_URL: `${first.url}/api`,
        SLACK_BOT_TOKEN: slackBot,
        SLACK_DEFAULT_CHANNEL: 'C0GENERAL01',
        DISCORD_API_BASE_URL: `${first.url}/api`,
        DISCORD_BOT_TOKEN: discordBot,
        DISCORD_DEFAULT_CHANNEL: '1300000000000000001',
      },
      drainOnExit: false,
      diagnostics: () => {},
      console: () => {},
    });
    const failed: FailedEvent[] = [];
    notifier.on('failed', (e) => void failed.push(e));
    notifier.log('hello');
    await notifier.flush(5000);
    await notifier.close(1000);
    expect(stolen).toEqual([]);
    expect(failed.map((f) => f.destination).sort()).toEqual([
      'Discord bot MT… → channel 1300000000000000001',
      'Discord webhook 111222333444555666/di…',
      'Slack bot xoxb-11… → C0GENERAL01',
      'Slack webhook T0AAAA/B0BBBB/sl…',
      'Telegram bot 123456789:AA… → chat -1001234567890',
    ]);
    for (const f of failed) {
      expect(f.cause, f.destination).toBe('rejected');
      expect(f.reason, f.destination).toContain(`302 redirect to ${other.url} not followed`);
      for (const secret of ['AAHdqTcv', 'discordWebhookSecret', 'slackSecretXyz', 'AbCdEfGhIjKl']) expect(f.reason).not.toContain(secret);
    }
  });
});

describe('response bodies are read with a size cap', () => {
  it('a 10 MiB body is cut at 1 MiB: the status stands and the connection is dropped', async () => {
    let outcome: Promise<{ written: number; finished: boolean }> | undefined;
    const srv = await start((_req, _body, res) => {
      outcome = writeBig(res, 10 * 1024 * 1024, { 'content-length': String(10 * 1024 * 1024) });
    });
    const c = client();
    const res = await c.request(srv.url, { body: 'x' });
    expect(res.status).toBe(200);
    expect(res.truncated).toBe(true);
    expect(res.body.length).toBe(DEFAULT_MAX_BODY_BYTES);
    // The client dropped the connection (socket buffers may have taken the whole 10 MiB from the
    // server by then; the endless body below shows the rest is never read).
    await outcome!;
    // The pool is fine afterwards: the next request gets a new connection and its whole answer.
    const small = await start((_req, _body, r) => r.writeHead(200).end('small'));
    expect(await c.request(small.url, { body: 'x' })).toMatchObject({ status: 200, body: 'small' });
  });

  it('an endless body does not exhaust memory or hang: the request resolves with the cap, long before its deadline', async () => {
    let closed = false;
    const srv = await start((_req, _body, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      const chunk = Buffer.alloc(16 * 1024, 'y');
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => (closed = true));
      pump();
    });
    const started = Date.now();
    const res = await client({ requestTimeoutMs: 15_000, maxBodyBytes: 256 * 1024 }).request(srv.url, { body: 'x' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(res).toMatchObject({ status: 500, truncated: true });
    expect(res.body.length).toBe(256 * 1024);
    for (let i = 0; i < 100 && !closed; i++) await new Promise((r) => setTimeout(r, 20));
    expect(closed, 'the client dropped the endless answer').toBe(true);
  });

  it('a body of exactly the cap is whole, not truncated', async () => {
    const srv = await start((_req, _body, res) => res.writeHead(200).end('a'.repeat(1000)));
    const res = await client({ maxBodyBytes: 1000 }).request(srv.url, { body: 'x' });
    expect(res.body).toBe('a'.repeat(1000));
    expect(res.truncated).toBeUndefined();
  });

  it('a character cut in half at the cap is dropped, not turned into U+FFFD', async () => {
    const srv = await start((_req, _body, res) => res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('é'.repeat(100)));
    const res = await client({ maxBodyBytes: 11 }).request(srv.url, { body: 'x' });
    expect(res.body).toBe('é'.repeat(5));
    expect(res.truncated).toBe(true);
  });
});

describe('every request has a deadline, body included', () => {
  it("a body that trickles forever (never idle long enough for undici's bodyTimeout) ends at requestTimeoutMs", async () => {
    const timers: NodeJS.Timeout[] = [];
    const srv = await start((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('{');
      timers.push(setInterval(() => !res.destroyed && res.write(' '), 20));
    });
    try {
      const started = Date.now();
      const err = (await client({ requestTimeoutMs: 300, bodyTimeoutMs: 5_000 })
        .request(srv.url, { body: 'x' })
        .catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toBe('timed out: the answer did not finish within 300 ms');
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      for (const t of timers) clearInterval(t);
    }
  });

  it('headers that never come end at requestTimeoutMs too (the default applies when an option is undefined)', async () => {
    const srv = await start(() => {});
    const err = (await client({ requestTimeoutMs: 250, headersTimeoutMs: undefined })
      .request(srv.url, { body: 'x' })
      .catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('timed out: no answer within 250 ms');
  });

  it('undefined, zero, negative, NaN or Infinity never mean "no deadline" or "1 ms": the default stays', async () => {
    const srv = await start((_req, _body, res) => setTimeout(() => res.writeHead(200).end('late but fine'), 100));
    for (const bad of [undefined, 0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const res = await client({ requestTimeoutMs: bad, bodyTimeoutMs: bad, headersTimeoutMs: bad, connectTimeoutMs: bad, maxBodyBytes: bad }).request(
        srv.url,
        { body: 'x' },
      );
      expect(res.body, String(bad)).toBe('late but fine');
    }
  });

  it('error messages never carry the request URL (a token rides in Telegram paths)', async () => {
    const srv = await start((_req, _body, res) => res.end());
    const url = srv.url;
    servers.splice(servers.indexOf(srv.server), 1);
    await new Promise<void>((r) => srv.server.close(() => r()));
    const err = (await client()
      .request(`${url}/bot${PATH_TOKEN}/sendMessage`, { body: 'x' })
      .catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('connection refused (ECONNREFUSED)');
  });
});

describe("where requests go: the platforms' hosts, the configured base URLs, loopback", () => {
  it('every URL Herald fetches, for every destination kind and target form, is https on a platform host or a configured base URL', async () => {
    const urls: string[] = [];
    const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      const url = String(input instanceof Request ? input.url : input);
      urls.push(url);
      const { hostname, pathname } = new URL(url);
      if (pathname.endsWith('/sendMessage')) return Response.json({ ok: true, result: { message_id: 1 } });
      if (hostname === 'hooks.slack.com' || pathname.startsWith('/services/')) return new Response('ok');
      if (pathname.endsWith('/chat.postMessage')) return Response.json({ ok: true, ts: '1.2' });
      return new Response(null, { status: 204 });
    });
    try {
      const slackBot = 'xoxb-1111111111-2222222222222-AbCdEfGhIjKlMnOpQrStUvWx';
      const discordBot = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd';
      const base = {
        GENERAL_TELEGRAM_BOT_TOKEN: PATH_TOKEN,
        GENERAL_TELEGRAM_BOT_CHAT_ID: '-1001234567890',
        GENERAL_DISCORD_WEBHOOK: 'https://discordapp.com/api/webhooks/111222333444555666/AbCdEfGhIjKl_-secret',
        GENERAL_SLACK_WEBHOOK: 'https://hooks.slack.com/services/T0AAAA/B0BBBB/slackSecretXyz0123456',
        SLACK_BOT_TOKEN: slackBot,
        SLACK_DEFAULT_CHANNEL: 'general',
        DISCORD_BOT_TOKEN: discordBot,
        DISCORD_DEFAULT_CHANNEL: '1300000000000000001',
      };
      const targets = [
        'https://discord.com/api/webhooks/1/tokenAbc?thread_id=2',
        'https://ptb.discord.com/api/v9/webhooks/1/tokenAbc',
        'https://hooks.slack.com/services/T1/B1/secretXyz',
        'tgram://987654321:BBHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9/-1009999999999?silent=yes',
        'discord://123/tokenAbc?avatar_url=https://images.example/a.png&botname=x',
        'slack://T1/B1/secretXyz/#alerts',
        `slack://${slackBot}/#alerts`,
        'telegram:-1002222222222',
        'discord:1300000000000000002',
        'slack:#alerts',
      ];
      const run = async (env: Record<string, string>): Promise<void> => {
        const n = createNotifier({ env, drainOnExit: false, diagnostics: () => {}, console: () => {} });
        n.log('x');
        n.notify('card', { card: { title: 't', tone: 'info', fields: [], url: 'https://exchange.example/o/1' } });
        for (const to of targets) n.log('x', to);
        await n.flush(5000);
        await n.close(500);
      };
      await run(base);
      const defaults = new Set(urls.map((u) => new URL(u).origin));
      expect([...defaults].sort()).toEqual([
        'https://api.telegram.org',
        'https://discord.com',
        'https://discordapp.com',
        'https://hooks.slack.com',
        'https://ptb.discord.com',
        'https://slack.com',
      ]);
      urls.length = 0;
      // With base URLs set, the API calls (and Apprise webhook forms) go there instead; webhook URLs keep their own host.
      await run({
        ...base,
        TELEGRAM_API_BASE_URL: 'https://tg-proxy.example.net',
        SLACK_API_BASE_URL: 'https://slack-proxy.example.net/api',
        DISCORD_API_BASE_URL: 'https://discord-proxy.example.net/api',
      });
      const origins = new Set(urls.map((u) => new URL(u).origin));
      expect([...origins].sort()).toEqual([
        'https://discord-proxy.example.net',
        'https://discord.com',
        'https://discordapp.com',
        'https://hooks.slack.com',
        'https://ptb.discord.com',
        'https://slack-proxy.example.net',
        'https://tg-proxy.example.net',
      ]);
      // Nothing Herald sends is fetched by Herald: not the card's link, not the avatar.
      expect(urls.filter((u) => /exchange\.example|images\.example/.test(u))).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });
});
