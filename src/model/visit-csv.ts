// CSV of the notes and visits of a plan (csv-export.ts's format: UTF-8 with BOM, CRLF, RFC 4180,
// typed text guarded against formulas): the visits of the 訪問記録 screen as listed, and every
// live note of the plan with its visit columns, for whoever keeps their own tally in Excel.
import { excelText, toCsv } from './csv-export';
import { joinLabels, labelPath } from './plan-tree';
import type { Item, Note, Section } from './schemas';
import { isLiveNote, type VisitNote } from './visits';
import { warekiDate } from './wareki';

export const VISITS_CSV_HEADER = [
  '訪問日',
  '訪問日（西暦）',
  '事業所名',
  '事業所記号',
  '訪問目的',
  '結果',
  '次回訪問予定',
  '記入者',
  '番号',
  '事業計画',
] as const;

export const NOTES_CSV_HEADER = [
  '日付',
  '日付（西暦）',
  '種類',
  '番号',
  '事業計画',
  '内容',
  '事業所名',
  '事業所記号',
  '訪問目的',
  '次回訪問予定',
  '記入者',
  '訂正',
] as const;

interface PlanContext {
  sections: readonly Section[];
  items: readonly Item[];
}

function itemColumns(ctx: PlanContext): (itemId: string) => [string, string] {
  const items = new Map(ctx.items.map((i) => [i.id, i]));
  return (itemId) => {
    const item = items.get(itemId);
    return item ? [joinLabels(labelPath(ctx.sections, item)), excelText(item.text)] : ['', ''];
  };
}

const dateColumns = (iso: string | undefined): [string, string] => (iso ? [warekiDate(iso), iso] : ['', '']);

/** One row per visit, in the order given (the screen's). */
export function visitsCsv(visits: readonly VisitNote[], ctx: PlanContext): string {
  const item = itemColumns(ctx);
  return toCsv([
    VISITS_CSV_HEADER,
    ...visits.map((v) => [
      ...dateColumns(v.date),
      excelText(v.visit.employer),
      excelText(v.visit.employerCode ?? ''),
      v.visit.purposes.map(excelText).join('・'),
      excelText(v.text),
      v.visit.nextDate ?? '',
      excelText(v.author),
      ...item(v.itemId),
    ]),
  ]);
}

/** Every live note of the plan, oldest first; 訂正 names who corrected it last, and when. */
export function notesCsv(notes: readonly Note[], ctx: PlanContext): string {
  const item = itemColumns(ctx);
  const rows = notes
    .filter(isLiveNote)
    .sort((a, b) => a.date.localeCompare(b.date) || a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
    .map((n) => [
      ...dateColumns(n.date),
      n.visit ? '訪問' : 'メモ',
      ...item(n.itemId),
      excelText(n.text),
      excelText(n.visit?.employer ?? ''),
      excelText(n.visit?.employerCode ?? ''),
      (n.visit?.purposes ?? []).map(excelText).join('・'),
      n.visit?.nextDate ?? '',
      excelText(n.author),
      n.updatedBy && n.updatedAt && n.updatedAt !== n.createdAt ? excelText(`${n.updatedBy} ${n.updatedAt.slice(0, 10)}`) : '',
    ]);
  return toCsv([NOTES_CSV_HEADER, ...rows]);
}
