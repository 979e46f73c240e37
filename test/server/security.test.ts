// HTTP hardening: the security headers on every kind of response (and that the CSP allows what
// the built app loads), CORS off unless configured, cross-site calls refused, the client address
// (socket, or X-Forwarded-For only behind trusted proxies), and login throttling: guesses slowed
// per account and per address, a device's secret letting its owner in whatever others guessed.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { serve, type HttpBindings } from '@hono/node-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT_THROTTLE, ADDRESS_THROTTLE } from '../../src/server/accounts';
import { createApp } from '../../src/server/app';
import { DEMO_PASSWORD } from '../../src/server/demo';
import {
  addressGroup,
  CONTENT_SECURITY_POLICY,
  DEFAULT_HTTP_SETTINGS,
  httpSettingsFromEnv,
  SECURITY_HEADERS,
  type HttpSettings,
} from '../../src/server/security';
import { loginResponseSchema, PROTOCOL_VERSION } from '../../src/model/protocol';
import { PASSWORD, startTestServer, type TestServer, TEST_PASSWORD_COST } from './helpers';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});

/** A sync request that only pulls one change. */
const syncBody = (clientId: string) => JSON.stringify({ protocolVersion: PROTOCOL_VERSION, clientId, mutations: [], cursor: null, pullLimit: 1 });
const settings = (over: Partial<HttpSettings> = {}): HttpSettings => ({ ...DEFAULT_HTTP_SETTINGS, ...over });
/** What @hono/node-server hands the app for a request from `address`. */
const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } }) as unknown as HttpBindings;

describe('security headers', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tracker-headers-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>app</title>');
    await writeFile(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('are on every kind of response: API answers and errors, pages, assets, missing files', async () => {
    const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, now: s.now, staticDir: dir, http: settings() });
    const token = await s.login('staff@demo');
    const responses = [
      await app.request('/api/health'),
      await app.request('/api/info'),
      await app.request('/api/login', { method: 'POST', body: '{' }),
      await app.request('/api/sync', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: syncBody('headers-client') }),
      await app.request('/api/sync', { method: 'POST', body: '{}' }),
      await app.request('/api/nothing'),
      await app.request('/'),
      await app.request('/plans/x'),
      await app.request('/assets/index-abc.js'),
      await app.request('/assets/missing.js'),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 400, 200, 401, 404, 200, 200, 200, 404]);
    for (const res of responses) {
      expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(res.headers.get('permissions-policy')).toContain('camera=()');
      expect(res.headers.get('strict-transport-security')).toBeNull();
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
    // API answers (a login's token above all) are never cached; the app's files keep their caching.
    expect(responses.slice(0, 6).map((r) => r.headers.get('cache-control'))).toEqual(Array(6).fill('no-store'));
    expect(responses[6]!.headers.get('cache-control')).toBe('no-cache');
    expect(responses[8]!.headers.get('cache-control')).toContain('immutable');
  });

  it('a CSP that forbids inline script and style, framing, plugins and other origins', () => {
    const directives = new Map(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    expect(directives.get('script-src')).toBe("'self'");
    expect(directives.get('style-src')).toBe("'self'");
    expect(directives.get('frame-ancestors')).toBe("'none'");
    expect(directives.get('object-src')).toBe("'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|\*|https?:/);
  });

  it('sends HSTS only for requests that came over TLS (or a trusted proxy says so)', async () => {
    const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, http: settings({ hstsMaxAge: 31536000 }) });
    expect((await app.request('https://tracker.example/api/health')).headers.get('strict-transport-security')).toBe('max-age=31536000');
    expect((await app.request('http://tracker.example/api/health')).headers.get('strict-transport-security')).toBeNull();
    // X-Forwarded-Proto is anyone's to send unless a proxy is trusted.
    expect((await app.request('/api/health', { headers: { 'x-forwarded-proto': 'https' } })).headers.get('strict-transport-security')).toBeNull();
    const proxied = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, http: settings({ hstsMaxAge: 31536000, trustProxy: 1 }) });
    expect((await proxied.request('/api/health', { headers: { 'x-forwarded-proto': 'https' } })).headers.get('strict-transport-security')).toBe(
      'max-age=31536000',
    );
    const off = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, http: settings({ hstsMaxAge: 0 }) });
    expect((await off.request('https://tracker.example/api/health')).headers.get('strict-transport-security')).toBeNull();
    // The sync answer sets its headers at once (securedApiResponse): the same rule.
    const token = await s.login('staff@demo');
    const sync = (url: string, headers: Record<string, string> = {}) =>
      app.request(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, ...headers }, body: syncBody('hsts-client') });
    expect((await sync('https://tracker.example/api/sync')).headers.get('strict-transport-security')).toBe('max-age=31536000');
    expect((await sync('http://tracker.example/api/sync', { 'x-forwarded-proto': 'https' })).headers.get('strict-transport-security')).toBeNull();
    expect(
      (
        await off.request('https://tracker.example/api/sync', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: syncBody('hsts-off') })
      ).headers.get('strict-transport-security'),
    ).toBeNull();
  });

  it('are on a sync answer sent over a real socket, with its length', async () => {
    const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, now: s.now, http: settings() });
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const token = await s.login('staff@demo');
      const res = await fetch(`http://127.0.0.1:${port}/api/sync`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: syncBody('socket-client'),
      });
      expect(res.status).toBe(200);
      const body = await res.arrayBuffer();
      expect(Number(res.headers.get('content-length'))).toBe(body.byteLength);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.headers.get('cache-control')).toBe('no-store');
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(name)).toBe(value);
      expect(res.headers.get('strict-transport-security')).toBeNull();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('CORS', () => {
  const preflight = {
    method: 'OPTIONS',
    headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  };

  it('is off by default: no Access-Control-* headers, preflights and cross-site calls refused', async () => {
    const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, http: settings() });
    const pre = await app.request('/api/sync', preflight);
    expect(pre.status).toBe(403);
    expect(await pre.json()).toMatchObject({ error: { code: 'forbidden', message: expect.any(String) } });
    expect([...pre.headers.keys()].filter((k) => k.startsWith('access-control-'))).toEqual([]);
    const crossSite = await app.request('/api/login', {
      method: 'POST',
      headers: { origin: 'https://elsewhere.example', 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' },
      body: JSON.stringify({ email: 'staff@demo', password: 'wrong-password' }),
    });
    expect(crossSite.status).toBe(403);
    // Refused before login: no failure was counted.
    expect((await s.storage.dump()).login_failures).toHaveLength(0);
    // The app's own pages call with Sec-Fetch-Site: same-origin (or, outside browsers, none at all).
    expect((await app.request('/api/info', { headers: { 'sec-fetch-site': 'same-origin', origin: 'http://localhost' } })).status).toBe(200);
    const plain = await app.request('/api/info', { headers: { origin: 'https://elsewhere.example' } });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows exactly the configured origins', async () => {
    const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, now: s.now, http: settings({ corsOrigins: ['https://elsewhere.example'] }) });
    const pre = await app.request('/api/sync', preflight);
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://elsewhere.example');
    expect(pre.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    expect(pre.headers.get('access-control-allow-methods')).toBe('GET, POST');
    const other = await app.request('/api/sync', { ...preflight, headers: { ...preflight.headers, origin: 'https://elsewhere.example.evil' } });
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const token = await s.login('staff@demo');
    const call = await app.request('/api/sync', {
      method: 'POST',
      headers: { origin: 'https://elsewhere.example', 'sec-fetch-site': 'cross-site', authorization: `Bearer ${token}` },
      body: JSON.stringify({ protocolVersion: 3, clientId: 'cors-client-1', mutations: [], cursor: null, pullLimit: 1 }),
    });
    expect(call.status).toBe(200);
    expect(call.headers.get('access-control-allow-origin')).toBe('https://elsewhere.example');
    expect(call.headers.get('vary')).toContain('Origin');
    // An error answer carries it too, so the page can read why.
    const refused = await app.request('/api/sync', {
      method: 'POST',
      headers: { origin: 'https://elsewhere.example', 'sec-fetch-site': 'cross-site' },
      body: '{}',
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe('https://elsewhere.example');
  });
});

describe('settings from the environment', () => {
  it('reads CORS_ORIGINS, TRUST_PROXY and HSTS_MAX_AGE, with safe defaults', () => {
    expect(httpSettingsFromEnv({})).toEqual(DEFAULT_HTTP_SETTINGS);
    expect(httpSettingsFromEnv({ CORS_ORIGINS: ' https://a.example, http://localhost:5173 ', TRUST_PROXY: '2', HSTS_MAX_AGE: '0' })).toEqual({
      corsOrigins: ['https://a.example', 'http://localhost:5173'],
      trustProxy: 2,
      hstsMaxAge: 0,
    });
    expect(httpSettingsFromEnv({ TRUST_PROXY: 'true' }).trustProxy).toBe(1);
    expect(httpSettingsFromEnv({ TRUST_PROXY: 'false' }).trustProxy).toBe(0);
  });

  it.each([
    [{ CORS_ORIGINS: 'https://a.example/' }, 'not an origin'],
    [{ CORS_ORIGINS: '*' }, 'not an origin'],
    [{ CORS_ORIGINS: 'ftp://a.example' }, 'not an origin'],
    [{ TRUST_PROXY: 'yes' }, 'TRUST_PROXY'],
    [{ HSTS_MAX_AGE: '-1' }, 'HSTS_MAX_AGE'],
  ])('refuses %j', (env, message) => {
    expect(() => httpSettingsFromEnv(env)).toThrow(message);
  });
});

// Every failed attempt costs a scrypt hash (as a real one does): these tests make a few dozen.
describe('login throttling: slowed guessing, never a locked-out owner', { timeout: 60_000 }, () => {
  // Each test starts with no failures counted.
  beforeEach(async () => {
    s = await startTestServer();
  });
  const attempt = (
    app: ReturnType<typeof createApp>,
    address: string,
    email: string,
    password = 'wrong-password',
    headers: Record<string, string> = {},
    deviceSecret?: string,
  ) =>
    app.request('/api/login', { method: 'POST', headers, body: JSON.stringify({ email, password, ...(deviceSecret ? { deviceSecret } : {}) }) }, from(address));
  /** The device secret a successful login hands this device. */
  const secretOf = async (res: Response): Promise<string> => {
    expect(res.status).toBe(200);
    const { deviceSecret } = loginResponseSchema.parse(await res.json());
    expect(deviceSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    return deviceSecret!;
  };
  /** The statuses of `n` requests made at once (scrypt runs on the thread pool, so they overlap). */
  const burst = async (n: number, make: (i: number) => Response | Promise<Response>) =>
    (await Promise.all(Array.from({ length: n }, (_, i) => make(i)))).map((r) => r.status);
  /**
   * `n` failed attempts at once, with none counted before and `n` within the free attempts: every
   * one of them has its password checked (401), as each is counted with all the others.
   */
  const failures = async (n: number, make: (i: number) => Response | Promise<Response>) => {
    expect(await burst(n, make)).toEqual(Array(n).fill(401));
  };
  /**
   * What the throttle guarantees of attempts that arrive at once, more of them than are free:
   * each has its password checked (`checked`) or is refused with 429, and at most the free
   * number are checked, however they interleave.
   */
  const atMostFreeChecked = (statuses: number[], checked: number, free: number) => {
    expect(statuses.every((st) => st === checked || st === 429)).toBe(true);
    expect(statuses.filter((st) => st === checked).length).toBeLessThanOrEqual(free);
    expect(statuses.filter((st) => st === 429).length).toBeGreaterThanOrEqual(statuses.length - free);
  };
  const retryAfter = (res: Response) => Number(res.headers.get('retry-after'));

  it('lets the owner in on a device they signed in on before, with the right password, whatever others guessed', async () => {
    const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, now: s.now, http: settings() });
    const tablet = await secretOf(await attempt(app, '203.0.113.20', 'staff@demo', DEMO_PASSWORD));
    const leadTablet = await secretOf(await attempt(app, '203.0.113.20', 'lead@demo', DEMO_PASSWORD));
    // Guessing at the account from elsewhere, and at many accounts from the office's own address.
    atMostFreeChecked(await burst(20, (i) => attempt(app, `198.51.100.${i}`, 'staff@demo')), 401, ACCOUNT_THROTTLE.free);
    atMostFreeChecked(await burst(ADDRESS_THROTTLE.free + 10, (i) => attempt(app, '203.0.113.20', `guess-${i}@demo`)), 401, ADDRESS_THROTTLE.free);
    expect((await attempt(app, '203.0.113.20', 'staff@demo', DEMO_PASSWORD)).status).toBe(429);
    // The owner's tablet: in at once, and its secret stays the same.
    expect(await secretOf(await attempt(app, '203.0.113.20', 'staff@demo', DEMO_PASSWORD, {}, tablet))).toBe(tablet);
    // The password is still required, and a device's secret is its account's alone.
    expect((await attempt(app, '203.0.113.20', 'staff@demo', 'wrong-password', {}, tablet)).status).toBe(401);
    expect((await attempt(app, '203.0.113.21', 'staff@demo', DEMO_PASSWORD, {}, leadTablet)).status).toBe(429);
    expect((await attempt(app, '203.0.113.21', 'staff@demo', DEMO_PASSWORD, {}, 'x'.repeat(43))).status).toBe(429);
    // The owner's success on the tablet does not forgive the guesser: the account is still slowed elsewhere.
    expect((await attempt(app, '198.51.100.200', 'staff@demo', DEMO_PASSWORD)).status).toBe(429);
    // Only the hash of a device secret is stored.
    expect(JSON.stringify(await s.storage.dump())).not.toContain(tablet);
  });

  it('slows a device’s own wrong passwords like an account’s, without touching the account', async () => {
    const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, now: s.now, http: settings() });
    const tablet = await secretOf(await attempt(app, '203.0.113.22', 'staff@demo', DEMO_PASSWORD));
    await failures(ACCOUNT_THROTTLE.free, () => attempt(app, '203.0.113.22', 'staff@demo', 'wrong-password', {}, tablet));
    const slowed = await attempt(app, '203.0.113.22', 'staff@demo', DEMO_PASSWORD, {}, tablet);
    expect(slowed.status).toBe(429);
    expect(retryAfter(slowed)).toBe(1);
    // Another device of the owner is not slowed by them.
    expect((await attempt(app, '198.51.100.5', 'staff@demo', DEMO_PASSWORD)).status).toBe(200);
    s.advance(1000);
    expect((await attempt(app, '203.0.113.22', 'staff@demo', DEMO_PASSWORD, {}, tablet)).status).toBe(200);
  });

  it(`slows an account after ${ACCOUNT_THROTTLE.free} failures with a delay that doubles, capped: never a long lockout`, async () => {
    const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, now: s.now, http: settings() });
    await failures(ACCOUNT_THROTTLE.free, (i) => attempt(app, `198.51.100.${i}`, 'staff@demo'));
    const delays: number[] = [];
    for (let i = 0; i < 12; i++) {
      const refused = await attempt(app, `198.51.100.${50 + i}`, 'staff@demo', DEMO_PASSWORD);
      expect(refused.status).toBe(429);
      expect(await refused.json()).toMatchObject({ error: { code: 'too_many_attempts', message: expect.any(String) } });
      delays.push(retryAfter(refused));
      s.advance(retryAfter(refused) * 1000);
      expect((await attempt(app, `198.51.100.${50 + i}`, 'staff@demo')).status).toBe(401);
    }
    const cap = ACCOUNT_THROTTLE.maxDelayMs / 1000;
    expect(delays).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, cap, cap, cap].map((d) => Math.min(d, cap)));
    // Waiting out the delay is enough for the right password, from any device.
    const wait = await attempt(app, '198.51.100.99', 'staff@demo', DEMO_PASSWORD);
    s.advance(retryAfter(wait) * 1000);
    expect((await attempt(app, '198.51.100.99', 'staff@demo', DEMO_PASSWORD)).status).toBe(200);
    // Another account is not affected at any time.
    expect((await attempt(app, '198.51.100.99', 'lead@demo', DEMO_PASSWORD)).status).toBe(200);
  });

  it(`checks at most ${ACCOUNT_THROTTLE.free} passwords of an account at once; refusals write nothing`, async () => {
    const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, now: s.now, http: settings() });
    // From as many addresses, so that only the account's count is in play.
    atMostFreeChecked(await burst(12, (i) => attempt(app, `198.51.100.${i}`, 'staff@demo')), 401, ACCOUNT_THROTTLE.free);
    const refused = await attempt(app, '198.51.100.99', 'staff@demo', DEMO_PASSWORD);
    expect(refused.status).toBe(429);
    expect(retryAfter(refused)).toBeGreaterThanOrEqual(1);
    expect(retryAfter(refused)).toBeLessThanOrEqual(ACCOUNT_THROTTLE.maxDelayMs / 1000);
    // Refusals of a slowed account write nothing: they neither fill the table nor push the delay on.
    const rows = (await s.storage.dump()).login_failures;
    expect(await burst(5, (i) => attempt(app, `198.51.100.${100 + i}`, 'staff@demo'))).toEqual(Array(5).fill(429));
    expect((await s.storage.dump()).login_failures).toEqual(rows);
    s.advance(retryAfter(refused) * 1000);
    expect((await attempt(app, '198.51.100.99', 'staff@demo', DEMO_PASSWORD)).status).toBe(200);
  });

  it(`slows an address after ${ADDRESS_THROTTLE.free} failures on many accounts, for seconds, not a quarter of an hour`, async () => {
    const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, now: s.now, http: settings() });
    for (let i = 0; i < ADDRESS_THROTTLE.free; i++) expect((await attempt(app, '203.0.113.7', `guess-${i}@demo`)).status).toBe(401);
    const refused = await attempt(app, '203.0.113.7', 'staff@demo', DEMO_PASSWORD);
    expect(refused.status).toBe(429);
    expect(retryAfter(refused)).toBe(1);
    // The same address mapped into IPv6 is the same client.
    expect((await attempt(app, '::ffff:203.0.113.7', 'staff@demo', DEMO_PASSWORD)).status).toBe(429);
    // Another address is not affected.
    expect((await attempt(app, '203.0.113.8', 'staff@demo', DEMO_PASSWORD)).status).toBe(200);
    s.advance(1000);
    expect((await attempt(app, '203.0.113.7', 'lead@demo', DEMO_PASSWORD)).status).toBe(200);
    // Guessing on doubles the address's delay, up to its cap.
    for (let i = 0; i < 10; i++) {
      const wait = await attempt(app, '203.0.113.7', `more-${i}@demo`);
      s.advance(retryAfter(wait) * 1000);
      expect((await attempt(app, '203.0.113.7', `more-${i}@demo`)).status).toBe(401);
    }
    expect(retryAfter(await attempt(app, '203.0.113.7', 'staff@demo', DEMO_PASSWORD))).toBe(ADDRESS_THROTTLE.maxDelayMs / 1000);
  });

  it('does not slow the other accounts behind an address for one account’s failures', async () => {
    const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, now: s.now, http: settings() });
    // Someone at the office keeps typing their own password wrong (waiting out each delay).
    for (let i = 0; i < ADDRESS_THROTTLE.free + 5; i++) {
      const res = await attempt(app, '203.0.113.30', 'staff@demo');
      if (res.status === 429) {
        s.advance(retryAfter(res) * 1000);
        expect((await attempt(app, '203.0.113.30', 'staff@demo')).status).toBe(401);
      } else {
        expect(res.status).toBe(401);
      }
    }
    // Their colleagues, on devices never used before, are not slowed.
    expect((await attempt(app, '203.0.113.30', 'lead@demo', DEMO_PASSWORD)).status).toBe(200);
    expect((await attempt(app, '203.0.113.30', 'admin@test', PASSWORD)).status).toBe(200);
  });

  it('counts an IPv6 client by its /64', async () => {
    const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, now: s.now, http: settings() });
    await failures(ADDRESS_THROTTLE.free, (i) => attempt(app, `2001:db8:1:2::${i.toString(16)}`, `guess-${i}@demo`));
    expect((await attempt(app, '2001:db8:1:2:ffff::1', 'staff@demo', DEMO_PASSWORD)).status).toBe(429);
    expect((await attempt(app, '2001:db8:1:3::1', 'staff@demo', DEMO_PASSWORD)).status).toBe(200);
  });

  it(`checks at most ${ADDRESS_THROTTLE.free} passwords from an address at once`, async () => {
    const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, now: s.now, http: settings() });
    atMostFreeChecked(await burst(ADDRESS_THROTTLE.free + 10, (i) => attempt(app, '203.0.113.9', `burst-${i}@demo`)), 401, ADDRESS_THROTTLE.free);
    const refused = await attempt(app, '203.0.113.9', 'staff@demo', DEMO_PASSWORD);
    expect(refused.status).toBe(429);
    expect((await attempt(app, '203.0.113.10', 'staff@demo', DEMO_PASSWORD)).status).toBe(200);
    s.advance(retryAfter(refused) * 1000);
    expect((await attempt(app, '203.0.113.9', 'staff@demo', DEMO_PASSWORD)).status).toBe(200);
  });

  it('does not count right passwords against the address', async () => {
    const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, now: s.now, http: settings() });
    // A name without '@' is no account: these count for the address alone.
    await failures(ADDRESS_THROTTLE.free - 1, (i) => attempt(app, '203.0.113.11', `nobody-${i}`));
    // An office behind one address: its people keep logging in.
    for (const email of ['staff@demo', 'lead@demo', 'staff@demo', 'admin@test', 'lead@demo'])
      expect((await attempt(app, '203.0.113.11', email, email.endsWith('@demo') ? DEMO_PASSWORD : PASSWORD)).status).toBe(200);
    expect((await attempt(app, '203.0.113.11', 'nobody-else')).status).toBe(401);
    expect((await attempt(app, '203.0.113.11', 'staff@demo', DEMO_PASSWORD)).status).toBe(429);
  });

  it(`lets a burst of right passwords from one address in, more of them than the ${ADDRESS_THROTTLE.free} the address may fail`, async () => {
    const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, now: s.now, http: settings() });
    // A branch office behind one router, everyone logging in at the start of a meeting.
    const statuses = await burst(ADDRESS_THROTTLE.free + 10, (i) => attempt(app, '203.0.113.12', i % 2 ? 'staff@demo' : 'lead@demo', DEMO_PASSWORD));
    expect(statuses).toEqual(Array(ADDRESS_THROTTLE.free + 10).fill(200));
  });

  it('throttles POST /api/password with the same counts, also when the attempts arrive at once', async () => {
    const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, now: s.now, http: settings() });
    const token = await s.login('staff@demo');
    const change = (address: string, currentPassword: string) =>
      app.request(
        '/api/password',
        { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ currentPassword, newPassword: 'a-new-password' }) },
        from(address),
      );
    // A wrong current password is 403 (the token is good).
    atMostFreeChecked(await burst(12, (i) => change(`198.51.100.${i}`, 'not-the-password')), 403, ACCOUNT_THROTTLE.free);
    const refused = await change('198.51.100.99', DEMO_PASSWORD);
    expect(refused.status).toBe(429);
    // One throttle: the account's login is slowed too.
    expect((await attempt(app, '198.51.100.99', 'staff@demo', DEMO_PASSWORD)).status).toBe(429);
    s.advance(retryAfter(refused) * 1000);
    expect((await change('198.51.100.99', DEMO_PASSWORD)).status).toBe(200);
    expect((await attempt(app, '198.51.100.99', 'staff@demo', 'a-new-password')).status).toBe(200);
  });

  it('cannot be aimed at another address through the email field', async () => {
    const app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, now: s.now, http: settings() });
    await failures(ADDRESS_THROTTLE.free, () => attempt(app, '198.51.100.1', 'address:203.0.113.50'));
    expect((await attempt(app, '203.0.113.50', 'staff@demo', DEMO_PASSWORD)).status).toBe(200);
  });

  it('takes the address from X-Forwarded-For only behind trusted proxies, counting hops from the right', async () => {
    const direct = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, now: s.now, http: settings() });
    // Without TRUST_PROXY a forged header changes nothing: all from the socket's address.
    await failures(ADDRESS_THROTTLE.free, (i) => attempt(direct, '192.0.2.1', `g${i}@demo`, 'wrong-password', { 'x-forwarded-for': `10.0.0.${i}` }));
    expect((await attempt(direct, '192.0.2.1', 'lead@demo', DEMO_PASSWORD, { 'x-forwarded-for': '10.9.9.9' })).status).toBe(429);

    const proxied = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, now: s.now, http: settings({ trustProxy: 1 }) });
    // Behind one proxy the client is the last entry; whatever the client wrote before it is ignored.
    await failures(ADDRESS_THROTTLE.free, (i) =>
      attempt(proxied, '192.0.2.1', `h${i}@demo`, 'wrong-password', { 'x-forwarded-for': `10.1.1.${i}, 198.51.100.77` }),
    );
    expect((await attempt(proxied, '192.0.2.1', 'lead@demo', DEMO_PASSWORD, { 'x-forwarded-for': '198.51.100.77' })).status).toBe(429);
    expect((await attempt(proxied, '192.0.2.1', 'lead@demo', DEMO_PASSWORD, { 'x-forwarded-for': '198.51.100.78' })).status).toBe(200);

    const twoHops = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, now: s.now, http: settings({ trustProxy: 2 }) });
    expect((await attempt(twoHops, '192.0.2.1', 'lead@demo', DEMO_PASSWORD, { 'x-forwarded-for': '198.51.100.77, 10.0.0.2' })).status).toBe(429);
  });

  it('groups addresses: IPv4, IPv4 mapped into IPv6, and the /64 of IPv6', () => {
    expect(addressGroup('203.0.113.7')).toBe('203.0.113.7');
    expect(addressGroup('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressGroup('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressGroup('2001:0db8:0001:0002:ffff:0:0:1')).toBe('2001:db8:1:2::/64');
    expect(addressGroup('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressGroup('::1')).toBe('0:0:0:0::/64');
    expect(addressGroup('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressGroup('::ffff:1.2.3.4:5')).toBe('::ffff:1.2.3.4:5');
  });
});
