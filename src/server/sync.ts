// The server side of one sync round trip (docs/sync-protocol.md): authorize and apply the
// client's mutations in one write transaction (idempotent per client and seq, merged field by
// field with mergeMutation, collisions kept as conflict records, every change with a history
// row), then answer with the changes after the client's cursor in the token's branches. The
// cursor is opaque to the client: this database's id, its restore epoch, and a version per
// branch (versions are per branch, storage.ts).
import { randomUUID } from 'node:crypto';
import type * as z from 'zod/mini';
import { mergeMutation, sameValue, type FieldConflict } from '../model/merge';
import { upgradeOrders } from '../model/order-key';
import { isPeriodOf } from '../model/period';
import {
  idSchema,
  measurementId,
  planSchema,
  progressId,
  RECORD_SCHEMAS,
  RECORD_TABLES,
  RECORD_TABLE_LABELS,
  STAMP_FIELDS,
  type Conflict,
  type EditableTable,
  type History,
  type RecordTable,
} from '../model/schemas';
import { fiscalYearOfMonth, isYearMonth } from '../model/wareki';
import { noteDatesProblem } from '../model/visits';
import { LIMITS, PROTOCOL_VERSION, ROLE_LABELS, type Mutation, type MutationResult, type Role, type SyncRequest } from '../model/protocol';
import type { Principal } from './accounts';
import { planIdProblem } from './plan-ids';
import { ApiFailure } from './errors';
import { encodeChange } from './storage/kysely-storage';
import type { AccountStore, RecordStore, RecordWrite, StoredRecord, WritePreload, WriteTx } from './storage/storage';

/**
 * A page of one branch's changes that a device whose cursor is exactly `after` (a device of
 * that branch alone) stores as if it had pulled it, ending at `cursor` (S49): the changes a
 * write committed, as a pull after `after` would send them. `changes` are the page's elements,
 * joined with commas, in version order.
 */
export interface SignalPage {
  after: string;
  cursor: string;
  changes: string;
}

/**
 * Told after a write transaction commits: the version each branch it changed has reached, for
 * which device, and per branch the page of what it changed (absent when over SIGNAL_PAGE_BYTES).
 */
export type CommitListener = (versions: Readonly<Record<string, number>>, clientId: string, pages: Readonly<Record<string, SignalPage>>) => void;

/**
 * The bytes of a branch's changes a signal carries at most (S49); a larger commit is pulled. A
 * few of them must fit what a slow reader may leave unread (hub.ts, MAX_UNREAD_BYTES).
 */
export const SIGNAL_PAGE_BYTES = 16 * 1024;

/** What a write transaction wrote, per branch: the highest and lowest version, and each record's last change. */
interface Written {
  versions: Map<string, number>;
  lowest: Map<string, number>;
  changes: Map<string, Map<string, { version: number; encoded: string }>>;
}

const noWrites = (): Written => ({ versions: new Map(), lowest: new Map(), changes: new Map() });

/** The transaction as applyAll sees it, noting what it wrote of each branch. */
function notingBranches(tx: WriteTx, into: Written): WriteTx {
  return new Proxy(tx, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (prop === 'putRecord' || prop === 'insertRecordIfAbsent') {
        return async (write: RecordWrite) => {
          const result: unknown = await value.call(target, write);
          if (typeof result === 'number') {
            const b = write.branchId;
            into.versions.set(b, Math.max(result, into.versions.get(b) ?? 0));
            into.lowest.set(b, Math.min(result, into.lowest.get(b) ?? result));
            const changes = into.changes.get(b) ?? new Map<string, { version: number; encoded: string }>();
            into.changes.set(b, changes);
            // Stored as this JSON (the storage's recordRow), so the page is what a pull sends.
            changes.set(`${write.table}\u0000${write.id}`, {
              version: result,
              encoded: encodeChange({ table: write.table, id: write.id, version: result, data: JSON.stringify(write.data) }),
            });
          }
          return result;
        };
      }
      return value.bind(target);
    },
  });
}

export const DEFAULT_PULL_LIMIT = 5000;
/**
 * The bytes of a pull page's changes at most (docs/sync-protocol.md): a record that passes its
 * schema is well under half of it, so a page holds at least two, and a fresh device's first
 * pull of a plan with large texts and conflicts comes in pages a tablet parses at once.
 */
export const PULL_PAGE_BYTES = 1024 * 1024;
/** Cursors before versions were per branch: `v1.<version>[.<epoch>]`. */
const V1_CURSOR_PREFIX = 'v1.';
const CURSOR_PREFIX = 'v2.';
/** Meta keys of migration 004: the old counter's last value, and this database's id. */
const V1_CURSOR_LIMIT_META_KEY = 'v1CursorLimit';
const DATABASE_ID_META_KEY = 'databaseId';
/**
 * Meta key a restore from backup sets (admin-cli restore): versions after the backup's are
 * allocated again, so every cursor made before the restore must reset, however far the counter
 * has come since. Cursors then carry this epoch; a database never restored has none.
 */
export const CURSOR_EPOCH_META_KEY = 'cursorEpoch';

const SCHEMAS = RECORD_SCHEMAS as unknown as Record<RecordTable, z.ZodMiniType<Record<string, unknown>>>;

const STAFF_TABLES: readonly RecordTable[] = ['progress', 'notes', 'measurements'];
const LEAD_TABLES: readonly RecordTable[] = [...STAFF_TABLES, 'plans', 'sections', 'items', 'kpis', 'conflicts'];

/**
 * The tables each role may write. Creating a plan is for admins alone (see authorize); history
 * is written by the server only, and conflicts are only ever resolved by a person.
 */
export const WRITABLE_TABLES: Record<Role, ReadonlySet<RecordTable>> = {
  staff: new Set(STAFF_TABLES),
  lead: new Set(LEAD_TABLES),
  admin: new Set(LEAD_TABLES),
};

/** Fields that name another record of the same plan; a create or a move must name one that exists. */
const REFERENCES: Partial<Record<RecordTable, readonly (readonly [string, RecordTable])[]>> = {
  sections: [['parentId', 'sections']],
  items: [['sectionId', 'sections']],
  kpis: [['sectionId', 'sections']],
  progress: [['itemId', 'items']],
  notes: [['itemId', 'items']],
  measurements: [['kpiId', 'kpis']],
};

/**
 * Names every object inherits (constructor, toString, __proto__, …): no record has such a field,
 * and merging one would read or set the inherited value (found by test/server/app.fuzz.test.ts: a
 * change of `constructor` made a conflict whose serverValue was a function).
 */
const INHERITED_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Each table's fields and their schemas: what a mutation may name, and what each value must be. */
const FIELD_SCHEMAS = Object.fromEntries(RECORD_TABLES.map((t) => [t, (RECORD_SCHEMAS[t] as z.ZodMiniObject).shape])) as Record<
  RecordTable,
  Readonly<Record<string, z.ZodMiniType>>
>;

/** A field name as an error message may show it: cut short, control characters escaped. */
const shownName = (name: string) => JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name);

/**
 * Why this mutation cannot make valid records, or null. Its history and conflict ids are made of
 * the mutation id and field names (an id has no control characters). Every field it names in
 * `changes`, `base` and `create` must be a field of the table's record, and every value must
 * pass that field's schema (a base may also be null: the field was empty), checked before the
 * merge: a value that loses to another device's becomes a conflict record, which must obey the
 * same limits as the value it would have been (a conflict bypassed them, issue 10).
 */
function fieldProblem(m: Mutation): string | null {
  if (!idSchema.safeParse(m.id).success) return `変更のIDに制御文字は使えません (a mutation id has no control characters)`;
  const shape = FIELD_SCHEMAS[m.table];
  for (const [part, fields] of [
    ['changes', m.changes],
    ['base', m.base],
    ['create', m.create ?? {}],
  ] as const) {
    for (const [name, value] of Object.entries(fields)) {
      if (INHERITED_NAMES.has(name) || !Object.hasOwn(shape, name))
        return `フィールド ${shownName(name)} は ${m.table} にありません (unknown field ${shownName(name)} in ${part})`;
      if (part === 'base' && value === null) continue;
      const parsed = shape[name]!.safeParse(value);
      if (!parsed.success) return `${m.table} の ${name} が正しくありません (${part}.${name}: ${parsed.error.issues[0]?.message ?? 'invalid'})`;
    }
  }
  return null;
}

/** Why a plan's purpose list names a KPI that is not one of the plan's, or null. */
async function purposeKpiProblem(tx: WriteTx, record: Record<string, unknown>, planId: string): Promise<string | null> {
  const purposes = (record.visitPurposes ?? []) as { kpiIds?: string[] }[];
  for (const id of new Set(purposes.flatMap((p) => p.kpiIds ?? []))) {
    const kpi = await tx.getRecord('kpis', id);
    if (!kpi || kpi.planId !== planId) return `訪問目的が計画にないKPIを指しています (visit purpose names KPI ${id}, not one of plan ${planId})`;
  }
  return null;
}

/**
 * Why a new record's key does not fit what exists, or null: a measurement's month must lie in
 * its plan's fiscal year (April–March; a figure of an earlier year is the KPI's 現状, its
 * `baseline`, never a measurement), a note's date between 2000-01-01 and a year after the server's today, a progress
 * record's period be one the plan defines. These fields are identities (merge.ts), so they are
 * checked when the record is created (and when a note's date is corrected).
 */
async function valueProblem(tx: WriteTx, table: RecordTable, record: Record<string, unknown>, planId: string, now: Date): Promise<string | null> {
  if (table === 'notes') {
    const next = (record.visit as { nextDate?: string } | undefined)?.nextDate;
    const problem = noteDatesProblem(String(record.date), next, now.toISOString().slice(0, 10));
    return problem === null ? null : `${problem} (a note's date lies between 2000-01-01 and a year ahead, a next visit between the visit and two years ahead)`;
  }
  if (table !== 'measurements' && table !== 'progress') return null;
  const stored = await tx.getRecord('plans', planId);
  const plan = stored && planSchema.safeParse(JSON.parse(stored.data));
  if (!plan?.success) return `計画 ${planId} が読めません (plan ${planId} is not readable)`;
  const { fiscalYear, periodKind } = plan.data;
  if (table === 'measurements') {
    const month = String(record.month);
    if (!isYearMonth(month) || fiscalYearOfMonth(month) !== fiscalYear)
      return `実績の月 ${month} は計画の年度（${fiscalYear}年4月〜${fiscalYear + 1}年3月）にありません (a measurement's month lies in its plan's fiscal year)`;
    return null;
  }
  const periodId = String(record.periodId);
  if (!isPeriodOf(fiscalYear, periodKind, periodId)) return `報告期間 ${periodId} は計画にありません (not a period of plan ${planId})`;
  return null;
}

/**
 * Characters of free text (base + server + client, summed over merges) one request may merge
 * three-way. A merge of 20,000-character texts costs up to ~0.4 s of CPU when each side edited
 * hundreds of scattered places (npm run bench:text-merge), and a request carries 200 mutations
 * of two such fields: unbounded, one hostile request could hold the write lock for minutes.
 * Past the budget a text field that needs a merge becomes a conflict (kept, for a person to
 * resolve), so nothing is lost. 200,000 characters is three worst-case merges of the longest
 * texts, or some fifty of the usual few hundred characters.
 */
export const TEXT_MERGE_BUDGET = 200_000;

/** A value a created record leaves at its empty default, which its history need not list. */
function isEmptyValue(value: unknown): boolean {
  return value === null || value === undefined || value === '' || value === false || (Array.isArray(value) && value.length === 0);
}

/** Tables whose new records with a '/' in their id must lie in their plan's namespace. */
const OWN_NAMESPACE = new Set<RecordTable>(['sections', 'items', 'kpis', 'notes']);

/** Tables whose records carry updatedAt / updatedBy. */
const STAMPED = new Set<RecordTable>(['plans', 'sections', 'items', 'progress', 'notes', 'kpis', 'measurements', 'conflicts']);

/** What a cursor says besides its versions: which database made it, after which restore. */
export interface CursorOrigin {
  databaseId: string;
  epoch: string | null;
}

const VERSION_36 = /^(0|[1-9a-z][0-9a-z]{0,10})$/;

/** `v2.<database id>.<epoch or ->.<branch>:<version in base 36>,…` (branches URI-encoded, those at 0 left out). */
export function formatCursor(versions: Readonly<Record<string, number>>, origin: CursorOrigin): string {
  const entries = Object.keys(versions)
    .sort()
    .filter((b) => versions[b]! > 0)
    .map((b) => `${encodeURIComponent(b)}:${versions[b]!.toString(36)}`);
  return `${CURSOR_PREFIX}${origin.databaseId}.${origin.epoch ?? '-'}.${entries.join(',')}`;
}

/**
 * The version per branch a cursor stands for, or null when this database (of this epoch) cannot
 * have made it. A cursor of the form before migration 004 at or below the counter it left is
 * exact for every branch (their versions since are all above it); `branches` are the ones the
 * pull reads.
 */
export function parseCursor(cursor: string, origin: CursorOrigin, v1Limit: number | null, branches: readonly string[]): Record<string, number> | null {
  if (cursor.startsWith(V1_CURSOR_PREFIX)) {
    const [digits = '', cursorEpoch = null, ...rest] = cursor.slice(V1_CURSOR_PREFIX.length).split('.');
    if (rest.length > 0 || cursorEpoch !== origin.epoch || v1Limit === null || !/^(0|[1-9][0-9]{0,15})$/.test(digits)) return null;
    const version = Number(digits);
    return version <= v1Limit ? Object.fromEntries(branches.map((b) => [b, version])) : null;
  }
  if (!cursor.startsWith(CURSOR_PREFIX)) return null;
  const body = cursor.slice(CURSOR_PREFIX.length);
  const first = body.indexOf('.');
  const second = body.indexOf('.', first + 1);
  if (first < 0 || second < 0) return null;
  if (body.slice(0, first) !== origin.databaseId || body.slice(first + 1, second) !== (origin.epoch ?? '-')) return null;
  // No prototype: a branch may be called `constructor`.
  const versions: Record<string, number> = Object.create(null) as Record<string, number>;
  const entries = body.slice(second + 1);
  for (const entry of entries === '' ? [] : entries.split(',')) {
    const colon = entry.indexOf(':');
    const digits = entry.slice(colon + 1);
    if (colon < 1 || !VERSION_36.test(digits)) return null;
    let branch: string;
    try {
      branch = decodeURIComponent(entry.slice(0, colon));
    } catch {
      return null;
    }
    const version = Number.parseInt(digits, 36);
    if (!Number.isSafeInteger(version) || Object.hasOwn(versions, branch)) return null;
    versions[branch] = version;
  }
  return versions;
}

/** What a round trip's mutations will read: their records, plans, the ids of the history rows and conflicts they may write, and the client's seq. */
function readsOf(request: SyncRequest, userId: string): WritePreload | undefined {
  // A client id the database cannot hold (a NUL) fails this write alone, later, not with BEGIN.
  if (!idSchema.safeParse(request.clientId).success) return undefined;
  return {
    keys: request.mutations
      .flatMap((m) => [
        { table: m.table, id: m.recordId },
        { table: 'plans' as const, id: m.planId },
        { table: 'history' as const, id: `history:${m.id}` },
        ...Object.keys(m.changes).map((field) => ({ table: 'conflicts' as const, id: `conflict:${m.id}:${field}` })),
      ])
      // Only ids a record can have: these are read before the mutation is checked, with the
      // transaction's start, where a query the database refuses (a NUL) would fail every write
      // that shares the transaction, not only this one.
      .filter((k) => idSchema.safeParse(k.id).success),
    client: { clientId: request.clientId, userId },
  };
}

/** What one round trip's write carries from mutation to mutation. */
interface WriteContext {
  /** Plan id → branch id of the plan records this write read: cached once it commits. */
  read: Map<string, string>;
  /** The branches that exist (read when a plan mutation is sent): whose namespace a new plan id is in. */
  branchIds: readonly string[];
  /** Spends the request's text-merge budget (TEXT_MERGE_BUDGET); false when it is spent. */
  allowTextMerge: (cost: number) => boolean;
  /** What the mutations will read (readsOf), worked out once per round trip, and only for a storage that reads ahead. */
  reads: () => WritePreload | undefined;
}

interface Authorized {
  branchId: string;
  role: Role;
  current: StoredRecord | undefined;
}

const forbidden = (m: Mutation, message: string) => new ApiFailure('forbidden', message, m.id);

function itemIdOf(table: RecordTable, record: Record<string, unknown>): string | null {
  if (table === 'progress' || table === 'notes') return typeof record.itemId === 'string' ? record.itemId : null;
  if (table === 'items') return typeof record.id === 'string' ? record.id : null;
  return null;
}

/** Runs one round trip's mutations and pull; returns the response body (JSON, UTF-8). */
export class SyncService {
  /**
   * Plan id → branch id of committed plans, learned only from plan records read from the
   * database, and only after the write that read them committed: a request's claims (a plan
   * mutation naming a branch, accepted or not) never reach it. A plan's branch never changes
   * (an identity field, and importPlan refuses an id that exists), so an entry stays true.
   */
  private readonly planBranches = new Map<string, string>();
  /** Read once: a restore replaces the database only while no server runs. */
  private origin: Promise<CursorOrigin & { v1Limit: number | null }> | undefined;

  constructor(
    /** The records, and the branches: a plan's id lies in its branch's namespace (plan-ids.ts). */
    private readonly storage: RecordStore & Pick<AccountStore, 'listBranches'>,
    private readonly onCommit: CommitListener = () => undefined,
  ) {}

  private cursorOrigin(): Promise<CursorOrigin & { v1Limit: number | null }> {
    this.origin ??= Promise.all([
      this.storage.getMeta(DATABASE_ID_META_KEY),
      this.storage.getMeta(CURSOR_EPOCH_META_KEY),
      this.storage.getMeta(V1_CURSOR_LIMIT_META_KEY),
    ]).then(
      ([databaseId, epoch, v1Limit]) => {
        if (databaseId === undefined) throw new Error('the database has no id (migration 004 did not run)');
        return { databaseId, epoch: epoch ?? null, v1Limit: v1Limit === undefined ? null : Number(v1Limit) };
      },
      (e: unknown) => {
        // A failed read is tried again by the next request, not remembered.
        this.origin = undefined;
        throw e;
      },
    );
    return this.origin;
  }

  async roundTrip(principal: Principal, request: SyncRequest, now: Date): Promise<Uint8Array> {
    let results: MutationResult[] = [];
    if (request.mutations.length) {
      // Plan records this write read (or wrote): known to be committed once the write returns.
      const read = new Map<string, string>();
      let written = noWrites();
      // Read before the write: inside it the storage's one connection (SQLite) is taken.
      const branchIds = request.mutations.some((m) => m.table === 'plans') ? (await this.storage.listBranches()).map((b) => b.id) : [];
      let preload: WritePreload | undefined | null = null;
      const reads = () => {
        if (preload === null) preload = readsOf(request, principal.user.id);
        return preload;
      };
      // A write can only land in a branch where the person has a role (authorize).
      results = await this.storage.write(
        [...principal.roles.keys()],
        (tx) => {
          // Per attempt (the storage may run a write again, see RecordStore.write): what an
          // attempt that did not commit read or wrote is forgotten, and the budget is whole again.
          read.clear();
          written = noWrites();
          let textBudget = TEXT_MERGE_BUDGET;
          const allowTextMerge = (cost: number): boolean => {
            if (cost > textBudget) return false;
            textBudget -= cost;
            return true;
          };
          return this.applyAll(notingBranches(tx, written), principal, request, now, { read, branchIds, allowTextMerge, reads });
        },
        reads,
      );
      if (written.versions.size) {
        // The signal goes out whatever happens to the pages: without one, devices pull.
        const pages = await this.signalPages(written).catch(() => ({}));
        this.onCommit(Object.fromEntries(written.versions), request.clientId, pages);
      }
      // Bounded: a server holds few plans, but nothing should grow without limit.
      if (this.planBranches.size > 10_000) this.planBranches.clear();
      for (const [plan, branch] of read) this.planBranches.set(plan, branch);
    }
    return this.pull(principal, request, results);
  }

  private async applyAll(tx: WriteTx, principal: Principal, request: SyncRequest, now: Date, ctx: WriteContext): Promise<MutationResult[]> {
    const userId = principal.user.id;
    const { clientId } = request;
    const reads = tx.preload && ctx.reads();
    if (reads) await tx.preload?.(reads.keys, reads.client);
    const before = await tx.getLastSeq(clientId, userId);
    let lastSeq = before;
    const results: MutationResult[] = [];
    for (const m of request.mutations) {
      if (m.seq <= lastSeq) {
        // A replay (or a seq used twice): the answer given the first time, never a second apply.
        const stored = await tx.getMutationResult(clientId, userId, m.seq);
        if (stored && stored.mutationId === m.id)
          results.push({ mutationId: m.id, status: stored.status, ...(stored.reason === null ? {} : { reason: stored.reason }) });
        else
          results.push({
            mutationId: m.id,
            status: 'rejected',
            reason: `この端末の送信番号 ${m.seq} はすでに使われています (seq ${m.seq} was already used by this client, last ${lastSeq})`,
          });
        continue;
      }
      const result = await this.apply(tx, principal, m, ctx, now);
      await tx.putMutationResult(clientId, userId, { seq: m.seq, mutationId: m.id, status: result.status, reason: result.reason ?? null });
      lastSeq = m.seq;
      results.push(result);
    }
    if (lastSeq !== before) await tx.setLastSeq(clientId, userId, lastSeq, now.toISOString());
    // The client sends its oldest unacknowledged mutation first: answers below it are not needed again.
    await tx.pruneMutationResults(clientId, userId, Math.min(...request.mutations.map((m) => m.seq)));
    return results;
  }

  /** Decides whether this principal may make this mutation; throws 403 (naming it) if not. */
  private async authorize(tx: WriteTx, principal: Principal, m: Mutation, ctx: WriteContext): Promise<Authorized> {
    if (m.table === 'history') throw forbidden(m, '履歴はサーバーだけが書きます (history is written by the server)');
    let branchId: string | undefined;
    let current: StoredRecord | undefined;
    if (m.table === 'plans') {
      if (m.planId !== m.recordId) throw forbidden(m, '計画の planId と recordId が一致しません (forged plan id)');
      current = await tx.getRecord('plans', m.recordId);
      if (current) {
        branchId = current.branchId;
        ctx.read.set(current.id, current.branchId);
      } else {
        // A new plan: the branch it names is only a claim, checked here and remembered by nobody.
        const named = m.create?.branchId ?? m.changes.branchId;
        if (typeof named !== 'string') throw forbidden(m, '計画がサーバーにありません (unknown plan; a new plan must name its branchId)');
        if (principal.roles.get(named) !== 'admin') throw forbidden(m, '計画を作れるのは支部の管理者だけです (only an admin of the branch creates plans)');
        const idProblem = planIdProblem(m.recordId, named, ctx.branchIds);
        if (idProblem !== null) throw forbidden(m, idProblem);
        branchId = named;
      }
    } else {
      branchId = await this.branchOfPlan(tx, m.planId, ctx.read);
      if (branchId === undefined) throw forbidden(m, '計画がサーバーにありません (unknown plan)');
      current = await tx.getRecord(m.table, m.recordId);
      if (current && (current.planId !== m.planId || current.branchId !== branchId))
        throw forbidden(m, '記録は別の計画のものです (the record belongs to another plan)');
    }
    const role = principal.roles.get(branchId);
    if (!role) throw forbidden(m, 'この支部の記録は変更できません (not one of your branches)');
    if (!WRITABLE_TABLES[role].has(m.table))
      throw forbidden(m, `${ROLE_LABELS[role]}の役割では${RECORD_TABLE_LABELS[m.table]}を変更できません (role ${role} may not write ${m.table})`);
    if (!current && m.create) {
      const { create } = m;
      if (create.id !== undefined && create.id !== m.recordId) throw forbidden(m, '作成する記録の id が recordId と違います (forged id)');
      const planId = m.table === 'plans' ? create.id : create.planId;
      if (planId !== undefined && planId !== m.planId) throw forbidden(m, '作成する記録の planId が違います (forged planId)');
      if (m.changes.planId !== undefined && m.changes.planId !== m.planId && m.table !== 'plans')
        throw forbidden(m, '作成する記録の planId が違います (forged planId)');
      // Ids made from a plan file or by next year's plan are `<planId>/<ref>` (progress and
      // measurements derive theirs from an item or KPI of the plan, checked below): a record in
      // another plan's namespace would block that plan's import, so a new id with a '/' lies in
      // its own plan's.
      if (OWN_NAMESPACE.has(m.table) && m.recordId.includes('/') && !m.recordId.startsWith(`${m.planId}/`))
        throw forbidden(m, `記録の id は別の計画の名前空間にあります (a record id with a '/' starts with its plan id ${m.planId}/)`);
    }
    return { branchId, role, current };
  }

  /**
   * The branch of a committed plan: from the cache, else from the plan record (the cache learns
   * it when the write commits). Never from anything a request says.
   */
  private async branchOfPlan(tx: WriteTx, planId: string, read: Map<string, string>): Promise<string | undefined> {
    const known = this.planBranches.get(planId);
    if (known !== undefined) return known;
    const plan = await tx.getRecord('plans', planId);
    if (plan) read.set(planId, plan.branchId);
    return plan?.branchId;
  }

  private async apply(tx: WriteTx, principal: Principal, m: Mutation, ctx: WriteContext, now: Date): Promise<MutationResult> {
    const { branchId, role, current } = await this.authorize(tx, principal, m, ctx);
    const problem = fieldProblem(m);
    if (problem !== null) throw new ApiFailure('bad_request', problem, m.id);
    // A record an older process wrote after migration 003 may still hold an integer order: it is
    // merged as its key, so the record written back passes today's schema.
    const currentData = current ? upgradeOrders(m.table, JSON.parse(current.data) as Record<string, unknown>) : undefined;
    const merged = mergeMutation(m.table, currentData, { changes: m.changes, base: m.base, create: m.create }, { allowTextMerge: ctx.allowTextMerge });
    if (merged.kind === 'reject') return { mutationId: m.id, status: 'rejected', reason: merged.reason };
    if (merged.kind === 'unchanged') return { mutationId: m.id, status: 'applied' };

    const at = now.toISOString();
    const by = principal.user.name;
    const table = m.table as EditableTable | 'conflicts';
    const applied = merged.kind === 'create' ? null : merged.applied;
    let conflicts: FieldConflict[] = merged.kind === 'create' ? [] : merged.conflicts;
    if (table === 'conflicts' && conflicts.length) {
      // A conflict about a conflict cannot be recorded as one: say so instead of keeping it silently.
      if (!applied?.length)
        return {
          mutationId: m.id,
          status: 'rejected',
          reason: `ほかの人が先に変更しました (changed by someone else meanwhile: ${conflicts.map((c) => c.field).join(', ')})`,
        };
      conflicts = [];
    }

    // A note is corrected or removed by its author, or by a lead or admin (S13).
    if (
      table === 'notes' &&
      merged.kind === 'update' &&
      role === 'staff' &&
      (currentData?.authorId === undefined || currentData.authorId !== principal.user.id)
    )
      throw forbidden(m, `ほかの人のメモは訂正・削除できません（記入者: ${String(currentData?.author ?? '')}）。訂正はリーダーに依頼してください`);
    const record: Record<string, unknown> = { ...merged.record, id: m.recordId };
    if (STAMPED.has(table)) Object.assign(record, { updatedAt: at, updatedBy: by });
    if (table === 'notes' && merged.kind === 'create') Object.assign(record, { author: by, authorId: principal.user.id, createdAt: at });
    const planId = table === 'plans' ? m.recordId : m.planId;
    if (table !== 'plans' && record.planId !== planId) throw forbidden(m, '作成する記録の planId が違います (forged planId)');
    if (table === 'plans' && record.branchId !== branchId) throw forbidden(m, '計画の branchId が違います (forged branchId)');

    if (merged.kind === 'create' || (table === 'notes' && (applied?.includes('date') || applied?.includes('visit')))) {
      const problem = await valueProblem(tx, table, record, planId, now);
      if (problem !== null) return { mutationId: m.id, status: 'rejected', reason: problem };
    }
    // A value kept as a conflict obeys the same rules as one applied: a person may choose it later.
    if (table === 'notes' && conflicts.some((c) => c.field === 'date' || c.field === 'visit')) {
      const losing = { ...record, ...Object.fromEntries(conflicts.map((c) => [c.field, c.clientValue])) };
      const problem = await valueProblem(tx, table, losing, planId, now);
      if (problem !== null) return { mutationId: m.id, status: 'rejected', reason: problem };
    }
    if (table === 'plans' && applied?.includes('visitPurposes')) {
      const problem = await purposeKpiProblem(tx, record, planId);
      if (problem !== null) return { mutationId: m.id, status: 'rejected', reason: problem };
    }

    for (const [field, target] of REFERENCES[table] ?? []) {
      const value = record[field];
      if (typeof value !== 'string' || (applied !== null && !applied.includes(field))) continue;
      const ref = await tx.getRecord(target, value);
      if (!ref || ref.planId !== planId)
        return { mutationId: m.id, status: 'rejected', reason: `参照先の記録がこの計画にありません (${field} ${value} is not a record of plan ${planId})` };
    }

    if (applied === null || applied.length) {
      const naturalId =
        table === 'progress'
          ? progressId(String(record.itemId), String(record.periodId))
          : table === 'measurements'
            ? measurementId(String(record.kpiId), String(record.month))
            : m.recordId;
      if (naturalId !== m.recordId)
        throw new ApiFailure('bad_request', `記録の id は ${naturalId} のはずです (a ${table} record's id is derived from its key)`, m.id);
      const parsed = SCHEMAS[table].safeParse(record);
      if (!parsed.success) {
        const detail = parsed.error.issues
          .slice(0, 5)
          .map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`)
          .join('; ');
        throw new ApiFailure('bad_request', `記録が正しくありません (invalid ${table} record: ${detail})`, m.id);
      }
      const data = parsed.data;
      await tx.putRecord({ table, id: m.recordId, branchId, planId, data, updatedAt: at, updatedBy: by });
      if (table !== 'conflicts') {
        // Only what really changed: a create's set fields (not its empty defaults), an update's
        // fields whose stored value differs (the schema may have trimmed one back to the old value).
        const fields = applied ?? Object.keys(data).filter((k) => k !== 'id' && !STAMP_FIELDS.has(k) && !isEmptyValue(data[k]));
        const changes: History['changes'] = {};
        for (const f of fields) {
          const from = currentData?.[f] ?? null;
          const to = data[f] ?? null;
          if (applied === null || !sameValue(from, to)) changes[f] = { from, to };
        }
        if (Object.keys(changes).length > 0) {
          const history: History = { id: `history:${m.id}`, planId, table, recordId: m.recordId, itemId: itemIdOf(table, data), changes, by, at };
          await this.insertServerRecord(tx, m.id, 'history', history, branchId, planId, at, by);
        }
      }
    }

    for (const c of conflicts) {
      const conflict: Conflict = {
        id: `conflict:${m.id}:${c.field}`,
        planId,
        table: table as EditableTable,
        recordId: m.recordId,
        itemId: itemIdOf(table, currentData ?? record),
        field: c.field,
        baseValue: c.baseValue ?? null,
        serverValue: c.serverValue ?? null,
        serverBy: typeof currentData?.updatedBy === 'string' ? currentData.updatedBy : (current?.updatedBy ?? ''),
        serverAt: typeof currentData?.updatedAt === 'string' ? currentData.updatedAt : (current?.updatedAt ?? ''),
        clientValue: c.clientValue ?? null,
        clientBy: by,
        clientAt: m.madeAt,
        resolved: false,
        updatedAt: at,
        updatedBy: by,
      };
      await this.insertServerRecord(tx, m.id, 'conflicts', conflict, branchId, planId, at, by);
    }
    return { mutationId: m.id, status: conflicts.length ? 'conflict' : 'applied' };
  }

  /**
   * Writes a history row or conflict under its id derived from the mutation id; if that id is
   * taken (a client reusing a mutation id), under a fresh one, never over someone else's row.
   * It must parse as every device will parse it: a record no device can read would stop syncing.
   */
  private async insertServerRecord(
    tx: WriteTx,
    mutationId: string,
    table: 'history' | 'conflicts',
    data: History | Conflict,
    branchId: string,
    planId: string,
    at: string,
    by: string,
  ): Promise<void> {
    const parsed = SCHEMAS[table].safeParse(data);
    if (!parsed.success)
      throw new ApiFailure(
        'bad_request',
        `変更から正しい記録が作れません (the ${table} record made of this mutation is invalid: ${parsed.error.issues[0]?.message ?? ''})`,
        mutationId,
      );
    const write = { table, id: data.id, branchId, planId, data, updatedAt: at, updatedBy: by };
    if ((await tx.insertRecordIfAbsent(write)) !== null) return;
    const fresh = `${data.id}:${randomUUID()}`;
    // An id is at most 200 characters.
    const id = fresh.length <= 200 ? fresh : `${table === 'history' ? 'history' : 'conflict'}:${randomUUID()}`;
    await tx.putRecord({ ...write, id, data: { ...data, id } });
  }

  /**
   * Per branch, what a write committed as a page after the version before it (S49): its
   * versions are one run, (lowest − 1, highest], no other write's in between (a branch's
   * writes take its counter one after the other). Left out when over SIGNAL_PAGE_BYTES.
   */
  private async signalPages(written: Written): Promise<Record<string, SignalPage>> {
    const origin = await this.cursorOrigin();
    const pages: Record<string, SignalPage> = {};
    for (const [branch, to] of written.versions) {
      const changes = [...written.changes.get(branch)!.values()].sort((a, b) => a.version - b.version).map((c) => c.encoded);
      if (changes.reduce((n, c) => n + Buffer.byteLength(c) + 1, 0) > SIGNAL_PAGE_BYTES) continue;
      pages[branch] = {
        after: formatCursor({ [branch]: written.lowest.get(branch)! - 1 }, origin),
        cursor: formatCursor({ [branch]: to }, origin),
        changes: changes.join(','),
      };
    }
    return pages;
  }

  private async pull(principal: Principal, request: SyncRequest, results: MutationResult[]): Promise<Uint8Array> {
    const branches = [...principal.roles.keys()];
    let seen: Record<string, number> = {};
    let reset = false;
    const origin = await this.cursorOrigin();
    if (request.cursor !== null) {
      const parsed = parseCursor(request.cursor, origin, origin.v1Limit, branches);
      // A cursor this server cannot have made (another server's, or from before a restore): start over.
      if (parsed === null) reset = true;
      else seen = parsed;
    }
    // Only the person's branches are read; a branch they lost is dropped from the cursor.
    const after = Object.fromEntries(branches.map((b) => [b, Object.hasOwn(seen, b) ? seen[b]! : 0]));
    const limit = Math.min(request.pullLimit ?? DEFAULT_PULL_LIMIT, LIMITS.pullPage);
    // Records are stored as the JSON that is sent, so a page is joined, never parsed and re-encoded.
    const page = await this.storage.encodedChangesSince(after, limit, PULL_PAGE_BYTES);
    const versions = { ...after, ...page.lastVersions };
    const cursor = formatCursor(versions, origin);
    const head = `{"protocolVersion":${PROTOCOL_VERSION},"results":${JSON.stringify(results)},"changes":[`;
    const tail = `],"cursor":${JSON.stringify(cursor)},"hasMore":${page.hasMore},"reset":${reset},"versions":${JSON.stringify(versions)}}`;
    return Buffer.concat([Buffer.from(head), ...page.chunks, Buffer.from(tail)]);
  }
}
