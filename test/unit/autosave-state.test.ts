// The autosave state machine under random interleavings of keystrokes, IME composition, slow
// and failing writes, and values read back that are old, the field's own, or from elsewhere:
// the field always ends as exactly what was typed, with the other's edits merged in, and never
// writes mid-composition.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { autosaveReducer, finalWrite, initialAutosave, mapCaret, nextWrite, type AutosaveEvent, type AutosaveState, type Write } from '../../src/model/autosave-state';

type Op =
  | { kind: 'key'; ch: string }
  | { kind: 'backspace' }
  | { kind: 'compose'; steps: string[]; commit: string; interleave: number[] }
  | { kind: 'writeOk' }
  | { kind: 'writeFail' }
  | { kind: 'retry' }
  | { kind: 'readLatest' }
  | { kind: 'readOld'; pick: number }
  | { kind: 'foreign' };

const INITIAL = '。';

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('あ', 'い', 'a', 'b', ' ', '\n', '健').map((ch): Op => ({ kind: 'key', ch })) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'backspace' }) },
  {
    weight: 2,
    arbitrary: fc.record({
      steps: fc.array(fc.constantFrom('け', 'けん', 'けんこ', 'けんこう', 'き'), { minLength: 1, maxLength: 4 }),
      commit: fc.constantFrom('健康', '企業', '宣言', 'けんこう'),
      interleave: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }),
    }).map((r): Op => ({ kind: 'compose', ...r })),
  },
  { weight: 3, arbitrary: fc.constant<Op>({ kind: 'writeOk' }) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'writeFail' }) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'retry' }) },
  { weight: 3, arbitrary: fc.constant<Op>({ kind: 'readLatest' }) },
  { weight: 2, arbitrary: fc.nat().map((pick): Op => ({ kind: 'readOld', pick })) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'foreign' }) },
);

/** A field, its database value with the values it held before, and another tab editing it. */
class World {
  s: AutosaveState = initialAutosave(INITIAL);
  stored = INITIAL;
  history: string[] = [INITIAL];
  typed = '';
  tokens: string[] = [];
  writesMidComposition = 0;

  dispatch(e: AutosaveEvent): void {
    this.s = autosaveReducer(this.s, e);
    this.pump();
  }

  pump(): void {
    const w = nextWrite(this.s);
    if (!w) return;
    if (this.s.composing) this.writesMidComposition++;
    this.s = autosaveReducer(this.s, { type: 'writeStarted', write: w });
  }

  store(value: string): void {
    this.stored = value;
    this.history.push(value);
  }

  finishWrite(ok: boolean): void {
    const w: Write | null = this.s.inFlight;
    if (!w) return;
    // Writes compare and set, as the repository's do.
    if (ok && this.stored !== w.base) this.dispatch({ type: 'writeStale', write: w });
    else if (ok) {
      this.store(w.value);
      this.dispatch({ type: 'writeSucceeded', write: w });
    } else this.dispatch({ type: 'writeFailed', write: w, message: 'disk full' });
  }

  run(op: Op): void {
    switch (op.kind) {
      case 'key':
        this.typed += op.ch;
        this.dispatch({ type: 'input', value: this.s.text + op.ch });
        return;
      case 'backspace':
        // The person deletes only what they typed (the other tab edits the start of the text).
        if (!this.typed) return;
        this.typed = this.typed.slice(0, -1);
        this.dispatch({ type: 'input', value: this.s.text.slice(0, -1) });
        return;
      case 'compose': {
        this.dispatch({ type: 'compositionstart' });
        const prefix = this.s.text;
        op.steps.forEach((kana, i) => {
          this.dispatch({ type: 'compositionupdate', value: prefix + kana });
          const between = op.interleave[i];
          if (between === 1) this.finishWrite(true);
          if (between === 2) this.dispatch({ type: 'readBack', value: this.stored });
          if (between === 3) {
            this.foreign();
            this.dispatch({ type: 'readBack', value: this.stored });
          }
        });
        this.typed += op.commit;
        this.dispatch({ type: 'compositionend', value: prefix + op.commit });
        return;
      }
      case 'writeOk':
        return this.finishWrite(true);
      case 'writeFail':
        return this.finishWrite(false);
      case 'retry':
        return this.dispatch({ type: 'retry' });
      case 'readLatest':
        return this.dispatch({ type: 'readBack', value: this.stored });
      case 'readOld':
        return this.dispatch({ type: 'readBack', value: this.history[op.pick % this.history.length]! });
      case 'foreign':
        this.foreign();
        return this.dispatch({ type: 'readBack', value: this.stored });
    }
  }

  /** Another tab puts a token of its own at the start of the stored text. */
  foreign(): void {
    const token = `<${this.tokens.length}>`;
    this.tokens.push(token);
    this.store(token + this.stored);
  }

  /** Writes end and the stored value is read back, until the field has nothing left to write. */
  settle(): void {
    for (let i = 0; i < 100; i++) {
      this.dispatch({ type: 'retry' });
      this.finishWrite(true);
      this.dispatch({ type: 'readBack', value: this.stored });
      if (!this.s.inFlight && !nextWrite(this.s)) return;
    }
    throw new Error('the field never settled');
  }
}

describe('autosave state machine', () => {
  it('ends as exactly what was typed, stored, with no write mid-composition (no other tab)', () => {
    fc.assert(
      fc.property(fc.array(opArb.filter((o) => o.kind !== 'foreign' && !(o.kind === 'compose' && o.interleave.includes(3))), { maxLength: 80 }), (ops) => {
        const w = new World();
        for (const op of ops) {
          w.run(op);
          // At every moment the screen holds exactly what was typed so far.
          expect(w.s.text).toBe(INITIAL + w.typed);
        }
        w.settle();
        expect(w.s.text).toBe(INITIAL + w.typed);
        expect(w.stored).toBe(INITIAL + w.typed);
        expect(w.writesMidComposition).toBe(0);
        expect(w.s.replaced).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps every typed character and merges the other tab’s edits in', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const w = new World();
        for (const op of ops) {
          w.run(op);
          expect(w.s.text.endsWith(INITIAL + w.typed)).toBe(true);
        }
        w.settle();
        // What the person typed is never lost, whatever came back from the database.
        expect(w.s.text.endsWith(INITIAL + w.typed)).toBe(true);
        expect(w.stored).toBe(w.s.text);
        expect(w.writesMidComposition).toBe(0);
        // And when each edit from elsewhere could be merged, all of them are there.
        if (w.s.conflicts === 0) expect(w.s.text).toBe([...w.tokens].reverse().join('') + INITIAL + w.typed);
      }),
      { numRuns: 500 },
    );
  });

  it('never puts its own earlier write back on screen (the reported loss)', () => {
    let s = initialAutosave('');
    const writes: Write[] = [];
    for (const ch of 'タブ1オンライン入力') {
      s = autosaveReducer(s, { type: 'input', value: s.text + ch });
      const w = nextWrite(s);
      if (w) {
        s = autosaveReducer(s, { type: 'writeStarted', write: w });
        writes.push(w);
      }
      // The live query delivers the previous write's value just after the next key.
      const echo = writes[writes.length - 1]!;
      s = autosaveReducer(s, { type: 'writeSucceeded', write: echo });
      if (writes.length > 1) s = autosaveReducer(s, { type: 'readBack', value: writes[writes.length - 2]!.value });
    }
    expect(s.text).toBe('タブ1オンライン入力');
  });

  it('does not write mid-composition, and merges a change that came in meanwhile at compositionend', () => {
    let s = initialAutosave('本文');
    s = autosaveReducer(s, { type: 'compositionstart' });
    s = autosaveReducer(s, { type: 'compositionupdate', value: '本文け' });
    expect(nextWrite(s)).toBeNull();
    s = autosaveReducer(s, { type: 'readBack', value: '前書き。本文' });
    expect(s.text).toBe('本文け');
    s = autosaveReducer(s, { type: 'compositionend', value: '本文健' });
    expect(s.text).toBe('前書き。本文健');
    expect(nextWrite(s)).toMatchObject({ seq: s.seq, value: '前書き。本文健' });
  });

  it('keeps the person’s text when the other change cannot be merged', () => {
    let s = initialAutosave('abc');
    s = autosaveReducer(s, { type: 'input', value: 'abX' });
    s = autosaveReducer(s, { type: 'readBack', value: 'abY' });
    expect(s.text).toBe('abX');
    expect(nextWrite(s)?.value).toBe('abX');
  });

  it('writes once more when leaving the page, even mid-composition', () => {
    let s = initialAutosave('');
    s = autosaveReducer(s, { type: 'compositionstart' });
    s = autosaveReducer(s, { type: 'compositionupdate', value: 'けん' });
    expect(nextWrite(s)).toBeNull();
    expect(finalWrite(s)?.value).toBe('けん');
  });
});

describe('mapCaret', () => {
  it.each([
    ['abc', 'XXabc', 1, 3],
    ['abc', 'abcXX', 1, 1],
    ['abc', 'abXc', 3, 4],
    ['abcdef', 'aef', 4, 1],
    ['abcdef', 'abf', 2, 2],
    ['本文です', '前書き。本文です', 4, 8],
  ])('%s → %s moves the caret from %i to %i', (before, after, caret, expected) => {
    expect(mapCaret(before, after, caret)).toBe(expected);
  });
});
