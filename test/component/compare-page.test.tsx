// The year-over-year comparison as a person reads it, on seed 001's pair (山口支部 令和5年度 beside
// 令和4年度, loaded through the real plan import): reworded items with the changed words marked,
// new and dropped items, the renamed section, the KPI targets that moved, the "changed only"
// filter, the selector of the branch's plans, and the way in from the plan screen's menu.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrackerDb } from '../../src/db/database';
import { DbContext } from '../../src/ui/data/hooks';
import { App } from '../../src/ui/app';
import { ComparePage } from '../../src/ui/compare-page';
import { PlanPage } from '../../src/ui/plan-page';
import { paths } from '../../src/ui/router';
import r4 from '../fixtures/yamaguchi-r4.plan.json';
import r5 from '../fixtures/yamaguchi-r5.plan.json';
import { dbWithFixturePlan, discardDb, emptyDb, importPlanFixture, PLAN_ID } from './plan-fixture';

let db: TrackerDb;
let r4Id: string;
let r5Id: string;

beforeEach(async () => {
  db = emptyDb();
  r4Id = await importPlanFixture(db, r4);
  r5Id = await importPlanFixture(db, r5);
});

afterEach(() => discardDb(db));

function renderCompare(planId: string, withPlanId: string | null = null) {
  render(
    <DbContext.Provider value={db}>
      <ComparePage planId={planId} withPlanId={withPlanId} />
    </DbContext.Provider>,
  );
}

const itemTable = () => screen.findByRole('table', { name: '事業計画の項目の比較（令和4年度と令和5年度）' });
const kpiTable = () => screen.getByRole('table', { name: 'KPIの目標の比較（令和4年度と令和5年度）' });

/** The one row of a table whose text contains `text`. */
function rowWith(table: HTMLElement, text: string): HTMLElement {
  const rows = within(table)
    .getAllByRole('row')
    .filter((r) => r.textContent!.includes(text));
  if (rows.length !== 1) throw new Error(`${rows.length} rows contain ${text}`);
  return rows[0]!;
}

const cellsOf = (row: HTMLElement) => [...row.querySelectorAll('td, th')].map((c) => c.textContent);

describe('ComparePage', () => {
  it('compares with last year’s plan by default, the earlier year on the left', async () => {
    renderCompare(r5Id);
    const table = await itemTable();
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('事業計画の年度比較山口支部');
    expect(screen.getByText('令和4年度 → 令和5年度')).toBeTruthy();
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((h) => h.textContent),
    ).toEqual(['変更', '令和4年度', '令和5年度']);
    expect((screen.getByRole('combobox', { name: '比較する計画' }) as HTMLSelectElement).value).toBe(r4Id);
    expect(
      within(screen.getByRole('list', { name: '変更の件数' }))
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual([
      '項目：文言変更 8件・新規 10件・廃止 3件（変更なし 67件）',
      '見出し：名称変更 1件・新規 0件・廃止 1件',
      'KPI：変更 7件・新規 0件・廃止 0件（変更なし 12件）',
    ]);
  });

  it('marks reworded items, with the removed and added words in <del> and <ins> named for screen readers', async () => {
    renderCompare(r5Id);
    const row = rowWith(await itemTable(), '多剤併用者等');
    const [status, before, after] = row.querySelectorAll('td');
    expect(status!.textContent).toBe('文言変更');
    expect(before!.textContent).toContain('多剤併用者等［削除：に］服薬情報');
    expect(after!.textContent).toBe('多剤併用者等［追加：への］服薬情報［追加：通知の］送付［追加：およびマイナンバーカード普及促進事業］');
    expect([...before!.querySelectorAll('del')].map((d) => d.textContent)).toContain('［削除：に］');
    expect([...after!.querySelectorAll('ins')].map((d) => d.textContent)).toContain('［追加：への］');
    // The words for screen readers are hidden from the eye.
    expect(before!.querySelector('del .visually-hidden')!.textContent).toBe('［削除：');
    // Each side shows its own year's text, whole.
    expect(before!.textContent!.replace(/［削除：|］/g, '')).toBe('多剤併用者等に服薬情報のお知らせを送付');
    expect(after!.textContent!.replace(/［追加：|］/g, '')).toBe('多剤併用者等への服薬情報通知の送付およびマイナンバーカード普及促進事業');
  });

  it('marks new items 新規 and dropped items 廃止, each beside an empty side', async () => {
    renderCompare(r5Id);
    const table = await itemTable();
    expect(cellsOf(rowWith(table, '加入者からの相談・照会'))).toEqual([
      '新規',
      '（なし）',
      expect.stringContaining('加入者からの相談・照会に的確に対応できるよう'),
    ]);
    expect(cellsOf(rowWith(table, '保健事業推進のための協議会の開催'))).toEqual([
      '廃止',
      expect.stringContaining('保健事業推進のための協議会の開催'),
      '（なし）',
    ]);
    expect(cellsOf(rowWith(table, '中長期的な視点による健全な財政運営'))).toEqual([
      '',
      expect.stringContaining('中長期的な視点'),
      expect.stringContaining('中長期的な視点'),
    ]);
  });

  it('shows the renamed section and the dropped one, and where moved items came from', async () => {
    renderCompare(r5Id);
    const table = await itemTable();
    const renamed = rowWith(table, 'データヘルス計画');
    expect(cellsOf(renamed)[0]).toBe('名称変更');
    expect(renamed.querySelector('del')!.textContent).toBe('［削除：第２期］');
    const dropped = [...table.querySelectorAll('tr.cmp-section')].filter((r) => r.textContent!.includes('柔道整復施術療養費等における文書照会の強化'));
    expect(dropped.map((r) => cellsOf(r as HTMLElement))).toEqual([['廃止', '○ 柔道整復施術療養費等における文書照会の強化', '（なし）']]);
    const moved = within(table).getAllByText(/^移動（元：○柔道整復施術療養費等における文書照会の強化）$/);
    expect(moved).toHaveLength(4);
  });

  it('compares the KPI targets, the changed ones highlighted', async () => {
    renderCompare(r5Id);
    await itemTable();
    const table = kpiTable();
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((h) => h.textContent),
    ).toEqual(['変更', 'KPI設定項目', '令和4年度の目標', '令和5年度の目標']);
    const declaration = within(table).getByRole('rowheader', { name: '健康宣言事業所数' }).closest('tr')!;
    expect(cellsOf(declaration)).toEqual(['変更目標値', '健康宣言事業所数', '900事業所以上', '1,100事業所以上（変更）']);
    expect(declaration.lastElementChild!.classList.contains('cmp-target-changed')).toBe(true);
    const service = within(table).getByRole('rowheader', { name: 'サービススタンダードの達成状況' }).closest('tr')!;
    expect(cellsOf(service)).toEqual(['', 'サービススタンダードの達成状況', '100%以上', '100%以上']);
    const renamed = within(table).getByRole('rowheader', { name: /３か月以内に医療機関を受診した者の割合/ });
    expect(renamed.querySelector('del')!.textContent).toBe('［削除：、］');
  });

  it('shows only the changed rows when asked, and everything again', async () => {
    renderCompare(r5Id);
    const table = await itemTable();
    const allRows = within(table).getAllByRole('row').length;
    fireEvent.click(screen.getByRole('radio', { name: '変更のあった行のみ' }));
    await waitFor(() => expect(within(table).getAllByRole('row').length).toBeLessThan(allRows));
    expect(table.textContent).not.toContain('中長期的な視点による健全な財政運営');
    expect(table.textContent).toContain('多剤併用者等');
    expect(table.textContent).toContain('保健事業推進のための協議会の開催');
    expect(table.textContent).toContain('加入者からの相談・照会');
    // The item rows left are exactly the changed ones (the 8 + 10 + 3, and those moved or retagged).
    const statuses = [...table.querySelectorAll('tr.cmp-item td.cmp-status')].map((c) => c.textContent);
    expect(statuses.every((s) => s !== '')).toBe(true);
    expect(statuses.filter((s) => /^(文言変更|新規|廃止)/.test(s!))).toHaveLength(21);
    expect(kpiTable().textContent).not.toContain('サービススタンダードの達成状況');
    expect(within(kpiTable()).getAllByRole('rowheader')).toHaveLength(7);
    fireEvent.click(screen.getByRole('radio', { name: 'すべて' }));
    await waitFor(() => expect(within(table).getAllByRole('row').length).toBe(allRows));
  });

  it('keeps the earlier year on the left when opened from last year’s plan', async () => {
    renderCompare(r4Id, r5Id);
    const table = await itemTable();
    expect(cellsOf(rowWith(table, '加入者からの相談・照会'))[0]).toBe('新規');
    expect((screen.getByRole('combobox', { name: '比較する計画' }) as HTMLSelectElement).value).toBe(r5Id);
  });

  it('offers the branch’s other plans and switches to the one chosen', async () => {
    const r5Copy = await importPlanFixture(db, { ...r5, plan: { ...r5.plan, title: '令和5年度 山口支部事業計画（改訂版）' } });
    renderCompare(r4Id, r5Id);
    const select = (await screen.findByRole('combobox', { name: '比較する計画' })) as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent).sort()).toEqual(['令和5年度 山口支部事業計画', '令和5年度 山口支部事業計画（改訂版）']);
    fireEvent.change(select, { target: { value: r5Copy } });
    await waitFor(() => expect(location.pathname + location.search).toBe(paths.compare(r4Id, r5Copy)));
  });

  it('says so when the branch has no plan of the previous year, or the one asked for is not the branch’s', async () => {
    renderCompare(r4Id);
    expect(await screen.findByText('前年度（令和3年度）の計画がこの端末にありません。比較する計画を選んでください。')).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();
    cleanup();
    renderCompare(r5Id, 'no-such-plan');
    expect(await screen.findByText('指定された計画はこの端末にないか、この支部の計画ではありません。比較する計画を選んでください。')).toBeTruthy();
  });

  it('says so when the branch has no other plan on the device', async () => {
    const tokyo = await dbWithFixturePlan();
    render(
      <DbContext.Provider value={tokyo}>
        <ComparePage planId={PLAN_ID} withPlanId={null} />
      </DbContext.Provider>,
    );
    expect(await screen.findByText(/この支部の他の年度の計画がこの端末にありません。/)).toBeTruthy();
    expect(screen.queryByRole('combobox', { name: '比較する計画' })).toBeNull();
    tokyo.close();
  });

  it('is linked from the plan screen’s menu when the branch has another plan', async () => {
    render(
      <DbContext.Provider value={db}>
        <PlanPage planId={r5Id} periodId={null} />
      </DbContext.Provider>,
    );
    const menu = await screen.findByRole('navigation', { name: '計画のメニュー' });
    expect((await within(menu).findByRole('link', { name: '前年度と比較' })).getAttribute('href')).toBe(paths.compare(r5Id));
  });

  it('links last year’s plan to the comparison with the branch’s other plan', async () => {
    render(
      <DbContext.Provider value={db}>
        <PlanPage planId={r4Id} periodId={null} />
      </DbContext.Provider>,
    );
    const menu = await screen.findByRole('navigation', { name: '計画のメニュー' });
    expect((await within(menu).findByRole('link', { name: '他の年度と比較' })).getAttribute('href')).toBe(paths.compare(r4Id, r5Id));
  });

  it('has no comparison link when the branch has no other plan', async () => {
    const tokyo = await dbWithFixturePlan();
    render(
      <DbContext.Provider value={tokyo}>
        <PlanPage planId={PLAN_ID} periodId={null} />
      </DbContext.Provider>,
    );
    const menu = await screen.findByRole('navigation', { name: '計画のメニュー' });
    await within(menu).findByRole('button', { name: '次年度の計画を作成' });
    expect(within(menu).queryByRole('link', { name: /比較/ })).toBeNull();
    tokyo.close();
  });

  it('is reached by its address through the app', async () => {
    history.replaceState(null, '', paths.compare(r5Id));
    render(<App db={db} />);
    expect(await itemTable()).toBeTruthy();
    expect(screen.getByRole('link', { name: '← 令和5年度 山口支部事業計画' }).getAttribute('href')).toBe(paths.plan(r5Id));
  });
});
