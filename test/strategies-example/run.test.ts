import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCandles, parseCandles, type Candle } from '../../strategies-example/candles.js';
import { DEMO_FAILURE_MESSAGE, EmaCross } from '../../strategies-example/ema-cross.js';
import { PaperHost, type PaperHostOptions, type Strategy, type StrategyContext } from '../../strategies-example/host.js';
import { generateCandles, replayFacts, toCsv } from '../../strategies-example/make-candles.js';
import { useChildProcesses } from '../fixtures/children.js';

const RUN = { exchange: 'testex', symbol: 'BTC-USDT', mode: 'paper' } as const;
const HOUR = 3_600_000;

/** Builds hourly candles from [open, high, low, close] tuples. */
function bars(...rows: [number, number, number, number][]): Candle[] {
  return rows.map(([open, high, low, close], i) => ({ time: Date.UTC(2024, 0, 1) + i * HOUR, open, high, low, close, volume: 1 }));
}

/** A strategy that runs a scripted action on given candle indexes. */
class Script implements Strategy {
  readonly seen: number[] = [];
  constructor(
    readonly name: string,
    private readonly steps: Record<number, (ctx: StrategyContext) => void>,
  ) {}
  onCandle(_candle: Candle, ctx: StrategyContext): void {
    this.seen.push(ctx.candleIndex);
    this.steps[ctx.candleIndex]?.(ctx);
  }
}

type Recorded = { name: string; payload: any };

/** Runs strategies over candles and records every event in order. */
async function replay(candles: Candle[], strategies: Strategy[], options: PaperHostOptions = {}): Promise<Recorded[]> {
  const host = new PaperHost({ summary: false, disconnectAt: false, ...options });
  const events: Recorded[] = [];
  const names = [
    'strategy.created',
    'session.started',
    'session.terminated',
    'order.submitted',
    'order.filled',
    'order.cancelled',
    'position.opened',
    'position.increased',
    'position.reduced',
    'position.closed',
    'exchange.reconnected',
    'error',
    'custom',
  ];
  for (const name of names) host.events.on(name, (payload: unknown) => events.push({ name, payload }));
  for (const s of strategies) host.addStrategy(s);
  await host.run(candles, RUN);
  return events;
}

const only = (events: Recorded[], name: string) => events.filter((e) => e.name === name).map((e) => e.payload);

describe('PaperHost', () => {
  it('emits report.snapshot after every candle: the open position marked at the close, cash and the equity curve', async () => {
    const host = new PaperHost({ summary: false, disconnectAt: false, startingCash: 1000 });
    const snapshots: any[] = [];
    host.events.on('report.snapshot', (s: unknown) => snapshots.push(structuredClone(s)));
    host.addStrategy(new Script('s', { 0: (ctx) => void ctx.buy(1) }));
    await host.run(bars([100, 101, 99, 100], [100, 111, 99, 110], [110, 121, 109, 120]), RUN);
    expect(snapshots).toHaveLength(3);
    const last = snapshots[2];
    // Bought 1 at the second candle's open (100), marked at 120.
    expect(last.positions).toEqual([
      { symbol: 'BTC-USDT', side: 'long', qty: 1, entryPrice: 100, markPrice: 120, pnl: 20, pnlPct: 20, exchange: 'testex', strategy: 's' },
    ]);
    expect(last.balances).toEqual([{ asset: 'USDT', total: 1000 }]);
    expect(last.equity.map((p: { value: number }) => p.value)).toEqual([1000, 1010, 1020]);
    expect(last.realisedPnl).toBe(0);
  });

  it('emits strategy.created with the instance before the first candle, then session events around the replay', async () => {
    const host = new PaperHost();
    const order: string[] = [];
    const s = new Script('s', {});
    const origOnCandle = s.onCandle.bind(s);
    s.onCandle = (c, ctx) => {
      if (ctx.candleIndex === 0) order.push('first candle');
      origOnCandle(c, ctx);
    };
    host.events.on('strategy.created', (instance: unknown) => order.push(instance === s ? 'created(s)' : 'created(?)'));
    for (const name of ['session.started', 'exchange.reconnected', 'custom', 'session.terminated']) {
      host.events.on(name, () => order.push(name));
    }
    let started: any;
    let terminated: any;
    host.events.on('session.started', (p: unknown) => (started = p));
    host.events.on('session.terminated', (p: unknown) => (terminated = p));

    host.addStrategy(s);
    expect(order).toEqual(['created(s)']);
    await host.run(bars([1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]), RUN);

    expect(order).toEqual(['created(s)', 'session.started', 'first candle', 'exchange.reconnected', 'custom', 'session.terminated']);
    expect(started).toEqual({ mode: 'paper', exchange: 'testex', symbols: ['BTC-USDT'], strategy: 's' });
    expect(terminated).toMatchObject({ mode: 'paper', exchange: 'testex', strategy: 's', reason: 'replay finished' });
  });

  it('fills a market buy at the next candle open and opens a long there', async () => {
    const events = await replay(bars([100, 101, 99, 100.5], [102, 104, 101, 103], [103, 103, 103, 103]), [
      new Script('m', { 0: (ctx) => ctx.buy(2, { type: 'market' }) }),
    ]);
    const [submitted] = only(events, 'order.submitted');
    expect(submitted).toMatchObject({
      id: expect.any(String),
      exchange: 'testex',
      symbol: 'BTC-USDT',
      side: 'buy',
      type: 'market',
      qty: 2,
      strategy: 'm',
      mode: 'paper',
    });
    expect(only(events, 'order.filled')).toEqual([
      expect.objectContaining({ id: submitted.id, qty: 2, filledQty: 2, avgPrice: 102, time: Date.UTC(2024, 0, 1) + HOUR }),
    ]);
    expect(only(events, 'position.opened')).toEqual([expect.objectContaining({ side: 'long', qty: 2, entryPrice: 102, strategy: 'm', mode: 'paper' })]);
  });

  it('fills a limit buy only when a later candle crosses its price, at the limit (or the open after a gap)', async () => {
    const events = await replay(
      bars(
        [100, 101, 94, 100], // crosses 95, but the order is placed during this candle
        [100, 101, 96, 97], // low 96: not reached
        [97, 98, 93, 94], // low 93 < 95: fills at 95
        [94, 95, 90, 91],
        [91, 91, 91, 91],
      ),
      [new Script('l', { 0: (ctx) => ctx.buy(1, { type: 'limit', price: 95 }), 3: (ctx) => ctx.buy(1, { type: 'limit', price: 93 }) })],
    );
    const fills = only(events, 'order.filled');
    expect(fills[0]).toMatchObject({ type: 'limit', price: 95, filledQty: 1, avgPrice: 95, time: Date.UTC(2024, 0, 1) + 2 * HOUR });
    // Placed at 93 while the market is at 91: a later candle opening at 91 fills at 91.
    expect(fills[1]).toMatchObject({ type: 'limit', price: 93, filledQty: 1, avgPrice: 91 });
  });

  it('fills half a limit order when a candle only touches its price, the rest when a later one crosses it', async () => {
    const events = await replay(bars([100, 101, 99, 100], [100, 110, 99, 108], [108, 110, 105, 109], [109, 112, 108, 111]), [
      new Script('p', { 0: (ctx) => ctx.buy(1, { type: 'market' }), 1: (ctx) => ctx.sell(1, { type: 'limit', price: 110 }) }),
    ]);
    // Candle 1 touches 110 but the order is placed during it; candle 2 touches (half); candle 3 crosses (rest).
    const sells = only(events, 'order.filled').filter((f) => f.side === 'sell');
    expect(sells).toHaveLength(2);
    expect(sells[0]).toMatchObject({ qty: 1, filledQty: 0.5, avgPrice: 110, lastFillQty: 0.5 });
    expect(sells[0].filledQty).toBeLessThan(sells[0].qty);
    expect(sells[1]).toMatchObject({ qty: 1, filledQty: 1, avgPrice: 110, lastFillQty: 0.5 });
    expect(only(events, 'position.reduced')).toEqual([expect.objectContaining({ qty: 0.5, closedQty: 0.5, exitPrice: 110, pnl: 5, pnlPct: 10 })]);
    expect(only(events, 'position.closed')).toEqual([expect.objectContaining({ qty: 1, entryPrice: 100, exitPrice: 110, pnl: 10, pnlPct: 10 })]);
  });

  it('cancels an order still open after orderTtlCandles candles', async () => {
    const flat: [number, number, number, number] = [100, 101, 99, 100];
    const events = await replay(bars(flat, flat, flat, flat, flat, flat), [new Script('t', { 0: (ctx) => ctx.buy(1, { type: 'limit', price: 50 }) })], {
      orderTtlCandles: 3,
    });
    const cancelled = only(events, 'order.cancelled');
    expect(cancelled).toEqual([
      expect.objectContaining({ type: 'limit', price: 50, filledQty: 0, reason: 'expired after 3 candles', time: Date.UTC(2024, 0, 1) + 3 * HOUR }),
    ]);
    expect(only(events, 'order.filled')).toEqual([]);
  });

  it('cancels on request and cancels what is left open when the replay ends', async () => {
    const flat: [number, number, number, number] = [100, 101, 99, 100];
    let first = '';
    const events = await replay(bars(flat, flat, flat), [
      new Script('c', {
        0: (ctx) => {
          first = ctx.buy(1, { type: 'limit', price: 50 });
          ctx.sell(1, { type: 'limit', price: 500 });
        },
        1: (ctx) => {
          expect(ctx.openOrders.map((o) => o.id)).toContain(first);
          expect(ctx.cancel(first)).toBe(true);
          expect(ctx.cancel(first)).toBe(false);
        },
      }),
    ]);
    expect(only(events, 'order.cancelled').map((c) => c.reason)).toEqual(['cancelled by strategy', 'session ended']);
  });

  it('reports a throwing strategy once as a non-fatal error and keeps replaying', async () => {
    const flat: [number, number, number, number] = [100, 101, 99, 100];
    const failing = new Script('boom', {
      1: () => {
        throw new Error('indicator exploded');
      },
    });
    const healthy = new Script('calm', {});
    const events = await replay(bars(flat, flat, flat, flat), [failing, healthy]);
    const errors = only(events, 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ strategy: 'boom', symbol: 'BTC-USDT', fatal: false });
    expect(errors[0].error).toBeInstanceOf(Error);
    expect(errors[0].error.message).toBe('indicator exploded');
    expect(failing.seen).toEqual([0, 1, 2, 3]);
    expect(healthy.seen).toEqual([0, 1, 2, 3]);
    expect(events.at(-1)?.name).toBe('session.terminated');
  });

  it('computes pnl (quote currency) and pnlPct (percent) for longs, shorts, scaling in and flips', async () => {
    const at = (p: number): [number, number, number, number] => [p, p, p, p];
    const events = await replay(bars(at(100), at(100), at(110), at(120), at(200), at(100), at(90), at(80)), [
      new Script('pnl', {
        0: (ctx) => ctx.buy(1, { type: 'market' }), // opens long 1 @ 100
        1: (ctx) => ctx.buy(1, { type: 'market' }), // adds 1 @ 110 → 2 @ 105
        2: (ctx) => ctx.sell(1, { type: 'market' }), // reduces 1 @ 120: +15, +14.2857%
        3: (ctx) => ctx.sell(3, { type: 'market' }), // closes 1 @ 200 (+95), flips short 2 @ 200
        5: (ctx) => ctx.buy(2, { type: 'market' }), // covers 2 @ 90: +220, +55%
      }),
    ]);
    expect(only(events, 'position.increased')).toEqual([expect.objectContaining({ side: 'long', qty: 2, entryPrice: 105 })]);
    const [reduced] = only(events, 'position.reduced');
    expect(reduced).toMatchObject({ side: 'long', qty: 1, closedQty: 1, entryPrice: 105, exitPrice: 120, pnl: 15 });
    expect(reduced.pnlPct).toBeCloseTo((15 / 105) * 100, 6);
    const [longClosed, shortClosed] = only(events, 'position.closed');
    // Whole life of the long: exited 1 @ 120 and 1 @ 200 from an entry of 105.
    expect(longClosed).toMatchObject({ side: 'long', qty: 2, entryPrice: 105, exitPrice: 160, pnl: 110 });
    expect(longClosed.pnlPct).toBeCloseTo((110 / 210) * 100, 6);
    expect(only(events, 'position.opened')).toEqual([
      expect.objectContaining({ side: 'long', qty: 1, entryPrice: 100 }),
      expect.objectContaining({ side: 'short', qty: 2, entryPrice: 200 }),
    ]);
    expect(shortClosed).toMatchObject({ side: 'short', qty: 2, entryPrice: 200, exitPrice: 90, pnl: 220, pnlPct: 55 });
  });

  it('rejects malformed orders by throwing into the strategy (reported as its error)', async () => {
    const events = await replay(bars([1, 1, 1, 1], [1, 1, 1, 1]), [new Script('bad', { 0: (ctx) => ctx.buy(1, { type: 'limit' }), 1: (ctx) => ctx.sell(-1) })]);
    expect(only(events, 'error').map((e) => e.error.message)).toEqual([
      'a limit order needs a positive price, got undefined',
      'order quantity must be a positive number, got -1',
    ]);
    expect(only(events, 'order.submitted')).toEqual([]);
  });
});

describe('candle CSV', () => {
  it('parses headers in any order, aliases, BOM, CRLF, comments, quotes and epoch/ISO times', () => {
    const text =
      '\uFEFF# exported 2024-01-01\r\n' +
      'Volume,Timestamp,O,H,L,C\r\n' +
      '\r\n' +
      '12.5,1704067200,100,110,90,105\r\n' +
      '"7",1704070800000,"105",106,104,104.5\r\n' +
      '1,2024-01-01 02:00:00,104.5,104.5,104.5,104.5\r\n';
    expect(parseCandles(text)).toEqual([
      { time: Date.UTC(2024, 0, 1, 0), open: 100, high: 110, low: 90, close: 105, volume: 12.5 },
      { time: Date.UTC(2024, 0, 1, 1), open: 105, high: 106, low: 104, close: 104.5, volume: 7 },
      { time: Date.UTC(2024, 0, 1, 2), open: 104.5, high: 104.5, low: 104.5, close: 104.5, volume: 1 },
    ]);
  });

  it('accepts headerless rows and a missing volume column', () => {
    expect(parseCandles('2024-01-01T00:00:00Z,1,2,0.5,1.5')).toEqual([{ time: Date.UTC(2024, 0, 1), open: 1, high: 2, low: 0.5, close: 1.5, volume: 0 }]);
  });

  it('names the line of bad data', () => {
    const head = 'time,open,high,low,close,volume\n';
    expect(() => parseCandles(head + '2024-01-01T00:00:00Z,1,2,x,1.5,1', 'f.csv')).toThrow('f.csv:2: low is not a number: "x"');
    expect(() => parseCandles(head + '2024-01-01T00:00:00Z,1,0.9,0.5,1.5,1', 'f.csv')).toThrow(/f\.csv:2: inconsistent bar/);
    expect(() => parseCandles(head + '2024-01-01T01:00:00Z,1,2,0.5,1.5,1\n2024-01-01T00:00:00Z,1,2,0.5,1.5,1', 'f.csv')).toThrow(
      /f\.csv:3: time .* is not after/,
    );
    expect(() => parseCandles(head + 'nope,1,2,0.5,1.5,1', 'f.csv')).toThrow('f.csv:2: unreadable time "nope"');
    expect(() => parseCandles('time,open,high,close\n', 'f.csv')).toThrow(/lacks a "low" column/);
  });
});

describe('bundled demo data', () => {
  const csvUrl = new URL('../../strategies-example/candles.csv', import.meta.url);

  it('is exactly what make-candles.ts generates', () => {
    expect(readFileSync(csvUrl, 'utf8')).toBe(toCsv(generateCandles()));
  });

  it('makes the EMA cross strategy trade several times, fill partially, alert once and fail once', async () => {
    const candles = loadCandles(csvUrl);
    expect(candles).toHaveLength(300);
    // The data is generated deterministically (the test above), so the replay is too. The
    // demo needs at least 4 round trips, a partial fill, 2 take-profits, a cancel and 8 crosses.
    expect(await replayFacts(candles)).toEqual({ roundTrips: 6, partialFills: 2, takeProfitFills: 6, cancels: 2, errors: 1, alerts: 1, crosses: 11 });
  });

  it('logs crosses to the general target, one alert to EXAMPLE_ALERTS_WEBHOOK, and throws the demo failure once', async () => {
    const host = new PaperHost();
    const strategy = new EmaCross();
    const logs: { message: unknown; target: string | undefined }[] = [];
    strategy.log = (message, target) => logs.push({ message, target });
    const errors: any[] = [];
    host.events.on('error', (e: unknown) => errors.push(e));
    host.addStrategy(strategy);
    await host.run(loadCandles(csvUrl), { exchange: 'binance', symbol: 'BTC-USDT', mode: 'paper' });

    expect(logs.filter((l) => l.target === 'EXAMPLE_ALERTS_WEBHOOK')).toHaveLength(1);
    const general = logs.filter((l) => l.target === undefined).map((l) => String(l.message));
    expect(general.some((m) => m.includes('crossed above'))).toBe(true);
    expect(general.some((m) => m.includes('crossed below'))).toBe(true);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ strategy: 'ema-cross', symbol: 'BTC-USDT', fatal: false });
    expect(errors[0].error.message).toBe(DEMO_FAILURE_MESSAGE);
  });
});

describe('npm start (strategies-example/run.ts) with Herald installed', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  // A fresh cwd so no .env (or queue/spool file) from the developer's checkout is read or written:
  // with no destination configured Herald prints to the console and nothing leaves the machine.
  const cwd = mkdtempSync(join(tmpdir(), 'herald-example-'));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));
  const run = useChildProcesses();

  it('replays the demo, exits 0 and shows fills, a closed position with PnL, the strategy error and the unset alerts target', async () => {
    // Absolute loader URL: `--import tsx` would be resolved from the temporary cwd.
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const { code, stdout, stderr } = await run(process.execPath, ['--import', tsx, join(root, 'strategies-example', 'run.ts')], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, NO_COLOR: '1' },
    });
    const report = `exit ${code}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`;

    expect(code, report).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0], report).toMatch(/^\[example\] Herald example: replaying 300 BTC-USDT candles through ema-cross \(paper\)$/);
    expect(
      lines.filter((l) => l.startsWith('[example] Done:')),
      report,
    ).toHaveLength(1);
    // Only Herald's own output counts from here: the example's summary lines also say "fills".
    const heraldLines = lines.filter((l) => !l.startsWith('[example]'));
    const herald = heraldLines.join('\n');
    // Shaped like the order.filled and position.closed templates; as many as the replay makes
    // (14 fills of which 2 partial, 6 round trips: 4 won, 2 lost).
    const TAIL = ' · binance · ema-cross · paper$';
    const PRICE = '\\d{1,3}(?:,\\d{3})*\\.\\d{2}';
    const filled = heraldLines.filter((l) => l.startsWith('[herald] ✅ FILLED '));
    expect(filled, report).toHaveLength(12);
    for (const l of filled) expect(l).toMatch(new RegExp(`^\\[herald\\] ✅ FILLED (?:BUY|SELL) 0\\.1 BTC-USDT @ ${PRICE}${TAIL}`, 'u'));
    const partial = heraldLines.filter((l) => l.startsWith('[herald] 🟡 PARTIAL FILL '));
    expect(partial, report).toHaveLength(2);
    for (const l of partial)
      expect(l).toMatch(new RegExp(`^\\[herald\\] 🟡 PARTIAL FILL SELL 0\\.05 of 0\\.1 BTC-USDT @ ${PRICE} \\(0\\.05 remaining\\)${TAIL}`, 'u'));
    const closed = heraldLines.filter((l) => / CLOSED /.test(l));
    expect(closed, report).toHaveLength(6);
    for (const l of closed)
      expect(l).toMatch(
        new RegExp(`^\\[herald\\] (?:💰|🔻) CLOSED LONG 0\\.1 BTC-USDT @ ${PRICE} · PnL [+-]${PRICE} \\([+-]\\d+\\.\\d{2}%\\) · entry ${PRICE}${TAIL}`, 'u'),
      );
    for (const l of closed) expect(l.startsWith('[herald] 💰 '), `icon matches the sign of the PnL: ${l}`).toBe(l.includes(' · PnL +'));
    expect(closed.map((l) => l.slice('[herald] '.length, '[herald] '.length + 2))).toEqual(['💰', '🔻', '💰', '💰', '🔻', '💰']);
    expect(herald, report).toContain(DEMO_FAILURE_MESSAGE);
    expect(stderr, report).toContain('EXAMPLE_ALERTS_WEBHOOK');
  }, 60_000);
});
