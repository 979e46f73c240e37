// Nobody is shown an action their role cannot do: staff see no 構成の編集 on the plan screen, and
// reaching the structure screen by its address says who may change the structure instead of
// offering forms the server would refuse. A lead of the plan's branch sees and uses both.
import { render, screen } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { Role } from '../../src/model/protocol';
import { DbContext } from '../../src/ui/data/hooks';
import { SyncContext } from '../../src/ui/data/sync-context';
import { PlanPage } from '../../src/ui/plan-page';
import { StructurePage } from '../../src/ui/structure-page';
import good from '../fixtures/plan-file-good.json';
import { FakeSyncEngine, session } from './fake-sync-engine';
import { emptyDb, importPlanFixture } from './plan-fixture';

const BRANCH = 'branch-tokyo';

/** `role` null: the engine has not told who is signed in yet (the first frames after a start). */
async function renderAs(role: Role | null, screenOf: (planId: string) => preact.JSX.Element) {
  const db = emptyDb();
  const planId = await importPlanFixture(db, good, BRANCH);
  render(
    <DbContext.Provider value={db}>
      <SyncContext.Provider value={new FakeSyncEngine({ session: role ? session(role, BRANCH) : null })}>{screenOf(planId)}</SyncContext.Provider>
    </DbContext.Provider>,
  );
}

describe('screens by role', () => {
  it('offers 構成の編集 on the plan screen to a lead, not to staff', async () => {
    await renderAs('lead', (planId) => <PlanPage planId={planId} periodId={null} />);
    expect(await screen.findByRole('link', { name: '構成の編集' })).toBeTruthy();
  });

  it('shows staff the plan screen without 構成の編集', async () => {
    await renderAs('staff', (planId) => <PlanPage planId={planId} periodId={null} />);
    const menu = await screen.findByRole('navigation', { name: '計画のメニュー' });
    expect(menu.textContent).toContain('KPI');
    expect(screen.queryByRole('link', { name: '構成の編集' })).toBeNull();
  });

  it('offers nobody 構成の編集 while the session is not known yet', async () => {
    await renderAs(null, (planId) => <PlanPage planId={planId} periodId={null} />);
    await screen.findByRole('navigation', { name: '計画のメニュー' });
    expect(screen.queryByRole('link', { name: '構成の編集' })).toBeNull();
  });

  it('tells staff who changes the structure, with no form to fill', async () => {
    await renderAs('staff', (planId) => <StructurePage planId={planId} />);
    expect(await screen.findByText('計画の構成（柱・項目・KPI）を変更できるのは、この支部のリーダーと管理者です。')).toBeTruthy();
    expect(screen.queryByRole('textbox')).toBeNull();
    expect(screen.queryByRole('button')).toBeNull();
    expect(screen.getByRole('link', { name: '計画に戻る' })).toBeTruthy();
  });

  it('gives a lead the structure editor', async () => {
    await renderAs('lead', (planId) => <StructurePage planId={planId} />);
    expect(await screen.findByRole('heading', { name: /構成の編集/ })).toBeTruthy();
    expect(screen.queryByText(/変更できるのは、この支部のリーダーと管理者です/)).toBeNull();
    expect(screen.getAllByRole('button').length).toBeGreaterThan(0);
  });
});
