// The autosave state machine under random interleavings of keystrokes, IME composition, slow,
// failing and stale writes, and changes from elsewhere (a token put in front, or a revert to a
// value the field held before), with the database modelled as the hook drives it: writes compare
// and set, commit at some moment and end later; reads come one after another, each returning the
// value stored at some moment between its start and its end and never an older one than the
// read before, and naming how many of the field's writes had ended when it started. The field
// always ends as exactly what was typed with the other edits merged in, a revert from elsewhere
// is never lost, and nothing is written mid-composition.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  autosaveReducer,
  finalWrite,
  initialAutosave,
  mapCaret,
  nextWrite,
  type AutosaveEvent,
  type AutosaveState,
  type Write,
} from '../../../src/model/autosave-state';

type Op =
  | { kind: 'key' }
  | { kind: 'backspace' }
  | { kind: 'compose'; steps: string[]; interleave: number[] }
  | { kind: 'commit' }
  | { kind: 'writeEnd' }
  | { kind: 'writeFail' }
  | { kind: 'retry' }
  | { kind: 'tick' }
  | { kind: 'readEnd'; pick: number }
  | { kind: 'foreign' }
  | { kind: 'revert'; pick: number };

const INITIAL = '。';

/** Each key (and each IME commit) types a character of its own, so where every one went can be told. */
const keyChar = (n: number) => String.fromCodePoint(0x4e00 + n);

const composeArb = fc
  .record({
    steps: fc.array(fc.constantFrom('け', 'けん', 'けんこ', 'けんこう', 'き'), { minLength: 1, maxLength: 4 }),
    interleave: fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 4 }),
  })
  .map((r): Op => ({ kind: 'compose', ...r }));

const OPS: { weight: number; arbitrary: fc.Arbitrary<Op> }[] = [
  { weight: 6, arbitrary: fc.constant<Op>({ kind: 'key' }) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'backspace' }) },
  { weight: 2, arbitrary: composeArb },
  { weight: 3, arbitrary: fc.constant<Op>({ kind: 'commit' }) },
  { weight: 3, arbitrary: fc.constant<Op>({ kind: 'writeEnd' }) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'writeFail' }) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'retry' }) },
  { weight: 3, arbitrary: fc.constant<Op>({ kind: 'tick' }) },
  { weight: 4, arbitrary: fc.nat().map((pick): Op => ({ kind: 'readEnd', pick })) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'foreign' }) },
  { weight: 2, arbitrary: fc.nat().map((pick): Op => ({ kind: 'revert', pick })) },
];

const isForeign = (o: Op) => o.kind === 'foreign' || o.kind === 'revert' || (o.kind === 'compose' && o.interleave.some((i) => i >= 5));
const noRevert = (o: Op) => o.kind !== 'revert' && !(o.kind === 'compose' && o.interleave.includes(6));
const opArb = fc.oneof(...OPS);

/**
 * A field, the database with every value it held, and another tab editing it. `expected` is
 * what the field must end as when every change from elsewhere merged: the typed keys and
 * tokens in their places, and after a revert the reverted value with the person's edits that
 * were not stored yet (keys typed, keys taken back) applied to it.
 */
class World {
  s: AutosaveState = initialAutosave(INITIAL);
  history: string[] = [INITIAL];
  expected = INITIAL;
  keys = 0;
  /** The person's edits no write of theirs has stored yet, oldest first (`seq`: the edit's number). */
  pending: { ch: string; add: boolean; seq: number }[] = [];
  /**
   * A revert took out a character whose taking back was not stored yet, and a later one may
   * put it back: whether the key stays taken back then depends on whether the field read the
   * value in between, and either end is right.
   */
  eitherWay = false;
  /**
   * A revert came while a taken-back key was not stored yet: the keys typed after it then sit
   * where it was, which may be before what the revert put back at the end, not after it.
   */
  keysMayMove = false;
  tokens = 0;
  writesMidComposition = 0;
  /** The write under way as the database sees it. */
  write: { w: Write; outcome: 'pending' | 'stored' | 'stale' } | null = null;
  /** The read under way: the writes ended and the stored value's place in history at its start. */
  read: { after: number; from: number } | null = null;
  readAgain = false;
  /** The place in history the last read returned: no read returns an older one. */
  lastRead = 0;
  /** Changes signalled (the live query) and not yet turned into a read. */
  ticks = 0;

  get stored(): string {
    return this.history[this.history.length - 1]!;
  }

  dispatch(e: AutosaveEvent): void {
    this.s = autosaveReducer(this.s, e);
    const w = nextWrite(this.s);
    if (!w) return;
    if (this.s.composing) this.writesMidComposition++;
    this.s = autosaveReducer(this.s, { type: 'writeStarted', write: w });
    this.write = { w, outcome: 'pending' };
  }

  store(value: string): void {
    this.history.push(value);
    this.ticks++;
  }

  /** The write under way commits (or finds another value stored and changes nothing). */
  commit(): void {
    if (this.write?.outcome !== 'pending') return;
    if (this.stored !== this.write.w.base) {
      this.write.outcome = 'stale';
      return;
    }
    this.write.outcome = 'stored';
    const { seq } = this.write.w;
    this.pending = this.pending.filter((e) => e.seq > seq);
    if (this.write.w.value !== this.stored) this.store(this.write.w.value);
  }

  /** The write under way ends (committing first if it had not); as the hook, a read follows. */
  endWrite(ok: boolean): void {
    if (!this.write) return;
    const { w } = this.write;
    if (!ok && this.write.outcome === 'pending') {
      this.write = null;
      this.dispatch({ type: 'writeFailed', write: w, message: 'disk full' });
    } else {
      this.commit();
      const outcome = this.write.outcome;
      this.write = null;
      this.dispatch(outcome === 'stale' ? { type: 'writeStale', write: w } : { type: 'writeSucceeded', write: w });
    }
    this.requestRead();
  }

  requestRead(): void {
    if (this.read) {
      this.readAgain = true;
      return;
    }
    this.read = { after: this.s.writesEnded, from: this.history.length - 1 };
  }

  /** The read under way returns a value stored at some moment since it started, none older than the last read's. */
  endRead(pick: number | 'latest'): void {
    if (!this.read) return;
    const from = Math.max(this.read.from, this.lastRead);
    const at = pick === 'latest' ? this.history.length - 1 : from + (pick % (this.history.length - from));
    const { after } = this.read;
    this.lastRead = at;
    this.read = null;
    this.dispatch({ type: 'readBack', value: this.history[at]!, after });
    if (this.readAgain) {
      this.readAgain = false;
      this.requestRead();
    }
  }

  /** The person's characters in the text they should end with, in order. */
  get mine(): string[] {
    return [...this.expected].filter((ch) => ch.codePointAt(0)! >= keyChar(0).codePointAt(0)!);
  }

  key(): void {
    const ch = keyChar(this.keys++);
    this.expected += ch;
    this.dispatch({ type: 'input', value: this.s.text + ch });
    this.pending.push({ ch, add: true, seq: this.s.seq });
  }

  run(op: Op): void {
    switch (op.kind) {
      case 'key':
        this.key();
        return;
      case 'backspace': {
        // The person deletes the last of their own characters, when it is the end of the text.
        const last = this.mine[this.mine.length - 1];
        if (last === undefined || !this.s.text.endsWith(last) || !this.expected.endsWith(last)) return;
        this.expected = this.expected.slice(0, -last.length);
        this.dispatch({ type: 'input', value: this.s.text.slice(0, -last.length) });
        this.pending.push({ ch: last, add: false, seq: this.s.seq });
        return;
      }
      case 'compose': {
        this.dispatch({ type: 'compositionstart' });
        const prefix = this.s.text;
        op.steps.forEach((kana, i) => {
          this.dispatch({ type: 'compositionupdate', value: prefix + kana });
          this.interleave(op.interleave[i] ?? 0, i);
        });
        const commit = keyChar(this.keys++);
        this.expected += commit;
        this.dispatch({ type: 'compositionend', value: prefix + commit });
        this.pending.push({ ch: commit, add: true, seq: this.s.seq });
        return;
      }
      case 'commit':
        this.commit();
        return;
      case 'writeEnd':
        this.endWrite(true);
        return;
      case 'writeFail':
        this.endWrite(false);
        return;
      case 'retry':
        this.dispatch({ type: 'retry' });
        return;
      case 'tick':
        this.tick();
        return;
      case 'readEnd':
        this.endRead(op.pick);
        return;
      case 'foreign':
        this.foreign();
        return;
      case 'revert':
        this.revert(op.pick);
        return;
    }
  }

  /** What happens while a composition is open. */
  interleave(what: number, i: number): void {
    if (what === 1) this.commit();
    if (what === 2) this.endWrite(true);
    if (what === 3) this.tick();
    if (what === 4) this.endRead(i);
    if (what === 5) this.foreign();
    if (what === 6) this.revert(i);
  }

  tick(): void {
    if (this.ticks === 0) return;
    this.ticks = 0;
    this.requestRead();
  }

  /** Another tab puts a token of its own at the start of the stored text. */
  foreign(): void {
    const token = `<${this.tokens++}>`;
    this.expected = token + this.expected;
    this.store(token + this.stored);
  }

  /**
   * Another tab (or a lead's 「この値に戻す」) puts back a value the field held before: what was
   * stored is gone, and the person's edits not stored yet apply to it.
   */
  revert(pick: number): void {
    const value = this.history[pick % this.history.length]!;
    if (value === this.stored) return;
    let text = value;
    if (this.pending.some((e) => !e.add)) this.keysMayMove = true;
    for (const e of this.pending) {
      if (e.add) text += e.ch;
      else if (text.includes(e.ch)) text = text.replace(e.ch, '');
      else this.eitherWay = true;
    }
    this.expected = text;
    this.store(value);
  }

  /** Writes end, changes are signalled and read back, until the field has nothing left to do. */
  settle(): void {
    for (let i = 0; i < 200; i++) {
      this.dispatch({ type: 'retry' });
      this.endWrite(true);
      this.tick();
      this.endRead('latest');
      if (!this.write && !this.read && this.ticks === 0 && !nextWrite(this.s)) return;
    }
    throw new Error('the field never settled');
  }
}

describe('autosave state machine', () => {
  it('ends as exactly what was typed, stored, with no write mid-composition (no other tab)', () => {
    fc.assert(
      fc.property(
        fc.array(
          opArb.filter((o) => !isForeign(o)),
          { maxLength: 80, size: 'max' },
        ),
        (ops) => {
          const w = new World();
          for (const op of ops) {
            w.run(op);
            // At every moment the screen holds exactly what was typed so far.
            expect(w.s.text).toBe(w.expected);
          }
          w.settle();
          expect(w.s.text).toBe(w.expected);
          expect(w.stored).toBe(w.expected);
          expect(w.writesMidComposition).toBe(0);
          expect(w.s.replaced).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keeps every typed character and merges the other tab’s edits in', () => {
    fc.assert(
      fc.property(fc.array(opArb.filter(noRevert), { maxLength: 80, size: 'max' }), (ops) => {
        const w = new World();
        for (const op of ops) {
          w.run(op);
          expect(w.s.text.endsWith(INITIAL + w.mine.join(''))).toBe(true);
        }
        w.settle();
        // What the person typed is never lost, whatever came back from the database.
        expect(w.s.text.endsWith(INITIAL + w.mine.join(''))).toBe(true);
        expect(w.stored).toBe(w.s.text);
        expect(w.writesMidComposition).toBe(0);
        // And when each edit from elsewhere could be merged, all of them are there.
        if (w.s.conflicts === 0) expect(w.s.text).toBe(w.expected);
      }),
      { numRuns: 500 },
    );
  });

  it('takes a revert to an earlier value from elsewhere like any other change, and keeps it', () => {
    let merged = 0;
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 80, size: 'max' }),
        fc.nat(),
        fc.array(
          opArb.filter((o) => o.kind !== 'key' && o.kind !== 'backspace' && o.kind !== 'compose' && !isForeign(o)),
          { maxLength: 10 },
        ),
        (ops, pick, after) => {
          const w = new World();
          for (const op of ops) w.run(op);
          w.settle();
          expect(w.stored).toBe(w.s.text);
          expect(w.writesMidComposition).toBe(0);
          if (w.s.conflicts === 0 && !w.eitherWay) {
            merged++;
            if (w.keysMayMove) expect([...w.s.text].sort()).toEqual([...w.expected].sort());
            else expect(w.s.text).toBe(w.expected);
          }
          // With the field settled, a value it held before is put back: it ends on screen and
          // stays stored, whatever the reads and writes around it do.
          const conflicts = w.s.conflicts;
          w.revert(pick);
          const reverted = w.stored;
          for (const op of after) w.run(op);
          w.settle();
          expect(w.s.conflicts).toBe(conflicts);
          expect(w.s.text).toBe(reverted);
          expect(w.stored).toBe(reverted);
          // And the next key lands on it.
          w.key();
          w.settle();
          expect(w.stored).toBe(reverted + w.mine[w.mine.length - 1]);
        },
      ),
      { numRuns: 500 },
    );
    // Most runs have every change merged (the check above is not vacuous).
    expect(merged).toBeGreaterThan(250);
  });

  it('never puts its own earlier write back on screen (the reported loss)', () => {
    let s = initialAutosave('');
    let previous = '';
    for (const ch of 'タブ1オンライン入力') {
      s = autosaveReducer(s, { type: 'input', value: s.text + ch });
      const w = nextWrite(s);
      if (w) s = autosaveReducer(s, { type: 'writeStarted', write: w });
      // A read that started before the write ended delivers the value before it just after.
      const after = s.writesEnded;
      if (s.inFlight) s = autosaveReducer(s, { type: 'writeSucceeded', write: s.inFlight });
      s = autosaveReducer(s, { type: 'readBack', value: previous, after });
      previous = s.base;
    }
    expect(s.text).toBe('タブ1オンライン入力');
  });

  it('takes a value put back by another tab, read after the field’s writes ended', () => {
    let s = initialAutosave('説明会');
    s = autosaveReducer(s, { type: 'input', value: '説明会を中止' });
    const w = nextWrite(s)!;
    s = autosaveReducer(s, { type: 'writeStarted', write: w });
    s = autosaveReducer(s, { type: 'writeSucceeded', write: w });
    // The value before the write, from a read that started before it ended: no change.
    s = autosaveReducer(s, { type: 'readBack', value: '説明会', after: 0 });
    expect(s.text).toBe('説明会を中止');
    // The same value read after the write ended: a lead put it back.
    s = autosaveReducer(s, { type: 'readBack', value: '説明会', after: 1 });
    expect(s.text).toBe('説明会');
    s = autosaveReducer(s, { type: 'input', value: '説明会。' });
    expect(nextWrite(s)).toMatchObject({ value: '説明会。', base: '説明会' });
  });

  it('does not write mid-composition, and merges a change that came in meanwhile at compositionend', () => {
    let s = initialAutosave('本文');
    s = autosaveReducer(s, { type: 'compositionstart' });
    s = autosaveReducer(s, { type: 'compositionupdate', value: '本文け' });
    expect(nextWrite(s)).toBeNull();
    s = autosaveReducer(s, { type: 'readBack', value: '前書き。本文', after: 0 });
    expect(s.text).toBe('本文け');
    s = autosaveReducer(s, { type: 'compositionend', value: '本文健' });
    expect(s.text).toBe('前書き。本文健');
    expect(nextWrite(s)).toMatchObject({ seq: s.seq, value: '前書き。本文健' });
  });

  it('keeps the person’s text when the other change cannot be merged', () => {
    let s = initialAutosave('abc');
    s = autosaveReducer(s, { type: 'input', value: 'abX' });
    s = autosaveReducer(s, { type: 'readBack', value: 'abY', after: 0 });
    expect(s.text).toBe('abX');
    expect(nextWrite(s)?.value).toBe('abX');
  });

  it('sends the person’s text against what it grew from after an overlap, once, so the server keeps both', () => {
    let s = initialAutosave('abc');
    s = autosaveReducer(s, { type: 'input', value: 'abX' });
    s = autosaveReducer(s, { type: 'readBack', value: 'abY', after: 0 });
    const w = nextWrite(s)!;
    expect(w).toMatchObject({ value: 'abX', base: 'abY', ancestor: 'abc' });
    s = autosaveReducer(s, { type: 'writeStarted', write: w });
    s = autosaveReducer(s, { type: 'input', value: 'abXZ' });
    s = autosaveReducer(s, { type: 'writeSucceeded', write: w });
    expect(nextWrite(s)).toEqual({ seq: s.seq, value: 'abXZ', base: 'abX' });
  });

  it('forgets what the text grew from once the person is back at what is stored', () => {
    let s = initialAutosave('abc');
    s = autosaveReducer(s, { type: 'input', value: 'abX' });
    s = autosaveReducer(s, { type: 'readBack', value: 'abY', after: 0 });
    s = autosaveReducer(s, { type: 'input', value: 'abY' });
    expect(s.ancestor).toBeNull();
    s = autosaveReducer(s, { type: 'input', value: 'aY' });
    expect(nextWrite(s)).toEqual({ seq: s.seq, value: 'aY', base: 'abY' });
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
