// The plan screen's menu entries that span years: the comparison with another of the branch's
// plans, and creating next year's plan from this one (through the plan file import, as an admin
// would). Loaded after the plan tree, off the first screen's path.
import { useState } from 'preact/hooks';
import { useActorName, useDb, usePlans } from '../db/hooks';
import { plansOfSameBranch, previousYearPlan } from '../model/plan-lineage';
import type { Plan } from '../model/schemas';
import { warekiFiscalYear } from '../model/wareki';
import { Link } from './link';
import { navigate, paths } from './router';
import { useSyncStatus } from './sync-context';

type NextYearState = { kind: 'idle' } | { kind: 'creating' } | { kind: 'exists'; plan: Plan } | { kind: 'error'; message: string };

/**
 * The menu entries that span years: the comparison with another of the branch's plans, and
 * creating next year's plan from this one (through the plan file import, as an admin would).
 */
export function YearActions({ plan }: { plan: Plan }) {
  const db = useDb();
  const actor = useActorName();
  const plans = usePlans();
  const canCreate = useCanCreatePlan(plan);
  const [state, setState] = useState<NextYearState>({ kind: 'idle' });
  if (plans.loading) return null;
  const others = plansOfSameBranch(plans.value, plan);
  const previous = previousYearPlan(plans.value, plan);
  // Without last year's plan the comparison opens on the branch's newest other plan.
  const compareWith = previous ?? others[0];

  async function createNextYear(all: readonly Plan[]) {
    const existing = plansOfSameBranch(all, plan).find((p) => p.fiscalYear === plan.fiscalYear + 1);
    if (existing) {
      setState({ kind: 'exists', plan: existing });
      return;
    }
    setState({ kind: 'creating' });
    try {
      // Loaded on use: the plan screen ships with the entry.
      const [{ exportPlanFile, importPlanFile }, { nextYearPlan }, { parsePlanFile }] = await Promise.all([import('../db/plan-io'), import('../model/next-year-plan'), import('../model/plan-file')]);
      let n = 0;
      const next = nextYearPlan(await exportPlanFile(db, plan.id), () => `r${++n}`);
      // Checked like any file to import, so a plan that would not survive an export and import is refused here.
      const parsed = parsePlanFile(next.file);
      if (!parsed.ok) throw new Error(parsed.problems.map((p) => `${p.where}: ${p.message}`).join('、'));
      const planId = await importPlanFile(db, parsed.file, actor, plan.branchId);
      navigate(paths.plan(planId));
    } catch (e) {
      setState({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  }

  return (
    <>
      {compareWith && (
        <Link href={paths.compare(plan.id, previous ? null : compareWith.id)} class="button">
          {previous ? '前年度と比較' : '他の年度と比較'}
        </Link>
      )}
      {canCreate && (
        <button type="button" disabled={state.kind === 'creating'} onClick={() => void createNextYear(plans.value)}>
          {state.kind === 'creating' ? '作成中…' : '次年度の計画を作成'}
        </button>
      )}
      {state.kind === 'exists' && (
        <p role="alert" class="error menu-alert">
          {state.plan.branch}の{warekiFiscalYear(state.plan.fiscalYear)}の計画はこの端末にすでにあります。新しくは作成しません。
          <Link href={paths.plan(state.plan.id)}>{state.plan.title}を開く</Link>
        </p>
      )}
      {state.kind === 'error' && (
        <p role="alert" class="error menu-alert">
          次年度の計画を作成できませんでした: {state.message}
        </p>
      )}
    </>
  );
}

/**
 * Plans are created on the server by the branch's admins only. A plan only on this device gets
 * its next year's plan on the device, so there is nobody else to ask. Until the sync engine has
 * said who is signed in, the button stays hidden rather than flashing up for everyone.
 */
function useCanCreatePlan(plan: Plan): boolean {
  const session = useSyncStatus()?.session ?? null;
  if (plan.branchId === undefined) return true;
  return session?.branches.some((b) => b.id === plan.branchId && b.role === 'admin') ?? false;
}
