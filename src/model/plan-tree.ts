// The plan tree (柱 › section › … › item) built from flat records, and the filters of the plan
// screen: by evaluation mark of a period and by owning group (the text search is search.ts).
// Also what the structure screen needs of it: names of sections and items, the sections as a flat
// list, and the label a new item gets among its siblings.
import { compareOrder } from './order-key';
import type { Evaluation, Item, Section } from './schemas';

export interface TreeNode {
  section: Section;
  items: Item[];
  children: TreeNode[];
}

/** Live sections and items as a tree; a section whose parent is gone shows as a pillar. */
export function buildTree(sections: readonly Section[], items: readonly Item[]): TreeNode[] {
  const live = sections.filter((s) => !s.deleted);
  const ids = new Set(live.map((s) => s.id));
  const nodes = new Map<string, TreeNode>(live.map((s) => [s.id, { section: s, items: [], children: [] }]));
  for (const item of items) {
    if (!item.deleted) nodes.get(item.sectionId)?.items.push(item);
  }
  const roots: TreeNode[] = [];
  for (const s of [...live].sort(compareOrder)) {
    const node = nodes.get(s.id)!;
    node.items.sort(compareOrder);
    const parent = s.parentId !== null && ids.has(s.parentId) ? nodes.get(s.parentId) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

/** Items in tree order (what a person walks through in the meeting). */
export function flattenItems(tree: readonly TreeNode[]): Item[] {
  const out: Item[] = [];
  const visit = (node: TreeNode) => {
    out.push(...node.items);
    node.children.forEach(visit);
  };
  tree.forEach(visit);
  return out;
}

/** The labels from the pillar down to an item: ["１．", "Ⅱ", "（２）", "③"]. */
export function labelPath(sections: readonly Section[], item: Item): string[] {
  const byId = new Map(sections.map((s) => [s.id, s]));
  const path = [item.label];
  let s = byId.get(item.sectionId);
  const seen = new Set<string>();
  while (s && !seen.has(s.id)) {
    seen.add(s.id);
    path.unshift(s.label);
    s = s.parentId === null ? undefined : byId.get(s.parentId);
  }
  return path;
}

// Characters that run together into another reading when two labels meet without a gap: 1 and 2
// make 12, Ⅰ and Ⅱ make ⅠⅡ (a label such as ⅲ is itself several letters), a and b make ab.
const RUN_TOGETHER = [/[0-9０-９]/, /[A-Za-zＡ-Ｚａ-ｚ]/, /[Ⅰ-ↈⅰ-ⅿ]/];

/**
 * Labels as a person writes them: ["１．", "Ⅱ", "（２）", "②"] → "１．Ⅱ（２）②", empty labels left
 * out. A space goes only between two labels that would otherwise read as one (1 then 2, Ⅰ then Ⅱ).
 */
export function joinLabels(labels: readonly string[]): string {
  let out = '';
  for (const raw of labels) {
    const label = raw.trim();
    if (!label) continue;
    const last = out.slice(-1);
    const first = label.slice(0, 1);
    if (last && RUN_TOGETHER.some((re) => re.test(last) && re.test(first))) out += ' ';
    out += label;
  }
  return out;
}

/** The labels from the pillar down to a section: ["２．", "Ⅲ", "（１）"]; [] for none or a deleted one. */
export function sectionLabelPath(sections: readonly Section[], sectionId: string | null): string[] {
  const byId = new Map(sections.filter((s) => !s.deleted).map((s) => [s.id, s]));
  const path: Section[] = [];
  let s = sectionId === null ? undefined : byId.get(sectionId);
  while (s && !path.includes(s)) {
    path.unshift(s);
    s = s.parentId === null ? undefined : byId.get(s.parentId);
  }
  return path.map((x) => x.label);
}

export type EvaluationFilter = Evaluation | '未評価';

export interface ItemFilter {
  evaluations: readonly EvaluationFilter[];
  groups: readonly string[];
  query: string;
}

export const EMPTY_FILTER: ItemFilter = { evaluations: [], groups: [], query: '' };

export function isFilterActive(f: ItemFilter): boolean {
  return f.evaluations.length > 0 || f.groups.length > 0 || f.query.trim() !== '';
}

/**
 * Ids of the items that pass the filter; `evaluationOf` gives an item's mark in the chosen period,
 * `groups` each item's owning groups (groupsByItem): an item owned jointly passes for either group.
 * `matches`: the items the query finds (search.ts), null to ignore the query.
 */
export function filterItems(
  items: readonly Item[],
  filter: ItemFilter,
  evaluationOf: (itemId: string) => Evaluation | null,
  matches: ReadonlySet<string> | null,
  groups: ReadonlyMap<string, readonly string[]>,
): Set<string> {
  const out = new Set<string>();
  for (const item of items) {
    if (filter.groups.length && !(groups.get(item.id) ?? []).some((g) => filter.groups.includes(g))) continue;
    if (filter.evaluations.length && !filter.evaluations.includes(evaluationOf(item.id) ?? '未評価')) continue;
    if (matches && !matches.has(item.id)) continue;
    out.add(item.id);
  }
  return out;
}

/** Drops the branches of the tree that have no visible item. */
export function pruneTree(tree: readonly TreeNode[], visible: ReadonlySet<string>): TreeNode[] {
  const out: TreeNode[] = [];
  for (const node of tree) {
    const items = node.items.filter((i) => visible.has(i.id));
    const children = pruneTree(node.children, visible);
    if (items.length || children.length) out.push({ section: node.section, items, children });
  }
  return out;
}

/** 「業務、企画総務」 or 「業務グループ、企画総務グループ」 → ['業務', '企画総務']: the names the group filter shows. */
export function splitGroups(text: string): string[] {
  const names = text
    .split(/[、,，]/)
    .map((g) =>
      g
        .trim()
        .replace(/グループ$/, '')
        .trim(),
    )
    .filter(Boolean);
  return [...new Set(names)];
}

/** The text stored in `group` for a list of groups. */
export const joinGroups = (groups: readonly string[]): string => splitGroups(groups.join('、')).join('、');

/** An item's owning groups: its own, else those of its nearest section that names any. */
export function itemGroups(item: Pick<Item, 'group' | 'sectionId'>, sections: ReadonlyMap<string, Section>): string[] {
  const own = splitGroups(item.group);
  if (own.length) return own;
  const seen = new Set<string>();
  let s = sections.get(item.sectionId);
  while (s && !seen.has(s.id)) {
    seen.add(s.id);
    const groups = splitGroups(s.group ?? '');
    if (groups.length) return groups;
    s = s.parentId === null ? undefined : sections.get(s.parentId);
  }
  return [];
}

/** Each live item's owning groups (itemGroups), by item id. */
export function groupsByItem(sections: readonly Section[], items: readonly Item[]): Map<string, string[]> {
  const byId = new Map(sections.filter((s) => !s.deleted).map((s) => [s.id, s]));
  return new Map(items.filter((i) => !i.deleted).map((i) => [i.id, itemGroups(i, byId)]));
}

/** The groups used in a plan, for the group filter: every group some item or section names. */
export function groupsOf(sections: readonly Section[], items: readonly Item[]): string[] {
  const names = new Set<string>();
  for (const groups of groupsByItem(sections, items).values()) for (const g of groups) names.add(g);
  for (const s of sections) if (!s.deleted) for (const g of splitGroups(s.group ?? '')) names.add(g);
  return [...names].sort((a, b) => a.localeCompare(b, 'ja'));
}

/** "（２） サービス水準の向上": a section as a control names it. */
export const sectionName = (s: Section) => `${s.label} ${s.title}`.trim();

/** "② 現金給付等の申請に係る郵送化の促進": an item as a control names it, its text cut at 24 characters. */
export function itemName(item: Item): string {
  const text = item.text.replace(/\s+/g, ' ').trim();
  return `${item.label} ${text.length > 24 ? `${text.slice(0, 24)}…` : text}`.trim();
}

export interface SectionOption {
  id: string;
  /** Indented by depth, so the tree reads in a flat list. */
  text: string;
}

/** The sections in tree order, for a select. */
export function sectionOptions(tree: readonly TreeNode[]): SectionOption[] {
  const out: SectionOption[] = [];
  const visit = (node: TreeNode, depth: number) => {
    out.push({ id: node.section.id, text: `${'　'.repeat(depth)}${sectionName(node.section) || '（名前なし）'}` });
    for (const c of node.children) visit(c, depth + 1);
  };
  for (const n of tree) visit(n, 0);
  return out;
}

const CIRCLED = '①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳';

/** The label of a new item after `siblings` live ones: the next circled number, as the plans number their items; '' past ⑳. */
export const nextItemLabel = (siblings: number) => CIRCLED[siblings] ?? '';
