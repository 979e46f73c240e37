// Debian's Chromium and the flags this workplace needs; shared by the Playwright config and the
// benchmarks so both drive the same browser the same way.
export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const launchOptions = { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS };

/** Port of the preview server the e2e tests start (not the app's default 8080, to stay out of its way). */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 4180);
export const E2E_BASE_URL = `http://127.0.0.1:${E2E_PORT}`;
