// The plan screen's menu entries that span years: the comparison with another of the branch's
// plans, and creating next year's plan from this one (through the plan file import, as an admin
// would). Loaded after the plan tree, off the first screen's path.
import { useId, useState } from 'preact/hooks';
import * as z from 'zod/mini';
import { useActorName, useDb, usePlans } from './data/hooks';
import { formatNumber } from '../model/kpi-judgement';
import type { NextYearBaseline } from '../model/next-year-plan';
import { plansOfSameBranch, previousYearPlan } from '../model/plan-lineage';
import { yearMonthSchema, type Plan } from '../model/schemas';
import { warekiFiscalYear, warekiMonth } from '../model/wareki';
import { Link } from './link';
import { navigate, paths } from './router';
import { useSession } from './data/sync-context';
import { errorText } from './messages';

type NextYearState = { kind: 'idle' } | { kind: 'creating' } | { kind: 'exists'; plan: Plan } | { kind: 'error'; message: string };

/**
 * What creating next year's plan set its 前年度 values to travels with the history entry of the
 * new plan (navigate's state): its menu, mounted afresh, tells the admin once, then clears it.
 */
const createdStateSchema = z.object({
  createdPlanId: z.string(),
  baselines: z.array(
    z.object({
      kpi: z.string(),
      name: z.string(),
      unit: z.string(),
      cumulative: z.boolean(),
      value: z.nullable(z.number()),
      month: z.nullable(yearMonthSchema),
    }),
  ),
});

function takeCreatedBaselines(planId: string): NextYearBaseline[] | null {
  const parsed = createdStateSchema.safeParse(history.state);
  if (!parsed.success || parsed.data.createdPlanId !== planId) return null;
  history.replaceState(null, '', location.href);
  return parsed.data.baselines as NextYearBaseline[];
}

/**
 * The menu entries that span years: the comparison with another of the branch's plans, and
 * creating next year's plan from this one (through the plan file import, as an admin would).
 */
export function YearActions({ plan }: { plan: Plan }) {
  const db = useDb();
  const actor = useActorName();
  const plans = usePlans();
  const canCreate = useCanCreatePlan(plan);
  const planner = usePlanningRole(plan);
  const [state, setState] = useState<NextYearState>({ kind: 'idle' });
  const [created] = useState(() => takeCreatedBaselines(plan.id));
  if (plans.loading) return null;
  const others = plansOfSameBranch(plans.value, plan);
  const previous = previousYearPlan(plans.value, plan);
  // Without last year's plan the comparison opens on the branch's newest other plan.
  const compareWith = previous ?? others[0];

  async function createNextYear(all: readonly Plan[]) {
    setState({ kind: 'creating' });
    try {
      // Loaded on use: the plan screen ships with the entry.
      const [{ exportPlanFile, importPlanFile }, { nextYearPlan, nextYearPlanId }, { parsePlanFile }] = await Promise.all([
        import('../sync/plan-io'),
        import('../model/next-year-plan'),
        import('../model/plan-file'),
      ]);
      // The id, and the ids inside (the plan id and this year's refs), are what any device would
      // make, so the same plan created on two devices meets as one plan when they sync.
      const nextId = nextYearPlanId(plan);
      const existing = plansOfSameBranch(all, plan).find((p) => p.fiscalYear === plan.fiscalYear + 1) ?? all.find((p) => p.id === nextId);
      if (existing) {
        setState({ kind: 'exists', plan: existing });
        return;
      }
      const next = nextYearPlan(await exportPlanFile(db, plan.id));
      // Checked like any file to import, so a plan that would not survive an export and import is refused here.
      const parsed = parsePlanFile(next.file);
      if (!parsed.ok) throw new Error(parsed.problems.map((p) => `${p.where}: ${p.message}`).join('、'));
      const planId = await importPlanFile(db, parsed.file, actor, plan.branchId, nextId);
      navigate(paths.plan(planId), { state: { createdPlanId: planId, baselines: next.baselines } });
    } catch (e) {
      setState({ kind: 'error', message: errorText(e) });
    }
  }

  return (
    <>
      {compareWith ? (
        <Link href={paths.compare(plan.id, previous ? null : compareWith.id)} class="button">
          {previous ? '前年度と比較' : '他の年度と比較'}
        </Link>
      ) : (
        planner && (
          // Shown to those who plan, so they know it is there: it works once last year's plan is on the device.
          <DisabledAction label="前年度と比較" reason={`前年度（${warekiFiscalYear(plan.fiscalYear - 1)}）の計画がこの端末にありません`} />
        )
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
      {created && <CreatedNotice baselines={created} />}
      {state.kind === 'error' && (
        <p role="alert" class="error menu-alert">
          次年度の計画を作成できませんでした: {state.message}
        </p>
      )}
    </>
  );
}

/**
 * Which 前年度 values the new plan took from this year's actuals, and which are left to fill in:
 * one line of counts, the KPIs folded under it.
 */
function CreatedNotice({ baselines }: { baselines: readonly NextYearBaseline[] }) {
  const carried: string[] = [];
  const empty: string[] = [];
  for (const b of baselines) {
    if (b.value !== null && b.month !== null) carried.push(`${b.name} ${formatNumber(b.value)}${b.unit}（${warekiMonth(b.month)}）`);
    else empty.push(`${b.name}（${b.cumulative ? '年度内累計のため3月の実績が必要' : '今年度の実績なし'}）`);
  }
  return (
    <div role="status" class="menu-alert created-notice">
      <p>
        次年度の計画を作成しました。
        {baselines.length > 0 && `KPIの前年度の値: 実績から${carried.length}件、空欄${empty.length}件。`}
      </p>
      {baselines.length > 0 && (
        <details>
          <summary>前年度の値の内訳</summary>
          {carried.length > 0 && (
            <>
              <p>今年度の実績を入れました:</p>
              <ul>
                {carried.map((t) => (
                  <li key={t}>{t}</li>
                ))}
              </ul>
            </>
          )}
          {empty.length > 0 && (
            <>
              <p>空欄です（「構成の編集」で入力できます）:</p>
              <ul>
                {empty.map((t) => (
                  <li key={t}>{t}</li>
                ))}
              </ul>
            </>
          )}
        </details>
      )}
    </div>
  );
}

/** An action that cannot be used yet, shown disabled with the reason beside it (its description). */
function DisabledAction({ label, reason }: { label: string; reason: string }) {
  const id = useId();
  return (
    <span class="disabled-action">
      <button type="button" disabled aria-describedby={id}>
        {label}
      </button>
      <span id={id} class="hint">
        {reason}
      </span>
    </span>
  );
}

/**
 * Whether this person plans (lead or admin of the plan's branch, or anyone on a plan only on this
 * device): they are shown the year actions even before they can be used.
 */
function usePlanningRole(plan: Plan): boolean {
  const session = useSession();
  if (plan.branchId === undefined) return true;
  const role = session?.branches.find((b) => b.id === plan.branchId)?.role;
  return role === 'lead' || role === 'admin';
}

/**
 * Plans are created on the server by the branch's admins only. A plan only on this device gets
 * its next year's plan on the device, so there is nobody else to ask. Until the sync engine has
 * said who is signed in, the button stays hidden rather than flashing up for everyone.
 */
function useCanCreatePlan(plan: Plan): boolean {
  const session = useSession();
  if (plan.branchId === undefined) return true;
  return session?.branches.some((b) => b.id === plan.branchId && b.role === 'admin') ?? false;
}
