// HTTP hardening of the app: the security headers every response carries (a Content-Security-
// Policy the built app passes with nothing inline, no framing, no sniffing, no referrer, HSTS
// over TLS), CORS only for the exact origins CORS_ORIGINS names, refusal of cross-site calls to
// the API, and the client's address for throttling (the socket's, or X-Forwarded-For's only
// behind as many proxies as TRUST_PROXY says). Settings come from the environment.
import { isIP } from 'node:net';
import type { HttpBindings } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import * as z from 'zod/mini';
import { ApiFailure } from './errors';

export interface HttpSettings {
  /** Origins (scheme://host[:port]) whose pages may call the API; none by default. */
  corsOrigins: readonly string[];
  /** How many reverse proxies stand in front and append to X-Forwarded-For; 0 trusts none. */
  trustProxy: number;
  /** Strict-Transport-Security max-age for requests that came over TLS; 0 sends none. */
  hstsMaxAge: number;
}

export const DEFAULT_HTTP_SETTINGS: HttpSettings = { corsOrigins: [], trustProxy: 0, hstsMaxAge: 180 * 24 * 60 * 60 };

/**
 * The built app loads only its own hashed scripts and stylesheets (no inline script or style
 * element, no eval; Preact and uPlot set styles through the CSSOM, which CSP does not govern).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

const originSchema = z.string().check(
  z.refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
    } catch {
      return false;
    }
  }),
);

const httpEnvSchema = z.object({
  CORS_ORIGINS: z.optional(z.string()),
  TRUST_PROXY: z.optional(z.string().check(z.regex(/^(|true|false|[0-9])$/, 'TRUST_PROXY is the number of proxies in front (0–9), or true for one'))),
  HSTS_MAX_AGE: z.optional(z.string().check(z.regex(/^(|[0-9]{1,9})$/, 'HSTS_MAX_AGE is a number of seconds (0 sends no HSTS)'))),
});

/** Reads CORS_ORIGINS, TRUST_PROXY and HSTS_MAX_AGE; throws on a value it cannot use. */
export function httpSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): HttpSettings {
  const parsed = httpEnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const { CORS_ORIGINS = '', TRUST_PROXY = '', HSTS_MAX_AGE = '' } = parsed.data;
  const corsOrigins = CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of corsOrigins) {
    if (!originSchema.safeParse(origin).success)
      throw new Error(`CORS_ORIGINS: ${origin} is not an origin (scheme://host[:port], e.g. https://tracker.example.jp)`);
  }
  return {
    corsOrigins,
    trustProxy: TRUST_PROXY === 'true' ? 1 : TRUST_PROXY === '' || TRUST_PROXY === 'false' ? 0 : Number(TRUST_PROXY),
    hstsMaxAge: HSTS_MAX_AGE === '' ? DEFAULT_HTTP_SETTINGS.hstsMaxAge : Number(HSTS_MAX_AGE),
  };
}

type BindingsEnv = { Bindings: Partial<HttpBindings> };

/** The first value of a header a proxy may have joined with commas. */
const firstValue = (header: string | undefined) => header?.split(',')[0]?.trim().toLowerCase();

/** The part of a request's context that tells how it came. */
type RequestOf = { req: Pick<Context['req'], 'url' | 'header'> };

function cameOverTls(c: RequestOf, settings: HttpSettings): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true;
  return settings.trustProxy > 0 && firstValue(c.req.header('x-forwarded-proto')) === 'https';
}

/** Marks a response made by securedApiResponse: it carries every header securityHeaders would set. */
const SECURED = Symbol('securityHeadersSet');

/**
 * An API answer (status 200) with the security headers set at once, as a plain object: the
 * node adapter writes that as it is, where setting them afterwards builds a Headers object and
 * reads it back (a cost of every sync round trip). With CORS origins configured, crossOrigin
 * adds its headers the usual way, which builds that object after all.
 */
export function securedApiResponse(c: RequestOf, settings: HttpSettings, body: Uint8Array<ArrayBuffer> | string, contentType: string): Response {
  const headers: Record<string, string> = { 'content-type': contentType, ...SECURITY_HEADERS, 'cache-control': 'no-store' };
  if (settings.hstsMaxAge > 0 && cameOverTls(c, settings)) headers['strict-transport-security'] = `max-age=${settings.hstsMaxAge}`;
  return Object.assign(new Response(body, { status: 200, headers }), { [SECURED]: true });
}

export function securityHeaders(settings: HttpSettings): MiddlewareHandler<BindingsEnv> {
  return async (c, next) => {
    await next();
    if (SECURED in c.res) return;
    const headers = c.res.headers;
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) headers.set(name, value);
    // Answers of the API (a login's token above all) belong in no cache.
    if (c.req.path.startsWith('/api/') && !headers.has('cache-control')) headers.set('cache-control', 'no-store');
    // Over plain HTTP a browser ignores HSTS; sent only where it means something.
    if (settings.hstsMaxAge > 0 && cameOverTls(c, settings)) headers.set('strict-transport-security', `max-age=${settings.hstsMaxAge}`);
  };
}

/**
 * CORS for the configured origins only. Without it a browser lets no other origin read an
 * answer; cross-origin preflights and calls a browser marks cross-site are refused outright, so
 * that a foreign page cannot spend an office's login attempts (see the address throttle).
 */
export function crossOrigin(settings: HttpSettings): MiddlewareHandler<BindingsEnv> {
  const allowed = new Set(settings.corsOrigins);
  return async (c, next) => {
    const origin = c.req.header('origin');
    const isAllowed = origin !== undefined && allowed.has(origin);
    if (c.req.method === 'OPTIONS' && origin !== undefined && c.req.header('access-control-request-method') !== undefined) {
      if (!isAllowed)
        throw new ApiFailure('forbidden', `他のオリジンからの呼び出しは許可されていません (cross-origin requests from ${origin} are not allowed)`);
      return c.body(null, 204, {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': 'authorization, content-type',
        'access-control-max-age': '600',
        vary: 'Origin',
      });
    }
    const site = c.req.header('sec-fetch-site');
    if (!isAllowed && (site === 'cross-site' || site === 'same-site')) {
      throw new ApiFailure('forbidden', '他のサイトからの呼び出しは許可されていません (cross-site requests are not allowed)');
    }
    await next();
    if (allowed.size === 0) return;
    c.res.headers.append('vary', 'Origin');
    if (isAllowed) {
      c.res.headers.set('access-control-allow-origin', origin);
      c.res.headers.set('access-control-expose-headers', 'Retry-After, Content-Disposition');
    }
  };
}

/**
 * The client's address, or null when unknown (a request made in-process). Behind N trusted
 * proxies, each appends the address it was called from, so the client is the N-th entry of
 * X-Forwarded-For from the right; entries left of it are whatever the client sent.
 */
export function clientAddress(c: Pick<Context<BindingsEnv>, 'env'> & { req: Pick<Context['req'], 'header'> }, settings: HttpSettings): string | null {
  if (settings.trustProxy > 0) {
    const hops = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    const client = hops[hops.length - settings.trustProxy];
    if (client !== undefined && isIP(client)) return client;
  }
  const socket = c.env?.incoming?.socket?.remoteAddress;
  return socket !== undefined && isIP(socket) ? socket : null;
}

/**
 * What login failures of an address are counted under: an IPv4 address (also when mapped into
 * IPv6), or the /64 prefix of an IPv6 address, as one subscriber holds a whole /64.
 */
export function addressGroup(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIP(address) !== 6) return address;
  const bare = address.split('%')[0]!.toLowerCase();
  // An embedded IPv4 tail stands for two groups.
  const groups = (part: string) => (part === '' ? [] : part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])));
  const [left = '', right] = bare.split('::');
  const head = groups(left);
  const tail = right === undefined ? [] : groups(right);
  const all = right === undefined ? head : [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  return `${all
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
