import { describe, expect, it } from 'vitest';
import {
  describeGap,
  describeTarget,
  formatNumber,
  judge,
  judgeLatest,
  latestMeasurement,
  targetBound,
  type JudgementStatus,
} from '../../../src/model/kpi-judgement';
import type { Kpi, KpiTarget, Measurement } from '../../../src/model/schemas';

const atLeast = (value: number): KpiTarget => ({ kind: 'value', value, direction: '以上' });
const atMost = (value: number): KpiTarget => ({ kind: 'value', value, direction: '以下' });
const overLastYear = (previousValue: number | null): KpiTarget => ({ kind: 'previousYear', previousValue, direction: '以上' });

const stamp = { updatedAt: '2024-06-01T00:00:00.000Z', updatedBy: 'test' };

function kpi(id: string, target: KpiTarget, unit = '%'): Kpi {
  return { id, planId: 'p', sectionId: null, name: id, unit, target, order: 'a0', deleted: false, ...stamp };
}

function measurement(kpiId: string, month: string, value: number | null): Measurement {
  return { id: `measurement:${kpiId}:${month}`, planId: 'p', kpiId, month, value, ...stamp };
}

// 東京支部 令和6年度 KPI progress tables (seed 004, 令和６年度 ＫＰＩ設定項目一覧表).
const SEED_004: [name: string, target: KpiTarget, unit: string, actual: number | null, status: JudgementStatus, gap: number | null][] = [
  ['サービススタンダードの達成状況', atLeast(100), '%', 100, '達成', 0],
  ['現金給付等の申請に係る郵送化率（対前年度以上）', overLastYear(98.4), '%', 98.2, '未達', -0.2],
  ['協会のレセプト点検の査定率（対前年度以上）', overLastYear(0.087), '%', 0.091, '達成', 0.004],
  ['協会の再審査レセプト１件当たりの査定額（対前年度以上）', overLastYear(9109), '円', 14097, '達成', 4988],
  ['返納金債権の回収率（対前年度以上）', overLastYear(50.35), '%', 31.58, '未達', -18.77],
  ['資格喪失後１か月以内の保険証回収率（対前年度以上）', overLastYear(70.8), '%', 71.16, '達成', 0.36],
  ['健診受診月から10か月以内に医療機関を受診した者の割合（対前年度以上）', overLastYear(31.2), '%', 32.7, '達成', 1.5],
  ['健康宣言事業所数', atLeast(2900), '事業所', 2719, '未達', -181],
  ['健康保険委員が委嘱されている事業所の被保険者数の割合', atLeast(40), '%', 39.39, '未達', -0.61],
  ['健康保険委員の委嘱事業所数', atLeast(10263), '事業所', 10369, '達成', 106],
  ['一般競争入札に占める一者応札案件の割合', atMost(15), '%', 0, '達成', 15],
  ['生活習慣病予防健診実施率（実績 －）', atLeast(60), '%', null, '判定不可', null],
];

describe('judge: seed 004 KPI table', () => {
  it.each(SEED_004)('%s', (_name, target, _unit, actual, status, gap) => {
    expect(judge(target, actual)).toEqual({ status, target: targetBound(target), gap });
  });
});

describe('judge: edge cases', () => {
  it.each<[string, KpiTarget, number | null | undefined, JudgementStatus, number | null]>([
    ['exactly on an upper bound', atMost(15), 15, '達成', 0],
    ['over an upper bound', atMost(15), 15.5, '未達', -0.5],
    ['just over a lower bound', atLeast(68), 68.1, '達成', 0.1],
    ['negative values', atLeast(-1), -2, '未達', -1],
    ['no value yet (null)', atLeast(68), null, '判定不可', null],
    ['no value yet (undefined)', atLeast(68), undefined, '判定不可', null],
    ["対前年度以上 without last year's value", overLastYear(null), 98.2, '判定不可', null],
    ["対前年度以下 with last year's value", { kind: 'previousYear', previousValue: 3.5, direction: '以下' }, 3.2, '達成', 0.3],
  ])('%s', (_name, target, value, status, gap) => {
    const j = judge(target, value);
    expect(j.status).toBe(status);
    expect(j.gap).toBe(gap);
  });

  it('cannot judge a qualitative target, even with a value', () => {
    expect(judge({ kind: 'qualitative', text: '全支部で実施する' }, 1)).toEqual({ status: '判定不可', target: null, gap: null });
  });

  it('keeps the bound when there is no value, so the UI can still show the target', () => {
    expect(judge(overLastYear(98.4), null)).toEqual({ status: '判定不可', target: 98.4, gap: null });
  });
});

describe('latestMeasurement', () => {
  it('takes the newest month that has a value', () => {
    const ms = [measurement('k', '2024-05', 97.9), measurement('k', '2024-07', 98.3), measurement('k', '2024-06', 98.2)];
    expect(latestMeasurement(ms)?.month).toBe('2024-07');
  });

  it('ignores months whose value is null', () => {
    const ms = [measurement('k', '2024-05', 97.9), measurement('k', '2024-08', null), measurement('k', '2024-06', 98.2)];
    expect(latestMeasurement(ms)?.month).toBe('2024-06');
  });

  it('orders across the new calendar year', () => {
    const ms = [measurement('k', '2024-12', 1), measurement('k', '2025-01', 2)];
    expect(latestMeasurement(ms)?.value).toBe(2);
  });

  it('gives nothing when no month has a value', () => {
    expect(latestMeasurement([])).toBeUndefined();
    expect(latestMeasurement([measurement('k', '2024-05', null)])).toBeUndefined();
  });
});

describe('judgeLatest', () => {
  const mailing = kpi('mailing', overLastYear(98.4));
  const measurements = [
    measurement('mailing', '2024-05', 98.5),
    measurement('mailing', '2024-06', 98.2),
    measurement('mailing', '2024-07', null),
    measurement('other', '2024-09', 99.9),
  ];

  it('judges the newest value of this KPI only', () => {
    expect(judgeLatest(mailing, measurements)).toEqual({ status: '未達', target: 98.4, gap: -0.2, month: '2024-06' });
  });

  it('has no month when nothing is measured', () => {
    expect(judgeLatest(kpi('new', atLeast(60)), measurements)).toEqual({ status: '判定不可', target: 60, gap: null, month: null });
  });
});

describe('describeTarget', () => {
  it.each<[KpiTarget, string, string]>([
    [atLeast(68), '%', '68%以上'],
    [atMost(15), '%', '15%以下'],
    [atLeast(2900), '事業所', '2,900事業所以上'],
    [overLastYear(98.4), '%', '対前年度（98.4%）以上'],
    [overLastYear(9109), '円', '対前年度（9,109円）以上'],
    [overLastYear(0.087), '%', '対前年度（0.087%）以上'],
    [overLastYear(null), '%', '対前年度以上'],
    [{ kind: 'qualitative', text: '毎月情報発信を行う' }, '', '毎月情報発信を行う'],
  ])('%j %s → %s', (target, unit, text) => {
    expect(describeTarget(target, unit)).toBe(text);
  });
});

describe('describeGap and formatNumber', () => {
  it.each<[KpiTarget, number | null, string, string]>([
    [overLastYear(98.4), 98.2, '%', '−0.2%'],
    [overLastYear(0.087), 0.091, '%', '+0.004%'],
    [overLastYear(9109), 14097, '円', '+4,988円'],
    [atLeast(100), 100, '%', '±0%'],
    [atLeast(2900), 2719, '事業所', '−181事業所'],
    [atLeast(60), null, '%', ''],
  ])('%j with %s%s → %j', (target, value, unit, text) => {
    expect(describeGap(judge(target, value), unit)).toBe(text);
  });

  it.each([
    [10369, '10,369'],
    [0.091, '0.091'],
    [98.2, '98.2'],
    [1 / 3, '0.333333'],
  ])('formatNumber(%d) = %s', (n, text) => {
    expect(formatNumber(n)).toBe(text);
  });
});
