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
import { expectKeyedOrders, LEGACY_ORDERS, storageContract } from '../storage-contract';

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tracker-sqlite-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

storageContract('SQLite in memory', () => openSqliteStorage(':memory:'));
storageContract('SQLite file', () => openSqliteStorage(join(dir, `contract-${++n}.sqlite`)));

describe('SQLite file', () => {
  it('keeps its data across a reopen and runs each migration once', async () => {
    const path = join(dir, 'reopen.sqlite');
    const first = await openSqliteStorage(path);
    await first.write((tx) => tx.putRecord({ table: 'plans', id: 'p', branchId: 'b', planId: 'p', data: { id: 'p' }, updatedAt: 't', updatedBy: 'u' }));
    await first.close();
    const second = await openSqliteStorage(path);
    expect((await second.getRecord('plans', 'p'))?.version).toBe(1);
    expect(await second.maxVersion()).toBe(1);
    await second.close();
    const raw = new Database(path, { readonly: true });
    const migrations = [{ name: '001-initial' }, { name: '002-device-secrets' }, { name: '003-order-keys' }];
    expect(raw.prepare('select name from kysely_migration order by name').all()).toEqual(migrations);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('turns the integer orders of a database from before order keys into keys (migration 003), leaving versions', async () => {
    const path = join(dir, 'orders.sqlite');
    const before = await openSqliteStorage(path);
    await before.write(async (tx) => {
      for (const [table, id, data] of LEGACY_ORDERS) await tx.putRecord({ table, id, branchId: 'b', planId: 'p', data, updatedAt: 't', updatedBy: 'u' });
    });
    await before.close();
    const raw = new Database(path);
    raw.prepare(`delete from kysely_migration where name = '003-order-keys'`).run();
    raw.close();
    const after = await openSqliteStorage(path);
    await expectKeyedOrders(after);
    await after.close();
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
