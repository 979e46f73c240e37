// A stored text as a field that autosaves it sees it (src/ui/use-autosave.ts): read it as it is
// now, write it compare-and-set, and hear when it may have changed — by a write here, in another
// tab (Dexie signals those across tabs) or by sync. The field reads the text itself, one read
// after another, so what it reads never goes back in time.
import { liveQuery } from 'dexie';
import { progressId, progressSchema } from '../model/schemas';
import type { TrackerDb } from '../db/database';
import { DB_ERROR, DbError } from '../db/errors';
import { saveProgressText } from './edits';

export interface TextStore {
  /** Names the stored text: another key is another text. */
  key: string;
  /** The text stored now. */
  read: () => Promise<string>;
  /**
   * Writes `value` where the stored text is still `expected` (else throws DbError `stale`).
   * `ancestor`: what the value grew from when that differs from `expected` (a change made
   * elsewhere overlapped it), sent to the server as the change's base.
   */
  save: (value: string, expected: string, ancestor?: string) => Promise<void>;
  /** Calls `changed` whenever the text may have changed; returns the way to stop. */
  watch: (changed: () => void) => () => void;
}

/** 実施状況 (`done`) or 今後の実施予定等 (`next`) of an item in a period; '' while its record does not exist. */
export function progressTextStore(db: TrackerDb, key: { planId: string; itemId: string; periodId: string }, field: 'done' | 'next', actor: string): TextStore {
  const id = progressId(key.itemId, key.periodId);
  const read = async (): Promise<string> => {
    const row = await db.progress.get(id);
    if (row === undefined) return '';
    const parsed = progressSchema.safeParse(row);
    if (!parsed.success) throw new DbError(DB_ERROR.invalid, `progress ${id}`);
    return parsed.data[field];
  };
  return {
    key: `progress/${id}/${field}`,
    read,
    save: async (value, expected, ancestor) => void (await saveProgressText(db, key, field, value, expected, actor, ancestor)),
    watch: (changed) => {
      // Only as the signal: the live query's own reads are not the field's serialized ones.
      const sub = liveQuery(read).subscribe({ next: changed, error: (e: unknown) => console.error('Watching a saved text failed', e) });
      return () => sub.unsubscribe();
    },
  };
}
