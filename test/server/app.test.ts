// The HTTP app without a socket: login (tokens, expiry, revocation, throttling), a user changing
// their own password, info, health, unknown routes, static serving of the built app, and the
// request log.
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT_THROTTLE, createUser, hashPassword, hashToken, TOKEN_TTL_MS, verifyPassword } from '../../src/server/accounts';
import { createApp } from '../../src/server/app';
import { DEMO_PASSWORD } from '../../src/server/demo';
import { batchedLines, jsonLogger } from '../../src/server/log';
import type { Storage } from '../../src/server/storage/storage';
import { loginResponseSchema, serverInfoSchema } from '../../src/model/protocol';
import { client, startTestServer, T0, type TestServer, TEST_PASSWORD_COST } from './helpers';

let s: TestServer;
beforeEach(async () => {
  s = await startTestServer();
});

const login = (email: string, password: string) => s.post('/api/login', { email, password });

describe('POST /api/login', () => {
  it('answers a token valid for 30 days, the user and their branches with roles', async () => {
    const res = await login('Staff@Demo ', DEMO_PASSWORD);
    expect(res.status).toBe(200);
    const body = loginResponseSchema.parse(res.json);
    expect(body).toMatchObject({
      expiresAt: new Date(T0.getTime() + TOKEN_TTL_MS).toISOString(),
      user: { email: 'staff@demo', name: 'デモ 担当' },
      branches: [{ id: 'demo-tokyo', name: '東京支部（デモ）', role: 'staff' }],
    });
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Only the token's hash is stored.
    const dump = JSON.stringify(await s.storage.dump());
    expect(dump).not.toContain(body.token);
    expect(dump).toContain(hashToken(body.token));
  });

  it('answers the same 401 for a wrong password and an unknown email', async () => {
    const wrongPassword = await login('staff@demo', 'nope-nope');
    const unknownEmail = await login('nobody@demo', DEMO_PASSWORD);
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    expect(wrongPassword.json).toEqual(unknownEmail.json);
    expect(wrongPassword.json.error.code).toBe('unauthorized');
  });

  it(`slows an email after ${ACCOUNT_THROTTLE.free} failures until its delay has run`, async () => {
    for (let i = 0; i < ACCOUNT_THROTTLE.free; i++) expect((await login('staff@demo', 'wrong-password')).status).toBe(401);
    const throttled = await login('staff@demo', DEMO_PASSWORD);
    expect(throttled.status).toBe(429);
    expect(throttled.json.error.code).toBe('too_many_attempts');
    // Another account is not affected.
    expect((await login('lead@demo', DEMO_PASSWORD)).status).toBe(200);
    s.advance(ACCOUNT_THROTTLE.firstDelayMs);
    expect((await login('staff@demo', DEMO_PASSWORD)).status).toBe(200);
  });

  it('forgets earlier failures after a successful login', async () => {
    for (let i = 0; i < ACCOUNT_THROTTLE.free - 1; i++) await login('staff@demo', 'wrong-password');
    expect((await login('staff@demo', DEMO_PASSWORD)).status).toBe(200);
    for (let i = 0; i < ACCOUNT_THROTTLE.free - 1; i++) await login('staff@demo', 'wrong-password');
    expect((await login('staff@demo', DEMO_PASSWORD)).status).toBe(200);
  });
});

// Two or three hashes at the production cost: a few seconds on a busy machine.
describe('password hashes', { timeout: 120_000 }, () => {
  it('are scrypt at N = 2^17, r 8, p 1 by default, with their parameters recorded', async () => {
    const hash = await hashPassword('a-long-password');
    expect(hash).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('a-long-password', hash)).toBe(true);
    expect(await verifyPassword('another-password', hash)).toBe(false);
  });

  it('of N = 2^14 are upgraded to the default at the next successful login, not at a failed one', async () => {
    const user = await createUser(s.storage, { email: 'old@test', name: '旧 ハッシュ', password: 'an-old-password' }, T0, { N: 2 ** 14, r: 8, p: 1 });
    expect(user.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$/);
    // At the production cost, PASSWORD_COST.
    const app = createApp({ storage: s.storage, now: s.now });
    const attempt = (password: string) => app.request('/api/login', { method: 'POST', body: JSON.stringify({ email: 'old@test', password }) });
    expect((await attempt('not-the-password')).status).toBe(401);
    expect((await s.storage.getUserById(user.id))?.passwordHash).toBe(user.passwordHash);
    expect((await attempt('an-old-password')).status).toBe(200);
    const upgraded = (await s.storage.getUserById(user.id))!.passwordHash;
    expect(upgraded).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(await verifyPassword('an-old-password', upgraded)).toBe(true);
  });
});

describe('POST /api/logout', () => {
  const pull = (token: string) => s.post('/api/sync', { protocolVersion: 3, clientId: client().clientId, mutations: [], cursor: null, pullLimit: 1 }, token);

  it('revokes the token it is called with, and only that one; again is harmless', async () => {
    const tablet = (await login('staff@demo', DEMO_PASSWORD)).json.token as string;
    const phone = (await login('staff@demo', DEMO_PASSWORD)).json.token as string;
    expect(await s.post('/api/logout', {}, tablet)).toEqual({ status: 200, json: { ok: true } });
    expect(await pull(tablet)).toMatchObject({ status: 401, json: { error: { code: 'unauthorized' } } });
    expect((await pull(phone)).status).toBe(200);
    expect(await s.post('/api/logout', {}, tablet)).toEqual({ status: 200, json: { ok: true } });
    expect((await pull(tablet)).status).toBe(401);
  });

  it('needs a token it issued', async () => {
    expect((await s.post('/api/logout', {})).status).toBe(401);
    expect((await s.post('/api/logout', {}, 'x'.repeat(43))).status).toBe(401);
  });
});

describe('POST /api/password', () => {
  const pull = (token: string) => s.post('/api/sync', { protocolVersion: 3, clientId: client().clientId, mutations: [], cursor: null, pullLimit: 1 }, token);
  const change = (token: string | undefined, body: unknown) => s.post('/api/password', body, token);

  it('sets the new password, revokes every token of the user (other devices too) and answers a new one', async () => {
    const tablet = (await login('staff@demo', DEMO_PASSWORD)).json.token as string;
    const phone = (await login('staff@demo', DEMO_PASSWORD)).json.token as string;
    const lead = await s.login('lead@demo');
    const res = await change(tablet, { currentPassword: DEMO_PASSWORD, newPassword: 'a-new-password' });
    expect(res.status).toBe(200);
    const body = loginResponseSchema.parse(res.json);
    expect(body).toMatchObject({ user: { email: 'staff@demo' }, branches: [{ id: 'demo-tokyo', role: 'staff' }] });
    expect(res.json.token).not.toBe(tablet);
    expect(await pull(tablet)).toMatchObject({ status: 401, json: { error: { code: 'unauthorized' } } });
    expect((await pull(phone)).status).toBe(401);
    expect((await pull(body.token)).status).toBe(200);
    // Another user's session is untouched.
    expect((await pull(lead)).status).toBe(200);
    expect((await login('staff@demo', DEMO_PASSWORD)).status).toBe(401);
    expect((await login('staff@demo', 'a-new-password')).status).toBe(200);
  });

  it('refuses a wrong current password with 403 (not 401: the token is good) and changes nothing', async () => {
    const token = await s.login('staff@demo');
    const before = await s.storage.dump();
    const res = await change(token, { currentPassword: 'not-the-password', newPassword: 'a-new-password' });
    expect(res).toMatchObject({ status: 403, json: { error: { code: 'forbidden', message: expect.any(String) } } });
    // Only the failure is counted; the password and the tokens are as they were.
    const after = await s.storage.dump();
    expect(after.login_failures).toHaveLength(1);
    expect({ ...after, login_failures: [] }).toEqual({ ...before, login_failures: [] });
    expect((await pull(token)).status).toBe(200);
  });

  it(`throttles guessing with a stolen token like logins: 429 with Retry-After after ${ACCOUNT_THROTTLE.free} failures`, async () => {
    const token = await s.login('staff@demo');
    for (let i = 0; i < ACCOUNT_THROTTLE.free; i++)
      expect((await change(token, { currentPassword: `guess-${i}-guess`, newPassword: 'a-new-password' })).status).toBe(403);
    const res = await s.app.request('/api/password', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({ currentPassword: DEMO_PASSWORD, newPassword: 'a-new-password' }),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe(String(ACCOUNT_THROTTLE.firstDelayMs / 1000));
    expect((await pull(token)).status).toBe(200);
  });

  it.each([
    ['no token', undefined, { currentPassword: DEMO_PASSWORD, newPassword: 'a-new-password' }, 401, 'unauthorized'],
    ['a short new password', 'token', { currentPassword: DEMO_PASSWORD, newPassword: 'short' }, 400, 'bad_request'],
    ['the same password again', 'token', { currentPassword: DEMO_PASSWORD, newPassword: DEMO_PASSWORD }, 400, 'bad_request'],
    ['an unknown field', 'token', { currentPassword: DEMO_PASSWORD, newPassword: 'a-new-password', email: 'lead@demo' }, 400, 'bad_request'],
    ['a missing field', 'token', { newPassword: 'a-new-password' }, 400, 'bad_request'],
    ['malformed JSON', 'token', '{"currentPassword":', 400, 'bad_request'],
  ] as const)('refuses %s and changes nothing', async (_name, auth, body, status, code) => {
    const token = await s.login('staff@demo');
    const before = s.snapshot();
    const res = await change(auth === undefined ? undefined : token, body);
    expect(res).toMatchObject({ status, json: { error: { code } } });
    expect(s.snapshot().equals(before)).toBe(true);
  });
});

describe('tokens', () => {
  const pull = (token: string) => s.post('/api/sync', { protocolVersion: 3, clientId: client().clientId, mutations: [], cursor: null, pullLimit: 1 }, token);

  it('is refused once expired, with token_expired', async () => {
    const token = await s.login('staff@demo');
    s.advance(TOKEN_TTL_MS - 1000);
    expect((await pull(token)).status).toBe(200);
    s.advance(1000);
    expect(await pull(token)).toMatchObject({ status: 401, json: { error: { code: 'token_expired' } } });
  });

  it('is refused once revoked, with unauthorized', async () => {
    const token = await s.login('staff@demo');
    const user = await s.storage.getUserByEmail('staff@demo');
    await s.storage.revokeTokensOf(user!.id, T0.toISOString());
    expect(await pull(token)).toMatchObject({ status: 401, json: { error: { code: 'unauthorized' } } });
  });

  it('accepts only the Bearer scheme', async () => {
    const token = await s.login('staff@demo');
    const res = await s.app.request('/api/sync', { method: 'POST', headers: { authorization: `Basic ${token}` }, body: '{}' });
    expect(res.status).toBe(401);
  });
});

describe('GET /api/info and /api/health', () => {
  it('tells the protocol version and no demo accounts unless the demo was seeded', async () => {
    const res = await s.app.request('/api/info');
    expect(serverInfoSchema.parse(await res.json())).toEqual({ protocolVersion: 3, demo: null });
  });

  it('lists the demo accounts in the embedded default', async () => {
    const demo = await startTestServer({ demoAccounts: [{ email: 'staff@demo', password: DEMO_PASSWORD, role: 'staff' }] });
    const res = await demo.app.request('/api/info');
    expect(await res.json()).toEqual({ protocolVersion: 3, demo: { accounts: [{ email: 'staff@demo', password: DEMO_PASSWORD, role: 'staff' }] } });
  });

  it('answers health when storage is reachable, and 503 when it is not', async () => {
    expect(await (await s.app.request('/api/health')).json()).toEqual({ ok: true });
    // The real storage with a failing ping: every other method as it is.
    const broken = Object.create(s.storage, { ping: { value: () => Promise.reject(new Error('disk gone')) } }) as Storage;
    const res = await createApp({ passwordCost: TEST_PASSWORD_COST, storage: broken }).request('/api/health');
    expect(res.status).toBe(503);
  });

  it('answers an unknown API path with 404 not_found', async () => {
    const res = await s.app.request('/api/nothing-here');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});

describe('the request log', () => {
  it('logs one JSON line per request with method, path, status, ms and user, never a password or token', async () => {
    const lines: string[] = [];
    const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, log: jsonLogger((l) => lines.push(l), s.now), now: s.now });
    const res = await app.request('/api/login', { method: 'POST', body: JSON.stringify({ email: 'staff@demo', password: DEMO_PASSWORD }) });
    const { token } = (await res.json()) as { token: string };
    await app.request('/api/sync', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({ protocolVersion: 3, clientId: 'client-123456', mutations: [], cursor: null, pullLimit: 1 }),
    });
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const user = await s.storage.getUserByEmail('staff@demo');
    expect(entries).toEqual([
      { time: T0.toISOString(), level: 'info', msg: 'request', method: 'POST', path: '/api/login', status: 200, ms: expect.any(Number), userId: user!.id },
      { time: T0.toISOString(), level: 'info', msg: 'request', method: 'POST', path: '/api/sync', status: 200, ms: expect.any(Number), userId: user!.id },
    ]);
    expect(lines.join('')).not.toContain(DEMO_PASSWORD);
    expect(lines.join('')).not.toContain(token);
  });

  it('writes the lines of one turn of the event loop at once, a long run sooner, and what is pending before the process exits', async () => {
    const writes: string[] = [];
    const line = batchedLines((text) => writes.push(text));
    line('a\n');
    line('b\n');
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(['a\nb\n']);
    const long = `${'x'.repeat(40 * 1024)}\n`;
    line(long);
    line(long);
    expect(writes).toEqual(['a\nb\n', long + long]);
    // A process that logs and exits in the same turn still writes its line.
    const script = `import { jsonLogger } from ${JSON.stringify(fileURLToPath(new URL('../../src/server/log.ts', import.meta.url)))}; jsonLogger().info('last words'); process.exit(0);`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    expect(JSON.parse(stdout)).toMatchObject({ level: 'info', msg: 'last words' });
  });
});

describe('an upload the client aborted', () => {
  /** A body that sends its first part and then breaks off, as a closed tab or a lost connection does. */
  const brokenBody = () => {
    let sent = false;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) controller.error(new Error('aborted'));
        else controller.enqueue(new TextEncoder().encode('{"protocolVersion":2,"clientId":"client-aborted","mutations":['));
        sent = true;
      },
    });
  };

  it.each(['/api/sync', '/api/login'])('to %s is logged as aborted, not as a 500 error', async (path) => {
    const token = await s.login('staff@demo');
    const res = await s.app.request(path, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: brokenBody(), duplex: 'half' } as RequestInit);
    expect(res.status).toBe(400);
    expect(s.log.entries.filter((e) => e.level === 'error')).toEqual([]);
    expect(s.log.entries.filter((e) => e.msg === 'request' && e.path === path).at(-1)).toMatchObject({ level: 'info', status: 400, aborted: true });
  });
});

/** A built script big enough to be worth compressing. */
const BIG_JS = Array.from({ length: 400 }, (_, i) => `export const label${i} = '事業計画 ${i}';`).join('\n');

describe('serving the built app', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tracker-dist-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>app</title>');
    await writeFile(join(dir, 'sw.js'), 'self.x = 1;');
    await writeFile(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
    await writeFile(join(dir, 'assets', 'index-abc.js.map'), '{"version":3,"sources":["../src/server-secret.ts"]}');
    await writeFile(join(dir, 'assets', 'big-abc.js'), BIG_JS);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // One app for the whole block, as one server serves every request: its files stay in memory.
  let app: ReturnType<typeof createApp> | undefined;
  const get = (path: string, headers: Record<string, string> = {}) => {
    app ??= createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, staticDir: dir });
    return app.request(path, { headers });
  };

  it('serves index.html for the root and for any page path (SPA fallback)', async () => {
    for (const path of ['/', '/plans/demo-tokyo-r6', '/plans/x/items/y']) {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(await res.text()).toContain('<title>app</title>');
    }
  });

  it('serves sw.js with Cache-Control: no-cache and hashed assets as immutable', async () => {
    const sw = await get('/sw.js');
    expect(sw.headers.get('cache-control')).toBe('no-cache');
    expect(sw.headers.get('content-type')).toContain('javascript');
    expect((await get('/assets/index-abc.js')).headers.get('cache-control')).toContain('immutable');
  });

  it('marks as immutable only the files under assets/, however the path is spelt', async () => {
    expect((await get('/assets/..%2fsw.js')).headers.get('cache-control')).toBe('no-cache');
  });

  it('sends text files brotli or gzip compressed as the browser accepts, each with an ETag of its own', async () => {
    const br = await get('/assets/big-abc.js', { 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('vary')).toBe('Accept-Encoding');
    const brBody = Buffer.from(await br.arrayBuffer());
    expect(brBody.length).toBeLessThan(BIG_JS.length / 10);
    expect(brotliDecompressSync(brBody).toString()).toBe(BIG_JS);
    const gz = await get('/assets/big-abc.js', { 'accept-encoding': 'gzip' });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString()).toBe(BIG_JS);
    const plain = await get('/assets/big-abc.js');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(BIG_JS);
    expect(new Set([br, gz, plain].map((r) => r.headers.get('etag'))).size).toBe(3);
    // A small file is not worth it.
    expect((await get('/sw.js', { 'accept-encoding': 'br' })).headers.get('content-encoding')).toBeNull();
  });

  it('answers a repeat visit 304 while the file is unchanged, and 200 with a new ETag once it changed', async () => {
    // A reproducible build: every file carries one fixed time.
    const built = new Date('2026-01-01T00:00:00Z');
    await utimes(join(dir, 'index.html'), built, built);
    const first = await get('/index.html', { 'accept-encoding': 'br' });
    const tag = first.headers.get('etag');
    expect(tag).toMatch(/^"[\w-]+"$/);
    const again = await get('/index.html', { 'accept-encoding': 'br', 'if-none-match': tag! });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    // Another encoding is another representation: its own tag does not match this one.
    expect(
      (
        await get('/assets/big-abc.js', {
          'accept-encoding': 'gzip',
          'if-none-match': (await get('/assets/big-abc.js', { 'accept-encoding': 'br' })).headers.get('etag')!,
        })
      ).status,
    ).toBe(200);
    // A deploy rewrites the file in place, with the same size and (a reproducible build) mtime.
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>ap2</title>');
    await utimes(join(dir, 'index.html'), built, built);
    const changed = await get('/index.html', { 'accept-encoding': 'br', 'if-none-match': tag! });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(tag);
    expect(await changed.text()).toContain('ap2');
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>app</title>');
  });

  it('never serves a source map, even one left in the folder', async () => {
    for (const path of ['/assets/index-abc.js.map', '/assets/INDEX-abc.js.MAP', '/assets/missing.js.map']) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('sources');
    }
  });

  it('answers 404 for a missing file and for paths outside the folder, and keeps /api/* for the API', async () => {
    expect((await get('/assets/missing.js')).status).toBe(404);
    expect((await get('/..%2f..%2fetc%2fpasswd')).status).toBe(404);
    expect((await get('/api/unknown')).status).toBe(404);
    expect(await (await get('/api/unknown')).json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
