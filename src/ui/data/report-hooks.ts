// Live reads for the report, dashboard and KPI screens beyond what usePlanScreen gives: a plan's
// KPIs and their actuals, read in one transaction so a table never mixes two states of the data;
// and, for the year-end projection, the same KPIs' actuals in last year's plan of the branch.
import type { MonthValue } from '../../model/kpi-projection';
import { previousYearPlan } from '../../model/plan-lineage';
import { kpiSchema, measurementSchema, planSchema, type Kpi, type Measurement, type Plan } from '../../model/schemas';
import type { TrackerDb } from '../../db/database';
import { useLiveQuery, type Loadable } from './hooks';
import { parseRows } from '../../db/rows';

export interface KpiProgress {
  /** Deleted KPIs included; the model's ordering drops them. */
  kpis: Kpi[];
  measurements: Measurement[];
}

async function readKpiProgress(db: TrackerDb, planId: string): Promise<KpiProgress> {
  const [kpis, measurements] = await Promise.all([db.kpis.where('planId').equals(planId).toArray(), db.measurements.where('planId').equals(planId).toArray()]);
  return { kpis: parseRows(kpiSchema, kpis, 'kpi'), measurements: parseRows(measurementSchema, measurements, 'measurement') };
}

export interface KpiInsight extends KpiProgress {
  /** The same branch's plan of the previous fiscal year on this device, or null. */
  previousPlan: Plan | null;
  /** Per KPI id of this plan: the actuals of the KPI of the same name in `previousPlan`. */
  lastYear: ReadonlyMap<string, MonthValue[]>;
}

/** The plan's KPIs and actuals with last year's actuals of each KPI, for the year-end projection. */
export function useKpiInsight(planId: string): Loadable<KpiInsight> {
  return useLiveQuery(
    (db) =>
      db.transaction('r', [db.plans, db.kpis, db.measurements], async () => {
        const [progress, planRows] = await Promise.all([readKpiProgress(db, planId), db.plans.toArray()]);
        const plans = parseRows(planSchema, planRows, 'plan');
        const plan = plans.find((p) => p.id === planId);
        const previousPlan = plan ? previousYearPlan(plans, plan) : null;
        if (!previousPlan) return { ...progress, previousPlan, lastYear: new Map() };
        const previous = await readKpiProgress(db, previousPlan.id);
        return { ...progress, previousPlan, lastYear: matchLastYear(progress.kpis, previous) };
      }),
    [planId],
  );
}

/** A KPI name as compared across years: full-width letters and digits folded, spaces dropped. */
function nameKey(name: string): string {
  return name.normalize('NFKC').replace(/\s/g, '');
}

/**
 * Last year's actuals for each KPI, matched by name. Ids say nothing across years (each year's
 * plan is imported on its own); an exact match after normalising is enough here, because a
 * renamed KPI only loses its curve and the projection falls back to this year's pace. A name
 * two of last year's KPIs share matches neither, so no KPI is projected on another's curve.
 */
function matchLastYear(kpis: readonly Kpi[], previous: KpiProgress): Map<string, MonthValue[]> {
  const byName = new Map<string, Kpi | null>();
  for (const k of previous.kpis) {
    if (k.deleted) continue;
    const key = nameKey(k.name);
    byName.set(key, byName.has(key) ? null : k);
  }
  const out = new Map<string, MonthValue[]>();
  for (const kpi of kpis) {
    const match = byName.get(nameKey(kpi.name));
    if (!match) continue;
    out.set(
      kpi.id,
      previous.measurements.filter((m) => m.kpiId === match.id).map(({ month, value }) => ({ month, value })),
    );
  }
  return out;
}
