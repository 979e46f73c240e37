// The plan screen: the section/item tree with each item's mark for the chosen period, its note
// count and its unresolved conflicts, foldable sections, and filters by mark, group and text.
// The filters are kept in the URL, so a reload keeps them and the report link carries them.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { useConflictsOfPlan, usePlanScreen, type PlanScreenData } from './data/hooks';
import type { Period } from '../model/period';
import {
  buildSearchIndex,
  buildTree,
  EMPTY_FILTER,
  filterItems,
  flattenItems,
  groupsByItem,
  groupsOf,
  isFilterActive,
  pruneTree,
  type EvaluationFilter,
  type ItemFilter,
  type TreeNode,
} from '../model/plan-tree';
import { EVALUATIONS, type Item, type Plan, type Progress } from '../model/schemas';
import { bothFiscalYear, localIsoDate } from '../model/wareki';
import { ItemChips } from './item-chips';
import { usePlanPresence } from './data/presence-hooks';
import { PresenceMarker } from './presence';
import { lazyPage } from './lazy-page';
import { Link } from './link';
import { navigate, paths } from './router';
import { PlanNotFound } from './plan-not-found';
import { PeriodSelect } from './period-select';
import { useCanEditStructure } from './data/sync-context';

// The menu entries across years load after the tree: the first screen does not wait for them.
const YearActions = lazyPage(() => import('./year-actions').then((m) => m.YearActions), null);

export function PlanPage({ planId, periodId, filter = EMPTY_FILTER }: { planId: string; periodId: string | null; filter?: ItemFilter }) {
  const data = usePlanScreen(planId, periodId, localIsoDate(new Date()).slice(0, 7));
  if (data.loading) return <p class="page">読み込み中…</p>;
  if (!data.value) return <PlanNotFound />;
  return <PlanTree data={data.value} stale={data.stale === true} requestedPeriod={periodId} initialFilter={filter} />;
}

/** `stale`: drawn from the last visit's snapshot while IndexedDB opens; marked busy until the live data is in. */
function PlanTree({
  data,
  stale,
  requestedPeriod,
  initialFilter,
}: {
  data: PlanScreenData;
  stale: boolean;
  requestedPeriod: string | null;
  initialFilter: ItemFilter;
}) {
  const { plan, period, sections, items, progress, notes } = data;
  const [filter, setFilter] = useState<ItemFilter>(initialFilter);
  // The filters go into the address once typing pauses: Safari refuses more than 100 history
  // updates in 30 seconds. The period stays as requested: writing the chosen one would reload
  // the screen.
  const filterUrl = paths.plan(plan.id, requestedPeriod, filter);
  useEffect(() => {
    if (filterUrl === location.pathname + location.search) return;
    const timer = setTimeout(() => navigate(filterUrl, { replace: true }), 400);
    return () => clearTimeout(timer);
  }, [filterUrl]);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const canEditStructure = useCanEditStructure(plan);

  const tree = useMemo(() => buildTree(sections, items), [sections, items]);
  const liveItems = useMemo(() => flattenItems(tree), [tree]);
  const groups = useMemo(() => groupsOf(sections, items), [sections, items]);
  const owners = useMemo(() => groupsByItem(sections, items), [sections, items]);
  const noteCounts = useMemo(() => {
    const counts = new Map<string, number>();
    for (const n of notes) counts.set(n.itemId, (counts.get(n.itemId) ?? 0) + 1);
    return counts;
  }, [notes]);
  const conflictsQuery = useConflictsOfPlan(plan.id);
  const conflicts = conflictsQuery.loading ? null : conflictsQuery.value;
  const conflictCounts = useMemo(() => {
    const counts = new Map<string, number>();
    for (const c of conflicts ?? []) if (c.itemId) counts.set(c.itemId, (counts.get(c.itemId) ?? 0) + 1);
    return counts;
  }, [conflicts]);
  const active = isFilterActive(filter);
  // Built only once someone searches: opening the plan should not pay for it.
  const searching = filter.query.trim() !== '';
  const searchIndex = useMemo(() => (searching ? buildSearchIndex(liveItems, [...progress.values()], notes) : null), [searching, liveItems, progress, notes]);
  const visible = useMemo(
    () => (active ? filterItems(liveItems, filter, (id) => progress.get(id)?.evaluation ?? null, searchIndex ?? new Map(), owners) : null),
    [active, liveItems, filter, progress, searchIndex, owners],
  );
  const shown = visible ? pruneTree(tree, visible) : tree;

  const toggle = (id: string) =>
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <section class="page plan-page">
      <div class="page-head">
        <div>
          <h1>{plan.title}</h1>
          <p class="subtitle">
            {plan.branch}・{bothFiscalYear(plan.fiscalYear)}
            {plan.demo && <span class="badge badge-demo">デモ</span>}
          </p>
        </div>
        <nav class="page-actions" aria-label="計画のメニュー">
          <Link href={paths.dashboard(plan.id, period.id)} class="button">
            ダッシュボード
          </Link>
          <Link href={paths.report(plan.id, period.id, filter)} class="button">
            報告書（印刷）
          </Link>
          <Link href={paths.kpis(plan.id)} class="button">
            KPI
          </Link>
          <Link href={paths.visits(plan.id)} class="button">
            訪問記録
          </Link>
          {canEditStructure && (
            <Link href={paths.structure(plan.id)} class="button">
              構成の編集
            </Link>
          )}
          {/* Keyed: its messages and busy state belong to this plan, not to the next one opened. */}
          <YearActions key={plan.id} plan={plan} />
        </nav>
      </div>

      <div class="toolbar">
        <PeriodSelect plan={plan} value={period.id} onPick={(id) => navigate(paths.plan(plan.id, id, filter), { replace: true })} />
        <label class="field field-grow">
          検索
          <input type="search" value={filter.query} placeholder="項目・メモの文言" onInput={(e) => setFilter({ ...filter, query: e.currentTarget.value })} />
        </label>
        <label class="field">
          担当グループ
          <select value={filter.groups[0] ?? ''} onChange={(e) => setFilter({ ...filter, groups: e.currentTarget.value ? [e.currentTarget.value] : [] })}>
            <option value="">すべて</option>
            {groups.map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </select>
        </label>
        {/* biome-ignore lint/a11y/useSemanticElements: toggle buttons, not form fields; a fieldset would bring its border, padding and legend layout */}
        <div class="field" role="group" aria-label="評価で絞り込み">
          <span aria-hidden="true">評価</span>
          <div class="toggle-row">
            {([...EVALUATIONS, '未評価'] as EvaluationFilter[]).map((e) => {
              const on = filter.evaluations.includes(e);
              return (
                <button
                  key={e}
                  type="button"
                  class="toggle"
                  aria-pressed={on}
                  onClick={() => setFilter({ ...filter, evaluations: on ? filter.evaluations.filter((x) => x !== e) : [...filter.evaluations, e] })}
                >
                  {e}
                </button>
              );
            })}
          </div>
        </div>
      </div>
      <div class="tree-meta">
        <span role="status">{visible ? `${visible.size}件 / 全${liveItems.length}件を表示` : `全${liveItems.length}件`}</span>
        {active && (
          <button type="button" class="link-button" onClick={() => setFilter(EMPTY_FILTER)}>
            絞り込みを解除
          </button>
        )}
        <button type="button" class="link-button" onClick={() => setCollapsed(new Set())}>
          すべて開く
        </button>
        <button type="button" class="link-button" onClick={() => setCollapsed(new Set(sections.map((s) => s.id)))}>
          すべて閉じる
        </button>
      </div>
      {shown.length === 0 && <p>条件に合う項目はありません。</p>}
      <section class="tree" aria-label="事業計画の項目" aria-busy={stale}>
        {shown.map((node) => (
          <SectionNode
            key={node.section.id}
            node={node}
            depth={1}
            plan={plan}
            period={period}
            progress={progress}
            noteCounts={noteCounts}
            conflictCounts={conflictCounts}
            owners={owners}
            collapsed={collapsed}
            toggle={toggle}
            forceOpen={active}
          />
        ))}
      </section>
    </section>
  );
}

interface NodeProps {
  node: TreeNode;
  depth: number;
  plan: Plan;
  period: Period;
  progress: ReadonlyMap<string, Progress>;
  noteCounts: ReadonlyMap<string, number>;
  /** Unresolved conflicts by item id. */
  conflictCounts: ReadonlyMap<string, number>;
  /** Owning groups by item id (groupsByItem). */
  owners: ReadonlyMap<string, readonly string[]>;
  collapsed: ReadonlySet<string>;
  toggle: (id: string) => void;
  forceOpen: boolean;
}

function SectionNode(props: NodeProps) {
  const { node, depth, collapsed, toggle, forceOpen } = props;
  const open = forceOpen || !collapsed.has(node.section.id);
  const Heading = (depth === 1 ? 'h2' : depth === 2 ? 'h3' : 'h4') as 'h2';
  const bodyId = `section-${node.section.id}`;
  return (
    <section class={`tree-section depth-${Math.min(depth, 4)}`}>
      <Heading class="tree-heading">
        <button type="button" class="fold" aria-expanded={open} aria-controls={bodyId} onClick={() => toggle(node.section.id)}>
          <span class="fold-icon" aria-hidden="true">
            {open ? '▾' : '▸'}
          </span>
          <span class="label">{node.section.label}</span> {node.section.title}
        </button>
      </Heading>
      {open && (
        <div id={bodyId}>
          {node.section.note && (
            // What the plan writes under the heading besides items: the reasons of 【重要度：高】 and the like.
            <details class="section-note">
              <summary>この区分の注記</summary>
              <p>{node.section.note}</p>
            </details>
          )}
          {node.items.length > 0 && (
            <ul class="item-list">
              {node.items.map((item) => (
                <ItemRow key={item.id} item={item} {...props} />
              ))}
            </ul>
          )}
          {node.children.map((child) => (
            <SectionNode key={child.section.id} {...props} node={child} depth={depth + 1} />
          ))}
        </div>
      )}
    </section>
  );
}

function ItemRow({ item, plan, period, progress, noteCounts, conflictCounts, owners }: NodeProps & { item: Item }) {
  const evaluation = progress.get(item.id)?.evaluation ?? null;
  const count = noteCounts.get(item.id) ?? 0;
  const conflictCount = conflictCounts.get(item.id) ?? 0;
  const viewers = usePlanPresence(plan.id).get(item.id);
  return (
    <li class="item-row">
      <Link href={paths.item(plan.id, item.id, period.id)} class="item-link">
        <span
          role="img"
          class={`mark mark-${evaluation === null ? 'none' : evaluation === '○' ? 'good' : evaluation === '△' ? 'warn' : 'na'}`}
          aria-label={`評価 ${evaluation ?? '未評価'}`}
        >
          {evaluation ?? '・'}
        </span>
        <span class="item-body">
          <span class="item-text">
            <span class="label">{item.label}</span> {item.text}
          </span>
          <span class="item-meta">
            <ItemChips item={item} groups={owners.get(item.id) ?? []} />
            {count > 0 && <span class="chip chip-notes">メモ {count}件</span>}
            {conflictCount > 0 && (
              <span class="chip chip-conflict">
                <span aria-hidden="true">⚠ </span>競合 {conflictCount}件
              </span>
            )}
            <PresenceMarker names={viewers} />
          </span>
        </span>
      </Link>
    </li>
  );
}
