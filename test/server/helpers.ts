// A server on an in-memory SQLite database (or the storage a test opens, e.g. PostgreSQL) with the demo seeded (branch demo-tokyo with lead@demo
// and staff@demo, the demo plan), an admin of demo-tokyo, and a second branch with its own plan
// and lead; a settable clock; and helpers to log in and sync through app.request (no socket).
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { createUser, type PasswordCost } from '../../src/server/accounts';
import { createApp } from '../../src/server/app';
import { DEMO_BRANCH, DEMO_PASSWORD, seedDemo, type DemoAccount } from '../../src/server/demo';
import { memoryLogger } from '../../src/server/log';
import { importPlan } from '../../src/server/plan-import';
import { openSqliteStorage, type SqliteStorage } from '../../src/server/storage/sqlite';
import type { Storage } from '../../src/server/storage/storage';
import { DEMO_PLAN_ID } from '../../src/model/demo';
import { parsePlanFile } from '../../src/model/plan-file';
import { progressId } from '../../src/model/schemas';
import { PROTOCOL_VERSION, syncResponseSchema, type Mutation, type SyncRequest, type SyncResponse } from '../../src/model/protocol';
import demoFile from '../../src/demo/tokyo-r6.plan.json';

export const T0 = new Date('2026-05-01T09:00:00.000Z');
export const OTHER_BRANCH = 'osaka';
export const OTHER_PLAN = 'osaka-2024';
export const PASSWORD = 'password-123';
/** Password hashes in tests cost what they did before N = 2^17 (PASSWORD_COST): tests make many users and logins. */
export const TEST_PASSWORD_COST: PasswordCost = { N: 2 ** 14, r: 8, p: 1 };
/** An item and a KPI of the demo plan. */
export const ITEM = `${DEMO_PLAN_ID}/p1-s1-i1`;
export const ITEM2 = `${DEMO_PLAN_ID}/p1-s1-i2`;
export const OTHER_ITEM = `${OTHER_PLAN}/p1-s1-i1`;

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;

export async function startTestServer<S extends Storage = SqliteStorage>(
  options: { demoAccounts?: DemoAccount[] | null; openStorage?: () => Promise<S> } = {},
) {
  const storage = options.openStorage ? await options.openStorage() : ((await openSqliteStorage(':memory:')) as Storage as S);
  let clock = T0;
  const now = () => clock;
  await seedDemo(storage, clock, TEST_PASSWORD_COST);
  const admin = await createUser(storage, { email: 'admin@test', name: '管理 太郎', password: PASSWORD }, clock, TEST_PASSWORD_COST);
  await storage.setMembership({ userId: admin.id, branchId: DEMO_BRANCH.id, role: 'admin' });
  await storage.addBranch({ id: OTHER_BRANCH, name: '大阪支部', createdAt: clock.toISOString() });
  const other = await createUser(storage, { email: 'other@test', name: '大阪 花子', password: PASSWORD }, clock, TEST_PASSWORD_COST);
  await storage.setMembership({ userId: other.id, branchId: OTHER_BRANCH, role: 'lead' });
  const parsed = parsePlanFile(demoFile);
  if (!parsed.ok) throw new Error('demo plan does not parse');
  let n = 0;
  await importPlan(storage, {
    branchId: OTHER_BRANCH,
    planId: OTHER_PLAN,
    file: parsed.file,
    now: clock,
    author: '取込',
    newId: () => `${OTHER_PLAN}/note-${++n}`,
  });

  const log = memoryLogger(now);
  const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage, log, now, demoAccounts: options.demoAccounts ?? null });

  const tokens = new Map<string, string>();
  async function login(email: string, password = email.endsWith('@demo') ? DEMO_PASSWORD : PASSWORD): Promise<string> {
    const cached = tokens.get(email);
    if (cached) return cached;
    const res = await app.request('/api/login', { method: 'POST', body: JSON.stringify({ email, password }) });
    expect(res.status).toBe(200);
    const token = ((await res.json()) as { token: string }).token;
    tokens.set(email, token);
    return token;
  }

  // biome-ignore lint/suspicious/noExplicitAny: tests read the fields they expect of any answer; a wrong guess fails the test
  async function post(path: string, body: unknown, token?: string, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
    const res = await app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  }

  /** A round trip that must succeed; the response is parsed with the protocol's schema. */
  async function sync(token: string, request: Partial<SyncRequest> & { clientId: string }): Promise<SyncResponse> {
    const { status, json } = await post('/api/sync', { protocolVersion: PROTOCOL_VERSION, mutations: [], cursor: null, ...request }, token);
    if (status !== 200) throw new Error(`sync answered ${status}: ${JSON.stringify(json)}`);
    return syncResponseSchema.parse(json);
  }

  /** Pulls every page after `cursor`. */
  async function pullAll(
    token: string,
    clientId: string,
    cursor: string | null = null,
    pullLimit?: number,
  ): Promise<{ changes: SyncResponse['changes']; cursor: string; pages: number }> {
    const changes: SyncResponse['changes'] = [];
    let pages = 0;
    for (;;) {
      const res = await sync(token, { clientId, cursor, ...(pullLimit ? { pullLimit } : {}) });
      pages++;
      changes.push(...res.changes);
      cursor = res.cursor;
      if (!res.hasMore) return { changes, cursor, pages };
    }
  }

  async function record(table: string, id: string): Promise<Record<string, unknown> | undefined> {
    const r = await storage.getRecord(table as never, id);
    return r && (JSON.parse(r.data) as Record<string, unknown>);
  }

  return {
    app,
    storage,
    log,
    now,
    setClock: (d: Date) => (clock = d),
    advance: (ms: number) => (clock = new Date(clock.getTime() + ms)),
    login,
    post,
    sync,
    pullAll,
    record,
    /** The whole SQLite database as bytes (SQLite only). */
    snapshot: () => {
      if (!('serialize' in storage)) throw new Error('snapshot() needs the SQLite storage');
      return (storage as Storage as SqliteStorage).serialize();
    },
  };
}

/** A client (device) with its own id and seq counter. */
export function client(name = 'device') {
  let seq = 0;
  const clientId = `${name}-${randomUUID()}`;
  return {
    clientId,
    /** A mutation with the next seq; defaults make a progress edit of ITEM in 2024-H1. */
    m(partial: Partial<Mutation> = {}): Mutation {
      return {
        id: randomUUID(),
        seq: ++seq,
        table: 'progress',
        recordId: progressId(ITEM, '2024-H1'),
        planId: DEMO_PLAN_ID,
        changes: {},
        base: {},
        create: null,
        madeAt: '2026-05-01T08:00:00.000Z',
        ...partial,
      };
    },
  };
}

/** The create mutation a device sends for a new progress record (see saveProgress). */
export function progressCreate(
  itemId: string,
  periodId: string,
  changes: Record<string, unknown>,
  planId = DEMO_PLAN_ID,
): Pick<Mutation, 'table' | 'recordId' | 'planId' | 'changes' | 'base' | 'create'> {
  const id = progressId(itemId, periodId);
  const template = { id, planId, itemId, periodId, evaluation: null, done: '', next: '' };
  const base = Object.fromEntries(Object.keys(changes).map((k) => [k, (template as Record<string, unknown>)[k]]));
  return { table: 'progress', recordId: id, planId, changes, base, create: { ...template, ...changes } };
}
