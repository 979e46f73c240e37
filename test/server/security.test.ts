// HTTP hardening: the security headers on every kind of response (and that the CSP allows what
// the built app loads), CORS off unless configured, cross-site calls refused, the client address
// (socket, or X-Forwarded-For only behind trusted proxies), and login throttling per address.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HttpBindings } from '@hono/node-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADDRESS_THROTTLE, LOGIN_THROTTLE } from '../../src/server/accounts';
import { createApp } from '../../src/server/app';
import { DEMO_PASSWORD } from '../../src/server/demo';
import { addressGroup, CONTENT_SECURITY_POLICY, DEFAULT_HTTP_SETTINGS, httpSettingsFromEnv, type HttpSettings } from '../../src/server/security';
import { PASSWORD, startTestServer, type TestServer } from './helpers';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});

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
    const app = createApp({ storage: s.storage, now: s.now, staticDir: dir, http: settings() });
    const token = await s.login('staff@demo');
    const responses = [
      await app.request('/api/health'),
      await app.request('/api/info'),
      await app.request('/api/login', { method: 'POST', body: '{' }),
      await app.request('/api/sync', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ protocolVersion: 1, clientId: 'headers-client', mutations: [], cursor: null, pullLimit: 1 }) }),
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
    const app = createApp({ storage: s.storage, http: settings({ hstsMaxAge: 31536000 }) });
    expect((await app.request('https://tracker.example/api/health')).headers.get('strict-transport-security')).toBe('max-age=31536000');
    expect((await app.request('http://tracker.example/api/health')).headers.get('strict-transport-security')).toBeNull();
    // X-Forwarded-Proto is anyone's to send unless a proxy is trusted.
    expect((await app.request('/api/health', { headers: { 'x-forwarded-proto': 'https' } })).headers.get('strict-transport-security')).toBeNull();
    const proxied = createApp({ storage: s.storage, http: settings({ hstsMaxAge: 31536000, trustProxy: 1 }) });
    expect((await proxied.request('/api/health', { headers: { 'x-forwarded-proto': 'https' } })).headers.get('strict-transport-security')).toBe('max-age=31536000');
    const off = createApp({ storage: s.storage, http: settings({ hstsMaxAge: 0 }) });
    expect((await off.request('https://tracker.example/api/health')).headers.get('strict-transport-security')).toBeNull();
  });
});

describe('CORS', () => {
  const preflight = { method: 'OPTIONS', headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } };

  it('is off by default: no Access-Control-* headers, preflights and cross-site calls refused', async () => {
    const app = createApp({ storage: s.storage, http: settings() });
    const pre = await app.request('/api/sync', preflight);
    expect(pre.status).toBe(403);
    expect(await pre.json()).toMatchObject({ error: { code: 'forbidden', message: expect.any(String) } });
    expect([...pre.headers.keys()].filter((k) => k.startsWith('access-control-'))).toEqual([]);
    const crossSite = await app.request('/api/login', { method: 'POST', headers: { origin: 'https://elsewhere.example', 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' }, body: JSON.stringify({ email: 'staff@demo', password: 'wrong-password' }) });
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
    const app = createApp({ storage: s.storage, now: s.now, http: settings({ corsOrigins: ['https://elsewhere.example'] }) });
    const pre = await app.request('/api/sync', preflight);
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://elsewhere.example');
    expect(pre.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    expect(pre.headers.get('access-control-allow-methods')).toBe('GET, POST');
    const other = await app.request('/api/sync', { ...preflight, headers: { ...preflight.headers, origin: 'https://elsewhere.example.evil' } });
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const token = await s.login('staff@demo');
    const call = await app.request('/api/sync', { method: 'POST', headers: { origin: 'https://elsewhere.example', 'sec-fetch-site': 'cross-site', authorization: `Bearer ${token}` }, body: JSON.stringify({ protocolVersion: 1, clientId: 'cors-client-1', mutations: [], cursor: null, pullLimit: 1 }) });
    expect(call.status).toBe(200);
    expect(call.headers.get('access-control-allow-origin')).toBe('https://elsewhere.example');
    expect(call.headers.get('vary')).toContain('Origin');
    // An error answer carries it too, so the page can read why.
    const refused = await app.request('/api/sync', { method: 'POST', headers: { origin: 'https://elsewhere.example', 'sec-fetch-site': 'cross-site' }, body: '{}' });
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
describe('login throttling per client address', { timeout: 60_000 }, () => {
  // Each test starts with no failures counted.
  beforeEach(async () => {
    s = await startTestServer();
  });
  const attempt = (app: ReturnType<typeof createApp>, address: string, email: string, password = 'wrong-password', headers: Record<string, string> = {}) =>
    app.request('/api/login', { method: 'POST', headers, body: JSON.stringify({ email, password }) }, from(address));
  /** The statuses of `n` requests made at once (scrypt runs on the thread pool, so they overlap). */
  const burst = async (n: number, make: (i: number) => Response | Promise<Response>) => (await Promise.all(Array.from({ length: n }, (_, i) => make(i)))).map((r) => r.status);
  /**
   * `limit.failures` failed attempts at once, with none counted before: every one of them has its
   * password checked (401), as each is counted with all the others and so is within the limit.
   */
  const failures = async (limit: { failures: number }, make: (i: number) => Response | Promise<Response>) => {
    expect(await burst(limit.failures, make)).toEqual(Array(limit.failures).fill(401));
  };
  /**
   * What the throttle guarantees of attempts that arrive at once, more of them than the limit:
   * each has its password checked (`checked`: 401 at login) or is refused with 429, and at most the
   * limit are checked, however they interleave; the others count too, so the account or address
   * is refused from then on until the window has passed.
   */
  const atMostLimitChecked = (statuses: number[], checked: number, limit: { failures: number }) => {
    expect(statuses.every((st) => st === checked || st === 429)).toBe(true);
    expect(statuses.filter((st) => st === checked).length).toBeLessThanOrEqual(limit.failures);
    expect(statuses.filter((st) => st === 429).length).toBeGreaterThanOrEqual(statuses.length - limit.failures);
  };

  it(`refuses an address after ${ADDRESS_THROTTLE.failures} failures on any accounts, with Retry-After, until the window has passed`, async () => {
    const app = createApp({ storage: s.storage, now: s.now, http: settings() });
    for (let i = 0; i < ADDRESS_THROTTLE.failures; i++) expect((await attempt(app, '203.0.113.7', `guess-${i}@demo`)).status).toBe(401);
    const refused = await attempt(app, '203.0.113.7', 'staff@demo', DEMO_PASSWORD);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe(String(ADDRESS_THROTTLE.windowMs / 1000));
    expect(await refused.json()).toMatchObject({ error: { code: 'too_many_attempts', message: expect.any(String) } });
    // The same address mapped into IPv6 is the same client.
    expect((await attempt(app, '::ffff:203.0.113.7', 'staff@demo', DEMO_PASSWORD)).status).toBe(429);
    // Another address, and the account itself, are not affected.
    expect((await attempt(app, '203.0.113.8', 'staff@demo', DEMO_PASSWORD)).status).toBe(200);
    s.advance(ADDRESS_THROTTLE.windowMs + 1);
    expect((await attempt(app, '203.0.113.7', 'staff@demo', DEMO_PASSWORD)).status).toBe(200);
  });

  it('counts an IPv6 client by its /64', async () => {
    const app = createApp({ storage: s.storage, now: s.now, http: settings() });
    await failures(ADDRESS_THROTTLE, (i) => attempt(app, `2001:db8:1:2::${i.toString(16)}`, `guess-${i}@demo`));
    expect((await attempt(app, '2001:db8:1:2:ffff::1', 'staff@demo', DEMO_PASSWORD)).status).toBe(429);
    expect((await attempt(app, '2001:db8:1:3::1', 'staff@demo', DEMO_PASSWORD)).status).toBe(200);
  });

  it('answers an account’s own throttle with Retry-After too', async () => {
    const app = createApp({ storage: s.storage, now: s.now, http: settings() });
    await failures(LOGIN_THROTTLE, (i) => attempt(app, `198.51.100.${i}`, 'staff@demo'));
    const refused = await attempt(app, '198.51.100.99', 'staff@demo', DEMO_PASSWORD);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe(String(LOGIN_THROTTLE.windowMs / 1000));
  });

  it(`checks at most ${LOGIN_THROTTLE.failures} passwords of an account in the window, also when the attempts arrive at once`, async () => {
    const app = createApp({ storage: s.storage, now: s.now, http: settings() });
    // From as many addresses, so that only the account's limit is in play.
    atMostLimitChecked(await burst(12, (i) => attempt(app, `198.51.100.${i}`, 'staff@demo')), 401, LOGIN_THROTTLE);
    const refused = await attempt(app, '198.51.100.99', 'staff@demo', DEMO_PASSWORD);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe(String(LOGIN_THROTTLE.windowMs / 1000));
    // Refusals of a throttled account write nothing: they neither fill the table nor push the end of the window.
    const rows = (await s.storage.dump()).login_failures;
    expect(await burst(5, (i) => attempt(app, `198.51.100.${100 + i}`, 'staff@demo'))).toEqual(Array(5).fill(429));
    expect((await s.storage.dump()).login_failures).toEqual(rows);
    // After the window, the right password works, and the count starts again.
    s.advance(LOGIN_THROTTLE.windowMs + 1);
    expect((await attempt(app, '198.51.100.99', 'staff@demo', DEMO_PASSWORD)).status).toBe(200);
    await failures(LOGIN_THROTTLE, (i) => attempt(app, `198.51.100.${i}`, 'staff@demo'));
    expect((await attempt(app, '198.51.100.99', 'staff@demo', DEMO_PASSWORD)).status).toBe(429);
  });

  it(`checks at most ${ADDRESS_THROTTLE.failures} passwords from an address in the window, also when the attempts arrive at once`, async () => {
    const app = createApp({ storage: s.storage, now: s.now, http: settings() });
    atMostLimitChecked(await burst(ADDRESS_THROTTLE.failures + 10, (i) => attempt(app, '203.0.113.9', `burst-${i}@demo`)), 401, ADDRESS_THROTTLE);
    expect((await attempt(app, '203.0.113.9', 'staff@demo', DEMO_PASSWORD)).status).toBe(429);
    expect((await attempt(app, '203.0.113.10', 'staff@demo', DEMO_PASSWORD)).status).toBe(200);
    s.advance(ADDRESS_THROTTLE.windowMs + 1);
    expect((await attempt(app, '203.0.113.9', 'staff@demo', DEMO_PASSWORD)).status).toBe(200);
  });

  it('does not count right passwords against the address', async () => {
    const app = createApp({ storage: s.storage, now: s.now, http: settings() });
    // A name without '@' is no account: these count for the address alone.
    await failures({ failures: ADDRESS_THROTTLE.failures - 1 }, (i) => attempt(app, '203.0.113.11', `nobody-${i}`));
    // An office behind one address: its people keep logging in.
    for (const email of ['staff@demo', 'lead@demo', 'staff@demo', 'admin@test', 'lead@demo']) expect((await attempt(app, '203.0.113.11', email, email.endsWith('@demo') ? DEMO_PASSWORD : PASSWORD)).status).toBe(200);
    expect((await attempt(app, '203.0.113.11', 'nobody-else')).status).toBe(401);
    expect((await attempt(app, '203.0.113.11', 'staff@demo', DEMO_PASSWORD)).status).toBe(429);
  });

  it(`lets a burst of right passwords from one address in, more of them than the ${ADDRESS_THROTTLE.failures} the address may fail`, async () => {
    const app = createApp({ storage: s.storage, now: s.now, http: settings() });
    // A branch office behind one router, everyone logging in at the start of a meeting.
    const statuses = await burst(ADDRESS_THROTTLE.failures + 10, (i) => attempt(app, '203.0.113.12', i % 2 ? 'staff@demo' : 'lead@demo', DEMO_PASSWORD));
    expect(statuses).toEqual(Array(ADDRESS_THROTTLE.failures + 10).fill(200));
  });

  it('throttles POST /api/password with the same counts, also when the attempts arrive at once', async () => {
    const app = createApp({ storage: s.storage, now: s.now, http: settings() });
    const token = await s.login('staff@demo');
    const change = (address: string, currentPassword: string) =>
      app.request('/api/password', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ currentPassword, newPassword: 'a-new-password' }) }, from(address));
    // A wrong current password is 403 (the token is good).
    atMostLimitChecked(await burst(12, (i) => change(`198.51.100.${i}`, 'not-the-password')), 403, LOGIN_THROTTLE);
    expect((await change('198.51.100.99', DEMO_PASSWORD)).status).toBe(429);
    // One throttle: the account's login is refused too.
    expect((await attempt(app, '198.51.100.99', 'staff@demo', DEMO_PASSWORD)).status).toBe(429);
    s.advance(LOGIN_THROTTLE.windowMs + 1);
    expect((await change('198.51.100.99', DEMO_PASSWORD)).status).toBe(200);
    expect((await attempt(app, '198.51.100.99', 'staff@demo', 'a-new-password')).status).toBe(200);
  });

  it('cannot be aimed at another address through the email field', async () => {
    const app = createApp({ storage: s.storage, now: s.now, http: settings() });
    await failures(ADDRESS_THROTTLE, () => attempt(app, '198.51.100.1', 'address:203.0.113.50'));
    expect((await attempt(app, '203.0.113.50', 'staff@demo', DEMO_PASSWORD)).status).toBe(200);
  });

  it('takes the address from X-Forwarded-For only behind trusted proxies, counting hops from the right', async () => {
    const direct = createApp({ storage: s.storage, now: s.now, http: settings() });
    // Without TRUST_PROXY a forged header changes nothing: all from the socket's address.
    await failures(ADDRESS_THROTTLE, (i) => attempt(direct, '192.0.2.1', `g${i}@demo`, 'wrong-password', { 'x-forwarded-for': `10.0.0.${i}` }));
    expect((await attempt(direct, '192.0.2.1', 'lead@demo', DEMO_PASSWORD, { 'x-forwarded-for': '10.9.9.9' })).status).toBe(429);

    const proxied = createApp({ storage: s.storage, now: s.now, http: settings({ trustProxy: 1 }) });
    // Behind one proxy the client is the last entry; whatever the client wrote before it is ignored.
    await failures(ADDRESS_THROTTLE, (i) => attempt(proxied, '192.0.2.1', `h${i}@demo`, 'wrong-password', { 'x-forwarded-for': `10.1.1.${i}, 198.51.100.77` }));
    expect((await attempt(proxied, '192.0.2.1', 'lead@demo', DEMO_PASSWORD, { 'x-forwarded-for': '198.51.100.77' })).status).toBe(429);
    expect((await attempt(proxied, '192.0.2.1', 'lead@demo', DEMO_PASSWORD, { 'x-forwarded-for': '198.51.100.78' })).status).toBe(200);

    const twoHops = createApp({ storage: s.storage, now: s.now, http: settings({ trustProxy: 2 }) });
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
