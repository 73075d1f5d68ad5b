import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHART_FONT_FILE, RESVG_MISSING, chartFontFiles, loadResvg } from '../../src/reports/chart-resvg.js';
import { countColor, decodePng } from '../fixtures/png.js';

const root = join(import.meta.dirname, '..', '..');

describe('loadResvg', () => {
  it('not installed: the reason with the command that fixes it', async () => {
    const missing = Object.assign(new Error("Cannot find package '@resvg/resvg-js' imported from /app/node_modules/herald/dist/reports/chart-resvg.js"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    expect(
      await loadResvg(() => {
        throw missing;
      }),
    ).toEqual({ reason: RESVG_MISSING });
    expect(RESVG_MISSING).toBe('charts need the @resvg/resvg-js package, which is not installed: npm install @resvg/resvg-js');
  });

  it('installed without its binary for this platform: the reason names what is missing', async () => {
    const noBinary = Object.assign(
      new Error("Cannot find module '@resvg/resvg-js-linux-x64-musl'\nRequire stack:\n- /app/node_modules/@resvg/resvg-js/js-binding.js"),
      { code: 'MODULE_NOT_FOUND' },
    );
    expect(await loadResvg(() => Promise.reject(noBinary))).toEqual({
      reason:
        "charts need the @resvg/resvg-js package, which did not load here (Cannot find module '@resvg/resvg-js-linux-x64-musl'); " +
        'reinstall it with its optional dependencies: npm install @resvg/resvg-js',
    });
  });

  it('takes the exports as named ones or on default; anything else is a reason, not a throw', async () => {
    const renderAsync = (): Promise<never> => Promise.reject(new Error('unused'));
    expect(await loadResvg(() => Promise.resolve({ renderAsync }))).toEqual({ renderAsync });
    expect(await loadResvg(() => Promise.resolve({ default: { renderAsync } }))).toEqual({ renderAsync });
    expect(await loadResvg(() => Promise.resolve({ default: {} }))).toHaveProperty('reason');
  });

  it('loads the real package', async () => {
    const mod = await loadResvg();
    expect('reason' in mod ? mod.reason : typeof mod.renderAsync).toBe('function');
  });
});

describe('the bundled font', () => {
  it('is in assets/fonts with its licence, and the package ships that folder', () => {
    expect(CHART_FONT_FILE).toBe(join(root, 'assets', 'fonts', 'HeraldChartSans.ttf'));
    expect(existsSync(join(root, 'assets', 'fonts', 'LICENSE'))).toBe(true);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('assets/fonts');
    expect(chartFontFiles()).toEqual([CHART_FONT_FILE]);
    expect(chartFontFiles('/nowhere/font.ttf')).toEqual({ reason: 'the chart font is missing (/nowhere/font.ttf); reinstall herald' });
  });

  it('draws text with system fonts off, and without it resvg draws none: the text comes from the bundled file', async () => {
    const mod = await loadResvg();
    if ('reason' in mod) throw new Error(mod.reason);
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="40"><rect width="240" height="40" fill="#000000"/>' +
      '<text x="8" y="28" font-size="20" fill="#ffffff">Equity € ₿ Прибыль</text></svg>';
    const white = async (fontFiles: string[]): Promise<number> => {
      const image = await mod.renderAsync(svg, { font: { fontFiles, loadSystemFonts: false, defaultFontFamily: 'Herald Chart Sans' }, logLevel: 'off' });
      return countColor(decodePng(image.asPng()), '#ffffff', 8);
    };
    expect(await white([CHART_FONT_FILE])).toBeGreaterThan(200);
    expect(await white([])).toBe(0);
  });
});
