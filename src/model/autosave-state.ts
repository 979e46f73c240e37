// The logic of a text field that saves as the person types, as a pure state machine driven by
// events (input, IME composition, writes started/succeeded/failed, values read back from the
// database). The field belongs to the person typing: what is on screen is never replaced by an
// older value or by the echo of the field's own write. Writes never overlap and compare and set
// (a write finds the base it expects stored or changes nothing). Reads come one after another,
// so none returns an older value than the one before, and each says how many of the field's
// writes had ended when it started: a read that overlapped one of them may predate its commit
// and is left for the read that follows it, while any other value that differs from the base is
// a change made elsewhere (a revert to an earlier text included), merged three-way into the
// person's text (mergeText). Nothing is written or replaced while an IME composition is open.
import { diffChars } from 'diff';
import { mergeText } from './text-merge';

export interface Write {
  /** The local edit (sequence number) whose text the write carries. */
  seq: number;
  value: string;
  /**
   * The value the write expects to replace: a write that finds another one stored (written
   * elsewhere, not yet read back here) fails as stale instead of overwriting it unseen.
   */
  base: string;
  /**
   * What the person's text grew from when a change made elsewhere overlapped it (see
   * AutosaveState.ancestor): sent as the change's base, so the server keeps both as a 競合.
   */
  ancestor?: string;
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
  /** How many of the field's writes have ended (stored, stale or failed): a read names the count it started at. */
  writesEnded: number;
  /**
   * A change from elsewhere that arrived mid-composition, merged at compositionend against the
   * base it came in on (`base` moved on to it at once, so a write after compositionend counts right).
   */
  pendingForeign: { base: string; value: string } | null;
  /** The highest local edit that is stored. */
  savedSeq: number;
  /** The last write failed (message); no new write starts until the next edit or a retry. */
  error: string | null;
  /** A write found another value stored: the next write waits until a read says which. */
  awaitingRead: boolean;
  /** Bumped each time the field replaced the on-screen text (a merge): the UI then maps the caret. */
  replaced: number;
  /** Changes from elsewhere that overlapped the person's and were not merged (their text stayed). */
  conflicts: number;
  /**
   * Set when a change from elsewhere overlapped the person's unsaved text: the value their text
   * grew from. The next write carries it, so the server sees the person's edit against what it
   * was made on and keeps both as a 競合 naming both people, instead of the person's text
   * silently replacing the other's (whose value is the local base by then).
   */
  ancestor: string | null;
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
  /** The stored value, read by a read that started when `after` (writesEnded) of the field's writes had ended. */
  | { type: 'readBack'; value: string; after: number }
  | { type: 'retry' };

export function initialAutosave(stored: string): AutosaveState {
  return {
    text: stored,
    seq: 0,
    composing: false,
    base: stored,
    inFlight: null,
    writesEnded: 0,
    pendingForeign: null,
    savedSeq: 0,
    error: null,
    awaitingRead: false,
    replaced: 0,
    conflicts: 0,
    ancestor: null,
  };
}

/** The write to start now, or null: none while composing, while one runs, after a failure, or with nothing new. */
export function nextWrite(s: AutosaveState): Write | null {
  if (s.composing || s.inFlight || s.error !== null || s.awaitingRead) return null;
  return isDirty(s) ? writeOf(s) : null;
}

/**
 * The write to start when the page is going away (pagehide, an app update): as nextWrite, but
 * mid-composition and after a failure too, since there is no later moment.
 */
export function finalWrite(s: AutosaveState): Write | null {
  if (s.inFlight) return null;
  return isDirty(s) ? writeOf(s) : null;
}

function writeOf(s: AutosaveState): Write {
  return { seq: s.seq, value: s.text, base: s.base, ...(s.ancestor !== null ? { ancestor: s.ancestor } : {}) };
}

/** The screen holds an edit that is not stored yet. */
export function isDirty(s: AutosaveState): boolean {
  return s.text !== s.base;
}

export function autosaveReducer(s: AutosaveState, e: AutosaveEvent): AutosaveState {
  const next = step(s, e);
  // Back at what is stored (the person undid their words, or a merge took them in): no longer
  // an edit made on another text, so no 競合 is to be made of the next one.
  return next.ancestor !== null && next.inFlight === null && next.text === next.base ? { ...next, ancestor: null } : next;
}

function step(s: AutosaveState, e: AutosaveEvent): AutosaveState {
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
      return { ...s, inFlight: e.write };
    case 'writeSucceeded':
      if (s.inFlight?.seq !== e.write.seq) return s;
      // The write found its base stored and replaced it; no read was taken meanwhile, so the
      // base is still the one the write carried.
      // A write that carried the ancestor told the server: later edits build on this value.
      return {
        ...s,
        inFlight: null,
        writesEnded: s.writesEnded + 1,
        savedSeq: Math.max(s.savedSeq, e.write.seq),
        base: e.write.value,
        ancestor: e.write.ancestor === undefined ? s.ancestor : null,
      };
    case 'writeFailed':
      if (s.inFlight?.seq !== e.write.seq) return s;
      return { ...s, inFlight: null, writesEnded: s.writesEnded + 1, error: e.message };
    case 'writeStale':
      if (s.inFlight?.seq !== e.write.seq) return s;
      return { ...s, inFlight: null, writesEnded: s.writesEnded + 1, awaitingRead: true };
    case 'retry':
      return { ...s, error: null };
    case 'readBack':
      // A read during one of the field's writes may have started before that write committed:
      // what it says is older than the write's end, and the read after it will say what is
      // stored now.
      if (s.inFlight || e.after !== s.writesEnded) return s;
      return readBack({ ...s, awaitingRead: false }, e.value);
  }
}

/** What is stored after every write of this field ended: the base itself, or a change made elsewhere. */
function readBack(s: AutosaveState, value: string): AutosaveState {
  if (value === s.base) return s;
  const adopted = { ...s, base: value };
  if (s.composing) return { ...adopted, pendingForeign: { base: s.pendingForeign?.base ?? s.base, value } };
  return mergeIntoScreen(adopted, s.base, value);
}

/** A value written elsewhere (already the new base): merged into the person's text; on a conflict their text stays. */
function mergeIntoScreen(s: AutosaveState, base: string, value: string): AutosaveState {
  const merged = mergeText(base, s.text, value);
  if (merged.kind === 'conflict') return { ...s, conflicts: s.conflicts + 1, ancestor: s.ancestor ?? base };
  if (merged.text === s.text) return s;
  // The merged text differs from the stored one when the person had edits of their own: those
  // still wait to be written, now on top of the other's.
  return { ...s, text: merged.text, seq: s.seq + 1, replaced: s.replaced + 1 };
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
