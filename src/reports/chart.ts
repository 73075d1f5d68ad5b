/**
 * Equity-curve charts for periodic reports: an SVG built by a pure function, and a PNG of it
 * rendered headless by @resvg/resvg-js (an optional peer dependency) with the bundled font
 * only, so the picture is the same on every machine and nothing here needs a browser.
 */
import { formatChange, formatTick, formatValue, niceTicks } from './chart-scale.js';
import { formatPeriod, knownTimeZone, timeTicks } from './chart-time.js';
import { CHART_FONT_FAMILY, chartFontFiles, loadResvg } from './chart-resvg.js';

/** One sample of an equity curve. */
export interface EquityPoint {
  /** When, in epoch milliseconds. */
  readonly t: number;
  /** The equity (or balance, or P&L) then. */
  readonly value: number;
}

/** How an equity chart is drawn. */
export interface EquityChartOptions {
  /** Width in SVG units, 320 to 2400 (default 800). The PNG is twice as wide. */
  width?: number;
  /** Height in SVG units, 200 to 1600 (default 400). The PNG is twice as high. */
  height?: number;
  /** The heading (default `Equity`); shortened with … when it does not fit. */
  title?: string;
  /** IANA time zone for the time axis and the period (default `UTC`; an unknown one is UTC). */
  timeZone?: string;
  /** Written after amounts in the heading, e.g. `USDT`. */
  currency?: string;
  /**
   * The report's "now" (epoch ms; default the last point's time). Dates carry their year only
   * when they are not in this year. The chart never reads the clock itself.
   */
  now?: number;
}

/** A rendered chart. */
export interface EquityChartPng {
  /** The PNG file's bytes. */
  readonly png: Uint8Array;
  /** Pixel width: twice the SVG width (1600 by default). */
  readonly width: number;
  /** Pixel height: twice the SVG height (800 by default). */
  readonly height: number;
}

/**
 * The chart's colours: a dark slate card that reads on Telegram's light and dark themes alike
 * (and on Discord's and Slack's), a blue curve apart from the green and red of the change.
 */
export const CHART_COLORS = {
  background: '#151a24',
  grid: '#262d3b',
  /** Title, min/max labels. */
  text: '#e6e9ef',
  /** Axis labels, the period, the last value in the heading. */
  muted: '#8f98a8',
  /** The equity curve, its markers and the last-value tag. */
  curve: '#4c8dff',
  up: '#22c55e',
  down: '#ef4444',
} as const;

/** The PNG's pixels per SVG unit: sharp on phones' 2× and 3× screens, still small to upload. */
export const CHART_SCALE = 2;

const DEFAULT_WIDTH = 800;
const DEFAULT_HEIGHT = 400;
const PAD = 16;
const TITLE_SIZE = 17;
const SMALL_SIZE = 11.5;
const AXIS_SIZE = 11;

/**
 * Builds the SVG of an equity curve: the line with the area under it, 4 to 6 value ticks on
 * nice numbers, times or dates along the bottom in `timeZone`, the lowest and highest points
 * marked, the last value tagged on the right, and the heading with the period and the change
 * over it (`+x.xx%` in green, red when down). Pure: the same input gives the same text.
 *
 * Points that are not finite are dropped and the rest sorted by time. With none left the SVG
 * says "No equity data" ({@link renderEquityChart} answers a reason instead of such a picture);
 * with one it is a single marked point. Every text is XML-escaped.
 */
export function equityChartSvg(points: readonly EquityPoint[], options: EquityChartOptions = {}): string {
  const width = dimension(options.width, DEFAULT_WIDTH, 320, 2400);
  const height = dimension(options.height, DEFAULT_HEIGHT, 200, 1600);
  const series = usable(points);
  const timeZone = knownTimeZone(options.timeZone);
  const now = Number.isFinite(options.now) ? (options.now as number) : (series.at(-1)?.t ?? 0);
  // A currency is a short code; a long one is cut so the heading keeps its shape.
  const code = typeof options.currency === 'string' ? fit(clean(options.currency).trim(), 90, SMALL_SIZE) : '';
  const currency = code === '' ? '' : ` ${code}`;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="'${CHART_FONT_FAMILY}', 'DejaVu Sans', sans-serif">`,
    `<rect width="${width}" height="${height}" fill="${CHART_COLORS.background}"/>`,
  ];
  const first = series[0];
  const last = series.at(-1);

  // Heading, right side first: the title gets what is left.
  let rightWidth = 0;
  if (first !== undefined && last !== undefined) {
    const change = changeText(first.value, last.value, currency);
    const lastText = `${formatValue(last.value)}${currency}`;
    rightWidth = Math.max(textWidth(change.text, TITLE_SIZE), textWidth(lastText, SMALL_SIZE));
    out.push(text(width - PAD, 28, change.text, { size: TITLE_SIZE, fill: CHART_COLORS[change.direction], anchor: 'end' }));
    out.push(text(width - PAD, 47, lastText, { size: SMALL_SIZE, fill: CHART_COLORS.muted, anchor: 'end' }));
    out.push(
      text(PAD, 47, fit(formatPeriod(first.t, last.t, timeZone, now), width - 3 * PAD - rightWidth, SMALL_SIZE), {
        size: SMALL_SIZE,
        fill: CHART_COLORS.muted,
      }),
    );
  }
  const title = fit(clean(typeof options.title === 'string' ? options.title : 'Equity'), width - 3 * PAD - rightWidth, TITLE_SIZE);
  out.push(text(PAD, 28, title, { size: TITLE_SIZE, fill: CHART_COLORS.text }));

  if (first === undefined || last === undefined) {
    out.push(text(width / 2, height / 2 + 10, 'No equity data', { size: 16, fill: CHART_COLORS.muted, anchor: 'middle' }));
    out.push('</svg>');
    return out.join('\n');
  }
  out.push(...plot(series, width, height, timeZone, now));
  out.push('</svg>');
  return out.join('\n');
}

/**
 * Renders {@link equityChartSvg} to a PNG at {@link CHART_SCALE}× (1600×800 pixels by
 * default, typically 40–90 KB) with resvg, off the event loop, with the bundled font only.
 * Never throws: with no usable point, without @resvg/resvg-js, or when rendering fails it
 * answers `{ reason }` so the report can go out as text.
 */
export async function renderEquityChart(points: readonly EquityPoint[], options: EquityChartOptions = {}): Promise<EquityChartPng | { reason: string }> {
  if (!Array.isArray(points) || usable(points).length === 0) return { reason: 'no equity points to draw (none given, or none with a finite time and value)' };
  const fontFiles = chartFontFiles();
  if (!Array.isArray(fontFiles)) return fontFiles;
  const resvg = await loadResvg();
  if ('reason' in resvg) return resvg;
  try {
    const svg = equityChartSvg(points, options);
    const image = await resvg.renderAsync(svg, {
      fitTo: { mode: 'zoom', value: CHART_SCALE },
      font: { fontFiles, loadSystemFonts: false, defaultFontFamily: CHART_FONT_FAMILY },
      logLevel: 'off',
    });
    const png = image.asPng();
    return { png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength), width: image.width, height: image.height };
  } catch (err) {
    return { reason: `the chart could not be rendered: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** The plot area: grid, axes, area, line, markers and the last-value tag. */
function plot(series: readonly EquityPoint[], width: number, height: number, timeZone: string, now: number): string[] {
  const out: string[] = [];
  let lo = Infinity;
  let hi = -Infinity;
  let iMin = 0;
  let iMax = 0;
  series.forEach((p, i) => {
    if (p.value < lo) [lo, iMin] = [p.value, i];
    if (p.value > hi) [hi, iMax] = [p.value, i];
  });
  // Room above and below the curve so its extremes and their labels stay inside the plot.
  const margin = (hi - lo) * 0.08;
  const ticks = niceTicks(lo - margin, hi + margin);
  const yLo = ticks.min;
  const yHi = ticks.max;
  const largest = Math.max(...ticks.values.map(Math.abs));
  const tickLabels = ticks.values.map((v) => formatTick(v, ticks.step, largest));

  const last = series.at(-1) as EquityPoint;
  const tag = formatValue(last.value);
  const left = PAD + Math.max(...tickLabels.map((l) => textWidth(l, AXIS_SIZE))) + 8;
  const right = width - PAD - textWidth(tag, AXIS_SIZE) - 16;
  const top = 66;
  const bottom = height - 30;

  // A single point gets an hour around it, so it sits mid-plot with a time below it.
  const t0 = series.length === 1 ? last.t - 30 * 60_000 : (series[0] as EquityPoint).t;
  const t1 = series.length === 1 ? last.t + 30 * 60_000 : last.t;
  const tSpan = t1 - t0 || 1;
  const x = (t: number): number => left + ((t - t0) / tSpan) * (right - left);
  const y = (v: number): number => bottom - ((v - yLo) / (yHi - yLo)) * (bottom - top);

  ticks.values.forEach((v, i) => {
    const yy = y(v);
    out.push(`<line x1="${n(left)}" y1="${n(yy)}" x2="${n(right)}" y2="${n(yy)}" stroke="${CHART_COLORS.grid}" stroke-width="1"/>`);
    out.push(text(left - 8, yy + 4, tickLabels[i] ?? '', { size: AXIS_SIZE, fill: CHART_COLORS.muted, anchor: 'end' }));
  });
  const maxTimeTicks = Math.max(2, Math.floor((right - left) / 110));
  for (const tick of timeTicks(t0, t1, timeZone, maxTimeTicks, now)) {
    const xx = x(tick.t);
    out.push(`<line x1="${n(xx)}" y1="${top}" x2="${n(xx)}" y2="${bottom}" stroke="${CHART_COLORS.grid}" stroke-width="1" stroke-dasharray="2 4"/>`);
    // Kept inside the picture when a tick sits near its edge.
    const half = textWidth(tick.label, AXIS_SIZE) / 2;
    out.push(
      text(Math.min(width - PAD / 2 - half, Math.max(PAD / 2 + half, xx)), height - 12, tick.label, {
        size: AXIS_SIZE,
        fill: CHART_COLORS.muted,
        anchor: 'middle',
      }),
    );
  }

  const drawn = thin(series, Math.round(right - left));
  if (drawn.length > 1) {
    const line = drawn.map((p, i) => `${i === 0 ? 'M' : 'L'}${n(x(p.t))} ${n(y(p.value))}`).join(' ');
    out.push(
      '<defs><linearGradient id="area" x1="0" y1="0" x2="0" y2="1">' +
        `<stop offset="0" stop-color="${CHART_COLORS.curve}" stop-opacity="0.32"/><stop offset="1" stop-color="${CHART_COLORS.curve}" stop-opacity="0.02"/>` +
        '</linearGradient></defs>',
    );
    out.push(`<path d="${line} L${n(x(last.t))} ${bottom} L${n(left)} ${bottom} Z" fill="url(#area)"/>`);
    out.push(`<path d="${line}" fill="none" stroke="${CHART_COLORS.curve}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>`);
  }

  // Lowest and highest points, unless the last-value tag already tells their value.
  for (const [i, kind] of [
    [iMax, 'max'],
    [iMin, 'min'],
  ] as const) {
    const p = series[i] as EquityPoint;
    if (p.value === last.value) continue;
    const px = x(p.t);
    const py = y(p.value);
    const label = `${kind} ${formatValue(p.value)}`;
    const w = textWidth(label, AXIS_SIZE);
    const anchor = px - w / 2 < left ? 'start' : px + w / 2 > right ? 'end' : 'middle';
    const ly = kind === 'max' ? Math.max(top + 10, py - 9) : Math.min(bottom - 4, py + 17);
    out.push(`<circle cx="${n(px)}" cy="${n(py)}" r="3" fill="${CHART_COLORS.background}" stroke="${CHART_COLORS.curve}" stroke-width="2"/>`);
    out.push(text(px, ly, label, { size: AXIS_SIZE, fill: CHART_COLORS.text, anchor, halo: true }));
  }

  // The last value: a dot, a dashed guide and a tag past the plot's right edge.
  const lx = x(last.t);
  const ly = y(last.value);
  const tagWidth = textWidth(tag, AXIS_SIZE) + 10;
  out.push(`<line x1="${n(lx)}" y1="${n(ly)}" x2="${n(right + 4)}" y2="${n(ly)}" stroke="${CHART_COLORS.curve}" stroke-width="1" stroke-dasharray="3 3"/>`);
  out.push(`<circle cx="${n(lx)}" cy="${n(ly)}" r="4" fill="${CHART_COLORS.curve}" stroke="${CHART_COLORS.background}" stroke-width="1.5"/>`);
  out.push(`<rect x="${n(right + 4)}" y="${n(ly - 9)}" width="${n(tagWidth)}" height="18" rx="3" fill="${CHART_COLORS.curve}"/>`);
  out.push(text(right + 9, ly + 4, tag, { size: AXIS_SIZE, fill: CHART_COLORS.background }));
  return out;
}

/** The finite points, sorted by time (stable: equal times keep their order). */
function usable(points: readonly EquityPoint[]): EquityPoint[] {
  return points.filter((p) => Number.isFinite(p?.t) && Number.isFinite(p?.value)).sort((a, b) => a.t - b.t);
}

/**
 * At most about two points per pixel column: each column keeps its first, lowest, highest and
 * last point in time order, so spikes survive and the SVG stays small for long histories.
 */
function thin(series: readonly EquityPoint[], columns: number): readonly EquityPoint[] {
  if (series.length <= columns * 4) return series;
  const t0 = (series[0] as EquityPoint).t;
  const span = ((series.at(-1) as EquityPoint).t - t0 || 1) / columns;
  const out: EquityPoint[] = [];
  let bucket: EquityPoint[] = [];
  let current = 0;
  const flush = (): void => {
    if (bucket.length === 0) return;
    const keep = new Set<EquityPoint>([bucket[0] as EquityPoint, bucket.at(-1) as EquityPoint]);
    keep.add(bucket.reduce((a, b) => (b.value < a.value ? b : a)));
    keep.add(bucket.reduce((a, b) => (b.value > a.value ? b : a)));
    out.push(...bucket.filter((p) => keep.has(p)));
    bucket = [];
  };
  for (const p of series) {
    const column = Math.min(columns - 1, Math.floor((p.t - t0) / span));
    if (column !== current) {
      flush();
      current = column;
    }
    bucket.push(p);
  }
  flush();
  return out;
}

/** The change over the period for the heading, in percent; in the currency when it began at 0. */
function changeText(first: number, last: number, currency: string): { text: string; direction: 'up' | 'down' | 'muted' } {
  const change = formatChange(first, last);
  if (change !== undefined) return { text: change.text, direction: change.direction === 'flat' ? 'muted' : change.direction };
  const diff = last - first;
  if (diff === 0) return { text: `\u00b10.00${currency}`, direction: 'muted' };
  return { text: `${diff > 0 ? '+' : ''}${formatValue(diff)}${currency}`, direction: diff > 0 ? 'up' : 'down' };
}

/** A whole number of SVG units within bounds, or the default. */
function dimension(value: number | undefined, fallback: number, min: number, max: number): number {
  return value !== undefined && Number.isFinite(value) ? Math.round(Math.min(max, Math.max(min, value))) : fallback;
}

/** Coordinates to two decimals: a hundredth of a unit is finer than the PNG's pixels. */
function n(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** A `<text>` element; the content is escaped here. */
function text(x: number, y: number, content: string, style: { size: number; fill: string; anchor?: 'start' | 'middle' | 'end'; halo?: boolean }): string {
  const anchor = style.anchor === undefined || style.anchor === 'start' ? '' : ` text-anchor="${style.anchor}"`;
  // A halo in the background colour keeps a label readable where it crosses the curve.
  const halo = style.halo === true ? ` stroke="${CHART_COLORS.background}" stroke-width="3" stroke-linejoin="round" paint-order="stroke"` : '';
  return `<text x="${n(x)}" y="${n(y)}" font-size="${style.size}" fill="${style.fill}"${anchor}${halo}>${escapeXml(content)}</text>`;
}

/** Escapes text for XML content and attribute values. */
function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c] ?? ''};`);
}

/**
 * Text as XML 1.0 allows it on one line: control characters and unpaired surrogates (which
 * would make the whole SVG unparsable) dropped, line breaks and tabs made spaces.
 */
function clean(s: string): string {
  return s
    .replace(/[\t\n\r]+/g, ' ')
    .replace(/[\u0000-\u001f\u007f\ufffe\uffff]/g, '')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '');
}

/** Shortens `s` with … until its estimated width fits `max`. */
function fit(s: string, max: number, size: number): string {
  if (textWidth(s, size) <= max) return s;
  // No more characters than the narrowest ones could fit, so a huge title costs little.
  const chars = Array.from(s).slice(0, Math.ceil(max / (0.34 * size)));
  while (chars.length > 0 && textWidth(chars.join('') + '\u2026', size) > max) chars.pop();
  return chars.join('').trimEnd() + '\u2026';
}

/** Advance widths of the bundled font, in ems, for the characters that differ most from 0.62. */
const NARROW = /[ .,:;'!|ijlIft()[\]\u2009]/;
const WIDE = /[MWmw%@\u2212+\u2026]/;

/** The estimated width of `s` at `size` in the bundled font (DejaVu Sans' digits are 0.636 em). */
function textWidth(s: string, size: number): number {
  let ems = 0;
  for (const c of s) ems += NARROW.test(c) ? 0.34 : WIDE.test(c) ? 0.86 : 0.64;
  return ems * size;
}
