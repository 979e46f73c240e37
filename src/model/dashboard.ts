// The dashboard's figures for a period: how many items carry each mark (○ △ － 未評価) per pillar
// and per 担当グループ, the items marked △, and the KPIs off track. Pure. offTrackKpis is the one
// place that decides what counts as off track, so the year-end projection (未達見込み) joins there.
import { kpisInPlanOrder } from './kpi-order';
import { flattenItems, type EvaluationFilter, type TreeNode } from './plan-tree';
import { kpiStatusAsOf, type KpiStatus } from './report';
import { EVALUATIONS, type Evaluation, type Item, type Kpi, type Measurement, type Section } from './schemas';
import type { YearMonth } from './wareki';

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

/** Counts per 担当グループ, ordered as the plan screen's group filter; items with no group last, under ''. */
export function marksByGroup(tree: readonly TreeNode[], evaluationOf: EvaluationOf): { group: string; counts: MarkCounts }[] {
  const byGroup = new Map<string, Item[]>();
  for (const item of flattenItems(tree)) byGroup.set(item.group, [...(byGroup.get(item.group) ?? []), item]);
  const groups = [...byGroup.keys()].sort((a, b) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b, 'ja')));
  return groups.map((group) => ({ group, counts: countMarks(byGroup.get(group)!, evaluationOf) }));
}

/** The items carrying a mark, in tree order (the order the meeting walks them). */
export function itemsMarked(tree: readonly TreeNode[], evaluationOf: EvaluationOf, mark: Evaluation): Item[] {
  return flattenItems(tree).filter((item) => evaluationOf(item.id) === mark);
}

/** The KPIs whose latest actual up to `asOf` misses the target (未達), in plan order. */
export function offTrackKpis(sections: readonly Section[], kpis: readonly Kpi[], measurements: readonly Measurement[], asOf: YearMonth): KpiStatus[] {
  return kpisInPlanOrder(sections, kpis)
    .map((kpi) => kpiStatusAsOf(kpi, measurements, asOf))
    .filter((status) => status.judgement.status === '未達');
}
