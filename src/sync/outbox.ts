// The outbox: every edit this device makes waits here until the server has answered it. A record
// and its entry are written in one IndexedDB transaction (writeRecord), so a reload, a killed
// tab or a full disk leaves either both or neither; a round trip takes the oldest entries of
// the signed-in person (takeOutboxBatch) and round-trip.ts settles them.
import { sameValue } from '../model/merge';
import type { Mutation } from '../model/protocol';
import { STAMP_FIELDS } from '../model/schemas';
import { currentAuthor, outboxEntrySchema, type OutboxEntry, type SyncedTable, type TrackerDb } from '../db/database';
import { DB_ERROR, DbError } from '../db/errors';
import { newId, recordTable, runWrite, schemaOf, type RecordOf } from '../db/repository';
import { parseRows } from '../db/rows';
import { withSeal } from './outbox-seal';
import { pinServerCopy, type PendingEntry } from './server-copy';
/**
 * Appends an outbox entry, or folds it into the pending one for the same record (not with
 * `fold` false: an entry on a base of its own, see writeRecord). `create` is
 * the whole record when this write created it (the server creates it from that if absent).
 * The entry is the signed-in person's (read here, in the write's transaction, so no screen has
 * to pass it along); it is never folded into another person's entry, which goes out under
 * their name alone. The caller's transaction must include `db.meta`.
 */
export async function enqueue(
  db: TrackerDb,
  table: SyncedTable,
  record: { id: string; planId: string },
  changes: Record<string, unknown>,
  base: Record<string, unknown>,
  create: Record<string, unknown> | null,
  now: string,
  baseStamps?: Record<string, unknown>,
  options = { fold: true },
): Promise<void> {
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
  const entry: OutboxEntry = {
    mutationId: newId(),
    table,
    recordId: record.id,
    planId: record.planId,
    changes,
    base,
    create,
    createdAt: now,
    ...(baseStamps ? { baseStamps } : {}),
    ...(author ? { author } : {}),
  };
  await db.outbox.add(withSeal(entry, signer?.key ?? null));
}

function pickStamps(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => STAMP_FIELDS.has(k)));
}

export function withoutStamps(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => !STAMP_FIELDS.has(k)));
}

/**
 * Writes `next` over the current record (or creates it) with its outbox entry. Returns the
 * stored record; nothing is written when no field changed. A record with a natural key has a
 * `template` (its empty state): a create then sends only what differs from it, with the
 * template's values as base, so two devices creating it offline merge field by field.
 */
export async function writeRecord<T extends SyncedTable>(
  db: TrackerDb,
  name: T,
  id: string,
  build: (current: RecordOf[T] | undefined) => RecordOf[T],
  actor: string,
  template?: RecordOf[T],
  baseOf?: Record<string, unknown>,
): Promise<RecordOf[T]> {
  return runWrite(db, () =>
    db.transaction('rw', [db.table(name), db.outbox, db.meta], async () => {
      const raw = await recordTable(db, name).get(id);
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
      await recordTable(db, name).put(next);
      const stamps = current && pickStamps(current as Record<string, unknown>);
      await enqueue(db, name, { id: next.id, planId }, changes, base, current ? null : withoutStamps(next), now, stamps, { fold: !ancestorBase });
      return next;
    }),
  );
}

export async function readPending(db: TrackerDb): Promise<PendingEntry[]> {
  return parseRows(outboxEntrySchema, await db.outbox.toArray(), 'outbox entry').filter((e): e is PendingEntry => e.seq !== undefined);
}

function toMutation(e: PendingEntry): Mutation {
  return {
    id: e.mutationId,
    seq: e.seq,
    table: e.table,
    recordId: e.recordId,
    planId: e.planId,
    changes: e.changes,
    base: e.base,
    create: e.create,
    madeAt: e.createdAt,
  };
}

/**
 * Marks the oldest entries of `authorId` in flight (up to `max` of them, and up to about
 * `maxBytes` of JSON, but always at least one) and returns them as mutations. Other people's
 * entries stay on the device until their author signs in. An entry in flight is never folded
 * into again, so if the answer is lost it is sent again exactly as it was and the server
 * recognises it by its seq.
 */
export function takeOutboxBatch(db: TrackerDb, authorId: string, max: number, maxBytes = Infinity): Promise<Mutation[]> {
  return db.transaction('rw', db.outbox, async () => {
    const entries = parseRows(
      outboxEntrySchema,
      await db.outbox
        .filter((e) => isByAuthor(e, authorId))
        .limit(max)
        .toArray(),
      'outbox entry',
    );
    const batch: PendingEntry[] = [];
    let bytes = 0;
    for (const e of entries) {
      if (e.seq === undefined) continue;
      bytes += utf8Length(JSON.stringify(toMutation(e as PendingEntry)));
      if (batch.length > 0 && bytes > maxBytes) break;
      batch.push(e as PendingEntry);
    }
    const toMark = batch.filter((e) => !e.inFlight);
    if (toMark.length > 0) await db.outbox.bulkPut(toMark.map((e) => ({ ...e, inFlight: true })));
    return batch.map(toMutation);
  });
}

export function isByAuthor(e: { author?: { id?: unknown } }, authorId: string): boolean {
  return e.author?.id === authorId;
}

/** How many entries of `authorId` wait (the ones a round trip under their login may send). */
export function countOutboxOf(db: TrackerDb, authorId: string): Promise<number> {
  return db.outbox.filter((e) => isByAuthor(e, authorId)).count();
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}
