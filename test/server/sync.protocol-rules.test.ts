// Rules of docs/sync-protocol.md that no other test proved: a seq reused by another mutation, a
// change that leaves every value as it was (no history row), and the order of checks on
// /api/sync, each case built so that a different order would give another status.
import { beforeEach, expect, it } from 'vitest';
import { DEMO_PLAN_ID } from '../../src/model/demo';
import { LIMITS, PROTOCOL_VERSION } from '../../src/model/protocol';
import { progressId } from '../../src/model/schemas';
import { client, ITEM, OTHER_ITEM, OTHER_PLAN, progressCreate, startTestServer, type TestServer } from './helpers';

const H1 = progressId(ITEM, '2024-H1');
let s: TestServer;
let staff: string;

beforeEach(async () => {
  s = await startTestServer();
  staff = await s.login('staff@demo');
});

it('S3: answers a seq used again by another mutation rejected, with a reason, applying nothing of it', async () => {
  const c = client();
  const first = c.m({ changes: { done: 'A' }, base: { done: (await s.record('progress', H1))!.done } });
  await s.sync(staff, { clientId: c.clientId, mutations: [first] });
  const version = await s.storage.branchVersions(['demo-tokyo']).then((v) => v['demo-tokyo']);
  const other = { ...c.m({ changes: { next: 'B' }, base: { next: (await s.record('progress', H1))!.next } }), seq: first.seq };
  const res = await s.sync(staff, { clientId: c.clientId, mutations: [other] });
  expect(res.results).toEqual([{ mutationId: other.id, status: 'rejected', reason: expect.stringContaining(`seq ${first.seq}`) }]);
  expect(await s.storage.branchVersions(['demo-tokyo']).then((v) => v['demo-tokyo'])).toBe(version);
  expect((await s.record('progress', H1))!.next).not.toBe('B');
});

it('S17: writes no history row for a change that leaves every value as it was', async () => {
  const lead = await s.login('lead@demo');
  const c = client();
  const plan = (await s.record('plans', DEMO_PLAN_ID))!;
  const progress = (await s.record('progress', H1))!;
  // A title trimmed back to itself by the schema, and a value the server already has.
  const title = { table: 'plans' as const, recordId: DEMO_PLAN_ID, planId: DEMO_PLAN_ID };
  const trimmed = c.m({ ...title, changes: { title: ` ${String(plan.title)} ` }, base: { title: plan.title } });
  const same = c.m({ changes: { done: progress.done }, base: { done: 'whatever the device had' } });
  const res = await s.sync(lead, { clientId: c.clientId, mutations: [trimmed, same] });
  expect(res.results.map((r) => r.status)).toEqual(['applied', 'applied']);
  expect(await s.record('plans', DEMO_PLAN_ID)).toMatchObject({ title: plan.title });
  expect(await s.record('history', `history:${trimmed.id}`)).toBeUndefined();
  expect(await s.record('history', `history:${same.id}`)).toBeUndefined();
});

it('S43: checks the token, then the body’s size, the JSON, the protocol version, the shape, and each mutation’s authorization before its values', async () => {
  const c = client();
  const body = (mutations: unknown, extra = {}) => ({ protocolVersion: PROTOCOL_VERSION, clientId: c.clientId, cursor: null, mutations, ...extra });
  const send = async (text: string, token: string | null = staff) => {
    const res = await s.app.request('/api/sync', { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {}, body: text });
    return { status: res.status, error: ((await res.json()) as { error: { code: string; mutationId?: string } }).error };
  };
  const oversizedJunk = `{${'x'.repeat(LIMITS.requestBytes)}`;
  const version = await s.storage.branchVersions(['demo-tokyo']).then((v) => v['demo-tokyo']);

  expect((await send(oversizedJunk, null)).status).toBe(401);
  expect((await send(oversizedJunk)).status).toBe(413);
  expect((await send('{"protocolVersion": 99, "mutations": ')).status).toBe(400);
  expect(await send(JSON.stringify(body({ not: 'a list' }, { protocolVersion: PROTOCOL_VERSION + 1 })))).toMatchObject({ status: 426 });
  expect(await send(JSON.stringify(body({ not: 'a list' })))).toMatchObject({ status: 400, error: { code: 'bad_request' } });

  // A mutation of another branch carrying a value its field refuses: authorization comes first.
  const forged = c.m({ ...progressCreate(OTHER_ITEM, '2024-H2', { done: 42 }, OTHER_PLAN) });
  expect(await send(JSON.stringify(body([forged])))).toMatchObject({ status: 403, error: { code: 'forbidden', mutationId: forged.id } });
  // Mutation by mutation: a refused value before a forged mutation is the answer, and after one it is not.
  const badValue = c.m({ changes: { evaluation: { a: 1 } }, base: { evaluation: '○' } });
  expect(await send(JSON.stringify(body([badValue, forged])))).toMatchObject({ status: 400, error: { code: 'bad_request', mutationId: badValue.id } });
  expect(await send(JSON.stringify(body([forged, badValue])))).toMatchObject({ status: 403, error: { code: 'forbidden', mutationId: forged.id } });
  expect(await s.storage.branchVersions(['demo-tokyo']).then((v) => v['demo-tokyo'])).toBe(version);
});
