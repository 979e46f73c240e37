// A cursor of the one-counter scheme (v1) is read as that version in every branch of the token
// (sync.ts). Migration 004 starts existing branches' counters at the old counter; a branch added
// after it must start there too, or a v1 cursor would skip its first records silently (found by
// the review of issue 14).
import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openSqliteStorage } from '../../src/server/storage/sqlite';
import { SyncService } from '../../src/server/sync';
import { PROTOCOL_VERSION } from '../../src/model/protocol';

const AT = '2026-01-01T00:00:00.000Z';
const note = (id: string, branchId: string) => ({ table: 'notes' as const, id, branchId, planId: 'p', data: { id }, updatedAt: AT, updatedBy: 'b' });

it('a v1 cursor does not skip the records of a branch added after migration 004', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'review-'));
  const path = join(dir, 't.sqlite');
  try {
    // A database of the release before 004: 50 versions on the one counter.
    const s0 = await openSqliteStorage(path);
    await s0.addBranch({ id: 'tokyo', name: '東京', createdAt: AT });
    await s0.write(['tokyo'], async (tx) => {
      for (let i = 0; i < 50; i++) await tx.putRecord(note(`t${i}`, 'tokyo'));
    });
    await s0.close();
    const raw = new Database(path);
    raw.exec(`delete from kysely_migration where name = '004-branch-versions';
      insert into counters (name, value) select 'version', max(value) from branch_versions;
      drop table branch_versions; delete from meta where key in ('v1CursorLimit', 'databaseId');`);
    raw.close();
    // The upgrade (004 runs), then a new branch with three records.
    const storage = await openSqliteStorage(path);
    try {
      await storage.addBranch({ id: 'fukuoka', name: '福岡', createdAt: AT });
      await storage.write(['fukuoka'], async (tx) => {
        for (let i = 0; i < 3; i++) await tx.putRecord(note(`f${i}`, 'fukuoka'));
      });
      const sync = new SyncService(storage);
      // A device that last synced before the upgrade (cursor v1.50), whose person was since given fukuoka too.
      const principal = {
        user: { id: 'u', email: 'u@x', name: 'U', passwordHash: '', createdAt: '' },
        roles: new Map([
          ['tokyo', 'staff' as const],
          ['fukuoka', 'staff' as const],
        ]),
        expiresAt: '2030-01-01T00:00:00.000Z',
      };
      const body = await sync.roundTrip(principal, { protocolVersion: PROTOCOL_VERSION, clientId: 'client-0001', mutations: [], cursor: 'v1.50' }, new Date());
      const res = JSON.parse(Buffer.from(body).toString()) as { changes: { id: string }[]; reset: boolean; cursor: string };
      // Its three records come (a new branch's counter starts where 004 started the others).
      expect(res.reset).toBe(false);
      expect(res.changes.filter((c) => c.id.startsWith('f')).map((c) => c.id)).toEqual(['f0', 'f1', 'f2']);
    } finally {
      await storage.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
