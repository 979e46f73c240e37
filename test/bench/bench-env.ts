// Shared set-up for the browser benchmarks: a production build served by the real server (the
// embedded default on SQLite in a temporary folder, demo seeded, plus any plans a benchmark
// imports into the demo branch first) on loopback, and Debian's Chromium with the e2e flags.
// And for the server benchmarks: the server in a child process on SQLite or PostgreSQL.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { build } from 'vite';
import { chromium, type Browser, type Page } from '@playwright/test';
import type { WindowsHeld } from '../../src/server/storage/change-window';
import { launchOptions } from '../e2e/browser';
import { PROJECT_ROOT, startServer } from '../../src/server/main';
import { ensureDemo, DEMO_BRANCH } from '../../src/server/demo';
import { silentLogger } from '../../src/server/log';
import { importPlan } from '../../src/server/plan-import';
import { openSqliteStorage } from '../../src/server/storage/sqlite';
import type { PlanFile } from '../../src/model/plan-file';

export async function buildApp(): Promise<void> {
  await build({ root: PROJECT_ROOT, logLevel: 'warn' });
}

export interface BenchServer {
  url: string;
  close(): Promise<void>;
}

/** The server with the demo, and `plans` imported into the demo branch under the given ids. */
export async function startBenchServer(plans: { id: string; file: PlanFile }[] = []): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tracker-bench-'));
  const storage = await openSqliteStorage(join(dataDir, 'tracker.sqlite'));
  await ensureDemo(storage, { production: false, log: silentLogger, now: new Date() });
  for (const plan of plans) {
    let n = 0;
    await importPlan(storage, {
      branchId: DEMO_BRANCH.id,
      planId: plan.id,
      file: plan.file,
      now: new Date(),
      author: 'ベンチ',
      newId: () => `${plan.id}/note-${++n}`,
    });
  }
  await storage.close();
  const server = await startServer({ port: 0, host: '127.0.0.1', dataDir, production: false, staticDir: join(PROJECT_ROOT, 'dist') }, silentLogger);
  return {
    url: server.url,
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch(launchOptions);
}

/** Signs in as the demo lead and waits until the first sync has brought `planTitle`. */
export async function loginAndSync(page: Page, baseUrl: string, planTitle: RegExp): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('メールアドレス').fill('lead@demo');
  await page.getByLabel('パスワード').fill('demo1234');
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.getByRole('link', { name: planTitle }).first().waitFor({ timeout: 120_000 });
  await page.getByTestId('pending-count').filter({ hasText: '未同期 0件' }).waitFor();
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

// The server benchmarks (server-load.ts, soak.ts) run the server in a process of its own
// (server-process.ts), on SQLite or on PostgreSQL, each run on a new database.

export type Backend = 'SQLite' | 'PostgreSQL';

/** The PostgreSQL the server benchmarks use: BENCH_DATABASE_URL, else TEST_DATABASE_URL. */
export function benchDatabaseUrl(): string | undefined {
  return process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;
}

/** Printed when a server benchmark did not measure PostgreSQL: never a silent gap. */
export function postgresNotMeasured(what: string, variables = 'BENCH_DATABASE_URL (or TEST_DATABASE_URL)'): string {
  const line = '#'.repeat(100);
  return [
    line,
    `#  POSTGRESQL NOT MEASURED by ${what}: set ${variables},`,
    '#  e.g. postgres://postgres@127.0.0.1:5432/test (each run works in a new schema, dropped afterwards).',
    line,
  ].join('\n');
}

export interface ServerMemory {
  /** Resident set size, from /proc/PID/status. */
  rssBytes: number;
  /** V8 heap in use after a full GC, as the server process reports it. */
  heapUsedBytes: number;
  /** Memory outside the V8 heap that JavaScript objects hold (Buffers, typed arrays), after the same GC. */
  externalBytes: number;
  /** What the storage's change windows hold: a cache that fills with the edits up to its bound. */
  windows: WindowsHeld;
}

export interface ServerProcess {
  url: string;
  backend: Backend;
  pid: number;
  /** PostgreSQL: the URL with the run's schema, for another instance on the same database. */
  databaseUrl: string | undefined;
  /** Resident set size now (/proc/PID/status), without disturbing the server. */
  rss(): number;
  /** RSS, and the heap after a full GC (which pauses the server for a moment). */
  memory(): Promise<ServerMemory>;
  /** SIGTERM, then removes the run's database (folder or schema). */
  stop(): Promise<void>;
}

/**
 * server-process.ts in a child process on a new database: SQLite in a new temporary folder, or
 * a new schema `bench_…` of `databaseUrl`; with `extraBranches` benchmark branches seeded; with
 * `sqliteCacheMb`, SQLite's page cache of that size. PostgreSQL with `sameDatabaseAs`: a further
 * instance on that server's schema (nothing seeded; the schema is dropped by that server's stop);
 * with `postgresBus`, the live channel over the PostgreSQL bus (LISTEN/NOTIFY) as main.ts wires it.
 */
export async function startServerProcess(
  backend: Backend,
  options: { extraBranches?: number; databaseUrl?: string; sqliteCacheMb?: number; sameDatabaseAs?: ServerProcess; postgresBus?: boolean } = {},
): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'tracker-bench-'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  if (options.sqliteCacheMb !== undefined) env.SQLITE_CACHE_MB = String(options.sqliteCacheMb);
  if (options.postgresBus) env.BENCH_POSTGRES_BUS = '1';
  let schema: string | undefined;
  if (backend === 'PostgreSQL' && options.sameDatabaseAs) {
    if (!options.sameDatabaseAs.databaseUrl) throw new Error('sameDatabaseAs needs a server on PostgreSQL');
    env.DATABASE_URL = options.sameDatabaseAs.databaseUrl;
  } else if (backend === 'PostgreSQL') {
    if (!options.databaseUrl) throw new Error('PostgreSQL needs a database URL');
    schema = `bench_${randomBytes(5).toString('hex')}`;
    const url = new URL(options.databaseUrl);
    url.searchParams.set('schema', schema);
    env.DATABASE_URL = url.toString();
  }
  const script = fileURLToPath(new URL('./server-process.ts', import.meta.url));
  // --expose-gc: the heap figure is taken after a full collection, so it shows what is kept.
  // BENCH_CPU_PROF=DIR: the server writes a V8 CPU profile there when it stops (npm run bench:profile-top reads it).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const extraBranches = options.sameDatabaseAs ? 0 : (options.extraBranches ?? 0);
  const child = spawn(process.execPath, [...process.execArgv, ...profile, '--expose-gc', script, dir, String(extraBranches)], {
    env,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
  });
  const pid = child.pid!;
  const rss = () => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;
  return {
    url,
    backend,
    pid,
    databaseUrl: env.DATABASE_URL,
    rss,
    async memory() {
      const usage = new Promise<NodeJS.MemoryUsage & { windows: WindowsHeld }>((resolve) =>
        child.once('message', (m) => resolve(m as NodeJS.MemoryUsage & { windows: WindowsHeld })),
      );
      child.send('memory');
      const { heapUsed, external, windows } = await usage;
      return { rssBytes: rss(), heapUsedBytes: heapUsed, externalBytes: external, windows };
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
      if (schema !== undefined) {
        const client = new pg.Client({ connectionString: options.databaseUrl });
        await client.connect();
        try {
          await client.query(`drop schema if exists ${pg.escapeIdentifier(schema)} cascade`);
        } finally {
          await client.end();
        }
      }
    },
  };
}
