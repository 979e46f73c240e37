// The on-device repository on fake-indexeddb: a record and its outbox entry are written
// together or not at all (bad input, a full disk), pending entries fold together, a lost
// connection is reopened, and an upgrade in another tab is reported.
import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { describe, expect, it, vi } from 'vitest';
import { TrackerDb } from '../../../src/db/database';
import { DbError } from '../../../src/db/errors';
import { addNote, saveMeasurement, saveProgress, saveProgressText, setDeleted, storePlanRecords } from '../../../src/sync/edits';
import { readPlanRecords } from '../../../src/db/repository';
import { applyRoundTrip } from '../../../src/sync/round-trip';
import { takeOutboxBatch } from '../../../src/sync/outbox';
import { parsePlanFile, planFileToRecords } from '../../../src/model/plan-file';
import { PROTOCOL_VERSION } from '../../../src/model/protocol';
import { measurementId, progressId } from '../../../src/model/schemas';
import good from '../../fixtures/plan-file-good.json';

const PLAN = 'plan-1';
const key = { planId: PLAN, itemId: `${PLAN}/p1-2-1`, periodId: '2024-H1' };

async function freshDb(db = new TrackerDb(`test-${crypto.randomUUID()}`)): Promise<TrackerDb> {
  const parsed = parsePlanFile(good);
  if (!parsed.ok) throw new Error('fixture does not parse');
  let n = 0;
  await storePlanRecords(db, planFileToRecords(parsed.file, { planId: PLAN, now: '2024-07-01T00:00:00.000Z', author: 'テスト', newId: () => `n${++n}` }), {
    outbox: false,
  });
  return db;
}

describe('saveProgress', () => {
  it('writes the record and an outbox entry with the base values it replaced', async () => {
    const db = await freshDb();
    const saved = await saveProgress(db, key, { evaluation: '△' }, '佐藤');
    expect(saved).toMatchObject({ evaluation: '△', updatedBy: '佐藤' });
    const [entry] = await db.outbox.toArray();
    expect(entry).toMatchObject({
      table: 'progress',
      recordId: progressId(key.itemId, key.periodId),
      planId: PLAN,
      changes: { evaluation: '△' },
      base: { evaluation: '○' },
    });
  });

  it('folds pending edits of one record into one entry, keeping the oldest base', async () => {
    const db = await freshDb();
    await saveProgress(db, key, { evaluation: '△' }, 'a');
    await saveProgress(db, key, { evaluation: '－', done: '追記' }, 'a');
    const entries = await db.outbox.toArray();
    expect(entries).toHaveLength(1);
    expect(entries[0]!.changes).toEqual({ evaluation: '－', done: '追記' });
    expect(entries[0]!.base).toMatchObject({ evaluation: '○' });
  });

  it('never folds into an entry that is in a request', async () => {
    const db = await freshDb();
    await saveProgress(db, key, { evaluation: '△' }, 'a');
    await db.outbox.toCollection().modify({ inFlight: true });
    await saveProgress(db, key, { evaluation: '－' }, 'a');
    const entries = await db.outbox.toArray();
    expect(entries).toHaveLength(2);
    expect(entries[1]).toMatchObject({ changes: { evaluation: '－' }, base: { evaluation: '△' } });
  });

  it('writes nothing when nothing changed', async () => {
    const db = await freshDb();
    await saveProgress(db, key, { evaluation: '○' }, 'a');
    expect(await db.outbox.count()).toBe(0);
  });

  it('refuses an oversized text with a DbError and writes nothing', async () => {
    const db = await freshDb();
    await expect(saveProgress(db, key, { done: 'あ'.repeat(20_001) }, 'a')).rejects.toBeInstanceOf(DbError);
    expect((await db.progress.get(progressId(key.itemId, key.periodId)))!.done).not.toHaveLength(20_001);
    expect(await db.outbox.count()).toBe(0);
  });
});

describe('notes, measurements and deletes', () => {
  it('appends a note with its author and queues it', async () => {
    const db = await freshDb();
    const note = await addNote(db, { planId: PLAN, itemId: key.itemId, date: '2024-06-01', text: '  訪問した  ' }, '鈴木');
    expect(note).toMatchObject({ text: '訪問した', author: '鈴木' });
    expect(await db.outbox.count()).toBe(1);
  });

  it('refuses a note with an impossible date', async () => {
    const db = await freshDb();
    await expect(addNote(db, { planId: PLAN, itemId: key.itemId, date: '2024-02-30', text: 'x' }, 'a')).rejects.toBeInstanceOf(DbError);
    expect(await db.outbox.count()).toBe(0);
  });

  it('S9: keys a measurement by KPI and month, so the same month is one record', async () => {
    const db = await freshDb();
    const kpiId = `${PLAN}/k-mail`;
    await saveMeasurement(db, { planId: PLAN, kpiId, month: '2024-09' }, 98.5, 'a');
    await saveMeasurement(db, { planId: PLAN, kpiId, month: '2024-09' }, 98.6, 'a');
    expect((await db.measurements.get(measurementId(kpiId, '2024-09')))!.value).toBe(98.6);
    expect(await db.outbox.count()).toBe(1);
  });

  it('S14: deletes as a tombstone that can be undone', async () => {
    const db = await freshDb();
    await setDeleted(db, 'items', key.itemId, true, 'a');
    expect((await db.items.get(key.itemId))!.deleted).toBe(true);
    await setDeleted(db, 'items', key.itemId, false, 'a');
    expect((await db.items.get(key.itemId))!.deleted).toBe(false);
  });
});

describe('storage trouble', () => {
  it('on a full disk writes neither record nor outbox entry and reports quota', async () => {
    const db = new TrackerDb(`test-${crypto.randomUUID()}`);
    // Fail every outbox write at the IndexedDB layer, as QuotaExceededError does.
    db.use({
      stack: 'dbcore',
      name: 'full-disk',
      create: (down) => ({
        ...down,
        table: (name) => {
          const table = down.table(name);
          return name === 'outbox' ? { ...table, mutate: () => Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError')) } : table;
        },
      }),
    });
    await freshDb(db);
    await expect(saveProgress(db, key, { evaluation: '△' }, 'a')).rejects.toMatchObject({ code: 'db.quota' });
    expect((await db.progress.get(progressId(key.itemId, key.periodId)))!.evaluation).toBe('○');
    expect(db.health.value.state).toBe('quota');
  });

  it('reopens a lost connection and completes the write', async () => {
    const db = await freshDb();
    db.close();
    await saveProgress(db, key, { evaluation: '－' }, 'a');
    expect((await db.progress.get(progressId(key.itemId, key.periodId)))!.evaluation).toBe('－');
    expect(db.health.value.state).toBe('ok');
  });

  it('asks for a reload when another tab opens a newer schema', async () => {
    const name = `test-${crypto.randomUUID()}`;
    const db = await freshDb(new TrackerDb(name));
    const newer = new Dexie(name);
    newer.version(db.verno + 1).stores({ plans: 'id' });
    await newer.open();
    expect(db.health.value).toMatchObject({ state: 'upgrade' });
    newer.close();
  });

  it('leaves malformed rows out when reading a plan back', async () => {
    const db = await freshDb();
    await db.items.put({ id: 'broken', planId: PLAN } as never);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const records = await readPlanRecords(db, PLAN);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('malformed item'), expect.anything(), expect.anything());
    warn.mockRestore();
    expect(records.items.map((i) => i.id)).not.toContain('broken');
    expect(records.items).toHaveLength(3);
  });
});

describe('saveProgressText', () => {
  it('writes a text only over the value the field expects, else fails as stale and changes nothing', async () => {
    const db = await freshDb();
    const before = (await db.progress.get(progressId(key.itemId, key.periodId)))?.done ?? '';
    await saveProgressText(db, key, 'done', '一行目', before, 'A');
    await saveProgress(db, key, { done: '別のタブ：一行目' }, 'B');
    const outboxBefore = await db.outbox.count();
    await expect(saveProgressText(db, key, 'done', '一行目と二行目', '一行目', 'A')).rejects.toMatchObject({ code: 'db.stale' });
    expect((await db.progress.get(progressId(key.itemId, key.periodId)))?.done).toBe('別のタブ：一行目');
    expect(await db.outbox.count()).toBe(outboxBefore);
    await saveProgressText(db, key, 'done', '別のタブ：一行目と二行目', '別のタブ：一行目', 'A');
    expect((await db.progress.get(progressId(key.itemId, key.periodId)))?.done).toBe('別のタブ：一行目と二行目');
  });

  /** A colleague's text arrived by sync (stored, nothing pending) while the person was typing on the old one. */
  async function colleagueTextStored() {
    const db = await freshDb();
    const id = progressId(key.itemId, key.periodId);
    const now = new Date().toISOString();
    await db.progress.put({ id, ...key, evaluation: null, done: '同僚の文', next: '', updatedAt: now, updatedBy: '同僚' });
    await db.outbox.clear();
    return { db, id, now };
  }

  it('sends the value the person’s text grew from as the base when another change overlapped it', async () => {
    const { db, id } = await colleagueTextStored();
    await saveProgressText(db, key, 'done', '元の文と私の追記', '同僚の文', 'A', '元の文');
    const sent = await db.outbox.toArray();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.base).toEqual({ done: '元の文' });
    expect(sent[0]!.changes).toMatchObject({ done: '元の文と私の追記' });
    // The server's record is kept as its copy: answering the change rebuilds nothing from the ancestor.
    expect((await db.meta.get(`sync.server:progress:${id}`))?.value).toMatchObject({ record: { done: '同僚の文' } });
    // A later edit folded into the same pending entry keeps the ancestor as its base.
    await saveProgressText(db, key, 'done', '元の文と私の追記。', '元の文と私の追記', 'A');
    expect((await db.outbox.toArray()).map((e) => e.base)).toEqual([{ done: '元の文' }]);
  });

  it('after the server answers 競合, the device shows the server’s text, not the ancestor', async () => {
    const { db, id, now } = await colleagueTextStored();
    await saveProgressText(db, key, 'done', '元の文と私の追記', '同僚の文', 'A', '元の文');
    // Nobody is signed in here: the entries have no author, as takeOutboxBatch's filter then expects.
    const mutations = await takeOutboxBatch(db, undefined as unknown as string, 10, 1_000_000);
    expect(mutations).toHaveLength(1);
    await applyRoundTrip(
      db,
      mutations,
      {
        protocolVersion: PROTOCOL_VERSION,
        results: mutations.map((m) => ({ mutationId: m.id, status: 'conflict' as const })),
        changes: [],
        cursor: 'c1',
        hasMore: false,
        reset: false,
      },
      { at: now, scope: 's' },
    );
    expect((await db.progress.get(id))?.done).toBe('同僚の文');
    expect(await db.outbox.count()).toBe(0);
  });

  it('with an edit of the record still waiting, sends the ancestor in an entry of its own and keeps the server’s record', async () => {
    const db = await freshDb();
    const id = progressId(key.itemId, key.periodId);
    const now = new Date().toISOString();
    const server = { id, ...key, evaluation: null, done: 'Hello world', next: '', updatedAt: now, updatedBy: 'server' };
    await db.progress.put(server);
    await db.outbox.clear();
    // A colleague's words arrive while nothing of the record waits; then the person sets 評価,
    // and their unsaved words (typed on 'Hello world') overlap the colleague's.
    const answer = (partial: object) => ({
      protocolVersion: PROTOCOL_VERSION,
      results: [],
      changes: [],
      cursor: 'c1',
      hasMore: false,
      reset: false,
      ...partial,
    });
    await applyRoundTrip(db, [], answer({ changes: [{ table: 'progress', id, version: 2, record: { ...server, done: 'Hello world, said Ann' } }] }), {
      at: now,
      scope: 's',
    });
    await saveProgress(db, key, { evaluation: '○' }, 'A');
    await saveProgressText(db, key, 'done', 'Hello world!', 'Hello world, said Ann', 'A', 'Hello world');
    // Folded into the waiting entry, the ancestor would go out without it, or take back its edits.
    expect((await db.outbox.toArray()).map((e) => [e.base, e.changes])).toEqual([
      [{ evaluation: null }, { evaluation: '○' }],
      [{ done: 'Hello world' }, { done: 'Hello world!' }],
    ]);
    // Later keys build on the person's own entry.
    await saveProgressText(db, key, 'done', 'Hello world!!', 'Hello world!', 'A');
    expect((await db.outbox.toArray()).map((e) => e.changes)).toEqual([{ evaluation: '○' }, { done: 'Hello world!!' }]);
    // The server applies the 評価 and keeps the words as a 競合; its record is on a later page.
    // The device shows the colleague's words: what the server has, kept before the ancestor went in.
    const mutations = await takeOutboxBatch(db, undefined as unknown as string, 10, 1_000_000);
    const statuses = ['applied', 'conflict'] as const;
    await applyRoundTrip(db, mutations, answer({ results: mutations.map((m, i) => ({ mutationId: m.id, status: statuses[i]! })), hasMore: true }), {
      at: now,
      scope: 's',
    });
    expect(await db.progress.get(id)).toMatchObject({ done: 'Hello world, said Ann', evaluation: '○' });
    expect(await db.outbox.count()).toBe(0);
  });
});
