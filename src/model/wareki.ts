// Fiscal years (April–March) and 和暦 ⇄ 西暦 for the years and months a plan talks about.
// Pure functions: the seeds write 令和６年度, 令和６年５月時点, R6.10末 and 令和元年度 with full-width
// digits, so every parser accepts those spellings.

/** A calendar month as `YYYY-MM`. */
export type YearMonth = string;

const ERAS = [
  // A month belongs to the era in force on its last day: 令和 began 1 May 2019, so May 2019 is
  // 令和元年5月; 平成 began 8 January 1989, so the whole of January 1989 counts as 平成元年1月.
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

/** What the seeds write after a figure: one month, a fiscal-year end, or a range of months. */
export type AsOf = { from?: YearMonth; month: YearMonth };

export type AsOfResult = ({ ok: true } & AsOf) | { ok: false; message: string };

type MonthRead = { ok: true; ym: YearMonth; era?: Era; eraYear?: number } | { ok: false; message: string };

const ERA = '(令和|平成|昭和|[RHS])';
const ERA_MONTH = new RegExp(`^${ERA}(元|\\d{1,3})(?:年|[./])(\\d{1,2})月?$`, 'i');
const ERA_FISCAL_YEAR_END = new RegExp(`^${ERA}(元|\\d{1,3})(?:年度|\\.)末$`, 'i');
const ERA_FISCAL_YEAR = new RegExp(`^${ERA}(元|\\d{1,3})年度$`, 'i');
const SEIREKI_MONTH = /^(\d{4})(?:年|-|\/)(\d{1,2})月?$/;
// A word after the date that says what or when it counts, never part of the date: 時点, 現在,
// or a word ending in 分 (健診受診分) right after a digit, 月 or 末.
const QUALIFIER = /(?<=[\d月末])(?:時点|現在|(?:(?![年月度末])[\p{sc=Han}\p{sc=Katakana}ー])*分)$/u;

/** Full-width digits, letters, brackets, slash and tilde to ASCII, all spaces out, for the parsers. */
function normalise(text: string): string {
  return toHalfWidth(text)
    .replace(/[Ａ-Ｚａ-ｚ（）／～]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/〜/g, '~')
    .replace(/\s+/g, '');
}

/** （R5.4～R5.10健診受診分） → R5.4~R5.10: the brackets and the qualifier around a date. */
function unwrap(text: string): string {
  const t = normalise(text);
  return (/^\((.*)\)$/.exec(t)?.[1] ?? t).replace(QUALIFIER, '');
}

function eraStart(era: Era): YearMonth {
  return yearMonth(era.firstYear, era.firstMonth);
}

/** The last month of an era, or undefined for the current one. */
function eraEnd(era: Era): YearMonth | undefined {
  const next = ERAS[ERAS.indexOf(era) - 1];
  if (!next) return undefined;
  return next.firstMonth === 1 ? yearMonth(next.firstYear - 1, 12) : yearMonth(next.firstYear, next.firstMonth - 1);
}

function eraYearText(era: Era, n: number): string {
  return `${era.name}${n === 1 ? '元' : n}年`;
}

/** Month `month` of year `n` of an era, refused when the era was not in force then. */
function eraMonth(era: Era, n: number, month: number): MonthRead {
  const name = `${eraYearText(era, n)}${month}月`;
  if (n < 1) return { ok: false, message: `${era.name}${n}年はありません（最初の年は元年です）` };
  if (month < 1 || month > 12) return { ok: false, message: `${name}はありません（月は1〜12です）` };
  const ym = yearMonth(era.firstYear + n - 1, month);
  if (ym < eraStart(era)) {
    return { ok: false, message: `${name}はありません（${era.name}は${era.firstYear}年${era.firstMonth}月から。${warekiMonth(ym)}のことですか）` };
  }
  const end = eraEnd(era);
  if (end && ym > end) {
    const last = warekiMonth(end);
    if (splitYearMonth(ym).year > splitYearMonth(end).year) return { ok: false, message: `${era.name}${n}年はありません（${era.name}は${last.slice(2)}まで）` };
    return { ok: false, message: `${name}はありません（${era.name}は${last.slice(2)}まで。${warekiMonth(ym)}のことですか）` };
  }
  return { ok: true, ym, era, eraYear: n };
}

function unsupportedEra(name: string): string {
  return `${name.toUpperCase() === 'S' ? '昭和' : name}は扱えません（平成と令和だけです）`;
}

/** One month, with or without a trailing 末; `text` already unwrapped. */
function readMonth(text: string, original: string): MonthRead {
  const t = text.replace(/末$/, '');
  let m = ERA_MONTH.exec(t);
  if (m) {
    const era = eraByName(m[1]!);
    if (!era) return { ok: false, message: unsupportedEra(m[1]!) };
    return eraMonth(era, m[2] === '元' ? 1 : Number(m[2]), Number(m[3]));
  }
  m = SEIREKI_MONTH.exec(t);
  if (m) {
    const month = Number(m[2]);
    if (month < 1 || month > 12) return { ok: false, message: `${m[1]}年${month}月はありません（月は1〜12です）` };
    const ym = yearMonth(Number(m[1]), month);
    // Earlier months have no 和暦 this app can show.
    if (ym < eraStart(ERAS[1])) return { ok: false, message: `${m[1]}年${month}月は扱えません（平成元年1月から）` };
    return { ok: true, ym };
  }
  m = ERA_FISCAL_YEAR.exec(t);
  if (m) return { ok: false, message: `${m[0]}は年度です。年度末なら「${m[0]}末」と書いてください` };
  return { ok: false, message: `月として読めません: ${original}` };
}

/** 令和5年度末 / R5.末 → the March that closes fiscal year 令和5年度 (2024-03). */
function readFiscalYearEnd(m: RegExpExecArray): AsOfResult {
  const era = eraByName(m[1]!);
  if (!era) return { ok: false, message: unsupportedEra(m[1]!) };
  const n = m[2] === '元' ? 1 : Number(m[2]);
  const fiscalYear = era.firstYear + n - 1;
  if (n < 1) return { ok: false, message: `${era.name}${n}年度はありません（最初の年度は元年度です）` };
  const end = eraEnd(era);
  // 令和元年度 and 平成31年度 are both in use: a fiscal year counts if the era held any month of it.
  if (end && yearMonth(fiscalYear, 4) > end) {
    return { ok: false, message: `${era.name}${n}年度はありません（${era.name}は${fiscalYearOfMonth(end) - era.firstYear + 1}年度まで）` };
  }
  return { ok: true, month: yearMonth(fiscalYear + 1, 3) };
}

/** R5.4~R5.10, 令和5年4月~令和5年10月, or R5.4~10 and 令和6年4月~6月 (the end takes the start's year). */
function readRange(start: string, end: string, original: string): AsOfResult {
  const from = readMonth(start, original);
  if (!from.ok) return from;
  const short = /^(\d{1,2})月?末?$/.exec(end);
  let to: MonthRead;
  if (!short) to = readMonth(end, original);
  else if (from.era && from.eraYear) to = eraMonth(from.era, from.eraYear, Number(short[1]));
  else to = readMonth(`${from.ym.slice(0, 4)}年${short[1]}月`, original);
  if (!to.ok) return to;
  if (to.ym < from.ym) return { ok: false, message: `終わり（${warekiMonth(to.ym)}）が始まり（${warekiMonth(from.ym)}）より前です` };
  return { ok: true, from: from.ym, month: to.ym };
}

/**
 * The month a figure is "as of", as the seeds write it, to `{ month }` or a range `{ from, month }`:
 * - a month: 令和６年５月, R6.10, R6.１０末, Ｒ６．１０末, H31.4, 2024年5月, 2024-05, 2025/3;
 * - a fiscal-year end, meaning its closing March: 令和5年度末, R5年度末, R5.末, Ｒ５．末 → 2024-03;
 * - a range: R5.4～R5.10, R5.4~10, 令和5年4月～令和5年10月, 令和６年４月～６月.
 * Full-width digits, letters and signs, spaces, wrapping brackets （…）, a trailing 末, and a
 * trailing 時点 / 現在 / …分 (健診受診分) are allowed. Months no era had (令和元年4月, 平成31年5月,
 * 平成32年, 令和0年), 昭和, months before 1989 and ranges that end before they start are refused
 * with a message in Japanese.
 */
export function parseAsOf(text: string): AsOfResult {
  const t = unwrap(text);
  if (t === '') return { ok: false, message: '月が書かれていません' };
  const fiscalYearEnd = ERA_FISCAL_YEAR_END.exec(t);
  if (fiscalYearEnd) return readFiscalYearEnd(fiscalYearEnd);
  const parts = t.split('~');
  if (parts.length === 2) return readRange(parts[0]!, parts[1]!, text);
  if (parts.length > 2) return { ok: false, message: `月として読めません: ${text}` };
  const month = readMonth(t, text);
  return month.ok ? { ok: true, month: month.ym } : month;
}

/**
 * One month as parseAsOf reads it (not a fiscal-year end or a range) → 'YYYY-MM', or undefined
 * for anything else, including months no era had.
 */
export function parseMonth(text: string): YearMonth | undefined {
  const month = readMonth(unwrap(text), text);
  return month.ok ? month.ym : undefined;
}

/** { month: '2024-11' } → 令和6年11月末; { from: '2023-04', month: '2023-10' } → 令和5年4月～令和5年10月. */
export function describeAsOf(asOf: AsOf): string {
  return asOf.from === undefined ? `${warekiMonth(asOf.month)}末` : `${warekiMonth(asOf.from)}～${warekiMonth(asOf.month)}`;
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

/** A day, and optionally a time of day, in the reader's own calendar and clock. */
export interface LocalMoment {
  /** `YYYY-MM-DD`. */
  date: string;
  /** `HH:MM`, 24-hour; absent for a day alone. */
  time?: string;
}

/**
 * The one way the app writes a day or a moment: 和暦 first, the time after the day, and — where
 * the 西暦 helps (a report, a note that outlives the year) — the 西暦 year in brackets right after
 * the 和暦 year, never after the time:
 * 令和8年12月3日 · 令和8年12月3日 13:57 · 令和8年（2026年）12月3日 · 令和8年（2026年）12月3日 13:57.
 */
export function formatMoment(moment: LocalMoment, options: { seireki?: boolean } = {}): string {
  const day = warekiDate(moment.date);
  const dated = options.seireki ? day.replace(/年/, `年（${moment.date.slice(0, 4)}年）`) : day;
  return moment.time ? `${dated} ${moment.time}` : dated;
}

/**
 * An ISO timestamp as the local day and time, `offsetMinutes` east of UTC (Japan: 540); null for
 * text that is no timestamp. The caller passes the device's offset at that moment.
 */
export function localMoment(iso: string, offsetMinutes: number): LocalMoment | null {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return null;
  const local = new Date(ms + offsetMinutes * 60_000);
  const two = (n: number) => String(n).padStart(2, '0');
  return {
    date: `${local.getUTCFullYear()}-${two(local.getUTCMonth() + 1)}-${two(local.getUTCDate())}`,
    time: `${two(local.getUTCHours())}:${two(local.getUTCMinutes())}`,
  };
}
