// A tablet several people sign in on, for the screens: whose edits wait on this device (each
// person's go out only under their own login), throwing one person's away after a warning, and
// 「この端末のデータを消す」 (plan records, outbox, session and the plan screen's snapshot in
// localStorage; the device's own secret stays).
import type { OutboxAuthor, TrackerDb } from './database';
import { useLiveQuery, type Loadable } from './hooks';
import { removePlanSnapshot } from './plan-snapshot';
import { discardOutboxOf, eraseDeviceData, pendingByAuthor, type PendingOfAuthor } from './sync-store';

export type { OutboxAuthor, PendingOfAuthor };

/** The entries waiting on this device, per author, live. */
export function usePendingByAuthor(): Loadable<PendingOfAuthor[]> {
  return useLiveQuery((db) => pendingByAuthor(db), []);
}

/** Throws away every waiting edit of one person; returns how many. */
export function discardPendingOf(db: TrackerDb, authorId: string): Promise<number> {
  return discardOutboxOf(db, authorId);
}

/** Erases everything of the plans from this device (IndexedDB and localStorage). */
export async function eraseThisDevice(db: TrackerDb): Promise<void> {
  await eraseDeviceData(db);
  removePlanSnapshot();
}
