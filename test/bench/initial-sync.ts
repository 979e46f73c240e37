// Figure: initial sync of a 20,000-record branch into Chromium's IndexedDB with the real engine,
// against the limit measured in the same run: the same pages fetched as plain JSON and written
// with Dexie bulkPut, one transaction a page. Medians of alternating runs; goal ≤ 1.5×.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import type { Browser } from '@playwright/test';
import { startServer } from '../../src/server/main';
import { silentLogger } from '../../src/server/log';
import { openSqliteStorage } from '../../src/server/storage/sqlite';
import { hashPassword } from '../../src/server/accounts';
import { importPlan } from '../../src/server/plan-import';
import { fmt, median } from './bench-env';
import { syntheticPlanFile } from './synthetic-plan';

const RUNS = 5;
const GOAL_RATIO = 1.5;
const EMAIL = 'bench@example.jp';
const PASSWORD = 'bench-password';

export async function initialSyncReport(browser: Browser): Promise<{ ratio: number; lines: string[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tracker-bench-sync-'));
  // 1,540 items × 12 months of progress + sections, items, notes ≈ 20,000 records.
  const file = syntheticPlanFile(1_540, 930);
  const storage = await openSqliteStorage(join(dataDir, 'tracker.sqlite'));
  await storage.addBranch({ id: 'bench', name: 'ベンチ支部', createdAt: new Date().toISOString() });
  await storage.addUser({ id: 'bench-user', email: EMAIL, name: 'ベンチ', passwordHash: await hashPassword(PASSWORD), createdAt: new Date().toISOString() });
  await storage.setMembership({ userId: 'bench-user', branchId: 'bench', role: 'staff' });
  let n = 0;
  const records = await importPlan(storage, {
    branchId: 'bench',
    planId: 'bench-plan',
    file,
    now: new Date(),
    author: 'ベンチ',
    newId: () => `bench-note-${++n}`,
  });
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
  try {
    await page.goto(pageUrl);
    await page.waitForFunction(() => 'bench' in window);
    type Bench = { engineRun(e: string, p: string, n: number): Promise<number>; limitRun(e: string, p: string, n: number): Promise<number> };
    // One warm-up of each, so module loading and the first IndexedDB open are not measured.
    const run = (kind: 'engineRun' | 'limitRun') =>
      page.evaluate(([k, e, p, count]) => (window as unknown as { bench: Bench }).bench[k as 'engineRun'](e as string, p as string, count as number), [
        kind,
        EMAIL,
        PASSWORD,
        records,
      ] as const);
    await run('limitRun');
    await run('engineRun');
    const engine: number[] = [];
    const limit: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      limit.push(await run('limitRun'));
      engine.push(await run('engineRun'));
    }
    const ratio = median(engine) / median(limit);
    return {
      ratio,
      lines: [
        `initial sync of ${records.toLocaleString('en')} records, engine: median ${fmt(median(engine))} over ${RUNS} runs`,
        `same pages as plain JSON + Dexie bulkPut (limit): median ${fmt(median(limit))} over ${RUNS} runs`,
        `ratio: ${ratio.toFixed(2)}× (goal ≤ ${GOAL_RATIO}×)`,
      ],
    };
  } finally {
    await page.context().close();
    await vite.close();
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
