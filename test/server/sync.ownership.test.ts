// Which branch owns a plan, and which plan a record: the server learns it only from records it
// committed (or reads from the database), never from a request; and plan ids are scoped to
// their branch. Reproductions of issue 10 (items 1 and the next-year squatting of item 6).
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DEMO_PLAN_ID } from '../../src/model/demo';
import { parsePlanFile } from '../../src/model/plan-file';
import { progressId } from '../../src/model/schemas';
import { createUser } from '../../src/server/accounts';
import { importPlan } from '../../src/server/plan-import';
import demoFile from '../../src/demo/tokyo-r6.plan.json';
import { describeEachStorage } from './backends';
import { client, OTHER_BRANCH, OTHER_PLAN, PASSWORD, startTestServer, T0, type TestServer } from './helpers';

const parsed = parsePlanFile(demoFile);
if (!parsed.ok) throw new Error('demo plan does not parse');
const planFile = parsed.file;

function importAs(s: TestServer, branchId: string, planId: string) {
  let n = 0;
  return importPlan(s.storage, { branchId, planId, file: planFile, now: T0, author: '取込', newId: () => `${planId}/note-${++n}` });
}

function newPlan(id: string, branchId: string) {
  return { id, branchId, branch: '東京支部', fiscalYear: 2025, title: '令和7年度 事業計画', periodKind: 'half', demo: false, deleted: false };
}

describeEachStorage('ownership', (openStorage) => {
  let s: TestServer;
  beforeEach(async () => {
    s = await startTestServer({ openStorage });
  });
  afterEach(async () => {
    await s.storage.close();
  });

  it('S33: a rejected plan mutation naming a branch teaches the server nothing: the plan imported later under that id stays its branch’s', async () => {
    const admin = await s.login('admin@test');
    const a = client('tokyo-admin');
    const poison = await s.post(
      '/api/sync',
      {
        protocolVersion: 3,
        clientId: a.clientId,
        cursor: null,
        mutations: [a.m({ table: 'plans', recordId: 'osaka-2025', planId: 'osaka-2025', changes: { branchId: 'demo-tokyo' }, create: null })],
      },
      admin,
    );
    // Rejected (before plan ids had namespaces) or refused: either way nothing is applied.
    expect(poison.status === 403 || poison.json.results[0].status === 'rejected').toBe(true);
    await importAs(s, OTHER_BRANCH, 'osaka-2025');

    const item = 'osaka-2025/p1-s1-i1';
    const progress = progressId(item, '2024-H1');
    const before = await s.record('progress', progress);
    expect(before).toBeDefined();
    const staff = await s.login('staff@demo');
    const st = client('tokyo-staff');
    // With the right base (an edit), and with a wrong one (a conflict copying osaka's text).
    for (const base of [{ done: before?.done }, { done: 'not what the server has' }]) {
      const edit = await s.post(
        '/api/sync',
        {
          protocolVersion: 3,
          clientId: st.clientId,
          cursor: null,
          mutations: [st.m({ recordId: progress, planId: 'osaka-2025', changes: { done: '東京が書いた' }, base })],
        },
        staff,
      );
      expect(edit.status).toBe(403);
    }
    const lead = await s.login('lead@demo');
    const l = client('tokyo-lead');
    const del = await s.post(
      '/api/sync',
      {
        protocolVersion: 3,
        clientId: l.clientId,
        cursor: null,
        mutations: [l.m({ table: 'sections', recordId: 'osaka-2025/p1', planId: 'osaka-2025', changes: { deleted: true }, base: { deleted: false } })],
      },
      lead,
    );
    expect(del.status).toBe(403);

    expect(await s.record('progress', progress)).toEqual(before);
    expect((await s.storage.getRecord('progress', progress))?.branchId).toBe(OTHER_BRANCH);
    const tokyoPull = await s.pullAll(staff, 'tokyo-pull');
    expect(tokyoPull.changes.filter((c) => JSON.stringify(c.record).includes('osaka-2025'))).toEqual([]);
  });

  it('S33: a rejected plan mutation in the branch’s own namespace teaches nothing either: a branch added later imports the id and keeps it', async () => {
    // An admin of osaka claims osaka-kita-2025 while no branch osaka-kita exists (so the id is osaka's).
    const osakaAdmin = await createUser(s.storage, { email: 'osaka-admin@test', name: '大阪 管理', password: PASSWORD }, T0);
    await s.storage.setMembership({ userId: osakaAdmin.id, branchId: OTHER_BRANCH, role: 'admin' });
    const token = await s.login('osaka-admin@test');
    const a = client('osaka-admin');
    const poison = await s.sync(token, {
      clientId: a.clientId,
      mutations: [a.m({ table: 'plans', recordId: 'osaka-kita-2025', planId: 'osaka-kita-2025', changes: { branchId: OTHER_BRANCH }, create: null })],
    });
    expect(poison.results[0]?.status).toBe('rejected');
    await s.storage.addBranch({ id: 'osaka-kita', name: '大阪北', createdAt: T0.toISOString() });
    await importAs(s, 'osaka-kita', 'osaka-kita-2025');
    const lead = await s.login('other@test');
    const l = client('osaka-lead');
    const progress = progressId('osaka-kita-2025/p1-s1-i1', '2024-H1');
    const before = await s.record('progress', progress);
    const edit = await s.post(
      '/api/sync',
      {
        protocolVersion: 3,
        clientId: l.clientId,
        cursor: null,
        mutations: [l.m({ recordId: progress, planId: 'osaka-kita-2025', changes: { done: '大阪が書いた' }, base: { done: before?.done } })],
      },
      lead,
    );
    expect(edit.status).toBe(403);
    expect(await s.record('progress', progress)).toEqual(before);
    expect((await s.pullAll(lead, 'osaka-pull')).changes.filter((c) => JSON.stringify(c.record).includes('osaka-kita-2025'))).toEqual([]);
  });

  it('S34: a plan create names an id of its own branch: another branch’s prefix (osaka-2025x) is refused, its own is taken', async () => {
    const admin = await s.login('admin@test');
    const a = client('tokyo-admin');
    for (const id of ['osaka-2025x', 'osaka-2025', 'tokyo-2025', '2025', 'demo-tokyo']) {
      const res = await s.post(
        '/api/sync',
        {
          protocolVersion: 3,
          clientId: a.clientId,
          cursor: null,
          mutations: [a.m({ table: 'plans', recordId: id, planId: id, changes: {}, create: newPlan(id, 'demo-tokyo') })],
        },
        admin,
      );
      expect(res.status, id).toBe(403);
      expect(res.json.error.message, id).toContain('demo-tokyo-');
    }
    expect(await s.record('plans', 'osaka-2025x')).toBeUndefined();
    // The client's next-year id (<branch>-<year>) fits.
    const ok = await s.sync(admin, {
      clientId: a.clientId,
      mutations: [
        a.m({ table: 'plans', recordId: 'demo-tokyo-2025', planId: 'demo-tokyo-2025', changes: {}, create: newPlan('demo-tokyo-2025', 'demo-tokyo') }),
      ],
    });
    expect(ok.results[0]?.status).toBe('applied');
    expect((await s.storage.getRecord('plans', 'demo-tokyo-2025'))?.branchId).toBe('demo-tokyo');
  });

  it('S35: a record cannot be created in another plan’s namespace, so nobody blocks that plan’s import', async () => {
    const lead = await s.login('lead@demo');
    const l = client('tokyo-lead');
    const squat = 'osaka-2025/p1-s1-i1';
    const res = await s.post(
      '/api/sync',
      {
        protocolVersion: 3,
        clientId: l.clientId,
        cursor: null,
        mutations: [
          l.m({
            table: 'items',
            recordId: squat,
            planId: DEMO_PLAN_ID,
            changes: {},
            base: {},
            create: { id: squat, planId: DEMO_PLAN_ID, sectionId: `${DEMO_PLAN_ID}/p1-s1`, label: '①', text: '先取り' },
          }),
        ],
      },
      lead,
    );
    expect(res.status).toBe(403);
    expect(await s.storage.getRecord('items', squat)).toBeUndefined();
    await expect(importAs(s, OTHER_BRANCH, 'osaka-2025')).resolves.toBeGreaterThan(0);
  });

  it('S34: an import takes only an id of its branch, the longest branch prefix deciding', async () => {
    await expect(importAs(s, OTHER_BRANCH, 'demo-tokyo-2030')).rejects.toThrow('demo-tokyo');
    await expect(importAs(s, 'demo-tokyo', 'osaka-2030')).rejects.toThrow('osaka');
    await s.storage.addBranch({ id: 'osaka-kita', name: '大阪北', createdAt: T0.toISOString() });
    await expect(importAs(s, OTHER_BRANCH, 'osaka-kita-2025')).rejects.toThrow('osaka-kita');
    await importAs(s, 'osaka-kita', 'osaka-kita-2025');
    await importAs(s, OTHER_BRANCH, 'osaka-2025');
    expect((await s.storage.getRecord('plans', 'osaka-kita-2025'))?.branchId).toBe('osaka-kita');
    expect((await s.storage.getRecord('plans', 'osaka-2025'))?.branchId).toBe(OTHER_BRANCH);
  });

  it('S35: a record committed under another plan is never taken over: not by a create, a conflict resolve or a tombstone', async () => {
    const lead = await s.login('lead@demo');
    const l = client('tokyo-lead');
    const section = `${OTHER_PLAN}/p1`;
    const stored = await s.record('sections', section);
    const attempts = [
      l.m({
        table: 'sections',
        recordId: section,
        planId: DEMO_PLAN_ID,
        changes: { title: '乗っ取り' },
        base: {},
        create: { ...stored, planId: DEMO_PLAN_ID, parentId: null },
      }),
      l.m({ table: 'sections', recordId: section, planId: DEMO_PLAN_ID, changes: { deleted: true }, base: { deleted: false } }),
      l.m({ table: 'sections', recordId: section, planId: OTHER_PLAN, changes: { deleted: true }, base: { deleted: false } }),
    ];
    for (const m of attempts) {
      const res = await s.post('/api/sync', { protocolVersion: 3, clientId: l.clientId, cursor: null, mutations: [m] }, lead);
      expect(res.status).toBe(403);
    }
    // A conflict of osaka's, resolved by tokyo's lead naming tokyo's plan.
    const other = await s.login('other@test');
    const o = client('osaka-lead');
    const item = `${OTHER_PLAN}/p1-s1-i1`;
    const made = await s.sync(other, {
      clientId: o.clientId,
      mutations: [o.m({ table: 'items', recordId: item, planId: OTHER_PLAN, changes: { text: '大阪の文' }, base: { text: 'ちがう' } })],
    });
    expect(made.results[0]?.status).toBe('conflict');
    const conflict = made.changes.find((c) => c.table === 'conflicts');
    expect(conflict).toBeDefined();
    const resolve = await s.post(
      '/api/sync',
      {
        protocolVersion: 3,
        clientId: l.clientId,
        cursor: null,
        mutations: [l.m({ table: 'conflicts', recordId: conflict!.id, planId: DEMO_PLAN_ID, changes: { resolved: true }, base: { resolved: false } })],
      },
      lead,
    );
    expect(resolve.status).toBe(403);
    expect(await s.record('sections', section)).toEqual(stored);
    expect((await s.record('conflicts', conflict!.id))?.resolved).toBe(false);
  });
});
