// Field-level merge of one client mutation into the server's current record (the sync
// contract in DESIGN.md): a field is applied when the server still has the value the client
// based its edit on; when another device changed it meanwhile the server keeps its value and
// the client's becomes a conflict. Nothing is dropped without a trace. A free text another
// device changed meanwhile is merged three-way instead (text-merge.ts), so only edits of the
// same part of it conflict. A sibling order key takes the later move (isLaterWins).
import { isOrderedTable } from './order-key';
import { LIMITS, STAMP_FIELDS, type RecordTable } from './schemas';
import { mergeText } from './text-merge';

export interface FieldMutation {
  changes: Readonly<Record<string, unknown>>;
  /** The values the client saw before its edit, for the fields it changed. */
  base: Readonly<Record<string, unknown>>;
  /** The whole record as the client created it, when the client created it. */
  create: Readonly<Record<string, unknown>> | null;
}

export interface FieldConflict {
  field: string;
  baseValue: unknown;
  serverValue: unknown;
  clientValue: unknown;
}

export type MergeResult =
  | { kind: 'create'; record: Record<string, unknown> }
  | { kind: 'update'; record: Record<string, unknown>; applied: string[]; conflicts: FieldConflict[] }
  | { kind: 'unchanged' }
  | { kind: 'reject'; reason: string };

/**
 * Free texts written as prose, where two people adding to different sentences is the normal
 * case: 実施状況, 今後の実施予定等 and an item's 取組内容. Names and labels (a section's title, a
 * KPI's name) are not: a merge of two renames is a name nobody chose. A note's text (a visit's
 * 結果) is prose too: its author and a lead correcting it at once both keep their changes.
 * Conflicts are settled by a person, so they do not merge.
 */
const MERGEABLE_TEXT: Partial<Record<RecordTable, readonly string[]>> = {
  progress: ['done', 'next'],
  items: ['text'],
  notes: ['text'],
};

/** The longest a merged text of the table may be (its schema's limit). */
const textLimit = (table: RecordTable): number => (table === 'notes' ? LIMITS.noteText : LIMITS.longText);

export function isMergeableText(table: RecordTable, field: string): boolean {
  return MERGEABLE_TEXT[table]?.includes(field) ?? false;
}

/**
 * Sibling order keys (order-key.ts). A move writes only the moved record's key, so moves of
 * different siblings never meet; two moves of the same record do, and there the later one to
 * reach the server wins instead of conflicting (the earlier stays in the record's history): a
 * lead asked to choose between two places of one row gains nothing over the move made last, and
 * every device still ends with one order.
 */
function isLaterWins(table: RecordTable, field: string): boolean {
  return field === 'order' && isOrderedTable(table);
}

export interface MergeOptions {
  /**
   * Asked before each three-way text merge with its size (the three texts' lengths); false
   * makes the field a conflict instead. The server bounds the merge work of one request with it.
   */
  allowTextMerge?: (cost: number) => boolean;
}

/** Fields that make a record what it is; changing them is refused. */
const IDENTITY: Record<RecordTable, readonly string[]> = {
  plans: ['id', 'branchId'],
  sections: ['id', 'planId'],
  items: ['id', 'planId'],
  progress: ['id', 'planId', 'itemId', 'periodId'],
  notes: ['id', 'planId', 'itemId', 'author', 'authorId'],
  kpis: ['id', 'planId'],
  measurements: ['id', 'planId', 'kpiId', 'month'],
  conflicts: [
    'id',
    'planId',
    'table',
    'recordId',
    'itemId',
    'field',
    'baseValue',
    'serverValue',
    'serverBy',
    'serverAt',
    'clientValue',
    'clientBy',
    'clientAt',
  ],
  history: ['id'],
};

/** JSON with sorted keys, so equal values compare equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function sameValue(a: unknown, b: unknown): boolean {
  return a === b || canonicalJson(a ?? null) === canonicalJson(b ?? null);
}

/**
 * The text a field takes when its server value moved on since the client's base: the three-way
 * merge of base, server (ours) and client (theirs), or null when they overlap (or the merge is
 * not allowed). mergeText gives the same text whichever side is "ours", so devices whose
 * mutations arrive in either order end with the same text.
 */
export function mergeTextField(
  table: RecordTable,
  field: string,
  baseValue: unknown,
  serverValue: unknown,
  clientValue: unknown,
  options: MergeOptions = {},
): string | null {
  if (!isMergeableText(table, field)) return null;
  if (typeof baseValue !== 'string' || typeof serverValue !== 'string' || typeof clientValue !== 'string') return null;
  if (options.allowTextMerge && !options.allowTextMerge(baseValue.length + serverValue.length + clientValue.length)) return null;
  const merged = mergeText(baseValue, serverValue, clientValue);
  // Two edits that each fit can merge into a text over the field's limit: a conflict keeps both
  // for a person, where a refused record would set the edit aside.
  return merged.kind === 'merged' && merged.text.length <= textLimit(table) ? merged.text : null;
}

export function mergeMutation(
  table: RecordTable,
  current: Readonly<Record<string, unknown>> | undefined,
  m: FieldMutation,
  options: MergeOptions = {},
): MergeResult {
  if (table === 'history') return { kind: 'reject', reason: '変更履歴はサーバーだけが書きます (history is written by the server)' };
  if (!current) {
    if (!m.create) return { kind: 'reject', reason: '記録がありません。削除されたか、まだ作られていません (the record does not exist)' };
    if (table === 'conflicts') return { kind: 'reject', reason: '競合はサーバーだけが作ります (conflicts are created by the server)' };
    return { kind: 'create', record: withoutStamps({ ...m.create, ...m.changes }) };
  }
  // A note is created once: a create of one that exists is a replay (of a create a correction
  // may have overtaken), never an edit. Corrections come without `create`.
  if (table === 'notes' && m.create) return { kind: 'unchanged' };
  const identity = IDENTITY[table];
  const record: Record<string, unknown> = { ...current };
  const applied: string[] = [];
  const conflicts: FieldConflict[] = [];
  for (const [field, clientValue] of Object.entries(m.changes)) {
    if (STAMP_FIELDS.has(field)) continue;
    // Own fields only: a field named `constructor` or `__proto__` is data, not the prototype's.
    const serverValue = Object.hasOwn(current, field) ? current[field] : undefined;
    if (sameValue(serverValue, clientValue)) continue;
    if (identity.includes(field)) return { kind: 'reject', reason: `記録を識別する値（${field}）は変更できません (${field} cannot be changed)` };
    const baseValue = Object.hasOwn(m.base, field) ? m.base[field] : undefined;
    if (sameValue(serverValue, baseValue) || isLaterWins(table, field)) {
      Object.defineProperty(record, field, { value: clientValue, enumerable: true, writable: true, configurable: true });
      applied.push(field);
      continue;
    }
    const merged = mergeTextField(table, field, baseValue, serverValue, clientValue, options);
    if (merged === null) {
      conflicts.push({ field, baseValue, serverValue, clientValue });
    } else if (merged !== serverValue) {
      Object.defineProperty(record, field, { value: merged, enumerable: true, writable: true, configurable: true });
      applied.push(field);
    }
  }
  if (applied.length === 0 && conflicts.length === 0) return { kind: 'unchanged' };
  return { kind: 'update', record, applied, conflicts };
}

function withoutStamps(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => !STAMP_FIELDS.has(k)));
}
