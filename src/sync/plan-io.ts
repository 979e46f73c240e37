// Import and export of whole plans in the interchange format (docs/plan-format.md).
import { planFileToRecords, recordsToPlanFile, type PlanFile } from '../model/plan-file';
import type { TrackerDb } from '../db/database';
import { DB_ERROR, DbError } from '../db/errors';
import { newId, readPlanRecords } from '../db/repository';
import { storePlanRecords } from './edits';

/**
 * Stores a parsed plan file as a new plan (queued for sync) and returns its id. `branchId` is
 * the branch it is created in on the server; without one the plan stays on this device.
 * `explicitPlanId` gives the plan an id of its own (one that another device would give it too, so
 * that both meet as one plan) instead of a random one; a plan already on this device under that
 * id, deleted or not, is never overwritten: the import is refused.
 */
export async function importPlanFile(db: TrackerDb, file: PlanFile, actor: string, branchId?: string, explicitPlanId?: string): Promise<string> {
  // The server gives a branch's plans ids in its namespace (src/server/plan-ids.ts).
  const planId = explicitPlanId ?? (branchId === undefined ? newId() : `${branchId}-${newId()}`);
  if (explicitPlanId !== undefined && (await db.plans.get(planId)) !== undefined) throw new DbError(DB_ERROR.planExists, planId);
  const records = planFileToRecords({ ...file, plan: { ...file.plan, demo: false } }, { planId, now: new Date().toISOString(), author: actor, newId });
  if (branchId !== undefined) records.plan = { ...records.plan, branchId };
  await storePlanRecords(db, records, { outbox: true });
  return planId;
}

export async function exportPlanFile(db: TrackerDb, planId: string): Promise<PlanFile> {
  return recordsToPlanFile(await readPlanRecords(db, planId));
}
