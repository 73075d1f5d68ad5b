/** Tunables of the delivery engine, with defaults chosen for the platforms' documented limits. */
import { type BackoffPolicy, DEFAULT_BACKOFF } from './backoff.js';

/** Delivery settings; every field has a default. */
export interface DeliveryOptions {
  /** Retry timing for transient failures. */
  readonly backoff: BackoffPolicy;
  /** A notification still failing transiently after this age is given up and reported. Default 15 min. */
  readonly giveUpAfterMs: number;
  /** Memory budget per destination queue; past it, oldest info notifications are dropped (with a notice). Default 8 MiB. */
  readonly maxQueueBytes: number;
  /** Window for collapsing identical notifications to one destination. 0 disables. Default 60 s. */
  readonly stormWindowMs: number;
  /** How many distinct recent texts each destination remembers for storm detection. Default 500. */
  readonly stormMaxKeys: number;
  /**
   * A notification that would take more than this many messages goes as its first message plus
   * the whole text as a `.txt` file, where the destination takes files (elsewhere it is split as
   * usual). Default 4.
   */
  readonly fileAfterParts: number;
}

/** Defaults for {@link DeliveryOptions}. */
export const DEFAULT_DELIVERY: DeliveryOptions = {
  backoff: DEFAULT_BACKOFF,
  giveUpAfterMs: 15 * 60_000,
  maxQueueBytes: 8 * 1024 * 1024,
  stormWindowMs: 60_000,
  stormMaxKeys: 500,
  fileAfterParts: 4,
};

/** Merges partial options over the defaults. */
export function deliveryOptions(partial: Partial<DeliveryOptions> = {}): DeliveryOptions {
  return { ...DEFAULT_DELIVERY, ...partial, backoff: { ...DEFAULT_BACKOFF, ...partial.backoff } };
}
