// mergeMutation with free-text fields: a text another device changed meanwhile is merged
// three-way (base = the mutation's base, ours = the server's value, theirs = the client's) and
// only overlapping edits become a conflict; the result does not depend on which device's
// mutation reached the server first.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMergeableText, mergeMutation, type FieldMutation, type MergeResult } from '../../../src/model/merge';
import type { RecordTable } from '../../../src/model/schemas';

const progress = {
  id: 'progress:i1:2024-H1',
  planId: 'p',
  itemId: 'i1',
  periodId: '2024-H1',
  evaluation: '○',
  done: '訪問した。説明した。',
  next: '一段落目。\n二段落目。',
  updatedAt: 't0',
  updatedBy: 'x',
};
const m = (changes: Record<string, unknown>, base: Record<string, unknown>): FieldMutation => ({ changes, base, create: null });

type Expected = { kind: 'update'; applied: string[]; conflicts: string[]; value: Record<string, unknown> } | { kind: 'unchanged' };

describe('S5: mergeMutation of text fields', () => {
  const cases: [string, RecordTable, Record<string, unknown>, FieldMutation, Expected][] = [
    [
      '実施状況: an edit elsewhere in the text merges with the server’s',
      'progress',
      { ...progress, done: '事業所を訪問した。説明した。' },
      m({ done: '訪問した。資料で説明した。' }, { done: '訪問した。説明した。' }),
      { kind: 'update', applied: ['done'], conflicts: [], value: { done: '事業所を訪問した。資料で説明した。' } },
    ],
    [
      '今後の実施予定等: edits of different paragraphs merge',
      'progress',
      { ...progress, next: '一段落目に追記。\n二段落目。' },
      m({ next: '一段落目。\n二段落目を直した。' }, { next: '一段落目。\n二段落目。' }),
      { kind: 'update', applied: ['next'], conflicts: [], value: { next: '一段落目に追記。\n二段落目を直した。' } },
    ],
    [
      'overlapping edits stay a conflict, the server keeping its text',
      'progress',
      { ...progress, done: '訪問した。案内した。' },
      m({ done: '訪問した。連絡した。' }, { done: '訪問した。説明した。' }),
      { kind: 'update', applied: [], conflicts: ['done'], value: { done: '訪問した。案内した。' } },
    ],
    [
      'a client edit the server text already contains changes nothing',
      'progress',
      { ...progress, done: '事業所を訪問した。資料で説明した。' },
      m({ done: '事業所を訪問した。説明した。' }, { done: '訪問した。説明した。' }),
      { kind: 'unchanged' },
    ],
    [
      'text merges while another field of the same mutation conflicts',
      'progress',
      { ...progress, evaluation: '△', done: '事業所を訪問した。説明した。' },
      m({ evaluation: '－', done: '訪問した。説明した。以上。' }, { evaluation: '○', done: '訪問した。説明した。' }),
      { kind: 'update', applied: ['done'], conflicts: ['evaluation'], value: { evaluation: '△', done: '事業所を訪問した。説明した。以上。' } },
    ],
    [
      'an item’s text (取組内容) merges too',
      'items',
      {
        id: 'i1',
        planId: 'p',
        sectionId: 's',
        label: '①',
        text: '特定健診を勧奨する。事業所を訪問する。',
        group: '保健',
        tags: [],
        order: 0,
        deleted: false,
        updatedAt: 't0',
        updatedBy: 'x',
      },
      m({ text: '健診を勧奨する。事業所を年2回訪問する。' }, { text: '健診を勧奨する。事業所を訪問する。' }),
      { kind: 'update', applied: ['text'], conflicts: [], value: { text: '特定健診を勧奨する。事業所を年2回訪問する。' } },
    ],
    [
      'a section title is a name, not merged: a concurrent change conflicts',
      'sections',
      { id: 's', planId: 'p', parentId: null, label: '（１）', title: '健診の推進（改）', order: 0, deleted: false, updatedAt: 't0', updatedBy: 'x' },
      m({ title: '特定健診の推進' }, { title: '健診の推進' }),
      { kind: 'update', applied: [], conflicts: ['title'], value: { title: '健診の推進（改）' } },
    ],
    [
      'a KPI name is not merged',
      'kpis',
      {
        id: 'k',
        planId: 'p',
        sectionId: null,
        name: '健診実施率（被保険者）',
        unit: '%',
        target: { kind: 'value', value: 1, direction: '以上' },
        order: 0,
        deleted: false,
        updatedAt: 't0',
        updatedBy: 'x',
      },
      m({ name: '特定健診実施率' }, { name: '健診実施率' }),
      { kind: 'update', applied: [], conflicts: ['name'], value: { name: '健診実施率（被保険者）' } },
    ],
  ];
  for (const [name, table, current, mutation, expected] of cases) {
    it(name, () => {
      const r = mergeMutation(table, current, mutation);
      expect(r.kind).toBe(expected.kind);
      if (r.kind === 'update' && expected.kind === 'update') {
        expect(r.applied).toEqual(expected.applied);
        expect(r.conflicts.map((c) => c.field)).toEqual(expected.conflicts);
        expect(r.record).toMatchObject(expected.value);
      }
    });
  }

  it('names the text fields that merge', () => {
    expect(isMergeableText('progress', 'done')).toBe(true);
    expect(isMergeableText('progress', 'next')).toBe(true);
    expect(isMergeableText('items', 'text')).toBe(true);
    expect(isMergeableText('notes', 'text')).toBe(true);
    for (const [table, field] of [
      ['progress', 'evaluation'],
      ['items', 'label'],
      ['sections', 'title'],
      ['kpis', 'name'],
      ['plans', 'title'],
      ['notes', 'author'],
      ['conflicts', 'serverValue'],
    ] as const)
      expect(isMergeableText(table, field)).toBe(false);
  });

  it('S6: falls back to a conflict when the caller allows no more text merging', () => {
    const current = { ...progress, done: '事業所を訪問した。説明した。' };
    const mutation = m({ done: '訪問した。資料で説明した。' }, { done: '訪問した。説明した。' });
    const asked: number[] = [];
    const r = mergeMutation('progress', current, mutation, {
      allowTextMerge: (cost) => {
        asked.push(cost);
        return false;
      },
    });
    expect(r).toMatchObject({
      kind: 'update',
      applied: [],
      conflicts: [{ field: 'done', serverValue: current.done, clientValue: '訪問した。資料で説明した。' }],
    });
    expect(asked).toEqual([current.done.length + '訪問した。説明した。'.length + '訪問した。資料で説明した。'.length]);
  });
});

/** The text a device's record ends with after the server applied `first`'s mutation and then `second`'s. */
function serverAfter(base: string, first: string, second: string): { text: string; conflicts: number } {
  let record: Record<string, unknown> = { ...progress, done: base };
  let conflicts = 0;
  for (const value of [first, second]) {
    const r: MergeResult = mergeMutation('progress', record, m({ done: value }, { done: base }));
    if (r.kind === 'update') {
      record = r.record;
      conflicts += r.conflicts.length;
    }
  }
  return { text: record.done as string, conflicts };
}

describe('S5: text merge properties', () => {
  const text = fc.array(fc.constantFrom('あ', 'い', '健', '。', '\n', 'a', ' ', '𠮷'), { maxLength: 40 }).map((cs) => cs.join(''));

  it('keeps both of two non-overlapping edits of a random base, whichever arrives first', () => {
    fc.assert(
      fc.property(text, text, text, text, text, (left, mid, right, x, y) => {
        // Device A rewrites the left part, device B the right; an unchanged middle separates them.
        const middle = `｜${mid}｜`;
        const base = left + middle + right;
        const a = x + middle + right;
        const b = left + middle + y;
        const ab = serverAfter(base, a, b);
        const ba = serverAfter(base, b, a);
        expect(ab).toEqual({ text: x + middle + y, conflicts: 0 });
        expect(ba).toEqual(ab);
      }),
    );
  });

  it('merges in either arrival order to the same text, or conflicts in both (the text stored first kept)', () => {
    fc.assert(
      fc.property(text, text, text, (base, a, b) => {
        const ab = serverAfter(base, a, b);
        const ba = serverAfter(base, b, a);
        expect(ab.conflicts).toBe(ba.conflicts);
        if (ab.conflicts === 0) expect(ab.text).toBe(ba.text);
        else expect([ab.text, ba.text]).toEqual([a, b]);
      }),
    );
  });
});

describe('a merged text over the field’s limit', () => {
  it('is a conflict, not a record the schema would refuse (both edits fit, their merge does not)', () => {
    const base = 'あ'.repeat(19_500);
    const server = `${'い'.repeat(600)}${base}`;
    const client = `${base}${'う'.repeat(600)}`;
    const r = mergeMutation('progress', { id: 'p', done: server }, { changes: { done: client }, base: { done: base }, create: null });
    expect(r).toMatchObject({ kind: 'update', applied: [], conflicts: [{ field: 'done', serverValue: server, clientValue: client }] });
  });
});
