// Live reads for the year-over-year comparison (前年度比較): a plan, the other plans of its branch
// (for the selector) and the structure of the two plans compared, read in one transaction so the
// two sides never mix two states of the data.
import { plansOfSameBranch, previousYearPlan } from '../../model/plan-lineage';
import { itemSchema, kpiSchema, planSchema, sectionSchema, type Item, type Kpi, type Plan, type Section } from '../../model/schemas';
import type { TrackerDb } from '../../db/database';
import { useLiveQuery, type Loadable } from './hooks';
import { parseRows } from '../../db/rows';

/** One plan's tree and KPIs (deleted rows included; the comparison leaves them out). */
export interface PlanContents {
  plan: Plan;
  sections: Section[];
  items: Item[];
  kpis: Kpi[];
}

export interface PlanComparisonData {
  current: PlanContents;
  /** The branch's other plans on this device, newest year first. */
  others: Plan[];
  /**
   * The plan compared with: the requested one when it is among `others`, else (none requested)
   * the branch's plan of the previous year; null when there is no such plan.
   */
  other: PlanContents | null;
}

async function contentsOf(db: TrackerDb, plan: Plan): Promise<PlanContents> {
  const [sections, items, kpis] = await Promise.all([
    db.sections.where('planId').equals(plan.id).toArray(),
    db.items.where('planId').equals(plan.id).toArray(),
    db.kpis.where('planId').equals(plan.id).toArray(),
  ]);
  return {
    plan,
    sections: parseRows(sectionSchema, sections, 'section'),
    items: parseRows(itemSchema, items, 'item'),
    kpis: parseRows(kpiSchema, kpis, 'kpi'),
  };
}

/** null when the plan does not exist (or was deleted). */
export function usePlanComparison(planId: string, withPlanId: string | null): Loadable<PlanComparisonData | null> {
  return useLiveQuery(
    (db) =>
      db.transaction('r', [db.plans, db.sections, db.items, db.kpis], async () => {
        const plans = parseRows(planSchema, await db.plans.toArray(), 'plan');
        const plan = plans.find((p) => p.id === planId && !p.deleted);
        if (!plan) return null;
        const others = plansOfSameBranch(plans, plan);
        const chosen = withPlanId === null ? previousYearPlan(plans, plan) : (others.find((p) => p.id === withPlanId) ?? null);
        const [current, other] = await Promise.all([contentsOf(db, plan), chosen ? contentsOf(db, chosen) : null]);
        return { current, others, other };
      }),
    [planId, withPlanId],
  );
}
