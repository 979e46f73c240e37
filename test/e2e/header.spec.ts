// The header is one row (at most 56 px) at both tablet sizes and on a phone: the status is one
// chip that opens its details (network and live connection, who is signed in, last sync,
// 今すぐ同期) and closes on Escape or a tap elsewhere. Screenshots of both states at each size.
import { expect, test } from '@playwright/test';
import { TrackerApp } from './pages/tracker';

const DEMO_PLAN = /令和6年度 東京支部事業計画/;
const VIEWPORTS = [
  { name: 'landscape-1024x768', width: 1024, height: 768 },
  { name: 'portrait-768x1024', width: 768, height: 1024 },
  { name: 'phone-390x844', width: 390, height: 844 },
];

for (const viewport of VIEWPORTS) {
  test(`the header is one row of at most 56 px at ${viewport.name}, and its chip opens the status`, async ({ page }) => {
    await page.setViewportSize(viewport);
    const app = new TrackerApp(page);
    await app.login();
    await app.openPlans();
    await app.openPlan(DEMO_PLAN);
    await app.waitUntilSynced();

    const header = page.locator('header.app-header');
    const box = await header.boundingBox();
    console.log(`header height at ${viewport.name}: ${box?.height} px`);
    expect(box?.height).toBeLessThanOrEqual(56);
    // Nothing in it wraps or spills: the title and the chip sit side by side inside the row.
    const title = await page.getByRole('link', { name: '事業計画トラッカー' }).boundingBox();
    const chip = page.getByRole('status', { name: '状態' }).getByRole('button', { name: /未同期 0件/ });
    const chipBox = await chip.boundingBox();
    expect(title && chipBox && title.x + title.width <= chipBox.x).toBe(true);
    expect(chipBox && chipBox.x + chipBox.width <= viewport.width).toBe(true);
    await page.screenshot({ path: `test-results/screenshots/${viewport.name}-header.png` });

    await chip.click();
    const details = page.locator('#status-details');
    await expect(details).toBeVisible();
    await expect(details.getByTestId('last-sync')).toContainText('最終同期');
    await expect(details.getByText('デモ リーダー')).toBeVisible();
    await expect(details.getByRole('button', { name: '今すぐ同期' })).toBeVisible();
    const detailsBox = await details.boundingBox();
    expect(detailsBox && detailsBox.x >= 0 && detailsBox.x + detailsBox.width <= viewport.width).toBe(true);
    await page.screenshot({ path: `test-results/screenshots/${viewport.name}-header-details.png` });
    await page.keyboard.press('Escape');
    await expect(details).toBeHidden();
    await expect(chip).toBeFocused();

    await chip.click();
    await expect(details).toBeVisible();
    await page.mouse.click(viewport.width / 2, viewport.height - 20);
    await expect(details).toBeHidden();
  });
}

test('offline, the chip says so with the edits waiting', async ({ page }) => {
  const app = new TrackerApp(page);
  await app.login();
  await app.openPlans();
  await app.openPlan(DEMO_PLAN);
  await app.waitUntilSynced();
  await app.goOffline();
  const chip = page.getByRole('status', { name: '状態' }).getByRole('button', { name: /オフライン/ });
  await expect(chip).toContainText('未同期 0件');
  await app.goOnline();
  await expect(page.getByRole('status', { name: '状態' }).getByRole('button', { name: /オンライン/ })).toBeVisible();
});
