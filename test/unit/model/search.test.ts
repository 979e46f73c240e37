import { describe, expect, it } from 'vitest';
import { orderKeyOfNumber } from '../../../src/model/order-key';
import type { Item, Kpi, Note, Progress } from '../../../src/model/schemas';
import {
  buildSearchIndex,
  itemsInView,
  MAX_QUERY,
  matchSnippet,
  neighbours,
  normalizeForSearch,
  normalizeWithOrigin,
  noteSearchTexts,
  search,
  type SearchInput,
} from '../../../src/model/search';

const stamp = { updatedAt: '2024-06-01T00:00:00.000Z', updatedBy: 'test' };

function item(id: string, text: string, fields: Partial<Item> = {}): Item {
  return { id, planId: 'p', sectionId: 's', label: '①', text, group: '', tags: [], order: orderKeyOfNumber(0), deleted: false, ...stamp, ...fields };
}

function progress(itemId: string, done: string, next = ''): Progress {
  return { id: `progress:${itemId}:2024-H1`, planId: 'p', itemId, periodId: '2024-H1', evaluation: null, done, next, ...stamp };
}

function note(itemId: string, text: string, author = '山田', date = '2024-05-10'): Note {
  return { id: `note-${itemId}-${text}`, planId: 'p', itemId, date, author, text, createdAt: stamp.updatedAt };
}

function kpi(id: string, name: string, sectionId: string | null = 's-other'): Kpi {
  return {
    id,
    planId: 'p',
    sectionId,
    name,
    unit: '',
    target: { kind: 'value', value: 1, direction: '以上' },
    order: orderKeyOfNumber(0),
    deleted: false,
    ...stamp,
  };
}

describe('normalizeForSearch', () => {
  it.each([
    ['ＫＰＩ', 'kpi'],
    ['ｶﾅ', 'かな'],
    ['ｶﾞｲﾄﾞ', 'がいど'],
    ['カタカナ', 'かたかな'],
    ['ひらがな', 'ひらがな'],
    ['１２３', '123'],
    ['全角\u3000空白 半角', '全角空白半角'],
    ['「健康企業宣言」、事業所・訪問。', '健康企業宣言事業所訪問'],
    ['（１）医療資源', '1医療資源'],
    ['ＡＢＣ－ｄｅｆ', 'abcdef'],
    ['サービス', 'さーびす'],
    ['', ''],
  ])('%j → %j', (text, normal) => {
    expect(normalizeForSearch(text)).toBe(normal);
  });

  it.each(['ＫＰＩの ｶﾞｲﾄﾞ、健康企業宣言（令和６年）', 'ﾚｾﾌﾟﾄ点検', '𠮷野家の「サービス」', 'a b\tc\n'])('with origins gives the same text: %j', (text) => {
    const { text: normal, origin } = normalizeWithOrigin(text);
    expect(normal).toBe(normalizeForSearch(text));
    expect(origin).toHaveLength(normal.length);
    expect([...origin].sort((a, b) => a - b)).toEqual(origin);
  });
});

describe('search', () => {
  const input: SearchInput = {
    items: [
      item('a', '経済団体と連携し、健康企業宣言事業所を増やす。', { sectionId: 'collabo', group: '保健' }),
      item('b', '健康宣言の普及に努める。', { label: '②', group: '企画総務' }),
      item('c', 'ﾚｾﾌﾟﾄ点検の精度向上', { group: 'レセプト' }),
      item('d', 'サービススタンダードの遵守', { group: '業務' }),
      item('e', '健康づくりの講座を開く。宣言は来年度。', { group: '保健' }),
    ],
    progress: [progress('d', '10日以内の支給を徹底した。', '郵送化をさらに進める')],
    notes: [note('c', '株式会社みどり製作所を訪問', '佐藤', '2024-05-10')],
    kpis: [kpi('k1', '健康宣言事業所数', 'collabo'), kpi('k2', 'レセプト点検効果額'), { ...kpi('k3', '健康宣言（削除）'), deleted: true }],
  };
  const index = buildSearchIndex(input);
  const ids = (query: string) => search(index, query).items.map((h) => h.id);

  it(`looks for the first ${MAX_QUERY} characters of a pasted page, not all of it`, () => {
    const long = '保険者機能の強化に向けて事業所への訪問と健診の勧奨を進める。'.repeat(3);
    const pasted = buildSearchIndex({ ...input, items: [...input.items, item('long', long)] });
    const page = Array.from({ length: 5000 }, (_, i) => String.fromCharCode(0x4e00 + i)).join('');
    expect(search(pasted, long.slice(0, MAX_QUERY) + page).items.map((h) => h.id)).toEqual(['long']);
  });

  it.each<[string, string[]]>([
    // Exact first (b says 健康宣言), then a by its words 健康企業宣言.
    ['健康宣言', ['b', 'a']],
    ['健康企業宣言', ['a']],
    ['けんこう', []],
    ['レセプト', ['c']],
    ['れせぷと', ['c']],
    ['ﾚｾﾌﾟﾄ', ['c']],
    ['ＲＥＳＥ', []],
    ['サービス スタンダード', ['d']],
    ['さーびす', ['d']],
    ['１０日', ['d']],
    ['郵送化', ['d']],
    ['みどり製作所', ['c']],
    ['ミドリ', ['c']],
    ['佐藤', ['c']],
    ['保健', ['a', 'e']],
    ['  、 ', []],
    ['存在しない語', []],
  ])('%j finds %j', (query, expected) => {
    expect(ids(query)).toEqual(expected);
  });

  it('ranks, among equal matches, the item matching in more of its texts first', () => {
    const tied = buildSearchIndex({ items: [item('x', '郵送'), item('y', '郵送')], progress: [progress('y', '郵送を進めた')], notes: [] });
    expect(search(tied, '郵送').items.map((h) => h.id)).toEqual(['y', 'x']);
  });

  it('does not take words far apart in a text for a match', () => {
    // e has 健康 and 宣言 but a sentence apart.
    expect(ids('健康宣言')).not.toContain('e');
  });

  it.each<[string, string, string]>([
    ['健康宣言', 'b', 'item'],
    ['健康宣言事業所数', 'a', 'item'],
    ['郵送化', 'd', 'next'],
    ['１０日以内', 'd', 'done'],
    ['みどり', 'c', 'note'],
    ['企画総務', 'b', 'group'],
  ])('%j says it matched %s in its %s', (query, id, kind) => {
    expect(search(index, query).items.find((h) => h.id === id)?.field.kind).toBe(kind);
  });

  it('finds KPIs by name, exact first, and not deleted ones', () => {
    expect(search(index, '健康宣言').kpis.map((h) => h.id)).toEqual(['k1']);
    expect(search(index, 'れせぷと点検').kpis.map((h) => h.id)).toEqual(['k2']);
    expect(search(index, '健康宣言事業所数').items.map((h) => h.id)).toEqual(['a']);
  });

  it('keeps a note’s date with the hit', () => {
    expect(search(index, 'みどり').items[0]!.field).toEqual({ kind: 'note', text: '株式会社みどり製作所を訪問', date: '2024-05-10' });
  });

  it('searches every string a note contributes', () => {
    expect(noteSearchTexts(note('x', '訪問した', '鈴木'))).toEqual(['訪問した', '鈴木']);
  });

  it('leaves out items not in the index and progress of unknown items', () => {
    const small = buildSearchIndex({ items: [item('a', '郵送')], progress: [progress('zz', '郵送')], notes: [note('zz', '郵送')] });
    expect(search(small, '郵送').items.map((h) => h.id)).toEqual(['a']);
  });
});

describe('matchSnippet', () => {
  it.each<[string, string, [string, string, string] | null]>([
    ['経済団体と連携し、健康企業宣言事業所を増やす。', '健康宣言', ['経済団体と連携し、', '健康企業宣言', '事業所を増やす。']],
    ['ﾚｾﾌﾟﾄ点検の精度向上', 'れせぷと', ['', 'ﾚｾﾌﾟﾄ', '点検の精度向上']],
    [
      'あいうえおかきくけこさしすせそたちつてと郵送化なにぬねのはひふへほまみむめも',
      '郵送',
      ['…けこさしすせそたちつてと', '郵送', '化なにぬねのはひふへほま…'],
    ],
    ['サービス\nスタンダード', 'サービススタンダード', ['', 'サービス スタンダード', '']],
    ['関係ない', '郵送', null],
  ])('%j for %j', (text, query, parts) => {
    expect(matchSnippet(text, query)).toEqual(parts);
  });
});

describe('walking', () => {
  const plan = ['a', 'b', 'c', 'd', 'e'];

  it.each<[readonly string[], readonly string[] | null, string[]]>([
    [['a', 'c', 'e'], null, ['a', 'c', 'e']],
    [
      ['a', 'c', 'e'],
      ['e', 'b', 'a'],
      ['e', 'a'],
    ],
    [plan, [], []],
  ])('shows %j ranked by %j as %j', (passes, hits, expected) => {
    const asHits = hits?.map((id) => ({ id, exact: true, score: 1, field: { kind: 'item' as const, text: '' } })) ?? null;
    expect(itemsInView(plan, new Set(passes), asHits)).toEqual(expected);
  });

  it.each<[readonly string[], string, string | null, string | null]>([
    [['a', 'c', 'e'], 'c', 'a', 'e'],
    [['a', 'c', 'e'], 'a', null, 'c'],
    [['a', 'c', 'e'], 'e', 'c', null],
    // d left the view while open (its mark changed): its place in plan order still counts.
    [['a', 'c', 'e'], 'd', 'c', 'e'],
    [['e', 'a'], 'e', null, 'a'],
    [['a'], 'zz', null, null],
    [[], 'b', null, null],
  ])('in %j around %s: previous %s, next %s', (view, id, previous, next) => {
    expect(neighbours(plan, view, id)).toEqual({ previous, next });
  });
});
