// A small path router over the History API. Routes are parsed from location, never stored,
// so reloads and the service worker's navigation fallback land on the same screen.
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { name: 'plans' }
  | { name: 'plan'; planId: string; periodId: string | null }
  | { name: 'item'; planId: string; itemId: string; periodId: string | null }
  | { name: 'kpis'; planId: string }
  | { name: 'structure'; planId: string }
  | { name: 'notFound' };

export function parseRoute(pathname: string, search: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const periodId = new URLSearchParams(search).get('period');
  if (parts.length === 0) return { name: 'plans' };
  if (parts[0] !== 'plans' || !parts[1]) return { name: 'notFound' };
  const planId = parts[1];
  if (parts.length === 2) return { name: 'plan', planId, periodId };
  if (parts[2] === 'items' && parts[3] && parts.length === 4) return { name: 'item', planId, itemId: parts[3], periodId };
  if (parts[2] === 'kpis' && parts.length === 3) return { name: 'kpis', planId };
  if (parts[2] === 'structure' && parts.length === 3) return { name: 'structure', planId };
  return { name: 'notFound' };
}

const enc = encodeURIComponent;

export const paths = {
  plans: () => '/',
  plan: (planId: string, periodId?: string | null) => `/plans/${enc(planId)}${periodId ? `?period=${enc(periodId)}` : ''}`,
  item: (planId: string, itemId: string, periodId?: string | null) => `/plans/${enc(planId)}/items/${enc(itemId)}${periodId ? `?period=${enc(periodId)}` : ''}`,
  kpis: (planId: string) => `/plans/${enc(planId)}/kpis`,
  structure: (planId: string) => `/plans/${enc(planId)}/structure`,
};

const NAVIGATE_EVENT = 'app:navigate';

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
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
