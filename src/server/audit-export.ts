// The audit log of a branch: every applied change (the history records sync.ts writes), who made
// it and when, in time order, as JSON or as CSV for Excel (UTF-8 with BOM, one row per changed
// field, cells that a spreadsheet would run as a formula defused). Served by
// GET /api/branches/:branchId/audit and written by `npm run admin -- audit`.
import { historySchema } from '../model/schemas';
import type { AuditEntry, AuditQuery, AuditResponse } from '../model/protocol';
import type { AccountStore, RecordStore } from './storage/storage';

/** Records read per page while scanning a branch. */
const PAGE = 1000;
/** Japan time: a date in a query means that day here (the branches are 協会けんぽ's). */
const JST_OFFSET = '+09:00';
const JST_MS = 9 * 60 * 60 * 1000;

export interface AuditRange {
  /** Inclusive, UTC ISO; null for open. */
  from: string | null;
  /** Exclusive, UTC ISO; null for open. */
  to: string | null;
}

const isDate = (text: string) => text.length === 10;

/** The UTC range a parsed query stands for; null when `from` is after `to`. */
export function auditRange(query: Pick<AuditQuery, 'from' | 'to'>): AuditRange | null {
  const from = query.from === undefined ? null : new Date(isDate(query.from) ? `${query.from}T00:00:00${JST_OFFSET}` : query.from).toISOString();
  let to: string | null = null;
  if (query.to !== undefined) {
    // A date as the end means through that whole day.
    to = isDate(query.to)
      ? new Date(new Date(`${query.to}T00:00:00${JST_OFFSET}`).getTime() + 24 * 60 * 60 * 1000).toISOString()
      : new Date(query.to).toISOString();
  }
  if (from !== null && to !== null && from > to) return null;
  return { from, to };
}

/** The branch's history records in the range, oldest first, with who made them resolved. */
export async function auditOfBranch(storage: RecordStore & AccountStore, branchId: string, range: AuditRange): Promise<AuditResponse> {
  const found: { entry: Omit<AuditEntry, 'emails'>; version: number }[] = [];
  for (let after = 0; ; ) {
    const page = await storage.changesSince({ [branchId]: after }, PAGE);
    for (const r of page.records) {
      if (r.table !== 'history') continue;
      const parsed = historySchema.safeParse(JSON.parse(r.data));
      if (!parsed.success) throw new Error(`history record ${r.id} does not parse`);
      const h = parsed.data;
      if ((range.from !== null && h.at < range.from) || (range.to !== null && h.at >= range.to)) continue;
      found.push({
        version: r.version,
        entry: { at: h.at, by: h.by, planId: h.planId, table: h.table, recordId: h.recordId, itemId: h.itemId, changes: h.changes, historyId: h.id },
      });
    }
    if (!page.hasMore || page.records.length === 0) break;
    after = page.records[page.records.length - 1]!.version;
  }
  const emailsByName = await memberEmailsByName(storage, branchId, new Set(found.map((f) => f.entry.by)));
  found.sort((a, b) => (a.entry.at < b.entry.at ? -1 : a.entry.at > b.entry.at ? 1 : a.version - b.version));
  return { branchId, from: range.from, to: range.to, entries: found.map(({ entry }) => ({ ...entry, emails: emailsByName.get(entry.by) ?? [] })) };
}

/**
 * History names who by name only: every account of that name that is a member of the branch is
 * listed. Only members: whoever reads a branch's log learns no address of an account that
 * belongs to other branches alone (a name no member has gets no email).
 */
async function memberEmailsByName(storage: AccountStore, branchId: string, names: ReadonlySet<string>): Promise<Map<string, string[]>> {
  const emailsByName = new Map<string, string[]>();
  for (const u of await storage.listUsers()) {
    if (!names.has(u.name)) continue;
    if (!(await storage.membershipsOf(u.id)).some((m) => m.branchId === branchId)) continue;
    emailsByName.set(u.name, [...(emailsByName.get(u.name) ?? []), u.email].sort());
  }
  return emailsByName;
}

const CSV_HEADER = ['日時(UTC)', '日時(日本時間)', '変更者', 'メールアドレス', '計画ID', '表', '記録ID', '項目ID', 'フィールド', '変更前', '変更後', '履歴ID'];

/** "2026-05-01 18:00:00" in Japan time. */
function japanTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  return new Date(t + JST_MS).toISOString().slice(0, 19).replace('T', ' ');
}

const valueText = (value: unknown) => (value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value));

/** A CSV cell: quoted when needed; a leading = + - @ tab or CR gets a ' so Excel shows it as text. */
function cell(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function auditCsv(audit: AuditResponse): string {
  const lines = [CSV_HEADER.map(cell).join(',')];
  for (const e of audit.entries) {
    for (const [field, change] of Object.entries(e.changes)) {
      const row = [
        e.at,
        japanTime(e.at),
        e.by,
        e.emails.join(' / '),
        e.planId,
        e.table,
        e.recordId,
        e.itemId ?? '',
        field,
        valueText(change.from),
        valueText(change.to),
        e.historyId,
      ];
      lines.push(row.map(cell).join(','));
    }
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** The branch id is letters, digits, - and _ (checked by the caller), so it is safe in a file name. */
export function auditFileName(branchId: string, format: 'csv' | 'json'): string {
  return `audit-${branchId}.${format}`;
}
