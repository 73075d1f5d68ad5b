/**
 * What Herald uses of a ccxt exchange, written structurally so the adapter's types need no
 * ccxt import: any ccxt exchange (REST or pro, ESM or CommonJS build) fits.
 */

/** A ccxt unified order (the fields Herald reads; ccxt fills more). */
export interface CcxtOrder {
  readonly id?: string;
  readonly clientOrderId?: string;
  readonly symbol?: string;
  readonly side?: string;
  readonly type?: string;
  readonly status?: string;
  readonly amount?: number;
  readonly filled?: number;
  readonly remaining?: number;
  readonly price?: number;
  readonly average?: number;
  readonly timestamp?: number;
  readonly lastTradeTimestamp?: number;
  readonly lastUpdateTimestamp?: number;
  readonly fee?: { readonly cost?: number; readonly currency?: string } | undefined;
  readonly fees?: readonly { readonly cost?: number; readonly currency?: string }[] | undefined;
}

/** The ccxt exchange members Herald reads or wraps. */
export interface CcxtExchange {
  readonly id: string;
  readonly has: Readonly<Record<string, unknown>>;
  /** Milliseconds between requests ccxt keeps (the exchange's published pace). */
  readonly rateLimit?: number;
  /** True after `setSandboxMode(true)`: testnet orders are reported as `paper`. */
  readonly isSandboxModeEnabled?: boolean;
  createOrder(...args: any[]): Promise<unknown>;
  fetchOrder?(id: string, symbol?: string, params?: Record<string, unknown>): Promise<unknown>;
  watchOrders?(symbol?: string, since?: number, limit?: number, params?: Record<string, unknown>): Promise<unknown>;
}
