// The plan screen's snapshot in localStorage: what is written reads back for the same screen
// only, and anything that does not parse or fit is ignored, never thrown.
import { describe, expect, it } from 'vitest';
import {
  PLAN_SNAPSHOT_KEY,
  PLAN_SNAPSHOT_MAX_CHARS,
  readPlanSnapshot,
  writePlanSnapshot,
  type PlanSnapshotData,
  type PlanSnapshotKey,
} from '../../../src/db/plan-snapshot';
import { periodsOf } from '../../../src/model/period';

class MemoryStore {
  readonly map = new Map<string, string>();
  failWrites = false;
  getItem(key: string) {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    if (this.failWrites) throw new DOMException('full', 'QuotaExceededError');
    this.map.set(key, value);
  }
  removeItem(key: string) {
    this.map.delete(key);
  }
}

const stamp = { updatedAt: '2024-05-01T00:00:00.000Z', updatedBy: 'test' };
const plan = {
  id: 'p1',
  branchId: 'b',
  branch: '東京支部',
  fiscalYear: 2024,
  title: '令和6年度 東京支部事業計画',
  periodKind: 'half' as const,
  demo: false,
  deleted: false,
  ...stamp,
};
const period = periodsOf(2024, 'half')[0]!;
const data: PlanSnapshotData = {
  plan,
  sections: [{ id: 's1', planId: 'p1', parentId: null, label: 'Ⅰ', title: '健全な財政運営', order: 'a0', deleted: false, ...stamp }],
  items: [{ id: 'i1', planId: 'p1', sectionId: 's1', label: '①', text: '保険料率の議論', group: '企画総務', tags: [], order: 'a0', deleted: false, ...stamp }],
  period,
  progress: new Map([
    ['i1', { id: 'progress:i1:2024-H1', planId: 'p1', itemId: 'i1', periodId: '2024-H1', evaluation: '△', done: '説明した', next: '', ...stamp }],
  ]),
  notes: [],
};
const key: PlanSnapshotKey = { planId: 'p1', requestedPeriod: null, month: '2024-06' };

describe('plan snapshot', () => {
  it('reads back what was written, for the same screen', () => {
    const store = new MemoryStore();
    writePlanSnapshot(key, data, store);
    const back = readPlanSnapshot(key, store);
    expect(back).not.toBeNull();
    expect(back!.items.map((i) => i.text)).toEqual(['保険料率の議論']);
    expect(back!.progress.get('i1')?.evaluation).toBe('△');
    expect(back!.period).toEqual(period);
  });

  const others: [string, PlanSnapshotKey][] = [
    ['another plan', { ...key, planId: 'p2' }],
    ['another period asked for', { ...key, requestedPeriod: '2024-H2' }],
    ['another month (the period chosen may differ)', { ...key, month: '2024-10' }],
  ];
  for (const [name, other] of others) {
    it(`is not shown for ${name}`, () => {
      const store = new MemoryStore();
      writePlanSnapshot(key, data, store);
      expect(readPlanSnapshot(other, store)).toBeNull();
    });
  }

  const bad: [string, string][] = [
    ['text that is not JSON', '{"version":1,'],
    ['another version', JSON.stringify({ version: 2 })],
    [
      'a row that does not parse',
      JSON.stringify({
        version: 1,
        planId: 'p1',
        requestedPeriod: null,
        month: '2024-06',
        plan: { ...plan, fiscalYear: 'R6' },
        sections: [],
        items: [],
        periodId: '2024-H1',
        progress: [],
        notes: [],
      }),
    ],
    [
      'a period the plan does not have',
      JSON.stringify({
        version: 1,
        planId: 'p1',
        requestedPeriod: null,
        month: '2024-06',
        plan,
        sections: [],
        items: [],
        periodId: '2024-Q1',
        progress: [],
        notes: [],
      }),
    ],
  ];
  for (const [name, text] of bad) {
    it(`ignores ${name}`, () => {
      const store = new MemoryStore();
      store.setItem(PLAN_SNAPSHOT_KEY, text);
      expect(readPlanSnapshot(key, store)).toBeNull();
    });
  }

  it('does not keep a plan too big to copy, and drops the older snapshot instead', () => {
    const store = new MemoryStore();
    writePlanSnapshot(key, data, store);
    const huge = {
      ...data,
      notes: [{ id: 'n1', planId: 'p1', itemId: 'i1', date: '2024-06-01', author: 'a', text: 'x'.repeat(PLAN_SNAPSHOT_MAX_CHARS), createdAt: stamp.updatedAt }],
    };
    writePlanSnapshot(key, huge, store);
    expect(store.map.has(PLAN_SNAPSHOT_KEY)).toBe(false);
  });

  it('survives a full storage: the old snapshot goes, nothing throws', () => {
    const store = new MemoryStore();
    writePlanSnapshot(key, data, store);
    store.failWrites = true;
    expect(() => writePlanSnapshot(key, data, store)).not.toThrow();
    expect(readPlanSnapshot(key, store)).toBeNull();
  });

  it('does nothing without storage', () => {
    expect(readPlanSnapshot(key, null)).toBeNull();
    expect(() => writePlanSnapshot(key, data, null)).not.toThrow();
  });
});
