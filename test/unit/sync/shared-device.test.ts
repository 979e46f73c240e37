// One tablet, several people: every outbox entry is its author's and goes out only under their
// login; earlier people's entries stay on the device (laid over the records, through a pull
// that starts over for the next person) until their author signs in again or someone discards
// them after a warning; 「この端末のデータを消す」 leaves only the device's own secret. On
// fake-indexeddb with the real repository, sync store and engine against a scripted transport.
import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { afterEach, describe, expect, it } from 'vitest';
import { TrackerDb } from '../../../src/db/database';
import { saveProgress, storePlanRecords } from '../../../src/sync/edits';
import { pendingByAuthor } from '../../../src/sync/shared-device';
import { discardOutboxOf, eraseDeviceData } from '../../../src/sync/round-trip';
import { setSession } from '../../../src/sync/session-store';
import { takeOutboxBatch } from '../../../src/sync/outbox';
import { parsePlanFile, planFileToRecords } from '../../../src/model/plan-file';
import { progressId, type Progress } from '../../../src/model/schemas';
import { createSyncEngine, type SyncEngine } from '../../../src/sync/engine';
import { PROTOCOL_VERSION, type LoginResponse, type SyncRequest, type SyncResponse } from '../../../src/model/protocol';
import type { Transport } from '../../../src/sync/transport';
import good from '../../fixtures/plan-file-good.json';

const PLAN = 'plan-1';
const key = { planId: PLAN, itemId: `${PLAN}/p1-2-1`, periodId: '2024-H1' };
const PID = progressId(key.itemId, key.periodId);
const branches = [{ id: 'osaka', name: '大阪支部', role: 'staff' as const }];
const staff: LoginResponse = {
  token: 'tok-staff',
  expiresAt: '2030-01-01T00:00:00Z',
  user: { id: 'u-staff', email: 'staff@osaka', name: '大阪 担当' },
  branches,
};
const lead: LoginResponse = {
  token: 'tok-lead',
  expiresAt: '2030-01-01T00:00:00Z',
  user: { id: 'u-lead', email: 'lead@osaka', name: '大阪 リーダー' },
  branches: [{ ...branches[0]!, role: 'lead' }],
};

async function freshDb(name = `shared-device-${crypto.randomUUID()}`): Promise<TrackerDb> {
  const db = new TrackerDb(name);
  const parsed = parsePlanFile(good);
  if (!parsed.ok) throw new Error('fixture does not parse');
  let n = 0;
  await storePlanRecords(db, planFileToRecords(parsed.file, { planId: PLAN, now: '2024-07-01T00:00:00.000Z', author: 'テスト', newId: () => `n${++n}` }), {
    outbox: false,
  });
  return db;
}

async function progress(db: TrackerDb): Promise<Progress | undefined> {
  return db.progress.get(PID);
}

/** A server that remembers which token sent which mutation and answers with `changes`. */
function server(changes: () => SyncResponse['changes'] = () => []) {
  const requests: { req: SyncRequest; token: string }[] = [];
  let login: LoginResponse = staff;
  const transport: Transport = {
    sync: async (req, token) => {
      requests.push({ req: structuredClone(req), token });
      return {
        protocolVersion: PROTOCOL_VERSION,
        results: req.mutations.map((m) => ({ mutationId: m.id, status: 'applied' as const })),
        changes: changes(),
        cursor: `c${requests.length}`,
        hasMore: false,
        reset: false,
      };
    },
    login: async () => login,
    logout: async () => undefined,
    info: async () => ({ protocolVersion: PROTOCOL_VERSION, demo: null }),
  };
  return { requests, transport, signInAs: (s: LoginResponse) => (login = s) };
}

const engines: SyncEngine[] = [];
function engine(db: TrackerDb, transport: Transport): SyncEngine {
  // Timers that never fire: the test runs every round trip itself with syncNow().
  const e = createSyncEngine({ db, transport, setTimer: () => 0, clearTimer: () => undefined, locks: null, online: () => true, events: null });
  engines.push(e);
  return e;
}

afterEach(() => {
  for (const e of engines.splice(0)) e.stop();
});

describe('an outbox entry belongs to the person who made it', () => {
  it('S27: names the signed-in user, and after sign-out still the last one', async () => {
    const db = await freshDb();
    await setSession(db, staff);
    await saveProgress(db, key, { evaluation: '△' }, '大阪 担当');
    await setSession(db, null);
    // A field flushed as the person signs out is still theirs.
    await saveProgress(db, key, { done: '訪問した' }, '大阪 担当');
    expect((await db.outbox.toArray()).map((e) => e.author)).toEqual([{ id: 'u-staff', name: '大阪 担当' }]);
  });

  it('S27: is never folded into another person’s entry of the same record', async () => {
    const db = await freshDb();
    await setSession(db, staff);
    await saveProgress(db, key, { done: '担当の入力' }, '大阪 担当');
    await setSession(db, lead);
    await saveProgress(db, key, { evaluation: '－' }, '大阪 リーダー');
    const entries = await db.outbox.toArray();
    expect(entries.map((e) => [e.author?.id, Object.keys(e.changes)])).toEqual([
      ['u-staff', ['done']],
      ['u-lead', ['evaluation']],
    ]);
    expect(entries[1]!.changes).not.toHaveProperty('done');
  });

  it('S27: is nobody’s when nobody had signed in on the device yet, and never goes out under whoever signs in', async () => {
    const db = await freshDb();
    await saveProgress(db, key, { evaluation: '△' }, '担当者');
    expect((await db.outbox.toArray())[0]!.author).toBeUndefined();
    // Nothing on the device can prove who wrote it (the device's storage can be edited with
    // the browser's tools), so a login never takes it over.
    await setSession(db, lead, 'a'.repeat(64));
    expect((await db.outbox.toArray())[0]!.author).toBeUndefined();
    expect(await takeOutboxBatch(db, 'u-lead', 10)).toEqual([]);
    expect(await db.outbox.count()).toBe(1);
  });

  it('S28: is taken into a batch only for its author', async () => {
    const db = await freshDb();
    await setSession(db, staff);
    await saveProgress(db, key, { evaluation: '△' }, '大阪 担当');
    await setSession(db, lead);
    expect(await takeOutboxBatch(db, 'u-lead', 10)).toEqual([]);
    expect(await takeOutboxBatch(db, 'u-staff', 10)).toHaveLength(1);
  });
});

describe('the upgrade to authored entries', () => {
  it('gives entries written before it to the session signed in then', async () => {
    const name = `shared-upgrade-${crypto.randomUUID()}`;
    const old = new Dexie(name);
    old.version(2).stores({ outbox: '++seq, recordId, planId', meta: 'key', plans: 'id' });
    await old.open();
    await old.table('meta').put({ key: 'sync.session', value: staff });
    await old.table('outbox').add({
      mutationId: 'm1',
      table: 'progress',
      recordId: PID,
      planId: PLAN,
      changes: { evaluation: '△' },
      base: { evaluation: null },
      create: null,
      createdAt: '2024-07-01T00:00:00.000Z',
    });
    old.close();
    const db = new TrackerDb(name);
    expect((await db.outbox.toArray()).map((e) => e.author)).toEqual([{ id: 'u-staff', name: '大阪 担当' }]);
    expect(db.verno).toBeGreaterThanOrEqual(3);
    db.close();
  });
});

describe('two people on one tablet', () => {
  it('S28: never sends the first person’s edits under the second’s login; they go when the first signs in again', async () => {
    const db = await freshDb();
    const before = (await progress(db))!;
    // What the server has of the record: the second person's first pull brings it.
    const api = server(() => [{ table: 'progress', id: PID, version: 5, record: { ...before, updatedBy: 'server' } }]);
    const e = engine(db, api.transport);
    await e.start();
    expect(await e.login('staff@osaka', 'pw')).toEqual({ ok: true });
    await e.syncNow();
    await saveProgress(db, key, { evaluation: '△', done: '担当がオフラインで入力' }, '大阪 担当');
    await e.logout();

    api.signInAs(lead);
    expect(await e.login('lead@osaka', 'pw')).toEqual({ ok: true });
    await e.syncNow();
    const leadRequests = api.requests.filter((r) => r.token === 'tok-lead');
    expect(leadRequests.length).toBeGreaterThan(0);
    expect(leadRequests.flatMap((r) => r.req.mutations)).toEqual([]);
    // The pull started over for the lead; the staff's edit is still laid over the record.
    expect(leadRequests[0]!.req.cursor).toBeNull();
    expect(await progress(db)).toMatchObject({ evaluation: '△', done: '担当がオフラインで入力' });
    expect(await pendingByAuthor(db)).toEqual([{ author: { id: 'u-staff', name: '大阪 担当' }, count: 1 }]);

    await e.logout();
    api.signInAs(staff);
    expect(await e.login('staff@osaka', 'pw')).toEqual({ ok: true });
    await e.syncNow();
    const staffMutations = api.requests.filter((r) => r.token === 'tok-staff').flatMap((r) => r.req.mutations);
    expect(staffMutations).toEqual([
      expect.objectContaining({ recordId: PID, changes: expect.objectContaining({ evaluation: '△', done: '担当がオフラインで入力' }) }),
    ]);
    expect(await db.outbox.count()).toBe(0);
  });

  it('S28: drops an answer that arrives after its person signed out, keeping the entries for them', async () => {
    const db = await freshDb();
    await setSession(db, staff);
    await saveProgress(db, key, { evaluation: '△' }, '大阪 担当');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let sent!: () => void;
    const out = new Promise<void>((resolve) => (sent = resolve));
    const api = server();
    const sync = api.transport.sync;
    api.transport.sync = async (req, token) => {
      sent();
      await gate;
      return sync(req, token);
    };
    const e = engine(db, api.transport);
    await e.start();
    const running = e.syncNow();
    await out;
    await setSession(db, lead);
    release();
    await running;
    expect(await db.outbox.toArray()).toEqual([expect.objectContaining({ author: { id: 'u-staff', name: '大阪 担当' }, inFlight: true })]);
  });
});

describe('an entry forged in the browser’s storage', () => {
  it('S30: is never sent under the login of the person it claims, and is shown as refused', async () => {
    const db = await freshDb();
    const api = server();
    const e = engine(db, api.transport);
    await e.start();
    expect(await e.login('staff@osaka', 'staff-pw')).toEqual({ ok: true });
    await saveProgress(db, key, { evaluation: '△' }, '大阪 担当');
    // With DevTools, while signed in as staff: a delete of an item in the lead's name, and a
    // copy of the staff's own sealed entry relabelled as the lead's.
    const own = (await db.outbox.toArray())[0]!;
    const leadAuthor = { id: 'u-lead', name: '大阪 リーダー' };
    await db.outbox.add({
      mutationId: 'forged-delete',
      table: 'items',
      recordId: key.itemId,
      planId: PLAN,
      changes: { deleted: true },
      base: { deleted: false },
      create: null,
      createdAt: new Date().toISOString(),
      author: leadAuthor,
    });
    await db.outbox.add({ ...own, seq: undefined, mutationId: 'forged-copy', author: leadAuthor });
    await e.logout();

    api.signInAs(lead);
    expect(await e.login('lead@osaka', 'lead-pw')).toEqual({ ok: true });
    await e.syncNow();
    expect(api.requests.filter((r) => r.token === 'tok-lead').flatMap((r) => r.req.mutations)).toEqual([]);
    expect((await db.rejected.toArray()).map((r) => r.mutationId).sort()).toEqual(['forged-copy', 'forged-delete']);
    expect((await db.items.get(key.itemId))?.deleted).toBe(false);
    // The staff's own entry still waits for the staff.
    expect(await pendingByAuthor(db)).toEqual([{ author: { id: 'u-staff', name: '大阪 担当' }, count: 1 }]);
  });

  it('S27, S31: is not taken over at the next login when the device’s memory of its last user was deleted', async () => {
    const db = await freshDb();
    const api = server();
    const e = engine(db, api.transport);
    await e.start();
    expect(await e.login('staff@osaka', 'staff-pw')).toEqual({ ok: true });
    await e.logout();
    // With DevTools: the device "never had a user", and an entry with no author deletes an item.
    await db.meta.delete('sync.lastUser');
    await db.outbox.add({
      mutationId: 'forged-unowned',
      table: 'items',
      recordId: key.itemId,
      planId: PLAN,
      changes: { deleted: true },
      base: { deleted: false },
      create: null,
      createdAt: new Date().toISOString(),
    });

    api.signInAs(lead);
    expect(await e.login('lead@osaka', 'lead-pw')).toEqual({ ok: true });
    await e.syncNow();
    expect(api.requests.flatMap((r) => r.req.mutations).map((m) => m.id)).not.toContain('forged-unowned');
  });

  it('S31: is not sealed at the lead’s login when the stored session was forged to look like theirs', async () => {
    const db = await freshDb();
    const api = server();
    const e = engine(db, api.transport);
    await e.start();
    expect(await e.login('staff@osaka', 'staff-pw')).toEqual({ ok: true });
    // With DevTools, while signed in as staff: the stored session made the lead's, the signing
    // key removed, and an unsealed delete in the lead's name.
    await db.meta.put({ key: 'sync.session', value: { ...lead, token: 'bogus' } });
    await db.meta.delete('sync.signingKey');
    await db.outbox.add({
      mutationId: 'forged-session',
      table: 'items',
      recordId: key.itemId,
      planId: PLAN,
      changes: { deleted: true },
      base: { deleted: false },
      create: null,
      createdAt: new Date().toISOString(),
      author: { id: 'u-lead', name: '大阪 リーダー' },
    });

    api.signInAs(lead);
    expect(await e.login('lead@osaka', 'lead-pw')).toEqual({ ok: true });
    await e.syncNow();
    expect(
      api.requests
        .filter((r) => r.token === 'tok-lead')
        .flatMap((r) => r.req.mutations)
        .map((m) => m.id),
    ).not.toContain('forged-session');
    expect((await db.items.get(key.itemId))?.deleted).toBe(false);
  });

  it('S30: does not stop the person’s own entries from going out at their next login', async () => {
    const db = await freshDb();
    const api = server();
    const e = engine(db, api.transport);
    await e.start();
    expect(await e.login('staff@osaka', 'staff-pw')).toEqual({ ok: true });
    await saveProgress(db, key, { evaluation: '△' }, '大阪 担当');
    await e.logout();
    expect(await e.login('staff@osaka', 'staff-pw')).toEqual({ ok: true });
    await e.syncNow();
    expect(api.requests.flatMap((r) => r.req.mutations)).toHaveLength(1);
    expect(await db.rejected.count()).toBe(0);
  });
});

describe('discarding and erasing', () => {
  it('S29: discards one person’s entries, putting the records back and keeping everyone else’s', async () => {
    const db = await freshDb();
    const before = (await progress(db))!;
    await setSession(db, staff);
    await saveProgress(db, key, { done: '担当の入力' }, '大阪 担当');
    await setSession(db, lead);
    await saveProgress(db, { ...key, periodId: '2024-H2' }, { evaluation: '○' }, '大阪 リーダー');
    expect(await discardOutboxOf(db, 'u-staff')).toBe(1);
    expect((await progress(db))!.done).toBe(before.done);
    expect(await pendingByAuthor(db)).toEqual([{ author: { id: 'u-lead', name: '大阪 リーダー' }, count: 1 }]);
    expect((await db.progress.get(progressId(key.itemId, '2024-H2')))!.evaluation).toBe('○');
  });

  it('S29: erases every plan record, entry and meta row but the device’s secret', async () => {
    const db = await freshDb();
    await setSession(db, staff);
    await saveProgress(db, key, { done: '担当の入力' }, '大阪 担当');
    await db.meta.bulkPut([
      { key: 'sync.deviceSecret', value: 'keep me' },
      { key: 'sync.cursor', value: { cursor: 'c1', scope: 'x' } },
      { key: 'actorName', value: '担当者' },
    ]);
    await eraseDeviceData(db);
    for (const t of ['plans', 'sections', 'items', 'progress', 'notes', 'kpis', 'measurements', 'conflicts', 'history', 'outbox', 'rejected']) {
      expect(await db.table(t).count(), t).toBe(0);
    }
    expect(await db.meta.toArray()).toEqual([{ key: 'sync.deviceSecret', value: 'keep me' }]);
  });
});
