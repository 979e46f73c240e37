// The plan screen as a person uses it: the tree with marks and note counts, folding, and the
// filters by mark, group and text (a text found only in a note counts).
import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { DbContext } from '../../src/ui/data/hooks';
import { PlanPage } from '../../src/ui/plan-page';
import { PLAN_SNAPSHOT_KEY } from '../../src/db/plan-snapshot';
import { saveProgress } from '../../src/sync/edits';
import { dbWithFixturePlan, PLAN_ID, ref } from './plan-fixture';
import type { TrackerDb } from '../../src/db/database';

function renderPlan(db: TrackerDb, periodId: string | null = '2024-H1') {
  return render(
    <DbContext.Provider value={db}>
      <PlanPage planId={PLAN_ID} periodId={periodId} />
    </DbContext.Provider>,
  );
}

const itemLinks = () => screen.queryAllByRole('link', { name: /サービススタンダード|郵送化|健康宣言/ });

describe('PlanPage', () => {
  it('shows the tree with each item’s label, mark for the period and note count', async () => {
    renderPlan(await dbWithFixturePlan());
    expect(await screen.findByRole('heading', { name: '令和6年度 東京支部事業計画', level: 1 })).toBeTruthy();
    expect(screen.getByRole('button', { name: /１．\s*基盤的保険者機能の盤石化/ }).getAttribute('aria-expanded')).toBe('true');
    const standard = screen.getByRole('link', { name: /サービススタンダードの遵守/ });
    expect(within(standard).getByLabelText('評価 ○')).toBeTruthy();
    expect(within(screen.getByRole('link', { name: /郵送化の促進/ })).getByLabelText('評価 △')).toBeTruthy();
    const collab = screen.getByRole('link', { name: /健康宣言事業所の拡大/ });
    expect(within(collab).getByLabelText('評価 未評価')).toBeTruthy();
    expect(within(collab).getByText('メモ 1件')).toBeTruthy();
    expect(screen.getByText('全3件')).toBeTruthy();
  });

  it('draws the last visit’s tree at once from its snapshot, marked busy, then the live data', async () => {
    const db = await dbWithFixturePlan();
    const first = renderPlan(db);
    await screen.findByRole('link', { name: /郵送化の促進/ });
    await waitFor(() => expect(localStorage.getItem(PLAN_SNAPSHOT_KEY)).not.toBeNull());
    first.unmount();
    // Changed since the snapshot (as another tab or a sync would).
    await saveProgress(db, { planId: PLAN_ID, itemId: ref('p1-2-2'), periodId: '2024-H1' }, { evaluation: '○' }, 'テスト');

    renderPlan(db);
    // The first render, before IndexedDB has answered anything: the snapshot's tree, busy.
    const tree = screen.getByLabelText('事業計画の項目');
    expect(tree.getAttribute('aria-busy')).toBe('true');
    expect(within(screen.getByRole('link', { name: /郵送化の促進/ })).getByLabelText('評価 △')).toBeTruthy();
    await waitFor(() => expect(tree.getAttribute('aria-busy')).toBe('false'));
    expect(within(screen.getByRole('link', { name: /郵送化の促進/ })).getByLabelText('評価 ○')).toBeTruthy();
  });

  it('shows the chosen period: in the second half nothing is evaluated yet', async () => {
    renderPlan(await dbWithFixturePlan(), '2024-H2');
    const link = await screen.findByRole('link', { name: /サービススタンダードの遵守/ });
    expect(within(link).getByLabelText('評価 未評価')).toBeTruthy();
    expect((screen.getByRole('combobox', { name: '報告期間' }) as HTMLSelectElement).value).toBe('2024-H2');
  });

  it('folds and unfolds a pillar', async () => {
    renderPlan(await dbWithFixturePlan());
    const pillar = await screen.findByRole('button', { name: /１．\s*基盤的保険者機能の盤石化/ });
    fireEvent.click(pillar);
    expect(pillar.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByRole('link', { name: /サービススタンダードの遵守/ })).toBeNull();
    fireEvent.click(pillar);
    expect(await screen.findByRole('link', { name: /サービススタンダードの遵守/ })).toBeTruthy();
  });

  it('shows what the plan writes under a heading (the reasons of 【重要度：高】) folded', async () => {
    const db = await dbWithFixturePlan();
    await db.sections.update(ref('p1-2'), { note: '【重要度：高】\n加入者サービスの基盤であり、重要度が高い。' });
    renderPlan(db);
    const note = await screen.findByText('この区分の注記');
    expect(note.closest('details')?.textContent).toContain('加入者サービスの基盤であり、重要度が高い。');
  });

  it('filters by mark, including 未評価', async () => {
    renderPlan(await dbWithFixturePlan());
    await screen.findByRole('link', { name: /サービススタンダードの遵守/ });
    const marks = screen.getByRole('group', { name: '評価で絞り込み' });
    fireEvent.click(within(marks).getByRole('button', { name: '△' }));
    expect(itemLinks().map((l) => l.textContent)).toEqual([expect.stringContaining('郵送化の促進')]);
    expect(screen.getByText('1件 / 全3件を表示')).toBeTruthy();
    fireEvent.click(within(marks).getByRole('button', { name: '未評価' }));
    expect(itemLinks()).toHaveLength(2);
    fireEvent.click(screen.getByRole('button', { name: '絞り込みを解除' }));
    expect(itemLinks()).toHaveLength(3);
  });

  it('filters by group', async () => {
    renderPlan(await dbWithFixturePlan());
    await screen.findByRole('link', { name: /サービススタンダードの遵守/ });
    fireEvent.change(screen.getByRole('combobox', { name: '担当グループ' }), { target: { value: '保健' } });
    expect(itemLinks().map((l) => l.textContent)).toEqual([expect.stringContaining('健康宣言')]);
  });

  it('searches item texts and notes, folding full-width and half-width', async () => {
    renderPlan(await dbWithFixturePlan());
    await screen.findByRole('link', { name: /サービススタンダードの遵守/ });
    const search = screen.getByRole('searchbox', { name: '検索' });
    fireEvent.input(search, { target: { value: '郵送化' } });
    expect(itemLinks()).toHaveLength(1);
    // Only the note on the 健康宣言 item says 案内した.
    fireEvent.input(search, { target: { value: '案内した' } });
    expect(itemLinks().map((l) => l.textContent)).toEqual([expect.stringContaining('健康宣言')]);
    fireEvent.input(search, { target: { value: 'どこにもない言葉' } });
    expect(screen.getByText('条件に合う項目はありません。')).toBeTruthy();
  });

  it('says so when the plan does not exist', async () => {
    const db = await dbWithFixturePlan();
    render(
      <DbContext.Provider value={db}>
        <PlanPage planId="no-such-plan" periodId={null} />
      </DbContext.Provider>,
    );
    expect(await screen.findByRole('heading', { name: '計画が見つかりません' })).toBeTruthy();
  });
});
