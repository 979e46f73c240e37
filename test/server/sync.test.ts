// /api/sync through app.request: applying, replays, field conflicts, natural-key creates,
// notes, tombstones, history, server stamps, paging, cursors and resets.
import { beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PLAN_ID } from '../../src/model/demo';
import { conflictSchema, historySchema, noteSchema, progressId, progressSchema } from '../../src/model/schemas';
import { client, ITEM, ITEM2, OTHER_BRANCH, progressCreate, startTestServer, T0, type TestServer } from './helpers';

const H1 = progressId(ITEM, '2024-H1');
let s: TestServer;
let staff: string;
let lead: string;

beforeEach(async () => {
  s = await startTestServer();
  staff = await s.login('staff@demo');
  lead = await s.login('lead@demo');
});

describe('applying mutations', () => {
  it('S7, S20: applies an edit, stamps it with the server clock and the user, and pulls it back as stored', async () => {
    const c = client();
    s.advance(60_000);
    const res = await s.sync(staff, {
      clientId: c.clientId,
      mutations: [
        c.m({ changes: { done: '訪問した', updatedBy: 'mallory', updatedAt: '1999-01-01' }, base: { done: (await s.record('progress', H1))!.done } }),
      ],
    });
    expect(res.results).toEqual([{ mutationId: expect.any(String), status: 'applied' }]);
    const stored = progressSchema.parse(await s.record('progress', H1));
    expect(stored).toMatchObject({ done: '訪問した', evaluation: '○', updatedBy: 'デモ 担当', updatedAt: new Date(T0.getTime() + 60_000).toISOString() });
    const pulled = res.changes.find((ch) => ch.table === 'progress' && ch.id === H1);
    expect(pulled?.record).toEqual(stored);
  });

  it('S17: writes a history row naming who changed which field from what to what', async () => {
    const c = client();
    const m = c.m({ changes: { evaluation: '△' }, base: { evaluation: '○' } });
    await s.sync(staff, { clientId: c.clientId, mutations: [m] });
    const history = historySchema.parse(await s.record('history', `history:${m.id}`));
    expect(history).toEqual({
      id: `history:${m.id}`,
      planId: DEMO_PLAN_ID,
      table: 'progress',
      recordId: H1,
      itemId: ITEM,
      changes: { evaluation: { from: '○', to: '△' } },
      by: 'デモ 担当',
      at: T0.toISOString(),
    });
  });

  it('S17: records every field a create set in its history row (its empty defaults left out)', async () => {
    const c = client();
    const m = c.m(progressCreate(ITEM, '2024-H2', { evaluation: '○', done: 'した' }));
    await s.sync(staff, { clientId: c.clientId, mutations: [m] });
    const history = historySchema.parse(await s.record('history', `history:${m.id}`));
    expect(history.changes).toEqual({
      planId: { from: null, to: DEMO_PLAN_ID },
      itemId: { from: null, to: ITEM },
      periodId: { from: null, to: '2024-H2' },
      evaluation: { from: null, to: '○' },
      done: { from: null, to: 'した' },
    });
  });

  it('S2: applies a replayed batch only once and answers it as the first time', async () => {
    const c = client();
    const batch = [
      c.m({ changes: { done: 'A' }, base: { done: (await s.record('progress', H1))!.done } }),
      c.m({ changes: { next: 'B' }, base: { next: (await s.record('progress', H1))!.next } }),
    ];
    const first = await s.sync(staff, { clientId: c.clientId, mutations: batch });
    const versionAfterFirst = await s.storage.branchVersions(['demo-tokyo']).then((v) => v['demo-tokyo']);
    const dumpAfterFirst = await s.storage.dump();
    s.advance(1000);
    const again = await s.sync(staff, { clientId: c.clientId, mutations: batch });
    expect(again.results).toEqual(first.results);
    expect(await s.storage.branchVersions(['demo-tokyo']).then((v) => v['demo-tokyo'])).toBe(versionAfterFirst);
    expect(await s.storage.dump()).toEqual(dumpAfterFirst);
  });

  it('S2: applies the new mutations of a batch that repeats some already applied', async () => {
    const c = client();
    const a = c.m({ changes: { done: 'A' }, base: { done: (await s.record('progress', H1))!.done } });
    await s.sync(staff, { clientId: c.clientId, mutations: [a] });
    const b = c.m({ changes: { done: 'B' }, base: { done: 'A' } });
    const res = await s.sync(staff, { clientId: c.clientId, mutations: [a, b] });
    expect(res.results.map((r) => r.status)).toEqual(['applied', 'applied']);
    expect((await s.record('progress', H1))!.done).toBe('B');
  });

  it('S2: keeps replay state per user of a device, so a second user of the device is not mistaken for a replay', async () => {
    const c = client();
    await s.sync(staff, { clientId: c.clientId, mutations: [c.m({ changes: { done: 'A' }, base: { done: (await s.record('progress', H1))!.done } })] });
    const res = await s.sync(lead, { clientId: c.clientId, mutations: [{ ...c.m({ changes: { done: 'L' }, base: { done: 'A' } }), seq: 1 }] });
    expect(res.results[0]!.status).toBe('applied');
    expect((await s.record('progress', H1))!.done).toBe('L');
  });

  it('S8, S18: rejects (with a reason, applying nothing) a change of an identity field', async () => {
    const c = client();
    const res = await s.sync(staff, { clientId: c.clientId, mutations: [c.m({ changes: { itemId: ITEM2 }, base: { itemId: ITEM } })] });
    expect(res.results[0]).toMatchObject({ status: 'rejected', reason: '記録を識別する値（itemId）は変更できません (itemId cannot be changed)' });
  });

  it('S11: rejects a record that names an item the plan does not have', async () => {
    const c = client();
    const res = await s.sync(staff, { clientId: c.clientId, mutations: [c.m(progressCreate(`${DEMO_PLAN_ID}/nope`, '2024-H1', { done: 'x' }))] });
    expect(res.results[0]).toMatchObject({ status: 'rejected', reason: expect.stringContaining('itemId') });
    expect(await s.record('progress', progressId(`${DEMO_PLAN_ID}/nope`, '2024-H1'))).toBeUndefined();
  });
});

describe('conflicts', () => {
  it('S4, S16: keeps the first edit of a field and turns the second into a conflict record that syncs to everyone', async () => {
    const a = client('a');
    const b = client('b');
    const base = (await s.record('progress', H1))!.done;
    await s.sync(staff, { clientId: a.clientId, mutations: [a.m({ changes: { done: 'A の記録' }, base: { done: base } })] });
    s.advance(5000);
    const mb = b.m({
      changes: { done: 'B の記録', next: 'B の予定' },
      base: { done: base, next: (await s.record('progress', H1))!.next },
      madeAt: '2026-05-01T08:30:00.000Z',
    });
    const res = await s.sync(lead, { clientId: b.clientId, mutations: [mb] });
    expect(res.results).toEqual([{ mutationId: mb.id, status: 'conflict' }]);
    expect(await s.record('progress', H1)).toMatchObject({ done: 'A の記録', next: 'B の予定', updatedBy: 'デモ リーダー' });
    const conflict = conflictSchema.parse(await s.record('conflicts', `conflict:${mb.id}:done`));
    expect(conflict).toEqual({
      id: `conflict:${mb.id}:done`,
      planId: DEMO_PLAN_ID,
      table: 'progress',
      recordId: H1,
      itemId: ITEM,
      field: 'done',
      baseValue: base,
      serverValue: 'A の記録',
      serverBy: 'デモ 担当',
      serverAt: T0.toISOString(),
      clientValue: 'B の記録',
      clientBy: 'デモ リーダー',
      clientAt: '2026-05-01T08:30:00.000Z',
      resolved: false,
      updatedAt: new Date(T0.getTime() + 5000).toISOString(),
      updatedBy: 'デモ リーダー',
    });
    // The staff member who "won" sees the conflict on the next pull.
    const pulled = await s.pullAll(staff, a.clientId);
    expect(pulled.changes.some((ch) => ch.table === 'conflicts' && ch.id === conflict.id)).toBe(true);
  });

  it('S9: meets two offline creates of the same natural key as one record with a field conflict', async () => {
    const a = client('a');
    const b = client('b');
    const ra = await s.sync(staff, { clientId: a.clientId, mutations: [a.m(progressCreate(ITEM, '2024-H2', { evaluation: '○', done: 'A' }))] });
    const mb = b.m(progressCreate(ITEM, '2024-H2', { evaluation: '△', next: 'B' }));
    const rb = await s.sync(lead, { clientId: b.clientId, mutations: [mb] });
    expect(ra.results[0]!.status).toBe('applied');
    expect(rb.results[0]!.status).toBe('conflict');
    const id = progressId(ITEM, '2024-H2');
    expect(await s.record('progress', id)).toMatchObject({ id, evaluation: '○', done: 'A', next: 'B' });
    const all = await s.storage.recordsOfTable('progress');
    expect(all.filter((r) => r.id === id)).toHaveLength(1);
    expect(await s.record('conflicts', `conflict:${mb.id}:evaluation`)).toMatchObject({ baseValue: null, serverValue: '○', clientValue: '△' });
  });

  it('S7, S13: never conflicts on notes: two devices add notes to one item, and a replayed note is the same note', async () => {
    const a = client('a');
    const b = client('b');
    const note = (id: string, text: string) => ({
      table: 'notes' as const,
      recordId: id,
      planId: DEMO_PLAN_ID,
      changes: { planId: DEMO_PLAN_ID, itemId: ITEM, date: '2026-04-30', author: 'who', text },
      base: {},
      create: { id, planId: DEMO_PLAN_ID, itemId: ITEM, date: '2026-04-30', author: 'who', text, createdAt: '2000-01-01' },
    });
    const ra = await s.sync(staff, { clientId: a.clientId, mutations: [a.m(note('note-a', '訪問A'))] });
    const rb = await s.sync(lead, { clientId: b.clientId, mutations: [b.m(note('note-b', '訪問B'))] });
    const again = await s.sync(staff, { clientId: a.clientId, mutations: [a.m(note('note-a', '訪問A 改'))] });
    expect([ra, rb, again].map((r) => r.results[0]!.status)).toEqual(['applied', 'applied', 'applied']);
    expect(noteSchema.parse(await s.record('notes', 'note-a'))).toEqual({
      id: 'note-a',
      planId: DEMO_PLAN_ID,
      itemId: ITEM,
      date: '2026-04-30',
      author: 'デモ 担当',
      // The account, stamped by the server whatever the create said (S13).
      authorId: expect.any(String),
      text: '訪問A',
      createdAt: T0.toISOString(),
      // Stamped as every record is, so a later correction (S13) has a before to differ from.
      updatedAt: T0.toISOString(),
      updatedBy: 'デモ 担当',
    });
    expect(await s.record('notes', 'note-b')).toMatchObject({ author: 'デモ リーダー', text: '訪問B' });
    expect(await s.storage.recordsOfTable('conflicts')).toEqual([]);
  });

  it('S16: lets a lead resolve a conflict, and the resolution syncs', async () => {
    const a = client('a');
    const b = client('b');
    const base = (await s.record('progress', H1))!.done;
    await s.sync(staff, { clientId: a.clientId, mutations: [a.m({ changes: { done: 'A' }, base: { done: base } })] });
    const mb = b.m({ changes: { done: 'B' }, base: { done: base } });
    await s.sync(lead, { clientId: b.clientId, mutations: [mb] });
    const conflictId = `conflict:${mb.id}:done`;
    const res = await s.sync(lead, {
      clientId: b.clientId,
      mutations: [b.m({ table: 'conflicts', recordId: conflictId, changes: { resolved: true }, base: { resolved: false } })],
    });
    expect(res.results[0]!.status).toBe('applied');
    expect(await s.record('conflicts', conflictId)).toMatchObject({ resolved: true, updatedBy: 'デモ リーダー' });
  });
});

describe('tombstones', () => {
  it('S14: syncs a delete as a record with deleted: true', async () => {
    const c = client();
    const { cursor } = await s.pullAll(staff, c.clientId);
    await s.sync(lead, {
      clientId: client('lead').clientId,
      mutations: [c.m({ table: 'items', recordId: ITEM2, changes: { deleted: true }, base: { deleted: false } })],
    });
    const res = await s.sync(staff, { clientId: c.clientId, cursor });
    const item = res.changes.find((ch) => ch.table === 'items' && ch.id === ITEM2);
    expect(item?.record).toMatchObject({ id: ITEM2, deleted: true, updatedBy: 'デモ リーダー' });
    expect(await s.record('items', ITEM2)).toBeDefined();
  });
});

describe('pulls', () => {
  it('S20: pages by version with hasMore and a cursor, each record once, only from the token’s branches', async () => {
    const c = client();
    const { changes, pages } = await s.pullAll(staff, c.clientId, null, 50);
    const own = (await s.storage.dump()).records!.filter((r) => (r as { branch_id: string }).branch_id !== OTHER_BRANCH);
    expect(changes).toHaveLength(own.length);
    expect(pages).toBe(Math.ceil(own.length / 50) + (own.length % 50 === 0 ? 1 : 0));
    const versions = changes.map((ch) => ch.version);
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    expect(new Set(changes.map((ch) => `${ch.table}/${ch.id}`)).size).toBe(changes.length);
    expect(changes.every((ch) => ch.table !== 'plans' || ch.record.branchId === 'demo-tokyo')).toBe(true);
    expect(changes.some((ch) => ch.id.startsWith('osaka'))).toBe(false);
  });

  it('S48: says the version per branch its cursor stands for, page by page: the last change it sent, never more', async () => {
    const c = client();
    let cursor: string | null = null;
    let before = 0;
    for (let page = 0; page < 100; page++) {
      const res = await s.sync(staff, { clientId: c.clientId, cursor, pullLimit: 25 });
      // Only the token's branch, as the cursor names it (its last part, in base 36).
      expect(Object.keys(res.versions!)).toEqual(['demo-tokyo']);
      expect(res.versions!['demo-tokyo']).toBe(Number.parseInt(res.cursor.split(':').at(-1)!, 36));
      expect(res.versions!['demo-tokyo']).toBe(res.changes.length ? res.changes.at(-1)!.version : before);
      before = res.versions!['demo-tokyo']!;
      cursor = res.cursor;
      if (!res.hasMore) break;
    }
    // A colleague's commit after the last page: the next answer reaches exactly its version.
    const pushed = await s.sync(lead, {
      clientId: client('lead').clientId,
      mutations: [c.m({ changes: { next: '次' }, base: { next: (await s.record('progress', H1))!.next } })],
    });
    const next = await s.sync(staff, { clientId: c.clientId, cursor });
    expect(next.versions).toEqual(pushed.versions);
    expect(next.versions!['demo-tokyo']).toBe(next.changes.at(-1)!.version);
  });

  it('S20: returns only what changed after the cursor, and the same cursor when nothing did', async () => {
    const c = client();
    const { cursor } = await s.pullAll(staff, c.clientId);
    const idle = await s.sync(staff, { clientId: c.clientId, cursor });
    expect(idle).toMatchObject({ changes: [], cursor, hasMore: false, reset: false });
    await s.sync(lead, {
      clientId: client('lead').clientId,
      mutations: [c.m({ changes: { next: '次' }, base: { next: (await s.record('progress', H1))!.next } })],
    });
    const next = await s.sync(staff, { clientId: c.clientId, cursor });
    expect(next.changes.map((ch) => ch.table).sort()).toEqual(['history', 'progress']);
    expect(next.cursor).not.toBe(cursor);
  });

  it('S20: moves a record changed during paging to the end, so it is never skipped', async () => {
    const c = client();
    const first = await s.sync(staff, { clientId: c.clientId, pullLimit: 5 });
    // H1 was stored early (version ≤ the first page's) and changes now: it must come again.
    await s.sync(lead, {
      clientId: client('lead').clientId,
      mutations: [c.m({ changes: { next: '後で' }, base: { next: (await s.record('progress', H1))!.next } })],
    });
    const rest = await s.pullAll(staff, c.clientId, first.cursor);
    expect(rest.changes.filter((ch) => ch.id === H1).map((ch) => ch.record.next)).toEqual(['後で']);
  });

  it.each([['garbage'], ['v1.-1'], ['v2.10'], ['v1.99999999'], ['v2.another.-.demo-tokyo:1'], ['v2..-.'], ['v3.x.-.']])(
    'S21: resets on a cursor it cannot have made: %s',
    async (cursor) => {
      const res = await s.sync(staff, { clientId: client().clientId, cursor, pullLimit: 10 });
      expect(res.reset).toBe(true);
      expect(res.changes[0]!.version).toBe(1);
      expect(res.hasMore).toBe(true);
    },
  );

  it('S21: does not reset on a cursor it made, and goes on after it', async () => {
    const first = await s.sync(staff, { clientId: client().clientId, cursor: null, pullLimit: 10 });
    expect(first.cursor).toMatch(/^v2\./);
    const res = await s.sync(staff, { clientId: client().clientId, cursor: first.cursor, pullLimit: 10 });
    expect(res.reset).toBe(false);
    expect(res.changes[0]!.version).toBe(first.changes.at(-1)!.version + 1);
  });

  it('S21: takes a cursor of the release before per-branch versions at or below the counter it left, as that version in every branch', async () => {
    // Another server on a database whose migration 004 left the old counter at the 30th change.
    const before = await startTestServer();
    try {
      const token = await before.login('staff@demo');
      const all = (await before.storage.changesSince({ 'demo-tokyo': 0 }, 100_000)).records;
      const limit = all[29]!.version;
      // Read by the server once, at its first sync.
      await before.storage.setMeta('v1CursorLimit', String(limit));
      const old = await before.sync(token, { clientId: client().clientId, cursor: `v1.${all[19]!.version}` });
      expect(old.reset).toBe(false);
      expect(old.changes.map((ch) => ch.id)).toEqual(all.slice(20, 20 + old.changes.length).map((r) => r.id));
      expect(old.cursor).toMatch(/^v2\./);
      for (const beyond of [`v1.${limit + 1}`, `v1.${limit}.epoch`])
        expect((await before.sync(token, { clientId: client().clientId, cursor: beyond, pullLimit: 5 })).reset).toBe(true);
    } finally {
      await before.storage.close();
    }
  });

  it('S20: includes the server’s version of the client’s own mutation in the same round trip', async () => {
    const c = client();
    const { cursor } = await s.pullAll(staff, c.clientId);
    const m = c.m({ changes: { evaluation: '－' }, base: { evaluation: '○' } });
    const res = await s.sync(staff, { clientId: c.clientId, cursor, mutations: [m] });
    expect(res.changes.map((ch) => [ch.table, ch.id])).toEqual([
      ['progress', H1],
      ['history', `history:${m.id}`],
    ]);
  });
});

describe('plans', () => {
  it('S32, S34: lets an admin create a plan in their branch with its sections in one batch', async () => {
    const admin = await s.login('admin@test');
    const c = client('admin');
    const plan = {
      id: 'demo-tokyo-new',
      branchId: 'demo-tokyo',
      branch: '東京支部',
      fiscalYear: 2025,
      title: '令和7年度',
      periodKind: 'half',
      demo: false,
      deleted: false,
    };
    const section = { id: 'demo-tokyo-new/s1', planId: 'demo-tokyo-new', parentId: null, label: '１．', title: '柱', order: 'a0', deleted: false };
    const { id: _p, ...planFields } = plan;
    const { id: _s, ...sectionFields } = section;
    const res = await s.sync(admin, {
      clientId: c.clientId,
      mutations: [
        c.m({ table: 'plans', recordId: 'demo-tokyo-new', planId: 'demo-tokyo-new', changes: planFields, base: {}, create: plan }),
        c.m({ table: 'sections', recordId: section.id, planId: 'demo-tokyo-new', changes: sectionFields, base: {}, create: section }),
      ],
    });
    expect(res.results.map((r) => r.status)).toEqual(['applied', 'applied']);
    const staffView = await s.pullAll(staff, client().clientId);
    expect(staffView.changes.filter((ch) => ch.id === 'demo-tokyo-new' || ch.record.planId === 'demo-tokyo-new').map((ch) => ch.table)).toEqual([
      'plans',
      'history',
      'sections',
      'history',
    ]);
  });
});
