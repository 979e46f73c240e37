// The KPI screen's view model, built from plan data before anything is drawn: per KPI its target,
// latest actual and judgement, the year-end projection and last year's actuals; the counts above
// the table, the rows grouped under their 事業計画 row, and what a KPI's details show (the year by
// month, the projection as a line, the chart's summary for screen readers). Pure.
import { isForecast, offTrackReason, projectAsOf } from './dashboard';
import { assessKpi, assessmentLabel, type AssessmentStatus, type KpiAssessment } from './kpi-assessment';
import { describeGap, describeTarget, formatFigure, formatNumber, judgeLatest, type Judgement } from './kpi-judgement';
import { kpisInPlanOrder } from './kpi-order';
import { joinLabels, sectionLabelPath } from './plan-tree';
import { PROJECTION_GAPS, type KpiProjection, type MonthValue } from './kpi-projection';
import type { Kpi, Measurement, Section } from './schemas';
import { bothFiscalYear, bothMonth, describeAsOf, fiscalMonthIndex, fiscalYearOfMonth, monthsOfFiscalYear, warekiFiscalYear, type YearMonth } from './wareki';

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
  /** The judgement shown, with its reason (kpi-assessment.ts). */
  assessment: KpiAssessment;
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
    const assessment = assessKpi({ kpi, fiscalYear, actuals: own, lastYear: previous });
    // Projected against the rule the judgement picked (a conditional target's), not the whole target.
    const projection = projectAsOf(assessment.rule ? { ...kpi, target: assessment.rule } : kpi, own, yearEnd, previous);
    const judgement = judgeLatest(kpi, own);
    const latest = judgement.month === null ? null : (own.find((m) => m.month === judgement.month)?.value ?? null);
    const forecast = isForecast(projection) ? projection : null;
    return {
      kpi,
      target: describeTarget(kpi.target, kpi.unit, kpi.decimals),
      judgement,
      latest,
      measurements: own,
      projection,
      forecast,
      lastYear: previous,
      assessment,
    };
  });
}

/** How many KPIs are judged each way; 判定不可 counts those with an actual, 実績未入力 those without. */
export type KpiCounts = Record<AssessmentStatus, number> & { 実績未入力: number };

export function countKpiRows(rows: readonly KpiRow[]): KpiCounts {
  const counts: KpiCounts = { 達成: 0, 未達: 0, 達成見込み: 0, 未達見込み: 0, 判定不可: 0, 実績未入力: 0 };
  for (const { assessment } of rows) counts[assessment.unjudged === 'noActual' ? '実績未入力' : assessment.status]++;
  return counts;
}

/** The same rule as the dashboard's off-track list (offTrackReason). */
export function isOffTrack(row: KpiRow): boolean {
  return offTrackReason(row.assessment) !== null;
}

/** Consecutive KPIs of one 事業計画 row share its cell, as in the paper table. */
export interface KpiRowGroup {
  /** Undefined for KPIs tied to no section, or to one that is deleted. */
  section: Section | undefined;
  /** The section's labels from the pillar down, as written: ２．Ⅲ（１）, so that two （１） differ; '' without a section. */
  labelPath: string;
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
    else out.push({ section, labelPath: section ? joinLabels(sectionLabelPath(sections, section.id)) : '', rows: [row] });
  }
  return out;
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
  const { assessment } = row;
  const gap = assessment.judgement && !assessment.projection ? `（${describeGap(assessment.judgement, kpi.unit)}）` : '';
  const summary =
    `${kpi.name}の${bothFiscalYear(fiscalYear)}の月別実績のグラフ。目標は${row.target}。` +
    (judgement.month === null || latest == null
      ? '実績はまだありません。'
      : `最新の実績は${bothMonth(judgement.month)}時点で${formatFigure(latest, kpi.decimals)}${kpi.unit}、${assessmentLabel(assessment)}${gap}。`) +
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

/** The KPI table's target columns: seed 004's 目標, or seed 002's 令和N年度KPI / 令和N−1年度KPI / 現状 where the plan has them. */
export interface KpiColumns {
  target: string;
  /** null when no KPI of the plan gives last year's target. */
  previousTarget: string | null;
  /** null when no KPI gives a 現状. */
  baseline: string | null;
}

export function kpiColumns(fiscalYear: number, kpis: readonly Pick<Kpi, 'previousTarget' | 'baseline' | 'deleted'>[]): KpiColumns {
  const live = kpis.filter((k) => !k.deleted);
  const previous = live.some((k) => k.previousTarget);
  const baseline = live.some((k) => k.baseline);
  return {
    target: previous || baseline ? `${warekiFiscalYear(fiscalYear)}KPI` : '目標',
    previousTarget: previous ? `${warekiFiscalYear(fiscalYear - 1)}KPI` : null,
    baseline: baseline ? '現状' : null,
  };
}

/** A figure with the KPI's unit, as the plan writes it (68.0%). */
export const kpiFigure = (kpi: Pick<Kpi, 'unit' | 'decimals'>, n: number): string => `${formatFigure(n, kpi.decimals)}${kpi.unit}`;

/** The 現状 cell: 「7,013事業所（令和6年11月末）」; null without one. */
export function baselineCell(kpi: Pick<Kpi, 'unit' | 'decimals' | 'baseline'>): string | null {
  const b = kpi.baseline;
  return b ? `${kpiFigure(kpi, b.value)}（${describeAsOf(b)}${b.note ? ` ${b.note}` : ''}）` : null;
}

/** 「実施対象者数 434,351人・実施見込者数 295,359人」; null when the plan gives neither. */
export function countsLine(kpi: Pick<Kpi, 'population' | 'expected'>): string | null {
  const parts = [kpi.population, kpi.expected].flatMap((c) => (c ? [`${c.label} ${formatNumber(c.value)}${c.unit}`] : []));
  return parts.length ? parts.join('・') : null;
}
