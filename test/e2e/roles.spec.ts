// Staff are shown only what their role may do: no 構成の編集 on the plan screen, no plan import on
// the plan list, and the structure screen reached by its address says who may change it.
import { expect, test } from '@playwright/test';
import { TrackerApp } from './pages/tracker';

const DEMO_PLAN = /令和6年度 東京支部事業計画/;

test('staff see no structure editing and no import', async ({ page }) => {
  const app = new TrackerApp(page);
  await app.login('staff@demo');
  await app.openPlans();
  await expect(page.getByRole('heading', { name: '計画ファイルの読み込み' })).toHaveCount(0);
  await expect(page.getByLabel(/計画ファイルを読み込む/)).toHaveCount(0);
  await app.openPlan(DEMO_PLAN);
  const menu = page.getByRole('navigation', { name: '計画のメニュー' });
  await expect(menu.getByRole('link', { name: 'KPI' })).toBeVisible();
  await expect(menu.getByRole('link', { name: '構成の編集' })).toHaveCount(0);
  await page.goto(`${new URL(page.url()).pathname}/structure`);
  await expect(page.getByText('計画の構成（柱・項目・KPI）を変更できるのは、この支部のリーダーと管理者です。')).toBeVisible();
  await expect(page.getByRole('textbox')).toHaveCount(0);
});

test('a lead is offered 構成の編集', async ({ page }) => {
  const app = new TrackerApp(page);
  await app.login('lead@demo');
  await app.openPlans();
  await app.openPlan(DEMO_PLAN);
  await page.getByRole('navigation', { name: '計画のメニュー' }).getByRole('link', { name: '構成の編集' }).click();
  await expect(page.getByRole('heading', { name: /構成の編集/ })).toBeVisible();
});
