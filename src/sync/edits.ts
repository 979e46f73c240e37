// The edits a screen makes (a 評価, a 実施状況, a note, an actual, a section moved…), each a
// record written with its outbox entry (outbox.ts). Rows read back are parsed with the model's
// schemas before anyone trusts them.
import {
  conflictSchema,
  measurementId,
  noteSchema,
  progressId,
  STAMP_FIELDS,
  type Conflict,
  type Evaluation,
  type Item,
  type Kpi,
  type Measurement,
  type Note,
  type Progress,
  type Section,
  type Visit,
} from '../model/schemas';
import type { PlanRecords } from '../model/plan-file';
import { sameValue } from '../model/merge';
import { keysForMove, orderKeySchema } from '../model/order-key';
import { currentAuthor, type OutboxEntry, type SyncedTable, type TrackerDb } from '../db/database';
import { DB_ERROR, DbError } from '../db/errors';
import { newId, runWrite, type RecordOf } from '../db/repository';
import { withSeal } from './outbox-seal';
import { enqueue, withoutStamps, writeRecord } from './outbox';
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
export function saveProgressText(
  db: TrackerDb,
  key: { planId: string; itemId: string; periodId: string },
  field: 'done' | 'next',
  value: string,
  expected: string,
  actor: string,
  ancestor?: string,
): Promise<Progress> {
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

/** A dated note; with `visit` it records a visit (事業所訪問) and its text is the visit's 結果. */
export function addNote(db: TrackerDb, input: { planId: string; itemId: string; date: string; text: string; visit?: Visit }, actor: string): Promise<Note> {
  const id = newId();
  return runWrite(db, () =>
    db.transaction('rw', [db.notes, db.outbox, db.meta], async () => {
      const now = new Date().toISOString();
      const { visit, ...rest } = input;
      // The signed-in account, as the server will stamp it: its author may correct it before it syncs.
      const signer = await currentAuthor(db);
      const parsed = noteSchema.safeParse({
        id,
        ...rest,
        text: input.text.trim(),
        author: actor,
        ...(signer ? { authorId: signer.author.id } : {}),
        createdAt: now,
        ...(visit ? { visit: cleanVisit(visit) } : {}),
      });
      if (!parsed.success) throw new DbError(DB_ERROR.invalid, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      const { id: _id, ...fields } = parsed.data;
      await db.notes.add(parsed.data);
      await enqueue(db, 'notes', parsed.data, fields, {}, parsed.data, now);
      return parsed.data;
    }),
  );
}

/** A visit as stored: no empty code or next date, each purpose once. */
function cleanVisit(visit: Visit): Visit {
  const code = visit.employerCode?.trim();
  return {
    employer: visit.employer.trim(),
    ...(code ? { employerCode: code } : {}),
    purposes: [...new Set(visit.purposes)],
    ...(visit.nextDate ? { nextDate: visit.nextDate } : {}),
  };
}

export interface NoteCorrection {
  date: string;
  text: string;
  /** The corrected visit; absent for a plain note (a visit stays a visit). */
  visit?: Visit;
}

/**
 * Corrects a note's date, text or visit (its author, or a lead: the server refuses others).
 * `ancestor`: the note as the correction started from it. Where the stored note has moved on
 * since (a colleague's correction arrived while this one was written), that field goes to the
 * server with the ancestor as its base, so the server merges the texts or keeps both as a 競合
 * instead of this correction silently replacing the other.
 */
export function correctNote(db: TrackerDb, id: string, correction: NoteCorrection, actor: string, ancestor?: NoteCorrection): Promise<Note> {
  return runWrite(db, () =>
    db.transaction('rw', [db.notes, db.outbox, db.meta], async () => {
      const stored = noteSchema.safeParse(await db.notes.get(id));
      if (!stored.success) throw new DbError(DB_ERROR.notFound);
      const moved = ancestor
        ? Object.fromEntries((['date', 'text', 'visit'] as const).filter((f) => !sameValue(stored.data[f], ancestor[f])).map((f) => [f, ancestor[f] ?? null]))
        : {};
      // Only what the person changed is written and sent: a field they left as it was keeps a
      // colleague's correction that arrived meanwhile, and is no conflict. (A visit stays a visit.)
      const next = { date: correction.date, text: correction.text.trim(), visit: correction.visit ? cleanVisit(correction.visit) : undefined };
      const from = ancestor ?? stored.data;
      const touched = (['date', 'text', 'visit'] as const).filter((f) => next[f] !== undefined && !sameValue(next[f], from[f]));
      return writeNote(db, id, Object.fromEntries(touched.map((f) => [f, next[f]])), actor, Object.keys(moved).length ? moved : undefined);
    }),
  );
}

/** Removes a note (a tombstone that syncs; the history keeps what it said), or brings it back. */
export function setNoteDeleted(db: TrackerDb, id: string, deleted: boolean, actor: string): Promise<Note> {
  return writeNote(db, id, { deleted }, actor);
}

/** Writes `patch` over a note that exists (with its outbox entry; `moved`: bases a colleague changed). */
function writeNote(db: TrackerDb, id: string, patch: Partial<Note>, actor: string, moved?: Record<string, unknown>): Promise<Note> {
  return writeRecord(
    db,
    'notes',
    id,
    (cur) => {
      if (!cur) throw new DbError(DB_ERROR.notFound);
      return { ...cur, ...patch };
    },
    actor,
    undefined,
    moved,
  );
}

/** The actual of a KPI as of a month; null clears it. */
export function saveMeasurement(
  db: TrackerDb,
  key: { planId: string; kpiId: string; month: string },
  value: number | null,
  actor: string,
): Promise<Measurement> {
  const id = measurementId(key.kpiId, key.month);
  const template: Measurement = { id, ...key, value: null, updatedAt: '', updatedBy: '' };
  return writeRecord(db, 'measurements', id, (cur) => ({ ...(cur ?? template), value }), actor, template);
}

type StructureTable = 'sections' | 'items' | 'kpis' | 'plans';
type Editable<T> = Partial<Omit<T, 'id' | 'planId' | 'updatedAt' | 'updatedBy'>>;

/** Changes fields of a plan, section, item or KPI (rename, move, retag, retarget…). */
export async function updateRecord<T extends StructureTable>(
  db: TrackerDb,
  name: T,
  id: string,
  patch: Editable<RecordOf[T]>,
  actor: string,
): Promise<RecordOf[T]> {
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

export function createSection(
  db: TrackerDb,
  input: Pick<Section, 'planId' | 'parentId' | 'label' | 'title' | 'order'> & Partial<Pick<Section, 'group'>>,
  actor: string,
): Promise<Section> {
  const id = newId();
  return writeRecord(db, 'sections', id, () => ({ id, ...input, deleted: false, updatedAt: '', updatedBy: '' }), actor);
}

export function createItem(
  db: TrackerDb,
  input: Pick<Item, 'planId' | 'sectionId' | 'label' | 'text' | 'group' | 'tags' | 'order'>,
  actor: string,
): Promise<Item> {
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
          entries.push(
            withSeal(
              {
                mutationId: newId(),
                table: name,
                recordId: id,
                planId: row.planId,
                changes: fields,
                base: {},
                create: withoutStamps(record),
                createdAt: now,
                ...(signer ? { author: signer.author } : {}),
              },
              signer?.key ?? null,
            ),
          );
        }
      }
      await db.outbox.bulkAdd(entries);
    }),
  );
}

/**
 * Moves `id` to where it stands in `ids` (its siblings in their new sequence, e.g. after a move
 * up or down): it alone gets a new order key, between its new neighbours, so a colleague's move
 * of another sibling never meets this one. Siblings tied on one key (two devices inserted at the
 * same spot) or grown long are keyed again too (keysForMove), all in one transaction.
 */
export function moveRecord(db: TrackerDb, name: 'sections' | 'items' | 'kpis', id: string, ids: readonly string[], actor: string): Promise<void> {
  return runWrite(db, () =>
    db.transaction('rw', [db.table(name), db.outbox, db.meta], async () => {
      const rows = await db.table(name).bulkGet([...ids]);
      const siblings = rows.map((row: unknown, i) => {
        const order = orderKeySchema.safeParse((row as { order?: unknown } | undefined)?.order);
        if (!order.success) throw new DbError(DB_ERROR.notFound);
        return { id: ids[i]!, order: order.data };
      });
      for (const [sibling, order] of keysForMove(siblings, id)) await updateRecord(db, name, sibling, { order }, actor);
    }),
  );
}

/**
 * Gives sections or items new labels (番号を振り直す, and its undo) in one transaction, so the
 * siblings are renumbered together or not at all; each label is a normal field edit that syncs.
 */
export function relabelRecords(db: TrackerDb, name: 'sections' | 'items', labels: readonly { id: string; label: string }[], actor: string): Promise<void> {
  return runWrite(db, () =>
    db.transaction('rw', [db.table(name), db.outbox, db.meta], async () => {
      for (const { id, label } of labels) await updateRecord(db, name, id, { label }, actor);
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
