// Playwright in Debian's Chromium against the built app served by the real server (embedded
// default: SQLite in a fresh temporary folder, demo branch, plan and accounts), as users get it.
// Started and stopped by Playwright's webServer.
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';
import { E2E_BASE_URL, E2E_PORT, launchOptions } from './browser';

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  outputDir: '../../test-results/e2e',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    baseURL: E2E_BASE_URL,
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
    launchOptions,
    trace: 'retain-on-failure',
  },
  webServer: {
    command: `npx vite build && PORT=${E2E_PORT} DATA_DIR="$(mktemp -d)" npx tsx src/server/start.ts`,
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    url: E2E_BASE_URL,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
