// What this device knows of the server's copy of a record while edits of it wait in the outbox.
// Until a round trip touches the record, that is the stored record with the waiting entries
// undone (each entry's base is what the field held before it); from then on, and from the moment
// an edit goes out on a base of its own (an ancestor, see outbox.ts), it is kept in a meta
// row `sync.server:<table>:<id>` until nothing of the record waits. round-trip.ts rebases on it.
import * as z from 'zod/mini';
import { outboxEntrySchema, recordKey, serverCopyKey, type OutboxEntry, type SyncedTable, type TrackerDb } from '../db/database';
import { parseRows } from '../db/rows';

type Row = Record<string, unknown>;
export type PendingEntry = OutboxEntry & { seq: number };

const serverCopySchema = z.object({ record: z.nullable(z.record(z.string(), z.unknown())) });

/** The kept copy (its record null: the server does not have it), or null when none is kept. */
export async function readServerCopy(db: TrackerDb, table: SyncedTable, id: string): Promise<{ record: Row | null } | null> {
  const row = await db.meta.get(serverCopyKey(recordKey(table, id)));
  const parsed = serverCopySchema.safeParse(row?.value);
  return row && parsed.success ? parsed.data : null;
}

/**
 * The record before the pending entries (in seq order): undone newest first, each changed field
 * back to its base and the stamps back to the entry's baseStamps. Null when the first one
 * creates it.
 */
export function undoPending(local: Row | undefined, pending: readonly PendingEntry[]): Row | null {
  if (!local || pending.length === 0) return local ?? null;
  if (pending[0]?.create) return null;
  const record: Row = { ...local };
  for (const e of [...pending].reverse()) {
    for (const field of Object.keys(e.changes)) {
      if (Object.hasOwn(e.base, field)) record[field] = e.base[field];
      else delete record[field];
    }
    Object.assign(record, e.baseStamps);
  }
  return record;
}

/**
 * Keeps the server's copy of a record before an entry with a base of its own joins the outbox:
 * undoing the entries would then rebuild the server's record from that base. `current` is the
 * stored record before the entry is written.
 */
export async function pinServerCopy(db: TrackerDb, table: SyncedTable, id: string, current: Row): Promise<void> {
  if (await readServerCopy(db, table, id)) return;
  const pending = parseRows(
    outboxEntrySchema,
    await db.outbox
      .where('recordId')
      .equals(id)
      .filter((e) => e.table === table)
      .toArray(),
    'outbox entry',
  )
    .filter((e): e is PendingEntry => e.seq !== undefined)
    .sort((a, b) => a.seq - b.seq);
  await db.meta.put({ key: serverCopyKey(recordKey(table, id)), value: { record: undoPending(current, pending) } });
}
