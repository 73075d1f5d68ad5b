/**
 * A lasting outage of the exchange's order updates, told once: one error notification when it
 * has lasted `noticeAfterMs`, and one "reconnected" when updates flow again. Blips shorter than
 * that stay quiet (ccxt reconnects by itself; a message per blip would be spam).
 */
import { formatDuration } from '../plugin/format.js';
import type { OrderNotice } from './order-tracker.js';
import type { Payload } from '../plugin/templates.js';

/** Tracks one source's failures. */
export class Outage {
  private since: number | undefined;
  private told = false;

  constructor(
    /** The exchange's context: `exchange`, `strategy`, `mode`. */
    private readonly context: Payload,
    /** `order updates (watchOrders)`, `order polling (fetchOrder)`. */
    private readonly what: string,
    private readonly noticeAfterMs: number,
    private readonly emit: (notice: OrderNotice) => void,
  ) {}

  /** True while failing. */
  get failing(): boolean {
    return this.since !== undefined;
  }

  /** One more failure; tells the outage once it has lasted long enough. */
  failed(reason: string, now = Date.now()): void {
    this.since ??= now;
    if (this.told || now - this.since < this.noticeAfterMs) return;
    this.told = true;
    const error = `${this.what} from ${String(this.context.exchange)} failing for ${formatDuration(now - this.since)}: ${reason}. Retrying; fills may be reported late.`;
    this.emit({ kind: 'error', payload: { ...this.context, error } });
  }

  /** A success: ends the outage, saying so if it was told. */
  ok(now = Date.now()): void {
    if (this.since === undefined) return;
    if (this.told) this.emit({ kind: 'exchange.reconnected', payload: { ...this.context, downtimeMs: now - this.since } });
    this.since = undefined;
    this.told = false;
  }
}
