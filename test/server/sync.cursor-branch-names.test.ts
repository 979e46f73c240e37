// A branch whose id is a name every object inherits (constructor, toString, valueOf — all valid
// branch ids): a cursor without it must read it from version 0, not from Object.prototype's
// function (which broke SQLite's bind and left PostgreSQL's pulls empty).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openSqliteStorage } from '../../src/server/storage/sqlite';
import { SyncService } from '../../src/server/sync';
import { PROTOCOL_VERSION } from '../../src/model/protocol';

it('a first pull of a member of branch "constructor" gets its records (after a server restart)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'review-'));
  const path = join(dir, 't.sqlite');
  try {
    const first = await openSqliteStorage(path);
    await first.addBranch({ id: 'constructor', name: 'X', createdAt: '2026-01-01T00:00:00.000Z' });
    await first.write(['constructor'], (tx) =>
      tx.putRecord({ table: 'notes', id: 'n1', branchId: 'constructor', planId: 'p', data: { id: 'n1' }, updatedAt: 'a', updatedBy: 'b' }),
    );
    await first.close();
    const storage = await openSqliteStorage(path);
    try {
      const sync = new SyncService(storage);
      const principal = {
        user: { id: 'u', email: 'u@x', name: 'U', passwordHash: '', createdAt: '' },
        roles: new Map([['constructor', 'staff' as const]]),
        expiresAt: '2030-01-01T00:00:00.000Z',
      };
      const body = await sync.roundTrip(principal, { protocolVersion: PROTOCOL_VERSION, clientId: 'client-0001', mutations: [], cursor: null }, new Date());
      const res = JSON.parse(Buffer.from(body).toString()) as { changes: unknown[]; cursor: string };
      expect(res.changes).toHaveLength(1);
      expect(res.cursor).toContain('constructor:1');
    } finally {
      await storage.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
