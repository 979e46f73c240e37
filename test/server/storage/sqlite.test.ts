// The storage contract on SQLite (in memory and in a file), and what is SQLite's own: the file
// survives a reopen with migrations run once, WAL is on, an online backup is a database, and
// the page cache's size comes from SQLITE_CACHE_MB.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settingsFromEnv } from '../../../src/server/main';
import { openSqliteStorage } from '../../../src/server/storage/sqlite';
import type { WriteTx } from '../../../src/server/storage/storage';
import { expectKeyedOrders, LEGACY_ORDERS, storageContract } from '../storage-contract';

/** Lets the event loop turn once (what a request of the next turn sees). */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tracker-sqlite-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Undoes migration 004 on a file, as a database of the release before it is. */
const BEFORE_004 = `delete from kysely_migration where name = '004-branch-versions';
  insert into counters (name, value) select 'version', coalesce(max(value), 0) from branch_versions;
  drop table branch_versions;
  delete from meta where key in ('v1CursorLimit', 'databaseId')`;
const BEFORE_003_AND_004 = `${BEFORE_004}; delete from kysely_migration where name = '003-order-keys'`;

storageContract('SQLite in memory', () => openSqliteStorage(':memory:'));
storageContract('SQLite file', () => openSqliteStorage(join(dir, `contract-${++n}.sqlite`)));

describe('SQLite file', () => {
  it('keeps its data across a reopen and runs each migration once', async () => {
    const path = join(dir, 'reopen.sqlite');
    const first = await openSqliteStorage(path);
    await first.write(['b'], (tx) => tx.putRecord({ table: 'plans', id: 'p', branchId: 'b', planId: 'p', data: { id: 'p' }, updatedAt: 't', updatedBy: 'u' }));
    await first.close();
    const second = await openSqliteStorage(path);
    expect((await second.getRecord('plans', 'p'))?.version).toBe(1);
    expect(await second.branchVersions(['b'])).toEqual({ b: 1 });
    await second.close();
    const raw = new Database(path, { readonly: true });
    const migrations = [{ name: '001-initial' }, { name: '002-device-secrets' }, { name: '003-order-keys' }, { name: '004-branch-versions' }];
    expect(raw.prepare('select name from kysely_migration order by name').all()).toEqual(migrations);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('turns the integer orders of a database from before order keys into keys (migration 003), leaving versions', async () => {
    const path = join(dir, 'orders.sqlite');
    const before = await openSqliteStorage(path);
    await before.write(['b'], async (tx) => {
      for (const [table, id, data] of LEGACY_ORDERS) await tx.putRecord({ table, id, branchId: 'b', planId: 'p', data, updatedAt: 't', updatedBy: 'u' });
    });
    await before.close();
    const raw = new Database(path);
    raw.exec(BEFORE_003_AND_004);
    raw.close();
    const after = await openSqliteStorage(path);
    await expectKeyedOrders(after);
    await after.close();
  });

  it('gives each branch its own counter, starting at the old one, leaving versions (migration 004)', async () => {
    const path = join(dir, 'branches.sqlite');
    const before = await openSqliteStorage(path);
    await before.write(['a', 'b'], async (tx) => {
      await tx.putRecord({ table: 'plans', id: 'pa', branchId: 'a', planId: 'pa', data: { id: 'pa' }, updatedAt: 't', updatedBy: 'u' });
      await tx.putRecord({ table: 'plans', id: 'pb', branchId: 'b', planId: 'pb', data: { id: 'pb' }, updatedAt: 't', updatedBy: 'u' });
    });
    await before.close();
    // As the release before left it: one counter for every branch, at 7 (versions 1–7 of both branches).
    const raw = new Database(path);
    raw.exec(`${BEFORE_004}; update counters set value = 7; update records set version = 3 where id = 'pa'; update records set version = 7 where id = 'pb'`);
    raw.close();
    const after = await openSqliteStorage(path);
    expect(await after.branchVersions(['a', 'b'])).toEqual({ a: 7, b: 7 });
    expect([(await after.getRecord('plans', 'pa'))?.version, (await after.getRecord('plans', 'pb'))?.version]).toEqual([3, 7]);
    expect(await after.getMeta('v1CursorLimit')).toBe('7');
    expect(await after.getMeta('databaseId')).toMatch(/^[A-Za-z0-9_-]{8}$/);
    // The next write of a branch goes above every version it had.
    expect(
      await after.write(['a'], (tx) =>
        tx.putRecord({ table: 'plans', id: 'pa', branchId: 'a', planId: 'pa', data: { id: 'pa' }, updatedAt: 't', updatedBy: 'u' }),
      ),
    ).toBe(8);
    expect((await after.dump()).counters).toEqual([]);
    await after.close();
  });

  it('answers sessions from memory until a change: its own at once, and one made by another process (the admin command) a turn of the event loop later', async () => {
    const path = join(dir, 'sessions.sqlite');
    const server = await openSqliteStorage(path);
    const admin = await openSqliteStorage(path);
    try {
      const at = '2026-05-01T00:00:00.000Z';
      await server.addBranch({ id: 'b1', name: 'b', createdAt: at });
      await server.addUser({ id: 'u1', email: 'u1@x', name: 'U', passwordHash: 'h', createdAt: at });
      await server.setMembership({ userId: 'u1', branchId: 'b1', role: 'lead' });
      await server.addToken({ hash: 't1', userId: 'u1', createdAt: at, expiresAt: '2027-01-01T00:00:00.000Z', revokedAt: null });
      const first = await server.getSession('t1');
      expect(first?.memberships).toEqual([{ userId: 'u1', branchId: 'b1', role: 'lead' }]);
      // Nothing changed: the same (frozen) session, not read again.
      expect(await server.getSession('t1')).toBe(first);
      await admin.setMembership({ userId: 'u1', branchId: 'b1', role: 'staff' });
      // The requests of one turn share one look at the database's data_version.
      await nextTurn();
      expect((await server.getSession('t1'))?.memberships).toEqual([{ userId: 'u1', branchId: 'b1', role: 'staff' }]);
      await admin.revokeTokensOf('u1', at);
      await nextTurn();
      expect((await server.getSession('t1'))?.token.revokedAt).toBe(at);
      // Its own change: at once as well.
      await server.removeMembership('u1', 'b1');
      expect((await server.getSession('t1'))?.memberships).toEqual([]);
    } finally {
      await admin.close();
      await server.close();
    }
  });

  it('S49: knows of another process’s account change that committed while its write waited for the lock, before the write returns', async () => {
    const path = join(dir, 'sessions-before-commit.sqlite');
    const server = await openSqliteStorage(path);
    const admin = await openSqliteStorage(path);
    try {
      const at = '2026-05-01T00:00:00.000Z';
      await server.addBranch({ id: 'b1', name: 'b', createdAt: at });
      await server.addUser({ id: 'u1', email: 'u1@x', name: 'U', passwordHash: 'h', createdAt: at });
      await server.getSession('t1');
      const before = server.sessionGeneration;
      // In the same turn as the look at data_version above: only the write's own look can tell.
      await admin.setMembership({ userId: 'u1', branchId: 'b1', role: 'staff' });
      await server.write(['b1'], (tx) =>
        tx.putRecord({ table: 'plans', id: 'p1', branchId: 'b1', planId: 'p1', data: { id: 'p1' }, updatedAt: at, updatedBy: 'u' }),
      );
      expect(server.sessionGeneration).toBeGreaterThan(before);
    } finally {
      await admin.close();
      await server.close();
    }
  });

  it('pulls with the branch counters it knows, and sees another process’s commit a turn of the event loop later', async () => {
    const path = join(dir, 'counters.sqlite');
    const server = await openSqliteStorage(path);
    const admin = await openSqliteStorage(path);
    const put = (id: string) => async (tx: WriteTx) => {
      await tx.putRecord({ table: 'progress', id, branchId: 'b1', planId: 'p', data: { id }, updatedAt: 't', updatedBy: 'u' });
    };
    const idsAfter = async (version: number) => {
      const page = await server.encodedChangesSince({ b1: version }, 100, 1 << 20);
      return { ids: (JSON.parse(`[${Buffer.concat(page.chunks).toString()}]`) as { id: string }[]).map((c) => c.id), last: page.lastVersions.b1 };
    };
    try {
      await server.addBranch({ id: 'b1', name: 'b', createdAt: 't' });
      await server.write(['b1'], put('own'));
      const first = await idsAfter(0);
      expect(first.ids).toEqual(['own']);
      await admin.write(['b1'], put('by-admin'));
      await nextTurn();
      expect(await idsAfter(first.last!)).toMatchObject({ ids: ['by-admin'] });
      // Its own commit after the other's: counted on from the database's counter, under the write lock.
      await server.write(['b1'], put('own-2'));
      expect((await idsAfter(0)).ids).toEqual(['own', 'by-admin', 'own-2']);
      expect(await server.branchVersions(['b1'])).toEqual(await admin.branchVersions(['b1']));
    } finally {
      await admin.close();
      await server.close();
    }
  });

  it('runs a batch without savepoints until a write throws, then gives every write its savepoint for a while: no write runs twice again', async () => {
    const storage = await openSqliteStorage(':memory:');
    try {
      const runs = new Map<string, number>();
      const write = (id: string) =>
        storage.write(['b1'], async (tx) => {
          runs.set(id, (runs.get(id) ?? 0) + 1);
          await tx.putRecord({ table: 'progress', id, branchId: 'b1', planId: 'p', data: { id }, updatedAt: 't', updatedBy: 'u' });
          if (id.startsWith('forbidden')) throw new Error(`refused ${id}`);
        });
      const first = await Promise.allSettled([write('a'), write('forbidden-1'), write('b')]);
      expect(first.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      // The first pass ended at the throw: 'a' ran in it and again in the second.
      expect(Object.fromEntries(runs)).toEqual({ a: 2, 'forbidden-1': 1, b: 1 });
      runs.clear();
      const second = await Promise.allSettled([write('c'), write('forbidden-2'), write('d')]);
      expect(second.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(Object.fromEntries(runs)).toEqual({ c: 1, 'forbidden-2': 1, d: 1 });
      expect((await storage.changesSince({ b1: 0 }, 10)).records.map((r) => [r.id, r.version])).toEqual([
        ['a', 1],
        ['b', 2],
        ['c', 3],
        ['d', 4],
      ]);
    } finally {
      await storage.close();
    }
  });

  it('makes an online backup that opens as the same database', async () => {
    const storage = await openSqliteStorage(join(dir, 'live.sqlite'));
    await storage.setMeta('k', 'v');
    await storage.backup(join(dir, 'backup.sqlite'));
    await storage.close();
    const copy = await openSqliteStorage(join(dir, 'backup.sqlite'));
    expect(await copy.getMeta('k')).toBe('v');
    await copy.close();
  });

  it('takes its page cache size from SQLITE_CACHE_MB and refuses a senseless one', async () => {
    expect(settingsFromEnv({ SQLITE_CACHE_MB: '32' }).sqliteCacheMb).toBe(32);
    expect(settingsFromEnv({ SQLITE_CACHE_MB: '' }).sqliteCacheMb).toBeUndefined();
    for (const bad of ['0', '1.5', 'lots']) expect(() => settingsFromEnv({ SQLITE_CACHE_MB: bad })).toThrow('SQLITE_CACHE_MB');
    await expect(openSqliteStorage(':memory:', { cacheMb: 0 })).rejects.toThrow('cache size');
    const storage = await openSqliteStorage(join(dir, 'cache.sqlite'), { cacheMb: 4 });
    await storage.close();
  });
});
