import { describe, expect, it } from 'vitest';
import {
  bothFiscalYear,
  bothMonth,
  describeAsOf,
  fiscalMonthIndex,
  fiscalYearFromWareki,
  fiscalYearOfMonth,
  formatMoment,
  isYearMonth,
  localMoment,
  monthsOfFiscalYear,
  parseAsOf,
  parseMonth,
  toHalfWidth,
  warekiDate,
  warekiFiscalYear,
  warekiMonth,
} from '../../../src/model/wareki';

describe('fiscalYearFromWareki', () => {
  it.each([
    ['令和6年度', 2024],
    ['令和６年度', 2024],
    ['令和元年度', 2019],
    ['令和7年度', 2025],
    ['平成30年度', 2018],
    ['平成元年度', 1989],
    ['R6年度', 2024],
    ['r6年度', 2024],
    [' 令和 6 年度 ', 2024],
  ])('%s → %i', (text, year) => {
    expect(fiscalYearFromWareki(text)).toBe(year);
  });

  it.each(['', '令和6年', '2024年度', '令和0年度', '昭和60年度', '令和6年度です', 'garbage'])('rejects %j', (text) => {
    expect(fiscalYearFromWareki(text)).toBeUndefined();
  });
});

describe('warekiFiscalYear', () => {
  it.each([
    [2024, '令和6年度'],
    [2019, '令和元年度'],
    [2020, '令和2年度'],
    [2018, '平成30年度'],
    [1989, '平成元年度'],
  ])('%i → %s', (year, text) => {
    expect(warekiFiscalYear(year)).toBe(text);
  });

  it.each([2018, 2019, 2024, 2030])('round-trips %i through fiscalYearFromWareki', (year) => {
    expect(fiscalYearFromWareki(warekiFiscalYear(year))).toBe(year);
  });

  it('shows both calendars', () => {
    expect(bothFiscalYear(2024)).toBe('令和6年度（2024年度）');
  });
});

describe('parseMonth', () => {
  it.each([
    ['令和６年５月', '2024-05'],
    ['令和６年５月時点', '2024-05'],
    ['令和6年5月時点', '2024-05'],
    ['令和元年5月', '2019-05'],
    ['平成31年4月', '2019-04'],
    ['R6.10末', '2024-10'],
    ['R6.10', '2024-10'],
    ['R6.１０末', '2024-10'],
    ['R６．１０末', '2024-10'],
    ['r6.4', '2024-04'],
    ['H30.3末', '2018-03'],
    ['2024年5月', '2024-05'],
    ['２０２４年５月時点', '2024-05'],
    ['2024-05', '2024-05'],
    ['2025/3', '2025-03'],
    [' 令和 6 年 12 月 ', '2024-12'],
    ['Ｒ６．１０末', '2024-10'],
    ['令和６年10月末時点', '2024-10'],
    ['令和6年10月末', '2024-10'],
    ['令和6年10月現在', '2024-10'],
    ['（R6.１０末）', '2024-10'],
    ['（令和６年５月時点）', '2024-05'],
    ['平成元年1月', '1989-01'],
    ['H31.4', '2019-04'],
    ['R1.5', '2019-05'],
  ])('%s → %s', (text, ym) => {
    expect(parseMonth(text)).toBe(ym);
  });

  // Months no era had, eras the app does not show, and forms that are not one month.
  it.each([
    '令和元年4月',
    'R1.4',
    '令和元年1月',
    '平成31年5月',
    'H31.12',
    '平成32年1月',
    'H32.4',
    '平成0年5月',
    'S60.5',
    '1988年12月',
    'R5.末',
    '令和5年度末',
    'R5.4～R5.10',
  ])('rejects %j', (text) => {
    expect(parseMonth(text)).toBeUndefined();
  });

  it.each(['', 'garbage', '令和6年13月', '令和6年0月', 'R6.13末', '2024年13月', '2024-00', '令和6年度', '令和0年5月', '昭和60年5月', '2024年5月5日'])(
    'rejects %j',
    (text) => {
      expect(parseMonth(text)).toBeUndefined();
    },
  );
});

describe('parseAsOf', () => {
  it.each([
    // One month, as the seeds write it after a figure.
    ['R6.10末', { month: '2024-10' }],
    ['Ｒ６．１０末', { month: '2024-10' }],
    ['令和６年10月末時点', { month: '2024-10' }],
    ['（R6.１０末）', { month: '2024-10' }],
    ['（R6.11末）', { month: '2024-11' }],
    ['（令和６年５月時点）', { month: '2024-05' }],
    ['2024-05', { month: '2024-05' }],
    // The end of a fiscal year is the March that closes it.
    ['R5.末', { month: '2024-03' }],
    ['（R5.末）', { month: '2024-03' }],
    ['Ｒ５．末', { month: '2024-03' }],
    ['令和5年度末', { month: '2024-03' }],
    ['令和６年度末', { month: '2025-03' }],
    ['R5年度末', { month: '2024-03' }],
    ['令和元年度末', { month: '2020-03' }],
    ['平成31年度末', { month: '2020-03' }],
    ['平成30年度末', { month: '2019-03' }],
    // Ranges; a bare month at the end takes the start's era and year.
    ['R5.4～R5.10', { from: '2023-04', month: '2023-10' }],
    ['R5.4~R5.10', { from: '2023-04', month: '2023-10' }],
    ['R5.4〜R5.10', { from: '2023-04', month: '2023-10' }],
    ['令和5年4月～令和5年10月', { from: '2023-04', month: '2023-10' }],
    ['R5.4～10', { from: '2023-04', month: '2023-10' }],
    ['（R5.4～R5.10健診受診分）', { from: '2023-04', month: '2023-10' }],
    ['（令和６年４月～６月）', { from: '2024-04', month: '2024-06' }],
    ['R5.10～R6.3', { from: '2023-10', month: '2024-03' }],
    ['H31.4～R1.5', { from: '2019-04', month: '2019-05' }],
    ['2024年4月～6月', { from: '2024-04', month: '2024-06' }],
  ])('%s → %o', (text, asOf) => {
    expect(parseAsOf(text)).toEqual({ ok: true, ...asOf });
  });

  it.each([
    ['令和元年4月', '令和元年4月はありません（令和は2019年5月から。平成31年4月のことですか）'],
    ['R1.4末', '令和元年4月はありません（令和は2019年5月から。平成31年4月のことですか）'],
    ['平成31年5月', '平成31年5月はありません（平成は31年4月まで。令和元年5月のことですか）'],
    ['平成32年1月', '平成32年はありません（平成は31年4月まで）'],
    ['令和0年5月', '令和0年はありません（最初の年は元年です）'],
    ['令和6年13月', '令和6年13月はありません（月は1〜12です）'],
    ['平成32年度末', '平成32年度はありません（平成は31年度まで）'],
    ['令和0年度末', '令和0年度はありません（最初の年度は元年度です）'],
    ['昭和60年5月', '昭和は扱えません（平成と令和だけです）'],
    ['1988年12月', '1988年12月は扱えません（平成元年1月から）'],
    ['令和6年度', '令和6年度は年度です。年度末なら「令和6年度末」と書いてください'],
    ['R5.10～R5.4', '終わり（令和5年4月）が始まり（令和5年10月）より前です'],
    ['令和6年10月～3月', '終わり（令和6年3月）が始まり（令和6年10月）より前です'],
    ['H31.4～5', '平成31年5月はありません（平成は31年4月まで。令和元年5月のことですか）'],
    ['R5.4～R5.6～R5.8', '月として読めません: R5.4～R5.6～R5.8'],
    ['令和6年8月1日', '月として読めません: 令和6年8月1日'],
    ['garbage', '月として読めません: garbage'],
    ['', '月が書かれていません'],
    ['（）', '月が書かれていません'],
  ])('refuses %j: %s', (text, message) => {
    expect(parseAsOf(text)).toEqual({ ok: false, message });
  });
});

describe('describeAsOf', () => {
  it.each([
    [{ month: '2024-11' }, '令和6年11月末'],
    [{ month: '2019-04' }, '平成31年4月末'],
    [{ from: '2023-04', month: '2023-10' }, '令和5年4月～令和5年10月'],
    [{ from: '2019-04', month: '2019-05' }, '平成31年4月～令和元年5月'],
  ])('%o → %s', (asOf, text) => {
    expect(describeAsOf(asOf)).toBe(text);
  });

  it.each(['R6.11末', 'R5.4～R5.10', '令和5年度末', 'H31.4～R1.5'])('parseAsOf reads back what it says for %s', (text) => {
    const asOf = parseAsOf(text);
    if (!asOf.ok) throw new Error(asOf.message);
    expect(parseAsOf(describeAsOf(asOf))).toEqual(asOf);
  });
});

describe('warekiMonth', () => {
  it.each([
    ['2024-05', '令和6年5月'],
    ['2025-03', '令和7年3月'],
    ['2019-04', '平成31年4月'],
    ['2019-05', '令和元年5月'],
    ['2019-12', '令和元年12月'],
    ['2020-01', '令和2年1月'],
    ['2018-04', '平成30年4月'],
    ['1989-01', '平成元年1月'],
  ])('%s → %s', (ym, text) => {
    expect(warekiMonth(ym)).toBe(text);
  });

  it.each(['2019-04', '2019-05', '2024-05', '2025-03'])('parseMonth reads back %s', (ym) => {
    expect(parseMonth(warekiMonth(ym))).toBe(ym);
  });

  it('shows both calendars and days', () => {
    expect(bothMonth('2024-05')).toBe('令和6年5月（2024年5月）');
    expect(warekiDate('2024-05-10')).toBe('令和6年5月10日');
  });
});

describe('fiscal year arithmetic', () => {
  it.each([
    ['2024-04', 2024],
    ['2024-12', 2024],
    ['2025-01', 2024],
    ['2025-03', 2024],
    ['2025-04', 2025],
    ['2019-04', 2019],
    ['2019-03', 2018],
  ])('fiscalYearOfMonth(%s) = %i', (ym, fy) => {
    expect(fiscalYearOfMonth(ym)).toBe(fy);
  });

  it('monthsOfFiscalYear lists April to March', () => {
    expect(monthsOfFiscalYear(2024)).toEqual([
      '2024-04',
      '2024-05',
      '2024-06',
      '2024-07',
      '2024-08',
      '2024-09',
      '2024-10',
      '2024-11',
      '2024-12',
      '2025-01',
      '2025-02',
      '2025-03',
    ]);
  });

  it.each([2018, 2019, 2024])('every month of FY%i belongs to it', (fy) => {
    const months = monthsOfFiscalYear(fy);
    expect(months.map(fiscalYearOfMonth)).toEqual(Array(12).fill(fy));
    expect(months.map(fiscalMonthIndex)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });
});

describe('helpers', () => {
  it.each([
    ['2024-05', true],
    ['2024-12', true],
    ['2024-13', false],
    ['2024-00', false],
    ['2024-5', false],
    ['令和6年5月', false],
  ])('isYearMonth(%j) = %s', (text, ok) => {
    expect(isYearMonth(text)).toBe(ok);
  });

  it('folds full-width digits, signs and spaces', () => {
    expect(toHalfWidth('１２３．４－５，６\u3000Ａ')).toBe('123.4-5,6 Ａ');
  });
});

describe('formatMoment: the one style of days and moments', () => {
  it.each<[string, { date: string; time?: string }, boolean, string]>([
    ['a day', { date: '2026-12-03' }, false, '令和8年12月3日'],
    ['a moment: the time after the day', { date: '2026-12-03', time: '13:57' }, false, '令和8年12月3日 13:57'],
    ['a day with its 西暦 year right after the 和暦 year', { date: '2026-12-03' }, true, '令和8年（2026年）12月3日'],
    ['a moment with its 西暦 year: never after the time', { date: '2026-12-03', time: '13:57' }, true, '令和8年（2026年）12月3日 13:57'],
    ['the first year of an era', { date: '2019-05-01', time: '00:00' }, true, '令和元年（2019年）5月1日 00:00'],
    ['平成', { date: '2019-04-30' }, true, '平成31年（2019年）4月30日'],
    ['a morning keeps its leading zero', { date: '2026-01-05', time: '09:07' }, false, '令和8年1月5日 09:07'],
  ])('%s', (_name, moment, seireki, text) => {
    expect(formatMoment(moment, { seireki })).toBe(text);
  });
});

describe('localMoment', () => {
  it.each<[string, string, number, { date: string; time: string } | null]>([
    ['in Japan (UTC+9)', '2026-12-03T04:57:00.000Z', 540, { date: '2026-12-03', time: '13:57' }],
    ['past midnight in Japan is the next day', '2026-12-02T15:30:00Z', 540, { date: '2026-12-03', time: '00:30' }],
    ['the last second of a year in UTC', '2026-12-31T23:59:59Z', 0, { date: '2026-12-31', time: '23:59' }],
    ['west of UTC the day before', '2026-01-01T03:00:00Z', -300, { date: '2025-12-31', time: '22:00' }],
    ['a half-hour zone', '2026-12-03T04:57:00Z', 330, { date: '2026-12-03', time: '10:27' }],
    ['no timestamp', 'いつか', 540, null],
  ])('%s', (_name, iso, offset, moment) => {
    expect(localMoment(iso, offset)).toEqual(moment);
  });
});
