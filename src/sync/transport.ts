// The client's only door to the server: the calls of the protocol (sync, login, logout, info)
// over fetch. Every body that comes back is parsed with the protocol's schemas; anything else (a
// network failure, an error status, a body that does not parse) becomes a TransportError, so
// the engine never trusts what it did not check. Tests pass their own fetch (e.g. a Hono app's
// `app.request`) to run the same code in-process.
import type * as z from 'zod/mini';
import {
  apiErrorSchema,
  loginResponseSchema,
  logoutResponseSchema,
  serverInfoSchema,
  syncResponseSchema,
  type ApiErrorCode,
  type LoginRequest,
  type LoginResponse,
  type ServerInfo,
  type SyncRequest,
  type SyncResponse,
} from '../model/protocol';

export interface Transport {
  sync(request: SyncRequest, token: string): Promise<SyncResponse>;
  login(request: LoginRequest): Promise<LoginResponse>;
  /** Revokes the token on the server (sign-out). */
  logout(token: string): Promise<void>;
  info(): Promise<ServerInfo>;
}

/** network: no answer at all (offline, timeout, connection lost); http: an answer we refuse. */
export type TransportErrorKind = 'network' | 'http';

export class TransportError extends Error {
  constructor(
    readonly kind: TransportErrorKind,
    message: string,
    /** The HTTP status; null for a network error. */
    readonly status: number | null = null,
    /** The API error code of the body; null when the body had none (or was not ours). */
    readonly code: ApiErrorCode | null = null,
    /** The mutation a 403/400 names, so the engine can set that one aside. */
    readonly mutationId: string | null = null,
    /** How long the server asks us to wait (its Retry-After, on a 429 or 503); null when it did not say. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

export type FetchLike = (url: string, init: RequestInit) => Response | Promise<Response>;

export interface FetchTransportOptions {
  baseUrl?: string;
  /** A request with no answer after this long counts as a network error. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** A Transport over any fetch-like function. */
export function fetchTransport(fetchFn: FetchLike, options: FetchTransportOptions = {}): Transport {
  const baseUrl = options.baseUrl ?? '';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  async function call<T>(path: string, init: RequestInit, schema: z.ZodMiniType<T>): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let status: number;
    let text: string;
    let retryAfterMs: number | null;
    try {
      const response = await fetchFn(`${baseUrl}${path}`, { ...init, signal: controller.signal });
      status = response.status;
      retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      // Reading the body can fail midway too; that is a lost connection, not a bad body.
      text = await response.text();
    } catch (e) {
      throw new TransportError('network', e instanceof Error ? e.message : String(e));
    } finally {
      clearTimeout(timer);
    }
    const json = parseJson(text);
    if (status < 200 || status >= 300) {
      const body = apiErrorSchema.safeParse(json);
      if (body.success)
        throw new TransportError('http', body.data.error.message, status, body.data.error.code, body.data.error.mutationId ?? null, retryAfterMs);
      throw new TransportError('http', `HTTP ${status}`, status, null, null, retryAfterMs);
    }
    const body = schema.safeParse(json);
    if (!body.success) throw new TransportError('http', `The answer to ${path} does not follow the protocol`, status);
    return body.data;
  }

  const jsonHeaders = { 'content-type': 'application/json' };
  return {
    sync: (request, token) =>
      call('/api/sync', { method: 'POST', headers: { ...jsonHeaders, authorization: `Bearer ${token}` }, body: JSON.stringify(request) }, syncResponseSchema),
    login: (request) => call('/api/login', { method: 'POST', headers: jsonHeaders, body: JSON.stringify(request) }, loginResponseSchema),
    logout: async (token) => {
      await call('/api/logout', { method: 'POST', headers: { authorization: `Bearer ${token}` } }, logoutResponseSchema);
    },
    info: () => call('/api/info', { method: 'GET' }, serverInfoSchema),
  };
}

/** The browser's transport: fetch against the app's own origin (or `baseUrl`). */
export function httpTransport(baseUrl = ''): Transport {
  return fetchTransport((url, init) => fetch(url, init), { baseUrl });
}

/** Retry-After is whole seconds or an HTTP date (RFC 9110); anything else says nothing. */
function parseRetryAfter(header: string | null): number | null {
  if (header === null) return null;
  const value = header.trim();
  if (/^\d{1,9}$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) || /^-/.test(value) ? null : Math.max(0, at - Date.now());
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
