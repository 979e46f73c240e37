// Property: whatever sequence of accepted and refused mutations users of two branches send
// (plan creates, rejected creates, creates of the other branch's ids, plan mutations that only
// name a branch, edits with right and wrong bases, tombstones) interleaved with later imports of
// the same ids, no user ever reads (pull) or writes (a record, a history row, a conflict) a
// record of a branch not theirs. The owner of a plan is the branch of its stored plan record.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { DEMO_PLAN_ID } from '../../src/model/demo';
import { parsePlanFile } from '../../src/model/plan-file';
import { progressId, RECORD_SCHEMAS } from '../../src/model/schemas';
import { createUser } from '../../src/server/accounts';
import { importPlan } from '../../src/server/plan-import';
import demoFile from '../../src/demo/tokyo-r6.plan.json';
import { describeEachStorage } from './backends';
import { client, OTHER_BRANCH, OTHER_PLAN, PASSWORD, startTestServer, T0, type TestServer } from './helpers';

const parsed = parsePlanFile(demoFile);
if (!parsed.ok) throw new Error('demo plan does not parse');
const planFile = parsed.file;

const TOKYO = 'demo-tokyo';
const BRANCHES = [TOKYO, OTHER_BRANCH] as const;
/** Users by branch, with the name the server stamps. */
const USERS = [
  { email: 'admin@test', name: '管理 太郎', branch: TOKYO },
  { email: 'lead@demo', name: 'デモ リーダー', branch: TOKYO },
  { email: 'staff@demo', name: 'デモ 担当', branch: TOKYO },
  { email: 'osaka-admin@test', name: '大阪 管理', branch: OTHER_BRANCH },
  { email: 'other@test', name: '大阪 花子', branch: OTHER_BRANCH },
] as const;
/** Plan ids the users fight over: existing ones, and new ones of each branch's namespace and of none. */
const PLAN_IDS = [DEMO_PLAN_ID, OTHER_PLAN, 'demo-tokyo-2025', 'osaka-2025', 'osaka-2025x'] as const;
/** Issue 10's reproduction, always among the cases: tokyo's admin names osaka-2025 as tokyo's (rejected), osaka imports it, tokyo's staff edit it. */
const REPRODUCTION: Action[] = [
  { kind: 'create', user: 0, plan: 3, claim: 0, withCreate: false },
  { kind: 'import', branch: 1, plan: 3 },
  { kind: 'edit', user: 2, plan: 3, rightBase: true, field: 'done' },
  { kind: 'edit', user: 2, plan: 3, rightBase: false, field: 'next' },
  { kind: 'tombstone', user: 1, plan: 3 },
  { kind: 'pull', user: 2 },
];

type Action =
  | { kind: 'create'; user: number; plan: number; claim: number; withCreate: boolean }
  | { kind: 'import'; branch: number; plan: number }
  | { kind: 'edit'; user: number; plan: number; rightBase: boolean; field: 'done' | 'next' }
  | { kind: 'progress create'; user: number; plan: number }
  | { kind: 'tombstone'; user: number; plan: number }
  | { kind: 'pull'; user: number };

const user = fc.nat({ max: USERS.length - 1 });
const plan = fc.nat({ max: PLAN_IDS.length - 1 });
// Weighted towards what lets one branch meet another's ids: plan mutations by admins, imports, edits.
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('create' as const), user: fc.constantFrom(0, 3), plan, claim: fc.nat({ max: 1 }), withCreate: fc.boolean() }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('import' as const), branch: fc.nat({ max: 1 }), plan }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('edit' as const), user, plan, rightBase: fc.boolean(), field: fc.constantFrom('done' as const, 'next' as const) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('progress create' as const), user, plan }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tombstone' as const), user, plan }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pull' as const), user }) },
);

const branchOfName = new Map<string, string>(USERS.map((u) => [u.name, u.branch]));

async function run(s: TestServer, actions: Action[]): Promise<void> {
  const tokens = await Promise.all(USERS.map((u) => s.login(u.email)));
  const devices = USERS.map((u) => client(u.email));
  const ownerOf = async (planId: string) => (await s.storage.getRecord('plans', planId))?.branchId;
  const item = (planId: string) => `${planId}/p1-s1-i1`;
  for (const a of actions) {
    if (a.kind === 'import') {
      const planId = PLAN_IDS[a.plan]!;
      let n = 0;
      await importPlan(s.storage, {
        branchId: BRANCHES[a.branch]!,
        planId,
        file: planFile,
        now: T0,
        author: '取込',
        newId: () => `${planId}/note-${++n}`,
      }).catch((e: unknown) => {
        if (!(e instanceof Error) || e.name !== 'PlanImportError') throw e;
      });
      continue;
    }
    const u = USERS[a.user]!;
    const c = devices[a.user]!;
    if (a.kind === 'pull') {
      const pulled = await s.pullAll(tokens[a.user]!, `${c.clientId}-pull`);
      for (const ch of pulled.changes) {
        const planId = ch.table === 'plans' ? ch.id : String((ch.record as { planId?: unknown }).planId);
        expect(await ownerOf(planId), `${u.email} pulled ${ch.table} ${ch.id}`).toBe(u.branch);
      }
      continue;
    }
    const planId = PLAN_IDS[a.plan]!;
    let m: ReturnType<typeof c.m>;
    if (a.kind === 'create') {
      const branchId = BRANCHES[a.claim]!;
      const record = { id: planId, branchId, branch: '支部', fiscalYear: 2024, title: '計画', periodKind: 'half', demo: false, deleted: false };
      m = c.m({ table: 'plans', recordId: planId, planId, changes: a.withCreate ? {} : { branchId }, base: {}, create: a.withCreate ? record : null });
    } else if (a.kind === 'edit') {
      const id = progressId(item(planId), '2024-H1');
      const current = await s.record('progress', id);
      m = c.m({
        recordId: id,
        planId,
        changes: { [a.field]: `${u.name} ${Math.random()}` },
        base: { [a.field]: a.rightBase ? (current?.[a.field] ?? '') : 'stale' },
      });
    } else if (a.kind === 'progress create') {
      const id = progressId(item(planId), '2024-H2');
      m = c.m({
        recordId: id,
        planId,
        changes: { done: u.name },
        base: { done: '' },
        create: { id, planId, itemId: item(planId), periodId: '2024-H2', evaluation: null, done: u.name, next: '' },
      });
    } else {
      m = c.m({ table: 'sections', recordId: `${planId}/p1`, planId, changes: { deleted: true }, base: { deleted: false } });
    }
    const res = await s.post('/api/sync', { protocolVersion: 3, clientId: c.clientId, cursor: null, mutations: [m] }, tokens[a.user]!);
    expect([200, 400, 403]).toContain(res.status);
    if (res.status === 200 && res.json.results[0].status !== 'rejected') {
      expect(await ownerOf(planId), `${u.email} wrote ${m.table} ${m.recordId}`).toBe(u.branch);
    }
  }
  // Every stored record lies in its plan's branch, and every history row and conflict a user
  // caused lies in that user's branch.
  const all = (await s.storage.changesSince(Object.fromEntries([...BRANCHES, 'osaka-kita'].map((b) => [b, 0])), 1_000_000)).records;
  for (const r of all) {
    const data = RECORD_SCHEMAS[r.table].parse(JSON.parse(r.data)) as Record<string, unknown>;
    expect(r.branchId, `${r.table} ${r.id}`).toBe(await ownerOf(r.table === 'plans' ? r.id : r.planId));
    const by = r.table === 'history' ? data.by : r.table === 'conflicts' ? data.clientBy : null;
    if (typeof by === 'string' && branchOfName.has(by)) expect(r.branchId, `${r.table} ${r.id} by ${by}`).toBe(branchOfName.get(by));
  }
}

// PostgreSQL makes a schema and runs the migrations for every case: fewer cases there.
describeEachStorage('ownership property', (openStorage, dialect) => {
  it('S20, S33, S35: no user reads or writes a record of a branch not theirs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 1, maxLength: 30 }), async (actions) => {
        const s = await startTestServer({ openStorage });
        try {
          const admin = await createUser(s.storage, { email: 'osaka-admin@test', name: '大阪 管理', password: PASSWORD }, T0);
          await s.storage.setMembership({ userId: admin.id, branchId: OTHER_BRANCH, role: 'admin' });
          await run(s, actions);
        } finally {
          await s.storage.close();
        }
      }),
      {
        examples: [[REPRODUCTION]],
        numRuns: Number(process.env.OWNERSHIP_PROPERTY_RUNS ?? (dialect === 'sqlite' ? 25 : 4)),
        seed: Number(process.env.OWNERSHIP_PROPERTY_SEED ?? 20_261_202),
      },
    );
  }, 600_000);
});
