// Employer visits (事業所訪問): the plan's purpose list, the branch's employers remembered from
// the visits on the device, who may correct or remove a note, the visits a KPI counts, and the
// 訪問記録 list with its filters. Pure functions over the records; the screens and CSVs use them.
import type { Kpi, Note, Plan, Visit, VisitPurpose } from './schemas';

export const DEFAULT_VISIT_PURPOSES: readonly string[] = ['健診勧奨', '健康宣言', '保健指導', '加入勧奨', 'その他'];

/** The plan's purposes, or the default list for plans that never set one. */
export function visitPurposesOf(plan: Pick<Plan, 'visitPurposes'>): VisitPurpose[] {
  return plan.visitPurposes?.length ? plan.visitPurposes : DEFAULT_VISIT_PURPOSES.map((name) => ({ name }));
}

export type VisitNote = Note & { visit: Visit };

export const isLiveNote = (note: Note): boolean => note.deleted !== true;
export const isVisit = (note: Note): note is VisitNote => note.visit !== undefined;

/** Live visits, newest first (by the visit's day, then when it was written). */
export function liveVisits(notes: readonly Note[]): VisitNote[] {
  return notes.filter((n): n is VisitNote => isVisit(n) && isLiveNote(n)).sort(newestFirst);
}

function newestFirst(a: Note, b: Note): number {
  return b.date.localeCompare(a.date) || b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id);
}

/** Width and spaces do not make another employer: ＡＢＣ商事 and ABC 商事 are one. */
export function employerKey(name: string): string {
  return name.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
}

export interface Employer {
  name: string;
  /** 事業所記号, '' when no visit gave one. */
  code: string;
  lastVisit: string;
  visits: number;
}

/**
 * The employers the branch has visited, most recently visited first, from the visits on the
 * device (every note of the branch's plans syncs to it): so the list works offline and every
 * device learns a new employer with the visit that named it. Each takes the name and code of
 * its latest visit that wrote them; removed visits do not count.
 */
export function knownEmployers(notes: readonly Note[]): Employer[] {
  const byKey = new Map<string, Employer>();
  for (const note of liveVisits(notes)) {
    const { employer, employerCode } = note.visit;
    const key = employerKey(employer);
    const known = byKey.get(key);
    if (known) {
      known.visits += 1;
      if (!known.code && employerCode) known.code = employerCode;
    } else {
      byKey.set(key, { name: employer.trim(), code: employerCode?.trim() ?? '', lastVisit: note.date, visits: 1 });
    }
  }
  return [...byKey.values()];
}

/** The known employer a typed name is (ignoring width and spaces), for filling in its code. */
export function findEmployer(employers: readonly Employer[], name: string): Employer | undefined {
  const key = employerKey(name);
  return key ? employers.find((e) => employerKey(e.name) === key) : undefined;
}

/**
 * Who may correct or remove a note: its author — the account that wrote it, not a person of the
 * same name — or a lead or admin of the branch (the server checks the same, see
 * docs/sync-protocol.md S13). A note from before authors had ids is a lead's to correct.
 */
export function canCorrectNote(note: Pick<Note, 'authorId'>, userId: string | null, isLead: boolean): boolean {
  return isLead || (userId !== null && note.authorId === userId);
}

/**
 * The purposes of the plan whose visits a KPI counts. A purpose links to the KPIs its `kpiIds`
 * name; a purpose without links counts for the KPIs whose name contains it (健康宣言 →
 * 健康宣言事業所数), so the usual plan needs no setup and a field worker chooses a purpose, never
 * a KPI: the link is the plan's, made once, not a choice on every visit. その他 counts for none.
 */
export function purposesOfKpi(purposes: readonly VisitPurpose[], kpi: Pick<Kpi, 'id' | 'name'>): string[] {
  const name = employerKey(kpi.name);
  return purposes.filter((p) => (p.kpiIds ? p.kpiIds.includes(kpi.id) : p.name !== 'その他' && name.includes(employerKey(p.name)))).map((p) => p.name);
}

/** The live visits that count towards a KPI, newest first. */
export function visitsOfKpi(plan: Pick<Plan, 'visitPurposes'>, kpi: Pick<Kpi, 'id' | 'name'>, notes: readonly Note[]): VisitNote[] {
  const purposes = new Set(purposesOfKpi(visitPurposesOf(plan), kpi));
  if (purposes.size === 0) return [];
  return liveVisits(notes).filter((n) => n.visit.purposes.some((p) => purposes.has(p)));
}

export interface VisitFilter {
  /** `YYYY-MM`, or '' for every month. */
  month: string;
  /** An employer's name (compared as employerKey), or ''. */
  employer: string;
  /** A staff member's name, or ''. */
  author: string;
}

export const NO_VISIT_FILTER: VisitFilter = { month: '', employer: '', author: '' };

export function filterVisits(visits: readonly VisitNote[], filter: VisitFilter): VisitNote[] {
  const employer = employerKey(filter.employer);
  return visits.filter(
    (v) =>
      (!filter.month || v.date.startsWith(filter.month)) &&
      (!employer || employerKey(v.visit.employer) === employer) &&
      (!filter.author || v.author === filter.author),
  );
}

/** What the filters can choose from: months newest first, employers and staff by name. */
export function visitFacets(visits: readonly VisitNote[]): { months: string[]; employers: string[]; authors: string[] } {
  const months = [...new Set(visits.map((v) => v.date.slice(0, 7)))].sort().reverse();
  const employers = knownEmployers(visits)
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b, 'ja'));
  const authors = [...new Set(visits.map((v) => v.author))].sort((a, b) => a.localeCompare(b, 'ja'));
  return { months, employers, authors };
}

/** Visits by month (`YYYY-MM`), newest month first, each newest first. */
export function visitsByMonth(visits: readonly VisitNote[]): { month: string; visits: VisitNote[] }[] {
  const groups = new Map<string, VisitNote[]>();
  for (const v of [...visits].sort(newestFirst)) {
    const month = v.date.slice(0, 7);
    const list = groups.get(month);
    if (list) list.push(v);
    else groups.set(month, [v]);
  }
  return [...groups].map(([month, list]) => ({ month, visits: list }));
}

/** The earliest date a note may have. */
export const FIRST_NOTE_DATE = '2000-01-01';
/** How far ahead a note's date may lie (a visit planned and written down early). */
const NOTE_DATE_YEARS = 1;
/** How far ahead a visit's next visit may be planned. */
const NEXT_VISIT_YEARS = 2;

/** `today` (YYYY-MM-DD) moved `years` ahead; 29 February lands on 1 March. */
function yearsAhead(today: string, years: number): string {
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y + years, m - 1, d)).toISOString().slice(0, 10);
}

/**
 * Why a note's date (and a visit's next visit) cannot be kept, in Japanese, or null: the date lies
 * between 2000-01-01 and a year after `today`, the next visit between the visit and two years
 * after `today`. The form checks it before saving and the server again (S12), with the
 * server's today.
 */
export function noteDatesProblem(date: string, nextDate: string | undefined, today: string): string | null {
  const latest = yearsAhead(today, NOTE_DATE_YEARS);
  if (date < FIRST_NOTE_DATE || date > latest) return `日付は ${FIRST_NOTE_DATE} から ${latest} までです。`;
  const furthest = yearsAhead(today, NEXT_VISIT_YEARS);
  if (nextDate !== undefined && (nextDate < date || nextDate > furthest)) return `次回訪問予定は訪問日（${date}）から ${furthest} までです。`;
  return null;
}
