// `npm run bench:hostile`: what 10,000 hostile conflicting mutations (a base that is not the
// server's value, carrying oversized strings, wrong types, unknown and inherited field names,
// and valid values at the size limit) cost the server, and what a fresh device then pulls.
// Prints the server's memory (RSS and heap after a full GC) before and after, and the largest
// pull page a fresh device gets. Goals (issue 10): memory within 50 MB of the start; no page's
// changes over PULL_PAGE_BYTES (docs/sync-protocol.md). Figures, not a pass/fail test.
//
// The server is the real app and storage (SQLite in a temp folder, as the embedded default,
// demo seeded), called in-process through app.request, one mutation a request (as a device's
// outbox sends a set-aside one alone). RSS includes pages of the database file SQLite maps in.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_PLAN_ID } from '../../src/model/demo';
import { LIMITS, progressId } from '../../src/model/schemas';
import { createApp } from '../../src/server/app';
import { DEMO_PASSWORD, ensureDemo } from '../../src/server/demo';
import { silentLogger } from '../../src/server/log';
import { openSqliteStorage } from '../../src/server/storage/sqlite';
import { PULL_PAGE_BYTES } from '../../src/server/sync';
import { PROTOCOL_VERSION } from '../../src/sync/protocol';

const MUTATIONS = Number(process.env.BENCH_HOSTILE_MUTATIONS ?? 10_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:hostile does)');

/**
 * RSS, its anonymous part (the process's own allocations: JS heap, buffers, SQLite's page cache;
 * not the database file's pages SQLite maps in, which the kernel can drop) and the heap after GC.
 */
function memory(): { rss: number; anon: number; heap: number } {
  gc!();
  gc!();
  const m = process.memoryUsage();
  const anonKb = /^RssAnon:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return { rss: m.rss, anon: anonKb === undefined ? Number.NaN : Number(anonKb) * 1024, heap: m.heapUsed };
}
const delta = (a: number, b: number) => `${b >= a ? '+' : ''}${mb(b - a)}`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

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

const dir = mkdtempSync(join(tmpdir(), 'tracker-hostile-'));
try {
  const storage = await openSqliteStorage(join(dir, 'tracker.sqlite'));
  const now = () => new Date();
  await ensureDemo(storage, { production: false, log: silentLogger, now: now() });
  const app = createApp({ storage, log: silentLogger, now, demoAccounts: null });
  const post = async (path: string, body: unknown, token?: string) => {
    const res = await app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
    return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()) };
  };
  const login = await post('/api/login', { email: 'staff@demo', password: DEMO_PASSWORD });
  const token = (JSON.parse(Buffer.from(login.bytes).toString()) as { token: string }).token;
  const clientId = `hostile-${randomUUID()}`;
  const record = progressId(`${DEMO_PLAN_ID}/p1-s1-i1`, '2024-H1');

  const before = memory();
  const statuses = new Map<number, number>();
  const started = performance.now();
  for (let i = 0; i < MUTATIONS; i++) {
    const { changes, base } = hostile(i);
    const m = { id: randomUUID(), seq: i + 1, table: 'progress', recordId: record, planId: DEMO_PLAN_ID, changes, base, create: null, madeAt: new Date().toISOString() };
    const res = await post('/api/sync', { protocolVersion: PROTOCOL_VERSION, clientId, cursor: null, pullLimit: 1, mutations: [m] }, token);
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  }
  const seconds = (performance.now() - started) / 1000;
  const after = memory();

  let cursor: string | null = null;
  let pages = 0;
  let largestChanges = 0;
  let largestResponse = 0;
  let changes = 0;
  for (;;) {
    const res = await post('/api/sync', { protocolVersion: PROTOCOL_VERSION, clientId: `fresh-${randomUUID()}`, cursor, pullLimit: 1000, mutations: [] }, token);
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

  console.log(`hostile conflicting mutations: ${MUTATIONS} in ${seconds.toFixed(1)} s; answers ${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')}`);
  console.log(`server memory before: RSS ${mb(before.rss)} (anonymous ${mb(before.anon)}), heap after GC ${mb(before.heap)}`);
  console.log(`server memory after:  RSS ${mb(after.rss)} (${delta(before.rss, after.rss)}; anonymous ${mb(after.anon)}, ${delta(before.anon, after.anon)}), heap after GC ${mb(after.heap)} (${delta(before.heap, after.heap)})   goal: within 50 MB`);
  console.log(`fresh device: ${changes} changes in ${pages} pages; largest page's changes ${largestChanges} bytes (bound ${PULL_PAGE_BYTES}), largest response ${largestResponse} bytes   goal: at most the bound`);
  console.log(`after the pull: RSS ${mb(end.rss)} (anonymous ${mb(end.anon)}), heap after GC ${mb(end.heap)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
