// Reporting periods (報告期間) of a plan. A plan reports by month, quarter or half of its fiscal
// year; the periods are derived from that choice, never stored, so they cannot drift apart.
import type { PeriodKind } from './schemas';
import { fiscalYearOfMonth, monthsOfFiscalYear, type YearMonth } from './wareki';

export interface Period {
  /** `2024-05` (month), `2024-Q1` (quarter), `2024-H1` (half) */
  id: string;
  label: string;
  /** The months the period covers, April first. */
  months: YearMonth[];
}

const QUARTER_LABELS = ['第1四半期（4〜6月）', '第2四半期（7〜9月）', '第3四半期（10〜12月）', '第4四半期（1〜3月）'];
const HALF_LABELS = ['上半期（4〜9月）', '下半期（10〜3月）'];

export function periodsOf(fiscalYear: number, kind: PeriodKind): Period[] {
  const months = monthsOfFiscalYear(fiscalYear);
  switch (kind) {
    case 'month':
      return months.map((m) => ({ id: m, label: `${Number(m.slice(5, 7))}月`, months: [m] }));
    case 'quarter':
      return QUARTER_LABELS.map((label, i) => ({ id: `${fiscalYear}-Q${i + 1}`, label, months: months.slice(i * 3, i * 3 + 3) }));
    case 'half':
      return HALF_LABELS.map((label, i) => ({ id: `${fiscalYear}-H${i + 1}`, label, months: months.slice(i * 6, i * 6 + 6) }));
  }
}

export function isPeriodOf(fiscalYear: number, kind: PeriodKind, periodId: string): boolean {
  return periodsOf(fiscalYear, kind).some((p) => p.id === periodId);
}

/** The period a day falls in, or the nearest one when the day lies outside the fiscal year. */
export function currentPeriod(fiscalYear: number, kind: PeriodKind, today: YearMonth): Period {
  const periods = periodsOf(fiscalYear, kind);
  const fy = fiscalYearOfMonth(today);
  if (fy < fiscalYear) return periods[0]!;
  if (fy > fiscalYear) return periods[periods.length - 1]!;
  return periods.find((p) => p.months.includes(today)) ?? periods[0]!;
}

export const PERIOD_KIND_LABELS: Record<PeriodKind, string> = { month: '月次', quarter: '四半期', half: '半期' };

/**
 * The period a screen opens on: the requested one if it is a period of the plan; else, during
 * the plan's fiscal year, today's; else (a past or future year) the last period with entries.
 */
export function choosePeriod(fiscalYear: number, kind: PeriodKind, requested: string | null, withProgress: ReadonlySet<string>, today: YearMonth): Period {
  const periods = periodsOf(fiscalYear, kind);
  const fromRequest = periods.find((p) => p.id === requested);
  if (fromRequest) return fromRequest;
  if (fiscalYearOfMonth(today) === fiscalYear) return currentPeriod(fiscalYear, kind, today);
  const recorded = periods.filter((p) => withProgress.has(p.id));
  return recorded[recorded.length - 1] ?? currentPeriod(fiscalYear, kind, today);
}
