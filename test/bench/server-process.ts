// The server as the load benchmark and the soak run it, in its own process (so the load
// generator does not share its event loop): SQLite in the given folder, or PostgreSQL when
// DATABASE_URL is set (as the server reads it, open-storage.ts; SQLITE_CACHE_MB too), with the demo seeded; createApp
// on @hono/node-server at 127.0.0.1 on a free port, request logs as JSON lines to a file in the
// folder, written synchronously as a real server's stdout to a file is.
// With a second argument N it also seeds N more branches (bench-b1 … bench-bN), each with its
// own copy of the demo plan (plan id bench-bK-plan) and a staff account staff@bench-bK (password
// demo1234), for clients spread over branches as a real deployment's are.
// With BENCH_POSTGRES_BUS=1 on PostgreSQL the live channel's hub hears commits over the
// PostgreSQL bus as main.ts wires it (LISTEN/NOTIFY), so that a commit on one instance reaches
// the event streams of every other instance on the same schema; otherwise createApp's in-process hub.
// Prints {"url": …} on stdout once listening; answers the IPC message 'memory' with
// process.memoryUsage() after a full GC (when started with --expose-gc) and what the change
// windows hold; stops on SIGTERM.
import { closeSync, openSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { createApp } from '../../src/server/app';
import { postgresBus } from '../../src/server/live/bus';
import { LiveHub } from '../../src/server/live/hub';
import { splitSchemaParam } from '../../src/server/storage/postgres';
import { hashPassword } from '../../src/server/accounts';
import { DEMO_PASSWORD, ensureDemo } from '../../src/server/demo';
import { importPlan } from '../../src/server/plan-import';
import { parsePlanFile } from '../../src/model/plan-file';
import { batchedLines, jsonLogger } from '../../src/server/log';
import { openStorage } from '../../src/server/storage/open-storage';

const dir = process.argv[2];
if (!dir) throw new Error('usage: server-process.ts DATA_DIR [BRANCHES]');
const extraBranches = Number(process.argv[3] ?? 0);
// Written as the real server writes its log to stdout redirected to a file: synchronously, a turn's
// lines at once (a WriteStream would send every line through libuv's thread pool, a cost the real server has not).
const logFile = openSync(join(dir, 'server.log'), 'w');
const log = jsonLogger(batchedLines((text) => writeSync(logFile, text)));
const poolSize = process.env.DATABASE_POOL_SIZE ? Number(process.env.DATABASE_POOL_SIZE) : undefined;
const sqliteCacheMb = process.env.SQLITE_CACHE_MB ? Number(process.env.SQLITE_CACHE_MB) : undefined;
const storage = await openStorage({
  databaseUrl: process.env.DATABASE_URL,
  dataDir: dir,
  ...(poolSize !== undefined ? { poolSize } : {}),
  ...(sqliteCacheMb !== undefined ? { sqliteCacheMb } : {}),
});
const demoAccounts = await ensureDemo(storage, { production: false, log, now: new Date() });
if (extraBranches > 0) {
  const parsed = parsePlanFile(JSON.parse(await readFile(fileURLToPath(new URL('../../src/demo/tokyo-r6.plan.json', import.meta.url)), 'utf8')));
  if (!parsed.ok) throw new Error('the demo plan does not parse');
  // One scrypt hash for every bench account: hashing is deliberately slow.
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const now = new Date();
  for (let b = 1; b <= extraBranches; b++) {
    const branchId = `bench-b${b}`;
    await storage.addBranch({ id: branchId, name: `ベンチ支部${b}`, createdAt: now.toISOString() });
    await storage.addUser({ id: `${branchId}-staff`, email: `staff@${branchId}`, name: `ベンチ担当${b}`, passwordHash, createdAt: now.toISOString() });
    await storage.setMembership({ userId: `${branchId}-staff`, branchId, role: 'staff' });
    let n = 0;
    await importPlan(storage, { branchId, planId: `${branchId}-plan`, file: parsed.file, now, author: 'ベンチ', newId: () => `${branchId}-plan/note-${++n}` });
  }
}
const bus =
  process.env.BENCH_POSTGRES_BUS === '1' && storage.dialect === 'postgres' && process.env.DATABASE_URL
    ? await postgresBus(splitSchemaParam(process.env.DATABASE_URL).url, storage.schema, log)
    : null;
const live = bus ? new LiveHub(bus) : undefined;
const server = serve(
  { fetch: createApp({ storage, log, demoAccounts, ...(live ? { live } : {}) }).fetch, port: 0, hostname: '127.0.0.1' },
  (info: AddressInfo) => {
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${info.port}` })}\n`);
  },
);
process.on('message', (message) => {
  if (message !== 'memory') return;
  (globalThis as { gc?: () => void }).gc?.();
  process.send?.({ ...process.memoryUsage(), windows: storage.windowsHeld() });
});
process.once('SIGTERM', () => {
  server.close();
  (server as import('node:http').Server).closeAllConnections();
  void (async () => {
    await live?.close();
    await bus?.close();
    await storage.close();
    closeSync(logFile);
    process.exit(0);
  })();
});
