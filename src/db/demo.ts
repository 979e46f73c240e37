// The demo plan (東京支部 令和6年度, from seed 004) is stored on first run so that a newcomer
// sees a real plan at once. It is parsed like any imported file and never queued for sync.
import { parsePlanFile, planFileToRecords } from '../model/plan-file';
import { DEMO_FLAG, type TrackerDb } from './database';
import { storePlanRecords } from './repository';

export const DEMO_PLAN_ID = 'demo-tokyo-r6';

export type DemoFileLoader = () => Promise<unknown>;

const loadBundledDemo: DemoFileLoader = async () => (await import('../demo/tokyo-r6.plan.json')).default;

/** Stores the demo plan unless this device has had it before (even if the user deleted it since). */
export async function loadDemoPlanOnFirstRun(db: TrackerDb, load: DemoFileLoader = loadBundledDemo): Promise<boolean> {
  if (await db.demoLoaded()) return false;
  const parsed = parsePlanFile(await load());
  if (!parsed.ok) {
    console.error('The bundled demo plan does not parse', parsed.problems);
    return false;
  }
  let n = 0;
  const records = planFileToRecords(parsed.file, {
    planId: DEMO_PLAN_ID,
    now: new Date().toISOString(),
    author: 'デモ',
    // Fixed ids: two tabs loading the demo at once write the same records, not duplicates.
    newId: () => `${DEMO_PLAN_ID}/note-${++n}`,
  });
  return db.transaction('rw', [db.meta, db.plans, db.sections, db.items, db.kpis, db.progress, db.notes, db.measurements, db.outbox], async () => {
    if (await db.demoLoaded()) return false;
    await storePlanRecords(db, records, { outbox: false });
    await db.meta.put({ key: DEMO_FLAG, value: new Date().toISOString() });
    return true;
  });
}
