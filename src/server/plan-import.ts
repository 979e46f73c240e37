// Stores a whole plan (a parsed plan file) in a branch, in one write transaction: the demo
// seed and `npm run admin -- import-plan` use it. Every record takes a version, so devices of
// the branch pull the new plan on their next sync.
import { planFileToRecords, type PlanFile, type PlanRecords } from '../model/plan-file';
import type { RecordTable } from '../model/schemas';
import { planIdProblem } from './plan-ids';
import type { AccountStore, RecordStore } from './storage/storage';

export class PlanImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanImportError';
  }
}

export interface PlanImport {
  branchId: string;
  planId: string;
  file: PlanFile;
  now: Date;
  /** Who imported it: stamped as updatedBy. */
  author: string;
  /** Ids for notes (they have no natural key). */
  newId: () => string;
}

/**
 * Returns how many records were written. Refuses a plan id that exists, in any branch, and one
 * outside the branch's namespace (plan-ids.ts).
 */
export async function importPlan(storage: RecordStore & Pick<AccountStore, 'listBranches'>, input: PlanImport): Promise<number> {
  const branches = await storage.listBranches();
  if (!branches.some((b) => b.id === input.branchId)) throw new PlanImportError(`branch ${input.branchId} does not exist`);
  const idProblem = planIdProblem(
    input.planId,
    input.branchId,
    branches.map((b) => b.id),
  );
  if (idProblem !== null) throw new PlanImportError(idProblem);
  const at = input.now.toISOString();
  const records: PlanRecords = planFileToRecords(input.file, { planId: input.planId, now: at, author: input.author, newId: input.newId });
  const plan = { ...records.plan, branchId: input.branchId };
  const rows: [RecordTable, readonly { id: string }[]][] = [
    ['plans', [plan]],
    ['sections', records.sections],
    ['items', records.items],
    ['kpis', records.kpis],
    ['progress', records.progress],
    ['notes', records.notes],
    ['measurements', records.measurements],
  ];
  return storage.write([input.branchId], async (tx) => {
    if (await tx.getRecord('plans', input.planId)) throw new PlanImportError(`plan ${input.planId} exists already`);
    let n = 0;
    for (const [table, list] of rows) {
      for (const data of list) {
        if (table !== 'plans' && (await tx.getRecord(table, data.id))) throw new PlanImportError(`${table} record ${data.id} exists already`);
        await tx.putRecord({ table, id: data.id, branchId: input.branchId, planId: input.planId, data, updatedAt: at, updatedBy: input.author });
        n++;
      }
    }
    return n;
  });
}
