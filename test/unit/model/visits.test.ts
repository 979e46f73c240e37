import { describe, expect, it } from 'vitest';
import { noteSchema, planSchema, type Note } from '../../../src/model/schemas';
import {
  canCorrectNote,
  noteDatesProblem,
  DEFAULT_VISIT_PURPOSES,
  filterVisits,
  findEmployer,
  knownEmployers,
  liveVisits,
  NO_VISIT_FILTER,
  purposesOfKpi,
  visitFacets,
  visitPurposesOf,
  visitsByMonth,
  visitsOfKpi,
} from '../../../src/model/visits';

let n = 0;
function note(partial: Partial<Note> & { employer?: string; code?: string; purposes?: string[] }): Note {
  const { employer, code, purposes, ...rest } = partial;
  n++;
  return noteSchema.parse({
    id: `n${n}`,
    planId: 'p',
    itemId: 'i',
    date: '2026-05-01',
    author: '佐藤',
    text: '説明した',
    createdAt: `2026-05-01T00:00:${String(n).padStart(2, '0')}Z`,
    ...(employer === undefined ? {} : { visit: { employer, ...(code ? { employerCode: code } : {}), purposes: purposes ?? [] } }),
    ...rest,
  });
}

describe('noteSchema with visits', () => {
  const base = { id: 'n', planId: 'p', itemId: 'i', date: '2026-05-01', author: 'a', text: 't', createdAt: 'c' };
  it.each([
    ['a plain note of an older version', base, true],
    ['a visit', { ...base, visit: { employer: 'ABC商事', employerCode: '01-イ', purposes: ['健診勧奨'], nextDate: '2026-06-01' } }, true],
    ['a removed note', { ...base, deleted: true, updatedAt: 'u', updatedBy: 'b' }, true],
    ['a visit without an employer', { ...base, visit: { employer: '  ', purposes: [] } }, false],
    ['an employer name over 100 characters', { ...base, visit: { employer: 'あ'.repeat(101), purposes: [] } }, false],
    ['an employer code over 20 characters', { ...base, visit: { employer: 'A', employerCode: '1'.repeat(21), purposes: [] } }, false],
    ['a purpose over 30 characters', { ...base, visit: { employer: 'A', purposes: ['目'.repeat(31)] } }, false],
    ['21 purposes', { ...base, visit: { employer: 'A', purposes: Array.from({ length: 21 }, (_, i) => `p${i}`) } }, false],
    ['a next visit that is no date', { ...base, visit: { employer: 'A', purposes: [], nextDate: '2026-02-30' } }, false],
  ])('%s parses: %s', (_what, value, ok) => {
    expect(noteSchema.safeParse(value).success).toBe(ok);
  });
});

describe('visitPurposesOf', () => {
  const plan = { id: 'p', branch: 'b', fiscalYear: 2026, title: 't', periodKind: 'half', demo: false, deleted: false, updatedAt: '', updatedBy: '' };
  it('gives the default list to a plan that has none (older plans parse without one)', () => {
    expect(visitPurposesOf(planSchema.parse(plan)).map((p) => p.name)).toEqual([...DEFAULT_VISIT_PURPOSES]);
    expect(visitPurposesOf({ visitPurposes: [] }).map((p) => p.name)).toEqual([...DEFAULT_VISIT_PURPOSES]);
  });
  it("gives a plan's own list", () => {
    expect(visitPurposesOf(planSchema.parse({ ...plan, visitPurposes: [{ name: '口座振替勧奨' }] }))).toEqual([{ name: '口座振替勧奨' }]);
  });
});

describe('knownEmployers', () => {
  it('lists employers most recently visited first, once each whatever the width or spaces, with the latest code', () => {
    const notes = [
      note({ employer: 'ABC商事', code: '01-イ', date: '2026-04-10' }),
      note({ employer: 'ＡＢＣ 商事', date: '2026-06-01' }),
      note({ employer: '山田製作所', code: '02-ロ', date: '2026-05-01' }),
      note({ date: '2026-07-01' }),
      note({ employer: '消えた工業', date: '2026-08-01', deleted: true }),
    ];
    expect(knownEmployers(notes)).toEqual([
      { name: 'ＡＢＣ 商事', code: '01-イ', lastVisit: '2026-06-01', visits: 2 },
      { name: '山田製作所', code: '02-ロ', lastVisit: '2026-05-01', visits: 1 },
    ]);
  });
  it('finds a known employer by a typed name', () => {
    const known = knownEmployers([note({ employer: 'ABC商事', code: '01-イ' })]);
    expect(findEmployer(known, ' abc商事 ')?.code).toBe('01-イ');
    expect(findEmployer(known, '')).toBeUndefined();
    expect(findEmployer(known, 'XYZ')).toBeUndefined();
  });
});

describe('canCorrectNote', () => {
  it.each([
    ['its author', { authorId: 'u-sato' }, 'u-sato', false, true],
    ['another account (even of the same name)', { authorId: 'u-sato' }, 'u-sato-2', false, false],
    ['a lead', { authorId: 'u-sato' }, 'u-suzuki', true, true],
    ['staff, on a note from before authors had ids', {}, 'u-sato', false, false],
    ['a lead, on a note from before authors had ids', {}, 'u-suzuki', true, true],
    ['nobody signed in, not a lead', { authorId: 'u-sato' }, null, false, false],
  ])('%s', (_who, note, userId, isLead, allowed) => {
    expect(canCorrectNote(note, userId, isLead)).toBe(allowed);
  });
});

describe('visits of a KPI', () => {
  const kpi = { id: 'k1', name: '健康宣言事業所数' };
  it.each([
    ['by name when the purpose names no KPI', kpi.name, [{ name: '健康宣言' }, { name: '健診勧奨' }], ['健康宣言']],
    ['by name, ignoring width and spaces', '健康 宣言事業所数', [{ name: '健康宣言' }], ['健康宣言']],
    [
      'by its links when it has some',
      kpi.name,
      [
        { name: '健康宣言', kpiIds: ['k2'] },
        { name: '健診勧奨', kpiIds: ['k1'] },
      ],
      ['健診勧奨'],
    ],
    ['never by the name その他', 'その他の訪問件数', [{ name: 'その他' }], []],
  ])('links purposes %s', (_how, name, purposes, expected) => {
    expect(purposesOfKpi(purposes, { id: kpi.id, name })).toEqual(expected);
  });
  it('lists the live visits naming a linked purpose, newest first', () => {
    const a = note({ employer: 'A社', purposes: ['健康宣言'], date: '2026-05-01' });
    const b = note({ employer: 'B社', purposes: ['健診勧奨', '健康宣言'], date: '2026-06-01' });
    const c = note({ employer: 'C社', purposes: ['健診勧奨'] });
    const gone = note({ employer: 'D社', purposes: ['健康宣言'], deleted: true });
    expect(visitsOfKpi({}, kpi, [a, b, c, gone, note({})]).map((v) => v.visit.employer)).toEqual(['B社', 'A社']);
    expect(visitsOfKpi({}, { id: 'k3', name: '特定保健指導実施率' }, [a, b, c])).toEqual([]);
  });
});

describe('the 訪問記録 list', () => {
  const visits = liveVisits([
    note({ employer: 'A社', date: '2026-05-20', author: '佐藤' }),
    note({ employer: 'B社', date: '2026-05-02', author: '鈴木' }),
    note({ employer: 'A社', date: '2026-06-03', author: '鈴木' }),
    note({ date: '2026-06-04' }),
  ]);
  it.each([
    ['nothing', NO_VISIT_FILTER, ['2026-06-03', '2026-05-20', '2026-05-02']],
    ['a month', { ...NO_VISIT_FILTER, month: '2026-05' }, ['2026-05-20', '2026-05-02']],
    ['an employer (any width)', { ...NO_VISIT_FILTER, employer: 'Ａ社' }, ['2026-06-03', '2026-05-20']],
    ['a staff member', { ...NO_VISIT_FILTER, author: '鈴木' }, ['2026-06-03', '2026-05-02']],
    ['all three', { month: '2026-06', employer: 'A社', author: '佐藤' }, []],
  ])('filters by %s', (_by, filter, dates) => {
    expect(filterVisits(visits, filter).map((v) => v.date)).toEqual(dates);
  });
  it('offers months newest first, employers and staff by name; groups by month', () => {
    expect(visitFacets(visits)).toEqual({
      months: ['2026-06', '2026-05'],
      employers: ['A社', 'B社'],
      authors: ['佐藤', '鈴木'].sort((a, b) => a.localeCompare(b, 'ja')),
    });
    expect(visitsByMonth(visits).map((g) => [g.month, g.visits.length])).toEqual([
      ['2026-06', 1],
      ['2026-05', 2],
    ]);
  });
});

describe('noteDatesProblem', () => {
  it.each<[string, string, string | undefined, string | null]>([
    ['a visit today with its next visit next month', '2026-12-03', '2027-01-10', null],
    ['the earliest date', '2000-01-01', undefined, null],
    ['before 2000', '1999-12-31', undefined, '日付は 2000-01-01 から 2027-12-03 までです。'],
    ['more than a year ahead', '2027-12-04', undefined, '日付は 2000-01-01 から 2027-12-03 までです。'],
    ['a next visit before the visit', '2026-12-03', '2026-12-02', '次回訪問予定は訪問日（2026-12-03）から 2028-12-03 までです。'],
    ['a next visit in 9999', '2026-12-03', '9999-12-31', '次回訪問予定は訪問日（2026-12-03）から 2028-12-03 までです。'],
    ['a next visit the same day', '2026-12-03', '2026-12-03', null],
  ])('%s', (_what, date, next, problem) => expect(noteDatesProblem(date, next, '2026-12-03')).toBe(problem));

  it('moves 29 February to 1 March a year ahead', () => {
    expect(noteDatesProblem('2025-03-01', undefined, '2024-02-29')).toBeNull();
    expect(noteDatesProblem('2025-03-02', undefined, '2024-02-29')).toBe('日付は 2000-01-01 から 2025-03-01 までです。');
  });
});
