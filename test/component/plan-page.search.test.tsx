// The plan screen's search as a person uses it: 「健康宣言」 finds the items that say 健康企業宣言
// and the KPI of that name, each item saying where it matched; widths and kana are folded; and
// an item opened from the results carries the filter along.
import { fireEvent, render, screen, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { TrackerDb } from '../../src/db/database';
import { saveProgress } from '../../src/sync/edits';
import { DbContext } from '../../src/ui/data/hooks';
import { PlanPage } from '../../src/ui/plan-page';
import { paths } from '../../src/ui/router';
import { dbWithFixturePlan, PLAN_ID, ref } from './plan-fixture';

async function renderPlan(db: TrackerDb) {
  render(
    <DbContext.Provider value={db}>
      <PlanPage planId={PLAN_ID} periodId="2024-H1" />
    </DbContext.Provider>,
  );
  await screen.findByRole('link', { name: /サービススタンダードの遵守/ });
}

const search = (text: string) => fireEvent.input(screen.getByRole('searchbox', { name: '検索' }), { target: { value: text } });
const results = () => within(screen.getByRole('region', { name: '検索結果の項目' })).queryAllByRole('link');

describe('PlanPage search', () => {
  it('finds 健康企業宣言 for 健康宣言, exact matches first, and the KPI of that name', async () => {
    const db = await dbWithFixturePlan();
    await saveProgress(db, { planId: PLAN_ID, itemId: ref('p1-2-1'), periodId: '2024-H1' }, { done: '窓口で健康企業宣言事業所に案内した。' }, 'テスト');
    await renderPlan(db);
    search('健康宣言');
    const kpis = await screen.findByRole('region', { name: 'KPI（1件）' });
    const kpi = within(kpis).getByRole('link', { name: /健康宣言事業所数/ });
    expect(kpi.getAttribute('href')).toBe(paths.kpi(PLAN_ID, ref('k-declaration')));
    const found = results();
    expect(found.map((l) => l.textContent)).toEqual([expect.stringContaining('健康宣言事業所の拡大'), expect.stringContaining('サービススタンダードの遵守')]);
    // Why the second matched: its 実施状況 says 健康企業宣言, a similar word.
    expect(found[1]!.textContent).toContain('実施状況・似た語');
    expect(within(found[1]!).getByText('健康企業宣言').tagName).toBe('MARK');
    expect(screen.getByRole('status').textContent).toBe('2件 / 全3件を表示');
  });

  it.each([
    ['ｻｰﾋﾞｽ', /サービススタンダード/],
    ['さーびす', /サービススタンダード/],
    ['サービス スタンダード', /サービススタンダード/],
    ['郵送化率', /郵送化の促進/],
    ['れせぷと', null],
  ])('%j finds %s', async (query, expected) => {
    await renderPlan(await dbWithFixturePlan());
    search(query);
    if (expected === null) expect(await screen.findByText('条件に合う項目はありません。')).toBeTruthy();
    else expect(results().map((l) => l.textContent)).toEqual([expect.stringMatching(expected)]);
  });

  it('says a note matched, with its date', async () => {
    await renderPlan(await dbWithFixturePlan());
    search('案内した');
    const [hit] = results();
    expect(hit!.textContent).toContain('健康宣言事業所の拡大');
    expect(hit!.textContent).toContain('メモ（令和6年5月10日）');
  });

  it('finds KPIs the items do not name', async () => {
    await renderPlan(await dbWithFixturePlan());
    search('ＳＮＳ');
    expect(within(await screen.findByRole('region', { name: 'KPI（1件）' })).getByRole('link', { name: /SNSによる情報発信/ })).toBeTruthy();
  });

  it('opens an item with the search carried along, for ← and 次の項目', async () => {
    await renderPlan(await dbWithFixturePlan());
    search('郵送');
    const [hit] = results();
    expect(hit!.getAttribute('href')).toBe(paths.item(PLAN_ID, ref('p1-2-2'), '2024-H1', { evaluations: [], groups: [], query: '郵送' }));
  });

  it('links to the list of plans', async () => {
    await renderPlan(await dbWithFixturePlan());
    expect(screen.getByRole('navigation', { name: 'パンくず' }).querySelector('a')?.getAttribute('href')).toBe(paths.plans());
  });
});
