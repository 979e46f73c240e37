import { describe, expect, it } from 'vitest';
import { parsePlanFile, planFileToRecords, type PlanRecords } from '../../../src/model/plan-file';
import type { Item, Kpi, Section } from '../../../src/model/schemas';
import {
  comparePlans,
  diffText,
  normalizeText,
  textSimilarity,
  type ComparablePlan,
  type DiffSegment,
  type ItemComparison,
} from '../../../src/model/year-over-year';
import r4 from '../../fixtures/yamaguchi-r4.plan.json';
import r5 from '../../fixtures/yamaguchi-r5.plan.json';
import { orderKeyOfNumber } from '../../../src/model/order-key';

function records(data: unknown, planId: string): PlanRecords {
  const parsed = parsePlanFile(data);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return planFileToRecords(parsed.file, { planId, now: '2023-04-01T00:00:00.000Z', author: 'test', newId: () => 'note' });
}

const R5 = records(r5, 'yamaguchi-r5');
const R4 = records(r4, 'yamaguchi-r4');

/** The diff as one string: [-removed-]{+added+}. */
function show(diff: readonly DiffSegment[] | null): string {
  return (diff ?? []).map((d) => (d.kind === 'same' ? d.text : d.kind === 'removed' ? `[-${d.text}-]` : `{+${d.text}+}`)).join('');
}

const textOf = (row: ItemComparison) => (row.current ?? row.previous)!.text;

describe('normalizeText and textSimilarity', () => {
  it.each<[string, string]>([
    ['（１）ＫＰＩ　の 実施', '(1)kpiの実施'],
    ['〇 業務改革の推進', '○業務改革の推進'],
    ['行１\n行２', '行1行2'],
    ['ｶﾅ', 'カナ'],
  ])('normalizeText(%j) = %j', (text, expected) => {
    expect(normalizeText(text)).toBe(expected);
  });

  it.each<[string, string, number]>([
    ['健康宣言事業所数', '健康宣言事業所数', 1],
    ['健康宣言事業所数', '健康宣言 事業所数', 1],
    ['ＯＪＴの実践', 'OJTの実践', 1],
    ['評議会の開催', '', 0],
    ['', '', 0],
    // 評議 議会 会の の開 開催 vs 協議 議会 会の の開 開催: 4 of 5 each.
    ['評議会の開催', '協議会の開催', 0.8],
    ['あ', 'あ', 1],
    ['あ', 'い', 0],
  ])('textSimilarity(%j, %j) = %d', (a, b, expected) => {
    expect(textSimilarity(a, b)).toBeCloseTo(expected, 9);
  });
});

describe('diffText', () => {
  it.each<[string, string, string]>([
    ['同じ文言', '同じ文言', '同じ文言'],
    ['', '新しい文言', '{+新しい文言+}'],
    ['古い文言', '', '[-古い文言-]'],
    // Seed 001, 健全な財政運営: 令和5年度 adds 更に.
    ['今後、厳しさが増すことが予想される', '今後、更に厳しさが増すことが予想される', '今後、{+更に+}厳しさが増すことが予想される'],
    ['県内全域において商業施設等で実施（12月～3月）', '県内全域において商業施設等で実施（6月～3月）', '県内全域において商業施設等で実施（[-12-]{+6+}月～3月）'],
    [
      '委託による勧奨を強化し、未治療者に対する受診勧奨を確実に実施',
      '文書による未治療者に対する受診勧奨を実施',
      '[-委託-]{+文書+}による[-勧奨を強化し、-]未治療者に対する受診勧奨を[-確実に-]実施',
    ],
    // Width and case are folded; the text shown for same segments is the new one.
    ['ＫＰＩを達成する', 'KPIを達成する', 'KPIを達成する'],
    // A lone common character between two changes is part of the change.
    ['赤の花', '青の木', '[-赤の花-]{+青の木+}'],
    ['a-b-c', 'a-b-d', 'a-b-[-c-]{+d+}'],
  ])('%j → %j', (before, after, expected) => {
    expect(show(diffText(before, after))).toBe(expected);
  });

  it('puts back both texts', () => {
    const before = '支部および健診（指導）機関・保健指導専門機関による加入者・事業所への利用勧奨';
    const after = '支部および健診（指導）機関・保健指導専門機関による加入者・事業所への利用勧奨（初回面談件数の増加）';
    const diff = diffText(before, after);
    expect(
      diff
        .filter((d) => d.kind !== 'added')
        .map((d) => d.text)
        .join(''),
    ).toBe(before);
    expect(
      diff
        .filter((d) => d.kind !== 'removed')
        .map((d) => d.text)
        .join(''),
    ).toBe(after);
  });

  it('handles characters outside the BMP', () => {
    expect(show(diffText('𠮷野家の店', '𠮷田家の店'))).toBe('𠮷[-野-]{+田+}家の店');
  });

  it('shows long, wholly different texts as replaced', () => {
    const a = 'あいうえお'.repeat(900);
    const b = 'かきくけこ'.repeat(900);
    expect(diffText(a, b)).toEqual([
      { kind: 'removed', text: a },
      { kind: 'added', text: b },
    ]);
  });
});

describe('comparePlans: 山口支部 令和5年度 against 令和4年度 (seed 001)', () => {
  const result = comparePlans(R5, R4);
  const row = (start: string) => {
    const found = result.items.filter((r) => textOf(r).startsWith(start));
    if (found.length !== 1) throw new Error(`${found.length} rows start with ${start}`);
    return found[0]!;
  };

  it('counts what carried over, changed, came and went', () => {
    expect(result.counts).toEqual({
      sections: { same: 39, renamed: 1, added: 0, dropped: 1 },
      items: { same: 67, reworded: 8, added: 10, dropped: 3 },
      kpis: { same: 12, changed: 7, added: 0, dropped: 0 },
    });
    expect(result.items.filter((r) => r.current).length).toBe(R5.items.length);
    expect(result.items.filter((r) => r.previous).length).toBe(R4.items.length);
  });

  it.each<[string, ItemComparison['status'], string]>([
    ['今後、更に厳しさが増す', 'reworded', '今後、{+更に+}厳しさが増す'],
    ['返納金債権の早期回収', 'reworded', '{+返納金+}債権の早期回収'],
    ['未受診者対策として県内全域', 'reworded', '（[-12-]{+6+}月'],
    ['レセプト点検の効果向上に向けた行動計画', 'reworded', '{+内容点検効果の高いレセプト（高点数レセプト等）を優先的かつ重点的に審査するなど、+}'],
    ['支部および健診（指導）機関', 'reworded', '{+（初回面談件数の増加）+}'],
    ['文書による未治療者', 'reworded', '[-委託-]{+文書+}による'],
    ['新業務システム導入', 'reworded', '新{+業務+}システム導入'],
    ['多剤併用者等', 'reworded', '多剤併用者等[-に-]{+への+}服薬情報'],
    ['加入者からの相談・照会', 'added', ''],
    ['標準化した業務プロセス', 'added', ''],
    ['＜被扶養者＞GISを活用', 'added', ''],
    ['特定保健指導の経年的未利用事業所', 'added', ''],
    ['事業主による要治療者', 'added', ''],
    ['重点地区（宇部）', 'added', ''],
    ['中国税理士会', 'added', ''],
    ['山口県公式「やまぐち健幸アプリ」', 'added', ''],
    ['山口県立大学', 'added', ''],
    ['支部加入者の医療費や健診結果', 'added', ''],
    ['受診率の低い地域において', 'dropped', ''],
    ['＜被扶養者＞無料で特定健診', 'dropped', ''],
    ['保健事業推進のための協議会の開催', 'dropped', ''],
    ['中長期的な視点による健全な財政運営', 'same', ''],
  ])('%s… is %s', (start, status, diffPart) => {
    const r = row(start);
    expect(r.status).toBe(status);
    if (status === 'reworded') expect(show(r.diff)).toContain(diffPart);
    else expect(r.diff).toBeNull();
  });

  it('follows the 柔道整復 items into 現金給付の適正化の推進, where 令和5年度 merged their section', () => {
    const judo = result.items.filter(
      (r) => r.previousPath !== null && R4.sections.find((s) => s.id === r.previous!.sectionId)?.title === '柔道整復施術療養費等における文書照会の強化',
    );
    expect(judo.map((r) => [r.status, r.moved])).toEqual([
      ['same', true],
      ['same', true],
      ['same', true],
      ['same', true],
    ]);
    expect(new Set(judo.map((r) => R5.sections.find((s) => s.id === r.current!.sectionId)?.title))).toEqual(new Set(['現金給付の適正化の推進']));
    const dropped = result.sections.filter((s) => s.status === 'dropped');
    expect(dropped.map((s) => s.previous!.title)).toEqual(['柔道整復施術療養費等における文書照会の強化']);
  });

  it('sees the renamed データヘルス計画 section and the relabelled ② → ① item', () => {
    const renamed = result.sections.find((s) => s.status === 'renamed')!;
    expect(show(renamed.diff)).toBe('[-第２期-]保健事業実施計画（データヘルス計画）の着実な実施〈Ⅰ、Ⅱ、Ⅲ〉');
    const relabelled = row('未受診者対策として県内全域');
    expect(relabelled).toMatchObject({
      labelChanged: true,
      moved: false,
      currentPath: ['（2）', '○', 'ⅰ）', '（１）', '①'],
      previousPath: ['（2）', '○', 'ⅰ）', '（１）', '②'],
    });
    // 〇 and ○ are the same label.
    expect(result.sections.find((s) => s.current?.title === '業務改革の推進')?.status).toBe('same');
  });

  it('reports tags added to an item', () => {
    expect(row('現金給付の申請受付から支給まで')).toMatchObject({ status: 'same', tagsAdded: ['困難度：高'], tagsRemoved: [] });
    expect(row('レセプトデータ、健診データ等').tagsAdded).toEqual(['重要度：高', '困難度：高']);
  });

  it("places dropped items after their previous neighbours, in this year's order", () => {
    const texts = result.items.map((r) => `${r.status}:${textOf(r).slice(0, 10)}`);
    const around = (start: string, before: number, after: number) => {
      const i = texts.findIndex((t) => t.includes(start));
      return texts.slice(i - before, i + after + 1);
    };
    expect(around('受診率の低い地域', 1, 1)).toEqual(['same:＜被扶養者＞協会けん', 'dropped:受診率の低い地域にお', 'reworded:未受診者対策として県']);
    expect(around('＜被扶養者＞無料で', 1, 1)).toEqual(['same:＜被扶養者＞受診履歴', 'dropped:＜被扶養者＞無料で特', 'added:＜被扶養者＞GISを']);
    expect(around('保健事業推進のための', 1, 1)).toEqual(['same:加入者の健康づくりに', 'dropped:保健事業推進のための', 'reworded:多剤併用者等への服薬']);
  });

  it.each<[string, string, string | null, string | null, string[]]>([
    ['サービススタンダードの達成状況', 'same', '100%以上', '100%以上', []],
    ['現金給付等の申請に係る郵送化率', 'changed', '95.5%以上', '96%以上', ['value']],
    ['生活習慣病予防健診実施率', 'changed', '54.2%以上', '59.2%以上', ['value']],
    ['被保険者の特定保健指導の実施率', 'changed', '34.1%以上', '38.3%以上', ['value']],
    ['被扶養者の特定保健指導の実施率', 'same', '14.3%以上', '14.3%以上', []],
    ['受診勧奨後３か月以内に医療機関を受診した者の割合', 'changed', '12.4%以上', '13.1%以上', ['value']],
    ['健康宣言事業所数', 'changed', '900事業所以上', '1,100事業所以上', ['value']],
    ['全被保険者数に占める健康保険委員が委嘱されている事業所の被保険者数の割合', 'changed', '61.5%以上', '65%以上', ['value']],
    ['日本年金機構回収分も含めた資格喪失後１か月以内の保険証回収率', 'changed', '対前年度以上', '対前年度以上', []],
    ['柔道整復施術療養費の申請に占める、施術箇所３部位以上、かつ月15日以上の施術の申請の割合', 'same', '対前年度以下', '対前年度以下', []],
    ['一般競争入札に占める一者応札案件の割合', 'same', '20%以下', '20%以下', []],
  ])('KPI %s: %s', (name, status, previousTarget, currentTarget, changes) => {
    const k = result.kpis.find((x) => x.current?.name === name)!;
    expect(k).toMatchObject({ status, previousTarget, currentTarget, targetChanges: changes });
  });

  it('diffs a renamed KPI', () => {
    const k = result.kpis.find((x) => x.current?.name === '受診勧奨後３か月以内に医療機関を受診した者の割合')!;
    expect(show(k.nameDiff)).toBe('受診勧奨後[-、-]３か月以内に医療機関を受診した者の割合');
  });

  it('is the same whichever order the records come in', () => {
    const shuffled = (p: PlanRecords): ComparablePlan => ({ sections: [...p.sections].reverse(), items: [...p.items].reverse(), kpis: [...p.kpis].reverse() });
    expect(comparePlans(shuffled(R5), shuffled(R4))).toEqual(result);
  });

  it('finds every item the same when a plan is compared with itself', () => {
    const self = comparePlans(R5, R5);
    expect(self.counts.items).toEqual({ same: R5.items.length, reworded: 0, added: 0, dropped: 0 });
    expect(self.items.every((r) => r.current === r.previous && !r.moved)).toBe(true);
  });
});

describe('comparePlans: edge cases', () => {
  const stamp = { updatedAt: '', updatedBy: '' };
  const section = (id: string, title: string, parentId: string | null = null, order = 0, deleted = false): Section => ({
    id,
    planId: 'p',
    parentId,
    label: '',
    title,
    order: orderKeyOfNumber(order),
    deleted,
    ...stamp,
  });
  const item = (id: string, sectionId: string, text: string, order = 0, deleted = false): Item => ({
    id,
    planId: 'p',
    sectionId,
    label: '',
    text,
    group: '',
    tags: [],
    order: orderKeyOfNumber(order),
    deleted,
    ...stamp,
  });
  const kpi = (id: string, name: string, target: Kpi['target'], unit = '%'): Kpi => ({
    id,
    planId: 'p',
    sectionId: null,
    name,
    unit,
    target,
    order: 'a0',
    deleted: false,
    ...stamp,
  });
  const empty: ComparablePlan = { sections: [], items: [], kpis: [] };

  it('compares empty plans', () => {
    expect(comparePlans(empty, empty)).toMatchObject({ sections: [], items: [], kpis: [] });
  });

  it('finds everything new against an empty plan, and everything dropped the other way', () => {
    const plan: ComparablePlan = {
      sections: [section('s', '健康づくり')],
      items: [item('i', 's', '健診の受診勧奨')],
      kpis: [kpi('k', '健診実施率', { kind: 'value', value: 60, direction: '以上' })],
    };
    expect(comparePlans(plan, empty).counts).toEqual({
      sections: { same: 0, renamed: 0, added: 1, dropped: 0 },
      items: { same: 0, reworded: 0, added: 1, dropped: 0 },
      kpis: { same: 0, changed: 0, added: 1, dropped: 0 },
    });
    expect(comparePlans(empty, plan).items).toEqual([expect.objectContaining({ status: 'dropped', previousPath: ['', ''] })]);
  });

  it('ignores deleted records', () => {
    const current: ComparablePlan = {
      sections: [section('s', '広報')],
      items: [item('a', 's', 'メールマガジンの配信'), item('b', 's', 'SNSでの発信', 1, true)],
      kpis: [],
    };
    const previous: ComparablePlan = {
      sections: [section('s', '広報'), section('gone', '旧', null, 1, true)],
      items: [item('a', 's', 'メールマガジンの配信'), item('c', 'gone', 'SNSでの発信')],
      kpis: [],
    };
    expect(comparePlans(current, previous).counts.items).toEqual({ same: 1, reworded: 0, added: 0, dropped: 0 });
  });

  it('does not pair unrelated texts, even in the same place', () => {
    const current: ComparablePlan = { sections: [section('s', '広報')], items: [item('a', 's', 'ＬＩＮＥ公式アカウントを開設する')], kpis: [] };
    const previous: ComparablePlan = { sections: [section('s', '広報')], items: [item('a', 's', '評議会を年４回開催する')], kpis: [] };
    expect(comparePlans(current, previous).items.map((r) => r.status)).toEqual(['added', 'dropped']);
  });

  it('pairs a loosely reworded item only within its section', () => {
    const before = '多剤併用者等に服薬情報のお知らせを送付';
    const after = '多剤併用者等への服薬情報通知の送付およびマイナンバーカード普及促進事業';
    const similarity = textSimilarity(before, after);
    expect(similarity).toBeGreaterThan(0.3);
    expect(similarity).toBeLessThan(0.5);
    const inSection = comparePlans(
      { sections: [section('s', '医療費適正化')], items: [item('a', 's', after)], kpis: [] },
      { sections: [section('s', '医療費適正化')], items: [item('a', 's', before)], kpis: [] },
    );
    expect(inSection.items.map((r) => r.status)).toEqual(['reworded']);
    const elsewhere = comparePlans(
      { sections: [section('s', '医療費適正化')], items: [item('a', 's', after)], kpis: [] },
      { sections: [section('t', '組織運営')], items: [item('a', 't', before)], kpis: [] },
    );
    expect(elsewhere.items.map((r) => r.status)).toEqual(['dropped', 'added']);
  });

  it("puts an item dropped first in a surviving section at that section's end", () => {
    const sections = [section('s', '広報'), section('t', '組織運営', null, 1)];
    const current: ComparablePlan = { sections, items: [item('b', 's', 'メールマガジンの配信'), item('c', 't', 'リスク管理の徹底')], kpis: [] };
    const previous: ComparablePlan = {
      sections,
      items: [item('a', 's', '広報誌の発行を年４回とする'), item('b', 's', 'メールマガジンの配信'), item('c', 't', 'リスク管理の徹底')],
      kpis: [],
    };
    expect(comparePlans(current, previous).items.map((r) => `${r.status}:${textOf(r)}`)).toEqual([
      'same:メールマガジンの配信',
      'dropped:広報誌の発行を年４回とする',
      'same:リスク管理の徹底',
    ]);
  });

  it('tells kind, direction and baseline changes of KPI targets apart', () => {
    const current: ComparablePlan = {
      sections: [],
      items: [],
      kpis: [
        kpi('a', '郵送化率', { kind: 'previousYear', previousValue: 98.4, direction: '以上' }),
        kpi('b', '一者応札案件の割合', { kind: 'value', value: 15, direction: '以上' }),
        kpi('c', '健康宣言事業所数', { kind: 'value', value: 1100, direction: '以上' }, '社'),
      ],
    };
    const previous: ComparablePlan = {
      sections: [],
      items: [],
      kpis: [
        kpi('a', '郵送化率', { kind: 'previousYear', previousValue: 97.9, direction: '以上' }),
        kpi('b', '一者応札案件の割合', { kind: 'value', value: 15, direction: '以下' }),
        kpi('c', '健康宣言事業所数', { kind: 'qualitative', text: '拡大する' }, '事業所'),
      ],
    };
    expect(comparePlans(current, previous).kpis.map((k) => [k.status, k.targetChanges])).toEqual([
      ['same', ['baseline']],
      ['changed', ['direction']],
      ['changed', ['kind', 'unit']],
    ]);
  });
});

describe('comparePlans: 1,000 items a year', () => {
  // Sentences of six phrases drawn with a fixed generator, so items are distinct but share words
  // as plan items do.
  const PHRASES = [
    '健診の受診勧奨',
    '事業所訪問',
    '健康宣言',
    '保健指導',
    '重症化予防',
    '郵送化の促進',
    'ジェネリック医薬品',
    '広報誌',
    'メールマガジン',
    '評議会',
    '保険料率',
    'レセプト点検',
    '査定率',
    '返納金債権',
    '保険証回収',
    '被扶養者資格',
    'マイナンバー',
    'オンライン資格確認',
    '業務改革',
    '人材育成',
    'コンプライアンス',
    '個人情報保護',
    'リスク管理',
    '災害対策',
    '調達',
    'コスト削減',
    'データ分析',
    '医療費適正化',
    '地域医療構想',
    '意見発信',
    '健康保険委員',
    'セミナー',
    '集団健診',
    'がん検診',
    '歯科健診',
    '特定健診',
    '事業者健診データ',
    '初回面談',
    'ICT活用',
    '関係団体',
    '自治体',
    '商工会議所',
    '労働局',
    '薬剤師会',
    '医師会',
    '大学',
    'SNS',
    '動画配信',
    'ホームページ',
    'インセンティブ制度',
  ];
  // New items speak of other things, so that they cannot pass for a dropped item reworded.
  const NEW_PHRASES = [
    '禁煙支援',
    '睡眠改善',
    '女性の健康',
    '熱中症対策',
    'ウォーキング大会',
    '食生活改善',
    '口腔ケア',
    'メンタルヘルス',
    '骨粗鬆症検診',
    '眼底検査',
  ];
  const MIDDLE = ['を推進し、', 'と連携して', 'に取り組み、', 'を活用して', 'を強化し、'];
  function sentence(seed: number, phrases: readonly string[] = PHRASES): string {
    // mulberry32
    let x = seed;
    const next = () => {
      x = (x + 0x6d2b79f5) | 0;
      let t = Math.imul(x ^ (x >>> 15), 1 | x);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return (t ^ (t >>> 14)) >>> 0;
    };
    return `${Array.from({ length: 6 }, () => phrases[next() % phrases.length]! + MIDDLE[next() % MIDDLE.length]!).join('')}実施する。`;
  }
  function plan(texts: readonly string[]): ComparablePlan {
    const stamp = { updatedAt: '', updatedBy: '' };
    const sections: Section[] = Array.from({ length: 50 }, (_, s) => ({
      id: `s${s}`,
      planId: 'p',
      parentId: null,
      label: `${s + 1}`,
      title: `分野${s + 1}`,
      order: orderKeyOfNumber(s),
      deleted: false,
      ...stamp,
    }));
    const items: Item[] = texts.map((text, i) => ({
      id: `i${i}`,
      planId: 'p',
      sectionId: `s${i % 50}`,
      label: '',
      text,
      group: '',
      tags: [],
      order: orderKeyOfNumber(i),
      deleted: false,
      ...stamp,
    }));
    return { sections, items, kpis: [] };
  }

  it('matches every carried-over item to its own predecessor', () => {
    const previousTexts = Array.from({ length: 1000 }, (_, i) => sentence(i + 1));
    // Every 10th item reworded (its last phrase replaced), every 25th dropped, 30 new ones.
    const currentTexts = previousTexts.flatMap((text, i) => (i % 25 === 24 ? [] : i % 10 === 3 ? [text.replace(/実施する。$/, '着実に進める。')] : [text]));
    currentTexts.push(...Array.from({ length: 30 }, (_, i) => sentence(5000 + i, NEW_PHRASES)));
    const result = comparePlans(plan(currentTexts), plan(previousTexts));
    expect(result.counts.items).toEqual({ same: 860, reworded: 100, added: 30, dropped: 40 });
    for (const r of result.items) {
      if (r.current && r.previous) expect(r.previous.text.replace(/実施する。$/, '')).toBe(r.current.text.replace(/(実施する|着実に進める)。$/, ''));
    }
  });
});
