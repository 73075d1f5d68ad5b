/** The check that ccxt is installed, with the fix when it is not. */
import { createRequire } from 'node:module';

/** Resolves a package name from Herald's place in node_modules; throws if it is not installed. */
export type Resolver = (name: string) => string;

const resolveFromHere: Resolver = (name) => createRequire(import.meta.url).resolve(name);

/**
 * Throws a clear error when the `ccxt` package cannot be found. Resolving does not load it:
 * the user's own `import ccxt` does that, once.
 */
export function requireCcxt(resolve: Resolver = resolveFromHere): void {
  try {
    resolve('ccxt');
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'MODULE_NOT_FOUND' && (err as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new Error('herald/ccxt needs the ccxt package, which is not installed. Install it next to herald: npm install ccxt', { cause: err });
  }
}
