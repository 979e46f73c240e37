// Accessibility (axe: no serious or critical violation) on the plan list, the plan (with the
// status details open and with search results), item, KPI, dashboard, report and structure
// screens (訪問記録 in visits.spec.ts); screenshots of every screen at both tablet sizes and on a
// phone, kept under test-results/screenshots/; and no Content-Security-Policy violation on any of them (Chromium
// reports each on the console as "Refused to …").
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { TrackerApp, VisitsScreen } from './pages/tracker';

const DEMO_PLAN = /令和6年度 東京支部事業計画/;
const ITEM = /中長期的な視点による健全な財政運営/;
const VIEWPORTS = [
  { name: 'landscape-1024x768', width: 1024, height: 768 },
  { name: 'portrait-768x1024', width: 768, height: 1024 },
  { name: 'phone-390x844', width: 390, height: 844 },
];

async function expectNoSeriousViolations(page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const summary = serious.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help} — ${v.nodes
        .map((n) => n.target.join(' '))
        .slice(0, 3)
        .join(', ')}`,
  );
  expect(summary, `axe on the ${screen} screen`).toEqual([]);
}

/** Collects the page's CSP violations across navigations; checked after each test. */
function watchCsp(page: Page): string[] {
  const refused: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) refused.push(message.text());
  });
  return refused;
}

async function snap(page: Page, viewport: string, screen: string): Promise<void> {
  await page.screenshot({ path: `test-results/screenshots/${viewport}-${screen}.png`, fullPage: false });
}

test('axe finds no serious or critical violation on the plan list, plan (with the status open and with search results), item, KPI, dashboard, report and structure screens', async ({
  page,
}) => {
  const refused = watchCsp(page);
  const app = new TrackerApp(page);
  await app.login();
  await app.openPlans();
  await expectNoSeriousViolations(page, 'plan list');
  const plan = await app.openPlan(DEMO_PLAN);
  await expectNoSeriousViolations(page, 'plan');
  await app.openStatus();
  await expectNoSeriousViolations(page, 'plan with the status details open');
  await page.keyboard.press('Escape');
  await plan.search('健康宣言');
  await expect(page.getByRole('link', { name: /健康企業宣言/ }).first()).toBeVisible();
  await expectNoSeriousViolations(page, 'plan with search results');
  await plan.search('');
  await plan.openItem(ITEM);
  await expectNoSeriousViolations(page, 'item');
  await page.goBack();
  await plan.waitForTree();
  await plan.openKpis();
  await expect(page.getByRole('table')).toBeVisible();
  await expectNoSeriousViolations(page, 'KPI');
  await page.goBack();
  await plan.waitForTree();
  await plan.openDashboard();
  await expectNoSeriousViolations(page, 'dashboard');
  await page.goBack();
  await plan.waitForTree();
  await plan.openReport();
  await expectNoSeriousViolations(page, 'report');
  await page.goBack();
  await plan.waitForTree();
  await page.getByRole('link', { name: '構成の編集' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expectNoSeriousViolations(page, 'structure');
  expect(refused, 'Content-Security-Policy violations').toEqual([]);
});

for (const viewport of VIEWPORTS) {
  test(`screenshots at ${viewport.name}`, async ({ page }) => {
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    const refused = watchCsp(page);
    const app = new TrackerApp(page);
    await page.goto('/');
    await expect(page.getByRole('button', { name: 'ログイン' })).toBeVisible();
    await snap(page, viewport.name, '0-login');
    await app.login();
    await app.openPlans();
    await snap(page, viewport.name, '1-plan-list');
    const plan = await app.openPlan(DEMO_PLAN);
    await snap(page, viewport.name, '2-plan');
    await app.openStatus();
    await snap(page, viewport.name, '2-plan-status');
    await page.keyboard.press('Escape');
    await plan.search('健康宣言');
    await expect(page.getByRole('link', { name: /健康企業宣言/ }).first()).toBeVisible();
    await snap(page, viewport.name, '2-plan-search');
    await plan.search('');
    await plan.filterByEvaluation('△');
    await snap(page, viewport.name, '3-plan-filtered');
    await plan.filterByEvaluation('△');
    await plan.openItem(ITEM);
    await snap(page, viewport.name, '4-item');
    await page.goBack();
    await plan.waitForTree();
    await plan.openKpis();
    await expect(page.getByRole('table')).toBeVisible();
    await snap(page, viewport.name, '5-kpi');
    // A KPI's detail draws its uPlot chart (its own stylesheet, loaded lazily).
    await page
      .getByRole('table')
      .getByRole('button', { name: /郵送化率/ })
      .first()
      .click();
    await expect(page.locator('.uplot').first()).toBeVisible();
    await snap(page, viewport.name, '5-kpi-chart');
    await page.goBack();
    await plan.waitForTree();
    await plan.openDashboard();
    await snap(page, viewport.name, '6-dashboard');
    await page.goBack();
    await plan.waitForTree();
    await plan.openReport();
    await snap(page, viewport.name, '7-report');
    await page.goBack();
    await plan.waitForTree();
    await page.getByRole('link', { name: '構成の編集' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await snap(page, viewport.name, '8-structure');
    await page.goBack();
    await plan.waitForTree();
    await VisitsScreen.open(page);
    await snap(page, viewport.name, '9-visits');
    expect(refused, 'Content-Security-Policy violations').toEqual([]);
  });
}
