import { describe, expect, it } from 'vitest';
import type { MonthValue } from '../../../src/model/kpi-projection';
import { orderKeyOfNumber } from '../../../src/model/order-key';
import {
  byFiscalMonth,
  countKpiRows,
  defaultMonth,
  describeForecast,
  forecastLine,
  groupKpiRows,
  isOffTrack,
  kpiColumns,
  kpiDetailView,
  kpiRows,
  baselineCell,
  countsLine,
  type KpiColumns,
  type KpiRow,
} from '../../../src/model/kpi-rows';
import type { Kpi, KpiTarget, Measurement, Section } from '../../../src/model/schemas';
import { monthsOfFiscalYear } from '../../../src/model/wareki';

const stamp = { updatedAt: '2024-06-01T00:00:00.000Z', updatedBy: 'test' };
const FY = 2024;

function section(id: string, place: number, deleted = false): Section {
  return { id, planId: 'p', parentId: null, label: id, title: `${id}の見出し`, order: orderKeyOfNumber(place), deleted, ...stamp };
}

function kpi(id: string, sectionId: string | null, place: number, target: KpiTarget, extra: Partial<Kpi> = {}): Kpi {
  return { id, planId: 'p', sectionId, name: id, unit: '%', target, order: orderKeyOfNumber(place), deleted: false, ...stamp, ...extra };
}

function measurement(kpiId: string, month: string, value: number | null): Measurement {
  return { id: `measurement:${kpiId}:${month}`, planId: 'p', kpiId, month, value, ...stamp };
}

const atLeast = (value: number): KpiTarget => ({ kind: 'value', value, direction: '以上' });
const previousYear = (previousValue: number | null): KpiTarget => ({ kind: 'previousYear', previousValue, direction: '以上' });
const qualitative: KpiTarget = { kind: 'qualitative', text: '毎月情報発信を行う' };

// s1: mail (対前年度 98.4%以上, not building up) and checkup (60%以上, builds up over the year);
// s2: web (qualitative); then a KPI with no section and one whose section is deleted.
const SECTIONS = [section('s1', 0), section('s2', 1), section('gone', 2, true)];
const KPIS = [
  kpi('web', 's2', 0, qualitative),
  kpi('checkup', 's1', 1, atLeast(60), { cumulative: true }),
  kpi('mail', 's1', 0, previousYear(98.4)),
  kpi('loose', null, 0, atLeast(10)),
  kpi('orphan', 'gone', 0, atLeast(10)),
  kpi('dropped', 's1', 2, atLeast(10), { deleted: true }),
];
const MEASUREMENTS = [
  measurement('mail', '2024-05', 98.6),
  measurement('mail', '2024-06', 98.2),
  // A cleared month does not count as the latest actual.
  measurement('mail', '2024-07', null),
  // Four a month from April: 48% in March, short of 60%.
  measurement('checkup', '2024-04', 4),
  measurement('checkup', '2024-05', 8),
  measurement('loose', '2024-05', 12),
];
const rows = kpiRows(FY, SECTIONS, KPIS, MEASUREMENTS, new Map());
const rowOf = (id: string) => rows.find((r) => r.kpi.id === id)!;

describe('kpiRows', () => {
  it('lists the live KPIs in plan order', () => {
    expect(rows.map((r) => r.kpi.id)).toEqual(['mail', 'checkup', 'web', 'loose', 'orphan']);
  });

  it('gives each KPI its target in words, its latest actual with the month and the judgement', () => {
    expect(rows.map((r) => [r.kpi.id, r.target, r.latest, r.judgement.month, r.judgement.status])).toEqual([
      ['mail', '対前年度（98.4%）以上', 98.2, '2024-06', '未達'],
      ['checkup', '60%以上', 8, '2024-05', '未達'],
      ['web', '毎月情報発信を行う', null, null, '判定不可'],
      ['loose', '10%以上', 12, '2024-05', '達成'],
      ['orphan', '10%以上', null, null, '判定不可'],
    ]);
    expect(rowOf('mail').judgement.gap).toBe(-0.2);
  });

  it('keeps each KPI’s own measurements', () => {
    expect(rowOf('mail').measurements.map((m) => m.month)).toEqual(['2024-05', '2024-06', '2024-07']);
    expect(rowOf('web').measurements).toEqual([]);
  });

  it('projects a KPI that builds up to March, and shows it as a forecast; others get no forecast', () => {
    expect(rowOf('checkup').forecast).toMatchObject({ method: 'pace', projected: 48, status: '未達見込み' });
    expect(rowOf('checkup').forecast).toBe(rowOf('checkup').projection);
    expect(rowOf('mail').projection.gap).toBe('notCumulative');
    expect(rowOf('mail').forecast).toBeNull();
    expect(rowOf('web').projection.gap).toBe('qualitative');
  });

  it('does not show a forecast once March is reported: the actual is the year-end value', () => {
    const [row] = kpiRows(FY, SECTIONS, [KPIS[1]!], [measurement('checkup', '2024-04', 4), measurement('checkup', '2025-03', 61)], new Map());
    expect(row!.projection.method).toBe('final');
    expect(row!.forecast).toBeNull();
  });

  it('projects on last year’s curve of the same KPI when it is given, and keeps it for the chart', () => {
    const lastYear: MonthValue[] = [
      { month: '2023-04', value: 5 },
      { month: '2023-05', value: 10 },
      { month: '2024-03', value: 70 },
    ];
    const [row] = kpiRows(FY, SECTIONS, [KPIS[1]!], MEASUREMENTS, new Map([['checkup', lastYear]]));
    expect(row!.lastYear).toBe(lastYear);
    // 8 in May against 10 last May: 0.8 × last March's 70.
    expect(row!.forecast).toMatchObject({ method: 'lastYearRatio', projected: 56 });
  });
});

describe('countKpiRows', () => {
  it('counts the judgements: checkup (building up) by its projection, orphan as 実績未入力', () => {
    expect(countKpiRows(rows)).toEqual({ 達成: 1, 未達: 1, 達成見込み: 0, 未達見込み: 1, 判定不可: 1, 実績未入力: 1 });
    expect(countKpiRows([])).toEqual({ 達成: 0, 未達: 0, 達成見込み: 0, 未達見込み: 0, 判定不可: 0, 実績未入力: 0 });
  });
});

describe('isOffTrack', () => {
  it('is the dashboard’s rule: the judgement shown, which for a build-up is its projection', () => {
    expect(rows.map((r) => [r.kpi.id, isOffTrack(r)])).toEqual([
      ['mail', true],
      ['checkup', true],
      ['web', false],
      ['loose', false],
      ['orphan', false],
    ]);
    const onPace: KpiRow = { ...rowOf('checkup'), assessment: { ...rowOf('checkup').assessment, status: '達成見込み' } };
    expect(isOffTrack(onPace)).toBe(false);
  });
});

describe('groupKpiRows', () => {
  const shape = (groups: ReturnType<typeof groupKpiRows>) => groups.map((g) => [g.section?.id ?? null, g.rows.map((r) => r.kpi.id)]);

  it('puts consecutive KPIs of one section in one group; no section and a deleted one share the last', () => {
    expect(shape(groupKpiRows(rows, SECTIONS, false))).toEqual([
      ['s1', ['mail', 'checkup']],
      ['s2', ['web']],
      [null, ['loose', 'orphan']],
    ]);
  });

  it('keeps only the KPIs off track when asked', () => {
    expect(shape(groupKpiRows(rows, SECTIONS, true))).toEqual([['s1', ['mail', 'checkup']]]);
    expect(groupKpiRows(rows.slice(2), SECTIONS, true)).toEqual([]);
  });

  it('names each group by its labels from the pillar down, so that two （１） of different sections differ', () => {
    const nested: Section[] = [
      { ...section('p', 0), label: '２．' },
      { ...section('p2', 1), parentId: 'p', label: 'Ⅱ' },
      { ...section('p2-5', 5), parentId: 'p2', label: '（５）' },
      { ...section('p3', 2), parentId: 'p', label: 'Ⅲ' },
      { ...section('p3-1', 1), parentId: 'p3', label: '（１）' },
    ];
    const target: KpiTarget = { kind: 'value', value: 100, direction: '以上' };
    const nestedRows = kpiRows(FY, nested, [kpi('a', 'p2-5', 0, target), kpi('b', 'p3-1', 1, target), kpi('c', null, 2, target)], [], new Map());
    expect(groupKpiRows(nestedRows, nested, false).map((g) => g.labelPath)).toEqual(['２．Ⅱ（５）', '２．Ⅲ（１）', '']);
  });
});

describe("the plan's own columns", () => {
  const sengen = kpi('sengen', null, 0, atLeast(7200), {
    unit: '事業所',
    previousTarget: atLeast(7140),
    baseline: { value: 7013, month: '2024-11' },
    population: { label: '実施対象者数', value: 434351, unit: '人' },
    expected: { label: '実施見込者数', value: 295359, unit: '人' },
  });

  it.each<[string, Kpi[], KpiColumns]>([
    ["seed 004's 目標 alone", [kpi('a', null, 0, atLeast(60))], { target: '目標', previousTarget: null, baseline: null }],
    ["seed 002's three", [sengen, kpi('a', null, 1, atLeast(60))], { target: '令和7年度KPI', previousTarget: '令和6年度KPI', baseline: '現状' }],
    ['a deleted KPI does not add a column', [{ ...sengen, deleted: true }], { target: '目標', previousTarget: null, baseline: null }],
  ])('%s', (_, kpis, columns) => {
    expect(kpiColumns(2025, kpis)).toEqual(columns);
  });

  it('writes the 現状 with its month or range, and the counts', () => {
    expect(baselineCell(sengen)).toBe('7,013事業所（令和6年11月末）');
    expect(baselineCell({ ...sengen, unit: '%', decimals: 1, baseline: { value: 35.7, from: '2023-04', month: '2023-10', note: '健診受診分' } })).toBe(
      '35.7%（令和5年4月～令和5年10月 健診受診分）',
    );
    expect(baselineCell(kpi('a', null, 0, atLeast(60)))).toBeNull();
    expect(countsLine(sengen)).toBe('実施対象者数 434,351人・実施見込者数 295,359人');
    expect(countsLine(kpi('a', null, 0, atLeast(60)))).toBeNull();
  });

  it('counts a KPI without an actual as 実績未入力, apart from other 判定不可', () => {
    const rows = kpiRows(
      FY,
      [],
      [kpi('none', null, 0, atLeast(60)), kpi('q', null, 1, qualitative), kpi('met', null, 2, atLeast(60))],
      [measurement('q', '2024-05', 1), measurement('met', '2024-05', 61)],
      new Map(),
    );
    expect(countKpiRows(rows)).toEqual({ 達成: 1, 未達: 0, 達成見込み: 0, 未達見込み: 0, 判定不可: 1, 実績未入力: 1 });
  });
});

describe('describeForecast', () => {
  it('says the March value and its judgement with the gap', () => {
    expect(describeForecast(rowOf('checkup').kpi, rowOf('checkup').forecast!, '2025-03')).toBe('令和7年3月（2025年3月）の見込みは48%、未達見込み（−12%）。');
  });

  it('says why a projection cannot be judged', () => {
    const noBound = kpi('k', null, 0, previousYear(null), { cumulative: true });
    const [row] = kpiRows(FY, [], [noBound], [measurement('k', '2024-04', 4), measurement('k', '2024-05', 8)], new Map());
    expect(describeForecast(noBound, row!.forecast!, '2025-03')).toBe(
      '令和7年3月（2025年3月）の見込みは48%（前年度の値がないため、見込みを目標と比べられません）。',
    );
  });
});

describe('byFiscalMonth', () => {
  it('puts the values of one fiscal year in month order from April, leaving out other years and empty values', () => {
    const values: MonthValue[] = [
      { month: '2024-03', value: 1 },
      { month: '2024-04', value: 2 },
      { month: '2024-06', value: null },
      { month: '2025-03', value: 3 },
    ];
    expect(byFiscalMonth(values, 2024)).toEqual([2, null, null, null, null, null, null, null, null, null, null, 3]);
  });

  it('is null when the year has no value at all', () => {
    expect(byFiscalMonth([{ month: '2024-04', value: null }], 2024)).toBeNull();
    expect(byFiscalMonth([], 2024)).toBeNull();
  });
});

describe('forecastLine', () => {
  it('runs from the latest actual to March', () => {
    expect(forecastLine(rowOf('checkup').forecast)).toEqual([null, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48]);
  });

  it('is null without a forecast', () => {
    expect(forecastLine(null)).toBeNull();
  });
});

describe('kpiDetailView', () => {
  it('gives the year by month, the recorded months and the chart in words', () => {
    const view = kpiDetailView(rowOf('mail'), FY);
    expect(view.months).toEqual(monthsOfFiscalYear(FY));
    expect(view.values).toEqual([null, 98.6, 98.2, null, null, null, null, null, null, null, null, null]);
    expect(view.recorded).toEqual([
      { month: '2024-05', value: 98.6 },
      { month: '2024-06', value: 98.2 },
    ]);
    expect(view).toMatchObject({ lastYear: null, projected: null, forecastText: null });
    expect(view.summary).toBe(
      'mailの令和6年度（2024年度）の月別実績のグラフ。目標は対前年度（98.4%）以上。最新の実績は令和6年6月（2024年6月）時点で98.2%、未達（−0.2%）。',
    );
  });

  it('tells of the forecast and of last year’s actuals when there are', () => {
    const row: KpiRow = { ...rowOf('checkup'), lastYear: [{ month: '2024-03', value: 57.5 }] };
    const view = kpiDetailView(row, FY);
    expect(view.forecastText).toBe('令和7年3月（2025年3月）の見込みは48%、未達見込み（−12%）。');
    expect(view.projected).toEqual(forecastLine(row.forecast));
    expect(view.lastYear?.[11]).toBe(57.5);
    expect(view.summary).toBe(
      'checkupの令和6年度（2024年度）の月別実績のグラフ。目標は60%以上。最新の実績は令和6年5月（2024年5月）時点で8%、未達見込み。' +
        `破線は年度末までの見込みで、令和7年3月（2025年3月）の見込みは48%、未達見込み（−12%）。見込みの出し方：${row.forecast!.description}。` +
        '点線は前年度（令和5年度）の実績で、3月は57.5%。',
    );
  });

  it('says when there is no actual yet', () => {
    expect(kpiDetailView(rowOf('web'), FY)).toMatchObject({
      recorded: [],
      summary: 'webの令和6年度（2024年度）の月別実績のグラフ。目標は毎月情報発信を行う。実績はまだありません。',
    });
  });
});

describe('defaultMonth', () => {
  const months = monthsOfFiscalYear(FY);
  it.each<[string | null, string]>([
    [null, '2024-04'],
    ['2024-06', '2024-07'],
    ['2025-03', '2025-03'],
  ])('after %s offers %s', (latest, expected) => {
    expect(defaultMonth(months, latest)).toBe(expected);
  });
});
