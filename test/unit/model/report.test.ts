import { describe, expect, it } from 'vitest';
import { periodsOf, type Period } from '../../../src/model/period';
import { EMPTY_FILTER, type ItemFilter } from '../../../src/model/plan-tree';
import { buildReport, describeFilter, kpiLines, kpiStatusAsOf, periodRange, type Report } from '../../../src/model/report';
import type { Evaluation, Item, Kpi, KpiTarget, Measurement, Note, Progress, Section } from '../../../src/model/schemas';
import { parseRoute, paths } from '../../../src/ui/router';
import { orderKeyOfNumber } from '../../../src/model/order-key';

const stamp = { updatedAt: '2024-06-01T00:00:00.000Z', updatedBy: 'test' };

function section(id: string, parentId: string | null, order: number, label: string, title: string, deleted = false): Section {
  return { id, planId: 'p', parentId, label, title, order: orderKeyOfNumber(order), deleted, ...stamp };
}

function item(id: string, sectionId: string, order: number, label: string, text: string, group: string, deleted = false): Item {
  return { id, planId: 'p', sectionId, label, text, group, tags: [], order: orderKeyOfNumber(order), deleted, ...stamp };
}

function progress(itemId: string, evaluation: Evaluation | null, done = '', next = ''): Progress {
  return { id: `progress:${itemId}:2024-H1`, planId: 'p', itemId, periodId: '2024-H1', evaluation, done, next, ...stamp };
}

function kpi(id: string, sectionId: string | null, order: number, target: KpiTarget = { kind: 'value', value: 100, direction: '以上' }): Kpi {
  return { id, planId: 'p', sectionId, name: id, unit: '%', target, order: orderKeyOfNumber(order), deleted: false, ...stamp };
}

function measurement(kpiId: string, month: string, value: number | null): Measurement {
  return { id: `measurement:${kpiId}:${month}`, planId: 'p', kpiId, month, value, ...stamp };
}

const period = (fiscalYear: number, kind: 'month' | 'quarter' | 'half', id: string): Period => periodsOf(fiscalYear, kind).find((p) => p.id === id)!;

describe('periodRange', () => {
  it.each<[string, Period, string, string]>([
    ['a month', period(2024, 'month', '2024-05'), '令和6年5月', '2024年5月'],
    ['the first half', period(2024, 'half', '2024-H1'), '令和6年4月〜9月', '2024年4月〜9月'],
    ['the second half, over the new year', period(2024, 'half', '2024-H2'), '令和6年10月〜令和7年3月', '2024年10月〜2025年3月'],
    ['the fourth quarter', period(2024, 'quarter', '2024-Q4'), '令和7年1月〜3月', '2025年1月〜3月'],
    ['a quarter over the change of era', period(2019, 'quarter', '2019-Q1'), '平成31年4月〜令和元年6月', '2019年4月〜6月'],
  ])('%s', (_name, p, wareki, seireki) => {
    expect(periodRange(p)).toEqual({ wareki, seireki });
  });
});

describe('describeFilter', () => {
  it.each<[string, ItemFilter, string[]]>([
    ['nothing', EMPTY_FILTER, []],
    ['a group', { evaluations: [], groups: ['保健'], query: '' }, ['担当グループ：保健']],
    ['marks', { evaluations: ['△', '未評価'], groups: [], query: '' }, ['評価：△・未評価']],
    ['a search, trimmed', { evaluations: [], groups: [], query: ' 郵送 ' }, ['検索：「郵送」']],
    ['blank search only', { evaluations: [], groups: [], query: '   ' }, []],
    ['all three', { evaluations: ['△'], groups: ['業務'], query: '郵送' }, ['担当グループ：業務', '評価：△', '検索：「郵送」']],
  ])('%s', (_name, filter, words) => {
    expect(describeFilter(filter)).toEqual(words);
  });
});

describe('kpiStatusAsOf', () => {
  const mail = kpi('mail', null, 0, { kind: 'previousYear', previousValue: 98.4, direction: '以上' });
  const values = [
    measurement('mail', '2024-05', 98.5),
    measurement('mail', '2024-06', 98.2),
    measurement('mail', '2024-07', null),
    measurement('mail', '2024-10', 99),
    measurement('other', '2024-09', 1),
  ];
  it.each<[string, string, string | null, number | null, string]>([
    ['before any actual', '2024-04', null, null, '判定不可'],
    ['the first actual', '2024-05', '2024-05', 98.5, '達成'],
    ['a month with no value keeps the previous actual', '2024-09', '2024-06', 98.2, '未達'],
    ['a later actual', '2025-03', '2024-10', 99, '達成'],
  ])('%s (as of %s)', (_name, asOf, month, value, status) => {
    const s = kpiStatusAsOf(mail, values, asOf);
    expect([s.month, s.value, s.judgement.status]).toEqual([month, value, status]);
  });
});

// 柱 １． › （２） › ①②; 柱 ２． › ① (direct item) and （５） › ①; a deleted item and an empty section.
const SECTIONS = [
  section('s1', null, 0, '１．', '基盤的保険者機能の盤石化'),
  section('s1-2', 's1', 1, '（２）', 'サービス水準の向上'),
  section('s1-9', 's1', 9, '（９）', '項目のない見出し'),
  section('s2', null, 1, '２．', '戦略的保険者機能の一層の発揮'),
  section('s2-5', 's2', 5, '（５）', 'コラボヘルスの推進'),
];
const ITEMS = [
  item('i1', 's1-2', 0, '①', 'サービススタンダードの遵守', '業務'),
  item('i2', 's1-2', 1, '②', '郵送化の促進', '業務'),
  item('i3', 's2-5', 0, '①', '健康宣言事業所の拡大', '保健'),
  item('i4', 's2', 0, '', '柱の直下の項目', '企画総務'),
  item('gone', 's1-2', 2, '③', '削除した項目', '業務', true),
];
const PROGRESS = new Map([progress('i1', '○', '100%達成'), progress('i2', '△', '98.2%')].map((p) => [p.itemId, p]));
const NOTES: Note[] = [
  { id: 'n1', planId: 'p', itemId: 'i3', date: '2024-05-10', author: '山田', text: '事業所を訪問し案内した。', createdAt: stamp.updatedAt },
];
const KPIS = [kpi('k-service', 's1-2', 0), kpi('k-mail', 's1-2', 1), kpi('k-declaration', 's2-5', 0), kpi('k-none', null, 0)];
const MEASUREMENTS = [measurement('k-mail', '2024-06', 98.2), measurement('k-mail', '2024-10', 99)];

function report(filter: ItemFilter): Report {
  return buildReport({
    sections: SECTIONS,
    items: ITEMS,
    kpis: KPIS,
    measurements: MEASUREMENTS,
    period: period(2024, 'half', '2024-H1'),
    progress: PROGRESS,
    notes: NOTES,
    filter,
  });
}

/** A report as [pillar, [heading, depth, item ids][]][] so expectations read like the paper. */
function shape(r: Report): unknown[] {
  return r.pillars.map((p) => [p.pillar.label, p.blocks.map((b) => [b.section.label, b.depth, b.items.map((i) => i.id)])]);
}

const kpiShape = (r: Report) => r.kpiTables.map((t) => [t.pillar?.label ?? null, t.rows.map((row) => row.kpi.id)]);

describe('buildReport', () => {
  it('holds every live item per pillar, heading rows in tree order, and no empty heading', () => {
    const r = report(EMPTY_FILTER);
    expect(shape(r)).toEqual([
      ['１．', [['（２）', 1, ['i1', 'i2']]]],
      [
        '２．',
        [
          ['２．', 0, ['i4']],
          ['（５）', 1, ['i3']],
        ],
      ],
    ]);
    expect([r.shownItems, r.totalItems, r.asOf]).toEqual([4, 4, '2024-09']);
  });

  it('groups the KPIs per pillar in plan order, those without a section last, actuals as of the period end', () => {
    const r = report(EMPTY_FILTER);
    expect(kpiShape(r)).toEqual([
      ['１．', ['k-service', 'k-mail']],
      ['２．', ['k-declaration']],
      [null, ['k-none']],
    ]);
    const mail = r.kpiTables[0]!.rows[1]!;
    expect([mail.section?.label, mail.month, mail.value, mail.judgement.status]).toEqual(['（２）', '2024-06', 98.2, '未達']);
  });

  it.each<[string, ItemFilter, unknown[], unknown[]]>([
    ['one group', { evaluations: [], groups: ['保健'], query: '' }, [['２．', [['（５）', 1, ['i3']]]]], [['２．', ['k-declaration']]]],
    ['only △', { evaluations: ['△'], groups: [], query: '' }, [['１．', [['（２）', 1, ['i2']]]]], [['１．', ['k-service', 'k-mail']]]],
    [
      'only 未評価',
      { evaluations: ['未評価'], groups: [], query: '' },
      [
        [
          '２．',
          [
            ['２．', 0, ['i4']],
            ['（５）', 1, ['i3']],
          ],
        ],
      ],
      [['２．', ['k-declaration']]],
    ],
    ['a word found only in a note', { evaluations: [], groups: [], query: '訪問' }, [['２．', [['（５）', 1, ['i3']]]]], [['２．', ['k-declaration']]]],
    ['a word in 実施状況', { evaluations: [], groups: [], query: '98.2' }, [['１．', [['（２）', 1, ['i2']]]]], [['１．', ['k-service', 'k-mail']]]],
    [
      'an item right under a pillar brings no KPI of another section',
      { evaluations: [], groups: ['企画総務'], query: '' },
      [['２．', [['２．', 0, ['i4']]]]],
      [],
    ],
    ['nothing matches', { evaluations: ['－'], groups: [], query: '' }, [], []],
  ])('filters: %s', (_name, filter, items, kpis) => {
    const r = report(filter);
    expect(shape(r)).toEqual(items);
    expect(kpiShape(r)).toEqual(kpis);
    expect(r.totalItems).toBe(4);
  });
});

describe('report and dashboard URLs', () => {
  it.each<[string, string, ReturnType<typeof parseRoute>]>([
    [
      'a report with every filter',
      paths.report('p 1', '2024-H1', { evaluations: ['△', '未評価'], groups: ['保健'], query: '郵送 案内' }),
      { name: 'report', planId: 'p 1', periodId: '2024-H1', filter: { evaluations: ['△', '未評価'], groups: ['保健'], query: '郵送 案内' } },
    ],
    ['a report with no filter', paths.report('p', null), { name: 'report', planId: 'p', periodId: null, filter: EMPTY_FILTER }],
    ['a dashboard', paths.dashboard('p', '2024-Q2'), { name: 'dashboard', planId: 'p', periodId: '2024-Q2' }],
    [
      'the plan keeps its filters',
      paths.plan('p', null, { evaluations: ['－'], groups: [], query: '' }),
      { name: 'plan', planId: 'p', periodId: null, filter: { evaluations: ['－'], groups: [], query: '' } },
    ],
    [
      'an unknown mark is ignored',
      '/plans/p/report?mark=%E2%9C%95&mark=%E2%97%8B',
      { name: 'report', planId: 'p', periodId: null, filter: { evaluations: ['○'], groups: [], query: '' } },
    ],
  ])('%s', (_name, url, route) => {
    const u = new URL(url, 'https://example.test');
    expect(parseRoute(u.pathname, u.search)).toEqual(route);
  });

  it('points at one KPI on the KPI screen', () => {
    expect(paths.kpi('p', 'p/k-mail')).toBe('/plans/p/kpis#kpi-p%2Fk-mail');
  });
});

describe('the paper layout: ■ KPI rows and label paths', () => {
  it("puts each 事業計画 row's KPIs under its items, in plan order, and none of a KPI without a section", () => {
    const r = report(EMPTY_FILTER);
    const kpisOfBlocks = r.pillars.map((p) => p.blocks.map((b) => [b.section.label, b.kpis.map((k) => k.kpi.id)]));
    expect(kpisOfBlocks).toEqual([
      [['（２）', ['k-service', 'k-mail']]],
      [
        ['２．', []],
        ['（５）', ['k-declaration']],
      ],
    ]);
  });

  // Two pillars each with a Ⅱ and a Ⅲ, both with a （１）: the table names the path below the
  // pillar, so Ⅲ（１） follows Ⅱ（５） and reads as another row, as on paper.
  const NESTED = [
    section('p', null, 0, '２．', '戦略的保険者機能の一層の発揮'),
    section('p2', 'p', 2, 'Ⅱ', '健康づくり'),
    section('p2-5', 'p2', 5, '（５）', 'コラボヘルスの推進'),
    section('p3', 'p', 3, 'Ⅲ', '医療費適正化'),
    section('p3-1', 'p3', 1, '（１）', '医療資源の適正使用'),
    section('q', null, 1, '３．', '組織・運営体制'),
  ];
  it.each<[string, string | null, string]>([
    ['a section two levels down', 'p2-5', 'Ⅱ（５）コラボヘルスの推進'],
    ['another branch of the same pillar', 'p3-1', 'Ⅲ（１）医療資源の適正使用'],
    ['a section right under the pillar', 'p3', 'Ⅲ医療費適正化'],
    ['the pillar itself', 'q', '３．組織・運営体制'],
    ['no section', null, '－'],
  ])('names the KPI table row of %s', (_name, sectionId, name) => {
    const r = buildReport({
      sections: NESTED,
      items: [],
      kpis: [kpi('k', sectionId, 0)],
      measurements: [],
      period: period(2024, 'half', '2024-H1'),
      progress: new Map(),
      notes: [],
      filter: EMPTY_FILTER,
    });
    expect(r.kpiTables.flatMap((t) => t.rows.map((row) => row.sectionName))).toEqual([name]);
  });

  it("lists the KPI tables' rows in plan order whatever the order they were added in", () => {
    const r = buildReport({
      sections: NESTED,
      items: [],
      kpis: [kpi('late', 'p3-1', 0), kpi('early', 'p2-5', 1)],
      measurements: [],
      period: period(2024, 'half', '2024-H1'),
      progress: new Map(),
      notes: [],
      filter: EMPTY_FILTER,
    });
    expect(r.kpiTables.flatMap((t) => t.rows.map((row) => row.sectionName))).toEqual(['Ⅱ（５）コラボヘルスの推進', 'Ⅲ（１）医療資源の適正使用']);
  });

  it.each<[string, Kpi, Measurement[], { plan: string; actual: string; asOf: string | null; judgement: string }]>([
    [
      'an actual that meets its target',
      { ...kpi('サービススタンダードの達成状況', 's', 0), name: 'サービススタンダードの達成状況' },
      [measurement('サービススタンダードの達成状況', '2024-04', 100)],
      { plan: '１）サービススタンダードの達成状況：100%以上', actual: '１）100%', asOf: '（令和6年4月時点）', judgement: '達成' },
    ],
    [
      'a KPI with no actual yet',
      { ...kpi('k', 's', 0), name: '健康宣言事業所数', unit: '事業所', target: { kind: 'value', value: 2900, direction: '以上' } },
      [],
      { plan: '１）健康宣言事業所数：2,900事業所以上', actual: '１）実績未入力', asOf: null, judgement: '実績未入力' },
    ],
    [
      'a figure written with its decimals',
      { ...kpi('k', 's', 0), name: '郵送化率', decimals: 1 },
      [measurement('k', '2024-06', 98)],
      { plan: '１）郵送化率：100.0%以上', actual: '１）98.0%', asOf: '（令和6年6月時点）', judgement: '未達' },
    ],
  ])('writes the ■ KPI line of %s', (_name, k, ms, line) => {
    expect(kpiLines([kpiStatusAsOf(k, ms, '2024-09')])).toEqual([line]);
  });

  it('numbers the KPIs of one row １）２）… up to two digits', () => {
    const many = Array.from({ length: 11 }, (_, i) => kpiStatusAsOf(kpi(`k${i}`, 's', i), [], '2024-09'));
    expect(kpiLines(many).map((l) => l.plan.slice(0, l.plan.indexOf('）') + 1))).toEqual([
      '１）',
      '２）',
      '３）',
      '４）',
      '５）',
      '６）',
      '７）',
      '８）',
      '９）',
      '１０）',
      '１１）',
    ]);
  });
});
