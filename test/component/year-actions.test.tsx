// Creating next year's plan from the plan screen's menu: one click makes 令和7年度 from 令和6年度
// (same tree and KPIs, no progress, 前年度 values taken from this year's actuals) through the plan
// import, opens it, says which 前年度 values it took, and queues it for sync; a second time it
// refuses, since the branch already has that plan. The plan's id and the ids inside come from the
// branch, the year and this year's plan, so two devices creating it make the same records. Only
// those who may create plans (branch admins, or anyone without a login) see it.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrackerDb } from '../../src/db/database';
import { DbContext } from '../../src/ui/data/hooks';
import { exportPlanFile } from '../../src/sync/plan-io';
import { storePlanRecords } from '../../src/sync/edits';
import { parsePlanFile, planFileToRecords, walkSections, type PlanFile } from '../../src/model/plan-file';
import { App } from '../../src/ui/app';
import { PlanPage } from '../../src/ui/plan-page';
import { paths } from '../../src/ui/router';
import { SyncContext } from '../../src/ui/data/sync-context';
import { FakeSyncEngine, session } from './fake-sync-engine';
import good from '../fixtures/plan-file-good.json';
import { dbWithFixturePlan, discardDb, importPlanFixture, PLAN_ID, ref, saveActuals } from './plan-fixture';

let db: TrackerDb;

beforeEach(async () => {
  db = await dbWithFixturePlan();
});

afterEach(() => discardDb(db));

function renderPlan(engine: FakeSyncEngine | null = null) {
  render(
    <DbContext.Provider value={db}>
      <SyncContext.Provider value={engine}>
        <PlanPage planId={PLAN_ID} periodId={null} />
      </SyncContext.Provider>
    </DbContext.Provider>,
  );
}

const menu = () => screen.findByRole('navigation', { name: '計画のメニュー' });
const createButton = async () => within(await menu()).findByRole('button', { name: '次年度の計画を作成' });

/** The tree as a person reads it, without the refs (which are new in the new plan). */
const shapeOf = (file: PlanFile) =>
  [...walkSections(file.sections)].map(({ section, parent }) => ({
    parent: parent?.title ?? null,
    label: section.label,
    title: section.title,
    items: (section.items ?? []).map(({ id: _id, ...rest }) => rest),
  }));

describe('次年度の計画を作成', () => {
  it('creates 令和7年度 with this year’s structure and this year’s actuals as 前年度, and opens it', async () => {
    history.replaceState(null, '', paths.plan(PLAN_ID));
    render(<App db={db} />);
    fireEvent.click(await createButton());
    expect(await screen.findByRole('heading', { level: 1, name: '令和7年度 東京支部事業計画' })).toBeTruthy();

    const plans = await db.plans.toArray();
    expect(plans).toHaveLength(2);
    const created = plans.find((p) => p.id !== PLAN_ID)!;
    // Only on this device: named after the branch as written, with the year.
    expect(created.id).toBe('東京支部-2025');
    expect(location.pathname).toBe(paths.plan(created.id));
    // The new plan's menu says in one line what became of the 前年度 values, the KPIs folded under it.
    const notice = await within(await menu()).findByRole('status');
    expect(notice.querySelector('p')!.textContent).toBe('次年度の計画を作成しました。KPIの前年度の値: 実績から1件、空欄0件。');
    const details = notice.querySelector('details')!;
    expect(details.open).toBe(false);
    expect(details.querySelector('summary')!.textContent).toBe('前年度の値の内訳');
    expect(
      within(details)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['現金給付等の申請に係る郵送化率 98.2%（令和6年6月）']);
    expect(created).toMatchObject({
      branch: '東京支部',
      fiscalYear: 2025,
      title: '令和7年度 東京支部事業計画',
      periodKind: 'half',
      demo: false,
      deleted: false,
    });
    expect(created.branchId).toBeUndefined();
    // The new plan's menu is its own: not busy, and it compares with the plan it came from.
    expect((await createButton()).hasAttribute('disabled')).toBe(false);
    expect(
      within(await menu())
        .getByRole('link', { name: '前年度と比較' })
        .getAttribute('href'),
    ).toBe(paths.compare(created.id));

    const source = await exportPlanFile(db, PLAN_ID);
    const next = await exportPlanFile(db, created.id);
    expect(shapeOf(next)).toEqual(shapeOf(source));
    // Nothing of this year's record comes along.
    expect(next.progress).toEqual([]);
    expect(next.notes).toEqual([]);
    expect(next.measurements).toEqual([]);
    // KPIs in the same sections; a 対前年度 target is now judged against this year's latest actual.
    const sectionTitle = (file: PlanFile, ref: string | undefined) => [...walkSections(file.sections)].find((s) => s.section.id === ref)?.section.title ?? null;
    expect(next.kpis!.map((k) => [k.name, sectionTitle(next, k.section), k.target])).toEqual([
      ['サービススタンダードの達成状況', 'サービス水準の向上', { kind: 'value', value: 100, direction: '以上' }],
      ['現金給付等の申請に係る郵送化率', 'サービス水準の向上', { kind: 'previousYear', previousValue: 98.2, direction: '以上' }],
      ['健康宣言事業所数', 'コラボヘルスの推進', { kind: 'value', value: 2900, direction: '以上' }],
      ['生活習慣病予防健診実施率', null, { kind: 'value', value: 60, direction: '以上' }],
      ['SNSによる情報発信', null, { kind: 'qualitative', text: '毎月情報発信を行う' }],
    ]);
    // Queued for sync like any imported plan.
    const outbox = await db.outbox.toArray();
    expect(outbox.filter((e) => e.planId === created.id && e.table === 'items')).toHaveLength(3);
    expect(outbox.some((e) => e.table === 'plans' && e.recordId === created.id)).toBe(true);
  });

  it('refuses when the branch’s plan of next year is already on the device, and links to it', async () => {
    renderPlan();
    fireEvent.click(await createButton());
    await waitFor(async () => expect(await db.plans.count()).toBe(2));
    const created = (await db.plans.toArray()).find((p) => p.id !== PLAN_ID)!;
    const outboxBefore = await db.outbox.count();

    // Back on this year's plan (the new one opened meanwhile), the same click again.
    cleanup();
    renderPlan();
    fireEvent.click(await createButton());
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('東京支部の令和7年度の計画はこの端末にすでにあります。新しくは作成しません。');
    expect(within(alert).getByRole('link', { name: '令和7年度 東京支部事業計画を開く' }).getAttribute('href')).toBe(paths.plan(created.id));
    expect(await db.plans.count()).toBe(2);
    expect(await db.outbox.count()).toBe(outboxBefore);
  });

  it('refuses when a plan with the new plan’s id is on the device, though its branch name is written otherwise', async () => {
    const parsed = parsePlanFile({
      ...good,
      plan: { ...good.plan, branch: '東京 支部', fiscalYear: 2025, title: '令和7年度 東京 支部事業計画' },
      progress: [],
      notes: [],
      measurements: [],
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    await storePlanRecords(
      db,
      planFileToRecords(parsed.file, { planId: '東京支部-2025', now: '2025-04-01T00:00:00.000Z', author: 'テスト', newId: () => crypto.randomUUID() }),
      { outbox: false },
    );
    renderPlan();
    fireEvent.click(await createButton());
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('東京 支部の令和7年度の計画はこの端末にすでにあります。新しくは作成しません。');
    expect(within(alert).getByRole('link', { name: '令和7年度 東京 支部事業計画を開く' }).getAttribute('href')).toBe(paths.plan('東京支部-2025'));
    expect(await db.plans.count()).toBe(2);
    expect(await db.outbox.count()).toBe(0);
  });

  it('refuses, rather than bringing it back, when the new plan’s id is a deleted plan’s', async () => {
    renderPlan();
    fireEvent.click(await createButton());
    await waitFor(async () => expect(await db.plans.get('東京支部-2025')).toBeDefined());
    await db.plans.update('東京支部-2025', { deleted: true });
    const outboxBefore = await db.outbox.count();

    cleanup();
    renderPlan();
    fireEvent.click(await createButton());
    expect((await screen.findByRole('alert')).textContent).toContain('ID「東京支部-2025」の計画はこの端末にすでにあります');
    expect((await db.plans.get('東京支部-2025'))!.deleted).toBe(true);
    expect(await db.outbox.count()).toBe(outboxBefore);
  });

  it('leaves 前年度 empty, and says so, for a KPI that builds up over the year without a March actual', async () => {
    // 生活習慣病予防健診実施率 builds up from April (実施率): September's 41.5% is half a year's.
    await db.kpis.update(ref('k-checkup'), { target: { kind: 'previousYear', previousValue: 55.2, direction: '以上' } });
    await saveActuals(db, 'k-checkup', { '2024-09': 41.5 });
    renderPlan();
    fireEvent.click(await createButton());
    await waitFor(async () => expect(await db.plans.get('東京支部-2025')).toBeDefined());
    const next = await exportPlanFile(db, '東京支部-2025');
    expect(next.kpis!.find((k) => k.id === 'k-checkup')!.target).toEqual({ kind: 'previousYear', previousValue: null, direction: '以上' });
    expect(next.kpis!.find((k) => k.id === 'k-mail')!.target).toEqual({ kind: 'previousYear', previousValue: 98.2, direction: '以上' });

    // The new plan opens in place of this one, with what became of each 前年度 value.
    cleanup();
    render(
      <DbContext.Provider value={db}>
        <PlanPage planId="東京支部-2025" periodId={null} />
      </DbContext.Provider>,
    );
    const notice = await within(await menu()).findByRole('status');
    expect(notice.querySelector('p')!.textContent).toBe('次年度の計画を作成しました。KPIの前年度の値: 実績から1件、空欄1件。');
    expect(notice.querySelector('details')!.textContent).toBe(
      '前年度の値の内訳今年度の実績を入れました:現金給付等の申請に係る郵送化率 98.2%（令和6年6月）空欄です（「構成の編集」で入力できます）:生活習慣病予防健診実施率（年度内累計のため3月の実績が必要）',
    );
    // Once: opened again later, the plan says nothing of it.
    cleanup();
    render(
      <DbContext.Provider value={db}>
        <PlanPage planId="東京支部-2025" periodId={null} />
      </DbContext.Provider>,
    );
    await createButton();
    expect(within(await menu()).queryByRole('status')).toBeNull();
  });

  it('creates the plan in the same branch for the branch’s admin', async () => {
    await db.plans.update(PLAN_ID, { branchId: 'branch-tokyo' });
    renderPlan(new FakeSyncEngine({ session: session('admin', 'branch-tokyo') }));
    fireEvent.click(await createButton());
    await waitFor(async () => expect(await db.plans.count()).toBe(2));
    const created = (await db.plans.toArray()).find((p) => p.id !== PLAN_ID)!;
    // The id the admin CLI would import it under.
    expect(created.id).toBe('branch-tokyo-2025');
    expect(created.branchId).toBe('branch-tokyo');
    expect((await db.outbox.toArray()).some((e) => e.table === 'plans' && e.recordId === created.id && e.create?.branchId === 'branch-tokyo')).toBe(true);
  });

  it('makes the same records on two devices, so that they meet as one plan when they sync', async () => {
    const created = async () => {
      await db.plans.update(PLAN_ID, { branchId: 'branch-tokyo' });
      renderPlan(new FakeSyncEngine({ session: session('admin', 'branch-tokyo') }));
      fireEvent.click(await createButton());
      await waitFor(async () => expect(await db.plans.count()).toBe(2));
      cleanup();
      return (await db.outbox.toArray()).map((e) => `${e.table} ${e.recordId}`).sort();
    };
    const first = await created();
    db.close();
    await db.delete({ disableAutoOpen: false });
    db = await dbWithFixturePlan();
    const second = await created();
    expect(second).toEqual(first);
    expect(first).toContain('plans branch-tokyo-2025');
    expect(first).toContain('items branch-tokyo-2025/p1-2-1');
  });

  it.each(['lead', 'staff'] as const)('is not offered to a %s, since plans are created by admins', async (role) => {
    await db.plans.update(PLAN_ID, { branchId: 'branch-tokyo' });
    // Last year's plan, so that the menu's year entries show they have loaded.
    await importPlanFixture(
      db,
      { ...good, plan: { ...good.plan, fiscalYear: 2023, title: '令和5年度 東京支部事業計画' }, progress: [], notes: [], measurements: [] },
      'branch-tokyo',
    );
    renderPlan(new FakeSyncEngine({ session: session(role, 'branch-tokyo') }));
    const nav = await menu();
    await within(nav).findByRole('link', { name: '前年度と比較' });
    expect(within(nav).queryByRole('button', { name: '次年度の計画を作成' })).toBeNull();
  });

  it.each(['lead', 'admin'] as const)('shows a %s 前年度と比較 disabled, with the reason, while last year’s plan is not on the device', async (role) => {
    await db.plans.update(PLAN_ID, { branchId: 'branch-tokyo' });
    renderPlan(new FakeSyncEngine({ session: session(role, 'branch-tokyo') }));
    const compare = await within(await menu()).findByRole('button', { name: '前年度と比較' });
    expect(compare.hasAttribute('disabled')).toBe(true);
    expect(document.getElementById(compare.getAttribute('aria-describedby')!)!.textContent).toBe('前年度（令和5年度）の計画がこの端末にありません');
    expect(within(await menu()).queryByRole('link', { name: '前年度と比較' })).toBeNull();
  });

  it('shows staff nothing of the comparison while there is nothing to compare with', async () => {
    await db.plans.update(PLAN_ID, { branchId: 'branch-tokyo' });
    // The menu's year entries load on their own; loaded first, they are in place with the menu.
    await import('../../src/ui/year-actions');
    renderPlan(new FakeSyncEngine({ session: session('staff', 'branch-tokyo') }));
    const nav = await menu();
    await within(nav).findByRole('link', { name: /報告書/ });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(within(nav).queryByRole('button', { name: '前年度と比較' })).toBeNull();
    expect(within(nav).queryByRole('link', { name: '前年度と比較' })).toBeNull();
  });
});
