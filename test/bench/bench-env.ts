// Shared set-up for the browser benchmarks: a production build served by the real server (the
// embedded default on SQLite in a temporary folder, demo seeded, plus any plans a benchmark
// imports into the demo branch first) on loopback, and Debian's Chromium with the e2e flags.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { chromium, type Browser, type Page } from '@playwright/test';
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
    await importPlan(storage, { branchId: DEMO_BRANCH.id, planId: plan.id, file: plan.file, now: new Date(), author: 'ベンチ', newId: () => `${plan.id}/note-${++n}` });
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
