// Every stored value passes its field's schema and limits, conflicts and history included, and
// unknown fields are refused; pull pages are bounded in bytes as well as in count. Reproductions
// of issue 10, item 2 (a 1.9 MB conflict, any type or invented field stored as a conflict, one
// 217 MB first pull).
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DEMO_PLAN_ID } from '../../src/model/demo';
import { LIMITS, progressId, RECORD_SCHEMAS } from '../../src/model/schemas';
import { PULL_PAGE_BYTES } from '../../src/server/sync';
import { describeEachStorage } from './backends';
import { client, ITEM, startTestServer, type TestServer } from './helpers';

const PROGRESS = progressId(ITEM, '2024-H1');

describeEachStorage('limits', (openStorage) => {
  let s: TestServer;
  beforeEach(async () => {
    s = await startTestServer({ openStorage });
  });
  afterEach(async () => {
    await s.storage.close();
  });

  async function send(token: string, c: ReturnType<typeof client>, m: Parameters<ReturnType<typeof client>['m']>[0]) {
    return s.post('/api/sync', { protocolVersion: 3, clientId: c.clientId, cursor: null, mutations: [c.m(m)] }, token);
  }

  it('S15: refuses hostile values and invented fields, with a wrong base (a conflict) as with a right one, storing nothing', async () => {
    const staff = await s.login('staff@demo');
    const c = client('hostile');
    const version = await s.storage.branchVersions(['demo-tokyo']).then((v) => v['demo-tokyo']);
    const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
      ['1.9 million characters', { done: 'A'.repeat(1_900_000) }, { done: 'not the server value' }],
      ['just over the limit', { next: 'あ'.repeat(LIMITS.longText + 1) }, { next: 'x' }],
      ['a number for a text', { done: 42 }, { done: 'x' }],
      ['an object for an evaluation', { evaluation: { a: 1 } }, { evaluation: '○' }],
      ['an invented field', { bogus: 'x' }, { bogus: 'y' }],
      ['an invented field, right base', { bogus: 'x' }, {}],
      ['a hostile base', { done: 'ok' }, { done: 'B'.repeat(LIMITS.longText + 1) }],
      ['an invented base field', { done: 'ok' }, { bogus: 1 }],
    ];
    for (const [name, changes, base] of cases) {
      const res = await send(staff, c, { recordId: PROGRESS, changes, base });
      expect(res.status, name).toBe(400);
      expect(res.json.error.code, name).toBe('bad_request');
      expect(res.json.error.mutationId, name).toBeDefined();
    }
    const create = await send(staff, c, {
      recordId: progressId(ITEM, '2024-H2'),
      changes: { done: 'x' },
      base: {},
      create: {
        id: progressId(ITEM, '2024-H2'),
        planId: DEMO_PLAN_ID,
        itemId: ITEM,
        periodId: '2024-H2',
        evaluation: null,
        done: 'x',
        next: '',
        extra: 'y'.repeat(100_000),
      },
    });
    expect(create.status).toBe(400);
    expect(await s.storage.branchVersions(['demo-tokyo']).then((v) => v['demo-tokyo'])).toBe(version);
  });

  it('S16, S25: keeps a conflict of a valid value whole, its values within the field’s schema', async () => {
    const staff = await s.login('staff@demo');
    const c = client('fine');
    const long = 'い'.repeat(LIMITS.longText);
    const res = await s.sync(staff, {
      clientId: c.clientId,
      mutations: [c.m({ recordId: PROGRESS, changes: { done: long }, base: { done: 'not the server value' } })],
    });
    expect(res.results[0]?.status).toBe('conflict');
    const conflict = res.changes.find((ch) => ch.table === 'conflicts');
    expect(RECORD_SCHEMAS.conflicts.parse(conflict?.record).clientValue).toBe(long);
  });

  it('S24: bounds a pull page in bytes: a fresh device gets every record, no page over the bound, each with at least one change', async () => {
    const lead = await s.login('lead@demo');
    const c = client('big');
    // Items of 20,000 three-byte characters, with control characters (6 bytes in JSON) mixed in.
    const items = (await s.storage.recordsOfTable('items'))
      .filter((r) => r.planId === DEMO_PLAN_ID)
      .slice(0, 6)
      .map((r) => r.id);
    expect(items).toHaveLength(6);
    for (const id of items) {
      const current = await s.record('items', id);
      const text = `${'\u0001'.repeat(5_000)}${'界'.repeat(LIMITS.longText - 5_000)}`;
      const res = await s.sync(lead, {
        clientId: c.clientId,
        mutations: [c.m({ table: 'items', recordId: id, planId: DEMO_PLAN_ID, changes: { text }, base: { text: current?.text } })],
      });
      expect(res.results[0]?.status).toBe('applied');
    }
    const all = (await s.storage.changesSince(Object.fromEntries(['demo-tokyo'].map((b) => [b, 0])), 1_000_000)).records;
    let cursor: string | null = null;
    const seen: string[] = [];
    for (let page = 0; page < 1000; page++) {
      const res = await s.post('/api/sync', { protocolVersion: 3, clientId: 'fresh-device-1', cursor, mutations: [], pullLimit: 1000 }, lead);
      expect(res.status).toBe(200);
      const bytes = Buffer.byteLength(JSON.stringify(res.json.changes));
      expect(res.json.changes.length).toBeGreaterThan(0);
      expect(bytes).toBeLessThanOrEqual(PULL_PAGE_BYTES + 2);
      seen.push(...res.json.changes.map((ch: { id: string }) => ch.id));
      cursor = res.json.cursor;
      if (!res.json.hasMore) break;
    }
    expect(seen.sort()).toEqual(all.map((r) => r.id).sort());
  });
});
