// Table-driven and property tests of the three-way text merge: edits to different parts both
// survive, overlapping ones conflict, and the result does not depend on which side is "ours".
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeText } from '../../../src/model/text-merge';

describe('mergeText', () => {
  const cases: [string, string, string, string, string | null][] = [
    ['takes theirs when ours is the base', 'abc', 'abc', 'abXc', 'abXc'],
    ['keeps ours when theirs is the base', 'abc', 'aYbc', 'abc', 'aYbc'],
    ['keeps one copy of an identical change', 'abc', 'abZ', 'abZ', 'abZ'],
    [
      'merges edits in different paragraphs',
      '一段落目。\n二段落目。',
      '一段落目に追記。\n二段落目。',
      '一段落目。\n二段落目を直した。',
      '一段落目に追記。\n二段落目を直した。',
    ],
    [
      'merges edits in one paragraph that do not touch',
      '訪問した。説明した。',
      '事業所を訪問した。説明した。',
      '訪問した。資料で説明した。',
      '事業所を訪問した。資料で説明した。',
    ],
    ['conflicts on changes of the same characters', '評価は○', '評価は△', '評価は－', null],
    ['conflicts on two insertions at one place', 'ab', 'aXb', 'aYb', null],
    ['merges a deletion with an edit elsewhere', 'abcdef', 'abef', 'abcdeF', 'abeF'],
    ['never splits a surrogate pair', '𠮷野家', '𠮷野屋', '𠮷田野家', '𠮷田野屋'],
    ['merges onto an empty base', '', 'x', '', 'x'],
    // The start and end all three share are set aside before the diff, never half a surrogate pair.
    ['keeps a pair whole when only its second half differs', 'x\u{20BB7}y', 'x\u{20BB8}y', 'x\u{20BB7}yZ', 'x\u{20BB8}yZ'],
    ['keeps a pair whole when only its first half differs', 'a\u{20BB7}', 'a\u{1FFB7}', 'b\u{20BB7}', 'b\u{1FFB7}'],
    // A replacement the diff sees as scattered one-character changes ("2"→"0", "2"→"1" around an
    // unchanged "-") is one change: the other side's insertion inside it is a conflict, never a
    // text that mixes the two ("〔d0-3〕〔d2-1〕").
    ['conflicts on an insertion inside a replacement that only shares a character with it', '〔d2-2〕T', '〔d0-1〕T', '〔d2-3〕〔d2-2〕T', null],
  ];
  for (const [name, base, ours, theirs, expected] of cases) {
    it(name, () => {
      const r = mergeText(base, ours, theirs);
      if (expected === null) expect(r.kind).toBe('conflict');
      else expect(r).toEqual({ kind: 'merged', text: expected });
    });
  }

  it('merges two long texts edited at both ends quickly (trimmed to the changed middle)', () => {
    const base = '健康企業宣言の取組を支援する。'.repeat(1300);
    const r = mergeText(base, `前文。${base}`, `${base}後文。`);
    expect(r).toEqual({ kind: 'merged', text: `前文。${base}後文。` });
  });

  it('falls back to lines when one side rewrote more than a character diff takes, still merging separate lines', () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `行${i}：${'あ'.repeat(i % 7)}`);
    const rewritten = '全面的に書き直した段落。'.repeat(300);
    const base = lines.join('\n');
    const ours = lines.map((l, i) => (i === 10 ? rewritten : l)).join('\n');
    const theirs = lines.map((l, i) => (i === 2990 ? `${l}（修正）` : l)).join('\n');
    expect(mergeText(base, ours, theirs)).toEqual({
      kind: 'merged',
      text: lines.map((l, i) => (i === 10 ? rewritten : i === 2990 ? `${l}（修正）` : l)).join('\n'),
    });
  });

  it('gives up (a conflict) when both sides rewrote everything', () => {
    const base = 'あ'.repeat(5000);
    expect(mergeText(base, 'い'.repeat(5000), 'う'.repeat(5000))).toEqual({ kind: 'conflict' });
  });

  const text = fc.array(fc.constantFrom('あ', 'い', '健', '。', '\n', 'a', ' ', '𠮷'), { maxLength: 60 }).map((cs) => cs.join(''));

  it('keeps both of two edits made to different parts of a random base', () => {
    fc.assert(
      fc.property(text, text, text, text, text, fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), (left, mid, right, x, y, sep1, sep2) => {
        // "ours" replaces the left part, "theirs" the right; a non-empty unchanged middle separates them.
        const middle = `${sep1}｜${mid}｜${sep2}`;
        const base = left + middle + right;
        const r = mergeText(base, x + middle + right, left + middle + y);
        expect(r).toEqual({ kind: 'merged', text: x + middle + y });
      }),
    );
  });

  it('S5: gives the same result whichever side is "ours"', () => {
    fc.assert(
      fc.property(text, text, text, (base, a, b) => {
        const ab = mergeText(base, a, b);
        const ba = mergeText(base, b, a);
        expect(ab.kind).toBe(ba.kind);
        if (ab.kind === 'merged' && ba.kind === 'merged') expect(ab.text).toBe(ba.text);
      }),
    );
  });
});
