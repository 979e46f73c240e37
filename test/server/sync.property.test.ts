// Property-based test of sync end to end: three devices, each its own TrackerDb on
// fake-indexeddb running the real engine, against the real server (Hono app over SQLite in a
// temp file, called in-process), logged in as the demo accounts. fast-check draws interleavings
// of offline edits (evaluations; insertions into 実施状況 and 今後の実施予定等 at random places,
// by several devices at once, some typed on the text as the person last saw it and sent against
// it as their ancestor; notes, measurements), syncs, edits made while a request is out, lost
// answers (the server applied, the device never heard), duplicated requests, failed requests,
// server restarts and tab reloads, every entry sealed with its author's key. Before every
// request and after every sync a device shows its own pending edits; at the end every device
// syncs until quiet, and then:
//   - every device holds exactly the server's records, table by table;
//   - every edit a device made (the last one of each field before each request) is the field's
//     final value, or kept in a conflict record, or was replaced by an edit made on top of it;
//   - every text a device inserted is in the field's final text (edits of different places of
//     one text are merged), or, where two devices inserted at the same place, in a conflict
//     record; a device shows every text of its pending edits while it waits;
//   - nothing was applied twice (one history row per mutation, notes once each).
// Runs are bounded; the seed is fixed (override with SYNC_PROPERTY_SEED, and the number of runs
// with SYNC_PROPERTY_RUNS) and fast-check prints the seed and shrunk counterexample on failure.
import 'fake-indexeddb/auto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signingKeyOf, TrackerDb } from '../../src/db/database';
import { addNote, saveMeasurement, saveProgress, saveProgressText } from '../../src/sync/edits';
import { setSession } from '../../src/sync/session-store';
import { DEMO_PLAN_ID } from '../../src/model/demo';
import { canonicalJson, isMergeableText, sameValue } from '../../src/model/merge';
import { RECORD_TABLES, measurementId, progressId, type Evaluation, type RecordTable } from '../../src/model/schemas';
import { createApp } from '../../src/server/app';
import { DEMO_BRANCH, DEMO_PASSWORD, DEMO_USERS, ensureDemo } from '../../src/server/demo';
import { silentLogger } from '../../src/server/log';
import { openSqliteStorage, type SqliteStorage } from '../../src/server/storage/sqlite';
import { createSyncEngine, type SyncEngine } from '../../src/sync/engine';
import type { LoginResponse, Mutation } from '../../src/model/protocol';
import { TransportError, fetchTransport, type Transport } from '../../src/sync/transport';
import { TEST_PASSWORD_COST } from './helpers';

const DEVICES = 3;
const NUM_RUNS = Number(process.env.SYNC_PROPERTY_RUNS ?? 50);
const SEED = Number(process.env.SYNC_PROPERTY_SEED ?? 20_241_122);
const ITEMS = 2;
const KPIS = 2;
// Few records, so that devices often meet on the same field.
const PERIODS = ['2024-H1'] as const;
const MONTHS = ['2024-09'] as const;
const EVALUATIONS: (Evaluation | null)[] = ['○', '△', '－', null];

type Edit =
  /**
   * A text field gets a token inserted at its `at`-th place between tokens (counting round).
   * `stale`: typed into the text as the person last wrote it (or first saw it), as a field open
   * on screen since then whose text overlapped a change that arrived meanwhile: written against
   * that text as its ancestor (autosave-state.ts), so the server merges or keeps both as a 競合.
   */
  | { kind: 'progress'; item: number; period: number; field: 'done' | 'next' | 'evaluation'; evaluation: number; at: number; stale: boolean }
  | { kind: 'note'; item: number }
  | { kind: 'measurement'; kpi: number; month: number; clear: boolean };
type Fault = 'none' | 'offline' | 'lost' | 'duplicate';
type Action =
  | { kind: 'edit'; device: number; edit: Edit }
  /** `during`: an edit made on the device while the request is out. */
  | { kind: 'sync'; device: number; fault: Fault; during: Edit | null }
  | { kind: 'reload'; device: number }
  | { kind: 'restart' };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('progress' as const),
      item: fc.nat({ max: ITEMS - 1 }),
      period: fc.nat({ max: PERIODS.length - 1 }),
      field: fc.constantFrom('done' as const, 'next' as const, 'evaluation' as const),
      evaluation: fc.nat({ max: EVALUATIONS.length - 1 }),
      at: fc.nat({ max: 4 }),
      stale: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('note' as const), item: fc.nat({ max: ITEMS - 1 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('measurement' as const),
      kpi: fc.nat({ max: KPIS - 1 }),
      month: fc.nat({ max: MONTHS.length - 1 }),
      clear: fc.boolean(),
    }),
  },
);
const deviceArb = fc.nat({ max: DEVICES - 1 });
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 7, arbitrary: fc.record({ kind: fc.constant('edit' as const), device: deviceArb, edit: editArb }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('sync' as const),
      device: deviceArb,
      fault: fc.constantFrom<Fault>('none', 'none', 'offline', 'lost', 'duplicate'),
      during: fc.option(editArb, { freq: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reload' as const), device: deviceArb }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

interface Server {
  storage: SqliteStorage;
  app: ReturnType<typeof createApp>;
}

async function openServer(path: string): Promise<Server> {
  const storage = await openSqliteStorage(path);
  const demoAccounts = await ensureDemo(storage, { production: false, log: silentLogger, now: new Date(), passwordCost: TEST_PASSWORD_COST });
  return { storage, app: createApp({ passwordCost: TEST_PASSWORD_COST, storage, demoAccounts }) };
}

interface Device {
  index: number;
  db: TrackerDb;
  engine: SyncEngine;
  actor: string;
  /** What the next request meets. */
  fault: Fault;
  during: Edit | null;
  /** Requests made so far: an edit belongs to the window before the next one. */
  requests: number;
  /** Each text field (`recordId/field`) as the device's person last wrote it (or first saw it). */
  shown: Map<string, string>;
}

/** A text a device inserted into a field: it must never be lost. */
interface Insertion {
  recordId: string;
  field: 'done' | 'next';
  token: string;
}

const TOKEN = /〔[^〕]*〕/g;

/** The places a token may go into a text: its start, its end and after each token, so none is split. */
function places(text: string): number[] {
  const at = new Set([0, text.length]);
  for (const m of text.matchAll(TOKEN)) at.add(m.index + m[0].length);
  return [...at].sort((a, b) => a - b);
}

/** A field value a device wrote, and the request window it was written in. */
interface Write {
  device: number;
  table: 'progress' | 'measurements';
  recordId: string;
  field: string;
  value: unknown;
  window: number;
}

let dir: string;
let templatePath: string;
let itemIds: string[] = [];
let kpiIds: string[] = [];
const sessions: LoginResponse[] = [];
const signingKeys: string[] = [];

function newEngine(db: TrackerDb, transport: Transport): SyncEngine {
  // Timers never fire and there is no page: the test decides when each device syncs.
  return createSyncEngine({ db, transport, setTimer: () => 0, clearTimer: () => undefined, locks: null, online: () => true, events: null });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sync-property-'));
  templatePath = join(dir, 'template.sqlite');
  // Seeding and logging in hash passwords (scrypt): do both once; every run copies the file,
  // tokens included.
  const template = await openServer(templatePath);
  const page = await template.storage.changesSince(Object.fromEntries([DEMO_BRANCH.id].map((b) => [b, 0])), 100_000);
  const idsOf = (table: RecordTable, n: number) =>
    page.records
      .filter((r) => r.table === table)
      .slice(0, n)
      .map((r) => r.id);
  itemIds = idsOf('items', ITEMS);
  kpiIds = idsOf('kpis', KPIS);
  for (let i = 0; i < DEVICES; i++) {
    const account = DEMO_USERS[i % DEMO_USERS.length]!;
    const db = new TrackerDb(`sync-property-login-${crypto.randomUUID()}`);
    const engine = newEngine(
      db,
      fetchTransport((url, init) => template.app.request(url, init)),
    );
    const login = await engine.login(account.email, DEMO_PASSWORD);
    const session = engine.getStatus().session;
    if (!login.ok || !session) throw new Error(`login as ${account.email} failed`);
    sessions.push(session);
    // Every edit is sealed with this key, as on a device where its author signed in.
    const key = await signingKeyOf(db, session.user.id);
    if (!key) throw new Error(`login as ${account.email} kept no signing key`);
    signingKeys.push(key);
    await db.delete();
  }
  await template.storage.close();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

type Row = Record<string, unknown>;

function byTable(list: readonly { table: RecordTable; data: Row }[]): Record<RecordTable, string[]> {
  const out = Object.fromEntries(RECORD_TABLES.map((t) => [t, [] as string[]])) as Record<RecordTable, string[]>;
  for (const r of list) out[r.table].push(canonicalJson(r.data));
  for (const t of RECORD_TABLES) out[t].sort();
  return out;
}

async function serverRecords(storage: SqliteStorage): Promise<{ table: RecordTable; data: Row }[]> {
  const page = await storage.changesSince(Object.fromEntries([DEMO_BRANCH.id].map((b) => [b, 0])), 1_000_000);
  return page.records.map((r) => ({ table: r.table, data: JSON.parse(r.data) as Row }));
}

async function deviceRecords(db: TrackerDb): Promise<{ table: RecordTable; data: Row }[]> {
  const out: { table: RecordTable; data: Row }[] = [];
  for (const t of RECORD_TABLES) for (const data of await db.table(t).toArray()) out.push({ table: t, data: data as Row });
  return out;
}

/**
 * A device shows its own latest value of every field it has pending; of a free text, which it
 * shows merged with what the server has, every token of the pending value.
 */
async function expectOwnEditsShown(db: TrackerDb, label: string): Promise<void> {
  const pending = new Map<string, { table: string; id: string; fields: Row }>();
  for (const e of await db.outbox.toArray()) {
    const key = `${e.table}|${e.recordId}`;
    const entry = pending.get(key) ?? { table: e.table, id: e.recordId, fields: {} };
    Object.assign(entry.fields, e.changes);
    pending.set(key, entry);
  }
  for (const { table, id, fields } of pending.values()) {
    const record = (await db.table(table).get(id)) as Row | undefined;
    for (const [field, value] of Object.entries(fields)) {
      if (isMergeableText(table as RecordTable, field) && typeof value === 'string') {
        const shown = String(record?.[field] ?? '');
        for (const token of value.match(TOKEN) ?? []) expect(shown, `${label}: ${table} ${id} ${field} shows ${token}`).toContain(token);
      } else expect(record?.[field], `${label}: ${table} ${id} ${field}`).toEqual(value);
    }
  }
}

/** One scenario on a fresh copy of the seeded server and three fresh devices. */
class Scenario {
  server!: Server;
  readonly path = join(dir, `run-${crypto.randomUUID()}.sqlite`);
  readonly devices: Device[] = [];
  readonly writes: Write[] = [];
  readonly insertions: Insertion[] = [];
  readonly notesAdded = new Set<string>();
  /** Failed expectations inside a transport call. */
  readonly violations: unknown[] = [];
  /** Every mutation that reached the server, by id. */
  readonly sent = new Map<string, Mutation>();
  private counter = 0;

  async open(): Promise<void> {
    const template = await openSqliteStorage(templatePath);
    await template.backup(this.path);
    await template.close();
    this.server = await openServer(this.path);
    for (let i = 0; i < DEVICES; i++) {
      const db = new TrackerDb(`sync-property-${crypto.randomUUID()}`);
      await setSession(db, sessions[i]!, signingKeys[i]);
      const d: Device = {
        index: i,
        db,
        engine: undefined as unknown as SyncEngine,
        actor: sessions[i]!.user.name,
        fault: 'none',
        during: null,
        requests: 0,
        shown: new Map(),
      };
      d.engine = newEngine(db, this.transport(d));
      await d.engine.start();
      this.devices.push(d);
      // The first sync brings the demo plan, as on a device that just logged in.
      await d.engine.syncNow();
      await this.showStored(d);
      expect(d.engine.getStatus()).toMatchObject({ state: 'idle', lastError: null });
    }
  }

  /** The device's way to the current server, with the faults the scenario asks for. */
  private transport(d: Device): Transport {
    const base = fetchTransport((url, init) => this.server.app.request(url, init));
    return {
      sync: async (req, token) => {
        // Also between the round trips of one syncNow(), not only once it is over; the engine
        // would take a failure here for a network error, so it is kept for run() to throw.
        await expectOwnEditsShown(d.db, `device ${d.index} before request ${d.requests + 1}`).catch((e: unknown) => {
          this.violations.push(e);
          throw e;
        });
        const { fault, during } = d;
        d.fault = 'none';
        d.during = null;
        d.requests++;
        if (during) await this.edit(d, during);
        if (fault === 'offline') throw new TransportError('network', 'offline');
        for (const m of req.mutations) this.sent.set(m.id, m);
        if (fault === 'lost') {
          await base.sync(req, token).catch(() => undefined);
          throw new TransportError('network', 'the answer was lost');
        }
        if (fault === 'duplicate') await base.sync(req, token).catch(() => undefined);
        return base.sync(req, token);
      },
      login: (req) => base.login(req),
      logout: (token) => base.logout(token),
      info: () => base.info(),
    };
  }

  async edit(d: Device, edit: Edit): Promise<void> {
    const n = ++this.counter;
    switch (edit.kind) {
      case 'progress': {
        const itemId = itemIds[edit.item]!;
        const periodId = PERIODS[edit.period]!;
        const recordId = progressId(itemId, periodId);
        if (edit.field === 'evaluation') {
          const value = EVALUATIONS[edit.evaluation]!;
          await saveProgress(d.db, { planId: DEMO_PLAN_ID, itemId, periodId }, { evaluation: value }, d.actor);
          this.writes.push({ device: d.index, table: 'progress', recordId, field: edit.field, value, window: d.requests });
          return;
        }
        const stored = await d.db.progress.get(recordId);
        const text = String(stored?.[edit.field] ?? '');
        const ancestor = d.shown.get(`${recordId}/${edit.field}`);
        const typedOn = edit.stale && stored && ancestor !== undefined && ancestor !== text ? ancestor : text;
        const at = places(typedOn);
        const place = at[edit.at % at.length]!;
        const token = `〔d${d.index}-${n}〕`;
        const value = typedOn.slice(0, place) + token + typedOn.slice(place);
        const key = { planId: DEMO_PLAN_ID, itemId, periodId };
        if (typedOn === text) await saveProgress(d.db, key, { [edit.field]: value }, d.actor);
        else await saveProgressText(d.db, key, edit.field, value, text, d.actor, typedOn);
        d.shown.set(`${recordId}/${edit.field}`, value);
        this.insertions.push({ recordId, field: edit.field, token });
        return;
      }
      case 'note': {
        const note = await addNote(d.db, { planId: DEMO_PLAN_ID, itemId: itemIds[edit.item]!, date: '2024-06-01', text: `訪問 d${d.index}-${n}` }, d.actor);
        this.notesAdded.add(note.id);
        return;
      }
      case 'measurement': {
        const kpiId = kpiIds[edit.kpi]!;
        const month = MONTHS[edit.month]!;
        const value = edit.clear ? null : n + d.index / 10;
        await saveMeasurement(d.db, { planId: DEMO_PLAN_ID, kpiId, month }, value, d.actor);
        this.writes.push({ device: d.index, table: 'measurements', recordId: measurementId(kpiId, month), field: 'value', value, window: d.requests });
        return;
      }
    }
  }

  async showStored(d: Device): Promise<void> {
    for (const p of await d.db.progress.toArray()) for (const field of ['done', 'next'] as const) d.shown.set(`${p.id}/${field}`, p[field]);
  }

  async run(a: Action): Promise<void> {
    if (a.kind === 'restart') {
      await this.server.storage.close();
      this.server = await openServer(this.path);
      return;
    }
    const d = this.devices[a.device]!;
    switch (a.kind) {
      case 'edit':
        return this.edit(d, a.edit);
      case 'sync': {
        d.fault = a.fault;
        d.during = a.during;
        await d.engine.syncNow();
        if (this.violations.length > 0) throw this.violations[0];
        const label = `device ${d.index} after a sync (${a.fault})`;
        if (a.fault === 'none' || a.fault === 'duplicate') expect(d.engine.getStatus(), label).toMatchObject({ state: 'idle', lastError: null });
        else expect(d.engine.getStatus().state, label).toBe('error');
        await expectOwnEditsShown(d.db, label);
        return;
      }
      case 'reload':
        // The screen opens again on what is stored.
        await this.showStored(d);
        d.engine.stop();
        d.engine = newEngine(d.db, this.transport(d));
        await d.engine.start();
        return;
    }
  }

  /** Everyone online until quiet: rounds that push everything, then one that pulls it all. */
  async settle(): Promise<void> {
    for (let round = 0; round < 5; round++) {
      for (const d of this.devices) await d.engine.syncNow();
      const pending = await Promise.all(this.devices.map((d) => d.db.outbox.count()));
      if (pending.every((n) => n === 0)) break;
    }
    for (const d of this.devices) await d.engine.syncNow();
  }

  async check(): Promise<void> {
    if (this.violations.length > 0) throw this.violations[0];
    const onServer = await serverRecords(this.server.storage);
    const expected = byTable(onServer);
    for (const d of this.devices) {
      const label = `device ${d.index}`;
      expect(d.engine.getStatus(), label).toMatchObject({ state: 'idle', lastError: null });
      expect(await d.db.outbox.count(), `${label} outbox`).toBe(0);
      expect(await d.db.rejected.toArray(), `${label} rejected`).toEqual([]);
      expect(await d.db.meta.where('key').startsWith('sync.server:').count(), `${label} server copies left`).toBe(0);
      const held = byTable(await deviceRecords(d.db));
      for (const t of RECORD_TABLES) expect(held[t], `${label} table ${t}`).toEqual(expected[t]);
    }

    const rows = (t: RecordTable) => onServer.filter((r) => r.table === t).map((r) => r.data);
    const conflicts = rows('conflicts');
    const history = rows('history');

    // No edit is lost: the last value of each field before each request survives somewhere.
    const last = new Map<string, Write>();
    for (const w of this.writes) last.set(`${w.device}|${w.window}|${w.table}|${w.recordId}|${w.field}`, w);
    for (const w of last.values()) {
      const final = onServer.find((r) => r.table === w.table && r.data.id === w.recordId)?.data[w.field];
      const inConflict = conflicts.some(
        (c) => c.recordId === w.recordId && c.field === w.field && (sameValue(c.clientValue, w.value) || sameValue(c.serverValue, w.value)),
      );
      const replaced = history.some(
        (h) => h.recordId === w.recordId && sameValue((h.changes as Record<string, { from: unknown } | undefined>)[w.field]?.from, w.value),
      );
      expect(sameValue(final, w.value) || inConflict || replaced, `edit lost: ${JSON.stringify(w)} (final ${JSON.stringify(final)})`).toBe(true);
    }

    // No text is lost: merged into the final text, or (inserted at the same place as another) in a conflict.
    for (const ins of this.insertions) {
      const final = String(onServer.find((r) => r.table === 'progress' && r.data.id === ins.recordId)?.data[ins.field] ?? '');
      const inConflict = conflicts.some(
        (c) => c.recordId === ins.recordId && c.field === ins.field && typeof c.clientValue === 'string' && c.clientValue.includes(ins.token),
      );
      expect(final.includes(ins.token) || inConflict, `text lost: ${JSON.stringify(ins)} (final ${JSON.stringify(final)})`).toBe(true);
    }

    // Nothing applied twice: a history row per mutation, a conflict per mutation and field.
    const count = (keys: string[]) => [...keys.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>())].filter(([, n]) => n > 1);
    const historyMutations = history.map((h) => String(h.id).split(':')[1]!);
    expect(
      historyMutations.filter((id) => !this.sent.has(id)),
      'history of mutations nobody sent',
    ).toEqual([]);
    expect(count(historyMutations), 'mutations applied twice').toEqual([]);
    expect(count(conflicts.map((c) => String(c.id).split(':').slice(0, 3).join(':'))), 'conflicts recorded twice').toEqual([]);
    const notes = rows('notes').map((n) => String(n.id));
    expect(notes.filter((id) => !id.startsWith(`${DEMO_PLAN_ID}/`)).sort()).toEqual([...this.notesAdded].sort());
  }

  async close(): Promise<void> {
    for (const d of this.devices) {
      d.engine.stop();
      await d.db.delete();
    }
    await this.server.storage.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(this.path + suffix, { force: true });
  }
}

const done = (item = 0, at = 0, stale = false): Edit => ({ kind: 'progress', item, period: 0, field: 'done', evaluation: 0, at, stale });
const evaluate: Edit = { kind: 'progress', item: 0, period: 0, field: 'evaluation', evaluation: 1, at: 0, stale: false };
const next: Edit = { kind: 'progress', item: 0, period: 0, field: 'next', evaluation: 0, at: 0, stale: false };
/** Runs first: cases that once broke, or that random runs reach only now and then. */
const EXAMPLES: Action[][] = [
  // An edit after a lost answer must not be folded into the entry the server already applied.
  [
    { kind: 'edit', device: 0, edit: done() },
    { kind: 'sync', device: 0, fault: 'lost', during: null },
    { kind: 'edit', device: 0, edit: done() },
    { kind: 'sync', device: 0, fault: 'none', during: null },
  ],
  // A pull while an edit of the same record waits shows the edit over the server's record…
  [
    { kind: 'edit', device: 1, edit: done() },
    { kind: 'sync', device: 1, fault: 'none', during: null },
    { kind: 'sync', device: 0, fault: 'none', during: next },
  ],
  // …and when that edit then loses to the value pulled meanwhile, the device shows the winner.
  [
    { kind: 'sync', device: 1, fault: 'none', during: done(1) },
    { kind: 'sync', device: 0, fault: 'none', during: done(1) },
    { kind: 'sync', device: 0, fault: 'none', during: null },
  ],
  // An edit made while the request is out (at the start of the text) is merged with a
  // colleague's (at its end) when the answer comes, and sealed again: the next request must
  // still send it, not set it aside as unsealed.
  [
    { kind: 'edit', device: 0, edit: done(0, 0) },
    { kind: 'edit', device: 1, edit: done(0, 1) },
    { kind: 'sync', device: 1, fault: 'none', during: null },
    { kind: 'sync', device: 0, fault: 'none', during: done(0, 0) },
    { kind: 'sync', device: 0, fault: 'none', during: null },
  ],
  // Typed on the text as the person last saw it, after a colleague's change arrived (at the
  // end): written against that text (its ancestor) at the start it merges, at the end it is a
  // 競合 keeping both; and the same with an edit of the record (評価) still waiting meanwhile.
  [
    { kind: 'edit', device: 1, edit: done(0, 1) },
    { kind: 'sync', device: 1, fault: 'none', during: null },
    { kind: 'sync', device: 0, fault: 'none', during: null },
    { kind: 'edit', device: 0, edit: done(0, 0, true) },
  ],
  [
    { kind: 'edit', device: 1, edit: done(0, 1) },
    { kind: 'sync', device: 1, fault: 'none', during: null },
    { kind: 'sync', device: 0, fault: 'none', during: null },
    { kind: 'edit', device: 0, edit: done(0, 1, true) },
  ],
  [
    { kind: 'edit', device: 1, edit: done(0, 1) },
    { kind: 'sync', device: 1, fault: 'none', during: null },
    { kind: 'sync', device: 0, fault: 'none', during: null },
    { kind: 'edit', device: 0, edit: evaluate },
    { kind: 'edit', device: 0, edit: done(0, 1, true) },
    { kind: 'sync', device: 0, fault: 'lost', during: null },
  ],
  // An edit taken back before it was sent changes nothing on the server, stamps included.
  [
    { kind: 'edit', device: 0, edit: { kind: 'progress', item: 1, period: 0, field: 'evaluation', evaluation: 1, at: 0, stale: false } },
    { kind: 'edit', device: 0, edit: { kind: 'progress', item: 1, period: 0, field: 'evaluation', evaluation: 0, at: 0, stale: false } },
    { kind: 'sync', device: 0, fault: 'none', during: null },
  ],
  // Three devices insert into one text offline, at its start, its end and (again) its start: the
  // first two merge, the third meets an insertion at the same place and is a conflict.
  [
    { kind: 'edit', device: 0, edit: done(0, 0) },
    { kind: 'edit', device: 1, edit: done(0, 1) },
    { kind: 'edit', device: 2, edit: done(0, 0) },
    { kind: 'sync', device: 0, fault: 'none', during: null },
    { kind: 'sync', device: 1, fault: 'none', during: null },
    { kind: 'sync', device: 2, fault: 'none', during: null },
  ],
  // A device merges a pulled text into its pending edit, types on, then sends: one merge, no conflict.
  [
    { kind: 'edit', device: 0, edit: done(0, 0) },
    { kind: 'sync', device: 0, fault: 'none', during: null },
    { kind: 'edit', device: 1, edit: done(0, 2) },
    { kind: 'sync', device: 1, fault: 'offline', during: null },
    { kind: 'edit', device: 2, edit: done(0, 0) },
    { kind: 'sync', device: 2, fault: 'none', during: done(0, 3) },
    { kind: 'sync', device: 1, fault: 'lost', during: done(0, 4) },
    { kind: 'edit', device: 1, edit: done(0, 1) },
  ],
];

it('S2, S5: devices converge on the server, lose no edit and apply nothing twice, whatever the network does', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(actionArb, { minLength: 1, maxLength: 40 }), async (actions) => {
      const scenario = new Scenario();
      try {
        await scenario.open();
        for (const a of actions) await scenario.run(a);
        await scenario.settle();
        await scenario.check();
      } finally {
        await scenario.close();
      }
    }),
    { numRuns: NUM_RUNS, seed: SEED, examples: EXAMPLES.map((e) => [e]) },
  );
  // A guard, not a timed assertion: 50 runs take about a minute on an idle machine, over two on
  // two cores shared with other test runs (the runs before the text edits as well).
}, 300_000);
