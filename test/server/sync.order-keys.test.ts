// Sibling order over sync, end to end: two devices (each its own TrackerDb on fake-indexeddb,
// running the real engine) reorder the items of one section while offline, then sync with the
// real server (Hono app over SQLite in a temp file, called in-process). Before order keys a
// move renumbered every sibling, so two moves in one section wrote the same records' `order`
// and the server made 並び順 conflicts a lead had to resolve; now a move writes only the moved
// record's key. Checked: every device and the server show one order, no 並び順 conflict is
// made, and each device's order of the records the other device did not touch is kept.
import 'fake-indexeddb/auto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrackerDb } from '../../src/db/database';
import { DEMO_PLAN_ID } from '../../src/model/demo';
import { compareOrder, keyAfter } from '../../src/model/order-key';
import { conflictSchema, type Item } from '../../src/model/schemas';
import { createApp } from '../../src/server/app';
import { DEMO_BRANCH, DEMO_PASSWORD, ensureDemo } from '../../src/server/demo';
import { silentLogger } from '../../src/server/log';
import { openSqliteStorage, type SqliteStorage } from '../../src/server/storage/sqlite';
import { createItem, moveRecord } from '../../src/sync/edits';
import { createSyncEngine, type SyncEngine } from '../../src/sync/engine';
import { fetchTransport } from '../../src/sync/transport';
import { TEST_PASSWORD_COST } from './helpers';

const NUM_RUNS = Number(process.env.ORDER_SYNC_RUNS ?? 25);
const SEED = Number(process.env.ORDER_SYNC_SEED ?? 20_261_202);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'order-keys-sync-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Device {
  db: TrackerDb;
  engine: SyncEngine;
}

interface World {
  storage: SqliteStorage;
  devices: [Device, Device];
  /** The section whose items are moved: the demo plan's one with the most items. */
  sectionId: string;
}

/** A fresh server with the demo plan, and two devices of a lead that pulled it. */
async function openWorld(): Promise<World> {
  const storage = await openSqliteStorage(join(dir, `${crypto.randomUUID()}.sqlite`));
  const demoAccounts = await ensureDemo(storage, { production: false, log: silentLogger, now: new Date(), passwordCost: TEST_PASSWORD_COST });
  const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage, demoAccounts });
  const device = async (): Promise<Device> => {
    const db = new TrackerDb(`order-keys-sync-${crypto.randomUUID()}`);
    // Timers never fire: the test decides when each device syncs (offline until then).
    const engine = createSyncEngine({
      db,
      transport: fetchTransport((url, init) => app.request(url, init)),
      setTimer: () => 0,
      clearTimer: () => undefined,
      locks: null,
      online: () => true,
      events: null,
    });
    const login = await engine.login('lead@demo', DEMO_PASSWORD);
    if (!login.ok) throw new Error('login failed');
    await engine.start();
    await engine.syncNow();
    return { db, engine };
  };
  const devices: [Device, Device] = [await device(), await device()];
  const items = await devices[0].db.items.where('planId').equals(DEMO_PLAN_ID).toArray();
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i.sectionId, (counts.get(i.sectionId) ?? 0) + 1);
  const [sectionId] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
  return { storage, devices, sectionId };
}

async function closeWorld(w: World): Promise<void> {
  for (const d of w.devices) {
    d.engine.stop();
    await d.db.delete();
  }
  await w.storage.close();
}

async function siblingsOn(d: Device, sectionId: string): Promise<Item[]> {
  return (await d.db.items.filter((i) => i.sectionId === sectionId && !i.deleted).toArray()).sort(compareOrder);
}

/** Moves the item at `from` among the section's live items to place `to`, as the structure screen's buttons do (one step at a time or many). */
async function move(d: Device, sectionId: string, from: number, to: number): Promise<string> {
  const ids = (await siblingsOn(d, sectionId)).map((i) => i.id);
  const [moved] = ids.splice(from % ids.length, 1);
  ids.splice(to % (ids.length + 1), 0, moved!);
  await moveRecord(d.db, 'items', moved!, ids, 'デモ リーダー');
  return moved!;
}

/** Adds an item after the last one (as the screen does) and moves it to place `to`. */
async function insert(d: Device, sectionId: string, to: number, text: string): Promise<string> {
  const siblings = await siblingsOn(d, sectionId);
  const item = await createItem(d.db, { planId: DEMO_PLAN_ID, sectionId, label: '', text, group: '', tags: [], order: keyAfter(siblings) }, 'デモ リーダー');
  const ids = siblings.map((i) => i.id);
  ids.splice(to % (ids.length + 1), 0, item.id);
  await moveRecord(d.db, 'items', item.id, ids, 'デモ リーダー');
  return item.id;
}

/** Syncs until no edit waits on either device, and once more each so both have pulled everything. */
async function syncAll(w: World): Promise<void> {
  for (let round = 0; round < 4; round++) {
    for (const d of w.devices) await d.engine.syncNow();
    if ((await Promise.all(w.devices.map((d) => d.db.outbox.count()))).every((n) => n === 0)) break;
  }
  for (const d of w.devices) await d.engine.syncNow();
  for (const d of w.devices) expect(await d.db.outbox.count()).toBe(0);
}

/** The items whose order a device wrote while offline (its pending entries). */
async function written(d: Device): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const e of await d.db.outbox.toArray()) if (e.table === 'items' && ('order' in e.changes || e.create)) ids.add(e.recordId);
  return ids;
}

async function orderConflicts(w: World): Promise<unknown[]> {
  const page = await w.storage.changesSince(Object.fromEntries([DEMO_BRANCH.id].map((b) => [b, 0])), 1_000_000);
  return page.records
    .filter((r) => r.table === 'conflicts')
    .map((r) => conflictSchema.parse(JSON.parse(r.data)))
    .filter((c) => c.field === 'order');
}

async function serverOrder(w: World): Promise<string[]> {
  const page = await w.storage.changesSince(Object.fromEntries([DEMO_BRANCH.id].map((b) => [b, 0])), 1_000_000);
  return page.records
    .filter((r) => r.table === 'items')
    .map((r) => JSON.parse(r.data) as Item)
    .filter((i) => i.sectionId === w.sectionId && !i.deleted)
    .sort(compareOrder)
    .map((i) => i.id);
}

describe('S46: two devices reordering one section offline', () => {
  it('merge two moves without a 並び順 conflict (before order keys, both renumbered ② and made one)', async () => {
    const w = await openWorld();
    try {
      const [a, b] = w.devices;
      const [first, second, third, fourth] = (await siblingsOn(a, w.sectionId)).map((i) => i.id);
      // A moves ① below ②; B, offline too, moves ④ above ③. Renumbering, both wrote ②'s and ③'s order.
      await move(a, w.sectionId, 0, 1);
      await move(b, w.sectionId, 3, 2);
      expect([...(await written(a))]).toEqual([first]);
      expect([...(await written(b))]).toEqual([fourth]);
      await syncAll(w);
      const expected = [second, first, fourth, third];
      for (const d of w.devices) expect((await siblingsOn(d, w.sectionId)).map((i) => i.id).slice(0, 4)).toEqual(expected);
      expect((await serverOrder(w)).slice(0, 4)).toEqual(expected);
      expect(await orderConflicts(w)).toEqual([]);
    } finally {
      await closeWorld(w);
    }
  });

  const editArb = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('move' as const), from: fc.nat({ max: 20 }), to: fc.nat({ max: 20 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert' as const), to: fc.nat({ max: 20 }) }) },
  );

  it('end with one order on every device, no 並び順 conflict, and each device’s order of what the other did not touch', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(editArb, { maxLength: 8 }), fc.array(editArb, { maxLength: 8 }), fc.boolean(), async (editsA, editsB, bFirst) => {
        const w = await openWorld();
        try {
          let n = 0;
          // The items each person moved or added: what they did, whatever records it wrote.
          const touched = [new Set<string>(), new Set<string>()];
          for (const [k, edits] of [editsA, editsB].entries()) {
            const d = w.devices[k]!;
            for (const e of edits) {
              const id = e.kind === 'move' ? await move(d, w.sectionId, e.from, e.to) : await insert(d, w.sectionId, e.to, `追加 ${++n}`);
              touched[k]!.add(id);
            }
          }
          const before = await Promise.all(w.devices.map((d) => siblingsOn(d, w.sectionId)));
          if (bFirst) w.devices.reverse();
          await syncAll(w);
          if (bFirst) w.devices.reverse();

          const after = await Promise.all(w.devices.map(async (d) => (await siblingsOn(d, w.sectionId)).map((i) => i.id)));
          expect(after[1]).toEqual(after[0]);
          expect(await serverOrder(w)).toEqual(after[0]);
          expect(await orderConflicts(w)).toEqual([]);
          // Items only this device (or nobody) moved keep this device's order among themselves.
          for (const self of [0, 1]) {
            const other = touched[1 - self]!;
            const own = before[self]!.map((i) => i.id).filter((id) => !other.has(id));
            expect(after[0]!.filter((id) => own.includes(id))).toEqual(own);
          }
        } finally {
          await closeWorld(w);
        }
      }),
      { numRuns: NUM_RUNS, seed: SEED },
    );
  }, 300_000);
});
