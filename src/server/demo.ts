// The embedded default's demo: on a new database (and never in production) a demo branch with
// the demo plan (fixed ids, src/model/demo.ts) and two demo accounts with a published password.
// Logged as a warning whenever they exist.
import demoPlanFile from '../demo/tokyo-r6.plan.json';
import { DEMO_PLAN_ID, demoNoteId } from '../model/demo';
import { parsePlanFile } from '../model/plan-file';
import type { Role } from '../model/protocol';
import { createUser, PASSWORD_COST, type PasswordCost } from './accounts';
import type { Logger } from './log';
import { importPlan } from './plan-import';
import type { AccountStore, RecordStore } from './storage/storage';

export const DEMO_BRANCH = { id: 'demo-tokyo', name: '東京支部（デモ）' } as const;
export const DEMO_PASSWORD = 'demo1234';
export const DEMO_USERS: readonly { email: string; name: string; role: Role }[] = [
  { email: 'lead@demo', name: 'デモ リーダー', role: 'lead' },
  { email: 'staff@demo', name: 'デモ 担当', role: 'staff' },
  // Imports plans (a plan file, or a plan pasted as text); the other two cannot.
  { email: 'admin@demo', name: 'デモ 管理者', role: 'admin' },
];
/** Meta key set when this database was seeded with the demo. */
export const DEMO_META_KEY = 'demoSeededAt';

export interface DemoAccount {
  email: string;
  password: string;
  role: Role;
}

const demoAccounts = (): DemoAccount[] => DEMO_USERS.map((u) => ({ email: u.email, password: DEMO_PASSWORD, role: u.role }));

/**
 * Seeds the demo into a new database (no branches, no users yet) unless `production`.
 * Returns the demo accounts when this database has them (seeded now or earlier), else null.
 */
export async function ensureDemo(
  storage: RecordStore & AccountStore,
  options: { production: boolean; log: Logger; now: Date; passwordCost?: PasswordCost },
): Promise<DemoAccount[] | null> {
  const { production, log, now } = options;
  if (production) {
    if ((await storage.getMeta(DEMO_META_KEY)) !== undefined) {
      log.warn(
        'this database was seeded with the demo accounts, whose password is published: reset their passwords (npm run admin -- reset-password) or start production on a new data folder',
        {
          accounts: DEMO_USERS.map((u) => u.email),
        },
      );
    }
    return null;
  }
  if ((await storage.getMeta(DEMO_META_KEY)) === undefined) {
    const isNew = (await storage.listBranches()).length === 0 && (await storage.listUsers()).length === 0;
    if (!isNew) return null;
    await seedDemo(storage, now, options.passwordCost);
    log.warn('demo data created', { branch: DEMO_BRANCH.id, plan: DEMO_PLAN_ID });
  }
  log.warn('demo accounts exist with a published password: not for production (set NODE_ENV=production on a new data folder)', {
    accounts: DEMO_USERS.map((u) => u.email),
  });
  return demoAccounts();
}

export async function seedDemo(storage: RecordStore & AccountStore, now: Date, passwordCost: PasswordCost = PASSWORD_COST): Promise<void> {
  const parsed = parsePlanFile(demoPlanFile);
  if (!parsed.ok) throw new Error(`the bundled demo plan does not parse: ${JSON.stringify(parsed.problems.slice(0, 3))}`);
  await storage.addBranch({ ...DEMO_BRANCH, createdAt: now.toISOString() });
  for (const u of DEMO_USERS) {
    const user = await createUser(storage, { email: u.email, name: u.name, password: DEMO_PASSWORD }, now, passwordCost);
    await storage.setMembership({ userId: user.id, branchId: DEMO_BRANCH.id, role: u.role });
  }
  let n = 0;
  await importPlan(storage, { branchId: DEMO_BRANCH.id, planId: DEMO_PLAN_ID, file: parsed.file, now, author: 'デモ', newId: () => demoNoteId(++n) });
  await storage.setMeta(DEMO_META_KEY, now.toISOString());
}
