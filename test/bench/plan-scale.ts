// Figure: opening a plan and applying a search filter for a 100-item plan and a 1,000-item plan
// (12 monthly periods of progress each; 200 and 2,000 notes), imported on the server and synced
// to the browser. Medians of 5 runs, measured alternately; goal: ten times the data costs at
// most five times the time.
import type { Browser, Page } from '@playwright/test';
import { fmt, loginAndSync, median } from './bench-env';
import { SEARCH_TERM, syntheticPlanFile } from './synthetic-plan';

const RUNS = 5;
const GOAL_RATIO = 5;

/** Navigation start → every item row rendered, in the page's own clock. */
async function timeOpen(page: Page, url: string, items: number): Promise<number> {
  await page.goto(`${url}?period=2024-06`);
  const handle = await page.waitForFunction((n) => document.querySelectorAll('.item-link').length === n && performance.now(), items, {
    polling: 'raf',
    timeout: 120_000,
  });
  return Number(await handle.jsonValue());
}

/** Typing the search term → the filtered tree is on screen. */
async function timeSearch(page: Page, items: number): Promise<number> {
  return page.evaluate(
    async ({ term, expected }) => {
      const input = document.querySelector<HTMLInputElement>('input[type=search]')!;
      const t0 = performance.now();
      input.value = term;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      while (document.querySelectorAll('.item-link').length !== expected) await new Promise((r) => requestAnimationFrame(r));
      return performance.now() - t0;
    },
    { term: SEARCH_TERM, expected: items / 10 },
  );
}

export const SCALE_SIZES = [
  { id: 'demo-tokyo-synthetic-100', items: 100, notes: 200 },
  { id: 'demo-tokyo-synthetic-1000', items: 1000, notes: 2000 },
] as const;

/** The synthetic plans, for the server to hold before the benchmark starts. */
export function scalePlans() {
  return SCALE_SIZES.map((s) => ({ id: s.id, file: syntheticPlanFile(s.items, s.notes) }));
}

export async function planScaleReport(browser: Browser, baseUrl: string): Promise<{ openRatio: number; searchRatio: number; lines: string[] }> {
  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await loginAndSync(page, baseUrl, /合成計画 1000項目/);
  const sizes = SCALE_SIZES;
  const urls = sizes.map((s) => `${baseUrl}/plans/${s.id}`);
  const open: number[][] = sizes.map(() => []);
  const search: number[][] = sizes.map(() => []);
  for (let r = 0; r < RUNS; r++) {
    for (const [i, s] of sizes.entries()) {
      open[i]!.push(await timeOpen(page, urls[i]!, s.items));
      search[i]!.push(await timeSearch(page, s.items));
    }
  }
  await context.close();
  const [o100, o1000] = open.map(median) as [number, number];
  const [s100, s1000] = search.map(median) as [number, number];
  return {
    openRatio: o1000 / o100,
    searchRatio: s1000 / s100,
    lines: [
      `open plan (navigation → all rows rendered), medians of ${RUNS}: 100 items ${fmt(o100)}, 1,000 items ${fmt(o1000)} → ratio ${(o1000 / o100).toFixed(2)}× (goal ≤ ${GOAL_RATIO}×)`,
      `search filter「${SEARCH_TERM}」(input → filtered tree), medians of ${RUNS}: 100 items ${fmt(s100)}, 1,000 items ${fmt(s1000)} → ratio ${(s1000 / s100).toFixed(2)}× (goal ≤ ${GOAL_RATIO}×)`,
    ],
  };
}
