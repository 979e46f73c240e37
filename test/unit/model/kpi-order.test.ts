import { describe, expect, it } from 'vitest';
import { kpisInPlanOrder } from '../../../src/model/kpi-order';
import type { Kpi, Section } from '../../../src/model/schemas';
import { orderKeyOfNumber } from '../../../src/model/order-key';

const stamp = { updatedAt: '', updatedBy: '' };
const section = (id: string, parentId: string | null, order: number, deleted = false): Section => ({
  id,
  planId: 'p',
  parentId,
  label: '',
  title: id,
  order: orderKeyOfNumber(order),
  deleted,
  ...stamp,
});
const kpi = (id: string, sectionId: string | null, order: number, deleted = false): Kpi => ({
  id,
  planId: 'p',
  sectionId,
  name: id,
  unit: '%',
  target: { kind: 'value', value: 1, direction: '以上' },
  order: orderKeyOfNumber(order),
  deleted,
  ...stamp,
});

describe('kpisInPlanOrder', () => {
  const sections = [section('p2', null, 1), section('p1', null, 0), section('p1-a', 'p1', 0), section('gone', null, 2, true)];

  it('follows the tree, then the KPI order, and keeps a section’s KPIs together', () => {
    const kpis = [kpi('k-p2', 'p2', 0), kpi('k-p1a-late', 'p1-a', 9), kpi('k-p1', 'p1', 5), kpi('k-p1a', 'p1-a', 1)];
    expect(kpisInPlanOrder(sections, kpis).map((k) => k.id)).toEqual(['k-p1', 'k-p1a', 'k-p1a-late', 'k-p2']);
  });

  it('puts KPIs without a live section last and leaves deleted KPIs out', () => {
    const kpis = [kpi('k-none', null, 0), kpi('k-gone', 'gone', 0), kpi('k-p2', 'p2', 3), kpi('k-deleted', 'p1', 0, true)];
    expect(kpisInPlanOrder(sections, kpis).map((k) => k.id)).toEqual(['k-p2', 'k-gone', 'k-none']);
  });
});
