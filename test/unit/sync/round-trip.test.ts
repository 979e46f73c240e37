// The sync engine's database side on fake-indexeddb: ids and session in meta, taking a batch
// in flight, and applying an answer atomically (settle, set aside, pull, rebase, reset).
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REJECTED_REASON, TrackerDb } from '../../../src/db/database';
import { readProgressOfItem } from '../../../src/db/repository';
import { addNote, saveProgress, storePlanRecords, updateRecord } from '../../../src/sync/edits';
import { sealVerifies, withSeal } from '../../../src/sync/outbox-seal';
import { applyPage, applyRoundTrip, keyLegacyOrders, parsePage, setAside, setAsideUnsealed } from '../../../src/sync/round-trip';
import { getClientId, getCursor, getSession, setSession } from '../../../src/sync/session-store';
import { takeOutboxBatch } from '../../../src/sync/outbox';
import { parsePlanFile, planFileToRecords } from '../../../src/model/plan-file';
import { progressId, RECORD_SCHEMAS, type Progress } from '../../../src/model/schemas';
import { PROTOCOL_VERSION, type Mutation, type MutationResult, type SyncResponse } from '../../../src/model/protocol';
import good from '../../fixtures/plan-file-good.json';

const PLAN = 'plan-1';
const key = { planId: PLAN, itemId: `${PLAN}/p1-2-1`, periodId: '2024-H1' };
const PID = progressId(key.itemId, key.periodId);
const AT = '2024-07-02T00:00:00.000Z';
const CTX = { at: AT, scope: 'u1' };
const SESSION = {
  token: 't',
  expiresAt: '2030-01-01T00:00:00Z',
  user: { id: 'u1', email: 'a@example.jp', name: 'A' },
  branches: [{ id: 'b1', name: '東京支部', role: 'staff' as const }],
};

/** Signing keys (outbox-seal.ts) as login derives them: hex of 32 bytes. */
const KEY = 'ab'.repeat(32);
const OTHER = { ...SESSION, user: { id: 'u2', email: 'b@example.jp', name: 'B' } };
const OTHER_KEY = 'cd'.repeat(32);

async function freshDb(): Promise<TrackerDb> {
  const db = new TrackerDb(`round-trip-${crypto.randomUUID()}`);
  const parsed = parsePlanFile(good);
  if (!parsed.ok) throw new Error('fixture does not parse');
  let n = 0;
  await storePlanRecords(db, planFileToRecords(parsed.file, { planId: PLAN, now: '2024-07-01T00:00:00.000Z', author: 'テスト', newId: () => `n${++n}` }), {
    outbox: false,
  });
  // Every edit of these tests is u1's, the user the batches are taken for.
  await setSession(db, SESSION);
  return db;
}

function answer(partial: Partial<SyncResponse> = {}): SyncResponse {
  return { protocolVersion: PROTOCOL_VERSION, results: [], changes: [], cursor: 'c1', hasMore: false, reset: false, ...partial };
}

function results(sent: readonly Mutation[], status: MutationResult['status'], reason?: string): MutationResult[] {
  return sent.map((m) => ({ mutationId: m.id, status, ...(reason ? { reason } : {}) }));
}

async function progress(db: TrackerDb): Promise<Progress> {
  const p = await db.progress.get(PID);
  if (!p) throw new Error('no progress');
  return p;
}

/** The progress record as the server would send it. */
function serverProgress(db: TrackerDb, patch: Partial<Progress>): Promise<{ table: 'progress'; id: string; version: number; record: Record<string, unknown> }> {
  return progress(db).then((p) => ({ table: 'progress', id: PID, version: 10, record: { ...p, updatedBy: 'server', ...patch } }));
}

/** Signs `session` in with its key and has the server store `done` as this device's edit. */
async function syncedAs(db: TrackerDb, session: typeof SESSION, signingKey: string, done: string): Promise<void> {
  await setSession(db, session, signingKey);
  await saveProgress(db, key, { done }, session.user.name);
  const sent = await takeOutboxBatch(db, session.user.id, 10);
  await applyRoundTrip(db, sent, answer({ results: results(sent, 'applied'), changes: [await serverProgress(db, {})] }), { ...CTX, userId: session.user.id });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('meta', () => {
  it('makes the client id once', async () => {
    const db = await freshDb();
    const id = await getClientId(db);
    expect(id.length).toBeGreaterThanOrEqual(8);
    expect(await getClientId(db)).toBe(id);
  });

  it('keeps a session and reads a malformed one as none', async () => {
    const db = await freshDb();
    const session = {
      token: 't',
      expiresAt: '2030-01-01T00:00:00Z',
      user: { id: 'u1', email: 'a@example.jp', name: 'A' },
      branches: [{ id: 'b1', name: '東京支部', role: 'staff' as const }],
    };
    await setSession(db, session);
    expect(await getSession(db)).toEqual(session);
    await db.meta.put({ key: 'sync.session', value: { token: 1 } });
    expect(await getSession(db)).toBeNull();
    await setSession(db, null);
    expect(await getSession(db)).toBeNull();
  });
});

describe('takeOutboxBatch', () => {
  it('S2: marks entries in flight in seq order and returns them as mutations', async () => {
    const db = await freshDb();
    await saveProgress(db, key, { evaluation: '△' }, 'a');
    await addNote(db, { planId: PLAN, itemId: key.itemId, date: '2024-06-01', text: '訪問' }, 'a');
    const [first, second] = await db.outbox.toArray();
    const sent = await takeOutboxBatch(db, 'u1', 10);
    expect(sent).toEqual([
      {
        id: first!.mutationId,
        seq: first!.seq,
        table: 'progress',
        recordId: PID,
        planId: PLAN,
        changes: { evaluation: '△' },
        base: { evaluation: '○' },
        create: null,
        madeAt: first!.createdAt,
      },
      expect.objectContaining({ id: second!.mutationId, seq: second!.seq, table: 'notes' }),
    ]);
    expect((await db.outbox.toArray()).every((e) => e.inFlight)).toBe(true);
  });

  it('takes at most n entries, and fewer when they are big, but always one', async () => {
    const db = await freshDb();
    for (const d of ['01', '02', '03']) await addNote(db, { planId: PLAN, itemId: key.itemId, date: `2024-06-${d}`, text: 'あ'.repeat(1000) }, 'a');
    expect(await takeOutboxBatch(db, 'u1', 2)).toHaveLength(2);
    expect((await db.outbox.toArray()).map((e) => !!e.inFlight)).toEqual([true, true, false]);
    expect(await takeOutboxBatch(db, 'u1', 10, 100)).toHaveLength(1);
    expect(await takeOutboxBatch(db, 'u1', 10, 14_000)).toHaveLength(2);
  });

  it('S2: sends an entry again exactly as it was when its answer was lost', async () => {
    const db = await freshDb();
    await saveProgress(db, key, { done: 'A' }, 'a');
    const first = await takeOutboxBatch(db, 'u1', 10);
    await saveProgress(db, key, { done: 'B' }, 'a');
    const again = await takeOutboxBatch(db, 'u1', 10);
    expect(again[0]).toEqual(first[0]);
    expect(again[1]).toMatchObject({ changes: { done: 'B' }, base: { done: 'A' } });
  });
});

describe('applyRoundTrip', () => {
  it('removes acknowledged entries, keeps unanswered ones and saves the cursor', async () => {
    const db = await freshDb();
    await saveProgress(db, key, { evaluation: '△' }, 'a');
    await addNote(db, { planId: PLAN, itemId: key.itemId, date: '2024-06-01', text: '訪問' }, 'a');
    const sent = await takeOutboxBatch(db, 'u1', 10);
    await applyRoundTrip(db, sent, answer({ results: results(sent.slice(0, 1), 'applied'), cursor: 'c9' }), CTX);
    expect((await db.outbox.toArray()).map((e) => e.mutationId)).toEqual([sent[1]!.id]);
    expect(await getCursor(db)).toEqual({ cursor: 'c9', scope: 'u1' });
    expect((await progress(db)).evaluation).toBe('△');
  });

  it('S18: moves a rejected entry to rejected with its reason and puts the record back as the server has it', async () => {
    const db = await freshDb();
    await saveProgress(db, key, { evaluation: '△' }, 'a');
    const sent = await takeOutboxBatch(db, 'u1', 10);
    await applyRoundTrip(db, sent, answer({ results: results(sent, 'rejected', 'no permission') }), CTX);
    expect(await db.outbox.count()).toBe(0);
    const reason = { code: REJECTED_REASON.refused, detail: 'no permission' };
    const row = { mutationId: sent[0]!.id, recordId: PID, changes: { evaluation: '△' }, reason, at: AT };
    expect(await db.rejected.toArray()).toEqual([expect.objectContaining(row)]);
    expect((await progress(db)).evaluation).toBe('○');
  });

  it('S18: drops a rejected create from this device', async () => {
    const db = await freshDb();
    const note = await addNote(db, { planId: PLAN, itemId: key.itemId, date: '2024-06-01', text: '訪問' }, 'a');
    const sent = await takeOutboxBatch(db, 'u1', 10);
    await applyRoundTrip(db, sent, answer({ results: results(sent, 'rejected', 'x') }), CTX);
    expect(await db.notes.get(note.id)).toBeUndefined();
  });

  it('stores pulled records, conflicts and history; skips and logs a record that does not parse', async () => {
    const db = await freshDb();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const conflict = {
      id: 'c1',
      planId: PLAN,
      table: 'progress',
      recordId: PID,
      itemId: key.itemId,
      field: 'done',
      baseValue: '',
      serverValue: 'S',
      serverBy: 'b',
      serverAt: AT,
      clientValue: 'C',
      clientBy: 'a',
      clientAt: AT,
      resolved: false,
      updatedAt: AT,
      updatedBy: 'server',
    };
    const history = { id: 'h1', planId: PLAN, table: 'progress', recordId: PID, itemId: key.itemId, changes: { done: { from: '', to: 'S' } }, by: 'b', at: AT };
    await applyRoundTrip(
      db,
      [],
      answer({
        changes: [
          await serverProgress(db, { done: 'S' }),
          { table: 'conflicts', id: 'c1', version: 11, record: conflict },
          { table: 'history', id: 'h1', version: 12, record: history },
          { table: 'notes', id: 'bad', version: 13, record: { id: 'bad', text: '' } },
        ],
      }),
      CTX,
    );
    expect((await progress(db)).done).toBe('S');
    expect(await db.conflicts.get('c1')).toEqual(conflict);
    expect(await db.history.get('h1')).toEqual(history);
    expect(await db.notes.get('bad')).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('stores a full page in one transaction, with edits pending on many of its records', async () => {
    const db = await freshDb();
    for (let i = 0; i < 50; i++) await saveProgress(db, { ...key, periodId: `2024-M${i}` }, { done: `mine ${i}` }, 'a');
    const page = Array.from({ length: 1000 }, (_, i) => {
      const periodId = `2024-M${i}`;
      const id = progressId(key.itemId, periodId);
      return {
        table: 'progress' as const,
        id,
        version: i + 1,
        record: { id, planId: PLAN, itemId: key.itemId, periodId, evaluation: null, done: `theirs ${i}`, next: 'n', updatedAt: AT, updatedBy: 'server' },
      };
    });
    await applyRoundTrip(db, [], answer({ changes: page, cursor: 'c1000' }), CTX);
    expect(await readProgressOfItem(db, key.itemId)).toHaveLength(1001);
    expect(await db.progress.get(progressId(key.itemId, '2024-M7'))).toMatchObject({ done: 'mine 7', next: 'n' });
    expect(await db.progress.get(progressId(key.itemId, '2024-M70'))).toMatchObject({ done: 'theirs 70' });
    expect(await getCursor(db)).toEqual({ cursor: 'c1000', scope: 'u1' });
  });

  it('parses each pulled record once, on arrival (parsePage), and not again as it is stored', async () => {
    const db = await freshDb();
    await saveProgress(db, { ...key, periodId: '2024-M0' }, { done: 'mine' }, 'a');
    const page = Array.from({ length: 20 }, (_, i) => {
      const periodId = `2024-M${i}`;
      const id = progressId(key.itemId, periodId);
      return {
        table: 'progress' as const,
        id,
        version: i + 1,
        record: { id, planId: PLAN, itemId: key.itemId, periodId, evaluation: null, done: `theirs ${i}`, next: '', updatedAt: AT, updatedBy: 'server' },
      };
    });
    const parse = vi.spyOn(RECORD_SCHEMAS.progress, 'safeParse');
    const pulled = parsePage(answer({ changes: page, cursor: 'c20' }));
    expect(parse).toHaveBeenCalledTimes(20);
    parse.mockClear();
    await applyPage(db, [], pulled, CTX);
    // Only the one record with an edit pending is parsed again: the edit laid over it is new.
    expect(parse).toHaveBeenCalledTimes(1);
    expect(await db.progress.get(progressId(key.itemId, '2024-M0'))).toMatchObject({ done: 'mine' });
    expect(await db.progress.get(progressId(key.itemId, '2024-M5'))).toMatchObject({ done: 'theirs 5' });
  });

  it('S47: stores a page fetched ahead only on top of the page it follows, and the cursor moves only with it', async () => {
    const db = await freshDb();
    const next = parsePage(answer({ changes: [await serverProgress(db, { done: 'page 2' })], cursor: 'c2' }));
    // Page 1 (ending at c1) is not stored yet: page 2 is not stored either.
    expect(await applyPage(db, [], next, { ...CTX, after: { cursor: 'c1', scope: 'u1' } })).toMatchObject({ applied: false, stored: 0 });
    expect(await getCursor(db)).toBeNull();
    expect((await progress(db)).done).not.toBe('page 2');
    await applyPage(db, [], parsePage(answer({ changes: [await serverProgress(db, { done: 'page 1' })], cursor: 'c1' })), CTX);
    // Nor for another scope (another person signed in meanwhile).
    expect(await applyPage(db, [], next, { ...CTX, after: { cursor: 'c1', scope: 'u2' } })).toMatchObject({ applied: false });
    expect(await applyPage(db, [], next, { ...CTX, after: { cursor: 'c1', scope: 'u1' } })).toMatchObject({ applied: true, stored: 1 });
    expect(await getCursor(db)).toEqual({ cursor: 'c2', scope: 'u1' });
    expect((await progress(db)).done).toBe('page 2');
  });

  it('rebases pending edits over a pulled record and leaves their base alone', async () => {
    const db = await freshDb();
    await saveProgress(db, key, { done: 'mine' }, 'a');
    const [before] = await db.outbox.toArray();
    await applyRoundTrip(db, [], answer({ changes: [await serverProgress(db, { done: 'theirs', next: 'theirs too', evaluation: '－' })] }), CTX);
    expect(await progress(db)).toMatchObject({ done: 'mine', next: 'theirs too', evaluation: '－', updatedBy: 'server' });
    expect(await db.outbox.toArray()).toEqual([before]);
  });

  it('S31: merges a pending text edit with another device’s edit of another part, and moves its base to what it was merged onto', async () => {
    const db = await freshDb();
    await saveProgress(db, key, { done: '訪問した。説明した。', next: '予定' }, 'a');
    const first = await takeOutboxBatch(db, 'u1', 10);
    await applyRoundTrip(db, first, answer({ results: results(first, 'applied'), changes: [await serverProgress(db, {})] }), CTX);
    await saveProgress(db, key, { done: '訪問した。説明した。以上。', evaluation: '－' }, 'a');
    await applyRoundTrip(
      db,
      [],
      answer({ changes: [await serverProgress(db, { done: '4月に訪問した。説明した。', evaluation: '○', next: '予定（改）' })] }),
      CTX,
    );
    expect(await progress(db)).toMatchObject({ done: '4月に訪問した。説明した。以上。', next: '予定（改）', evaluation: '－' });
    // The entry now says what it does to the text the device shows: the server applies it as is
    // (or merges it again with whatever came meanwhile), and a further edit folds onto that base.
    const [entry] = await db.outbox.toArray();
    expect(entry).toMatchObject({
      changes: { done: '4月に訪問した。説明した。以上。', evaluation: '－' },
      base: { done: '4月に訪問した。説明した。', evaluation: expect.anything() },
    });
    await saveProgress(db, key, { done: '4月に訪問した。説明した。以上です。' }, 'a');
    expect(await db.outbox.toArray()).toMatchObject([
      { changes: { done: '4月に訪問した。説明した。以上です。' }, base: { done: '4月に訪問した。説明した。' } },
    ]);
  });

  it('S31: seals a merged entry again with the signed-in person’s key, so it is still sent', async () => {
    const db = await freshDb();
    await syncedAs(db, SESSION, KEY, '訪問した。説明した。');
    await saveProgress(db, key, { done: '訪問した。説明した。以上。' }, 'a');
    await applyRoundTrip(db, [], answer({ changes: [await serverProgress(db, { done: '4月に訪問した。説明した。' })] }), CTX);
    // Set aside as unsealed, the person's 「以上。」 would vanish from every screen.
    expect(await setAsideUnsealed(db, 'u1', AT)).toBe(0);
    expect(await db.rejected.count()).toBe(0);
    expect(await takeOutboxBatch(db, 'u1', 10)).toMatchObject([
      { changes: { done: '4月に訪問した。説明した。以上。' }, base: { done: '4月に訪問した。説明した。' } },
    ]);
  });

  it('S30, S31: rewrites no entry in the person’s name whose seal does not verify: it is set aside, not made valid', async () => {
    const db = await freshDb();
    await syncedAs(db, SESSION, KEY, '訪問した。');
    // Written into the browser's storage in u1's name, with a seal made under another key.
    await saveProgress(db, key, { done: '訪問した。偽の追記。' }, 'a');
    const [forged] = await db.outbox.toArray();
    await db.outbox.put(withSeal(forged!, OTHER_KEY));
    await applyRoundTrip(db, [], answer({ changes: [await serverProgress(db, { done: '4月に訪問した。' })] }), CTX);
    expect(await setAsideUnsealed(db, 'u1', AT)).toBe(1);
    expect(await db.rejected.toArray()).toEqual([expect.objectContaining({ mutationId: forged!.mutationId, reason: { code: 'rejected.unsealed' } })]);
    expect((await progress(db)).done).toBe('4月に訪問した。');
  });

  it('S28, S31: leaves another person’s waiting entry as they sealed it, shows it merged, and folds nothing onto its older text', async () => {
    const db = await freshDb();
    await syncedAs(db, OTHER, OTHER_KEY, '訪問した。');
    await saveProgress(db, key, { done: '訪問した。以上。' }, 'b');
    const waiting = await db.outbox.toArray();
    await setSession(db, SESSION, KEY);
    await applyRoundTrip(db, [], answer({ changes: [await serverProgress(db, { done: '4月に訪問した。' })] }), CTX);
    expect((await progress(db)).done).toBe('4月に訪問した。以上。');
    expect(await db.outbox.toArray()).toEqual(waiting);
    await setSession(db, OTHER, OTHER_KEY);
    expect(await setAsideUnsealed(db, 'u2', AT)).toBe(0);
    // Back on the tablet, their next keys go out from the text shown, not folded onto the older one.
    await saveProgress(db, key, { done: '4月5日に訪問した。以上。' }, 'b');
    expect((await db.outbox.toArray()).map((e) => [e.base.done, e.changes.done])).toEqual([
      ['訪問した。', '訪問した。以上。'],
      ['4月に訪問した。以上。', '4月5日に訪問した。以上。'],
    ]);
  });

  it('leaves an entry in flight as it was sent, and shows the merged text the server applied', async () => {
    const db = await freshDb();
    await saveProgress(db, key, { done: '訪問した。' }, 'a');
    const first = await takeOutboxBatch(db, 'u1', 10);
    await applyRoundTrip(db, first, answer({ results: results(first, 'applied'), changes: [await serverProgress(db, {})] }), CTX);
    await saveProgress(db, key, { done: '訪問した。説明した。' }, 'a');
    const sent = await takeOutboxBatch(db, 'u1', 10);
    // Another device's edit arrives while this entry is in flight (its answer not yet in)…
    await applyRoundTrip(db, [], answer({ changes: [await serverProgress(db, { done: '4月に訪問した。' })] }), CTX);
    expect((await progress(db)).done).toBe('4月に訪問した。説明した。');
    expect(await takeOutboxBatch(db, 'u1', 10)).toEqual(sent);
    // …then the server answers applied, its new version not on this page: the device shows what the server made.
    await applyRoundTrip(db, sent, answer({ results: results(sent, 'applied'), hasMore: true }), CTX);
    expect((await progress(db)).done).toBe('4月に訪問した。説明した。');
  });

  it('after a lost field, shows the server value it learnt while the edit was pending', async () => {
    const db = await freshDb();
    await saveProgress(db, key, { done: 'mine' }, 'a');
    // The other device's value arrives while this edit waits…
    await applyRoundTrip(db, [], answer({ changes: [await serverProgress(db, { done: 'theirs' })] }), CTX);
    expect((await progress(db)).done).toBe('mine');
    // …and the edit then loses with no new version of the record to pull.
    const sent = await takeOutboxBatch(db, 'u1', 10);
    await applyRoundTrip(db, sent, answer({ results: results(sent, 'conflict') }), CTX);
    expect((await progress(db)).done).toBe('theirs');
    expect(await db.meta.where('key').startsWith('sync.server:').count()).toBe(0);
  });

  it('after an edit taken back before it was sent, holds the record exactly as the server has it', async () => {
    const db = await freshDb();
    const before = await progress(db);
    await saveProgress(db, key, { evaluation: '△' }, 'a');
    await saveProgress(db, key, { evaluation: before.evaluation }, 'a');
    const sent = await takeOutboxBatch(db, 'u1', 10);
    // The server had the value already: applied, with no new version to pull.
    await applyRoundTrip(db, sent, answer({ results: results(sent, 'applied') }), CTX);
    expect(await progress(db)).toEqual(before);
  });

  it('keeps an edit made while a request was out, over what that request brought back', async () => {
    const db = await freshDb();
    await saveProgress(db, key, { done: 'one' }, 'a');
    const sent = await takeOutboxBatch(db, 'u1', 10);
    await saveProgress(db, key, { next: 'two' }, 'a');
    await applyRoundTrip(db, sent, answer({ results: results(sent, 'applied'), changes: [await serverProgress(db, { done: 'one', next: '' })] }), CTX);
    expect(await progress(db)).toMatchObject({ done: 'one', next: 'two' });
    expect(await db.outbox.count()).toBe(1);
  });

  it('S21: on reset drops synced records but keeps the outbox and records made here', async () => {
    const db = await freshDb();
    const note = await addNote(db, { planId: PLAN, itemId: key.itemId, date: '2024-06-01', text: '訪問' }, 'a');
    await db.conflicts.put({
      id: 'old',
      planId: PLAN,
      table: 'progress',
      recordId: PID,
      itemId: null,
      field: 'done',
      baseValue: 1,
      serverValue: 2,
      serverBy: 'x',
      serverAt: AT,
      clientValue: 3,
      clientBy: 'y',
      clientAt: AT,
      resolved: false,
      updatedAt: AT,
      updatedBy: 'x',
    });
    const item = await db.items.get(key.itemId);
    await applyRoundTrip(db, [], answer({ reset: true, changes: [{ table: 'items', id: key.itemId, version: 1, record: { ...item } }] }), CTX);
    expect(await db.plans.count()).toBe(0);
    expect(await db.progress.count()).toBe(0);
    expect(await db.conflicts.count()).toBe(0);
    expect(await db.items.count()).toBe(1);
    expect(await db.notes.get(note.id)).toEqual(note);
    expect(await db.outbox.count()).toBe(1);
  });

  it('changes nothing when the answer cannot be stored', async () => {
    const db = await freshDb();
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    await saveProgress(db, key, { done: 'mine' }, 'a');
    const sent = await takeOutboxBatch(db, 'u1', 10);
    const bad = answer({ results: results(sent, 'applied'), changes: [{ table: 'progress', id: PID, version: 1, record: { id: PID } }] });
    // A change for a table the device does not have makes the transaction fail midway.
    const broken = { ...bad, changes: [...bad.changes, { table: 'nope', id: 'x', version: 2, record: { id: 'x' } }] } as unknown as SyncResponse;
    await expect(applyRoundTrip(db, sent, broken, CTX)).rejects.toThrow();
    expect(await db.outbox.count()).toBe(1);
    expect(await getCursor(db)).toBeNull();
  });
});

describe('setAside', () => {
  it('moves the named entry to rejected and rebases its record', async () => {
    const db = await freshDb();
    await saveProgress(db, key, { evaluation: '△' }, 'a');
    await addNote(db, { planId: PLAN, itemId: key.itemId, date: '2024-06-01', text: '訪問' }, 'a');
    const sent = await takeOutboxBatch(db, 'u1', 10);
    const reason = { code: REJECTED_REASON.forbidden, detail: 'no write access to branch tokyo' };
    expect(await setAside(db, sent[0]!.id, reason, AT)).toBe(true);
    expect(await db.rejected.toArray()).toEqual([expect.objectContaining({ mutationId: sent[0]!.id, reason })]);
    expect((await progress(db)).evaluation).toBe('○');
    expect(await db.outbox.count()).toBe(1);
    expect(await setAside(db, 'unknown', reason, AT)).toBe(false);
  });
});

describe('keyLegacyOrders', () => {
  const ITEM = `${PLAN}/p1-2-1`;

  /** An entry as the previous version wrote it: integer orders, sealed with `signingKey` (or not). */
  async function legacyMove(db: TrackerDb, author: typeof SESSION, signingKey: string | null): Promise<void> {
    const entry = {
      mutationId: crypto.randomUUID(),
      table: 'items' as const,
      recordId: ITEM,
      planId: PLAN,
      changes: { order: 2 },
      base: { order: 0 },
      create: null,
      createdAt: AT,
      author: { id: author.user.id, name: author.user.name },
    };
    await db.outbox.add(withSeal(entry, signingKey));
  }

  it('gives the signed-in person’s waiting moves the keys the server migrated the same orders to, sealed again', async () => {
    const db = await freshDb();
    await setSession(db, SESSION, KEY);
    await legacyMove(db, SESSION, KEY);
    expect(await keyLegacyOrders(db)).toBe(1);
    const [entry] = await db.outbox.toArray();
    expect(entry).toMatchObject({ changes: { order: 'a2' }, base: { order: 'a0' } });
    expect(sealVerifies(KEY, entry!, entry!.seal)).toBe(true);
    // Nothing is set aside as unsealed, and the batch carries keys.
    expect(await setAsideUnsealed(db, 'u1', AT)).toBe(0);
    expect(await takeOutboxBatch(db, 'u1', 10)).toMatchObject([{ changes: { order: 'a2' }, base: { order: 'a0' } }]);
    expect(await keyLegacyOrders(db)).toBe(0);
  });

  it('leaves another person’s entry as they sealed it until they sync here, and rewrites none whose seal does not verify', async () => {
    const db = await freshDb();
    await setSession(db, SESSION, KEY);
    await legacyMove(db, OTHER, OTHER_KEY);
    await legacyMove(db, SESSION, OTHER_KEY);
    const before = await db.outbox.toArray();
    expect(await keyLegacyOrders(db)).toBe(0);
    expect(await db.outbox.toArray()).toEqual(before);
    await setSession(db, OTHER, OTHER_KEY);
    expect(await keyLegacyOrders(db)).toBe(1);
    expect((await db.outbox.toArray()).map((e) => e.changes.order)).toEqual(['a2', 2]);
  });
  it('keeps the item readable while another person’s move from before waits and the signed-in person’s edit of it is answered', async () => {
    const db = await freshDb();
    const item = (await db.items.get(ITEM))!;
    await db.items.put({ ...item, order: 'a2' });
    await legacyMove(db, OTHER, OTHER_KEY);
    await setSession(db, SESSION, KEY);
    await updateRecord(db, 'items', ITEM, { label: '⑨' }, 'A');
    const sent = await takeOutboxBatch(db, 'u1', 10);
    // Applied; the page with the item's new version comes later (hasMore).
    await applyRoundTrip(db, sent, answer({ results: results(sent, 'applied'), hasMore: true }), { ...CTX, userId: 'u1' });
    expect(await db.items.get(ITEM)).toMatchObject({ label: '⑨', order: 'a2' });
    expect((await db.outbox.toArray()).map((e) => e.changes.order)).toEqual([2]);
  });

  it('takes a pulled record an older server process wrote with an integer order as the key of that integer', async () => {
    const db = await freshDb();
    const item = (await db.items.get(ITEM))!;
    await applyRoundTrip(db, [], answer({ changes: [{ table: 'items', id: ITEM, version: 10, record: { ...item, order: 3, label: '⑦' } }] }), CTX);
    expect(await db.items.get(ITEM)).toMatchObject({ label: '⑦', order: 'a3' });
  });
});
