// Hooks of the visit screens (事業所訪問): the notes of a plan, the employers of its branch
// remembered from the visits on this device, and the kind of note (メモ or 訪問) this device
// wrote last, which the note form starts with.
import * as z from 'zod/mini';
import { getMeta, setMeta } from '../../db/repository';
import { parseRows } from '../../db/rows';
import type { TrackerDb } from '../../db/database';
import { noteSchema, planSchema, type Note, type Plan } from '../../model/schemas';
import { knownEmployers, type Employer } from '../../model/visits';
import { useLiveQuery, type Loadable } from './hooks';

/** Every note of a plan, removed ones included (their tombstones), in no particular order. */
export function useNotesOfPlan(planId: string): Loadable<Note[]> {
  return useLiveQuery(async (db) => parseRows(noteSchema, await db.notes.where('planId').equals(planId).toArray(), 'note'), [planId]);
}

/**
 * The employers the plan's branch has visited, most recent first: from the visits of every plan
 * of the branch on this device (all of them sync here), so they are there offline.
 */
export function useBranchEmployers(plan: Plan): Loadable<Employer[]> {
  return useLiveQuery(
    (db) =>
      db.transaction('r', [db.plans, db.notes], async () => {
        const plans = parseRows(planSchema, await db.plans.toArray(), 'plan').filter((p) =>
          plan.branchId === undefined ? p.id === plan.id : p.branchId === plan.branchId,
        );
        const notes = await db.notes
          .where('planId')
          .anyOf(plans.map((p) => p.id))
          .toArray();
        return knownEmployers(parseRows(noteSchema, notes, 'note'));
      }),
    [plan.id, plan.branchId],
  );
}

export const NOTE_KINDS = ['memo', 'visit'] as const;
export type NoteKind = (typeof NOTE_KINDS)[number];
const NOTE_KIND_KEY = 'noteKind';
const noteKindSchema = z.enum(NOTE_KINDS);

/** The kind of note this device saved last ('memo' until it saved one). */
export function useLastNoteKind(): Loadable<NoteKind> {
  return useLiveQuery(async (db) => (await getMeta(db, NOTE_KIND_KEY, noteKindSchema)) ?? 'memo', []);
}

export function rememberNoteKind(db: TrackerDb, kind: NoteKind): Promise<unknown> {
  return setMeta(db, NOTE_KIND_KEY, kind);
}
