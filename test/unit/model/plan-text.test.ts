import { describe, expect, it } from 'vitest';
import { parsePlanFile, walkSections } from '../../../src/model/plan-file';
import { classifyPlanText, type LineKind, type PlanTextLine, proposePlan } from '../../../src/model/plan-text';

const one = (text: string): PlanTextLine => {
  const lines = classifyPlanText(text);
  expect(lines).toHaveLength(1);
  return lines[0]!;
};

describe('classifyPlanText: one line at a time', () => {
  const cases: [string, LineKind, string, string][] = [
    ['１．基盤的保険者機能の盤石化', 'pillar', '１．', '基盤的保険者機能の盤石化'],
    ['基盤的保険者機能の盤石化', 'pillar', '', '基盤的保険者機能の盤石化'],
    ['保険者機能の強化を支える組織・運営体制等の整備', 'pillar', '', '保険者機能の強化を支える組織・運営体制等の整備'],
    ['Ⅰ．健全な財政運営', 'section', 'Ⅰ．', '健全な財政運営'],
    ['（１）業務処理体制の強化と意識改革の徹底', 'section', '（１）', '業務処理体制の強化と意識改革の徹底'],
    ['（2）－１ 特定健診受診率・事業者健診データ取得率等の向上(被保険者)', 'section', '（2）－１', '特定健診受診率・事業者健診データ取得率等の向上(被保険者)'],
    ['（1０）更なる保険者機能の発揮に向けた人材の育成', 'section', '（1０）', '更なる保険者機能の発揮に向けた人材の育成'],
    ['○ 健診受診勧奨対策', 'section', '', '健診受診勧奨対策'],
    ['〇マイナンバーカードと健康保険証の一体化への対応', 'section', '', 'マイナンバーカードと健康保険証の一体化への対応'],
    ['ⅰ）ジェネリック医薬品の使用促進', 'section', 'ⅰ）', 'ジェネリック医薬品の使用促進'],
    [
      'ⅰ）～ ⅲ）の取組については、「顔の見える地域ネットワーク」を最大限に活用して事業展開を図る。',
      'item',
      '',
      'ⅰ）～ ⅲ）の取組については、「顔の見える地域ネットワーク」を最大限に活用して事業展開を図る。',
    ],
    ['①加入者・事業主目線で、分かりやすく、アクセスしやすい広報を実施する', 'item', '①', '加入者・事業主目線で、分かりやすく、アクセスしやすい広報を実施する'],
    ['・ 自動審査状況等を分析し、事務処理の効率化を図る。', 'item', '', '自動審査状況等を分析し、事務処理の効率化を図る。'],
    ['①サービススタンダードの達成状況を100％とする', 'kpi', '①', 'サービススタンダードの達成状況を100％とする'],
    ['①サービススタンダード達成状況 100％ 100％ １００％（R6.１０末）', 'kpi', '①', 'サービススタンダード達成状況 100％ 100％ １００％（R6.１０末）'],
    [
      '返納金債権（診療報酬返還金（不当請求）を除く。）の回収率を前年度以上とするKPI',
      'kpi',
      '',
      '返納金債権（診療報酬返還金（不当請求）を除く。）の回収率を前年度以上とする',
    ],
    ['KPI 健康宣言事業所数を7,200事業所以上（※）とする', 'kpi', '', '健康宣言事業所数を7,200事業所以上（※）とする'],
    ['KPI', 'kpi', '', ''],
    ['■ KPI：', 'kpi', '', ''],
    ['（※）医科、DPC、歯科、調剤における使用割合', 'kpi', '', '（※）医科、DPC、歯科、調剤における使用割合'],
    ['被保険者（40歳以上）（実施対象者数：434,351人）', 'kpi', '', '被保険者（40歳以上）（実施対象者数：434,351人）'],
    ['・生活習慣病予防健診 実施率 68.0％（実施見込者数：295,359人）', 'kpi', '', '生活習慣病予防健診 実施率 68.0％（実施見込者数：295,359人）'],
    ['【重要度：高】', 'reason', '', '重要度：高'],
    ['8', 'ignore', '', '8'],
    ['１１', 'ignore', '', '１１'],
    ['指標 令和7年度KPI 令和6年度KPI 現状', 'ignore', '', '指標 令和7年度KPI 令和6年度KPI 現状'],
    ['事業計画 実施状況 評価 今後の実施予定等', 'ignore', '', '事業計画 実施状況 評価 今後の実施予定等'],
    ['（担当グループ順）', 'ignore', '', '（担当グループ順）'],
    ['（業務グループ、企画総務グループ）', 'ignore', '', '業務、企画総務'],
    ['令和7年度静岡支部事業計画（案）', 'ignore', '', '令和7年度静岡支部事業計画（案）'],
    ['○', 'ignore', '', '○'],
  ];
  it.each(cases)('%s → %s', (text, kind, label, body) => {
    const l = one(text);
    expect({ kind: l.kind, label: l.label, body: l.body }).toEqual({ kind, label, body });
    expect(l.why).not.toBe('');
    expect(l.line).toBe(1);
  });

  it('says why in Japanese', () => {
    expect(one('（１）業務処理体制の強化と意識改革の徹底').why).toBe('「（１）」で始まるため節');
    expect(one('8').why).toBe('ページ番号');
    expect(one('（業務グループ）').why).toBe('担当グループの見出し（以降の節は業務グループ）');
  });
});

describe('classifyPlanText: lines in context', () => {
  it('joins wrapped lines to the item or heading they continue and keeps the first line number', () => {
    const lines = classifyPlanText('\n・ 業務の標準化を徹底するため、職員の意識改革を促進\nする。\n\n・ 次の項目。');
    expect(lines.map((l) => [l.line, l.kind, l.body])).toEqual([
      [2, 'item', '業務の標準化を徹底するため、職員の意識改革を促進する。'],
      [5, 'item', '次の項目。'],
    ]);
    expect(lines[0]!.text).toBe('・ 業務の標準化を徹底するため、職員の意識改革を促進する。');
  });

  it('joins an item broken by one blank line mid-sentence, not one that ended', () => {
    const lines = classifyPlanText('・ 最重点広報テーマ（現役世代への健診事業の\n\n拡充）について広報を行う。\n\n・ 別の項目。');
    expect(lines.map((l) => l.body)).toEqual(['最重点広報テーマ（現役世代への健診事業の拡充）について広報を行う。', '別の項目。']);
  });

  it('reads a numbered statement next to a KPI box as a KPI, and the same numbers after a bullet as items', () => {
    const kpi = classifyPlanText('①査定率を前年度以上とする\n②SNSを運用し、毎月情報発信を行う\n\nKPI');
    expect(kpi.map((l) => l.kind)).toEqual(['kpi', 'kpi', 'kpi']);
    const items = classifyPlanText('・ 具体的には、\n\n①加入者目線で広報を実施する\n\n②多様な広報媒体を組み合わせる');
    expect(items.map((l) => l.kind)).toEqual(['item', 'item', 'item']);
  });

  it('reads 1）… in a ■ KPI： box as KPI statements, and a figure as of a month there as another column', () => {
    const lines = classifyPlanText(
      '■ KPI：\n１）サービススタンダードの達成状況を\n100％とする\n２）郵送化率を対\n前年度（98.4％）以上とする\n\n■ KPI：\n１）100％（令和６年４月時点）',
    );
    expect(lines.map((l) => [l.kind, l.label, l.body])).toEqual([
      ['kpi', '', ''],
      ['kpi', '１）', 'サービススタンダードの達成状況を100％とする'],
      ['kpi', '２）', '郵送化率を対前年度（98.4％）以上とする'],
      ['kpi', '', ''],
      ['ignore', '１）', '100％（令和６年４月時点）'],
    ]);
  });

  it('takes the text under 【重要度：高】 as its reason', () => {
    const lines = classifyPlanText('【重要度：高】\n協会けんぽは日本最大の医療保険者であり、\n重要度が高い。\n\n・ 項目。');
    expect(lines.map((l) => l.kind)).toEqual(['reason', 'reason', 'item']);
    expect(lines[1]!.body).toBe('協会けんぽは日本最大の医療保険者であり、重要度が高い。');
  });

  it('ignores the other columns once the numbering starts again (seed 004)', () => {
    const lines = classifyPlanText(
      'Ⅰ．健全な財政運営\n\n① 議論を行う。\n\n② 情報発信を行う。\n\n① 評議会における説明を検討した。\n\n・東京都保険者協議会\n\n○',
    );
    expect(lines.map((l) => l.kind)).toEqual(['section', 'item', 'item', 'ignore', 'ignore', 'ignore']);
    expect(lines[3]!.why).toContain('番号が戻った');
  });

  it('leaves out what a document holds before the plan’s title (seed 002 opens with the 第6期 summary)', () => {
    const lines = classifyPlanText(
      '１．基盤的保険者機能の盤石化\n・ 全国の取組\n令和7年度静岡支部事業計画（案）\n基盤的保険者機能の盤石化\n（１）業務処理\n・ 支部の取組',
    );
    expect(lines.map((l) => [l.kind, l.why.startsWith('計画の題名より前') ? 'before' : ''])).toEqual([
      ['ignore', 'before'],
      ['ignore', 'before'],
      ['ignore', ''],
      ['pillar', ''],
      ['section', ''],
      ['item', ''],
    ]);
  });

  // Lines an attacker (or a strange PDF) may paste: each is read at once, never minutes (a group
  // heading's pattern once backtracked exponentially, the title's quadratically).
  it.each([
    ['forty group names in one heading', `（${'業務グループ、'.repeat(40)}）等`],
    ['a heading of グループ repeated', `（${'グループ'.repeat(200)}）x`],
    ['200,000 characters of 年度 on one line', 'R1年度'.repeat(50_000)],
  ])('reads %s', (_, text) => {
    const [line] = classifyPlanText(text);
    expect(line?.kind).toBeDefined();
  });

  it('never throws: empty text, blank lines, 1 MB of random text', () => {
    expect(classifyPlanText('')).toEqual([]);
    expect(classifyPlanText('\n\n \n\u3000\n')).toEqual([]);
    expect(proposePlan(classifyPlanText('')).file.sections).toEqual([]);
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet =
      '・①②（１）Ⅰ．○〇ⅰ）KPI■：%％0123456789０１２３４５６７８９、。R.末（）【重要度：高】指標 前年度以上以下とする\n\n\n基盤的保険者機能の盤石化\n（業務グループ）\n※';
    let text = '';
    while (text.length < 1_000_000) text += alphabet[Math.floor(random() * alphabet.length)];
    const lines = classifyPlanText(text);
    const proposal = proposePlan(lines);
    expect(parsePlanFile(proposal.file).ok).toBe(true);
  });
});

describe('proposePlan', () => {
  const text = [
    '令和7年度静岡支部事業計画（案）',
    '基盤的保険者機能の盤石化',
    '（業務グループ）',
    '',
    '①サービススタンダードの達成状況を100％とする',
    '③窓口での受付率を対前年度以下とする',
    'KPI',
    '指標 令和7年度KPI 令和6年度KPI 現状',
    '①サービススタンダード達成状況 100％ 100％ １００％（R6.１０末）',
    '③現金給付等の申請に係る窓口受付率 １.３％ ─ １.５％（R6.１０末）',
    '',
    '（１）業務処理体制の強化',
    '・ 一つ目の項目。',
    '・ 二つ目の項目。',
    '【重要度：高】',
    '重要な取組であり、重要度が高い。',
    '',
    '8',
    '基盤的保険者機能の盤石化',
    '（レセプトグループ）',
    '（１）レセプト点検の精度向上',
    '・ 点検を行う。',
    '（１）業務処理体制の強化【続き】',
    '・ 三つ目の項目。',
  ].join('\n');

  it('builds pillars, sections, items, groups, tags, notes and KPIs, and passes parsePlanFile', () => {
    const { file, unplaced } = proposePlan(classifyPlanText(text));
    expect(parsePlanFile(file).ok).toBe(true);
    expect(unplaced).toEqual([]);
    expect(file.plan).toEqual({ branch: '静岡支部', fiscalYear: 2025, title: '令和7年度静岡支部事業計画', periodKind: 'half', status: '案' });
    expect(file.sections).toHaveLength(1);
    const [p1] = file.sections;
    expect(p1!.id).toBe('p1');
    expect(p1!.sections!.map((s) => [s.id, s.label, s.title, s.groups])).toEqual([
      ['p1-s1', '（１）', '業務処理体制の強化', ['業務']],
      ['p1-s2', '（１）', 'レセプト点検の精度向上', ['レセプト']],
    ]);
    const s1 = p1!.sections![0]!;
    expect(s1.items!.map((i) => [i.id, i.text, i.tags])).toEqual([
      ['p1-s1-i1', '一つ目の項目。', ['重要度：高']],
      ['p1-s1-i2', '二つ目の項目。', ['重要度：高']],
      ['p1-s1-i3', '三つ目の項目。', ['重要度：高']],
    ]);
    expect(s1.note).toBe('【重要度：高】重要な取組であり、重要度が高い。');
    expect(file.kpis).toEqual([
      {
        id: 'k1',
        section: 'p1-s1',
        number: '①',
        name: 'サービススタンダード達成状況',
        unit: '%',
        decimals: 0,
        target: { kind: 'value', value: 100, direction: '以上' },
        previousTarget: { kind: 'value', value: 100, direction: '以上' },
        baseline: { value: 100, month: '2024-10' },
      },
      {
        id: 'k2',
        section: 'p1-s1',
        number: '③',
        name: '現金給付等の申請に係る窓口受付率',
        unit: '%',
        decimals: 1,
        // The table writes a bare １.３％; the statement says 以下.
        target: { kind: 'value', value: 1.3, direction: '以下' },
        baseline: { value: 1.5, month: '2024-10' },
      },
    ]);
  });

  it('uses meta over the title line, and a placeholder branch when nothing says', () => {
    const lines = classifyPlanText('１．基盤的保険者機能の盤石化\n（１）財政\n・ 項目。');
    expect(proposePlan(lines).file.plan).toEqual({ branch: '（支部名）', fiscalYear: 2025, title: '（支部名）事業計画', periodKind: 'half' });
    const withMeta = proposePlan(lines, { branch: '東京支部', fiscalYear: 2024, title: '令和6年度 東京支部事業計画', periodKind: 'quarter' });
    expect(withMeta.file.plan).toEqual({ branch: '東京支部', fiscalYear: 2024, title: '令和6年度 東京支部事業計画', periodKind: 'quarter' });
  });

  it('reports an item before any heading and a KPI row whose target cannot be read', () => {
    const { file, unplaced } = proposePlan(
      classifyPlanText('・ 見出しより前の項目。\n\n指標 令和7年度KPI 令和6年度KPI 現状\n健康宣言事業所数 ─ ─ 7,013事業所（R6.11末）'),
    );
    expect(parsePlanFile(file).ok).toBe(true);
    expect(unplaced.map((u) => [u.line, u.why])).toEqual([
      [1, '柱や見出しより前の項目のため置けません'],
      [4, 'KPIの表の行の目標（令和N年度KPI）を読めません'],
    ]);
  });

  it('moves the following items under a line whose kind was changed from item to section', () => {
    const lines = classifyPlanText('１．柱\n（１）節\n・ 一つ目。\n・ 業務の効率化\n・ 二つ目。\n・ 三つ目。');
    const before = proposePlan(lines).file.sections[0]!.sections!;
    expect(before.map((s) => [s.title, s.items!.length])).toEqual([['節', 4]]);
    const edited = lines.map((l) => (l.body === '業務の効率化' ? { ...l, kind: 'section' as const, label: '○' } : l));
    const after = proposePlan(edited).file;
    expect(parsePlanFile(after).ok).toBe(true);
    const s = after.sections[0]!.sections![0]!;
    expect(s.items!.map((i) => i.text)).toEqual(['一つ目。']);
    expect(s.sections!.map((c) => [c.label, c.title, c.items!.map((i) => i.text)])).toEqual([['○', '業務の効率化', ['二つ目。', '三つ目。']]]);
    // Deterministic: the same lines give the same plan.
    expect(proposePlan(edited)).toEqual(proposePlan(edited));
  });

  it('gives a valid file whatever kinds and labels the review screen sets', () => {
    const lines = classifyPlanText(
      '令和7年度静岡支部事業計画（案）\n基盤的保険者機能の盤石化\n（業務グループ）\n①査定率を前年度以上とする\n（※）査定率の注\nKPI\n指標 令和7年度KPI 令和6年度KPI 現状\n①査定率 前年度以上 0.141% 0.136％（R6.9末）\n※34.0%以上\n（１）節\n・ 項目。\n【重要度：高】\n理由の文。\n被保険者（実施対象者数：434,351人）',
    );
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const kinds = ['pillar', 'section', 'item', 'kpi', 'reason', 'ignore'] as const;
    for (let round = 0; round < 200; round++) {
      const edited = lines.map((l) => ({ ...l, kind: kinds[Math.floor(random() * kinds.length)]!, label: random() < 0.2 ? '' : l.label }));
      const { file } = proposePlan(edited);
      expect(parsePlanFile(file).ok).toBe(true);
    }
  });

  it('counts every section once however often it is repeated', () => {
    const lines = classifyPlanText('基盤的保険者機能の盤石化\n（１）節\n・ a。\n基盤的保険者機能の盤石化\n（１）節【続き】\n・ b。');
    const { file } = proposePlan(lines);
    expect([...walkSections(file.sections)].map(({ section }) => section.title)).toEqual(['基盤的保険者機能の盤石化', '節']);
  });
});
