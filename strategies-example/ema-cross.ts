import type { HeraldStrategy } from '../src/index.js';
import type { Candle } from './candles.js';
import type { Strategy, StrategyContext } from './host.js';

/** Options for {@link EmaCross}. Defaults are what the `npm start` demo uses. */
export interface EmaCrossOptions {
  /** Fast EMA period. Default 9. */
  fast?: number;
  /** Slow EMA period. Default 21. */
  slow?: number;
  /** Base-asset quantity per entry. Default 0.1. */
  qty?: number;
  /** Minimum take-profit distance above the entry, percent. Default 1.5. */
  takeProfitPct?: number;
  /** The take-profit is rounded up to a multiple of this (round-number resistance). Default 50. */
  roundTo?: number;
  /** A candle whose range exceeds this multiple of the recent average range is a spike. Default 3.5. */
  spikeFactor?: number;
  /** Environment variable naming where volatility alerts go. Default `EXAMPLE_ALERTS_WEBHOOK`. */
  alertsTarget?: string;
  /**
   * 1-based candle number at which the strategy throws once, to demonstrate the host's
   * error path and Herald's error notification. Default 150; `false` never throws.
   */
  failAtCandle?: number | false;
}

/** The message of the one deliberate failure, exported so tests can look for it. */
export const DEMO_FAILURE_MESSAGE = 'NaN in EMA(21) input (simulated bad tick); candle skipped';

/**
 * EMA(9)/EMA(21) crossover, long only.
 *
 * - Golden cross (fast EMA crosses above slow) while flat: market buy.
 * - While long: a limit sell take-profit rests at the first round-number level at least
 *   `takeProfitPct` above the entry (re-placed if the host expires it).
 * - Death cross while long: cancel the take-profit, market sell what is left.
 *
 * It talks through `this.log`, which Herald installs on `strategy.created`: every cross is
 * logged to the general destinations, and one volatility spike alert goes to the target
 * named by `EXAMPLE_ALERTS_WEBHOOK`.
 */
export class EmaCross implements Strategy, HeraldStrategy {
  readonly name = 'ema-cross';

  /**
   * Installed by Herald (`heraldPlugin().install(host)`) when the host emits
   * `strategy.created`. `declare` keeps the class from defining the field itself, which
   * would otherwise shadow or reset what the plugin assigns.
   */
  declare log: (message: unknown, target?: string) => void;

  private readonly fast: number;
  private readonly slow: number;
  private readonly qty: number;
  private readonly takeProfitPct: number;
  private readonly roundTo: number;
  private readonly spikeFactor: number;
  private readonly alertsTarget: string;
  private readonly failAtCandle: number | false;

  private seen = 0;
  private emaFast: number | undefined;
  private emaSlow: number | undefined;
  private prevDiff: number | undefined;
  private takeProfitId: string | undefined;
  private readonly ranges: number[] = [];
  private spikeAlerted = false;

  constructor(options: EmaCrossOptions = {}) {
    this.fast = options.fast ?? 9;
    this.slow = options.slow ?? 21;
    this.qty = options.qty ?? 0.1;
    this.takeProfitPct = options.takeProfitPct ?? 1.5;
    this.roundTo = options.roundTo ?? 50;
    this.spikeFactor = options.spikeFactor ?? 3.5;
    this.alertsTarget = options.alertsTarget ?? 'EXAMPLE_ALERTS_WEBHOOK';
    this.failAtCandle = options.failAtCandle ?? 150;
  }

  /** Handles one candle; see the class description for the rules. */
  onCandle(candle: Candle, ctx: StrategyContext): void {
    this.seen++;
    // Thrown before any state changes, so the strategy simply skips this candle.
    if (this.seen === this.failAtCandle) throw new Error(DEMO_FAILURE_MESSAGE);

    this.emaFast = ema(this.emaFast, candle.close, this.fast);
    this.emaSlow = ema(this.emaSlow, candle.close, this.slow);
    this.watchVolatility(candle, ctx);
    if (this.seen < this.slow) return; // EMAs still warming up: crosses would be noise

    const diff = this.emaFast - this.emaSlow;
    const prev = this.prevDiff;
    this.prevDiff = diff;
    const position = ctx.position;
    const base = ctx.symbol.split(/[-/]/)[0] ?? ctx.symbol;

    if (prev !== undefined && prev <= 0 && diff > 0) {
      const flatAndIdle = position === null && ctx.openOrders.length === 0;
      this.log(
        `EMA(${this.fast}) crossed above EMA(${this.slow}) at ${price(candle.close)} on ${ctx.symbol}` +
          (flatAndIdle ? ` - buying ${this.qty} ${base}` : ' - already in, holding'),
      );
      if (flatAndIdle) ctx.buy(this.qty, { type: 'market' });
      return;
    }

    if (prev !== undefined && prev >= 0 && diff < 0) {
      const long = position !== null && position.side === 'long';
      this.log(
        `EMA(${this.fast}) crossed below EMA(${this.slow}) at ${price(candle.close)} on ${ctx.symbol}` +
          (long ? ` - closing ${position.qty} ${base} long` : ' - flat, nothing to close'),
      );
      if (long) {
        if (this.takeProfitId !== undefined) ctx.cancel(this.takeProfitId);
        this.takeProfitId = undefined;
        ctx.sell(position.qty, { type: 'market' });
      }
      return;
    }

    // Long without a resting take-profit (just filled, or the host expired it): place one.
    if (position !== null && position.side === 'long' && !ctx.openOrders.some((o) => o.id === this.takeProfitId)) {
      const level = Math.ceil((position.entryPrice * (1 + this.takeProfitPct / 100)) / this.roundTo) * this.roundTo;
      this.takeProfitId = ctx.sell(position.qty, { type: 'limit', price: level });
    }
  }

  /** One alert per run, to a named target, when a candle's range dwarfs the recent ones. */
  private watchVolatility(candle: Candle, ctx: StrategyContext): void {
    const range = candle.high - candle.low;
    const window = 24;
    if (!this.spikeAlerted && this.ranges.length === window) {
      const avg = this.ranges.reduce((a, b) => a + b, 0) / window;
      if (avg > 0 && range > this.spikeFactor * avg) {
        this.spikeAlerted = true;
        this.log(
          `Volatility spike on ${ctx.symbol}: 1h range ${price(range)} is ${(range / avg).toFixed(1)}x ` +
            `the ${window}h average (${price(avg)}); low ${price(candle.low)}, high ${price(candle.high)}`,
          this.alertsTarget,
        );
      }
    }
    this.ranges.push(range);
    if (this.ranges.length > window) this.ranges.shift();
  }
}

/** One EMA step; the first value seeds the average. */
function ema(prev: number | undefined, value: number, period: number): number {
  if (prev === undefined) return value;
  const k = 2 / (period + 1);
  return value * k + prev * (1 - k);
}

function price(n: number): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}
