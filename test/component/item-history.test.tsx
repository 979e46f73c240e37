// The change history on the item screen: newest first, when (和暦 and time) and who, short
// values as 評価: ○ → △, long texts as 実施状況を変更 with a before/after excerpt; other items'
// history stays out.
import { render, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { TrackerDb } from '../../src/db/database';
import { DbContext } from '../../src/db/hooks';
import { progressId } from '../../src/model/schemas';
import { ItemPage } from '../../src/ui/item-page';
import { dbWithFixturePlan, PLAN_ID, ref } from './plan-fixture';

const ITEM = ref('p1-2-2');

function renderItem(db: TrackerDb) {
  return render(
    <DbContext.Provider value={db}>
      <ItemPage planId={PLAN_ID} itemId={ITEM} periodId="2024-H1" />
    </DbContext.Provider>,
  );
}

describe('ItemHistory', () => {
  it('lists who changed what and when, newest first', async () => {
    const db = await dbWithFixturePlan();
    const record = progressId(ITEM, '2024-H1');
    await db.history.bulkPut([
      { id: 'h1', planId: PLAN_ID, table: 'progress', recordId: record, itemId: ITEM, changes: { evaluation: { from: '○', to: '△' } }, by: '田中', at: new Date(2026, 10, 1, 10, 0).toISOString() },
      {
        id: 'h2',
        planId: PLAN_ID,
        table: 'progress',
        recordId: record,
        itemId: ITEM,
        changes: { done: { from: '郵送化率は98.2%（令和6年6月時点）で、前年度を下回っている。', to: '郵送化率は98.6%（令和6年9月時点）に改善し、前年度を上回った。' }, updatedAt: { from: 'a', to: 'b' } },
        by: '山本',
        at: new Date(2026, 10, 2, 14, 45).toISOString(),
      },
      { id: 'h3', planId: PLAN_ID, table: 'items', recordId: ref('p1-2-1'), itemId: ref('p1-2-1'), changes: { group: { from: '業務', to: '企画総務' } }, by: '他人', at: new Date(2026, 10, 3).toISOString() },
    ]);
    renderItem(db);
    const list = await screen.findByRole('list', { name: '変更履歴の一覧' });
    const entries = within(list).getAllByRole('listitem').filter((li) => li.parentElement === list);
    expect(entries).toHaveLength(2);
    expect(entries[0]!.textContent).toContain('令和8年11月2日 14:45（2026年）・山本・上半期（4〜9月）');
    expect(entries[0]!.textContent).toContain('実施状況を変更「郵送化率は98.2%（令和6年6月時点）で、前年度を下回って…」→「郵送化率は98.6%（令和6年9月時点）に改善し、前年度を上…」');
    expect(entries[0]!.textContent).not.toContain('updatedAt');
    expect(entries[1]!.textContent).toContain('令和8年11月1日 10:00（2026年）・田中');
    expect(within(entries[1]!).getByText('評価: ○ → △')).toBeTruthy();
  });

  it('says when there is no history yet', async () => {
    renderItem(await dbWithFixturePlan());
    const section = await screen.findByRole('region', { name: '変更履歴' });
    await waitFor(() => expect(section.textContent).toContain('まだ変更履歴はありません'));
  });
});
