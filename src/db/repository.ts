// The plain side of the on-device database: record tables read back and parsed with the model's
// schemas, meta rows, ids, and the retry every write runs under. Edits, which write a record with
// its outbox entry, are the sync layer's (src/sync/edits.ts).
import type { Table } from 'dexie';
import type * as z from 'zod/mini';
import {
  itemSchema,
  kpiSchema,
  measurementSchema,
  noteSchema,
  planSchema,
  progressId,
  progressSchema,
  RECORD_SCHEMAS,
  sectionSchema,
  type Conflict,
  type Item,
  type Kpi,
  type Measurement,
  type Note,
  type Plan,
  type Progress,
  type Section,
} from '../model/schemas';
import type { PlanRecords } from '../model/plan-file';
import type { SyncedTable, TrackerDb } from './database';
import { DB_ERROR, DbError, toDbError } from './errors';
import { parseRows } from './rows';

export type RecordOf = {
  plans: Plan;
  sections: Section;
  items: Item;
  progress: Progress;
  notes: Note;
  kpis: Kpi;
  measurements: Measurement;
  conflicts: Conflict;
};

export function newId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function schemaOf<T extends SyncedTable>(name: T): z.ZodMiniType<RecordOf[T]> {
  return RECORD_SCHEMAS[name] as unknown as z.ZodMiniType<RecordOf[T]>;
}

export function recordTable<T extends SyncedTable>(db: TrackerDb, name: T): Table<RecordOf[T], string> {
  return db.table(name) as Table<RecordOf[T], string>;
}

/**
 * Runs a write; on a lost connection it reopens once and retries (the transaction either
 * committed or did not, so a retry never half-applies), and it reports quota trouble.
 */
export async function runWrite<T>(db: TrackerDb, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const err = toDbError(e);
    if (err.code === DB_ERROR.closed && db.health.value.state !== 'upgrade') {
      try {
        await db.reopen();
        return await fn();
      } catch (again) {
        const err2 = toDbError(again);
        if (err2.code === DB_ERROR.closed) db.health.set({ state: 'closed', code: DB_ERROR.closed });
        throw err2;
      }
    }
    if (err.code === DB_ERROR.quota) db.health.set({ state: 'quota', code: DB_ERROR.quota });
    throw err;
  }
}

/** Everything stored for one plan, parsed. */
export async function readPlanRecords(db: TrackerDb, planId: string): Promise<PlanRecords> {
  return db.transaction('r', [db.plans, db.sections, db.items, db.kpis, db.progress, db.notes, db.measurements], async () => {
    const plan = planSchema.safeParse(await db.plans.get(planId));
    if (!plan.success) throw new DbError(DB_ERROR.notFound);
    const [sections, items, kpis, progress, notes, measurements] = await Promise.all([
      db.sections.where('planId').equals(planId).toArray(),
      db.items.where('planId').equals(planId).toArray(),
      db.kpis.where('planId').equals(planId).toArray(),
      db.progress.where('planId').equals(planId).toArray(),
      db.notes.where('planId').equals(planId).toArray(),
      db.measurements.where('planId').equals(planId).toArray(),
    ]);
    return {
      plan: plan.data,
      sections: parseRows(sectionSchema, sections, 'section'),
      items: parseRows(itemSchema, items, 'item'),
      kpis: parseRows(kpiSchema, kpis, 'kpi'),
      progress: parseRows(progressSchema, progress, 'progress'),
      notes: parseRows(noteSchema, notes, 'note'),
      measurements: parseRows(measurementSchema, measurements, 'measurement'),
    };
  });
}

/**
 * An item's progress records, unparsed: their ids begin with the item's (progressId), so a
 * primary key range finds them without an index of their own. The range also holds the records
 * of an item whose id continues the same text past a colon; itemId leaves those out.
 */
export async function readProgressOfItem(db: TrackerDb, itemId: string): Promise<unknown[]> {
  const rows = await db.progress.where('id').startsWith(progressId(itemId, '')).toArray();
  return rows.filter((row) => row.itemId === itemId);
}

export async function getMeta<T>(db: TrackerDb, key: string, schema: z.ZodMiniType<T>): Promise<T | undefined> {
  const row = await db.meta.get(key);
  if (!row) return undefined;
  const parsed = schema.safeParse(row.value);
  return parsed.success ? parsed.data : undefined;
}

export function setMeta(db: TrackerDb, key: string, value: unknown): Promise<unknown> {
  return runWrite(db, () => db.meta.put({ key, value }));
}
/** Removes a refused mutation from the list once the person has read it. */
export function dismissRejected(db: TrackerDb, id: number): Promise<void> {
  return runWrite(db, () => db.rejected.delete(id));
}
