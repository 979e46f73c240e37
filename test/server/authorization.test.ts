// Who may write what: role × table × own or another branch, each case one sync request. An
// allowed mutation is answered 200; a refused one is a 403 naming the mutation, with the
// database byte-for-byte unchanged.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PLAN_ID } from '../../src/model/demo';
import { measurementId, progressId, type Conflict, type RecordTable } from '../../src/model/schemas';
import type { Mutation, Role } from '../../src/sync/protocol';
import { DEMO_BRANCH } from '../../src/server/demo';
import { client, OTHER_BRANCH, OTHER_PLAN, startTestServer, type TestServer } from './helpers';

type Case = 'plans (update)' | 'plans (create)' | Exclude<RecordTable, 'plans'>;
const CASES: Case[] = ['plans (update)', 'plans (create)', 'sections', 'items', 'kpis', 'progress', 'notes', 'measurements', 'conflicts', 'history'];

const ALLOWED_IN_OWN_BRANCH: Record<Role, Case[]> = {
  staff: ['progress', 'notes', 'measurements'],
  lead: ['plans (update)', 'sections', 'items', 'kpis', 'progress', 'notes', 'measurements', 'conflicts'],
  admin: ['plans (update)', 'plans (create)', 'sections', 'items', 'kpis', 'progress', 'notes', 'measurements', 'conflicts'],
};
const USERS: Record<Role, string> = { staff: 'staff@demo', lead: 'lead@demo', admin: 'admin@test' };

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
function mutationFor(kind: Case, planId: string, branchId: string): Omit<Mutation, 'id' | 'seq' | 'madeAt'> {
  const unique = randomUUID();
  switch (kind) {
    case 'plans (update)':
      return { table: 'plans', recordId: planId, planId, changes: { title: `計画 ${unique}` }, base: {}, create: null };
    case 'plans (create)': {
      const id = `plan-${unique}`;
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
      return { table: 'measurements', recordId: measurementId(`${planId}/k-mail-rate`, '2024-06'), planId, changes: { value: Math.random() }, base: {}, create: null };
    case 'conflicts':
      return { table: 'conflicts', recordId: `conflict:seed:${planId}`, planId, changes: { resolved: true }, base: { resolved: false }, create: null };
    case 'history':
      return { table: 'history', recordId: `history:${unique}`, planId, changes: { by: 'me' }, base: {}, create: { id: `history:${unique}`, planId } };
  }
}

let s: TestServer;
const tokens = {} as Record<Role, string>;

beforeAll(async () => {
  s = await startTestServer();
  for (const role of ['staff', 'lead', 'admin'] as Role[]) tokens[role] = await s.login(USERS[role]);
  await s.storage.write(async (tx) => {
    for (const [planId, branchId] of [
      [DEMO_PLAN_ID, DEMO_BRANCH.id],
      [OTHER_PLAN, OTHER_BRANCH],
    ] as const) {
      const c = conflictIn(planId);
      await tx.putRecord({ table: 'conflicts', id: c.id, branchId, planId, data: c, updatedAt: c.updatedAt, updatedBy: c.updatedBy });
    }
  });
});

describe.each(['staff', 'lead', 'admin'] as Role[])('%s', (role) => {
  describe.each([
    ['own branch', DEMO_PLAN_ID, DEMO_BRANCH.id],
    ['another branch', OTHER_PLAN, OTHER_BRANCH],
  ] as const)('in %s', (where, planId, branchId) => {
    it.each(CASES)('%s', async (kind) => {
      const allowed = where === 'own branch' && ALLOWED_IN_OWN_BRANCH[role].includes(kind);
      const c = client(role);
      const m = c.m(mutationFor(kind, planId, branchId));
      // An edit carries the values it replaces, so an allowed one applies cleanly.
      if (m.create === null && m.table !== 'history') {
        const current = await s.record(m.table, m.recordId);
        m.base = Object.fromEntries(Object.keys(m.changes).map((k) => [k, current?.[k] ?? null]));
      }
      const before = s.snapshot();
      const res = await s.post('/api/sync', { protocolVersion: 1, clientId: c.clientId, mutations: [m], cursor: null, pullLimit: 1 }, tokens[role]);
      if (allowed) {
        expect(res.status).toBe(200);
        expect(res.json.results).toEqual([{ mutationId: m.id, status: 'applied' }]);
      } else {
        expect(res.status).toBe(403);
        expect(res.json.error).toMatchObject({ code: 'forbidden', mutationId: m.id });
        expect(s.snapshot().equals(before)).toBe(true);
      }
    });
  });
});
