import { describe, expect, it } from 'vitest';
import { nextYearPlan, nextYearPlanId, nextYearTitle } from '../../../src/model/next-year-plan';
import { parsePlanFile, planFileToRecords, type PlanFile } from '../../../src/model/plan-file';
import { idSchema } from '../../../src/model/schemas';
import { comparePlans } from '../../../src/model/year-over-year';
import demo from '../../../src/demo/tokyo-r6.plan.json';
import r4 from '../../fixtures/yamaguchi-r4.plan.json';

function parsed(data: unknown): PlanFile {
  const result = parsePlanFile(data);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.file;
}

function counter(prefix: string): () => string {
  let n = 0;
  return () => `${prefix}${++n}`;
}

const TOKYO = parsed(demo);

describe('nextYearTitle', () => {
  it.each<[string, number, string]>([
    ['令和6年度 東京支部事業計画', 2024, '令和7年度 東京支部事業計画'],
    ['令和６年度　東京支部事業計画', 2024, '令和７年度　東京支部事業計画'],
    ['R6年度 事業計画', 2024, 'R7年度 事業計画'],
    ['R 6 年度', 2024, 'R 7 年度'],
    ['平成30年度 事業計画', 2018, '令和元年度 事業計画'],
    ['H30年度 事業計画', 2018, 'R1年度 事業計画'],
    ['令和元年度 事業計画', 2019, '令和2年度 事業計画'],
    ['2024年度 事業計画', 2024, '2025年度 事業計画'],
    ['２０２４年度 事業計画', 2024, '２０２５年度 事業計画'],
    ['令和6年度（2024年度）事業計画', 2024, '令和7年度（2025年度）事業計画'],
    // Only this year moves on; other years named in the title stay.
    ['令和5年度の振り返りと令和6年度計画', 2024, '令和5年度の振り返りと令和7年度計画'],
    ['東京支部事業計画', 2024, '令和7年度 東京支部事業計画'],
    ['令和5年度 事業計画（誤記）', 2024, '令和7年度 令和5年度 事業計画（誤記）'],
  ])('%s (%d) → %s', (title, fiscalYear, expected) => {
    expect(nextYearTitle(title, fiscalYear)).toBe(expected);
  });

  it('stays within the title length limit', () => {
    expect(nextYearTitle('計'.repeat(200), 2024)).toHaveLength(200);
  });
});

describe('nextYearPlanId', () => {
  it.each<[string, { branchId?: string; branch: string; fiscalYear: number }, string]>([
    ['a server branch: as the admin CLI imports it', { branchId: 'branch-tokyo', branch: '東京支部', fiscalYear: 2024 }, 'branch-tokyo-2025'],
    ['a server branch, whatever its name is written as', { branchId: 'branch-tokyo', branch: '東京 支部（本部）', fiscalYear: 2024 }, 'branch-tokyo-2025'],
    ['a plan only on this device: its branch name', { branch: '東京支部', fiscalYear: 2024 }, '東京支部-2025'],
    ['the same branch name written otherwise', { branch: ' 東京　支部\t', fiscalYear: 2024 }, '東京支部-2025'],
    ['full-width letters and digits', { branch: 'ＡＢＣ支部１', fiscalYear: 2018 }, 'ABC支部1-2019'],
  ])('%s', (_name, plan, id) => {
    expect(nextYearPlanId(plan)).toBe(id);
  });

  it.each<[string, string, string]>([
    ['a long branch name', '支'.repeat(200), '支'.repeat(80)],
    ['a long name of characters outside the BMP, not cut in half', `支${'𠮷'.repeat(100)}`, `支${'𠮷'.repeat(39)}`],
  ])('keeps %s short enough for the ids of the records inside', (_name, branch, kept) => {
    const id = nextYearPlanId({ branch, fiscalYear: 2024 });
    expect(id).toBe(`${kept}-2025`);
    expect(idSchema.safeParse(`${id}/${'r'.repeat(100)}`).success).toBe(true);
  });
});

describe('nextYearPlan: 東京支部 令和6年度 → 令和7年度', () => {
  const next = nextYearPlan(TOKYO);

  it("is a valid plan file of the next fiscal year, without this year's record", () => {
    expect(parsePlanFile(next.file).ok).toBe(true);
    expect(next.file.plan).toEqual({ branch: '東京支部', fiscalYear: 2025, title: '令和7年度 東京支部事業計画', periodKind: 'half', status: '案' });
    expect(next.file).not.toHaveProperty('progress');
    expect(next.file).not.toHaveProperty('notes');
    expect(next.file).not.toHaveProperty('measurements');
  });

  it('copies the tree (labels, titles, texts, groups, tags) and the KPIs under the same refs', () => {
    const { progress: _p, notes: _n, measurements: _m, plan: _plan, ...structure } = TOKYO;
    const { plan: _next, ...copied } = next.file;
    expect({ ...copied, kpis: copied.kpis!.map(({ target: _t, previousTarget: _p, baseline: _b, ...k }) => k) }).toEqual({
      ...structure,
      kpis: structure.kpis!.map(({ target: _t, ...k }) => k),
    });
  });

  it("makes this year's target next year's 前年度のKPI, and its latest actual next year's 現状", () => {
    expect(next.file.kpis!.map((k) => k.previousTarget)).toEqual(TOKYO.kpis!.map((k) => k.target));
    const mail = next.file.kpis!.find((k) => k.name === '現金給付等の申請に係る郵送化率')!;
    expect(mail.baseline).toEqual({ value: 98.2, month: '2024-06' });
  });

  it("gives the records inside ids made from the new plan's id and this year's refs, the same on every device", () => {
    const ctx = { now: '2025-03-01T00:00:00.000Z', author: 'test', newId: counter('note') };
    const planId = nextYearPlanId({ branchId: 'branch-tokyo', branch: '東京支部', fiscalYear: 2024 });
    const a = planFileToRecords(nextYearPlan(TOKYO).file, { ...ctx, planId });
    const b = planFileToRecords(nextYearPlan(parsed(demo)).file, { ...ctx, author: 'another', planId });
    const ids = (r: typeof a) => [r.plan.id, ...r.sections.map((x) => x.id), ...r.items.map((x) => x.id), ...r.kpis.map((x) => x.id)];
    expect(ids(a)).toEqual(ids(b));
    expect(a.items[0]!.id).toBe(`branch-tokyo-2025/${TOKYO.sections[0]!.sections![0]!.items![0]!.id}`);
    const thisYear = planFileToRecords(TOKYO, { ...ctx, planId: 'branch-tokyo-2024' });
    expect(ids(a).some((id) => ids(thisYear).includes(id))).toBe(false);
  });

  // Seed 004's actuals become the 前年度 values of 令和7年度's 対前年度以上 targets.
  it.each<[string, number | null, string | null]>([
    ['現金給付等の申請に係る郵送化率', 98.2, '2024-06'],
    ['協会のレセプト点検の査定率', 0.091, '2024-05'],
    ['協会の再審査レセプト１件当たりの査定額', 14097, '2024-05'],
    ['返納金債権（診療報酬返還金（不当請求）を除く。）の回収率', 31.58, '2024-05'],
    ['日本年金機構回収分も含めた資格喪失後１か月以内の保険証回収率', 71.16, '2024-05'],
    ['健診受診月から10か月以内に医療機関を受診した者の割合', 32.7, '2024-05'],
    ['年度末時点のジェネリック医薬品使用割合', null, null],
    ['健康保険委員の委嘱事業所数', 10369, '2024-05'],
  ])('%s: 前年度 %s (%s)', (name, value, month) => {
    const baseline = next.baselines.find((b) => b.name === name)!;
    expect(baseline).toMatchObject({ value, month, cumulative: false });
    expect(next.file.kpis!.find((k) => k.id === baseline.kpi)!.target).toEqual({ kind: 'previousYear', previousValue: value, direction: '以上' });
  });

  it('has a 前年度 entry for every 対前年度 target and keeps every other target as it was', () => {
    expect(next.baselines.map((b) => b.kpi)).toEqual(TOKYO.kpis!.filter((k) => k.target.kind === 'previousYear').map((k) => k.id));
    for (const k of next.file.kpis!) if (k.target.kind !== 'previousYear') expect(k.target).toEqual(TOKYO.kpis!.find((o) => o.id === k.id)!.target);
  });

  it('is deterministic', () => {
    expect(nextYearPlan(TOKYO)).toEqual(next);
  });

  it("leaves this year's file as it was", () => {
    expect(TOKYO).toEqual(parsed(demo));
  });
});

describe('nextYearPlan: details', () => {
  const base: PlanFile = {
    format: 'jigyo-keikaku-plan',
    version: 2,
    plan: { branch: '静岡支部', fiscalYear: 2024, title: '令和6年度 静岡支部事業計画', periodKind: 'quarter', demo: true },
    sections: [{ id: 's', label: '（２）', title: '特定健診実施率の向上', items: [{ id: 'i', label: '①', text: '受診勧奨を行う' }] }],
    kpis: [
      {
        id: 'k',
        section: 's',
        name: '生活習慣病予防健診受診率',
        unit: '%',
        target: { kind: 'previousYear', previousValue: 66.1, direction: '以上' },
        cumulative: true,
      },
      { id: 'm', name: '郵送化率', unit: '%', target: { kind: 'previousYear', previousValue: 98.4, direction: '以上' } },
      { id: 'q', name: 'SNSによる情報発信', unit: '', target: { kind: 'qualitative', text: '毎月情報発信を行う' } },
    ],
    progress: [{ item: 'i', period: '2024-Q3', evaluation: '○', done: '実施した', next: '続ける' }],
    notes: [{ item: 'i', date: '2024-10-01', author: '山田', text: '訪問した' }],
    measurements: [
      { kpi: 'k', month: '2024-10', value: 30.3 },
      { kpi: 'k', month: '2024-12', value: null },
      { kpi: 'k', month: '2024-06', value: 12.5 },
      { kpi: 'm', month: '2024-10', value: 97.9 },
      { kpi: 'm', month: '2024-12', value: null },
      { kpi: 'm', month: '2024-06', value: 98.6 },
      { kpi: 'q', month: '2024-06', value: 1 },
    ],
  };

  it('takes the newest actual that has a value, and keeps the cumulative flag', () => {
    const next = nextYearPlan(base);
    expect(next.file.kpis![1]).toEqual({
      id: 'm',
      name: '郵送化率',
      unit: '%',
      target: { kind: 'previousYear', previousValue: 97.9, direction: '以上' },
      previousTarget: { kind: 'previousYear', previousValue: 98.4, direction: '以上' },
      baseline: { value: 97.9, month: '2024-10' },
    });
    expect(next.file.kpis![0]).toMatchObject({ id: 'k', section: 's', cumulative: true });
  });

  it("gives this year's actual to a 対前年度 rule inside a conditional target", () => {
    const yearEnd = { kind: 'previousYear' as const, previousValue: 79.5, direction: '以上' as const, yearEnd: true };
    const conditional = {
      kind: 'conditional' as const,
      rules: [{ when: { direction: '以上' as const, value: 80 }, target: yearEnd }],
      otherwise: { kind: 'value' as const, value: 80, direction: '以上' as const },
    };
    const next = nextYearPlan({
      ...base,
      kpis: [{ id: 'g', name: 'ジェネリック医薬品使用割合', unit: '%', target: conditional }],
      measurements: [{ kpi: 'g', month: '2024-10', value: 82.1 }],
    });
    expect(next.file.kpis![0]!.target).toEqual({ ...conditional, rules: [{ when: conditional.rules[0]!.when, target: { ...yearEnd, previousValue: 82.1 } }] });
    expect(next.file.kpis![0]!.previousTarget).toEqual(conditional);
  });

  it('leaves 前年度 empty for a KPI that builds up over the year while March has no actual', () => {
    const next = nextYearPlan(base);
    expect(next.file.kpis![0]!.target).toEqual({ kind: 'previousYear', previousValue: null, direction: '以上' });
    expect(next.baselines).toEqual([
      { kpi: 'k', name: '生活習慣病予防健診受診率', unit: '%', cumulative: true, value: null, month: null },
      { kpi: 'm', name: '郵送化率', unit: '%', cumulative: false, value: 97.9, month: '2024-10' },
    ]);
  });

  it("takes March's actual, the year's figure, for a KPI that builds up over the year", () => {
    const next = nextYearPlan({
      ...base,
      measurements: [...base.measurements!, { kpi: 'k', month: '2025-03', value: 64.8 }, { kpi: 'k', month: '2025-02', value: 60.1 }],
    });
    expect(next.file.kpis![0]!.target).toEqual({ kind: 'previousYear', previousValue: 64.8, direction: '以上' });
    expect(next.baselines[0]).toEqual({ kpi: 'k', name: '生活習慣病予防健診受診率', unit: '%', cumulative: true, value: 64.8, month: '2025-03' });
  });

  it('does not take a March without a value for a KPI that builds up over the year', () => {
    const next = nextYearPlan({ ...base, measurements: [...base.measurements!, { kpi: 'k', month: '2025-03', value: null }] });
    expect(next.baselines[0]).toMatchObject({ value: null, month: null });
  });

  it('knows a KPI that builds up over the year by its name when the flag is not set', () => {
    const { cumulative: _c, ...k } = base.kpis![0]!;
    const next = nextYearPlan({ ...base, kpis: [k, ...base.kpis!.slice(1)] });
    expect(next.baselines[0]).toMatchObject({ cumulative: true, value: null });
    expect(nextYearPlan({ ...base, kpis: [{ ...k, cumulative: false }, ...base.kpis!.slice(1)] }).baselines[0]).toMatchObject({
      cumulative: false,
      value: 30.3,
      month: '2024-10',
    });
  });

  it('forgets a two-year-old 前年度 value when this year has no actual', () => {
    const next = nextYearPlan({ ...base, measurements: [] });
    expect(next.file.kpis!.map((k) => k.target)).toEqual([
      { kind: 'previousYear', previousValue: null, direction: '以上' },
      { kind: 'previousYear', previousValue: null, direction: '以上' },
      { kind: 'qualitative', text: '毎月情報発信を行う' },
    ]);
  });

  it('is not a demo plan, and keeps omitted fields omitted', () => {
    const next = nextYearPlan(base);
    expect(next.file.plan).not.toHaveProperty('demo');
    expect(next.file.sections[0]!.items![0]).toEqual({ id: 'i', label: '①', text: '受診勧奨を行う' });
    expect(next.file.kpis![1]).not.toHaveProperty('section');
  });

  it('copies a plan with no KPIs and no sections', () => {
    const next = nextYearPlan({ ...base, sections: [], kpis: undefined as never, measurements: undefined as never });
    expect(next.file).toMatchObject({ sections: [], kpis: [] });
    expect(next.baselines).toEqual([]);
    expect(parsePlanFile(next.file).ok).toBe(true);
  });
});

describe('nextYearPlan compared with its source', () => {
  it('finds every item and section the same, and only 前年度 values moved', () => {
    const source = parsed(r4);
    const next = nextYearPlan(source);
    const ctx = { now: '2023-04-01T00:00:00.000Z', author: 'test', newId: counter('note') };
    const result = comparePlans(planFileToRecords(next.file, { ...ctx, planId: 'next' }), planFileToRecords(source, { ...ctx, planId: 'source' }));
    expect(result.counts.items).toEqual({ same: 78, reworded: 0, added: 0, dropped: 0 });
    expect(result.counts.sections).toEqual({ same: 41, renamed: 0, added: 0, dropped: 0 });
    expect(result.counts.kpis).toEqual({ same: 19, changed: 0, added: 0, dropped: 0 });
    for (const r of result.items) expect(r.current!.id.replace('next/', '')).toBe(r.previous!.id.replace('source/', ''));
  });
});
