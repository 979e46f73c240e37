// One write inserts a record preload() found absent (kept for the next flush) and then writes it
// again with putRecord: both must go as one insert, on PostgreSQL too. Reachable from /api/sync:
// a lead's request whose second mutation edits the conflict its first mutation creates
// (conflict:<m1>:<field>); before the fix PostgreSQL refused the write at every retry.
import { expect, it } from 'vitest';
import { openPostgresStorage } from '../../../src/server/storage/postgres';
import { openSqliteStorage } from '../../../src/server/storage/sqlite';
import type { RecordWrite, Storage } from '../../../src/server/storage/storage';
import { describePostgres } from '../postgres-env';

const AT = '2026-05-01T00:00:00.000Z';
const rec = (id: string, data: Record<string, unknown>): RecordWrite => ({
  table: 'conflicts',
  id,
  branchId: 'b1',
  planId: 'p1',
  data,
  updatedAt: AT,
  updatedBy: 't',
});

async function insertThenPut(s: Storage): Promise<unknown> {
  await s.addBranch({ id: 'b1', name: 'b', createdAt: AT });
  await s.write(['b1'], async (tx) => {
    await tx.preload?.([{ table: 'conflicts', id: 'c1' }], { clientId: 'c', userId: 'u' });
    await tx.insertRecordIfAbsent(rec('c1', { v: 1 }));
    await tx.putRecord(rec('c1', { v: 2 }));
  });
  return JSON.parse((await s.getRecord('conflicts', 'c1'))!.data);
}

it('SQLite: insert then put in one write', async () => {
  const s = await openSqliteStorage(':memory:');
  try {
    expect(await insertThenPut(s)).toEqual({ v: 2 });
  } finally {
    await s.close();
  }
});

describePostgres('review', (env) => {
  it('PostgreSQL: insert then put in one write', async () => {
    const s = await openPostgresStorage(env.url, { schema: env.newSchema(), poolSize: 2 });
    try {
      expect(await insertThenPut(s)).toEqual({ v: 2 });
    } finally {
      await s.close();
    }
  });
});
