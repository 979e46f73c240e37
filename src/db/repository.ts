// Every write the app makes goes through here: a record and its outbox entry are written in one
// IndexedDB transaction, so a reload, a killed tab or a full disk leaves either both or neither.
// Rows read back are parsed with the model's schemas before anyone trusts them.
import type { Table } from 'dexie';
import * as z from 'zod/mini';
import {
  conflictSchema,
  itemSchema,
  kpiSchema,
  measurementId,
  measurementSchema,
  noteSchema,
  planSchema,
  progressId,
  progressSchema,
  RECORD_SCHEMAS,
  sectionSchema,
  STAMP_FIELDS,
  type Conflict,
  type Evaluation,
  type Item,
  type Kpi,
  type Measurement,
  type Note,
  type Plan,
  type Progress,
  type Section,
} from '../model/schemas';
import type { PlanRecords } from '../model/plan-file';
import { sameValue } from '../model/merge';
import { DB_ERROR, DbError, toDbError } from './errors';
import { withSeal } from './outbox-seal';
import { currentAuthor, type OutboxEntry, type SyncedTable, type TrackerDb } from './database';
import { parseRows } from './rows';
import { pinServerCopy } from './server-copy';

type RecordOf = {
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

function schemaOf<T extends SyncedTable>(name: T): z.ZodMiniType<RecordOf[T]> {
  return RECORD_SCHEMAS[name] as unknown as z.ZodMiniType<RecordOf[T]>;
}

function table<T extends SyncedTable>(db: TrackerDb, name: T): Table<RecordOf[T], string> {
  return db.table(name) as Table<RecordOf[T], string>;
}

/**
 * Runs a write; on a lost connection it reopens once and retries (the transaction either
 * committed or did not, so a retry never half-applies), and it reports quota trouble.
 */
async function runWrite<T>(db: TrackerDb, fn: () => Promise<T>): Promise<T> {
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
        if (err2.code === DB_ERROR.closed) db.health.set({ state: 'closed', message: err2.message });
        throw err2;
      }
    }
    if (err.code === DB_ERROR.quota) db.health.set({ state: 'quota', message: err.message });
    throw err;
  }
}

/**
 * Appends an outbox entry, or folds it into the pending one for the same record (not with
 * `fold` false: an entry on a base of its own, see writeRecord). `create` is
 * the whole record when this write created it (the server creates it from that if absent).
 * The entry is the signed-in person's (read here, in the write's transaction, so no screen has
 * to pass it along); it is never folded into another person's entry, which goes out under
 * their name alone. The caller's transaction must include `db.meta`.
 */
async function enqueue(db: TrackerDb, table: SyncedTable, record: { id: string; planId: string }, changes: Record<string, unknown>, base: Record<string, unknown>, create: Record<string, unknown> | null, now: string, baseStamps?: Record<string, unknown>, options = { fold: true }): Promise<void> {
  const signer = await currentAuthor(db);
  const author = signer?.author;
  const last =
    options.fold &&
    (await db.outbox
      .where('recordId')
      .equals(record.id)
      .filter((e) => e.table === table && !e.inFlight && e.author?.id === author?.id)
      .last());
  // Folded only where the device shows the entry's own values (each field's base here is the
  // value shown): a field the rebase merged with a colleague's text without rewriting the entry
  // (one left by an earlier login) or that a later entry changed goes out in a new entry, from
  // what is shown, so the server does not see the new keys against the older text.
  const pending = last && Object.keys(changes).every((k) => !Object.hasOwn(last.changes, k) || sameValue(last.changes[k], base[k])) ? last : undefined;
  if (pending) {
    // The older entry's base is what the server last had; keep it for fields it already names.
    await db.outbox.put(
      withSeal(
        {
          ...pending,
          changes: { ...pending.changes, ...changes },
          base: { ...base, ...pending.base },
          create: pending.create ? { ...pending.create, ...changes } : null,
          createdAt: now,
        },
        signer?.key ?? null,
      ),
    );
    return;
  }
  const entry: OutboxEntry = { mutationId: newId(), table, recordId: record.id, planId: record.planId, changes, base, create, createdAt: now, ...(baseStamps ? { baseStamps } : {}), ...(author ? { author } : {}) };
  await db.outbox.add(withSeal(entry, signer?.key ?? null));
}

function pickStamps(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => STAMP_FIELDS.has(k)));
}

function withoutStamps(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => !STAMP_FIELDS.has(k)));
}

/**
 * Writes `next` over the current record (or creates it) with its outbox entry. Returns the
 * stored record; nothing is written when no field changed. A record with a natural key has a
 * `template` (its empty state): a create then sends only what differs from it, with the
 * template's values as base, so two devices creating it offline merge field by field.
 */
async function writeRecord<T extends SyncedTable>(db: TrackerDb, name: T, id: string, build: (current: RecordOf[T] | undefined) => RecordOf[T], actor: string, template?: RecordOf[T], baseOf?: Record<string, unknown>): Promise<RecordOf[T]> {
  return runWrite(db, () =>
    db.transaction('rw', [db.table(name), db.outbox, db.meta], async () => {
      const raw = await table(db, name).get(id);
      const current = raw === undefined ? undefined : schemaOf(name).parse(raw);
      const now = new Date().toISOString();
      const candidate = { ...build(current), updatedAt: now, updatedBy: actor } as RecordOf[T];
      const parsed = schemaOf(name).safeParse(candidate);
      if (!parsed.success) throw new DbError(DB_ERROR.invalid, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      const next = parsed.data as RecordOf[T] & { id: string };
      // A plan is its own plan; every other record names the plan it belongs to.
      const planId = 'planId' in next ? (next.planId as string) : next.id;
      const before = (current ?? template) as Record<string, unknown> | undefined;
      // A base other than the stored value (an ancestor) goes out in an entry of its own, after
      // any waiting one (folded in, it would take back that entry's edits, which its base
      // already holds), with the server's copy kept first (server-copy.ts) so that no rebase
      // rebuilds the server's record from that base.
      const ancestorBase = baseOf && current ? baseOf : undefined;
      const changes: Record<string, unknown> = {};
      const base: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(next)) {
        if (STAMP_FIELDS.has(k) || k === 'id') continue;
        if (!before || !sameValue(before[k], v)) {
          changes[k] = v;
          if (before) base[k] = ancestorBase && k in ancestorBase ? ancestorBase[k] : (before[k] ?? null);
        }
      }
      if (current && Object.keys(changes).length === 0) return current;
      if (ancestorBase && current) await pinServerCopy(db, name, id, current as Record<string, unknown>);
      await table(db, name).put(next);
      const stamps = current && pickStamps(current as Record<string, unknown>);
      await enqueue(db, name, { id: next.id, planId }, changes, base, current ? null : withoutStamps(next), now, stamps, { fold: !ancestorBase });
      return next;
    }),
  );
}

export interface ProgressPatch {
  evaluation?: Evaluation | null;
  done?: string;
  next?: string;
}

/** The 実施状況 / 評価 / 今後の実施予定等 of an item in a period (created on first save). */
export function saveProgress(db: TrackerDb, key: { planId: string; itemId: string; periodId: string }, patch: ProgressPatch, actor: string): Promise<Progress> {
  const id = progressId(key.itemId, key.periodId);
  const template: Progress = { id, ...key, evaluation: null, done: '', next: '', updatedAt: '', updatedBy: '' };
  return writeRecord(db, 'progress', id, (cur) => ({ ...(cur ?? template), ...patch }), actor, template);
}

/**
 * One text of a progress record as a field typing into it saves it: written only when the stored
 * text is still `expected` (what the field last knew), so a value another tab or a sync wrote
 * meanwhile is never overwritten unseen; otherwise it throws DbError `stale` and changes nothing.
 * `ancestor`: what the person's text grew from when a change made elsewhere overlapped it; it
 * goes to the server as the change's base (instead of the other's value now stored here), so
 * the server keeps both as a 競合 rather than the person's text silently replacing the other's.
 */
export function saveProgressText(db: TrackerDb, key: { planId: string; itemId: string; periodId: string }, field: 'done' | 'next', value: string, expected: string, actor: string, ancestor?: string): Promise<Progress> {
  const id = progressId(key.itemId, key.periodId);
  const template: Progress = { id, ...key, evaluation: null, done: '', next: '', updatedAt: '', updatedBy: '' };
  return writeRecord(
    db,
    'progress',
    id,
    (cur) => {
      if ((cur ?? template)[field] !== expected) throw new DbError(DB_ERROR.stale);
      return { ...(cur ?? template), [field]: value };
    },
    actor,
    template,
    ancestor === undefined ? undefined : { [field]: ancestor },
  );
}

/** A dated note (e.g. a visit record); notes are append-only. */
export function addNote(db: TrackerDb, input: { planId: string; itemId: string; date: string; text: string }, actor: string): Promise<Note> {
  const id = newId();
  return runWrite(db, () =>
    db.transaction('rw', [db.notes, db.outbox, db.meta], async () => {
      const now = new Date().toISOString();
      const parsed = noteSchema.safeParse({ id, ...input, text: input.text.trim(), author: actor, createdAt: now });
      if (!parsed.success) throw new DbError(DB_ERROR.invalid, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      const { id: _id, ...fields } = parsed.data;
      await db.notes.add(parsed.data);
      await enqueue(db, 'notes', parsed.data, fields, {}, parsed.data, now);
      return parsed.data;
    }),
  );
}

/** The actual of a KPI as of a month; null clears it. */
export function saveMeasurement(db: TrackerDb, key: { planId: string; kpiId: string; month: string }, value: number | null, actor: string): Promise<Measurement> {
  const id = measurementId(key.kpiId, key.month);
  const template: Measurement = { id, ...key, value: null, updatedAt: '', updatedBy: '' };
  return writeRecord(db, 'measurements', id, (cur) => ({ ...(cur ?? template), value }), actor, template);
}

type StructureTable = 'sections' | 'items' | 'kpis' | 'plans';
type Editable<T> = Partial<Omit<T, 'id' | 'planId' | 'updatedAt' | 'updatedBy'>>;

/** Changes fields of a plan, section, item or KPI (rename, move, retag, retarget…). */
export async function updateRecord<T extends StructureTable>(db: TrackerDb, name: T, id: string, patch: Editable<RecordOf[T]>, actor: string): Promise<RecordOf[T]> {
  return writeRecord(
    db,
    name,
    id,
    (cur) => {
      if (!cur) throw new DbError(DB_ERROR.notFound);
      return { ...cur, ...patch };
    },
    actor,
  );
}

/** Deletes are tombstones, so they sync and can be undone. */
export function setDeleted(db: TrackerDb, name: StructureTable, id: string, deleted: boolean, actor: string): Promise<unknown> {
  return updateRecord(db, name, id, { deleted } as Editable<RecordOf[typeof name]>, actor);
}

export function createSection(db: TrackerDb, input: Pick<Section, 'planId' | 'parentId' | 'label' | 'title' | 'order'>, actor: string): Promise<Section> {
  const id = newId();
  return writeRecord(db, 'sections', id, () => ({ id, ...input, deleted: false, updatedAt: '', updatedBy: '' }), actor);
}

export function createItem(db: TrackerDb, input: Pick<Item, 'planId' | 'sectionId' | 'label' | 'text' | 'group' | 'tags' | 'order'>, actor: string): Promise<Item> {
  const id = newId();
  return writeRecord(db, 'items', id, () => ({ id, ...input, deleted: false, updatedAt: '', updatedBy: '' }), actor);
}

export function createKpi(db: TrackerDb, input: Pick<Kpi, 'planId' | 'sectionId' | 'name' | 'unit' | 'target' | 'order'>, actor: string): Promise<Kpi> {
  const id = newId();
  return writeRecord(db, 'kpis', id, () => ({ id, ...input, deleted: false, updatedAt: '', updatedBy: '' }), actor);
}

/**
 * Stores a whole plan (an imported file). With `outbox` every record also gets an outbox
 * entry so it reaches the server; the demo plan is stored without.
 */
export async function storePlanRecords(db: TrackerDb, records: PlanRecords, options: { outbox: boolean }): Promise<void> {
  const tables: [SyncedTable, { id: string; planId: string }[]][] = [
    ['plans', [{ ...records.plan, planId: records.plan.id }]],
    ['sections', records.sections],
    ['items', records.items],
    ['kpis', records.kpis],
    ['progress', records.progress],
    ['notes', records.notes],
    ['measurements', records.measurements],
  ];
  await runWrite(db, () =>
    db.transaction('rw', [...tables.map(([t]) => db.table(t)), db.outbox, db.meta], async () => {
      const now = new Date().toISOString();
      const signer = await currentAuthor(db);
      await db.plans.put(records.plan);
      await db.sections.bulkPut(records.sections);
      await db.items.bulkPut(records.items);
      await db.kpis.bulkPut(records.kpis);
      await db.progress.bulkPut(records.progress);
      await db.notes.bulkPut(records.notes);
      await db.measurements.bulkPut(records.measurements);
      if (!options.outbox) return;
      const entries: OutboxEntry[] = [];
      for (const [name, rows] of tables) {
        for (const row of rows) {
          const record = (name === 'plans' ? records.plan : row) as Record<string, unknown> & { id: string };
          const { id, ...fields } = withoutStamps(record) as Record<string, unknown> & { id: string };
          entries.push(withSeal({ mutationId: newId(), table: name, recordId: id, planId: row.planId, changes: fields, base: {}, create: withoutStamps(record), createdAt: now, ...(signer ? { author: signer.author } : {}) }, signer?.key ?? null));
        }
      }
      await db.outbox.bulkAdd(entries);
    }),
  );
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

export async function getMeta<T>(db: TrackerDb, key: string, schema: z.ZodMiniType<T>): Promise<T | undefined> {
  const row = await db.meta.get(key);
  if (!row) return undefined;
  const parsed = schema.safeParse(row.value);
  return parsed.success ? parsed.data : undefined;
}

export function setMeta(db: TrackerDb, key: string, value: unknown): Promise<unknown> {
  return runWrite(db, () => db.meta.put({ key, value }));
}

/**
 * Renumbers `order` to 0…n−1 in the sequence of `ids` (siblings after a move up or down), in
 * one transaction so a reload never shows half a move. Records already in place are untouched
 * and get no outbox entry.
 */
export function reorderRecords(db: TrackerDb, name: 'sections' | 'items' | 'kpis', ids: readonly string[], actor: string): Promise<void> {
  return runWrite(db, () =>
    db.transaction('rw', [db.table(name), db.outbox, db.meta], async () => {
      for (const [order, id] of ids.entries()) await updateRecord(db, name, id, { order }, actor);
    }),
  );
}

/**
 * Settles a conflict: the record's field takes `chosenValue` (based on the value this device
 * has now) and the conflict is marked resolved, both with outbox entries in one transaction, so
 * the value and the resolution reach every device together. Returns false (and writes nothing)
 * when the conflict was resolved meanwhile, e.g. by another lead whose resolution synced first.
 */
export function resolveConflict(db: TrackerDb, conflict: Conflict, chosenValue: unknown, actor: string): Promise<boolean> {
  return runWrite(db, () =>
    db.transaction('rw', [db.table(conflict.table), db.conflicts, db.outbox, db.meta], async () => {
      const stored = conflictSchema.safeParse(await db.conflicts.get(conflict.id));
      if (!stored.success) throw new DbError(DB_ERROR.notFound);
      if (stored.data.resolved) return false;
      await writeRecord(
        db,
        conflict.table,
        conflict.recordId,
        (cur) => {
          if (!cur) throw new DbError(DB_ERROR.notFound);
          return { ...cur, [conflict.field]: chosenValue };
        },
        actor,
      );
      await writeRecord(db, 'conflicts', conflict.id, () => ({ ...stored.data, resolved: true }), actor);
      return true;
    }),
  );
}

/** The tables whose changes the history lists and a person may restore. */
export type RestorableTable = 'plans' | 'sections' | 'items' | 'progress' | 'kpis' | 'measurements';

/**
 * Puts a field back to an earlier value (from the change history) as a new change of its own:
 * written and queued like any edit, with the value this device has now as its base, so it syncs,
 * merges and is recorded with who and when. Returns false (writing nothing) when the field holds
 * that value already.
 */
export async function restoreField(db: TrackerDb, name: RestorableTable, id: string, field: string, value: unknown, actor: string): Promise<boolean> {
  let changed = false;
  await writeRecord(
    db,
    name,
    id,
    (cur) => {
      if (!cur) throw new DbError(DB_ERROR.notFound);
      if (STAMP_FIELDS.has(field) || field === 'id' || !Object.hasOwn(cur, field)) throw new DbError(DB_ERROR.invalid, `${field} cannot be restored`);
      changed = !sameValue((cur as Record<string, unknown>)[field], value);
      return { ...cur, [field]: value };
    },
    actor,
  );
  return changed;
}

/** Removes a refused mutation from the list once the person has read it. */
export function dismissRejected(db: TrackerDb, id: number): Promise<void> {
  return runWrite(db, () => db.rejected.delete(id));
}
