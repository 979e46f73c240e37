// Year-end projection (年度末見込み) of a KPI that builds up over the fiscal year, such as
// 健診実施率 reported "as of" a month: from this year's actuals (and, when known, last year's
// monthly curve of the same KPI) the value the KPI will reach in March, judged against the target
// with kpi-judgement's rules, so a meeting sees 未達見込み months before the year ends.
// Pure. The method and its limits are written up in docs/kpi-projection.md.
import { judge, type Judgement } from './kpi-judgement';
import type { Kpi, KpiTarget } from './schemas';
import { fiscalMonthIndex, fiscalYearOfMonth, monthsOfFiscalYear, warekiMonth, type YearMonth } from './wareki';

/** An actual as of a month; a Measurement fits. */
export interface MonthValue {
  month: YearMonth;
  value: number | null;
}

export const PROJECTION_METHODS = {
  /** March is already reported: the year-end value is the actual. */
  final: '年度末実績',
  /** projected[k] = lastYear[k] × thisYear[m] / lastYear[m], m = the latest month both years have. */
  lastYearRatio: '前年度の推移×前年同月比',
  /** projected[k] = v[L] + (v[L] − v[F]) / (L − F) × (k − L): the pace since the first report, kept to March. */
  pace: '月平均の伸びの延長',
} as const;
export type ProjectionMethod = keyof typeof PROJECTION_METHODS;

/** Why a KPI gets no projection, or a projection but no judgement ('noBound'). */
export const PROJECTION_GAPS = {
  qualitative: '定性的な目標のため、見込みは出しません',
  notCumulative: '年度内に積み上がる指標ではないため、見込みは出しません',
  noActual: '今年度の実績がまだないため、見込みを出せません',
  tooShort: '実績が1か月分だけで前年度の推移もないため、見込みを出せません',
  noBound: '前年度の値がないため、見込みを目標と比べられません',
} as const;
export type ProjectionGap = keyof typeof PROJECTION_GAPS;

export type ProjectionStatus = '達成見込み' | '未達見込み' | '判定不可';

export interface ProjectedPoint {
  month: YearMonth;
  value: number;
  /** 'actual' for this year's reported months, 'projected' for the months after the latest one. */
  kind: 'actual' | 'projected';
}

export interface KpiProjection {
  /** 未達見込み: the projected March value misses the target. */
  status: ProjectionStatus;
  method: ProjectionMethod | null;
  /** Why there is no projection or no judgement of it; null when judged. */
  gap: ProjectionGap | null;
  /** In Japanese, for the screen: how the value was projected, or why it was not. */
  description: string;
  /** The projected value for March; null when not projected. */
  projected: number | null;
  /** The latest actual the projection starts from. */
  basisMonth: YearMonth | null;
  /** This year's actuals, then the projected months up to March, for a chart. */
  points: ProjectedPoint[];
  /** judge() of the projected value (with last year's March as the bound of 対前年度 without a value). */
  judgement: Judgement | null;
  /** A share (%) was projected past 100 and cut to 100. */
  capped: boolean;
}

export interface ProjectionInput {
  kpi: Pick<Kpi, 'name' | 'unit' | 'target' | 'cumulative'>;
  fiscalYear: number;
  /** This year's actuals; months outside the fiscal year and null values are ignored. */
  actuals: readonly MonthValue[];
  /** The same KPI's actuals in the previous fiscal year (its plan's measurements), when known. */
  lastYear?: readonly MonthValue[] | undefined;
}

// Rates the seeds report as counted since April (健診実施率, 事業者健診データ取得率, 特定保健指導実施率),
// with an optional trailing qualifier such as （被保険者）.
const CUMULATIVE_NAME = /(実施率|受診率|取得率)(\([^)]*\))?$/;

/** Whether the KPI builds up within the year: its `cumulative` field, else its name. */
export function isCumulativeKpi(kpi: Pick<Kpi, 'name' | 'cumulative'>): boolean {
  return kpi.cumulative ?? CUMULATIVE_NAME.test(kpi.name.normalize('NFKC').replace(/\s/g, ''));
}

function clean(n: number): number {
  return Math.round(n * 1e9) / 1e9;
}

/** Month index (April 0 … March 11) → value, of the reported months of one fiscal year. */
function byIndex(values: readonly MonthValue[], fiscalYear: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const { month, value } of values) {
    if (value === null || !Number.isFinite(value) || fiscalYearOfMonth(month) !== fiscalYear) continue;
    out.set(fiscalMonthIndex(month), value);
  }
  return out;
}

function formatRatio(r: number): string {
  return (Math.round(r * 1000) / 1000).toLocaleString('ja-JP', { maximumFractionDigits: 3 });
}

function notProjected(gap: ProjectionGap): KpiProjection {
  return {
    status: '判定不可',
    method: null,
    gap,
    description: PROJECTION_GAPS[gap],
    projected: null,
    basisMonth: null,
    points: [],
    judgement: null,
    capped: false,
  };
}

export function projectKpi(input: ProjectionInput): KpiProjection {
  const { kpi, fiscalYear } = input;
  if (kpi.target.kind === 'qualitative') return notProjected('qualitative');
  if (!isCumulativeKpi(kpi)) return notProjected('notCumulative');
  const months = monthsOfFiscalYear(fiscalYear);
  const now = byIndex(input.actuals, fiscalYear);
  if (now.size === 0) return notProjected('noActual');
  const reported = [...now.keys()].sort((a, b) => a - b);
  const first = reported[0]!;
  const last = reported[reported.length - 1]!;
  const previous = byIndex(input.lastYear ?? [], fiscalYear - 1);
  const previousMarch = previous.get(11);

  // The projected value of month index k > last, by the first method that applies.
  let method: ProjectionMethod;
  let description: string;
  let at: ((k: number) => number | undefined) | null = null;
  const common = reported.filter((i) => (previous.get(i) ?? 0) > 0);
  const ratioMonth = common[common.length - 1];
  if (last === 11) {
    method = 'final';
    description = `${warekiMonth(months[11]!)}の実績（年度末）`;
  } else if (previousMarch !== undefined && ratioMonth !== undefined) {
    // The ratio at one month, not an average: early months of a build-up are small and noisy.
    const ratio = now.get(ratioMonth)! / previous.get(ratioMonth)!;
    method = 'lastYearRatio';
    description = `前年度の月ごとの推移に、${warekiMonth(months[ratioMonth]!)}時点の前年同月比（${formatRatio(ratio)}倍）を掛けた見込み`;
    at = (k) => {
      const p = previous.get(k);
      return p === undefined ? undefined : p * ratio;
    };
  } else if (reported.length >= 2) {
    const slope = (now.get(last)! - now.get(first)!) / (last - first);
    method = 'pace';
    description = `${warekiMonth(months[first]!)}から${warekiMonth(months[last]!)}までの月平均の伸び（${formatRatio(slope)}${kpi.unit}/月）が3月まで続くとした見込み`;
    at = (k) => now.get(last)! + slope * (k - last);
  } else {
    return notProjected('tooShort');
  }

  const cap = kpi.unit.normalize('NFKC') === '%' ? 100 : Infinity;
  // What builds up over the year never falls: a falling pace (a corrected figure) holds the latest actual.
  const floor = now.get(last)!;
  let capped = false;
  const points: ProjectedPoint[] = reported.map((i) => ({ month: months[i]!, value: now.get(i)!, kind: 'actual' }));
  if (at) {
    for (let k = last + 1; k <= 11; k++) {
      const v = at(k);
      if (v === undefined) continue;
      if (v > cap) capped = true;
      points.push({ month: months[k]!, value: clean(Math.max(floor, Math.min(v, cap))), kind: 'projected' });
    }
  }
  const projected = points[points.length - 1]!.value;
  const bound: KpiTarget =
    kpi.target.kind === 'previousYear' && kpi.target.previousValue === null && previousMarch !== undefined
      ? { ...kpi.target, previousValue: previousMarch }
      : kpi.target;
  const judgement = judge(bound, projected);
  const status: ProjectionStatus = judgement.status === '達成' ? '達成見込み' : judgement.status === '未達' ? '未達見込み' : '判定不可';
  return {
    status,
    method,
    gap: status === '判定不可' ? 'noBound' : null,
    description,
    projected,
    basisMonth: months[last]!,
    points,
    judgement,
    capped,
  };
}
