/**
 * Follows orders after they are placed, in the background: with `watchOrders` (ccxt.pro) every
 * order the account's stream reports, else Herald's own open orders by `fetchOrder` polling.
 * Neither loop ever throws or keeps the process alive; both back off while the exchange fails
 * (1 s doubling to 60 s) and tell a lasting outage once.
 */
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../delivery/backoff.js';
import type { Payload } from '../plugin/templates.js';
import { isCcxtError, isPermanent, isTransient } from './ccxt-errors.js';
import type { CcxtExchange, CcxtOrder } from './exchange-like.js';
import { Outage } from './outage.js';
import type { OrderNotice, OrderTracker } from './order-tracker.js';

/** How orders are followed: the account's stream, polling, or not at all. */
export type FollowMode = 'watch' | 'poll' | 'off';

/** What {@link OrderFollower} needs. */
export interface FollowerOptions {
  readonly exchange: CcxtExchange;
  readonly tracker: OrderTracker;
  readonly emit: (notice: OrderNotice) => void;
  /** `exchange`, `strategy`, `mode`: the context of the follower's own notices. */
  readonly context: Payload;
  readonly describe: (err: unknown) => string;
  readonly mode: FollowMode;
  /** Polling period; never faster than the exchange's `rateLimit` per request. */
  readonly pollMs: number;
  /** How long failures last before one notice says so. */
  readonly outageNoticeMs: number;
  readonly backoff?: BackoffPolicy;
}

/** A fetch failed this many times in a row (not a network failure): the order is let go, saying so. */
const MAX_ORDER_FAILURES = 3;

const asOrders = (v: unknown): CcxtOrder[] =>
  (Array.isArray(v) ? v : [v]).filter((o): o is CcxtOrder => o !== null && typeof o === 'object' && 'id' in o && o.id !== undefined);

/** The background loop of one wrapped exchange. */
export class OrderFollower {
  private stopped = false;
  /** Ends every current wait: set by each wait, called by stop(). */
  private readonly wakers = new Set<() => void>();
  /** Ends the idle wait between poll rounds: a new order to follow. */
  private idle: (() => void) | undefined;
  private current: FollowMode;
  private readonly failuresById = new Map<string, number>();
  private running: Promise<void> | undefined;

  constructor(private readonly o: FollowerOptions) {
    this.current = o.mode;
  }

  /** How orders are followed now (`watch` falls back to `poll` when the stream cannot work). */
  get mode(): FollowMode {
    return this.current;
  }

  /** Starts the loop (once). */
  start(): void {
    if (this.running || this.current === 'off') return;
    this.running = (this.current === 'watch' ? this.watchLoop() : this.pollLoop()).catch((err: unknown) => {
      // A bug of ours must not go unseen, nor reach the host.
      this.o.emit({ kind: 'error', payload: { ...this.o.context, error: `Herald stopped following orders: ${this.o.describe(err)}` } });
    });
  }

  /** A new order to follow: polling starts on it at once rather than after a quiet period. */
  nudge(): void {
    this.idle?.();
  }

  /** Ends the loop; resolves when it has. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of [...this.wakers]) wake();
    await this.running;
  }

  private async watchLoop(): Promise<void> {
    const { exchange } = this.o;
    const outage = new Outage(this.o.context, 'order updates (watchOrders)', this.o.outageNoticeMs, this.o.emit);
    let failures = 0;
    while (!this.stopped) {
      try {
        const pending = exchange.watchOrders!();
        // A watch left pending at stop may reject later: that is not an unhandled rejection.
        pending.catch(() => {});
        let wake = (): void => {};
        const stop = new Promise<undefined>((resolve) => (wake = () => resolve(undefined)));
        this.wakers.add(wake);
        const got = await Promise.race([pending, stop]).finally(() => this.wakers.delete(wake));
        if (this.stopped) return;
        outage.ok();
        for (const order of asOrders(got)) this.notify(order);
        if (failures > 0) {
          failures = 0;
          // Updates sent while disconnected are not replayed by the stream: ask for Herald's orders.
          await this.resync();
        }
      } catch (err) {
        if (this.stopped) return;
        if (isPermanent(err)) {
          this.o.emit({
            kind: 'error',
            payload: {
              ...this.o.context,
              error: `watchOrders cannot follow orders on ${String(this.o.context.exchange)} (${this.o.describe(err)}); following Herald's own orders by polling fetchOrder instead.`,
            },
          });
          this.current = exchange.fetchOrder ? 'poll' : 'off';
          if (this.current === 'poll') await this.pollLoop();
          return;
        }
        failures++;
        outage.failed(this.o.describe(err));
        await this.sleep(backoffDelay(failures, this.o.backoff ?? DEFAULT_BACKOFF));
      }
    }
  }

  private async pollLoop(): Promise<void> {
    const outage = new Outage(this.o.context, 'order polling (fetchOrder)', this.o.outageNoticeMs, this.o.emit);
    let failures = 0;
    while (!this.stopped) {
      const started = Date.now();
      const ok = await this.pollRound(outage);
      failures = ok ? 0 : failures + 1;
      const wait = ok ? this.o.pollMs - (Date.now() - started) : backoffDelay(failures, this.o.backoff ?? DEFAULT_BACKOFF);
      await this.sleep(Math.max(wait, this.gap()), true);
    }
  }

  /** One fetch per open order, spaced by the exchange's pace. False when the exchange is failing. */
  private async pollRound(outage: Outage): Promise<boolean> {
    const open = this.o.tracker.open();
    for (let i = 0; i < open.length && !this.stopped; i++) {
      if (i > 0) await this.sleep(this.gap());
      const { id, order } = open[i]!;
      try {
        const fetched = await this.o.exchange.fetchOrder!(id, order.symbol);
        outage.ok();
        this.failuresById.delete(id);
        for (const o of asOrders(fetched)) this.notify(o);
      } catch (err) {
        if (this.stopped) return true;
        if (isTransient(err)) {
          outage.failed(this.o.describe(err));
          return false;
        }
        this.orderFailed(id, order, err);
      }
    }
    return true;
  }

  /** After a reconnect: one fetch of each open order Herald placed, so missed fills are told. */
  private async resync(): Promise<void> {
    if (!this.o.exchange.fetchOrder) return;
    const open = this.o.tracker.open();
    for (let i = 0; i < open.length && !this.stopped; i++) {
      if (i > 0) await this.sleep(this.gap());
      const { id, order } = open[i]!;
      try {
        for (const o of asOrders(await this.o.exchange.fetchOrder(id, order.symbol))) this.notify(o);
      } catch {
        // The stream follows it from here; a failed catch-up fetch is not worth a message.
      }
    }
  }

  private orderFailed(id: string, order: CcxtOrder, err: unknown): void {
    const n = (this.failuresById.get(id) ?? 0) + 1;
    this.failuresById.set(id, n);
    if (!isCcxtError(err, 'OrderNotFound') && n < MAX_ORDER_FAILURES) return;
    this.failuresById.delete(id);
    this.o.tracker.forget(id);
    const payload = this.o.tracker.errorPayload(
      `stopped following order ${id}${order.symbol ? ` (${order.symbol})` : ''}: ${this.o.describe(err)}. Its fills are not reported.`,
      order.symbol,
    );
    this.o.emit({ kind: 'error', payload });
  }

  private notify(order: CcxtOrder): void {
    for (const n of this.o.tracker.update(order, 'update')) this.o.emit(n);
  }

  /** Milliseconds between two requests of ours: the exchange's `rateLimit`. */
  private gap(): number {
    const r = this.o.exchange.rateLimit;
    return typeof r === 'number' && Number.isFinite(r) && r > 0 ? r : 0;
  }

  /** An unref'd wait that {@link stop} cuts short, and {@link nudge} too when `idle`. */
  private sleep(ms: number, idle = false): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        if (this.idle === done) this.idle = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref?.();
      this.wakers.add(done);
      if (idle) this.idle = done;
    });
  }
}
