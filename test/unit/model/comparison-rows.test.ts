import { describe, expect, it } from 'vitest';
import {
  comparedPair,
  groupBySection,
  itemChanged,
  itemChanges,
  movedFromNames,
  planName,
  sectionChanged,
  shownKpis,
  shownSectionGroups,
  sideParts,
  targetChanged,
} from '../../../src/model/comparison-rows';
import type { Item, Plan, Section } from '../../../src/model/schemas';
import type { DiffSegment, ItemComparison, KpiComparison, SectionComparison } from '../../../src/model/year-over-year';

const stamp = { updatedAt: '2024-06-01T00:00:00.000Z', updatedBy: 'test' };

function plan(id: string, fiscalYear: number, title: string, demo = false): Plan {
  return { id, branch: '山口', fiscalYear, title, periodKind: 'month', demo, deleted: false, ...stamp };
}

function section(id: string, label: string, title: string): Section {
  return { id, planId: 'p', parentId: null, label, title, order: 'a0', deleted: false, ...stamp };
}

function item(id: string, sectionId: string, extra: Partial<Item> = {}): Item {
  return { id, planId: 'p', sectionId, label: '①', text: `${id}の事業計画`, group: '業務', tags: [], order: 'a0', deleted: false, ...stamp, ...extra };
}

function sectionRow(current: Section | null, previous: Section | null, extra: Partial<SectionComparison> = {}): SectionComparison {
  const status = current && previous ? 'same' : current ? 'added' : 'dropped';
  return { status, current, previous, currentPath: null, previousPath: null, similarity: null, diff: null, moved: false, ...extra };
}

function itemRow(current: Item | null, previous: Item | null, extra: Partial<ItemComparison> = {}): ItemComparison {
  const status = current && previous ? 'same' : current ? 'added' : 'dropped';
  return {
    status,
    current,
    previous,
    currentPath: null,
    previousPath: null,
    similarity: null,
    diff: null,
    moved: false,
    labelChanged: false,
    groupChanged: false,
    tagsAdded: [],
    tagsRemoved: [],
    ...extra,
  };
}

function kpiRow(status: KpiComparison['status'], targetChanges: KpiComparison['targetChanges'] = []): KpiComparison {
  return { status, current: null, previous: null, similarity: null, nameDiff: null, targetChanges, currentTarget: null, previousTarget: null };
}

describe('planName', () => {
  it('marks a demo plan', () => {
    expect(planName(plan('a', 2024, '令和6年度 事業計画'))).toBe('令和6年度 事業計画');
    expect(planName(plan('a', 2024, '令和6年度 事業計画', true))).toBe('令和6年度 事業計画（デモ）');
  });
});

describe('comparedPair', () => {
  const r5 = { plan: plan('r5', 2023, '令和5年度') };
  const r6 = { plan: plan('r6', 2024, '令和6年度') };

  it('puts the earlier plan on the left, whichever the screen was opened from, headed by fiscal year', () => {
    const expected = { older: r5, newer: r6, heads: { old: '令和5年度', new: '令和6年度' } };
    expect(comparedPair(r6, r5)).toEqual(expected);
    expect(comparedPair(r5, r6)).toEqual(expected);
  });

  it('heads two plans of one year by title, the one the screen was opened from on the right', () => {
    const demo = { plan: plan('demo', 2024, '令和6年度', true) };
    expect(comparedPair(r6, demo)).toEqual({ older: demo, newer: r6, heads: { old: '令和6年度（デモ）', new: '令和6年度' } });
  });
});

// This year: A (same), B (added); last year: A', C (dropped).
const A = section('a', 'Ⅰ', '業務改革');
const A0 = section('a0', '１．', '業務改革の推進');
const B = section('b', 'Ⅱ', '新しい柱');
const C0 = section('c0', '２．', '廃止した柱');
const SECTIONS = [sectionRow(A, A0), sectionRow(B, null), sectionRow(null, C0)];
const kept = itemRow(item('x', 'a'), item('x0', 'a0'));
const reworded = itemRow(item('y', 'a'), item('y0', 'a0'), { status: 'reworded' });
const movedIn = itemRow(item('z', 'b'), item('z0', 'a0'), { moved: true });
const dropped = itemRow(null, item('w0', 'c0'));
const ITEMS = [kept, reworded, movedIn, dropped];

describe('itemChanged and sectionChanged', () => {
  it.each<[string, ItemComparison, boolean]>([
    ['the same', kept, false],
    ['reworded', reworded, true],
    ['moved', itemRow(item('x', 'a'), item('x0', 'a0'), { moved: true }), true],
    ['renumbered', itemRow(item('x', 'a'), item('x0', 'a0'), { labelChanged: true }), true],
    ['of another group', itemRow(item('x', 'a'), item('x0', 'a0'), { groupChanged: true }), true],
    ['tagged', itemRow(item('x', 'a'), item('x0', 'a0'), { tagsAdded: ['重要度：高'] }), true],
    ['untagged', itemRow(item('x', 'a'), item('x0', 'a0'), { tagsRemoved: ['重要度：高'] }), true],
  ])('an item %s: %s', (_, row, expected) => {
    expect(itemChanged(row)).toBe(expected);
  });

  it('counts a section changed when its status is not same or it moved', () => {
    expect(SECTIONS.map(sectionChanged)).toEqual([false, true, true]);
    expect(sectionChanged(sectionRow(A, A0, { moved: true }))).toBe(true);
  });
});

describe('groupBySection and shownSectionGroups', () => {
  const groups = groupBySection(SECTIONS, ITEMS);
  const shape = (gs: readonly { section: SectionComparison; items: ItemComparison[] }[]) =>
    gs.map((g) => [(g.section.current ?? g.section.previous)!.id, g.items.map((r) => (r.current ?? r.previous)!.id)]);

  it('puts each item under this year’s section, a dropped one under last year’s', () => {
    expect(shape(groups)).toEqual([
      ['a', ['x', 'y']],
      ['b', ['z']],
      ['c0', ['w0']],
    ]);
  });

  it('shows all, or only the changed items and the sections that changed or hold one', () => {
    expect(shownSectionGroups(groups, false)).toBe(groups);
    expect(shape(shownSectionGroups(groups, true))).toEqual([
      ['a', ['y']],
      ['b', ['z']],
      ['c0', ['w0']],
    ]);
    const unchanged = groupBySection([sectionRow(A, A0)], [kept]);
    expect(shownSectionGroups(unchanged, true)).toEqual([]);
  });
});

describe('itemChanges', () => {
  const movedFrom = movedFromNames(SECTIONS);

  it('names last year’s sections by label and title', () => {
    expect([...movedFrom]).toEqual([
      ['a0', '１．業務改革の推進'],
      ['c0', '２．廃止した柱'],
    ]);
  });

  it('notes a move with where it came from, a new number, a new group and each tag', () => {
    const row = itemRow(item('z', 'b', { label: '②', group: '' }), item('z0', 'a0', { label: '①' }), {
      moved: true,
      labelChanged: true,
      groupChanged: true,
      tagsAdded: ['重要度：高'],
      tagsRemoved: ['困難度：高'],
    });
    expect(itemChanges(row, movedFrom)).toEqual(['移動（元：１．業務改革の推進）', '番号 ① → ②', '担当 業務 → なし', '重要度：高 を追加', '困難度：高 を削除']);
  });

  it('notes nothing for an item the same in all but wording', () => {
    expect(itemChanges(reworded, movedFrom)).toEqual([]);
  });
});

describe('shownKpis and targetChanged', () => {
  const kpis = [kpiRow('same', ['baseline']), kpiRow('changed', ['value']), kpiRow('added'), kpiRow('dropped')];

  it('shows all, or those not the same', () => {
    expect(shownKpis(kpis, false)).toBe(kpis);
    expect(shownKpis(kpis, true).map((k) => k.status)).toEqual(['changed', 'added', 'dropped']);
  });

  it('does not count a new 前年度 value as a change of target', () => {
    expect(kpis.map(targetChanged)).toEqual([false, true, false, false]);
    expect(targetChanged(kpiRow('changed', ['baseline', 'direction']))).toBe(true);
  });
});

describe('sideParts', () => {
  const diff: DiffSegment[] = [
    { kind: 'same', text: '健診の' },
    { kind: 'removed', text: '受診' },
    { kind: 'added', text: '実施' },
    { kind: 'same', text: '率' },
  ];

  it('keeps the removed parts on the old side and the added ones on the new', () => {
    expect(sideParts('健診の受診率', diff, 'old')).toEqual([
      { kind: 'same', text: '健診の' },
      { kind: 'removed', text: '受診' },
      { kind: 'same', text: '率' },
    ]);
    expect(sideParts('健診の実施率', diff, 'new')).toEqual([
      { kind: 'same', text: '健診の' },
      { kind: 'added', text: '実施' },
      { kind: 'same', text: '率' },
    ]);
  });

  it('cuts the pieces from the side’s own text, which may be spelled in the other width', () => {
    const widths: DiffSegment[] = [
      { kind: 'same', text: '(1)' },
      { kind: 'added', text: '新' },
    ];
    expect(sideParts('（１）新', widths, 'new')).toEqual([
      { kind: 'same', text: '（１）' },
      { kind: 'added', text: '新' },
    ]);
  });

  it('leaves what the segments do not reach unmarked at the end', () => {
    expect(sideParts('abc🍣d', [{ kind: 'removed', text: 'ab' }], 'old')).toEqual([
      { kind: 'removed', text: 'ab' },
      { kind: 'same', text: 'c🍣d' },
    ]);
  });
});
