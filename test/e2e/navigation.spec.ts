// Never lose your place, and search that finds (issue 12), at the three sizes: going back from
// an item (by ← or the browser's back button) shows the plan screen with the same filters and
// the same rows where they were, also after its live data has redrawn it; 前の項目 / 次の項目 (tap,
// keyboard, swipe) walk the filtered items; 「健康宣言」 finds 健康企業宣言 and the KPI; the start
// opens the only plan while the list stays one tap away. Screenshots under
// test-results/screenshots/.
import { expect, test, type Page } from '@playwright/test';
import { PlanPlace, type WalkingItemScreen } from './pages/navigation';
import { TrackerApp } from './pages/tracker';

const DEMO_PLAN = /令和6年度 東京支部事業計画/;
const VIEWPORTS = [
  { name: 'landscape-1024x768', width: 1024, height: 768 },
  { name: 'portrait-768x1024', width: 768, height: 1024 },
  { name: 'phone-390x844', width: 390, height: 844 },
];

async function openDemoPlan(page: Page): Promise<PlanPlace> {
  const app = new TrackerApp(page);
  await app.login();
  await app.openPlans();
  await app.openPlan(DEMO_PLAN);
  const plan = new PlanPlace(page);
  await plan.waitForTree();
  return plan;
}

/**
 * How far row 40 stands from where it was, in px. Within a pixel is where it was: the rows above
 * it may lay out a fraction of a pixel differently once the live data has redrawn them (seen on a
 * phone: 642.58 px before, 642.23 px after), and the window scrolls by whole pixels.
 */
async function offBy(plan: PlanPlace, top: number): Promise<number> {
  return Math.abs((await plan.rowTop(40)) - top);
}

async function snap(page: Page, viewport: string, screen: string): Promise<void> {
  await page.screenshot({ path: `test-results/screenshots/${viewport}-${screen}.png`, fullPage: false });
}

for (const viewport of VIEWPORTS) {
  test.describe(viewport.name, () => {
    test.use({ viewport: { width: viewport.width, height: viewport.height } });

    test('back by ← and by the browser keeps the rows where they were', async ({ page }) => {
      const plan = await openDemoPlan(page);
      const planUrl = page.url();
      // Low enough in the window that the sticky bars do not cover it.
      await plan.scrollRowTo(40, Math.round(viewport.height * 0.65));
      expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(1000);
      const text = await plan.rowText(40);
      const top = await plan.rowTop(40);

      let item: WalkingItemScreen = await plan.openRow(40);
      await item.backByLink().then(async (back) => {
        expect(page.url()).toBe(planUrl);
        await expect.poll(() => offBy(back, top)).toBeLessThanOrEqual(1);
        expect(await back.rowText(40)).toBe(text);
        // The live data arrives and redraws the screen: the rows stay put.
        await page.waitForTimeout(1500);
        expect(await offBy(back, top)).toBeLessThanOrEqual(1);
      });

      item = await plan.openRow(40);
      const back = await item.backByBrowser();
      expect(page.url()).toBe(planUrl);
      await expect.poll(() => offBy(back, top)).toBeLessThanOrEqual(1);
      await page.waitForTimeout(1500);
      expect(await offBy(back, top)).toBeLessThanOrEqual(1);
    });

    test('back keeps the group and the search, and the place in the results', async ({ page }) => {
      const plan = await openDemoPlan(page);
      await plan.filterByGroup('保健');
      await plan.search('健診');
      await expect(plan.results().first()).toBeVisible();
      const count = await plan.shownCount().textContent();
      const shown = await plan.results().count();
      expect(shown).toBeGreaterThan(4);
      await plan.scrollRowTo(4, Math.round(viewport.height * 0.65));
      const top = await plan.rowTop(4);
      const item = await plan.openRow(4);
      let back = await item.backByLink();
      await expect(back.groupFilter()).toHaveValue('保健');
      await expect(back.searchBox()).toHaveValue('健診');
      await expect(back.shownCount()).toHaveText(count!);
      await expect.poll(() => back.rowTop(4)).toBe(top);

      back = await (await back.openRow(4)).backByBrowser();
      await expect(back.groupFilter()).toHaveValue('保健');
      await expect(back.searchBox()).toHaveValue('健診');
      await expect.poll(() => back.rowTop(4)).toBe(top);
    });

    test('前の項目 / 次の項目 walk the filtered items in order', async ({ page }) => {
      const plan = await openDemoPlan(page);
      await plan.filterByGroup('保健');
      await expect(plan.shownCount()).toHaveText('30件 / 全86件を表示');
      const [first, second, third] = [await plan.rowText(1), await plan.rowText(2), await plan.rowText(3)];
      const item = await plan.openRow(1);
      await expect(item.position()).toHaveText('1 / 30件');
      await expect(item.walk()).toContainText('前の項目なし');
      await item.goNext();
      await expect(item.position()).toHaveText('2 / 30件');
      await snap(page, viewport.name, 'nav-item-walk');
      await expect(item.planText()).toHaveText(textOf(second));
      await item.goNextByKeyboard();
      await expect(item.position()).toHaveText('3 / 30件');
      await expect(item.planText()).toHaveText(textOf(third));
      await item.goPrevious();
      await item.goPrevious();
      await expect(item.planText()).toHaveText(textOf(first));
      await item.goNext();
      // Walking replaced the entry: ← and back both return to the filtered plan screen.
      const back = await item.backByLink();
      await expect(back.groupFilter()).toHaveValue('保健');
      await expect(back.shownCount()).toHaveText('30件 / 全86件を表示');
    });

    test('back after walking on shows the item walked to, not the one first opened', async ({ page }) => {
      const plan = await openDemoPlan(page);
      await plan.scrollRowTo(40, Math.round(viewport.height * 0.65));
      const item = await plan.openRow(40);
      for (let i = 0; i < 6; i++) await item.goNext();
      const walkedTo = await item.planText().textContent();
      const back = await item.backByBrowser();
      const row = back
        .rows()
        .filter({ hasText: (walkedTo ?? '').trim().slice(0, 20) })
        .first();
      await expect(row).toBeInViewport();
    });

    test('search finds 健康企業宣言 for 健康宣言, the KPI, and folds widths and kana', async ({ page }) => {
      const plan = await openDemoPlan(page);
      await plan.search('健康宣言');
      await expect(plan.kpiResults()).toHaveText([/健康宣言事業所数/]);
      await expect(plan.results().first()).toBeVisible();
      expect(await plan.results().count()).toBeGreaterThanOrEqual(3);
      await expect(plan.results().first().locator('mark')).toContainText('健康企業宣言');
      await expect(plan.results().first().locator('.match-reason')).toBeVisible();
      await snap(page, viewport.name, 'nav-search');

      await plan.search('ｼﾞｪﾈﾘｯｸ');
      await expect(plan.results().first()).toContainText('ジェネリック医薬品の使用促進');
      await plan.search('健康 企業 宣言');
      await expect(plan.results().first().locator('mark')).toContainText('健康企業宣言');
      await plan.search('ケンシン');
      await expect(page.getByText('条件に合う項目はありません。')).toBeVisible();

      await plan.search('健康宣言事業所数');
      await expect(plan.results().first()).toBeVisible();
      await plan.kpiResults().first().click();
      await expect(page).toHaveURL(/\/kpis#kpi-/);
    });

    test('the start opens the only plan; the list is one tap away and stays', async ({ page }) => {
      await new TrackerApp(page).login();
      const plan = new PlanPlace(page);
      await plan.waitForTree();
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(DEMO_PLAN);
      expect(new URL(page.url()).pathname).toMatch(/^\/plans\/[^/]+$/);
      await plan.openPlanList();
      await page.waitForTimeout(1000);
      await expect(page.getByRole('heading', { name: '事業計画の一覧' })).toBeVisible();
      expect(new URL(page.url()).pathname).toBe('/plans');
      await page.goto('/');
      await plan.waitForTree();
    });
  });
}

test.describe('a swipe on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

  test('walks to the next and back to the previous item', async ({ page }) => {
    const plan = await openDemoPlan(page);
    await plan.filterByGroup('業務');
    const [first, second] = [await plan.rowText(1), await plan.rowText(2)];
    const item = await plan.openRow(1);
    await item.swipe('left');
    await expect(item.planText()).toHaveText(textOf(second));
    await item.swipe('right');
    await expect(item.planText()).toHaveText(textOf(first));
    // Scrolling the page down is no swipe.
    await page.mouse.wheel(0, 400);
    await expect(item.planText()).toHaveText(textOf(first));
  });
});

/** A row reads 「・① 本文 …chips」: the item's text as the item screen shows it. */
function textOf(row: string): RegExp {
  const text = row.slice(row.indexOf(' ') + 1, row.indexOf(' ') + 13);
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}
