/**
 * The real HTTP path (global fetch + undici Agent) against a node:http server on 127.0.0.1.
 * No msw here on purpose: it would intercept fetch and hide the sockets.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient, describeNetworkError, type HttpClient } from '../../src/channels/http.js';

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
    const err = (await client({ requestTimeoutMs: 200 }).request(srv.url, { body: 'x' }).catch((e: unknown) => e)) as Error;
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
});

describe('describeNetworkError', () => {
  it('names known error codes in plain words', () => {
    expect(describeNetworkError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } }))).toBe('connection reset (ECONNRESET)');
    expect(describeNetworkError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } }))).toBe('DNS lookup failed (ENOTFOUND)');
    expect(describeNetworkError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'EWHATEVER', message: 'odd thing' } }))).toBe('odd thing');
  });
});
