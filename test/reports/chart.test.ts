import { describe, expect, it } from 'vitest';
import { CHART_COLORS, CHART_SCALE, equityChartSvg, renderEquityChart, type EquityChartPng, type EquityPoint } from '../../src/reports/chart.js';
import { countColor, decodePng, distinctColors, type Area, type DecodedPng } from '../fixtures/png.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 2, 1, 9);
const NOW = Date.UTC(2026, 2, 10);

/** `count` hourly points from `from` to `to`, with a wiggle (none at the ends) so the curve is not a ruler line. */
function series(count: number, from: number, to: number): EquityPoint[] {
  const wiggle = (i: number): number => Math.sin((i / (count - 1)) * Math.PI * 6) * Math.abs(to - from) * 0.02;
  return Array.from({ length: count }, (_, i) => ({ t: T0 + i * H, value: from + ((to - from) * i) / (count - 1) + wiggle(i) }));
}

/** The texts drawn, unescaped back. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    (m[1] ?? '').replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e] ?? ''),
  );
}

/** The `fill` of the text element that says `content`. */
function fillOf(svg: string, content: string): string | undefined {
  return [...svg.matchAll(/<text[^>]*fill="([^"]+)"[^>]*>([^<]*)<\/text>/g)].find((m) => m[2] === content)?.[1];
}

describe('equityChartSvg', () => {
  it('draws the curve, its area, 4 to 6 value ticks and the heading with the change in green', () => {
    const svg = equityChartSvg(series(48, 10_000, 11_000), { title: 'Grid bot', currency: 'USDT', now: NOW });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="800" height="400"/);
    expect(svg).toContain(`stroke="${CHART_COLORS.curve}" stroke-width="2"`);
    expect(svg).toContain('fill="url(#area)"');
    const all = texts(svg);
    expect(all).toContain('Grid bot');
    expect(all).toContain('+10.00%');
    expect(fillOf(svg, '+10.00%')).toBe(CHART_COLORS.up);
    expect(all).toContain('11,000.00 USDT');
    expect(all).toContain('Mar 1, 09:00 \u2013 Mar 3, 08:00 UTC');
    const gridLines = svg.match(new RegExp(`<line [^>]*stroke="${CHART_COLORS.grid}" stroke-width="1"/>`, 'g')) ?? [];
    expect(gridLines.length).toBeGreaterThanOrEqual(4);
    expect(gridLines.length).toBeLessThanOrEqual(6);
    // The lowest point is labelled; the highest is the last, told by the tag.
    expect(all.some((t) => t.startsWith('min '))).toBe(true);
    expect(all.some((t) => t.startsWith('max '))).toBe(false);
  });

  it('a loss: the change in red with a minus, highest and lowest points labelled', () => {
    const points = [...series(24, 500, 400)];
    points.splice(5, 0, { t: T0 + 4.5 * H, value: 620 });
    points.splice(12, 0, { t: T0 + 10.5 * H, value: 350 });
    const svg = equityChartSvg(points, { now: NOW });
    expect(fillOf(svg, '\u221220.00%')).toBe(CHART_COLORS.down);
    expect(texts(svg)).toContain('max 620.00');
    expect(texts(svg)).toContain('min 350.00');
  });

  it('escapes every text and drops what XML 1.0 cannot hold', () => {
    const svg = equityChartSvg(series(10, 1, 2), { title: `<script>&"it's"</script>\u0000\u0007\ud800 ok\nnext`, currency: '<€>&', now: NOW });
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;&amp;&quot;it&apos;s&quot;&lt;/script&gt; ok next');
    expect(svg).toContain('2.00 &lt;€&gt;&amp;');
    expect(svg).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]|[\ud800-\udfff]/);
  });

  it('no points: a titled card that says so, no curve', () => {
    const svg = equityChartSvg([], { title: 'Empty' });
    expect(texts(svg)).toEqual(['Empty', 'No equity data']);
    expect(svg).not.toContain('<path');
    expect(
      equityChartSvg([
        { t: Number.NaN, value: 1 },
        { t: 1, value: Number.POSITIVE_INFINITY },
      ]),
    ).toContain('No equity data');
  });

  it('one point: a marked point mid-plot, no line, no change', () => {
    const svg = equityChartSvg([{ t: T0, value: 1234.5 }], { now: NOW });
    expect(svg).not.toContain('<path');
    expect(svg).toContain(`fill="${CHART_COLORS.curve}" stroke="${CHART_COLORS.background}"`);
    expect(texts(svg)).toContain('\u00b10.00%');
    expect(texts(svg)).toContain('Mar 1, 09:00 UTC');
    expect(texts(svg)).toContain('09:00');
  });

  it('a flat series: a readable axis around the value, the change neutral, no min or max label', () => {
    const svg = equityChartSvg(
      Array.from({ length: 10 }, (_, i) => ({ t: T0 + i * H, value: 250 })),
      { now: NOW },
    );
    expect(fillOf(svg, '\u00b10.00%')).toBe(CHART_COLORS.muted);
    expect(texts(svg)).toContain('250');
    expect(texts(svg).some((t) => /^(min|max) /.test(t))).toBe(false);
  });

  it('negative values: a true minus on the axis and the labels; the change relative to the size of the first value', () => {
    const svg = equityChartSvg(series(20, -1000, -500), { now: NOW });
    expect(texts(svg)).toContain('+50.00%');
    expect(texts(svg).some((t) => /^\u2212\d/.test(t))).toBe(true);
    expect(svg).not.toMatch(/>-\d/);
  });

  it('a curve starting at 0 shows the change as an amount', () => {
    expect(texts(equityChartSvg(series(5, 0, 42), { currency: 'USD', now: NOW }))).toContain('+42.00 USD');
  });

  it('huge and tiny values get suffixes and significant digits, not 13-digit labels', () => {
    const huge = texts(equityChartSvg(series(30, 1e12, 2.5e12), { now: NOW }));
    expect(huge).toContain('2.50T');
    expect(huge.every((t) => t.length <= 40)).toBe(true);
    const tiny = texts(equityChartSvg(series(30, 0.00012, 0.00017), { now: NOW }));
    expect(tiny).toContain('0.0001700');
  });

  it('unsorted points are sorted, and NaN or Infinity dropped: the same chart', () => {
    const sorted = series(30, 100, 130);
    const messy = [...sorted].reverse();
    messy.splice(3, 0, { t: T0 + 2 * H, value: Number.NaN }, { t: Number.POSITIVE_INFINITY, value: 1 }, { t: T0, value: Number.NEGATIVE_INFINITY });
    expect(equityChartSvg(messy, { now: NOW })).toBe(equityChartSvg(sorted, { now: NOW }));
  });

  it('times along the bottom for a day, dates for weeks, in the time zone; an unknown zone is UTC', () => {
    const day = texts(equityChartSvg(series(24, 1, 2), { timeZone: 'Asia/Tokyo', now: NOW }));
    expect(day).toContain('Mar 2');
    expect(day.filter((t) => /^\d\d:\d\d$/.test(t)).length).toBeGreaterThanOrEqual(2);
    const weeks = texts(equityChartSvg(series(24 * 21, 1, 2), { timeZone: 'America/New_York', now: NOW }));
    expect(weeks.filter((t) => /^[A-Z][a-z]{2} \d{1,2}$/.test(t)).length).toBeGreaterThanOrEqual(2);
    expect(weeks.some((t) => t.endsWith('America/New_York'))).toBe(true);
    expect(texts(equityChartSvg(series(5, 1, 2), { timeZone: 'Nowhere/Land', now: NOW })).some((t) => t.endsWith(' UTC'))).toBe(true);
  });

  it('a long title is shortened to fit; the size is clamped to what Telegram takes', () => {
    const svg = equityChartSvg(series(5, 1, 2), { title: 'A very long strategy name '.repeat(10) });
    const title = texts(svg).find((t) => t.startsWith('A very')) ?? '';
    expect(title.endsWith('\u2026')).toBe(true);
    // 800 units less the change on the right, in 17-unit letters.
    expect(title.length).toBeGreaterThan(30);
    expect(title.length).toBeLessThan(80);
    const huge = equityChartSvg(series(5, 1, 2), { title: 'x'.repeat(1_000_000), currency: 'C'.repeat(100) });
    expect(huge.length).toBeLessThan(20_000);
    expect(texts(huge)).toContain(`2.00 ${'C'.repeat(10)}\u2026`);
    expect(equityChartSvg(series(5, 1, 2), { width: 10_000, height: 10 })).toMatch(/width="2400" height="200"/);
    expect(equityChartSvg(series(5, 1, 2), { width: Number.NaN, height: 300.4 })).toMatch(/width="800" height="300"/);
  });

  it('a long history is thinned per pixel column, its spike kept', () => {
    const points = Array.from({ length: 20_000 }, (_, i) => ({ t: T0 + i * 60_000, value: 1000 + Math.sin(i / 500) * 50 + (i === 12_345 ? 700 : 0) }));
    const svg = equityChartSvg(points, { now: NOW });
    const spike = 1000 + Math.sin(12_345 / 500) * 50 + 700;
    expect(texts(svg)).toContain(`max ${spike.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`);
    const d = /<path d="([^"]+)" fill="none"/.exec(svg)?.[1] ?? '';
    const ys = [...d.matchAll(/[ML][\d.]+ ([\d.]+)/g)].map((m) => Number(m[1]));
    // At most four points for each of the plot's ~660 columns, not 20,000.
    expect(ys.length).toBeGreaterThan(1000);
    expect(ys.length).toBeLessThan(2700);
    // The spike is the highest point drawn (smallest y).
    expect(Math.min(...ys)).toBeLessThan(100);
  });
});

describe('renderEquityChart', () => {
  /** Renders and decodes; fails the test with the reason when there is no PNG. */
  async function render(points: readonly EquityPoint[], options = {}): Promise<{ out: EquityChartPng; png: DecodedPng }> {
    const out = await renderEquityChart(points, { now: NOW, ...options });
    if ('reason' in out) throw new Error(out.reason);
    return { out, png: decodePng(out.png) };
  }

  /**
   * The right half of the plot in PNG pixels (left of the last-value tag), split into the part
   * above and below its middle; the plot spans 66 to height − 30 units.
   */
  function rightHalf(width: number, height: number): { upper: Area; lower: Area } {
    const s = CHART_SCALE;
    const [top, bottom] = [66 * s, (height - 30) * s];
    const mid = Math.round((top + bottom) / 2);
    const [x0, x1] = [width * s * 0.5, (width - 100) * s];
    return { upper: { x0, x1, y0: top, y1: mid }, lower: { x0, x1, y0: mid, y1: bottom } };
  }

  it('a rising curve: 2× pixels, a real picture, the curve in its colour and going up on the right', async () => {
    const { out, png } = await render(series(100, 1000, 2000), { title: 'Rising' });
    expect([out.width, out.height, png.width, png.height]).toEqual([1600, 800, 1600, 800]);
    expect(CHART_SCALE).toBe(2);
    expect(distinctColors(png)).toBeGreaterThan(200);
    expect(countColor(png, CHART_COLORS.background, 2)).toBeLessThan(png.width * png.height * 0.8);
    expect(countColor(png, CHART_COLORS.curve)).toBeGreaterThan(2000);
    const { upper, lower } = rightHalf(800, 400);
    const [up, down] = [countColor(png, CHART_COLORS.curve, 8, upper), countColor(png, CHART_COLORS.curve, 8, lower)];
    expect(up).toBeGreaterThan(500);
    expect(up).toBeGreaterThan(down * 5);
  });

  it('a falling curve is drawn low on the right, the change in red', async () => {
    const { png } = await render(series(100, 2000, 1000), { width: 480, height: 260 });
    const { upper, lower } = rightHalf(480, 260);
    const [up, down] = [countColor(png, CHART_COLORS.curve, 8, upper), countColor(png, CHART_COLORS.curve, 8, lower)];
    expect(down).toBeGreaterThan(200);
    expect(down).toBeGreaterThan(up * 5);
    expect(countColor(png, CHART_COLORS.down, 8, { x0: 700, x1: 960, y0: 0, y1: 72 })).toBeGreaterThan(100);
  });

  it('writes the title with the bundled font (system fonts off): label-coloured pixels where the title is, none without one', async () => {
    const small = { width: 320, height: 200 };
    const titleArea = { x0: 0, x1: 400, y0: 0, y1: 72 };
    const titled = await render(series(10, 1, 2), { ...small, title: 'Weekly' });
    const untitled = await render(series(10, 1, 2), { ...small, title: '' });
    expect(countColor(titled.png, CHART_COLORS.text, 8, titleArea)).toBeGreaterThan(300);
    expect(countColor(untitled.png, CHART_COLORS.text, 8, titleArea)).toBe(0);
  });

  it('other sizes render at twice the size asked; the same input gives the same bytes', async () => {
    const { out, png } = await render(series(10, 1, 2), { width: 400, height: 210 });
    expect([out.width, out.height, png.width, png.height]).toEqual([800, 420, 800, 420]);
    const again = await render(series(10, 1, 2), { width: 400, height: 210 });
    expect(Buffer.from(again.out.png).equals(Buffer.from(out.png))).toBe(true);
  });

  it('no usable point: a reason instead of a picture', async () => {
    expect(await renderEquityChart([])).toEqual({ reason: 'no equity points to draw (none given, or none with a finite time and value)' });
    expect(await renderEquityChart([{ t: 1, value: Number.NaN }])).toHaveProperty('reason');
  });
});
