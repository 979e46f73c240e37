// Which plans of a branch belong together across fiscal years: the year-over-year comparison and
// the KPI projection (last year's monthly curve) both look for "the same branch's plan of the
// previous year". Pure.
import type { Plan } from './schemas';

/** The branch a plan belongs to: its server branch when it has one, else the branch name as written. */
function branchKey(plan: Pick<Plan, 'branchId' | 'branch'>): string {
  return plan.branchId ?? `name:${plan.branch.normalize('NFKC').trim()}`;
}

/** Plans of the same branch as `plan`, other than itself and not deleted, newest year first. */
export function plansOfSameBranch(plans: readonly Plan[], plan: Plan): Plan[] {
  const key = branchKey(plan);
  return plans.filter((p) => p.id !== plan.id && !p.deleted && branchKey(p) === key).sort((a, b) => b.fiscalYear - a.fiscalYear || a.id.localeCompare(b.id));
}

/**
 * The same branch's plan for the fiscal year before `plan`'s, or null. When there are several
 * (a demo beside a real one), a plan that is not a demo wins, then the first by id.
 */
export function previousYearPlan(plans: readonly Plan[], plan: Plan): Plan | null {
  const candidates = plansOfSameBranch(plans, plan).filter((p) => p.fiscalYear === plan.fiscalYear - 1);
  return candidates.find((p) => !p.demo) ?? candidates[0] ?? null;
}
