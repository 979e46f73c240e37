// The change window against a model (every record's latest version, filtered and sorted), under
// random commits, rewrites, trims, resets and pulls; and the SQLite storage's pulls against
// its own SQL, with another process's writes in between.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BranchWindows, ChangeWindow, changeBytes, type WindowChange } from '../../../src/server/storage/change-window';
import { encodeChange } from '../../../src/server/storage/kysely-storage';
import { openSqliteStorage } from '../../../src/server/storage/sqlite';

const enc = (key: string, version: number) => Buffer.from(JSON.stringify({ key, version }));

/** How many of these elements a page of at most `limit` and `maxBytes` (commas included) holds. */
function fits(sizes: readonly number[], limit: number, maxBytes: number): number {
  let bytes = 0;
  let n = 0;
  for (const size of sizes) {
    if (n === limit || (n > 0 && bytes + 1 + size > maxBytes)) break;
    bytes += (n ? 1 : 0) + size;
    n++;
  }
  return n;
}

describe('ChangeWindow', () => {
  it('S20: answers like the latest version of every record, or not at all', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('commit' as const),
        keys: fc.array(fc.record({ key: fc.integer({ min: 0, max: 30 }), branch: fc.constantFrom('a', 'b') }), { minLength: 0, maxLength: 5 }),
      }),
      fc.record({ kind: fc.constant('external' as const), keys: fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 3 }) }),
      fc.record({
        kind: fc.constant('pull' as const),
        back: fc.integer({ min: 0, max: 80 }),
        limit: fc.integer({ min: 1, max: 20 }),
        maxBytes: fc.integer({ min: 1, max: 300 }),
        branches: fc.constantFrom<string[]>(['a'], ['b'], ['a', 'b']),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 4, max: 40 }), fc.integer({ min: 30, max: 600 }), (ops, maxEntries, maxWindowBytes) => {
        let version = 10;
        const db = new Map<string, { version: number; branch: string }>();
        const window = new ChangeWindow(version, maxEntries, maxWindowBytes);
        for (const o of ops) {
          if (o.kind === 'commit') {
            const written: WindowChange[] = [];
            const from = version;
            for (const { key, branch } of o.keys) {
              const k = `k${key}`;
              const b = db.get(k)?.branch ?? branch;
              db.set(k, { version: ++version, branch: b });
              written.push({ key: k, branchId: b, version, bytes: enc(k, version) });
            }
            // As the storages do: a window that missed a write starts over.
            if (!window.append(written, from, version)) window.reset(version);
            expect(window.heldBytes).toBeLessThanOrEqual(maxWindowBytes);
          } else if (o.kind === 'external') {
            for (const key of o.keys) db.set(`k${key}`, { version: ++version, branch: db.get(`k${key}`)?.branch ?? 'a' });
          } else {
            const after = Math.max(0, version - o.back);
            const page = window.page(new Set(o.branches), after, o.limit, o.maxBytes, version);
            if (!page) continue;
            const expected = [...db.entries()]
              .filter(([, r]) => r.version > after && o.branches.includes(r.branch))
              .sort((x, y) => x[1].version - y[1].version);
            const taken = expected.slice(
              0,
              fits(
                expected.map(([key, r]) => enc(key, r.version).length),
                o.limit,
                o.maxBytes,
              ),
            );
            expect(JSON.parse(`[${Buffer.concat(page.chunks).toString()}]`)).toEqual(taken.map(([key, r]) => ({ key, version: r.version })));
            expect(page).toMatchObject({ count: taken.length, lastVersion: taken.at(-1)?.[1].version ?? null, hasMore: expected.length > taken.length });
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a cursor older than what it holds, and one from another process’s writes', () => {
    const window = new ChangeWindow(100);
    expect(window.page(new Set(['a']), 99, 10, 1000, 100)).toBeNull();
    expect(window.page(new Set(['a']), 100, 10, 1000, 100)).toMatchObject({ count: 0, hasMore: false });
    expect(window.page(new Set(['a']), 100, 10, 1000, 101)).toBeNull();
  });

  it('drops rewritten changes though as many others are never rewritten (each edit’s history record)', () => {
    const window = new ChangeWindow(0);
    for (let v = 2; v <= 2000; v += 2)
      window.append(
        [
          { key: 'progress p1', branchId: 'a', version: v - 1, bytes: enc('p1', v - 1) },
          { key: `history h${v}`, branchId: 'a', version: v, bytes: enc(`h${v}`, v) },
        ],
        v - 2,
        v,
      );
    // 1,000 history records and the latest progress, plus rewritten ones not dropped yet (under a quarter).
    expect(window.heldEntries).toBeGreaterThan(1000);
    expect(window.heldEntries).toBeLessThan(1000 + 1001 / 3);
    const page = window.page(new Set(['a']), 0, 5000, 1 << 20, 2000)!;
    expect(page.count).toBe(1001);
  });

  it('holds a change in memory of its own size, never a slice of a shared slab', () => {
    const window = new ChangeWindow(0);
    const pooled = enc('k1', 1);
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length);
    window.append(
      [
        { key: 'k1', branchId: 'a', version: 1, bytes: pooled },
        { key: 'k2', branchId: 'a', version: 2, bytes: changeBytes('{"key":"k2"}') },
      ],
      0,
      2,
    );
    const held = window.page(new Set(['a']), 0, 10, 1000, 2)!.chunks.filter((c) => c.length > 1);
    expect(held.map((c) => Buffer.from(c).toString())).toEqual([pooled.toString(), '{"key":"k2"}']);
    for (const c of held) expect(c.buffer.byteLength).toBe(c.length);
  });
});

describe('BranchWindows', () => {
  it('holds all branches together within their total, the busiest giving up its oldest, and answers only for what it holds', () => {
    const branches = ['a', 'b', 'c', 'd', 'e'];
    fc.assert(
      fc.property(fc.array(fc.record({ branch: fc.constantFrom(...branches), n: fc.integer({ min: 1, max: 40 }) }), { minLength: 5, maxLength: 40 }), (ops) => {
        const windows = new BranchWindows(1000, 1 << 20, 100, 1 << 20);
        const version = new Map(branches.map((b) => [b, 0]));
        for (const { branch, n } of ops) {
          const from = version.get(branch)!;
          const changes = Array.from({ length: n }, (_, i) => ({
            key: `h${branch}${from + i + 1}`,
            branchId: branch,
            version: from + i + 1,
            bytes: enc(branch, from + i + 1),
          }));
          version.set(branch, from + n);
          expect(windows.append(branch, changes, from, from + n)).toBe(true);
          expect(windows.held().entries).toBeLessThanOrEqual(100);
        }
        let counted = 0;
        for (const b of branches) {
          const to = version.get(b)!;
          if (to === 0) continue;
          // The oldest change the window still answers from: every change after it, in order, and nothing before.
          let after = to;
          while (after > 0 && windows.page(b, after - 1, 5000, 1 << 20, to) !== null) after--;
          const page = windows.page(b, after, 5000, 1 << 20, to)!;
          expect(JSON.parse(`[${Buffer.concat(page.chunks).toString()}]`)).toEqual(
            Array.from({ length: to - after }, (_, i) => ({ key: b, version: after + i + 1 })),
          );
          counted += page.count;
        }
        expect(windows.held().entries).toBe(counted);
      }),
      { numRuns: 50 },
    );
  });
});

describe('SQLite pulls from the window and from SQL agree', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tracker-window-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('under random writes, rolled-back writes and another process’s writes', async () => {
    const path = join(dir, 'window.sqlite');
    const server = await openSqliteStorage(path);
    const other = await openSqliteStorage(path);
    // Records of different sizes, some with characters of several bytes, so the byte bound cuts pages.
    // A record's branch is one of its identities (as a plan's is): here it follows from the id.
    const rec = (id: number, n: number) => ({
      table: 'progress' as const,
      id: `r${id}`,
      branchId: id % 2 ? 'a' : 'b',
      planId: 'p',
      data: { id: `r${id}`, n, text: '界'.repeat((id * 7) % 40) },
      updatedAt: 't',
      updatedBy: 'u',
    });
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    try {
      for (let step = 0; step < 300; step++) {
        const r = rand(10);
        if (r < 6) {
          await server.write(['a', 'b'], async (tx) => {
            for (let i = 0; i <= rand(3); i++) await tx.putRecord(rec(rand(40), step));
          });
        } else if (r < 7) {
          await server
            .write(['a'], async (tx) => {
              await tx.putRecord(rec(2 * rand(20) + 1, -1));
              throw new Error('rolled back');
            })
            .catch(() => undefined);
        } else if (r < 8) {
          await other.write(['a', 'b'], async (tx) => {
            await tx.putRecord(rec(rand(40), step));
          });
        }
        const max = await server.branchVersions(['a', 'b']);
        const branches = [['a'], ['b'], ['a', 'b']][rand(3)]!;
        const after = Object.fromEntries(branches.map((b) => [b, Math.max(0, max[b]! - rand(30))]));
        const limit = 1 + rand(12);
        const maxBytes = 1 + rand(600);
        const encoded = await server.encodedChangesSince(after, limit, maxBytes);
        const plain = await server.changesSince(after, 1000);
        const n = fits(
          plain.records.map((p) => Buffer.byteLength(encodeChange(p))),
          limit,
          maxBytes,
        );
        expect(JSON.parse(`[${Buffer.concat(encoded.chunks).toString()}]`)).toEqual(
          plain.records.slice(0, n).map((p) => ({ table: p.table, id: p.id, version: p.version, record: JSON.parse(p.data) })),
        );
        expect(encoded).toMatchObject({ count: n, hasMore: plain.records.length > n });
      }
    } finally {
      await server.close();
      await other.close();
    }
  });
});
