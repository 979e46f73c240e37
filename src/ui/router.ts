// A small path router over the History API. Routes are parsed from location, never stored,
// so reloads and the service worker's navigation fallback land on the same screen.
import { useEffect, useState } from 'preact/hooks';
import { EMPTY_FILTER, type EvaluationFilter, type ItemFilter } from '../model/plan-tree';
import { EVALUATIONS } from '../model/schemas';
import type { VisitFilter } from '../model/visits';
import { rememberPlace } from './place';

export type Route =
  /** `openSingle`: the app's start (/), which opens the plan when there is only one; /plans always lists. */
  | { name: 'plans'; openSingle: boolean }
  | { name: 'plan'; planId: string; periodId: string | null; filter: ItemFilter }
  /** `filter`: the plan screen's, carried along so 前の項目 / 次の項目 and ← keep to it. */
  | { name: 'item'; planId: string; itemId: string; periodId: string | null; filter: ItemFilter }
  | { name: 'kpis'; planId: string }
  | { name: 'visits'; planId: string; filter: VisitFilter }
  | { name: 'structure'; planId: string }
  | { name: 'report'; planId: string; periodId: string | null; filter: ItemFilter }
  | { name: 'dashboard'; planId: string; periodId: string | null }
  | { name: 'compare'; planId: string; withPlanId: string | null }
  | { name: 'importText' }
  | { name: 'notFound' };

export function parseRoute(pathname: string, search: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(search);
  const periodId = params.get('period');
  if (parts.length === 0) return { name: 'plans', openSingle: true };
  if (parts.length === 1 && parts[0] === 'plans') return { name: 'plans', openSingle: false };
  if (parts[0] === 'import' && parts[1] === 'text' && parts.length === 2) return { name: 'importText' };
  if (parts[0] !== 'plans' || !parts[1]) return { name: 'notFound' };
  const planId = parts[1];
  if (parts.length === 2) return { name: 'plan', planId, periodId, filter: parseFilter(params) };
  if (parts[2] === 'items' && parts[3] && parts.length === 4) return { name: 'item', planId, itemId: parts[3], periodId, filter: parseFilter(params) };
  if (parts[2] === 'kpis' && parts.length === 3) return { name: 'kpis', planId };
  if (parts[2] === 'visits' && parts.length === 3)
    return { name: 'visits', planId, filter: { month: params.get('month') ?? '', employer: params.get('employer') ?? '', author: params.get('staff') ?? '' } };
  if (parts[2] === 'structure' && parts.length === 3) return { name: 'structure', planId };
  if (parts[2] === 'report' && parts.length === 3) return { name: 'report', planId, periodId, filter: parseFilter(params) };
  if (parts[2] === 'dashboard' && parts.length === 3) return { name: 'dashboard', planId, periodId };
  if (parts[2] === 'compare' && parts.length === 3) return { name: 'compare', planId, withPlanId: params.get('with') || null };
  return { name: 'notFound' };
}

const MARKS: readonly string[] = [...EVALUATIONS, '未評価'] satisfies EvaluationFilter[];

/**
 * The plan screen's filters live in the query (mark=△&group=保健&q=郵送), so a reload keeps them
 * and the report opened from the plan screen shows the same items. Unknown marks are ignored.
 */
function parseFilter(params: URLSearchParams): ItemFilter {
  const evaluations = params.getAll('mark').filter((m): m is EvaluationFilter => MARKS.includes(m));
  const groups = params.getAll('group').filter(Boolean);
  const query = params.get('q') ?? '';
  return evaluations.length || groups.length || query ? { evaluations, groups, query } : EMPTY_FILTER;
}

/** `?period=…&mark=…&group=…&q=…`, or '' when there is nothing to say. */
function query(periodId: string | null | undefined, filter: ItemFilter = EMPTY_FILTER): string {
  const params = new URLSearchParams();
  if (periodId) params.set('period', periodId);
  for (const m of filter.evaluations) params.append('mark', m);
  for (const g of filter.groups) params.append('group', g);
  if (filter.query) params.set('q', filter.query);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The id of a KPI's row on the KPI screen, so a link can point at one KPI. */
export const kpiAnchor = (kpiId: string) => `kpi-${kpiId}`;

const enc = encodeURIComponent;

export const paths = {
  /** Where the app starts: the plan itself when the user has only one. */
  home: () => '/',
  /** The list of plans, always (a visit here never moves on to the plan). */
  plans: () => '/plans',
  plan: (planId: string, periodId?: string | null, filter?: ItemFilter) => `/plans/${enc(planId)}${query(periodId, filter)}`,
  item: (planId: string, itemId: string, periodId?: string | null, filter?: ItemFilter) =>
    `/plans/${enc(planId)}/items/${enc(itemId)}${query(periodId, filter)}`,
  kpis: (planId: string) => `/plans/${enc(planId)}/kpis`,
  /** 訪問記録, with its filters in the query (month=2026-05&employer=…&staff=…). */
  visits: (planId: string, filter?: VisitFilter) => {
    const params = new URLSearchParams(
      Object.entries({ month: filter?.month, employer: filter?.employer, staff: filter?.author }).filter((e): e is [string, string] => !!e[1]),
    );
    return `/plans/${enc(planId)}/visits${params.size ? `?${params}` : ''}`;
  },
  kpi: (planId: string, kpiId: string) => `/plans/${enc(planId)}/kpis#${enc(kpiAnchor(kpiId))}`,
  structure: (planId: string) => `/plans/${enc(planId)}/structure`,
  report: (planId: string, periodId: string | null, filter?: ItemFilter) => `/plans/${enc(planId)}/report${query(periodId, filter)}`,
  dashboard: (planId: string, periodId?: string | null) => `/plans/${enc(planId)}/dashboard${query(periodId)}`,
  /** Without `withPlanId` the comparison is with the same branch's plan of the previous year. */
  compare: (planId: string, withPlanId?: string | null) => `/plans/${enc(planId)}/compare${withPlanId ? `?with=${enc(withPlanId)}` : ''}`,
  importText: () => '/import/text',
};

const NAVIGATE_EVENT = 'app:navigate';

/**
 * `state`: kept with the new history entry (history.state), for the screen it opens, with the
 * address it was opened from (place.ts `from`). Replacing keeps the entry's state unless given
 * one. Leaving an entry keeps the place one was at in it (place.ts).
 */
export function navigate(path: string, options: { replace?: boolean; state?: Record<string, unknown> } = {}): void {
  if (options.replace) history.replaceState(options.state ?? history.state, '', path);
  else {
    rememberPlace();
    history.pushState({ ...options.state, from: location.pathname + location.search }, '', path);
  }
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

/** Two filters say the same (the order of marks and groups aside). */
export function sameFilter(a: ItemFilter, b: ItemFilter): boolean {
  const same = (x: readonly string[], y: readonly string[]) => x.length === y.length && x.every((v) => y.includes(v));
  return a.query === b.query && same(a.evaluations, b.evaluations) && same(a.groups, b.groups);
}

export function useRoute(): Route {
  const read = () => parseRoute(location.pathname, location.search);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const update = () => setRoute(read());
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATE_EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATE_EVENT, update);
    };
  }, []);
  return route;
}

/** An in-app link: a real <a href> (so it can be opened, read and focused) that navigates without a reload. */
export function onLinkClick(e: MouseEvent): void {
  const a = (e.currentTarget as HTMLAnchorElement | null) ?? null;
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(a.getAttribute('href') ?? '/');
}
