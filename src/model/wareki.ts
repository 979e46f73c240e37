// Fiscal years (April–March) and 和暦 ⇄ 西暦 for the years and months a plan talks about.
// Pure functions: the seeds write 令和６年度, 令和６年５月時点, R6.10末 and 令和元年度 with full-width
// digits, so every parser accepts those spellings.

/** A calendar month as `YYYY-MM`. */
export type YearMonth = string;

const ERAS = [
  // Eras start on a day; a month belongs to the era in force on its first day, except that
  // May 2019 (令和 began 1 May) is the first month of 令和.
  { name: '令和', short: 'R', firstYear: 2019, firstMonth: 5 },
  { name: '平成', short: 'H', firstYear: 1989, firstMonth: 1 },
] as const;

type Era = (typeof ERAS)[number];

/** Full-width digits and signs to ASCII, so ６ reads as 6. */
export function toHalfWidth(text: string): string {
  return text.replace(/[０-９．－，]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ');
}

function eraByName(name: string): Era | undefined {
  return ERAS.find((e) => e.name === name || e.short === name.toUpperCase());
}

function eraYearNumber(text: string): number | undefined {
  if (text === '元') return 1;
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}

/** 令和6年度 → 2024 (FY 2024 runs April 2024 – March 2025). */
export function fiscalYearFromWareki(text: string): number | undefined {
  const m = /^\s*(令和|平成|[RH])\s*(元|\d{1,2})\s*年度\s*$/i.exec(toHalfWidth(text));
  if (!m) return undefined;
  const era = eraByName(m[1]!);
  const n = eraYearNumber(m[2]!);
  if (!era || n === undefined) return undefined;
  return era.firstYear + n - 1;
}

/** 2024 → 令和6年度; 2019 → 令和元年度 (the fiscal year that ended under 令和). */
export function warekiFiscalYear(fiscalYear: number): string {
  const era = fiscalYear >= 2019 ? ERAS[0] : ERAS[1];
  const n = fiscalYear - era.firstYear + 1;
  return `${era.name}${n === 1 ? '元' : n}年度`;
}

export function isYearMonth(text: string): boolean {
  const m = /^(\d{4})-(\d{2})$/.exec(text);
  return !!m && Number(m[2]) >= 1 && Number(m[2]) <= 12;
}

export function yearMonth(year: number, month: number): YearMonth {
  return `${year}-${String(month).padStart(2, '0')}`;
}

export function splitYearMonth(ym: YearMonth): { year: number; month: number } {
  return { year: Number(ym.slice(0, 4)), month: Number(ym.slice(5, 7)) };
}

function eraOfMonth(year: number, month: number): Era {
  const reiwa = ERAS[0];
  return year > reiwa.firstYear || (year === reiwa.firstYear && month >= reiwa.firstMonth) ? reiwa : ERAS[1];
}

/**
 * 令和６年５月, 令和6年5月時点, R6.10, R6.10末, 2024年5月 or 2024-05 → '2024-05'.
 * Returns undefined for anything else.
 */
export function parseMonth(text: string): YearMonth | undefined {
  const t = toHalfWidth(text)
    .trim()
    .replace(/(時点|末)$/u, '')
    .replace(/(時点|末)$/u, '')
    .trim();
  let m = /^(令和|平成)\s*(元|\d{1,2})\s*年\s*(\d{1,2})\s*月$/.exec(t);
  if (!m) m = /^([RH])\s*(元|\d{1,2})\s*[.．/]\s*(\d{1,2})$/i.exec(t);
  if (m) {
    const era = eraByName(m[1]!);
    const n = eraYearNumber(m[2]!);
    const month = Number(m[3]);
    if (!era || n === undefined || month < 1 || month > 12) return undefined;
    return yearMonth(era.firstYear + n - 1, month);
  }
  m = /^(\d{4})\s*(?:年|-|\/)\s*(\d{1,2})\s*月?$/.exec(t);
  if (m) {
    const month = Number(m[2]);
    return month >= 1 && month <= 12 ? yearMonth(Number(m[1]), month) : undefined;
  }
  return undefined;
}

/** '2024-05' → 令和6年5月 */
export function warekiMonth(ym: YearMonth): string {
  const { year, month } = splitYearMonth(ym);
  const era = eraOfMonth(year, month);
  const n = year - era.firstYear + 1;
  return `${era.name}${n === 1 ? '元' : n}年${month}月`;
}

/** '2024-05' → 2024年5月 */
export function seirekiMonth(ym: YearMonth): string {
  const { year, month } = splitYearMonth(ym);
  return `${year}年${month}月`;
}

/** '2024-05' → 令和6年5月（2024年5月）: both calendars where dates matter. */
export function bothMonth(ym: YearMonth): string {
  return `${warekiMonth(ym)}（${seirekiMonth(ym)}）`;
}

/** 2024 → 令和6年度（2024年度） */
export function bothFiscalYear(fiscalYear: number): string {
  return `${warekiFiscalYear(fiscalYear)}（${fiscalYear}年度）`;
}

/** The fiscal year a month belongs to: 2025-03 → 2024. */
export function fiscalYearOfMonth(ym: YearMonth): number {
  const { year, month } = splitYearMonth(ym);
  return month >= 4 ? year : year - 1;
}

/** The twelve months of a fiscal year, April first. */
export function monthsOfFiscalYear(fiscalYear: number): YearMonth[] {
  return Array.from({ length: 12 }, (_, i) => {
    const m = 4 + i;
    return m <= 12 ? yearMonth(fiscalYear, m) : yearMonth(fiscalYear + 1, m - 12);
  });
}

/** 0 for April … 11 for March. */
export function fiscalMonthIndex(ym: YearMonth): number {
  const { month } = splitYearMonth(ym);
  return (month + 8) % 12;
}

/** A date `YYYY-MM-DD` → 令和6年5月10日 */
export function warekiDate(isoDate: string): string {
  const day = Number(isoDate.slice(8, 10));
  return `${warekiMonth(isoDate.slice(0, 7))}${day}日`;
}

/** Today as `YYYY-MM-DD` in local time (the date a person means when they write a note). */
export function localIsoDate(now: Date): string {
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
}
