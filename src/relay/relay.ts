/**
 * The relay: a small HTTP server that turns what other bots post (freqtrade's webhook, Discord-
 * and Slack-webhook-shaped bodies from Jesse and scripts, TradingView alerts, Apprise) into
 * Herald notifications. It is only a source: messages go to `notifier.notify`, lifecycle events
 * through the plugin installed on an internal event bus, so routing, templates, cards, pacing and
 * the outbox apply unchanged. A success answer is sent only after the notifier has queued the
 * notification (with an outbox: after it is written to the journal).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { EventEmitter } from 'eventemitter3';
import type { LineWriter } from '../channels/console.js';
import { type Env, loadEnv } from '../config/env.js';
import { HeraldConfigError } from '../config/problems.js';
import { redact } from '../config/redact.js';
import { readConfig } from '../core/configuration.js';
import { createNotifier, type Notifier, type NotifierOptions } from '../core/notifier.js';
import { heraldPlugin, type HeraldPluginOptions } from '../plugin/plugin.js';
import type { Payload } from '../plugin/templates.js';
import { parseBody, type Body } from './body.js';
import { relayHealth } from './health.js';
import { type Answer, readBody, refuse, send } from './http-io.js';
import { resolveSettings } from './options.js';
import { type Endpoint, parsePath } from './paths.js';
import { ClientRateLimit } from './rate-limit.js';
import type { Parsed, Relayed, RequestContext } from './relayed.js';
import { readDiscord } from './sources/discord.js';
import { readFreqtrade } from './sources/freqtrade.js';
import { readNotify } from './sources/notify.js';
import { readSlack } from './sources/slack.js';
import { readTradingView } from './sources/tradingview.js';
import { bearerToken, TokenCheck } from './token.js';

/** The port `herald relay` listens on by default. */
export const RELAY_DEFAULT_PORT = 8788;
/** The address the relay binds by default: this machine only. */
export const RELAY_DEFAULT_HOST = '127.0.0.1';

/** What the relay serves, for usage texts and the start-up line. */
export const RELAY_ENDPOINTS = [
  'POST /notify[/TARGET]',
  'POST /freqtrade',
  'POST /discord[/TARGET]',
  'POST /slack[/TARGET]',
  'POST /tradingview[/TARGET]',
  'GET /healthz',
] as const;

/** Options of {@link createRelay}. Notifier options apply to the notifier it creates when none is given. */
export interface RelayOptions extends NotifierOptions {
  /** The token every request must carry (except `/healthz`). Default `HERALD_RELAY_TOKEN`; at least 16 URL-safe characters. */
  token?: string;
  /** Deliver through this notifier (left open at close) instead of creating one from `env` (closed at close). */
  notifier?: Notifier;
  /**
   * Per-event settings, as the plugin takes them (switch, silence, retemplate or retarget the
   * events freqtrade messages become). `order.submitted` is on by default here, unlike in the
   * plugin: freqtrade sends `entry` and `exit` only when its config asks for them.
   */
  events?: HeraldPluginOptions['events'];
  /** Requests per minute per client address (default `HERALD_RELAY_RATE`, else 600); beyond it, 429. */
  rateLimit?: number;
  /** The largest request body in bytes (default 1 MiB); a larger one gets 413. */
  maxBodyBytes?: number;
}

/** Where the relay listens. */
export interface RelayAddress {
  readonly host: string;
  readonly port: number;
  /** `http://127.0.0.1:8788`. */
  readonly url: string;
}

/** A relay made by {@link createRelay}. */
export interface Relay {
  /** The notifier everything goes through. */
  readonly notifier: Notifier;
  /** Starts listening (default 127.0.0.1:8788; port 0 picks a free one). Rejects with a clear message when it cannot. */
  listen(port?: number, host?: string): Promise<RelayAddress>;
  /** Stops listening, lets requests in flight finish, and closes the notifier it created (delivering what is queued). */
  close(): Promise<void>;
}

interface Source {
  read(body: Body, ctx: RequestContext): Parsed<Relayed>;
  /** TradingView labels only valid JSON as JSON, but others may not: text rather than a refusal. */
  readonly lenientJson?: boolean;
  /** The answer senders of this shape expect for success. */
  success(ctx: RequestContext, warning: string | undefined): Answer;
}

const accepted = (_ctx: RequestContext, warning: string | undefined): Answer => ({ status: 202, body: { ok: true, ...(warning ? { warning } : {}) } });

/** Discord's webhook answers: 204, or 200 with the message under `?wait=true` (discord.py and others read it). */
function discordAnswer(ctx: RequestContext): Answer {
  if (ctx.query.get('wait') !== 'true') return { status: 204 };
  const id = ((BigInt(Date.now()) - 1_420_070_400_000n) << 22n).toString();
  return { status: 200, body: { id, type: 0, channel_id: '0', content: '', embeds: [], attachments: [], timestamp: new Date().toISOString() } };
}

const SOURCES: Readonly<Record<Exclude<Endpoint, 'healthz'>, Source>> = {
  notify: { read: readNotify, success: accepted },
  freqtrade: { read: readFreqtrade, success: accepted },
  tradingview: { read: readTradingView, lenientJson: true, success: accepted },
  discord: { read: readDiscord, success: discordAnswer },
  slack: { read: readSlack, success: () => ({ status: 200, body: 'ok' }) },
};

/** Loopback addresses: a relay bound elsewhere is reachable from other machines. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.')) || h.startsWith('::ffff:127.');
}

function listenProblem(err: unknown, host: string, port: number): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE') return `port ${port} on ${host} is already in use (another relay?): stop it, or choose another port (0 picks a free one)`;
  if (code === 'EACCES') return `not allowed to listen on port ${port}: use a port above 1023`;
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
    return `${host} is not an address of this machine: use 127.0.0.1, or 0.0.0.0 to listen on every interface`;
  return `could not listen on ${host}:${port}: ${redact((err as Error)?.message ?? String(err))}`;
}

/** Masks the token (and every secret-shaped string) in what senders posted. `to` is a target and stays usable. */
function scrub(relayed: Relayed, secrets: readonly string[]): Relayed {
  const clean = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return redact(v, secrets);
    if (depth > 4 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => clean(x, depth + 1));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'to' && depth === 0 ? x : clean(x, depth + 1)]));
  };
  if (relayed.kind === 'notify') return { ...relayed, message: redact(relayed.message, secrets) };
  return { ...relayed, payload: clean(relayed.payload, 0) as Payload };
}

/**
 * Creates a relay. Reads and checks its settings and the notifier's configuration now, and
 * throws one {@link HeraldConfigError} listing every problem (a missing token says how to make
 * one). Nothing listens until {@link Relay.listen}.
 */
export function createRelay(options: RelayOptions = {}): Relay {
  const env: Env = options.env ?? loadEnv(options.envFile);
  const { settings, problems } = resolveSettings(options, env);
  if (!options.notifier) problems.push(...readConfig(env).problems);
  if (problems.length || !settings) throw new HeraldConfigError(problems);

  const report: LineWriter = options.diagnostics ?? ((line) => void process.stderr.write(line));
  const owned = !options.notifier;
  const notifier = options.notifier ?? createNotifier({ ...options, env });
  const events = { ...options.events };
  if (events['order.submitted'] === undefined && notifier.settings.events['order.submitted'] === undefined) events['order.submitted'] = true;
  const bus = new EventEmitter();
  const plugin = heraldPlugin({ notifier, events }).install({ events: bus });

  const tokens = new TokenCheck(settings.token);
  const secrets = [settings.token];
  const rate = new ClientRateLimit(settings.ratePerMinute);
  const limit = settings.maxBodyBytes;
  const tooLarge: Answer = { status: 413, body: `the body is larger than the relay accepts (${limit} bytes): send less, or raise the relay's maxBodyBytes\n` };

  const deliver = (r: Relayed): void => {
    if (r.kind === 'notify') notifier.notify(r.message, r.options);
    else bus.emit(r.event, r.payload);
  };

  async function handle(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): Promise<void> {
    const hasBody = !expectsContinue;
    const verdict = rate.take(req.socket.remoteAddress ?? 'unknown');
    if (!verdict.ok) {
      const s = verdict.retryAfterSeconds;
      return refuse(
        req,
        res,
        {
          status: 429,
          headers: { 'Retry-After': String(s) },
          body: `too many requests from this address (at most ${rate.perMinute} a minute): retry in ${s} s\n`,
        },
        hasBody,
      );
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://relay.invalid');
    } catch {
      return refuse(req, res, { status: 400, body: 'the request target cannot be read as a URL path\n' }, hasBody);
    }
    const path = parsePath(url.pathname);
    const method = req.method ?? 'GET';
    const health = (): void => void send(res, { status: 200, body: relayHealth(notifier) });
    if (path.endpoint === 'healthz' && path.token === undefined) {
      if (method === 'GET' || method === 'HEAD') return health();
      return refuse(req, res, { status: 405, headers: { Allow: 'GET' }, body: '/healthz answers GET\n' }, hasBody);
    }
    if (!tokens.matches(path.token ?? bearerToken(req.headers))) {
      const body = 'unauthorized: the relay token is missing or wrong (send it as "Authorization: Bearer <token>" or in the path: /t/<token>/…)\n';
      return refuse(req, res, { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="herald-relay"' }, body }, hasBody);
    }
    if (path.endpoint === undefined)
      return refuse(req, res, { status: 404, body: `no such endpoint; the relay serves ${RELAY_ENDPOINTS.join(', ')}\n` }, hasBody);
    if (path.endpoint === 'healthz') {
      if (method === 'GET' || method === 'HEAD') return health();
      return refuse(req, res, { status: 405, headers: { Allow: 'GET' }, body: '/healthz answers GET\n' }, hasBody);
    }
    if (method !== 'POST') return refuse(req, res, { status: 405, headers: { Allow: 'POST' }, body: `/${path.endpoint} answers POST\n` }, hasBody);
    if (path.problem) return refuse(req, res, { status: 400, body: `${path.problem}\n` }, hasBody);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return refuse(req, res, tooLarge, hasBody);

    if (expectsContinue) res.writeContinue();
    let read;
    try {
      read = await readBody(req, limit);
    } catch {
      return; // The sender went away: nobody is left to answer.
    }
    if (!read.ok) return refuse(req, res, tooLarge);
    const source = SOURCES[path.endpoint];
    const body = parseBody(read.raw, req.headers['content-type'], { lenientJson: source.lenientJson === true });
    if (!body.ok) return send(res, { status: 400, body: `${body.reason}\n` });
    const ctx: RequestContext = { query: url.searchParams, ...(path.target !== undefined ? { target: path.target } : {}) };
    const relayed = source.read(body.value, ctx);
    if (!relayed.ok) return send(res, { status: 400, body: `${redact(relayed.reason, secrets)}\n` });
    const item = scrub(relayed.value, secrets);
    const to = item.kind === 'notify' ? item.options.to : typeof item.payload.to === 'string' ? item.payload.to : undefined;
    // Said in the answer too, so a sender learns at once that its target went to the general destinations.
    const warning = to === undefined ? undefined : notifier.preview({ to }).note;
    deliver(item);
    send(res, source.success(ctx, warning));
  }

  const serve = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void => {
    handle(req, res, expectsContinue).catch((err: unknown) => {
      const message = redact((err as Error)?.message ?? String(err), secrets);
      report(`herald relay: a request failed: ${message}\n`);
      if (!res.headersSent) send(res, { status: 500, body: `the relay failed on this request: ${message}\n` });
      else res.destroy();
    });
  };

  const server: Server = createServer();
  // Slow or stalled senders cannot hold connections open for long.
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => serve(req, res, false));
  // Refusals (401, 413…) go out before the sender uploads a body it announced with Expect: 100-continue.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => serve(req, res, true));

  let closing: Promise<void> | undefined;
  return {
    notifier,
    listen(port = RELAY_DEFAULT_PORT, host = RELAY_DEFAULT_HOST) {
      return new Promise<RelayAddress>((resolve, reject) => {
        const onError = (err: unknown): void => {
          server.off('listening', onListening);
          reject(new Error(listenProblem(err, host, port)));
        };
        const onListening = (): void => {
          server.off('error', onError);
          const address = server.address();
          const bound = typeof address === 'object' && address !== null ? address.port : port;
          const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
          if (!isLoopback(host))
            report(
              `herald relay: ⚠️  LISTENING ON ${host}:${bound}, REACHABLE FROM OTHER MACHINES. Anyone who can reach it and knows the token can send notifications; the token travels in clear over plain http, so put TLS (a reverse proxy) in front when it crosses a network you do not trust.\n`,
            );
          resolve({ host, port: bound, url: `http://${shown}:${bound}` });
        };
        server.once('error', onError);
        server.once('listening', onListening);
        server.listen(port, host);
      });
    },
    close() {
      closing ??= (async () => {
        if (server.listening) {
          await new Promise<void>((resolve) => {
            // Requests in flight finish; connections still open after 2 s are cut.
            const cut = setTimeout(() => server.closeAllConnections(), 2000);
            cut.unref();
            server.close(() => {
              clearTimeout(cut);
              resolve();
            });
            server.closeIdleConnections();
          });
        }
        plugin.uninstall();
        if (owned) await notifier.close();
      })();
      return closing;
    },
  };
}
