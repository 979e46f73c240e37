// Figure: the progress report for the demo plan (86 items) and the synthetic 100- and 1,000-item
// plans: time to render the print view (navigation → every item row in the document and drawn)
// and to produce the PDF in Chromium (page.pdf with the print CSS). Medians of 5, measured
// alternately; goal: linear in the number of items, i.e. the time grows no faster than the
// item count (a ratio to the demo at most the item ratio).
import type { Browser, Page } from '@playwright/test';
import { fmt, loginAndSync, median } from './bench-env';
import { SCALE_SIZES } from './plan-scale';

const RUNS = 5;
const DEMO = { id: 'demo-tokyo-r6', items: 86, period: '2024-H1' };
/** The synthetic plans report their June progress (every item has one). */
const PLANS = [DEMO, ...SCALE_SIZES.map((s) => ({ id: s.id, items: s.items, period: '2024-06' }))];

interface RenderMarks {
  rowsAt?: number;
  drawnAt?: number;
}

/** Records, in every document, when `expected` report rows are in it and then drawn. */
async function recordRows(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const marks: RenderMarks = {};
    (window as unknown as { __reportMarks: RenderMarks }).__reportMarks = marks;
    const expected = Number(new URLSearchParams(location.search).get('benchRows') ?? NaN);
    if (!Number.isFinite(expected)) return;
    const observer = new MutationObserver(() => {
      if (document.querySelectorAll('.report-item-row').length < expected) return;
      observer.disconnect();
      marks.rowsAt = performance.now();
      requestAnimationFrame(() => setTimeout(() => (marks.drawnAt = performance.now()), 0));
    });
    observer.observe(document, { childList: true, subtree: true });
  });
}

async function timeRender(page: Page, url: string): Promise<number> {
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(() => (window as unknown as { __reportMarks: RenderMarks }).__reportMarks.drawnAt !== undefined, undefined, { timeout: 120_000 });
  return page.evaluate(() => (window as unknown as { __reportMarks: RenderMarks }).__reportMarks.drawnAt!);
}

async function timePdf(page: Page): Promise<{ ms: number; bytes: number }> {
  await page.emulateMedia({ media: 'print' });
  const t0 = performance.now();
  const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
  const ms = performance.now() - t0;
  await page.emulateMedia({ media: null });
  return { ms, bytes: pdf.length };
}

export async function reportPrintReport(browser: Browser, baseUrl: string): Promise<{ lines: string[] }> {
  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await recordRows(page);
  await loginAndSync(page, baseUrl, /合成計画 1000項目/);
  const render: number[][] = PLANS.map(() => []);
  const pdf: number[][] = PLANS.map(() => []);
  const sizes: number[] = PLANS.map(() => 0);
  for (let r = 0; r < RUNS; r++) {
    for (const [i, plan] of PLANS.entries()) {
      render[i]!.push(await timeRender(page, `${baseUrl}/plans/${plan.id}/report?period=${plan.period}&benchRows=${plan.items}`));
      const printed = await timePdf(page);
      pdf[i]!.push(printed.ms);
      sizes[i] = printed.bytes;
    }
  }
  await context.close();
  const lines = PLANS.map((plan, i) => {
    const rm = median(render[i]!);
    const pm = median(pdf[i]!);
    return `${String(plan.items).padStart(5)} items (${plan.id}): render ${fmt(rm)} (${(rm / plan.items).toFixed(2)} ms/item), PDF ${fmt(pm)} (${(pm / plan.items).toFixed(2)} ms/item, ${(sizes[i]! / 1024).toFixed(0)} KiB)`;
  });
  const last = PLANS.length - 1;
  const itemRatio = PLANS[last]!.items / DEMO.items;
  const renderRatio = median(render[last]!) / median(render[0]!);
  const pdfRatio = median(pdf[last]!) / median(pdf[0]!);
  lines.push(
    `1,000 items against the demo (${itemRatio.toFixed(1)}× the items): render ${renderRatio.toFixed(2)}×, PDF ${pdfRatio.toFixed(2)}× (goal: linear, ≤ ${itemRatio.toFixed(1)}×)`,
  );
  return { lines };
}
