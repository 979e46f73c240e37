// KPI judgement (判定): an actual against its target. 達成 when the bound holds, 未達 when not,
// 判定不可 when there is nothing to compare (no actual yet, a qualitative target, or 対前年度以上
// without last year's value). The gap is signed so that a negative gap is always "short".
import type { Kpi, KpiRule, KpiTarget, Measurement } from './schemas';

export type JudgementStatus = '達成' | '未達' | '判定不可';

export interface Judgement {
  status: JudgementStatus;
  /** The bound the value was compared with. */
  target: number | null;
  /** How far the actual is on the good side of the target (negative: short of it). */
  gap: number | null;
}

/** Round away binary noise (98.2 − 98.4 = −0.20000000000000284). */
function clean(n: number): number {
  return Math.round(n * 1e9) / 1e9;
}

/** The number a rule compares with; null for a qualitative or conditional target, or 対前年度 without last year's value. */
export function targetBound(target: KpiTarget): number | null {
  if (target.kind === 'value') return target.value;
  if (target.kind === 'previousYear') return target.previousValue;
  return null;
}

export function judge(target: KpiTarget, value: number | null | undefined): Judgement {
  const bound = targetBound(target);
  if (target.kind === 'qualitative' || target.kind === 'conditional' || bound === null || value === null || value === undefined) {
    return { status: '判定不可', target: bound, gap: null };
  }
  const gap = clean(target.direction === '以上' ? value - bound : bound - value);
  return { status: gap >= 0 ? '達成' : '未達', target: bound, gap };
}

/** The newest measurement that has a value. */
export function latestMeasurement(measurements: readonly Measurement[]): Measurement | undefined {
  let latest: Measurement | undefined;
  for (const m of measurements) {
    if (m.value === null) continue;
    if (!latest || m.month > latest.month) latest = m;
  }
  return latest;
}

export function judgeLatest(kpi: Kpi, measurements: readonly Measurement[]): Judgement & { month: string | null } {
  const latest = latestMeasurement(measurements.filter((m) => m.kpiId === kpi.id));
  return { ...judge(kpi.target, latest?.value), month: latest?.month ?? null };
}

/**
 * "98.4%以上", "対前年度（98.4%）以上", "年度末時点で対前年度以上", "全支部で実施する",
 * "80%以上（80%以上の場合は年度末時点で対前年度以上）"; `decimals`: the KPI's written precision.
 */
export function describeTarget(target: KpiTarget, unit: string, decimals?: number): string {
  if (target.kind === 'conditional') {
    const cases = target.rules.map(
      (r) => `${formatFigure(r.when.value, decimals)}${unit}${r.when.direction}の場合は${describeTarget(r.target, unit, decimals)}`,
    );
    return `${describeTarget(target.otherwise, unit, decimals)}（${cases.join('、')}）`;
  }
  return describeRule(target, unit, decimals);
}

function describeRule(target: KpiRule, unit: string, decimals: number | undefined): string {
  const atYearEnd = target.kind !== 'qualitative' && target.yearEnd ? '年度末時点で' : '';
  if (target.kind === 'value') return `${atYearEnd}${formatFigure(target.value, decimals)}${unit}${target.direction}`;
  if (target.kind === 'previousYear') {
    const base = atYearEnd ? '前年度末' : '対前年度';
    return target.previousValue === null
      ? `${atYearEnd}${base}${target.direction}`
      : `${atYearEnd}${base}（${formatFigure(target.previousValue, decimals)}${unit}）${target.direction}`;
  }
  return target.text;
}

export function formatNumber(n: number): string {
  return n.toLocaleString('ja-JP', { maximumFractionDigits: 6 });
}

/** A figure as the plan writes it: with the KPI's decimals (68.0 stays 68.0), else as stored. */
export function formatFigure(n: number, decimals?: number): string {
  if (decimals === undefined) return formatNumber(n);
  return n.toLocaleString('ja-JP', { minimumFractionDigits: decimals, maximumFractionDigits: Math.max(decimals, 6) });
}

/** "−0.2%" / "+0.004%": the gap as a person reads it. */
export function describeGap(judgement: Judgement, unit: string): string {
  if (judgement.gap === null) return '';
  const sign = judgement.gap > 0 ? '+' : judgement.gap < 0 ? '−' : '±';
  return `${sign}${formatNumber(Math.abs(judgement.gap))}${unit}`;
}
