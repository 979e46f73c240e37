// Year-over-year comparison (前年度比較) of two plans of one branch, as seed 001 sets 令和5年度
// beside 令和4年度: which sections, items and KPIs carry over, which were reworded (with a
// character diff to highlight), which are new and which were dropped, and how KPI targets moved.
// Ids say nothing across years (each year's plan is imported on its own), so matching is by text:
// character-bigram Dice on normalized text, helped by the section an element sits in and its
// label path, assigned greedily best-first. Pure; handles two 1,000-item plans well under a second.
import { describeTarget } from './kpi-judgement';
import { kpisInPlanOrder } from './kpi-order';
import { buildTree, type TreeNode } from './plan-tree';
import type { Item, Kpi, KpiTarget, Section } from './schemas';

/** The records of one plan that are compared (deleted ones are ignored). */
export interface ComparablePlan {
  sections: readonly Section[];
  items: readonly Item[];
  kpis: readonly Kpi[];
}

export interface DiffSegment {
  kind: 'same' | 'added' | 'removed';
  text: string;
}

export type ItemStatus = 'same' | 'reworded' | 'added' | 'dropped';
export type SectionStatus = 'same' | 'renamed' | 'added' | 'dropped';
export type KpiStatus = 'same' | 'changed' | 'added' | 'dropped';
export type TargetChange = 'kind' | 'value' | 'direction' | 'text' | 'unit' | 'baseline';

export interface ItemComparison {
  status: ItemStatus;
  current: Item | null;
  previous: Item | null;
  /** Labels from the pillar down: ["（2）", "○", "ⅰ）", "（１）", "①"]. */
  currentPath: string[] | null;
  previousPath: string[] | null;
  /** Bigram Dice of the normalized texts (1 = same wording), for a matched pair. */
  similarity: number | null;
  /** previous → current wording, for 'reworded'. */
  diff: DiffSegment[] | null;
  /** Now under a section other than the counterpart of the one it was under. */
  moved: boolean;
  labelChanged: boolean;
  groupChanged: boolean;
  tagsAdded: string[];
  tagsRemoved: string[];
}

export interface SectionComparison {
  status: SectionStatus;
  current: Section | null;
  previous: Section | null;
  currentPath: string[] | null;
  previousPath: string[] | null;
  similarity: number | null;
  /** previous → current title, for 'renamed'. */
  diff: DiffSegment[] | null;
  /** Now under a parent other than the counterpart of its old parent. */
  moved: boolean;
}

export interface KpiComparison {
  /** 'changed': renamed, or the target changed other than in its baseline (前年度の値). */
  status: KpiStatus;
  current: Kpi | null;
  previous: Kpi | null;
  similarity: number | null;
  nameDiff: DiffSegment[] | null;
  targetChanges: TargetChange[];
  /** "96%以上", "対前年度以上": the targets as people read them. */
  currentTarget: string | null;
  previousTarget: string | null;
}

export interface PlanComparison {
  /** This year's tree order (pre-order); dropped sections after their previous neighbour's counterpart. */
  sections: SectionComparison[];
  /** This year's tree order; dropped items after their previous neighbour, or at the end of their section. */
  items: ItemComparison[];
  /** This year's KPI order; dropped KPIs after their previous neighbour's counterpart. */
  kpis: KpiComparison[];
  counts: {
    sections: Record<SectionStatus, number>;
    items: Record<ItemStatus, number>;
    kpis: Record<KpiStatus, number>;
  };
}

// ---------------------------------------------------------------------------------------------
// Text normalization and similarity

/**
 * Folds what differs between two typings of the same words: width (ＫＰＩ, （１）), case,
 * whitespace and line breaks, and 〇 (U+3007) for ○, which the seeds use interchangeably.
 */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/\u3007/g, '○')
    .replace(/\s+/g, '')
    .toLowerCase();
}

function foldChar(ch: string): string {
  return ch
    .normalize('NFKC')
    .replace(/\u3007/g, '○')
    .toLowerCase();
}

/** Ids of the character bigrams of a normalized text (the text itself when shorter), sorted and unique. */
class GramTable {
  private readonly ids = new Map<number, number>();

  grams(normalized: string): Int32Array {
    const out = new Set<number>();
    // UTF-16 code units, as numbers: a character outside the BMP becomes two halves, which still
    // compare consistently, and numeric keys keep this the fast path it needs to be.
    if (normalized.length === 1) out.add(this.id(-1 - normalized.charCodeAt(0)));
    for (let i = 0; i + 1 < normalized.length; i++) out.add(this.id(normalized.charCodeAt(i) * 65536 + normalized.charCodeAt(i + 1)));
    return Int32Array.from(out).sort();
  }

  private id(gram: number): number {
    let id = this.ids.get(gram);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(gram, id);
    }
    return id;
  }
}

function dice(a: Int32Array, b: Int32Array): number {
  if (a.length === 0 || b.length === 0) return 0;
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < a.length && j < b.length) {
    if (a[i]! === b[j]!) {
      common++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return (2 * common) / (a.length + b.length);
}

/** Bigram Dice of two texts after normalizeText: 1 for the same wording, 0 for nothing in common. */
export function textSimilarity(a: string, b: string): number {
  const table = new GramTable();
  return dice(table.grams(normalizeText(a)), table.grams(normalizeText(b)));
}

// ---------------------------------------------------------------------------------------------
// Character diff (Myers), for highlighting

/** Beyond this many edits a diff is not worth reading: the texts are shown as replaced. */
const MAX_EDITS = 2000;

type Op = 0 | 1 | 2; // same, added, removed

function myers(a: readonly string[], b: readonly string[]): Op[] | null {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d] holds v for k in [-d-1, d+1] before step d, enough to walk back.
  const trace: Int32Array[] = [];
  for (let d = 0; d <= Math.min(max, MAX_EDITS); d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, n, m);
    }
  }
  return null;
}

function backtrack(trace: readonly Int32Array[], n: number, m: number): Op[] {
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const v = trace[d]!;
    const at = (k: number) => v[k + d + 1]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push(0);
      x--;
      y--;
    }
    if (d > 0) ops.push(x === prevX ? 1 : 2);
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}

/**
 * The character diff of `before` → `after` as segments to highlight: same / removed / added, a
 * removed segment always before the added one it is replaced by. Characters are compared after
 * folding width and case, and the text shown is `after`'s for same segments. A single common
 * character between two changes (a lone の) is folded into the change, which reads better.
 */
export function diffText(before: string, after: string): DiffSegment[] {
  const a = [...before];
  const b = [...after];
  const fa = a.map(foldChar);
  const fb = b.map(foldChar);
  let start = 0;
  while (start < a.length && start < b.length && fa[start] === fb[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && fa[endA - 1] === fb[endB - 1]) {
    endA--;
    endB--;
  }
  const middle = myers(fa.slice(start, endA), fb.slice(start, endB));
  const ops: Op[] = [
    ...Array<Op>(start).fill(0),
    ...(middle ?? [...Array<Op>(endA - start).fill(2), ...Array<Op>(endB - start).fill(1)]),
    ...Array<Op>(a.length - endA).fill(0),
  ];

  // Runs of one kind, with the text they cover.
  const runs: DiffSegment[] = [];
  let i = 0;
  let j = 0;
  for (const op of ops) {
    const kind = op === 0 ? 'same' : op === 1 ? 'added' : 'removed';
    const ch = op === 2 ? a[i]! : b[j]!;
    if (op !== 1) i++;
    if (op !== 2) j++;
    const last = runs[runs.length - 1];
    if (last && last.kind === kind) last.text += ch;
    else runs.push({ kind, text: ch });
  }
  // Between two unchanged stretches: everything removed, then everything added.
  const out: DiffSegment[] = [];
  let removed = '';
  let added = '';
  const flush = () => {
    if (removed) out.push({ kind: 'removed', text: removed });
    if (added) out.push({ kind: 'added', text: added });
    removed = '';
    added = '';
  };
  runs.forEach((run, r) => {
    const lone = run.kind === 'same' && [...run.text].length === 1 && r > 0 && r < runs.length - 1;
    if (run.kind === 'removed') removed += run.text;
    else if (run.kind === 'added') added += run.text;
    else if (lone) {
      removed += run.text;
      added += run.text;
    } else {
      flush();
      out.push({ kind: 'same', text: run.text });
    }
  });
  flush();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Matching

interface Candidate {
  /** Normalized text (item text, section title, KPI name). */
  norm: string;
  grams: Int32Array;
  /** Normalized label path. */
  label: string;
  /** Index of the enclosing section in its plan's section list; -1 for none. */
  context: number;
}

/** Accepted anywhere in the plan; below it only within the same (matched) section. */
const MATCH_ANYWHERE = 0.5;
const MATCH_IN_SECTION = 0.3;
/** How many candidates per element get an exact score: the ones sharing the most rare bigrams. */
const CANDIDATES = 24;

interface Match {
  previous: number;
  similarity: number;
}

/**
 * Greedy best-first assignment of current to previous elements. Candidates come from an inverted
 * index of the previous elements' bigrams (leaving out bigrams common to many of them, which
 * would make it quadratic) plus exact equals; each is scored
 *   text Dice + 0.2 × context + 0.1 × (same label path),
 * context being 1 when the enclosing sections are counterparts, else the Dice of their title paths.
 */
function matchAll(current: readonly Candidate[], previous: readonly Candidate[], contextSimilarity: (cur: number, prev: number) => number): Map<number, Match> {
  const frequent = Math.max(64, Math.ceil(previous.length * 0.1));
  const postings = new Map<number, number[]>();
  const exact = new Map<string, number[]>();
  previous.forEach((p, index) => {
    for (const g of p.grams) {
      let list = postings.get(g);
      if (!list) {
        list = [];
        postings.set(g, list);
      }
      list.push(index);
    }
    if (p.norm) {
      const same = exact.get(p.norm);
      if (same) same.push(index);
      else exact.set(p.norm, [index]);
    }
  });
  const counts = new Int32Array(previous.length);
  const pairs: { cur: number; prev: number; score: number; similarity: number }[] = [];
  current.forEach((c, cur) => {
    const touched: number[] = [];
    for (const g of c.grams) {
      const list = postings.get(g);
      if (!list || list.length > frequent) continue;
      for (const p of list) {
        if (counts[p] === 0) touched.push(p);
        counts[p] = counts[p]! + 1;
      }
    }
    // The top CANDIDATES by count (then index), kept sorted by insertion: cheaper than sorting all.
    const top: number[] = [];
    const before = (x: number, y: number) => counts[x]! > counts[y]! || (counts[x] === counts[y] && x < y);
    for (const p of touched) {
      if (top.length === CANDIDATES) {
        if (!before(p, top[CANDIDATES - 1]!)) continue;
        top.pop();
      }
      let at = top.length;
      while (at > 0 && before(p, top[at - 1]!)) at--;
      top.splice(at, 0, p);
    }
    const chosen = new Set([...top, ...(exact.get(c.norm) ?? [])]);
    for (const p of touched) counts[p] = 0;
    for (const prev of chosen) {
      const similarity = dice(c.grams, previous[prev]!.grams);
      const context = contextSimilarity(c.context, previous[prev]!.context);
      if (similarity < MATCH_IN_SECTION || (similarity < MATCH_ANYWHERE && context < 1)) continue;
      const score = similarity + 0.2 * context + (c.label === previous[prev]!.label ? 0.1 : 0);
      pairs.push({ cur, prev, score, similarity });
    }
  });
  pairs.sort((x, y) => y.score - x.score || x.cur - y.cur || x.prev - y.prev);
  const matches = new Map<number, Match>();
  const taken = new Set<number>();
  for (const { cur, prev, similarity } of pairs) {
    if (matches.has(cur) || taken.has(prev)) continue;
    matches.set(cur, { previous: prev, similarity });
    taken.add(prev);
  }
  return matches;
}

// ---------------------------------------------------------------------------------------------
// The plans as flat lists in tree order

interface FlatSection {
  section: Section;
  parent: number;
  path: string[];
  /** Normalized labels from the pillar down. */
  labels: string;
  /** Normalized titles from the pillar down, for context. */
  titles: string;
}

interface FlatItem {
  item: Item;
  section: number;
  path: string[];
  labels: string;
}

interface Flat {
  sections: FlatSection[];
  items: FlatItem[];
  kpis: Kpi[];
  /** Section index → its items' indexes, in order. */
  itemsOf: number[][];
}

function flatten(plan: ComparablePlan): Flat {
  const sections: FlatSection[] = [];
  const items: FlatItem[] = [];
  const itemsOf: number[][] = [];
  const visit = (node: TreeNode, parent: number) => {
    const up = sections[parent];
    const index = sections.length;
    sections.push({
      section: node.section,
      parent,
      path: [...(up?.path ?? []), node.section.label],
      labels: `${up ? `${up.labels}/` : ''}${normalizeText(node.section.label)}`,
      titles: `${up ? `${up.titles}/` : ''}${normalizeText(node.section.title)}`,
    });
    itemsOf.push([]);
    for (const item of node.items) {
      itemsOf[index]!.push(items.length);
      const own = sections[index]!;
      items.push({ item, section: index, path: [...own.path, item.label], labels: `${own.labels}/${normalizeText(item.label)}` });
    }
    for (const child of node.children) visit(child, index);
  };
  for (const root of buildTree(plan.sections, plan.items)) visit(root, -1);
  return { sections, items, kpis: kpisInPlanOrder(plan.sections, plan.kpis), itemsOf };
}

// ---------------------------------------------------------------------------------------------
// Comparison

function tagDiff(a: readonly string[], b: readonly string[]): { added: string[]; removed: string[] } {
  return { added: a.filter((t) => !b.includes(t)), removed: b.filter((t) => !a.includes(t)) };
}

function targetChanges(current: Kpi, previous: Kpi): TargetChange[] {
  const a: KpiTarget = current.target;
  const b: KpiTarget = previous.target;
  const out: TargetChange[] = [];
  if (a.kind !== b.kind) out.push('kind');
  else if (a.kind === 'value' && b.kind === 'value') {
    if (a.value !== b.value) out.push('value');
    if (a.direction !== b.direction) out.push('direction');
  } else if (a.kind === 'previousYear' && b.kind === 'previousYear') {
    if (a.direction !== b.direction) out.push('direction');
    if (a.previousValue !== b.previousValue) out.push('baseline');
  } else if (a.kind === 'qualitative' && b.kind === 'qualitative' && normalizeText(a.text) !== normalizeText(b.text)) out.push('text');
  if (normalizeText(current.unit) !== normalizeText(previous.unit)) out.push('unit');
  return out;
}

/** The counterpart of the nearest element before `index` in `order` that has one. */
function nearestMatchedBefore(order: readonly number[], index: number, counterpart: (prev: number) => number | undefined): number | undefined {
  for (let k = index - 1; k >= 0; k--) {
    const c = counterpart(order[k]!);
    if (c !== undefined) return c;
  }
  return undefined;
}

function countBy<S extends string>(rows: readonly { status: S }[], statuses: readonly S[]): Record<S, number> {
  const out = Object.fromEntries(statuses.map((s) => [s, 0])) as Record<S, number>;
  for (const r of rows) out[r.status]++;
  return out;
}

/** Compares this year's plan (`current`) with last year's (`previous`). */
export function comparePlans(current: ComparablePlan, previous: ComparablePlan): PlanComparison {
  const cur = flatten(current);
  const prev = flatten(previous);
  const table = new GramTable();

  // Sections first: their matches are the context items and KPIs are matched in.
  const sectionCandidates = (flat: Flat): Candidate[] =>
    flat.sections.map((s) => {
      const norm = normalizeText(s.section.title);
      return { norm, grams: table.grams(norm), label: s.labels, context: s.parent };
    });
  const titleGrams = new Map<string, Int32Array>();
  const titlesOf = (titles: string) => {
    let g = titleGrams.get(titles);
    if (!g) {
      g = table.grams(titles);
      titleGrams.set(titles, g);
    }
    return g;
  };
  const titleSimilarity = (c: number, p: number) =>
    c < 0 && p < 0 ? 1 : c < 0 || p < 0 ? 0 : dice(titlesOf(cur.sections[c]!.titles), titlesOf(prev.sections[p]!.titles));
  // A pillar's context is the plan itself; deeper sections' is their parent's title path.
  const curSections = sectionCandidates(cur);
  const prevSections = sectionCandidates(prev);
  const sectionMatches = matchAll(curSections, prevSections, titleSimilarity);
  const sectionCounterpart = new Map<number, number>();
  for (const [c, m] of sectionMatches) sectionCounterpart.set(m.previous, c);
  const contextSimilarity = (c: number, p: number) => (c >= 0 && p >= 0 && sectionCounterpart.get(p) === c ? 1 : titleSimilarity(c, p));

  const itemCandidates = (flat: Flat): Candidate[] =>
    flat.items.map((i) => {
      const norm = normalizeText(i.item.text);
      return { norm, grams: table.grams(norm), label: i.labels, context: i.section };
    });
  const curItems = itemCandidates(cur);
  const prevItems = itemCandidates(prev);
  const itemMatches = matchAll(curItems, prevItems, contextSimilarity);
  const itemCounterpart = new Map<number, number>();
  for (const [c, m] of itemMatches) itemCounterpart.set(m.previous, c);

  const sectionIndex = (flat: Flat) => new Map(flat.sections.map((s, i) => [s.section.id, i]));
  const curSectionOf = sectionIndex(cur);
  const prevSectionOf = sectionIndex(prev);
  const kpiCandidates = (flat: Flat, index: Map<string, number>): Candidate[] =>
    flat.kpis.map((k) => {
      const norm = normalizeText(k.name);
      return { norm, grams: table.grams(norm), label: normalizeText(k.unit), context: k.sectionId === null ? -1 : (index.get(k.sectionId) ?? -1) };
    });
  const curKpis = kpiCandidates(cur, curSectionOf);
  const prevKpis = kpiCandidates(prev, prevSectionOf);
  const kpiMatches = matchAll(curKpis, prevKpis, contextSimilarity);
  const kpiCounterpart = new Map<number, number>();
  for (const [c, m] of kpiMatches) kpiCounterpart.set(m.previous, c);

  const prevSectionOrder = prev.sections.map((_, i) => i);
  const prevKpiOrder = prev.kpis.map((_, i) => i);

  // Sections, in this year's order with the dropped ones after their neighbours.
  const sectionRow = (c: number): SectionComparison => {
    const s = cur.sections[c]!;
    const m = sectionMatches.get(c);
    if (!m) return { status: 'added', current: s.section, previous: null, currentPath: s.path, previousPath: null, similarity: null, diff: null, moved: false };
    const p = prev.sections[m.previous]!;
    const renamed = curSections[c]!.norm !== prevSections[m.previous]!.norm;
    const moved = p.parent >= 0 ? sectionCounterpart.get(p.parent) !== s.parent : s.parent >= 0;
    return {
      status: renamed ? 'renamed' : 'same',
      current: s.section,
      previous: p.section,
      currentPath: s.path,
      previousPath: p.path,
      similarity: m.similarity,
      diff: renamed ? diffText(p.section.title, s.section.title) : null,
      moved,
    };
  };
  const droppedSection = (p: number): SectionComparison => {
    const s = prev.sections[p]!;
    return { status: 'dropped', current: null, previous: s.section, currentPath: null, previousPath: s.path, similarity: null, diff: null, moved: false };
  };
  const sections = interleave(
    cur.sections.length,
    prev.sections.length,
    (p) => sectionCounterpart.get(p),
    (p) => nearestMatchedBefore(prevSectionOrder, p, (q) => sectionCounterpart.get(q)),
    sectionRow,
    droppedSection,
  );

  // Items: a dropped item goes after the counterpart of the nearest earlier item of its section,
  // else at the end of its section's counterpart, else after the nearest earlier matched item.
  const itemRow = (c: number): ItemComparison => {
    const i = cur.items[c]!;
    const m = itemMatches.get(c);
    if (!m)
      return {
        status: 'added',
        current: i.item,
        previous: null,
        currentPath: i.path,
        previousPath: null,
        similarity: null,
        diff: null,
        moved: false,
        labelChanged: false,
        groupChanged: false,
        tagsAdded: [],
        tagsRemoved: [],
      };
    const p = prev.items[m.previous]!;
    const reworded = curItems[c]!.norm !== prevItems[m.previous]!.norm;
    const tags = tagDiff(i.item.tags, p.item.tags);
    return {
      status: reworded ? 'reworded' : 'same',
      current: i.item,
      previous: p.item,
      currentPath: i.path,
      previousPath: p.path,
      similarity: m.similarity,
      diff: reworded ? diffText(p.item.text, i.item.text) : null,
      moved: sectionCounterpart.get(p.section) !== i.section,
      labelChanged: normalizeText(i.item.label) !== normalizeText(p.item.label),
      groupChanged: i.item.group !== p.item.group,
      tagsAdded: tags.added,
      tagsRemoved: tags.removed,
    };
  };
  const droppedItem = (p: number): ItemComparison => {
    const i = prev.items[p]!;
    return {
      status: 'dropped',
      current: null,
      previous: i.item,
      currentPath: null,
      previousPath: i.path,
      similarity: null,
      diff: null,
      moved: false,
      labelChanged: false,
      groupChanged: false,
      tagsAdded: [],
      tagsRemoved: [],
    };
  };
  const prevItemOrder = prev.items.map((_, i) => i);
  const itemAnchor = (p: number): number | 'start' | { endOf: number } => {
    const siblings = prev.itemsOf[prev.items[p]!.section]!;
    const inSection = nearestMatchedBefore(siblings, siblings.indexOf(p), (q) => itemCounterpart.get(q));
    if (inSection !== undefined) return inSection;
    const section = sectionCounterpart.get(prev.items[p]!.section);
    if (section !== undefined) return { endOf: section };
    return nearestMatchedBefore(prevItemOrder, p, (q) => itemCounterpart.get(q)) ?? 'start';
  };
  const afterItem = new Map<number, number[]>();
  const atEndOf = new Map<number, number[]>();
  const atStart: number[] = [];
  for (let p = 0; p < prev.items.length; p++) {
    if (itemCounterpart.has(p)) continue;
    const anchor = itemAnchor(p);
    const list = anchor === 'start' ? atStart : typeof anchor === 'number' ? getOrAdd(afterItem, anchor) : getOrAdd(atEndOf, anchor.endOf);
    list.push(p);
  }
  const items: ItemComparison[] = atStart.map(droppedItem);
  cur.itemsOf.forEach((own, s) => {
    for (const c of own) items.push(itemRow(c), ...(afterItem.get(c) ?? []).map(droppedItem));
    items.push(...(atEndOf.get(s) ?? []).map(droppedItem));
  });

  const kpiRow = (c: number): KpiComparison => {
    const k = cur.kpis[c]!;
    const m = kpiMatches.get(c);
    if (!m)
      return {
        status: 'added',
        current: k,
        previous: null,
        similarity: null,
        nameDiff: null,
        targetChanges: [],
        currentTarget: describeTarget(k.target, k.unit),
        previousTarget: null,
      };
    const p = prev.kpis[m.previous]!;
    const renamed = curKpis[c]!.norm !== prevKpis[m.previous]!.norm;
    const changes = targetChanges(k, p);
    return {
      status: renamed || changes.some((x) => x !== 'baseline') ? 'changed' : 'same',
      current: k,
      previous: p,
      similarity: m.similarity,
      nameDiff: renamed ? diffText(p.name, k.name) : null,
      targetChanges: changes,
      currentTarget: describeTarget(k.target, k.unit),
      previousTarget: describeTarget(p.target, p.unit),
    };
  };
  const droppedKpi = (p: number): KpiComparison => {
    const k = prev.kpis[p]!;
    return {
      status: 'dropped',
      current: null,
      previous: k,
      similarity: null,
      nameDiff: null,
      targetChanges: [],
      currentTarget: null,
      previousTarget: describeTarget(k.target, k.unit),
    };
  };
  const kpis = interleave(
    cur.kpis.length,
    prev.kpis.length,
    (p) => kpiCounterpart.get(p),
    (p) => nearestMatchedBefore(prevKpiOrder, p, (q) => kpiCounterpart.get(q)),
    kpiRow,
    droppedKpi,
  );

  return {
    sections,
    items,
    kpis,
    counts: {
      sections: countBy(sections, ['same', 'renamed', 'added', 'dropped']),
      items: countBy(items, ['same', 'reworded', 'added', 'dropped']),
      kpis: countBy(kpis, ['same', 'changed', 'added', 'dropped']),
    },
  };
}

function getOrAdd<K, V>(map: Map<K, V[]>, key: K): V[] {
  let list = map.get(key);
  if (!list) {
    list = [];
    map.set(key, list);
  }
  return list;
}

/** Current rows in order, each unmatched previous one after the current row its anchor names (or first). */
function interleave<R>(
  currentCount: number,
  previousCount: number,
  counterpart: (prev: number) => number | undefined,
  anchor: (prev: number) => number | undefined,
  row: (cur: number) => R,
  dropped: (prev: number) => R,
): R[] {
  const after = new Map<number, number[]>();
  const first: number[] = [];
  for (let p = 0; p < previousCount; p++) {
    if (counterpart(p) !== undefined) continue;
    const a = anchor(p);
    (a === undefined ? first : getOrAdd(after, a)).push(p);
  }
  const out = first.map(dropped);
  for (let c = 0; c < currentCount; c++) out.push(row(c), ...(after.get(c) ?? []).map(dropped));
  return out;
}
