// Presence and the live channel's state for the screens: who else has an item open and who is
// typing in which field, which items of a plan someone else has open, and whether commits reach
// this device at once. The sync engine owns the network (SyncEngineApi.live); screens reach it
// only through these hooks, and say where they are with useReportPresence.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Plan } from '../../model/schemas';
import type { LiveState } from '../../sync/engine-api';
import { LIVE_TIMING, type PresenceEntry, type PresenceField } from '../../model/live-protocol';
import { useSyncEngine } from './sync-context';

const NOBODY: readonly PresenceEntry[] = [];

/** Everyone else present in this person's branches; empty without an engine. */
export function usePresence(): readonly PresenceEntry[] {
  const engine = useSyncEngine();
  const [entries, setEntries] = useState(() => engine?.live.getPresence() ?? NOBODY);
  useEffect(() => {
    if (!engine) return;
    setEntries(engine.live.getPresence());
    return engine.live.subscribePresence(setEntries);
  }, [engine]);
  return engine ? entries : NOBODY;
}

/** The live channel's state; null without an engine. */
export function useLiveState(): LiveState | null {
  const engine = useSyncEngine();
  const [state, setState] = useState(() => engine?.live.getState() ?? null);
  useEffect(() => {
    if (!engine) return;
    setState(engine.live.getState());
    return engine.live.subscribe(setState);
  }, [engine]);
  return engine ? state : null;
}

export interface PersonOnItem {
  userId: string;
  name: string;
  /** The fields the person is typing in (over all their tabs). */
  typing: PresenceField[];
}

/** The other people who have this item open, once each, in the order they came. */
export function useItemPresence(itemId: string): PersonOnItem[] {
  const entries = usePresence();
  const people = new Map<string, PersonOnItem>();
  for (const e of entries) {
    if (e.itemId !== itemId) continue;
    const person = people.get(e.userId) ?? { userId: e.userId, name: e.name, typing: [] };
    if (e.field !== null && !person.typing.includes(e.field)) person.typing.push(e.field);
    people.set(e.userId, person);
  }
  return [...people.values()];
}

/** Item id → the names of the other people who have it open, for the plan screen. */
export function usePlanPresence(planId: string): Map<string, string[]> {
  const entries = usePresence();
  const byItem = new Map<string, string[]>();
  for (const e of entries) {
    if (e.planId !== planId || e.itemId === null) continue;
    const names = byItem.get(e.itemId) ?? [];
    if (!names.includes(e.name)) names.push(e.name);
    byItem.set(e.itemId, names);
  }
  return byItem;
}

/**
 * Tells the others that this screen shows this plan (and item) while it is mounted; the
 * returned function marks a field as being typed in, for LIVE_TIMING.typingMs after the last key.
 */
export function useReportPresence(plan: Pick<Plan, 'id' | 'branchId'>, itemId: string | null): (field: PresenceField) => void {
  const engine = useSyncEngine();
  const [field, setField] = useState<PresenceField | null>(null);
  const idle = useRef<ReturnType<typeof setTimeout> | null>(null);
  const branchId = plan.branchId;

  useEffect(() => {
    if (!engine || branchId === undefined) return;
    engine.live.setPresence({ branchId, planId: plan.id, itemId, field });
  }, [engine, branchId, plan.id, itemId, field]);

  useEffect(() => {
    if (!engine || branchId === undefined) return;
    return () => engine.live.setPresence(null);
  }, [engine, branchId, plan.id, itemId]);

  useEffect(
    () => () => {
      if (idle.current) clearTimeout(idle.current);
    },
    [],
  );

  return useCallback((typed: PresenceField) => {
    setField(typed);
    if (idle.current) clearTimeout(idle.current);
    idle.current = setTimeout(() => setField(null), LIVE_TIMING.typingMs);
  }, []);
}
