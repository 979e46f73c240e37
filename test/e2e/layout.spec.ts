// At 1024×768, 768×1024 and 390×844: on the plan list, plan (and its status details), item,
// KPI, dashboard, report, structure and 訪問記録 screens no cell's or control's text overflows it
// (scrollWidth > clientWidth), no screen but the report scrolls sideways, short words (評価, 未評価, 判定, 実績未入力 …) never
// break inside, and on the KPI screen no cell of a KPI is drawn over another (the 判定 badge
// over the 時点 on a phone); a conflict between two people is shown naming both. Screenshots
// of each go to test-results/screenshots/layout-*.png to be looked at. The checks themselves
// are in layout-checks.ts, for any other screen's test to use.
import { expect, test, type Page } from '@playwright/test';
import { brokenWords, overflowingCells, overlapsInRows } from './layout-checks';
import { signInOnNewDevice, TrackerApp, VisitsScreen } from './pages/tracker';

const DEMO_PLAN = /令和6年度 東京支部事業計画/;
const VIEWPORTS = [
  { name: '1024x768', width: 1024, height: 768 },
  { name: '768x1024', width: 768, height: 1024 },
  { name: '390x844', width: 390, height: 844 },
] as const;
const SHORT_WORDS = ['未評価', '評価', '判定', '実績未入力', '達成見込み', '未達見込み', '時点', '保存済み'];

/** Controls and labels that must show their whole text: buttons, links made buttons, badges, the header. */
const CONTROLS = 'header *, main button, main a.button, main .badge, main label';

/** Nothing on the screen reaches past the window's right edge (the page never scrolls sideways). */
const pageWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

const snap = (page: Page, viewport: string, screen: string) =>
  page.screenshot({ path: `test-results/screenshots/layout-${viewport}-${screen}.png`, fullPage: false });

for (const viewport of VIEWPORTS) {
  test(`at ${viewport.name} no text overflows its cell or control and no short word breaks on the plan list, plan, item, KPI, dashboard, report, structure and 訪問記録 screens`, async ({
    page,
  }) => {
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    const app = new TrackerApp(page);
    await app.login();
    await app.openPlans();
    expect(await overflowingCells(page, CONTROLS), 'plan list').toEqual([]);
    expect(await pageWidth(page), 'plan list').toBeLessThanOrEqual(0);
    await snap(page, viewport.name, 'plan-list');
    const plan = await app.openPlan(DEMO_PLAN);
    await plan.waitForTree();
    expect(await brokenWords(page, SHORT_WORDS), 'plan screen').toEqual([]);
    expect(await overflowingCells(page, CONTROLS), 'plan screen').toEqual([]);
    expect(await pageWidth(page), 'plan screen').toBeLessThanOrEqual(0);
    await app.openStatus();
    expect(await overflowingCells(page, CONTROLS), 'status details').toEqual([]);
    await page.keyboard.press('Escape');
    await snap(page, viewport.name, 'plan');

    await plan.openItem(/お客様満足度調査やお客様の声/);
    expect(await brokenWords(page, SHORT_WORDS), 'item screen').toEqual([]);
    expect(await overflowingCells(page, CONTROLS), 'item screen').toEqual([]);
    expect(await pageWidth(page), 'item screen').toBeLessThanOrEqual(0);
    await snap(page, viewport.name, 'item');
    await page.goBack();
    await plan.waitForTree();

    await plan.openKpis();
    await expect(page.getByRole('table').first()).toBeVisible();
    expect(await overflowingCells(page, '.kpi-table th, .kpi-table td'), 'KPI screen').toEqual([]);
    expect(await brokenWords(page, SHORT_WORDS), 'KPI screen').toEqual([]);
    expect(await overlapsInRows(page, '.kpi-table tr.kpi-row', 'td, td > *'), 'KPI screen').toEqual([]);
    await snap(page, viewport.name, 'kpi');

    await page.goBack();
    await plan.waitForTree();
    await plan.openDashboard();
    expect(await overflowingCells(page, 'main th, main td'), 'dashboard').toEqual([]);
    expect(await brokenWords(page, SHORT_WORDS), 'dashboard').toEqual([]);
    await snap(page, viewport.name, 'dashboard');

    await page.goBack();
    await plan.waitForTree();
    await plan.openReport();
    expect(await overflowingCells(page, '.report-sheet th, .report-sheet td'), 'report').toEqual([]);
    expect(await brokenWords(page, SHORT_WORDS, '.report-sheet'), 'report').toEqual([]);
    await snap(page, viewport.name, 'report');
    await page.locator('.report-kpi-row').first().scrollIntoViewIfNeeded();
    await snap(page, viewport.name, 'report-kpi-row');

    await page.goBack();
    await plan.waitForTree();
    await page.getByRole('link', { name: '構成の編集' }).click();
    await expect(page.getByRole('heading', { level: 1, name: /構成の編集/ })).toBeVisible();
    expect(await brokenWords(page, SHORT_WORDS), 'structure screen').toEqual([]);
    expect(await overflowingCells(page, CONTROLS), 'structure screen').toEqual([]);
    await snap(page, viewport.name, 'structure');

    await page.goBack();
    await plan.waitForTree();
    await VisitsScreen.open(page);
    expect(await brokenWords(page, SHORT_WORDS), '訪問記録').toEqual([]);
    expect(await overflowingCells(page, CONTROLS), '訪問記録').toEqual([]);
    expect(await pageWidth(page), '訪問記録').toBeLessThanOrEqual(0);
    await snap(page, viewport.name, 'visits');
  });
}

test('a conflict names both people with their times, and fits each size', async ({ browser }) => {
  const a = await signInOnNewDevice(browser, 'lead@demo');
  const b = await signInOnNewDevice(browser, 'staff@demo');
  try {
    const aItem = await (await a.app.openPlan(DEMO_PLAN)).openItem(/お客様満足度調査やお客様の声/);
    const bItem = await (await b.app.openPlan(DEMO_PLAN)).openItem(/お客様満足度調査やお客様の声/);
    // B's edit waits offline while A's reaches the server: the two meet as a conflict.
    await b.app.goOffline();
    await bItem.typeDone('担当の書いた実施状況。');
    await bItem.waitUntilSaved();
    await aItem.typeDone('リーダーの書いた実施状況。');
    await aItem.waitUntilSaved();
    await a.app.waitUntilSynced();
    await b.app.goOnline();
    await b.app.waitUntilSynced();
    const panel = aItem.conflicts();
    await expect(panel).toBeVisible({ timeout: 15_000 });
    await expect(panel.getByRole('heading', { level: 4, name: /^あなた（令和\d+年\d+月\d+日 \d\d:\d\d）の値$/ })).toBeVisible();
    await expect(panel.getByRole('heading', { level: 4, name: /^デモ 担当さん（令和\d+年\d+月\d+日 \d\d:\d\d）の値$/ })).toBeVisible();
    await expect(panel.getByRole('button', { name: 'デモ 担当さんの値を採用' })).toBeVisible();
    for (const viewport of VIEWPORTS) {
      await aItem.page.setViewportSize({ width: viewport.width, height: viewport.height });
      await panel.scrollIntoViewIfNeeded();
      expect(await brokenWords(aItem.page, SHORT_WORDS, '.conflicts'), viewport.name).toEqual([]);
      expect(await overflowingCells(aItem.page, '.conflict-side, .conflict-actions button'), viewport.name).toEqual([]);
      await snap(aItem.page, viewport.name, 'conflict');
    }
  } finally {
    await a.context.close();
    await b.context.close();
  }
});
