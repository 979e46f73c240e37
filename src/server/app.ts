// The HTTP app (Hono): /api/login, /api/sync, /api/info, /api/health, and, when given a
// folder, the built PWA with an SPA fallback. It takes its storage, logger and clock as
// dependencies, so tests drive it with app.request() and no socket, and main.ts serves it.
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { Hono, type Context } from 'hono';
import { LIMITS, loginRequestSchema, PROTOCOL_VERSION, syncRequestSchema, type ApiErrorCode, type ServerInfo } from '../sync/protocol';
import { authenticate, login } from './accounts';
import type { DemoAccount } from './demo';
import { ApiFailure } from './errors';
import { silentLogger, type Logger } from './log';
import type { Storage } from './storage/storage';
import { SyncService } from './sync';

export interface AppDeps {
  storage: Storage;
  log?: Logger;
  now?: () => Date;
  /** Shown by /api/info when the demo was seeded (embedded default); null or absent otherwise. */
  demoAccounts?: readonly DemoAccount[] | null;
  /** The built app (dist/); without it only /api/* is served. */
  staticDir?: string;
}

type Env = { Variables: { userId?: string } };

/** A login body is a few hundred bytes. */
const LOGIN_BODY_BYTES = 16 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

function errorResponse(c: Context<Env>, failure: ApiFailure): Response {
  return c.json(failure.body(), failure.status as 400);
}

const fail = (code: ApiErrorCode, message: string) => new ApiFailure(code, message);

/** Reads a body of at most `limit` bytes, whatever Content-Length claims; null when larger. */
async function readBody(req: Request, limit: number): Promise<string | null> {
  const declared = req.headers.get('content-length');
  if (declared !== null && !(Number(declared) <= limit)) return null;
  let bytes: Uint8Array;
  if (declared !== null) {
    // Node's HTTP parser delivers exactly Content-Length bytes, so reading at once is bounded
    // (and @hono/node-server reads it without building a web stream); the check below is for
    // a Request made in-process that carries more than it declares.
    bytes = new Uint8Array(await req.arrayBuffer());
    if (bytes.byteLength > limit) return null;
  } else {
    if (!req.body) return '';
    const reader = req.body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel().catch(() => undefined);
        return null;
      }
      chunks.push(value);
    }
    bytes = Buffer.concat(chunks);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw fail('bad_request', '本文が UTF-8 ではありません (the body is not UTF-8)');
  }
}

async function readJson(req: Request, limit: number): Promise<unknown> {
  const text = await readBody(req, limit);
  if (text === null) throw fail('payload_too_large', `本文が大きすぎます（${limit} バイトまで） (body over ${limit} bytes)`);
  try {
    return JSON.parse(text);
  } catch {
    throw fail('bad_request', '本文が JSON として読めません (malformed JSON)');
  }
}

function issuesText(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`)
    .join('; ');
}

export function createApp(deps: AppDeps): Hono<Env> {
  const { storage } = deps;
  const log = deps.log ?? silentLogger;
  const now = deps.now ?? (() => new Date());
  const sync = new SyncService(storage);
  const app = new Hono<Env>();

  app.use('*', async (c, next) => {
    const start = performance.now();
    await next();
    const fields = { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round((performance.now() - start) * 10) / 10, userId: c.get('userId') };
    if (c.res.status >= 500) log.error('request', fields);
    else log.info('request', fields);
  });

  app.onError((err, c) => {
    if (err instanceof ApiFailure) return errorResponse(c, err);
    log.error('unhandled error', { method: c.req.method, path: c.req.path, error: err });
    return errorResponse(c, fail('internal', 'サーバーでエラーが起きました (internal error)'));
  });

  app.get('/api/health', async (c) => {
    try {
      await storage.ping();
      return c.json({ ok: true });
    } catch (e) {
      log.error('health check failed', { error: e });
      return c.json({ ok: false, error: { code: 'internal', message: 'storage unreachable' } }, 503);
    }
  });

  app.get('/api/info', (c) => {
    const info: ServerInfo = {
      protocolVersion: PROTOCOL_VERSION,
      demo: deps.demoAccounts ? { accounts: deps.demoAccounts.map((a) => ({ email: a.email, password: a.password, role: a.role })) } : null,
    };
    return c.json(info);
  });

  app.post('/api/login', async (c) => {
    const parsed = loginRequestSchema.safeParse(await readJson(c.req.raw, LOGIN_BODY_BYTES));
    if (!parsed.success) throw fail('bad_request', `ログインの内容が正しくありません (${issuesText(parsed.error.issues)})`);
    const outcome = await login(storage, parsed.data.email, parsed.data.password, now());
    if (!outcome.ok) {
      if (outcome.code === 'too_many_attempts') throw fail('too_many_attempts', 'ログインの失敗が続いたため、しばらく待ってからやり直してください (too many failed logins; try again later)');
      throw fail('unauthorized', 'メールアドレスまたはパスワードが違います (wrong email or password)');
    }
    c.set('userId', outcome.userId);
    return c.json(outcome.response);
  });

  app.post('/api/sync', async (c) => {
    const at = now();
    const auth = await authenticate(storage, c.req.header('authorization'), at);
    if (!auth.ok) throw fail(auth.code, auth.message);
    c.set('userId', auth.principal.user.id);
    const body = await readJson(c.req.raw, LIMITS.requestBytes);
    // The version is checked before the shape: a newer client's body may not parse here at all.
    const version = body && typeof body === 'object' ? (body as Record<string, unknown>).protocolVersion : undefined;
    if (typeof version === 'number' && version !== PROTOCOL_VERSION) {
      throw fail('protocol_version', `プロトコルの版が違います（サーバーは ${PROTOCOL_VERSION}）。アプリを更新してください (protocol ${version} is not supported; this server speaks ${PROTOCOL_VERSION})`);
    }
    const parsed = syncRequestSchema.safeParse(body);
    if (!parsed.success) throw fail('bad_request', `同期の内容が正しくありません (${issuesText(parsed.error.issues)})`);
    const answer = await sync.roundTrip(auth.principal, parsed.data, at);
    return c.body(answer as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'application/json' });
  });

  app.all('/api/*', () => {
    throw fail('not_found', 'そのAPIはありません (no such endpoint)');
  });

  if (deps.staticDir !== undefined) app.get('*', serveApp(deps.staticDir));

  return app;
}

/** Serves the built app: files as they are, and index.html for any other page path (SPA). */
function serveApp(root: string) {
  const base = normalize(root + sep);
  return async (c: Context<Env>) => {
    let path: string;
    try {
      path = decodeURIComponent(c.req.path);
    } catch {
      return c.text('Bad Request', 400);
    }
    const file = normalize(join(base, path));
    if (!file.startsWith(base) || path.includes('\0')) return c.text('Not Found', 404);
    const found = await stat(file).then(
      (s) => s.isFile(),
      () => false,
    );
    if (found) return sendFile(c, file, path);
    // A missing asset is a 404; a page path is the app's to route.
    if (extname(path) !== '') return c.text('Not Found', 404);
    return sendFile(c, join(base, 'index.html'), '/index.html');
  };
}

async function sendFile(c: Context<Env>, file: string, path: string): Promise<Response> {
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return c.text('Not Found', 404);
  }
  // Hashed build assets never change; everything else (sw.js, index.html, the manifest) is
  // revalidated so an update reaches the service worker.
  const cache = path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
  return c.body(new Uint8Array(body), 200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': cache });
}
