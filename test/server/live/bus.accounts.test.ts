// Account changes heard across processes on one PostgreSQL: every change of tokens, passwords or
// roles made through a storage (a server instance, or the admin command) notifies the schema's
// live channel in its own transaction, and each instance's bus makes its storage forget the
// cached sessions (app.ts). While the bus hears, a session answers from memory far longer than
// SESSION_CACHE_MS; when it stops hearing, the short time is back, and whatever was cached
// before it heard again is forgotten.
import pg from 'pg';
import { expect, it } from 'vitest';
import { createApp } from '../../../src/server/app';
import { channelOf, postgresBus, type BusMessage } from '../../../src/server/live/bus';
import { LiveHub } from '../../../src/server/live/hub';
import { silentLogger } from '../../../src/server/log';
import { SESSION_CACHE_MS } from '../../../src/server/storage/kysely-storage';
import { openPostgresStorage, splitSchemaParam } from '../../../src/server/storage/postgres';
import { describePostgres } from '../postgres-env';

const AT = '2026-01-01T00:00:00.000Z';
const FAR = '2099-01-01T00:00:00.000Z';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for `check` to hold, asking again every 20 ms, for at most `ms`. */
async function eventually(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > until) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(20);
  }
}

describePostgres('account changes heard across processes', (env) => {
  /** Instance A: a storage counting its queries, its bus and app wired as main.ts wires them; B: a storage alone, as the admin command opens one. */
  async function setUp() {
    const schema = env.newSchema();
    let queries = 0;
    const a = await openPostgresStorage(env.url, { schema, poolSize: 2, onQuery: () => queries++ });
    const b = await openPostgresStorage(env.url, { schema, poolSize: 2 });
    const bus = await postgresBus(splitSchemaParam(env.url).url, a.schema, silentLogger);
    const live = new LiveHub(bus);
    createApp({ storage: a, live });
    const heard: boolean[] = [];
    bus.hearing((h) => heard.push(h));
    const accounts: BusMessage[] = [];
    bus.subscribe((m) => {
      if (m.kind === 'accounts') accounts.push(m);
    });
    await b.addBranch({ id: 'b1', name: '支部1', createdAt: AT });
    await b.addUser({ id: 'u1', email: 'u1@example.jp', name: '利用者', passwordHash: 'x', createdAt: AT });
    await b.setMembership({ userId: 'u1', branchId: 'b1', role: 'staff' });
    for (const hash of ['t1', 't2']) await b.addToken({ hash, userId: 'u1', createdAt: AT, expiresAt: FAR, revokedAt: null });
    await eventually(async () => accounts.length === 1, 10_000, 'the membership set in the set-up is heard');
    const close = async () => {
      await live.close();
      await bus.close();
      await Promise.all([a.close(), b.close()]);
    };
    return { a, b, heard, accounts, queries: () => queries, close };
  }

  it('answers a session from memory past SESSION_CACHE_MS while heard, and forgets it as another process’s change commits', async () => {
    const { a, b, heard, accounts, queries, close } = await setUp();
    try {
      expect(heard).toEqual([true]);
      const before = queries();
      expect((await a.getSession('t1'))?.token.revokedAt).toBeNull();
      await sleep(SESSION_CACHE_MS + 200);
      expect((await a.getSession('t1'))?.token.revokedAt).toBeNull();
      expect(queries() - before).toBe(1);

      // A logout through the other process: heard long before the cache would have run out.
      await b.revokeToken('t1', AT);
      await eventually(async () => (await a.getSession('t1'))?.token.revokedAt === AT, 5_000, 'the logout reaches A');
      await eventually(async () => accounts.length === 2, 5_000, 'the logout is announced');

      // Nothing changed (a logout sent twice), or the change failed: no announcement. The next
      // real change is the next one heard, so neither sent one before it.
      expect(await b.revokeToken('t1', AT)).toBe(false);
      await expect(b.setPasswordHash('nobody', 'y')).rejects.toThrow();
      await b.removeMembership('u1', 'b1');
      await eventually(async () => (await a.getSession('t2'))?.memberships.length === 0, 5_000, 'the removed role reaches A');
      await sleep(300);
      expect(accounts).toHaveLength(3);

      // Every account change is announced: a role, a password, all of a user's tokens, all tokens.
      await b.setMembership({ userId: 'u1', branchId: 'b1', role: 'lead' });
      await eventually(async () => (await a.getSession('t2'))?.memberships[0]?.role === 'lead', 5_000, 'the new role reaches A');
      await b.setPasswordHash('u1', 'z');
      await eventually(async () => (await a.getSession('t2'))?.user.passwordHash === 'z', 5_000, 'the password reaches A');
      await b.revokeTokensOf('u1', AT);
      await eventually(async () => (await a.getSession('t2'))?.token.revokedAt === AT, 5_000, 'the revoked tokens reach A');
      await b.addToken({ hash: 't3', userId: 'u1', createdAt: AT, expiresAt: FAR, revokedAt: null });
      expect((await a.getSession('t3'))?.token.revokedAt).toBeNull();
      await b.revokeAllTokens(AT);
      await eventually(async () => (await a.getSession('t3'))?.token.revokedAt === AT, 5_000, 'revoking every token reaches A');
    } finally {
      await close();
    }
  }, 60_000);

  it('goes back to SESSION_CACHE_MS while its connection is lost, and forgets what it cached once it hears again', async () => {
    const { a, heard, queries, close } = await setUp();
    const admin = new pg.Client({ connectionString: splitSchemaParam(env.url).url });
    await admin.connect();
    try {
      await a.getSession('t1');
      // The bus's own connection, found by the channel it listens on.
      const { rowCount } = await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where pid <> pg_backend_pid() and query = $1`, [
        `LISTEN ${pg.escapeIdentifier(channelOf(a.schema))}`,
      ]);
      expect(rowCount).toBe(1);
      await eventually(async () => heard.length === 3, 10_000, 'the bus loses its connection and takes it up again');
      expect(heard).toEqual([true, false, true]);
      let before = queries();
      await a.getSession('t1');
      expect(queries() - before).toBe(1);

      // Not heard (the bus says so when its connection is lost): a cached session answers for SESSION_CACHE_MS only.
      a.hearAccountChanges(false);
      before = queries();
      await a.getSession('t1');
      await a.getSession('t1');
      expect(queries() - before).toBe(1);
      await sleep(SESSION_CACHE_MS + 200);
      await a.getSession('t1');
      expect(queries() - before).toBe(2);
    } finally {
      await admin.end();
      await close();
    }
  }, 60_000);
});
