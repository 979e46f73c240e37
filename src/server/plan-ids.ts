// Plan ids are scoped to their branch: a plan's id starts with its branch's id and '-'
// (`demo-tokyo-r6`, `osaka-2025`, the next-year plan's `<branch>-<year>`). Ids are guessable, so
// without this one branch could take the id another branch is about to use (its next year's
// plan) before it does. The owner of an id is the branch whose id + '-' is its longest prefix
// among the existing branches: with branches `osaka` and `osaka-kita`, `osaka-kita-2025` is
// osaka-kita's, never osaka's.

/** The branch whose namespace the plan id is in, or null when it is in none. */
export function ownerOfPlanId(planId: string, branchIds: Iterable<string>): string | null {
  let owner: string | null = null;
  for (const id of branchIds) {
    if (planId.length > id.length + 1 && planId.startsWith(`${id}-`) && (owner === null || id.length > owner.length)) owner = id;
  }
  return owner;
}

/** Why `branchId` may not create a plan with this id, or null when it may. */
export function planIdProblem(planId: string, branchId: string, branchIds: Iterable<string>): string | null {
  const owner = ownerOfPlanId(planId, branchIds);
  if (owner === branchId) return null;
  return owner === null
    ? `計画の id は支部の id で始めてください (a plan id of branch ${branchId} starts with "${branchId}-")`
    : `計画の id ${planId} は支部 ${owner} のものです (a plan id of branch ${branchId} starts with "${branchId}-"; this one is in branch ${owner}'s namespace)`;
}
