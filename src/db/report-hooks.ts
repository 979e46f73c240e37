// Live reads for the report and dashboard screens beyond what usePlanScreen gives: a plan's KPIs
// and their actuals, read in one transaction so a table never mixes two states of the data.
import { kpiSchema, measurementSchema, type Kpi, type Measurement } from '../model/schemas';
import { useLiveQuery, type Loadable } from './hooks';
import { parseRows } from './repository';

export interface KpiProgress {
  /** Deleted KPIs included; the model's ordering drops them. */
  kpis: Kpi[];
  measurements: Measurement[];
}

export function useKpiProgress(planId: string): Loadable<KpiProgress> {
  return useLiveQuery(
    (db) =>
      db.transaction('r', [db.kpis, db.measurements], async () => {
        const [kpis, measurements] = await Promise.all([db.kpis.where('planId').equals(planId).toArray(), db.measurements.where('planId').equals(planId).toArray()]);
        return { kpis: parseRows(kpiSchema, kpis, 'kpi'), measurements: parseRows(measurementSchema, measurements, 'measurement') };
      }),
    [planId],
  );
}
