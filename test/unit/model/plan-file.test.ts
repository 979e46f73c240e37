import { describe, expect, it } from 'vitest';
import tokyo from '../../../src/demo/tokyo-r6.plan.json';
import good from '../../fixtures/plan-file-good.json';
import shizuoka from '../../fixtures/shizuoka-r7.plan.json';
import r4 from '../../fixtures/yamaguchi-r4.plan.json';
import r5 from '../../fixtures/yamaguchi-r5.plan.json';
import {
  parsePlanFile,
  parsePlanFileText,
  PLAN_FILE_FORMAT,
  PLAN_FILE_MAX_BYTES,
  PLAN_FILE_VERSION,
  planFileToRecords,
  recordsToPlanFile,
  type ImportContext,
  type PlanFile,
  type PlanFileProblem,
} from '../../../src/model/plan-file';

const SMALL: PlanFile = {
  format: PLAN_FILE_FORMAT,
  version: PLAN_FILE_VERSION,
  plan: { branch: '東京支部', fiscalYear: 2024, title: '令和6年度 東京支部事業計画', periodKind: 'quarter' },
  sections: [
    {
      id: 's1',
      label: '１．',
      title: '基盤的保険者機能の盤石化',
      sections: [
        {
          id: 's1-2',
          label: '（２）',
          title: 'サービス水準の向上',
          items: [
            { id: 'i1', label: '①', text: 'サービススタンダードの遵守', groups: ['業務'], tags: ['重要度：高'] },
            { id: 'i2', label: '②', text: '現金給付等の申請に係る郵送化の促進' },
          ],
        },
      ],
    },
    {
      id: 's2',
      label: '２．',
      title: '戦略的保険者機能の一層の発揮',
      items: [{ id: 'i3', label: '①', text: '健康宣言事業所の拡大', groups: ['保健'], tags: ['重要度：高', '困難度：高'] }],
    },
  ],
  kpis: [
    { id: 'k1', section: 's1-2', name: 'サービススタンダードの達成状況', unit: '%', target: { kind: 'value', value: 100, direction: '以上' } },
    { id: 'k2', section: 's1-2', name: '現金給付等の申請に係る郵送化率', unit: '%', target: { kind: 'previousYear', previousValue: 98.4, direction: '以上' } },
    { id: 'k3', name: 'SNSによる情報発信', unit: '', target: { kind: 'qualitative', text: '毎月情報発信を行う' } },
  ],
  progress: [
    { item: 'i1', period: '2024-Q1', evaluation: '○', done: '10日以内の支給を徹底した。', next: '引き続き実施する。' },
    { item: 'i1', period: '2024-Q2', evaluation: null, done: '', next: '' },
    { item: 'i2', period: '2024-Q1', evaluation: '△', done: '郵送化率は98.2%。', next: '窓口での案内を強化する。' },
  ],
  notes: [
    { item: 'i3', date: '2024-05-10', author: '山田', text: '○○株式会社を訪問し、健康宣言を案内した。' },
    { item: 'i3', date: '2024-05-10', author: '佐藤', text: '同日、△△商事にも案内。' },
  ],
  measurements: [
    { kpi: 'k1', month: '2024-04', value: 100 },
    { kpi: 'k2', month: '2024-05', value: 98.5 },
    { kpi: 'k2', month: '2024-06', value: 98.2 },
    { kpi: 'k2', month: '2024-07', value: null },
  ],
};

function context(planId = 'plan-1'): ImportContext {
  let n = 0;
  return { planId, now: '2024-06-01T09:00:00.000Z', author: 'planner', newId: () => `note-${++n}` };
}

/** A deep copy of SMALL, changed by `change`; the JSON text is what a person would load. */
function changed(change: (file: PlanFile) => void): string {
  const file = structuredClone(SMALL);
  change(file);
  return JSON.stringify(file);
}

function problemsOf(text: string): PlanFileProblem[] {
  const result = parsePlanFileText(text);
  if (result.ok) throw new Error('expected the file to be refused');
  return result.problems;
}

describe('a valid file', () => {
  it('parses unchanged', () => {
    expect(parsePlanFileText(JSON.stringify(SMALL))).toEqual({ ok: true, file: SMALL, version: 2 });
  });

  it('may start with a byte order mark', () => {
    expect(parsePlanFileText(`\uFEFF${JSON.stringify(SMALL)}`).ok).toBe(true);
  });

  it('round-trips through records unchanged', () => {
    expect(recordsToPlanFile(planFileToRecords(SMALL, context()))).toEqual(SMALL);
  });

  it('becomes records whose ids are the refs prefixed with the plan id', () => {
    const r = planFileToRecords(SMALL, context('plan-1'));
    const stamp = { updatedAt: '2024-06-01T09:00:00.000Z', updatedBy: 'planner' };
    expect(r.plan).toEqual({ id: 'plan-1', ...SMALL.plan, demo: false, deleted: false, ...stamp });
    expect(r.sections.map((s) => [s.id, s.parentId, s.order])).toEqual([
      ['plan-1/s1', null, 'a0'],
      ['plan-1/s1-2', 'plan-1/s1', 'a0'],
      ['plan-1/s2', null, 'a1'],
    ]);
    expect(r.items.map((i) => [i.id, i.sectionId, i.order, i.group, i.tags])).toEqual([
      ['plan-1/i1', 'plan-1/s1-2', 'a0', '業務', ['重要度：高']],
      ['plan-1/i2', 'plan-1/s1-2', 'a1', '', []],
      ['plan-1/i3', 'plan-1/s2', 'a0', '保健', ['重要度：高', '困難度：高']],
    ]);
    expect(r.kpis.map((k) => [k.id, k.sectionId, k.order])).toEqual([
      ['plan-1/k1', 'plan-1/s1-2', 'a0'],
      ['plan-1/k2', 'plan-1/s1-2', 'a1'],
      ['plan-1/k3', null, 'a2'],
    ]);
    expect(r.progress[0]).toEqual({
      id: 'progress:plan-1/i1:2024-Q1',
      planId: 'plan-1',
      itemId: 'plan-1/i1',
      periodId: '2024-Q1',
      evaluation: '○',
      done: '10日以内の支給を徹底した。',
      next: '引き続き実施する。',
      ...stamp,
    });
    expect(r.notes.map((n) => [n.id, n.itemId, n.createdAt])).toEqual([
      ['note-1', 'plan-1/i3', '2024-06-01T09:00:00.000Z'],
      ['note-2', 'plan-1/i3', '2024-06-01T09:00:00.000Z'],
    ]);
    expect(r.measurements.map((m) => m.id)).toEqual([
      'measurement:plan-1/k1:2024-04',
      'measurement:plan-1/k2:2024-05',
      'measurement:plan-1/k2:2024-06',
      'measurement:plan-1/k2:2024-07',
    ]);
  });

  it('gives two plans made from one file distinct ids', () => {
    const a = planFileToRecords(SMALL, context('a'));
    const b = planFileToRecords(SMALL, context('b'));
    expect(a.items.map((i) => i.id)).not.toEqual(b.items.map((i) => i.id));
    expect(recordsToPlanFile(b)).toEqual(recordsToPlanFile(a));
  });

  it('fills in what a minimal file leaves out, and exports it explicitly', () => {
    const minimal = {
      format: PLAN_FILE_FORMAT,
      version: PLAN_FILE_VERSION,
      plan: { branch: '静岡支部', fiscalYear: 2025, title: '令和7年度 事業計画', periodKind: 'month' },
      sections: [{ id: 's', label: 'Ⅰ', title: '柱', items: [{ id: 'i', label: '①', text: '' }] }],
      progress: [{ item: 'i', period: '2025-04' }],
    };
    const result = parsePlanFile(minimal);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const records = planFileToRecords(result.file, context());
    expect(records.progress[0]).toMatchObject({ evaluation: null, done: '', next: '' });
    expect(recordsToPlanFile(records)).toEqual({
      ...minimal,
      kpis: [],
      progress: [{ item: 'i', period: '2025-04', evaluation: null, done: '', next: '' }],
      notes: [],
      measurements: [],
    });
  });
});

describe('version 2: what seed 002 and 003 plans write', () => {
  const SHIZUOKA: unknown = shizuoka;

  it('reads the 静岡 R7 plan built by hand from seed 002, and it round-trips through records unchanged', () => {
    const parsed = parsePlanFile(SHIZUOKA);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(parsed.version).toBe(2);
    expect(recordsToPlanFile(planFileToRecords(parsed.file, context()))).toEqual({ ...parsed.file, progress: [], notes: [], measurements: [] });
  });

  it('keeps a KPI’s 現状, last year’s target, counts, number, footnotes and written decimals, and a conditional target', () => {
    const kpi = {
      id: 'k-generic',
      number: '①',
      name: 'ジェネリック医薬品使用割合',
      unit: '%',
      decimals: 1,
      target: {
        kind: 'conditional' as const,
        rules: [
          {
            when: { direction: '以上' as const, value: 80 },
            target: { kind: 'previousYear' as const, previousValue: null, direction: '以上' as const, yearEnd: true },
          },
        ],
        otherwise: { kind: 'value' as const, value: 80, direction: '以上' as const },
      },
      previousTarget: { kind: 'value' as const, value: 80, direction: '以上' as const },
      baseline: { value: 35.7, from: '2023-04', month: '2023-10', note: '健診受診分' },
      population: { label: '実施対象者数', value: 434351, unit: '人' },
      expected: { label: '実施見込者数', value: 295359, unit: '人' },
      footnotes: ['（※）医科、DPC、歯科、調剤における使用割合'],
    };
    const file: PlanFile = { ...SMALL, plan: { ...SMALL.plan, status: '確定' }, kpis: [kpi], measurements: [] };
    const records = planFileToRecords(file, context());
    expect(records.kpis[0]).toMatchObject({ ...kpi, id: 'plan-1/k-generic' });
    expect(records.plan.status).toBe('確定');
    expect(recordsToPlanFile(records).kpis).toEqual([kpi]);
  });

  it('gives a section its owning groups, which an item of two groups keeps apart', () => {
    const file: PlanFile = {
      ...SMALL,
      sections: [
        {
          id: 'dx',
          label: '（４）',
          title: 'DXの推進',
          groups: ['業務', '企画総務'],
          items: [
            { id: 'i', label: '', text: '周知する' },
            { id: 'j', label: '', text: '照会する', groups: ['業務'] },
          ],
        },
      ],
      kpis: [],
      progress: [],
      notes: [],
      measurements: [],
    };
    const records = planFileToRecords(file, context());
    expect(records.sections[0]!.group).toBe('業務、企画総務');
    expect(records.items.map((i) => i.group)).toEqual(['', '業務']);
    expect(recordsToPlanFile(records).sections).toEqual(file.sections);
  });

  it.each<[string, (f: Record<string, unknown>) => void, PlanFileProblem[]]>([
    [
      'a 現状 range that ends before it starts',
      (f) => ((f.kpis as Record<string, unknown>[])[0]!.baseline = { value: 1, from: '2024-10', month: '2024-04' }),
      [{ where: 'KPI 1番目（k1） › 現状', message: '範囲の始まりが終わりより後です' }],
    ],
    [
      'a misspelt key inside a 現状 (form for from), which would make a range one month',
      (f) => ((f.kpis as Record<string, unknown>[])[0]!.baseline = { value: 1, form: '2024-04', month: '2024-10' }),
      [{ where: 'KPI 1番目（k1） › 現状', message: '知らない項目があります: form' }],
    ],
    [
      'an unknown plan status',
      (f) => ((f.plan as Record<string, unknown>).status = '決定'),
      [{ where: '計画 › 状態', message: '使える値は "案" / "確定" です' }],
    ],
    [
      'groups too long together',
      (f) => ((f.sections as Record<string, unknown>[])[1]!.groups = ['あ'.repeat(150), 'い'.repeat(150)]),
      [{ where: 'セクション（２．）', message: '担当グループは合わせて200文字までです' }],
    ],
  ])('refuses %s', (_, change, problems) => {
    const f = structuredClone(SMALL) as unknown as Record<string, unknown>;
    change(f);
    expect(parsePlanFile(f)).toEqual({ ok: false, problems });
  });

  it('still reads a 現状 of any year, but a measurement only of the plan year', () => {
    const f = structuredClone(SMALL);
    f.kpis![0]!.baseline = { value: 1, month: '2019-03' };
    expect(parsePlanFile(f).ok).toBe(true);
    f.measurements = [{ kpi: 'k1', month: '2019-03', value: 1 }];
    expect(parsePlanFile(f)).toMatchObject({ ok: false, problems: [{ message: '時点「2019-03」はこの計画の年度の月ではありません' }] });
  });
});

describe('version 1 files', () => {
  const v1 = (group: string | undefined) => ({
    format: PLAN_FILE_FORMAT,
    version: 1,
    plan: { branch: '山口支部', fiscalYear: 2023, title: '令和5年度 山口支部事業計画', periodKind: 'half' },
    sections: [
      { id: 's', label: '１．', title: '基盤的保険者機能', items: [{ id: 'i', label: '①', text: '郵送化の促進', ...(group === undefined ? {} : { group }) }] },
    ],
  });

  it.each<[string | undefined, string[] | undefined]>([
    ['業務', ['業務']],
    ['業務、企画総務', ['業務', '企画総務']],
    ['業務グループ，企画総務グループ', ['業務', '企画総務']],
    ['', undefined],
    [undefined, undefined],
  ])('read as version 2: group %j becomes groups %j, nothing else changes', (group, groups) => {
    const parsed = parsePlanFile(v1(group));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(parsed.version).toBe(1);
    expect(parsed.file.version).toBe(2);
    expect(parsed.file.sections[0]!.items![0]).toEqual({ id: 'i', label: '①', text: '郵送化の促進', ...(groups ? { groups } : {}) });
  });

  it.each<[string, unknown]>([
    ['the demo (東京 R6)', tokyo],
    ['山口 R4', r4],
    ['山口 R5', r5],
    ['plan-file-good', good],
  ])('%s still loads, as version 1', (_, file) => {
    expect(parsePlanFile(file)).toMatchObject({ ok: true, version: 1 });
  });

  it('drops a yearEnd inside a version 1 target, as version 1 dropped every unknown key there', () => {
    const parsed = parsePlanFile({
      ...v1('業務'),
      kpis: [{ id: 'k', name: '率', unit: '%', target: { kind: 'value', value: 80, direction: '以上', yearEnd: true } }],
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(parsed.file.kpis![0]!.target).toEqual({ kind: 'value', value: 80, direction: '以上' });
  });

  it('refuses version 2 keys in a version 1 file', () => {
    const f = v1('業務') as Record<string, unknown>;
    (f.sections as Record<string, unknown>[])[0]!.groups = ['業務'];
    expect(parsePlanFile(f)).toMatchObject({ ok: false, problems: [{ message: '知らない項目があります: groups' }] });
  });
});

describe('export', () => {
  it('leaves out deleted records and what hangs on them', () => {
    const r = planFileToRecords(SMALL, context());
    r.items.find((i) => i.id === 'plan-1/i1')!.deleted = true;
    r.kpis.find((k) => k.id === 'plan-1/k2')!.deleted = true;
    const file = recordsToPlanFile(r);
    expect(file.sections[0]!.sections![0]!.items!.map((i) => i.id)).toEqual(['i2']);
    expect(file.progress!.map((p) => p.item)).toEqual(['i2']);
    expect(file.kpis!.map((k) => k.id)).toEqual(['k1', 'k3']);
    expect(file.measurements!.map((m) => m.kpi)).toEqual(['k1']);
    expect(parsePlanFile(file).ok).toBe(true);
  });

  it('shows a section whose parent was deleted as a pillar', () => {
    const r = planFileToRecords(SMALL, context());
    r.sections.find((s) => s.id === 'plan-1/s1')!.deleted = true;
    const file = recordsToPlanFile(r);
    expect(file.sections.map((s) => s.id)).toEqual(['s1-2', 's2']);
    expect(parsePlanFile(file).ok).toBe(true);
  });

  it('stays importable when a section was deleted but its items were not', () => {
    // Another device may add an item to a section while this one deletes the section.
    const r = planFileToRecords(SMALL, context());
    r.sections.find((s) => s.id === 'plan-1/s2')!.deleted = true;
    const file = recordsToPlanFile(r);
    expect(file.sections.map((s) => s.id)).toEqual(['s1']);
    expect(file.notes).toEqual([]);
    expect(parsePlanFile(file).ok).toBe(true);
  });

  it('keeps sibling order by the order field, not by array position', () => {
    const r = planFileToRecords(SMALL, context());
    r.sections.reverse();
    r.items.reverse();
    r.kpis.reverse();
    expect(recordsToPlanFile(r)).toEqual(SMALL);
  });

  it('writes siblings moved to keys between others in key order, which an import turns back into plain keys', () => {
    const r = planFileToRecords(SMALL, context());
    // i2 moved before i1, the last KPI to the front: keys made by moves on a device.
    r.items.find((i) => i.id === 'plan-1/i2')!.order = 'Zz';
    r.kpis.find((k) => k.id === 'plan-1/k3')!.order = 'ZzV';
    const file = recordsToPlanFile(r);
    expect(file.sections[0]!.sections![0]!.items!.map((i) => i.id)).toEqual(['i2', 'i1']);
    expect(file.kpis!.map((k) => k.id)).toEqual(['k3', 'k1', 'k2']);
    const again = planFileToRecords(file, context());
    expect(again.items.filter((i) => i.sectionId === 'plan-1/s1-2').map((i) => [i.id, i.order])).toEqual([
      ['plan-1/i2', 'a0'],
      ['plan-1/i1', 'a1'],
    ]);
  });
});

describe('a bad file gives problems in Japanese and nothing else', () => {
  const cases: [name: string, text: string, problems: PlanFileProblem[]][] = [
    ['invalid JSON', '{"format": "jigyo-keikaku-plan",', [{ where: 'ファイル全体', message: expect.stringMatching(/^JSONとして読めません（.+）$/) as string }]],
    ['not an object', '[]', [{ where: 'ファイル全体', message: '形式が違います（object が必要です）' }]],
    ['wrong format', changed((f) => (f.format = 'excel' as never)), [{ where: '形式', message: '使える値は "jigyo-keikaku-plan" です' }]],
    ['newer version', changed((f) => (f.version = 3 as never)), [{ where: '版', message: '使える値は 1 / 2 です' }]],
    ['missing field', changed((f) => delete (f.plan as Partial<PlanFile['plan']>).branch), [{ where: '計画 › 支部', message: '必須の項目がありません' }]],
    [
      'missing item text',
      changed((f) => delete (f.sections[1]!.items![0] as { text?: string }).text),
      [{ where: 'セクション 2番目（２．） › 項目 1番目（①） › 本文', message: '必須の項目がありません' }],
    ],
    [
      'unknown key',
      changed((f) => Object.assign(f.sections[0]!.sections![0]!.items![0]!, { owner: '業務' })),
      [{ where: 'セクション 1番目（１．） › セクション 1番目（（２）） › 項目 1番目（①）', message: '知らない項目があります: owner' }],
    ],
    ['unknown key at the top', changed((f) => Object.assign(f, { items: [] })), [{ where: 'ファイル全体', message: '知らない項目があります: items' }]],
    ['wrong type', changed((f) => (f.plan.fiscalYear = '2024' as never)), [{ where: '計画 › 年度', message: '形式が違います（number が必要です）' }]],
    ['year too late', changed((f) => (f.plan.fiscalYear = 2101)), [{ where: '計画 › 年度', message: '2100以下にしてください' }]],
    ['year too early', changed((f) => (f.plan.fiscalYear = 1988)), [{ where: '計画 › 年度', message: '1989以上にしてください' }]],
    [
      'bad period kind',
      changed((f) => (f.plan.periodKind = 'week' as never)),
      [{ where: '計画 › 報告期間の単位', message: '使える値は "month" / "quarter" / "half" です' }],
    ],
    [
      "bad evaluation 'x'",
      changed((f) => (f.progress![1]!.evaluation = 'x' as never)),
      [{ where: '実施状況の記録 2番目 › 評価', message: '使える値は "○" / "△" / "－" です' }],
    ],
    [
      'bad target kind',
      changed((f) => (f.kpis![0]!.target = { kind: 'range' } as never)),
      [{ where: 'KPI 1番目（k1） › 目標 › 種類', message: '目標の書き方が違います（kind は value / previousYear / qualitative / conditional）' }],
    ],
    [
      'target without its value',
      changed((f) => (f.kpis![1]!.target = { kind: 'previousYear', direction: '以上' } as never)),
      [{ where: 'KPI 2番目（k2） › 目標 › 前年度の値', message: '必須の項目がありません' }],
    ],
    ['bad month', changed((f) => (f.measurements![0]!.month = '令和6年4月')), [{ where: '実績 1番目 › 時点', message: '年月は YYYY-MM で書いてください' }]],
    ['month 13', changed((f) => (f.measurements![0]!.month = '2024-13')), [{ where: '実績 1番目 › 時点', message: '年月は YYYY-MM で書いてください' }]],
    [
      'a 現状 of a year no plan has (it would show as 平成-1988年)',
      changed((f) => (f.kpis![0]!.baseline = { value: 1, month: '0000-01' })),
      [{ where: 'KPI 1番目（k1） › 現状 › 時点', message: '年月は1989年から2100年までです' }],
    ],
    [
      'a target past any real figure',
      changed((f) => (f.kpis![0]!.target = { kind: 'value', value: 1e300, direction: '以上' })),
      [{ where: 'KPI 1番目（k1） › 目標 › 値', message: '1000000000000以下にしてください' }],
    ],
    [
      'half a person',
      changed((f) => (f.kpis![0]!.population = { label: '実施対象者数', value: 0.5, unit: '人' })),
      [{ where: 'KPI 1番目（k1） › 実施対象者数 › 値', message: '整数で書いてください' }],
    ],
    ['bad date', changed((f) => (f.notes![1]!.date = '2024/05/10')), [{ where: 'メモ 2番目 › 日付', message: '日付は YYYY-MM-DD で書いてください' }]],
    ['impossible date', changed((f) => (f.notes![1]!.date = '2024-02-30')), [{ where: 'メモ 2番目 › 日付', message: '日付は YYYY-MM-DD で書いてください' }]],
    ['blank note', changed((f) => (f.notes![0]!.text = ' \n ')), [{ where: 'メモ 1番目 › 本文', message: '空にはできません' }]],
    [
      'blank tag',
      changed((f) => (f.sections[1]!.items![0]!.tags = ['重要度：高', ' '])),
      [{ where: 'セクション 2番目（２．） › 項目 1番目（①） › タグ 2番目', message: '空にはできません' }],
    ],
    [
      'too many tags',
      changed((f) => (f.sections[1]!.items![0]!.tags = Array.from({ length: 11 }, (_, i) => `t${i}`))),
      [{ where: 'セクション 2番目（２．） › 項目 1番目（①） › タグ', message: '多すぎます（10件まで）' }],
    ],
    [
      'oversized item text',
      changed((f) => (f.sections[0]!.sections![0]!.items![1]!.text = 'あ'.repeat(20_001))),
      [{ where: 'セクション 1番目（１．） › セクション 1番目（（２）） › 項目 2番目（②） › 本文', message: '長すぎます（20000文字まで）' }],
    ],
    ['oversized note', changed((f) => (f.notes![0]!.text = 'あ'.repeat(5_001))), [{ where: 'メモ 1番目 › 本文', message: '長すぎます（5000文字まで）' }]],
    ['oversized title', changed((f) => (f.plan.title = 'あ'.repeat(201))), [{ where: '計画 › 見出し', message: '長すぎます（200文字まで）' }]],
    [
      'duplicate item ids',
      changed((f) => f.sections[1]!.items!.push({ id: 'i1', label: '②', text: '' })),
      [{ where: '項目（②）', message: 'ID「i1」が重複しています' }],
    ],
    ['duplicate section ids', changed((f) => (f.sections[1]!.id = 's1')), [{ where: 'セクション（２．）', message: 'ID「s1」が重複しています' }]],
    ['duplicate KPI ids', changed((f) => (f.kpis![2]!.id = 'k1')), [{ where: 'KPI 3番目（SNSによる情報発信）', message: 'ID「k1」が重複しています' }]],
    [
      'progress pointing at a missing item',
      changed((f) => (f.progress![2]!.item = 'i9')),
      [{ where: '実施状況の記録 3番目', message: '項目「i9」がありません' }],
    ],
    ['note pointing at a missing item', changed((f) => (f.notes![1]!.item = 'i9')), [{ where: 'メモ 2番目', message: '項目「i9」がありません' }]],
    [
      'KPI pointing at a missing section',
      changed((f) => (f.kpis![0]!.section = 's9')),
      [{ where: 'KPI 1番目（サービススタンダードの達成状況）', message: 'セクション「s9」がありません' }],
    ],
    ['measurement of a missing KPI', changed((f) => (f.measurements![3]!.kpi = 'k9')), [{ where: '実績 4番目', message: 'KPI「k9」がありません' }]],
    [
      'a period not in the plan',
      changed((f) => (f.progress![1]!.period = '2024-05')),
      [{ where: '実施状況の記録 2番目', message: '報告期間「2024-05」はこの計画の期間ではありません（2024-Q1, 2024-Q2, 2024-Q3, 2024-Q4）' }],
    ],
    [
      'a period of another year',
      changed((f) => (f.progress![1]!.period = '2025-Q2')),
      [{ where: '実施状況の記録 2番目', message: '報告期間「2025-Q2」はこの計画の期間ではありません（2024-Q1, 2024-Q2, 2024-Q3, 2024-Q4）' }],
    ],
    [
      'the same item and period twice',
      changed((f) => (f.progress![1]!.period = '2024-Q1')),
      [{ where: '実施状況の記録 2番目', message: '項目「i1」の期間「2024-Q1」が重複しています' }],
    ],
    [
      'measurement month outside the fiscal year',
      changed((f) => (f.measurements![3]!.month = '2025-04')),
      [{ where: '実績 4番目', message: '時点「2025-04」はこの計画の年度の月ではありません' }],
    ],
    [
      'the same KPI and month twice',
      changed((f) => (f.measurements![3]!.month = '2024-06')),
      [{ where: '実績 4番目', message: 'KPI「k2」の時点「2024-06」が重複しています' }],
    ],
  ];

  it.each(cases)('%s', (_name, text, problems) => {
    expect(problemsOf(text)).toEqual(problems);
  });

  it('refuses a file over the size limit before reading it', () => {
    expect(problemsOf(' '.repeat(PLAN_FILE_MAX_BYTES + 1))).toEqual([{ where: 'ファイル全体', message: 'ファイルが大きすぎます（20MBまで）' }]);
  });

  it('reports every problem of a file, each with a place', () => {
    const text = changed((f) => {
      f.plan.branch = '';
      f.progress![0]!.evaluation = '◎' as never;
      f.measurements![0]!.value = '100' as never;
    });
    expect(problemsOf(text)).toEqual([
      { where: '計画 › 支部', message: '空にはできません' },
      { where: '実施状況の記録 1番目 › 評価', message: '使える値は "○" / "△" / "－" です' },
      { where: '実績 1番目 › 値', message: '形式が違います（number が必要です）' },
    ]);
  });
});
