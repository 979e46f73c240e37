// What the search and the walk from item to item read beyond a screen's own data: a plan's KPI
// names (searched as soon as someone types a query), and, on the item screen, the period's
// progress and the plan's notes the plan screen's filter was applied to. Read only when needed.
import { kpiSchema, noteSchema, progressSchema, type Kpi, type Note, type Progress } from '../../model/schemas';
import { parseRows } from '../../db/rows';
import { useLiveQuery, type Loadable } from './hooks';

/** The plan's live KPIs, or none without `enabled` (nothing is read then). */
export function usePlanKpis(planId: string, enabled: boolean): Loadable<Kpi[]> {
  return useLiveQuery(
    async (db) => (enabled ? parseRows(kpiSchema, await db.kpis.where('planId').equals(planId).toArray(), 'kpi').filter((k) => !k.deleted) : []),
    [planId, enabled],
  );
}

export interface WalkData {
  /** Progress of every item in the period, by item id (empty unless asked for). */
  progress: Map<string, Progress>;
  /** The plan's notes (empty unless asked for). */
  notes: Note[];
}

/** The period's progress (for a mark filter or a query) and the plan's notes (for a query). */
export function useWalkData(planId: string, periodId: string, needs: { progress: boolean; notes: boolean }): Loadable<WalkData> {
  return useLiveQuery(
    (db) =>
      db.transaction('r', [db.progress, db.notes], async () => {
        const [progress, notes] = await Promise.all([
          needs.progress ? db.progress.where('[planId+periodId]').equals([planId, periodId]).toArray() : [],
          needs.notes ? db.notes.where('planId').equals(planId).toArray() : [],
        ]);
        return {
          progress: new Map(parseRows(progressSchema, progress, 'progress').map((p) => [p.itemId, p])),
          notes: parseRows(noteSchema, notes, 'note'),
        };
      }),
    [planId, periodId, needs.progress, needs.notes],
  );
}
