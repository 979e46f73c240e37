// A fresh on-device database per test holding the small plan of test/fixtures/plan-file-good.json
// (東京支部 令和6年度: 郵送化率 98.2% in June against 対前年度（98.4%）以上, and so on).
import { TrackerDb } from '../../src/db/database';
import { storePlanRecords } from '../../src/db/repository';
import { parsePlanFile, planFileToRecords } from '../../src/model/plan-file';
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
