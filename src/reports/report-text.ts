/**
 * The periodic report and the `/status` answer as people read them on a phone: a headline, the
 * open positions (entry → mark, unrealised PnL), the period's realised PnL, win rate and fills,
 * balances, and Herald's own health. Plain text (which fits a photo caption with up to five
 * positions) and a card with the same content.
 */
import type { Card, CardField } from '../channels/card.js';
import { describeDuration } from '../config/duration.js';
import { formatPct, formatPrice, formatQty, formatSigned, plural } from '../plugin/format.js';
import type { ActivityFigures } from './activity.js';
import type { HeraldHealth } from './health.js';
import type { QuietState } from './quiet.js';
import type { EquityPoint, Snapshot, SnapshotPosition } from './snapshot.js';
import { splitSymbol } from './symbols.js';
import { clockText, minuteOfDay } from './zoned.js';

/** Telegram's photo-caption limit, in UTF-16 code units (what JS's `length` counts). */
export const CAPTION_MAX = 1024;

/** How much of each list a report shows. */
export const REPORT_LIMITS = {
  /** Positions in the caption; a report with this many or fewer fits {@link CAPTION_MAX}. */
  captionPositions: 5,
  /** Positions listed in the full text before `+N more`. */
  listedPositions: 15,
  /** Positions in `/status`. */
  statusPositions: 3,
  balances: 4,
  disabled: 3,
  /** Characters of a symbol, a destination label, an error. */
  symbol: 24,
  label: 40,
  error: 120,
} as const;

/** What a report is made of. */
export interface ReportInput {
  /** The host's latest state, checked (see `normaliseSnapshot`). */
  readonly snapshot?: Snapshot;
  /** Positions followed from events (`PositionBook`), shown when the snapshot has no positions list. */
  readonly eventPositions?: readonly SnapshotPosition[];
  /** The period's figures (`ActivityTally.take`). */
  readonly activity: ActivityFigures;
  readonly health: HeraldHealth;
  /** `last 24 h` (see `describePeriod`). */
  readonly periodLabel: string;
  readonly now: number;
  readonly timeZone: string;
  /** Rows the snapshot reading dropped: said in the report so the host's author notices. */
  readonly snapshotDropped?: number;
}

/** A chart's data: the host's equity curve, or else the period's running realised PnL. */
export interface ReportChart {
  readonly title: 'Equity' | 'Realised PnL';
  readonly points: readonly EquityPoint[];
}

/** A built report. */
export interface Report {
  /**
   * The report. With up to five positions it is the caption (within {@link CAPTION_MAX}, so it rides
   * under the chart); with more it lists up to {@link REPORT_LIMITS}.listedPositions and may be longer.
   */
  readonly text: string;
  /** Always within {@link CAPTION_MAX}: five positions at most, then `+N more`; least needed lines left out when space is short. */
  readonly caption: string;
  readonly card: Card;
  /** Undefined when there are fewer than two points to draw. */
  readonly equity?: ReportChart;
}

/** One line, and whether a caption may leave it out when space is short (lowest `drop` goes first). */
interface Line {
  readonly text: string;
  readonly drop?: number;
  /** What replaces it when dropped (a count instead of a list). */
  readonly short?: string;
}

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** `🟢 BTC/USDT LONG 0.5 · 64,210.50 → 65,100.00 · +444.75 (+1.39%)`. */
function positionLine(p: SnapshotPosition): string {
  const icon = p.pnl === undefined || p.pnl === 0 ? '⚪' : p.pnl > 0 ? '🟢' : '🔴';
  const mark = p.markPrice !== undefined ? formatPrice(p.markPrice) : '?';
  const pnl = p.pnl !== undefined ? ` · ${formatSigned(p.pnl)}${p.pnlPct !== undefined ? ` (${formatPct(p.pnlPct)})` : ''}` : '';
  return `${icon} ${clip(p.symbol, REPORT_LIMITS.symbol)} ${p.side.toUpperCase()} ${formatQty(p.qty)} · ${formatPrice(p.entryPrice)} → ${mark}${pnl}`;
}

/** Biggest unrealised PnL first (either way), positions without one last; ties keep the host's order. */
function byImpact(positions: readonly SnapshotPosition[]): SnapshotPosition[] {
  return [...positions].sort((a, b) => (b.pnl === undefined ? -1 : Math.abs(b.pnl)) - (a.pnl === undefined ? -1 : Math.abs(a.pnl)));
}

/** The sum of the unrealised PnLs, when every position has one and they share a quote currency (else the sum means nothing). */
function unrealisedTotal(positions: readonly SnapshotPosition[]): number | undefined {
  if (positions.length === 0 || positions.some((p) => p.pnl === undefined)) return undefined;
  const quotes = new Set(positions.map((p) => splitSymbol(p.symbol).quote?.toUpperCase()));
  if (quotes.size > 1 || quotes.has(undefined)) return undefined;
  return positions.reduce((sum, p) => sum + p.pnl!, 0);
}

/** `3 of 5 closed in profit (60%)`, over the closes that said their PnL. */
function winRate(closed: ActivityFigures['closed']): string | undefined {
  if (closed.withPnl === 0) return undefined;
  return `${closed.wins} of ${closed.withPnl} closed in profit (${Math.round((closed.wins / closed.withPnl) * 100)}%)`;
}

function fillsText(fills: ActivityFigures['fills']): string {
  if (fills.count === 0) return 'No fills';
  const sides = [fills.buys ? plural(fills.buys, 'buy') : '', fills.sells ? plural(fills.sells, 'sell') : ''].filter(Boolean).join(', ');
  return `Fills: ${fills.count}${sides ? ` · ${sides}` : ''}`;
}

function realisedText(activity: ActivityFigures, hostTotal: number | undefined): string {
  const total = hostTotal !== undefined ? ` · total ${formatSigned(hostTotal)}` : '';
  const closed = activity.closed;
  if (closed.count === 0) return `${hostTotal !== undefined ? 'Realised: no positions closed' : 'No positions closed'}${total}`;
  const rate = winRate(closed);
  const pnl = closed.withPnl ? formatSigned(closed.realisedPnl) : `${plural(closed.count, 'position')} closed`;
  return `Realised: ${pnl}${rate ? ` · ${rate}` : ''}${total}`;
}

function healthText(h: HeraldHealth): string {
  return `Herald: ${h.delivered} delivered, ${h.failed} failed, ${h.dropped} dropped, backlog ${h.backlog}`;
}

function disabledLine(h: HeraldHealth): Line | undefined {
  const n = h.disabled.length;
  if (n === 0) return undefined;
  const shown = h.disabled.slice(0, REPORT_LIMITS.disabled).map((l) => clip(l, REPORT_LIMITS.label));
  const more = n > shown.length ? `, +${n - shown.length} more` : '';
  return { text: `⚠️ Disabled: ${shown.join(', ')}${more}`, drop: 3, short: `⚠️ ${plural(n, 'destination')} disabled` };
}

function balancesLine(snapshot: Snapshot | undefined): Line | undefined {
  const balances = snapshot?.balances ?? [];
  if (balances.length === 0) return undefined;
  const shown = balances.slice(0, REPORT_LIMITS.balances).map((b) => `${clip(b.asset, REPORT_LIMITS.symbol)} ${formatQty(b.total)}`);
  const more = balances.length > shown.length ? ` · +${balances.length - shown.length} more` : '';
  return { text: `Balances: ${shown.join(' · ')}${more}`, drop: 1 };
}

function errorsLine(activity: ActivityFigures, timeZone: string): Line | undefined {
  const { count, last } = activity.errors;
  if (count === 0 || !last) return undefined;
  return { text: `🚨 ${plural(count, 'error')} · last ${clockText(last.at, timeZone)}: ${clip(last.text, REPORT_LIMITS.error)}`, drop: 2 };
}

function positionLines(positions: readonly SnapshotPosition[], max: number): Line[] {
  const sorted = byImpact(positions);
  const lines: Line[] = sorted.slice(0, max).map((p) => ({ text: positionLine(p) }));
  if (sorted.length > max) lines.push({ text: `+${sorted.length - max} more` });
  return lines;
}

/** Joins lines; for a caption, leaves out (or shortens) the droppable ones until the text fits, and cuts as a last resort. */
function assemble(lines: readonly (Line | undefined)[], max = Infinity): string {
  let kept = lines.filter((l): l is Line => l !== undefined);
  const joined = (): string => kept.map((l) => l.text).join('\n');
  for (const level of [0, 1, 2, 3]) {
    if (joined().length <= max) break;
    kept = kept.flatMap((l) => (l.drop === level ? (l.short ? [{ text: l.short }] : []) : [l]));
  }
  const text = joined();
  return text.length <= max ? text : clip(text, max);
}

/** The chart: the host's equity over the period (or all of it when the period holds fewer than two points), else the running realised PnL. */
function chartOf(snapshot: Snapshot | undefined, activity: ActivityFigures): ReportChart | undefined {
  const equity = snapshot?.equity ?? [];
  const inPeriod = equity.filter((p) => p.t >= activity.from && p.t <= activity.to);
  const points = inPeriod.length >= 2 ? inPeriod : equity;
  if (points.length >= 2) return { title: 'Equity', points };
  const curve = activity.closed.curve;
  if (curve.length === 0) return undefined;
  return { title: 'Realised PnL', points: [{ t: activity.from, value: 0 }, ...curve.filter((p) => p.t > activity.from)] };
}

/** Builds the periodic report. */
export function buildReport(input: ReportInput): Report {
  const { snapshot, activity, health, now, timeZone } = input;
  const fromEvents = snapshot?.positions === undefined;
  const positions = snapshot?.positions ?? input.eventPositions ?? [];
  const total = unrealisedTotal(positions);
  const headline = `📊 Report ${clockText(now, timeZone)} · ${input.periodLabel}`;
  const positionsHead: Line = {
    text: positions.length
      ? `Open positions: ${positions.length}${total !== undefined ? ` · unrealised ${formatSigned(total)}` : ''}${fromEvents ? ' (from events)' : ''}`
      : 'No open positions',
  };
  const note: Line | undefined = input.snapshotDropped
    ? { text: `⚠️ The host's snapshot had ${plural(input.snapshotDropped, 'unreadable row')}`, drop: 0 }
    : undefined;
  const lower = (): (Line | undefined)[] => [
    { text: realisedText(activity, snapshot?.realisedPnl) },
    { text: fillsText(activity.fills) },
    errorsLine(activity, timeZone),
    balancesLine(snapshot),
    { text: healthText(health) },
    disabledLine(health),
    note,
  ];
  const caption = assemble([{ text: headline }, positionsHead, ...positionLines(positions, REPORT_LIMITS.captionPositions), ...lower()], CAPTION_MAX);
  // Up to five positions the caption is the whole report; beyond, the text lists more and may run long.
  const text =
    positions.length <= REPORT_LIMITS.captionPositions
      ? caption
      : assemble([{ text: headline }, positionsHead, ...positionLines(positions, REPORT_LIMITS.listedPositions), ...lower()]);

  const rate = winRate(activity.closed);
  const fields: CardField[] = [
    { name: 'Positions', value: String(positions.length), numeric: true },
    ...(total !== undefined ? [{ name: 'Unrealised', value: formatSigned(total), numeric: true }] : []),
    ...(activity.closed.withPnl ? [{ name: 'Realised', value: formatSigned(activity.closed.realisedPnl), numeric: true }] : []),
    ...(rate
      ? [
          {
            name: 'Win rate',
            value: `${activity.closed.wins}/${activity.closed.withPnl} (${Math.round((activity.closed.wins / activity.closed.withPnl) * 100)}%)`,
            numeric: true,
          },
        ]
      : []),
    { name: 'Fills', value: String(activity.fills.count), numeric: true },
    { name: 'Backlog', value: String(health.backlog), numeric: true },
  ];
  const description = assemble([positionsHead, ...positionLines(positions, REPORT_LIMITS.listedPositions), ...lower()]);
  const card: Card = { title: headline, tone: 'info', fields, description, footer: `Herald report · ${timeZone}`, timestamp: now };
  const equity = chartOf(snapshot, activity);
  return { text, caption, card, ...(equity ? { equity } : {}) };
}

/** What `/status` is made of. */
export interface StatusInput {
  readonly snapshot?: Snapshot;
  readonly eventPositions?: readonly SnapshotPosition[];
  /** The day's figures so far (`ActivityTally.peek` on a tally taken at local midnight). */
  readonly today: ActivityFigures;
  readonly health: HeraldHealth;
  readonly now: number;
  readonly timeZone: string;
  /** Quiet hours now, when configured. */
  readonly quiet?: QuietState;
  /** Extra lines from the caller (`🔕 Muted until 15:00`). */
  readonly notes?: readonly string[];
}

/** The short answer to `/status`: positions, today's PnL, Herald's backlog, the last error. */
export function buildStatus(input: StatusInput): string {
  const { snapshot, today, health, now, timeZone } = input;
  const positions = snapshot?.positions ?? input.eventPositions ?? [];
  const total = unrealisedTotal(positions);
  const head = positions.length
    ? `Positions: ${positions.length} open${total !== undefined ? ` · unrealised ${formatSigned(total)}` : ''}`
    : 'No open positions';
  const span = minuteOfDay(today.from, timeZone) === 0 && now - today.from <= 25 * 3_600_000 ? 'Today' : `Since ${clockText(today.from, timeZone)}`;
  const rate = winRate(today.closed);
  const day = [
    today.closed.withPnl ? `realised ${formatSigned(today.closed.realisedPnl)}` : 'nothing realised',
    ...(rate ? [rate] : []),
    plural(today.fills.count, 'fill'),
  ].join(' · ');
  const disabled = health.disabled.length
    ? ` · ${health.disabled.length} of ${plural(health.destinations, 'destination')} disabled (${health.disabled
        .slice(0, REPORT_LIMITS.disabled)
        .map((l) => clip(l, REPORT_LIMITS.label))
        .join(', ')}${health.disabled.length > REPORT_LIMITS.disabled ? ', …' : ''})`
    : '';
  const last = today.errors.last;
  const error = last
    ? `Last error ${clockText(last.at, timeZone)} (${describeDuration(now - last.at)} ago): ${clip(last.text, REPORT_LIMITS.error)}`
    : 'No errors';
  const quiet = input.quiet?.quiet && input.quiet.endsAt !== undefined ? `🌙 Quiet hours until ${clockText(input.quiet.endsAt, timeZone)}` : undefined;
  return [
    `📟 Status ${clockText(now, timeZone)}`,
    head,
    ...positionLines(positions, REPORT_LIMITS.statusPositions).map((l) => l.text),
    `${span}: ${day}`,
    `Herald: backlog ${health.backlog}${disabled}`,
    error,
    ...(quiet ? [quiet] : []),
    ...(input.notes ?? []),
  ].join('\n');
}
