/** Typed events of the delivery engine. Destinations are named by redacted labels only. */
import type { Level } from '../channels/channel.js';

/** A notification accepted into a destination's queue. */
export interface QueuedEvent {
  readonly seq: number;
  readonly destination: string;
  readonly level: Level;
}
/** One or more notifications (coalesced) reached a destination. */
export interface DeliveredEvent {
  readonly destination: string;
  readonly seqs: readonly number[];
  /** Requests it took (more than 1 when a long message was split). */
  readonly parts: number;
  /** Send attempts for the last part, 1 when nothing was retried. */
  readonly attempts: number;
  /** From the oldest notification's log() to delivery. */
  readonly latencyMs: number;
}
/** A send will be tried again. */
export interface RetryingEvent {
  readonly destination: string;
  readonly reason: string;
  readonly delayMs: number;
  readonly attempt: number;
  /** True when the platform asked us to wait (429), false for a failure we back off from. */
  readonly rateLimited: boolean;
}
/** Notifications that definitely did not reach a destination. */
export interface FailedEvent {
  readonly destination: string;
  /** Why, in one word: refused by the platform, retried too long, destination unusable, or notifier closed. */
  readonly cause: 'rejected' | 'gave-up' | 'disabled' | 'closed' | 'internal';
  readonly seqs: readonly number[];
  readonly reason: string;
  readonly fix?: string;
}
/** Notifications discarded to keep memory bounded (a notice to the destination says so too). */
export interface DroppedEvent {
  readonly destination: string;
  readonly count: number;
  readonly reason: string;
}
/** Something the user should know and probably fix, reported once. */
export interface WarningEvent {
  readonly code: 'destination-disabled' | 'destination-moved' | 'target-unresolved' | 'undelivered-at-exit';
  readonly message: string;
  readonly destination?: string;
  readonly fix?: string;
}

/** Event map for eventemitter3 (`notifier.on('delivered', e => …)`). */
export interface DeliveryEvents {
  queued: [QueuedEvent];
  delivered: [DeliveredEvent];
  retrying: [RetryingEvent];
  failed: [FailedEvent];
  dropped: [DroppedEvent];
  warning: [WarningEvent];
}

/** How the engine reports: an emit function with the event map's types. */
export type Emit = <K extends keyof DeliveryEvents>(name: K, ...args: DeliveryEvents[K]) => void;

/** True when someone listens for `name`, so the hot path can skip building a payload nobody reads. */
export type Wants = (name: keyof DeliveryEvents) => boolean;
