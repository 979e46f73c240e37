// `npm run bench:hostile`: what 20,000 hostile conflicting mutations (a base that is not the
// server's value, carrying oversized strings, wrong types, unknown and inherited field names,
// and valid values at the size limit) cost the server's memory, and what a fresh device then
// pulls. Goals (issue 10): the server's memory grows by at most 50 MB over 10,000 hostile
// mutations, and does not go on growing with more; no page's changes over PULL_PAGE_BYTES
// (docs/sync-protocol.md). Figures and a PASS/MISS line, not a test.
//
// The server is the real app and storage (SQLite in a temp folder, as the embedded default,
// demo seeded, SQLITE_CACHE_MB as the server reads it), called in-process through app.request,
// one hostile mutation a request (as a device's outbox sends a set-aside one alone).
//
// The baseline is a server that has been serving, not a fresh one: a fresh server has not yet
// filled the caches every server fills with normal traffic (SQLite's page cache, the change
// window of recent pulls, both bounded), and charging their one-time fill to hostile input
// would measure a server's normal life, not an attack. So normal traffic comes first: devices
// editing 実施状況 and 今後の実施予定等 of the demo plan's progress records with texts of a few
// hundred characters, each edit based on the value last seen, and pulling after their cursors,
// until the database has grown by three times the larger of those caches. The fresh server's
// memory is printed too, so the fill shows. The slope between 10,000 and 20,000 hostile
// mutations is what a leak would show: caches stop growing at their size, a leak does not.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_PLAN_ID } from '../../src/model/demo';
import { LIMITS, progressId } from '../../src/model/schemas';
import { createApp } from '../../src/server/app';
import { DEMO_PASSWORD, ensureDemo } from '../../src/server/demo';
import { silentLogger } from '../../src/server/log';
import { settingsFromEnv } from '../../src/server/main';
import { DEFAULT_SQLITE_CACHE_MB, openSqliteStorage } from '../../src/server/storage/sqlite';
import { PULL_PAGE_BYTES } from '../../src/server/sync';
import { PROTOCOL_VERSION } from '../../src/model/protocol';

/** Hostile mutations per phase: the first phase is the figure the goal is about, the second shows the slope. */
const MUTATIONS = Number(process.env.BENCH_HOSTILE_MUTATIONS ?? 10_000);
const GOAL_MB = 50;
/** The change window's byte bound (change-window.ts). */
const CHANGE_WINDOW_MB = 16;
const DEVICES = 4;
const PERIOD = '2024-H2';
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:hostile does)');

interface Memory {
  rss: number;
  /** RssAnon: the process's own allocations (JS heap, buffers, SQLite's page cache), not the pages of files it maps. */
  anon: number;
  /** V8 heap in use after a full GC. */
  heap: number;
  /** V8 heap reserved (its free space is resident too). */
  heapTotal: number;
  /** Array buffers (the change window's bytes among them). */
  buffers: number;
}

function memory(): Memory {
  gc!();
  gc!();
  const m = process.memoryUsage();
  const anonKb = /^RssAnon:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return { rss: m.rss, anon: anonKb === undefined ? Number.NaN : Number(anonKb) * 1024, heap: m.heapUsed, heapTotal: m.heapTotal, buffers: m.arrayBuffers };
}
const MiB = 1024 * 1024;
const mb = (bytes: number) => `${(bytes / MiB).toFixed(1)} MB`;
const delta = (a: number, b: number) => `${b >= a ? '+' : ''}${mb(b - a)}`;
const show = (m: Memory) => `RSS ${mb(m.rss)} (anonymous ${mb(m.anon)}), heap after GC ${mb(m.heap)} of ${mb(m.heapTotal)}, array buffers ${mb(m.buffers)}`;
const growth = (from: Memory, to: Memory) =>
  `RSS ${delta(from.rss, to.rss)} (anonymous ${delta(from.anon, to.anon)}), heap ${delta(from.heap, to.heap)}, array buffers ${delta(from.buffers, to.buffers)}`;

/** The hostile changes, in turn: most are refused, every fourth is a valid value at the limit that becomes a conflict. */
function hostile(i: number): { changes: Record<string, unknown>; base: Record<string, unknown> } {
  const stale = { done: `stale ${i}` };
  switch (i % 8) {
    case 0:
      return { changes: { done: 'A'.repeat(1_900_000) }, base: stale };
    case 1:
      return { changes: { done: 'あ'.repeat(LIMITS.longText) }, base: stale };
    case 2:
      return { changes: { done: { nested: ['x'.repeat(100_000)] } }, base: stale };
    case 3:
      return { changes: { [`invented-${i}`]: 'y'.repeat(100_000) }, base: { [`invented-${i}`]: 'z' } };
    case 4:
      return { changes: { constructor: 'x', done: 'x' }, base: stale };
    case 5:
      return { changes: { next: 'い'.repeat(LIMITS.longText) }, base: { next: `stale ${i}` } };
    case 6:
      return { changes: { evaluation: 'x'.repeat(50_000) }, base: { evaluation: '○' } };
    default:
      return { changes: { done: 'B'.repeat(LIMITS.longText + 1) }, base: { done: 'C'.repeat(LIMITS.longText + 1) } };
  }
}

/** A staff member's text of a few hundred characters, different every edit. */
function normalText(n: number): string {
  const sentence = `事業所訪問${n}件目：健診の受診勧奨を行い、担当者と次回の日程を調整した。`;
  return sentence.repeat(4 + (n % 8));
}

const cacheMb = settingsFromEnv().sqliteCacheMb ?? DEFAULT_SQLITE_CACHE_MB;
const warmupBytes = 3 * Math.max(cacheMb, CHANGE_WINDOW_MB) * MiB;
const dir = mkdtempSync(join(tmpdir(), 'tracker-hostile-'));
const file = join(dir, 'tracker.sqlite');
// The main file only: it grows as checkpoints copy the WAL in, and never shrinks here.
const databaseBytes = () => statSync(file).size;
try {
  const storage = await openSqliteStorage(file, { cacheMb });
  const now = () => new Date();
  await ensureDemo(storage, { production: false, log: silentLogger, now: now() });
  const app = createApp({ storage, log: silentLogger, now, demoAccounts: null });
  const post = async (path: string, body: unknown, token?: string) => {
    const res = await app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()) };
  };
  const sync = async (body: Record<string, unknown>, token: string) => {
    const res = await post('/api/sync', { protocolVersion: PROTOCOL_VERSION, ...body }, token);
    if (res.status !== 200) throw new Error(`sync answered ${res.status}`);
    return JSON.parse(Buffer.from(res.bytes).toString()) as {
      results: { status: string }[];
      changes: { table: string; id: string }[];
      cursor: string;
      hasMore: boolean;
    };
  };
  const login = await post('/api/login', { email: 'staff@demo', password: DEMO_PASSWORD });
  const token = (JSON.parse(Buffer.from(login.bytes).toString()) as { token: string }).token;
  const fresh = memory();

  // Normal traffic: each device edits its own share of the progress records (so no conflicts),
  // based on what it wrote last, and pulls what the others wrote.
  const first = await sync({ clientId: `probe-${randomUUID()}`, cursor: null, pullLimit: 1000, mutations: [] }, token);
  const itemIds = first.changes.filter((c) => c.table === 'items').map((c) => c.id);
  const devices = Array.from({ length: DEVICES }, (_, index) => ({ index, clientId: `normal-${randomUUID()}`, seq: 0, cursor: null as string | null }));
  /** The texts last written, per progress record (a period the demo has no progress in). */
  const known = new Map<string, { done: string; next: string }>();
  const warmStarted = performance.now();
  const grownFrom = databaseBytes();
  let roundTrips = 0;
  let edits = 0;
  let halfway: Memory | null = null;
  while (databaseBytes() - grownFrom < warmupBytes) {
    // Whether normal traffic itself levels off: the second half of the warm-up should add little.
    if (!halfway && databaseBytes() - grownFrom >= warmupBytes / 2) halfway = memory();
    const d = devices[roundTrips % DEVICES]!;
    const mutations = [];
    for (const field of ['done', 'next'] as const) {
      // Device d edits the items d, d + DEVICES, …: its own records, so no conflicts.
      const itemId = itemIds[(d.index + DEVICES * ((roundTrips + edits) % Math.floor(itemIds.length / DEVICES))) % itemIds.length]!;
      const recordId = progressId(itemId, PERIOD);
      const seen = known.get(recordId);
      const text = normalText(edits++);
      const create = seen ? null : { id: recordId, planId: DEMO_PLAN_ID, itemId, periodId: PERIOD, evaluation: null, done: '', next: '' };
      mutations.push({
        id: randomUUID(),
        seq: ++d.seq,
        table: 'progress',
        recordId,
        planId: DEMO_PLAN_ID,
        changes: { [field]: text },
        base: { [field]: seen?.[field] ?? '' },
        create,
        madeAt: new Date().toISOString(),
      });
      known.set(recordId, { done: seen?.done ?? '', next: seen?.next ?? '', [field]: text });
    }
    const res = await sync({ clientId: d.clientId, cursor: d.cursor, mutations }, token);
    if (res.results.some((r) => r.status !== 'applied')) throw new Error(`a normal edit was not applied: ${JSON.stringify(res.results)}`);
    d.cursor = res.cursor;
    roundTrips++;
  }
  const warmSeconds = (performance.now() - warmStarted) / 1000;
  const warmGrowth = databaseBytes() - grownFrom;
  const baseline = memory();

  const clientId = `hostile-${randomUUID()}`;
  const record = progressId(`${DEMO_PLAN_ID}/p1-s1-i1`, '2024-H1');
  const statuses = new Map<number, number>();
  const phases: { memory: Memory; seconds: number }[] = [];
  for (let phase = 0; phase < 2; phase++) {
    const started = performance.now();
    for (let i = phase * MUTATIONS; i < (phase + 1) * MUTATIONS; i++) {
      const { changes, base } = hostile(i);
      const m = {
        id: randomUUID(),
        seq: i + 1,
        table: 'progress',
        recordId: record,
        planId: DEMO_PLAN_ID,
        changes,
        base,
        create: null,
        madeAt: new Date().toISOString(),
      };
      const res = await post('/api/sync', { protocolVersion: PROTOCOL_VERSION, clientId, cursor: null, pullLimit: 1, mutations: [m] }, token);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    phases.push({ seconds: (performance.now() - started) / 1000, memory: memory() });
  }
  const [at10k, at20k] = [phases[0]!.memory, phases[1]!.memory];

  let cursor: string | null = null;
  let pages = 0;
  let largestChanges = 0;
  let largestResponse = 0;
  let changes = 0;
  for (;;) {
    const res = await post(
      '/api/sync',
      { protocolVersion: PROTOCOL_VERSION, clientId: `fresh-${randomUUID()}`, cursor, pullLimit: 1000, mutations: [] },
      token,
    );
    const body = JSON.parse(Buffer.from(res.bytes).toString()) as { changes: unknown[]; cursor: string; hasMore: boolean };
    pages++;
    changes += body.changes.length;
    largestResponse = Math.max(largestResponse, res.bytes.length);
    largestChanges = Math.max(largestChanges, Buffer.byteLength(JSON.stringify(body.changes)) - 2);
    cursor = body.cursor;
    if (!body.hasMore) break;
  }
  const end = memory();
  await storage.close();

  const n = (k: number) => k.toLocaleString('en');
  const grew10k = at10k.rss - baseline.rss;
  const grew20k = at20k.rss - baseline.rss;
  const slope = (to: number, from: number) => `${to >= from ? '+' : ''}${((to - from) / MiB / (MUTATIONS / 1000)).toFixed(2)} MB`;
  console.log(`== Hostile mutations: SQLite page cache ${cacheMb} MiB (SQLITE_CACHE_MB), change window at most ${CHANGE_WINDOW_MB} MiB`);
  console.log(`fresh server (demo seeded):      ${show(fresh)}`);
  console.log(`baseline, after normal traffic:  ${show(baseline)}`);
  console.log(
    `   (${n(roundTrips)} round trips of ${DEVICES} devices, ${n(edits)} text edits, database +${mb(warmGrowth)} in ${warmSeconds.toFixed(1)} s: the caches a serving server has filled)`,
  );
  if (halfway)
    console.log(
      `   normal traffic levels off: RSS at half the warm-up ${mb(halfway.rss)}, at its end ${mb(baseline.rss)} (${delta(halfway.rss, baseline.rss)})`,
    );
  console.log(`after ${n(MUTATIONS)} hostile:           ${show(at10k)}   (${phases[0]!.seconds.toFixed(1)} s)`);
  console.log(`after ${n(2 * MUTATIONS)} hostile:           ${show(at20k)}   (${phases[1]!.seconds.toFixed(1)} s)`);
  console.log(`   answers ${[...statuses].map(([s, k]) => `${s}×${n(k)}`).join(' ')}`);
  console.log(`growth over the baseline: after ${n(MUTATIONS)} ${growth(baseline, at10k)}; after ${n(2 * MUTATIONS)} ${growth(baseline, at20k)}`);
  console.log(
    `slope from ${n(MUTATIONS)} to ${n(2 * MUTATIONS)} (a leak shows here): RSS ${slope(at20k.rss, at10k.rss)}, anonymous ${slope(at20k.anon, at10k.anon)}, heap ${slope(at20k.heap, at10k.heap)} per 1,000 hostile mutations`,
  );
  console.log(
    `growth over the fresh server (includes the caches' one-time fill): after ${n(MUTATIONS)} RSS ${delta(fresh.rss, at10k.rss)}; after ${n(2 * MUTATIONS)} RSS ${delta(fresh.rss, at20k.rss)}`,
  );
  const pass = grew10k <= GOAL_MB * MiB && grew20k <= GOAL_MB * MiB;
  console.log(
    `${pass ? 'PASS' : 'MISS'}: RSS over the baseline ${delta(baseline.rss, at10k.rss)} after ${n(MUTATIONS)} and ${delta(baseline.rss, at20k.rss)} after ${n(2 * MUTATIONS)} hostile mutations   goal: at most ${GOAL_MB} MB`,
  );
  console.log(
    `fresh device: ${changes} changes in ${pages} pages; largest page's changes ${largestChanges} bytes (bound ${PULL_PAGE_BYTES}), largest response ${largestResponse} bytes   goal: at most the bound`,
  );
  console.log(`after the pull: ${show(end)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
