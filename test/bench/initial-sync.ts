// Figure: initial sync of a branch into Chromium's IndexedDB with the real engine, against the
// limit measured in the same run: the same pages (same cursor, same `pullLimit`) fetched with
// plain fetch + JSON.parse and written with Dexie bulkPut into bare tables (primary key only),
// one transaction a page, one page after another. Timed from signed in (the login, timed apart,
// is no part of the sync; the engine's derives the signing key). A third run of each round, the
// same plain loop into the engine's own schema, prints what its secondary indexes cost on their
// own (the limit has none). Two branches: one plan of ≈ 20,000 records,
// and five years of plans (≈ 100,000 records). Medians of runs taken in turn (limit, engine,
// schema, again and again); goal ≤ 1.2×. Peak
// tab memory is Chromium's JS heap in use (CDP Performance.getMetrics JSHeapUsedSize), sampled
// every 50 ms during each run; the figure is the highest sample less the heap before the run
// (garbage not yet collected included), and in one more, untimed engine run the live heap after a
// forced GC every 500 ms: what the engine holds at once, which must not grow with the branch.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import type { Browser, CDPSession, Page } from '@playwright/test';
import { startServer } from '../../src/server/main';
import { silentLogger } from '../../src/server/log';
import { openSqliteStorage } from '../../src/server/storage/sqlite';
import { hashPassword } from '../../src/server/accounts';
import { importPlan } from '../../src/server/plan-import';
import { fmt, median } from './bench-env';
import { syntheticPlanFile } from './synthetic-plan';

const GOAL_RATIO = 1.2;
const PASSWORD = 'bench-password';

interface BranchCase {
  /** What the figure is called. */
  name: string;
  branchId: string;
  email: string;
  /** Fiscal years of the branch's plans, one plan each. */
  years: number[];
  runs: number;
}

const CASES: BranchCase[] = [
  // 1,540 items × 12 months of progress + sections, items, notes ≈ 20,000 records.
  { name: 'one plan', branchId: 'bench', email: 'bench@example.jp', years: [2024], runs: 9 },
  { name: 'five years of plans', branchId: 'bench5', email: 'bench5@example.jp', years: [2020, 2021, 2022, 2023, 2024], runs: 3 },
];

type Kind = 'engineRun' | 'limitRun' | 'schemaRun';
type Timing = { loginMs: number; syncMs: number };
type Bench = Record<Kind, (email: string, password: string, expected: number) => Promise<Timing>>;

interface Figures {
  /** From signed in to every record stored. */
  ms: number[];
  /** The same with the login before it. */
  withLoginMs: number[];
  peakBytes: number[];
}

function record(f: Figures, run: Timing & { peakBytes: number }): void {
  f.ms.push(run.syncMs);
  f.withLoginMs.push(run.loginMs + run.syncMs);
  f.peakBytes.push(run.peakBytes);
}

export async function initialSyncReport(browser: Browser, only: 'all' | 'small' = 'all'): Promise<{ ratio: number; lines: string[] }> {
  const cases = only === 'small' ? CASES.slice(0, 1) : CASES;
  const dataDir = mkdtempSync(join(tmpdir(), 'tracker-bench-sync-'));
  const storage = await openSqliteStorage(join(dataDir, 'tracker.sqlite'));
  const records = new Map<string, number>();
  for (const c of cases) {
    await storage.addBranch({ id: c.branchId, name: `ベンチ支部 ${c.branchId}`, createdAt: new Date().toISOString() });
    const userId = `${c.branchId}-user`;
    await storage.addUser({ id: userId, email: c.email, name: 'ベンチ', passwordHash: await hashPassword(PASSWORD), createdAt: new Date().toISOString() });
    await storage.setMembership({ userId, branchId: c.branchId, role: 'staff' });
    let total = 0;
    for (const year of c.years) {
      let n = 0;
      total += await importPlan(storage, {
        branchId: c.branchId,
        planId: `${c.branchId}-${year}`,
        file: syntheticPlanFile(1_540, 930, year),
        now: new Date(),
        author: 'ベンチ',
        newId: () => `${c.branchId}-${year}-note-${++n}`,
      });
    }
    records.set(c.branchId, total);
  }
  await storage.close();

  const api = await startServer({ port: 0, host: '127.0.0.1', dataDir, production: true, staticDir: null }, silentLogger);
  const vite = await createServer({
    root: fileURLToPath(new URL('./initial-sync-page', import.meta.url)),
    configFile: false,
    logLevel: 'warn',
    server: { host: '127.0.0.1', port: 0, proxy: { '/api': api.url }, fs: { allow: [fileURLToPath(new URL('../..', import.meta.url))] } },
  });
  await vite.listen();
  const pageUrl = vite.resolvedUrls!.local[0]!;
  const page = await (await browser.newContext()).newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const lines: string[] = [];
  let firstRatio = Number.NaN;
  try {
    await page.goto(pageUrl);
    await page.waitForFunction(() => 'bench' in window);
    const first = cases[0]!;
    // One warm-up of each, so module loading and the first IndexedDB open are not measured.
    for (const kind of ['limitRun', 'engineRun', 'schemaRun'] as const) await runOnce(page, cdp, kind, first.email, records.get(first.branchId)!);
    for (const c of cases) {
      const expected = records.get(c.branchId)!;
      const engine: Figures = { ms: [], withLoginMs: [], peakBytes: [] };
      const limit: Figures = { ms: [], withLoginMs: [], peakBytes: [] };
      const schema: number[] = [];
      for (let i = 0; i < c.runs; i++) {
        record(limit, await runOnce(page, cdp, 'limitRun', c.email, expected));
        record(engine, await runOnce(page, cdp, 'engineRun', c.email, expected));
        schema.push((await runOnce(page, cdp, 'schemaRun', c.email, expected)).syncMs);
      }
      // Untimed: the live heap (after a forced GC, every 500 ms) while the engine syncs, which
      // stays the same however many records the branch has when nothing piles up.
      const live = await runOnce(page, cdp, 'engineRun', c.email, expected, true);
      const ratio = median(engine.ms) / median(limit.ms);
      if (Number.isNaN(firstRatio)) firstRatio = ratio;
      lines.push(
        `${c.name}, ${expected.toLocaleString('en')} records (${c.runs} runs each, alternating):`,
        `  engine: median ${fmt(median(engine.ms))}  [${engine.ms.map((ms) => ms.toFixed(0)).join(', ')}]`,
        `  limit (same pages, fetch + JSON.parse + bulkPut into bare tables): median ${fmt(median(limit.ms))}  [${limit.ms.map((ms) => ms.toFixed(0)).join(', ')}]`,
        `  ratio: ${ratio.toFixed(2)}× (goal ≤ ${GOAL_RATIO}×)`,
        `  the limit's loop into the engine's schema (its indexes): median ${fmt(median(schema))}, ${(median(schema) / median(limit.ms)).toFixed(2)}× the limit  [${schema.map((ms) => ms.toFixed(0)).join(', ')}]`,
        `  with the login before it (the engine's derives the signing key, PBKDF2): engine ${fmt(median(engine.withLoginMs))}, limit ${fmt(median(limit.withLoginMs))}, ratio ${(median(engine.withLoginMs) / median(limit.withLoginMs)).toFixed(2)}×`,
        `  peak JS heap over the run (CDP JSHeapUsedSize, 50 ms samples): engine ${mib(Math.max(...engine.peakBytes))}, limit ${mib(Math.max(...limit.peakBytes))}`,
        `  peak live JS heap of the engine (after a forced GC, sampled every 500 ms in one more, untimed run): ${mib(live.peakBytes)}`,
      );
    }
    return { ratio: firstRatio, lines };
  } finally {
    await page.context().close();
    await vite.close();
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

async function heapUsed(cdp: CDPSession): Promise<number> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
}

/** One run of `kind`, with the peak of the JS heap in use during it (above the heap before it). */
async function runOnce(page: Page, cdp: CDPSession, kind: Kind, email: string, expected: number, liveHeap = false): Promise<Timing & { peakBytes: number }> {
  await cdp.send('HeapProfiler.collectGarbage');
  const before = await heapUsed(cdp);
  let peak = before;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      if (liveHeap) await cdp.send('HeapProfiler.collectGarbage');
      peak = Math.max(peak, await heapUsed(cdp));
      await new Promise((r) => setTimeout(r, liveHeap ? 500 : 50));
    }
  })();
  try {
    const timing = await page.evaluate(([k, e, p, n]) => (window as unknown as { bench: Bench }).bench[k as Kind](e as string, p as string, n as number), [
      kind,
      email,
      PASSWORD,
      expected,
    ] as const);
    return { ...timing, peakBytes: peak - before };
  } finally {
    sampling = false;
    await sampler;
  }
}
