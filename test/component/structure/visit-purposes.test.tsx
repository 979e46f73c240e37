// The plan's visit purposes on the structure screen: the default list with the KPI each counts
// towards, saved as the plan's own list (which syncs), and a clear message for a bad one.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { kpiSchema, planSchema } from '../../../src/model/schemas';
import { DbContext } from '../../../src/ui/data/hooks';
import { VisitPurposesEditor } from '../../../src/ui/structure/visit-purposes';
import { dbWithFixturePlan, PLAN_ID } from '../plan-fixture';

async function renderEditor() {
  const db = await dbWithFixturePlan();
  const plan = planSchema.parse(await db.plans.get(PLAN_ID));
  const kpis = (await db.kpis.where('planId').equals(PLAN_ID).toArray()).map((k) => kpiSchema.parse(k));
  render(
    <DbContext.Provider value={db}>
      <VisitPurposesEditor plan={plan} kpis={kpis} run={(write) => write().then(() => true)} />
    </DbContext.Provider>,
  );
  return db;
}

describe('VisitPurposesEditor', () => {
  it('shows the default purposes and the KPI each counts towards', async () => {
    await renderEditor();
    expect((screen.getByRole('textbox', { name: '訪問目的（1行に1つ）' }) as HTMLTextAreaElement).value).toBe('健診勧奨\n健康宣言\n保健指導\n加入勧奨\nその他');
    const links = within(screen.getByRole('list', { name: '訪問目的と集計するKPI' }))
      .getAllByRole('listitem')
      .map((li) => li.textContent);
    expect(links).toContain('健康宣言 → 健康宣言事業所数');
    expect(links).toContain('その他 → （KPIなし）');
  });

  it('saves the plan’s own list, queued for sync', async () => {
    const db = await renderEditor();
    fireEvent.input(screen.getByRole('textbox', { name: '訪問目的（1行に1つ）' }), { target: { value: '健康宣言\n口座振替勧奨\n' } });
    fireEvent.click(screen.getByRole('button', { name: '訪問目的を保存' }));
    await screen.findByText('訪問目的を保存しました。');
    expect((await db.plans.get(PLAN_ID))?.visitPurposes).toEqual([{ name: '健康宣言' }, { name: '口座振替勧奨' }]);
    expect(await db.outbox.toArray()).toEqual([
      expect.objectContaining({ table: 'plans', changes: { visitPurposes: [{ name: '健康宣言' }, { name: '口座振替勧奨' }] } }),
    ]);
  });

  it.each([
    ['', '訪問目的を1つ以上入力してください。'],
    ['健康宣言\n健康宣言', '「健康宣言」が2回あります。'],
    ['あ'.repeat(31), `「${'あ'.repeat(31)}」は長すぎます（30文字まで）。`],
  ])('refuses %j with a message and saves nothing', async (text, message) => {
    const db = await renderEditor();
    fireEvent.input(screen.getByRole('textbox', { name: '訪問目的（1行に1つ）' }), { target: { value: text } });
    fireEvent.click(screen.getByRole('button', { name: '訪問目的を保存' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe(message));
    expect(await db.outbox.count()).toBe(0);
  });
});
