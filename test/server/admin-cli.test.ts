// `npm run admin -- …` run in-process on an in-memory database, checked through the API where
// it matters (a new user can log in; a reset password revokes the old tokens); backup and
// restore on a SQLite file in a temporary DATA_DIR, compared with dump().
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/server/admin-cli';
import { createApp } from '../../src/server/app';
import { ensureDemo } from '../../src/server/demo';
import { memoryLogger, silentLogger } from '../../src/server/log';
import { openSqliteStorage, type SqliteStorage } from '../../src/server/storage/sqlite';
import { CURSOR_EPOCH_META_KEY } from '../../src/server/sync';
import { syncResponseSchema } from '../../src/model/protocol';
import { TEST_PASSWORD_COST } from './helpers';

const GOOD = 'test/fixtures/plan-file-good.json';
const BAD = 'test/fixtures/plan-file-bad.json';
const NOW = new Date('2026-05-01T00:00:00.000Z');

let storage: SqliteStorage;
beforeEach(async () => {
  storage = await openSqliteStorage(':memory:');
});

async function admin(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), storage, now: () => NOW, passwordCost: TEST_PASSWORD_COST });
  return { code, stdout, stderr };
}

async function login(email: string, password: string): Promise<{ status: number; token?: string; branches?: unknown }> {
  const res = await createApp({ passwordCost: TEST_PASSWORD_COST, storage, now: () => NOW }).request('/api/login', {
    method: 'POST',
    body: JSON.stringify({ email, password }),
  });
  const json = (await res.json()) as { token?: string; branches?: unknown };
  return { status: res.status, ...json };
}

async function pullStatus(token: string): Promise<number> {
  const res = await createApp({ passwordCost: TEST_PASSWORD_COST, storage, now: () => NOW }).request('/api/sync', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify({ protocolVersion: 3, clientId: 'admin-test-client', mutations: [], cursor: null, pullLimit: 1 }),
  });
  return res.status;
}

describe('npm run admin', () => {
  it('adds a branch and a user with a role; the user logs in with the generated password', async () => {
    expect(await admin('add-branch', 'tokyo', '東京支部')).toMatchObject({ code: 0, stdout: 'added branch tokyo (東京支部)\n' });
    const added = await admin('add-user', 'Sato@Example.jp', '佐藤 一郎', '--branch', 'tokyo', '--role', 'lead');
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('added user sato@example.jp (佐藤 一郎) as lead of tokyo');
    const password = /password: (\S+)/.exec(added.stdout)![1]!;
    expect(await login('sato@example.jp', password)).toMatchObject({ status: 200, branches: [{ id: 'tokyo', name: '東京支部', role: 'lead' }] });
  });

  it('grants and removes roles', async () => {
    await admin('add-branch', 'tokyo', '東京支部');
    await admin('add-branch', 'osaka', '大阪支部');
    await admin('add-user', 'a@example.jp', 'A', '--password', 'long-enough');
    expect(await admin('grant', 'a@example.jp', 'osaka', 'staff')).toMatchObject({ code: 0, stdout: 'a@example.jp is staff of osaka\n' });
    expect(await admin('grant', 'a@example.jp', 'tokyo', 'admin')).toMatchObject({ code: 0 });
    expect(await login('a@example.jp', 'long-enough')).toMatchObject({
      branches: [
        { id: 'osaka', role: 'staff' },
        { id: 'tokyo', role: 'admin' },
      ],
    });
    expect(await admin('grant', 'a@example.jp', 'osaka', 'none')).toMatchObject({ code: 0 });
    expect(await login('a@example.jp', 'long-enough')).toMatchObject({ branches: [{ id: 'tokyo', role: 'admin' }] });
  });

  it('resets a password and revokes the user’s tokens, on every device', async () => {
    await admin('add-user', 'a@example.jp', 'A', '--password', 'first-password');
    await admin('add-user', 'b@example.jp', 'B', '--password', 'first-password');
    const { token } = await login('a@example.jp', 'first-password');
    const { token: other } = await login('a@example.jp', 'first-password');
    const { token: someoneElse } = await login('b@example.jp', 'first-password');
    expect(await pullStatus(token!)).toBe(200);
    const reset = await admin('reset-password', 'a@example.jp', '--password', 'second-password');
    expect(reset).toMatchObject({ code: 0, stdout: 'new password set for a@example.jp; 2 token(s) revoked\n' });
    expect(await pullStatus(token!)).toBe(401);
    expect(await pullStatus(other!)).toBe(401);
    expect(await pullStatus(someoneElse!)).toBe(200);
    expect((await login('a@example.jp', 'first-password')).status).toBe(401);
    expect((await login('a@example.jp', 'second-password')).status).toBe(200);
  });

  it('revokes tokens', async () => {
    await admin('add-user', 'a@example.jp', 'A', '--password', 'first-password');
    const { token } = await login('a@example.jp', 'first-password');
    expect(await admin('revoke-tokens', 'a@example.jp')).toMatchObject({ code: 0, stdout: '1 token(s) of a@example.jp revoked\n' });
    expect(await pullStatus(token!)).toBe(401);
  });

  it('imports a plan file into a branch, and the branch’s users pull it', async () => {
    await admin('add-branch', 'tokyo', '東京支部');
    await admin('add-user', 'a@example.jp', 'A', '--password', 'long-enough', '--branch', 'tokyo', '--role', 'staff');
    const imported = await admin('import-plan', '--branch', 'tokyo', GOOD);
    expect(imported).toMatchObject({ code: 0, stdout: expect.stringContaining('as plan tokyo-2024') });
    const plan = await storage.getRecord('plans', 'tokyo-2024');
    expect(plan?.branchId).toBe('tokyo');
    expect(JSON.parse(plan!.data)).toMatchObject({ id: 'tokyo-2024', branchId: 'tokyo', branch: '東京支部', fiscalYear: 2024, updatedBy: '管理者' });
    const page = await storage.changesSince(Object.fromEntries(['tokyo'].map((b) => [b, 0])), 1000);
    expect(page.records.map((r) => r.table)).toEqual(expect.arrayContaining(['plans', 'sections', 'items', 'kpis', 'progress', 'notes', 'measurements']));
    expect(await admin('import-plan', '--branch', 'tokyo', GOOD)).toMatchObject({ code: 1, stderr: 'import-plan: plan tokyo-2024 exists already\n' });
    expect(await admin('import-plan', '--branch', 'tokyo', '--plan-id', 'tokyo-2024-b', GOOD)).toMatchObject({ code: 0 });
    expect((await admin('list')).stdout).toContain('tokyo-2024-b\ttokyo\t2024');
  });

  it('refuses a bad plan file with its problems and writes nothing', async () => {
    await admin('add-branch', 'tokyo', '東京支部');
    const before = storage.serialize();
    const res = await admin('import-plan', '--branch', 'tokyo', BAD);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('4 problem(s)');
    expect(res.stderr).toContain('ID「p1-1」が重複しています');
    expect(storage.serialize().equals(before)).toBe(true);
  });

  it('lists branches, users with roles, and plans', async () => {
    await admin('add-branch', 'tokyo', '東京支部');
    await admin('add-user', 'a@example.jp', 'A', '--password', 'long-enough', '--branch', 'tokyo', '--role', 'lead');
    const { code, stdout } = await admin('list');
    expect(code).toBe(0);
    expect(stdout).toBe('branches (1):\n  tokyo\t東京支部\nusers (1):\n  a@example.jp\tA\tlead@tokyo\nplans (0):\n');
  });

  it.each([
    [['add-branch', 'tokyo', '東京支部'], ['add-branch', 'tokyo', 'again'], 1, 'branch tokyo exists'],
    [[], ['add-user', 'x@y', 'X', '--password', 'short'], 1, 'at least 8'],
    [[], ['add-user', 'x@y', 'X', '--branch', 'nowhere', '--role', 'staff'], 1, 'no branch nowhere'],
    [[], ['add-user', 'x@y', 'X', '--branch', 'nowhere'], 2, '--branch and --role go together'],
    [[], ['grant', 'nobody@y', 'tokyo', 'staff'], 1, 'no user nobody@y'],
    [['add-branch', 'tokyo', '東京支部'], ['import-plan', GOOD], 2, '--branch is required'],
    [['add-branch', 'tokyo', '東京支部'], ['import-plan', '--branch', 'tokyo', 'missing.json'], 1, 'cannot read missing.json'],
    [[], ['frobnicate'], 2, 'unknown command: frobnicate'],
    [[], ['add-branch', 'only-id'], 2, 'expected 2 argument(s)'],
  ] as const)('refuses %j then %j with exit %i', async (setup, argv, code, message) => {
    if (setup.length) await admin(...setup);
    const res = await admin(...argv);
    expect(res.code).toBe(code);
    expect(res.stderr).toContain(message);
  });

  it('is not fooled by a command named like an object property', async () => {
    expect(await admin('toString')).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command: toString') });
  });

  it('prints its usage for help', async () => {
    const res = await admin('help');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('import-plan --branch ID');
  });
});

describe('the demo of the embedded default', () => {
  it('is seeded on a new database, once, with a warning', async () => {
    const log = memoryLogger();
    const accounts = await ensureDemo(storage, { production: false, log, now: NOW, passwordCost: TEST_PASSWORD_COST });
    expect(accounts).toEqual([
      { email: 'lead@demo', password: 'demo1234', role: 'lead' },
      { email: 'staff@demo', password: 'demo1234', role: 'staff' },
      { email: 'admin@demo', password: 'demo1234', role: 'admin' },
    ]);
    expect(log.entries.filter((e) => e.level === 'warn').map((e) => e.msg)).toEqual(['demo data created', expect.stringContaining('demo accounts exist')]);
    const version = await storage.branchVersions(['tokyo']).then((v) => v['tokyo']);
    expect(await ensureDemo(storage, { production: false, log: silentLogger, now: NOW, passwordCost: TEST_PASSWORD_COST })).toEqual(accounts);
    expect(await storage.branchVersions(['tokyo']).then((v) => v['tokyo'])).toBe(version);
    expect(JSON.parse((await storage.getRecord('plans', 'demo-tokyo-r6'))!.data)).toMatchObject({ branchId: 'demo-tokyo', demo: true });
    expect(await storage.getRecord('notes', 'demo-tokyo-r6/note-1')).toBeDefined();
    expect((await login('staff@demo', 'demo1234')).status).toBe(200);
  });

  it('is never created in production', async () => {
    const before = storage.serialize();
    expect(await ensureDemo(storage, { production: true, log: silentLogger, now: NOW, passwordCost: TEST_PASSWORD_COST })).toBeNull();
    expect(storage.serialize().equals(before)).toBe(true);
    expect(await storage.getUserByEmail('lead@demo')).toBeUndefined();
  });

  it('is not added to a database that already has accounts', async () => {
    await admin('add-branch', 'tokyo', '東京支部');
    expect(await ensureDemo(storage, { production: false, log: silentLogger, now: NOW, passwordCost: TEST_PASSWORD_COST })).toBeNull();
    expect(await storage.getUserByEmail('lead@demo')).toBeUndefined();
  });

  it('is not announced in production even when an earlier run seeded it', async () => {
    await ensureDemo(storage, { production: false, log: silentLogger, now: NOW, passwordCost: TEST_PASSWORD_COST });
    expect(await ensureDemo(storage, { production: true, log: silentLogger, now: NOW, passwordCost: TEST_PASSWORD_COST })).toBeNull();
  });
});

// Backups copy the database and logins hash passwords at full cost: seconds on a busy machine.
describe('backup and restore (SQLite file in DATA_DIR)', { timeout: 20_000 }, () => {
  let dir: string;
  let dataDir: string;
  let live: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tracker-backup-'));
    dataDir = join(dir, 'data');
    live = join(dataDir, 'tracker.sqlite');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The command as an administrator runs it: it opens (and closes) the DATA_DIR database. */
  async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      now: () => NOW,
      env: { DATA_DIR: dataDir },
      passwordCost: TEST_PASSWORD_COST,
    });
    return { code, stdout, stderr };
  }

  async function withDb<T>(path: string, fn: (s: SqliteStorage) => Promise<T>): Promise<T> {
    const s = await openSqliteStorage(path);
    try {
      return await fn(s);
    } finally {
      await s.close();
    }
  }

  async function loginA(s: SqliteStorage): Promise<string> {
    const login = await createApp({ passwordCost: TEST_PASSWORD_COST, storage: s, now: () => NOW }).request('/api/login', {
      method: 'POST',
      body: JSON.stringify({ email: 'a@example.jp', password: 'long-enough' }),
    });
    return ((await login.json()) as { token: string }).token;
  }

  /** The user's device pulls everything; returns its cursor. */
  async function deviceSynced(s: SqliteStorage, token: string): Promise<string> {
    const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s, now: () => NOW });
    let cursor: string | null = null;
    for (;;) {
      const res = await app.request('/api/sync', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ protocolVersion: 3, clientId: 'device-backup-test', mutations: [], cursor }),
      });
      const page = syncResponseSchema.parse(await res.json());
      cursor = page.cursor;
      if (!page.hasMore) return cursor;
    }
  }

  async function seed(): Promise<void> {
    expect((await run('add-branch', 'tokyo', '東京支部')).code).toBe(0);
    expect((await run('add-user', 'a@example.jp', 'A', '--password', 'long-enough', '--branch', 'tokyo', '--role', 'admin')).code).toBe(0);
    expect((await run('import-plan', '--branch', 'tokyo', GOOD)).code).toBe(0);
  }

  it('restores exactly what was backed up; later writes are gone, the replaced file is kept', async () => {
    await seed();
    const backedUp = await withDb(live, (s) => s.dump());
    const file = join(dir, 'backup.sqlite');
    const backup = await run('backup', file);
    expect(backup).toMatchObject({ code: 0, stdout: expect.stringContaining(`backed up to ${file}`) });
    // One self-contained file: nothing beside it.
    expect((await readdir(dir)).sort()).toEqual(['backup.sqlite', 'data']);

    expect((await run('add-branch', 'osaka', '大阪支部')).code).toBe(0);
    expect((await run('import-plan', '--branch', 'osaka', GOOD)).code).toBe(0);
    expect((await run('reset-password', 'a@example.jp', '--password', 'another-password')).code).toBe(0);
    const changed = await withDb(live, (s) => s.dump());
    expect(changed).not.toEqual(backedUp);

    const restored = await run('restore', file);
    expect(restored).toMatchObject({ code: 0, stdout: expect.stringContaining('restored') });
    const kept = /kept as (\S+)/.exec(restored.stdout)![1]!;

    const after = await withDb(live, (s) => s.dump());
    // Equal to the backup but for the one meta row that resets devices' cursors.
    const epoch = (after.meta as { key: string; value: string }[]).find((m) => m.key === CURSOR_EPOCH_META_KEY);
    expect(epoch?.value).toMatch(/^[0-9a-f]{8}$/);
    expect({ ...after, meta: (after.meta as { key: string }[]).filter((m) => m.key !== CURSOR_EPOCH_META_KEY) }).toEqual(backedUp);
    expect(await withDb(kept, (s) => s.dump())).toEqual(changed);
    expect((await run('list')).stdout).not.toContain('osaka');
  });

  it('S21: resets a device that synced after the backup, even once the counter has passed its cursor again', async () => {
    await seed();
    const token = await withDb(live, loginA);
    await withDb(live, (s) => deviceSynced(s, token));
    const file = join(dir, 'backup.sqlite');
    expect((await run('backup', file)).code).toBe(0);
    expect((await run('import-plan', '--branch', 'tokyo', '--plan-id', 'tokyo-after-backup', GOOD)).code).toBe(0);
    const cursor = await withDb(live, (s) => deviceSynced(s, token));

    expect((await run('restore', file)).code).toBe(0);
    // New writes take the versions the lost ones had, and more.
    expect((await run('import-plan', '--branch', 'tokyo', '--plan-id', 'tokyo-after-restore-1', GOOD)).code).toBe(0);
    expect((await run('import-plan', '--branch', 'tokyo', '--plan-id', 'tokyo-after-restore-2', GOOD)).code).toBe(0);
    await withDb(live, async (s) => {
      expect(await s.branchVersions(['tokyo']).then((v) => v['tokyo'])).toBeGreaterThan(Number.parseInt(cursor.split(':').at(-1)!, 36));
      // The restore ended the session: the device signs in again and syncs on from its cursor.
      const token = await loginA(s);
      const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s, now: () => NOW });
      const res = await app.request('/api/sync', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ protocolVersion: 3, clientId: 'device-backup-test', mutations: [], cursor }),
      });
      const page = syncResponseSchema.parse(await res.json());
      expect(page.reset).toBe(true);
      // The new cursor carries the epoch and is accepted from then on.
      const next = await app.request('/api/sync', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ protocolVersion: 3, clientId: 'device-backup-test', mutations: [], cursor: page.cursor }),
      });
      expect(syncResponseSchema.parse(await next.json()).reset).toBe(false);
    });
  });

  it('ends every session: a token revoked after the backup and one issued before it are refused; passwords and roles are the backup’s', async () => {
    await seed();
    const before = await withDb(live, loginA);
    const file = join(dir, 'backup.sqlite');
    expect((await run('backup', file)).code).toBe(0);
    // After the backup: a new token, then a password change that revokes it.
    const revoked = await withDb(live, loginA);
    expect((await run('reset-password', 'a@example.jp', '--password', 'another-password')).code).toBe(0);

    const restored = await run('restore', file);
    expect(restored.code).toBe(0);
    await withDb(live, async (s) => {
      const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s, now: () => NOW });
      for (const token of [before, revoked]) {
        const res = await app.request('/api/sync', {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
          body: JSON.stringify({ protocolVersion: 3, clientId: 'device-backup-test', mutations: [], cursor: null }),
        });
        expect(res.status).toBe(401);
      }
      // The backup's password is the one that works now, and its session is a new one.
      const fresh = await loginA(s);
      expect(await deviceSynced(s, fresh)).toMatch(/^v2\./);
    });
    expect(restored.stdout).toContain('passwords and roles are those of the backup');
    expect(restored.stdout).toContain('everyone must sign in again');
  });

  it('reset-cursors (after a pg_restore) ends every session too', async () => {
    await seed();
    const token = await withDb(live, loginA);
    const reset = await run('reset-cursors');
    await withDb(live, async (s) => {
      const res = await createApp({ passwordCost: TEST_PASSWORD_COST, storage: s, now: () => NOW }).request('/api/sync', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ protocolVersion: 3, clientId: 'device-reset-test', mutations: [], cursor: null }),
      });
      expect(res.status).toBe(401);
    });
    expect(reset.stdout).toContain('everyone must sign in again');
  });

  it('S21: reset-cursors (after a pg_restore) makes a device that synced before pull everything again', async () => {
    await seed();
    const token = await withDb(live, loginA);
    const cursor = await withDb(live, (s) => deviceSynced(s, token));
    const reset = await run('reset-cursors');
    expect(reset).toMatchObject({ code: 0, stdout: expect.stringMatching(/^cursor epoch set to [0-9a-f]{8}/) });
    expect((await run('reset-cursors', 'extra')).code).toBe(2);
    await withDb(live, async (s) => {
      const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s, now: () => NOW });
      const again = await loginA(s);
      const res = await app.request('/api/sync', {
        method: 'POST',
        headers: { authorization: `Bearer ${again}` },
        body: JSON.stringify({ protocolVersion: 3, clientId: 'device-reset-test', mutations: [], cursor }),
      });
      const page = syncResponseSchema.parse(await res.json());
      expect(page.reset).toBe(true);
      expect(page.changes.length).toBeGreaterThan(0);
    });
  });

  it('refuses to restore while the database is open (a server running), and changes nothing', async () => {
    await seed();
    const file = join(dir, 'backup.sqlite');
    expect((await run('backup', file)).code).toBe(0);
    const server = await openSqliteStorage(live);
    try {
      const before = await server.dump();
      const res = await run('restore', file);
      expect(res).toMatchObject({ code: 1, stderr: expect.stringContaining('the database is in use: stop the server') });
      expect(await server.dump()).toEqual(before);
    } finally {
      await server.close();
    }
    expect((await readdir(dataDir)).filter((f) => f.includes('restore'))).toEqual([]);
  });

  it.each([
    ['a text file', async (path: string) => writeFile(path, 'not a database at all\n'.repeat(100)), 'not a tracker database'],
    ['an empty file', async (path: string) => writeFile(path, ''), 'not a tracker database (no table'],
    [
      'another SQLite database',
      async (path: string) => {
        const db = new Database(path);
        db.exec('create table notes (id text)');
        db.close();
      },
      'not a tracker database (no table',
    ],
    [
      'a backup of a newer version',
      async (path: string) => {
        await withDb(path, async () => undefined);
        const db = new Database(path);
        db.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('999-future', NOW.toISOString());
        db.close();
      },
      'made by a newer version',
    ],
  ])('refuses to restore %s and changes nothing', async (_name, make, message) => {
    await seed();
    const before = await withDb(live, (s) => s.dump());
    const file = join(dir, 'candidate.sqlite');
    await make(file);
    const res = await run('restore', file);
    expect(res).toMatchObject({ code: 1, stderr: expect.stringContaining(message) });
    expect(await withDb(live, (s) => s.dump())).toEqual(before);
    expect((await readdir(dataDir)).filter((f) => f.includes('restore'))).toEqual([]);
  });

  it('refuses a missing file, and a backup onto the database itself', async () => {
    await seed();
    expect(await run('restore', join(dir, 'missing.sqlite'))).toMatchObject({ code: 1, stderr: expect.stringContaining('no file') });
    expect(await run('backup', live)).toMatchObject({ code: 1, stderr: expect.stringContaining('over the database itself') });
    expect(await run('backup')).toMatchObject({ code: 2 });
  });

  it('restores into a DATA_DIR that is not there yet', async () => {
    await seed();
    const file = join(dir, 'backup.sqlite');
    await run('backup', file);
    const backedUp = await withDb(live, (s) => s.dump());
    await rm(dataDir, { recursive: true });
    const res = await run('restore', file);
    expect(res.code).toBe(0);
    expect(res.stdout).not.toContain('kept as');
    const after = await withDb(live, (s) => s.dump());
    expect({ ...after, meta: (after.meta as { key: string }[]).filter((m) => m.key !== CURSOR_EPOCH_META_KEY) }).toEqual(backedUp);
  });

  it('leaves PostgreSQL to pg_dump and pg_restore', async () => {
    const env = { DATA_DIR: dataDir, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
    for (const argv of [
      ['backup', join(dir, 'b.dump')],
      ['restore', join(dir, 'b.dump')],
    ]) {
      let stderr = '';
      const code = await main(argv, { stdout: () => undefined, stderr: (t) => (stderr += t), env });
      expect(code).toBe(1);
      expect(stderr).toContain('pg_dump');
      expect(stderr).toContain('pg_restore');
    }
  });
});
