// Preact hooks over Dexie live queries: the only way components read data. Each hook parses
// what it reads with the model's schemas and re-renders when the underlying tables change.
import { createContext } from 'preact';
import { useContext, useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { liveQuery } from 'dexie';
import {
  conflictSchema,
  historySchema,
  itemSchema,
  kpiSchema,
  measurementSchema,
  noteSchema,
  planSchema,
  progressSchema,
  sectionSchema,
  type Conflict,
  type History,
  type Item,
  type Kpi,
  type Measurement,
  type Note,
  type Plan,
  type Progress,
  type Section,
} from '../../model/schemas';
import { choosePeriod, type Period } from '../../model/period';
import { rejectedEntrySchema, type DbHealth, type RejectedEntry, type TrackerDb } from '../../db/database';
import { DB_ERROR, DbError } from '../../db/errors';
import { readPlanSnapshot, writePlanSnapshot } from '../../db/plan-snapshot';
import { readProgressOfItem } from '../../db/repository';
import { parseRows } from '../../db/rows';

export const DbContext = createContext<TrackerDb | null>(null);

export function useDb(): TrackerDb {
  const db = useContext(DbContext);
  if (!db) throw new Error('useDb() outside <DbContext.Provider>');
  return db;
}

/** `stale`: shown from a snapshot (plan-snapshot.ts) until the live query delivers. */
export type Loadable<T> = { loading: true } | { loading: false; value: T; stale?: boolean };

/**
 * Counts the live queries still waiting for their first result and says once when the first
 * screen has none left: work that can wait (starting the sync engine, registering the service
 * worker) starts then instead of competing with the first screen for IndexedDB and the main
 * thread.
 */
export class FirstResults {
  private waiting = 0;
  private markSettled: () => void = () => undefined;
  /** Resolves once every query subscribed so far has delivered its first result. */
  readonly settled = new Promise<void>((resolve) => {
    this.markSettled = resolve;
  });
  private isSettled = false;

  /** A query subscribed; call the returned function when it delivered (or went away). */
  begin(): () => void {
    if (this.isSettled) return () => undefined;
    this.waiting++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--this.waiting === 0 && !this.isSettled) {
        this.isSettled = true;
        this.markSettled();
      }
    };
  }
}

export const FirstResultsContext = createContext<FirstResults | null>(null);

/**
 * Subscribes to a Dexie live query; `deps` say when the query itself changes. `initial` may give
 * a value to show (as stale) from the first render until the query's first result. A query that
 * fails throws DB_ERROR.readFailed from the render, so the screen's error boundary shows it
 * instead of 読み込み中… forever.
 */
export function useLiveQuery<T>(query: (db: TrackerDb) => Promise<T>, deps: readonly unknown[], initial?: () => T | null): Loadable<T> {
  const db = useDb();
  const firstResults = useContext(FirstResultsContext);
  const [state, setState] = useState<{ key: readonly unknown[]; value: T; stale?: boolean } | { key: readonly unknown[]; failure: DbError } | undefined>(() => {
    const value = initial?.() ?? null;
    return value === null ? undefined : { key: deps, value, stale: true };
  });
  // With nothing to show, subscribed before the browser paints (a frame saved is a frame sooner
  // on screen); with a snapshot on screen, after it is painted, so reading IndexedDB and
  // redrawing do not hold back the first frame.
  const [afterPaint] = useState(() => state !== undefined && !('failure' in state) && state.stale === true);
  const subscribe = () => {
    const key = deps;
    const delivered = firstResults?.begin();
    const sub = liveQuery(() => query(db)).subscribe({
      next: (value) => {
        setState({ key, value });
        delivered?.();
      },
      error: (e: unknown) => {
        console.error('A live query failed', e);
        setState({ key, failure: new DbError(DB_ERROR.readFailed, e instanceof Error ? e.message : String(e)) });
        delivered?.();
      },
    });
    return () => {
      sub.unsubscribe();
      delivered?.();
    };
  };
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useLayoutEffect(() => (afterPaint ? undefined : subscribe()), [db, firstResults, ...deps]);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => (afterPaint ? subscribe() : undefined), [db, firstResults, ...deps]);
  // A value computed for other deps is stale: show loading until the new one arrives.
  if (!state || state.key.length !== deps.length || state.key.some((k, i) => !Object.is(k, deps[i]))) return { loading: true };
  if ('failure' in state) throw state.failure;
  return state.stale ? { loading: false, value: state.value, stale: true } : { loading: false, value: state.value };
}

export function usePlans(): Loadable<Plan[]> {
  return useLiveQuery(async (db) => {
    const plans = parseRows(planSchema, await db.plans.toArray(), 'plan').filter((p) => !p.deleted);
    return plans.sort((a, b) => b.fiscalYear - a.fiscalYear || a.branch.localeCompare(b.branch, 'ja'));
  }, []);
}

export interface PlanStructure {
  plan: Plan;
  sections: Section[];
  items: Item[];
  kpis: Kpi[];
}

/** The plan with its tree and KPIs (deleted rows included, for undo), or null when it does not exist. */
export function usePlanStructure(planId: string): Loadable<PlanStructure | null> {
  return useLiveQuery(
    (db) =>
      db.transaction('r', [db.plans, db.sections, db.items, db.kpis], async () => {
        const plan = planSchema.safeParse(await db.plans.get(planId));
        if (!plan.success) return null;
        const [sections, items, kpis] = await Promise.all([
          db.sections.where('planId').equals(planId).toArray(),
          db.items.where('planId').equals(planId).toArray(),
          db.kpis.where('planId').equals(planId).toArray(),
        ]);
        return {
          plan: plan.data,
          sections: parseRows(sectionSchema, sections, 'section'),
          items: parseRows(itemSchema, items, 'item'),
          kpis: parseRows(kpiSchema, kpis, 'kpi'),
        };
      }),
    [planId],
  );
}

export interface ItemDetail {
  item: Item;
  progress: Progress[];
  notes: Note[];
}

/** One item with its progress in every period and its notes, newest first. */
export function useItemDetail(itemId: string): Loadable<ItemDetail | null> {
  return useLiveQuery(
    (db) =>
      db.transaction('r', [db.items, db.progress, db.notes], async () => {
        const item = itemSchema.safeParse(await db.items.get(itemId));
        if (!item.success) return null;
        const [progress, notes] = await Promise.all([readProgressOfItem(db, itemId), db.notes.where('itemId').equals(itemId).toArray()]);
        return {
          item: item.data,
          progress: parseRows(progressSchema, progress, 'progress'),
          notes: parseRows(noteSchema, notes, 'note').sort((a, b) => b.date.localeCompare(a.date) || b.createdAt.localeCompare(a.createdAt)),
        };
      }),
    [itemId],
  );
}

export function useMeasurementsOfPlan(planId: string): Loadable<Measurement[]> {
  return useLiveQuery(async (db) => parseRows(measurementSchema, await db.measurements.where('planId').equals(planId).toArray(), 'measurement'), [planId]);
}

/** How many edits wait to reach the server. */
export function usePendingCount(): Loadable<number> {
  return useLiveQuery((db) => db.outbox.count(), []);
}

export function useDbHealth(): DbHealth {
  const db = useDb();
  const [health, setHealth] = useState(db.health.value);
  useEffect(() => db.health.subscribe(setHealth), [db]);
  return health;
}

export const ACTOR_KEY = 'actorName';
export const DEFAULT_ACTOR = '担当者';

/** The signed-in user's name, provided by the app shell while a session exists. */
export const SessionNameContext = createContext<string | null>(null);

/** The name this device writes as: the session user's, else the device's 記入者. */
export function useActorName(): string {
  const sessionName = useContext(SessionNameContext);
  const name = useLiveQuery(async (db) => {
    const v = (await db.meta.get(ACTOR_KEY))?.value;
    return typeof v === 'string' && v.trim() ? v : DEFAULT_ACTOR;
  }, []);
  if (sessionName) return sessionName;
  return name.loading ? DEFAULT_ACTOR : name.value;
}

export interface PlanScreenData {
  plan: Plan;
  sections: Section[];
  items: Item[];
  period: Period;
  /** Progress of every item in `period`, by item id. */
  progress: Map<string, Progress>;
  notes: Note[];
}

/**
 * Everything the plan screen shows, read in one transaction (one round trip before the tree
 * can render): the structure, the period to show, its progress and the plan's notes.
 */
export function usePlanScreen(planId: string, requestedPeriod: string | null, today: string): Loadable<PlanScreenData | null> {
  const result = useLiveQuery(
    (db) =>
      db.transaction('r', [db.plans, db.sections, db.items, db.progress, db.notes], async () => {
        // One round trip for everything but the period's progress, which needs the plan.
        const [planRow, sections, items, progressKeys, notes] = await Promise.all([
          db.plans.get(planId),
          db.sections.where('planId').equals(planId).toArray(),
          db.items.where('planId').equals(planId).toArray(),
          db.progress.where('planId').equals(planId).primaryKeys(),
          db.notes.where('planId').equals(planId).toArray(),
        ]);
        const plan = planSchema.safeParse(planRow);
        if (!plan.success || plan.data.deleted) return null;
        const withProgress = new Set(progressKeys.map((k) => String(k).slice(String(k).lastIndexOf(':') + 1)));
        const period = choosePeriod(plan.data.fiscalYear, plan.data.periodKind, requestedPeriod, withProgress, today);
        const progress = await db.progress.where('[planId+periodId]').equals([planId, period.id]).toArray();
        return {
          plan: plan.data,
          sections: parseRows(sectionSchema, sections, 'section'),
          items: parseRows(itemSchema, items, 'item'),
          period,
          progress: new Map(parseRows(progressSchema, progress, 'progress').map((p) => [p.itemId, p])),
          // Removed notes (tombstones) are neither counted nor searched.
          notes: parseRows(noteSchema, notes, 'note').filter((n) => n.deleted !== true),
        };
      }),
    [planId, requestedPeriod, today],
    () => readPlanSnapshot({ planId, requestedPeriod, month: today }),
  );
  // Each live result becomes the snapshot the next reload starts from, written when idle.
  useEffect(() => {
    if (result.loading || result.stale || !result.value) return;
    const data = result.value;
    return whenIdle(() => writePlanSnapshot({ planId, requestedPeriod, month: today }, data));
  }, [result.loading ? null : result.value, planId, requestedPeriod, today]);
  return result;
}

/** Runs `fn` when the main thread is idle; returns a cancel. */
function whenIdle(fn: () => void): () => void {
  if (typeof requestIdleCallback === 'function') {
    const handle = requestIdleCallback(fn, { timeout: 2000 });
    return () => cancelIdleCallback(handle);
  }
  const handle = setTimeout(fn, 0);
  return () => clearTimeout(handle);
}

/** Unresolved conflicts of a plan (the plan screen counts them per item). */
export function useConflictsOfPlan(planId: string): Loadable<Conflict[]> {
  return useLiveQuery(
    async (db) => parseRows(conflictSchema, await db.conflicts.where('planId').equals(planId).toArray(), 'conflict').filter((c) => !c.resolved),
    [planId],
  );
}

/** Unresolved conflicts shown on an item, oldest first (the order they happened). */
export function useConflictsOfItem(itemId: string): Loadable<Conflict[]> {
  return useLiveQuery(
    async (db) => {
      const rows = parseRows(conflictSchema, await db.conflicts.where('itemId').equals(itemId).toArray(), 'conflict');
      return rows.filter((c) => !c.resolved).sort((a, b) => a.clientAt.localeCompare(b.clientAt));
    },
    [itemId],
  );
}

/** The applied changes of an item and its progress, newest first. */
export function useHistoryOfItem(itemId: string): Loadable<History[]> {
  return useLiveQuery(
    async (db) => parseRows(historySchema, await db.history.where('itemId').equals(itemId).toArray(), 'history').sort((a, b) => b.at.localeCompare(a.at)),
    [itemId],
  );
}

/** How many mutations the server refused (the status bar links to them). */
export function useRejectedCount(): Loadable<number> {
  return useLiveQuery((db) => db.rejected.count(), []);
}

export interface RejectedView {
  entry: RejectedEntry;
  /** The item the refused change was about, when it was about one. */
  item: Item | null;
}

/** The mutations the server refused, newest first, each with the item it concerned. */
export function useRejected(): Loadable<RejectedView[]> {
  return useLiveQuery(
    (db) =>
      db.transaction('r', [db.rejected, db.items, db.progress, db.notes, db.conflicts], async () => {
        const entries = parseRows(rejectedEntrySchema, await db.rejected.toArray(), 'rejected').reverse();
        return Promise.all(
          entries.map(async (entry) => {
            const itemId = await itemIdOf(db, entry);
            const item = itemId === null ? undefined : itemSchema.safeParse(await db.items.get(itemId));
            return { entry, item: item?.success ? item.data : null };
          }),
        );
      }),
    [],
  );
}

async function itemIdOf(db: TrackerDb, entry: RejectedEntry): Promise<string | null> {
  if (entry.table === 'items') return entry.recordId;
  if (entry.table !== 'progress' && entry.table !== 'notes' && entry.table !== 'conflicts') return null;
  // A refused create may have left no record behind; its changes still name the item.
  const record = (await db.table(entry.table).get(entry.recordId)) as { itemId?: unknown } | undefined;
  const itemId = record?.itemId ?? entry.changes.itemId;
  return typeof itemId === 'string' ? itemId : null;
}
