// `npm run bench`: builds the app, then prints the figures of the app: bundle size, offline
// reload, plan scale, the progress report, typing, a pasted plan's review and initial sync, and what a first and a repeat
// visit cost over the wire. Figures come from medians measured
// side by side in one run; nothing here is a pass/fail test. The server's load figures:
// `npm run bench:server`.
import { buildApp, launchBrowser, startBenchServer } from './bench-env';
import { bundleSizeReport } from './bundle-size';
import { firstVisitReport } from './first-visit';
import { initialSyncReport } from './initial-sync';
import { offlineReloadReport } from './offline-reload';
import { planScaleReport, scalePlans } from './plan-scale';
import { reportPrintReport } from './report-print';
import { textImportReport } from './text-import';
import { typingReport } from './typing';

await buildApp();
console.log('== Bundle size');
for (const line of bundleSizeReport().lines) console.log(line);

const server = await startBenchServer(scalePlans());
const browser = await launchBrowser();
try {
  console.log('\n== First and repeat visit over the wire');
  for (const line of (await firstVisitReport(browser, server.url)).lines) console.log(line);
  console.log('\n== Offline reload');
  for (const line of (await offlineReloadReport(browser, server.url)).lines) console.log(line);
  console.log('\n== Plan scale');
  for (const line of (await planScaleReport(browser, server.url)).lines) console.log(line);
  console.log('\n== Progress report (print view and PDF)');
  for (const line of (await reportPrintReport(browser, server.url)).lines) console.log(line);
  console.log('\n== Typing: key to IndexedDB');
  for (const line of (await typingReport(browser, server.url)).lines) console.log(line);
  console.log('\n== Paste import: 1,000-item text to the review screen');
  for (const line of (await textImportReport(browser, server.url)).lines) console.log(line);
  console.log('\n== Initial sync');
  for (const line of (await initialSyncReport(browser)).lines) console.log(line);
} finally {
  await browser.close();
  await server.close();
}
