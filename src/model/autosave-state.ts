// The logic of a text field that saves as the person types, as a pure state machine driven by
// events (input, IME composition, writes started/succeeded/failed, values read back from the
// database). The field belongs to the person typing: what is on screen is never replaced by an
// older value or by the echo of the field's own write. Each write carries the number of the
// local edit it holds, writes never overlap, and a value read back is compared with what this
// field wrote (and not yet saw come back), not with the last thing it saw. A change made
// elsewhere is merged three-way into the person's text (mergeText); nothing is written or
// replaced while an IME composition is open.
import { diffChars } from 'diff';
import { mergeText } from './text-merge';

/** How many older values of the stored text a field remembers to tell a late delivery from a change. */
const OLD_VALUES_KEPT = 64;

export interface Write {
  /** The local edit (sequence number) whose text the write carries. */
  seq: number;
  value: string;
  /**
   * The value the write expects to replace: a write that finds another one stored (written
   * elsewhere, not yet read back here) fails as stale instead of overwriting it unseen.
   */
  base: string;
}

export interface AutosaveState {
  /** What is on screen. */
  text: string;
  /** Number of the latest local edit (0: none yet). */
  seq: number;
  /** Between compositionstart and compositionend. */
  composing: boolean;
  /** The last value both the field and the database agreed on: the merge base. */
  base: string;
  /** The write under way, if any: writes never overlap. */
  inFlight: Write | null;
  /** Writes started whose value has not come back from the database yet, oldest first. */
  unacked: Write[];
  /** Values the stored text had before `base` (newest last): a late delivery of one is no change. */
  old: string[];
  /**
   * A change from elsewhere that arrived mid-composition, merged at compositionend against the
   * base it came in on (`base` moved on to it at once, so writes ending meanwhile count right).
   */
  pendingForeign: { base: string; value: string } | null;
  /** A value from elsewhere was adopted while the write in flight ran. */
  foreignDuringWrite: boolean;
  /** The highest local edit that is stored. */
  savedSeq: number;
  /** The last write failed (message); no new write starts until the next edit or a retry. */
  error: string | null;
  /** The last value read back, whatever it was. */
  lastRead: string;
  /** A write found another value stored: the next write waits until that value is read back. */
  awaitingRead: boolean;
  /** Bumped each time the field replaced the on-screen text (a merge): the UI then maps the caret. */
  replaced: number;
  /** Changes from elsewhere that overlapped the person's and were not merged (their text stayed). */
  conflicts: number;
}

export type AutosaveEvent =
  | { type: 'input'; value: string }
  | { type: 'compositionstart' }
  | { type: 'compositionupdate'; value: string }
  | { type: 'compositionend'; value: string }
  | { type: 'writeStarted'; write: Write }
  | { type: 'writeSucceeded'; write: Write }
  | { type: 'writeFailed'; write: Write; message: string }
  | { type: 'writeStale'; write: Write }
  | { type: 'readBack'; value: string }
  | { type: 'retry' };

export function initialAutosave(stored: string): AutosaveState {
  return {
    text: stored,
    seq: 0,
    composing: false,
    base: stored,
    inFlight: null,
    unacked: [],
    old: [],
    pendingForeign: null,
    foreignDuringWrite: false,
    savedSeq: 0,
    error: null,
    lastRead: stored,
    awaitingRead: false,
    replaced: 0,
    conflicts: 0,
  };
}

/** The write to start now, or null: none while composing, while one runs, after a failure, or with nothing new. */
export function nextWrite(s: AutosaveState): Write | null {
  if (s.composing || s.inFlight || s.error !== null || s.awaitingRead) return null;
  return isDirty(s) ? { seq: s.seq, value: s.text, base: s.base } : null;
}

/**
 * The write to start when the page is going away (pagehide, an app update): as nextWrite, but
 * mid-composition and after a failure too, since there is no later moment.
 */
export function finalWrite(s: AutosaveState): Write | null {
  if (s.inFlight) return null;
  return isDirty(s) ? { seq: s.seq, value: s.text, base: s.base } : null;
}

/** The screen holds an edit that is not stored yet. */
export function isDirty(s: AutosaveState): boolean {
  return s.text !== s.base;
}

export function autosaveReducer(s: AutosaveState, e: AutosaveEvent): AutosaveState {
  switch (e.type) {
    case 'input':
      return { ...s, text: e.value, seq: s.seq + 1, error: null };
    case 'compositionstart':
      return { ...s, composing: true };
    case 'compositionupdate':
      return { ...s, text: e.value, seq: s.seq + 1, composing: true };
    case 'compositionend': {
      const ended = { ...s, text: e.value, seq: s.seq + 1, composing: false, pendingForeign: null, error: null };
      return s.pendingForeign === null ? ended : mergeIntoScreen(ended, s.pendingForeign.base, s.pendingForeign.value);
    }
    case 'writeStarted':
      return { ...s, inFlight: e.write, unacked: [...s.unacked, e.write], foreignDuringWrite: false };
    case 'writeSucceeded': {
      if (s.inFlight?.seq !== e.write.seq) return s;
      const done = { ...s, inFlight: null, savedSeq: Math.max(s.savedSeq, e.write.seq) };
      // The value is stored now, unless a change from elsewhere came in meanwhile: that one was
      // adopted as the base already (and the merged text will be written next).
      return s.foreignDuringWrite || e.write.value === s.base ? done : { ...done, base: e.write.value, old: remember(s.old, s.base) };
    }
    case 'writeFailed':
      if (s.inFlight?.seq !== e.write.seq) return s;
      return { ...s, inFlight: null, unacked: s.unacked.filter((w) => w.seq !== e.write.seq), error: e.message };
    case 'writeStale': {
      if (s.inFlight?.seq !== e.write.seq) return s;
      const failed = { ...s, inFlight: null, unacked: s.unacked.filter((w) => w.seq !== e.write.seq) };
      // The value the write found was read back and merged meanwhile: write again on it.
      if (s.base !== e.write.base) return failed;
      // It was read back but not taken as the base (it looked old): it is the base now, with the
      // screen left as it is. Otherwise its delivery is still to come.
      return s.lastRead === s.base ? { ...failed, awaitingRead: true } : { ...failed, base: s.lastRead, old: remember(s.old, s.base) };
    }
    case 'retry':
      return { ...s, error: null };
    case 'readBack': {
      const read = readBack({ ...s, lastRead: e.value }, e.value);
      // A delivery of the base itself may be a late one; the one the stale write saw is still to come.
      return s.awaitingRead && e.value !== s.base ? { ...read, awaitingRead: false, ...(read.base === s.base ? { base: e.value, old: remember(s.old, s.base) } : {}) } : read;
    }
  }
}

function readBack(s: AutosaveState, value: string): AutosaveState {
  // The echo of one of this field's writes: that write and the ones before it have come back.
  const own = s.unacked.findIndex((w) => w.value === value);
  // The value of the write still under way: its early echo, or a late delivery of an older value
  // that happens to read the same. Either way the screen keeps its text, and the write's end
  // says what is stored.
  if (own >= 0 && s.unacked[own]!.seq === s.inFlight?.seq) return s;
  if (own >= 0) {
    // Those earlier writes' values are old now: a late delivery of one is no change.
    const passed = s.unacked.slice(0, own).map((w) => w.value);
    const rest = s.unacked.slice(own + 1);
    const old = remember(s.old, ...passed, ...(value === s.base ? [] : [s.base]));
    return { ...s, unacked: rest, base: value, old: old.filter((v) => v !== value) };
  }
  // Nothing new, or a late delivery of a value the store held before: never put back on screen.
  if (value === s.base || s.old.includes(value)) return s;
  const adopted = { ...s, base: value, old: remember(s.old, s.base), foreignDuringWrite: s.inFlight !== null };
  if (s.composing) return { ...adopted, pendingForeign: { base: s.pendingForeign?.base ?? s.base, value } };
  return mergeIntoScreen(adopted, s.base, value);
}

/** A value written elsewhere (already the new base): merged into the person's text; on a conflict their text stays. */
function mergeIntoScreen(s: AutosaveState, base: string, value: string): AutosaveState {
  const merged = mergeText(base, s.text, value);
  if (merged.kind === 'conflict') return { ...s, conflicts: s.conflicts + 1 };
  if (merged.text === s.text) return s;
  // The merged text differs from the stored one when the person had edits of their own: those
  // still wait to be written, now on top of the other's (a new local edit, so a write in flight
  // that ends cannot count them as stored).
  return { ...s, text: merged.text, seq: s.seq + 1, replaced: s.replaced + 1 };
}

function remember(old: readonly string[], ...values: string[]): string[] {
  const kept = old.filter((v) => !values.includes(v));
  kept.push(...values);
  return kept.length > OLD_VALUES_KEPT ? kept.slice(kept.length - OLD_VALUES_KEPT) : kept;
}

/**
 * Where a caret (a UTF-16 offset) goes when the text around it changes from `before` to
 * `after`: text inserted before it shifts it, text removed before it pulls it back, a removal
 * that spans it leaves it where the removal was, and changes after it leave it alone.
 */
export function mapCaret(before: string, after: string, caret: number): number {
  if (before === after) return caret;
  let oldPos = 0;
  let shift = 0;
  for (const c of diffChars(before, after)) {
    const n = c.value.length;
    if (c.added) {
      if (oldPos < caret) shift += n;
      continue;
    }
    if (oldPos >= caret) break;
    if (c.removed) shift -= Math.min(n, caret - oldPos);
    oldPos += n;
  }
  return Math.max(0, Math.min(after.length, caret + shift));
}
