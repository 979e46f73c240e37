import { describe, expect, it } from 'vitest';
import { countMarks, itemsMarked, marksByGroup, marksByPillar, offTrackKpis, type EvaluationOf, type MarkCounts } from '../../src/model/dashboard';
import { buildTree } from '../../src/model/plan-tree';
import type { Evaluation, Item, Kpi, KpiTarget, Measurement, Section } from '../../src/model/schemas';

const stamp = { updatedAt: '2024-06-01T00:00:00.000Z', updatedBy: 'test' };

function section(id: string, parentId: string | null, order: number, label: string): Section {
  return { id, planId: 'p', parentId, label, title: `${label}の見出し`, order, deleted: false, ...stamp };
}

function item(id: string, sectionId: string, order: number, group: string, deleted = false): Item {
  return { id, planId: 'p', sectionId, label: id, text: `${id}の事業計画`, group, tags: [], order, deleted, ...stamp };
}

function kpi(id: string, sectionId: string | null, order: number, target: KpiTarget, deleted = false): Kpi {
  return { id, planId: 'p', sectionId, name: id, unit: '%', target, order, deleted, ...stamp };
}

function measurement(kpiId: string, month: string, value: number | null): Measurement {
  return { id: `measurement:${kpiId}:${month}`, planId: 'p', kpiId, month, value, ...stamp };
}

const atLeast = (value: number): KpiTarget => ({ kind: 'value', value, direction: '以上' });
const atMost = (value: number): KpiTarget => ({ kind: 'value', value, direction: '以下' });

const counts = (good: number, warn: number, na: number, none: number): MarkCounts => ({ '○': good, '△': warn, '－': na, 未評価: none, total: good + warn + na + none });

// 柱 １． › （２） › a b c d; 柱 ２． › （５） › e f; 柱 ３． with nothing in it.
const SECTIONS = [section('s1', null, 0, '１．'), section('s1-2', 's1', 0, '（２）'), section('s2', null, 1, '２．'), section('s2-5', 's2', 0, '（５）'), section('s3', null, 2, '３．')];
const ITEMS = [
  item('a', 's1-2', 0, '業務'),
  item('b', 's1-2', 1, '業務'),
  item('c', 's1-2', 2, 'レセプト'),
  item('d', 's1-2', 3, ''),
  item('e', 's2-5', 0, '保健'),
  item('f', 's2-5', 1, '企画総務'),
  item('gone', 's2-5', 2, '保健', true),
];
const MARKS: Record<string, Evaluation> = { a: '○', b: '△', c: '－', e: '△', gone: '△' };
const evaluationOf: EvaluationOf = (id) => MARKS[id] ?? null;
const tree = buildTree(SECTIONS, ITEMS);

describe('countMarks', () => {
  it.each<[string, string[], MarkCounts]>([
    ['no items', [], counts(0, 0, 0, 0)],
    ['one of each', ['a', 'b', 'c', 'd'], counts(1, 1, 1, 1)],
    ['unevaluated items count as 未評価', ['d', 'f'], counts(0, 0, 0, 2)],
  ])('%s', (_name, ids, expected) => {
    expect(countMarks(ITEMS.filter((i) => ids.includes(i.id)), evaluationOf)).toEqual(expected);
  });
});

describe('marksByPillar / marksByGroup', () => {
  it('counts per pillar in plan order, leaving out deleted items and empty pillars', () => {
    expect(marksByPillar(tree, evaluationOf).map((r) => [r.pillar.label, r.counts])).toEqual([
      ['１．', counts(1, 1, 1, 1)],
      ['２．', counts(0, 1, 0, 1)],
    ]);
  });

  it('counts per group in the order of the plan screen’s group filter, items with no group last', () => {
    expect(marksByGroup(tree, evaluationOf).map((r) => [r.group, r.counts])).toEqual([
      ['レセプト', counts(0, 0, 1, 0)],
      ['企画総務', counts(0, 0, 0, 1)],
      ['業務', counts(1, 1, 0, 0)],
      ['保健', counts(0, 1, 0, 0)],
      ['', counts(0, 0, 0, 1)],
    ]);
  });
});

describe('itemsMarked', () => {
  it.each<[Evaluation, string[]]>([
    ['△', ['b', 'e']],
    ['○', ['a']],
    ['－', ['c']],
  ])('%s in tree order, live items only', (mark, ids) => {
    expect(itemsMarked(tree, evaluationOf, mark).map((i) => i.id)).toEqual(ids);
  });
});

describe('offTrackKpis', () => {
  const KPIS = [
    kpi('declaration', 's2-5', 0, atLeast(2900)),
    kpi('mail', 's1-2', 1, { kind: 'previousYear', previousValue: 98.4, direction: '以上' }),
    kpi('service', 's1-2', 0, atLeast(100)),
    kpi('tender', null, 0, atMost(15)),
    kpi('sns', null, 1, { kind: 'qualitative', text: '毎月情報発信を行う' }),
    kpi('checkup', 's2-5', 1, atLeast(60)),
    kpi('removed', 's1-2', 2, atLeast(100), true),
  ];
  const MEASUREMENTS = [
    measurement('service', '2024-04', 100),
    measurement('mail', '2024-05', 98.5),
    measurement('mail', '2024-06', 98.2),
    measurement('mail', '2024-10', 98.6),
    measurement('declaration', '2024-05', 2719),
    measurement('tender', '2024-05', 0),
    measurement('tender', '2024-11', 20),
    measurement('checkup', '2024-05', null),
    measurement('removed', '2024-05', 1),
  ];
  it.each<[string, string, [string, string | null, number | null][]]>([
    ['before any actual nothing is off track', '2024-04', []],
    ['the first half: 郵送化率 below last year, 健康宣言 short', '2024-09', [['mail', '2024-06', 98.2], ['declaration', '2024-05', 2719]]],
    ['the year: 郵送化率 recovered, 一者応札 over its upper bound', '2025-03', [['declaration', '2024-05', 2719], ['tender', '2024-11', 20]]],
  ])('%s (as of %s)', (_name, asOf, expected) => {
    expect(offTrackKpis(SECTIONS, KPIS, MEASUREMENTS, asOf).map((s) => [s.kpi.id, s.month, s.value])).toEqual(expected);
  });

  it('gives the gap of each', () => {
    const [mail] = offTrackKpis(SECTIONS, KPIS, MEASUREMENTS, '2024-09');
    expect(mail!.judgement).toEqual({ status: '未達', target: 98.4, gap: -0.2 });
  });
});
