// KPI judgement (判定): an actual against its target. 達成 when the bound holds, 未達 when not,
// 判定不可 when there is nothing to compare (no actual yet, a qualitative target, or 対前年度以上
// without last year's value). The gap is signed so that a negative gap is always "short".
import type { Kpi, KpiTarget, Measurement } from './schemas';

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

export function targetBound(target: KpiTarget): number | null {
  if (target.kind === 'value') return target.value;
  if (target.kind === 'previousYear') return target.previousValue;
  return null;
}

export function judge(target: KpiTarget, value: number | null | undefined): Judgement {
  const bound = targetBound(target);
  if (target.kind === 'qualitative' || bound === null || value === null || value === undefined) {
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

/** "98.4%以上", "対前年度（98.4%）以上", "全支部で実施する" */
export function describeTarget(target: KpiTarget, unit: string): string {
  if (target.kind === 'value') return `${formatNumber(target.value)}${unit}${target.direction}`;
  if (target.kind === 'previousYear') {
    return target.previousValue === null ? `対前年度${target.direction}` : `対前年度（${formatNumber(target.previousValue)}${unit}）${target.direction}`;
  }
  return target.text;
}

export function formatNumber(n: number): string {
  return n.toLocaleString('ja-JP', { maximumFractionDigits: 6 });
}

/** "−0.2%" / "+0.004%": the gap as a person reads it. */
export function describeGap(judgement: Judgement, unit: string): string {
  if (judgement.gap === null) return '';
  const sign = judgement.gap > 0 ? '+' : judgement.gap < 0 ? '−' : '±';
  return `${sign}${formatNumber(Math.abs(judgement.gap))}${unit}`;
}
