// The live channel's two endpoints (docs/sync-protocol.md, "Live channel"), mounted by app.ts:
// GET /api/events, the Server-Sent Events stream of the token's branches (the token in the
// Authorization header, never in the URL), and POST /api/presence, where a tab says which plan,
// item and field it is on. The app passes in how it authenticates and reads a bounded JSON body.
import type { Context } from 'hono';
import { presenceRequestSchema } from '../../model/live-protocol';
import type { Principal } from '../accounts';
import { ApiFailure } from '../errors';
import type { LiveHub } from './hub';

export interface LiveRouteDeps {
  hub: LiveHub;
  principalOf(c: Context): Promise<Principal>;
  /** The body as JSON, refused when over the limit or malformed. */
  readJson(c: Context): Promise<unknown>;
  /** The clock tokens expire by (the app's). */
  now(): Date;
}

/** A presence body is about two hundred bytes. */
export const PRESENCE_BODY_BYTES = 4 * 1024;

const CLIENT_ID = /^[A-Za-z0-9_-]{8,100}$/;

export function eventsHandler(deps: LiveRouteDeps) {
  return async (c: Context): Promise<Response> => {
    // Read before the token is checked: a session change during the check keeps pages from the stream until it is checked again.
    const validGeneration = deps.hub.sessionGeneration;
    const principal = await deps.principalOf(c);
    const clientId = c.req.header('x-client-id') ?? null;
    const branches = [...principal.roles.keys()];
    // As authenticate() judges it: expired once the app's clock reaches it.
    const expiresAt = Date.parse(principal.expiresAt);
    // The token is checked again while the stream is open: a logout, a password change or a
    // removed role ends it (a failed check of the database itself rejects, and ends nothing).
    const stillValid = () =>
      deps.principalOf(c).then(
        (now) => now.user.id === principal.user.id && branches.every((b) => now.roles.has(b)),
        (e: unknown) => {
          if (e instanceof ApiFailure) return false;
          throw e;
        },
      );
    const stream = deps.hub.open({
      userId: principal.user.id,
      clientId: clientId !== null && CLIENT_ID.test(clientId) ? clientId : null,
      branches,
      stillValid,
      validGeneration,
      expired: () => deps.now().getTime() >= expiresAt,
    });
    return new Response(stream, {
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        // nginx buffers proxied answers unless told not to; an event must go out at once.
        'x-accel-buffering': 'no',
      },
    });
  };
}

export function presenceHandler(deps: LiveRouteDeps) {
  return async (c: Context): Promise<Response> => {
    const principal = await deps.principalOf(c);
    const parsed = presenceRequestSchema.safeParse(await deps.readJson(c));
    if (!parsed.success) throw new ApiFailure('bad_request', '在席情報の内容が正しくありません (malformed presence)');
    const { sessionId, at } = parsed.data;
    if (at !== null && !principal.roles.has(at.branchId)) throw new ApiFailure('forbidden', 'この支部の在席情報は送れません (not one of your branches)');
    deps.hub.present(principal.user, sessionId, at);
    return c.body(null, 204);
  };
}
