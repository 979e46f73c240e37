// The comparison screen's view model, built from comparePlans' result before anything is drawn:
// which plan goes on the left and how the columns are headed, the item rows under their section
// rows (all of them, or only what changed), the notes on an item's row (moved, renumbered, new
// owner, tags), the KPI rows, and one side of a diff cut into pieces to mark. Pure.
import type { Plan } from './schemas';
import { warekiFiscalYear } from './wareki';
import type { DiffSegment, ItemComparison, KpiComparison, SectionComparison } from './year-over-year';

/** A plan as the selector and the column heads name it: its title, marked when it is a demo. */
export const planName = (p: Plan) => `${p.title}${p.demo ? '（デモ）' : ''}`;

export interface Heads {
  old: string;
  new: string;
}

/**
 * The two plans compared, the earlier one on the left whichever of them the screen was opened
 * from, with the column heads: their fiscal years, or their titles when both are of one year.
 */
export function comparedPair<T extends { plan: Plan }>(current: T, other: T): { older: T; newer: T; heads: Heads } {
  const [older, newer] = other.plan.fiscalYear > current.plan.fiscalYear ? [current, other] : [other, current];
  // Two plans of one year (a demo beside a real one) are told apart by title.
  const sameYear = older.plan.fiscalYear === newer.plan.fiscalYear;
  const heads = {
    old: sameYear ? planName(older.plan) : warekiFiscalYear(older.plan.fiscalYear),
    new: sameYear ? planName(newer.plan) : warekiFiscalYear(newer.plan.fiscalYear),
  };
  return { older, newer, heads };
}

/** Changed in anything a person would want to see, not only in wording. */
export function itemChanged(r: ItemComparison): boolean {
  return r.status !== 'same' || r.moved || r.labelChanged || r.groupChanged || r.tagsAdded.length > 0 || r.tagsRemoved.length > 0;
}

export const sectionChanged = (s: SectionComparison) => s.status !== 'same' || s.moved;

export interface SectionGroup {
  section: SectionComparison;
  items: ItemComparison[];
}

/** Item rows under the section row they sit in: this year's section, or last year's for a dropped item. */
export function groupBySection(sections: readonly SectionComparison[], items: readonly ItemComparison[]): SectionGroup[] {
  const groups = sections.map((section) => ({ section, items: [] as ItemComparison[] }));
  const byCurrent = new Map<string, SectionGroup>();
  const byPrevious = new Map<string, SectionGroup>();
  for (const g of groups) {
    if (g.section.current) byCurrent.set(g.section.current.id, g);
    if (g.section.previous) byPrevious.set(g.section.previous.id, g);
  }
  // Always found: the comparison lists every live section of both plans.
  for (const r of items) (r.current ? byCurrent.get(r.current.sectionId) : byPrevious.get(r.previous!.sectionId))?.items.push(r);
  return groups;
}

/** The groups to show: all, or (onlyChanged) the changed items and the sections that changed or hold one. */
export function shownSectionGroups(groups: readonly SectionGroup[], onlyChanged: boolean): readonly SectionGroup[] {
  if (!onlyChanged) return groups;
  return groups.map((g) => ({ ...g, items: g.items.filter(itemChanged) })).filter((g) => g.items.length > 0 || sectionChanged(g.section));
}

/** Last year's section ids with their label and title, to name where a moved item came from. */
export function movedFromNames(sections: readonly SectionComparison[]): Map<string, string> {
  // Last year's labels alone say little, so the title comes with them.
  return new Map(sections.flatMap((s) => (s.previous ? [[s.previous.id, `${s.previous.label}${s.previous.title}`] as const] : [])));
}

/** What changed about an item besides its wording, one note each: 移動, 番号, 担当, tags. */
export function itemChanges(r: ItemComparison, movedFrom: ReadonlyMap<string, string>): string[] {
  const chips: string[] = [];
  if (r.moved) chips.push(`移動（元：${movedFrom.get(r.previous!.sectionId) ?? ''}）`);
  if (r.labelChanged) chips.push(`番号 ${r.previous!.label} → ${r.current!.label}`);
  if (r.groupChanged) chips.push(`担当 ${r.previous!.group || 'なし'} → ${r.current!.group || 'なし'}`);
  for (const t of r.tagsAdded) chips.push(`${t} を追加`);
  for (const t of r.tagsRemoved) chips.push(`${t} を削除`);
  return chips;
}

/** The KPI rows to show: all, or (onlyChanged) those not the same. */
export function shownKpis(kpis: readonly KpiComparison[], onlyChanged: boolean): readonly KpiComparison[] {
  return onlyChanged ? kpis.filter((k) => k.status !== 'same') : kpis;
}

/** Whether the target itself changed: a new 前年度 value is what moving on a year means, not a change of target. */
export const targetChanged = (k: KpiComparison) => k.targetChanges.some((c) => c !== 'baseline');

/**
 * One side of a diff: `text` in pieces, with what the other year lacks marked — removed parts on
 * the old side, added parts on the new. The pieces are cut from `text` itself by length, since a
 * diff segment may hold the other side's spelling (full- or half-width) of the characters they
 * share. Whatever of `text` the segments do not reach comes last, unmarked.
 */
export function sideParts(text: string, segments: readonly DiffSegment[], side: 'old' | 'new'): DiffSegment[] {
  const chars = [...text];
  const skipped = side === 'old' ? 'added' : 'removed';
  let at = 0;
  const parts = segments
    .filter((s) => s.kind !== skipped)
    .map((s): DiffSegment => {
      const n = [...s.text].length;
      const piece = chars.slice(at, at + n).join('');
      at += n;
      return { kind: s.kind, text: piece };
    });
  const rest = chars.slice(at).join('');
  return rest ? [...parts, { kind: 'same', text: rest }] : parts;
}
