// `npm run bench`: builds the app, then prints every figure issue #2 names. Figures come from
// medians measured side by side in one run; nothing here is a pass/fail test.
import { buildApp, launchBrowser, startPreview } from './bench-env';
import { bundleSizeReport } from './bundle-size';
import { offlineReloadReport } from './offline-reload';
import { planScaleReport } from './plan-scale';

await buildApp();
console.log('== Bundle size');
for (const line of bundleSizeReport().lines) console.log(line);

const server = await startPreview();
const browser = await launchBrowser();
try {
  console.log('\n== Offline reload');
  for (const line of (await offlineReloadReport(browser)).lines) console.log(line);
  console.log('\n== Plan scale');
  for (const line of (await planScaleReport(browser)).lines) console.log(line);
} finally {
  await browser.close();
  await server.close();
}
