// The last plan screen's data, kept in localStorage beside IndexedDB: localStorage is read
// synchronously, so on a reload the plan tree is drawn from it before IndexedDB has even opened,
// and the live query replaces it a moment later (the tree is marked busy until then). Only a
// copy for display: every edit still goes through the repository, and a snapshot that does not
// parse, or is of another plan, period request or month, is ignored.
import * as z from 'zod/mini';
import { periodsOf, type Period } from '../model/period';
import { itemSchema, noteSchema, planSchema, progressSchema, sectionSchema } from '../model/schemas';

/** Where in localStorage; one entry for the last plan screen shown, so it stays small. */
export const PLAN_SNAPSHOT_KEY = 'jigyo-keikaku-tracker:plan-screen';
/** A bigger plan is not copied: localStorage holds a few MB per origin, and writing it blocks. */
export const PLAN_SNAPSHOT_MAX_CHARS = 1_500_000;

const snapshotSchema = z.object({
  version: z.literal(1),
  planId: z.string(),
  requestedPeriod: z.nullable(z.string()),
  month: z.string(),
  plan: planSchema,
  sections: z.array(sectionSchema),
  items: z.array(itemSchema),
  periodId: z.string(),
  progress: z.array(progressSchema),
  notes: z.array(noteSchema),
});

/** What the plan screen shows (PlanScreenData in src/ui/data/hooks.ts, which re-exports this shape). */
export interface PlanSnapshotData {
  plan: z.infer<typeof planSchema>;
  sections: z.infer<typeof sectionSchema>[];
  items: z.infer<typeof itemSchema>[];
  period: Period;
  progress: Map<string, z.infer<typeof progressSchema>>;
  notes: z.infer<typeof noteSchema>[];
}

/** The screen a snapshot is for: the same plan, period request and month choose the same period. */
export interface PlanSnapshotKey {
  planId: string;
  requestedPeriod: string | null;
  month: string;
}

type KeyValueStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

function defaultStore(): KeyValueStore | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    // Storage disabled (a privacy setting): no snapshot, the live query alone.
    return null;
  }
}

/** The snapshot for `key`, or null when there is none that fits. Never throws. */
export function readPlanSnapshot(key: PlanSnapshotKey, store: KeyValueStore | null = defaultStore()): PlanSnapshotData | null {
  let text: string | null;
  try {
    text = store?.getItem(PLAN_SNAPSHOT_KEY) ?? null;
  } catch {
    return null;
  }
  if (text === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = snapshotSchema.safeParse(json);
  if (!parsed.success) return null;
  const s = parsed.data;
  if (s.planId !== key.planId || s.requestedPeriod !== key.requestedPeriod || s.month !== key.month || s.plan.id !== key.planId) return null;
  // The period the live query chose then; if progress moved on since, the live query corrects it.
  const period = periodsOf(s.plan.fiscalYear, s.plan.periodKind).find((p) => p.id === s.periodId);
  if (!period) return null;
  return { plan: s.plan, sections: s.sections, items: s.items, period, progress: new Map(s.progress.map((p) => [p.itemId, p])), notes: s.notes };
}

/** Keeps `data` as the snapshot for `key`; a plan too big to copy removes the old snapshot. */
export function writePlanSnapshot(key: PlanSnapshotKey, data: PlanSnapshotData, store: KeyValueStore | null = defaultStore()): void {
  if (!store) return;
  const text = JSON.stringify({
    version: 1,
    planId: key.planId,
    requestedPeriod: key.requestedPeriod,
    month: key.month,
    plan: data.plan,
    sections: data.sections,
    items: data.items,
    periodId: data.period.id,
    progress: [...data.progress.values()],
    notes: data.notes,
  } satisfies z.input<typeof snapshotSchema>);
  try {
    if (text.length > PLAN_SNAPSHOT_MAX_CHARS) store.removeItem(PLAN_SNAPSHOT_KEY);
    else store.setItem(PLAN_SNAPSHOT_KEY, text);
  } catch {
    // Quota: the snapshot is only a head start; without it the screen waits for IndexedDB.
    try {
      store.removeItem(PLAN_SNAPSHOT_KEY);
    } catch {
      // Nothing more to do.
    }
  }
}

/** Removes the snapshot (「この端末のデータを消す」). Never throws. */
export function removePlanSnapshot(store: KeyValueStore | null = defaultStore()): void {
  try {
    store?.removeItem(PLAN_SNAPSHOT_KEY);
  } catch {
    // Storage disabled: there is no snapshot to remove.
  }
}
