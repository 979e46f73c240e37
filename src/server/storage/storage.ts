// The server's storage, behind one interface so that SQLite (the embedded default) and
// PostgreSQL (production, two server instances on one database) are interchangeable. Every
// implementation passes the contract suite in test/server/storage-contract.ts. It is two stores
// in one database: the record store (plan records, changes, clients' seqs, meta) and the account
// store (branches, users, tokens, device secrets, login failures); code that needs one takes
// only that one.
//
// Versions: every write of a synced record (a record, a conflict, a history row) takes the next
// value of its branch's counter, allocated inside the write transaction. A write names the
// branches it may write before it starts, and holds their counters until it commits (SQLite:
// BEGIN IMMEDIATE, one writer at a time; PostgreSQL: SELECT … FOR UPDATE on those counters'
// rows, in branch order so that two writes never wait on each other in a cycle). So writes of
// different branches never wait on each other on PostgreSQL, and within a branch the order of
// versions is the order of commits: a reader that saw version N of a branch has seen every
// version of that branch below it, and a pull cursor (a version per branch) never skips a
// change. Versions of different branches are not comparable.
import type { WindowsHeld } from './change-window';
import type { RecordTable } from '../../model/schemas';
import type { Role } from '../../model/protocol';

export interface Branch {
  id: string;
  name: string;
  createdAt: string;
}

export interface User {
  id: string;
  /** Lower-cased; unique. */
  email: string;
  name: string;
  /** `scrypt$N$r$p$salt$hash` (see accounts.ts); never leaves the server. */
  passwordHash: string;
  createdAt: string;
}

export interface Membership {
  userId: string;
  branchId: string;
  role: Role;
}

export interface TokenRow {
  /** SHA-256 hex of the token; the token itself is never stored. */
  hash: string;
  userId: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

/** A device's secret from its last successful login (see accounts.ts): only its SHA-256 is kept. */
export interface DeviceSecretRow {
  hash: string;
  userId: string;
  createdAt: string;
}

/** What a bearer token stands for: the token row, its user and the user's roles. */
export interface Session {
  token: TokenRow;
  user: User;
  memberships: Membership[];
}

/** A synced record as stored: its JSON text and the columns the server queries by. */
export interface StoredRecord {
  table: RecordTable;
  id: string;
  branchId: string;
  planId: string;
  /** The record as JSON text, exactly as it is sent to clients. */
  data: string;
  version: number;
  updatedAt: string;
  updatedBy: string;
}

export interface RecordWrite {
  table: RecordTable;
  id: string;
  branchId: string;
  planId: string;
  data: Readonly<Record<string, unknown>>;
  updatedAt: string;
  updatedBy: string;
}

/** The answer given to one mutation, kept so that a replay gets the same answer. */
export interface StoredMutationResult {
  seq: number;
  mutationId: string;
  status: 'applied' | 'conflict' | 'rejected';
  reason: string | null;
}

/** One write transaction. Everything done through it commits together or not at all. */
/** What a write will read first: with PostgreSQL it is read with the transaction's start (see WriteTx.preload). */
export interface WritePreload {
  keys: readonly { table: RecordTable; id: string }[];
  client: { clientId: string; userId: string };
}

export interface WriteTx {
  /**
   * Reads ahead, in one round trip, the records a write will look at and the client's last seq
   * (where a round trip costs: PostgreSQL). Only what it says about speed changes, never an answer.
   */
  preload?(keys: readonly { table: RecordTable; id: string }[], client: { clientId: string; userId: string }): Promise<void>;
  getRecord(table: RecordTable, id: string): Promise<StoredRecord | undefined>;
  /** Inserts or replaces a record with the next version; returns that version. */
  putRecord(write: RecordWrite): Promise<number>;
  /** Inserts a record with the next version unless its id exists; returns the version or null. */
  insertRecordIfAbsent(write: RecordWrite): Promise<number | null>;
  /** The highest seq applied for this client of this user (0 when it never synced). */
  getLastSeq(clientId: string, userId: string): Promise<number>;
  setLastSeq(clientId: string, userId: string, lastSeq: number, at: string): Promise<void>;
  getMutationResult(clientId: string, userId: string, seq: number): Promise<StoredMutationResult | undefined>;
  putMutationResult(clientId: string, userId: string, result: StoredMutationResult): Promise<void>;
  /** Forgets the results of mutations below `seq`: the client has acknowledged them. */
  pruneMutationResults(clientId: string, userId: string, belowSeq: number): Promise<void>;
}

/** How far a pull has read: a version per branch (the branches to read are its keys). */
export type BranchVersions = Readonly<Record<string, number>>;

export interface ChangePage {
  records: StoredRecord[];
  /** More changes follow the last one returned. */
  hasMore: boolean;
}

/** A page of one branch's changes, already encoded: the elements of the protocol's `changes` array, comma-joined. */
export interface EncodedChangePage {
  /**
   * UTF-8 JSON of `{ table, id, version, record }` objects joined by ',' (no brackets), in
   * pieces to be written one after the other (joining them would only copy them once more).
   */
  chunks: Uint8Array[];
  count: number;
  /** The version of the last change in the page; null when the page is empty. */
  lastVersion: number | null;
  hasMore: boolean;
}

/** A pull page over several branches: each branch's changes in version order, one branch after the other. */
export interface EncodedPullPage {
  chunks: Uint8Array[];
  count: number;
  /** Per branch with changes in the page: the version of its last one. */
  lastVersions: Record<string, number>;
  hasMore: boolean;
}

/**
 * Plan records and what sync keeps about them: the records (plans, items, progress, conflicts,
 * history …) with their versions, the pages of changes a pull reads, each client's last seq
 * and answers (in a write), and the server's meta values (the cursor epoch, the demo's mark).
 */
export interface RecordStore {
  /**
   * Runs `fn` in one write transaction that may write records of `branches` (and only those),
   * serialized with every other writer of any of them (of every server instance on the same
   * database). Throwing from `fn` rolls everything back. `fn` may be run again, in a later
   * transaction, when one it ran in could not keep it (PostgreSQL: a write before it in the
   * same transaction was refused by the database): only its last run counts, so it keeps
   * nothing of a run outside the transaction, and calls `tx` one call at a time. `preload`
   * tells what `fn` will read first; only a storage that reads ahead (PostgreSQL) asks for it.
   */
  write<T>(branches: readonly string[], fn: (tx: WriteTx) => Promise<T>, preload?: () => WritePreload | undefined): Promise<T>;
  getRecord(table: RecordTable, id: string): Promise<StoredRecord | undefined>;
  /** Every record of one table (e.g. the plans, for the admin's list), by id. */
  recordsOfTable(table: RecordTable): Promise<StoredRecord[]>;
  /**
   * Records of the branches named in `after`, each with a version above the one named, at most
   * `limit`: by branch (in id order), then by version.
   */
  changesSince(after: BranchVersions, limit: number): Promise<ChangePage>;
  /**
   * changesSince() as the bytes a sync response carries: the record's JSON as stored, never
   * parsed and encoded again on the way out. The page also stops before its elements (commas
   * included) would pass `maxBytes`, but always holds at least one change when there is one.
   */
  encodedChangesSince(after: BranchVersions, limit: number, maxBytes: number): Promise<EncodedPullPage>;
  /** The highest version each of these branches has allocated so far (0 for a branch that never wrote). */
  branchVersions(branchIds: readonly string[]): Promise<Record<string, number>>;
  /**
   * Told that another server instance committed these versions (the live bus carries them): a
   * pull from memory then first reads what it lacks. Storages without such memory ignore it.
   */
  noteCommitted(versions: BranchVersions): void;

  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
}

/** Who may do what: branches, users and their roles, tokens, device secrets and the login throttle's failures. */
export interface AccountStore {
  addBranch(branch: Branch): Promise<void>;
  getBranch(id: string): Promise<Branch | undefined>;
  listBranches(): Promise<Branch[]>;

  addUser(user: User): Promise<void>;
  getUserByEmail(email: string): Promise<User | undefined>;
  getUserById(id: string): Promise<User | undefined>;
  listUsers(): Promise<User[]>;
  setPasswordHash(userId: string, passwordHash: string): Promise<void>;

  /** Grants a role in a branch (replacing the user's role there). */
  setMembership(membership: Membership): Promise<void>;
  removeMembership(userId: string, branchId: string): Promise<void>;
  membershipsOf(userId: string): Promise<Membership[]>;

  addToken(token: TokenRow): Promise<void>;
  getToken(hash: string): Promise<TokenRow | undefined>;
  /** The token with this hash, its user and memberships (whatever the token's state), in one read. */
  getSession(tokenHash: string): Promise<Session | undefined>;
  /**
   * Told at once and at every change whether the other processes' account changes are heard as
   * they commit (PostgreSQL's live bus; accountsChanged() for each). While they are, a cached
   * session answers longer (SESSION_CACHE_HEARD_MS, kysely-storage.ts). Every cached session is forgotten.
   */
  hearAccountChanges(heard: boolean): void;
  /** Another process changed tokens, passwords or roles: every cached session is forgotten. */
  accountsChanged(): void;
  /**
   * Counts the times every cached session was forgotten (an account change of this process, heard
   * from another, or seen by SQLite): a token checked at an older count may no longer hold.
   */
  readonly sessionGeneration: number;
  /** Whether every process's account change makes the cached sessions forgotten at once (SQLite: always; PostgreSQL: while its bus hears). */
  readonly sessionsCurrent: boolean;
  /** Tells `listener` each time every cached session is forgotten; returns the unsubscribe. */
  onSessionsChanged(listener: () => void): () => void;
  /** Revokes every live token of the user; returns how many. */
  revokeTokensOf(userId: string, at: string): Promise<number>;
  /** Revokes this token unless it is revoked already; returns whether it was live. */
  revokeToken(hash: string, at: string): Promise<boolean>;
  /** Revokes every live token of every user (after a restore); returns how many. */
  revokeAllTokens(at: string): Promise<number>;

  /** Failed logins for this email at or after `since`. */
  countLoginFailures(email: string, since: string): Promise<number>;
  /** The time of the latest failed login for this email at or after `since`; null when none. */
  latestLoginFailure(email: string, since: string): Promise<string | null>;
  /** Records a failure and forgets failures older than `forgetBefore`. */
  addLoginFailure(email: string, at: string, forgetBefore: string): Promise<void>;
  clearLoginFailures(email: string): Promise<void>;

  addDeviceSecret(secret: DeviceSecretRow): Promise<void>;
  getDeviceSecret(hash: string): Promise<DeviceSecretRow | undefined>;
}

/** One database holding both stores, and what is about the database itself. */
export interface Storage extends RecordStore, AccountStore {
  readonly dialect: 'sqlite' | 'postgres';
  /** A trivial query; throws when the storage cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;

  /** Every row of every table in a fixed order, for tests that prove nothing changed. */
  dump(): Promise<Record<string, unknown[]>>;
  /** What the change windows hold in memory (change-window.ts), for the benchmarks' memory figures. */
  windowsHeld(): WindowsHeld;
}

/** A storage failure the caller can explain (e.g. a duplicate email). */
export class StorageError extends Error {
  constructor(
    readonly code: 'duplicate' | 'not_found',
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}
