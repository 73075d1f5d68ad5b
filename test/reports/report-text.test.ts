/** The periodic report and /status as read on a phone: exact texts, empty cases, the caption limit, the chart data. */
import { describe, expect, it } from 'vitest';
import { ActivityTally, type ActivityFigures } from '../../src/reports/activity.js';
import type { HeraldHealth } from '../../src/reports/health.js';
import { buildReport, buildStatus, CAPTION_MAX, REPORT_LIMITS, type ReportInput } from '../../src/reports/report-text.js';
import { normaliseSnapshot, type Snapshot, type SnapshotPosition } from '../../src/reports/snapshot.js';

const z = (iso: string): number => Date.parse(iso);
const NOW = z('2024-01-10T07:00:00Z'); // 08:00 in Berlin
const FROM = z('2024-01-09T07:00:00Z');
const healthy: HeraldHealth = { delivered: 120, failed: 0, dropped: 0, backlog: 0, disabled: [], destinations: 2 };

/** 14 fills (9 buys, 5 sells), 5 closed (3 in profit, +120.50), one error at 07:12 Berlin. */
function busyPeriod(): ActivityFigures {
  const t = new ActivityTally(FROM);
  for (let i = 0; i < 9; i++) t.record('order.filled', { symbol: 'BTC/USDT', side: 'buy', qty: 0.1, price: 64000 }, FROM + 1000);
  for (let i = 0; i < 5; i++) t.record('order.filled', { symbol: 'BTC/USDT', side: 'sell', qty: 0.096, price: 64000 }, FROM + 2000);
  [50, 80, -20, 30.5, -20].forEach((pnl, i) => t.record('position.closed', { symbol: 'BTC/USDT', pnl }, FROM + 3_600_000 * (i + 1)));
  t.record('error', { error: new Error('Binance timeout') }, z('2024-01-10T06:12:00Z'));
  return t.peek(NOW);
}

const quiet = (): ActivityFigures => new ActivityTally(FROM).peek(NOW);

const snapshot = (raw: unknown): Snapshot => normaliseSnapshot(raw).snapshot!;
const twoPositions = snapshot({
  positions: [
    { symbol: 'BTC/USDT', side: 'long', qty: 0.5, entryPrice: 64210.5, markPrice: 65100 },
    { symbol: 'ETH/USDT', side: 'short', qty: 2, entryPrice: 3100, markPrice: 3150 },
  ],
  balances: [
    { asset: 'USDT', total: 10234.5 },
    { asset: 'BTC', total: 0.5 },
  ],
  realisedPnl: 1234,
});

const input = (over: Partial<ReportInput> = {}): ReportInput => ({
  activity: quiet(),
  health: healthy,
  periodLabel: 'last 24 h',
  now: NOW,
  timeZone: 'Europe/Berlin',
  ...over,
});

const position = (i: number, over: Partial<SnapshotPosition> = {}): SnapshotPosition => ({
  symbol: `COIN${i}/USDT`,
  side: 'long',
  qty: 1,
  entryPrice: 100,
  markPrice: 100 + i,
  pnl: i,
  pnlPct: i,
  ...over,
});

describe('buildReport', () => {
  it('a busy day: positions, realised PnL, win rate, fills, errors, balances, health', () => {
    const r = buildReport(input({ snapshot: twoPositions, activity: busyPeriod(), health: { ...healthy, disabled: ['discord:…/alerts'], destinations: 3 } }));
    expect(r.text).toBe(
      [
        '📊 Report 08:00 · last 24 h',
        'Open positions: 2 · unrealised +344.75',
        '🟢 BTC/USDT LONG 0.5 · 64,210.50 → 65,100.00 · +444.75 (+1.39%)',
        '🔴 ETH/USDT SHORT 2 · 3,100.00 → 3,150.00 · -100.00 (-1.61%)',
        'Realised: +120.50 · 3 of 5 closed in profit (60%) · total +1,234.00',
        'Fills: 14 · 9 buys, 5 sells',
        '🚨 1 error · last 07:12: Binance timeout',
        'Balances: USDT 10,234.5 · BTC 0.5',
        'Herald: 120 delivered, 0 failed, 0 dropped, backlog 0',
        '⚠️ Disabled: discord:…/alerts',
      ].join('\n'),
    );
    expect(r.caption).toBe(r.text);
  });

  it('a quiet period says so instead of leaving blanks', () => {
    expect(buildReport(input()).text).toBe(
      ['📊 Report 08:00 · last 24 h', 'No open positions', 'No positions closed', 'No fills', 'Herald: 120 delivered, 0 failed, 0 dropped, backlog 0'].join(
        '\n',
      ),
    );
  });

  it('the card carries the same report: figures as fields, lines as the description', () => {
    const { card } = buildReport(input({ snapshot: twoPositions, activity: busyPeriod() }));
    expect(card.title).toBe('📊 Report 08:00 · last 24 h');
    expect(card.tone).toBe('info');
    expect(card.fields.map((f) => `${f.name}: ${f.value}`)).toEqual([
      'Positions: 2',
      'Unrealised: +344.75',
      'Realised: +120.50',
      'Win rate: 3/5 (60%)',
      'Fills: 14',
      'Backlog: 0',
    ]);
    expect(card.description).toContain('🟢 BTC/USDT LONG 0.5 · 64,210.50 → 65,100.00 · +444.75 (+1.39%)');
    expect(card.description).toContain('Herald: 120 delivered, 0 failed, 0 dropped, backlog 0');
    expect(card.footer).toBe('Herald report · Europe/Berlin');
    expect(card.timestamp).toBe(NOW);
  });

  it('without a snapshot: the positions followed from events, said as such; an unknown mark is a ?', () => {
    const r = buildReport(input({ eventPositions: [{ symbol: 'SOL/USDT', side: 'short', qty: 3, entryPrice: 150 }] }));
    expect(r.text.split('\n').slice(1, 3)).toEqual(['Open positions: 1 (from events)', '⚪ SOL/USDT SHORT 3 · 150.00 → ?']);
  });

  it('a snapshot with no positions list falls back to events; an empty list means none', () => {
    const events = [position(1)];
    expect(buildReport(input({ snapshot: snapshot({ balances: [] }), eventPositions: events })).text).toContain('Open positions: 1');
    expect(buildReport(input({ snapshot: snapshot({ positions: [] }), eventPositions: events })).text).toContain('No open positions');
  });

  it('no unrealised total across quote currencies', () => {
    const r = buildReport(input({ snapshot: snapshot({ positions: [position(1), position(2, { symbol: 'ETH/BTC' })] }) }));
    expect(r.text.split('\n')[1]).toBe('Open positions: 2');
  });

  it('biggest movers first, either way', () => {
    const r = buildReport(input({ snapshot: { positions: [position(1), position(5, { pnl: -50 }), position(3)] } }));
    expect(
      r.text
        .split('\n')
        .slice(2, 5)
        .map((l) => l.split(' ')[1]),
    ).toEqual(['COIN5/USDT', 'COIN3/USDT', 'COIN1/USDT']);
  });

  it('says when the host snapshot had unreadable rows', () => {
    expect(
      buildReport(input({ snapshotDropped: 2 }))
        .text.split('\n')
        .at(-1),
    ).toBe("⚠️ The host's snapshot had 2 unreadable rows");
  });

  it('more positions than the caption holds: the text lists up to its cap, the caption five, each with +N more', () => {
    const positions = Array.from({ length: 20 }, (_, i) => position(i + 1));
    const r = buildReport(input({ snapshot: { positions } }));
    const listed = (text: string): number => text.split('\n').filter((l) => l.includes('COIN')).length;
    expect(listed(r.text)).toBe(REPORT_LIMITS.listedPositions);
    expect(r.text).toContain(`\n+${20 - REPORT_LIMITS.listedPositions} more\n`);
    expect(listed(r.caption)).toBe(REPORT_LIMITS.captionPositions);
    expect(r.caption).toContain(`\n+${20 - REPORT_LIMITS.captionPositions} more\n`);
    expect(r.caption.length).toBeLessThanOrEqual(CAPTION_MAX);
  });

  it('five positions of the longest kind still fit a caption, leaving out the least needed lines first', () => {
    const long = 'X'.repeat(200);
    const positions = Array.from({ length: 5 }, (_, i) =>
      position(i, { symbol: `${long}${i}`, qty: 12345678.12345678, entryPrice: 123456789.12, markPrice: 0.00012345, pnl: -123456789012.34, pnlPct: -99.99 }),
    );
    const r = buildReport(
      input({
        snapshot: { positions, balances: Array.from({ length: 10 }, (_, i) => ({ asset: `${long}${i}`, total: 1e12 })) },
        activity: busyPeriod(),
        health: { ...healthy, disabled: Array.from({ length: 10 }, (_, i) => `${long}${i}`) },
        periodLabel: 'last 1 h 30 min',
        snapshotDropped: 3,
      }),
    );
    expect(r.text).toBe(r.caption);
    expect(r.text.length).toBeLessThanOrEqual(CAPTION_MAX);
    expect(r.text.split('\n').filter((l) => l.includes('XXX')).length).toBeGreaterThanOrEqual(5);
    expect(r.text).toContain('Herald: 120 delivered');
    // The note went first, then the balances; the disabled list became a count.
    expect(r.text).not.toContain('unreadable');
    expect(r.text).not.toContain('Balances');
  });

  it('the chart: host equity within the period, else all of it, else the running realised PnL, else none', () => {
    const inside = [
      { t: FROM - 10, value: 1 },
      { t: FROM + 10, value: 2 },
      { t: FROM + 20, value: 3 },
    ];
    expect(buildReport(input({ snapshot: { equity: inside } })).equity).toEqual({ title: 'Equity', points: inside.slice(1) });
    const before = [
      { t: FROM - 20, value: 1 },
      { t: FROM - 10, value: 2 },
    ];
    expect(buildReport(input({ snapshot: { equity: before } })).equity).toEqual({ title: 'Equity', points: before });
    const realised = buildReport(input({ activity: busyPeriod() })).equity!;
    expect(realised.title).toBe('Realised PnL');
    expect(realised.points[0]).toEqual({ t: FROM, value: 0 });
    expect(realised.points.at(-1)!.value).toBe(120.5);
    expect(buildReport(input()).equity).toBeUndefined();
  });
});

describe('buildStatus', () => {
  it('positions, the day so far, the backlog, the last error, quiet hours', () => {
    const t = new ActivityTally(z('2024-01-09T23:00:00Z')); // local midnight
    t.record('order.filled', { symbol: 'BTC/USDT', side: 'buy', qty: 1 }, NOW);
    t.record('position.closed', { pnl: 12.5 }, NOW);
    t.record('error', 'rate limited', z('2024-01-10T06:12:00Z'));
    const text = buildStatus({
      snapshot: twoPositions,
      today: t.peek(NOW),
      health: { ...healthy, backlog: 3, disabled: ['slack:#ops'], destinations: 3 },
      now: z('2024-01-10T07:30:00Z'),
      timeZone: 'Europe/Berlin',
      quiet: { quiet: true, endsAt: z('2024-01-10T08:00:00Z') },
      notes: ['🔕 Muted until 10:00'],
    });
    expect(text).toBe(
      [
        '📟 Status 08:30',
        'Positions: 2 open · unrealised +344.75',
        '🟢 BTC/USDT LONG 0.5 · 64,210.50 → 65,100.00 · +444.75 (+1.39%)',
        '🔴 ETH/USDT SHORT 2 · 3,100.00 → 3,150.00 · -100.00 (-1.61%)',
        'Today: realised +12.50 · 1 of 1 closed in profit (100%) · 1 fill',
        'Herald: backlog 3 · 1 of 3 destinations disabled (slack:#ops)',
        'Last error 07:12 (1 h 18 min ago): rate limited',
        '🌙 Quiet hours until 09:00',
        '🔕 Muted until 10:00',
      ].join('\n'),
    );
  });

  it('nothing yet, since a start during the day', () => {
    const text = buildStatus({ today: new ActivityTally(z('2024-01-10T06:12:00Z')).peek(NOW), health: healthy, now: NOW, timeZone: 'Europe/Berlin' });
    expect(text).toBe(['📟 Status 08:00', 'No open positions', 'Since 07:12: nothing realised · 0 fills', 'Herald: backlog 0', 'No errors'].join('\n'));
  });

  it('lists three positions at most', () => {
    const text = buildStatus({ snapshot: { positions: [1, 2, 3, 4, 5].map((i) => position(i)) }, today: quiet(), health: healthy, now: NOW, timeZone: 'UTC' });
    expect(text.split('\n').filter((l) => l.includes('COIN'))).toHaveLength(REPORT_LIMITS.statusPositions);
    expect(text).toContain('\n+2 more\n');
  });
});
