// The plan screen: the section/item tree with each item's mark for the chosen period, its note
// count and its unresolved conflicts, foldable sections, and filters by mark, group and text.
// The filters are kept in the URL, so a reload keeps them and the report link carries them. A
// query shows the matching items best first, each with where it matched, and the matching KPIs.
// Coming back to the screen puts the rows back where they were (place.ts).
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { useConflictsOfPlan, usePlanScreen, type PlanScreenData } from './data/hooks';
import type { Period } from '../model/period';
import {
  buildTree,
  EMPTY_FILTER,
  flattenItems,
  groupsByItem,
  groupsOf,
  isFilterActive,
  pruneTree,
  type EvaluationFilter,
  type ItemFilter,
  type TreeNode,
} from '../model/plan-tree';
import { EVALUATIONS, type Item, type Kpi, type Plan, type Progress } from '../model/schemas';
import { buildSearchIndex, isBlankQuery, MAX_QUERY, matchSnippet, SEARCH_FIELD_LABELS, viewOfPlan, type SearchHit } from '../model/search';
import { bothFiscalYear, localIsoDate, warekiDate } from '../model/wareki';
import { usePlanKpis } from './data/search-hooks';
import { useKeepPlace } from './place';
import { ItemChips } from './item-chips';
import { usePlanPresence } from './data/presence-hooks';
import { PresenceMarker } from './presence';
import { lazyPage } from './lazy-page';
import { Link } from './link';
import { navigate, paths } from './router';
import { PlanNotFound } from './plan-not-found';
import { PeriodSelect } from './period-select';
import { useCanEditStructure } from './data/sync-context';
import './navigation.css';

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
  // Built only once someone searches (opening the plan should not pay for it), then once per
  // change of the data: a keystroke only runs the query.
  const searching = !isBlankQuery(filter.query);
  const kpisQuery = usePlanKpis(plan.id, searching);
  const kpis = kpisQuery.loading ? null : kpisQuery.value;
  const searchIndex = useMemo(
    () => (searching ? buildSearchIndex({ items: liveItems, groups: owners, progress: progress.values(), notes, kpis: kpis ?? [] }) : null),
    [searching, liveItems, owners, progress, notes, kpis],
  );
  const view = useMemo(
    () =>
      active ? viewOfPlan({ items: liveItems, filter, evaluationOf: (id) => progress.get(id)?.evaluation ?? null, groups: owners, index: searchIndex }) : null,
    [active, liveItems, filter, progress, searchIndex, owners],
  );
  const visible = useMemo(() => (view ? new Set(view.order) : null), [view]);
  const shown = visible ? pruneTree(tree, visible) : tree;
  useKeepPlace(!stale, data);
  // The filters go into the address before a link leaves the screen, so going back finds them.
  const keepFilterInUrl = () => {
    if (filterUrl !== location.pathname + location.search) navigate(filterUrl, { replace: true });
  };

  const toggle = (id: string) =>
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  // What every item row needs, in the tree and in search results alike.
  const row: RowProps = { plan, period, progress, noteCounts, conflictCounts, owners, filter };

  return (
    <section class="page plan-page" onClickCapture={keepFilterInUrl}>
      <div class="page-head">
        <div>
          <nav class="breadcrumb" aria-label="パンくず">
            <Link href={paths.plans()}>計画の一覧</Link>
          </nav>
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
          <input
            type="search"
            value={filter.query}
            maxLength={MAX_QUERY}
            placeholder="項目・実施状況・メモ・KPIの文言"
            onInput={(e) => setFilter({ ...filter, query: e.currentTarget.value })}
          />
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
      {view?.result && <KpiHits plan={plan} hits={view.result.kpis} kpis={kpis ?? []} query={filter.query} />}
      {(view ? view.order.length === 0 : shown.length === 0) && <p>条件に合う項目はありません。</p>}
      {view?.result ? (
        <SearchResults order={view.order} hits={view.result.items} items={liveItems} query={filter.query} stale={stale} {...row} />
      ) : (
        <section class="tree" aria-label="事業計画の項目" aria-busy={stale}>
          {shown.map((node) => (
            <SectionNode key={node.section.id} node={node} depth={1} collapsed={collapsed} toggle={toggle} forceOpen={active} {...row} />
          ))}
        </section>
      )}
    </section>
  );
}

/** The KPIs whose names match the query, each a link to it on the KPI screen. */
function KpiHits({ plan, hits, kpis, query }: { plan: Plan; hits: readonly SearchHit[]; kpis: readonly Kpi[]; query: string }) {
  if (hits.length === 0) return null;
  const byId = new Map(kpis.map((k) => [k.id, k]));
  return (
    <section class="search-kpis" aria-labelledby="search-kpis-heading">
      <h2 id="search-kpis-heading">KPI（{hits.length}件）</h2>
      <ul class="search-kpi-list">
        {hits.map((hit) => {
          const kpi = byId.get(hit.id);
          return (
            kpi && (
              <li key={hit.id}>
                <Link href={paths.kpi(plan.id, hit.id)} class="search-kpi-link">
                  <span class="chip">KPI</span>
                  <span>
                    {kpi.number && <span class="label">{kpi.number} </span>}
                    <Snippet text={kpi.name} query={query} />
                  </span>
                </Link>
              </li>
            )
          );
        })}
      </ul>
    </section>
  );
}

type ResultsProps = Omit<NodeProps, 'node' | 'depth' | 'collapsed' | 'toggle' | 'forceOpen'> & {
  order: readonly string[];
  hits: readonly SearchHit[];
  items: readonly Item[];
  query: string;
  stale: boolean;
};

/** The items the query found, best first, each saying where it matched. */
function SearchResults({ order, hits, items, query, stale, ...row }: ResultsProps) {
  const byId = useMemo(() => new Map(items.map((i) => [i.id, i])), [items]);
  const why = useMemo(() => new Map(hits.map((h) => [h.id, h])), [hits]);
  return (
    <section class="tree search-results" aria-label="検索結果の項目" aria-busy={stale}>
      <ul class="item-list">
        {order.map((id) => {
          const item = byId.get(id);
          const hit = why.get(id);
          return item && <ItemRow key={id} item={item} {...row} reason={hit && <MatchReason hit={hit} query={query} />} />;
        })}
      </ul>
    </section>
  );
}

/** 「実施状況: …健康企業宣言事業所への…」: where an item matched, the words as written. */
function MatchReason({ hit, query }: { hit: SearchHit; query: string }) {
  const { kind, text, date } = hit.field;
  return (
    <span class="match-reason">
      <span class="match-field">
        {SEARCH_FIELD_LABELS[kind]}
        {date && `（${warekiDate(date)}）`}
        {!hit.exact && '・似た語'}
      </span>{' '}
      <Snippet text={text} query={query} />
    </span>
  );
}

function Snippet({ text, query }: { text: string; query: string }) {
  const parts = useMemo(() => matchSnippet(text, query, 16), [text, query]);
  if (!parts) return <>{text}</>;
  return (
    <>
      {parts[0]}
      <mark>{parts[1]}</mark>
      {parts[2]}
    </>
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
  /** The screen's filter, carried to the item screen (its ← and 前の項目 / 次の項目 keep to it). */
  filter: ItemFilter;
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

type RowProps = Pick<NodeProps, 'plan' | 'period' | 'progress' | 'noteCounts' | 'conflictCounts' | 'owners' | 'filter'>;

function ItemRow({ item, plan, period, progress, noteCounts, conflictCounts, owners, filter, reason }: RowProps & { item: Item; reason?: ComponentChildren }) {
  const evaluation = progress.get(item.id)?.evaluation ?? null;
  const count = noteCounts.get(item.id) ?? 0;
  const conflictCount = conflictCounts.get(item.id) ?? 0;
  const viewers = usePlanPresence(plan.id).get(item.id);
  return (
    <li class="item-row" data-place={item.id}>
      <Link href={paths.item(plan.id, item.id, period.id, filter)} class="item-link">
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
          {reason}
        </span>
      </Link>
    </li>
  );
}
