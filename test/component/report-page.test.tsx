// The progress report as a person reads it: the header in 和暦, per pillar the items with their
// label, entries and mark, the KPI tables, the filters carried over from the plan screen, and the
// print button. The route is exercised through the app shell once, to load the lazy page.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TrackerDb } from '../../src/db/database';
import { DbContext } from '../../src/ui/data/hooks';
import { EMPTY_FILTER, type ItemFilter } from '../../src/model/plan-tree';
import { App } from '../../src/ui/app';
import { PlanPage } from '../../src/ui/plan-page';
import { ReportPage } from '../../src/ui/report-page';
import { paths } from '../../src/ui/router';
import { dbWithFixturePlan, discardDb, PLAN_ID } from './plan-fixture';

const SERVICE = 'サービススタンダードの遵守';
const MAIL = '現金給付等の申請に係る郵送化の促進';
const DECLARATION = '健康宣言事業所の拡大と取組の質の向上';

let db: TrackerDb;

beforeEach(async () => {
  db = await dbWithFixturePlan();
});

afterEach(() => discardDb(db));

function renderReport(filter: ItemFilter = EMPTY_FILTER, periodId: string | null = '2024-H1') {
  render(
    <DbContext.Provider value={db}>
      <ReportPage planId={PLAN_ID} periodId={periodId} filter={filter} />
    </DbContext.Provider>,
  );
}

const title = (range: string) => screen.findByRole('heading', { level: 1, name: `東京支部 令和6年度 事業計画 実施状況（${range}）` });

/** The item rows shown, each as its 事業計画 cell (label and text). */
const itemRowHeaders = () => screen.queryAllByRole('rowheader', { name: new RegExp(`${SERVICE}|${MAIL}|${DECLARATION}`) }).map((h) => h.textContent);

/** 実施状況 / 評価 / 今後の実施予定等 of an item's row. */
function entriesOf(text: string): (string | null)[] {
  const row = screen.getByRole('rowheader', { name: new RegExp(text) }).closest('tr')!;
  return within(row)
    .getAllByRole('cell')
    .map((c) => c.textContent);
}

describe('ReportPage', () => {
  it('titles the report with branch, 年度 and the period in 和暦', async () => {
    renderReport();
    expect(await title('令和6年4月〜9月')).toBeTruthy();
    expect(screen.getByText('2024年度・2024年4月〜9月')).toBeTruthy();
    expect(screen.queryByText(/絞り込み：/)).toBeNull();
  });

  it('lays out each pillar as 事業計画 | 実施状況 | 評価 | 今後の実施予定等 with the labels as written', async () => {
    renderReport();
    await title('令和6年4月〜9月');
    expect(screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent)).toEqual([
      '１．基盤的保険者機能の盤石化',
      '２．戦略的保険者機能の一層の発揮',
      '令和6年度 KPI目標の進捗状況',
    ]);
    const first = screen.getByRole('table', { name: '１．基盤的保険者機能の盤石化の実施状況' });
    expect(
      within(first)
        .getAllByRole('columnheader')
        .map((h) => h.textContent),
    ).toEqual(['１．基盤的保険者機能の盤石化', '事業計画', '実施状況', '評価', '今後の実施予定等']);
    expect(within(first).getByRole('rowheader', { name: '（２）サービス水準の向上' })).toBeTruthy();
    expect(itemRowHeaders()).toEqual([`① ${SERVICE}`, `② ${MAIL}`, `① ${DECLARATION}`]);
    expect(entriesOf(SERVICE)).toEqual(['サービススタンダード（10日以内の支給）を100%達成した。', '○', '引き続き、標準期間内の支給を徹底する。']);
    expect(entriesOf(MAIL)).toEqual(['郵送化率は98.2%（令和6年6月時点）で、前年度を下回っている。', '△', '窓口来訪者に郵送での申請を案内する。']);
    expect(entriesOf(DECLARATION)).toEqual(['', '未評価', '']);
    // Under the items of a 事業計画 row, its KPIs as the paper writes them: 「■ KPI：」, each target, each actual with its month.
    const kpiRow = within(first)
      .getByRole('rowheader', { name: /^■ KPI：/ })
      .closest('tr')!;
    expect(within(kpiRow).getByRole('rowheader').textContent).toBe(
      '■ KPI：１）サービススタンダードの達成状況：100%以上２）現金給付等の申請に係る郵送化率：対前年度（98.4%）以上',
    );
    expect(within(kpiRow).getAllByRole('cell')[0]!.textContent).toBe('１）100%（令和6年4月時点）達成２）98.2%（令和6年6月時点）未達');
  });

  it('shows the KPI tables per pillar with 目標, 実績, 時点 as of the period’s end and the judgement with its reason', async () => {
    renderReport();
    await title('令和6年4月〜9月');
    const kpis = within(screen.getByRole('table', { name: '令和6年度 ＫＰＩ設定項目一覧表（１．基盤的保険者機能の盤石化）' }));
    expect(kpis.getAllByRole('columnheader').map((h) => h.textContent)).toEqual([
      '令和6年度 ＫＰＩ設定項目一覧表（１．基盤的保険者機能の盤石化）',
      '事業計画',
      'KPI設定項目',
      '目標',
      '実績',
      '時点',
      '判定',
    ]);
    // One 事業計画 cell spans the KPIs of its section, as in the paper table.
    expect(kpis.getByRole('rowheader', { name: '（２）サービス水準の向上' }).getAttribute('rowspan')).toBe('2');
    const mail = kpis.getByRole('rowheader', { name: '現金給付等の申請に係る郵送化率' }).closest('tr')!;
    expect(
      within(mail)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual([
      '対前年度（98.4%）以上',
      '98.2%',
      '令和6年6月時点（2024年6月）',
      '未達令和6年6月時点の実績98.2%は目標「対前年度（98.4%）以上」に0.2%届いていません。',
    ]);
    const strategic = within(screen.getByRole('table', { name: '令和6年度 ＫＰＩ設定項目一覧表（２．戦略的保険者機能の一層の発揮）' }));
    expect(strategic.getByRole('row', { name: /健康宣言事業所数 2,900事業所以上 2,719事業所 令和6年5月時点/ })).toBeTruthy();
    const other = within(screen.getByRole('table', { name: '令和6年度 ＫＰＩ設定項目一覧表（事業計画の指定なし）' }));
    const checkup = other.getByRole('rowheader', { name: '生活習慣病予防健診実施率' }).closest('tr')!;
    expect(
      within(checkup)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual(['60%以上', '－', '－', '実績未入力令和6年度の実績がまだありません。']);
  });

  it.each<[string, ItemFilter, string, string[], string[]]>([
    [
      'one group',
      { evaluations: [], groups: ['保健'], query: '' },
      '絞り込み：担当グループ：保健（全3項目中1項目）',
      [`① ${DECLARATION}`],
      ['健康宣言事業所数'],
    ],
    [
      'only △',
      { evaluations: ['△'], groups: [], query: '' },
      '絞り込み：評価：△（全3項目中1項目）',
      [`② ${MAIL}`],
      ['サービススタンダードの達成状況', '現金給付等の申請に係る郵送化率'],
    ],
    [
      'a text found in a note',
      { evaluations: [], groups: [], query: '案内した' },
      '絞り込み：検索：「案内した」（全3項目中1項目）',
      [`① ${DECLARATION}`],
      ['健康宣言事業所数'],
    ],
  ])('shows only the filtered items, and says how it is filtered: %s', async (_name, filter, says, items, kpis) => {
    renderReport(filter);
    await title('令和6年4月〜9月');
    expect(screen.getByText(says)).toBeTruthy();
    expect(itemRowHeaders()).toEqual(items);
    expect(
      screen
        .queryAllByRole('rowheader', { name: /^(サービススタンダードの達成状況|現金給付等の申請に係る郵送化率|健康宣言事業所数|生活習慣病予防健診実施率|SNS)/ })
        .map((h) => h.textContent),
    ).toEqual(kpis);
    expect(screen.getByRole('link', { name: '絞り込みを外す' }).getAttribute('href')).toBe(paths.report(PLAN_ID, '2024-H1'));
  });

  it('says so when no item passes the filter', async () => {
    renderReport({ evaluations: ['－'], groups: [], query: '' });
    await title('令和6年4月〜9月');
    expect(screen.getByText('条件に合う項目はありません。')).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('prints with the 印刷 / PDF button', async () => {
    const print = vi.spyOn(window, 'print').mockImplementation(() => undefined);
    renderReport();
    fireEvent.click(await screen.findByRole('button', { name: '印刷 / PDF' }));
    expect(print).toHaveBeenCalledOnce();
    print.mockRestore();
  });

  it('shows another period: in the second half nothing is evaluated yet', async () => {
    renderReport(EMPTY_FILTER, '2024-H2');
    expect(await title('令和6年10月〜令和7年3月')).toBeTruthy();
    expect(entriesOf(SERVICE)).toEqual(['', '未評価', '']);
    expect((screen.getByRole('combobox', { name: '報告期間' }) as HTMLSelectElement).value).toBe('2024-H2');
  });

  it('opens from the plan screen with the plan screen’s period and filters', async () => {
    render(
      <DbContext.Provider value={db}>
        <PlanPage planId={PLAN_ID} periodId="2024-H1" />
      </DbContext.Provider>,
    );
    await screen.findByRole('link', { name: new RegExp(SERVICE) });
    fireEvent.change(screen.getByRole('combobox', { name: '担当グループ' }), { target: { value: '業務' } });
    fireEvent.click(within(screen.getByRole('group', { name: '評価で絞り込み' })).getByRole('button', { name: '△' }));
    const filter = { evaluations: ['△'], groups: ['業務'], query: '' } satisfies ItemFilter;
    expect(screen.getByRole('link', { name: '報告書（印刷）' }).getAttribute('href')).toBe(paths.report(PLAN_ID, '2024-H1', filter));
    expect(screen.getByRole('link', { name: 'ダッシュボード' }).getAttribute('href')).toBe(paths.dashboard(PLAN_ID, '2024-H1'));
    // The filters are in the address too, so a reload or the way back from the report keeps them.
    await waitFor(() => expect(location.pathname + location.search).toBe(paths.plan(PLAN_ID, '2024-H1', filter)));
  });

  it('keeps the plan screen’s filters in its address, so coming back from the report finds them set', async () => {
    history.replaceState(null, '', paths.plan(PLAN_ID, '2024-H1', { evaluations: [], groups: ['保健'], query: '' }));
    render(<App db={db} />);
    await screen.findByRole('link', { name: new RegExp(DECLARATION) });
    expect(screen.queryByRole('link', { name: new RegExp(SERVICE) })).toBeNull();
    expect((screen.getByRole('combobox', { name: '担当グループ' }) as HTMLSelectElement).value).toBe('保健');
  });

  it('is reached by its address through the app', async () => {
    history.replaceState(null, '', paths.report(PLAN_ID, '2024-H1', { evaluations: ['△'], groups: [], query: '' }));
    render(<App db={db} />);
    expect(await title('令和6年4月〜9月')).toBeTruthy();
    expect(itemRowHeaders()).toEqual([`② ${MAIL}`]);
    expect(screen.getByRole('link', { name: '← 計画へ戻る' }).getAttribute('href')).toBe(
      paths.plan(PLAN_ID, '2024-H1', { evaluations: ['△'], groups: [], query: '' }),
    );
  });
});
