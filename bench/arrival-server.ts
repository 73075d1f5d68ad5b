/**
 * A loopback server for the latency part: it answers like Telegram's sendMessage and records,
 * per notification id (`#N` in the text), the moment the request's headers arrived. The clock
 * is process.hrtime (CLOCK_MONOTONIC), the same in every process on the machine, so the child
 * that sends can compare it with its own start times.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The running server: its base URL, arrivals by id (ns), and how to stop it. */
export interface ArrivalServer {
  readonly url: string;
  readonly arrivals: ReadonlyMap<number, bigint>;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 on a free port. */
export async function startArrivalServer(): Promise<ArrivalServer> {
  const arrivals = new Map<number, bigint>();
  const server: Server = createServer((req, res) => {
    const at = process.hrtime.bigint();
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const id = /#(\d+)/.exec(body)?.[1];
      if (id !== undefined && !arrivals.has(Number(id))) arrivals.set(Number(id), at);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true,"result":{"message_id":1}}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
