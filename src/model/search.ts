// Search over a plan: items (label, text, owning group, this period's 実施状況 and 今後の実施予定等,
// their notes) and KPI names. Texts are normalised (width, case,
// katakana → hiragana, spaces and punctuation dropped) and compared by character bigrams, so
// 「健康宣言」 finds 「健康企業宣言」; exact substrings rank first. The index is built once per data
// change; a keystroke only runs the query over its prepared texts.
import { filterItems, type ItemFilter } from './plan-tree';
import type { Evaluation, Item, Kpi, Note, Progress } from './schemas';

const KATAKANA_FIRST = 0x30a1;
const KATAKANA_LAST = 0x30f6;
const KATAKANA_ITERATION_FIRST = 0x30fd;
const KATAKANA_ITERATION_LAST = 0x30fe;
const KANA_OFFSET = 0x60;
const IGNORED_ALL = /[\s\p{P}]/gu;
const COMBINING_SOUND_MARK = /^[\u3099\u309a]/;

function foldKanaChar(code: number): number {
  return (code >= KATAKANA_FIRST && code <= KATAKANA_LAST) || (code >= KATAKANA_ITERATION_FIRST && code <= KATAKANA_ITERATION_LAST) ? code - KANA_OFFSET : code;
}

function foldKana(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += String.fromCharCode(foldKanaChar(text.charCodeAt(i)));
  return out;
}

/** What a search compares: NFKC (width), lower case, hiragana for katakana, no spaces or punctuation. */
export function normalizeForSearch(text: string): string {
  return foldKana(text.normalize('NFKC').toLowerCase()).replace(IGNORED_ALL, '');
}

/**
 * normalizeForSearch with, for each character of the result, the index in `text` it came from
 * (to show the matched words as written). Slower: used only for the few results on screen.
 */
export function normalizeWithOrigin(text: string): { text: string; origin: number[] } {
  let out = '';
  const origin: number[] = [];
  for (let i = 0; i < text.length; ) {
    const code = text.codePointAt(i)!;
    const width = code > 0xffff ? 2 : 1;
    const normal = foldKana(
      text
        .slice(i, i + width)
        .normalize('NFKC')
        .toLowerCase(),
    ).replace(IGNORED_ALL, '');
    // A half-width sound mark (ﾞ) becomes a combining one: it joins the kana before it (ｶﾞ → が).
    if (COMBINING_SOUND_MARK.test(normal) && out.length > 0) {
      const joined = (out.slice(-1) + normal).normalize('NFC');
      out = out.slice(0, -1) + joined;
      for (let k = 1; k < joined.length; k++) origin.push(i);
    } else {
      out += normal;
      for (let k = 0; k < normal.length; k++) origin.push(i);
    }
    i += width;
  }
  return { text: out, origin };
}

/** Share of a query's bigrams a text must hold (close together) to count as a match. */
const MIN_SHARE = 0.6;

interface Query {
  text: string;
  bigrams: string[];
  /** The span (in characters) the matching bigrams must fit in. */
  window: number;
}

/**
 * The longest query looked for, in normalised characters: a search costs (its bigrams) × (the
 * texts), so a pasted page would take half a second a keystroke; nobody types more to find an item.
 */
export const MAX_QUERY = 64;

function prepareQuery(query: string): Query | null {
  const text = normalizeForSearch(query).slice(0, MAX_QUERY);
  if (!text) return null;
  const bigrams = new Set<string>();
  for (let i = 0; i + 2 <= text.length; i++) bigrams.add(text.slice(i, i + 2));
  return { text, bigrams: [...bigrams], window: Math.max(text.length * 2, text.length + 2) };
}

interface FieldMatch {
  exact: boolean;
  /** 1 for an exact match; else the share of the query's bigrams found together. */
  score: number;
  start: number;
  end: number;
}

function matchText(text: string, q: Query): FieldMatch | null {
  const at = text.indexOf(q.text);
  if (at >= 0) return { exact: true, score: 1, start: at, end: at + q.text.length };
  // One or no bigram: only the exact text can match.
  if (q.bigrams.length < 2) return null;
  const needed = Math.ceil(q.bigrams.length * MIN_SHARE - 1e-9);
  let present = 0;
  for (const b of q.bigrams) if (text.includes(b)) present++;
  if (present < needed) return null;
  // Where each bigram occurs, in text order; then the window of `q.window` characters holding most of them.
  const hits: { at: number; bigram: number }[] = [];
  q.bigrams.forEach((b, bigram) => {
    for (let i = text.indexOf(b); i >= 0; i = text.indexOf(b, i + 1)) hits.push({ at: i, bigram });
  });
  hits.sort((a, b) => a.at - b.at);
  const counts = new Array<number>(q.bigrams.length).fill(0);
  let distinct = 0;
  let best: FieldMatch | null = null;
  for (let lo = 0, hi = 0; hi < hits.length; hi++) {
    if (counts[hits[hi]!.bigram]!++ === 0) distinct++;
    while (hits[hi]!.at + 2 - hits[lo]!.at > q.window) {
      if (--counts[hits[lo]!.bigram]! === 0) distinct--;
      lo++;
    }
    if (distinct >= needed && (!best || distinct / q.bigrams.length > best.score)) {
      best = { exact: false, score: distinct / q.bigrams.length, start: hits[lo]!.at, end: hits[hi]!.at + 2 };
    }
  }
  return best;
}

export type SearchFieldKind = 'item' | 'group' | 'done' | 'next' | 'note' | 'kpiName';

/** How a result says where it matched. */
export const SEARCH_FIELD_LABELS: Record<SearchFieldKind, string> = {
  item: '項目',
  group: '担当グループ',
  done: '実施状況',
  next: '今後の実施予定等',
  note: 'メモ',
  kpiName: 'KPI',
};

/** Among equally good matches, the item's own words first, notes last. */
const FIELD_RANK: Record<SearchFieldKind, number> = { kpiName: 0, item: 0, group: 1, done: 2, next: 3, note: 4 };

/**
 * The strings a note contributes to the search, each shown as メモ when it matches: its text (a
 * visit's 結果) and author, and a visit's employer (name and 事業所記号) and purposes. A removed
 * note contributes nothing.
 */
export function noteSearchTexts(note: Note): string[] {
  if (note.deleted === true) return [];
  const visit = note.visit ? [note.visit.employer, note.visit.employerCode ?? '', ...note.visit.purposes] : [];
  return [note.text, note.author, ...visit].filter((text) => text !== '');
}

interface IndexedField {
  doc: number;
  kind: SearchFieldKind;
  text: string;
  norm: string;
  /** A note's date, for the reason shown. */
  date?: string;
}

interface IndexedDoc {
  kind: 'item' | 'kpi';
  id: string;
  /** Plan order among docs of its kind. */
  order: number;
}

export interface SearchIndex {
  readonly docs: readonly IndexedDoc[];
  readonly fields: readonly IndexedField[];
}

export interface SearchInput {
  /** Live items in plan order. */
  items: readonly Item[];
  /** Owning groups by item id (groupsByItem); an item's own group when absent. */
  groups?: ReadonlyMap<string, readonly string[]>;
  /** Progress of the period shown. */
  progress: Iterable<Progress>;
  notes: readonly Note[];
  /** KPIs in plan order (deleted ones are skipped). */
  kpis?: readonly Kpi[];
}

export function buildSearchIndex(input: SearchInput): SearchIndex {
  const docs: IndexedDoc[] = [];
  const fields: IndexedField[] = [];
  const itemDoc = new Map<string, number>();
  const add = (doc: number, kind: SearchFieldKind, text: string, date?: string) => {
    const norm = normalizeForSearch(text);
    if (norm) fields.push(date === undefined ? { doc, kind, text, norm } : { doc, kind, text, norm, date });
  };
  input.items.forEach((item, order) => {
    const doc = docs.push({ kind: 'item', id: item.id, order }) - 1;
    itemDoc.set(item.id, doc);
    add(doc, 'item', `${item.label} ${item.text}`);
    add(doc, 'group', (input.groups?.get(item.id) ?? [item.group]).join('、'));
  });
  for (const p of input.progress) {
    const doc = itemDoc.get(p.itemId);
    if (doc === undefined) continue;
    add(doc, 'done', p.done);
    add(doc, 'next', p.next);
  }
  for (const n of input.notes) {
    const doc = itemDoc.get(n.itemId);
    if (doc === undefined) continue;
    for (const text of noteSearchTexts(n)) add(doc, 'note', text, n.date);
  }
  (input.kpis ?? [])
    .filter((k) => !k.deleted)
    .forEach((k, order) => {
      add(docs.push({ kind: 'kpi', id: k.id, order }) - 1, 'kpiName', k.name);
    });
  return { docs, fields };
}

export interface SearchHit {
  id: string;
  exact: boolean;
  score: number;
  /** The field it matched best in, as written, for the reason shown. */
  field: { kind: SearchFieldKind; text: string; date?: string };
}

export interface SearchResult {
  /** Matching items, best first. */
  items: SearchHit[];
  /** Matching KPIs, best first. */
  kpis: SearchHit[];
}

function better(a: FieldMatch & { kind: SearchFieldKind }, b: FieldMatch & { kind: SearchFieldKind }): boolean {
  if (a.exact !== b.exact) return a.exact;
  if (a.score !== b.score) return a.score > b.score;
  return FIELD_RANK[a.kind] < FIELD_RANK[b.kind];
}

/** The items and KPIs matching `query`, best first (exact before similar, then plan order); empty for an empty query. */
export function search(index: SearchIndex, query: string): SearchResult {
  const q = prepareQuery(query);
  if (!q) return { items: [], kpis: [] };
  // Each doc's best field, and how many of its fields match (more ranks higher among equals).
  const best = new Map<number, FieldMatch & { kind: SearchFieldKind; field: number; fields: number }>();
  index.fields.forEach((f, i) => {
    const m = matchText(f.norm, q);
    if (!m) return;
    const earlier = best.get(f.doc);
    const candidate = { ...m, kind: f.kind, field: i, fields: (earlier?.fields ?? 0) + 1 };
    if (!earlier || better(candidate, earlier)) best.set(f.doc, candidate);
    else earlier.fields++;
  });
  const ranked = [...best.entries()].sort(([da, a], [db, b]) => {
    if (a.exact !== b.exact) return a.exact ? -1 : 1;
    if (a.score !== b.score) return b.score - a.score;
    return FIELD_RANK[a.kind] - FIELD_RANK[b.kind] || b.fields - a.fields || index.docs[da]!.order - index.docs[db]!.order;
  });
  const result: SearchResult = { items: [], kpis: [] };
  for (const [doc, m] of ranked) {
    const d = index.docs[doc]!;
    const f = index.fields[m.field]!;
    const field = f.date === undefined ? { kind: f.kind, text: f.text } : { kind: f.kind, text: f.text, date: f.date };
    (d.kind === 'item' ? result.items : result.kpis).push({ id: d.id, exact: m.exact, score: m.score, field });
  }
  return result;
}

/** The matched words of a hit's field with a little text either side, as written: ['…前', '一致', '後…']. */
export function matchSnippet(text: string, query: string, context = 12): [before: string, match: string, after: string] | null {
  const q = prepareQuery(query);
  if (!q) return null;
  const { text: norm, origin } = normalizeWithOrigin(text);
  const m = matchText(norm, q);
  if (!m) return null;
  const from = origin[m.start]!;
  const lastChar = origin[m.end - 1]!;
  const to = lastChar + (text.codePointAt(lastChar)! > 0xffff ? 2 : 1);
  const flat = (s: string) => s.replace(/\s+/g, ' ');
  const start = Math.max(0, from - context);
  const end = Math.min(text.length, to + context);
  return [`${start > 0 ? '…' : ''}${flat(text.slice(start, from))}`, flat(text.slice(from, to)), `${flat(text.slice(to, end))}${end < text.length ? '…' : ''}`];
}

/** True when `text` has nothing a search would compare (spaces and punctuation only). */
export const isBlankQuery = (text: string): boolean => normalizeForSearch(text) === '';

/** Ids of the items matching `query`. */
export const matchingItemIds = (index: SearchIndex, query: string): Set<string> => new Set(search(index, query).items.map((h) => h.id));

/**
 * The items a screen shows, in the order it shows them: with a query, the matching items best
 * first; without, plan order. `passes` is the group and mark filter (filterItems).
 */
export function itemsInView(planOrder: readonly string[], passes: ReadonlySet<string>, hits: readonly SearchHit[] | null): string[] {
  return hits ? hits.map((h) => h.id).filter((id) => passes.has(id)) : planOrder.filter((id) => passes.has(id));
}

export interface PlanView {
  /** The ids of the items shown, in the order shown. */
  order: string[];
  /** What the query found (null without one): the KPIs, and why each item matched. */
  result: SearchResult | null;
}

/**
 * What the plan screen shows under a filter, and what 前の項目 / 次の項目 walk through: the items
 * passing the group and mark filters, ranked by the query when there is one (`index` is then
 * needed), else in plan order.
 */
export function viewOfPlan(input: {
  items: readonly Item[];
  filter: ItemFilter;
  evaluationOf: (itemId: string) => Evaluation | null;
  groups: ReadonlyMap<string, readonly string[]>;
  index: SearchIndex | null;
}): PlanView {
  const { items, filter, index } = input;
  const result = index && !isBlankQuery(filter.query) ? search(index, filter.query) : null;
  const passes = filterItems(items, filter, input.evaluationOf, result ? new Set(result.items.map((h) => h.id)) : null, input.groups);
  return {
    order: itemsInView(
      items.map((i) => i.id),
      passes,
      result?.items ?? null,
    ),
    result,
  };
}

/**
 * The items before and after `id` in a walk through `view` (null at either end). An item that
 * left the view while open (its mark changed under a mark filter) keeps its place in plan order.
 */
export function neighbours(planOrder: readonly string[], view: readonly string[], id: string): { previous: string | null; next: string | null } {
  const at = view.indexOf(id);
  if (at >= 0) return { previous: view[at - 1] ?? null, next: view[at + 1] ?? null };
  const inView = new Set(view);
  const position = planOrder.indexOf(id);
  if (position < 0) return { previous: null, next: null };
  return {
    previous:
      planOrder
        .slice(0, position)
        .reverse()
        .find((x) => inView.has(x)) ?? null,
    next: planOrder.slice(position + 1).find((x) => inView.has(x)) ?? null,
  };
}
