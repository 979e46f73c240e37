// Walking the plan from the item screen: ← back to the plan screen (to the place one left, with
// its filter), and 前の項目 / 次の項目 through the items the plan screen's filter shows in the
// period, by link, keyboard or a horizontal swipe. What is being typed is written first.
import type { ComponentChildren } from 'preact';
import { useMemo, useRef } from 'preact/hooks';
import type { Period } from '../model/period';
import { buildTree, flattenItems, groupsByItem, itemName, type ItemFilter } from '../model/plan-tree';
import type { Item, Kpi, Plan, Section } from '../model/schemas';
import { buildSearchIndex, isBlankQuery, neighbours, viewOfPlan } from '../model/search';
import { useWalkData } from './data/search-hooks';
import { entryState, noteWalkedTo, patchEntryState } from './place';
import { navigate, parseRoute, paths, sameFilter } from './router';
import { useSaveRegistry } from './save-registry';
import './navigation.css';

interface WalkProps {
  plan: Plan;
  sections: Section[];
  items: Item[];
  kpis: Kpi[];
  period: Period;
  filter: ItemFilter;
  item: Item;
  children: ComponentChildren;
}

/** A swipe: this far sideways, mostly sideways, and quick (a slow drag is reading or selecting). */
const SWIPE_MIN_PX = 80;
const SWIPE_MAX_MS = 800;

const isPlainClick = (e: MouseEvent) => !(e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey);

export function ItemWalk({ plan, sections, items, kpis, period, filter, item, children }: WalkProps) {
  const registry = useSaveRegistry();
  const searching = !isBlankQuery(filter.query);
  const extra = useWalkData(plan.id, period.id, { progress: searching || filter.evaluations.length > 0, notes: searching });
  const live = useMemo(() => flattenItems(buildTree(sections, items)), [sections, items]);
  const groups = useMemo(() => groupsByItem(sections, live), [sections, live]);
  const walk = useMemo(() => {
    if (extra.loading) return null;
    const { progress, notes } = extra.value;
    const index = searching ? buildSearchIndex({ items: live, groups, progress: progress.values(), notes, kpis }) : null;
    const { order } = viewOfPlan({ items: live, filter, evaluationOf: (id) => progress.get(id)?.evaluation ?? null, groups, index });
    const around = neighbours(
      live.map((i) => i.id),
      order,
      item.id,
    );
    const byId = new Map(live.map((i) => [i.id, i]));
    return {
      previous: around.previous === null ? null : (byId.get(around.previous) ?? null),
      next: around.next === null ? null : (byId.get(around.next) ?? null),
      position: order.indexOf(item.id),
      total: order.length,
    };
  }, [extra, searching, live, groups, kpis, filter, item.id]);

  const backHref = paths.plan(plan.id, period.id, filter);
  const backToPlan = (e: MouseEvent) => {
    if (!isPlainClick(e)) return;
    e.preventDefault();
    // Opened from this plan screen with this filter and period: going back is the browser's
    // back, so the plan screen finds its place (place.ts) and the history has no loop.
    const from = entryState().from;
    const url = from === undefined ? null : new URL(from, location.origin);
    const route = url && parseRoute(url.pathname, url.search);
    if (route?.name === 'plan' && route.planId === plan.id && sameFilter(route.filter, filter) && (route.periodId ?? period.id) === period.id) history.back();
    else navigate(backHref, { state: { show: item.id } });
  };

  const go = async (target: Item) => {
    await registry.flushAll();
    noteWalkedTo(target.id);
    navigate(paths.item(plan.id, target.id, period.id, filter), { replace: true });
    window.scrollTo(0, 0);
  };
  const onWalkClick = (target: Item) => (e: MouseEvent) => {
    if (!isPlainClick(e)) return;
    e.preventDefault();
    void go(target);
  };

  const swipe = useRef<{ x: number; y: number; at: number; id: number } | null>(null);
  const onPointerDown = (e: PointerEvent) => {
    const target = e.target as Element | null;
    const selecting = !(document.getSelection()?.isCollapsed ?? true);
    swipe.current =
      e.pointerType === 'touch' && e.isPrimary && !selecting && !target?.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]')
        ? { x: e.clientX, y: e.clientY, at: e.timeStamp, id: e.pointerId }
        : null;
  };
  const onPointerUp = (e: PointerEvent) => {
    const start = swipe.current;
    swipe.current = null;
    if (!start || start.id !== e.pointerId || !walk) return;
    const dx = e.clientX - start.x;
    const dy = e.clientY - start.y;
    if (Math.abs(dx) < SWIPE_MIN_PX || Math.abs(dx) < 2 * Math.abs(dy) || e.timeStamp - start.at > SWIPE_MAX_MS) return;
    if (!(document.getSelection()?.isCollapsed ?? true)) return;
    // Leftwards brings the next item in from the right, as turning a page.
    const target = dx < 0 ? walk.next : walk.previous;
    if (target) void go(target);
  };
  const onPointerCancel = () => {
    swipe.current = null;
  };

  return (
    <section class="page item-page" onPointerDown={onPointerDown} onPointerUp={onPointerUp} onPointerCancel={onPointerCancel}>
      <div class="item-nav">
        <nav class="breadcrumb" aria-label="パンくず">
          <a href={backHref} onClick={backToPlan}>
            ← {plan.title}
          </a>
        </nav>
        {walk && (
          <nav class="item-walk" aria-label="項目の移動">
            {walk.previous ? (
              <a
                href={paths.item(plan.id, walk.previous.id, period.id, filter)}
                class="button walk-link"
                aria-label={`前の項目 ${itemName(walk.previous)}`}
                onClick={onWalkClick(walk.previous)}
              >
                <span aria-hidden="true">‹ </span>前の項目<span class="walk-label">{walk.previous.label}</span>
              </a>
            ) : (
              <span class="walk-link walk-end">前の項目なし</span>
            )}
            {walk.position >= 0 && (
              <span class="walk-position">
                {walk.position + 1} / {walk.total}件
              </span>
            )}
            {walk.next ? (
              <a
                href={paths.item(plan.id, walk.next.id, period.id, filter)}
                class="button walk-link"
                aria-label={`次の項目 ${itemName(walk.next)}`}
                onClick={onWalkClick(walk.next)}
              >
                次の項目<span class="walk-label">{walk.next.label}</span>
                <span aria-hidden="true"> ›</span>
              </a>
            ) : (
              <span class="walk-link walk-end">次の項目なし</span>
            )}
          </nav>
        )}
      </div>
      {children}
    </section>
  );
}

/** The item screen's period changed: ← then opens the plan in that period instead of going back. */
export function forgetWhereFrom(): void {
  patchEntryState({ from: undefined });
}
