// How a changed field reads in Japanese, shared by the conflict view, the change history and
// the list of refused changes: the field's name, its value, short excerpts of long texts, and
// which period a progress record belongs to.
import { periodsOf } from '../model/period';
import { progressId, STAMP_FIELDS, visitPurposeSchema, visitSchema, type Plan, type Visit } from '../model/schemas';
import type { SyncedTable } from '../db/database';

const FIELD_LABELS: Record<string, string> = {
  done: '実施状況',
  next: '今後の実施予定等',
  evaluation: '評価',
  text: '事業計画の文言',
  label: '番号',
  title: '見出し',
  group: '担当グループ',
  tags: '重要度・困難度',
  order: '並び順',
  sectionId: '所属する見出し',
  parentId: '上位の見出し',
  deleted: '削除',
  name: '指標名',
  unit: '単位',
  target: '目標',
  value: '実績',
  branch: '支部',
  fiscalYear: '年度',
  periodKind: '報告期間の単位',
  date: '日付',
  author: '記入者',
  resolved: '解決済み',
  visitPurposes: '訪問目的',
};

export const TABLE_LABELS: Record<SyncedTable, string> = {
  plans: '計画',
  sections: '見出し',
  items: '項目',
  progress: '実施状況・評価',
  notes: 'メモ',
  kpis: 'KPI',
  measurements: 'KPIの実績',
  conflicts: '競合の解決',
};

/** Fields holding long free text: shown as excerpts in lists, and merged by hand in a conflict. */
export const LONG_TEXT_FIELDS: ReadonlySet<string> = new Set(['done', 'next', 'text']);

/**
 * Fields that hold a place among siblings (an order key, src/model/order-key.ts): a key means
 * something only beside the siblings it was made between, so a change of one reads as a move
 * (「並び順を変更」), never as its values, and is not put back from the history.
 */
export const POSITION_FIELDS: ReadonlySet<string> = new Set(['order']);

/** Fields that only say what a record is (set once when it is created), left out of change lists. */
const IDENTITY_FIELDS: ReadonlySet<string> = new Set(['id', 'planId', 'itemId', 'periodId', 'kpiId', 'month', ...STAMP_FIELDS]);

/** A note's fields read differently from an item's (its text is the note, or a visit's 結果). */
const NOTE_FIELD_LABELS: Record<string, string> = { text: 'メモ', visit: '訪問内容' };

export function fieldLabel(field: string, table?: string): string {
  return (table === 'notes' ? NOTE_FIELD_LABELS[field] : undefined) ?? FIELD_LABELS[field] ?? field;
}

export function isShownField(field: string): boolean {
  return !IDENTITY_FIELDS.has(field);
}

export function formatValue(field: string, value: unknown): string {
  if (value === null || value === undefined) return field === 'evaluation' ? '未評価' : '（なし）';
  if (value === '') return '（空欄）';
  if (typeof value === 'boolean') return field === 'deleted' ? (value ? '削除' : '削除なし') : value ? 'はい' : 'いいえ';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? '（なし）' : value.map((v) => formatListEntry(field, v)).join('、');
  if (field === 'visit') {
    const visit = visitSchema.safeParse(value);
    if (visit.success) return visitSummary(visit.data);
  }
  return JSON.stringify(value);
}

/** One entry of a list value: a plan's visit purpose by its name (健康宣言), a word as itself. */
function formatListEntry(field: string, value: unknown): string {
  if (field === 'visitPurposes') {
    const purpose = visitPurposeSchema.safeParse(value);
    if (purpose.success) return purpose.data.name;
  }
  return typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/** The start of a long text on one line: 健康宣言の説明会を2回… */
export function excerpt(text: string, length = 30): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > length ? `${line.slice(0, length)}…` : line;
}

/** A value for a one-line list: long texts cut short. */
export function shortValue(field: string, value: unknown): string {
  if (POSITION_FIELDS.has(field)) return '移動';
  return excerpt(formatValue(field, value));
}

/** The reporting period a progress record of the item belongs to (上半期（4〜9月）), or null. */
export function periodLabelOf(plan: Plan, itemId: string, recordId: string): string | null {
  return periodsOf(plan.fiscalYear, plan.periodKind).find((p) => progressId(itemId, p.id) === recordId)?.label ?? null;
}

/** A visit on one line: ABC商事（01-イロハ）・健診勧奨、健康宣言・次回 2026-06-10 */
export function visitSummary(visit: Visit): string {
  return [
    `${visit.employer}${visit.employerCode ? `（${visit.employerCode}）` : ''}`,
    visit.purposes.join('、'),
    visit.nextDate ? `次回 ${visit.nextDate}` : '',
  ]
    .filter(Boolean)
    .join('・');
}
