// Figure: key-to-IndexedDB time while a person types into 実施状況 at 30 ms per key, over 2,000
// characters in Chromium: for each key, from its keydown to the commit of the first IndexedDB
// transaction that stores the text with that key in it. Median and p95 of the first and the
// last 200 characters (the time should stay flat as the text grows) and of all of them.
//
// The page records its own moments (an init script): keydown times, and the length of 実施状況
// in each progress record put, at its transaction's complete event. Offline, so no sync runs.
// `npm run bench:typing` runs it alone; `npm run bench` runs it with the other figures.
import { pathToFileURL } from 'node:url';
import type { Browser } from '@playwright/test';
import { buildApp, fmt, launchBrowser, median, startBenchServer } from './bench-env';

const CHARS = 2_000;
const DELAY_MS = 30;
const WINDOW = 200;

interface Marks {
  keys: number[];
  commits: [length: number, at: number][];
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function typingReport(browser: Browser, baseUrl: string): Promise<{ lines: string[] }> {
  const context = await browser.newContext({ locale: 'ja-JP' });
  const page = await context.newPage();
  await page.addInitScript(() => {
    const marks: Marks = { keys: [], commits: [] };
    (window as unknown as { __typing: Marks }).__typing = marks;
    document.addEventListener('keydown', () => marks.keys.push(performance.now()), true);
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      const done = (value as { done?: unknown } | null)?.done;
      if (this.name === 'progress' && typeof done === 'string') {
        const length = done.length;
        this.transaction.addEventListener('complete', () => marks.commits.push([length, performance.now()]));
      }
      return put.call(this, value, key);
    } as typeof IDBObjectStore.prototype.put;
  });
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('メールアドレス').fill('staff@demo');
  await page.getByLabel('パスワード').fill('demo1234');
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page
    .getByRole('link', { name: /令和6年度 東京支部事業計画/ })
    .first()
    .click();
  await page.locator('.item-link').first().click();
  const box = page.getByRole('textbox', { name: '実施状況' });
  await box.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.getByTestId('save-state').filter({ hasText: '保存済み' }).waitFor();
  await context.setOffline(true);
  await page.evaluate(() => {
    const marks = (window as unknown as { __typing: Marks }).__typing;
    marks.keys.length = 0;
    marks.commits.length = 0;
  });

  const letters = 'abcdefghijklmnopqrstuvwxyz ';
  const text = Array.from({ length: CHARS }, (_, i) => letters[i % letters.length]).join('');
  await page.keyboard.type(text, { delay: DELAY_MS });
  await page.waitForFunction((n) => (window as unknown as { __typing: Marks }).__typing.commits.some(([len]) => len >= n), CHARS);
  const marks = await page.evaluate(() => (window as unknown as { __typing: Marks }).__typing);
  const stored = await box.inputValue();
  await context.close();

  if (marks.keys.length !== CHARS) throw new Error(`Expected ${CHARS} keydowns, saw ${marks.keys.length}`);
  if (stored !== text) throw new Error('The field does not hold exactly what was typed');
  const latency = marks.keys.map((at, i) => {
    const commit = marks.commits.find(([len, t]) => len >= i + 1 && t >= at);
    if (!commit) throw new Error(`Key ${i + 1} never reached IndexedDB`);
    return commit[1] - at;
  });
  const line = (label: string, xs: number[]) => `${label}: median ${fmt(median(xs))}, p95 ${fmt(percentile(xs, 95))}`;
  return {
    lines: [
      `${CHARS} characters typed into 実施状況 at ${DELAY_MS} ms per key (offline), ${marks.commits.length} IndexedDB writes; key-to-IndexedDB time:`,
      line(`  first ${WINDOW} characters`, latency.slice(0, WINDOW)),
      line(`  last ${WINDOW} characters`, latency.slice(-WINDOW)),
      line(`  all ${CHARS}`, latency),
    ],
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildApp();
  const server = await startBenchServer();
  const browser = await launchBrowser();
  try {
    console.log('== Typing: key to IndexedDB');
    for (const line of (await typingReport(browser, server.url)).lines) console.log(line);
  } finally {
    await browser.close();
    await server.close();
  }
}
