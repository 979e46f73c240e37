// The sync engine as the screens see it: the app shell provides it through SyncContext (none
// when the app runs without a server, e.g. local-only use or component tests), and screens read
// its status with useSyncStatus(). Screens never call fetch; they only call the engine's actions.
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { Plan } from '../../model/schemas';
import type { LoginResponse } from '../../model/protocol';
import type { SyncEngineApi, SyncStatus } from '../../sync/engine-api';

export const SyncContext = createContext<SyncEngineApi | null>(null);

export function useSyncEngine(): SyncEngineApi | null {
  return useContext(SyncContext);
}

/** The engine's current status, re-rendering on every change; null without an engine. */
export function useSyncStatus(): SyncStatus | null {
  return useSyncSelect((status) => status);
}

/**
 * Part of the engine's status (`select` gets null without an engine), re-rendering only when
 * that part changes (`same`, default Object.is). The status changes several times a round
 * trip (syncing, last sync, idle): the app shell and the screens under it must not render again
 * for each, or every push while someone types re-renders the whole plan.
 */
export function useSyncSelect<T>(select: (status: SyncStatus | null) => T, same: (a: T, b: T) => boolean = Object.is): T {
  const engine = useSyncEngine();
  const current = () => select(engine?.getStatus() ?? null);
  const [state, setState] = useState(() => ({ engine, value: current() }));
  const selectRef = useRef(select);
  selectRef.current = select;
  const sameRef = useRef(same);
  sameRef.current = same;
  useEffect(() => {
    if (!engine) return;
    const update = (status: SyncStatus) => {
      const value = selectRef.current(status);
      setState((prev) => (prev.engine === engine && sameRef.current(prev.value, value) ? prev : { engine, value }));
    };
    const unsubscribe = engine.subscribe(update);
    // A change between the first render and subscribing would otherwise be missed.
    update(engine.getStatus());
    return unsubscribe;
  }, [engine]);
  return state.engine === engine ? state.value : current();
}

/** The signed-in session, re-rendering only when it changes (sign-in, sign-out, a new token). */
export function useSession(): SyncStatus['session'] | null {
  return useSyncSelect((status) => status?.session ?? null);
}

/**
 * Whether the person may settle the plan's conflicts: a lead or admin of the plan's branch.
 * Without a session (local-only use) and for a plan only on this device there is nobody else
 * to decide, so it is allowed.
 */
export function useCanResolveConflicts(plan: Plan): boolean {
  return useIsLeadOf(plan);
}

/**
 * Whether the person may put back any earlier value from the plan's change history (a lead or
 * admin of its branch; staff may undo only their own last change). As for conflicts, anyone
 * may without a session or for a plan only on this device.
 */
export function useCanRestoreAnyChange(plan: Plan): boolean {
  return useIsLeadOf(plan);
}

/** Whether the person may correct or remove anyone's note (a lead or admin; staff their own), as for conflicts. */
export function useCanCorrectAnyNote(plan: Plan): boolean {
  return useIsLeadOf(plan);
}

/**
 * Whether the person may change the plan's structure (構成の編集: sections, items, KPIs, the
 * plan's settings): a lead or admin of its branch, as the server allows; staff are not shown it.
 */
export function useCanEditStructure(plan: Plan | null): boolean {
  const signedIn = useSignedIn();
  return plan !== null && isLeadOf(signedIn, plan);
}

function useIsLeadOf(plan: Plan): boolean {
  return isLeadOf(useSignedIn(), plan);
}

/** The session, or 'local' without a sync engine (nobody else to defer to); null while none is known. */
function useSignedIn(): LoginResponse | 'local' | null {
  const engine = useSyncEngine();
  const session = useSession();
  return engine === null ? 'local' : session;
}

/**
 * A lead or admin of the plan's branch. A plan only on this device, or a device without a sync
 * engine, has nobody else to decide. With an engine whose session is not known yet (the first
 * frames, or signed out) nobody is: staff must not see a lead's actions flash up.
 */
function isLeadOf(signedIn: LoginResponse | 'local' | null, plan: Plan): boolean {
  if (signedIn === 'local' || plan.branchId === undefined) return true;
  if (signedIn === null) return false;
  const session = signedIn;
  const role = session.branches.find((b) => b.id === plan.branchId)?.role;
  return role === 'lead' || role === 'admin';
}
