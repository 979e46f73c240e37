// The Storage interface implemented once over Kysely, in SQL that SQLite and PostgreSQL both
// run, except the write path, which serves PostgreSQL (SQLite runs its own write transactions,
// sqlite.ts): write() queues writes per set of branches, runBatch() runs a batch of them in two
// round trips (BEGIN with every write's reads, then every write's statements, each a
// data-modifying WITH of write-statements.ts, with COMMIT), and KyselyWriteTx is one write of a
// batch, reading through what the writes before it left (BatchView). A dialect supplies only
// how a write transaction starts and locks the version counters of its branches (see
// WriteLocking); sqlite.ts and postgres.ts open the database, run the migrations and hand the
// Kysely instance here. Pulls of PostgreSQL are
// served from memory where they can be (change-window.ts), each instance knowing how far every
// branch has come from its own commits, from the others' announcements (noteCommitted) and
// from reading the counters at least every KNOWN_VERSIONS_TTL_MS.
import { sql, type Kysely, type OnConflictBuilder, type Transaction } from 'kysely';
import type { RecordTable } from '../../model/schemas';
import { ROLES, type Role } from '../../model/protocol';
import { BranchWindows, changeBytes, pageAcrossBranches, type WindowChange, type WindowsHeld } from './change-window';
import { insertUnlessPresent, keptWritesStatement, preloadStatement } from './write-statements';
import {
  StorageError,
  type BranchVersions,
  type Branch,
  type ChangePage,
  type EncodedChangePage,
  type EncodedPullPage,
  type Membership,
  type RecordWrite,
  type Session,
  type Storage,
  type StoredMutationResult,
  type StoredRecord,
  type TokenRow,
  type DeviceSecretRow,
  type User,
  type WritePreload,
  type WriteTx,
} from './storage';

/** The tables as Kysely sees them (column names as in migrations/001-initial.ts). */
export interface Db {
  meta: { key: string; value: string };
  counters: { name: string; value: number | string };
  branch_versions: { branch_id: string; value: number | string };
  branches: { id: string; name: string; created_at: string };
  users: { id: string; email: string; name: string; password_hash: string; created_at: string };
  memberships: { user_id: string; branch_id: string; role: string };
  tokens: { hash: string; user_id: string; created_at: string; expires_at: string; revoked_at: string | null };
  login_failures: { email: string; at: string };
  device_secrets: { hash: string; user_id: string; created_at: string };
  clients: { client_id: string; user_id: string; last_seq: number | string; updated_at: string };
  mutation_results: { client_id: string; user_id: string; seq: number | string; mutation_id: string; status: string; reason: string | null };
  records: {
    table_name: string;
    id: string;
    branch_id: string;
    plan_id: string;
    data: string;
    version: number | string;
    updated_at: string;
    updated_by: string;
  };
}

/** Every table with the columns that order its rows, for dump(). */
const DUMP_ORDER: Record<keyof Db, string[]> = {
  meta: ['key'],
  counters: ['name'],
  branch_versions: ['branch_id'],
  branches: ['id'],
  users: ['id'],
  memberships: ['user_id', 'branch_id'],
  tokens: ['hash'],
  login_failures: ['email', 'at'],
  device_secrets: ['hash'],
  clients: ['client_id', 'user_id'],
  mutation_results: ['client_id', 'user_id', 'seq'],
  records: ['table_name', 'id'],
};

/**
 * One pooled connection for a write transaction (PostgreSQL: see postgres.ts). The statements
 * of the writes of a batch are kept and sent with COMMIT, each after a savepoint of its own,
 * `w<index>`, which tells afterwards which write a failed round trip failed in.
 */
export interface WriteConnection {
  /** Queries on this connection. */
  conn: Kysely<Db>;
  /** Runs SQL text of one or more statements as one simple query; the rows of each statement. */
  run(text: string): Promise<unknown[][]>;
  /**
   * Starts the transaction and returns the version counters of `branches` (distinct, in id
   * order), read under locks held until commit (PostgreSQL: BEGIN, then SELECT … FOR UPDATE in
   * branch order), and runs `reads` (the batch's): one round trip.
   */
  begin(branches: readonly string[], reads: string | undefined): Promise<{ counters: Map<string, number>; preloaded: RecordRow[] | undefined }>;
  /**
   * Rolls back to savepoint w<index>, also in a transaction a failed statement aborted; false
   * when there is no such savepoint (it was never set) or no transaction left.
   */
  rollbackTo(index: number): Promise<boolean>;
  /** Sends `before` (the writes' statements), writes the counters that moved and commits: one round trip. */
  commit(before: string | undefined, counters: readonly (readonly [string, number])[]): Promise<void>;
  rollback(): Promise<void>;
}

export interface WriteLocking {
  /** Runs `fn` on a connection of the pool, given back afterwards (with no transaction left open). */
  connect<T>(fn: (wc: WriteConnection) => Promise<T>): Promise<T>;
}

/** A write of a record that must not exist found it: another write created it meanwhile (PostgreSQL's unique_violation). */
class TakenMeanwhile extends Error {
  constructor(detail: string) {
    super(`a record was created by another write meanwhile (${detail}); the sync is tried again later`);
    this.name = 'TakenMeanwhile';
  }
}

/** Thrown into a write when one before it in the same transaction was refused by the database: the write runs again, in the next one. */
class EarlierWriteFailed extends Error {
  constructor() {
    super('a write before this one in the same transaction failed in the database; it runs again');
    this.name = 'EarlierWriteFailed';
  }
}

/** What a write's statements failing in the database tells its caller. */
function statementFailure(e: unknown): unknown {
  const { code, detail } = e as { code?: unknown; detail?: unknown };
  return code === '23505' ? new TakenMeanwhile(typeof detail === 'string' ? detail : 'unique_violation') : e;
}

const ROLE_SET = new Set<string>(ROLES);
const asRole = (role: string): Role => {
  if (!ROLE_SET.has(role)) throw new Error(`Unknown role in the database: ${role}`);
  return role as Role;
};

/** An upsert of a record: an existing (table, id) takes the new row's columns. */
export const replaceRecordOnConflict = (oc: OnConflictBuilder<Db, 'records'>) =>
  oc.columns(['table_name', 'id']).doUpdateSet((eb) => ({
    branch_id: eb.ref('excluded.branch_id'),
    plan_id: eb.ref('excluded.plan_id'),
    data: eb.ref('excluded.data'),
    version: eb.ref('excluded.version'),
    updated_at: eb.ref('excluded.updated_at'),
    updated_by: eb.ref('excluded.updated_by'),
  }));

export type RecordRow = Db['records'];
export const toRecord = (r: RecordRow): StoredRecord => ({
  table: r.table_name as RecordTable,
  id: r.id,
  branchId: r.branch_id,
  planId: r.plan_id,
  data: r.data,
  version: Number(r.version),
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});
const toUser = (r: Db['users']): User => ({ id: r.id, email: r.email, name: r.name, passwordHash: r.password_hash, createdAt: r.created_at });
const toBranch = (r: Db['branches']): Branch => ({ id: r.id, name: r.name, createdAt: r.created_at });

/** One element of a sync response's `changes`, with the record's JSON as stored. */
export function encodeChange(r: Pick<StoredRecord, 'table' | 'id' | 'version' | 'data'>): string {
  return `{"table":${JSON.stringify(r.table)},"id":${JSON.stringify(r.id)},"version":${r.version},"record":${r.data}}`;
}

export interface SessionRow {
  hash: string;
  user_id: string;
  token_created_at: string;
  expires_at: string;
  revoked_at: string | null;
  email: string;
  name: string;
  password_hash: string;
  created_at: string;
  branch_id: string | null;
  role: string | null;
}

export function sessionFromRows(rows: readonly SessionRow[]): Session | undefined {
  const first = rows[0];
  if (!first) return undefined;
  return {
    token: { hash: first.hash, userId: first.user_id, createdAt: first.token_created_at, expiresAt: first.expires_at, revokedAt: first.revoked_at },
    user: { id: first.user_id, email: first.email, name: first.name, passwordHash: first.password_hash, createdAt: first.created_at },
    memberships: rows.filter((r) => r.branch_id !== null && r.role !== null).map((r) => ({ userId: r.user_id, branchId: r.branch_id!, role: asRole(r.role!) })),
  };
}

function recordRow(w: RecordWrite, version: number): RecordRow {
  return {
    table_name: w.table,
    id: w.id,
    branch_id: w.branchId,
    plan_id: w.planId,
    data: JSON.stringify(w.data),
    version,
    updated_at: w.updatedAt,
    updated_by: w.updatedBy,
  };
}

/**
 * Rows of `records` kept at most before they are sent: a plan import writes thousands of records
 * in one transaction, and one statement of them all would be held in memory whole, as text.
 */
const MAX_KEPT_RECORDS = 500;

type ResultRow = Db['mutation_results'];
type ClientRow = Db['clients'];

const recordKey = (table: string, id: string) => `${table}\u0000${id}`;
const clientKey = (clientId: string, userId: string) => JSON.stringify([clientId, userId]);
const resultKey = (clientId: string, userId: string, seq: number) => JSON.stringify([clientId, userId, seq]);
const toResult = (r: ResultRow): StoredMutationResult => ({
  seq: Number(r.seq),
  mutationId: r.mutation_id,
  status: r.status as StoredMutationResult['status'],
  reason: r.reason,
});

/**
 * What the writes of one transaction read at BEGIN, and what the writes that ran before the
 * current one left without sending it yet: a write reads through this, then the database
 * (which has every record this does not name as it was at BEGIN).
 */
class BatchView {
  /** Records by table and id: as read at BEGIN (null: absent), then as accepted writes left them. */
  readonly records = new Map<string, RecordRow | null>();
  /** Per client and user: the last seq read at BEGIN, then as accepted writes set it. */
  readonly lastSeqs = new Map<string, number>();
  /** Results accepted writes stored. */
  readonly results = new Map<string, ResultRow>();
  /** Per client and user: results below this seq were deleted by an accepted write. */
  readonly prunedBelow = new Map<string, number>();

  /** Takes what preloadStatement() read for these keys and clients. */
  acceptPreload(keys: readonly PreloadKey[], clients: readonly PreloadClient[], rows: readonly RecordRow[]): void {
    for (const k of keys) this.records.set(recordKey(k.table, k.id), null);
    for (const c of clients) this.lastSeqs.set(clientKey(c.clientId, c.userId), 0);
    for (const row of rows) {
      // A client's row: its id and user in id and branch_id (preloadStatement).
      if (row.table_name === '') this.lastSeqs.set(clientKey(row.id, row.branch_id), Number(row.version));
      else this.records.set(recordKey(row.table_name, row.id), row);
    }
  }
}

/**
 * One write of a batch, in as few round trips to the database as it can: what it writes
 * (putRecord, insertRecordIfAbsent of a record known absent, setLastSeq, putMutationResult,
 * pruneMutationResults) is kept here and becomes one statement (finish()), which the batch
 * sends with COMMIT; what it reads comes from what it wrote, then the batch's view (reads made
 * at BEGIN for every write of the batch, and what the writes before it left), then the
 * database. Only a statement that must run at once (an insertRecordIfAbsent of a record not
 * read ahead, a flush of a plan import's many records) is sent before, through `send`. A sync
 * round trip costs no round trip of its own besides the transaction's: BEGIN with the counters'
 * lock and the reads, then the statements with the counters' update and COMMIT.
 */
class KyselyWriteTx implements WriteTx {
  /** Record writes not sent yet, by table and id (a second write of a record replaces the first). */
  private readonly records = new Map<string, RecordRow>();
  /** What this transaction wrote, for the change windows once it commits. */
  readonly written: WindowChange[] = [];
  /** Records this write read itself or wrote, by table and id: null when there was none. */
  private readonly known = new Map<string, RecordRow | null>();
  /** Inserts of records known absent, sent with the kept statements: each must insert. */
  private readonly inserts = new Map<string, RecordRow>();
  /** Per client and user, the last seq this write read itself. */
  private readonly lastSeqs = new Map<string, number>();
  private readonly results = new Map<string, ResultRow>();
  private readonly clients = new Map<string, ClientRow>();
  /** Per client and user: the stored results below this seq are to be deleted. */
  private readonly prunes = new Map<string, { clientId: string; userId: string; belowSeq: number }>();

  constructor(
    private readonly wc: Pick<WriteConnection, 'conn' | 'run'>,
    /** The locked counters of the branches this write may write, as allocated so far; versions above them are ours. */
    readonly versions: Map<string, number>,
    private readonly view: BatchView,
    /**
     * Readies the database for this write's own queries: sends what the writes before it left and
     * sets this write's savepoint (once), so that a query that fails is undone with this write alone.
     */
    private readonly enter: () => Promise<void>,
  ) {}

  /** The connection, for a query of this write (see enter). */
  private async db(): Promise<Kysely<Db>> {
    await this.enter();
    return this.wc.conn;
  }

  private async run(text: string): Promise<unknown[][]> {
    await this.enter();
    return this.wc.run(text);
  }

  private next(branch: string): number {
    const version = this.versions.get(branch);
    if (version === undefined) throw new Error(`a write of branch ${branch} outside the branches it named`);
    return version + 1;
  }

  private noteWritten(row: RecordRow): void {
    this.written.push({
      key: recordKey(row.table_name, row.id),
      branchId: row.branch_id,
      version: Number(row.version),
      bytes: changeBytes(encodeChange(toRecord(row))),
    });
  }

  /** What this write, then the batch, knows of a record: a row, null (absent), or undefined (ask the database). */
  private knownRecord(key: string): RecordRow | null | undefined {
    const own = this.known.get(key);
    return own !== undefined ? own : this.view.records.get(key);
  }

  /**
   * Reads ahead, in one round trip, the records a write is about to look at and a client's last
   * seq, unless known already (the batch read every write's with BEGIN, see KyselyStorage.write).
   */
  async preload(keys: readonly PreloadKey[], client: PreloadClient): Promise<void> {
    const wanted = keys.filter((k) => this.knownRecord(recordKey(k.table, k.id)) === undefined && !this.records.has(recordKey(k.table, k.id)));
    const seqKnown = this.lastSeqs.has(clientKey(client.clientId, client.userId)) || this.view.lastSeqs.has(clientKey(client.clientId, client.userId));
    if (wanted.length === 0 && seqKnown) return;
    const [rows] = await this.run(preloadStatement(wanted, [client]));
    for (const k of wanted) this.known.set(recordKey(k.table, k.id), null);
    for (const row of rows as RecordRow[]) {
      if (row.table_name !== '') this.known.set(recordKey(row.table_name, row.id), row);
      else if (!seqKnown) this.lastSeqs.set(clientKey(client.clientId, client.userId), Number(row.version));
    }
    if (!seqKnown && !this.lastSeqs.has(clientKey(client.clientId, client.userId))) this.lastSeqs.set(clientKey(client.clientId, client.userId), 0);
  }

  async getRecord(table: RecordTable, id: string): Promise<StoredRecord | undefined> {
    const key = recordKey(table, id);
    const kept = this.records.get(key) ?? this.inserts.get(key);
    if (kept) return toRecord(kept);
    const known = this.knownRecord(key);
    if (known !== undefined) return known === null ? undefined : toRecord(known);
    // Nothing of the batch names it: the database has it as it is.
    const row = await (await this.db()).selectFrom('records').selectAll().where('table_name', '=', table).where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  async putRecord(w: RecordWrite): Promise<number> {
    const version = this.next(w.branchId);
    this.versions.set(w.branchId, version);
    const row = recordRow(w, version);
    const key = recordKey(w.table, w.id);
    // A record inserted by this write and not sent yet stays an insert (which must insert), now with these values.
    if (this.inserts.has(key)) this.inserts.set(key, row);
    else this.records.set(key, row);
    this.known.set(key, row);
    this.noteWritten(row);
    if (this.records.size >= MAX_KEPT_RECORDS) await this.flush();
    return version;
  }

  async insertRecordIfAbsent(w: RecordWrite): Promise<number | null> {
    const key = recordKey(w.table, w.id);
    // Kept means written by this transaction: the id exists.
    if (this.records.has(key) || this.inserts.has(key)) return null;
    const known = this.knownRecord(key);
    if (known) return null;
    const version = this.next(w.branchId);
    const row = recordRow(w, version);
    if (known === null) {
      // Absent when read ahead: only a write of another branch could create it meanwhile (the
      // same mutation id sent there at once); then the insert fails, and this write with it.
      this.inserts.set(key, row);
      this.known.set(key, row);
      this.versions.set(w.branchId, version);
      this.noteWritten(row);
      return version;
    }
    if (!(await this.flush(row))) return null;
    this.known.set(key, row);
    this.versions.set(w.branchId, version);
    this.noteWritten(row);
    return version;
  }

  async getLastSeq(clientId: string, userId: string): Promise<number> {
    const key = clientKey(clientId, userId);
    const kept = this.clients.get(key);
    if (kept) return Number(kept.last_seq);
    const read = this.lastSeqs.get(key) ?? this.view.lastSeqs.get(key);
    if (read !== undefined) return read;
    const row = await (await this.db())
      .selectFrom('clients')
      .select('last_seq')
      .where('client_id', '=', clientId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row ? Number(row.last_seq) : 0;
  }

  async setLastSeq(clientId: string, userId: string, lastSeq: number, at: string): Promise<void> {
    this.clients.set(clientKey(clientId, userId), { client_id: clientId, user_id: userId, last_seq: lastSeq, updated_at: at });
  }

  async getMutationResult(clientId: string, userId: string, seq: number): Promise<StoredMutationResult | undefined> {
    const key = resultKey(clientId, userId, seq);
    const kept = this.results.get(key);
    if (kept) return toResult(kept);
    if (seq < this.prunedBelow(clientId, userId)) return undefined;
    const earlier = this.view.results.get(key);
    if (earlier) return toResult(earlier);
    if (seq < (this.view.prunedBelow.get(clientKey(clientId, userId)) ?? -Infinity)) return undefined;
    const row = await (await this.db())
      .selectFrom('mutation_results')
      .selectAll()
      .where('client_id', '=', clientId)
      .where('user_id', '=', userId)
      .where('seq', '=', seq)
      .executeTakeFirst();
    return row && toResult(row);
  }

  async putMutationResult(clientId: string, userId: string, r: StoredMutationResult): Promise<void> {
    // A row both deleted and written by one statement has no defined outcome: the delete goes first.
    if (r.seq < this.prunedBelow(clientId, userId)) await this.flush();
    this.results.set(resultKey(clientId, userId, r.seq), {
      client_id: clientId,
      user_id: userId,
      seq: r.seq,
      mutation_id: r.mutationId,
      status: r.status,
      reason: r.reason,
    });
  }

  async pruneMutationResults(clientId: string, userId: string, belowSeq: number): Promise<void> {
    for (const [key, row] of this.results) if (row.client_id === clientId && row.user_id === userId && Number(row.seq) < belowSeq) this.results.delete(key);
    this.prunes.set(clientKey(clientId, userId), { clientId, userId, belowSeq: Math.max(belowSeq, this.prunedBelow(clientId, userId)) });
  }

  private prunedBelow(clientId: string, userId: string): number {
    return this.prunes.get(clientKey(clientId, userId))?.belowSeq ?? -Infinity;
  }

  /** The kept writes as one statement, forgotten here. Throws for a value PostgreSQL cannot hold (a NUL). */
  private takeStatements(): string | undefined {
    const statement = keptWritesStatement({
      records: this.records.values(),
      inserts: this.inserts.values(),
      results: this.results.values(),
      clients: this.clients.values(),
      prunes: this.prunes.values(),
    });
    this.records.clear();
    this.inserts.clear();
    this.results.clear();
    this.clients.clear();
    this.prunes.clear();
    return statement;
  }

  /**
   * Ends the write: returns its kept statements, to be sent with the batch's COMMIT, and leaves
   * what it wrote and read in the batch's view for the writes after it. Throws, leaving the view
   * as it was, for a value PostgreSQL cannot hold (a NUL).
   */
  finish(): string | undefined {
    const results = [...this.results];
    const clients = [...this.clients.values()];
    const prunes = [...this.prunes.values()];
    const statement = this.takeStatements();
    for (const [key, row] of this.known) this.view.records.set(key, row);
    for (const [key, seq] of this.lastSeqs) this.view.lastSeqs.set(key, seq);
    for (const c of clients) this.view.lastSeqs.set(clientKey(c.client_id, c.user_id), Number(c.last_seq));
    for (const p of prunes) {
      const key = clientKey(p.clientId, p.userId);
      this.view.prunedBelow.set(key, Math.max(p.belowSeq, this.view.prunedBelow.get(key) ?? -Infinity));
      for (const [k, row] of this.view.results)
        if (row.client_id === p.clientId && row.user_id === p.userId && Number(row.seq) < p.belowSeq) this.view.results.delete(k);
    }
    for (const [key, row] of results) this.view.results.set(key, row);
    return statement;
  }

  /** Sends what is kept, and `insert` (a record to insert unless its id exists) when given; returns whether `insert` was inserted. */
  private async flush(insert?: RecordRow): Promise<boolean> {
    const statements = [this.takeStatements(), insert && insertUnlessPresent(insert)].filter((s) => s !== undefined);
    if (statements.length === 0) return false;
    const results = await this.run(statements.join('; '));
    return insert !== undefined && results.at(-1)!.length > 0;
  }
}

type PreloadKey = WritePreload['keys'][number];
type PreloadClient = WritePreload['client'];

/** A write's reads, unless they cannot be written as a query (a NUL): then it reads as it goes, and fails alone. */
function readable(preload: WritePreload): WritePreload | undefined {
  try {
    preloadStatement(preload.keys, [preload.client]);
    return preload;
  } catch {
    return undefined;
  }
}

/** A write waiting for its transaction (see KyselyStorage.write). */
interface QueuedWrite {
  fn: (tx: WriteTx) => Promise<unknown>;
  /** What it will read first, read for the whole batch with BEGIN. */
  preload: WritePreload | undefined;
  resolve: (value: unknown) => void;
  reject: (e: unknown) => void;
}

/** The writes that name the same branches: they share transactions, one after the other. */
interface Lane {
  branches: readonly string[];
  queue: QueuedWrite[];
  running: boolean;
}

/**
 * Writes in one transaction at most: bounds how long the first of them waits for the COMMIT.
 * Each runs in a savepoint, a subtransaction: PostgreSQL keeps the ids of 64 of them per session
 * in shared memory, and beyond that every other session's snapshots must look them up in
 * pg_subtrans, which slows every reader while the transaction runs.
 */
const MAX_BATCH = 64;

/**
 * Characters of statements a batch keeps unsent at most: beyond, the next write sends them first
 * (64 writes of large texts would otherwise be held, and sent, as one text of a hundred MB).
 */
const MAX_UNSENT_CHARS = 4 * 1024 * 1024;

/**
 * How long what this instance knows of the branches' counters is believed without reading them:
 * a write no instance announced (the admin command, a lost notification) reaches a pull at most
 * this late. Announced writes reach it at once.
 */
export const KNOWN_VERSIONS_TTL_MS = 1000;

/**
 * Where a new branch's counter starts: at the counter migration 004 left (0 on a database that
 * never had one), as every older branch's did, so that a cursor of the one-counter scheme at or
 * below it is exact for every branch, new ones included (sync.ts).
 */
export const NEW_COUNTER_VALUE = sql<number>`coalesce((select cast(value as bigint) from meta where key = 'v1CursorLimit'), 0)`;

/**
 * How long a session read from the database answers for its token without another read, while
 * the other processes' account changes are not heard as they commit (hearAccountChanges): how
 * late a logout, a password change or a removed role made on another server instance (or by the
 * admin command) reaches this one then. The live stream checks its token every 60 s.
 */
export const SESSION_CACHE_MS = 2000;
/**
 * The same while they are heard (PostgreSQL's live bus): every change made through a storage is
 * announced in its own transaction and forgets the cached sessions of every process as it
 * commits, so only a change made around the server (SQL typed by hand) is this late. Re-reading
 * each device's session every 2 s was most of PostgreSQL's work in the national simulation.
 */
export const SESSION_CACHE_HEARD_MS = 30_000;
const MAX_CACHED_SESSIONS = 20_000;

/** What an account change answers: its value, and whether it changed anything (a logout sent twice does not). */
export interface AccountChange<T> {
  value: T;
  changed: boolean;
}

/** A session as the cache shares it: it and everything in it frozen. */
function freezeSession(session: Session): Session {
  Object.freeze(session.token);
  Object.freeze(session.user);
  for (const m of session.memberships) Object.freeze(m);
  Object.freeze(session.memberships);
  return Object.freeze(session);
}

/** Changes (and their characters) read at most to bring a branch's window up to date; beyond, the window starts over. */
const CATCH_UP_ROWS = 2000;
const CATCH_UP_CHARS = 4 * 1024 * 1024;

export class KyselyStorage implements Storage {
  private readonly lanes = new Map<string, Lane>();
  private readonly windows = new BranchWindows();
  /**
   * Per branch: the highest version known committed (`version`, including what the live channel
   * announced), the highest this instance committed or read itself (`verified`), and when the
   * counter was last read.
   */
  private readonly known = new Map<string, { version: number; verified: number; readAt: number }>();
  /** Sessions read lately, by token hash (see getSession). */
  private readonly sessions = new Map<string, { session: Session; at: number }>();
  /** Moves with every change of tokens, passwords or roles: a read begun before one is not cached. */
  private generation = 0;
  private heard = false;
  private readonly sessionListeners = new Set<() => void>();
  /** Session reads running, by token hash, with the generation each began in (see getSession). */
  private readonly sessionReads = new Map<string, { generation: number; read: Promise<Session | undefined> }>();
  /** A read of counters running: the pulls that need one meanwhile wait for it. */
  private countersRead: Promise<void> | null = null;
  /** Per branch, how often noteVersion was told of it (commits, announcements, counters read): a catch-up sees whether anything came while it read. */
  private readonly noted = new Map<string, number>();
  /** A running catch-up read per branch: a burst of pulls after one edit reads it once. */
  private readonly catchUps = new Map<string, Promise<void>>();

  constructor(
    readonly dialect: 'sqlite' | 'postgres',
    protected readonly db: Kysely<Db>,
    private readonly locking: WriteLocking,
  ) {}

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  /**
   * Group commit per set of branches: the writes naming the same branches that queue up while
   * one transaction of theirs runs share the next one, in arrival order, each in its own
   * savepoint (a write that throws is rolled back alone and told at once); the others are
   * answered after the one COMMIT, and all of them fail if it does. The counters are locked and
   * read once per transaction and written once before COMMIT, so a burst of writes pays for one
   * lock, one commit (a WAL flush) and one pooled connection. Writes of other branches run in
   * transactions of their own at the same time. A write alone runs as a plain transaction.
   */
  write<T>(branches: readonly string[], fn: (tx: WriteTx) => Promise<T>, preload?: () => WritePreload | undefined): Promise<T> {
    const sorted = [...new Set(branches)].sort();
    const key = sorted.join('\n');
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { branches: sorted, queue: [], running: false };
      this.lanes.set(key, lane);
    }
    const it = lane;
    return new Promise<T>((resolve, reject) => {
      const reads = preload?.();
      it.queue.push({ fn, preload: reads && readable(reads), resolve: resolve as (value: unknown) => void, reject });
      if (!it.running) void this.runLane(key, it);
    });
  }

  /** Runs a lane's queued writes, one transaction after the other, until none is left. */
  private async runLane(key: string, lane: Lane): Promise<void> {
    lane.running = true;
    // After the event loop's poll phase: the writes of every request read in this turn join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (lane.queue.length > 0) await this.runBatch(lane);
    lane.running = false;
    this.lanes.delete(key);
  }

  /**
   * One transaction for the writes queued when it starts; answers each of them. Two round
   * trips: BEGIN with the counters' locks and every write's reads; then, once every write has
   * run against what it read and what the writes before it left (BatchView), their statements,
   * each after its own savepoint, with the counters' update and COMMIT. A write that throws
   * leaves nothing and is refused at once. When the database refuses a write's statements, the
   * last savepoint that exists names that write: it is refused, the writes before it commit, and
   * the writes after it (which ran on its effects) go back to the head of the queue and run
   * again in the next transaction.
   */
  private async runBatch(lane: Lane): Promise<void> {
    const batch = lane.queue.splice(0, MAX_BATCH);
    const refused = new Set<QueuedWrite>();
    /** Writes to run again in the next transaction, in order. */
    const again: QueuedWrite[] = [];
    let start = new Map<string, number>();
    let versions = new Map<string, number>();
    /**
     * Writes that ran, in order, with the counters before them, their statements and whether their
     * savepoint is set already (they queried the database themselves).
     */
    const ran: {
      w: QueuedWrite;
      index: number;
      tx: KyselyWriteTx;
      result: unknown;
      before: Map<string, number>;
      statements: string | undefined;
      entered: boolean;
    }[] = [];
    /** How many of `ran` the database has been sent. */
    let sent = 0;
    const refuse = (w: QueuedWrite, e: unknown) => {
      refused.add(w);
      w.reject(e);
    };
    try {
      await this.locking.connect(async (wc) => {
        /**
         * The statements of the writes that ran and were not sent yet, each after its savepoint
         * (set here unless the write set it before its own queries: rolling back to it must undo those too).
         */
        const unsent = () =>
          ran
            .slice(sent)
            .flatMap((r) => [...(r.entered ? [] : [`savepoint w${r.index}`]), ...(r.statements === undefined ? [] : [r.statements])])
            .join('; ') || undefined;
        /**
         * After a round trip that carried unsent statements failed: refuses the write whose
         * statements failed, rolls back to before it and puts the writes after it to run again.
         * False when no savepoint is left (the transaction is gone).
         */
        const undoFailed = async (e: unknown): Promise<boolean> => {
          for (let k = ran.length - 1; k >= sent; k--) {
            if (!(await wc.rollbackTo(ran[k]!.index))) continue;
            const [failed, ...later] = ran.splice(k);
            refuse(failed!.w, statementFailure(e));
            again.push(...later.map((r) => r.w));
            versions = failed!.before;
            sent = ran.length;
            return true;
          }
          return false;
        };
        try {
          // Inside the try: a pooled connection must not go back with a transaction left open.
          const preloads = batch.flatMap((w) => (w.preload ? [w.preload] : []));
          const keys = preloads.flatMap((p) => p.keys);
          const clients = preloads.map((p) => p.client);
          const began = await wc.begin(lane.branches, preloads.length ? preloadStatement(keys, clients) : undefined);
          start = began.counters;
          versions = new Map(start);
          const view = new BatchView();
          if (began.preloaded) view.acceptPreload(keys, clients, began.preloaded);
          /** Set when a write's own query found an earlier write refused: the rest of the batch runs again, in the next transaction. */
          let abandoned = false;
          for (const [i, w] of batch.entries()) {
            if (abandoned) {
              again.push(w);
              continue;
            }
            let savepoint = false;
            /** Once per write, however many of its queries ask at once. */
            let entering: Promise<void> | undefined;
            const enter = () =>
              (entering ??= (async () => {
                // What the writes before it left goes first, then this write's savepoint.
                try {
                  await wc.run([unsent(), `savepoint w${i}`].filter((t) => t !== undefined).join('; '));
                } catch (e) {
                  if (!(await undoFailed(e))) throw e;
                  abandoned = true;
                  throw new EarlierWriteFailed();
                }
                sent = ran.length;
                savepoint = true;
              })());
            const before = versions;
            const tx = new KyselyWriteTx(wc, new Map(versions), view, enter);
            try {
              if (ran.slice(sent).reduce((n, r) => n + (r.statements?.length ?? 0), 0) > MAX_UNSENT_CHARS) await enter();
              const result = await w.fn(tx);
              // It ran on the effects of a write since refused (it swallowed the error): it runs again.
              if (abandoned) again.push(w);
              else {
                ran.push({ w, index: i, tx, result, before, statements: tx.finish(), entered: savepoint });
                versions = tx.versions;
              }
            } catch (e) {
              if (abandoned) {
                again.push(w);
                continue;
              }
              // Nothing of it was sent, or it is undone back to its savepoint.
              if (savepoint && !(await wc.rollbackTo(i))) throw e;
              refuse(w, statementFailure(e));
            }
          }
          // Nothing to keep (every write refused): nothing is committed, not even a counter row begin() made.
          if (ran.length === 0) {
            await wc.rollback();
            return;
          }
          const moved = () => [...versions].filter(([b, v]) => v !== start.get(b));
          try {
            await wc.commit(unsent(), moved());
          } catch (e) {
            // After a failed COMMIT there is no savepoint left: every write is refused.
            if (!(await undoFailed(e))) throw e;
            await wc.commit(undefined, moved());
          }
        } catch (e) {
          // The original error matters; a failing rollback (the transaction is already gone) does not.
          await wc.rollback().catch(() => undefined);
          throw e;
        }
      });
    } catch (e) {
      // Nothing of the batch is kept: every write not told yet is told.
      for (const w of batch) if (!refused.has(w)) w.reject(e);
      return;
    }
    lane.queue.unshift(...again);
    const written = ran.flatMap((r) => r.tx.written);
    for (const [branch, version] of versions) {
      const from = start.get(branch)!;
      if (version === from) continue;
      const changes = written.filter((c) => c.branchId === branch);
      // A window behind `from` (another instance wrote meanwhile) catches up at the next pull.
      if (!this.windows.append(branch, changes, from, version) && this.windows.lastVersion(branch) === undefined) this.windows.reset(branch, version);
      this.noteVersion(branch, version, 'committed');
    }
    for (const { w, result } of ran) w.resolve(result);
  }

  /** A version of the branch: its counter read, a commit of this instance, or one heard of on the live channel (a hint). */
  private noteVersion(branch: string, version: number, how: 'read' | 'committed' | 'heard'): void {
    const known = this.known.get(branch);
    if (!known) {
      // Never read: the counter is read at the next pull, which also sets the time. (Nothing is
      // kept of a branch only heard of: anyone who may connect can name any branch.)
      if (how === 'read') this.known.set(branch, { version, verified: version, readAt: Date.now() });
      return;
    }
    this.noted.set(branch, (this.noted.get(branch) ?? 0) + 1);
    if (version > known.version) known.version = version;
    if (how !== 'heard' && version > known.verified) known.verified = version;
    if (how === 'read') known.readAt = Date.now();
  }

  noteCommitted(versions: BranchVersions): void {
    for (const [branch, version] of Object.entries(versions)) {
      this.noteVersion(branch, version, 'heard');
      // The devices told of this commit pull it next: their pulls find the window caught up, or
      // the read under way, instead of each waiting for one to start (a failed read is the pulls' to report).
      const last = this.windows.lastVersion(branch);
      if (last !== undefined && last < version && !this.catchUps.has(branch)) this.catchUp(branch).catch(() => undefined);
    }
  }

  windowsHeld(): WindowsHeld {
    return this.windows.held();
  }

  async getRecord(table: RecordTable, id: string): Promise<StoredRecord | undefined> {
    const row = await this.db.selectFrom('records').selectAll().where('table_name', '=', table).where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  async recordsOfTable(table: RecordTable): Promise<StoredRecord[]> {
    return (await this.db.selectFrom('records').selectAll().where('table_name', '=', table).orderBy('id').execute()).map(toRecord);
  }

  async changesSince(after: BranchVersions, limit: number): Promise<ChangePage> {
    const records: StoredRecord[] = [];
    for (const branch of Object.keys(after).sort()) {
      const rows = await this.db
        .selectFrom('records')
        .selectAll()
        .where('branch_id', '=', branch)
        .where('version', '>', after[branch]!)
        .orderBy('version')
        .limit(limit + 1 - records.length)
        .execute();
      records.push(...rows.map(toRecord));
      if (records.length > limit) return { records: records.slice(0, limit), hasMore: true };
    }
    return { records, hasMore: false };
  }

  async encodedChangesSince(after: BranchVersions, limit: number, maxBytes: number): Promise<EncodedPullPage> {
    const known = await this.knownVersions(Object.keys(after));
    return pageAcrossBranches(after, limit, maxBytes, (branch, from, n, bytes) => this.branchPage(branch, from, n, bytes, known[branch]!));
  }

  /** How far these branches have come, read from the counters for those not read within KNOWN_VERSIONS_TTL_MS. */
  private async knownVersions(branches: readonly string[]): Promise<Record<string, number>> {
    for (;;) {
      const now = Date.now();
      const stale = branches.filter((b) => {
        const k = this.known.get(b);
        return !k || now - k.readAt > KNOWN_VERSIONS_TTL_MS;
      });
      if (stale.length === 0) break;
      // One read at a time: the pulls of a burst wait for it instead of each reading.
      if (this.countersRead) {
        await this.countersRead;
        continue;
      }
      this.countersRead = this.readCounters(stale).finally(() => {
        this.countersRead = null;
      });
      await this.countersRead;
      break;
    }
    return Object.fromEntries(branches.map((b) => [b, this.known.get(b)!.version]));
  }

  private async readCounters(branches: readonly string[]): Promise<void> {
    const read = await this.branchVersions(branches);
    const now = Date.now();
    for (const b of branches) {
      const k = this.known.get(b);
      if (k) this.noteVersion(b, read[b]!, 'read');
      else this.known.set(b, { version: read[b]!, verified: read[b]!, readAt: now });
    }
  }

  /** One branch's page: from its window, brought up to `known` first, else from the database. */
  private async branchPage(branch: string, after: number, limit: number, maxBytes: number, known: number): Promise<EncodedChangePage> {
    const last = this.windows.lastVersion(branch);
    // A new window starts where this instance read or committed, never at a version only heard of.
    if (last === undefined) this.windows.reset(branch, this.known.get(branch)!.verified);
    if (this.windows.lastVersion(branch)! < known) await this.catchUp(branch);
    // A catch-up this pull joined may have started for an older version: then the database answers.
    const now = this.windows.lastVersion(branch)!;
    if (now < known) return this.readBranchPage(branch, after, limit, maxBytes);
    return this.windows.page(branch, after, limit, maxBytes, now) ?? this.readBranchPage(branch, after, limit, maxBytes);
  }

  /**
   * Reads the branch's changes its window lacks, once however many pulls wait for them, with the
   * branch's counter in the same statement (one snapshot): the window then holds what the database
   * holds up to that counter, never up to a version it was only told of. A version on the live
   * channel is a hint (anyone who may connect to the database can send one); a hint above the
   * counter, with nothing noted while the read ran, is forgotten.
   */
  private catchUp(branch: string): Promise<void> {
    let running = this.catchUps.get(branch);
    if (!running) {
      running = (async () => {
        const from = this.windows.lastVersion(branch)!;
        const notedBefore = this.noted.get(branch);
        // Bounded in rows and in characters (a byte is at most a character), as the window is;
        // the first row always comes, so no row means there is nothing to read.
        const { rows } = await sql<(RecordRow & { fetched: number | string }) | { [K in keyof RecordRow]: null }>`
          select c.counter, w.* from (select coalesce((select value from branch_versions where branch_id = ${branch}), 0) as counter) c
          left join (
            select * from (
              select p.*, sum(length(p.data)) over (order by p.version) as chars, count(*) over () as fetched
              from (select * from records where branch_id = ${branch} and version > ${from} order by version limit ${CATCH_UP_ROWS + 1}) p
            ) r where r.chars - length(r.data) < ${CATCH_UP_CHARS}
          ) w on true order by w.version`.execute(this.db);
        const counter = Number((rows[0] as unknown as { counter: number | string }).counter);
        const read = rows.filter((r): r is RecordRow & { fetched: number | string } => r.id !== null);
        if (this.noted.get(branch) === notedBefore) this.forgetHintsAbove(branch, counter);
        // A commit of this instance moved the window meanwhile: the next pull catches up from there.
        if (this.windows.lastVersion(branch) !== from) return;
        if (read.length < Number(read[0]?.fetched ?? 0) || read.length > CATCH_UP_ROWS || counter < from) {
          // Too much to hold, or a window started at a version the database never reached: the
          // window starts over at the counter; older cursors are answered by the database.
          this.windows.reset(branch, counter);
          return;
        }
        const changes = read.map((r) => ({
          key: recordKey(r.table_name, r.id),
          branchId: branch,
          version: Number(r.version),
          bytes: changeBytes(encodeChange(toRecord(r))),
        }));
        this.windows.append(branch, changes, from, counter);
        this.noteVersion(branch, counter, 'read');
      })().finally(() => this.catchUps.delete(branch));
      this.catchUps.set(branch, running);
    }
    return running;
  }

  /**
   * What this instance knows of the branch goes back to the counter it read: nothing was noted
   * while the read ran, and whatever was noted before had committed when it began, so a higher
   * version was only claimed, never committed.
   */
  private forgetHintsAbove(branch: string, counter: number): void {
    const known = this.known.get(branch);
    if (known && known.version > counter) known.version = counter;
  }

  private async readBranchPage(branch: string, afterVersion: number, limit: number, maxBytes: number): Promise<EncodedChangePage> {
    // The database leaves out the rows that start past maxBytes characters (a character is at
    // least a byte, so every row the byte bound lets in is among them): a page of big records
    // is never read whole into memory. `fetched` says whether rows follow the ones sent.
    const { rows } = await sql<RecordRow & { chars_before: number | string; fetched: number | string }>`
      select * from (
        select p.*, sum(length(p.data)) over (order by p.version) - length(p.data) as chars_before, count(*) over () as fetched
        from (select * from records where branch_id = ${branch} and version > ${afterVersion} order by version limit ${limit + 1}) p
      ) w where w.chars_before < ${maxBytes} order by w.version`.execute(this.db);
    const parts: string[] = [];
    let bytes = 0;
    let lastVersion: number | null = null;
    for (const row of rows) {
      if (parts.length === limit) break;
      const element = encodeChange(toRecord(row));
      const size = Buffer.byteLength(element) + (parts.length ? 1 : 0);
      if (parts.length && bytes + size > maxBytes) break;
      parts.push(element);
      bytes += size;
      lastVersion = Number(row.version);
    }
    return {
      chunks: parts.length ? [Buffer.from(parts.join(','))] : [],
      count: parts.length,
      lastVersion,
      hasMore: parts.length < Number(rows[0]?.fetched ?? 0),
    };
  }

  async branchVersions(branchIds: readonly string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = Object.fromEntries(branchIds.map((b) => [b, 0]));
    if (branchIds.length === 0) return out;
    const rows = await this.db.selectFrom('branch_versions').select(['branch_id', 'value']).where('branch_id', 'in', branchIds).execute();
    for (const r of rows) out[r.branch_id] = Number(r.value);
    return out;
  }

  async getMeta(key: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.db
      .insertInto('meta')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }

  async addBranch(branch: Branch): Promise<void> {
    const result = await this.db
      .insertInto('branches')
      .values({ id: branch.id, name: branch.name, created_at: branch.createdAt })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) throw new StorageError('duplicate', `branch ${branch.id} exists`);
    // Its counter exists before its first write (a write locks the rows of its branches), and
    // starts where migration 004 started the others (see NEW_COUNTER_VALUE).
    await sql`insert into branch_versions (branch_id, value) select ${branch.id}, ${NEW_COUNTER_VALUE} on conflict (branch_id) do nothing`.execute(this.db);
  }

  async getBranch(id: string): Promise<Branch | undefined> {
    const row = await this.db.selectFrom('branches').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toBranch(row);
  }

  async listBranches(): Promise<Branch[]> {
    return (await this.db.selectFrom('branches').selectAll().orderBy('id').execute()).map(toBranch);
  }

  async addUser(user: User): Promise<void> {
    const result = await this.db
      .insertInto('users')
      .values({ id: user.id, email: user.email, name: user.name, password_hash: user.passwordHash, created_at: user.createdAt })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) throw new StorageError('duplicate', `user ${user.email} exists`);
  }

  async getUserByEmail(email: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
    return row && toUser(row);
  }

  async getUserById(id: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async listUsers(): Promise<User[]> {
    return (await this.db.selectFrom('users').selectAll().orderBy('email').execute()).map(toUser);
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.changeAccounts(async (db) => {
      const result = await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw new StorageError('not_found', `user ${userId} not found`);
      return { value: undefined, changed: true };
    });
  }

  async setMembership(m: Membership): Promise<void> {
    await this.changeAccounts(async (db) => {
      await db
        .insertInto('memberships')
        .values({ user_id: m.userId, branch_id: m.branchId, role: m.role })
        .onConflict((oc) => oc.columns(['user_id', 'branch_id']).doUpdateSet({ role: m.role }))
        .execute();
      return { value: undefined, changed: true };
    });
  }

  async removeMembership(userId: string, branchId: string): Promise<void> {
    await this.changeAccounts(async (db) => {
      await db.deleteFrom('memberships').where('user_id', '=', userId).where('branch_id', '=', branchId).execute();
      return { value: undefined, changed: true };
    });
  }

  async membershipsOf(userId: string): Promise<Membership[]> {
    const rows = await this.db.selectFrom('memberships').selectAll().where('user_id', '=', userId).orderBy('branch_id').execute();
    return rows.map((r) => ({ userId: r.user_id, branchId: r.branch_id, role: asRole(r.role) }));
  }

  async addToken(t: TokenRow): Promise<void> {
    await this.db
      .insertInto('tokens')
      .values({ hash: t.hash, user_id: t.userId, created_at: t.createdAt, expires_at: t.expiresAt, revoked_at: t.revokedAt })
      .execute();
  }

  async getToken(hash: string): Promise<TokenRow | undefined> {
    const r = await this.db.selectFrom('tokens').selectAll().where('hash', '=', hash).executeTakeFirst();
    return r && { hash: r.hash, userId: r.user_id, createdAt: r.created_at, expiresAt: r.expires_at, revokedAt: r.revoked_at };
  }

  /**
   * A session read lately (sessionCacheMs) is answered from memory (PostgreSQL: one query per
   * request otherwise, and most requests are pulls served from memory). Any change of tokens,
   * passwords or roles through this storage forgets every cached session at once; one made by
   * another process as soon as it is heard (accountsChanged), else at most sessionCacheMs late.
   */
  async getSession(tokenHash: string): Promise<Session | undefined> {
    this.noteOtherWriters();
    const hit = this.sessions.get(tokenHash);
    // A monotonic clock: a wall clock set back would keep an entry for as long as it went back.
    if (hit && performance.now() - hit.at <= this.sessionCacheMs) return hit.session;
    // The requests of a token that miss together (a burst of pulls after a signal) share one
    // read, unless an account change came after it began.
    const running = this.sessionReads.get(tokenHash);
    if (running && running.generation === this.generation) return running.read;
    const generation = this.generation;
    const at = performance.now();
    const read = this.readSession(tokenHash)
      .then((read) => {
        // Frozen: every request of the token shares it, and none may change it for the others.
        const session = read && freezeSession(read);
        // Not kept when an account change happened meanwhile: the read may be from before it.
        if (session && generation === this.generation) {
          if (this.sessions.size >= MAX_CACHED_SESSIONS) this.sessions.clear();
          this.sessions.set(tokenHash, { session, at });
        } else this.sessions.delete(tokenHash);
        return session;
      })
      .finally(() => {
        if (this.sessionReads.get(tokenHash)?.read === read) this.sessionReads.delete(tokenHash);
      });
    this.sessionReads.set(tokenHash, { generation, read });
    return read;
  }

  /**
   * How long a cached session answers: another process's change is seen only when announced
   * (hearAccountChanges), so a cached session may be that late. SQLite sees it (noteOtherWriters).
   */
  protected sessionCacheMs: number = SESSION_CACHE_MS;

  /** Told before a session is looked up: a storage that can tell another process wrote calls sessionsChanged(). */
  protected noteOtherWriters(): void {}

  /** Forgets every cached session: tokens, passwords or roles changed. */
  protected sessionsChanged(): void {
    this.sessions.clear();
    this.nextGeneration();
  }

  private nextGeneration(): void {
    this.generation++;
    for (const l of [...this.sessionListeners]) l();
  }

  get sessionGeneration(): number {
    return this.generation;
  }

  onSessionsChanged(listener: () => void): () => void {
    this.sessionListeners.add(listener);
    return () => this.sessionListeners.delete(listener);
  }

  protected async readSession(tokenHash: string): Promise<Session | undefined> {
    const rows = await this.db
      .selectFrom('tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .leftJoin('memberships as m', 'm.user_id', 'u.id')
      .select([
        't.hash',
        't.user_id',
        't.created_at as token_created_at',
        't.expires_at',
        't.revoked_at',
        'u.email',
        'u.name',
        'u.password_hash',
        'u.created_at',
        'm.branch_id',
        'm.role',
      ])
      .where('t.hash', '=', tokenHash)
      .orderBy('m.branch_id')
      .execute();
    return sessionFromRows(rows);
  }

  async revokeTokensOf(userId: string, at: string): Promise<number> {
    return this.changeAccounts(async (db) => {
      const result = await db.updateTable('tokens').set({ revoked_at: at }).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
      return { value: Number(result.numUpdatedRows), changed: Number(result.numUpdatedRows) > 0 };
    });
  }

  async revokeToken(hash: string, at: string): Promise<boolean> {
    return this.changeAccounts(async (db) => {
      const result = await db.updateTable('tokens').set({ revoked_at: at }).where('hash', '=', hash).where('revoked_at', 'is', null).executeTakeFirst();
      return { value: Number(result.numUpdatedRows) > 0, changed: Number(result.numUpdatedRows) > 0 };
    });
  }

  async revokeAllTokens(at: string): Promise<number> {
    return this.changeAccounts(async (db) => {
      const result = await db.updateTable('tokens').set({ revoked_at: at }).where('revoked_at', 'is', null).executeTakeFirst();
      return { value: Number(result.numUpdatedRows), changed: Number(result.numUpdatedRows) > 0 };
    });
  }

  /**
   * An account change (tokens, passwords, roles), after which this process's cached sessions
   * are forgotten at once and, through runAccountChange, every other process's as it commits.
   * One that changed nothing (a logout sent twice) leaves them; one that throws is taken to
   * have changed something.
   */
  private async changeAccounts<T>(change: (db: Kysely<Db>) => Promise<AccountChange<T>>): Promise<T> {
    let changed = true;
    // A stream's token checked while the change runs confirms it for this generation only,
    // which the change, once made, ends (S49); the cached sessions stand if it changes nothing.
    this.nextGeneration();
    try {
      const out = await this.runAccountChange(change);
      changed = out.changed;
      return out.value;
    } finally {
      if (changed) this.sessionsChanged();
    }
  }

  /**
   * Runs an account change. PostgreSQL runs it in a transaction that also tells the other
   * processes (postgres.ts); SQLite's server sees another connection's commits itself (sqlite.ts).
   */
  protected runAccountChange<T>(change: (db: Kysely<Db>) => Promise<AccountChange<T>>): Promise<AccountChange<T>> {
    return change(this.db);
  }

  /**
   * Whether the cached sessions are forgotten as soon as any process changes an account: while
   * the other processes' changes are heard (PostgreSQL's bus). Streams get pages only then (S49).
   */
  get sessionsCurrent(): boolean {
    return this.heard;
  }

  hearAccountChanges(heard: boolean): void {
    this.heard = heard;
    this.sessionCacheMs = heard ? SESSION_CACHE_HEARD_MS : SESSION_CACHE_MS;
    // What was cached before LISTEN was in place may have missed a change.
    this.sessionsChanged();
  }

  accountsChanged(): void {
    this.sessionsChanged();
  }

  async countLoginFailures(email: string, since: string): Promise<number> {
    const row = await this.db
      .selectFrom('login_failures')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('email', '=', email)
      .where('at', '>=', since)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async latestLoginFailure(email: string, since: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('login_failures')
      .select((eb) => eb.fn.max('at').as('latest'))
      .where('email', '=', email)
      .where('at', '>=', since)
      .executeTakeFirst();
    return row?.latest ?? null;
  }

  async addDeviceSecret(secret: DeviceSecretRow): Promise<void> {
    await this.db.insertInto('device_secrets').values({ hash: secret.hash, user_id: secret.userId, created_at: secret.createdAt }).execute();
  }

  async getDeviceSecret(hash: string): Promise<DeviceSecretRow | undefined> {
    const r = await this.db.selectFrom('device_secrets').selectAll().where('hash', '=', hash).executeTakeFirst();
    return r && { hash: r.hash, userId: r.user_id, createdAt: r.created_at };
  }

  async addLoginFailure(email: string, at: string, forgetBefore: string): Promise<void> {
    await this.db.transaction().execute(async (trx: Transaction<Db>) => {
      await trx.deleteFrom('login_failures').where('at', '<', forgetBefore).execute();
      await trx.insertInto('login_failures').values({ email, at }).execute();
    });
  }

  async clearLoginFailures(email: string): Promise<void> {
    await this.db.deleteFrom('login_failures').where('email', '=', email).execute();
  }

  async dump(): Promise<Record<string, unknown[]>> {
    const out: Record<string, unknown[]> = {};
    for (const [table, order] of Object.entries(DUMP_ORDER) as [keyof Db, string[]][]) {
      let q = this.db.selectFrom(table).selectAll();
      for (const column of order) q = q.orderBy(sql.ref(column));
      out[table] = await q.execute();
    }
    return out;
  }
}
