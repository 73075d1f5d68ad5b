/**
 * ccxt errors, read by class name along the prototype chain rather than `instanceof`: the
 * user's exchange may come from ccxt's CommonJS build and Herald from its ESM build, whose
 * classes differ. ccxt names every class (`this.name = 'NetworkError'`).
 */

/** True when `err` is a ccxt error of class `name` or a subclass of it. */
export function isCcxtError(err: unknown, name: string): boolean {
  for (let p: unknown = err; p !== null && typeof p === 'object'; p = Object.getPrototypeOf(p)) {
    const ctor = (p as { constructor?: { name?: unknown } }).constructor;
    if (ctor?.name === name) return true;
  }
  return false;
}

/** Failures that pass: a dropped socket, a timeout, maintenance, rate limiting. */
export function isTransient(err: unknown): boolean {
  return isCcxtError(err, 'NetworkError') || isCcxtError(err, 'ExchangeNotAvailable');
}

/** Failures that retrying cannot fix: keys, permissions, a method the exchange lacks. */
export function isPermanent(err: unknown): boolean {
  return ['AuthenticationError', 'PermissionDenied', 'AccountSuspended', 'NotSupported', 'ArgumentsRequired'].some((n) => isCcxtError(err, n));
}

/** Values that must never reach a message: the exchange's credentials. */
export interface Credentials {
  readonly apiKey?: unknown;
  readonly secret?: unknown;
  readonly password?: unknown;
  readonly uid?: unknown;
  readonly privateKey?: unknown;
  readonly token?: unknown;
}

/**
 * An error as one readable line: `InsufficientFunds: binance Account has insufficient balance
 * for requested action. (code -2010)`. ccxt puts the exchange's raw answer in the message
 * (`binance {"code":-2010,"msg":"…"}`); its text is pulled out. Query strings (signatures,
 * timestamps, sometimes keys) are cut from URLs, and the exchange's credentials are masked.
 */
export function describeError(err: unknown, credentials: Credentials = {}): string {
  const name = err instanceof Error ? err.name : undefined;
  let message = err instanceof Error ? err.message : typeof err === 'string' ? err : safeString(err);
  message = readableAnswer(message);
  message = message.replace(/(https?:\/\/[^\s?#"']+)\?[^\s"']*/g, '$1?…');
  for (const v of Object.values(credentials)) {
    if (typeof v === 'string' && v.length >= 6) message = message.split(v).join('…');
  }
  return name && name !== 'Error' ? `${name}: ${message}` : message;
}

/** `binance {"code":-2010,"msg":"No funds"}` → `binance No funds (code -2010)`. */
function readableAnswer(message: string): string {
  const m = /^(\S+) (\{[\s\S]*\})\s*$/.exec(message);
  if (!m) return message;
  try {
    const body = JSON.parse(m[2]!) as Record<string, unknown>;
    const text = [body.msg, body.message, body.error, body.retMsg].find((v) => typeof v === 'string' && v !== '');
    if (typeof text !== 'string') return message;
    const code = body.code ?? body.retCode;
    return `${m[1]} ${text}${typeof code === 'number' || typeof code === 'string' ? ` (code ${code})` : ''}`;
  } catch {
    return message;
  }
}

function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return 'unknown error';
  }
}
