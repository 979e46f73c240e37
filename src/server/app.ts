// The HTTP app (Hono): /api/login, /api/logout, /api/sync, /api/password, /api/branches/:id/audit,
// /api/info, /api/health, and, when given a folder, the built PWA with an SPA fallback; every
// response with the security headers of security.ts. It takes its storage, logger, clock and
// HTTP settings as dependencies, so tests drive it with app.request() and no socket, and
// main.ts serves it.
import type { HttpBindings } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { etag } from 'hono/etag';
import {
  auditQuerySchema,
  LIMITS,
  loginRequestSchema,
  passwordChangeRequestSchema,
  PROTOCOL_VERSION,
  syncRequestSchema,
  type ApiErrorCode,
  type LogoutResponse,
  type ServerInfo,
} from '../model/protocol';
import {
  AttemptGate,
  authenticate,
  BRANCH_ID_PATTERN,
  changePassword,
  login,
  logout,
  PASSWORD_COST,
  type PasswordCost,
  type Principal,
  type ThrottledOutcome,
} from './accounts';
import { auditCsv, auditFileName, auditOfBranch, auditRange } from './audit-export';
import type { DemoAccount } from './demo';
import { localBus } from './live/bus';
import { LiveHub } from './live/hub';
import { eventsHandler, PRESENCE_BODY_BYTES, presenceHandler } from './live/routes';
import { ApiFailure, UploadAborted } from './errors';
import { silentLogger, type Logger } from './log';
import { clientAddress, crossOrigin, httpSettingsFromEnv, securedApiResponse, securityHeaders, type HttpSettings } from './security';
import type { Storage } from './storage/storage';
import { serveApp } from './static-files';
import { SyncService } from './sync';

export interface AppDeps {
  storage: Storage;
  log?: Logger;
  now?: () => Date;
  /** Shown by /api/info when the demo was seeded (embedded default); null or absent otherwise. */
  demoAccounts?: readonly DemoAccount[] | null;
  /** The built app (dist/); without it only /api/* is served. */
  staticDir?: string;
  /** CORS origins, trusted proxies, HSTS; read from the environment when absent. */
  http?: HttpSettings;
  /** The live channel (/api/events, /api/presence); an in-process one when absent. */
  live?: LiveHub;
  /** The cost of password hashes made at login (an upgrade) and password change; PASSWORD_COST by default. */
  passwordCost?: PasswordCost;
}

type Env = { Bindings: Partial<HttpBindings>; Variables: { userId?: string; aborted?: true } };

/** A login or password body is a few hundred bytes. */
const LOGIN_BODY_BYTES = 16 * 1024;
/**
 * Nesting of a request body: a sync request is about six levels deep. Deeper values would reach
 * JSON.stringify (the merge compares values as JSON), which overflows the stack near 5,000.
 */
const MAX_JSON_DEPTH = 64;
/** Who may export a branch's audit log. */
const AUDIT_ROLES = new Set(['lead', 'admin']);

function errorResponse(c: Context<Env>, failure: ApiFailure): Response {
  return c.json(failure.body(), failure.status as 400, failure.headers);
}

const fail = (code: ApiErrorCode, message: string) => new ApiFailure(code, message);

const tooManyAttempts = (outcome: ThrottledOutcome) =>
  new ApiFailure('too_many_attempts', '失敗が続いたため、しばらく待ってからやり直してください (too many failed attempts; try again later)', undefined, {
    'retry-after': String(outcome.retryAfterSeconds),
  });

/** Reads a body of at most `limit` bytes, whatever Content-Length claims; null when larger. */
async function readBody(req: Request, limit: number): Promise<string | null> {
  let bytes: Uint8Array | null;
  try {
    bytes = await readBodyBytes(req, limit);
  } catch {
    // Reading fails only when the connection breaks off mid-body.
    throw new UploadAborted();
  }
  if (bytes === null) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw fail('bad_request', '本文が UTF-8 ではありません (the body is not UTF-8)');
  }
}

async function readBodyBytes(req: Request, limit: number): Promise<Uint8Array | null> {
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
    if (!req.body) return new Uint8Array();
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
  return bytes;
}

/**
 * What is wrong with a parsed body's structure, or null: nesting deeper than MAX_JSON_DEPTH, or
 * a key "__proto__", which JSON.parse keeps as a field but any later copy (zod's among them)
 * turns into the object's prototype. Walked without recursion.
 */
function structureProblem(value: unknown): string | null {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return `本文の入れ子が深すぎます（${MAX_JSON_DEPTH} 段まで） (JSON nested deeper than ${MAX_JSON_DEPTH})`;
    if (!Array.isArray(v) && Object.hasOwn(v, '__proto__')) return '本文に __proto__ というキーは使えません (a key "__proto__" is not allowed)';
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return null;
}

async function readJson(req: Request, limit: number): Promise<unknown> {
  const text = await readBody(req, limit);
  if (text === null) throw fail('payload_too_large', `本文が大きすぎます（${limit} バイトまで） (body over ${limit} bytes)`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw fail('bad_request', '本文が JSON として読めません (malformed JSON)');
  }
  const problem = structureProblem(body);
  if (problem !== null) throw fail('bad_request', problem);
  return body;
}

function issuesText(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`)
    .join('; ');
}

/** One query parameter once each: a repeated one is refused rather than one of them picked. */
function singleQuery(c: Context<Env>): Record<string, string> {
  const params = new URL(c.req.url).searchParams;
  const out: Record<string, string> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    if (values.length > 1) throw fail('bad_request', `パラメータ ${key} が重複しています (query parameter ${key} is repeated)`);
    out[key] = values[0]!;
  }
  return out;
}

export function createApp(deps: AppDeps): Hono<Env> {
  const { storage } = deps;
  const log = deps.log ?? silentLogger;
  const now = deps.now ?? (() => new Date());
  const http = deps.http ?? httpSettingsFromEnv(process.env);
  const live = deps.live ?? new LiveHub(localBus());
  const sync = new SyncService(storage, (versions, clientId, pages) => live.committed(versions, clientId, pages));
  // Another instance's commit reaches the storage before the devices it signals pull (pulls from
  // memory, kysely-storage.ts); an account change made anywhere ends the cached sessions.
  live.bus.subscribe((m) => {
    if (m.kind === 'change' && m.versions) storage.noteCommitted(m.versions);
    else if (m.kind === 'accounts') storage.accountsChanged();
  });
  live.bus.hearing((heard) => storage.hearAccountChanges(heard));
  live.watchSessions(storage);
  const attempts = new AttemptGate();
  const passwordCost = deps.passwordCost ?? PASSWORD_COST;
  const app = new Hono<Env>();

  async function principalOf(c: Context<Env>, at: Date): Promise<Principal> {
    const auth = await authenticate(storage, c.req.header('authorization'), at);
    if (!auth.ok) throw fail(auth.code, auth.message);
    c.set('userId', auth.principal.user.id);
    return auth.principal;
  }

  app.use('*', async (c, next) => {
    const start = performance.now();
    await next();
    const fields = {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - start) * 10) / 10,
      userId: c.get('userId'),
      aborted: c.get('aborted'),
    };
    if (c.res.status >= 500) log.error('request', fields);
    else log.info('request', fields);
  });
  app.use('*', securityHeaders(http));
  app.use('/api/*', crossOrigin(http));

  app.onError((err, c) => {
    if (err instanceof ApiFailure && err.aborted) c.set('aborted', true);
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
    const outcome = await login(storage, parsed.data, { now: now(), address: clientAddress(c, http), gate: attempts, cost: passwordCost });
    if (!outcome.ok) {
      if (outcome.code === 'too_many_attempts') throw tooManyAttempts(outcome);
      throw fail('unauthorized', 'メールアドレスまたはパスワードが違います (wrong email or password)');
    }
    c.set('userId', outcome.userId);
    return c.json(outcome.response);
  });

  app.post('/api/logout', async (c) => {
    const outcome = await logout(storage, c.req.header('authorization'), now());
    if (!outcome.ok) throw fail('unauthorized', `ログアウトできません (${outcome.message})`);
    c.set('userId', outcome.userId);
    const answer: LogoutResponse = { ok: true };
    return c.json(answer);
  });

  app.post('/api/password', async (c) => {
    const at = now();
    const principal = await principalOf(c, at);
    const parsed = passwordChangeRequestSchema.safeParse(await readJson(c.req.raw, LOGIN_BODY_BYTES));
    if (!parsed.success) throw fail('bad_request', `パスワード変更の内容が正しくありません (${issuesText(parsed.error.issues)})`);
    const outcome = await changePassword(storage, principal.user, parsed.data, {
      now: at,
      address: clientAddress(c, http),
      gate: attempts,
      cost: passwordCost,
    });
    if (!outcome.ok) {
      if (outcome.code === 'too_many_attempts') throw tooManyAttempts(outcome);
      // Not 401: the token is good, and a client would drop it on a 401.
      if (outcome.code === 'wrong_password') throw fail('forbidden', '現在のパスワードが違います (the current password is wrong)');
      throw fail('bad_request', '新しいパスワードが今のものと同じです (the new password is the current one)');
    }
    return c.json(outcome.response);
  });

  app.get('/api/branches/:branchId/audit', async (c) => {
    const principal = await principalOf(c, now());
    const branchId = c.req.param('branchId');
    if (!BRANCH_ID_PATTERN.test(branchId)) throw fail('bad_request', `支部IDが正しくありません (not a branch id: ${branchId.slice(0, 64)})`);
    // The same answer for a branch that does not exist as for one not granted: nothing to learn.
    if (!AUDIT_ROLES.has(principal.roles.get(branchId) ?? ''))
      throw fail('forbidden', '監査ログを出力できるのは支部のリーダーと管理者だけです (only a lead or admin of the branch exports its audit log)');
    const query = auditQuerySchema.safeParse(singleQuery(c));
    if (!query.success) throw fail('bad_request', `監査ログの条件が正しくありません (${issuesText(query.error.issues)})`);
    const range = auditRange(query.data);
    if (!range) throw fail('bad_request', '開始が終了より後です (from is after to)');
    const audit = await auditOfBranch(storage, branchId, range);
    if (query.data.format === 'csv') {
      return c.body(auditCsv(audit), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${auditFileName(branchId, 'csv')}"`,
      });
    }
    return c.json(audit);
  });

  app.post('/api/sync', async (c) => {
    const at = now();
    const principal = await principalOf(c, at);
    const body = await readJson(c.req.raw, LIMITS.requestBytes);
    // The version is checked before the shape: a newer client's body may not parse here at all.
    const version = body && typeof body === 'object' ? (body as Record<string, unknown>).protocolVersion : undefined;
    if (typeof version === 'number' && version !== PROTOCOL_VERSION) {
      throw fail(
        'protocol_version',
        `プロトコルの版が違います（サーバーは ${PROTOCOL_VERSION}）。アプリを更新してください (protocol ${version} is not supported; this server speaks ${PROTOCOL_VERSION})`,
      );
    }
    const parsed = syncRequestSchema.safeParse(body);
    if (!parsed.success) throw fail('bad_request', `同期の内容が正しくありません (${issuesText(parsed.error.issues)})`);
    const answer = await sync.roundTrip(principal, parsed.data, at);
    return securedApiResponse(c, http, answer as Uint8Array<ArrayBuffer>, 'application/json');
  });

  const liveDeps = {
    hub: live,
    principalOf: (c: Context) => principalOf(c as Context<Env>, now()),
    readJson: (c: Context) => readJson(c.req.raw, PRESENCE_BODY_BYTES),
    now,
  };
  app.get('/api/events', eventsHandler(liveDeps));
  app.post('/api/presence', presenceHandler(liveDeps));

  app.all('/api/*', () => {
    throw fail('not_found', 'そのAPIはありません (no such endpoint)');
  });

  if (deps.staticDir !== undefined) app.get('*', etag(), serveApp<Env>(deps.staticDir));

  return app;
}
