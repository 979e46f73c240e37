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
const rec = (id: string): RecordWrite => ({ table: 'notes', id, branchId: 'b1', planId: 'p1', data: { id }, updatedAt: AT, updatedBy: 't' });

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
      const ids = [
        ...Buffer.concat(page.chunks)
          .toString()
          .matchAll(/"table":"notes","id":"(n\d)"/g),
      ].map((m) => m[1]);
      expect(ids).toEqual(['n1', 'n2', 'n3', 'n4']);
      expect(page.lastVersions.b1).toBe(head + 4);
    } finally {
      await storage.close();
    }
  });
});
