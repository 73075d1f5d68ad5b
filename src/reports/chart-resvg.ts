/**
 * The optional renderer behind chart PNGs: @resvg/resvg-js, an optional peer dependency loaded
 * on the first chart, and the one font it is given. Nothing here throws: what is missing comes
 * back as a reason a report can fall back to text with.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The members of @resvg/resvg-js charts use. */
export type ResvgModule = Pick<typeof import('@resvg/resvg-js'), 'renderAsync'>;

/** Imports a package by name (a seam for tests: the real one is `import()`). */
export type Importer = (name: string) => Promise<unknown>;

/** What `npm install` to run, said when the package is missing. */
export const RESVG_MISSING = 'charts need the @resvg/resvg-js package, which is not installed: npm install @resvg/resvg-js';

const RESVG = '@resvg/resvg-js';

/** Loads @resvg/resvg-js, or says why it cannot be used. */
export async function loadResvg(importer: Importer = (name) => import(name)): Promise<ResvgModule | { reason: string }> {
  let mod: unknown;
  try {
    mod = await importer(RESVG);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    // First line only: Node appends the require stack, paths a report has no use for.
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
    // The package itself is missing: the usual case, with its fix.
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(`'${RESVG}'`)) return { reason: RESVG_MISSING };
    // Installed but unusable, typically no prebuilt binary for this platform (or optional
    // dependencies were skipped): its own message names the missing part.
    return {
      reason: `charts need the @resvg/resvg-js package, which did not load here (${message}); reinstall it with its optional dependencies: npm install @resvg/resvg-js`,
    };
  }
  // A CommonJS package: its exports are named ones or sit on `default`, depending on the loader.
  const candidates = [mod, (mod as { default?: unknown } | undefined)?.default];
  for (const c of candidates) {
    if (typeof (c as Partial<ResvgModule> | undefined)?.renderAsync === 'function') return c as ResvgModule;
  }
  return { reason: 'charts need the @resvg/resvg-js package, which loaded without its renderAsync function (a version this Herald does not know)' };
}

/** The family name inside the bundled font (see assets/fonts/README.md). */
export const CHART_FONT_FAMILY = 'Herald Chart Sans';

/**
 * The bundled font's path. From src/reports/ and from dist/reports/ alike the package root is
 * two folders up, and npm ships assets/fonts beside dist (package.json "files").
 */
export const CHART_FONT_FILE = fileURLToPath(new URL('../../assets/fonts/HeraldChartSans.ttf', import.meta.url));

/** The font files for resvg, or why there are none (a package copied without its assets). */
export function chartFontFiles(file: string = CHART_FONT_FILE): string[] | { reason: string } {
  return existsSync(file) ? [file] : { reason: `the chart font is missing (${file}); reinstall herald` };
}
