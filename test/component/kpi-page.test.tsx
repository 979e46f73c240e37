// The KPI screen on a real (in-memory) database. The chart is not drawn here: jsdom has no
// layout, so the chart's container has no width and uPlot is never loaded (see kpi-chart.tsx).
import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrackerDb } from '../../src/db/database';
import { DbContext } from '../../src/ui/data/hooks';
import { measurementId } from '../../src/model/schemas';
import { KpiPage } from '../../src/ui/kpi-page';
import { dbWithFixturePlan, discardDb, PLAN_ID, ref, saveActuals, storePreviousYearPlan } from './plan-fixture';

const MAIL = '現金給付等の申請に係る郵送化率';
/** Builds up over the year (a 実施率), against 60%以上. */
const CHECKUP = '生活習慣病予防健診実施率';

let db: TrackerDb;

beforeEach(async () => {
  db = await dbWithFixturePlan();
});

afterEach(() => discardDb(db));

function renderPage() {
  render(
    <DbContext.Provider value={db}>
      <KpiPage planId={PLAN_ID} />
    </DbContext.Provider>,
  );
}

async function rowOf(name: string): Promise<HTMLElement> {
  const button = await screen.findByRole('button', { name });
  return button.closest('tr')!;
}

/** 指標 (the name alone, without the reason under it) / 目標 / 実績 / 時点 / 判定 of a KPI's row, as read on screen. */
async function cellsOf(name: string): Promise<(string | null)[]> {
  return within(await rowOf(name))
    .getAllByRole('cell')
    .map((c) => (c.querySelector('button') ?? c).textContent);
}

/** Opens a KPI's details and returns them (the entry form, the monthly actuals, the chart). */
async function openDetail(name: string) {
  fireEvent.click(await screen.findByRole('button', { name }));
  return within(await screen.findByRole('region', { name: `${name}の詳細` }));
}

async function enterActual(name: string, month: string, text: string) {
  const detail = await openDetail(name);
  fireEvent.change(detail.getByRole('combobox', { name: '時点' }), { target: { value: month } });
  fireEvent.input(detail.getByRole('textbox', { name: '実績' }), { target: { value: text } });
  fireEvent.click(detail.getByRole('button', { name: '保存' }));
  return detail;
}

describe('KpiPage', () => {
  it('shows the KPI table with target, latest actual, its month in 和暦 and 西暦, and 未達 with the gap', async () => {
    renderPage();
    expect(await cellsOf(MAIL)).toEqual([`▸${MAIL}`, '対前年度（98.4%）以上', '98.2%', '令和6年6月（2024年6月）', '▼未達−0.2%']);
    expect(within(await rowOf(MAIL)).getByText('未達')).toBeTruthy();
    // One 事業計画 cell spans the KPIs of its section, as in the paper table.
    const section = screen.getByRole('rowheader', { name: '１．（２） サービス水準の向上' });
    expect(section.getAttribute('rowspan')).toBe('2');
    // 郵送化率 and 健康宣言事業所数 (2,719 against 2,900以上) are short.
    expect(screen.getByText('未達 2件')).toBeTruthy();
    expect(screen.getByText('達成 1件')).toBeTruthy();
    // 健診 has no actual yet: 実績未入力, not lumped with the KPIs that cannot be judged.
    expect(screen.getByText('実績未入力 1件')).toBeTruthy();
    expect(screen.getByText('判定不可 1件')).toBeTruthy();
    const qualitative = within(await rowOf('SNSによる情報発信'));
    expect(qualitative.getByText('判定不可（定性目標）')).toBeTruthy();
    // Every judgement says why, under the KPI's name.
    expect(within(await rowOf(MAIL)).getByText('令和6年6月時点の実績98.2%は目標「対前年度（98.4%）以上」に0.2%届いていません。')).toBeTruthy();
    expect(qualitative.getByText('定性的な目標のため、数値では判定しません。')).toBeTruthy();
  });

  it('saves a month’s actual typed with full-width digits, and 99 makes 郵送化率 達成', async () => {
    renderPage();
    const detail = await enterActual(MAIL, '2024-07', '９９');
    await waitFor(() => expect(detail.getByRole('status').textContent).toContain('令和6年7月（2024年7月）の実績 99% を保存しました。'));
    await waitFor(async () => expect(await cellsOf(MAIL)).toEqual([`▾${MAIL}`, '対前年度（98.4%）以上', '99%', '令和6年7月（2024年7月）', '✔達成+0.6%']));
    expect(screen.getByText('未達 1件')).toBeTruthy();
    // The monthly list shows every month with an actual.
    const monthly = within(detail.getByRole('table'));
    expect(monthly.getAllByRole('row').map((r) => r.textContent)).toEqual([
      '時点実績判定',
      '令和6年5月（2024年5月）98.5%✔達成+0.1%',
      '令和6年6月（2024年6月）98.2%▼未達−0.2%',
      '令和6年7月（2024年7月）99%✔達成+0.6%',
    ]);
    const stored = await db.measurements.get(measurementId(ref('k-mail'), '2024-07'));
    expect(stored?.value).toBe(99);
    expect(
      await db.outbox
        .where('recordId')
        .equals(measurementId(ref('k-mail'), '2024-07'))
        .count(),
    ).toBe(1);
  });

  it('reads thousands commas, full-width ones included', async () => {
    renderPage();
    await enterActual('健康宣言事業所数', '2024-06', '２，９５０');
    await waitFor(async () =>
      expect(await cellsOf('健康宣言事業所数')).toEqual(['▾健康宣言事業所数', '2,900事業所以上', '2,950事業所', '令和6年6月（2024年6月）', '✔達成+50事業所']),
    );
  });

  it('refuses a value that is not a number with a Japanese message and writes nothing', async () => {
    renderPage();
    const before = await db.measurements.toArray();
    const detail = await enterActual(MAIL, '2024-07', '98.2%?');
    expect((await detail.findByRole('alert')).textContent).toContain('「98.2%?」は数値として読めません');
    expect(detail.getByRole('textbox', { name: '実績' }).getAttribute('aria-invalid')).toBe('true');
    // Empty input is refused too (clearing has its own button).
    fireEvent.input(detail.getByRole('textbox', { name: '実績' }), { target: { value: ' ' } });
    fireEvent.click(detail.getByRole('button', { name: '保存' }));
    expect((await detail.findByRole('alert')).textContent).toContain('実績を入力してください');
    expect(await db.outbox.count()).toBe(0);
    expect(await db.measurements.toArray()).toEqual(before);
    expect(within(await rowOf(MAIL)).getByText('未達')).toBeTruthy();
  });

  it('clears a month’s actual, so the judgement falls back to the month before', async () => {
    renderPage();
    const detail = await openDetail(MAIL);
    fireEvent.change(detail.getByRole('combobox', { name: '時点' }), { target: { value: '2024-06' } });
    expect((detail.getByRole('textbox', { name: '実績' }) as HTMLInputElement).value).toBe('98.2');
    fireEvent.click(detail.getByRole('button', { name: 'この月の実績を消す' }));
    await waitFor(async () => expect(await cellsOf(MAIL)).toEqual([`▾${MAIL}`, '対前年度（98.4%）以上', '98.5%', '令和6年5月（2024年5月）', '✔達成+0.1%']));
    expect((await db.measurements.get(measurementId(ref('k-mail'), '2024-06')))?.value).toBeNull();
  });

  it('gives the chart a text alternative with the target and the latest actual', async () => {
    renderPage();
    const detail = await openDetail(MAIL);
    const chart = detail.getByRole('img');
    expect(chart.getAttribute('aria-label')).toContain('目標は対前年度（98.4%）以上');
    expect(chart.getAttribute('aria-label')).toContain('最新の実績は令和6年6月（2024年6月）時点で98.2%、未達（−0.2%）');
  });

  it('shows 未達見込み for a KPI that builds up short of its target, as soon as a second month gives it a pace', async () => {
    await saveActuals(db, 'k-checkup', { '2024-04': 5 });
    renderPage();
    // One month and no last year: no projection, and not 未達 either: a rate that builds up is far
    // from the year's target in April every year.
    expect(await cellsOf(CHECKUP)).toEqual([`▸${CHECKUP}`, '60%以上', '5%', '令和6年4月（2024年4月）', '判定不可（年度途中）']);
    expect(within(await rowOf(CHECKUP)).getByText(/年度内に積み上がる指標のため、令和6年4月の実績5%では判定しません。/)).toBeTruthy();
    const detail = await enterActual(CHECKUP, '2024-05', '9');
    // 9 + 4%/月 × 10 months = 49% in March.
    await waitFor(async () => expect(await cellsOf(CHECKUP)).toEqual([`▾${CHECKUP}`, '60%以上', '9%', '令和6年5月（2024年5月）', '▽未達見込み3月 49%−11%']));
    expect(screen.getByText('未達見込み 1件')).toBeTruthy();
    expect(detail.getByText('見込みの出し方：令和6年4月から令和6年5月までの月平均の伸び（4%/月）が3月まで続くとした見込み')).toBeTruthy();
    expect(detail.getByText(/^令和7年3月（2025年3月）の見込みは49%、未達見込み（−11%）。/)).toBeTruthy();
    // The chart's text alternative tells the projection; its legend names the dashed line.
    expect(detail.getByRole('img').getAttribute('aria-label')).toContain(
      '破線は年度末までの見込みで、令和7年3月（2025年3月）の見込みは49%、未達見込み（−11%）。',
    );
    expect(
      within(detail.getByRole('list', { name: '凡例' }))
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['実績（単位: %）', '見込み', '目標（60%以上）']);
    // A KPI that does not build up (a level such as 郵送化率) gets no projection at all.
    expect(within(await rowOf(MAIL)).queryByText(/見込み/)).toBeNull();
  });

  it('shows 達成見込み for one whose pace makes its target', async () => {
    await saveActuals(db, 'k-checkup', { '2024-04': 6, '2024-05': 12 });
    renderPage();
    expect((await cellsOf(CHECKUP))[4]).toBe('✓達成見込み3月 72%+12%');
    expect(screen.queryByText(/^未達見込み \d+件$/)).toBeNull();
    // The filter keeps what the dashboard lists: a build-up on pace to make it is not off track,
    // though today's figure is short of the year's target.
    fireEvent.click(screen.getByRole('button', { name: '未達・未達見込みのみ表示' }));
    expect(
      within(screen.getByRole('table'))
        .getAllByRole('button')
        .map((b) => b.textContent),
    ).toEqual([`▸${MAIL}`, '▸健康宣言事業所数']);
  });

  it('projects on last year’s curve of the same KPI once last year’s plan is on the device', async () => {
    await saveActuals(db, 'k-checkup', { '2024-04': 5, '2024-05': 9 });
    renderPage();
    const detail = await openDetail(CHECKUP);
    const method = () => detail.getByText(/^見込みの出し方：/).textContent;
    const pace = method();
    expect(pace).toContain('月平均の伸び');
    expect(within(detail.getByRole('list', { name: '凡例' })).queryByText('前年度')).toBeNull();
    // 令和5年度 (its name written with a full-width space): 7.5% in May, 61.5% in March;
    // 9 / 7.5 = 1.2, so 61.5 × 1.2 = 73.8% in March.
    await storePreviousYearPlan(db, '生活習慣病予防健診　実施率', [3, 7.5, 12, 16.4, 20.9, 25, 29, 33, 38.2, 44.8, 53, 61.5]);
    await waitFor(() => expect(method()).toBe('見込みの出し方：前年度の月ごとの推移に、令和6年5月時点の前年同月比（1.2倍）を掛けた見込み'));
    expect(method()).not.toBe(pace);
    expect((await cellsOf(CHECKUP))[4]).toBe('✓達成見込み3月 73.8%+13.8%');
    expect(detail.getByRole('img').getAttribute('aria-label')).toContain('点線は前年度（令和5年度）の実績で、3月は61.5%。');
    expect(
      within(detail.getByRole('list', { name: '凡例' }))
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['実績（単位: %）', '見込み', '前年度', '目標（60%以上）']);
  });
});
