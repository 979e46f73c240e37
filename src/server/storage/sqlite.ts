// The embedded default storage: one SQLite file (better-sqlite3) under DATA_DIR, or an
// in-memory database for tests. Opens the file, sets the pragmas, runs the migrations and
// returns the shared Kysely implementation with SQLite's way of serializing writers.
//
// The sync hot path (sessions, records, the write transaction, pulls) skips Kysely's per-query
// work: its statements are written with Kysely, compiled once, and run synchronously by
// better-sqlite3. They run under Kysely's connection lock (made fair here), so they never
// interleave with a transaction Kysely has open on the same connection, and a write
// transaction runs from BEGIN IMMEDIATE to COMMIT without another request's statement in
// between. Concurrent writes share a commit (see write()), and recent changes are pulled from
// memory (change-window.ts). One writer at a time: each branch's version counter is read when
// the transaction first writes that branch, and written back before COMMIT.
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, SqliteDriver, type Compilable, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';
import type { RecordTable } from '../../model/schemas';
import { BranchWindows, changeBytes, pageAcrossBranches, type WindowChange, type WindowsHeld } from './change-window';
import { encodeChange, KyselyStorage, replaceRecordOnConflict, sessionFromRows, toRecord, type Db, type SessionRow } from './kysely-storage';
import { migrateToLatest } from './migrations/index';
import { startCheckpointer, type Checkpointer } from './sqlite-checkpointer';
import type {
  Branch,
  BranchVersions,
  EncodedChangePage,
  EncodedPullPage,
  RecordWrite,
  Session,
  Storage,
  StoredMutationResult,
  StoredRecord,
  WriteTx,
} from './storage';

export interface SqliteStorage extends Storage {
  readonly dialect: 'sqlite';
  /** The whole database as bytes (tests compare it before and after a refused request). */
  serialize(): Buffer;
  /** An online, consistent copy of the database into a file. */
  backup(path: string): Promise<void>;
}

/** Compiled statements are kept: Kysely prepares every query it runs, which costs per request. */
const STATEMENT_CACHE_SIZE = 256;

type Statement = Database.Statement;

function cachingDatabase(db: Database.Database): { prepare(sql: string): Statement; close(): void } {
  const cache = new Map<string, Statement>();
  return {
    prepare(text: string): Statement {
      let stmt = cache.get(text);
      if (!stmt) {
        stmt = db.prepare(text);
        // Queries with IN (…) lists vary in text; start over rather than grow without bound.
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear();
        cache.set(text, stmt);
      }
      return stmt;
    },
    close: () => db.close(),
  };
}

/** A first-come, first-served lock: every waiter is woken once, in turn. */
class FifoLock {
  private locked = false;
  private readonly waiting: (() => void)[] = [];

  acquire(): Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.locked = false;
  }
}

/**
 * Kysely's SQLite driver with a fair lock in front of its one connection. Its own mutex wakes
 * every waiter on each release and lets them race: with a hundred requests waiting that costs
 * a hundred wake-ups per query and lets some requests starve for seconds.
 */
class FairSqliteDriver extends SqliteDriver {
  constructor(
    config: SqliteDialectConfig,
    private readonly lock: FifoLock,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    await this.lock.acquire();
    return super.acquireConnection();
  }

  override async releaseConnection(): Promise<void> {
    await super.releaseConnection();
    this.lock.release();
  }
}

class FairSqliteDialect extends SqliteDialect {
  constructor(private readonly config: SqliteDialectConfig) {
    super(config);
  }

  override createDriver(): Driver {
    return new FairSqliteDriver(this.config, new FifoLock());
  }
}

/**
 * A query written with Kysely, compiled once with marker arguments, then run by better-sqlite3
 * with the real ones in the order the compiled SQL wants them.
 */
class Prepared {
  private readonly slots: ({ arg: number } | { value: unknown })[];
  private readonly stmt: Statement;

  constructor(raw: Database.Database, arity: number, build: (...args: never[]) => Compilable) {
    const markers = Array.from({ length: arity }, (_, i) => `\u0000arg${i}\u0000`);
    const compiled = (build as (...args: string[]) => Compilable)(...markers).compile();
    this.slots = compiled.parameters.map((p) => {
      const i = markers.indexOf(p as string);
      return i >= 0 ? { arg: i } : { value: p };
    });
    this.stmt = raw.prepare(compiled.sql);
  }

  private params(args: readonly unknown[]): unknown[] {
    return this.slots.map((s) => ('arg' in s ? args[s.arg] : s.value));
  }

  get<T>(...args: unknown[]): T | undefined {
    return this.stmt.get(this.params(args)) as T | undefined;
  }

  all<T>(...args: unknown[]): T[] {
    return this.stmt.all(this.params(args)) as T[];
  }

  run(...args: unknown[]): number {
    return this.stmt.run(this.params(args)).changes;
  }
}

function statements(db: Kysely<Db>, raw: Database.Database) {
  const p = (arity: number, build: (...args: never[]) => Compilable) => new Prepared(raw, arity, build);
  const recordValues = (t: string, id: string, b: string, pl: string, d: string, v: number, ua: string, ub: string) => ({
    table_name: t,
    id,
    branch_id: b,
    plan_id: pl,
    data: d,
    version: v,
    updated_at: ua,
    updated_by: ub,
  });
  return {
    begin: raw.prepare('begin immediate'),
    // Moves when another connection commits (never for this connection's own commits).
    dataVersion: raw.prepare('pragma data_version').pluck(),
    commit: raw.prepare('commit'),
    rollback: raw.prepare('rollback'),
    savepoint: raw.prepare('savepoint w'),
    release: raw.prepare('release w'),
    rollbackTo: raw.prepare('rollback to w'),
    counter: p(1, (b: string) => db.selectFrom('branch_versions').select('value').where('branch_id', '=', b)),
    setCounter: p(2, (b: string, v: number) =>
      db
        .insertInto('branch_versions')
        .values({ branch_id: b, value: v })
        .onConflict((oc) => oc.column('branch_id').doUpdateSet({ value: v })),
    ),
    getRecord: p(2, (t: string, id: string) => db.selectFrom('records').selectAll().where('table_name', '=', t).where('id', '=', id)),
    putRecord: p(8, (...a: Parameters<typeof recordValues>) =>
      db
        .insertInto('records')
        .values(recordValues(...a))
        .onConflict(replaceRecordOnConflict),
    ),
    insertRecord: p(8, (...a: Parameters<typeof recordValues>) =>
      db
        .insertInto('records')
        .values(recordValues(...a))
        .onConflict((oc) => oc.columns(['table_name', 'id']).doNothing()),
    ),
    getLastSeq: p(2, (c: string, u: string) => db.selectFrom('clients').select('last_seq').where('client_id', '=', c).where('user_id', '=', u)),
    setLastSeq: p(4, (c: string, u: string, seq: number, at: string) =>
      db
        .insertInto('clients')
        .values({ client_id: c, user_id: u, last_seq: seq, updated_at: at })
        .onConflict((oc) =>
          oc.columns(['client_id', 'user_id']).doUpdateSet((eb) => ({ last_seq: eb.ref('excluded.last_seq'), updated_at: eb.ref('excluded.updated_at') })),
        ),
    ),
    getResult: p(3, (c: string, u: string, seq: number) =>
      db.selectFrom('mutation_results').selectAll().where('client_id', '=', c).where('user_id', '=', u).where('seq', '=', seq),
    ),
    putResult: p(6, (c: string, u: string, seq: number, m: string, st: string, r: string | null) =>
      db
        .insertInto('mutation_results')
        .values({ client_id: c, user_id: u, seq, mutation_id: m, status: st, reason: r })
        .onConflict((oc) =>
          oc
            .columns(['client_id', 'user_id', 'seq'])
            .doUpdateSet((eb) => ({ mutation_id: eb.ref('excluded.mutation_id'), status: eb.ref('excluded.status'), reason: eb.ref('excluded.reason') })),
        ),
    ),
    pruneResults: p(3, (c: string, u: string, below: number) =>
      db.deleteFrom('mutation_results').where('client_id', '=', c).where('user_id', '=', u).where('seq', '<', below),
    ),
    session: p(1, (hash: string) =>
      db
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
        .where('t.hash', '=', hash)
        .orderBy('m.branch_id'),
    ),
  };
}
type Statements = ReturnType<typeof statements>;

/** Each branch's counter as a transaction found it, and as it has allocated since. */
interface BranchCounter {
  start: number;
  value: number;
}

class SqliteWriteTx implements WriteTx {
  /** What this transaction wrote, for the change windows once it commits. */
  readonly written: WindowChange[] = [];

  constructor(
    private readonly q: Statements,
    private readonly allowed: ReadonlySet<string>,
    /** The counters of the branches written so far in this commit (shared with the writes before it). */
    readonly counters: Map<string, BranchCounter>,
    /** Where a branch without a counter row starts (NEW_COUNTER_VALUE). */
    private readonly newCounterValue: number,
  ) {}

  private next(branch: string): number {
    if (!this.allowed.has(branch)) throw new Error(`a write of branch ${branch} outside the branches it named`);
    let counter = this.counters.get(branch);
    if (!counter) {
      const start = Number(this.q.counter.get<{ value: number }>(branch)?.value ?? this.newCounterValue);
      counter = { start, value: start };
      this.counters.set(branch, counter);
    }
    return counter.value + 1;
  }

  private write(stmt: Prepared, w: RecordWrite): number | null {
    const version = this.next(w.branchId);
    const data = JSON.stringify(w.data);
    if (stmt.run(w.table, w.id, w.branchId, w.planId, data, version, w.updatedAt, w.updatedBy) === 0) return null;
    this.counters.get(w.branchId)!.value = version;
    this.written.push({
      key: `${w.table}\u0000${w.id}`,
      branchId: w.branchId,
      version,
      bytes: changeBytes(encodeChange({ table: w.table, id: w.id, version, data })),
    });
    return version;
  }

  async getRecord(table: RecordTable, id: string): Promise<StoredRecord | undefined> {
    const row = this.q.getRecord.get<RecordRow>(table, id);
    return row && toRecord(row);
  }

  async putRecord(w: RecordWrite): Promise<number> {
    return this.write(this.q.putRecord, w)!;
  }

  async insertRecordIfAbsent(w: RecordWrite): Promise<number | null> {
    return this.write(this.q.insertRecord, w);
  }

  async getLastSeq(clientId: string, userId: string): Promise<number> {
    return Number(this.q.getLastSeq.get<{ last_seq: number }>(clientId, userId)?.last_seq ?? 0);
  }

  async setLastSeq(clientId: string, userId: string, lastSeq: number, at: string): Promise<void> {
    this.q.setLastSeq.run(clientId, userId, lastSeq, at);
  }

  async getMutationResult(clientId: string, userId: string, seq: number): Promise<StoredMutationResult | undefined> {
    const row = this.q.getResult.get<Db['mutation_results']>(clientId, userId, seq);
    return row && { seq: Number(row.seq), mutationId: row.mutation_id, status: row.status as StoredMutationResult['status'], reason: row.reason };
  }

  async putMutationResult(clientId: string, userId: string, r: StoredMutationResult): Promise<void> {
    this.q.putResult.run(clientId, userId, r.seq, r.mutationId, r.status, r.reason);
  }

  async pruneMutationResults(clientId: string, userId: string, belowSeq: number): Promise<void> {
    this.q.pruneResults.run(clientId, userId, belowSeq);
  }
}

type RecordRow = Db['records'];

/** How long batches run each write in its savepoint after a write threw. */
const ISOLATE_AFTER_THROW_MS = 1000;

/** A write waiting for the next group commit. */
interface PendingWrite {
  branches: ReadonlySet<string>;
  fn: (tx: WriteTx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (e: unknown) => void;
}

const copyCounters = (counters: ReadonlyMap<string, BranchCounter>) => new Map([...counters].map(([b, c]) => [b, { ...c }]));

class SqliteKyselyStorage extends KyselyStorage implements SqliteStorage {
  declare readonly dialect: 'sqlite';
  private readonly q: Statements;
  private readonly pageQuery: Statement;
  /** Read once: migration 004 set it, nothing changes it. */
  private readonly newCounterValue: number;
  private readonly branchWindows = new BranchWindows();
  private readonly pendingWrites: PendingWrite[] = [];
  private drainScheduled = false;
  /** Until when (performance.now()) batches run each write in its savepoint from the start (see drainWrites). */
  private isolateUntil = 0;
  /** PRAGMA data_version when it was last read (see noteOtherWriters). */
  private dataVersion: number | undefined;
  /** Set while data_version has been read in this turn of the event loop. */
  private otherWritersNoted = false;
  /**
   * Each branch's counter as last read or committed here: a pull reads no counter from the
   * database while no other process (the admin command) has committed (noteOtherWriters).
   */
  private readonly counters = new Map<string, number>();

  constructor(
    db: Kysely<Db>,
    private readonly raw: Database.Database,
    private readonly checkpointer: Checkpointer | null,
  ) {
    super('sqlite', db, {
      // Used by nothing here (write() is overridden), kept for the shared implementation's sake.
      connect() {
        throw new Error('SqliteStorage runs its own write transactions');
      },
    });
    this.q = statements(db, raw);
    this.newCounterValue = Number(raw.prepare(`select value from meta where key = 'v1CursorLimit'`).pluck().get() ?? 0);
    // `total`: the bytes of the elements so far, commas included; `fetched` > the rows sent
    // means more follow (limit + 1 are read).
    this.pageQuery = raw.prepare(
      `select cast(group_concat(elem, ',' order by version) as blob) as json, count(*) as count, max(version) as last, max(fetched) as fetched from (` +
        `select elem, version, row_number() over (order by version) as n, sum(length(cast(elem as blob)) + 1) over (order by version) - 1 as total, count(*) over () as fetched from (` +
        `select '{"table":' || json_quote(table_name) || ',"id":' || json_quote(id) || ',"version":' || version || ',"record":' || data || '}' as elem, version ` +
        `from records where branch_id = ? and version > ? order by version limit ?)` +
        `) where n <= ? and (n = 1 or total <= ?)`,
    );
  }

  private counterValue(branch: string): number {
    this.noteOtherWriters();
    let value = this.counters.get(branch);
    if (value === undefined) {
      value = Number(this.q.counter.get<{ value: number }>(branch)?.value ?? 0);
      this.counters.set(branch, value);
    }
    return value;
  }

  /** Runs direct statements while holding the one connection (no Kysely transaction is open). */
  private exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    return this.db.connection().execute(async () => fn());
  }

  /**
   * Group commit: writes that arrive while others run share one transaction (a write that
   * throws is rolled back alone, and told at once; see drainWrites); the others are answered
   * after the one COMMIT. Each commit costs a write to the WAL; when writes queue up
   * (a burst of devices coming online) they share it. A write alone runs as a plain transaction.
   * A write's reads ahead are not asked for: every statement is a call into SQLite, not a round trip.
   */
  override write<T>(branches: readonly string[], fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pendingWrites.push({
        branches: new Set(branches),
        fn: fn as (tx: WriteTx) => Promise<unknown>,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      if (!this.drainScheduled) {
        this.drainScheduled = true;
        // After the event loop's poll phase: every request read in this turn queues its write
        // first, and they share one commit (a commit's WAL writes cost more than the writes).
        setImmediate(() => {
          this.exclusive(() => this.drainWrites()).catch((e: unknown) => {
            // drainWrites answers every write of its batch itself; this is reached only when the
            // connection could not be taken, before it took the batch.
            for (const w of this.pendingWrites.splice(0)) w.reject(e);
          });
        });
      }
    });
  }

  private async drainWrites(): Promise<void> {
    this.drainScheduled = false;
    const batch = this.pendingWrites.splice(0);
    if (batch.length === 0) return;
    // Without savepoints, which cost two statements a write, while no write has thrown lately
    // (a mutation a client may not make throws; a conflict or a refusal is an answer). When one
    // throws, the transaction is rolled back, that write is told, the others run again each in
    // its savepoint, and so do the batches of the next ISOLATE_AFTER_THROW_MS: a client sending
    // forbidden mutations cannot make everyone's writes run twice.
    if (performance.now() < this.isolateUntil) {
      await this.commitBatch(batch, true);
      return;
    }
    const thrower = await this.commitBatch(batch, false);
    if (!thrower) return;
    this.isolateUntil = performance.now() + ISOLATE_AFTER_THROW_MS;
    await this.commitBatch(
      batch.filter((w) => w !== thrower),
      true,
    );
  }

  /**
   * Runs these writes in one transaction and answers each of them. Without savepoints, the
   * first write that throws ends the attempt: everything is rolled back, that write is told, and
   * it is returned (no other write is answered). With them, a write that throws is rolled back
   * alone and told at once.
   */
  private async commitBatch(batch: PendingWrite[], savepoints: boolean): Promise<PendingWrite | undefined> {
    if (batch.length === 0) return undefined;
    // IMMEDIATE takes the write lock at once, so two processes on one file (the server and
    // the admin command) queue on busy_timeout instead of deadlocking on a lock upgrade.
    try {
      this.q.begin.run();
    } catch (e) {
      for (const w of batch) w.reject(e);
      return undefined;
    }
    // The admin command may have committed while BEGIN waited for the lock: its account changes
    // are known before this commit's signal carries pages (S49), whatever this turn read before.
    this.otherWritersNoted = false;
    this.noteOtherWriters();
    let counters = new Map<string, BranchCounter>();
    const done: { w: PendingWrite; result: unknown }[] = [];
    /** Writes told of their own error already. */
    const refused = new Set<PendingWrite>();
    const written: WindowChange[] = [];
    // A write alone needs no savepoint: if it throws, the whole transaction is rolled back.
    const isolated = savepoints && batch.length > 1;
    try {
      for (const w of batch) {
        if (isolated) this.q.savepoint.run();
        const tx = new SqliteWriteTx(this.q, w.branches, copyCounters(counters), this.newCounterValue);
        let result: unknown;
        try {
          result = await w.fn(tx);
        } catch (e) {
          refused.add(w);
          w.reject(e);
          if (!isolated) {
            // SQLite may have rolled back on its own (a full disk).
            if (this.raw.inTransaction) this.q.rollback.run();
            return w;
          }
          this.q.rollbackTo.run();
          this.q.release.run();
          continue;
        }
        if (isolated) this.q.release.run();
        counters = tx.counters;
        written.push(...tx.written);
        done.push({ w, result });
      }
      for (const [branch, c] of counters) if (c.value !== c.start) this.q.setCounter.run(branch, c.value);
      this.q.commit.run();
    } catch (e) {
      try {
        if (this.raw.inTransaction) this.q.rollback.run();
      } catch {
        // The error that matters is the first; every write is told of it below.
      }
      // A statement of the transaction itself failed (a savepoint, COMMIT): no write is kept.
      for (const w of batch) if (!refused.has(w)) w.reject(e);
      return undefined;
    }
    for (const [branch, c] of counters) {
      // Read under the write lock, so the database's own value: anything another process committed before is below it.
      this.counters.set(branch, c.value);
      if (c.value === c.start) continue;
      const changes = written.filter((w) => w.branchId === branch);
      if (!this.branchWindows.append(branch, changes, c.start, c.value)) this.branchWindows.reset(branch, c.value);
    }
    for (const d of done) d.w.resolve(d.result);
    return undefined;
  }

  override getRecord(table: RecordTable, id: string): Promise<StoredRecord | undefined> {
    return this.exclusive(() => {
      const row = this.q.getRecord.get<RecordRow>(table, id);
      return row && toRecord(row);
    });
  }

  override windowsHeld(): WindowsHeld {
    return this.branchWindows.held();
  }

  /**
   * Recent pages come from the change windows; older ones are built by SQLite itself, as UTF-8
   * bytes: no row objects, no strings in between. Either way each element is what
   * encodeChange() makes.
   */
  override encodedChangesSince(after: BranchVersions, limit: number, maxBytes: number): Promise<EncodedPullPage> {
    return this.exclusive(() => pageAcrossBranches(after, limit, maxBytes, (branch, from, n, bytes) => this.pageOfBranch(branch, from, n, bytes)));
  }

  private pageOfBranch(branch: string, after: number, limit: number, maxBytes: number): EncodedChangePage {
    const current = this.counterValue(branch);
    const fromWindow = this.branchWindows.page(branch, after, limit, maxBytes, current);
    if (fromWindow) return fromWindow;
    // Another process wrote (or the cursor is older than the window): the database answers.
    if (current !== this.branchWindows.lastVersion(branch)) this.branchWindows.reset(branch, current);
    const row = this.pageQuery.get(branch, after, limit + 1, limit, maxBytes) as {
      json: Buffer | null;
      count: number;
      last: number | null;
      fetched: number | null;
    };
    const lastVersion = row.last === null ? null : Number(row.last);
    return { chunks: row.json ? [row.json] : [], count: row.count, lastVersion, hasMore: row.count < Number(row.fetched ?? 0) };
  }

  override branchVersions(branchIds: readonly string[]): Promise<Record<string, number>> {
    return this.exclusive(() => Object.fromEntries(branchIds.map((b) => [b, this.counterValue(b)])));
  }

  /** Pulls take the counters from what this process committed, and see the admin command's writes through noteOtherWriters. */
  override noteCommitted(): void {}

  /** Cached sessions answer until a change: this process's own (sessionsChanged) or another's (data_version). */
  protected override sessionCacheMs = Number.POSITIVE_INFINITY;

  /** Another connection's change is seen in data_version, heard or not. */
  override hearAccountChanges(): void {}

  /** One process, which sees the admin command's commits itself (noteOtherWriters). */
  override get sessionsCurrent(): boolean {
    return true;
  }

  /**
   * Another connection (the admin command) committed since the last look: any cached session or
   * counter may be stale. Looked at once between two check phases of the event loop (the
   * requests of a turn share the look): another process's commit is seen at most a turn or two
   * late, milliseconds.
   */
  protected override noteOtherWriters(): void {
    if (this.otherWritersNoted) return;
    this.otherWritersNoted = true;
    setImmediate(() => {
      this.otherWritersNoted = false;
    });
    const version = Number(this.q.dataVersion.get());
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    this.counters.clear();
    this.sessionsChanged();
  }

  /** A new branch's counter row starts above 0 (NEW_COUNTER_VALUE): read again when next needed. */
  override async addBranch(branch: Branch): Promise<void> {
    await super.addBranch(branch);
    this.counters.delete(branch.id);
  }

  protected override readSession(tokenHash: string): Promise<Session | undefined> {
    return this.exclusive(() => sessionFromRows(this.q.session.all<SessionRow>(tokenHash)));
  }

  override async close(): Promise<void> {
    await this.checkpointer?.stop();
    await super.close();
  }

  serialize(): Buffer {
    return this.raw.serialize();
  }

  async backup(path: string): Promise<void> {
    await this.raw.backup(path);
  }
}

/**
 * SQLite's page cache, per connection, in MiB (SQLITE_CACHE_MB). Reads of the file go through
 * mmap (the kernel's cache, which it can reclaim), recent pulls come from the change window, so
 * this private cache mostly keeps pages written lately and the hot indexes; 16 MiB holds those
 * for a branch-sized database. It fills up to its size on any server that has written that
 * much and stays full: it is the largest part of the process's memory that SQLite keeps
 * (at 64 MiB the hostile writes of `npm run bench:hostile` grew RSS by 60 MB more than at 2 MiB).
 */
export const DEFAULT_SQLITE_CACHE_MB = 16;

export async function openSqliteStorage(path: string | ':memory:', options: { cacheMb?: number } = {}): Promise<SqliteStorage> {
  const cacheMb = options.cacheMb ?? DEFAULT_SQLITE_CACHE_MB;
  if (!Number.isInteger(cacheMb) || cacheMb < 1) throw new Error(`the SQLite cache size must be a whole number of MiB, not ${cacheMb}`);
  const raw = new Database(path);
  try {
    if (path !== ':memory:') {
      raw.pragma('journal_mode = WAL');
      // With WAL, NORMAL loses no committed transaction on a crash of the process (only on a
      // power loss, the last ones), and saves an fsync per commit.
      raw.pragma('synchronous = NORMAL');
      // Reads through mmap instead of read() calls: the pages live once, in the kernel's cache.
      raw.pragma('mmap_size = 268435456');
      // Checkpoints run on a worker thread (sqlite-checkpointer.ts); the automatic one here is
      // only a backstop should that worker fall behind.
      raw.pragma('wal_autocheckpoint = 40000');
    }
    // Negative: a size in KiB rather than in pages.
    raw.pragma(`cache_size = -${cacheMb * 1024}`);
    raw.pragma('busy_timeout = 5000');
    raw.pragma('foreign_keys = ON');
    const db = new Kysely<Db>({ dialect: new FairSqliteDialect({ database: cachingDatabase(raw) }) });
    await migrateToLatest(db as Kysely<unknown>);
    const checkpointer =
      path === ':memory:'
        ? null
        : startCheckpointer(path, {
            intervalMs: 200,
            onError: (message) => console.error(JSON.stringify({ level: 'error', msg: 'WAL checkpoint failed', error: message })),
          });
    return new SqliteKyselyStorage(db, raw, checkpointer);
  } catch (e) {
    raw.close();
    throw e;
  }
}
