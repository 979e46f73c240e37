import { describe, expect, it } from 'vitest';
import {
  isCumulativeKpi,
  projectKpi,
  type MonthValue,
  type ProjectionGap,
  type ProjectionInput,
  type ProjectionMethod,
  type ProjectionStatus,
} from '../../../src/model/kpi-projection';
import { parsePlanFile, planFileToRecords, recordsToPlanFile, type PlanFile } from '../../../src/model/plan-file';
import type { Kpi, KpiTarget } from '../../../src/model/schemas';
import demo from '../../../src/demo/tokyo-r6.plan.json';

type KpiLike = ProjectionInput['kpi'];

const atLeast = (value: number): KpiTarget => ({ kind: 'value', value, direction: '以上' });
const atMost = (value: number): KpiTarget => ({ kind: 'value', value, direction: '以下' });
const overLastYear = (previousValue: number | null): KpiTarget => ({ kind: 'previousYear', previousValue, direction: '以上' });

function kpi(name: string, target: KpiTarget, unit = '%', cumulative?: boolean): KpiLike {
  return { name, unit, target, ...(cumulative === undefined ? {} : { cumulative }) };
}

/** A curve from fiscal-month values, April first: [4月, 5月, …]; null = not reported. */
function curve(fiscalYear: number, values: (number | null)[]): MonthValue[] {
  return values.map((value, i) => {
    const m = 4 + i;
    const month = m <= 12 ? `${fiscalYear}-${String(m).padStart(2, '0')}` : `${fiscalYear + 1}-${String(m - 12).padStart(2, '0')}`;
    return { month, value };
  });
}

describe('isCumulativeKpi', () => {
  it.each<[string, boolean | undefined, boolean]>([
    ['生活習慣病予防健診実施率', undefined, true],
    ['事業者健診データ取得率', undefined, true],
    ['被扶養者の特定健診実施率', undefined, true],
    ['被保険者の特定保健指導の実施率', undefined, true],
    ['特定保健指導実施率（被扶養者）', undefined, true],
    ['生活習慣病予防健診受診率', undefined, true],
    ['現金給付等の申請に係る郵送化率', undefined, false],
    ['健康宣言事業所数', undefined, false],
    ['年度末時点のジェネリック医薬品使用割合', undefined, false],
    ['健診受診月から10か月以内に医療機関を受診した者の割合', undefined, false],
    // The field decides over the name, both ways.
    ['返納金債権の回収率', true, true],
    ['生活習慣病予防健診実施率（直近12か月）', false, false],
  ])('%s (cumulative: %s) → %s', (name, cumulative, expected) => {
    expect(isCumulativeKpi({ name, ...(cumulative === undefined ? {} : { cumulative }) })).toBe(expected);
  });
});

describe('projectKpi: the Tokyo demo plan (seed 004) as of 令和6年5月', () => {
  const parsed = parsePlanFile(demo);
  if (!parsed.ok) throw new Error('the demo plan must be valid');
  const file = parsed.file;
  // Seed 004 reports the 健診 and 保健指導 rates as － (none yet); everything measured is a level
  // or a count, not a build-up, so no KPI of the demo gets a projection, and none is guessed.
  const EXPECTED: Record<string, ProjectionGap> = {
    'k-service-standard': 'notCumulative',
    'k-mail-rate': 'notCumulative',
    'k-assessment-rate': 'notCumulative',
    'k-assessment-amount': 'notCumulative',
    'k-refund-collection': 'notCumulative',
    'k-card-collection': 'notCumulative',
    'k-checkup-insured': 'noActual',
    'k-employer-checkup-data': 'noActual',
    'k-checkup-dependents': 'noActual',
    'k-guidance-insured': 'noActual',
    'k-guidance-dependents': 'noActual',
    'k-followup-visit': 'notCumulative',
    'k-health-declaration': 'notCumulative',
    'k-generic-share': 'notCumulative',
    'k-commissioner-coverage': 'notCumulative',
    'k-commissioner-offices': 'notCumulative',
    'k-single-bid': 'notCumulative',
  };
  it.each((file.kpis ?? []).map((k) => [k.id, k] as const))('%s', (id, k) => {
    const actuals = (file.measurements ?? []).filter((m) => m.kpi === id);
    const p = projectKpi({ kpi: k, fiscalYear: file.plan.fiscalYear, actuals });
    expect(p).toMatchObject({ status: '判定不可', method: null, gap: EXPECTED[id], projected: null, points: [] });
  });

  // The demo's 健診 targets with figures as of R6.10 (R6.10末 is how seed 002 reports 現状; the
  // October and September actuals here are made up, on the scale of seed 002's 30.3% and 22.5%).
  it.each<[string, KpiTarget, MonthValue[], MonthValue[] | undefined, ProjectionStatus, ProjectionMethod | null, number | null]>([
    // One month and no curve: no guess.
    ['生活習慣病予防健診実施率', atLeast(60), curve(2024, [null, null, null, null, null, null, 30.3]), undefined, '判定不可', null, null],
    // Pace since the first report: 30.3 + (30.3 − 25.8) × 5 = 52.8 < 60.
    ['生活習慣病予防健診実施率', atLeast(60), curve(2024, [null, null, null, null, null, 25.8, 30.3]), undefined, '未達見込み', 'pace', 52.8],
    // Last year: 29.0% at October, 61.5% at March; 61.5 × 30.3 / 29.0 = 64.256…
    [
      '生活習慣病予防健診実施率',
      atLeast(60),
      curve(2024, [null, null, null, null, null, null, 30.3]),
      curve(2023, [3, 7.5, 12, 16.4, 20.9, 25, 29, 33, 38.2, 44.8, 53, 61.5]),
      '達成見込み',
      'lastYearRatio',
      64.256896552,
    ],
    ['被保険者の特定保健指導実施率', atLeast(11.4), curve(2024, [1.2, 2.9, 4.4, 5.8, 7.1, 8.5, 9.6]), undefined, '達成見込み', 'pace', 9.6 + (8.4 / 6) * 5],
    ['事業者健診データ取得率', atLeast(3.8), curve(2024, [0.1, 0.3, 0.6, 0.9, 1.1, 1.4, 1.6]), undefined, '未達見込み', 'pace', 1.6 + (1.5 / 6) * 5],
  ])('%s %j', (name, target, actuals, lastYear, status, method, projected) => {
    const p = projectKpi({ kpi: kpi(name, target), fiscalYear: 2024, actuals, lastYear });
    expect(p.status).toBe(status);
    expect(p.method).toBe(method);
    if (projected === null) expect(p.projected).toBeNull();
    else expect(p.projected).toBeCloseTo(projected, 6);
  });
});

describe('projectKpi: methods', () => {
  const checkup = kpi('生活習慣病予防健診実施率', atLeast(60));

  it('scales last year by the ratio at the latest month both years have, month by month', () => {
    const lastYear = curve(2023, [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60]);
    const p = projectKpi({ kpi: checkup, fiscalYear: 2024, actuals: curve(2024, [6, 12, 18]), lastYear });
    expect(p).toMatchObject({ status: '達成見込み', method: 'lastYearRatio', basisMonth: '2024-06', projected: 72, gap: null });
    expect(p.description).toBe('前年度の月ごとの推移に、令和6年6月時点の前年同月比（1.2倍）を掛けた見込み');
    expect(p.points.map((x) => [x.month, x.value, x.kind])).toEqual([
      ['2024-04', 6, 'actual'],
      ['2024-05', 12, 'actual'],
      ['2024-06', 18, 'actual'],
      ['2024-07', 24, 'projected'],
      ['2024-08', 30, 'projected'],
      ['2024-09', 36, 'projected'],
      ['2024-10', 42, 'projected'],
      ['2024-11', 48, 'projected'],
      ['2024-12', 54, 'projected'],
      ['2025-01', 60, 'projected'],
      ['2025-02', 66, 'projected'],
      ['2025-03', 72, 'projected'],
    ]);
    expect(p.judgement).toEqual({ status: '達成', target: 60, gap: 12 });
  });

  it('uses the latest common month when last year lacks the latest month, and skips months last year lacks', () => {
    const lastYear = curve(2023, [5, 10, null, 20, null, 30, 35, 40, 45, 50, 55, 50]);
    const p = projectKpi({ kpi: checkup, fiscalYear: 2024, actuals: curve(2024, [4, 8, 12]), lastYear });
    expect(p.method).toBe('lastYearRatio');
    expect(p.description).toContain('令和6年5月時点の前年同月比（0.8倍）');
    expect(p.points.filter((x) => x.kind === 'projected').map((x) => x.month)).toEqual([
      '2024-07',
      '2024-09',
      '2024-10',
      '2024-11',
      '2024-12',
      '2025-01',
      '2025-02',
      '2025-03',
    ]);
    expect(p).toMatchObject({ projected: 40, status: '未達見込み', judgement: { gap: -20 } });
  });

  it('falls back to the pace when last year has no March or no month in common', () => {
    const noMarch = curve(2023, [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, null]);
    const noCommon = curve(2023, [null, null, null, 20, 25, 30, 35, 40, 45, 50, 55, 60]);
    for (const lastYear of [noMarch, noCommon]) {
      const p = projectKpi({ kpi: checkup, fiscalYear: 2024, actuals: curve(2024, [5, 10, 15]), lastYear });
      expect(p).toMatchObject({ method: 'pace', projected: 60, status: '達成見込み' });
    }
  });

  it('extends the pace between the first and the latest report, ignoring gaps', () => {
    const p = projectKpi({ kpi: checkup, fiscalYear: 2024, actuals: curve(2024, [null, 4, null, null, 16]) });
    expect(p.method).toBe('pace');
    expect(p.description).toBe('令和6年5月から令和6年8月までの月平均の伸び（4%/月）が3月まで続くとした見込み');
    expect(p.projected).toBe(44);
    expect(p.points).toHaveLength(2 + 7);
  });

  it('takes March itself once it is reported', () => {
    const p = projectKpi({ kpi: checkup, fiscalYear: 2024, actuals: curve(2024, [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 59.9]) });
    expect(p).toMatchObject({ method: 'final', projected: 59.9, status: '未達見込み', basisMonth: '2025-03', description: '令和7年3月の実績（年度末）' });
    expect(p.points.every((x) => x.kind === 'actual')).toBe(true);
  });

  it('holds the latest actual when the figures fell (a correction), never projecting below it', () => {
    const p = projectKpi({ kpi: checkup, fiscalYear: 2024, actuals: curve(2024, [30, 20]) });
    expect(p).toMatchObject({ method: 'pace', projected: 20, status: '未達見込み' });
    expect(p.points.filter((x) => x.kind === 'projected').every((x) => x.value === 20)).toBe(true);
  });

  it('cuts a share at 100%', () => {
    // Seed 002: 被扶養者の特定保健指導実施率 47.4% at R6.10末 against 14.2%; a pace past 100% is cut.
    const p = projectKpi({
      kpi: kpi('特定保健指導実施率（被扶養者）', atLeast(14.2)),
      fiscalYear: 2024,
      actuals: curve(2024, [null, null, null, null, null, 30.0, 47.4]),
    });
    expect(p).toMatchObject({ projected: 100, capped: true, status: '達成見込み' });
  });

  it('does not cut counts', () => {
    const p = projectKpi({ kpi: kpi('特定保健指導の実施者数', atLeast(100), '人', true), fiscalYear: 2024, actuals: curve(2024, [40, 80]) });
    expect(p).toMatchObject({ projected: 480, capped: false });
  });
});

describe('projectKpi: targets and directions', () => {
  const lastYear = curve(2023, [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 58.5]);
  it.each<[string, KpiTarget, ProjectionStatus, number | null, ProjectionGap | null]>([
    ["対前年度以上 with last year's value", overLastYear(58.5), '達成見込み', 58.5, null],
    ["対前年度以上 without a value takes last year's March", overLastYear(null), '達成見込み', 58.5, null],
    ['以下: projected over the bound', atMost(60), '未達見込み', 60, null],
    ['以上 exactly on the bound', atLeast(70.2), '達成見込み', 70.2, null],
  ])('%s', (_name, target, status, bound, gap) => {
    const p = projectKpi({ kpi: kpi('被扶養者の特定健診実施率', target), fiscalYear: 2024, actuals: curve(2024, [6, 12]), lastYear });
    expect(p.projected).toBeCloseTo(70.2, 9);
    expect(p.status).toBe(status);
    expect(p.judgement?.target).toBe(bound);
    expect(p.gap).toBe(gap);
  });

  it("projects 対前年度以上 without any last year's value but cannot judge it", () => {
    const p = projectKpi({ kpi: kpi('被扶養者の特定健診実施率', overLastYear(null)), fiscalYear: 2024, actuals: curve(2024, [6, 12]) });
    expect(p).toMatchObject({ status: '判定不可', method: 'pace', projected: 72, gap: 'noBound', description: expect.stringContaining('月平均の伸び') });
  });
});

describe('projectKpi: no projection', () => {
  it.each<[string, KpiLike, MonthValue[], MonthValue[] | undefined, ProjectionGap]>([
    [
      'qualitative target',
      kpi('特定健診の受診勧奨', { kind: 'qualitative', text: '全事業所に実施する' }, '', true),
      curve(2024, [1, 2]),
      undefined,
      'qualitative',
    ],
    ['a level, not a build-up', kpi('現金給付等の申請に係る郵送化率', overLastYear(98.4)), curve(2024, [98.5, 98.2]), undefined, 'notCumulative'],
    ['no actual', kpi('生活習慣病予防健診実施率', atLeast(60)), [], undefined, 'noActual'],
    ['only null actuals', kpi('生活習慣病予防健診実施率', atLeast(60)), curve(2024, [null, null]), undefined, 'noActual'],
    ['actuals of another year only', kpi('生活習慣病予防健診実施率', atLeast(60)), curve(2023, [5, 10]), undefined, 'noActual'],
    ['one month, no curve', kpi('生活習慣病予防健診実施率', atLeast(60)), curve(2024, [null, 8]), undefined, 'tooShort'],
    [
      'one month, a curve without that month',
      kpi('生活習慣病予防健診実施率', atLeast(60)),
      curve(2024, [null, 8]),
      curve(2023, [null, null, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60]),
      'tooShort',
    ],
    [
      'one month, last year 0 there',
      kpi('生活習慣病予防健診実施率', atLeast(60)),
      curve(2024, [1]),
      curve(2023, [0, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60]),
      'tooShort',
    ],
  ])('%s', (_name, k, actuals, lastYear, gap) => {
    const p = projectKpi({ kpi: k, fiscalYear: 2024, actuals, lastYear });
    expect(p).toEqual({
      status: '判定不可',
      method: null,
      gap,
      description: expect.any(String),
      projected: null,
      basisMonth: null,
      points: [],
      judgement: null,
      capped: false,
    });
  });

  it('accepts stored measurements as they are', () => {
    const stamp = { updatedAt: '', updatedBy: '' };
    const record: Kpi = {
      id: 'k',
      planId: 'p',
      sectionId: null,
      name: '生活習慣病予防健診実施率',
      unit: '%',
      target: atLeast(60),
      order: 'a0',
      deleted: false,
      ...stamp,
    };
    const ms = curve(2024, [5, 10]).map((m) => ({ id: `measurement:k:${m.month}`, planId: 'p', kpiId: 'k', ...m, ...stamp }));
    expect(projectKpi({ kpi: record, fiscalYear: 2024, actuals: ms }).projected).toBe(60);
  });
});

describe('the cumulative field of a KPI in the plan file', () => {
  const file: PlanFile = {
    format: 'jigyo-keikaku-plan',
    version: 2,
    plan: { branch: '東京支部', fiscalYear: 2024, title: '令和6年度 東京支部事業計画', periodKind: 'half' },
    sections: [],
    kpis: [
      { id: 'a', name: '返納金債権の回収率', unit: '%', target: overLastYear(50.35), cumulative: true },
      { id: 'b', name: '生活習慣病予防健診実施率（直近12か月）', unit: '%', target: atLeast(60), cumulative: false },
      { id: 'c', name: '生活習慣病予防健診実施率', unit: '%', target: atLeast(60) },
    ],
  };

  it('survives import and export, and stays absent where it was not set', () => {
    const records = planFileToRecords(file, { planId: 'p', now: '', author: 'test', newId: () => 'n' });
    expect(records.kpis.map((k) => [k.cumulative, isCumulativeKpi(k)])).toEqual([
      [true, true],
      [false, false],
      [undefined, true],
    ]);
    expect(recordsToPlanFile(records).kpis).toEqual(file.kpis);
  });

  it('is refused when it is not true or false', () => {
    const bad = { ...file, kpis: [{ ...file.kpis![0], cumulative: 'yes' }] };
    expect(parsePlanFile(bad)).toEqual({ ok: false, problems: [{ where: 'KPI 1番目（a） › 年度内累計', message: '形式が違います（boolean が必要です）' }] });
  });
});
