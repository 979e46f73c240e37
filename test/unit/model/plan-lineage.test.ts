import { describe, expect, it } from 'vitest';
import { plansOfSameBranch, previousYearPlan } from '../../../src/model/plan-lineage';
import type { Plan } from '../../../src/model/schemas';

const plan = (id: string, branch: string, fiscalYear: number, extra: Partial<Plan> = {}): Plan => ({
  id,
  branch,
  fiscalYear,
  title: `${branch} ${fiscalYear}`,
  periodKind: 'half',
  demo: false,
  deleted: false,
  updatedAt: '2024-04-01T00:00:00.000Z',
  updatedBy: 'test',
  ...extra,
});

describe('previousYearPlan', () => {
  const r6 = plan('tokyo-r6', '東京支部', 2024, { branchId: 'tokyo' });
  const cases: { name: string; plans: Plan[]; expected: string | null }[] = [
    { name: 'the same branch a year earlier', plans: [r6, plan('tokyo-r5', '東京支部', 2023, { branchId: 'tokyo' })], expected: 'tokyo-r5' },
    { name: 'none a year earlier', plans: [r6, plan('tokyo-r4', '東京支部', 2022, { branchId: 'tokyo' })], expected: null },
    { name: 'another branch of that year does not count', plans: [r6, plan('osaka-r5', '大阪支部', 2023, { branchId: 'osaka' })], expected: null },
    { name: 'a deleted plan does not count', plans: [r6, plan('tokyo-r5', '東京支部', 2023, { branchId: 'tokyo', deleted: true })], expected: null },
    {
      name: 'a real plan wins over a demo',
      plans: [r6, plan('a-demo', '東京支部', 2023, { branchId: 'tokyo', demo: true }), plan('b-real', '東京支部', 2023, { branchId: 'tokyo' })],
      expected: 'b-real',
    },
  ];
  for (const c of cases) it(c.name, () => expect(previousYearPlan(c.plans, r6)?.id ?? null).toBe(c.expected));

  it('matches plans kept only on this device by the branch name, width- and space-insensitively', () => {
    const local = plan('y-r5', '山口支部', 2023);
    expect(previousYearPlan([plan('y-r4', '山口支部 ', 2022), local], local)?.id).toBe('y-r4');
    expect(previousYearPlan([plan('s-r4', '静岡支部', 2022)], local)).toBeNull();
    expect(previousYearPlan([plan('x', 'ＡＢ支部', 2022)], plan('y', 'AB支部', 2023))?.id).toBe('x');
  });
});

describe('plansOfSameBranch', () => {
  it('lists the other plans of the branch, newest year first', () => {
    const r6 = plan('r6', '東京支部', 2024, { branchId: 't' });
    const plans = [
      plan('r4', '東京支部', 2022, { branchId: 't' }),
      r6,
      plan('r5', '東京支部', 2023, { branchId: 't' }),
      plan('o', '大阪支部', 2023, { branchId: 'o' }),
    ];
    expect(plansOfSameBranch(plans, r6).map((p) => p.id)).toEqual(['r5', 'r4']);
  });
});
