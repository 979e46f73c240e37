import { describe, expect, it } from 'vitest';
import { currentPeriod, isPeriodOf, PERIOD_KIND_LABELS, periodsOf } from '../../../src/model/period';
import { monthsOfFiscalYear } from '../../../src/model/wareki';
import { PERIOD_KINDS } from '../../../src/model/schemas';

describe('periodsOf', () => {
  it('gives twelve months, April first, labelled by month', () => {
    const periods = periodsOf(2024, 'month');
    expect(periods.map((p) => p.id)).toEqual(monthsOfFiscalYear(2024));
    expect(periods.map((p) => p.label)).toEqual(['4月', '5月', '6月', '7月', '8月', '9月', '10月', '11月', '12月', '1月', '2月', '3月']);
    expect(periods[9]).toEqual({ id: '2025-01', label: '1月', months: ['2025-01'] });
  });

  it('gives four quarters of the fiscal year', () => {
    expect(periodsOf(2024, 'quarter')).toEqual([
      { id: '2024-Q1', label: '第1四半期（4〜6月）', months: ['2024-04', '2024-05', '2024-06'] },
      { id: '2024-Q2', label: '第2四半期（7〜9月）', months: ['2024-07', '2024-08', '2024-09'] },
      { id: '2024-Q3', label: '第3四半期（10〜12月）', months: ['2024-10', '2024-11', '2024-12'] },
      { id: '2024-Q4', label: '第4四半期（1〜3月）', months: ['2025-01', '2025-02', '2025-03'] },
    ]);
  });

  it('gives two halves of the fiscal year', () => {
    expect(periodsOf(2024, 'half')).toEqual([
      { id: '2024-H1', label: '上半期（4〜9月）', months: ['2024-04', '2024-05', '2024-06', '2024-07', '2024-08', '2024-09'] },
      { id: '2024-H2', label: '下半期（10〜3月）', months: ['2024-10', '2024-11', '2024-12', '2025-01', '2025-02', '2025-03'] },
    ]);
  });

  it.each(PERIOD_KINDS)('%s periods cover the year once, in order', (kind) => {
    expect(periodsOf(2024, kind).flatMap((p) => p.months)).toEqual(monthsOfFiscalYear(2024));
  });

  it('has a Japanese name for every kind', () => {
    expect(PERIOD_KINDS.map((k) => PERIOD_KIND_LABELS[k])).toEqual(['月次', '四半期', '半期']);
  });
});

describe('isPeriodOf', () => {
  it.each([
    ['month', '2024-05', true],
    ['month', '2025-03', true],
    ['month', '2024-03', false],
    ['month', '2025-04', false],
    ['month', '2024-Q1', false],
    ['quarter', '2024-Q1', true],
    ['quarter', '2024-Q4', true],
    ['quarter', '2024-Q5', false],
    ['quarter', '2025-Q1', false],
    ['quarter', '2024-05', false],
    ['half', '2024-H1', true],
    ['half', '2024-H2', true],
    ['half', '2024-H3', false],
    ['half', '2023-H2', false],
    ['half', '2024-Q1', false],
  ] as const)('%s: %s → %s', (kind, id, ok) => {
    expect(isPeriodOf(2024, kind, id)).toBe(ok);
  });
});

describe('currentPeriod', () => {
  it.each([
    ['month', '2024-05', '2024-05'],
    ['month', '2025-03', '2025-03'],
    ['quarter', '2024-04', '2024-Q1'],
    ['quarter', '2024-06', '2024-Q1'],
    ['quarter', '2024-07', '2024-Q2'],
    ['quarter', '2024-12', '2024-Q3'],
    ['quarter', '2025-02', '2024-Q4'],
    ['half', '2024-09', '2024-H1'],
    ['half', '2024-10', '2024-H2'],
    ['half', '2025-03', '2024-H2'],
  ] as const)('%s period of %s is %s', (kind, today, id) => {
    expect(currentPeriod(2024, kind, today).id).toBe(id);
  });

  it.each([
    ['month', '2023-11', '2024-04'],
    ['month', '2025-06', '2025-03'],
    ['quarter', '2024-03', '2024-Q1'],
    ['quarter', '2026-01', '2024-Q4'],
    ['half', '2020-01', '2024-H1'],
    ['half', '2025-04', '2024-H2'],
  ] as const)('%s: a day outside the year (%s) gives the nearest period %s', (kind, today, id) => {
    expect(currentPeriod(2024, kind, today).id).toBe(id);
  });
});
