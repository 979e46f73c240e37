// Who may do what: every endpoint × who asks (no token, an account with no branch, staff, lead,
// admin) × their own branch or another, each with its expected status, all generated from the
// one table below. A sync write is one row per table (and plan create/update). Every refusal
// is `{ error: { code, message } }` and leaves the database byte-for-byte unchanged (a failed
// login excepted: it counts the failure); an allowed write is applied.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PLAN_ID } from '../../src/model/demo';
import { measurementId, progressId, type Conflict, type RecordTable } from '../../src/model/schemas';
import { createUser } from '../../src/server/accounts';
import { createApp } from '../../src/server/app';
import { DEMO_BRANCH, DEMO_PASSWORD } from '../../src/server/demo';
import { DEFAULT_HTTP_SETTINGS } from '../../src/server/security';
import { apiErrorSchema, syncResponseSchema, type Mutation, type Role } from '../../src/model/protocol';
import { client, OTHER_BRANCH, OTHER_PLAN, PASSWORD, startTestServer, T0, type TestServer, TEST_PASSWORD_COST } from './helpers';

type Who = 'no token' | 'no branch' | Role;
type Where = 'own branch' | 'another branch';
const WHO: Who[] = ['no token', 'no branch', 'staff', 'lead', 'admin'];
const WHERE: Where[] = ['own branch', 'another branch'];
const USERS: Record<Exclude<Who, 'no token'>, string> = { 'no branch': 'nobody@test', staff: 'staff@demo', lead: 'lead@demo', admin: 'admin@test' };

/** A status, or one per branch when it depends on whether the branch is the asker's. */
type Expected = number | { own: number; other: number };
const ownOnly = (status: number): Expected => ({ own: status, other: 403 });

interface Ctx {
  who: Who;
  token: string | null;
  branchId: string;
  planId: string;
  /** A new account with the asker's role in the demo branch, for requests that change the account. */
  freshAccount(): Promise<{ token: string; password: string }>;
}

interface Endpoint {
  name: string;
  expected: Record<Who, Expected>;
  request(ctx: Ctx): Response | Promise<Response>;
  /** Checks an allowed answer further. */
  check?(res: Response, ctx: Ctx): Promise<void>;
  /** A refusal that writes (a failed login is counted). */
  refusalWrites?: boolean;
}

type WriteKind = 'plans (update)' | 'plans (create)' | Exclude<RecordTable, 'plans'>;
const WRITE_KINDS: WriteKind[] = ['plans (update)', 'plans (create)', 'sections', 'items', 'kpis', 'progress', 'notes', 'measurements', 'conflicts', 'history'];
const WRITES_IN_OWN_BRANCH: Record<Role, WriteKind[]> = {
  staff: ['progress', 'notes', 'measurements'],
  lead: ['plans (update)', 'sections', 'items', 'kpis', 'progress', 'notes', 'measurements', 'conflicts'],
  admin: ['plans (update)', 'plans (create)', 'sections', 'items', 'kpis', 'progress', 'notes', 'measurements', 'conflicts'],
};

function conflictIn(planId: string): Conflict {
  return {
    id: `conflict:seed:${planId}`,
    planId,
    table: 'progress',
    recordId: progressId(`${planId}/p1-s1-i1`, '2024-H1'),
    itemId: `${planId}/p1-s1-i1`,
    field: 'done',
    baseValue: 'a',
    serverValue: 'b',
    serverBy: 'x',
    serverAt: '2026-01-01T00:00:00.000Z',
    clientValue: 'c',
    clientBy: 'y',
    clientAt: '2026-01-01T00:00:00.000Z',
    resolved: false,
    updatedAt: '2026-01-01T00:00:00.000Z',
    updatedBy: 'y',
  };
}

/** A mutation of each kind on a plan (`planId`, in `branchId`). */
function mutationFor(kind: WriteKind, planId: string, branchId: string): Omit<Mutation, 'id' | 'seq' | 'madeAt'> {
  const unique = randomUUID();
  switch (kind) {
    case 'plans (update)':
      return { table: 'plans', recordId: planId, planId, changes: { title: `計画 ${unique}` }, base: {}, create: null };
    case 'plans (create)': {
      const id = `${branchId}-plan-${unique}`;
      const plan = { id, branchId, branch: '支部', fiscalYear: 2025, title: '新しい計画', periodKind: 'half', demo: false, deleted: false };
      const { id: _, ...fields } = plan;
      return { table: 'plans', recordId: id, planId: id, changes: fields, base: {}, create: plan };
    }
    case 'sections':
      return { table: 'sections', recordId: `${planId}/p1`, planId, changes: { title: `柱 ${unique}` }, base: {}, create: null };
    case 'items':
      return { table: 'items', recordId: `${planId}/p1-s1-i1`, planId, changes: { text: `本文 ${unique}` }, base: {}, create: null };
    case 'kpis':
      return { table: 'kpis', recordId: `${planId}/k-mail-rate`, planId, changes: { name: `指標 ${unique}` }, base: {}, create: null };
    case 'progress':
      return { table: 'progress', recordId: progressId(`${planId}/p1-s1-i1`, '2024-H1'), planId, changes: { done: `実施 ${unique}` }, base: {}, create: null };
    case 'notes': {
      const note = { id: unique, planId, itemId: `${planId}/p1-s1-i1`, date: '2026-04-01', author: 'me', text: 'メモ' };
      const { id: _, ...fields } = note;
      return { table: 'notes', recordId: unique, planId, changes: fields, base: {}, create: note };
    }
    case 'measurements':
      return {
        table: 'measurements',
        recordId: measurementId(`${planId}/k-mail-rate`, '2024-06'),
        planId,
        changes: { value: Math.random() },
        base: {},
        create: null,
      };
    case 'conflicts':
      return { table: 'conflicts', recordId: `conflict:seed:${planId}`, planId, changes: { resolved: true }, base: { resolved: false }, create: null };
    case 'history':
      return { table: 'history', recordId: `history:${unique}`, planId, changes: { by: 'me' }, base: {}, create: { id: `history:${unique}`, planId } };
  }
}

let s: TestServer;
let app: ReturnType<typeof createApp>;
const tokens = {} as Record<Exclude<Who, 'no token'>, string>;

const json = (body: unknown) => JSON.stringify(body);
const authorized = (ctx: Ctx): Record<string, string> => (ctx.token ? { authorization: `Bearer ${ctx.token}` } : {});

function syncWrite(kind: WriteKind): Endpoint {
  const byRole = (role: Role) => (WRITES_IN_OWN_BRANCH[role].includes(kind) ? ownOnly(200) : 403);
  let sent: Mutation | undefined;
  return {
    name: `S32: POST /api/sync writing ${kind}`,
    expected: { 'no token': 401, 'no branch': 403, staff: byRole('staff'), lead: byRole('lead'), admin: byRole('admin') },
    async request(ctx) {
      const c = client(ctx.who);
      const m = c.m(mutationFor(kind, ctx.planId, ctx.branchId));
      // An edit carries the values it replaces, so an allowed one applies cleanly.
      if (m.create === null && m.table !== 'history') {
        const current = await s.record(m.table, m.recordId);
        m.base = Object.fromEntries(Object.keys(m.changes).map((k) => [k, current?.[k] ?? null]));
      }
      sent = m;
      return app.request('/api/sync', {
        method: 'POST',
        headers: authorized(ctx),
        body: json({ protocolVersion: 3, clientId: c.clientId, mutations: [m], cursor: null, pullLimit: 1 }),
      });
    },
    async check(res) {
      expect(syncResponseSchema.parse(await res.json()).results).toEqual([{ mutationId: sent!.id, status: 'applied' }]);
    },
  };
}

const ENDPOINTS: Endpoint[] = [
  { name: 'GET /api/health', expected: { 'no token': 200, 'no branch': 200, staff: 200, lead: 200, admin: 200 }, request: () => app.request('/api/health') },
  { name: 'GET /api/info', expected: { 'no token': 200, 'no branch': 200, staff: 200, lead: 200, admin: 200 }, request: () => app.request('/api/info') },
  {
    name: 'POST /api/login (own account; without one, a guess)',
    expected: { 'no token': 401, 'no branch': 200, staff: 200, lead: 200, admin: 200 },
    refusalWrites: true,
    request: (ctx) =>
      app.request('/api/login', {
        method: 'POST',
        body:
          ctx.who === 'no token'
            ? json({ email: `guess-${randomUUID()}@test`, password: 'a-guess-123' })
            : json({ email: USERS[ctx.who], password: USERS[ctx.who].endsWith('@demo') ? DEMO_PASSWORD : PASSWORD }),
      }),
  },
  {
    name: 'S20: POST /api/sync pulling',
    expected: { 'no token': 401, 'no branch': 200, staff: 200, lead: 200, admin: 200 },
    request: (ctx) =>
      app.request('/api/sync', {
        method: 'POST',
        headers: authorized(ctx),
        body: json({ protocolVersion: 3, clientId: client(ctx.who).clientId, mutations: [], cursor: null, pullLimit: 1000 }),
      }),
    async check(res, ctx) {
      const { changes } = syncResponseSchema.parse(await res.json());
      // Only the token's branches: nothing of the other branch's plan, nothing at all without a branch.
      if (ctx.who === 'no branch') expect(changes).toEqual([]);
      else {
        expect(changes.length).toBeGreaterThan(0);
        expect(changes.filter((ch) => ch.record.planId === OTHER_PLAN || ch.id === OTHER_PLAN)).toEqual([]);
      }
    },
  },
  ...WRITE_KINDS.map(syncWrite),
  {
    name: 'POST /api/password',
    expected: { 'no token': 401, 'no branch': 200, staff: 200, lead: 200, admin: 200 },
    async request(ctx) {
      if (ctx.who === 'no token')
        return app.request('/api/password', { method: 'POST', body: json({ currentPassword: PASSWORD, newPassword: 'a-new-password' }) });
      const fresh = await ctx.freshAccount();
      return app.request('/api/password', {
        method: 'POST',
        headers: { authorization: `Bearer ${fresh.token}` },
        body: json({ currentPassword: fresh.password, newPassword: 'a-new-password' }),
      });
    },
  },
  {
    name: 'GET /api/branches/:branchId/audit',
    expected: { 'no token': 401, 'no branch': 403, staff: 403, lead: ownOnly(200), admin: ownOnly(200) },
    request: (ctx) => app.request(`/api/branches/${ctx.branchId}/audit?format=csv`, { headers: authorized(ctx) }),
    async check(res) {
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    },
  },
  {
    name: 'OPTIONS /api/sync (a cross-origin preflight)',
    expected: { 'no token': 403, 'no branch': 403, staff: 403, lead: 403, admin: 403 },
    request: (ctx) =>
      app.request('/api/sync', {
        method: 'OPTIONS',
        headers: { ...authorized(ctx), origin: 'https://elsewhere.example', 'access-control-request-method': 'POST' },
      }),
  },
  {
    name: 'GET /api/unknown',
    expected: { 'no token': 404, 'no branch': 404, staff: 404, lead: 404, admin: 404 },
    request: (ctx) => app.request('/api/unknown', { headers: authorized(ctx) }),
  },
];

beforeAll(async () => {
  s = await startTestServer();
  app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, now: s.now, http: DEFAULT_HTTP_SETTINGS });
  await createUser(s.storage, { email: USERS['no branch'], name: '所属 なし', password: PASSWORD }, T0, TEST_PASSWORD_COST);
  for (const who of Object.keys(USERS) as Exclude<Who, 'no token'>[]) tokens[who] = await s.login(USERS[who]);
  await s.storage.write([DEMO_BRANCH.id, OTHER_BRANCH], async (tx) => {
    for (const [planId, branchId] of [
      [DEMO_PLAN_ID, DEMO_BRANCH.id],
      [OTHER_PLAN, OTHER_BRANCH],
    ] as const) {
      const c = conflictIn(planId);
      await tx.putRecord({ table: 'conflicts', id: c.id, branchId, planId, data: c, updatedAt: c.updatedAt, updatedBy: c.updatedBy });
    }
  });
});

describe.each(ENDPOINTS)('$name', (endpoint) => {
  describe.each(WHO)('%s', (who) => {
    it.each(WHERE)('in %s', async (where) => {
      const expected = endpoint.expected[who];
      const status = typeof expected === 'number' ? expected : where === 'own branch' ? expected.own : expected.other;
      const ctx: Ctx = {
        who,
        token: who === 'no token' ? null : tokens[who],
        branchId: where === 'own branch' ? DEMO_BRANCH.id : OTHER_BRANCH,
        planId: where === 'own branch' ? DEMO_PLAN_ID : OTHER_PLAN,
        async freshAccount() {
          const email = `fresh-${randomUUID()}@test`;
          const user = await createUser(s.storage, { email, name: '新規 利用者', password: PASSWORD }, T0, TEST_PASSWORD_COST);
          if (who !== 'no token' && who !== 'no branch') await s.storage.setMembership({ userId: user.id, branchId: DEMO_BRANCH.id, role: who });
          const res = await app.request('/api/login', { method: 'POST', body: json({ email, password: PASSWORD }) });
          return { token: ((await res.json()) as { token: string }).token, password: PASSWORD };
        },
      };
      const before = s.snapshot();
      const res = await endpoint.request(ctx);
      expect(res.status).toBe(status);
      if (status < 400) {
        await endpoint.check?.(res, ctx);
        return;
      }
      expect(apiErrorSchema.parse(await res.json()).error.message).not.toBe('');
      if (!endpoint.refusalWrites) expect(s.snapshot().equals(before)).toBe(true);
    });
  });
});
