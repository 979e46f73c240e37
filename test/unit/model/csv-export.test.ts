import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CSV_BOM, csvField, excelText, kpiCsv, kpiCsvHeader, PROGRESS_CSV_HEADER, progressCsv, toCsv } from '../../../src/model/csv-export';
import { describeTarget, judge } from '../../../src/model/kpi-judgement';
import { kpisInPlanOrder } from '../../../src/model/kpi-order';
import { periodsOf } from '../../../src/model/period';
import { parsePlanFile, planFileToRecords, type PlanRecords } from '../../../src/model/plan-file';
import { buildTree, flattenItems, joinLabels, labelPath } from '../../../src/model/plan-tree';
import type { Item, Note, Progress, Section } from '../../../src/model/schemas';
import { monthsOfFiscalYear } from '../../../src/model/wareki';
import demo from '../../../src/demo/tokyo-r6.plan.json';
import { CSV_ERROR, CsvError, parseCsv } from '../csv-parse';
import { orderKeyOfNumber } from '../../../src/model/order-key';

function demoRecords(): PlanRecords {
  const parsed = parsePlanFile(demo);
  if (!parsed.ok) throw new Error('the demo plan must be valid');
  let n = 0;
  return planFileToRecords(parsed.file, { planId: 'demo', now: '2024-10-01T00:00:00.000Z', author: 'test', newId: () => `note-${++n}` });
}

describe('csvField and toCsv', () => {
  it.each<[string, string]>([
    ['健康宣言事業所数', '健康宣言事業所数'],
    ['', ''],
    ['2,719', '"2,719"'],
    ['「"重点"」事業', '"「""重点""」事業"'],
    ['1行目\r\n2行目', '"1行目\r\n2行目"'],
    ['1行目\n2行目', '"1行目\n2行目"'],
    ['末尾\r', '"末尾\r"'],
    [' 前後の空白 ', ' 前後の空白 '],
    ['全角，カンマ', '全角，カンマ'],
  ])('%j → %j', (value, field) => {
    expect(csvField(value)).toBe(field);
  });

  it('starts with a BOM and ends every row with CRLF', () => {
    expect(
      toCsv([
        ['指標', '単位'],
        ['郵送化率', '%'],
      ]),
    ).toBe('\uFEFF指標,単位\r\n郵送化率,%\r\n');
    expect(toCsv([])).toBe(CSV_BOM);
  });

  it.each<[string, string]>([
    ['=SUM(A1:A9)', "'=SUM(A1:A9)"],
    ['+81 3-1234', "'+81 3-1234"],
    ['-0.2%の差', "'-0.2%の差"],
    ['@訪問', "'@訪問"],
    ['－ 実施なし', '－ 実施なし'],
    ['98.2%', '98.2%'],
  ])('excelText(%j) = %j', (text, shown) => {
    expect(excelText(text)).toBe(shown);
  });
});

describe('parseCsv', () => {
  it.each<[string, string, string[][]]>([
    ['empty text', '', []],
    ['only a BOM', CSV_BOM, []],
    [
      'CRLF',
      'a,b\r\nc,d\r\n',
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
    ],
    [
      'LF',
      'a,b\nc,d\n',
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
    ],
    [
      'CR',
      'a,b\rc,d',
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
    ],
    [
      'no line break at the end',
      'a,b\r\nc,d',
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
    ],
    ['BOM', '\uFEFF指標,単位\r\n', [['指標', '単位']]],
    ['a BOM only at the start', 'a\uFEFF,b', [['a\uFEFF', 'b']]],
    ['empty fields', ',,\r\n', [['', '', '']]],
    ['a trailing empty field', 'a,\r\n', [['a', '']]],
    ['an empty line is a row', 'a\r\n\r\nb\r\n', [['a'], [''], ['b']]],
    ['quoted comma, quote and line breaks', '"2,719","「""重点""」","1行目\r\n2行目","x\ny"\r\n', [['2,719', '「"重点"」', '1行目\r\n2行目', 'x\ny']]],
    ['an empty quoted field', '"",a\r\n""\r\n', [['', 'a'], ['']]],
    ['full-width characters and spaces', '　全角，カンマ , ｶﾅ \r\n', [['　全角，カンマ ', ' ｶﾅ ']]],
  ])('%s', (_name, text, rows) => {
    expect(parseCsv(text)).toEqual(rows);
  });

  it.each<[string, string, string, number]>([
    ['a quote that is not closed', 'a,b\r\n"c,d\r\n', CSV_ERROR.unterminatedQuote, 2],
    ['a quote inside an unquoted field', 'a,b"c\r\n', CSV_ERROR.strayQuote, 1],
    ['text after a closing quote', 'x\r\n"a"b,c\r\n', CSV_ERROR.strayQuote, 2],
    ['a line count that follows quoted line breaks', '"1\r\n2\n3",x"\r\n', CSV_ERROR.strayQuote, 3],
  ])('refuses %s', (_name, text, code, line) => {
    const attempt = () => parseCsv(text);
    expect(attempt).toThrow(CsvError);
    try {
      attempt();
    } catch (e) {
      expect(e).toMatchObject({ code, line, message: expect.stringMatching(new RegExp(`^${line}行目: `)) });
    }
  });

  it('reads back whatever toCsv writes', () => {
    const field = fc.string({ unit: fc.constantFrom('a', ',', '"', '\r', '\n', ' ', '全', '，', '"', '\uFEFF', '𠮷') });
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { maxLength: 5 }), (rows) => {
        expect(parseCsv(toCsv(rows))).toEqual(rows);
      }),
      { numRuns: 500 },
    );
  });
});

describe('joinLabels', () => {
  it.each<[string[], string]>([
    [['１．', 'Ⅱ', '（２）', '②'], '１．Ⅱ（２）②'],
    [['Ⅱ', '（３）', '④'], 'Ⅱ（３）④'],
    [['２．', 'Ⅰ', '', '①'], '２．Ⅰ①'],
    [['２．', 'Ⅱ', '（２）', 'ⅰ）'], '２．Ⅱ（２）ⅰ）'],
    // Two bare numbers, numerals or letters would read as one label: a space keeps them apart.
    [['1', '2'], '1 2'],
    [['１', '２'], '１ ２'],
    [['Ⅰ', 'Ⅱ'], 'Ⅰ Ⅱ'],
    [['ⅰ', 'ⅱ'], 'ⅰ ⅱ'],
    [['A', 'b'], 'A b'],
    [['1', 'Ⅱ'], '1Ⅱ'],
    [[' Ⅱ ', '（１）'], 'Ⅱ（１）'],
    [['', ''], ''],
  ])('%j → %j', (path, text) => {
    expect(joinLabels(path)).toBe(text);
  });
});

describe('progressCsv', () => {
  const records = demoRecords();
  const period = periodsOf(2024, 'half')[0]!;

  it('has a row for every item of the demo plan, in plan order, with what was recorded', () => {
    const rows = parseCsv(progressCsv({ ...records, period }));
    expect(rows[0]).toEqual([...PROGRESS_CSV_HEADER]);
    const items = flattenItems(buildTree(records.sections, records.items));
    expect(rows).toHaveLength(items.length + 1);
    items.forEach((item, i) => {
      const p = records.progress.find((x) => x.itemId === item.id && x.periodId === period.id);
      const notes = records.notes.filter((n) => n.itemId === item.id).length;
      expect(rows[i + 1]).toEqual([
        '上半期（4〜9月）',
        joinLabels(labelPath(records.sections, item)),
        records.sections.find((s) => s.id === item.sectionId)!.title,
        item.text,
        item.group,
        item.tags.join('、'),
        p?.evaluation ?? '',
        p?.done ?? '',
        p?.next ?? '',
        String(notes),
      ]);
    });
  });

  it('writes the seed 004 row of 郵送化 as it reads on paper', () => {
    const rows = parseCsv(progressCsv({ ...records, period }));
    const row = rows.find((r) => r[3] === '事業主や加入者の利便性の向上や負担軽減の観点から、郵送による申請を促進する。')!;
    expect(row.slice(0, 3)).toEqual(['上半期（4〜9月）', '１．Ⅱ（２）②', 'サービス水準の向上']);
    expect(row.slice(6)).toEqual(['○', '支部ホームページで郵送化促進の広報を行った。日雇被保険者に郵送への切替を促す案内を送付した。', '', '0']);
  });

  it('leaves the other half empty and counts only its notes', () => {
    const rows = parseCsv(progressCsv({ ...records, period: periodsOf(2024, 'half')[1]! }));
    expect(rows.slice(1).every((r) => r[0] === '下半期（10〜3月）' && r[6] === '' && r[7] === '' && r[8] === '' && r[9] === '0')).toBe(true);
  });

  describe('tricky texts', () => {
    const stamp = { updatedAt: '', updatedBy: '' };
    const sections: Section[] = [
      { id: 's', planId: 'p', parentId: null, label: '２．', title: '戦略的保険者機能の一層の発揮', order: 'a0', deleted: false, ...stamp },
      { id: 't', planId: 'p', parentId: 's', label: 'Ⅱ', title: '健康づくり, "コラボヘルス"', order: 'a0', deleted: false, ...stamp },
    ];
    const item = (id: string, text: string, order: number, extra: Partial<Item> = {}): Item => ({
      id,
      planId: 'p',
      sectionId: 't',
      label: `（${order + 1}）`,
      text,
      group: '保健',
      tags: [],
      order: orderKeyOfNumber(order),
      deleted: false,
      ...stamp,
      ...extra,
    });
    const items = [
      item('a', '健診の受診勧奨を行う。対象：40歳以上,75歳未満', 0, { tags: ['重要度：高', '困難度：高'] }),
      item('b', '「健康宣言」の\r\n普及', 1, { group: '' }),
      item('c', '=HYPERLINK("http://example.com")', 2),
      item('gone', '削除した項目', 3, { deleted: true }),
    ];
    const progress: Progress[] = [
      { id: 'pa', planId: 'p', itemId: 'a', periodId: '2024-Q2', evaluation: '○', done: '事業所訪問 12件,電話 30件\n「"健康宣言"」 5件', next: '－', ...stamp },
      { id: 'pb', planId: 'p', itemId: 'b', periodId: '2024-Q2', evaluation: null, done: '１２３，４５６円（全角）', next: '-', ...stamp },
      { id: 'pc', planId: 'p', itemId: 'c', periodId: '2024-Q3', evaluation: '△', done: '別の期間', next: '', ...stamp },
    ];
    const notes: Note[] = [
      { id: 'n1', planId: 'p', itemId: 'a', date: '2024-07-01', author: '山田', text: '訪問', createdAt: '' },
      { id: 'n2', planId: 'p', itemId: 'a', date: '2024-09-30', author: '山田', text: '訪問', createdAt: '' },
      { id: 'n3', planId: 'p', itemId: 'a', date: '2024-10-01', author: '山田', text: '訪問', createdAt: '' },
    ];

    it('gives an item without a group of its own its section’s owners, two of them included', () => {
      const owned = sections.map((s) => (s.id === 't' ? { ...s, group: '業務、企画総務' } : s));
      const rows = parseCsv(progressCsv({ sections: owned, items, progress, notes, period: periodsOf(2024, 'quarter')[1]! }));
      const column = PROGRESS_CSV_HEADER.indexOf('担当グループ');
      expect(rows.slice(1).map((r) => r[column])).toEqual(['保健', '業務、企画総務', '保健']);
    });

    it('round-trips commas, quotes, line breaks and full-width text, and defuses formulas', () => {
      const text = progressCsv({ sections, items, progress, notes, period: periodsOf(2024, 'quarter')[1]! });
      expect(text.startsWith(CSV_BOM)).toBe(true);
      // Outside quoted fields, every line ends in CRLF.
      const outsideQuotes = text.replace(/"(?:[^"]|"")*"/g, '');
      expect(outsideQuotes.endsWith('\r\n') && outsideQuotes.split('\r\n').every((line) => !/[\r\n]/.test(line))).toBe(true);
      expect(parseCsv(text)).toEqual([
        [...PROGRESS_CSV_HEADER],
        [
          '第2四半期（7〜9月）',
          '２．Ⅱ（1）',
          '健康づくり, "コラボヘルス"',
          '健診の受診勧奨を行う。対象：40歳以上,75歳未満',
          '保健',
          '重要度：高、困難度：高',
          '○',
          '事業所訪問 12件,電話 30件\n「"健康宣言"」 5件',
          '－',
          '2',
        ],
        ['第2四半期（7〜9月）', '２．Ⅱ（2）', '健康づくり, "コラボヘルス"', '「健康宣言」の\r\n普及', '', '', '', '１２３，４５６円（全角）', "'-", '0'],
        ['第2四半期（7〜9月）', '２．Ⅱ（3）', '健康づくり, "コラボヘルス"', '\'=HYPERLINK("http://example.com")', '保健', '', '', '', '', '0'],
      ]);
    });

    it('defuses a formula in the 番号 (a label of the section or of the item)', () => {
      const formulaSections: Section[] = [
        { id: 'f', planId: 'p', parentId: null, label: '=HYPERLINK("x")', title: '見出し', order: 'a0', deleted: false, ...stamp },
        { id: 'e', planId: 'p', parentId: null, label: '', title: '番号のない見出し', order: 'a1', deleted: false, ...stamp },
      ];
      const formulaItems = [item('x', '本文', 0, { sectionId: 'f', label: '①' }), item('y', '本文', 1, { sectionId: 'e', label: '+1' })];
      const rows = parseCsv(progressCsv({ sections: formulaSections, items: formulaItems, progress: [], notes: [], period: periodsOf(2024, 'quarter')[1]! }));
      expect(rows.slice(1).map((r) => r[1])).toEqual(['\'=HYPERLINK("x")①', "'+1"]);
    });
  });
});

describe('kpiCsv', () => {
  const records = demoRecords();

  it('has the fixed columns, then 実績 and 判定 for April to March', () => {
    const header = kpiCsvHeader(2024);
    expect(header.slice(0, 7)).toEqual(['番号', '指標', '単位', '目標', '前年度', '令和6年4月 実績', '令和6年4月 判定']);
    expect(header.slice(-2)).toEqual(['令和7年3月 実績', '令和7年3月 判定']);
    expect(header).toHaveLength(5 + 24);
  });

  it('gives every KPI of the demo plan with its actuals and judgements (seed 004)', () => {
    const rows = parseCsv(kpiCsv({ plan: records.plan, sections: records.sections, kpis: records.kpis, measurements: records.measurements }));
    const kpis = kpisInPlanOrder(records.sections, records.kpis);
    expect(rows).toHaveLength(kpis.length + 1);
    const months = monthsOfFiscalYear(2024);
    kpis.forEach((k, i) => {
      const row = rows[i + 1]!;
      expect(row.slice(1, 5)).toEqual([
        k.name,
        k.unit,
        describeTarget(k.target, k.unit),
        k.target.kind === 'previousYear' ? String(k.target.previousValue ?? '') : '',
      ]);
      months.forEach((m, j) => {
        const actual = records.measurements.find((x) => x.kpiId === k.id && x.month === m);
        const [value, status] = [row[5 + 2 * j], row[6 + 2 * j]];
        if (!actual || actual.value === null) expect([value, status]).toEqual(['', '']);
        else expect([Number(value), status]).toEqual([actual.value, judge(k.target, actual.value).status]);
      });
    });
  });

  it.each<[string, string, string, string, string, number, string, string]>([
    ['１．Ⅱ（２）', '現金給付等の申請に係る郵送化率', '%', '対前年度（98.4%）以上', '98.4', 2, '98.2', '未達'],
    ['１．Ⅱ（４）', '協会の再審査レセプト１件当たりの査定額', '円', '対前年度（9,109円）以上', '9109', 1, '14097', '達成'],
    ['２．Ⅱ（５）', '健康宣言事業所数', '事業所', '2,900事業所以上', '', 1, '2719', '未達'],
    ['３．（７）', '一般競争入札に占める一者応札案件の割合', '%', '15%以下', '', 1, '0', '達成'],
  ])('%s %s', (path, name, unit, target, previous, monthIndex, value, status) => {
    const rows = parseCsv(kpiCsv({ plan: records.plan, sections: records.sections, kpis: records.kpis, measurements: records.measurements }));
    const row = rows.find((r) => r[1] === name)!;
    expect(row.slice(0, 5)).toEqual([path, name, unit, target, previous]);
    expect(row.slice(5 + 2 * monthIndex, 7 + 2 * monthIndex)).toEqual([value, status]);
  });

  it('leaves months without an actual (or with a null one) empty, and says 判定不可 for a qualitative target', () => {
    const stamp = { updatedAt: '', updatedBy: '' };
    const text = kpiCsv({
      plan: { fiscalYear: 2024 },
      sections: [],
      kpis: [
        {
          id: 'q',
          planId: 'p',
          sectionId: null,
          name: '=SNSによる情報発信',
          unit: '回',
          target: { kind: 'qualitative', text: '毎月情報発信を行う' },
          order: 'a0',
          deleted: false,
          ...stamp,
        },
        {
          id: 'gone',
          planId: 'p',
          sectionId: null,
          name: '削除した指標',
          unit: '',
          target: { kind: 'qualitative', text: 'なし' },
          order: 'a1',
          deleted: true,
          ...stamp,
        },
      ],
      measurements: [
        { id: 'm1', planId: 'p', kpiId: 'q', month: '2025-03', value: 12, ...stamp },
        { id: 'm2', planId: 'p', kpiId: 'q', month: '2024-04', value: null, ...stamp },
      ],
    });
    const rows = parseCsv(text);
    expect(rows).toHaveLength(2);
    expect(rows[1]!.slice(0, 7)).toEqual(['', "'=SNSによる情報発信", '回', '毎月情報発信を行う', '', '', '']);
    expect(rows[1]!.slice(-2)).toEqual(['12', '判定不可']);
  });

  it("defuses a formula in the 番号 (the labels of the KPI's section)", () => {
    const stamp = { updatedAt: '', updatedBy: '' };
    const rows = parseCsv(
      kpiCsv({
        plan: { fiscalYear: 2024 },
        sections: [{ id: 's', planId: 'p', parentId: null, label: '=HYPERLINK("x")', title: '見出し', order: 'a0', deleted: false, ...stamp }],
        kpis: [
          {
            id: 'k',
            planId: 'p',
            sectionId: 's',
            name: '郵送化率',
            unit: '%',
            target: { kind: 'value', value: 98, direction: '以上' },
            order: 'a0',
            deleted: false,
            ...stamp,
          },
        ],
        measurements: [],
      }),
    );
    expect(rows[1]![0]).toBe('\'=HYPERLINK("x")');
  });
});
