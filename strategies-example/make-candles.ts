/**
 * Generates `candles.csv`: synthetic, deterministic 1h BTC-USDT candles for the demo.
 *
 *   npx tsx strategies-example/make-candles.ts          # rewrite candles.csv
 *   npx tsx strategies-example/make-candles.ts --check  # verify the committed file is current
 *
 * The data is a random walk with alternating trend regimes (so EMA(9)/EMA(21) cross
 * several times), highs and lows that stick to round $50 levels the way real prints
 * cluster at round numbers (so a take-profit at such a level is sometimes only touched,
 * which the host turns into a partial fill), and one volatility spike. After generating,
 * it replays the data through the demo strategy and fails unless the replay shows every
 * event kind the demo is meant to show.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCandles, type Candle } from './candles.js';
import { EmaCross } from './ema-cross.js';
import { PaperHost } from './host.js';

/** Generator parameters; the defaults produce the committed file. */
export interface GenerateOptions {
  seed?: number;
  count?: number;
  start?: string;
  startPrice?: number;
}

/** Small, fast, seedable PRNG (mulberry32): the same seed gives the same file everywhere. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cents = (n: number): number => Math.round(n * 100) / 100;

/** Returns the candles; pure function of the options. */
export function generateCandles(options: GenerateOptions = {}): Candle[] {
  const { seed = 20240301, count = 300, start = '2024-03-01T00:00:00Z', startPrice = 62000 } = options;
  const rand = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

  const hour = 3_600_000;
  const t0 = Date.parse(start);
  const spikeAt = Math.floor(count * 0.7);
  const sigma = 0.0045; // ~0.45% per hour, typical for BTC
  const level = 50; // round-number grid
  const candles: Candle[] = [];

  let close = startPrice;
  let regimeLeft = 0;
  let drift = 0;
  let up = rand() < 0.5;

  for (let i = 0; i < count; i++) {
    if (regimeLeft === 0) {
      regimeLeft = 14 + Math.floor(rand() * 24);
      up = !up;
      drift = (up ? 1 : -1) * (0.0012 + rand() * 0.0022);
    }
    regimeLeft--;

    const open = cents(close);
    const c = cents(open * Math.exp(drift + sigma * normal()));
    const wick = i === spikeAt ? 6 : 0.55;
    let high = cents(Math.max(open, c) * (1 + Math.abs(normal()) * sigma * wick));
    let low = cents(Math.min(open, c) * (1 - Math.abs(normal()) * sigma * wick));

    // Prints cluster at round numbers: a high a little above a $50 level is pulled back to
    // it, a low a little below one is pulled up to it, when the bar's body allows it.
    const snap = open * 0.0006;
    const hiLevel = Math.floor(high / level) * level;
    if (high - hiLevel < snap && hiLevel >= Math.max(open, c)) high = hiLevel;
    const loLevel = Math.ceil(low / level) * level;
    if (loLevel - low < snap && loLevel <= Math.min(open, c)) low = loLevel;

    const volume = Math.round(850 * Math.exp(0.35 * normal()) * (i === spikeAt ? 4 : 1) * 1000) / 1000;
    candles.push({ time: t0 + i * hour, open, high, low, close: c, volume });
    close = c;
  }
  return candles;
}

/** Renders candles as the CSV the loader reads. */
export function toCsv(candles: readonly Candle[]): string {
  const rows = candles.map((c) =>
    [new Date(c.time).toISOString(), c.open.toFixed(2), c.high.toFixed(2), c.low.toFixed(2), c.close.toFixed(2), c.volume.toFixed(3)].join(','),
  );
  return ['time,open,high,low,close,volume', ...rows].join('\n') + '\n';
}

/** What a replay of the data through the demo strategy shows. */
export interface ReplayFacts {
  roundTrips: number;
  partialFills: number;
  takeProfitFills: number;
  cancels: number;
  errors: number;
  alerts: number;
  crosses: number;
}

/** Replays candles through {@link EmaCross} without Herald and counts what happened. */
export async function replayFacts(candles: readonly Candle[]): Promise<ReplayFacts> {
  const host = new PaperHost();
  const strategy = new EmaCross();
  const facts: ReplayFacts = { roundTrips: 0, partialFills: 0, takeProfitFills: 0, cancels: 0, errors: 0, alerts: 0, crosses: 0 };
  // Stand-in for the log() Herald installs.
  strategy.log = (_message, target) => {
    if (target === undefined) facts.crosses++;
    else facts.alerts++;
  };
  host.events.on('position.closed', () => facts.roundTrips++);
  host.events.on('order.filled', (o: { qty: number; filledQty: number; type: string }) => {
    if (o.filledQty < o.qty) facts.partialFills++;
    if (o.type === 'limit') facts.takeProfitFills++;
  });
  host.events.on('order.cancelled', () => facts.cancels++);
  host.events.on('error', () => facts.errors++);
  host.addStrategy(strategy);
  await host.run(candles, { exchange: 'binance', symbol: 'BTC-USDT', mode: 'paper' });
  return facts;
}

/** The demo needs each of these to happen at least this often. */
const NEEDED: Partial<Record<keyof ReplayFacts, number>> = {
  roundTrips: 4,
  partialFills: 1,
  takeProfitFills: 2,
  cancels: 1,
  errors: 1,
  alerts: 1,
  crosses: 8,
};

async function main(): Promise<void> {
  const file = fileURLToPath(new URL('./candles.csv', import.meta.url));
  const csv = toCsv(generateCandles());
  const facts = await replayFacts(parseCandles(csv, file));
  const missing = Object.entries(NEEDED).filter(([k, min]) => facts[k as keyof ReplayFacts] < min!);
  console.log(`replay facts: ${JSON.stringify(facts)}`);
  if (missing.length > 0) {
    console.error(`generated data does not exercise the demo: ${missing.map(([k, min]) => `${k} < ${min}`).join(', ')}`);
    process.exitCode = 1;
    return;
  }
  if (process.argv.includes('--check')) {
    const current = readFileSync(file, 'utf8');
    if (current !== csv) {
      console.error(`${file} is not what make-candles.ts generates; rerun it`);
      process.exitCode = 1;
    }
    return;
  }
  writeFileSync(file, csv);
  console.log(`wrote ${file}`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
