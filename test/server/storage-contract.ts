// The contract every Storage implementation passes (SQLite now, PostgreSQL later): call
// storageContract(name, open) from an implementation's test file. `open` gives a new, empty,
// migrated storage each time.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeChange } from '../../src/server/storage/kysely-storage';
import { StorageError, type RecordWrite, type Storage } from '../../src/server/storage/storage';
import type { RecordTable } from '../../src/model/schemas';

const AT = '2026-05-01T00:00:00.000Z';

function rec(id: string, extra: Partial<RecordWrite> = {}): RecordWrite {
  return { table: 'progress', id, branchId: 'b1', planId: 'p1', data: { id, planId: 'p1', done: id }, updatedAt: AT, updatedBy: 'tester', ...extra };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

/** Records as a database from before order keys holds them (integer orders), for migration 003's tests. */
export const LEGACY_ORDERS: [RecordTable, string, Record<string, unknown>][] = [
  ['sections', 's1', { id: 's1', planId: 'p', parentId: null, label: '１．', title: '柱', order: 1, deleted: false }],
  ['items', 'i62', { id: 'i62', planId: 'p', sectionId: 's1', label: '①', text: '', group: '', tags: [], order: 62, deleted: false }],
  ['kpis', 'k0', { id: 'k0', planId: 'p', sectionId: null, name: 'KPI', unit: '%', target: { kind: 'value', value: 1, direction: '以上' }, order: 0 }],
  ['conflicts', 'c1', { id: 'c1', planId: 'p', table: 'items', recordId: 'i62', field: 'order', baseValue: 0, serverValue: 2, clientValue: 1 }],
  ['notes', 'n1', { id: 'n1', planId: 'p', itemId: 'i62', order: 3 }],
];

/** What migration 003 makes of LEGACY_ORDERS: keys for the orders, the rest and every version as they were. */
export async function expectKeyedOrders(storage: Storage): Promise<void> {
  const stored = await Promise.all(LEGACY_ORDERS.map(([table, id]) => storage.getRecord(table, id)));
  expect(stored.map((r) => r?.version)).toEqual([1, 2, 3, 4, 5]);
  const data = stored.map((r) => JSON.parse(r?.data ?? 'null') as Record<string, unknown>);
  expect(data.map((d) => d.order)).toEqual(['a1', 'b00', 'a0', undefined, 3]);
  expect(data[3]).toMatchObject({ baseValue: 'a0', serverValue: 'a2', clientValue: 'a1' });
}

export function storageContract(name: string, open: () => Promise<Storage>): void {
  describe(`Storage contract: ${name}`, () => {
    let storage: Storage;
    beforeEach(async () => {
      storage = await open();
    });
    afterEach(async () => {
      await storage.close();
    });

    describe('records and versions', () => {
      it('starts empty at version 0 and answers ping', async () => {
        await storage.ping();
        expect(await storage.branchVersions(['b1']).then((v) => v.b1)).toBe(0);
        expect(await storage.changesSince(Object.fromEntries(['b1'].map((b) => [b, 0])), 10)).toEqual({ records: [], hasMore: false });
      });

      it('gives every write the next version and keeps the JSON as written', async () => {
        const versions = await storage.write(['b1'], async (tx) => [await tx.putRecord(rec('a')), await tx.putRecord(rec('b'))]);
        expect(versions).toEqual([1, 2]);
        expect(await storage.branchVersions(['b1']).then((v) => v.b1)).toBe(2);
        const a = await storage.getRecord('progress', 'a');
        expect(a).toEqual({
          table: 'progress',
          id: 'a',
          branchId: 'b1',
          planId: 'p1',
          data: JSON.stringify({ id: 'a', planId: 'p1', done: 'a' }),
          version: 1,
          updatedAt: AT,
          updatedBy: 'tester',
        });
      });

      it('replaces a record on put, moving it to a new version', async () => {
        await storage.write(['b1'], async (tx) => {
          await tx.putRecord(rec('a'));
          await tx.putRecord(rec('b'));
        });
        await storage.write(['b1'], (tx) => tx.putRecord(rec('a', { data: { id: 'a', done: 'again' }, updatedBy: 'other' })));
        const page = await storage.changesSince(Object.fromEntries(['b1'].map((b) => [b, 0])), 10);
        expect(page.records.map((r) => [r.id, r.version])).toEqual([
          ['b', 2],
          ['a', 3],
        ]);
        expect(JSON.parse(page.records[1]!.data)).toEqual({ id: 'a', done: 'again' });
        expect(page.records[1]!.updatedBy).toBe('other');
      });

      it('keys records by table and id', async () => {
        await storage.write(['b1'], async (tx) => {
          await tx.putRecord(rec('same'));
          await tx.putRecord(rec('same', { table: 'notes' }));
        });
        expect((await storage.getRecord('progress', 'same'))?.version).toBe(1);
        expect((await storage.getRecord('notes', 'same'))?.version).toBe(2);
        expect(await storage.getRecord('items', 'same')).toBeUndefined();
      });

      it('inserts if absent without spending a version when the id exists', async () => {
        const [first, second, third] = await storage.write(['b1'], async (tx) => [
          await tx.insertRecordIfAbsent(rec('h')),
          await tx.insertRecordIfAbsent(rec('h', { data: { other: true } })),
          await tx.putRecord(rec('x')),
        ]);
        expect([first, second, third]).toEqual([1, null, 2]);
        expect(JSON.parse((await storage.getRecord('progress', 'h'))!.data)).toEqual({ id: 'h', planId: 'p1', done: 'h' });
      });

      it('sees its own writes inside the transaction', async () => {
        await storage.write(['b1'], async (tx) => {
          await tx.putRecord(rec('a'));
          expect((await tx.getRecord('progress', 'a'))?.version).toBe(1);
        });
      });

      it('rolls back every write, and the versions, when the transaction throws', async () => {
        await storage.write(['b1'], (tx) => tx.putRecord(rec('kept')));
        const before = await storage.dump();
        await expect(
          storage.write(['b1'], async (tx) => {
            await tx.putRecord(rec('lost'));
            await tx.setLastSeq('c1', 'u1', 5, AT);
            await tx.putMutationResult('c1', 'u1', { seq: 5, mutationId: 'm', status: 'applied', reason: null });
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect(await storage.dump()).toEqual(before);
        expect(await storage.write(['b1'], (tx) => tx.putRecord(rec('next')))).toBe(2);
      });

      it('S19: serializes concurrent writers: versions are unique, gap-free, and in commit order', async () => {
        const writers = Array.from({ length: 20 }, (_, w) =>
          storage.write(['b1'], async (tx) => {
            const mine: number[] = [];
            for (let i = 0; i < 3; i++) {
              mine.push(await tx.putRecord(rec(`w${w}-${i}`)));
              await tick();
            }
            return mine;
          }),
        );
        const all = (await Promise.all(writers)).flat();
        expect([...all].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
        // Each writer's versions are consecutive: no other writer interleaved.
        for (const w of await Promise.all(writers)) expect(w[2]! - w[0]!).toBe(2);
        expect(await storage.branchVersions(['b1']).then((v) => v.b1)).toBe(60);
      });

      it('rolls back a failing write alone when writes run concurrently', async () => {
        const outcomes = await Promise.allSettled(
          ['ok1', 'fails', 'ok2'].map((id) =>
            storage.write(['b1'], async (tx) => {
              await tx.putRecord(rec(id));
              await tick();
              if (id === 'fails') throw new Error('refused');
              await tx.putRecord(rec(`${id}-b`));
            }),
          ),
        );
        expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        expect(await storage.getRecord('progress', 'fails')).toBeUndefined();
        const page = await storage.changesSince(Object.fromEntries(['b1'].map((b) => [b, 0])), 10);
        expect(page.records.map((r) => [r.id, r.version])).toEqual([
          ['ok1', 1],
          ['ok1-b', 2],
          ['ok2', 3],
          ['ok2-b', 4],
        ]);
        expect(await storage.branchVersions(['b1']).then((v) => v.b1)).toBe(4);
      });

      it('isolates a failing write among 20 concurrent ones: the others commit with consecutive versions, it leaves nothing', async () => {
        const FAILING = 7;
        const outcomes = await Promise.allSettled(
          Array.from({ length: 20 }, (_, w) =>
            storage.write(['b1'], async (tx) => {
              const versions = [await tx.putRecord(rec(`g${w}`))];
              await tick();
              await tx.setLastSeq(`c${w}`, 'u1', 1, AT);
              await tx.putMutationResult(`c${w}`, 'u1', { seq: 1, mutationId: `m${w}`, status: 'applied', reason: null });
              versions.push((await tx.insertRecordIfAbsent(rec(`g${w}-history`)))!);
              if (w === FAILING) throw new Error('refused');
              return versions;
            }),
          ),
        );
        expect(outcomes.map((o) => o.status)).toEqual(outcomes.map((_, w) => (w === FAILING ? 'rejected' : 'fulfilled')));
        const written = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
        for (const [first, second] of written) expect(second).toBe(first! + 1);
        expect(written.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 38 }, (_, i) => i + 1));
        expect(await storage.branchVersions(['b1']).then((v) => v.b1)).toBe(38);
        expect(await storage.getRecord('progress', `g${FAILING}`)).toBeUndefined();
        expect(await storage.getRecord('progress', `g${FAILING}-history`)).toBeUndefined();
        const dump = await storage.dump();
        expect((dump.clients as { client_id: string }[]).map((c) => c.client_id).sort()).toEqual(written.map((_, i) => `c${i < FAILING ? i : i + 1}`).sort());
        expect(dump.mutation_results).toHaveLength(19);
        expect((await storage.changesSince(Object.fromEntries(['b1'].map((b) => [b, 0])), 100)).records.map((r) => r.version)).toEqual(
          Array.from({ length: 38 }, (_, i) => i + 1),
        );
      });

      it('isolates two failing writes among concurrent ones, each told of its own error', async () => {
        const outcomes = await Promise.allSettled(
          ['a', 'fails-1', 'b', 'fails-2', 'c'].map((id) =>
            storage.write(['b1'], async (tx) => {
              await tx.putRecord(rec(id));
              await tick();
              if (id.startsWith('fails')) throw new Error(`refused ${id}`);
              return tx.putRecord(rec(`${id}-b`));
            }),
          ),
        );
        expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([
          2,
          'refused fails-1',
          4,
          'refused fails-2',
          6,
        ]);
        const page = await storage.changesSince({ b1: 0 }, 10);
        expect(page.records.map((r) => r.id)).toEqual(['a', 'a-b', 'b', 'b-b', 'c', 'c-b']);
        expect(await storage.branchVersions(['b1']).then((v) => v.b1)).toBe(6);
      });

      it('answers reads inside a write from the writes made before them', async () => {
        await storage.write(['b1'], async (tx) => {
          expect(await tx.putRecord(rec('a'))).toBe(1);
          expect(await tx.putRecord(rec('a', { data: { id: 'a', done: 'second' } }))).toBe(2);
          expect(await tx.getRecord('progress', 'a')).toMatchObject({ version: 2, data: JSON.stringify({ id: 'a', done: 'second' }) });
          expect(await tx.insertRecordIfAbsent(rec('a'))).toBeNull();
          await tx.setLastSeq('c1', 'u1', 3, AT);
          expect(await tx.getLastSeq('c1', 'u1')).toBe(3);
          for (const seq of [1, 2, 3]) await tx.putMutationResult('c1', 'u1', { seq, mutationId: `m${seq}`, status: 'applied', reason: null });
          expect(await tx.getMutationResult('c1', 'u1', 2)).toEqual({ seq: 2, mutationId: 'm2', status: 'applied', reason: null });
          await tx.pruneMutationResults('c1', 'u1', 3);
          expect(await tx.getMutationResult('c1', 'u1', 2)).toBeUndefined();
          expect(await tx.getMutationResult('c1', 'u1', 3)).toBeDefined();
          // Written after the prune that covers its seq: it stays.
          await tx.putMutationResult('c1', 'u1', { seq: 1, mutationId: 'again', status: 'conflict', reason: null });
          expect(await tx.getMutationResult('c1', 'u1', 1)).toEqual({ seq: 1, mutationId: 'again', status: 'conflict', reason: null });
        });
        const dump = await storage.dump();
        expect((dump.mutation_results as { seq: number; mutation_id: string }[]).map((r) => [Number(r.seq), r.mutation_id])).toEqual([
          [1, 'again'],
          [3, 'm3'],
        ]);
        expect(dump.clients).toMatchObject([{ client_id: 'c1', last_seq: 3 }]);
        expect((await storage.getRecord('progress', 'a'))?.version).toBe(2);
        expect(await storage.branchVersions(['b1']).then((v) => v.b1)).toBe(2);
      });

      it('writes a large transaction (a plan import) whole', async () => {
        const count = 1_200;
        const last = await storage.write(['b1'], async (tx) => {
          let version = 0;
          for (let i = 0; i < count; i++) {
            version = await tx.putRecord(rec(`big${i}`));
            if (i % 400 === 399) expect((await tx.getRecord('progress', `big${i - 399}`))?.version).toBe(i - 398);
          }
          return version;
        });
        expect(last).toBe(count);
        expect(await storage.branchVersions(['b1']).then((v) => v.b1)).toBe(count);
        const page = await storage.changesSince(Object.fromEntries(['b1'].map((b) => [b, 0])), 2_000);
        expect(page.records.map((r) => r.version)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      });

      it('counts versions per branch: a write of one branch leaves the others’ counters as they were', async () => {
        await storage.addBranch({ id: 'b3', name: '支部3', createdAt: AT });
        const first = await storage.write(['b1', 'b2'], async (tx) => [
          await tx.putRecord(rec('x1')),
          await tx.putRecord(rec('y1', { branchId: 'b2' })),
          await tx.putRecord(rec('x2')),
        ]);
        expect(first).toEqual([1, 1, 2]);
        expect(await storage.write(['b2'], (tx) => tx.putRecord(rec('y2', { branchId: 'b2' })))).toBe(2);
        expect(await storage.branchVersions(['b1', 'b2', 'b3', 'never'])).toEqual({ b1: 2, b2: 2, b3: 0, never: 0 });
      });

      it('answers inside a write the same with and without reading ahead (preload)', async () => {
        await storage.write(['b1'], async (tx) => {
          await tx.putRecord(rec('there'));
          await tx.insertRecordIfAbsent(rec('history-there', { table: 'history' }));
          await tx.setLastSeq('c1', 'u1', 7, AT);
        });
        const outcome = await storage.write(['b1'], async (tx) => {
          await tx.preload?.(
            [
              { table: 'progress', id: 'there' },
              { table: 'progress', id: 'absent' },
              { table: 'history', id: 'history-there' },
              { table: 'history', id: 'history-new' },
            ],
            { clientId: 'c1', userId: 'u1' },
          );
          const seen = [(await tx.getRecord('progress', 'there'))?.id, (await tx.getRecord('progress', 'absent'))?.id, await tx.getLastSeq('c1', 'u1')];
          const inserted = [
            await tx.insertRecordIfAbsent(rec('history-there', { table: 'history' })),
            await tx.insertRecordIfAbsent(rec('history-new', { table: 'history' })),
          ];
          await tx.putRecord(rec('absent', { data: { id: 'absent', done: 'now' } }));
          const after = JSON.parse((await tx.getRecord('progress', 'absent'))!.data) as unknown;
          const newHistory = (await tx.getRecord('history', 'history-new'))?.version;
          return { seen, inserted, after, newHistory };
        });
        expect(outcome).toEqual({ seen: ['there', undefined, 7], inserted: [null, 3], after: { id: 'absent', done: 'now' }, newHistory: 3 });
        expect((await storage.getRecord('history', 'history-new'))?.version).toBe(3);
        expect((await storage.getRecord('progress', 'absent'))?.version).toBe(4);
      });

      it('refuses a write of a branch the transaction did not name, and keeps nothing of it', async () => {
        const before = await storage.dump();
        await expect(
          storage.write(['b1'], async (tx) => {
            await tx.putRecord(rec('mine'));
            await tx.putRecord(rec('theirs', { branchId: 'b2' }));
          }),
        ).rejects.toThrow('outside the branches it named');
        expect(await storage.dump()).toEqual(before);
      });

      it('pages several branches one after the other, each from its own version, within the limits', async () => {
        await storage.write(['b1', 'b2'], async (tx) => {
          for (let i = 0; i < 3; i++) await tx.putRecord(rec(`a${i}`));
          for (let i = 0; i < 3; i++) await tx.putRecord(rec(`b${i}`, { branchId: 'b2' }));
        });
        const ids = (page: { chunks: Uint8Array[] }) =>
          (JSON.parse(`[${Buffer.concat(page.chunks).toString()}]`) as { id: string; version: number }[]).map((c) => `${c.id}@${c.version}`);
        const whole = await storage.encodedChangesSince({ b2: 1, b1: 0 }, 10, 1024 * 1024);
        expect(ids(whole)).toEqual(['a0@1', 'a1@2', 'a2@3', 'b1@2', 'b2@3']);
        expect(whole).toMatchObject({ count: 5, lastVersions: { b1: 3, b2: 3 }, hasMore: false });
        // A full page at a branch's end still says whether the next branch has changes.
        const full = await storage.encodedChangesSince({ b1: 0, b2: 1 }, 3, 1024 * 1024);
        expect(ids(full)).toEqual(['a0@1', 'a1@2', 'a2@3']);
        expect(full).toMatchObject({ lastVersions: { b1: 3 }, hasMore: true });
        const rest = await storage.encodedChangesSince({ b1: 3, b2: 1 }, 3, 1024 * 1024);
        expect(ids(rest)).toEqual(['b1@2', 'b2@3']);
        expect(rest).toMatchObject({ lastVersions: { b2: 3 }, hasMore: false });
        const done = await storage.encodedChangesSince({ b1: 3, b2: 3 }, 2, 1024 * 1024);
        expect(done).toMatchObject({ count: 0, lastVersions: {}, hasMore: false });
        const nothingAfter = await storage.encodedChangesSince({ b1: 0, b2: 3 }, 3, 1024 * 1024);
        expect(nothingAfter).toMatchObject({ count: 3, hasMore: false });
      });

      it('S20: pages changes by version for the given branches only, with hasMore', async () => {
        await storage.write(['b1', 'b2', 'b3'], async (tx) => {
          for (let i = 0; i < 5; i++) await tx.putRecord(rec(`a${i}`));
          await tx.putRecord(rec('other', { branchId: 'b2' }));
          await tx.putRecord(rec('third', { branchId: 'b3' }));
        });
        const first = await storage.changesSince(Object.fromEntries(['b1'].map((b) => [b, 0])), 3);
        expect(first.records.map((r) => r.version)).toEqual([1, 2, 3]);
        expect(first.hasMore).toBe(true);
        const second = await storage.changesSince(Object.fromEntries(['b1'].map((b) => [b, 3])), 3);
        expect(second.records.map((r) => r.version)).toEqual([4, 5]);
        expect(second.hasMore).toBe(false);
        expect((await storage.changesSince({ b1: 4, b2: 0 }, 10)).records.map((r) => r.id)).toEqual(['a4', 'other']);
        expect((await storage.changesSince({ b1: 4, b2: 1 }, 10)).records.map((r) => r.id)).toEqual(['a4']);
        expect(await storage.changesSince({}, 10)).toEqual({ records: [], hasMore: false });
      });

      it('S24: bounds an encoded page in bytes: never past the bound, except one change alone, and hasMore says what follows', async () => {
        const sizes = [10, 3000, 200, 5000, 20, 20, 9000];
        await storage.write(['b1'], async (tx) => {
          for (const [i, n] of sizes.entries()) await tx.putRecord(rec(`s${i}`, { data: { id: `s${i}`, text: '界'.repeat(n) } }));
        });
        const all = (await storage.changesSince(Object.fromEntries(['b1'].map((b) => [b, 0])), 100)).records.map((r) => Buffer.byteLength(encodeChange(r)));
        for (const maxBytes of [1, 1000, 10_000, 20_000, 100_000]) {
          let after = 0;
          let seen = 0;
          for (;;) {
            const page = await storage.encodedChangesSince({ b1: after }, 100, maxBytes);
            const bytes = Buffer.concat(page.chunks).length;
            expect(page.count).toBeGreaterThan(0);
            if (page.count > 1) expect(bytes).toBeLessThanOrEqual(maxBytes);
            const expected = all.slice(seen, seen + page.count);
            expect(bytes).toBe(expected.reduce((a, b) => a + b, 0) + page.count - 1);
            // The next change would not have fitted.
            if (page.hasMore && page.count > 0) expect(bytes + 1 + all[seen + page.count]!).toBeGreaterThan(maxBytes);
            seen += page.count;
            after = page.lastVersions.b1!;
            expect(page.hasMore).toBe(seen < all.length);
            if (!page.hasMore) break;
          }
          expect(seen).toBe(all.length);
        }
      });

      it('encodes a page as the protocol’s changes, with the stored JSON as the record', async () => {
        await storage.write(['b1', 'b2'], async (tx) => {
          for (let i = 0; i < 4; i++)
            await tx.putRecord(rec(`e${i}`, { data: { id: `e${i}`, text: '日本語 "quoted" \\ \u2028', n: i, nested: { a: [1, null] } } }));
          await tx.putRecord(rec('elsewhere', { branchId: 'b2' }));
        });
        for (const [after, limit] of [
          [0, 3],
          [3, 3],
          [0, 10],
          [99, 10],
        ] as const) {
          const plain = await storage.changesSince(Object.fromEntries(['b1'].map((b) => [b, after])), limit);
          const encoded = await storage.encodedChangesSince({ b1: after }, limit, 1024 * 1024);
          const parsed = JSON.parse(`[${Buffer.concat(encoded.chunks).toString('utf8')}]`) as unknown[];
          expect(parsed).toEqual(plain.records.map((r) => ({ table: r.table, id: r.id, version: r.version, record: JSON.parse(r.data) })));
          expect(encoded).toMatchObject({
            count: plain.records.length,
            lastVersions: plain.records.length ? { b1: plain.records.at(-1)!.version } : {},
            hasMore: plain.hasMore,
          });
        }
        expect(await storage.encodedChangesSince({}, 10, 1024 * 1024)).toMatchObject({ count: 0, lastVersions: {}, hasMore: false });
      });

      it('lists the records of one table', async () => {
        await storage.write(['b1'], async (tx) => {
          await tx.putRecord(rec('p2', { table: 'plans' }));
          await tx.putRecord(rec('p1', { table: 'plans' }));
          await tx.putRecord(rec('x'));
        });
        expect((await storage.recordsOfTable('plans')).map((r) => r.id)).toEqual(['p1', 'p2']);
      });
    });

    describe('clients and mutation results', () => {
      it('S2: keeps the last seq per client and user, and the answers until pruned', async () => {
        await storage.write(['b1'], async (tx) => {
          expect(await tx.getLastSeq('c1', 'u1')).toBe(0);
          await tx.setLastSeq('c1', 'u1', 7, AT);
          await tx.setLastSeq('c1', 'u1', 9, AT);
          await tx.putMutationResult('c1', 'u1', { seq: 8, mutationId: 'm8', status: 'conflict', reason: null });
          await tx.putMutationResult('c1', 'u1', { seq: 9, mutationId: 'm9', status: 'rejected', reason: 'why' });
        });
        await storage.write(['b1'], async (tx) => {
          expect(await tx.getLastSeq('c1', 'u1')).toBe(9);
          expect(await tx.getLastSeq('c1', 'u2')).toBe(0);
          expect(await tx.getMutationResult('c1', 'u1', 9)).toEqual({ seq: 9, mutationId: 'm9', status: 'rejected', reason: 'why' });
          expect(await tx.getMutationResult('c1', 'u2', 9)).toBeUndefined();
          await tx.pruneMutationResults('c1', 'u1', 9);
          expect(await tx.getMutationResult('c1', 'u1', 8)).toBeUndefined();
          expect(await tx.getMutationResult('c1', 'u1', 9)).toBeDefined();
        });
      });
    });

    describe('accounts', () => {
      it('adds branches and refuses a duplicate id', async () => {
        await storage.addBranch({ id: 'b1', name: '東京', createdAt: AT });
        await expect(storage.addBranch({ id: 'b1', name: 'again', createdAt: AT })).rejects.toBeInstanceOf(StorageError);
        expect(await storage.getBranch('b1')).toEqual({ id: 'b1', name: '東京', createdAt: AT });
        expect(await storage.listBranches()).toHaveLength(1);
      });

      it('adds users, refuses a duplicate email, finds them by email and id, changes a password', async () => {
        const user = { id: 'u1', email: 'a@b', name: 'A', passwordHash: 'h1', createdAt: AT };
        await storage.addUser(user);
        await expect(storage.addUser({ ...user, id: 'u2' })).rejects.toMatchObject({ code: 'duplicate' });
        expect(await storage.getUserByEmail('a@b')).toEqual(user);
        expect(await storage.getUserById('u1')).toEqual(user);
        expect(await storage.getUserByEmail('nobody@b')).toBeUndefined();
        await storage.setPasswordHash('u1', 'h2');
        expect((await storage.getUserById('u1'))?.passwordHash).toBe('h2');
        await expect(storage.setPasswordHash('nobody', 'h')).rejects.toMatchObject({ code: 'not_found' });
        expect((await storage.listUsers()).map((u) => u.id)).toEqual(['u1']);
      });

      it('grants one role per user and branch, replaces and removes it', async () => {
        await storage.addBranch({ id: 'b1', name: '1', createdAt: AT });
        await storage.addBranch({ id: 'b2', name: '2', createdAt: AT });
        await storage.addUser({ id: 'u1', email: 'a@b', name: 'A', passwordHash: 'h', createdAt: AT });
        await storage.setMembership({ userId: 'u1', branchId: 'b1', role: 'staff' });
        await storage.setMembership({ userId: 'u1', branchId: 'b2', role: 'lead' });
        await storage.setMembership({ userId: 'u1', branchId: 'b1', role: 'admin' });
        expect(await storage.membershipsOf('u1')).toEqual([
          { userId: 'u1', branchId: 'b1', role: 'admin' },
          { userId: 'u1', branchId: 'b2', role: 'lead' },
        ]);
        await storage.removeMembership('u1', 'b2');
        expect(await storage.membershipsOf('u1')).toHaveLength(1);
      });

      it('stores tokens by hash and revokes the live ones of a user', async () => {
        await storage.addUser({ id: 'u1', email: 'a@b', name: 'A', passwordHash: 'h', createdAt: AT });
        await storage.addToken({ hash: 't1', userId: 'u1', createdAt: AT, expiresAt: '2026-06-01T00:00:00.000Z', revokedAt: null });
        await storage.addToken({ hash: 't2', userId: 'u1', createdAt: AT, expiresAt: '2026-06-01T00:00:00.000Z', revokedAt: null });
        expect(await storage.getToken('t1')).toEqual({ hash: 't1', userId: 'u1', createdAt: AT, expiresAt: '2026-06-01T00:00:00.000Z', revokedAt: null });
        expect(await storage.revokeTokensOf('u1', '2026-05-02T00:00:00.000Z')).toBe(2);
        expect((await storage.getToken('t2'))?.revokedAt).toBe('2026-05-02T00:00:00.000Z');
        expect(await storage.revokeTokensOf('u1', '2026-05-03T00:00:00.000Z')).toBe(0);
        expect(await storage.getToken('nope')).toBeUndefined();
      });

      it('revokes the live tokens of every user at once (a restore), keeping an earlier revocation', async () => {
        await storage.addUser({ id: 'u1', email: 'a@b', name: 'A', passwordHash: 'h', createdAt: AT });
        await storage.addUser({ id: 'u2', email: 'c@d', name: 'C', passwordHash: 'h', createdAt: AT });
        await storage.addToken({ hash: 't1', userId: 'u1', createdAt: AT, expiresAt: '2026-06-01T00:00:00.000Z', revokedAt: null });
        await storage.addToken({ hash: 't2', userId: 'u2', createdAt: AT, expiresAt: '2026-06-01T00:00:00.000Z', revokedAt: null });
        await storage.addToken({ hash: 't3', userId: 'u2', createdAt: AT, expiresAt: '2026-06-01T00:00:00.000Z', revokedAt: '2026-05-01T12:00:00.000Z' });
        expect(await storage.revokeAllTokens('2026-05-02T00:00:00.000Z')).toBe(2);
        expect((await storage.getToken('t1'))?.revokedAt).toBe('2026-05-02T00:00:00.000Z');
        expect((await storage.getToken('t3'))?.revokedAt).toBe('2026-05-01T12:00:00.000Z');
        expect(await storage.revokeAllTokens('2026-05-03T00:00:00.000Z')).toBe(0);
      });

      it('revokes one token (a logout), once', async () => {
        await storage.addUser({ id: 'u1', email: 'a@b', name: 'A', passwordHash: 'h', createdAt: AT });
        await storage.addToken({ hash: 't1', userId: 'u1', createdAt: AT, expiresAt: '2026-06-01T00:00:00.000Z', revokedAt: null });
        await storage.addToken({ hash: 't2', userId: 'u1', createdAt: AT, expiresAt: '2026-06-01T00:00:00.000Z', revokedAt: null });
        expect(await storage.revokeToken('t1', '2026-05-02T00:00:00.000Z')).toBe(true);
        expect(await storage.revokeToken('t1', '2026-05-03T00:00:00.000Z')).toBe(false);
        expect((await storage.getToken('t1'))?.revokedAt).toBe('2026-05-02T00:00:00.000Z');
        expect((await storage.getToken('t2'))?.revokedAt).toBeNull();
        expect(await storage.revokeToken('nope', '2026-05-03T00:00:00.000Z')).toBe(false);
      });

      it('counts login failures in a window, forgets old ones and clears them', async () => {
        await storage.addLoginFailure('a@b', '2026-05-01T00:00:00.000Z', '2026-04-30T23:45:00.000Z');
        await storage.addLoginFailure('a@b', '2026-05-01T00:10:00.000Z', '2026-04-30T23:55:00.000Z');
        await storage.addLoginFailure('c@d', '2026-05-01T00:10:00.000Z', '2026-04-30T23:55:00.000Z');
        expect(await storage.countLoginFailures('a@b', '2026-04-30T23:55:00.000Z')).toBe(2);
        expect(await storage.countLoginFailures('a@b', '2026-05-01T00:05:00.000Z')).toBe(1);
        // A failure 20 minutes later forgets those before its window.
        await storage.addLoginFailure('a@b', '2026-05-01T00:20:00.000Z', '2026-05-01T00:05:00.000Z');
        expect(await storage.countLoginFailures('a@b', '2026-01-01T00:00:00.000Z')).toBe(2);
        await storage.clearLoginFailures('a@b');
        expect(await storage.countLoginFailures('a@b', '2026-01-01T00:00:00.000Z')).toBe(0);
        expect(await storage.countLoginFailures('c@d', '2026-01-01T00:00:00.000Z')).toBe(1);
      });

      it('tells the latest login failure of a key in a window', async () => {
        expect(await storage.latestLoginFailure('a@b', '2026-01-01T00:00:00.000Z')).toBeNull();
        await storage.addLoginFailure('a@b', '2026-05-01T00:10:00.000Z', '2026-04-30T00:00:00.000Z');
        await storage.addLoginFailure('a@b', '2026-05-01T00:00:00.000Z', '2026-04-30T00:00:00.000Z');
        await storage.addLoginFailure('c@d', '2026-05-01T00:20:00.000Z', '2026-04-30T00:00:00.000Z');
        expect(await storage.latestLoginFailure('a@b', '2026-01-01T00:00:00.000Z')).toBe('2026-05-01T00:10:00.000Z');
        expect(await storage.latestLoginFailure('a@b', '2026-05-01T00:15:00.000Z')).toBeNull();
      });

      it('stores device secrets by hash, gone with their user', async () => {
        await storage.addUser({ id: 'u1', email: 'a@b', name: 'A', passwordHash: 'h', createdAt: AT });
        await storage.addDeviceSecret({ hash: 'd1', userId: 'u1', createdAt: AT });
        expect(await storage.getDeviceSecret('d1')).toEqual({ hash: 'd1', userId: 'u1', createdAt: AT });
        expect(await storage.getDeviceSecret('d2')).toBeUndefined();
        await expect(storage.addDeviceSecret({ hash: 'd1', userId: 'u1', createdAt: AT })).rejects.toThrow();
      });
    });

    describe('meta and dump', () => {
      it('keeps meta values', async () => {
        expect(await storage.getMeta('k')).toBeUndefined();
        await storage.setMeta('k', 'v1');
        await storage.setMeta('k', 'v2');
        expect(await storage.getMeta('k')).toBe('v2');
      });

      it('dumps every table in a stable order', async () => {
        const empty = await storage.dump();
        expect(Object.keys(empty).sort()).toEqual([
          'branch_versions',
          'branches',
          'clients',
          'counters',
          'device_secrets',
          'login_failures',
          'memberships',
          'meta',
          'mutation_results',
          'records',
          'tokens',
          'users',
        ]);
        await storage.write(['b1'], (tx) => tx.putRecord(rec('a')));
        const one = await storage.dump();
        expect(one.records).toHaveLength(1);
        expect(await storage.dump()).toEqual(one);
      });
    });
  });
}
