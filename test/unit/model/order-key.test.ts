import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareOrder,
  isOrderKey,
  keyAfter,
  newKeyAfter,
  keyBetween,
  keysBetween,
  keysForMove,
  ORDER_KEY_SPREAD_AT,
  orderKeyOfNumber,
  upgradeOrders,
  type Ordered,
} from '../../../src/model/order-key';

describe('keyBetween', () => {
  // The cases of rocicorp/fractional-indexing's own tests (base 62).
  it.each([
    [null, null, 'a0'],
    [null, 'a0', 'Zz'],
    [null, 'Zz', 'Zy'],
    ['a0', null, 'a1'],
    ['a1', null, 'a2'],
    ['a0', 'a1', 'a0V'],
    ['a1', 'a2', 'a1V'],
    ['a0V', 'a1', 'a0l'],
    ['Zz', 'a0', 'ZzV'],
    ['Zz', 'a1', 'a0'],
    [null, 'Y00', 'Xzzz'],
    ['bzz', null, 'c000'],
    ['a0', 'a0V', 'a0G'],
    ['a0', 'a0G', 'a08'],
    ['b125', 'b129', 'b127'],
    ['a0', 'a1V', 'a1'],
    ['Zz', 'a01', 'a0'],
    [null, 'a0V', 'a0'],
    [null, 'b999', 'b99'],
    [null, 'A000000000000000000000000001', 'A000000000000000000000000000V'],
    ['zzzzzzzzzzzzzzzzzzzzzzzzzzy', null, 'zzzzzzzzzzzzzzzzzzzzzzzzzzz'],
    ['zzzzzzzzzzzzzzzzzzzzzzzzzzz', null, 'zzzzzzzzzzzzzzzzzzzzzzzzzzzV'],
  ] as const)('between %s and %s is %s', (a, b, expected) => {
    expect(keyBetween(a, b)).toBe(expected);
  });

  it.each([
    [null, 'A00000000000000000000000000', 'invalid order key: A00000000000000000000000000'],
    ['a00', null, 'invalid order key: a00'],
    ['a00', 'a1', 'invalid order key: a00'],
    ['0', '1', 'invalid order key: 0'],
    ['a1', 'a0', 'a1 >= a0'],
    ['a1', 'a1', 'a1 >= a1'],
  ] as const)('refuses %s and %s', (a, b, message) => {
    expect(() => keyBetween(a, b)).toThrow(message);
  });

  const key = fc.oneof(fc.constant(null), fc.integer({ min: -5000, max: 5000 }).map(orderKeyOfNumber));
  it('always gives a well-formed key strictly between its bounds', () => {
    fc.assert(
      fc.property(key, key, fc.array(fc.boolean(), { maxLength: 40 }), (x, y, path) => {
        let [a, b] = x !== null && y !== null && x > y ? [y, x] : [x, y];
        if (a !== null && a === b) b = null;
        // Walk down into one side of the gap again and again, as repeated moves into one place do.
        for (const left of path) {
          const k = keyBetween(a, b);
          expect(isOrderKey(k)).toBe(true);
          if (a !== null) expect(a < k).toBe(true);
          if (b !== null) expect(k < b).toBe(true);
          if (left) b = k;
          else a = k;
        }
      }),
    );
  });

  it('grows about one character per six moves into the same gap', () => {
    let b = 'a1';
    for (let i = 0; i < 60; i++) b = keyBetween('a0', b);
    expect(b.length).toBeLessThanOrEqual(2 + 11);
  });
});

describe('keysBetween', () => {
  it('gives consecutive integers at the ends and short keys inside', () => {
    expect(keysBetween(null, null, 5)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(keysBetween('az', null, 2)).toEqual(['b00', 'b01']);
    expect(keysBetween(null, 'a0', 3)).toEqual(['Zx', 'Zy', 'Zz']);
    expect(keysBetween('a0', 'a1', 0)).toEqual([]);
  });

  it('gives n distinct ascending keys strictly inside the gap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 80 }), (low, gap, n) => {
        const a = orderKeyOfNumber(low);
        const b = orderKeyOfNumber(low + gap);
        const keys = keysBetween(a, b, n);
        expect(keys).toHaveLength(n);
        expect([a, ...keys, b]).toEqual([...new Set([a, ...keys, b])].sort());
      }),
    );
  });
});

describe('compareOrder and keyAfter', () => {
  it('compares keys as plain strings (code units), equal keys by id', () => {
    const rows: Ordered[] = [
      { id: 'x', order: 'a1' },
      { id: 'b', order: 'a0V' },
      { id: 'a', order: 'a0V' },
      { id: 'c', order: 'Zz' },
      { id: 'd', order: 'aA' },
    ];
    // 'A' (0x41) sorts before 'a' (0x61) but after '1'; localeCompare would put 'aA' first.
    expect([...rows].sort(compareOrder).map((r) => r.id)).toEqual(['c', 'a', 'b', 'x', 'd']);
  });

  it('puts a new record after the greatest key, whatever the order given', () => {
    expect(keyAfter([])).toBe('a0');
    expect(keyAfter([{ order: 'a5' }, { order: 'a9' }, { order: 'a0' }])).toBe('aA');
  });

  it('gives records two people add at the end offline different keys, both after the last sibling', () => {
    const siblings = [{ order: 'a0' }, { order: 'a1' }];
    const one = newKeyAfter(siblings, () => 0.1);
    const other = newKeyAfter(siblings, () => 0.7);
    expect(one).not.toBe(other);
    for (const key of [one, other]) {
      expect(isOrderKey(key)).toBe(true);
      expect(key > 'a1' && key < 'a3').toBe(true);
    }
    expect(newKeyAfter([], () => 0)).toBe('a001');
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), { minLength: 2, maxLength: 2 }), ([x, y]) => {
        let i = 0;
        const key = newKeyAfter(siblings, () => [x!, y!][i++ % 2]!);
        return isOrderKey(key) && key > 'a1';
      }),
    );
  });
});

describe('keysForMove', () => {
  const rows = (...keys: string[]): Ordered[] => keys.map((order, i) => ({ id: `r${i}`, order }));
  const inSequence = (siblings: readonly Ordered[], keys: ReadonlyMap<string, string>) =>
    siblings
      .map((s) => ({ id: s.id, order: keys.get(s.id) ?? s.order }))
      .sort(compareOrder)
      .map((s) => s.id);

  it('writes only the moved record, between its new neighbours', () => {
    const [a, b, c, d] = rows('a0', 'a1', 'a2', 'a3');
    // d moved up to second place.
    expect(keysForMove([a!, d!, b!, c!], 'r3')).toEqual(new Map([['r3', 'a0V']]));
    // a moved to the end.
    expect(keysForMove([b!, c!, d!, a!], 'r0')).toEqual(new Map([['r0', 'a4']]));
    // b moved to the front.
    expect(keysForMove([b!, a!, c!, d!], 'r1')).toEqual(new Map([['r1', 'Zz']]));
    // Already in place: nothing to write.
    expect(keysForMove([a!, b!, c!, d!], 'r1')).toEqual(new Map());
  });

  it('places a sibling tied with the moved one’s neighbour again, so the sequence holds', () => {
    const siblings = [
      { id: 'p', order: 'a1' },
      { id: 'm', order: 'a0' },
      { id: 'q', order: 'a1' },
    ];
    const keys = keysForMove(siblings, 'm');
    expect(inSequence(siblings, keys)).toEqual(['p', 'm', 'q']);
    expect(keys.has('p')).toBe(false);
  });

  it('spreads every sibling over fresh keys once a key would grow too long', () => {
    const long = `a0${'1'.repeat(ORDER_KEY_SPREAD_AT)}`;
    const siblings = [
      { id: 'p', order: 'a0' },
      { id: 'q', order: long },
      { id: 'm', order: 'a5' },
    ];
    const keys = keysForMove(siblings, 'm');
    expect(keys).toEqual(
      new Map([
        ['q', 'a1'],
        ['m', 'a2'],
      ]),
    );
  });

  it('gives any sequence, changing the moved record and as few others as it can', () => {
    const sibling = fc.record({ id: fc.string({ minLength: 1, maxLength: 3 }), order: fc.integer({ min: -3, max: 8 }).map(orderKeyOfNumber) });
    fc.assert(
      fc.property(fc.uniqueArray(sibling, { minLength: 1, maxLength: 12, selector: (s) => s.id }), fc.nat(), fc.nat(), (list, from, to) => {
        const sorted = [...list].sort(compareOrder);
        const moved = sorted[from % sorted.length]!;
        const sequence = sorted.filter((s) => s !== moved);
        sequence.splice(to % (sequence.length + 1), 0, moved);
        const keys = keysForMove(sequence, moved.id);
        expect(inSequence(sequence, keys)).toEqual(sequence.map((s) => s.id));
        for (const key of keys.values()) expect(isOrderKey(key)).toBe(true);
        // Siblings with distinct keys: the moved record is the only one written.
        if (new Set(list.map((s) => s.order)).size === list.length) expect([...keys.keys()].every((id) => id === moved.id)).toBe(true);
      }),
    );
  });
});

describe('orderKeyOfNumber', () => {
  it.each([
    [0, 'a0'],
    [1, 'a1'],
    [10, 'aA'],
    [61, 'az'],
    [62, 'b00'],
    [63, 'b01'],
    [3905, 'bzz'],
    [3906, 'c000'],
    [-1, 'Zz'],
    [-62, 'Z0'],
    [-63, 'Yzz'],
    [0.5, 'a0V'],
    [2.25, 'a2FV'],
  ])('turns %s into %s', (n, key) => {
    expect(orderKeyOfNumber(n)).toBe(key);
  });

  it('keeps the sequence of integer orders, and is the key that follows the one before', () => {
    fc.assert(
      fc.property(fc.integer({ min: -300_000, max: 300_000 }), (n) => {
        const key = orderKeyOfNumber(n);
        expect(isOrderKey(key)).toBe(true);
        expect(keyBetween(key, null)).toBe(orderKeyOfNumber(n + 1));
      }),
    );
  });

  it('keeps the sequence of any orders', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), fc.double({ min: -1e9, max: 1e9, noNaN: true }), (x, y) => {
        fc.pre(x < y);
        expect(orderKeyOfNumber(x) <= orderKeyOfNumber(y)).toBe(true);
      }),
    );
  });

  it('refuses what is not a number', () => {
    expect(() => orderKeyOfNumber(Number.NaN)).toThrow();
    expect(() => orderKeyOfNumber(Number.POSITIVE_INFINITY)).toThrow();
  });
});

describe('isOrderKey', () => {
  it.each(['a0', 'Zz', 'a0V', 'b00', 'zzzzzzzzzzzzzzzzzzzzzzzzzzz'])('accepts %s', (key) => expect(isOrderKey(key)).toBe(true));
  it.each(['', 'a', 'b0', 'a00', 'a0V0', '0', 'a-', 'a 1', 'A00000000000000000000000000', `a${'1'.repeat(200)}`])('refuses %j', (key) =>
    expect(isOrderKey(key)).toBe(false),
  );
});

describe('upgradeOrders', () => {
  it('turns the integer order of an ordered table’s row into its key, and leaves anything else as it is', () => {
    expect(upgradeOrders('items', { id: 'i', order: 3 })).toEqual({ id: 'i', order: 'a3' });
    const keyed = { id: 'i', order: 'a3' };
    expect(upgradeOrders('items', keyed)).toBe(keyed);
    const progress = { id: 'p', order: 3 };
    expect(upgradeOrders('progress', progress)).toBe(progress);
    expect(upgradeOrders('sections', { title: 'x' })).toEqual({ title: 'x' });
  });

  it('turns the values of a 並び順 conflict, not those of another field', () => {
    const conflict = { table: 'kpis', field: 'order', baseValue: 0, serverValue: 2, clientValue: null };
    expect(upgradeOrders('conflicts', conflict)).toEqual({ ...conflict, baseValue: 'a0', serverValue: 'a2' });
    const other = { ...conflict, field: 'name' };
    expect(upgradeOrders('conflicts', other)).toBe(other);
    const done = { ...conflict, baseValue: 'a0', serverValue: 'a2' };
    expect(upgradeOrders('conflicts', done)).toBe(done);
  });
});
