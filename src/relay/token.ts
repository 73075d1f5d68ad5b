/**
 * The relay's shared secret: checked on every request (except /healthz), compared in constant
 * time, and required to be long enough that guessing it is hopeless.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ConfigProblem } from '../config/problems.js';

/** Fewer characters than this are refused: a short token can be guessed. */
export const MIN_TOKEN_LENGTH = 16;

/** Characters that survive a URL path unchanged, so `/t/<token>/…` needs no encoding. */
const TOKEN_RE = /^[A-Za-z0-9._~-]+$/;

/** The command that makes a good token, shown wherever one is missing. */
export const MAKE_TOKEN = `node -e "console.log(require('node:crypto').randomBytes(24).toString('base64url'))"`;

/** What is wrong with a token, or undefined when it is usable. */
export function tokenProblem(token: string | undefined, variable = 'HERALD_RELAY_TOKEN'): ConfigProblem | undefined {
  const fix = `make one with \`${MAKE_TOKEN}\` (or \`openssl rand -hex 24\`) and set ${variable}=<it> in .env or the environment`;
  if (token === undefined || token.trim() === '')
    return { variable, message: 'is not set: the relay answers only requests that carry this token, so it will not start without one', fix };
  if (token.length < MIN_TOKEN_LENGTH) return { variable, message: `is ${token.length} characters long; at least ${MIN_TOKEN_LENGTH} are needed`, fix };
  if (!TOKEN_RE.test(token)) return { variable, message: 'has characters a URL path would change (only letters, digits, . _ ~ - are kept as they are)', fix };
  return undefined;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Checks presented tokens against the configured one without leaking, through timing, how much of it matched. */
export class TokenCheck {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  /** True when `candidate` is the token. Both sides are hashed first, so the comparison is of equal lengths. */
  matches(candidate: string | undefined): boolean {
    if (candidate === undefined) return false;
    return timingSafeEqual(digest(candidate), this.expected);
  }
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return m?.[1];
}
