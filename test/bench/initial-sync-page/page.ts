// The page the initial-sync benchmark drives in Chromium: the real engine pulling a branch into
// IndexedDB, and the limit it is compared with — the same pages (the same requests) fetched
// with plain fetch + JSON.parse and written with Dexie bulkPut, one transaction a page, one page
// after another, into tables of the same names with no secondary index. The same plain loop into
// the engine's own schema (its indexes) tells what the indexes cost, apart from the engine.
import Dexie from 'dexie';
import { TrackerDb } from '../../../src/db/database';
import { createSyncEngine } from '../../../src/sync/engine';
import { httpTransport } from '../../../src/sync/transport';
import { PROTOCOL_VERSION } from '../../../src/model/protocol';

const TABLES = ['plans', 'sections', 'items', 'progress', 'notes', 'kpis', 'measurements', 'conflicts', 'history'] as const;

async function stored(db: TrackerDb): Promise<number> {
  let n = 0;
  for (const t of TABLES) n += await db.table(t).count();
  return n;
}

async function dispose(db: TrackerDb): Promise<void> {
  db.close();
  await Dexie.delete(db.name);
}

/** A run's times: signing in (the engine's includes deriving the signing key), then the sync. */
interface Timing {
  loginMs: number;
  syncMs: number;
}

async function engineRun(email: string, password: string, expected: number): Promise<Timing> {
  const db = new TrackerDb(`bench-engine-${crypto.randomUUID()}`);
  await db.open();
  const engine = createSyncEngine({ db, transport: httpTransport(''), events: null });
  const t0 = performance.now();
  const login = await engine.login(email, password);
  if (!login.ok) throw new Error(`login failed: ${login.error.code}`);
  const t1 = performance.now();
  let t2: number;
  // Timed to the end of the sync that stored the last record; the count that checks it is not
  // timed (as the limit's is not).
  for (;;) {
    await engine.syncNow();
    t2 = performance.now();
    if ((await stored(db)) >= expected) break;
    await new Promise((r) => setTimeout(r, 0));
  }
  engine.stop();
  await dispose(db);
  return { loginMs: t1 - t0, syncMs: t2 - t1 };
}

/** The tables of the engine's database with their primary key alone: no secondary index. */
const BARE_TABLES = Object.fromEntries(TABLES.map((t) => [t, 'id']));

async function limitRun(email: string, password: string, expected: number): Promise<Timing> {
  const db = new Dexie(`bench-limit-${crypto.randomUUID()}`);
  db.version(1).stores(BARE_TABLES);
  return plainRun(db, email, password, expected);
}

/** The plain loop into a database of the engine's schema, with its secondary indexes. */
function schemaRun(email: string, password: string, expected: number): Promise<Timing> {
  return plainRun(new TrackerDb(`bench-schema-${crypto.randomUUID()}`), email, password, expected);
}

async function plainRun(db: Dexie, email: string, password: string, expected: number): Promise<Timing> {
  await db.open();
  const t0 = performance.now();
  const login = (await (
    await fetch('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) })
  ).json()) as { token: string };
  const t1 = performance.now();
  const clientId = `plain-${crypto.randomUUID()}`;
  let cursor: string | null = null;
  let total = 0;
  for (;;) {
    const res = (await (
      await fetch('/api/sync', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${login.token}` },
        // As the engine asks: no pullLimit, so the server's pages (its default count, bounded by bytes).
        body: JSON.stringify({ protocolVersion: PROTOCOL_VERSION, clientId, mutations: [], cursor }),
      })
    ).json()) as { changes: { table: string; record: Record<string, unknown> }[]; cursor: string; hasMore: boolean };
    const byTable = new Map<string, Record<string, unknown>[]>();
    for (const c of res.changes) {
      const list = byTable.get(c.table);
      if (list) list.push(c.record);
      else byTable.set(c.table, [c.record]);
    }
    await db.transaction(
      'rw',
      [...byTable.keys()].map((t) => db.table(t)),
      async () => {
        for (const [t, rows] of byTable) await db.table(t).bulkPut(rows);
      },
    );
    total += res.changes.length;
    cursor = res.cursor;
    if (!res.hasMore) break;
  }
  const t2 = performance.now();
  let n = 0;
  for (const t of TABLES) n += await db.table(t).count();
  if (n < expected) throw new Error(`limit run stored ${total} of ${expected}`);
  db.close();
  await Dexie.delete(db.name);
  return { loginMs: t1 - t0, syncMs: t2 - t1 };
}

Object.assign(window, { bench: { engineRun, limitRun, schemaRun } });
