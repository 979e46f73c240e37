// A KPI's detail lists the visits whose purpose counts towards it (健康宣言 → 健康宣言事業所数).
import { render, screen, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { kpiSchema, noteSchema, planSchema } from '../../src/model/schemas';
import { DbContext } from '../../src/ui/data/hooks';
import { KpiVisits } from '../../src/ui/kpi-visits';
import { dbWithFixturePlan, PLAN_ID, ref } from './plan-fixture';

describe('KpiVisits', () => {
  it('lists the live visits of the purposes linked to the KPI; a KPI with none shows nothing', async () => {
    const db = await dbWithFixturePlan();
    const visit = (id: string, employer: string, purpose: string, deleted = false) =>
      noteSchema.parse({
        id,
        planId: PLAN_ID,
        itemId: ref('p2-5-1'),
        date: '2024-06-01',
        author: '佐藤',
        text: `${employer}の結果`,
        createdAt: '2024-06-01T00:00:00Z',
        visit: { employer, purposes: [purpose] },
        ...(deleted ? { deleted } : {}),
      });
    await db.notes.bulkPut([visit('a', 'A社', '健康宣言'), visit('b', 'B社', '加入勧奨'), visit('c', 'C社', '健康宣言', true)]);
    const plan = planSchema.parse(await db.plans.get(PLAN_ID));
    const declaration = kpiSchema.parse(await db.kpis.get(ref('k-declaration')));
    const sns = kpiSchema.parse(await db.kpis.get(ref('k-sns')));
    const { container } = render(
      <DbContext.Provider value={db}>
        <KpiVisits plan={plan} kpi={declaration} />
        <KpiVisits plan={plan} kpi={sns} />
      </DbContext.Provider>,
    );
    const region = await screen.findByRole('region', { name: '訪問記録（健康宣言）1件' });
    expect(within(region).getByText('A社')).toBeTruthy();
    expect(within(region).queryByText('B社')).toBeNull();
    expect(within(region).queryByText('C社')).toBeNull();
    expect(container.querySelectorAll('.kpi-visits')).toHaveLength(1);
  });
});
