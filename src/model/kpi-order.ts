// The order KPIs are listed in: the plan's own order, as in the paper KPI table, so that the
// KPIs of one 事業計画 row stay together however they were added.
import { compareOrder } from './order-key';
import { buildTree, type TreeNode } from './plan-tree';
import type { Kpi, Section } from './schemas';

/** Live KPIs by their section's place in the tree, then their own order; KPIs without a live section last. */
export function kpisInPlanOrder(sections: readonly Section[], kpis: readonly Kpi[]): Kpi[] {
  const rank = new Map<string, number>();
  const visit = (node: TreeNode) => {
    rank.set(node.section.id, rank.size);
    node.children.forEach(visit);
  };
  buildTree(sections, []).forEach(visit);
  const none = rank.size;
  const rankOf = (k: Kpi) => (k.sectionId === null ? none : (rank.get(k.sectionId) ?? none));
  return kpis.filter((k) => !k.deleted).sort((a, b) => rankOf(a) - rankOf(b) || compareOrder(a, b));
}
