// The app is an installable PWA: Chromium finds its manifest (Japanese name, icons including a
// maskable one) and a service worker, and reports no installability error. A persistent
// profile is used because Chromium never offers installation in an incognito context.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test } from '@playwright/test';
import { E2E_BASE_URL, launchOptions } from './browser';
import { TrackerApp } from './pages/tracker';

test('Chromium reports the app installable, with a maskable icon', async () => {
  const profile = mkdtempSync(join(tmpdir(), 'tracker-pwa-'));
  const context = await chromium.launchPersistentContext(profile, { ...launchOptions, baseURL: E2E_BASE_URL, locale: 'ja-JP' });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const app = new TrackerApp(page);
    await page.goto('/');
    await app.waitUntilAvailableOffline();
    const cdp = await context.newCDPSession(page);
    const manifest = await cdp.send('Page.getAppManifest');
    expect(manifest.errors).toEqual([]);
    const parsed = JSON.parse(manifest.data ?? '{}') as { name?: string; icons?: { purpose?: string; sizes?: string }[] };
    expect(parsed.name).toBe('事業計画トラッカー');
    expect(parsed.icons?.some((i) => i.purpose === 'maskable' && i.sizes === '512x512')).toBe(true);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    expect(installabilityErrors).toEqual([]);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
