// Figure: a plan pasted as text, 1,000 items long — from 読み取る to the review screen drawn with
// every line read (the counts say 項目 1000 and the table has a row per line), in Chromium.
// Median of 5; goal ≤ 1 s. Beside it, the parser alone in Node (classify + propose), so a slow
// run shows whether parsing or drawing grew. `npm run bench:text-import` runs it alone.
import { pathToFileURL } from 'node:url';
import type { Browser } from '@playwright/test';
import { classifyPlanText, proposePlan } from '../../src/model/plan-text';
import { buildApp, fmt, launchBrowser, median, startBenchServer } from './bench-env';

const ITEMS = 1_000;
const RUNS = 5;
const GOAL_MS = 1_000;
const PILLARS = ['基盤的保険者機能の盤石化', '戦略的保険者機能の一層の発揮', '保険者機能の強化を支える組織・運営体制等の整備'];

/** A plan written as seed 002 writes one: pillars, （n） sections of ten ・ items (some wrapped), a KPI table each. */
export function syntheticPlanText(items: number): string {
  const lines = ['令和7年度合成支部事業計画（案）'];
  let n = 0;
  let section = 0;
  while (n < items) {
    const pillar = PILLARS[Math.floor((section / Math.ceil(items / 30)) % 3)]!;
    if (section % Math.ceil(items / 30) === 0) lines.push('', pillar, '（業務グループ）');
    section++;
    lines.push('', `（${section}）合成の取組 ${section}`, '');
    for (let i = 0; i < 10 && n < items; i++, n++) {
      lines.push(`・ 項目 ${n + 1}: 加入者・事業主の利便性の向上のため、関係機関と連携して取組を着実に実施し、その成果を検証`);
      if (n % 3 === 0) lines.push('する。あわせて、支部内で情報を共有する。');
      else lines[lines.length - 1] += 'する。';
      lines.push('');
    }
    if (section % 4 === 0) {
      lines.push(
        'KPI',
        '指標 令和7年度KPI 令和6年度KPI 現状',
        `合成指標${section}の実施率 ${50 + (section % 30)}.0% ${49 + (section % 30)}.5% 30.${section % 10}％（R6.10末）`,
        '',
      );
    }
  }
  return lines.join('\n');
}

export async function textImportReport(browser: Browser, baseUrl: string): Promise<{ lines: string[] }> {
  const text = syntheticPlanText(ITEMS);
  const read = classifyPlanText(text);
  const proposal = proposePlan(read);
  const items = proposal.file.sections.flatMap((p) => p.sections ?? []).reduce((sum, s) => sum + (s.items?.length ?? 0), 0);
  if (items !== ITEMS) throw new Error(`The synthetic text reads as ${items} items, not ${ITEMS}`);

  const parse: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    proposePlan(classifyPlanText(text));
    parse.push(performance.now() - t0);
  }

  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('メールアドレス').fill('admin@demo');
  await page.getByLabel('パスワード').fill('demo1234');
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.getByRole('link', { name: '計画の文章を貼り付けて読み込む' }).click();
  await page.getByRole('textbox', { name: '計画の文章' }).fill(text);
  const shown: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const ms = await page.evaluate(
      async ({ rows }) => {
        const button = [...document.querySelectorAll('button')].find((b) => b.textContent === '読み取る')!;
        const t0 = performance.now();
        button.click();
        for (;;) {
          await new Promise((resolve) => requestAnimationFrame(resolve));
          const status = document.querySelector('.text-import-counts')?.textContent ?? '';
          if (status.includes('項目 1000') && document.querySelectorAll('.text-import-lines tbody tr').length === rows) return performance.now() - t0;
        }
      },
      { rows: read.length },
    );
    shown.push(ms);
    await page.getByRole('button', { name: '文章に戻る' }).click();
    await page.getByRole('button', { name: '読み取る' }).waitFor();
  }
  await context.close();
  const m = median(shown);
  return {
    lines: [
      `text: ${ITEMS} items, ${read.length} lines read, ${text.length.toLocaleString('en')} characters`,
      `parse (classify + propose, Node): median ${fmt(median(parse))}`,
      `読み取る → review screen drawn (Chromium): median ${fmt(m)} (runs: ${shown.map((v) => v.toFixed(0)).join(', ')} ms); goal ≤ ${GOAL_MS} ms: ${m <= GOAL_MS ? 'met' : 'MISSED'}`,
    ],
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildApp();
  const server = await startBenchServer();
  const browser = await launchBrowser();
  try {
    console.log('== Paste import: 1,000-item text to the review screen');
    for (const line of (await textImportReport(browser, server.url)).lines) console.log(line);
  } finally {
    await browser.close();
    await server.close();
  }
}
