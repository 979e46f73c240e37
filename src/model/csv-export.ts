// CSV for Excel: the progress of a reporting period (one row per item, in plan order) and the
// KPIs with their monthly actuals (one row per KPI, a 実績 and a 判定 column per month, as the
// paper KPI table reads). UTF-8 with a byte order mark so that Excel reads the Japanese, CRLF line
// ends and RFC 4180 quoting.
// Text a person typed that starts like a formula (=, +, -, @) gets a leading ' so that Excel
// shows it instead of running it (CSV injection); numbers are written as numbers.
import { describeTarget, judge } from './kpi-judgement';
import { kpisInPlanOrder } from './kpi-order';
import type { Period } from './period';
import { buildTree, flattenItems, itemGroups, joinLabels, sectionLabelPath } from './plan-tree';
import type { Item, Kpi, Measurement, Note, Plan, Progress, Section } from './schemas';
import { monthsOfFiscalYear, warekiMonth } from './wareki';

export const CSV_BOM = '\uFEFF';
const CRLF = '\r\n';

/** One field per RFC 4180: in quotes (doubled inside) when it holds a comma, a quote or a line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The whole file: BOM, then every row ended by CRLF. */
export function toCsv(rows: readonly (readonly string[])[]): string {
  return CSV_BOM + rows.map((row) => row.map(csvField).join(',') + CRLF).join('');
}

/** Typed text as Excel should show it: a leading =, +, - or @ would start a formula. */
export function excelText(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

const excelNumber = (n: number | null | undefined): string => (n === null || n === undefined ? '' : String(n));

// ---------------------------------------------------------------------------------------------

export interface ProgressCsvInput {
  sections: readonly Section[];
  items: readonly Item[];
  progress: readonly Progress[];
  notes: readonly Note[];
  /** The reporting period (see periodsOf). */
  period: Period;
}

export const PROGRESS_CSV_HEADER = [
  '報告期間',
  '番号',
  '見出し',
  '事業計画',
  '担当グループ',
  '重要度・困難度',
  '評価',
  '実施状況',
  '今後の実施予定等',
  'メモ件数（期間内）',
] as const;

/** One row per live item in plan order; 評価 is empty while not evaluated, notes (not removed ones) are counted by their date. */
export function progressCsv(input: ProgressCsvInput): string {
  const { period } = input;
  const sectionById = new Map(input.sections.map((s) => [s.id, s]));
  const progress = new Map(input.progress.filter((p) => p.periodId === period.id).map((p) => [p.itemId, p]));
  const months = new Set(period.months);
  const noteCount = new Map<string, number>();
  for (const n of input.notes) {
    if (n.deleted !== true && months.has(n.date.slice(0, 7))) noteCount.set(n.itemId, (noteCount.get(n.itemId) ?? 0) + 1);
  }
  const rows = flattenItems(buildTree(input.sections, input.items)).map((item) => {
    const p = progress.get(item.id);
    return [
      period.label,
      excelText(joinLabels([...sectionLabelPath(input.sections, item.sectionId), item.label])),
      excelText(sectionById.get(item.sectionId)?.title ?? ''),
      excelText(item.text),
      // Its owners as the plan screen filters them: its own groups, else its section's.
      excelText(itemGroups(item, sectionById).join('、')),
      item.tags.map(excelText).join('、'),
      p?.evaluation ?? '',
      excelText(p?.done ?? ''),
      excelText(p?.next ?? ''),
      String(noteCount.get(item.id) ?? 0),
    ];
  });
  return toCsv([[...PROGRESS_CSV_HEADER], ...rows]);
}

export interface KpiCsvInput {
  plan: Pick<Plan, 'fiscalYear'>;
  sections: readonly Section[];
  kpis: readonly Kpi[];
  measurements: readonly Measurement[];
}

/** The header of the KPI CSV for a fiscal year: fixed columns, then 実績 and 判定 for April … March. */
export function kpiCsvHeader(fiscalYear: number): string[] {
  return ['番号', '指標', '単位', '目標', '前年度', ...monthsOfFiscalYear(fiscalYear).flatMap((m) => [`${warekiMonth(m)} 実績`, `${warekiMonth(m)} 判定`])];
}

/**
 * One row per live KPI in plan order. 前年度 is the last year's value of a 対前年度 target; a
 * month's 判定 (達成 / 未達 / 判定不可) is given only where that month has an actual.
 */
export function kpiCsv(input: KpiCsvInput): string {
  const months = monthsOfFiscalYear(input.plan.fiscalYear);
  const byKpi = new Map<string, Map<string, number | null>>();
  for (const m of input.measurements) {
    let own = byKpi.get(m.kpiId);
    if (!own) {
      own = new Map();
      byKpi.set(m.kpiId, own);
    }
    own.set(m.month, m.value);
  }
  const rows = kpisInPlanOrder(input.sections, input.kpis).map((k) => {
    const own = byKpi.get(k.id);
    return [
      excelText(joinLabels(sectionLabelPath(input.sections, k.sectionId))),
      excelText(k.name),
      excelText(k.unit),
      excelText(describeTarget(k.target, k.unit)),
      k.target.kind === 'previousYear' ? excelNumber(k.target.previousValue) : '',
      ...months.flatMap((m) => {
        const value = own?.get(m);
        return value === null || value === undefined ? ['', ''] : [excelNumber(value), judge(k.target, value).status];
      }),
    ];
  });
  return toCsv([kpiCsvHeader(input.plan.fiscalYear), ...rows]);
}
