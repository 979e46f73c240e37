// Catching a change window up. A pull that joins a catch-up already running (started for an
// older version) must not be answered from the window as it stands afterwards when the instance
// knows of a newer committed version: the change the device was signalled about would be left
// out, with hasMore false. And a version heard on the live channel is only a hint: anyone who
// may connect to the database can send one, and the window holds only what it read.
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { expect, it } from 'vitest';
import { openPostgresStorage } from '../../../src/server/storage/postgres';
import type { RecordWrite } from '../../../src/server/storage/storage';
import { describePostgres } from '../postgres-env';

const AT = '2026-05-01T00:00:00.000Z';
const rec = (id: string, branchId = 'b1'): RecordWrite => ({ table: 'notes', id, branchId, planId: 'p1', data: { id }, updatedAt: AT, updatedBy: 't' });
const ids = (chunks: Uint8Array[]) =>
  [
    ...Buffer.concat(chunks)
      .toString()
      .matchAll(/"table":"notes","id":"([^"]+)"/g),
  ].map((m) => m[1]);

/** What the tests look at inside the storage. */
interface Internals {
  db: { withPlugin(p: KyselyPlugin): unknown };
  windows: { lastVersion(b: string): number | undefined };
  known: Map<string, { version: number }>;
  noted: Map<string, number>;
}

describePostgres('change windows catching up', (env) => {
  it('a pull joining a running catch-up still gets the change it was told of', async () => {
    const schema = env.newSchema();
    const writer = await openPostgresStorage(env.url, { schema, poolSize: 3 });
    const other = await openPostgresStorage(env.url, { schema, poolSize: 3 });
    try {
      await writer.addBranch({ id: 'b1', name: 'b', createdAt: AT });
      await writer.write(['b1'], async (tx) => {
        for (let i = 0; i < 5; i++) await tx.putRecord(rec(`n${i}`));
      });
      const pull = (after: number) => other.encodedChangesSince({ b1: after }, 100, 1024 * 1024);
      await pull(0);
      // Hold the catch-up read's answer (its snapshot already taken) until `open`.
      const marked = new WeakSet<object>();
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      let arrived!: () => void;
      const read = new Promise<void>((r) => (arrived = r));
      const plugin: KyselyPlugin = {
        transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
          if (JSON.stringify(args.node).includes(' as chars')) marked.add(args.queryId);
          return args.node;
        },
        async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
          if (marked.has(args.queryId)) {
            arrived();
            await gate;
          }
          return args.result;
        },
      };
      const o = other as unknown as { db: { withPlugin(p: KyselyPlugin): unknown } };
      o.db = o.db.withPlugin(plugin) as typeof o.db;

      const six = await writer.write(['b1'], (tx) => tx.putRecord(rec('a')));
      other.noteCommitted({ b1: six });
      const first = pull(5);
      await read;
      const seven = await writer.write(['b1'], (tx) => tx.putRecord(rec('b')));
      other.noteCommitted({ b1: seven });
      // A device signalled of version 7 pulls now.
      const second = pull(5);
      await new Promise((r) => setTimeout(r, 50));
      open();
      expect(await first).toMatchObject({ lastVersions: { b1: 6 } });
      const page = await second;
      expect(page.lastVersions.b1 === seven || page.hasMore).toBe(true);
    } finally {
      await Promise.all([writer.close(), other.close()]);
    }
  });

  it.each([false, true])('no pull skips a committed change, whatever version the channel claimed (a pull in between: %s)', async (pullBetween) => {
    const storage = await openPostgresStorage(env.url, { schema: env.newSchema(), poolSize: 3 });
    try {
      await storage.addBranch({ id: 'b1', name: 'b1', createdAt: AT });
      const head = await storage.write(['b1'], (tx) => tx.putRecord(rec('n0')));
      const pull = (after: number) => storage.encodedChangesSince({ b1: after }, 100, 1 << 20);
      // A device of this instance pulled up to head: the branch has a window here.
      expect((await pull(0)).lastVersions.b1).toBe(head);
      // What app.ts does with a forged `change` heard on the channel.
      storage.noteCommitted({ b1: head + 3 });
      await new Promise((r) => setTimeout(r, 200));
      if (pullBetween) expect((await pull(head)).count).toBe(0);
      for (const id of ['n1', 'n2', 'n3', 'n4']) await storage.write(['b1'], (tx) => tx.putRecord(rec(id)));
      const page = await pull(head);
      expect(ids(page.chunks)).toEqual(['n1', 'n2', 'n3', 'n4']);
      expect(page.lastVersions.b1).toBe(head + 4);
    } finally {
      await storage.close();
    }
  });

  it('a version heard before a branch has a window here does not start the window: it is read, and the window serves again', async () => {
    const schema = env.newSchema();
    const writer = await openPostgresStorage(env.url, { schema, poolSize: 2 });
    const storage = await openPostgresStorage(env.url, { schema, poolSize: 3 });
    const s = storage as unknown as Internals;
    let databasePages = 0;
    const counting: KyselyPlugin = {
      transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
        if (JSON.stringify(args.node).includes('chars_before')) databasePages++;
        return args.node;
      },
      async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
        return args.result;
      },
    };
    s.db = s.db.withPlugin(counting) as typeof s.db;
    try {
      await writer.addBranch({ id: 'b1', name: 'b1', createdAt: AT });
      await writer.addBranch({ id: 'b2', name: 'b2', createdAt: AT });
      for (const id of ['a', 'b', 'c', 'd']) await writer.write(['b1'], (tx) => tx.putRecord(rec(id)));
      const head2 = await writer.write(['b2'], (tx) => tx.putRecord(rec('x0', 'b2')));
      // A person of both branches pulls here; b1 fills the page, so b2 has a known version and no window yet.
      expect((await storage.encodedChangesSince({ b1: 0, b2: 0 }, 2, 1 << 20)).hasMore).toBe(true);
      expect(s.windows.lastVersion('b2')).toBeUndefined();
      storage.noteCommitted({ b2: head2 + 1_000_000 });
      expect(ids((await storage.encodedChangesSince({ b2: 0 }, 100, 1 << 20)).chunks)).toEqual(['x0']);
      expect(s.windows.lastVersion('b2')).toBe(head2);
      // Edits of b2 on the other instance, heard on the channel: this instance's window follows them.
      for (const id of ['x1', 'x2', 'x3']) storage.noteCommitted({ b2: await writer.write(['b2'], (tx) => tx.putRecord(rec(id, 'b2'))) });
      await new Promise((r) => setTimeout(r, 1200));
      await storage.encodedChangesSince({ b2: head2 }, 100, 1 << 20);
      databasePages = 0;
      for (let i = 0; i < 5; i++) expect(ids((await storage.encodedChangesSince({ b2: head2 }, 100, 1 << 20)).chunks)).toEqual(['x1', 'x2', 'x3']);
      expect({ known: s.known.get('b2')!.version, window: s.windows.lastVersion('b2'), databasePages }).toEqual({
        known: head2 + 3,
        window: head2 + 3,
        databasePages: 0,
      });
    } finally {
      await Promise.all([writer.close(), storage.close()]);
    }
  });

  it('keeps nothing of branches it has only heard of (anyone who may connect can name any)', async () => {
    const storage = await openPostgresStorage(env.url, { schema: env.newSchema(), poolSize: 1 });
    try {
      for (let i = 0; i < 10_000; i++) storage.noteCommitted({ [`forged-${i}`]: 1 });
      const s = storage as unknown as Internals;
      expect({ noted: s.noted.size, known: s.known.size }).toEqual({ noted: 0, known: 0 });
    } finally {
      await storage.close();
    }
  });
});
