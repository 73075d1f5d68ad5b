/**
 * The no-internet guard (test/setup/no-internet.ts, loaded by vitest for every file) blocks
 * real hosts on every path a test could take, while msw-intercepted fetches and real
 * connections to 127.0.0.1 keep working.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect as netConnect } from 'node:net';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/channels/http.js';
import { isLoopbackHost, NO_INTERNET_CODE, takeBlockedConnections } from './no-internet.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

async function loopbackServer(): Promise<string> {
  const server = createServer((_req, res) => res.end('local ok'));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

describe('no-internet guard', () => {
  it('makes a fetch to https://example.com fail with its error when msw is not active', async () => {
    const err = (await fetch('https://example.com/').catch((e: unknown) => e)) as Error & { cause?: Error & { code?: string } };
    expect(err).toBeInstanceOf(TypeError);
    expect(err.cause?.code).toBe(NO_INTERNET_CODE);
    expect(err.cause?.message).toBe('no-internet guard: tests may only connect to loopback, not example.com:443');
    expect(takeBlockedConnections()).toEqual(['example.com:443']);
  });

  it("blocks Herald's own HTTP path (fetch + undici Agent), node:http and node:net too", async () => {
    const client = createHttpClient({ requestTimeoutMs: 5000 });
    try {
      await expect(client.request('https://api.telegram.org/botX/sendMessage', { body: '{}' })).rejects.toThrow(
        'no-internet guard: tests may only connect to loopback, not api.telegram.org:443',
      );
    } finally {
      await client.close();
    }
    expect(() => httpRequest('http://example.org/')).toThrow(/no-internet guard: .* not example\.org:80$/);
    expect(() => netConnect(80, '93.184.215.14')).toThrow(/not 93\.184\.215\.14:80$/);
    expect(takeBlockedConnections()).toEqual(['api.telegram.org:443', 'example.org:80', '93.184.215.14:80']);
  });

  it('lets real connections to 127.0.0.1 through: global fetch, an undici Agent and node:http', async () => {
    const url = await loopbackServer();
    expect(await (await fetch(url)).text()).toBe('local ok');
    const agent = new Agent();
    try {
      const init: Record<string, unknown> = { dispatcher: agent };
      expect(await (await fetch(url, init as RequestInit)).text()).toBe('local ok');
    } finally {
      await agent.close();
    }
    const viaHttp = await new Promise<string>((resolve, reject) => {
      httpRequest(url, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve(body));
      })
        .on('error', reject)
        .end();
    });
    expect(viaHttp).toBe('local ok');
    expect(takeBlockedConnections()).toEqual([]);
  });

  it('does not get in the way of msw: an intercepted request to a real host is answered by the handler', async () => {
    const msw = setupServer(http.post('https://example.com/hook', () => HttpResponse.text('mocked')));
    msw.listen({ onUnhandledRequest: 'error' });
    try {
      expect(await (await fetch('https://example.com/hook', { method: 'POST', body: 'x' })).text()).toBe('mocked');
    } finally {
      msw.close();
    }
    expect(takeBlockedConnections()).toEqual([]);
  });

  it('knows loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1', undefined, ''])
      expect(isLoopbackHost(h), String(h)).toBe(true);
    for (const h of ['example.com', '10.0.0.1', '0.0.0.0', '128.0.0.1', '::', '::ffff:10.0.0.1', 'localhost.example.com', '192.168.1.1'])
      expect(isLoopbackHost(h), h).toBe(false);
  });
});
