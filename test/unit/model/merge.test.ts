// Table-driven tests of the field merge: applied, already there, conflict, identity, creates.
import { describe, expect, it } from 'vitest';
import { canonicalJson, mergeMutation, sameValue, type FieldMutation } from '../../../src/model/merge';

const progress = {
  id: 'progress:i1:2024-H1',
  planId: 'p',
  itemId: 'i1',
  periodId: '2024-H1',
  evaluation: '○',
  done: 'A',
  next: '',
  updatedAt: 't0',
  updatedBy: 'x',
};
const m = (changes: Record<string, unknown>, base: Record<string, unknown> = {}, create: Record<string, unknown> | null = null): FieldMutation => ({
  changes,
  base,
  create,
});

describe('mergeMutation on an existing record', () => {
  const cases: [string, FieldMutation, { applied?: string[]; conflicts?: string[]; kind: string; value?: Record<string, unknown> }][] = [
    [
      'S4: applies a field whose server value equals the base',
      m({ done: 'B' }, { done: 'A' }),
      { kind: 'update', applied: ['done'], conflicts: [], value: { done: 'B' } },
    ],
    [
      'S4: keeps the server value and reports a conflict when it moved on',
      m({ done: 'C' }, { done: 'Z' }),
      { kind: 'update', applied: [], conflicts: ['done'], value: { done: 'A' } },
    ],
    ['S4: is unchanged when the server already has the value', m({ done: 'A' }, { done: 'Z' }), { kind: 'unchanged' }],
    [
      'S4: merges two fields independently',
      m({ done: 'B', evaluation: '△' }, { done: 'A', evaluation: '－' }),
      { kind: 'update', applied: ['done'], conflicts: ['evaluation'], value: { done: 'B', evaluation: '○' } },
    ],
    ['S4: treats a missing base as "the field was absent"', m({ extra: 1 }), { kind: 'update', applied: ['extra'], conflicts: [] }],
    ['S7: ignores the client’s stamps', m({ updatedBy: 'mallory', updatedAt: 'later' }), { kind: 'unchanged' }],
    [
      'S4: applies null over a value when the base matches',
      m({ evaluation: null }, { evaluation: '○' }),
      { kind: 'update', applied: ['evaluation'], conflicts: [] },
    ],
  ];
  for (const [name, mutation, expected] of cases) {
    it(name, () => {
      const r = mergeMutation('progress', progress, mutation);
      expect(r.kind).toBe(expected.kind);
      if (r.kind === 'update') {
        expect(r.applied).toEqual(expected.applied);
        expect(r.conflicts.map((c) => c.field)).toEqual(expected.conflicts);
        if (expected.value) expect(r.record).toMatchObject(expected.value);
      }
    });
  }

  it('treats fields named like Object.prototype members as data, never touching the prototype', () => {
    const changes = JSON.parse('{"constructor":"x","toString":"y","__proto__":{"polluted":true}}') as Record<string, unknown>;
    const r = mergeMutation('progress', progress, m(changes));
    expect(r).toMatchObject({ kind: 'update', applied: ['constructor', 'toString', '__proto__'], conflicts: [] });
    if (r.kind !== 'update') throw new Error('expected an update');
    expect(Object.getPrototypeOf(r.record)).toBe(Object.prototype);
    expect(Object.hasOwn(r.record, '__proto__')).toBe(true);
    expect((r.record as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it.each(['sections', 'items', 'kpis'] as const)('S45: takes the later move of one %s without a conflict, but not a label changed meanwhile', (table) => {
    const current = { id: 'r', planId: 'p', order: 'a1V', label: '②' };
    const r = mergeMutation(table, current, m({ order: 'a3', label: '③' }, { order: 'a1', label: '①' }));
    expect(r).toMatchObject({ kind: 'update', applied: ['order'], record: { order: 'a3', label: '②' } });
    expect(r.kind === 'update' && r.conflicts.map((c) => c.field)).toEqual(['label']);
  });

  it('S16: records both sides of a conflict', () => {
    const r = mergeMutation('progress', progress, m({ done: 'C' }, { done: 'Z' }));
    expect(r).toMatchObject({ conflicts: [{ field: 'done', baseValue: 'Z', serverValue: 'A', clientValue: 'C' }] });
  });

  it('S8: refuses to change identity fields', () => {
    expect(mergeMutation('progress', progress, m({ itemId: 'other' }, { itemId: 'i1' }))).toEqual({
      kind: 'reject',
      reason: '記録を識別する値（itemId）は変更できません (itemId cannot be changed)',
    });
    expect(mergeMutation('plans', { id: 'p', branchId: 'b1' }, m({ branchId: 'b2' }, { branchId: 'b1' })).kind).toBe('reject');
  });

  it('compares objects by value whatever their key order', () => {
    const kpi = { id: 'k', planId: 'p', target: { kind: 'value', value: 1, direction: '以上' } };
    expect(
      mergeMutation('kpis', kpi, m({ target: { value: 2, kind: 'value', direction: '以上' } }, { target: { direction: '以上', value: 1, kind: 'value' } }))
        .kind,
    ).toBe('update');
  });

  it('S16: lets a conflict be resolved but not rewritten', () => {
    const conflict = { id: 'c', planId: 'p', resolved: false, clientValue: 'x' };
    expect(mergeMutation('conflicts', conflict, m({ resolved: true }, { resolved: false })).kind).toBe('update');
    expect(mergeMutation('conflicts', conflict, m({ clientValue: 'y' }, { clientValue: 'x' })).kind).toBe('reject');
  });
});

describe('mergeMutation of creates and append-only records', () => {
  it('S7, S9: creates a missing record from the client’s whole record, without its stamps', () => {
    const r = mergeMutation('progress', undefined, m({ done: 'B' }, { done: '' }, { ...progress, done: 'B', updatedBy: 'mallory' }));
    expect(r.kind).toBe('create');
    if (r.kind === 'create') {
      expect(r.record.done).toBe('B');
      expect(r.record).not.toHaveProperty('updatedBy');
    }
  });

  it('S9: merges a create into a record another device created first (natural key)', () => {
    const r = mergeMutation(
      'progress',
      { ...progress, done: 'from A', evaluation: null },
      m({ done: 'from B', evaluation: '△' }, { done: '', evaluation: null }, { ...progress }),
    );
    expect(r).toMatchObject({ kind: 'update', applied: ['evaluation'], conflicts: [{ field: 'done', serverValue: 'from A', clientValue: 'from B' }] });
  });

  it('S18: refuses an update of a record that does not exist', () => {
    expect(mergeMutation('items', undefined, m({ text: 'x' }, { text: 'y' })).kind).toBe('reject');
  });

  it('S13: treats a create of an existing note as a replay, even after a correction', () => {
    expect(mergeMutation('notes', { id: 'n' }, m({ text: 'x' }, {}, { id: 'n', text: 'x' })).kind).toBe('unchanged');
    expect(mergeMutation('notes', { id: 'n', text: '訂正後' }, m({ text: '元' }, {}, { id: 'n', text: '元' })).kind).toBe('unchanged');
  });

  const note = { id: 'n', planId: 'p', itemId: 'i', date: '2026-12-01', author: '佐藤', text: '訪問した。資料を渡した。', createdAt: 't' };
  const visit = { employer: 'ABC商事', purposes: ['健診勧奨'] };
  it.each([
    ['corrects the text', { text: '訪問した。' }, { text: note.text }, 'update'],
    ['removes it (tombstone)', { deleted: true }, { deleted: null }, 'update'],
    ['makes it a visit', { visit }, { visit: null }, 'update'],
    ['moves its date', { date: '2026-11-30' }, { date: note.date }, 'update'],
    ['never changes its author', { author: '鈴木' }, { author: note.author }, 'reject'],
    ['never moves it to another item', { itemId: 'j' }, { itemId: 'i' }, 'reject'],
  ])('S13: a correction of a note %s', (_what, changes, base, kind) => {
    expect(mergeMutation('notes', note, m(changes, base)).kind).toBe(kind);
  });

  it('S13: two corrections of different parts of a note both stay; the same field of a visit conflicts', () => {
    const stored = { ...note, text: '訪問した。パンフレットを渡した。', visit };
    const r = mergeMutation('notes', stored, m({ text: '事業所を訪問した。資料を渡した。' }, { text: note.text }));
    expect(r).toMatchObject({ kind: 'update', record: { text: '事業所を訪問した。パンフレットを渡した。' } });
    const other = mergeMutation('notes', stored, m({ visit: { ...visit, employer: 'ABC商事㈱' } }, { visit: { ...visit, purposes: [] } }));
    expect(other).toMatchObject({ kind: 'update', conflicts: [{ field: 'visit' }] });
  });

  it('S32: never accepts history or new conflicts from a client', () => {
    expect(mergeMutation('history', undefined, m({}, {}, { id: 'h' })).kind).toBe('reject');
    expect(mergeMutation('conflicts', undefined, m({}, {}, { id: 'c' })).kind).toBe('reject');
  });
});

describe('sameValue', () => {
  it.each([
    [null, undefined, true],
    ['', null, false],
    [['a', 'b'], ['a', 'b'], true],
    [['a', 'b'], ['b', 'a'], false],
    [{ a: 1, b: 2 }, { b: 2, a: 1 }, true],
    [0, -0, true],
  ])('%j vs %j → %s', (a, b, expected) => expect(sameValue(a, b)).toBe(expected));

  it('sorts keys in canonical JSON', () => expect(canonicalJson({ b: 1, a: { d: 1, c: 2 } })).toBe('{"a":{"c":2,"d":1},"b":1}'));
});
