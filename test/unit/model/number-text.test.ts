import { describe, expect, it } from 'vitest';
import { parseDecimal } from '../../../src/model/number-text';

describe('parseDecimal', () => {
  it.each([
    ['98.2', 98.2],
    ['９８．２', 98.2],
    [' 99 ', 99],
    ['2,719', 2719],
    ['１４，０９７', 14097],
    ['1,234,567.5', 1234567.5],
    ['0.087', 0.087],
    ['.5', 0.5],
    ['-0.2', -0.2],
    ['－０．２', -0.2],
    ['−3', -3],
    ['100.', 100],
  ])('%s → %d', (text, n) => {
    expect(parseDecimal(text)).toBe(n);
  });

  it.each(['', '  ', 'abc', '98.2%', '1,2', '12,34', '1.2.3', '--1', '1e3', '٣', 'Infinity'])('%j is not a number', (text) => {
    expect(parseDecimal(text)).toBeUndefined();
  });
});
