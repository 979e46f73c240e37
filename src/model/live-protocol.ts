// The live channel (docs/sync-protocol.md, "Live channel"), shared by the client and the server:
// GET /api/events is a Server-Sent Events stream (read with fetch, the bearer token in the
// Authorization header) that says when a branch's changes committed and who is on which item;
// POST /api/presence tells the server where this tab is. Every event's data and every presence
// body is parsed with these schemas on both sides. Nothing here is stored anywhere.
import * as z from 'zod/mini';
import { branchIdSchema, branchVersionsSchema, changeSchema } from './protocol';
import { idSchema } from './schemas';

/** Fields a person can be typing in, as presence names them. */
export const PRESENCE_FIELDS = ['done', 'next'] as const;
export const presenceFieldSchema = z.enum(PRESENCE_FIELDS);
export type PresenceField = z.infer<typeof presenceFieldSchema>;

export const LIVE_TIMING = {
  /** The server writes a comment this often, so proxies keep the stream and clients see it alive. */
  heartbeatMs: 15_000,
  /** A client that heard nothing for this long takes the stream for dead and reconnects. */
  silenceMs: 40_000,
  /** A tab on an item says so again this often. */
  presenceRepeatMs: 3_000,
  /** The server forgets a presence not repeated within this long (so it is gone ≤ 8 s after a disconnect). */
  presenceTtlMs: 8_000,
  /** Typing shows as 入力中… this long after the last key. */
  typingMs: 4_000,
} as const;

const sessionIdSchema = z.string().check(z.minLength(8), z.maxLength(100), z.regex(/^[A-Za-z0-9_-]+$/));

/** Where a tab is: the plan (and item) it shows, and the field typed in, if any. */
export const presenceAtSchema = z.strictObject({
  branchId: branchIdSchema,
  planId: idSchema,
  itemId: z.nullable(idSchema),
  field: z.nullable(presenceFieldSchema),
});
export type PresenceAt = z.infer<typeof presenceAtSchema>;

/** POST /api/presence: `at: null` says the tab left. */
export const presenceRequestSchema = z.strictObject({
  /** One per tab, made by the tab; with the user's id it keys the presence. */
  sessionId: sessionIdSchema,
  at: z.nullable(presenceAtSchema),
});
export type PresenceRequest = z.infer<typeof presenceRequestSchema>;

/** One tab of one person, as the others see it. */
export const presenceEntrySchema = z.strictObject({
  sessionId: sessionIdSchema,
  userId: z.string().check(z.minLength(1), z.maxLength(100)),
  name: z.string().check(z.maxLength(200)),
  planId: idSchema,
  itemId: z.nullable(idSchema),
  field: z.nullable(presenceFieldSchema),
});
export type PresenceEntry = z.infer<typeof presenceEntrySchema>;

/** `event: hello`: the stream is open for these branches. */
export const liveHelloSchema = z.object({ branches: z.array(branchIdSchema) });
/** `event: change`: changes of these branches committed; pull. */
export const liveChangeSchema = z.object({ branches: z.array(branchIdSchema) });
/**
 * Of a `change`: the version each of its branches reached (S48), read apart from it, so that a
 * signal whose versions do not parse, or do not name exactly its branches, is still a signal
 * (the device pulls, as without them).
 */
export const liveChangeVersionsSchema = z.object({ versions: branchVersionsSchema });
/**
 * Of a `change` to a stream of one branch: the commit's changes as a page that follows the
 * cursor `after` and ends at `cursor` (S49), read apart too: a page that does not parse leaves
 * the signal, and the device pulls.
 */
export const liveChangePageSchema = z.object({
  page: z.object({ after: z.string().check(z.maxLength(1024)), cursor: z.string().check(z.maxLength(1024)), changes: z.array(changeSchema) }),
});
export type LivePage = z.infer<typeof liveChangePageSchema>['page'];

/** `event: presence`: everyone present in this branch now (the whole list, replacing the last). */
export const livePresenceSchema = z.object({ branchId: branchIdSchema, entries: z.array(presenceEntrySchema) });

export type LiveEvent =
  | { type: 'hello'; branches: string[] }
  /**
   * `versions`: absent from a server before S48, or when they did not parse. `page`: only with
   * versions, for one branch, when it parsed (S49).
   */
  | { type: 'change'; branches: string[]; versions?: Record<string, number>; page?: LivePage }
  | { type: 'presence'; branchId: string; entries: PresenceEntry[] }
  /** A heartbeat comment: the stream is alive. */
  | { type: 'heartbeat' };

/** Parses one SSE event of the stream; null for an event this client does not know or that does not parse. */
export function parseLiveEvent(event: string, data: string): LiveEvent | null {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return null;
  }
  if (event === 'hello') {
    const p = liveHelloSchema.safeParse(json);
    return p.success ? { type: 'hello', branches: p.data.branches } : null;
  }
  if (event === 'change') {
    const p = liveChangeSchema.safeParse(json);
    if (!p.success) return null;
    const v = liveChangeVersionsSchema.safeParse(json);
    const branches = p.data.branches;
    const named = v.success ? Object.keys(v.data.versions) : [];
    const exact = v.success && branches.length > 0 && named.length === new Set(branches).size && named.every((b) => branches.includes(b));
    if (!exact) return { type: 'change', branches };
    const page = branches.length === 1 ? liveChangePageSchema.safeParse(json) : undefined;
    return page?.success
      ? { type: 'change', branches, versions: v.data.versions, page: page.data.page }
      : { type: 'change', branches, versions: v.data.versions };
  }
  if (event === 'presence') {
    const p = livePresenceSchema.safeParse(json);
    return p.success ? { type: 'presence', branchId: p.data.branchId, entries: p.data.entries } : null;
  }
  return null;
}
