// `npm run bench:initial-sync`: the initial-sync figures alone (the engine against the limit,
// medians side by side in one run), without building the app or the other benchmarks.
import { launchBrowser } from './bench-env';
import { initialSyncReport } from './initial-sync';

const browser = await launchBrowser();
try {
  console.log('== Initial sync');
  for (const line of (await initialSyncReport(browser, process.argv.includes('--small') ? 'small' : 'all')).lines) console.log(line);
} finally {
  await browser.close();
}
