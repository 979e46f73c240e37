// `npm run admin -- …` run in-process on an in-memory database, checked through the API where
// it matters (a new user can log in; a reset password revokes the old tokens).
import { beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/server/admin-cli';
import { createApp } from '../../src/server/app';
import { ensureDemo } from '../../src/server/demo';
import { memoryLogger, silentLogger } from '../../src/server/log';
import { openSqliteStorage, type SqliteStorage } from '../../src/server/storage/sqlite';

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
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), storage, now: () => NOW });
  return { code, stdout, stderr };
}

async function login(email: string, password: string): Promise<{ status: number; token?: string; branches?: unknown }> {
  const res = await createApp({ storage, now: () => NOW }).request('/api/login', { method: 'POST', body: JSON.stringify({ email, password }) });
  const json = (await res.json()) as { token?: string; branches?: unknown };
  return { status: res.status, ...json };
}

async function pullStatus(token: string): Promise<number> {
  const res = await createApp({ storage, now: () => NOW }).request('/api/sync', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify({ protocolVersion: 1, clientId: 'admin-test-client', mutations: [], cursor: null, pullLimit: 1 }),
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
    expect(await login('a@example.jp', 'long-enough')).toMatchObject({ branches: [{ id: 'osaka', role: 'staff' }, { id: 'tokyo', role: 'admin' }] });
    expect(await admin('grant', 'a@example.jp', 'osaka', 'none')).toMatchObject({ code: 0 });
    expect(await login('a@example.jp', 'long-enough')).toMatchObject({ branches: [{ id: 'tokyo', role: 'admin' }] });
  });

  it('resets a password and revokes the user’s tokens', async () => {
    await admin('add-user', 'a@example.jp', 'A', '--password', 'first-password');
    const { token } = await login('a@example.jp', 'first-password');
    expect(await pullStatus(token!)).toBe(200);
    const reset = await admin('reset-password', 'a@example.jp', '--password', 'second-password');
    expect(reset).toMatchObject({ code: 0, stdout: 'new password set for a@example.jp; 1 token(s) revoked\n' });
    expect(await pullStatus(token!)).toBe(401);
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
    const page = await storage.changesSince(['tokyo'], 0, 1000);
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

  it('prints its usage for help', async () => {
    const res = await admin('help');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('import-plan --branch ID');
  });
});

describe('the demo of the embedded default', () => {
  it('is seeded on a new database, once, with a warning', async () => {
    const log = memoryLogger();
    const accounts = await ensureDemo(storage, { production: false, log, now: NOW });
    expect(accounts).toEqual([
      { email: 'lead@demo', password: 'demo1234', role: 'lead' },
      { email: 'staff@demo', password: 'demo1234', role: 'staff' },
    ]);
    expect(log.entries.filter((e) => e.level === 'warn').map((e) => e.msg)).toEqual(['demo data created', expect.stringContaining('demo accounts exist')]);
    const version = await storage.maxVersion();
    expect(await ensureDemo(storage, { production: false, log: silentLogger, now: NOW })).toEqual(accounts);
    expect(await storage.maxVersion()).toBe(version);
    expect(JSON.parse((await storage.getRecord('plans', 'demo-tokyo-r6'))!.data)).toMatchObject({ branchId: 'demo-tokyo', demo: true });
    expect(await storage.getRecord('notes', 'demo-tokyo-r6/note-1')).toBeDefined();
    expect((await login('staff@demo', 'demo1234')).status).toBe(200);
  });

  it('is never created in production', async () => {
    const before = storage.serialize();
    expect(await ensureDemo(storage, { production: true, log: silentLogger, now: NOW })).toBeNull();
    expect(storage.serialize().equals(before)).toBe(true);
    expect(await storage.getUserByEmail('lead@demo')).toBeUndefined();
  });

  it('is not added to a database that already has accounts', async () => {
    await admin('add-branch', 'tokyo', '東京支部');
    expect(await ensureDemo(storage, { production: false, log: silentLogger, now: NOW })).toBeNull();
    expect(await storage.getUserByEmail('lead@demo')).toBeUndefined();
  });

  it('is not announced in production even when an earlier run seeded it', async () => {
    await ensureDemo(storage, { production: false, log: silentLogger, now: NOW });
    expect(await ensureDemo(storage, { production: true, log: silentLogger, now: NOW })).toBeNull();
  });
});
