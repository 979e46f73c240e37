// Account changes heard across processes on one PostgreSQL: every change of tokens, passwords or
// roles made through a storage (a server instance, or the admin command) notifies the schema's
// live channel in its own transaction, and each instance's bus makes its storage forget the
// cached sessions (app.ts). While the bus hears (its notifications to itself come back), a
// session answers from memory far longer than SESSION_CACHE_MS; when it stops hearing (its
// connection lost, or silent), the short time is back, and whatever was cached before it heard
// again is forgotten. A password change checks the password as stored, not as a session cached it.
import { createServer, connect as netConnect, type Socket } from 'node:net';
import pg from 'pg';
import { expect, it } from 'vitest';
import { createUser, hashPassword, hashToken } from '../../../src/server/accounts';
import { createApp } from '../../../src/server/app';
import { BUS_ECHO, channelOf, postgresBus, type BusMessage } from '../../../src/server/live/bus';
import { LiveHub } from '../../../src/server/live/hub';
import { silentLogger } from '../../../src/server/log';
import { SESSION_CACHE_MS } from '../../../src/server/storage/kysely-storage';
import { openPostgresStorage, splitSchemaParam } from '../../../src/server/storage/postgres';
import { PASSWORD, TEST_PASSWORD_COST } from '../helpers';
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

/**
 * A TCP relay to PostgreSQL that can go silent: freeze() stops forwarding on the connections
 * open now without closing them, as a firewall that drops an idle flow does; later ones relay.
 */
async function silentableRelay(target: URL) {
  const open: { sockets: Socket[]; frozen: boolean }[] = [];
  const server = createServer((downstream) => {
    const upstream = netConnect(Number(target.port || 5432), target.hostname);
    const pair = { sockets: [downstream, upstream], frozen: false };
    open.push(pair);
    downstream.on('data', (d) => pair.frozen || upstream.write(d));
    upstream.on('data', (d) => pair.frozen || downstream.write(d));
    for (const socket of pair.sockets) socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as { port: number }).port);
  return {
    url: url.toString(),
    freeze: () => {
      for (const pair of open) pair.frozen = true;
    },
    close: async () => {
      for (const pair of open) for (const socket of pair.sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describePostgres('account changes heard across processes', (env) => {
  /**
   * Instance A: a storage counting its queries, its bus (at `busUrl`, with `echo` timings) and
   * app wired as main.ts wires them; B: a storage alone, as the admin command opens one.
   */
  async function setUp(busUrl = splitSchemaParam(env.url).url, echo = BUS_ECHO) {
    const schema = env.newSchema();
    let queries = 0;
    const a = await openPostgresStorage(env.url, { schema, poolSize: 2, onQuery: () => queries++ });
    const b = await openPostgresStorage(env.url, { schema, poolSize: 2 });
    const bus = await postgresBus(busUrl, a.schema, silentLogger, echo);
    const live = new LiveHub(bus);
    const app = createApp({ storage: a, live, passwordCost: TEST_PASSWORD_COST });
    const heard: boolean[] = [];
    bus.hearing((h) => heard.push(h));
    // Hearing from its first notification to itself on.
    await eventually(async () => heard.at(-1) === true, 10_000, 'the bus hears itself');
    heard.length = 0;
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
    return { a, b, app, heard, accounts, queries: () => queries, close };
  }

  it('answers a session from memory past SESSION_CACHE_MS while heard, and forgets it as another process’s change commits', async () => {
    const { a, b, accounts, queries, close } = await setUp();
    try {
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
      await eventually(async () => accounts.length === 3, 5_000, 'the removed role is announced');
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
      // The bus's own connection, named after its channel.
      const { rowCount } = await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1`, [
        `live bus ${channelOf(a.schema)}`,
      ]);
      expect(rowCount).toBe(1);
      await eventually(async () => heard.length === 2, 10_000, 'the bus loses its connection and takes it up again');
      expect(heard).toEqual([false, true]);
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

  it('stops trusting its cached sessions when its connection goes silent, and connects again', async () => {
    const relay = await silentableRelay(new URL(splitSchemaParam(env.url).url));
    const { a, b, heard, close } = await setUp(relay.url, { everyMs: 100, withinMs: 300, deafMs: 1_500 });
    try {
      expect((await a.getSession('t1'))?.token.revokedAt).toBeNull();
      relay.freeze();
      await eventually(async () => heard.includes(false), 5_000, 'the silent bus says it does not hear');
      // Not heard, so not announced to A: the short cache time lets it through.
      await b.revokeToken('t1', AT);
      await eventually(async () => (await a.getSession('t1'))?.token.revokedAt === AT, SESSION_CACHE_MS + 3_000, 'the logout reaches A');
      // A new connection through the relay carries notifications again.
      await eventually(async () => heard.at(-1) === true, 10_000, 'the bus connects again and hears');
      await b.revokeToken('t2', AT);
      await eventually(async () => (await a.getSession('t2'))?.token.revokedAt === AT, 5_000, 'the next logout reaches A');
    } finally {
      await close();
      await relay.close();
    }
  }, 60_000);

  it('refuses the old password for a password change after another process changed it, even with the session cached', async () => {
    const { a, b, app, close } = await setUp();
    try {
      const user = await createUser(b, { email: 'pw@example.jp', name: '変更 太郎', password: PASSWORD }, new Date(), TEST_PASSWORD_COST);
      await b.setMembership({ userId: user.id, branchId: 'b1', role: 'staff' });
      const res = await app.request('/api/login', { method: 'POST', body: JSON.stringify({ email: 'pw@example.jp', password: PASSWORD }) });
      const { token } = (await res.json()) as { token: string };
      const changeOnA = (currentPassword: string, newPassword: string) =>
        app.request('/api/password', {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ currentPassword, newPassword }),
        });
      // The session cached on A with the old password's hash; then a change A does not hear
      // (made around the server, in SQL, so announced to nobody).
      const cached = await a.getSession(hashToken(token));
      const admin = new pg.Client({ connectionString: splitSchemaParam(env.url).url });
      await admin.connect();
      try {
        await admin.query(`update ${pg.escapeIdentifier(a.schema)}.users set password_hash = $1 where id = $2`, [
          await hashPassword('the-new-password', TEST_PASSWORD_COST),
          user.id,
        ]);
      } finally {
        await admin.end();
      }
      expect((await a.getSession(hashToken(token)))?.user.passwordHash).toBe(cached?.user.passwordHash);
      expect((await changeOnA(PASSWORD, 'one-more-password')).status).toBe(403);
      expect((await changeOnA('the-new-password', 'one-more-password')).status).toBe(200);
    } finally {
      await close();
    }
  }, 60_000);
});
