// A fresh on-device database per test holding the small plan of test/fixtures/plan-file-good.json
// (東京支部 令和6年度: 郵送化率 98.2% in June against 対前年度（98.4%）以上, and so on), or an empty
// one that a test fills with plan files through the real import.
import { TrackerDb } from '../../src/db/database';
import { importPlanFile } from '../../src/sync/plan-io';
import { saveMeasurement, storePlanRecords } from '../../src/sync/edits';
import { parsePlanFile, planFileToRecords } from '../../src/model/plan-file';
import { monthsOfFiscalYear } from '../../src/model/wareki';
import good from '../fixtures/plan-file-good.json';

export const PLAN_ID = 'plan-under-test';

/** The record id the fixture's ref gets inside the stored plan. */
export const ref = (fileRef: string) => `${PLAN_ID}/${fileRef}`;

export async function dbWithFixturePlan(): Promise<TrackerDb> {
  const db = new TrackerDb(`test-${crypto.randomUUID()}`);
  const parsed = parsePlanFile(good);
  if (!parsed.ok) throw new Error(`The fixture plan does not parse: ${JSON.stringify(parsed.problems)}`);
  let n = 0;
  const records = planFileToRecords(parsed.file, { planId: PLAN_ID, now: '2024-07-01T00:00:00.000Z', author: 'テスト', newId: () => `note-${++n}` });
  // Stored without outbox entries, so a test sees exactly the entries its own edits make.
  await storePlanRecords(db, records, { outbox: false });
  return db;
}

/** Closes and deletes a test's database, so the next test starts from its own. */
export async function discardDb(db: TrackerDb): Promise<void> {
  db.close();
  await db.delete({ disableAutoOpen: false }).catch(() => undefined);
}

/** An empty on-device database, for tests that load their plans themselves. */
export function emptyDb(): TrackerDb {
  return new TrackerDb(`test-${crypto.randomUUID()}`);
}

/** Loads a plan file the way the plan list does (parse, then the real import) and returns the new plan's id. */
export async function importPlanFixture(db: TrackerDb, data: unknown, branchId?: string): Promise<string> {
  const parsed = parsePlanFile(data);
  if (!parsed.ok) throw new Error(`The fixture plan does not parse: ${JSON.stringify(parsed.problems)}`);
  return importPlanFile(db, parsed.file, 'テスト', branchId);
}

/** Actuals of a fixture KPI by month, saved as the KPI screen saves them. */
export async function saveActuals(db: TrackerDb, kpiRef: string, values: Record<string, number>): Promise<void> {
  for (const [month, value] of Object.entries(values)) await saveMeasurement(db, { planId: PLAN_ID, kpiId: ref(kpiRef), month }, value, 'テスト');
}

export const PREVIOUS_PLAN_ID = 'plan-previous-year';

/**
 * The same branch's plan of the year before (令和5年度), holding one KPI with an actual for every
 * month, April first. The name is written as people do, with a full-width space that the match
 * by name ignores.
 */
export async function storePreviousYearPlan(db: TrackerDb, kpiName: string, monthly: readonly number[]): Promise<void> {
  const months = monthsOfFiscalYear(2023);
  const parsed = parsePlanFile({
    format: 'jigyo-keikaku-plan',
    version: 1,
    plan: { branch: '東京支部', fiscalYear: 2023, title: '令和5年度 東京支部事業計画', periodKind: 'half' },
    sections: [],
    kpis: [{ id: 'k-last-year', name: kpiName, unit: '%', target: { kind: 'value', value: 60, direction: '以上' } }],
    measurements: monthly.map((value, i) => ({ kpi: 'k-last-year', month: months[i]!, value })),
  });
  if (!parsed.ok) throw new Error(`The previous year's plan does not parse: ${JSON.stringify(parsed.problems)}`);
  const records = planFileToRecords(parsed.file, {
    planId: PREVIOUS_PLAN_ID,
    now: '2024-07-01T00:00:00.000Z',
    author: 'テスト',
    newId: () => crypto.randomUUID(),
  });
  await storePlanRecords(db, records, { outbox: false });
}
