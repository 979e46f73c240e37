import { describe, expect, it } from 'vitest';
import { assessKpi, assessmentLabel, describeBaseline, type AssessmentInput } from '../../../src/model/kpi-assessment';
import type { KpiTarget } from '../../../src/model/schemas';

// Figures of seed 002 (静岡支部 令和7年度, FY 2025) and seed 003 (the national conditional target).
const FY = 2025;
type KpiIn = AssessmentInput['kpi'];
const kpi = (fields: Partial<KpiIn> & Pick<KpiIn, 'name' | 'target'>): KpiIn => ({ unit: '%', ...fields });
const at = (...pairs: [string, number | null][]) => pairs.map(([month, value]) => ({ month, value }));

const SENGEN = kpi({
  name: '健康宣言事業所数',
  unit: '事業所',
  decimals: 0,
  target: { kind: 'value', value: 7200, direction: '以上' },
  baseline: { value: 7013, month: '2024-11' },
});
const KENSHIN = kpi({
  name: '生活習慣病予防健診受診率',
  decimals: 1,
  target: { kind: 'value', value: 68, direction: '以上' },
  baseline: { value: 30.3, month: '2024-10' },
});
const GENERIC_YEAR_END = kpi({
  name: 'ジェネリック医薬品の使用割合（数量ベース）',
  decimals: 1,
  target: { kind: 'previousYear', previousValue: null, direction: '以上', yearEnd: true },
  baseline: { value: 85.4, month: '2024-07' },
});
const GENERIC_CONDITIONAL: KpiTarget = {
  kind: 'conditional',
  rules: [{ when: { direction: '以上', value: 80 }, target: { kind: 'previousYear', previousValue: null, direction: '以上', yearEnd: true } }],
  otherwise: { kind: 'value', value: 80, direction: '以上' },
};
const ICHISHA = kpi({ name: '一般競争入札に占める一者応札案件の割合', decimals: 1, target: { kind: 'value', value: 15, direction: '以下' } });

describe('assessKpi: table of judgements a careful person would sign', () => {
  it.each<[string, AssessmentInput, string, RegExp]>([
    [
      '現状 only: never judged as the plan year (its gap is shown apart, see describeBaseline)',
      { kpi: SENGEN, fiscalYear: FY, actuals: [] },
      '実績未入力',
      /^令和7年度の実績がまだありません。$/,
    ],
    [
      'a plain KPI judged on its latest actual',
      { kpi: SENGEN, fiscalYear: FY, actuals: at(['2025-06', 7100], ['2025-09', 7210]) },
      '達成',
      /令和7年9月時点の実績7,210事業所は目標「7,200事業所以上」を満たしています。/,
    ],
    ['a bound below (以下) met', { kpi: ICHISHA, fiscalYear: FY, actuals: at(['2025-11', 14.3]) }, '達成', /14\.3%は目標「15\.0%以下」を満たしています/],
    [
      'a bound below (以下) missed: over it, not short of it',
      { kpi: ICHISHA, fiscalYear: FY, actuals: at(['2025-11', 16.2]) },
      '未達',
      /16\.2%は目標「15\.0%以下」を1\.2%上回っています。/,
    ],
    [
      'a year-end rule without last year’s value, mid-year: the year end comes first',
      { kpi: GENERIC_YEAR_END, fiscalYear: FY, actuals: at(['2025-07', 85.9]) },
      '判定不可（年度途中）',
      /年度末時点で判定する目標のため、令和7年7月の実績85\.9%では判定しません。また、前年度の値が計画になく/,
    ],
    [
      'nothing reported yet, nor last year’s value: 実績未入力 first',
      { kpi: GENERIC_YEAR_END, fiscalYear: FY, actuals: [] },
      '実績未入力',
      /令和7年度の実績がまだありません。また、前年度の値が計画になく/,
    ],
    [
      'a build-up rate with one mid-year figure is not 未達',
      { kpi: KENSHIN, fiscalYear: FY, actuals: at(['2025-10', 30.3]) },
      '判定不可（年度途中）',
      /年度内に積み上がる指標のため、令和7年10月の実績30\.3%では判定しません。実績が1か月分で前年度の推移もないため、年度末の見込みも出せません/,
    ],
    [
      'a build-up rate with one figure, beside its 現状 of the same month a year before',
      { kpi: KENSHIN, fiscalYear: FY, actuals: at(['2025-10', 31]) },
      '判定不可（年度途中）',
      /年度末の見込みも出せません。前年同月の現状（令和6年10月末）30\.3%と比べて\+0\.7%。$/,
    ],
    [
      'a build-up rate with two figures is projected by its pace',
      { kpi: KENSHIN, fiscalYear: FY, actuals: at(['2025-06', 12.5], ['2025-10', 30.3]) },
      '未達見込み',
      /年度末の見込み.*月平均の伸び.*に.*届いていません/,
    ],
    [
      "a build-up rate projected on last year's curve",
      {
        kpi: KENSHIN,
        fiscalYear: FY,
        actuals: at(['2025-10', 33]),
        lastYear: at(['2024-10', 30], ['2024-12', 45], ['2025-03', 64]),
      },
      '達成見込み',
      /年度末の見込み70\.4%（前年度の月ごとの推移.*1\.1倍/,
    ],
    [
      "a build-up rate judged on March's figure",
      { kpi: KENSHIN, fiscalYear: FY, actuals: at(['2025-10', 30.3], ['2026-03', 68.2]) },
      '達成',
      /年度末（令和8年3月）の実績68\.2%は目標「68\.0%以上」を満たしています。/,
    ],
    [
      'a year-end rule is not judged on a mid-year figure',
      { kpi: GENERIC_YEAR_END, fiscalYear: FY, actuals: at(['2025-07', 85.9]), lastYear: at(['2025-03', 84.2]) },
      '判定不可（年度途中）',
      /年度末時点で判定する目標のため、令和7年7月の実績85\.9%では判定しません/,
    ],
    [
      "a year-end rule judged on March against last year's March",
      { kpi: GENERIC_YEAR_END, fiscalYear: FY, actuals: at(['2025-07', 85.9], ['2026-03', 84]), lastYear: at(['2025-03', 84.2]) },
      '未達',
      /年度末（令和8年3月）の実績84\.0%は目標「年度末時点で前年度末（84\.2%）以上」に0\.2%届いていません。/,
    ],
    [
      '対前年度 without any value of last year',
      {
        kpi: kpi({ name: 'レセプト点検の査定率', target: { kind: 'previousYear', previousValue: null, direction: '以上' } }),
        fiscalYear: FY,
        actuals: at(['2025-09', 0.14]),
      },
      '判定不可（前年度値なし）',
      /前年度の値が計画になく、前年度の計画の3月の実績もないため、対前年度で比べられません。/,
    ],
    [
      'a qualitative target',
      {
        kpi: kpi({ name: 'SNSによる情報発信', unit: '', target: { kind: 'qualitative', text: '毎月情報発信を行う' } }),
        fiscalYear: FY,
        actuals: at(['2025-09', 1]),
      },
      '判定不可（定性目標）',
      /定性的な目標のため/,
    ],
    [
      "conditional: last year's March above 80% picks 年度末時点で対前年度以上",
      {
        kpi: kpi({ name: 'ジェネリック医薬品使用割合', decimals: 1, target: GENERIC_CONDITIONAL }),
        fiscalYear: FY,
        actuals: at(['2026-03', 82.5]),
        lastYear: at(['2025-03', 82.1]),
      },
      '達成',
      /前年度末（令和7年3月）の実績が82\.1%で80\.0%以上のため、「年度末時点で前年度末以上」で判定します。年度末（令和8年3月）の実績82\.5%は目標「年度末時点で前年度末（82\.1%）以上」を満たしています。/,
    ],
    [
      'conditional: a 現状 below 80% picks 80%以上, judged on the latest figure',
      {
        kpi: kpi({ name: 'ジェネリック医薬品使用割合', decimals: 1, target: GENERIC_CONDITIONAL, baseline: { value: 78, month: '2025-03' } }),
        fiscalYear: FY,
        actuals: at(['2025-09', 79.1]),
      },
      '未達',
      /現状（令和7年3月末）が78\.0%で80\.0%以上ではないため、「80\.0%以上」で判定します。令和7年9月時点の実績79\.1%は目標「80\.0%以上」に0\.9%届いていません。/,
    ],
    [
      'conditional on a build-up rate whose 現状 is of October: no figure of a year to decide on',
      {
        kpi: kpi({ name: '特定健診受診率', target: GENERIC_CONDITIONAL, baseline: { value: 45, month: '2024-10' } }),
        fiscalYear: FY,
        actuals: at(['2025-09', 40]),
      },
      '判定不可（条件の判断不可）',
      /現状は年度途中の値のため、どの目標で判定するか決められません。/,
    ],
    [
      'conditional with nothing to decide the condition on',
      { kpi: kpi({ name: 'ジェネリック医薬品使用割合', target: GENERIC_CONDITIONAL }), fiscalYear: FY, actuals: at(['2025-09', 79.1]) },
      '判定不可（条件の判断不可）',
      /前年度末の実績も現状もないため/,
    ],
  ])('%s', (_, input, label, reason) => {
    const a = assessKpi(input);
    expect(assessmentLabel(a)).toBe(label);
    expect(a.reason).toMatch(reason);
  });

  it('keeps the 現状 with its gap beside the judgement', () => {
    expect(assessKpi({ kpi: SENGEN, fiscalYear: FY, actuals: [] }).baseline).toBe('現状 7,013事業所（令和6年11月末）、目標まで あと187事業所');
  });

  it('judges as of a month: later actuals are not seen', () => {
    const a = assessKpi({ kpi: SENGEN, fiscalYear: FY, actuals: at(['2025-06', 7100], ['2025-09', 7210]), asOf: '2025-08' });
    expect(a).toMatchObject({ status: '未達', month: '2025-06', value: 7100, judgement: { gap: -100 } });
  });

  it('ignores actuals outside the plan year and those without a value', () => {
    const a = assessKpi({ kpi: SENGEN, fiscalYear: FY, actuals: at(['2025-03', 9000], ['2025-05', null]) });
    expect(a).toMatchObject({ status: '判定不可', unjudged: 'noActual', value: null, month: null });
  });

  it('a projection rests on the rule the conditional picked', () => {
    const a = assessKpi({
      kpi: kpi({ name: '特定健診受診率', target: GENERIC_CONDITIONAL }),
      fiscalYear: FY,
      actuals: at(['2025-06', 20], ['2025-10', 40]),
      lastYear: at(['2025-03', 75]),
    });
    expect(a.rule).toEqual({ kind: 'value', value: 80, direction: '以上' });
    expect(a.status).toBe('未達見込み');
    expect(a.projection?.method).toBe('pace');
  });
});

describe('describeBaseline', () => {
  it.each<[string, KpiIn, string | null]>([
    ['a month, short of the target', SENGEN, '現状 7,013事業所（令和6年11月末）、目標まで あと187事業所'],
    [
      'a range with its note',
      kpi({
        name: 'x',
        decimals: 1,
        target: { kind: 'previousYear', previousValue: null, direction: '以上' },
        baseline: { value: 35.7, from: '2023-04', month: '2023-10', note: '健診受診分' },
      }),
      '現状 35.7%（令和5年4月～令和5年10月 健診受診分）',
    ],
    [
      'already at the target',
      kpi({ name: 'x', target: { kind: 'value', value: 15, direction: '以下' }, baseline: { value: 14.3, month: '2024-11' } }),
      '現状 14.3%（令和6年11月末）、目標の水準に届いています',
    ],
    ['no 現状', ICHISHA, null],
  ])('%s', (_, k, text) => {
    expect(describeBaseline(k, k.target.kind === 'conditional' ? null : k.target)).toBe(text);
  });
});
