// The sync engine's side of the on-device database: this device's client id, the session and
// the pull cursor (meta rows), taking outbox entries into a request, and applying a round
// trip's answer in one transaction (acknowledged entries leave the outbox, refused ones move to
// `rejected`, pulled records are stored and pending edits rebased on top of them).
//
// Rebase needs what the server has of a record while edits of it are pending (server-copy.ts:
// the stored record with the pending edits undone, or, once a round trip touched it, the copy
// kept in a meta row until no edit of the record is pending any more). The stored record is
// always that copy with the pending entries' changes laid over in seq order, so an edit the
// server refused or lost to another device never lingers on this device.
//
// A pending edit of a free text (実施状況, …) whose server value moved on is laid over it with
// the server's own three-way merge (mergeTextField), so the device shows before the answer the
// text the server will make. An entry of the signed-in person not yet in flight is then
// rewritten to go from the text it was merged onto to the merged text, and sealed again with
// their key (else the next round trip would set it aside as unsealed): its base stays what this
// device showed before the edit, so an edit folded into it later is diffed against the right
// text. Nobody else's entry is rewritten (their key is not here); their next keys, once they
// sign in again, go out in an entry of their own (outbox.ts folds only onto what is shown).
import type { Table } from 'dexie';
import type * as z from 'zod/mini';
import { mergeTextField, sameValue } from '../model/merge';
import { upgradeOrders } from '../model/order-key';
import type { Mutation, SyncResponse } from '../model/protocol';
import { RECORD_SCHEMAS, RECORD_TABLES, type History, type RecordTable } from '../model/schemas';
import {
  DEVICE_META_PREFIX,
  recordKey,
  REJECTED_REASON,
  SERVER_COPY_PREFIX,
  serverCopyKey,
  SYNCED_TABLES,
  signingKeyOf,
  type RejectedEntry,
  type RejectedReason,
  type SyncedTable,
  type TrackerDb,
} from '../db/database';
import { isByAuthor, readPending } from './outbox';
import { sealVerifies, withSeal } from './outbox-seal';
import { readServerCopy, undoPending, type PendingEntry } from './server-copy';
import { getCursor, getSession, META, type SavedCursor } from './session-store';
type Row = Record<string, unknown>;

const PULL_SCHEMAS = RECORD_SCHEMAS as unknown as Record<RecordTable, z.ZodMiniType<Row>>;

function isSynced(table: RecordTable): table is SyncedTable {
  return (SYNCED_TABLES as readonly string[]).includes(table);
}

function rows(db: TrackerDb, table: RecordTable): Table<Row, string> {
  return db.table(table) as Table<Row, string>;
}

/**
 * Before a round trip under `userId`: their entries whose seal does not verify under their key
 * are set aside (moved to `rejected`, records rebased), never sent. Without their key on the
 * device (a session from before seals) nothing can be checked and nothing is set aside.
 */
export async function setAsideUnsealed(db: TrackerDb, userId: string, at: string): Promise<number> {
  // Usually every entry verifies: a read first, and a write transaction only when one does not.
  const key = await signingKeyOf(db, userId);
  if (key === null || (await readPending(db)).every((e) => !isByAuthor(e, userId) || sealVerifies(key, e, e.seal))) return 0;
  let count = 0;
  const problems: Problem[] = [];
  await db.transaction('rw', syncTables(db), async () => {
    const current = await signingKeyOf(db, userId);
    if (!current) return;
    const pending = await readPending(db);
    const suspect = pending.filter((e) => isByAuthor(e, userId) && !sealVerifies(current, e, e.seal));
    if (suspect.length === 0) return;
    const rebase = new Rebase(db, pending, await resealerOf(db));
    for (const entry of suspect) {
      await rebase.settle(entry, 'rejected');
      await db.rejected.add(rejectedRow(entry, { code: REJECTED_REASON.unsealed }, at));
      count++;
    }
    await rebase.finish();
    problems.push(...rebase.problems);
  });
  warn(problems);
  return count;
}

/**
 * Before a round trip: the signed-in person's entries written before order keys (an integer
 * `order` in their changes, base or created record) take the keys the server's migration gave
 * the same integers, sealed again with their key. Only entries a rebase may rewrite are
 * (resealable); another person's wait as they are until that person syncs here.
 */
export async function keyLegacyOrders(db: TrackerDb): Promise<number> {
  if ((await readPending(db)).every((e) => withOrderKeys(e) === e)) return 0;
  return db.transaction('rw', db.outbox, db.meta, async () => {
    const resealer = await resealerOf(db);
    const rewritten: PendingEntry[] = [];
    for (const e of await readPending(db)) {
      const keyed = withOrderKeys(e);
      if (keyed !== e && resealable(e, resealer)) rewritten.push(withSeal(keyed, resealer.key));
    }
    await db.outbox.bulkPut(rewritten);
    return rewritten.length;
  });
}

function withOrderKeys(e: PendingEntry): PendingEntry {
  const changes = upgradeOrders(e.table, e.changes);
  const base = upgradeOrders(e.table, e.base);
  const create = e.create && upgradeOrders(e.table, e.create);
  return changes === e.changes && base === e.base && create === e.create ? e : { ...e, changes, base, create };
}

/** What a round trip did, for the engine's log and the tests. */
export interface RoundTripOutcome {
  /** False when nothing was done: the session changed, or the page no longer follows the stored cursor. */
  applied: boolean;
  acknowledged: number;
  rejected: number;
  /** Pulled records stored. */
  stored: number;
  /** Pulled records that did not parse and were left out. */
  skipped: number;
}

interface Work {
  table: SyncedTable;
  id: string;
  /** The record as the server has it, as far as this device knows; null when it has none. */
  server: Row | null;
  /** The record stored on this device before this round trip. */
  local: Row | undefined;
  /** Whether a server copy is stored for it (to be dropped once nothing is pending). */
  copied: boolean;
  /** Whether `server` is a pulled record parsed on arrival (parsePage), so not parsed again. */
  parsed: boolean;
}

type Problem = { what: string; detail: unknown };

/**
 * The signed-in person and the key their entries are sealed with (null for a session from
 * before seals): whose entries a rebase may rewrite.
 */
interface Resealer {
  userId: string;
  key: string | null;
}

async function resealerOf(db: TrackerDb): Promise<Resealer | null> {
  const session = await getSession(db);
  return session && { userId: session.user.id, key: await signingKeyOf(db, session.user.id) };
}

/**
 * Whether a rebase may rewrite the entry: the signed-in person's, with a seal that verifies
 * under their key (so nothing written in their name is made valid by a rewrite), or unsealed
 * under a session without a key (nothing is checked then, and a sealed entry keeps its seal).
 */
function resealable(e: PendingEntry, resealer: Resealer | null): resealer is Resealer {
  if (resealer === null || !isByAuthor(e, resealer.userId)) return false;
  return resealer.key === null ? e.seal === undefined : sealVerifies(resealer.key, e, e.seal);
}

/** One transaction's view of the records it touches; written out by finish(). */
class Rebase {
  private readonly work = new Map<string, Work>();
  private readonly pending = new Map<string, PendingEntry[]>();
  private readonly byMutationId = new Map<string, PendingEntry>();
  readonly problems: Problem[] = [];

  constructor(
    private readonly db: TrackerDb,
    entries: readonly PendingEntry[],
    private readonly resealer: Resealer | null,
  ) {
    for (const e of [...entries].sort((a, b) => a.seq - b.seq)) {
      const key = recordKey(e.table, e.recordId);
      const list = this.pending.get(key);
      if (list) list.push(e);
      else this.pending.set(key, [e]);
      this.byMutationId.set(e.mutationId, e);
    }
  }

  entry(mutationId: string): PendingEntry | undefined {
    return this.byMutationId.get(mutationId);
  }

  /** Starts tracking a record, learning the server's copy before any entry of it is removed. */
  async touch(table: SyncedTable, id: string): Promise<Work> {
    const key = recordKey(table, id);
    const known = this.work.get(key);
    if (known) return known;
    const local = await rows(this.db, table).get(id);
    const stored = await readServerCopy(this.db, table, id);
    // Another person's entry from before order keys (kept for them, unsealable here) may undo an
    // order back to an integer: the copy takes the key of that integer, as the server would.
    const copy = stored ? stored.record : undoPending(local, this.pending.get(key) ?? []);
    const server = copy && upgradeOrders(table, copy);
    const w: Work = { table, id, server, local, copied: stored !== null, parsed: false };
    this.work.set(key, w);
    return w;
  }

  /** The server acknowledged or refused an entry: it leaves the outbox. */
  async settle(entry: PendingEntry, status: 'applied' | 'conflict' | 'rejected'): Promise<void> {
    const w = await this.touch(entry.table, entry.recordId);
    const key = recordKey(entry.table, entry.recordId);
    this.pending.set(
      key,
      (this.pending.get(key) ?? []).filter((e) => e.seq !== entry.seq),
    );
    this.byMutationId.delete(entry.mutationId);
    await this.db.outbox.delete(entry.seq);
    if (status === 'rejected') return;
    // Until the server's own copy arrives in this pull or a later page: a record created there
    // now (or found there, on a conflict) is the one sent, and an applied edit is in. On a
    // conflict the lost fields keep the server's value, and any field that did go in made a new
    // version of the record, which is pulled.
    if (!w.server) {
      if (entry.create) {
        w.server = { ...stampsOf(w.local, entry), ...entry.create, ...entry.changes, id: entry.recordId };
        w.parsed = false;
      }
    } else if (status === 'applied') {
      w.server = layOver(entry.table, w.server, entry).record;
      w.parsed = false;
    }
  }

  /** Whether pulled() of this record needs touch() first (edits of it are pending). */
  needsTouch(table: SyncedTable, id: string): boolean {
    const key = recordKey(table, id);
    return !this.work.has(key) && this.pending.has(key);
  }

  /**
   * A record of a pulled page, parsed on arrival (parsePage). Synchronous on purpose: Dexie
   * keeps the transaction across native awaits only for a bounded number of them, so a page of
   * records must not each cost an await that does no database work.
   */
  pulled(table: SyncedTable, record: Row & { id: string }): void {
    const key = recordKey(table, record.id);
    const w = this.work.get(key);
    if (w) {
      w.server = record;
      w.parsed = true;
    } else this.work.set(key, { table, id: record.id, server: record, local: undefined, copied: false, parsed: true });
  }

  /** Forgets everything learnt of the server (a reset): pending creates stay on this device. */
  async forgetServer(): Promise<void> {
    for (const key of this.pending.keys()) {
      const first = this.pending.get(key)?.[0];
      if (first) {
        const w = await this.touch(first.table, first.recordId);
        w.server = null;
        w.parsed = false;
      }
    }
  }

  /** The signed-in person's entries not in flight whose text fields were merged during the overlay: written back, sealed again, in finish(). */
  private readonly rewritten: PendingEntry[] = [];

  /** Stores every touched record as the server's copy with the pending edits laid over. */
  async finish(): Promise<void> {
    const puts = new Map<SyncedTable, Row[]>(SYNCED_TABLES.map((t) => [t, []]));
    const deletes = new Map<SyncedTable, string[]>(SYNCED_TABLES.map((t) => [t, []]));
    const copies: { key: string; value: unknown }[] = [];
    const settledCopies: string[] = [];
    for (const [key, w] of this.work) {
      const pending = this.pending.get(key) ?? [];
      const next = pending.length === 0 ? this.asServerHasIt(w) : this.overlay(w, pending);
      if (next) puts.get(w.table)?.push(next);
      else deletes.get(w.table)?.push(w.id);
      if (pending.length > 0) copies.push({ key: serverCopyKey(key), value: { record: w.server } });
      else if (w.copied) settledCopies.push(serverCopyKey(key));
    }
    // Every write requested at once (IndexedDB runs a transaction's requests in order).
    const writes: Promise<unknown>[] = [];
    for (const [table, list] of puts) if (list.length > 0) writes.push(rows(this.db, table).bulkPut(list));
    for (const [table, ids] of deletes) if (ids.length > 0) writes.push(rows(this.db, table).bulkDelete(ids));
    if (settledCopies.length > 0) writes.push(this.db.meta.bulkDelete(settledCopies));
    if (copies.length > 0) writes.push(this.db.meta.bulkPut(copies));
    if (this.rewritten.length > 0) writes.push(this.db.outbox.bulkPut(this.rewritten));
    await Promise.all(writes);
  }

  private asServerHasIt(w: Work): Row | null {
    if (!w.server) return null;
    if (w.parsed) return w.server;
    const parsed = PULL_SCHEMAS[w.table].safeParse(w.server);
    if (parsed.success) return parsed.data;
    this.problems.push({ what: `the server's copy of ${w.table} ${w.id} does not parse`, detail: parsed.error.issues });
    return w.local ?? null;
  }

  private overlay(w: Work, pending: readonly PendingEntry[]): Row | null {
    let record: Row | null = w.server ? { ...w.server } : null;
    for (const e of pending) {
      // An edit of a record the server does not have (yet) waits for it to arrive.
      if (!record && !e.create) continue;
      if (!record) {
        record = { ...stampsOf(w.local, e), ...e.create, ...e.changes, id: e.recordId };
        continue;
      }
      const laid = layOver(w.table, record, e);
      if (laid.merged.length > 0 && !e.inFlight && resealable(e, this.resealer)) this.rewritten.push(withSeal(rebased(e, record, laid), this.resealer.key));
      record = laid.record;
    }
    if (!record) return null;
    const parsed = PULL_SCHEMAS[w.table].safeParse(upgradeOrders(w.table, record));
    if (parsed.success) return parsed.data;
    this.problems.push({ what: `pending edits of ${w.table} ${w.id} do not fit the server's record`, detail: parsed.error.issues });
    return w.server ?? w.local ?? null;
  }
}

interface LaidOver {
  record: Row;
  /** Text fields merged with a value that moved on since the entry's base. */
  merged: string[];
}

/**
 * An entry's changes over a record as the server applies them: a field whose value still is the
 * entry's base takes the change; a free text that moved on takes the three-way merge when the
 * edits do not overlap. An overlapping one (a conflict on the server) shows this device's value
 * until the server's answer settles it.
 */
function layOver(table: SyncedTable, record: Row, e: PendingEntry): LaidOver {
  const next: Row = { ...record };
  const merged: string[] = [];
  for (const [field, value] of Object.entries(e.changes)) {
    const current = record[field];
    const base = Object.hasOwn(e.base, field) ? e.base[field] : undefined;
    const text = sameValue(current, base) || sameValue(current, value) ? null : mergeTextField(table, field, base, current, value);
    if (text === null) {
      next[field] = value;
    } else {
      next[field] = text;
      merged.push(field);
    }
  }
  return { record: next, merged };
}

/** The entry going from `before` (what it was merged onto) to the merged text, for each merged field. */
function rebased(e: PendingEntry, before: Row, laid: LaidOver): PendingEntry {
  const changes = { ...e.changes };
  const base = { ...e.base };
  const create = e.create ? { ...e.create } : null;
  for (const field of laid.merged) {
    changes[field] = laid.record[field];
    base[field] = before[field];
    if (create && Object.hasOwn(create, field)) create[field] = laid.record[field];
  }
  return { ...e, changes, base, create };
}

/** The stamps a record made here carries until the server's own arrive. */
function stampsOf(local: Row | undefined, e: PendingEntry): Row {
  // A note carries stamps only once it was corrected (noteSchema): one made here has none.
  if (e.table === 'notes') return local?.updatedAt === undefined ? {} : { updatedAt: local.updatedAt, updatedBy: local.updatedBy ?? '' };
  return { updatedAt: local?.updatedAt ?? e.createdAt, updatedBy: local?.updatedBy ?? '' };
}

function warn(problems: readonly Problem[]): void {
  for (const p of problems) console.warn(`Sync: ${p.what}`, p.detail);
}

function syncTables(db: TrackerDb): Table[] {
  return [...RECORD_TABLES.map((t) => db.table(t)), db.outbox, db.rejected, db.meta];
}

function rejectedRow(e: PendingEntry, reason: RejectedReason, at: string): RejectedEntry {
  return { mutationId: e.mutationId, table: e.table, recordId: e.recordId, planId: e.planId, changes: e.changes, reason, at };
}

/** A pulled record, parsed with its table's schema on arrival. */
export interface PulledRecord {
  table: RecordTable;
  record: Row & { id: string };
}

/**
 * An answer of /api/sync with its records parsed (parsePage): what applyPage stores. Each
 * record is parsed once, here, when the page arrives (before its transaction, so that the
 * parsing of one page can run while the one before it is being written); nothing parses it again.
 */
export interface PulledPage extends Omit<SyncResponse, 'changes'> {
  records: PulledRecord[];
  /** Changes left out because their record does not parse (logged once the page is applied). */
  skipped: Problem[];
}

/** Parses the records of an answer, each with its table's schema; a record that does not parse is left out. */
export function parsePage(response: SyncResponse): PulledPage {
  const { changes, ...envelope } = response;
  const records: PulledRecord[] = [];
  const skipped: Problem[] = [];
  for (const change of changes) {
    // A record an older server process wrote may hold an integer order: taken as its key.
    const parsed = PULL_SCHEMAS[change.table].safeParse(upgradeOrders(change.table, change.record));
    if (!parsed.success || parsed.data.id !== change.id) {
      skipped.push({ what: `left out a ${change.table} record that does not parse (${change.id})`, detail: parsed.error?.issues ?? 'id mismatch' });
      continue;
    }
    records.push({ table: change.table, record: parsed.data as Row & { id: string } });
  }
  return { ...envelope, records, skipped };
}

/**
 * The tables a page's transaction needs: those of its records and of the mutations it answers,
 * the outbox and meta (pending edits, server copies, session, cursor), `rejected` when it
 * answers mutations, and every table on a reset (it clears them).
 */
function pageTables(db: TrackerDb, sent: readonly Mutation[], page: PulledPage): Table[] {
  if (page.reset) return syncTables(db);
  const names = new Set<string>([...page.records.map((r) => r.table), ...sent.map((m) => m.table)]);
  return [...[...names].map((t) => db.table(t)), db.outbox, db.meta, ...(sent.length > 0 ? [db.rejected] : [])];
}

/**
 * Applies the answer to `sent` in one transaction: results settle their outbox entries, the
 * pulled changes are stored (a reset first drops every synced record), pending edits are
 * rebased, and the cursor moves on (for `scope`). Logs only after the commit.
 */
export async function applyRoundTrip(
  db: TrackerDb,
  sent: readonly Mutation[],
  response: SyncResponse,
  context: { at: string; scope: string; userId?: string },
): Promise<RoundTripOutcome> {
  return applyPage(db, sent, parsePage(response), context);
}

/**
 * applyRoundTrip of a page parsed on arrival. With `after`, the page was asked for with that
 * cursor before the page that ends at it was stored (fetched ahead): it is applied only if the
 * device's cursor is still exactly that one, else nothing is done (`applied: false`), so the
 * stored cursor never passes a page that is not in.
 */
export async function applyPage(
  db: TrackerDb,
  sent: readonly Mutation[],
  page: PulledPage,
  context: { at: string; scope: string; userId?: string; after?: SavedCursor },
): Promise<RoundTripOutcome> {
  const { at, scope, userId, after } = context;
  const outcome: RoundTripOutcome = { applied: false, acknowledged: 0, rejected: 0, stored: 0, skipped: 0 };
  const problems: Problem[] = [];
  await db.transaction('rw', pageTables(db, sent, page), async () => {
    // The person signed out (or the device was erased, or someone else signed in) while the
    // request was out: its answer is not for this device's state any more. Entries it carried
    // stay in flight and are sent again, unchanged, when their author signs in.
    // Read at once: one round trip to the database, not one after another.
    const [session, saved, pending, resealer] = await Promise.all([getSession(db), getCursor(db), readPending(db), resealerOf(db)]);
    if (userId !== undefined && session?.user.id !== userId) return;
    if (after !== undefined && (saved?.cursor !== after.cursor || saved.scope !== after.scope)) return;
    const rebase = new Rebase(db, pending, resealer);
    if (page.reset) {
      await rebase.forgetServer();
      for (const t of RECORD_TABLES) await rows(db, t).clear();
      await db.meta.where('key').startsWith(SERVER_COPY_PREFIX).delete();
    }
    const results = new Map(page.results.map((r) => [r.mutationId, r]));
    const history: Row[] = [];
    for (const m of sent) {
      const result = results.get(m.id);
      const entry = result && rebase.entry(m.id);
      if (!result || !entry) continue;
      await rebase.settle(entry, result.status);
      if (result.status === 'rejected') {
        await db.rejected.add(rejectedRow(entry, { code: REJECTED_REASON.refused, ...(result.reason ? { detail: result.reason } : {}) }, at));
        outcome.rejected++;
      } else outcome.acknowledged++;
    }
    for (const { table, record } of page.records) {
      if (isSynced(table)) {
        if (rebase.needsTouch(table, record.id)) await rebase.touch(table, record.id);
        rebase.pulled(table, record);
      } else history.push(record);
      outcome.stored++;
    }
    outcome.skipped = page.skipped.length;
    await rebase.finish();
    if (history.length > 0) await db.history.bulkPut(history as History[]);
    problems.push(...page.skipped, ...rebase.problems);
    await db.meta.bulkPut([
      { key: META.cursor, value: { cursor: page.cursor, scope } satisfies SavedCursor },
      { key: META.lastSyncAt, value: at },
    ]);
    outcome.applied = true;
  });
  warn(problems);
  return outcome;
}

/**
 * Moves one entry to `rejected` (the server refused the whole request because of it, e.g. a
 * 403 naming it) and rebases its record. False when no such entry is waiting.
 */
export async function setAside(db: TrackerDb, mutationId: string, reason: RejectedReason, at: string): Promise<boolean> {
  let found = false;
  const problems: Problem[] = [];
  await db.transaction('rw', syncTables(db), async () => {
    const rebase = new Rebase(db, await readPending(db), await resealerOf(db));
    const entry = rebase.entry(mutationId);
    if (!entry) return;
    await rebase.settle(entry, 'rejected');
    await db.rejected.add(rejectedRow(entry, reason, at));
    await rebase.finish();
    problems.push(...rebase.problems);
    found = true;
  });
  warn(problems);
  return found;
}

/**
 * Throws away every waiting entry of `authorId` (the person signed in chose to, after a
 * warning): the records they touched go back to what the server has, with the entries of
 * anyone else still laid over. Returns how many were discarded.
 */
export async function discardOutboxOf(db: TrackerDb, authorId: string): Promise<number> {
  let discarded = 0;
  const problems: Problem[] = [];
  await db.transaction('rw', syncTables(db), async () => {
    const pending = await readPending(db);
    const rebase = new Rebase(db, pending, await resealerOf(db));
    for (const entry of pending) {
      if (!isByAuthor(entry, authorId)) continue;
      await rebase.settle(entry, 'rejected');
      discarded++;
    }
    await rebase.finish();
    problems.push(...rebase.problems);
  });
  warn(problems);
  return discarded;
}

/**
 * 「この端末のデータを消す」: every plan record, waiting entry, refused change, conflict and
 * history row, and every meta row (session, last user, cursor, client id, server copies, the
 * 記入者 name) but the device's own secret (`sync.device…`), in one transaction. The client id
 * goes too, so the next person starts as a new device whose seqs the server has not seen.
 */
export async function eraseDeviceData(db: TrackerDb): Promise<void> {
  await db.transaction('rw', [...RECORD_TABLES.map((t) => db.table(t)), db.outbox, db.rejected, db.meta], async () => {
    for (const t of RECORD_TABLES) await db.table(t).clear();
    await db.outbox.clear();
    await db.rejected.clear();
    await db.meta.filter((row) => !row.key.startsWith(DEVICE_META_PREFIX)).delete();
  });
}
