// The change history on the item screen: newest first, when (和暦 and time) and who, short
// values as 評価: ○ → △, long texts as 実施状況を変更 with a before/after excerpt; other items'
// history stays out. A lead puts any earlier value back in one tap; staff undo their own last change.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { TrackerDb } from '../../src/db/database';
import { DbContext, SessionNameContext } from '../../src/ui/data/hooks';
import { progressId } from '../../src/model/schemas';
import type { Role } from '../../src/model/protocol';
import { ItemPage } from '../../src/ui/item-page';
import { SyncContext } from '../../src/ui/data/sync-context';
import { FakeSyncEngine, session } from './fake-sync-engine';
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
      {
        id: 'h1',
        planId: PLAN_ID,
        table: 'progress',
        recordId: record,
        itemId: ITEM,
        changes: { evaluation: { from: '○', to: '△' } },
        by: '田中',
        at: new Date(2026, 10, 1, 10, 0).toISOString(),
      },
      {
        id: 'h2',
        planId: PLAN_ID,
        table: 'progress',
        recordId: record,
        itemId: ITEM,
        changes: {
          done: { from: '郵送化率は98.2%（令和6年6月時点）で、前年度を下回っている。', to: '郵送化率は98.6%（令和6年9月時点）に改善し、前年度を上回った。' },
          updatedAt: { from: 'a', to: 'b' },
        },
        by: '山本',
        at: new Date(2026, 10, 2, 14, 45).toISOString(),
      },
      {
        id: 'h3',
        planId: PLAN_ID,
        table: 'items',
        recordId: ref('p1-2-1'),
        itemId: ref('p1-2-1'),
        changes: { group: { from: '業務', to: '企画総務' } },
        by: '他人',
        at: new Date(2026, 10, 3).toISOString(),
      },
    ]);
    renderItem(db);
    const list = await screen.findByRole('list', { name: '変更履歴の一覧' });
    const entries = within(list)
      .getAllByRole('listitem')
      .filter((li) => li.parentElement === list);
    expect(entries).toHaveLength(2);
    expect(entries[0]!.textContent).toContain('令和8年11月2日 14:45・山本・上半期（4〜9月）');
    expect(entries[0]!.textContent).toContain(
      '実施状況を変更「郵送化率は98.2%（令和6年6月時点）で、前年度を下回って…」→「郵送化率は98.6%（令和6年9月時点）に改善し、前年度を上…」',
    );
    expect(entries[0]!.textContent).not.toContain('updatedAt');
    expect(entries[1]!.textContent).toContain('令和8年11月1日 10:00・田中');
    expect(within(entries[1]!).getByText('評価: ○ → △')).toBeTruthy();
  });

  it('leaves out fields that did not change, as rows written before the server left them out had them', async () => {
    const db = await dbWithFixturePlan();
    const record = progressId(ITEM, '2024-H1');
    await db.history.put({
      id: 'old-create',
      planId: PLAN_ID,
      table: 'progress',
      recordId: record,
      itemId: ITEM,
      changes: {
        planId: { from: null, to: PLAN_ID },
        evaluation: { from: null, to: null },
        done: { from: null, to: '' },
        next: { from: null, to: '来月訪問する' },
      },
      by: '田中',
      at: new Date(2026, 10, 1).toISOString(),
    });
    renderItem(db);
    const list = await screen.findByRole('list', { name: '変更履歴の一覧' });
    await waitFor(() => expect(list.textContent).toContain('今後の実施予定等'));
    expect(list.textContent).not.toContain('未評価 → 未評価');
    expect(list.textContent).not.toContain('（空欄）');
  });

  it('says when there is no history yet', async () => {
    renderItem(await dbWithFixturePlan());
    const section = await screen.findByRole('region', { name: '変更履歴' });
    await waitFor(() => expect(section.textContent).toContain('まだ変更履歴はありません'));
  });
});

describe('restoring a value from the history', () => {
  const record = progressId(ITEM, '2024-H1');
  const at = (day: number) => new Date(2026, 10, day, 10, 0).toISOString();

  /** Two changes of the item's progress: 田中 set 評価 ○ → △, then 鈴木（担当） changed 実施状況. */
  async function seeded(): Promise<TrackerDb> {
    const db = await dbWithFixturePlan();
    const current = (await db.progress.get(record))!;
    await db.progress.put({ ...current, evaluation: '△', done: '郵送化の案内を送付した。' });
    await db.history.bulkPut([
      { id: 'h1', planId: PLAN_ID, table: 'progress', recordId: record, itemId: ITEM, changes: { evaluation: { from: '○', to: '△' } }, by: '田中', at: at(1) },
      {
        id: 'h2',
        planId: PLAN_ID,
        table: 'progress',
        recordId: record,
        itemId: ITEM,
        changes: { done: { from: '窓口で案内した。', to: '郵送化の案内を送付した。' } },
        by: '鈴木（担当）',
        at: at(2),
      },
    ]);
    return db;
  }

  /** As the app shell provides them: the engine with the session, and the session's name. */
  function renderAs(db: TrackerDb, role: Role) {
    const signedIn = session(role, 'branch-tokyo');
    return render(
      <DbContext.Provider value={db}>
        <SyncContext.Provider value={new FakeSyncEngine({ session: signedIn })}>
          <SessionNameContext.Provider value={signedIn.user.name}>
            <ItemPage planId={PLAN_ID} itemId={ITEM} periodId="2024-H1" />
          </SessionNameContext.Provider>
        </SyncContext.Provider>
      </DbContext.Provider>,
    );
  }

  it('lets a lead put any earlier value back in one tap, as a new change that syncs', async () => {
    const db = await seeded();
    await db.plans.update(PLAN_ID, { branchId: 'branch-tokyo' });
    renderAs(db, 'lead');
    const list = await screen.findByRole('list', { name: '変更履歴の一覧' });
    expect(within(list).getByRole('button', { name: '実施状況をこの値に戻す（窓口で案内した。）' })).toBeTruthy();
    fireEvent.click(within(list).getByRole('button', { name: '評価をこの値に戻す（○）' }));
    await waitFor(async () => expect((await db.progress.get(record))?.evaluation).toBe('○'));
    expect(await screen.findByText('評価を「○」に戻しました')).toBeTruthy();
    const outbox = await db.outbox.toArray();
    expect(outbox).toEqual([expect.objectContaining({ table: 'progress', recordId: record, changes: { evaluation: '○' }, base: { evaluation: '△' } })]);
    expect((await db.progress.get(record))?.updatedBy).toBe('佐藤（リーダー）');
  });

  it('lets staff undo only their own last change', async () => {
    const db = await seeded();
    await db.plans.update(PLAN_ID, { branchId: 'branch-tokyo' });
    renderAs(db, 'staff');
    const list = await screen.findByRole('list', { name: '変更履歴の一覧' });
    await waitFor(() => expect(within(list).getAllByRole('button', { name: /この値に戻す/ })).toHaveLength(1));
    fireEvent.click(within(list).getByRole('button', { name: '実施状況をこの値に戻す（窓口で案内した。）' }));
    await waitFor(async () => expect((await db.progress.get(record))?.done).toBe('窓口で案内した。'));
    expect(await db.outbox.toArray()).toEqual([expect.objectContaining({ changes: { done: '窓口で案内した。' }, base: { done: '郵送化の案内を送付した。' } })]);
  });

  it('gives staff nothing to undo when the last change is someone else’s', async () => {
    const db = await seeded();
    await db.plans.update(PLAN_ID, { branchId: 'branch-tokyo' });
    await db.history.put({
      id: 'h3',
      planId: PLAN_ID,
      table: 'progress',
      recordId: record,
      itemId: ITEM,
      changes: { next: { from: '', to: '来月訪問' } },
      by: '田中',
      at: at(3),
    });
    renderAs(db, 'staff');
    const list = await screen.findByRole('list', { name: '変更履歴の一覧' });
    await waitFor(() => expect(within(list).getAllByRole('listitem').length).toBeGreaterThan(2));
    expect(within(list).queryAllByRole('button', { name: /この値に戻す/ })).toHaveLength(0);
  });

  it('shows a move as 並び順を変更, without the order keys and without a way to put one back', async () => {
    const db = await seeded();
    await db.history.put({
      id: 'h3',
      planId: PLAN_ID,
      table: 'items',
      recordId: ITEM,
      itemId: ITEM,
      changes: { order: { from: 'a1', to: 'a0V' } },
      by: '田中',
      at: at(3),
    });
    renderAs(db, 'lead');
    const list = await screen.findByRole('list', { name: '変更履歴の一覧' });
    const move = await within(list).findByText('並び順を変更');
    expect(move.textContent).toBe('並び順を変更');
    expect(list.textContent).not.toContain('a0V');
    expect(within(list).queryByRole('button', { name: /並び順をこの値に戻す/ })).toBeNull();
    expect(within(list).getByRole('button', { name: '評価をこの値に戻す（○）' })).toBeTruthy();
  });

  it('offers nothing to restore on the fields a record was created with', async () => {
    const db = await dbWithFixturePlan();
    await db.history.put({
      id: 'c1',
      planId: PLAN_ID,
      table: 'progress',
      recordId: record,
      itemId: ITEM,
      changes: { planId: { from: null, to: PLAN_ID }, done: { from: null, to: 'した' } },
      by: '田中',
      at: at(1),
    });
    renderAs(db, 'lead');
    const list = await screen.findByRole('list', { name: '変更履歴の一覧' });
    await waitFor(() => expect(within(list).getAllByRole('listitem').length).toBeGreaterThan(0));
    expect(within(list).queryAllByRole('button', { name: /この値に戻す/ })).toHaveLength(0);
  });
});
