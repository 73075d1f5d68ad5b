/**
 * The relay's URL paths: `[/t/<token>]/<endpoint>[/<TARGET>]`. The token in the path is for
 * senders that can only be given a URL (freqtrade, Jesse, TradingView); TARGET is a Herald
 * target, URL-encoded (`%23alerts` for `#alerts`).
 */

/** The endpoints the relay serves. */
export const ENDPOINTS = ['notify', 'freqtrade', 'discord', 'slack', 'tradingview', 'healthz'] as const;

/** One of {@link ENDPOINTS}. */
export type Endpoint = (typeof ENDPOINTS)[number];

/** Endpoints that take a TARGET after their name. */
const TARGETED: ReadonlySet<string> = new Set(['notify', 'discord', 'slack', 'tradingview']);

/** A request path taken apart. */
export interface RelayPath {
  /** The token of a `/t/<token>/…` path. */
  readonly token?: string;
  /** The endpoint named, undefined for an unknown one. */
  readonly endpoint?: Endpoint;
  readonly target?: string;
  /** Why the path cannot be used (a TARGET that is not properly URL-encoded, a TARGET where none is taken). */
  readonly problem?: string;
}

/** Reads a request's path (without its query). */
export function parsePath(pathname: string): RelayPath {
  const segments = pathname.split('/').slice(1);
  let token: string | undefined;
  if (segments[0] === 't' && segments.length >= 2) {
    token = safeDecode(segments[1]!) ?? segments[1]!;
    segments.splice(0, 2);
  }
  const name = segments[0] ?? '';
  const endpoint = (ENDPOINTS as readonly string[]).includes(name) ? (name as Endpoint) : undefined;
  const rest = segments.slice(1).join('/');
  const base = token === undefined ? {} : { token };
  if (!endpoint || rest === '') return { ...base, ...(endpoint ? { endpoint } : {}) };
  if (!TARGETED.has(endpoint)) return { ...base, endpoint, problem: `/${endpoint} takes no target after its name` };
  const target = safeDecode(rest);
  if (target === undefined) return { ...base, endpoint, problem: 'the target in the path is not properly URL-encoded (encode it with encodeURIComponent)' };
  return { ...base, endpoint, target };
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
