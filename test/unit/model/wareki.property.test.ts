// Every month the app can meet, checked against Node's ICU japanese calendar rather than a
// hand-written table, plus every era-year/month that did not exist.
import { describe, expect, it } from 'vitest';
import { parseAsOf, parseMonth, warekiMonth, type YearMonth, yearMonth } from '../../../src/model/wareki';

const intl = new Intl.DateTimeFormat('ja-JP-u-ca-japanese', { era: 'long', year: 'numeric', month: 'numeric', timeZone: 'UTC' });

/** Intl's era, year and month for a day, written like warekiMonth (ICU writes year 1 as 1 or 元). */
function intlMonth(year: number, month: number, day: number): string {
  const parts = intl.formatToParts(new Date(Date.UTC(year, month - 1, day)));
  const part = (type: string) => parts.find((p) => p.type === type)?.value;
  const n = part('year') === '1' ? '元' : part('year');
  return `${part('era')}${n}年${part('month')}月`;
}

const MONTHS: { ym: YearMonth; year: number; month: number }[] = [];
for (let year = 1989; year <= 2060; year++) {
  for (let month = 1; month <= 12; month++) MONTHS.push({ ym: yearMonth(year, month), year, month });
}

/** ６ for 6, Ｒ for R, ． for .: how the seeds sometimes type the short form. */
function fullWidth(text: string): string {
  return text.replace(/[0-9A-Z.]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
}

/** 令和6年10月 → R6.10; 令和元年5月 → R1.5. */
function shortForm(wareki: string): string {
  const m = /^(令和|平成)(元|\d+)年(\d+)月$/.exec(wareki)!;
  return `${m[1] === '令和' ? 'R' : 'H'}${m[2] === '元' ? 1 : m[2]}.${m[3]}`;
}

/** Collects what fails instead of stopping at the first, so one run shows every bad month. */
function failures<T>(items: T[], check: (item: T) => string | undefined): string[] {
  return items.map(check).filter((f): f is string => f !== undefined);
}

describe('the ICU under test', () => {
  // Without the japanese calendar (or with one older than 令和) every comparison below is void.
  it('formats the japanese calendar and knows 令和', () => {
    expect(new Intl.DateTimeFormat('ja-JP-u-ca-japanese').resolvedOptions().calendar).toBe('japanese');
    expect(intlMonth(2019, 4, 1)).toBe('平成31年4月');
    expect(intlMonth(2019, 5, 1)).toBe('令和元年5月');
  });

  it('starts 平成 on 8 January 1989, which the app counts from the 1st', () => {
    expect(intlMonth(1989, 1, 1)).toBe('昭和64年1月');
    expect(intlMonth(1989, 1, 8)).toBe('平成元年1月');
    expect(warekiMonth('1989-01')).toBe('平成元年1月');
  });
});

describe(`every month from ${MONTHS[0]!.ym} to ${MONTHS.at(-1)!.ym}`, () => {
  it('warekiMonth agrees with Intl on the 1st of the month (1989-01: on the 8th)', () => {
    const bad = failures(MONTHS, ({ ym, year, month }) => {
      const expected = intlMonth(year, month, ym === '1989-01' ? 8 : 1);
      return warekiMonth(ym) === expected ? undefined : `${ym}: ${warekiMonth(ym)} ≠ ${expected}`;
    });
    expect(bad).toEqual([]);
  });

  it.each([
    ['令和6年10月', (w: string) => w],
    ['R6.10', shortForm],
    ['令和６年１０月', fullWidth],
    ['Ｒ６．１０', (w: string) => fullWidth(shortForm(w))],
    ['R6.10末', (w: string) => `${shortForm(w)}末`],
    ['（令和6年10月時点）', (w: string) => `（${w}時点）`],
  ])('parseMonth and parseAsOf read back the %s form', (_, form) => {
    const bad = failures(MONTHS, ({ ym }) => {
      const text = form(warekiMonth(ym));
      const asOf = parseAsOf(text);
      return parseMonth(text) === ym && asOf.ok && asOf.month === ym && asOf.from === undefined ? undefined : `${text} → ${parseMonth(text)}`;
    });
    expect(bad).toEqual([]);
  });
});

type Candidate = { era: string; n: number; month: number };

describe('every era-year/month, existing or not', () => {
  // Intl's months are the ones that existed; 令和 is bounded by the months checked above.
  const existing = new Set(MONTHS.map(({ ym }) => warekiMonth(ym)));
  const candidates = [...Array.from({ length: 36 }, (_, n) => ({ era: '平成', n })), ...Array.from({ length: 43 }, (_, n) => ({ era: '令和', n }))].flatMap(
    ({ era, n }) => Array.from({ length: 12 }, (_, i) => ({ era, n, month: i + 1 })),
  );
  const missing = candidates.filter(({ era, n, month }) => !existing.has(`${era}${n === 1 ? '元' : n}年${month}月`));

  it('includes the months around the changes of era', () => {
    const names = missing.map(({ era, n, month }) => `${era}${n}年${month}月`);
    expect(names).toEqual(
      expect.arrayContaining(['令和1年1月', '令和1年4月', '平成31年5月', '平成31年12月', '平成32年1月', '平成35年12月', '令和0年5月', '平成0年1月']),
    );
    expect(names).not.toContain('令和1年5月');
    expect(names).not.toContain('平成31年4月');
    expect(missing).toHaveLength(candidates.length - MONTHS.length);
  });

  it.each([
    ['令和1年4月', ({ era, n, month }: Candidate) => `${era}${n}年${month}月`],
    ['令和元年4月', ({ era, n, month }: Candidate) => `${era}${n === 1 ? '元' : n}年${month}月`],
    ['R1.4末', ({ era, n, month }: Candidate) => `${era === '令和' ? 'R' : 'H'}${n}.${month}末`],
    ['Ｒ１．４', ({ era, n, month }: Candidate) => fullWidth(`${era === '令和' ? 'R' : 'H'}${n}.${month}`)],
  ])('the %s form of a month that did not exist is refused with a message', (_, form) => {
    const bad = failures(missing, (c) => {
      const text = form(c);
      const asOf = parseAsOf(text);
      if (parseMonth(text) !== undefined) return `parseMonth(${text}) = ${parseMonth(text)}`;
      return !asOf.ok && /ありません/.test(asOf.message) ? undefined : `parseAsOf(${text}) = ${JSON.stringify(asOf)}`;
    });
    expect(bad).toEqual([]);
  });
});
