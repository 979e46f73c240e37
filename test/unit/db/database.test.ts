// The on-device schema's upgrades, on fake-indexeddb: a database written by the previous version
// is opened by this one and its data comes out as this version reads it.
import 'fake-indexeddb/auto';
import Dexie, { liveQuery } from 'dexie';
import { describe, expect, it } from 'vitest';
import { serverCopyKey, TrackerDb } from '../../../src/db/database';
import { readProgressOfItem } from '../../../src/db/repository';
import { progressId, sectionSchema } from '../../../src/model/schemas';

/** The indexes of versions 3 and 4 (version 4 changed data, not indexes). */
const INDEXES_3 = {
  plans: 'id',
  sections: 'id, planId',
  items: 'id, planId, sectionId',
  progress: 'id, planId, itemId, [planId+periodId]',
  notes: 'id, planId, itemId',
  kpis: 'id, planId',
  measurements: 'id, planId, kpiId',
  outbox: '++seq, recordId, planId',
  meta: 'key',
  conflicts: 'id, planId, itemId, recordId',
  history: 'id, planId, recordId, itemId',
  rejected: '++id, planId, recordId',
};

/** Version 5's: the indexes nothing queried dropped. */
const INDEXES_5 = {
  ...INDEXES_3,
  items: 'id, planId',
  progress: 'id, itemId, [planId+periodId]',
  measurements: 'id, planId',
  conflicts: 'id, planId, itemId',
  history: 'id, itemId',
};

/** A database as an earlier app version declared and left it. */
async function earlierVersion(name: string, version: number, indexes: Record<string, string>, fill: (db: Dexie) => Promise<void>): Promise<void> {
  const old = new Dexie(name);
  old.version(version).stores(indexes);
  await old.open();
  await fill(old);
  old.close();
}

const stamp = { updatedAt: '2024-06-01T00:00:00.000Z', updatedBy: 'u' };
const section = (id: string, order: number) => ({ id, planId: 'p', parentId: null, label: id, title: id, order, deleted: false, ...stamp });

describe('version 4', () => {
  it('turns integer orders into order keys that keep the sequence, in records, the server’s copies and 並び順 conflicts', async () => {
    const name = `upgrade-${crypto.randomUUID()}`;
    await earlierVersion(name, 3, INDEXES_3, async (db) => {
      await db.table('sections').bulkPut([section('s0', 0), section('s1', 1), section('s10', 10), section('s62', 62)]);
      await db.table('items').put({ id: 'i', planId: 'p', sectionId: 's0', label: '①', text: 't', group: '', tags: [], order: 3, deleted: false, ...stamp });
      const target = { kind: 'value', value: 1, direction: '以上' };
      await db.table('kpis').put({ id: 'k', planId: 'p', sectionId: null, name: 'KPI', unit: '%', target, order: 2, deleted: false, ...stamp });
      await db.table('meta').bulkPut([
        { key: serverCopyKey('sections:s1'), value: { record: section('s1', 0) } },
        { key: serverCopyKey('sections:new'), value: { record: null } },
      ]);
      const sides = { serverBy: 'a', serverAt: 't', clientBy: 'b', clientAt: 't' };
      const conflict = { planId: 'p', recordId: 's1', itemId: null, baseValue: 0, serverValue: 2, clientValue: 1, ...sides, resolved: false, ...stamp };
      await db.table('conflicts').bulkPut([
        { id: 'c-order', table: 'sections', field: 'order', ...conflict },
        { id: 'c-title', table: 'sections', field: 'title', ...conflict },
      ]);
    });

    const db = new TrackerDb(name);
    const sections = await db.sections.toArray();
    expect(sections.map((s) => [s.id, s.order])).toEqual([
      ['s0', 'a0'],
      ['s1', 'a1'],
      ['s10', 'aA'],
      ['s62', 'b00'],
    ]);
    for (const s of sections) expect(sectionSchema.safeParse(s).success).toBe(true);
    expect([...sections].sort((a, b) => (a.order < b.order ? -1 : 1)).map((s) => s.id)).toEqual(['s0', 's1', 's10', 's62']);
    expect((await db.items.get('i'))?.order).toBe('a3');
    expect((await db.kpis.get('k'))?.order).toBe('a2');
    expect((await db.meta.get(serverCopyKey('sections:s1')))?.value).toEqual({ record: { ...section('s1', 0), order: 'a0' } });
    expect((await db.meta.get(serverCopyKey('sections:new')))?.value).toEqual({ record: null });
    expect(await db.conflicts.get('c-order')).toMatchObject({ baseValue: 'a0', serverValue: 'a2', clientValue: 'a1' });
    expect(await db.conflicts.get('c-title')).toMatchObject({ baseValue: 0, serverValue: 2, clientValue: 1 });
    db.close();
  });
});

describe('versions 5 and 6', () => {
  const progress = (planId: string, itemId: string, periodId: string) => ({
    id: `progress:${itemId}:${periodId}`,
    planId,
    itemId,
    periodId,
    evaluation: '○',
    done: `${itemId} ${periodId}`,
    next: '',
    ...stamp,
  });

  it('drop the indexes nothing queries and keep every row; the queries of the screens answer as before', async () => {
    const name = `upgrade5-${crypto.randomUUID()}`;
    const rows = {
      items: [
        { id: 'p/i1', planId: 'p', sectionId: 's1', label: '①', text: 'a', group: '', tags: [], order: 'a0', deleted: false, ...stamp },
        { id: 'q/i1', planId: 'q', sectionId: 's2', label: '①', text: 'b', group: '', tags: [], order: 'a0', deleted: false, ...stamp },
      ],
      // q/i1:x's ids begin with q/i1's too (progress:q/i1:x:…).
      progress: [
        progress('p', 'p/i1', '2024-04'),
        progress('p', 'p/i1', '2024-05'),
        progress('p', 'p/i2', '2024-05'),
        progress('q', 'q/i1', '2024-05'),
        progress('q', 'q/i1:x', '2024-05'),
      ],
      measurements: [{ id: 'measurement:k:2024-05', planId: 'p', kpiId: 'k', month: '2024-05', value: 1, ...stamp }],
      conflicts: [{ id: 'conflict:m:done', planId: 'p', itemId: 'p/i1', recordId: 'progress:p/i1:2024-04', table: 'progress', field: 'done' }],
      history: [{ id: 'history:m', planId: 'p', itemId: 'p/i1', recordId: 'progress:p/i1:2024-04', at: '2024-06-01T00:00:00.000Z' }],
      outbox: [
        { mutationId: 'm', table: 'progress', recordId: 'progress:p/i1:2024-04', planId: 'p', changes: {}, base: {}, create: null, createdAt: stamp.updatedAt },
      ],
    };
    await earlierVersion(name, 4, INDEXES_3, async (db) => {
      for (const [table, list] of Object.entries(rows)) await db.table(table).bulkAdd(list);
    });

    const db = new TrackerDb(name);
    await db.open();
    expect(db.verno).toBe(6);
    // What IndexedDB itself keeps, not only what Dexie declares.
    const indexes = (table: string) => [...db.backendDB().transaction(table).objectStore(table).indexNames].sort();
    expect(indexes('items')).toEqual(['planId']);
    expect(indexes('progress')).toEqual(['[planId+periodId]']);
    expect(indexes('measurements')).toEqual(['planId']);
    expect(indexes('conflicts')).toEqual(['itemId', 'planId']);
    expect(indexes('history')).toEqual(['itemId']);
    expect(indexes('notes')).toEqual(['itemId', 'planId']);
    expect(indexes('outbox')).toEqual(['planId', 'recordId']);
    for (const [table, list] of Object.entries(rows)) expect(await db.table(table).toArray()).toEqual(table === 'outbox' ? [{ ...list[0], seq: 1 }] : list);

    // The queries of src/ui/data and src/db on the tables that lost an index.
    expect((await db.progress.where('planId').equals('p').primaryKeys()).sort()).toEqual(rows.progress.slice(0, 3).map((p) => p.id));
    expect((await db.progress.where('planId').equals('p').toArray()).map((p) => p.id).sort()).toEqual(rows.progress.slice(0, 3).map((p) => p.id));
    expect((await db.progress.where('[planId+periodId]').equals(['p', '2024-05']).toArray()).map((p) => p.id).sort()).toEqual([
      rows.progress[1]!.id,
      rows.progress[2]!.id,
    ]);
    expect(((await readProgressOfItem(db, 'p/i1')) as { id: string }[]).map((p) => p.id)).toEqual([rows.progress[0]!.id, rows.progress[1]!.id]);
    expect(((await readProgressOfItem(db, 'q/i1')) as { id: string }[]).map((p) => p.id)).toEqual([rows.progress[3]!.id]);
    expect(((await readProgressOfItem(db, 'q/i1:x')) as { id: string }[]).map((p) => p.id)).toEqual([rows.progress[4]!.id]);
    expect((await db.items.where('planId').equals('q').toArray()).map((i) => i.id)).toEqual(['q/i1']);
    expect((await db.measurements.where('planId').equals('p').toArray()).length).toBe(1);
    expect((await db.conflicts.where('itemId').equals('p/i1').toArray()).length).toBe(1);
    expect((await db.history.where('itemId').equals('p/i1').toArray()).length).toBe(1);
    db.close();
  });
});

describe('version 6', () => {
  const progress = (itemId: string, periodId: string, done = '') => ({
    id: progressId(itemId, periodId),
    planId: 'q',
    itemId,
    periodId,
    evaluation: null,
    done,
    next: '',
    ...stamp,
  });

  it('opens a version-5 database without the progress itemId index, every row kept', async () => {
    const name = `upgrade6-${crypto.randomUUID()}`;
    const rows = [progress('q/i1', '2024-04'), progress('q/i1', '2024-05'), progress('q/i2', '2024-04')];
    await earlierVersion(name, 5, INDEXES_5, async (db) => {
      await db.table('progress').bulkAdd(rows);
    });

    const db = new TrackerDb(name);
    await db.open();
    expect(db.verno).toBe(6);
    expect([...db.backendDB().transaction('progress').objectStore('progress').indexNames]).toEqual(['[planId+periodId]']);
    expect(await db.progress.toArray()).toEqual(rows);
    expect(await readProgressOfItem(db, 'q/i1')).toEqual(rows.slice(0, 2));
    db.close();
  });

  it('an item screen reading its progress by id range runs again when, and only when, a record in the range changes', async () => {
    const db = new TrackerDb(`live-${crypto.randomUUID()}`);
    await db.open();
    await db.progress.bulkPut([progress('q/i1', '2024-04'), progress('q/i2', '2024-04')]);
    const seen: string[][] = [];
    let runs = 0;
    const subscription = liveQuery(async () => {
      runs++;
      return ((await readProgressOfItem(db, 'q/i1')) as { periodId: string; done: string }[]).map((p) => `${p.periodId} ${p.done}`);
    }).subscribe((value) => seen.push(value));
    const settled = () => new Promise((resolve) => setTimeout(resolve, 30));
    await settled();
    const before = runs;
    await db.progress.put(progress('q/i2', '2024-04', 'another item'));
    await settled();
    expect(runs).toBe(before);
    await db.progress.put(progress('q/i1', '2024-04', '訪問済み'));
    await settled();
    await db.progress.put(progress('q/i1', '2024-05', '次回'));
    await settled();
    subscription.unsubscribe();
    expect(seen.at(-1)).toEqual(['2024-04 訪問済み', '2024-05 次回']);
    db.close();
  });
});
