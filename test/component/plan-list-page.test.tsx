// The plan list: plans on the device, and importing a plan file — into a branch the account
// administers (only admins import), with a bad file listing its problems and writing nothing.
import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { TrackerDb } from '../../src/db/database';
import { DbContext } from '../../src/ui/data/hooks';
import { PlanListPage } from '../../src/ui/plan-list-page';
import { SyncContext } from '../../src/ui/data/sync-context';
import good from '../fixtures/plan-file-good.json';
import { FakeSyncEngine, session } from './fake-sync-engine';
import { dbWithFixturePlan } from './plan-fixture';

function renderList(db: TrackerDb, engine: FakeSyncEngine | null) {
  return render(
    <DbContext.Provider value={db}>
      <SyncContext.Provider value={engine}>
        <PlanListPage />
      </SyncContext.Provider>
    </DbContext.Provider>,
  );
}

const fileOf = (content: unknown, name = 'plan.plan.json') => new File([JSON.stringify(content)], name, { type: 'application/json' });

describe('PlanListPage', () => {
  it('lists the plans on the device', async () => {
    renderList(await dbWithFixturePlan(), null);
    expect(await screen.findByRole('link', { name: /令和6年度 東京支部事業計画/ })).toBeTruthy();
  });

  it('does not offer import to staff or leads', async () => {
    renderList(await dbWithFixturePlan(), new FakeSyncEngine({ session: session('lead') }));
    await screen.findByRole('link', { name: /令和6年度 東京支部事業計画/ });
    expect(screen.queryByLabelText(/計画ファイルを読み込む/)).toBeNull();
    expect(screen.queryByRole('heading', { name: '計画ファイルの読み込み' })).toBeNull();
    expect(screen.queryByRole('link', { name: '計画の文章を貼り付けて読み込む' })).toBeNull();
  });

  it('imports into the admin’s branch and queues the plan for sync', async () => {
    const db = await dbWithFixturePlan();
    renderList(db, new FakeSyncEngine({ session: session('admin', 'branch-yamaguchi') }));
    const input = await screen.findByLabelText('計画ファイルを読み込む（東京支部）');
    fireEvent.change(input, { target: { files: [fileOf({ ...good, plan: { ...good.plan, title: '読み込んだ計画' } })] } });
    await waitFor(async () => expect((await db.plans.toArray()).some((p) => p.title === '読み込んだ計画' && p.branchId === 'branch-yamaguchi')).toBe(true));
    // In the branch's namespace, or the server refuses the plan (src/server/plan-ids.ts).
    expect((await db.plans.toArray()).find((p) => p.title === '読み込んだ計画')!.id).toMatch(/^branch-yamaguchi-/);
    expect((await db.outbox.toArray()).some((e) => e.table === 'plans' && e.create?.branchId === 'branch-yamaguchi')).toBe(true);
  });

  it('lists a bad file’s problems in Japanese and writes nothing', async () => {
    const db = await dbWithFixturePlan();
    renderList(db, null);
    const input = await screen.findByLabelText('計画ファイルを読み込む');
    fireEvent.change(input, { target: { files: [fileOf({ ...good, version: 9 }, 'bad.plan.json')] } });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('「bad.plan.json」は読み込めませんでした');
    expect(alert.textContent).toContain('版');
    expect(await db.plans.count()).toBe(1);
    expect(await db.outbox.count()).toBe(0);
  });
});
