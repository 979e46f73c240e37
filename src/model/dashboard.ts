// The dashboard's figures for a period: how many items carry each mark (○ △ － 未評価) per pillar
// and per 担当グループ, the items marked △, and the KPIs off track. Pure. offTrackKpis is the one
// place that decides what counts as off track, so the year-end projection (未達見込み) joins there.
import { kpisInPlanOrder } from './kpi-order';
import { projectKpi, type KpiProjection, type MonthValue } from './kpi-projection';
import { flattenItems, type EvaluationFilter, type TreeNode } from './plan-tree';
import { kpiStatusAsOf, type KpiStatus } from './report';
import { EVALUATIONS, type Evaluation, type Item, type Kpi, type Measurement, type Section } from './schemas';
import type { KpiAssessment } from './kpi-assessment';
import { fiscalYearOfMonth, type YearMonth } from './wareki';

/** The columns of the count tables, in the order the paper uses them. */
export const MARKS: readonly EvaluationFilter[] = [...EVALUATIONS, '未評価'];

export type MarkCounts = Record<EvaluationFilter, number> & { total: number };

export type EvaluationOf = (itemId: string) => Evaluation | null;

export function countMarks(items: readonly Item[], evaluationOf: EvaluationOf): MarkCounts {
  const counts: MarkCounts = { '○': 0, '△': 0, '－': 0, 未評価: 0, total: 0 };
  for (const item of items) {
    counts[evaluationOf(item.id) ?? '未評価']++;
    counts.total++;
  }
  return counts;
}

/** Counts per pillar (柱), in plan order; a pillar without items is left out. */
export function marksByPillar(tree: readonly TreeNode[], evaluationOf: EvaluationOf): { pillar: Section; counts: MarkCounts }[] {
  return tree.map((node) => ({ pillar: node.section, counts: countMarks(flattenItems([node]), evaluationOf) })).filter((row) => row.counts.total > 0);
}

/**
 * Counts per 担当グループ, ordered as the plan screen's group filter; items with no group last,
 * under ''. An item owned by two groups counts in both (`groups`: groupsByItem).
 */
export function marksByGroup(
  tree: readonly TreeNode[],
  evaluationOf: EvaluationOf,
  groups: ReadonlyMap<string, readonly string[]>,
): { group: string; counts: MarkCounts }[] {
  const byGroup = new Map<string, Item[]>();
  for (const item of flattenItems(tree)) {
    const owners = groups.get(item.id) ?? [];
    for (const g of owners.length ? owners : ['']) byGroup.set(g, [...(byGroup.get(g) ?? []), item]);
  }
  const names = [...byGroup.keys()].sort((a, b) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b, 'ja')));
  return names.map((group) => ({ group, counts: countMarks(byGroup.get(group)!, evaluationOf) }));
}

/** The items carrying a mark, in tree order (the order the meeting walks them). */
export function itemsMarked(tree: readonly TreeNode[], evaluationOf: EvaluationOf, mark: Evaluation): Item[] {
  return flattenItems(tree).filter((item) => evaluationOf(item.id) === mark);
}

/** The year-end projection of a KPI from its actuals up to `asOf`; `lastYear`: its actuals of the year before. */
export function projectAsOf(kpi: Kpi, measurements: readonly Measurement[], asOf: YearMonth, lastYear?: readonly MonthValue[]): KpiProjection {
  const actuals = measurements.filter((m) => m.kpiId === kpi.id && m.month <= asOf);
  return projectKpi({ kpi, fiscalYear: fiscalYearOfMonth(asOf), actuals, lastYear });
}

/**
 * Whether a projection is a forecast to show (見込み): one was made, and March is not reported
 * yet; once it is, the actual is the year-end value and its own judgement says it all.
 */
export function isForecast(projection: KpiProjection): boolean {
  return projection.method !== null && projection.method !== 'final';
}

/** 未達: the latest actual misses the target; 未達見込み: the year-end projection does. */
export type OffTrackReason = '未達' | '未達見込み';

/**
 * Why a KPI is off track, or null when it is not: its judgement (kpi-assessment.ts), which never
 * calls a KPI still building up 未達 on a mid-year figure, only on its projection.
 */
export function offTrackReason(assessment: Pick<KpiAssessment, 'status'>): OffTrackReason | null {
  return assessment.status === '未達' || assessment.status === '未達見込み' ? assessment.status : null;
}

export interface OffTrackKpi extends KpiStatus {
  reason: OffTrackReason;
}

/**
 * The KPIs off track as of `asOf`, in plan order (see offTrackReason). `lastYear`: per KPI id,
 * last year's actuals of the same KPI, for the projection.
 */
export function offTrackKpis(
  sections: readonly Section[],
  kpis: readonly Kpi[],
  measurements: readonly Measurement[],
  asOf: YearMonth,
  lastYear: ReadonlyMap<string, readonly MonthValue[]> = new Map(),
): OffTrackKpi[] {
  return kpisInPlanOrder(sections, kpis).flatMap((kpi) => {
    const status = kpiStatusAsOf(kpi, measurements, asOf, lastYear.get(kpi.id));
    const reason = offTrackReason(status.assessment);
    return reason ? [{ ...status, reason }] : [];
  });
}
