/**
 * What every relay source produces from a request: a plain notification for the notifier, or a
 * host event for the plugin (so templates, cards, per-event settings and tags apply unchanged).
 * Sources never talk to a driver.
 */
import type { EventKind } from '../config/events.js';
import type { NotifyOptions } from '../core/notifier.js';
import type { Payload } from '../plugin/templates.js';

/** A source's reading of a request: what to relay, or a one-line reason why it cannot. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** One thing to relay: a message for `notifier.notify`, or an event for the plugin. */
export type Relayed =
  | { readonly kind: 'notify'; readonly message: string; readonly options: NotifyOptions }
  | { readonly kind: 'event'; readonly event: EventKind; readonly payload: Payload };

/** What a source learns from the request line: the target in the path and the query. */
export interface RequestContext {
  /** The decoded TARGET of `/notify/TARGET` (and the other endpoints that take one). */
  readonly target?: string;
  readonly query: URLSearchParams;
}

/** A successful reading. */
export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

/** A failed reading with its one-line reason. */
export function fail<T = never>(reason: string): Parsed<T> {
  return { ok: false, reason };
}
