// The storage contract on PostgreSQL, and what is PostgreSQL's own: the schema named in the URL
// or the options, migrations run once per schema, two pools on one schema (as two server
// processes) serialize their writers so that a reader's cursor never skips a change, and group
// commit (writes queued in a process share one transaction, in order, a failing one rolled back
// alone, all refused when the COMMIT fails). Also how openStorage() picks the storage from
// DATABASE_URL.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { memoryLogger } from '../../../src/server/log';
import { settingsFromEnv, startServer } from '../../../src/server/main';
import { describeDatabase, openStorage } from '../../../src/server/storage/open-storage';
import { SESSION_CACHE_MS } from '../../../src/server/storage/kysely-storage';
import { openPostgresStorage, splitSchemaParam } from '../../../src/server/storage/postgres';
import type { RecordWrite } from '../../../src/server/storage/storage';
import { describePostgres } from '../postgres-env';
import { expectKeyedOrders, LEGACY_ORDERS, storageContract } from '../storage-contract';

const AT = '2026-05-01T00:00:00.000Z';
const rec = (id: string): RecordWrite => ({ table: 'notes', id, branchId: 'b1', planId: 'p1', data: { id }, updatedAt: AT, updatedBy: 'tester' });
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('openStorage', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tracker-open-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('opens the SQLite file in DATA_DIR when DATABASE_URL is unset or empty', async () => {
    for (const databaseUrl of [undefined, '']) {
      const storage = await openStorage({ databaseUrl, dataDir: join(dir, 'data') });
      expect(storage.dialect).toBe('sqlite');
      await storage.close();
    }
    expect(describeDatabase({ databaseUrl: undefined, dataDir: '/srv/data' })).toBe('/srv/data/tracker.sqlite');
  });

  it('refuses any other URL without repeating it (it may hold a password)', async () => {
    for (const databaseUrl of ['mysql://u:secret@h/db', 'tracker.sqlite', 'postgres:/nohost', 'postgres://u:secret@[bad']) {
      const refused = openStorage({ databaseUrl, dataDir: dir });
      await expect(refused).rejects.toThrow(/DATABASE_URL must be a postgres|not a valid URL/);
      await expect(refused).rejects.not.toThrow('secret');
    }
  });

  it('describes a PostgreSQL URL without its password', () => {
    expect(describeDatabase({ databaseUrl: 'postgres://tracker:s3cret@db.example:5432/tracker?schema=t', dataDir: '/d' })).toBe(
      'postgres://tracker:***@db.example:5432/tracker?schema=t',
    );
    expect(describeDatabase({ databaseUrl: 'postgresql://db.example/tracker?password=s3cret', dataDir: '/d' })).toBe(
      'postgresql://db.example/tracker?password=***',
    );
  });

  it('reads DATABASE_URL and DATABASE_POOL_SIZE from the environment', () => {
    expect(settingsFromEnv({ DATABASE_URL: 'postgres://h/db', DATABASE_POOL_SIZE: '4' })).toMatchObject({ databaseUrl: 'postgres://h/db', poolSize: 4 });
    const unset = settingsFromEnv({ DATABASE_URL: '', DATABASE_POOL_SIZE: '' });
    expect(unset.databaseUrl).toBeUndefined();
    expect(unset.poolSize).toBeUndefined();
    for (const bad of ['0', '2.5', 'ten']) expect(() => settingsFromEnv({ DATABASE_POOL_SIZE: bad })).toThrow('DATABASE_POOL_SIZE');
  });

  it('takes the schema parameter out of the URL and leaves the rest', () => {
    expect(splitSchemaParam('postgres://u:p@h/db?schema=abc&sslmode=require')).toEqual({ url: 'postgres://u:p@h/db?sslmode=require', schema: 'abc' });
    expect(splitSchemaParam('postgres://u@h/db')).toEqual({ url: 'postgres://u@h/db', schema: undefined });
  });
});

describePostgres('PostgreSQL storage', (env) => {
  storageContract('PostgreSQL', () => openPostgresStorage(env.url, { schema: env.newSchema(), poolSize: 4 }));

  it('opens the schema the URL names through openStorage, and keeps its data across a reopen with migrations run once', async () => {
    const schema = env.newSchema();
    const url = env.urlWithSchema(schema);
    const first = await openStorage({ databaseUrl: url, dataDir: '/nonexistent' });
    expect(first.dialect).toBe('postgres');
    await first.write(['b1'], (tx) => tx.putRecord(rec('n1')));
    await first.close();
    const second = await openPostgresStorage(url);
    expect(second.schema).toBe(schema);
    expect((await second.getRecord('notes', 'n1'))?.version).toBe(1);
    expect(await second.branchVersions(['b1']).then((v) => v.b1)).toBe(1);
    // bigint columns come back as numbers, not text.
    expect((await second.dump()).branch_versions).toEqual([{ branch_id: 'b1', value: 1 }]);
    await second.close();

    const client = new pg.Client({ connectionString: env.url });
    await client.connect();
    try {
      const migrations = await client.query(`select name from ${pg.escapeIdentifier(schema)}.kysely_migration order by name`);
      expect(migrations.rows).toEqual([{ name: '001-initial' }, { name: '002-device-secrets' }, { name: '003-order-keys' }, { name: '004-branch-versions' }]);
    } finally {
      await client.end();
    }
  });

  it('turns the integer orders of a database from before order keys into keys (migration 003), leaving versions', async () => {
    const schema = env.newSchema();
    const before = await openPostgresStorage(env.url, { schema });
    await before.write(['b'], async (tx) => {
      for (const [table, id, data] of LEGACY_ORDERS) await tx.putRecord({ table, id, branchId: 'b', planId: 'p', data, updatedAt: AT, updatedBy: 'u' });
    });
    await before.close();
    const client = new pg.Client({ connectionString: env.url });
    await client.connect();
    try {
      // As the release before 003 left the schema (migration 004 undone first).
      await client.query(`set search_path to ${pg.escapeIdentifier(schema)}`);
      await client.query(`delete from kysely_migration where name in ('003-order-keys', '004-branch-versions')`);
      await client.query(`insert into counters (name, value) select 'version', coalesce(max(value), 0) from branch_versions`);
      await client.query(`drop table branch_versions`);
      await client.query(`delete from meta where key in ('v1CursorLimit', 'databaseId')`);
    } finally {
      await client.end();
    }
    const after = await openPostgresStorage(env.url, { schema });
    await expectKeyedOrders(after);
    await after.close();
  });

  it('serves from PostgreSQL when DATABASE_URL names it, and logs where without the password', async () => {
    // Trust authentication (as on CI) ignores the password; the log must not show it all the same.
    const url = new URL(env.urlWithSchema(env.newSchema()));
    url.password = 'not-to-be-logged';
    const log = memoryLogger();
    const server = await startServer({ ...settingsFromEnv({ DATABASE_URL: url.toString() }), port: 0, production: true, staticDir: null }, log);
    try {
      const res = await fetch(`${server.url}/api/health`);
      expect(res.status).toBe(200);
    } finally {
      await server.close();
    }
    const listening = log.entries.find((e) => e.msg === 'listening');
    expect(listening?.database).toContain(':***@');
    expect(JSON.stringify(log.entries)).not.toContain('not-to-be-logged');
  });

  it('refuses a schema name it would have to quote', async () => {
    await expect(openPostgresStorage(env.url, { schema: 'Bad-Name' })).rejects.toThrow('schema name');
    await expect(openPostgresStorage(env.url, { poolSize: 0 })).rejects.toThrow('pool size');
  });

  it('starts two storages on a new schema at once (two servers deploying together): both migrate it once', async () => {
    const schema = env.newSchema();
    const both = await Promise.all([openPostgresStorage(env.url, { schema }), openPostgresStorage(env.urlWithSchema(schema))]);
    await both[0].write(['b1'], (tx) => tx.putRecord(rec('x')));
    expect(await both[1].branchVersions(['b1']).then((v) => v.b1)).toBe(1);
    await Promise.all(both.map((s) => s.close()));
  });

  it('S19: serializes the writers of two pools on one schema, so a reader polling its cursor never skips a change', async () => {
    const schema = env.newSchema();
    const a = await openPostgresStorage(env.url, { schema, poolSize: 3 });
    const b = await openPostgresStorage(env.url, { schema, poolSize: 3 });
    try {
      let writing = true;
      // Polls like a client, through either pool: changes after its cursor, then the cursor moves to the last one.
      const seen: number[] = [];
      const reader = (async () => {
        let cursor = 0;
        for (let n = 0; ; n++) {
          const writesEnded = !writing;
          const page = await (n % 2 ? a : b).changesSince(Object.fromEntries(['b1'].map((b) => [b, cursor])), 7);
          for (const r of page.records) seen.push(r.version);
          cursor = page.records.at(-1)?.version ?? cursor;
          if (writesEnded && !page.hasMore) return;
        }
      })();
      const writers = Array.from({ length: 24 }, (_, w) =>
        (w % 2 ? a : b).write(['b1'], async (tx) => {
          const mine: number[] = [];
          for (let i = 0; i < 3; i++) {
            mine.push(await tx.putRecord(rec(`w${w}-${i}`)));
            await tick();
          }
          return mine;
        }),
      );
      const written = await Promise.all(writers);
      writing = false;
      await reader;
      expect(written.flat().sort((x, y) => x - y)).toEqual(Array.from({ length: 72 }, (_, i) => i + 1));
      for (const w of written) expect(w).toEqual([w[0], w[0]! + 1, w[0]! + 2]);
      // Every version, once, in order: had a cursor passed a version committed later, it would be missing.
      expect(seen).toEqual(Array.from({ length: 72 }, (_, i) => i + 1));
      expect(await a.branchVersions(['b1']).then((v) => v.b1)).toBe(72);
      expect(await b.branchVersions(['b1']).then((v) => v.b1)).toBe(72);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('lets writes of different branches run at once, from two pools, while a write of the same branch waits', async () => {
    const schema = env.newSchema();
    const a = await openPostgresStorage(env.url, { schema, poolSize: 3 });
    const b = await openPostgresStorage(env.url, { schema, poolSize: 3 });
    let open: (() => void) | undefined;
    try {
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      let holding!: () => void;
      const held = new Promise<void>((resolve) => (holding = resolve));
      // Holds branch b1's counter until the gate opens.
      const long = a.write(['b1'], async (tx) => {
        const v = await tx.putRecord(rec('long'));
        holding();
        await gate;
        return v;
      });
      await held;
      const order: string[] = [];
      const sameBranch = b.write(['b1'], (tx) => tx.putRecord(rec('same'))).then((v) => order.push(`b1 ${v}`));
      const otherBranch = b.write(['b2'], (tx) => tx.putRecord({ ...rec('other'), branchId: 'b2' })).then((v) => order.push(`b2 ${v}`));
      const sameInstance = a.write(['b3'], (tx) => tx.putRecord({ ...rec('third'), branchId: 'b3' })).then((v) => order.push(`b3 ${v}`));
      await Promise.all([otherBranch, sameInstance]);
      await new Promise((r) => setTimeout(r, 100));
      expect(order.sort()).toEqual(['b2 1', 'b3 1']);
      open?.();
      expect(await long).toBe(1);
      await sameBranch;
      expect(order).toContain('b1 2');
    } finally {
      open?.();
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('refuses a write whose record read ahead as absent was created meanwhile by another branch’s write, and keeps nothing of it', async () => {
    const schema = env.newSchema();
    const a = await openPostgresStorage(env.url, { schema, poolSize: 2 });
    const b = await openPostgresStorage(env.url, { schema, poolSize: 2 });
    try {
      let read!: () => void;
      const preloaded = new Promise<void>((resolve) => {
        read = resolve;
      });
      let open!: () => void;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      // The same id sent in two branches at once (a client reusing a mutation id): the second must not pass silently.
      const first = a.write(['b1'], async (tx) => {
        await tx.preload?.([{ table: 'history', id: 'history:m' }], { clientId: 'c', userId: 'u' });
        read();
        await gate;
        await tx.putRecord(rec('first'));
        return tx.insertRecordIfAbsent({ ...rec('history:m'), table: 'history' });
      });
      await preloaded;
      await b.write(['b2'], (tx) => tx.insertRecordIfAbsent({ ...rec('history:m'), table: 'history', branchId: 'b2', data: { by: 'b2' } }));
      open();
      await expect(first).rejects.toThrow('created by another write meanwhile');
      expect(await a.getRecord('notes', 'first')).toBeUndefined();
      expect(JSON.parse((await a.getRecord('history', 'history:m'))!.data)).toEqual({ by: 'b2' });
      expect(await a.branchVersions(['b1', 'b2'])).toEqual({ b1: 0, b2: 1 });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('serves a burst of pulls after an edit from memory, on the instance that wrote it and on another told of it, which reads the change once', async () => {
    const schema = env.newSchema();
    let queries = 0;
    const writer = await openPostgresStorage(env.url, { schema, poolSize: 3 });
    const other = await openPostgresStorage(env.url, { schema, poolSize: 3, onQuery: () => queries++ });
    try {
      await writer.addBranch({ id: 'b1', name: '支部1', createdAt: AT });
      await writer.write(['b1'], async (tx) => {
        for (let i = 0; i < 5; i++) await tx.putRecord(rec(`n${i}`));
      });
      const pull = (s: typeof writer, after: number) => s.encodedChangesSince({ b1: after }, 100, 1024 * 1024);
      // Both instances have pulled up to version 5 (the other one read it from the database).
      await pull(writer, 0);
      await pull(other, 0);
      const edit = await writer.write(['b1'], (tx) => tx.putRecord({ ...rec('n2'), data: { id: 'n2', again: true } }));
      expect(edit).toBe(6);
      // The live bus tells the other instance; then every device of the branch pulls at once.
      other.noteCommitted({ b1: edit });
      const before = queries;
      const pages = await Promise.all(Array.from({ length: 20 }, (_, i) => pull(i % 2 ? writer : other, 5)));
      for (const page of pages) {
        expect(page).toMatchObject({ count: 1, lastVersions: { b1: 6 }, hasMore: false });
        expect(JSON.parse(Buffer.concat(page.chunks).toString())).toMatchObject({ id: 'n2', version: 6, record: { again: true } });
      }
      // The missing change, read once; and the counters, once, should their once-a-second check fall in the burst.
      expect(queries - before).toBeGreaterThanOrEqual(1);
      expect(queries - before).toBeLessThanOrEqual(2);
      // Already current: the next burst reads nothing but, at most, that check.
      const current = queries;
      await Promise.all(Array.from({ length: 10 }, () => pull(other, 6)));
      expect(queries - current).toBeLessThanOrEqual(1);
    } finally {
      await Promise.all([writer.close(), other.close()]);
    }
  });

  it('reads a change another instance announced as soon as it hears of it, for the branches it serves, before any device asks', async () => {
    const schema = env.newSchema();
    let queries = 0;
    const writer = await openPostgresStorage(env.url, { schema, poolSize: 3 });
    const other = await openPostgresStorage(env.url, { schema, poolSize: 3, onQuery: () => queries++ });
    try {
      for (const id of ['b1', 'b2']) await writer.addBranch({ id, name: id, createdAt: AT });
      await writer.write(['b1'], (tx) => tx.putRecord(rec('n0')));
      await other.encodedChangesSince({ b1: 0 }, 100, 1024 * 1024);
      const edit = await writer.write(['b1'], (tx) => tx.putRecord({ ...rec('n0'), data: { id: 'n0', again: true } }));
      // b2 is served by no device of this instance: it has no window, and nothing is read for it.
      const b2 = await writer.write(['b2'], (tx) => tx.putRecord({ ...rec('m0'), branchId: 'b2' }));
      const before = queries;
      other.noteCommitted({ b1: edit, b2 });
      // One read, with no device asking (a query is counted once answered), and no other after it.
      await vi.waitFor(() => expect(queries - before).toBeGreaterThanOrEqual(1));
      await new Promise((r) => setTimeout(r, 100));
      expect(queries - before).toBe(1);
      const read = queries;
      const pages = await Promise.all(Array.from({ length: 10 }, () => other.encodedChangesSince({ b1: 1 }, 100, 1024 * 1024)));
      for (const page of pages) expect(page).toMatchObject({ count: 1, lastVersions: { b1: edit }, hasMore: false });
      // From memory: at most the counters' once-a-second check falls in the burst.
      expect(queries - read).toBeLessThanOrEqual(1);
    } finally {
      await Promise.all([writer.close(), other.close()]);
    }
  });

  it('answers from the database when another instance wrote more than a window catches up, and from memory again after', async () => {
    const schema = env.newSchema();
    const writer = await openPostgresStorage(env.url, { schema, poolSize: 2 });
    const other = await openPostgresStorage(env.url, { schema, poolSize: 2 });
    try {
      const pull = (after: number, limit: number) => other.encodedChangesSince({ b1: after }, limit, 1024 * 1024);
      await pull(0, 10);
      // More changes than a catch-up reads (2,000), and one text longer than it holds (4 Mi characters).
      const last = await writer.write(['b1'], async (tx) => {
        for (let i = 0; i < 2100; i++) await tx.putRecord(rec(`n${i}`));
        return tx.putRecord({ ...rec('long'), data: { text: 'x'.repeat(4 * 1024 * 1024 + 10) } });
      });
      other.noteCommitted({ b1: last });
      const ids: string[] = [];
      for (let after = 0; ; ) {
        const page = await pull(after, 1000);
        ids.push(...(JSON.parse(`[${Buffer.concat(page.chunks).toString()}]`) as { id: string }[]).map((c) => c.id));
        after = page.lastVersions.b1 ?? after;
        if (!page.hasMore) break;
      }
      expect(ids).toEqual([...Array.from({ length: 2100 }, (_, i) => `n${i}`), 'long']);
      const edit = await writer.write(['b1'], (tx) => tx.putRecord(rec('n0')));
      other.noteCommitted({ b1: edit });
      expect(await pull(last, 10)).toMatchObject({ count: 1, lastVersions: { b1: edit }, hasMore: false });
    } finally {
      await Promise.all([writer.close(), other.close()]);
    }
  });

  it('answers a session from memory for SESSION_CACHE_MS with one read for requests that come together, forgets it at once on its own account changes, and learns another instance’s within that time', async () => {
    const schema = env.newSchema();
    let queries = 0;
    const a = await openPostgresStorage(env.url, { schema, poolSize: 2, onQuery: () => queries++ });
    const b = await openPostgresStorage(env.url, { schema, poolSize: 2 });
    try {
      await a.addBranch({ id: 'b1', name: '支部1', createdAt: AT });
      await a.addUser({ id: 'u1', email: 'u1@example.jp', name: '利用者', passwordHash: 'x', createdAt: AT });
      await a.setMembership({ userId: 'u1', branchId: 'b1', role: 'staff' });
      for (const hash of ['t1', 't2']) await a.addToken({ hash, userId: 'u1', createdAt: AT, expiresAt: '2099-01-01T00:00:00.000Z', revokedAt: null });
      const before = queries;
      await a.getSession('t1');
      await Promise.all(Array.from({ length: 10 }, () => a.getSession('t1')));
      expect(queries - before).toBe(1);
      // Requests of a token not cached that come together share one read ...
      const together = queries;
      const sessions = await Promise.all(Array.from({ length: 10 }, () => a.getSession('t2')));
      expect(queries - together).toBe(1);
      expect(new Set(sessions).size).toBe(1);
      // ... unless an account change comes after it began: the requests after the change read again.
      a.accountsChanged();
      const early = a.getSession('t1');
      a.accountsChanged();
      const changed = queries;
      await Promise.all([early, a.getSession('t1'), a.getSession('t1')]);
      expect(queries - changed).toBe(2);
      // Shared by every request of the token: nobody can change it for the others.
      const shared = (await a.getSession('t1'))!;
      expect(() => shared.memberships.push({ userId: 'u1', branchId: 'b2', role: 'admin' })).toThrow();
      expect(() => Object.assign(shared.user, { name: '別人' })).toThrow();
      // Its own logout and role changes: at once.
      await a.revokeToken('t1', AT);
      expect((await a.getSession('t1'))?.token.revokedAt).toBe(AT);
      // A logout of a token already revoked leaves the others' sessions cached.
      await a.getSession('t2');
      await a.revokeToken('t1', AT);
      const repeated = queries;
      await a.getSession('t2');
      expect(queries - repeated).toBe(0);
      await a.getSession('t2');
      await a.removeMembership('u1', 'b1');
      expect((await a.getSession('t2'))?.memberships).toEqual([]);
      // Another instance's: within SESSION_CACHE_MS.
      await a.setMembership({ userId: 'u1', branchId: 'b1', role: 'staff' });
      expect((await a.getSession('t2'))?.token.revokedAt).toBeNull();
      await b.revokeToken('t2', AT);
      await new Promise((r) => setTimeout(r, SESSION_CACHE_MS + 50));
      expect((await a.getSession('t2'))?.token.revokedAt).toBe(AT);
      // Unknown tokens are not kept (a stream of made-up tokens must not fill the memory).
      expect(await a.getSession('nobody')).toBeUndefined();
      const unknown = queries;
      expect(await a.getSession('nobody')).toBeUndefined();
      expect(queries - unknown).toBe(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('returns its connection to the pool clean after a statement fails inside a write', async () => {
    const storage = await openPostgresStorage(env.url, { schema: env.newSchema(), poolSize: 1 });
    try {
      // PostgreSQL text cannot hold NUL: the insert fails in the database and aborts the transaction.
      await expect(
        storage.write(['b1'], async (tx) => {
          await tx.putRecord(rec('a'));
          await tx.putRecord(rec('nul\u0000'));
        }),
      ).rejects.toThrow();
      expect(await storage.write(['b1'], (tx) => tx.putRecord(rec('b')))).toBe(1);
      expect(await storage.getRecord('notes', 'a')).toBeUndefined();
    } finally {
      await storage.close();
    }
  });

  describe('group commit', () => {
    /**
     * A storage in a schema of its own whose records table refuses a record named 'poison…':
     * at the insert, or (deferred) at COMMIT. `close` ends both.
     */
    async function poisonedStorage(when: 'at insert' | 'at commit') {
      const schema = env.newSchema();
      const storage = await openPostgresStorage(env.url, { schema, poolSize: 2 });
      const client = new pg.Client({ connectionString: env.url });
      await client.connect();
      const s = pg.escapeIdentifier(schema);
      const message = when === 'at insert' ? 'poisoned insert' : 'poisoned commit';
      await client.query(
        `create function ${s}.refuse_poison() returns trigger language plpgsql as $$ begin if new.id like 'poison%' then raise exception '${message}'; end if; return new; end $$`,
      );
      await client.query(
        when === 'at insert'
          ? `create trigger refuse_poison before insert or update on ${s}.records for each row execute function ${s}.refuse_poison()`
          : `create constraint trigger refuse_poison after insert or update on ${s}.records deferrable initially deferred for each row execute function ${s}.refuse_poison()`,
      );
      return {
        storage,
        close: async () => {
          await client.end();
          await storage.close();
        },
      };
    }

    /** Starts these writes at once and notes, in order, each one's outcome as it is told. */
    async function settleInOrder<T>(writes: Promise<T>[]): Promise<{ events: string[]; outcomes: PromiseSettledResult<T>[] }> {
      const events: string[] = [];
      for (const [i, p] of writes.entries()) {
        p.then(
          () => events.push(`fulfilled ${i}`),
          () => events.push(`rejected ${i}`),
        );
      }
      return { events, outcomes: await Promise.allSettled(writes) };
    }

    it('runs writes queued together in one transaction, in call order; a failing one is refused at once and leaves nothing', async () => {
      const storage = await openPostgresStorage(env.url, { schema: env.newSchema(), poolSize: 2 });
      // 7 throws; 12 fails in the database (PostgreSQL text cannot hold NUL), aborting the transaction up to its savepoint.
      const failing = new Set([7, 12]);
      try {
        const { events, outcomes } = await settleInOrder(
          Array.from({ length: 20 }, (_, w) =>
            storage.write(['b1'], async (tx) => {
              const versions = [await tx.putRecord(rec(`w${w}`)), await tx.putRecord(rec(w === 12 ? 'nul\u0000' : `w${w}-b`))];
              await tx.setLastSeq(`c${w}`, 'u1', 1, AT);
              if (w === 7) throw new Error('refused');
              return versions;
            }),
          ),
        );
        // Told before any other: the others waited for a COMMIT that came after they ran.
        expect(events.slice(0, 2)).toEqual(['rejected 7', 'rejected 12']);
        const committed = Array.from({ length: 20 }, (_, w) => w).filter((w) => !failing.has(w));
        expect(outcomes.map((o) => o.status === 'fulfilled' && o.value)).toEqual(
          Array.from({ length: 20 }, (_, w) => (failing.has(w) ? false : [2 * committed.indexOf(w) + 1, 2 * committed.indexOf(w) + 2])),
        );
        expect(await storage.branchVersions(['b1']).then((v) => v.b1)).toBe(36);
        for (const w of failing) expect(await storage.getRecord('notes', `w${w}`)).toBeUndefined();
        expect((await storage.dump()).clients).toHaveLength(18);
      } finally {
        await storage.close();
      }
    });

    it('lets a write see what the writes before it in the same transaction left, unsent as it is', async () => {
      const storage = await openPostgresStorage(env.url, { schema: env.newSchema(), poolSize: 2 });
      try {
        const client = { clientId: 'c1', userId: 'u1' };
        const reads = () => ({ keys: [{ table: 'notes' as const, id: 'n1' }], client });
        const seen: unknown[] = [];
        const result = (seq: number) => ({ seq, mutationId: `m${seq}`, status: 'applied' as const, reason: null });
        // Queued in one turn: one transaction, every statement sent with its COMMIT.
        await Promise.all([
          storage.write(
            ['b1'],
            async (tx) => {
              await tx.putRecord(rec('n1'));
              await tx.putMutationResult('c1', 'u1', result(1));
              await tx.setLastSeq('c1', 'u1', 1, AT);
            },
            reads,
          ),
          storage.write(
            ['b1'],
            async (tx) => {
              seen.push((await tx.getRecord('notes', 'n1'))?.version, await tx.getLastSeq('c1', 'u1'), await tx.getMutationResult('c1', 'u1', 1));
              seen.push(await tx.insertRecordIfAbsent(rec('n1')));
              await tx.putMutationResult('c1', 'u1', result(2));
              await tx.pruneMutationResults('c1', 'u1', 2);
              await tx.setLastSeq('c1', 'u1', 2, AT);
            },
            reads,
          ),
          storage.write(
            ['b1'],
            async (tx) => {
              seen.push(await tx.getLastSeq('c1', 'u1'), await tx.getMutationResult('c1', 'u1', 1), await tx.getMutationResult('c1', 'u1', 2));
            },
            reads,
          ),
        ]);
        expect(seen).toEqual([1, 1, result(1), null, 2, undefined, result(2)]);
        const dump = await storage.dump();
        expect(dump.mutation_results).toEqual([{ client_id: 'c1', user_id: 'u1', seq: 2, mutation_id: 'm2', status: 'applied', reason: null }]);
        expect(dump.clients).toEqual([{ client_id: 'c1', user_id: 'u1', last_seq: 2, updated_at: AT }]);
      } finally {
        await storage.close();
      }
    });

    it('sends a batch of large writes in parts (over 4 MB kept unsent), and keeps each whole', async () => {
      const storage = await openPostgresStorage(env.url, { schema: env.newSchema(), poolSize: 2 });
      try {
        const big = (w: number) => `${w}:${'あ'.repeat(1_000_000)}`;
        const versions = await Promise.all(
          Array.from({ length: 8 }, (_, w) =>
            storage.write(['b1'], async (tx) => {
              if (w === 5) await tx.putRecord(rec('refused'));
              const version = await tx.putRecord({ ...rec(`big${w}`), data: { id: `big${w}`, text: big(w) } });
              if (w === 5) throw new Error('refused');
              return version;
            }),
          ).map((p) => p.catch((e: Error) => e.message)),
        );
        expect(versions).toEqual([1, 2, 3, 4, 5, 'refused', 6, 7]);
        for (const w of [0, 4, 7]) expect(JSON.parse((await storage.getRecord('notes', `big${w}`))!.data).text).toBe(big(w));
        expect(await storage.getRecord('notes', 'refused')).toBeUndefined();
        expect(await storage.getRecord('notes', 'big5')).toBeUndefined();
      } finally {
        await storage.close();
      }
    });

    it('puts at most 64 writes in one transaction', async () => {
      const storage = await openPostgresStorage(env.url, { schema: env.newSchema(), poolSize: 2 });
      try {
        const { events, outcomes } = await settleInOrder(
          Array.from({ length: 100 }, (_, w) =>
            storage.write(['b1'], async (tx) => {
              const version = await tx.putRecord(rec(`w${w}`));
              if (w === 70) throw new Error('refused');
              return version;
            }),
          ),
        );
        // The 71st write was in a second transaction: the first one's writes were answered before it ran.
        expect(events.slice(0, 64)).toEqual(Array.from({ length: 64 }, (_, w) => `fulfilled ${w}`));
        expect(events[64]).toBe('rejected 70');
        expect(outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []))).toEqual(Array.from({ length: 99 }, (_, i) => i + 1));
      } finally {
        await storage.close();
      }
    });

    it('refuses a write whose statements the database refuses at COMMIT; the writes before it commit, the ones after it run again', async () => {
      // The records refuse 'poison…' at its insert: a write's statements are sent with COMMIT,
      // so the database refuses them there, after the writes behind it have run.
      const { storage, close } = await poisonedStorage('at insert');
      try {
        const batch = (ids: string[]) =>
          Promise.allSettled(
            ids.map((id) =>
              storage.write(['b1'], async (tx) => {
                const version = await tx.putRecord(rec(id));
                await tx.setLastSeq(`client-${id}`, 'u1', 1, AT);
                if (id === 'own error') throw new Error('own error');
                return version;
              }),
            ),
          );
        const told = (outcomes: PromiseSettledResult<number>[]) => outcomes.map((o) => (o.status === 'fulfilled' ? o.value : String(o.reason)));
        // b and c ran on poison-1's effects: they run again, in the next transaction.
        expect(told(await batch(['a', 'poison-1', 'b', 'own error', 'c']))).toEqual([1, 'error: poisoned insert', 2, 'Error: own error', 3]);
        // The last write poisoned: the ones before it commit.
        expect(told(await batch(['d', 'e', 'poison-2']))).toEqual([4, 5, 'error: poisoned insert']);
        // A write that sent a statement of its own before (an insert not read ahead) is undone
        // whole when its statements at COMMIT are refused, what it sent before included.
        const early = storage.write(['b1'], async (tx) => {
          await tx.insertRecordIfAbsent(rec('sent-early'));
          await tx.putRecord(rec('poison-3'));
        });
        await expect(early).rejects.toThrow('poisoned insert');
        expect(await storage.getRecord('notes', 'sent-early')).toBeUndefined();
        const dump = await storage.dump();
        expect(dump.records!.map((r) => [(r as { id: string }).id, Number((r as { version: number }).version)])).toEqual([
          ['a', 1],
          ['b', 2],
          ['c', 3],
          ['d', 4],
          ['e', 5],
        ]);
        expect(dump.clients!.map((r) => (r as { client_id: string }).client_id)).toEqual(['client-a', 'client-b', 'client-c', 'client-d', 'client-e']);
        expect(await storage.branchVersions(['b1']).then((v) => v.b1)).toBe(5);
        expect(await storage.write(['b1'], (tx) => tx.putRecord(rec('after')))).toBe(6);
      } finally {
        await close();
      }
    });

    it('refuses a write whose record was created meanwhile by a write of another branch; the write after it runs again', async () => {
      const storage = await openPostgresStorage(env.url, { schema: env.newSchema(), poolSize: 3 });
      try {
        const absent = { table: 'history' as const, id: 'history:shared' };
        const client = { clientId: 'c', userId: 'u1' };
        let release!: () => void;
        const held = new Promise<void>((resolve) => {
          release = resolve;
        });
        // b1's write finds the record absent and keeps its insert; b2 creates it meanwhile.
        const first = storage.write(
          ['b1'],
          async (tx) => {
            await tx.insertRecordIfAbsent({ ...rec('history:shared'), table: 'history' });
            await held;
          },
          () => ({ keys: [absent], client }),
        );
        const second = storage.write(['b1'], (tx) => tx.putRecord(rec('after-shared')));
        await storage.write(['b2'], (tx) => tx.putRecord({ ...rec('history:shared'), table: 'history', branchId: 'b2' }));
        release();
        const outcomes = await Promise.allSettled([first, second]);
        expect(outcomes[0]).toMatchObject({ status: 'rejected', reason: { name: 'TakenMeanwhile' } });
        expect(outcomes[1]).toEqual({ status: 'fulfilled', value: 1 });
        expect(JSON.parse((await storage.getRecord('history', 'history:shared'))!.data)).toEqual({ id: 'history:shared' });
        expect((await storage.getRecord('notes', 'after-shared'))?.version).toBe(1);
      } finally {
        await storage.close();
      }
    });

    it('refuses every write of a transaction whose COMMIT fails, keeps none, and goes on', async () => {
      // A deferred constraint trigger refuses a record named 'poison' at COMMIT, not at the insert.
      const { storage, close } = await poisonedStorage('at commit');
      try {
        const outcomes = await Promise.allSettled(
          ['a', 'poison', 'own error', 'b'].map((id) =>
            storage.write(['b1'], async (tx) => {
              await tx.putRecord(rec(id));
              if (id === 'own error') throw new Error('own error');
            }),
          ),
        );
        expect(outcomes.map((o) => o.status === 'rejected' && String(o.reason))).toEqual([
          'error: poisoned commit',
          'error: poisoned commit',
          'Error: own error',
          'error: poisoned commit',
        ]);
        expect(await storage.branchVersions(['b1']).then((v) => v.b1)).toBe(0);
        expect((await storage.dump()).records).toEqual([]);
        expect(await storage.write(['b1'], (tx) => tx.putRecord(rec('after')))).toBe(1);
      } finally {
        await close();
      }
    });
  });
});
