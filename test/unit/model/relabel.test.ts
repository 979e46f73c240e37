import { describe, expect, it } from 'vitest';
import { needsRenumber, renumberLabels } from '../../../src/model/relabel';

describe('renumberLabels', () => {
  it.each<[string, string[], string[] | null]>([
    ['circled numbers', ['②', '①', '③'], ['①', '②', '③']],
    ['circled past ⑳', Array.from({ length: 22 }, () => '①'), [...'①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳', '㉑', '㉒']],
    ['circled past ㊿', Array.from({ length: 51 }, () => '①'), null],
    ['full-width in brackets', ['（２）', '（１）'], ['（１）', '（２）']],
    ['full-width with a point', ['２．', '１．', '３．'], ['１．', '２．', '３．']],
    ['ASCII with a point', ['2.', '1.'], ['1.', '2.']],
    ['upper roman', ['Ⅱ', 'Ⅰ', 'Ⅲ'], ['Ⅰ', 'Ⅱ', 'Ⅲ']],
    ['lower roman with a bracket', ['ⅱ）', 'ⅰ）'], ['ⅰ）', 'ⅱ）']],
    ['roman beyond Ⅻ', Array.from({ length: 13 }, () => 'Ⅰ'), null],
    ['a prefix kept', ['Ⅱ-2', 'Ⅱ-1'], ['Ⅱ-1', 'Ⅱ-2']],
    ['spaces around a label', [' ② ', '①'], ['①', '②']],
    ['already in order', ['①', '②'], ['①', '②']],
    ['one sibling', ['③'], ['①']],
    ['a label without a number', ['①', ''], null],
    ['mixed styles', ['①', '（２）'], null],
    ['mixed brackets', ['（１）', '(2)'], null],
    ['text, not a number', ['その他'], null],
    ['no siblings', [], null],
  ])('%s', (_name, labels, renumbered) => {
    expect(renumberLabels(labels)).toEqual(renumbered);
  });

  it('counts full-width numbers past nine in full width', () => {
    const labels = Array.from({ length: 12 }, () => '（１）');
    expect(renumberLabels(labels)!.slice(8)).toEqual(['（９）', '（１０）', '（１１）', '（１２）']);
  });

  it('counts circled numbers up to ㊿', () => {
    expect(renumberLabels(Array.from({ length: 50 }, () => '①'))!.slice(34)).toEqual([...'㉟㊱㊲㊳㊴㊵㊶㊷㊸㊹㊺㊻㊼㊽㊾㊿']);
  });
});

describe('needsRenumber', () => {
  it.each<[string[], boolean]>([
    [['②', '①', '③'], true],
    [['①', '②', '③'], false],
    [['①', '③'], true],
    [['①', ''], false],
    [['（１）', '（２）'], false],
    [['Ⅱ', 'Ⅰ'], true],
  ])('%j → %s', (labels, needed) => {
    expect(needsRenumber(labels)).toBe(needed);
  });
});
