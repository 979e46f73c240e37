// The KPI screen's view model, built from plan data before anything is drawn: per KPI its target,
// latest actual and judgement, the year-end projection and last year's actuals; the counts above
// the table, the rows grouped under their 事業計画 row, and what a KPI's details show (the year by
// month, the projection as a line, the chart's summary for screen readers). Pure.
import { isForecast, offTrackReason, projectAsOf } from './dashboard';
import { describeGap, describeTarget, formatNumber, judgeLatest, targetBound, type Judgement, type JudgementStatus } from './kpi-judgement';
import { kpisInPlanOrder } from './kpi-order';
import { PROJECTION_GAPS, type KpiProjection, type MonthValue } from './kpi-projection';
import type { Kpi, Measurement, Section } from './schemas';
import { bothFiscalYear, bothMonth, fiscalMonthIndex, fiscalYearOfMonth, monthsOfFiscalYear, warekiFiscalYear, type YearMonth } from './wareki';

export interface KpiRow {
  kpi: Kpi;
  /** The target as the table shows it ("対前年度（98.4%）以上"). */
  target: string;
  judgement: Judgement & { month: string | null };
  /** The actual the judgement is of (of judgement.month); null when there is none yet. */
  latest: number | null;
  measurements: Measurement[];
  /** The year-end projection from all of this year's actuals (and last year's curve). */
  projection: KpiProjection;
  /** `projection` when it is a forecast to show (see isForecast), else null. */
  forecast: KpiProjection | null;
  /** The same KPI's actuals in last year's plan, when it is on this device. */
  lastYear: readonly MonthValue[];
}

/** The rows of a plan's KPIs in plan order; `lastYear`: per KPI id, last year's actuals of the same KPI. */
export function kpiRows(
  fiscalYear: number,
  sections: readonly Section[],
  kpis: readonly Kpi[],
  measurements: readonly Measurement[],
  lastYear: ReadonlyMap<string, readonly MonthValue[]>,
): KpiRow[] {
  const byKpi = new Map<string, Measurement[]>();
  for (const m of measurements) byKpi.set(m.kpiId, [...(byKpi.get(m.kpiId) ?? []), m]);
  const yearEnd = monthsOfFiscalYear(fiscalYear)[11]!;
  return kpisInPlanOrder(sections, kpis).map((kpi): KpiRow => {
    const own = byKpi.get(kpi.id) ?? [];
    const previous = lastYear.get(kpi.id) ?? [];
    const projection = projectAsOf(kpi, own, yearEnd, previous);
    const judgement = judgeLatest(kpi, own);
    const latest = judgement.month === null ? null : (own.find((m) => m.month === judgement.month)?.value ?? null);
    const forecast = isForecast(projection) ? projection : null;
    return { kpi, target: describeTarget(kpi.target, kpi.unit), judgement, latest, measurements: own, projection, forecast, lastYear: previous };
  });
}

/** How many KPIs are judged each way, and how many are projected to miss (未達見込み). */
export type KpiCounts = Record<JudgementStatus, number> & { 未達見込み: number };

export function countKpiRows(rows: readonly KpiRow[]): KpiCounts {
  const counts: KpiCounts = { 達成: 0, 未達: 0, 判定不可: 0, 未達見込み: 0 };
  for (const r of rows) {
    counts[r.judgement.status]++;
    if (r.forecast?.status === '未達見込み') counts.未達見込み++;
  }
  return counts;
}

/** The same rule as the dashboard's off-track list (offTrackReason), on the latest actuals. */
export function isOffTrack(row: KpiRow): boolean {
  return offTrackReason(row.judgement, row.forecast) !== null;
}

/** Consecutive KPIs of one 事業計画 row share its cell, as in the paper table. */
export interface KpiRowGroup {
  /** Undefined for KPIs tied to no section, or to one that is deleted. */
  section: Section | undefined;
  rows: KpiRow[];
}

/** The rows in runs of one section each; `onlyOffTrack` keeps only the KPIs off track. */
export function groupKpiRows(rows: readonly KpiRow[], sections: readonly Section[], onlyOffTrack: boolean): KpiRowGroup[] {
  const live = new Map(sections.filter((s) => !s.deleted).map((s) => [s.id, s]));
  const out: KpiRowGroup[] = [];
  for (const row of rows) {
    if (onlyOffTrack && !isOffTrack(row)) continue;
    const section = row.kpi.sectionId === null ? undefined : live.get(row.kpi.sectionId);
    const last = out[out.length - 1];
    if (last && last.section === section) last.rows.push(row);
    else out.push({ section, rows: [row] });
  }
  return out;
}

/** Why a judgement is 判定不可, in a word for the table; '' when it is not. */
export function whyNoJudgement(kpi: Kpi, judgement: Judgement): string {
  if (kpi.target.kind === 'qualitative') return '定性目標';
  if (targetBound(kpi.target) === null) return '前年度値なし';
  return judgement.gap === null ? '実績なし' : '';
}

/** "令和7年3月（2025年3月）の見込みは49%、未達見込み（−11%）。" */
export function describeForecast(kpi: Kpi, forecast: KpiProjection, yearEnd: YearMonth): string {
  const value = forecast.projected === null ? '' : `${formatNumber(forecast.projected)}${kpi.unit}`;
  const gap = forecast.judgement === null ? '' : describeGap(forecast.judgement, kpi.unit);
  const judged = forecast.gap !== null ? `（${PROJECTION_GAPS[forecast.gap]}）` : `、${forecast.status}${gap && `（${gap}）`}`;
  return `${bothMonth(yearEnd)}の見込みは${value}${judged}。`;
}

/** Values of one fiscal year by month, April first; null when there is none at all. */
export function byFiscalMonth(values: readonly MonthValue[], fiscalYear: number): (number | null)[] | null {
  const out: (number | null)[] = Array.from({ length: 12 }, () => null);
  let any = false;
  for (const { month, value } of values) {
    if (value === null || fiscalYearOfMonth(month) !== fiscalYear) continue;
    out[fiscalMonthIndex(month)] = value;
    any = true;
  }
  return any ? out : null;
}

/** The projection as a line by month: from the latest actual it starts at, to March. */
export function forecastLine(forecast: KpiProjection | null): (number | null)[] | null {
  if (!forecast) return null;
  const out: (number | null)[] = Array.from({ length: 12 }, () => null);
  for (const p of forecast.points) {
    if (p.kind === 'projected' || p.month === forecast.basisMonth) out[fiscalMonthIndex(p.month)] = p.value;
  }
  return out;
}

/** What a KPI's details show, besides the entry form. */
export interface KpiDetailView {
  /** The plan's fiscal year, April to March. */
  months: YearMonth[];
  /** This year's actual of each month, or null. */
  values: (number | null)[];
  /** The months that have an actual, in order. */
  recorded: { month: YearMonth; value: number }[];
  /** Last year's actuals by month (see byFiscalMonth). */
  lastYear: (number | null)[] | null;
  /** The forecast by month (see forecastLine). */
  projected: (number | null)[] | null;
  /** The forecast in a sentence (describeForecast), when there is one. */
  forecastText: string | null;
  /** The chart in words, for those who cannot see it. */
  summary: string;
}

export function kpiDetailView(row: KpiRow, fiscalYear: number): KpiDetailView {
  const { kpi, judgement, measurements, forecast } = row;
  const months = monthsOfFiscalYear(fiscalYear);
  const values = months.map((m) => measurements.find((x) => x.month === m)?.value ?? null);
  const lastYear = byFiscalMonth(row.lastYear, fiscalYear - 1);
  const recorded = months.flatMap((m, i) => {
    const v = values[i];
    return v === null || v === undefined ? [] : [{ month: m, value: v }];
  });
  const latest = judgement.month === null ? null : values[months.indexOf(judgement.month)];
  const forecastText = forecast && describeForecast(kpi, forecast, months[11]!);
  const lastMarch = lastYear?.[11] ?? null;
  const gap = judgement.gap === null ? '' : `（${describeGap(judgement, kpi.unit)}）`;
  const summary =
    `${kpi.name}の${bothFiscalYear(fiscalYear)}の月別実績のグラフ。目標は${row.target}。` +
    (judgement.month === null || latest == null
      ? '実績はまだありません。'
      : `最新の実績は${bothMonth(judgement.month)}時点で${formatNumber(latest)}${kpi.unit}、${judgement.status}${gap}。`) +
    (forecast ? `破線は年度末までの見込みで、${forecastText}見込みの出し方：${forecast.description}。` : '') +
    (lastYear
      ? `点線は前年度（${warekiFiscalYear(fiscalYear - 1)}）の実績${lastMarch === null ? '' : `で、3月は${formatNumber(lastMarch)}${kpi.unit}`}。`
      : '');
  return { months, values, recorded, lastYear, projected: forecastLine(forecast), forecastText, summary };
}

/** The month to offer first: the one after the latest actual, so the next report is one tap away. */
export function defaultMonth(months: readonly YearMonth[], latestMonth: string | null): YearMonth {
  const i = latestMonth === null ? -1 : months.indexOf(latestMonth);
  return months[Math.min(i + 1, months.length - 1)]!;
}
