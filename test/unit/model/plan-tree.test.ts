import { describe, expect, it } from 'vitest';
import {
  buildTree,
  EMPTY_FILTER,
  filterItems,
  flattenItems,
  groupsByItem,
  groupsOf,
  splitGroups,
  isFilterActive,
  itemName,
  labelPath,
  nextItemLabel,
  pruneTree,
  sectionName,
  sectionOptions,
  type EvaluationFilter,
  type ItemFilter,
  type TreeNode,
} from '../../../src/model/plan-tree';
import type { Evaluation, Item, Note, Progress, Section } from '../../../src/model/schemas';
import { buildSearchIndex, isBlankQuery, matchingItemIds } from '../../../src/model/search';
import { orderKeyOfNumber } from '../../../src/model/order-key';

const stamp = { updatedAt: '2024-06-01T00:00:00.000Z', updatedBy: 'test' };

function section(id: string, parentId: string | null, order: number, label: string, deleted = false): Section {
  return { id, planId: 'p', parentId, label, title: `${label} の見出し`, order: orderKeyOfNumber(order), deleted, ...stamp };
}

function item(id: string, sectionId: string, order: number, fields: Partial<Item> = {}): Item {
  return { id, planId: 'p', sectionId, label: id, text: '', group: '', tags: [], order: orderKeyOfNumber(order), deleted: false, ...stamp, ...fields };
}

function progress(itemId: string, done: string, next = ''): Progress {
  return { id: `progress:${itemId}:2024-Q1`, planId: 'p', itemId, periodId: '2024-Q1', evaluation: null, done, next, ...stamp };
}

function note(itemId: string, text: string, author = '山田'): Note {
  return { id: `note-${itemId}-${text.length}`, planId: 'p', itemId, date: '2024-05-10', author, text, createdAt: stamp.updatedAt };
}

// 柱 １． › （２） › ①②, 柱 ２． › ①; given out of order to prove the order field rules.
const SECTIONS = [section('s2', null, 1, '２．'), section('s1-2', 's1', 1, '（２）'), section('s1', null, 0, '１．'), section('s1-1', 's1', 0, '（１）')];
const ITEMS = [
  item('s1-2-b', 's1-2', 1, { label: '②', text: '郵送化の促進', group: '業務' }),
  item('s1-2-a', 's1-2', 0, { label: '①', text: 'サービススタンダードの遵守', group: '業務' }),
  item('s2-a', 's2', 0, { label: '①', text: 'ＫＰＩ：健康宣言事業所数の拡大', group: '保健' }),
  item('s1-1-a', 's1-1', 0, { label: '①', text: 'ﾚｾﾌﾟﾄ点検の精度向上', group: 'レセプト' }),
];

/** The tree as [label, items, children] so expectations read like the plan. */
function shape(tree: readonly TreeNode[]): unknown[] {
  return tree.map((n) => [n.section.label, n.items.map((i) => i.id), shape(n.children)]);
}

describe('buildTree', () => {
  it('nests sections under their parents and orders siblings and items by order', () => {
    expect(shape(buildTree(SECTIONS, ITEMS))).toEqual([
      [
        '１．',
        [],
        [
          ['（１）', ['s1-1-a'], []],
          ['（２）', ['s1-2-a', 's1-2-b'], []],
        ],
      ],
      ['２．', ['s2-a'], []],
    ]);
  });

  it('breaks order ties by id, so every device shows the same order', () => {
    const sections = [section('b', null, 0, 'B'), section('a', null, 0, 'A')];
    const items = [item('y', 'a', 0), item('x', 'a', 0)];
    expect(shape(buildTree(sections, items))).toEqual([
      ['A', ['x', 'y'], []],
      ['B', [], []],
    ]);
  });

  it('shows a section whose parent is missing or deleted as a pillar', () => {
    const sections = [...SECTIONS.filter((s) => s.id !== 's1'), section('s1', null, 0, '１．', true), section('lost', 'nowhere', 5, '（９）')];
    expect(shape(buildTree(sections, ITEMS))).toEqual([
      ['（１）', ['s1-1-a'], []],
      ['（２）', ['s1-2-a', 's1-2-b'], []],
      ['２．', ['s2-a'], []],
      ['（９）', [], []],
    ]);
  });

  it('hides deleted sections and items, and items whose section is gone', () => {
    const sections = SECTIONS.map((s) => (s.id === 's1-1' ? { ...s, deleted: true } : s));
    const items = [...ITEMS.map((i) => (i.id === 's1-2-b' ? { ...i, deleted: true } : i)), item('orphan', 'nowhere', 0)];
    const tree = buildTree(sections, items);
    expect(shape(tree)).toEqual([
      ['１．', [], [['（２）', ['s1-2-a'], []]]],
      ['２．', ['s2-a'], []],
    ]);
    expect(flattenItems(tree).map((i) => i.id)).toEqual(['s1-2-a', 's2-a']);
  });

  it('flattens in the order a meeting walks the plan', () => {
    expect(flattenItems(buildTree(SECTIONS, ITEMS)).map((i) => i.id)).toEqual(['s1-1-a', 's1-2-a', 's1-2-b', 's2-a']);
  });

  it('is empty for an empty plan', () => {
    expect(buildTree([], [])).toEqual([]);
  });
});

describe('labelPath', () => {
  it.each([
    ['s1-2-b', ['１．', '（２）', '②']],
    ['s2-a', ['２．', '①']],
  ])('%s → %j', (id, path) => {
    expect(labelPath(SECTIONS, ITEMS.find((i) => i.id === id)!)).toEqual(path);
  });

  it('stops at a missing section', () => {
    expect(labelPath(SECTIONS, item('x', 'nowhere', 0, { label: '③' }))).toEqual(['③']);
  });

  it('stops on a loop of parents instead of hanging', () => {
    const loop = [section('a', 'b', 0, 'A'), section('b', 'a', 0, 'B')];
    expect(labelPath(loop, item('x', 'a', 0, { label: '①' }))).toEqual(['B', 'A', '①']);
  });
});

describe('filterItems', () => {
  const evaluations: Record<string, Evaluation> = { 's1-1-a': '○', 's1-2-a': '△', 's2-a': '－' };
  const evaluationOf = (id: string): Evaluation | null => evaluations[id] ?? null;
  const index = buildSearchIndex({
    items: ITEMS,
    progress: [progress('s1-2-a', '10日以内の支給を徹底した。', '引き続き実施')],
    notes: [
      note('s2-a', '○○株式会社を訪問', '佐藤'),
      note('nowhere', '郵送化'),
      { ...note('s1-1-a', '同意書を受領'), visit: { employer: '北町商店', employerCode: '77-キタ', purposes: ['加入勧奨'] } },
      { ...note('s1-2-b', '消したメモの語'), deleted: true },
    ],
  });
  const run = (filter: Partial<ItemFilter>) => {
    const f = { ...EMPTY_FILTER, ...filter };
    return [...filterItems(ITEMS, f, evaluationOf, isBlankQuery(f.query) ? null : matchingItemIds(index, f.query), groupsByItem(SECTIONS, ITEMS))].sort();
  };

  it('lets everything through with no filter', () => {
    expect(run({})).toEqual(['s1-1-a', 's1-2-a', 's1-2-b', 's2-a']);
  });

  it.each<[EvaluationFilter[], string[]]>([
    [['○'], ['s1-1-a']],
    [['△'], ['s1-2-a']],
    [['－'], ['s2-a']],
    [['未評価'], ['s1-2-b']],
    [
      ['△', '未評価'],
      ['s1-2-a', 's1-2-b'],
    ],
  ])('by mark %j', (marks, ids) => {
    expect(run({ evaluations: marks })).toEqual(ids);
  });

  it.each([
    [['業務'], ['s1-2-a', 's1-2-b']],
    [
      ['保健', 'レセプト'],
      ['s1-1-a', 's2-a'],
    ],
    [['企画総務'], []],
  ])('by group %j', (groups, ids) => {
    expect(run({ groups })).toEqual(ids);
  });

  it.each([
    ['郵送化', ['s1-2-b']],
    ['kpi', ['s2-a']],
    ['ＫＰＩ', ['s2-a']],
    ['レセプト', ['s1-1-a']],
    ['ﾚｾﾌﾟﾄ', ['s1-1-a']],
    ['１０日', ['s1-2-a']],
    ['訪問', ['s2-a']],
    ['佐藤', ['s2-a']],
    ['引き続き', ['s1-2-a']],
    ['業務', ['s1-2-a', 's1-2-b']],
    ['サービス　遵守', ['s1-2-a']],
    ['サービス 郵送化', []],
    ['  ', ['s1-1-a', 's1-2-a', 's1-2-b', 's2-a']],
    ['存在しない語', []],
    ['北町商店', ['s1-1-a']],
    ['77-キタ', ['s1-1-a']],
    ['加入勧奨', ['s1-1-a']],
    ['消したメモ', []],
  ])('by text %j', (query, ids) => {
    expect(run({ query })).toEqual(ids);
  });

  it('combines mark, group and text', () => {
    expect(run({ evaluations: ['△', '未評価'], groups: ['業務'], query: '郵送' })).toEqual(['s1-2-b']);
  });
});

describe('pruneTree', () => {
  const tree = buildTree(SECTIONS, ITEMS);

  it('keeps only the branches that lead to a visible item', () => {
    expect(shape(pruneTree(tree, new Set(['s1-2-b'])))).toEqual([['１．', [], [['（２）', ['s1-2-b'], []]]]]);
  });

  it('keeps everything when everything is visible', () => {
    expect(pruneTree(tree, new Set(ITEMS.map((i) => i.id)))).toEqual(tree);
  });

  it('is empty when nothing is visible', () => {
    expect(pruneTree(tree, new Set())).toEqual([]);
  });
});

describe('helpers', () => {
  it.each<[Partial<ItemFilter>, boolean]>([
    [{}, false],
    [{ query: '  ' }, false],
    [{ query: '郵送' }, true],
    [{ groups: ['業務'] }, true],
    [{ evaluations: ['未評価'] }, true],
  ])('isFilterActive(%j) = %s', (filter, active) => {
    expect(isFilterActive({ ...EMPTY_FILTER, ...filter })).toBe(active);
  });

  it('lists the groups in use in Japanese order, once each, without blanks or deleted items', () => {
    const items = [...ITEMS, item('x', 's2', 1), item('y', 's2', 2, { group: '企画総務', deleted: true })];
    expect(groupsOf(SECTIONS, items)).toEqual(['レセプト', '業務', '保健']);
  });
});

describe('owning groups', () => {
  it.each([
    ['業務', ['業務']],
    ['業務、企画総務', ['業務', '企画総務']],
    ['業務グループ、企画総務グループ', ['業務', '企画総務']],
    [' 保健 ,保健', ['保健']],
    ['', []],
  ])('splitGroups(%j)', (text, groups) => {
    expect(splitGroups(text)).toEqual(groups);
  });

  // 静岡 R7: （４）DＸ is owned by 業務 and 企画総務; its items name no group of their own.
  const sections = [
    { ...section('p', null, 0, ''), group: '業務' },
    { ...section('dx', 'p', 0, '（４）'), group: '業務、企画総務' },
    section('plain', 'p', 1, '（５）'),
  ];
  const items = [item('dx-1', 'dx', 0), item('dx-2', 'dx', 1, { group: '保健' }), item('plain-1', 'plain', 0)];

  it("takes an item's own groups, else its nearest section's", () => {
    expect(Object.fromEntries(groupsByItem(sections, items))).toEqual({ 'dx-1': ['業務', '企画総務'], 'dx-2': ['保健'], 'plain-1': ['業務'] });
  });

  it('lets a jointly owned item through the filter of either group', () => {
    const run = (groups: string[]) => [...filterItems(items, { ...EMPTY_FILTER, groups }, () => null, null, groupsByItem(sections, items))].sort();
    expect(run(['企画総務'])).toEqual(['dx-1']);
    expect(run(['業務'])).toEqual(['dx-1', 'plain-1']);
    expect(groupsOf(sections, items)).toEqual(['企画総務', '業務', '保健']);
  });
});

describe('the structure screen’s helpers', () => {
  it('names a section by label and title, and an item by label and its text cut at 24 characters', () => {
    expect(sectionName(section('s', null, 0, '（２）'))).toBe('（２） （２） の見出し');
    expect(sectionName({ ...section('s', null, 0, ''), title: ' 見出しだけ ' })).toBe('見出しだけ');
    expect(itemName(item('i', 's', 0, { label: '②', text: '郵送化の\n  促進' }))).toBe('② 郵送化の 促進');
    expect(itemName(item('i', 's', 0, { label: '', text: 'あ'.repeat(25) }))).toBe(`${'あ'.repeat(24)}…`);
    expect(itemName(item('i', 's', 0, { label: '①', text: 'あ'.repeat(24) }))).toBe(`① ${'あ'.repeat(24)}`);
  });

  it('lists the sections in tree order, indented by depth, a nameless one said so', () => {
    const sections = [...SECTIONS, { ...section('s3', null, 2, ''), title: '' }];
    expect(sectionOptions(buildTree(sections, []))).toEqual([
      { id: 's1', text: '１． １． の見出し' },
      { id: 's1-1', text: '　（１） （１） の見出し' },
      { id: 's1-2', text: '　（２） （２） の見出し' },
      { id: 's2', text: '２． ２． の見出し' },
      { id: 's3', text: '（名前なし）' },
    ]);
  });

  it.each<[number, string]>([
    [0, '①'],
    [3, '④'],
    [19, '⑳'],
    [20, ''],
  ])('labels a new item after %i siblings %j', (siblings, label) => {
    expect(nextItemLabel(siblings)).toBe(label);
  });
});
