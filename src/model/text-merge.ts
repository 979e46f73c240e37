// Three-way merge of a free text (実施状況, 今後の実施予定等, …): the base both sides started from,
// "ours" and "theirs". Changes to different parts of the text both survive; changes that touch
// the same characters (or insert at the same place) are a conflict for a person to resolve. One
// pure function, so the server, the client's rebase of pending edits and the field on screen
// all reach the same text, whichever side is "ours".
//
// jsdiff's Myers diff (cost grows with the size of the edit, not of the text) gives each side's
// changes against the base as hunks; the merge is the diff3 rule on those hunks. It works on
// code points, so an edit inside a paragraph merges with another elsewhere in it and a
// surrogate pair is never split. Edits too large for that fall back to lines, then give up.
// Each side's hunks are first joined across short unchanged runs (diff-match-patch's semantic
// rule): a word replaced by one that happens to share a character is one change, so an edit of
// the other side inside it conflicts instead of interleaving the two words character by character.
import { diffArrays } from 'diff';

export type TextMergeResult = { kind: 'merged'; text: string } | { kind: 'conflict' };

/** Most tokens one side may have changed before the diff gives up (then lines; then a conflict). */
export const MAX_EDIT_TOKENS = 1_000;

/** One side's change against the base: base tokens [start, end) became `insert`. */
interface Hunk {
  start: number;
  end: number;
  insert: string[];
}

export function mergeText(base: string, ours: string, theirs: string): TextMergeResult {
  if (ours === theirs || theirs === base) return { kind: 'merged', text: ours };
  if (ours === base) return { kind: 'merged', text: theirs };
  // What all three share at the start and at the end neither side changed: the diffs only need
  // the middle (a typical edit of a 20,000-character text is then a few hundred characters).
  const head = sharedHead(base, ours, theirs);
  const tail = sharedTail(base.slice(head), ours.slice(head), theirs.slice(head));
  const merged = mergeMiddles(base.slice(head, base.length - tail), ours.slice(head, ours.length - tail), theirs.slice(head, theirs.length - tail));
  return merged.kind === 'merged' ? { kind: 'merged', text: base.slice(0, head) + merged.text + base.slice(base.length - tail) } : merged;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** Length of the start the three texts share, never ending inside a surrogate pair. */
function sharedHead(a: string, b: string, c: string): number {
  const max = Math.min(a.length, b.length, c.length);
  let n = 0;
  while (n < max && a.charCodeAt(n) === b.charCodeAt(n) && a.charCodeAt(n) === c.charCodeAt(n)) n++;
  return n > 0 && isHighSurrogate(a.charCodeAt(n - 1)) ? n - 1 : n;
}

/** Length of the end the three texts share, never starting inside a surrogate pair. */
function sharedTail(a: string, b: string, c: string): number {
  const max = Math.min(a.length, b.length, c.length);
  let n = 0;
  while (n < max && a.charCodeAt(a.length - 1 - n) === b.charCodeAt(b.length - 1 - n) && a.charCodeAt(a.length - 1 - n) === c.charCodeAt(c.length - 1 - n)) n++;
  return n > 0 && isLowSurrogate(a.charCodeAt(a.length - n)) ? n - 1 : n;
}

function mergeMiddles(base: string, ours: string, theirs: string): TextMergeResult {
  for (const tokenize of [codePoints, lines]) {
    const o = tokenize(base);
    const a = hunksOf(o, tokenize(ours));
    const b = hunksOf(o, tokenize(theirs));
    if (a && b) {
      const merged = mergeHunks(o, a, b);
      return merged === null ? { kind: 'conflict' } : { kind: 'merged', text: merged };
    }
  }
  return { kind: 'conflict' };
}

function codePoints(text: string): string[] {
  return Array.from(text);
}

/** Lines with their line breaks, so joining them gives the text back. */
function lines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** The hunks that turn `base` into `other`, or null when the edit is too large to diff. */
function hunksOf(base: string[], other: string[]): Hunk[] | null {
  const changes = diffArrays(base, other, { maxEditLength: MAX_EDIT_TOKENS });
  if (!changes) return null;
  const hunks: Hunk[] = [];
  let pos = 0;
  let open: Hunk | null = null;
  for (const c of changes) {
    if (!c.added && !c.removed) {
      pos += c.count;
      open = null;
      continue;
    }
    if (!open) {
      open = { start: pos, end: pos, insert: [] };
      hunks.push(open);
    }
    if (c.removed) {
      open.end += c.count;
      pos += c.count;
    } else {
      open.insert.push(...c.value);
    }
  }
  return joinAcrossShortRuns(base, hunks);
}

/** How much a hunk changes: the larger of what it removes and what it inserts. */
function sizeOf(h: Hunk): number {
  return Math.max(h.end - h.start, h.insert.length);
}

/**
 * Joins neighbouring hunks when the unchanged run between them is no longer than the change on
 * either side of it (the run is then rewritten with them), until no run qualifies.
 */
function joinAcrossShortRuns(base: string[], hunks: Hunk[]): Hunk[] {
  let joined = hunks;
  for (let changed = true; changed; ) {
    changed = false;
    const out: Hunk[] = [];
    for (const h of joined) {
      const prev = out[out.length - 1];
      const gap = prev ? h.start - prev.end : Infinity;
      if (prev && gap <= sizeOf(prev) && gap <= sizeOf(h)) {
        out[out.length - 1] = { start: prev.start, end: h.end, insert: [...prev.insert, ...base.slice(prev.end, h.start), ...h.insert] };
        changed = true;
      } else out.push(h);
    }
    joined = out;
  }
  return joined;
}

function sameHunk(x: Hunk, y: Hunk): boolean {
  return x.start === y.start && x.end === y.end && x.insert.join('') === y.insert.join('');
}

/** Whether two hunks of different sides touch the same base tokens or insert at one place. */
function collide(x: Hunk, y: Hunk): boolean {
  if (x.start === x.end && y.start === y.end) return x.start === y.start;
  if (x.start === x.end) return y.start < x.start && x.start < y.end;
  if (y.start === y.end) return x.start < y.start && y.start < x.end;
  return x.start < y.end && y.start < x.end;
}

function mergeHunks(base: string[], a: Hunk[], b: Hunk[]): string | null {
  const fromB = b.filter((y) => !a.some((x) => sameHunk(x, y)));
  for (const x of a) if (fromB.some((y) => collide(x, y))) return null;
  // At one base position an insertion goes before a replacement, whichever side made it.
  const all = [...a, ...fromB].sort((x, y) => x.start - y.start || x.end - x.start - (y.end - y.start));
  const out: string[] = [];
  let pos = 0;
  for (const h of all) {
    out.push(...base.slice(pos, h.start), ...h.insert);
    pos = h.end;
  }
  out.push(...base.slice(pos));
  return out.join('');
}
