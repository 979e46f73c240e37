// A planner pastes the text of seed 004 (東京支部 令和6年度, copied out of its PDF), reviews what
// every line became, changes one, confirms and opens the plan; then imports the 静岡 R7 plan of
// seed 002 (format 2) and looks at its KPI screen. Screenshots of the review and of the 静岡 KPI
// screen at both tablet sizes and on a phone, under test-results/screenshots/.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { PlanScreen, TrackerApp } from './pages/tracker';

const SEED_004 = readFileSync(new URL('../fixtures/seeds/004_c55e886e2f12d222.txt', import.meta.url), 'utf8');
const SHIZUOKA = new URL('../fixtures/shizuoka-r7.plan.json', import.meta.url).pathname;
const VIEWPORTS = [
  { name: 'landscape-1024x768', width: 1024, height: 768 },
  { name: 'portrait-768x1024', width: 768, height: 1024 },
  { name: 'phone-390x844', width: 390, height: 844 },
];

test('an admin pastes seed 004, reviews it, changes a line and makes the plan', async ({ page }) => {
  const app = new TrackerApp(page);
  await app.login('admin@demo');
  await app.openPlans();
  const review = await app.pastePlanText(SEED_004);
  await expect(review.counts()).toContainText(/^柱 3・節 \d+・項目 \d+・KPI 17/);
  const before = await review.counts().textContent();
  // A ・ line read as an item is, say, not part of the plan: the counts follow at once.
  const firstItem = review.lines().locator('tr.line-item').first();
  const line = Number(await firstItem.locator('th').textContent());
  await review.setKind(line, '無視');
  await expect(review.counts()).not.toHaveText(before!);
  // The choice is kept on the device: a reload brings the review back as it was.
  await expect(page.getByText('下書き（この端末に保存済み・送信するまで残ります）')).toBeVisible();
  await page.reload();
  await expect(review.lines()).toBeVisible();
  await expect(review.lines().getByRole('combobox', { name: `${line}行目の種類`, exact: true })).toHaveValue('ignore');
  const plan = await review.createPlan();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('東京支部');
  await plan.openKpis();
  await expect(page.getByRole('table')).toBeVisible();
  await expect(page.getByRole('button', { name: /現金給付等の申請に係る郵送化率/ })).toBeVisible();
});

for (const viewport of VIEWPORTS) {
  test(`the review and the 静岡 KPI screen at ${viewport.name}`, async ({ page }) => {
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    const app = new TrackerApp(page);
    await app.login('admin@demo');
    await app.openPlans();
    const review = await app.pastePlanText(SEED_004);
    await expect(review.counts()).toBeVisible();
    await page.screenshot({ path: `test-results/screenshots/${viewport.name}-9-text-import-review.png` });
    await page.getByRole('link', { name: '← 計画の一覧' }).click();
    await app.importPlanFile(SHIZUOKA);
    const plan = new PlanScreen(page);
    await plan.waitForTree();
    await plan.openKpis();
    await expect(page.getByRole('columnheader', { name: '令和6年度KPI' })).toBeVisible();
    await expect(page.getByRole('cell', { name: '7,013事業所（令和6年11月末）' })).toBeVisible();
    // Two of the 19 are qualitative (判定不可), the rest wait for an actual of 令和7年度.
    await expect(page.getByText('実績未入力 17件')).toBeVisible();
    await page.screenshot({ path: `test-results/screenshots/${viewport.name}-10-shizuoka-kpi.png` });
    // Eight columns of seed 002's tables fit, or become cards on a phone: no cell runs over.
    const overflowing = await page.evaluate(() =>
      [...document.querySelectorAll('.kpi-table td, .kpi-table th')].filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.textContent),
    );
    expect(overflowing).toEqual([]);
  });
}
