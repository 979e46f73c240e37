// The server side of one sync round trip (docs/sync-protocol.md): authorize and apply the
// client's mutations in one write transaction (idempotent per client and seq, merged field by
// field with mergeMutation, collisions kept as conflict records, every change with a history
// row), then answer with the changes after the client's cursor in the token's branches.
import { randomUUID } from 'node:crypto';
import type * as z from 'zod/mini';
import { mergeMutation, type FieldConflict } from '../model/merge';
import {
  idSchema,
  measurementId,
  progressId,
  RECORD_SCHEMAS,
  type Conflict,
  type EditableTable,
  type History,
  type RecordTable,
} from '../model/schemas';
import { LIMITS, PROTOCOL_VERSION, type Mutation, type MutationResult, type Role, type SyncRequest } from '../sync/protocol';
import type { Principal } from './accounts';
import { ApiFailure } from './errors';
import type { RecordWrite, Storage, StoredRecord, WriteTx } from './storage/storage';

/** Told after a write transaction commits which branches it changed, and for which device. */
export type CommitListener = (branches: readonly string[], clientId: string) => void;

/** The transaction as applyAll sees it, noting the branch of every record it writes. */
function notingBranches(tx: WriteTx, into: Set<string>): WriteTx {
  return new Proxy(tx, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (prop === 'putRecord' || prop === 'insertRecordIfAbsent') {
        return async (write: RecordWrite) => {
          const result: unknown = await value.call(target, write);
          if (result !== null) into.add(write.branchId);
          return result;
        };
      }
      return value.bind(target);
    },
  });
}

export const DEFAULT_PULL_LIMIT = 500;
const CURSOR_PREFIX = 'v1.';
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
 * and merging one would read or set the inherited value (found by test/server/fuzz.test.ts: a
 * change of `constructor` made a conflict whose serverValue was a function).
 */
const INHERITED_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * Why the history and conflict records made from this mutation could not be valid, or null:
 * their ids are made of the mutation id and field names, and an id has no control characters.
 */
function namingProblem(m: Mutation): string | null {
  if (!idSchema.safeParse(m.id).success) return `変更のIDに制御文字は使えません (a mutation id has no control characters)`;
  for (const fields of [m.changes, m.base, m.create ?? {}]) {
    for (const name of Object.keys(fields)) {
      if (INHERITED_NAMES.has(name)) return `フィールド名 ${name} は使えません (no record has a field ${name})`;
      if (CONTROL_CHARACTER.test(name)) return 'フィールド名に制御文字は使えません (a field name has no control characters)';
    }
  }
  return null;
}

/** Tables whose records carry updatedAt / updatedBy. */
const STAMPED = new Set<RecordTable>(['plans', 'sections', 'items', 'progress', 'kpis', 'measurements', 'conflicts']);

export function formatCursor(version: number, epoch: string | null = null): string {
  return `${CURSOR_PREFIX}${version}${epoch === null ? '' : `.${epoch}`}`;
}

/** The version a cursor stands for, or null when this database (of this epoch) cannot have made it. */
export function parseCursor(cursor: string, epoch: string | null = null): number | null {
  if (!cursor.startsWith(CURSOR_PREFIX)) return null;
  const [digits = '', cursorEpoch = null, ...rest] = cursor.slice(CURSOR_PREFIX.length).split('.');
  if (rest.length > 0 || cursorEpoch !== epoch) return null;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(digits)) return null;
  const version = Number(digits);
  return Number.isSafeInteger(version) ? version : null;
}

interface Authorized {
  branchId: string;
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
   * Plan id → branch id of committed plans. A plan's branch never changes (an identity field),
   * so it is kept; entries are added only after the transaction that saw them committed.
   */
  private readonly planBranches = new Map<string, string>();
  /** Read once: a restore replaces the database only while no server runs. */
  private epoch: Promise<string | null> | undefined;

  constructor(
    private readonly storage: Storage,
    private readonly onCommit: CommitListener = () => undefined,
  ) {}

  private cursorEpoch(): Promise<string | null> {
    this.epoch ??= this.storage.getMeta(CURSOR_EPOCH_META_KEY).then(
      (v) => v ?? null,
      (e: unknown) => {
        // A failed read is tried again by the next request, not remembered.
        this.epoch = undefined;
        throw e;
      },
    );
    return this.epoch;
  }

  async roundTrip(principal: Principal, request: SyncRequest, now: Date): Promise<Uint8Array> {
    let results: MutationResult[] = [];
    if (request.mutations.length) {
      const seen = new Map<string, string>();
      const changed = new Set<string>();
      results = await this.storage.write((tx) => this.applyAll(notingBranches(tx, changed), principal, request, now, seen));
      if (changed.size) this.onCommit([...changed], request.clientId);
      // Bounded: a server holds few plans, but nothing should grow without limit.
      if (this.planBranches.size > 10_000) this.planBranches.clear();
      for (const [plan, branch] of seen) this.planBranches.set(plan, branch);
    }
    return this.pull(principal, request, results);
  }

  private async applyAll(tx: WriteTx, principal: Principal, request: SyncRequest, now: Date, planBranches: Map<string, string>): Promise<MutationResult[]> {
    const userId = principal.user.id;
    const { clientId } = request;
    const before = await tx.getLastSeq(clientId, userId);
    let lastSeq = before;
    const results: MutationResult[] = [];
    for (const m of request.mutations) {
      if (m.seq <= lastSeq) {
        // A replay (or a seq used twice): the answer given the first time, never a second apply.
        const stored = await tx.getMutationResult(clientId, userId, m.seq);
        if (stored && stored.mutationId === m.id) results.push({ mutationId: m.id, status: stored.status, ...(stored.reason === null ? {} : { reason: stored.reason }) });
        else results.push({ mutationId: m.id, status: 'rejected', reason: `seq ${m.seq} was already used by this client (last ${lastSeq})` });
        continue;
      }
      const result = await this.apply(tx, principal, m, planBranches, now);
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
  private async authorize(tx: WriteTx, principal: Principal, m: Mutation, planBranches: Map<string, string>): Promise<Authorized> {
    if (m.table === 'history') throw forbidden(m, '履歴はサーバーだけが書きます (history is written by the server)');
    let branchId: string | undefined;
    let current: StoredRecord | undefined;
    if (m.table === 'plans') {
      if (m.planId !== m.recordId) throw forbidden(m, '計画の planId と recordId が一致しません (forged plan id)');
      current = await tx.getRecord('plans', m.recordId);
      if (current) {
        branchId = current.branchId;
      } else {
        const named = m.create?.branchId ?? m.changes.branchId;
        if (typeof named !== 'string') throw forbidden(m, '計画がサーバーにありません (unknown plan; a new plan must name its branchId)');
        if (principal.roles.get(named) !== 'admin') throw forbidden(m, '計画を作れるのは支部の管理者だけです (only an admin of the branch creates plans)');
        branchId = named;
      }
    } else {
      branchId = planBranches.get(m.planId) ?? this.planBranches.get(m.planId) ?? (await tx.getRecord('plans', m.planId))?.branchId;
      if (branchId === undefined) throw forbidden(m, '計画がサーバーにありません (unknown plan)');
      current = await tx.getRecord(m.table, m.recordId);
      if (current && current.planId !== m.planId) throw forbidden(m, '記録は別の計画のものです (the record belongs to another plan)');
    }
    const role = principal.roles.get(branchId);
    if (!role) throw forbidden(m, 'この支部の記録は変更できません (not one of your branches)');
    if (!WRITABLE_TABLES[role].has(m.table)) throw forbidden(m, `この役割（${role}）では ${m.table} を変更できません (not allowed for this role)`);
    if (!current && m.create) {
      const { create } = m;
      if (create.id !== undefined && create.id !== m.recordId) throw forbidden(m, '作成する記録の id が recordId と違います (forged id)');
      const planId = m.table === 'plans' ? create.id : create.planId;
      if (planId !== undefined && planId !== m.planId) throw forbidden(m, '作成する記録の planId が違います (forged planId)');
      if (m.changes.planId !== undefined && m.changes.planId !== m.planId && m.table !== 'plans') throw forbidden(m, '作成する記録の planId が違います (forged planId)');
    }
    planBranches.set(m.planId, branchId);
    return { branchId, current };
  }

  private async apply(tx: WriteTx, principal: Principal, m: Mutation, planBranches: Map<string, string>, now: Date): Promise<MutationResult> {
    const { branchId, current } = await this.authorize(tx, principal, m, planBranches);
    const problem = namingProblem(m);
    if (problem !== null) throw new ApiFailure('bad_request', problem, m.id);
    const currentData = current ? (JSON.parse(current.data) as Record<string, unknown>) : undefined;
    const merged = mergeMutation(m.table, currentData, { changes: m.changes, base: m.base, create: m.create });
    if (merged.kind === 'reject') return { mutationId: m.id, status: 'rejected', reason: merged.reason };
    if (merged.kind === 'unchanged') return { mutationId: m.id, status: 'applied' };

    const at = now.toISOString();
    const by = principal.user.name;
    const table = m.table as EditableTable | 'conflicts';
    const applied = merged.kind === 'create' ? null : merged.applied;
    let conflicts: FieldConflict[] = merged.kind === 'create' ? [] : merged.conflicts;
    if (table === 'conflicts' && conflicts.length) {
      // A conflict about a conflict cannot be recorded as one: say so instead of keeping it silently.
      if (!applied?.length) return { mutationId: m.id, status: 'rejected', reason: `changed by someone else meanwhile: ${conflicts.map((c) => c.field).join(', ')}` };
      conflicts = [];
    }

    const record: Record<string, unknown> = { ...merged.record, id: m.recordId };
    if (STAMPED.has(table)) Object.assign(record, { updatedAt: at, updatedBy: by });
    if (table === 'notes') Object.assign(record, { author: by, createdAt: at });
    const planId = table === 'plans' ? m.recordId : m.planId;
    if (table !== 'plans' && record.planId !== planId) throw forbidden(m, '作成する記録の planId が違います (forged planId)');
    if (table === 'plans' && record.branchId !== branchId) throw forbidden(m, '計画の branchId が違います (forged branchId)');

    for (const [field, target] of REFERENCES[table] ?? []) {
      const value = record[field];
      if (typeof value !== 'string' || (applied !== null && !applied.includes(field))) continue;
      const ref = await tx.getRecord(target, value);
      if (!ref || ref.planId !== planId) return { mutationId: m.id, status: 'rejected', reason: `${field} ${value} is not a record of plan ${planId}` };
    }

    if (applied === null || applied.length) {
      const naturalId = table === 'progress' ? progressId(String(record.itemId), String(record.periodId)) : table === 'measurements' ? measurementId(String(record.kpiId), String(record.month)) : m.recordId;
      if (naturalId !== m.recordId) throw new ApiFailure('bad_request', `記録の id は ${naturalId} のはずです (a ${table} record's id is derived from its key)`, m.id);
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
        const fields = applied ?? Object.keys(data).filter((k) => k !== 'id' && k !== 'updatedAt' && k !== 'updatedBy' && k !== 'createdAt');
        const changes: History['changes'] = {};
        for (const f of fields) changes[f] = { from: currentData?.[f] ?? null, to: data[f] ?? null };
        const history: History = { id: `history:${m.id}`, planId, table, recordId: m.recordId, itemId: itemIdOf(table, data), changes, by, at };
        await this.insertServerRecord(tx, m.id, 'history', history, branchId, planId, at, by);
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
  private async insertServerRecord(tx: WriteTx, mutationId: string, table: 'history' | 'conflicts', data: History | Conflict, branchId: string, planId: string, at: string, by: string): Promise<void> {
    const parsed = SCHEMAS[table].safeParse(data);
    if (!parsed.success) throw new ApiFailure('bad_request', `変更から正しい記録が作れません (the ${table} record made of this mutation is invalid: ${parsed.error.issues[0]?.message ?? ''})`, mutationId);
    const write = { table, id: data.id, branchId, planId, data, updatedAt: at, updatedBy: by };
    if ((await tx.insertRecordIfAbsent(write)) !== null) return;
    const fresh = `${data.id}:${randomUUID()}`;
    // An id is at most 200 characters.
    const id = fresh.length <= 200 ? fresh : `${table === 'history' ? 'history' : 'conflict'}:${randomUUID()}`;
    await tx.putRecord({ ...write, id, data: { ...data, id } });
  }

  private async pull(principal: Principal, request: SyncRequest, results: MutationResult[]): Promise<Uint8Array> {
    let after = 0;
    let reset = false;
    const epoch = await this.cursorEpoch();
    if (request.cursor !== null) {
      const version = parseCursor(request.cursor, epoch);
      // A cursor this server cannot have made (another server's, or from before a restore): start over.
      if (version === null || (version > 0 && version > (await this.storage.maxVersion()))) reset = true;
      else after = version;
    }
    const limit = Math.min(request.pullLimit ?? DEFAULT_PULL_LIMIT, LIMITS.pullPage);
    // Records are stored as the JSON that is sent, so a page is joined, never parsed and re-encoded.
    const page = await this.storage.encodedChangesSince([...principal.roles.keys()], after, limit);
    const cursor = formatCursor(page.lastVersion ?? after, epoch);
    const head = `{"protocolVersion":${PROTOCOL_VERSION},"results":${JSON.stringify(results)},"changes":[`;
    const tail = `],"cursor":${JSON.stringify(cursor)},"hasMore":${page.hasMore},"reset":${reset}}`;
    return Buffer.concat([Buffer.from(head), ...page.chunks, Buffer.from(tail)]);
  }
}
