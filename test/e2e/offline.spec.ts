// Offline-first in the real browser: after one visit the app opens with the network off, and
// what a person records offline survives reloads and a browser restart on the same profile.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test } from '@playwright/test';
import { E2E_BASE_URL, launchOptions } from './browser';
import { ItemScreen, TrackerApp } from './pages/tracker';

const DEMO_PLAN = /令和6年度 東京支部事業計画/;
const ITEM = /中長期的な視点による健全な財政運営/;

test('after a first visit the app reloads and shows the plan with the network off', async ({ page }) => {
  const app = new TrackerApp(page);
  await app.login();
  await app.openPlans();
  await app.waitUntilAvailableOffline();
  const plan = await app.openPlan(DEMO_PLAN);
  await app.goOffline();
  await page.reload();
  await plan.waitForTree();
  await expect(page.getByText('オフライン', { exact: true })).toBeVisible();
  await expect(plan.itemLink(ITEM)).toBeVisible();
});

test('offline, △ and 実施状況 survive a reload and a browser restart on the same profile', async () => {
  const profile = mkdtempSync(join(tmpdir(), 'tracker-profile-'));
  const options = { ...launchOptions, baseURL: E2E_BASE_URL, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' };
  const text = `事業所訪問で説明を実施（オフライン入力 ${Date.now()}）`;
  try {
    let context = await chromium.launchPersistentContext(profile, options);
    let page = context.pages()[0] ?? (await context.newPage());
    const app = new TrackerApp(page);
    await app.login('staff@demo');
    await app.openPlans();
    await app.waitUntilAvailableOffline();
    await app.goOffline();
    const plan = await app.openPlan(DEMO_PLAN);
    const item = await plan.openItem(ITEM);
    await item.setEvaluation('△');
    await item.typeDone(text);
    await item.waitUntilSaved();
    // Both changes are to one record (the item's progress in this period): one pending edit.
    await expect(app.pendingEdits()).toContainText('未同期 1件');

    await page.reload();
    const itemAfterReload = new ItemScreen(page);
    await itemAfterReload.expectEvaluation('△');
    await expect(itemAfterReload.done()).toHaveValue(text);

    // A browser restart: the same profile in a new browser process, still offline.
    const url = page.url();
    await context.close();
    context = await chromium.launchPersistentContext(profile, { ...options, offline: true });
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(url);
    const afterRestart = new ItemScreen(page);
    await afterRestart.expectEvaluation('△');
    await expect(afterRestart.done()).toHaveValue(text);
    await expect(new TrackerApp(page).pendingEdits()).toContainText('未同期 1件');
    await context.close();
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
});

test.describe('control run with service workers blocked', () => {
  test.use({ serviceWorkers: 'block' });

  test('the same offline reload fails, so the offline tests can fail', async ({ page }) => {
    const app = new TrackerApp(page);
    await app.login();
    await app.openPlans();
    await app.openPlan(DEMO_PLAN);
    await app.goOffline();
    await expect(page.reload()).rejects.toThrow(/ERR_INTERNET_DISCONNECTED/);
  });
});
