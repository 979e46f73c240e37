// /api/sync with free texts on SQLite and PostgreSQL: two devices editing different parts of the
// same 実施状況 both keep their text, in either arrival order; overlapping edits stay a conflict;
// the merge work of one request is bounded; and a history row lists only fields that really
// changed (a create only the fields it set).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PLAN_ID } from '../../src/model/demo';
import { conflictSchema, historySchema, progressId } from '../../src/model/schemas';
import { TEXT_MERGE_BUDGET } from '../../src/server/sync';
import { openPostgresStorage } from '../../src/server/storage/postgres';
import type { Storage } from '../../src/server/storage/storage';
import { client, ITEM, ITEM2, progressCreate, startTestServer, type TestServer } from './helpers';
import { describePostgres } from './postgres-env';

const H1 = progressId(ITEM, '2024-H1');

function suite(openStorage: (() => Promise<Storage>) | undefined): void {
  let s: TestServer;
  let staff: string;
  let lead: string;

  beforeEach(async () => {
    s = (await startTestServer(openStorage ? { openStorage } : {})) as unknown as TestServer;
    staff = await s.login('staff@demo');
    lead = await s.login('lead@demo');
  });
  afterEach(async () => {
    await s.storage.close();
  });

  /** Sets H1's 実施状況 to `text` through a device, as the base both devices then start from. */
  async function setDone(text: string): Promise<void> {
    const c = client('setup');
    await s.sync(lead, { clientId: c.clientId, mutations: [c.m({ changes: { done: text }, base: { done: (await s.record('progress', H1))!.done } })] });
  }

  describe('text merge', () => {
    const base = '4月に事業所を訪問した。\n6月に説明会を開いた。';
    const a = '4月に健康宣言事業所を訪問した。\n6月に説明会を開いた。';
    const b = '4月に事業所を訪問した。\n6月に説明会を2回開いた。';
    const merged = '4月に健康宣言事業所を訪問した。\n6月に説明会を2回開いた。';

    for (const order of [
      ['a', 'b'],
      ['b', 'a'],
    ] as const) {
      it(`S5, S17: keeps both edits of different parts of 実施状況 (${order.join(' then ')}), with a history row of what really changed`, async () => {
        await setDone(base);
        const edits = { a: { text: a, token: lead, c: client('a') }, b: { text: b, token: staff, c: client('b') } };
        const [first, second] = order.map((k) => edits[k]);
        const m1 = first!.c.m({ changes: { done: first!.text }, base: { done: base } });
        const m2 = second!.c.m({ changes: { done: second!.text }, base: { done: base } });
        expect((await s.sync(first!.token, { clientId: first!.c.clientId, mutations: [m1] })).results[0]!.status).toBe('applied');
        expect((await s.sync(second!.token, { clientId: second!.c.clientId, mutations: [m2] })).results[0]!.status).toBe('applied');
        expect((await s.record('progress', H1))!.done).toBe(merged);
        const history = historySchema.parse(await s.record('history', `history:${m2.id}`));
        expect(history.changes).toEqual({ done: { from: first!.text, to: merged } });
        expect((await s.storage.recordsOfTable('conflicts')).length).toBe(0);
      });
    }

    it('S5, S16: keeps an overlapping edit as a conflict record, the server keeping the text it has', async () => {
      await setDone(base);
      const ca = client('a');
      const cb = client('b');
      await s.sync(lead, {
        clientId: ca.clientId,
        mutations: [ca.m({ changes: { done: '4月に事業所を訪問した。\n6月に研修会を開いた。' }, base: { done: base } })],
      });
      const mb = cb.m({ changes: { done: '4月に事業所を訪問した。\n6月に勉強会を開いた。' }, base: { done: base } });
      const res = await s.sync(staff, { clientId: cb.clientId, mutations: [mb] });
      expect(res.results[0]!.status).toBe('conflict');
      expect((await s.record('progress', H1))!.done).toBe('4月に事業所を訪問した。\n6月に研修会を開いた。');
      const conflict = conflictSchema.parse(await s.record('conflicts', `conflict:${mb.id}:done`));
      expect(conflict).toMatchObject({
        field: 'done',
        baseValue: base,
        serverValue: '4月に事業所を訪問した。\n6月に研修会を開いた。',
        clientValue: '4月に事業所を訪問した。\n6月に勉強会を開いた。',
      });
    });

    it('S6: bounds the merge work of one request: past the budget a text field becomes a conflict, nothing lost', async () => {
      // Texts near the 20,000-character limit: each merge costs three of them, so the budget runs out part way.
      const long = (k: number) => `${k}${'健康企業宣言の取組を支援する。'.repeat(1333)}`.slice(0, 19_990);
      // Records of periods the demo plan defines (a server refuses others): its two halves of three items.
      const items = [ITEM, ITEM2, `${DEMO_PLAN_ID}/p1-s1-i3`];
      const records = ['2024-H1', '2024-H2'].flatMap((p) => items.map((i) => ({ itemId: i, periodId: p })));
      const setup = client('setup');
      // The demo has some of them already: those are updated from what they hold.
      const before = await Promise.all(records.map((r) => s.record('progress', progressId(r.itemId, r.periodId))));
      await s.sync(lead, {
        clientId: setup.clientId,
        mutations: records.map((r, k) =>
          setup.m({ ...progressCreate(r.itemId, r.periodId, { done: long(k) }), base: before[k] ? { done: before[k]!.done } : {}, changes: { done: long(k) } }),
        ),
      });
      // Another device changed the start of every text meanwhile…
      const other = client('other');
      const current = await Promise.all(records.map(async (r) => (await s.record('progress', progressId(r.itemId, r.periodId)))!.done as string));
      await s.sync(lead, {
        clientId: other.clientId,
        mutations: records.map((r, k) =>
          other.m({ recordId: progressId(r.itemId, r.periodId), changes: { done: `前文。${current[k]}` }, base: { done: current[k] } }),
        ),
      });
      // …and this device appends to each, from the old base: every one needs a merge.
      const c = client('c');
      const res = await s.sync(staff, {
        clientId: c.clientId,
        mutations: records.map((r, k) =>
          c.m({ recordId: progressId(r.itemId, r.periodId), changes: { done: `${current[k]}後文。` }, base: { done: current[k] } }),
        ),
      });
      const perMerge = 3 * 19_990 + '前文。'.length + '後文。'.length;
      const fit = Math.floor(TEXT_MERGE_BUDGET / perMerge);
      expect(fit).toBeGreaterThan(0);
      expect(fit).toBeLessThan(records.length);
      expect(res.results.map((r) => r.status)).toEqual(records.map((_, k) => (k < fit ? 'applied' : 'conflict')));
      for (const [k, r] of records.entries()) {
        const done = (await s.record('progress', progressId(r.itemId, r.periodId)))!.done;
        if (k < fit) expect(done).toBe(`前文。${current[k]}後文。`);
        else expect(done).toBe(`前文。${current[k]}`);
      }
      expect((await s.storage.recordsOfTable('conflicts')).length).toBe(records.length - fit);
    });
  });

  describe('history rows', () => {
    it('S17: list on a create only the fields it set, not the empty ones', async () => {
      const c = client();
      const m = c.m(progressCreate(ITEM, '2024-H2', { next: '来月訪問する' }));
      await s.sync(staff, { clientId: c.clientId, mutations: [m] });
      const history = historySchema.parse(await s.record('history', `history:${m.id}`));
      expect(history.changes).toEqual({
        planId: { from: null, to: DEMO_PLAN_ID },
        itemId: { from: null, to: ITEM },
        periodId: { from: null, to: '2024-H2' },
        next: { from: null, to: '来月訪問する' },
      });
    });

    it('S17: list on an update only the fields whose stored value differs (a title trimmed back to itself is no change)', async () => {
      const plan = (await s.record('plans', DEMO_PLAN_ID))!;
      const c = client();
      const m = c.m({
        table: 'plans',
        recordId: DEMO_PLAN_ID,
        planId: DEMO_PLAN_ID,
        changes: { title: ` ${String(plan.title)} `, deleted: true },
        base: { title: plan.title, deleted: false },
      });
      await s.sync(lead, { clientId: c.clientId, mutations: [m] });
      const history = historySchema.parse(await s.record('history', `history:${m.id}`));
      expect(history.changes).toEqual({ deleted: { from: false, to: true } });
    });
  });
}

describe('SQLite', () => suite(undefined));
describePostgres('PostgreSQL', (env) => suite(() => openPostgresStorage(env.url, { schema: env.newSchema(), poolSize: 2 })));
