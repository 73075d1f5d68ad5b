/**
 * `herald/ccxt`: notifications for bots written on ccxt. ccxt is an optional peer dependency:
 * this entry point checks for it first, so a missing install says which package to add instead
 * of failing somewhere inside.
 * @packageDocumentation
 */
import { requireCcxt } from './require-ccxt.js';

requireCcxt();

export { withHerald, type HeraldCcxt, type HeraldCcxtOptions, type WithHerald } from './with-herald.js';
export type { CcxtExchange, CcxtOrder } from './exchange-like.js';
export type { FollowMode } from './order-follower.js';
