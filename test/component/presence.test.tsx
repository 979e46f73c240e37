// Presence as people see it: on an item, who else has it open and who is typing in which field
// (氏名 and 入力中…); on the plan, a marker on the items someone else has open; in the status
// bar, whether the live connection is up. And the item screen says where this person is. The
// engine is the fake of fake-sync-engine.ts, whose live channel the test drives.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { TrackerDb } from '../../src/db/database';
import { DbContext } from '../../src/ui/data/hooks';
import type { PresenceEntry } from '../../src/model/live-protocol';
import { App } from '../../src/ui/app';
import { ItemPage } from '../../src/ui/item-page';
import { PlanPage } from '../../src/ui/plan-page';
import { SyncContext } from '../../src/ui/data/sync-context';
import { FakeSyncEngine } from './fake-sync-engine';
import { dbWithFixturePlan, PLAN_ID, ref } from './plan-fixture';

const BRANCH = 'branch-tokyo';

async function dbOfBranch(): Promise<TrackerDb> {
  const db = await dbWithFixturePlan();
  await db.plans.update(PLAN_ID, { branchId: BRANCH });
  return db;
}

function entry(name: string, itemRef: string | null, field: PresenceEntry['field'] = null, userId = `u-${name}`): PresenceEntry {
  return { sessionId: `tab-of-${userId}`, userId, name, planId: PLAN_ID, itemId: itemRef && ref(itemRef), field };
}

function renderWith(engine: FakeSyncEngine, db: TrackerDb, page: preact.JSX.Element) {
  return render(
    <SyncContext.Provider value={engine}>
      <DbContext.Provider value={db}>{page}</DbContext.Provider>
    </SyncContext.Provider>,
  );
}

describe('presence on the item screen', () => {
  it('names the others who have the item open and who is typing in which field, and clears when they leave', async () => {
    const engine = new FakeSyncEngine();
    renderWith(engine, await dbOfBranch(), <ItemPage planId={PLAN_ID} itemId={ref('p1-2-2')} periodId="2024-H1" />);
    await screen.findByRole('radiogroup', { name: '評価' });
    expect(screen.queryByRole('region', { name: 'この項目を開いている人' })).toBeNull();

    engine.live.setEntries([entry('鈴木 一郎', 'p1-2-2', 'done'), entry('田中 花子', 'p1-2-2'), entry('山田 太郎', 'p2-5-1', 'next')]);
    const region = await screen.findByRole('region', { name: 'この項目を開いている人' });
    const people = within(region)
      .getAllByRole('listitem')
      .map((li) => li.textContent);
    expect(people).toEqual(['鈴木 一郎（実施状況に入力中…）', '田中 花子']);

    engine.live.setEntries([entry('鈴木 一郎', 'p1-2-2', 'next'), entry('鈴木 一郎', 'p1-2-2', 'done')]);
    await waitFor(() =>
      expect(
        within(screen.getByRole('region', { name: 'この項目を開いている人' }))
          .getAllByRole('listitem')
          .map((li) => li.textContent),
      ).toEqual(['鈴木 一郎（今後の実施予定等・実施状況に入力中…）']),
    );

    engine.live.setEntries([]);
    await waitFor(() => expect(screen.queryByRole('region', { name: 'この項目を開いている人' })).toBeNull());
  });

  it('says where this person is, which field they type in, and that they left', async () => {
    const engine = new FakeSyncEngine();
    const view = renderWith(engine, await dbOfBranch(), <ItemPage planId={PLAN_ID} itemId={ref('p2-5-1')} periodId="2024-H1" />);
    const done = await screen.findByRole('textbox', { name: '実施状況' });
    const here = { branchId: BRANCH, planId: PLAN_ID, itemId: ref('p2-5-1') };
    await waitFor(() => expect(engine.live.reported.at(-1)).toEqual({ ...here, field: null }));
    fireEvent.input(done, { target: { value: '説明会を開催した' } });
    await waitFor(() => expect(engine.live.reported.at(-1)).toEqual({ ...here, field: 'done' }));
    fireEvent.input(screen.getByRole('textbox', { name: '今後の実施予定等' }), { target: { value: '訪問する' } });
    await waitFor(() => expect(engine.live.reported.at(-1)).toEqual({ ...here, field: 'next' }));
    view.unmount();
    await waitFor(() => expect(engine.live.reported.at(-1)).toBeNull());
  });
});

describe('presence on the plan screen', () => {
  it('marks the items someone else has open, with their names', async () => {
    const engine = new FakeSyncEngine();
    renderWith(engine, await dbOfBranch(), <PlanPage planId={PLAN_ID} periodId="2024-H1" />);
    const link = await screen.findByRole('link', { name: /郵送化/ });
    expect(within(link).queryByText(/閲覧中/)).toBeNull();
    engine.live.setEntries([entry('鈴木 一郎', 'p1-2-2'), entry('田中 花子', 'p1-2-2', 'done'), entry('山田 太郎', null)]);
    await waitFor(() => expect(within(screen.getByRole('link', { name: /郵送化/ })).getByText('● 鈴木 一郎、田中 花子が閲覧中')).toBeTruthy());
    expect(screen.getAllByText(/閲覧中/)).toHaveLength(1);
  });
});

describe('the live connection in the status bar', () => {
  it('says whether commits reach this device at once or every 30 seconds', async () => {
    const engine = new FakeSyncEngine();
    render(<App db={await dbOfBranch()} engine={engine} />);
    const bar = screen.getByRole('status', { name: '状態' });
    await waitFor(() => expect(within(bar).getByTestId('live-state').textContent).toBe('リアルタイム同期: 接続中'));
    engine.live.setState('disconnected');
    await waitFor(() => expect(within(bar).getByTestId('live-state').textContent).toBe('リアルタイム同期: 切断（30秒ごとに同期）'));
    engine.set({ state: 'signed-out', session: null });
    await waitFor(() => expect(screen.queryByTestId('live-state')).toBeNull());
  });
});
