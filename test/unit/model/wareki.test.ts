import { describe, expect, it } from 'vitest';
import {
  bothFiscalYear,
  bothMonth,
  fiscalMonthIndex,
  fiscalYearFromWareki,
  fiscalYearOfMonth,
  isYearMonth,
  monthsOfFiscalYear,
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
  ])('%s → %s', (text, ym) => {
    expect(parseMonth(text)).toBe(ym);
  });

  it.each(['', 'garbage', '令和6年13月', '令和6年0月', 'R6.13末', '2024年13月', '2024-00', '令和6年度', '令和0年5月', '昭和60年5月', '2024年5月5日'])(
    'rejects %j',
    (text) => {
      expect(parseMonth(text)).toBeUndefined();
    },
  );
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
