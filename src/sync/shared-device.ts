// A tablet several people sign in on, for the screens: whose edits wait on this device (each
// person's go out only under their own login), throwing one person's away after a warning, and
// 「この端末のデータを消す」 (plan records, outbox, session and the plan screen's snapshot in
// localStorage; the device's own secret stays). The status bar is on the first screen, which
// only reads: the writes load on use, with the sync store.
import { outboxEntrySchema, type OutboxAuthor, type TrackerDb } from '../db/database';
import { removePlanSnapshot } from '../db/plan-snapshot';
import { parseRows } from '../db/rows';

export type { OutboxAuthor };

/** The entries waiting on this device, per author (in the order each author first wrote one). */
export interface PendingOfAuthor {
  /** null: written while nobody had ever signed in here; the next person to sign in takes them. */
  author: OutboxAuthor | null;
  count: number;
}

export async function pendingByAuthor(db: TrackerDb): Promise<PendingOfAuthor[]> {
  const byId = new Map<string | null, PendingOfAuthor>();
  for (const e of parseRows(outboxEntrySchema, await db.outbox.toArray(), 'outbox entry')) {
    const id = e.author?.id ?? null;
    const known = byId.get(id);
    if (known) known.count++;
    else byId.set(id, { author: e.author ?? null, count: 1 });
  }
  return [...byId.values()];
}

/** Throws away every waiting edit of one person; returns how many. */
export async function discardPendingOf(db: TrackerDb, authorId: string): Promise<number> {
  return (await import('./round-trip')).discardOutboxOf(db, authorId);
}

/** Erases everything of the plans from this device (IndexedDB and localStorage). */
export async function eraseThisDevice(db: TrackerDb): Promise<void> {
  await (await import('./round-trip')).eraseDeviceData(db);
  removePlanSnapshot();
}
