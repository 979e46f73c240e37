// Figures: what the first screen (the login page) costs over the wire, and how a repeat visit
// is answered. A fresh browser context opens the app; the page's own requests are counted
// through CDP until the service worker controls it: bytes received (compressed, headers
// included) beside the files' decoded size. Then the page is reloaded RUNS times: each request
// request for the app's files is counted as answered by the service worker, by the browser's
// cache, with 304, or sent again in full (API calls are counted apart: they are live data).
import type { Browser, CDPSession, Page } from '@playwright/test';

const RUNS = 5;

interface Counted {
  wire: number;
  decoded: number;
  served: { serviceWorker: number; cache: number; notModified: number; full: number; api: number };
}

async function counting(page: Page): Promise<{ cdp: CDPSession; counted: Counted }> {
  const cdp = await page.context().newCDPSession(page);
  const counted: Counted = { wire: 0, decoded: 0, served: { serviceWorker: 0, cache: 0, notModified: 0, full: 0, api: 0 } };
  await cdp.send('Network.enable');
  cdp.on('Network.dataReceived', (e) => (counted.decoded += e.dataLength));
  cdp.on('Network.loadingFinished', (e) => (counted.wire += e.encodedDataLength));
  cdp.on('Network.responseReceived', ({ response }) => {
    const s = counted.served;
    if (new URL(response.url).pathname.startsWith('/api/')) s.api++;
    else if (response.fromServiceWorker) s.serviceWorker++;
    else if (response.fromDiskCache || response.fromPrefetchCache) s.cache++;
    else if (response.status === 304) s.notModified++;
    else s.full++;
  });
  return { cdp, counted };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;

export async function firstVisitReport(browser: Browser, baseUrl: string): Promise<{ lines: string[] }> {
  const context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  try {
    const page = await context.newPage();
    const first = await counting(page);
    await page.goto(`${baseUrl}/`);
    await page.getByLabel('メールアドレス').waitFor();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 });
    await page.waitForLoadState('networkidle');
    await first.cdp.detach();
    const lines = [
      `first visit (login screen, page's own requests): ${kb(first.counted.wire)} over the wire for ${kb(first.counted.decoded)} of files (${((first.counted.wire / first.counted.decoded) * 100).toFixed(0)} %)`,
    ];

    const again = { serviceWorker: 0, cache: 0, notModified: 0, full: 0, api: 0 };
    for (let i = 0; i < RUNS; i++) {
      const repeat = await counting(page);
      await page.reload();
      await page.getByLabel('メールアドレス').waitFor();
      await page.waitForLoadState('networkidle');
      await repeat.cdp.detach();
      for (const k of Object.keys(again) as (keyof typeof again)[]) again[k] += repeat.counted.served[k];
    }
    const files = again.serviceWorker + again.cache + again.notModified + again.full;
    lines.push(
      `repeat visit (${RUNS} reloads, ${files} requests for the app's files): ${again.serviceWorker} from the service worker, ${again.cache} from the browser's cache, ${again.notModified} answered 304, ${again.full} sent again in full (besides ${again.api} calls of the API)`,
    );
    return { lines };
  } finally {
    await context.close();
  }
}
