import { describe, expect, it } from 'vitest';
import { nextYearPlan, nextYearTitle } from '../../src/model/next-year-plan';
import { parsePlanFile, planFileToRecords, walkSections, type PlanFile } from '../../src/model/plan-file';
import { comparePlans } from '../../src/model/year-over-year';
import demo from '../../src/demo/tokyo-r6.plan.json';
import r4 from '../fixtures/yamaguchi-r4.plan.json';

function parsed(data: unknown): PlanFile {
  const result = parsePlanFile(data);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.file;
}

function counter(prefix = 'n'): () => string {
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

describe('nextYearPlan: 東京支部 令和6年度 → 令和7年度', () => {
  const next = nextYearPlan(TOKYO, counter());

  it('is a valid plan file of the next fiscal year, without this year\'s record', () => {
    expect(parsePlanFile(next.file).ok).toBe(true);
    expect(next.file.plan).toEqual({ branch: '東京支部', fiscalYear: 2025, title: '令和7年度 東京支部事業計画', periodKind: 'half' });
    expect(next.file).not.toHaveProperty('progress');
    expect(next.file).not.toHaveProperty('notes');
    expect(next.file).not.toHaveProperty('measurements');
  });

  it('copies the tree (labels, titles, texts, groups, tags) under new ids', () => {
    const shape = (file: PlanFile) =>
      [...walkSections(file.sections)].map(({ section, parent }) => ({
        parent: parent?.title ?? null,
        label: section.label,
        title: section.title,
        items: (section.items ?? []).map(({ id: _id, ...rest }) => rest),
      }));
    expect(shape(next.file)).toEqual(shape(TOKYO));
    const oldIds = new Set([...walkSections(TOKYO.sections)].flatMap(({ section }) => [section.id, ...(section.items ?? []).map((i) => i.id)]));
    const newIds = [...walkSections(next.file.sections)].flatMap(({ section }) => [section.id, ...(section.items ?? []).map((i) => i.id)]);
    expect(newIds.some((id) => oldIds.has(id))).toBe(false);
    // Depth-first: the first pillar, then its first section, then that section's items.
    expect(newIds.slice(0, 3)).toEqual(['n1', 'n2', 'n3']);
  });

  it('links every new ref to the one it was copied from', () => {
    const sections = [...walkSections(TOKYO.sections)];
    expect(next.sourceOf.size).toBe(sections.length + sections.reduce((n, { section }) => n + (section.items?.length ?? 0), 0) + TOKYO.kpis!.length);
    expect(next.sourceOf.get('n1')).toBe('p1');
    for (const k of next.file.kpis ?? []) {
      const old = TOKYO.kpis!.find((o) => o.id === next.sourceOf.get(k.id))!;
      expect(k.name).toBe(old.name);
      expect(k.section === undefined ? undefined : next.sourceOf.get(k.section)).toBe(old.section);
    }
  });

  // Seed 004's actuals become the 前年度 values of 令和7年度's 対前年度以上 targets.
  it.each<[string, number | null, string | null, boolean]>([
    ['サービススタンダードの達成状況', 100, '2024-04', false],
    ['現金給付等の申請に係る郵送化率', 98.2, '2024-06', true],
    ['協会のレセプト点検の査定率', 0.091, '2024-05', true],
    ['協会の再審査レセプト１件当たりの査定額', 14097, '2024-05', true],
    ['返納金債権（診療報酬返還金（不当請求）を除く。）の回収率', 31.58, '2024-05', true],
    ['健診受診月から10か月以内に医療機関を受診した者の割合', 32.7, '2024-05', true],
    ['年度末時点のジェネリック医薬品使用割合', null, null, true],
    ['健康宣言事業所数', 2719, '2024-05', false],
    ['生活習慣病予防健診実施率', null, null, false],
    ['一般競争入札に占める一者応札案件の割合', 0, '2024-05', false],
  ])('%s: 前年度 %s (%s)', (name, value, month, inTarget) => {
    const baseline = next.baselines.find((b) => b.name === name)!;
    expect(baseline).toMatchObject({ value, month, inTarget });
    const kpi = next.file.kpis!.find((k) => k.id === baseline.kpi)!;
    const old = TOKYO.kpis!.find((k) => k.name === name)!;
    if (inTarget) expect(kpi.target).toEqual({ kind: 'previousYear', previousValue: value, direction: '以上' });
    else expect(kpi.target).toEqual(old.target);
  });

  it('is deterministic', () => {
    expect(nextYearPlan(TOKYO, counter())).toEqual(next);
  });

  it('leaves this year\'s file as it was', () => {
    expect(TOKYO).toEqual(parsed(demo));
  });
});

describe('nextYearPlan: details', () => {
  const base: PlanFile = {
    format: 'jigyo-keikaku-plan',
    version: 1,
    plan: { branch: '静岡支部', fiscalYear: 2024, title: '令和6年度 静岡支部事業計画', periodKind: 'quarter', demo: true },
    sections: [{ id: 's', label: '（２）', title: '特定健診実施率の向上', items: [{ id: 'i', label: '①', text: '受診勧奨を行う' }] }],
    kpis: [
      { id: 'k', section: 's', name: '生活習慣病予防健診受診率', unit: '%', target: { kind: 'previousYear', previousValue: 66.1, direction: '以上' }, cumulative: true },
      { id: 'q', name: 'SNSによる情報発信', unit: '', target: { kind: 'qualitative', text: '毎月情報発信を行う' } },
    ],
    progress: [{ item: 'i', period: '2024-Q3', evaluation: '○', done: '実施した', next: '続ける' }],
    notes: [{ item: 'i', date: '2024-10-01', author: '山田', text: '訪問した' }],
    measurements: [
      { kpi: 'k', month: '2024-10', value: 30.3 },
      { kpi: 'k', month: '2024-12', value: null },
      { kpi: 'k', month: '2024-06', value: 12.5 },
      { kpi: 'q', month: '2024-06', value: 1 },
    ],
  };

  it('takes the newest actual that has a value, and keeps the cumulative flag', () => {
    const next = nextYearPlan(base, counter('x'));
    expect(next.file.kpis![0]).toEqual({ id: 'x3', section: 'x1', name: '生活習慣病予防健診受診率', unit: '%', target: { kind: 'previousYear', previousValue: 30.3, direction: '以上' }, cumulative: true });
    expect(next.baselines).toEqual([
      { kpi: 'x3', name: '生活習慣病予防健診受診率', value: 30.3, month: '2024-10', inTarget: true },
      { kpi: 'x4', name: 'SNSによる情報発信', value: 1, month: '2024-06', inTarget: false },
    ]);
  });

  it('forgets a two-year-old 前年度 value when this year has no actual', () => {
    const next = nextYearPlan({ ...base, measurements: [] }, counter());
    expect(next.file.kpis![0]!.target).toEqual({ kind: 'previousYear', previousValue: null, direction: '以上' });
  });

  it('is not a demo plan, and keeps omitted fields omitted', () => {
    const next = nextYearPlan(base, counter());
    expect(next.file.plan).not.toHaveProperty('demo');
    expect(next.file.sections[0]!.items![0]).toEqual({ id: 'n2', label: '①', text: '受診勧奨を行う' });
    expect(next.file.kpis![1]).not.toHaveProperty('section');
  });

  it('copies a plan with no KPIs and no sections', () => {
    const next = nextYearPlan({ ...base, sections: [], kpis: undefined as never, measurements: undefined as never }, counter());
    expect(next.file).toMatchObject({ sections: [], kpis: [] });
    expect(parsePlanFile(next.file).ok).toBe(true);
  });
});

describe('nextYearPlan compared with its source', () => {
  it('finds every item and section the same, and only 前年度 values moved', () => {
    const source = parsed(r4);
    const next = nextYearPlan(source, counter());
    const ctx = { now: '2023-04-01T00:00:00.000Z', author: 'test', newId: counter('note') };
    const result = comparePlans(planFileToRecords(next.file, { ...ctx, planId: 'next' }), planFileToRecords(source, { ...ctx, planId: 'source' }));
    expect(result.counts.items).toEqual({ same: 78, reworded: 0, added: 0, dropped: 0 });
    expect(result.counts.sections).toEqual({ same: 41, renamed: 0, added: 0, dropped: 0 });
    expect(result.counts.kpis).toEqual({ same: 19, changed: 0, added: 0, dropped: 0 });
    for (const r of result.items) expect(next.sourceOf.get(r.current!.id.replace('next/', ''))).toBe(r.previous!.id.replace('source/', ''));
  });
});
