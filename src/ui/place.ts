// A person's place on a screen, kept in its history entry (history.state), so that going back
// to it — by a link, the browser's back button or after a reload — shows the same rows where
// they were. The place is a row (an element with data-place) and its distance from the top of
// the window, not only a scroll offset: rows above it may be laid out differently by then.
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import * as z from 'zod/mini';

const placeSchema = z.object({
  y: z.number(),
  anchor: z.optional(z.string()),
  offset: z.optional(z.number()),
});
export type Place = z.infer<typeof placeSchema>;

/** What this app keeps in a history entry; other keys (a screen's own) are kept as they are. */
const entryStateSchema = z.object({
  place: z.optional(placeSchema),
  /** The address of the entry this one was opened from (router.ts navigate). */
  from: z.optional(z.string()),
  /** A row to bring into view when the screen opens without a place (the item one came back from). */
  show: z.optional(z.string()),
});
export type EntryState = z.infer<typeof entryStateSchema>;

export function entryState(): EntryState {
  const parsed = entryStateSchema.safeParse(history.state);
  return parsed.success ? parsed.data : {};
}

/** history.state as an object to add keys to (null and anything else become {}). */
function stateObject(): Record<string, unknown> {
  const state: unknown = history.state;
  return typeof state === 'object' && state !== null ? { ...(state as Record<string, unknown>) } : {};
}

/** Keeps `patch` in the current history entry's state, next to what is there. */
export function patchEntryState(patch: Record<string, unknown>): void {
  history.replaceState({ ...stateObject(), ...patch }, '', location.href);
}

/** The first row (data-place) whose top is in the window; rows are in document order, top to bottom. */
function firstRowInView(): { anchor: string; offset: number } | null {
  const rows = document.querySelectorAll<HTMLElement>('[data-place]');
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid]!.getBoundingClientRect().top < 0) lo = mid + 1;
    else hi = mid;
  }
  const row = rows[lo];
  return row?.dataset.place ? { anchor: row.dataset.place, offset: row.getBoundingClientRect().top } : null;
}

/** The row holding the focus (the link just tapped) when it is in the window. */
function focusedRowInView(): { anchor: string; offset: number } | null {
  const row = document.activeElement?.closest<HTMLElement>('[data-place]');
  if (!row?.dataset.place) return null;
  const { top, bottom } = row.getBoundingClientRect();
  return bottom > 0 && top < window.innerHeight ? { anchor: row.dataset.place, offset: top } : null;
}

/**
 * Keeps where the window is scrolled to in the current history entry (before leaving it, and as
 * one scrolls): the row just tapped, else the first row in the window.
 */
export function rememberPlace(): void {
  // A screen without rows keeps no place: it opens at the top again, as every screen did.
  if (!document.querySelector('[data-place]')) {
    forgetWalk();
    if (entryState().place) patchEntryState({ place: undefined });
    return;
  }
  forgetWalk();
  const row = focusedRowInView() ?? firstRowInView();
  patchEntryState({ place: row ? { y: window.scrollY, ...row } : { y: window.scrollY } });
}

/**
 * Where the item screen opened from a screen of rows was walked on to (前の項目 / 次の項目): the
 * walk replaces the item's history entry, so the screen gone back to learns it here, in this
 * tab's session, and shows that row rather than the one first opened.
 */
const WALKED_KEY = 'place:walked';
const walkedSchema = z.object({ from: z.string(), row: z.string() });

/** The item screen walked on to `row`; kept for the screen the item was opened from. */
export function noteWalkedTo(row: string): void {
  const from = entryState().from;
  if (from === undefined) return;
  try {
    sessionStorage.setItem(WALKED_KEY, JSON.stringify({ from, row }));
  } catch {
    // Storage refused (private mode, quota): going back shows the first row's place, as before.
  }
}

function forgetWalk(): void {
  try {
    sessionStorage.removeItem(WALKED_KEY);
  } catch {
    // Nothing kept, nothing to forget.
  }
}

/** The row walked on to from the screen at `address`, once; null when the walk was from elsewhere. */
function takeWalkedTo(address: string): string | null {
  let raw: string | null = null;
  try {
    raw = sessionStorage.getItem(WALKED_KEY);
  } catch {
    return null;
  }
  const walked = raw === null ? null : walkedSchema.safeParse(safeJson(raw));
  if (!walked?.success || walked.data.from !== address) return null;
  forgetWalk();
  return walked.data.row;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function rowOf(id: string): HTMLElement | null {
  for (const el of document.querySelectorAll<HTMLElement>('[data-place]')) if (el.dataset.place === id) return el;
  return null;
}

function applyPlace(place: Place): void {
  const row = place.anchor === undefined ? null : rowOf(place.anchor);
  if (row && place.offset !== undefined) window.scrollBy(0, row.getBoundingClientRect().top - place.offset);
  else window.scrollTo(0, place.y);
}

/** How long after opening a screen its place is put back on each redraw, unless the person moves first. */
const RESTORE_FOR_MS = 3000;
/**
 * After putting the place back, how long it is put back on every frame: rows drawn only once on
 * screen (content-visibility) change height as they appear, and would move the place.
 */
const SETTLE_FOR_MS = 600;
/** Scrolling has stopped for this long: the place is kept (Safari allows 100 history updates in 30 s). */
const SCROLL_SETTLE_MS = 300;

/**
 * On a screen with rows (data-place): puts the entry's place back once the rows are drawn and
 * again after each redraw (`version`: the data drawn) until the person scrolls, taps or types;
 * without a place, brings the entry's `show` row into view. Keeps the place as one scrolls.
 */
export function useKeepPlace(ready: boolean, version: unknown): void {
  const restoring = useRef<{ place: Place | null; show: string | null; until: number } | null>(null);
  if (restoring.current === null) {
    const state = entryState();
    // Back from an item walked on from here: that item's row, not the place of the first one.
    const walked = state.place ? takeWalkedTo(location.pathname + location.search) : null;
    restoring.current = walked
      ? { place: null, show: walked, until: Date.now() + RESTORE_FOR_MS }
      : { place: state.place ?? null, show: state.show ?? null, until: Date.now() + RESTORE_FOR_MS };
  }

  useLayoutEffect(() => {
    const r = restoring.current;
    if (!ready || !r || Date.now() > r.until) return;
    const place = r.place;
    if (!place) {
      if (r.show) rowOf(r.show)?.scrollIntoView?.({ block: 'center' });
      r.show = null;
      return;
    }
    applyPlace(place);
    if (typeof requestAnimationFrame !== 'function') return;
    const settleUntil = Date.now() + SETTLE_FOR_MS;
    let frame = requestAnimationFrame(function again() {
      if (Date.now() > Math.min(settleUntil, r.until)) return;
      applyPlace(place);
      frame = requestAnimationFrame(again);
    });
    return () => cancelAnimationFrame(frame);
  }, [ready, version]);

  useEffect(() => {
    history.scrollRestoration = 'manual';
    const stop = () => {
      if (restoring.current) restoring.current.until = 0;
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onScroll = () => {
      clearTimeout(timer);
      // The screen's own putting back is not a place the person chose.
      timer = setTimeout(() => {
        if (!restoring.current || Date.now() > restoring.current.until) rememberPlace();
      }, SCROLL_SETTLE_MS);
    };
    const moves = ['wheel', 'touchstart', 'keydown', 'pointerdown'] as const;
    for (const m of moves) window.addEventListener(m, stop, { passive: true });
    window.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      clearTimeout(timer);
      for (const m of moves) window.removeEventListener(m, stop);
      window.removeEventListener('scroll', onScroll);
    };
  }, []);
}
