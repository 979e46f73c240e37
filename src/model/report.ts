// The progress report (実施状況報告) of seed 004 as plain data: per pillar (柱) the rows of its
// 事業計画 | 実施状況 | 評価 | 今後の実施予定等 table, the KPI progress tables with each actual as of the
// period's last month, the period in 和暦 and 西暦, and the plan screen's filters in words.
// Pure: the report page only lays these out.
import { assessKpi, assessmentLabel, UNJUDGED, type KpiAssessment } from './kpi-assessment';
import { describeTarget, formatFigure, judge, latestMeasurement, type Judgement } from './kpi-judgement';
import type { MonthValue } from './kpi-projection';
import { kpisInPlanOrder } from './kpi-order';
import type { Period } from './period';
import { buildSearchIndex, isBlankQuery, matchingItemIds } from './search';
import {
  buildTree,
  filterItems,
  flattenItems,
  groupsByItem,
  isFilterActive,
  joinLabels,
  pruneTree,
  sectionLabelPath,
  type ItemFilter,
  type TreeNode,
} from './plan-tree';
import type { Item, Kpi, Measurement, Note, Progress, Section } from './schemas';
import { fiscalYearOfMonth, seirekiMonth, warekiMonth, type YearMonth } from './wareki';

/** A heading row of the table (depth ≥ 1) or the pillar itself (depth 0), with its own items. */
export interface ReportBlock {
  section: Section;
  depth: number;
  items: Item[];
  /** The KPIs of this 事業計画 row, for its 「■ KPI：」 row under the items (as on paper); in plan order. */
  kpis: KpiStatus[];
}

export interface ReportPillar {
  pillar: Section;
  blocks: ReportBlock[];
}

/** A KPI as the report shows it: its actual is the latest one up to a month (時点). */
export interface KpiStatus {
  kpi: Kpi;
  /** The latest actual against the target as it stands (see `assessment` for the judgement shown). */
  judgement: Judgement;
  /** The month of the actual, null when there is none yet. */
  month: YearMonth | null;
  value: number | null;
  /** The judgement shown, with its reason (kpi-assessment.ts). */
  assessment: KpiAssessment;
}

export interface ReportKpiRow extends KpiStatus {
  /** The 事業計画 row the KPI belongs to; null when the plan names none (or it was deleted). */
  section: Section | null;
  /**
   * The row as the KPI table names it: the labels below the pillar (the table's caption names the
   * pillar) and the title, 「Ⅲ（１）医療資源の適正使用」, so that two （１） of one pillar differ.
   */
  sectionName: string;
}

export interface ReportKpiTable {
  /** null for the KPIs that belong to no live section. */
  pillar: Section | null;
  rows: ReportKpiRow[];
}

export interface ReportInput {
  sections: readonly Section[];
  items: readonly Item[];
  kpis: readonly Kpi[];
  measurements: readonly Measurement[];
  period: Period;
  /** Progress of every item in `period`, by item id. */
  progress: ReadonlyMap<string, Progress>;
  /** For the text filter, which also finds words in notes (as on the plan screen). */
  notes: readonly Note[];
  filter: ItemFilter;
  /** Per KPI id, the same KPI's actuals of last year, when known (for 対前年度 and projections). */
  lastYear?: ReadonlyMap<string, readonly MonthValue[]> | undefined;
}

export interface Report {
  pillars: ReportPillar[];
  kpiTables: ReportKpiTable[];
  /** The month KPI actuals are taken up to: the period's last month. */
  asOf: YearMonth;
  shownItems: number;
  totalItems: number;
}

/**
 * The report for a period. With an active filter it holds the items that pass it (the same rule
 * as the plan screen) and the KPIs of the 事業計画 rows still shown; without one, everything.
 */
export function buildReport(input: ReportInput): Report {
  const { sections, items, kpis, measurements, period, progress, notes, filter } = input;
  const tree = buildTree(sections, items);
  const live = flattenItems(tree);
  const active = isFilterActive(filter);
  const groups = groupsByItem(sections, live);
  const matches = isBlankQuery(filter.query)
    ? null
    : matchingItemIds(buildSearchIndex({ items: live, groups, progress: progress.values(), notes }), filter.query);
  const visible = active ? filterItems(live, filter, (id) => progress.get(id)?.evaluation ?? null, matches, groups) : new Set(live.map((i) => i.id));
  // Empty sections are dropped even unfiltered: a heading with nothing under it says nothing on paper.
  const shown = pruneTree(tree, visible);
  const asOf = lastMonthOf(period);
  const tables = kpiTables(sections, kpis, measurements, asOf, active ? sectionIdsOf(shown) : null, input.lastYear ?? new Map());
  const kpisBySection = new Map<string, KpiStatus[]>();
  for (const row of tables.flatMap((t) => t.rows)) {
    if (!row.section) continue;
    const list = kpisBySection.get(row.section.id);
    if (list) list.push(row);
    else kpisBySection.set(row.section.id, [row]);
  }
  return {
    pillars: shown.map((node) => ({ pillar: node.section, blocks: blocksOf(node, kpisBySection) })),
    kpiTables: tables,
    asOf,
    shownItems: visible.size,
    totalItems: live.length,
  };
}

/** A pillar's table rows in tree order: each section under it as a heading row with its items. */
function blocksOf(pillar: TreeNode, kpisBySection: ReadonlyMap<string, KpiStatus[]>): ReportBlock[] {
  const out: ReportBlock[] = [];
  const visit = (node: TreeNode, depth: number) => {
    const kpis = kpisBySection.get(node.section.id) ?? [];
    if (depth > 0 || node.items.length || kpis.length) out.push({ section: node.section, depth, items: node.items, kpis });
    for (const child of node.children) visit(child, depth + 1);
  };
  visit(pillar, 0);
  return out;
}

function sectionIdsOf(tree: readonly TreeNode[]): Set<string> {
  const ids = new Set<string>();
  const visit = (node: TreeNode) => {
    ids.add(node.section.id);
    node.children.forEach(visit);
  };
  tree.forEach(visit);
  return ids;
}

/**
 * The KPI progress tables, one per pillar in plan order, as in seed 004's ＫＰＩ設定項目一覧表.
 * `onlySections`: keep only the KPIs of these sections (a filtered report); null keeps all.
 */
function kpiTables(
  sections: readonly Section[],
  kpis: readonly Kpi[],
  measurements: readonly Measurement[],
  asOf: YearMonth,
  onlySections: ReadonlySet<string> | null,
  lastYear: ReadonlyMap<string, readonly MonthValue[]>,
): ReportKpiTable[] {
  const pillarOf = new Map<string, Section>();
  const sectionById = new Map<string, Section>();
  const visit = (node: TreeNode, pillar: Section) => {
    pillarOf.set(node.section.id, pillar);
    sectionById.set(node.section.id, node.section);
    for (const child of node.children) visit(child, pillar);
  };
  for (const root of buildTree(sections, [])) visit(root, root.section);

  const tables: ReportKpiTable[] = [];
  for (const kpi of kpisInPlanOrder(sections, kpis)) {
    const section = (kpi.sectionId !== null && sectionById.get(kpi.sectionId)) || null;
    if (onlySections && (!section || !onlySections.has(section.id))) continue;
    const pillar = section ? pillarOf.get(section.id)! : null;
    const sectionName = section ? `${joinLabels(sectionLabelPath(sections, section.id).slice(section === pillar ? 0 : 1))}${section.title}` : '－';
    const row = { ...kpiStatusAsOf(kpi, measurements, asOf, lastYear.get(kpi.id)), section, sectionName };
    // kpisInPlanOrder keeps a pillar's KPIs together, so a new pillar starts a new table.
    const last = tables[tables.length - 1];
    if (last && last.pillar === pillar) last.rows.push(row);
    else tables.push({ pillar, rows: [row] });
  }
  return tables;
}

/** A KPI judged on its latest actual up to `asOf`: a report for the first half ignores October's. */
export function kpiStatusAsOf(kpi: Kpi, measurements: readonly Measurement[], asOf: YearMonth, lastYear?: readonly MonthValue[]): KpiStatus {
  const own = measurements.filter((m) => m.kpiId === kpi.id && m.month <= asOf);
  const latest = latestMeasurement(own);
  const assessment = assessKpi({ kpi, fiscalYear: fiscalYearOfMonth(asOf), actuals: own, lastYear, asOf });
  return { kpi, judgement: judge(kpi.target, latest?.value), month: latest?.month ?? null, value: latest?.value ?? null, assessment };
}

export function lastMonthOf(period: Period): YearMonth {
  return period.months[period.months.length - 1]!;
}

/** The months a period covers: 令和6年4月〜9月 / 令和6年10月〜令和7年3月, and the same in 西暦. */
export function periodRange(period: Period): { wareki: string; seireki: string } {
  const first = period.months[0]!;
  const last = lastMonthOf(period);
  return { wareki: monthRange(warekiMonth(first), warekiMonth(last)), seireki: monthRange(seirekiMonth(first), seirekiMonth(last)) };
}

/** Drops the year of the end when it repeats the start's, as a person writes it. */
function monthRange(first: string, last: string): string {
  if (first === last) return first;
  const year = first.slice(0, first.indexOf('年') + 1);
  return `${first}〜${last.startsWith(year) ? last.slice(year.length) : last}`;
}

/** The active filters in words for the report's header: 担当グループ：保健, 評価：△・未評価, 検索：「郵送」. */
export function describeFilter(filter: ItemFilter): string[] {
  const out: string[] = [];
  if (filter.groups.length) out.push(`担当グループ：${filter.groups.join('・')}`);
  if (filter.evaluations.length) out.push(`評価：${filter.evaluations.join('・')}`);
  const query = filter.query.trim();
  if (query) out.push(`検索：「${query}」`);
  return out;
}

/** One KPI in a pillar table's 「■ KPI：」 row, numbered 1）2）… within its 事業計画 row as on paper. */
export interface KpiLine {
  /** 事業計画 column: 「１）サービススタンダードの達成状況：100%以上」. */
  plan: string;
  /** 実施状況 column: 「１）100%」, or 「１）実績未入力」. */
  actual: string;
  /** The month of the actual, 「（令和6年9月時点）」, kept on one line; null without an actual. */
  asOf: string | null;
  /** The judgement's word (達成, 未達見込み, 実績未入力 …), as in the KPI tables. */
  judgement: string;
}

const FULL_WIDTH_DIGITS = '０１２３４５６７８９';
const fullWidth = (n: number) => String(n).replace(/\d/g, (d) => FULL_WIDTH_DIGITS[Number(d)]!);

export function kpiLines(kpis: readonly KpiStatus[]): KpiLine[] {
  return kpis.map(({ kpi, value, month, assessment }, i) => {
    const mark = `${fullWidth(i + 1)}）`;
    const reported = value !== null && month !== null;
    return {
      plan: `${mark}${kpi.name}：${describeTarget(kpi.target, kpi.unit, kpi.decimals)}`,
      actual: `${mark}${reported ? `${formatFigure(value, kpi.decimals)}${kpi.unit}` : UNJUDGED.noActual}`,
      asOf: reported ? `（${warekiMonth(month)}時点）` : null,
      judgement: assessmentLabel(assessment),
    };
  });
}
