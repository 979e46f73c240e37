// Drafts: what a person typed into a form and has not submitted yet (a メモ, a KPI actual, a
// merged text of a conflict), kept on the device in meta rows (`draft:<user>:<key>`) at every
// change, so it survives a reload, a killed tab and an app update (更新する). A draft goes away
// only when the form is submitted or the person discards it. A draft is its person's (the one
// signed in, else the device's last user): on a shared tablet the next person never sees, nor
// submits under their name, what the previous one was writing. Rows are parsed on read; one
// that does not parse is treated as no draft.
import * as z from 'zod/mini';
import { currentAuthor, type TrackerDb } from './database';

export const draftSchema = z.object({
  fields: z.record(z.string(), z.string()),
  savedAt: z.string(),
});
export type Draft = z.infer<typeof draftSchema>;

const PREFIX = 'draft:';

/** The meta row of this person's draft under `key`. */
async function rowKey(db: TrackerDb, key: string): Promise<string> {
  const owner = await currentAuthor(db);
  return `${PREFIX}${owner?.author.id ?? '-'}:${key}`;
}

export async function readDraft(db: TrackerDb, key: string): Promise<Draft | null> {
  const row = await db.meta.get(await rowKey(db, key));
  if (!row) return null;
  const parsed = draftSchema.safeParse(row.value);
  return parsed.success ? parsed.data : null;
}

/** One transaction: whose draft it is and the write itself, so a sign-out cannot come between. */
export async function saveDraft(db: TrackerDb, key: string, fields: Record<string, string>): Promise<void> {
  await db.transaction('rw', db.meta, async () => {
    await db.meta.put({ key: await rowKey(db, key), value: { fields, savedAt: new Date().toISOString() } satisfies Draft });
  });
}

export async function discardDraft(db: TrackerDb, key: string): Promise<void> {
  await db.transaction('rw', db.meta, async () => {
    await db.meta.delete(await rowKey(db, key));
  });
}
