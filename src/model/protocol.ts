// The sync protocol (docs/sync-protocol.md), shared by the client engine and the server: one
// round trip on POST /api/sync carries the client's pending mutations and its pull cursor, and
// answers per mutation, then the changes after the cursor. Also the login exchange and the
// error body. Every body is parsed with these schemas on both sides.
import * as z from 'zod/mini';
import { idSchema, isWellFormedText, recordTableSchema } from './schemas';

export const PROTOCOL_VERSION = 3;

export const LIMITS = {
  /** Mutations in one request. */
  mutationsPerRequest: 200,
  /**
   * Changes in one pull page, at most (and the server's default): a page is bounded by its bytes
   * too (PULL_PAGE_BYTES), which is what usually ends a first sync's pages.
   */
  pullPage: 5000,
  /** Bytes of one request body. */
  requestBytes: 2 * 1024 * 1024,
} as const;

/** Error codes of the API (`{ error: { code, message } }`), with their HTTP statuses. */
export const API_ERROR = {
  badRequest: 'bad_request',
  protocolVersion: 'protocol_version',
  unauthorized: 'unauthorized',
  tokenExpired: 'token_expired',
  forbidden: 'forbidden',
  notFound: 'not_found',
  payloadTooLarge: 'payload_too_large',
  tooManyAttempts: 'too_many_attempts',
  internal: 'internal',
} as const;
export type ApiErrorCode = (typeof API_ERROR)[keyof typeof API_ERROR];

export const API_ERROR_STATUS: Record<ApiErrorCode, number> = {
  bad_request: 400,
  protocol_version: 426,
  unauthorized: 401,
  token_expired: 401,
  forbidden: 403,
  not_found: 404,
  payload_too_large: 413,
  too_many_attempts: 429,
  internal: 500,
};

export const apiErrorSchema = z.object({
  error: z.object({
    code: z.enum(Object.values(API_ERROR) as [ApiErrorCode, ...ApiErrorCode[]]),
    message: z.string(),
    /** The mutation a 403 or 400 of /api/sync is about, so the client can set that one aside. */
    mutationId: z.optional(z.string()),
  }),
});
export type ApiError = z.infer<typeof apiErrorSchema>;

/** Field names one mutation may carry: more than any record has (each is read ahead as a possible conflict). */
export const MAX_FIELDS_PER_MUTATION = 64;
const wellFormed = z.refine<string>(isWellFormedText, 'a text with a lone surrogate (no character)');
const fields = z
  .record(z.string().check(z.minLength(1), z.maxLength(64), wellFormed), z.unknown())
  .check(z.refine((f) => Object.keys(f).length <= MAX_FIELDS_PER_MUTATION, `at most ${MAX_FIELDS_PER_MUTATION} fields`));

export const mutationSchema = z.strictObject({
  /** Made by the client; the same mutation sent twice has the same id. */
  id: z.string().check(z.minLength(1), z.maxLength(100), wellFormed),
  /** Increases by one or more with each mutation of this client, in the order they were made. */
  seq: z.number().check(z.int(), z.gte(1)),
  table: recordTableSchema,
  recordId: idSchema,
  planId: idSchema,
  changes: fields,
  /** The values the client saw before its edit, for the fields it changed. */
  base: fields,
  /** The whole record when the client created it. */
  create: z.nullable(fields),
  /** When the person made the edit (client clock), kept on a conflict for people to read. */
  madeAt: z.string().check(z.maxLength(40)),
});
export type Mutation = z.infer<typeof mutationSchema>;

export const syncRequestSchema = z.strictObject({
  protocolVersion: z.number(),
  /** One per device database. */
  clientId: z.string().check(z.minLength(8), z.maxLength(100), wellFormed),
  mutations: z.array(mutationSchema).check(z.maxLength(LIMITS.mutationsPerRequest)),
  /** null on a first sync; otherwise the cursor of the last page applied. */
  /** A version per branch on the server: long for a person of many branches (an admin of 47 is some 700 characters). */
  cursor: z.nullable(z.string().check(z.maxLength(8192))),
  pullLimit: z.optional(z.number().check(z.int(), z.gte(1), z.lte(LIMITS.pullPage))),
});
export type SyncRequest = z.infer<typeof syncRequestSchema>;

export const MUTATION_STATUSES = ['applied', 'conflict', 'rejected'] as const;

export const mutationResultSchema = z.object({
  mutationId: z.string(),
  /** applied: every field is in; conflict: some fields lost to another device (see conflicts); rejected: nothing applied. */
  status: z.enum(MUTATION_STATUSES),
  reason: z.optional(z.string()),
});
export type MutationResult = z.infer<typeof mutationResultSchema>;

export const changeSchema = z.object({
  table: recordTableSchema,
  id: idSchema,
  /** Increases with every change of the record (the server counts per branch); the cursor says how far a pull has come. */
  version: z.number(),
  /**
   * The record as the server has it: here only checked to be an object, not copied; the client
   * parses it with its table's schema (once, as the page arrives: parsePage in src/sync/round-trip.ts).
   */
  record: z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v)),
});
export type Change = z.infer<typeof changeSchema>;

/** A branch id as the server makes them (BRANCH_ID_PATTERN): safe in a path, a file name and a log line. */
export const branchIdSchema = z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/));

/** Branches a device reads at most in one version map (a person works in a handful; the association has 47). */
const MAX_VERSIONED_BRANCHES = 1000;
/** A version per branch (S48): whole numbers from 0, of at most MAX_VERSIONED_BRANCHES branches. */
export const branchVersionsSchema = z
  .record(branchIdSchema, z.number().check(z.int(), z.nonnegative()))
  .check(z.refine((v) => Object.keys(v).length <= MAX_VERSIONED_BRANCHES, 'too many branches'));

export const syncResponseSchema = z.object({
  protocolVersion: z.number(),
  results: z.array(mutationResultSchema),
  changes: z.array(changeSchema),
  cursor: z.string(),
  hasMore: z.boolean(),
  /** The client's cursor is unknown here: drop synced records and pull again from the start. */
  reset: z.boolean(),
  /**
   * The version per branch the returned cursor stands for (S48): a device has every change of a
   * branch up to it, so a live signal at or below it needs no round trip. Absent from a server
   * before it, and taken as absent when it does not parse (the answer stands): the device then
   * pulls at every signal.
   */
  versions: z.optional(z.catch(z.optional(branchVersionsSchema), undefined)),
});
export type SyncResponse = z.infer<typeof syncResponseSchema>;

/** Lengths of a password a person chooses. */
export const PASSWORD_LENGTH = { min: 8, max: 200 } as const;

/** A device secret (see docs/sync-protocol.md, Throttling): 32 random bytes, base64url. */
export const deviceSecretSchema = z.string().check(z.regex(/^[A-Za-z0-9_-]{43}$/));

export const loginRequestSchema = z.strictObject({
  email: z.string().check(z.minLength(3), z.maxLength(200)),
  password: z.string().check(z.minLength(1), z.maxLength(PASSWORD_LENGTH.max)),
  /** The secret this device got at its last successful login of the account: lets its owner past the throttle. */
  deviceSecret: z.optional(deviceSecretSchema),
});
export type LoginRequest = z.infer<typeof loginRequestSchema>;

export const ROLES = ['staff', 'lead', 'admin'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;
/** A role as people name it (the login hint, a refusal's reason). */
export const ROLE_LABELS: Record<Role, string> = { staff: '担当', lead: 'リーダー', admin: '管理者' };

export const loginResponseSchema = z.object({
  token: z.string(),
  expiresAt: z.string(),
  user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
  branches: z.array(z.object({ id: z.string(), name: z.string(), role: roleSchema })),
  /** A login's answer: the secret the device keeps and sends with its later logins of this account. */
  deviceSecret: z.optional(deviceSecretSchema),
});
export type LoginResponse = z.infer<typeof loginResponseSchema>;

/** POST /api/logout (no body): the token it carries is revoked. */
export const logoutResponseSchema = z.object({ ok: z.literal(true) });
export type LogoutResponse = z.infer<typeof logoutResponseSchema>;

/** What the embedded default tells the login screen (demo accounts), and nothing in production. */
export const serverInfoSchema = z.object({
  protocolVersion: z.number(),
  demo: z.nullable(z.object({ accounts: z.array(z.object({ email: z.string(), password: z.string(), role: roleSchema })) })),
});
export type ServerInfo = z.infer<typeof serverInfoSchema>;

/** POST /api/password: the signed-in user's new password; answered like a login (a new token). */
export const passwordChangeRequestSchema = z.strictObject({
  currentPassword: z.string().check(z.minLength(1), z.maxLength(PASSWORD_LENGTH.max)),
  newPassword: z.string().check(z.minLength(PASSWORD_LENGTH.min), z.maxLength(PASSWORD_LENGTH.max)),
});
export type PasswordChangeRequest = z.infer<typeof passwordChangeRequestSchema>;

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:Z|[+-](\d{2}):(\d{2})))?$/;

/** A real calendar date with, optionally, a time of day and its offset from UTC. */
function isInstantText(text: string): boolean {
  const m = INSTANT.exec(text);
  if (!m) return false;
  const [y, mo, d, h = 0, mi = 0, s = 0, oh = 0, om = 0] = m.slice(1).map((v) => (v === undefined ? undefined : Number(v)));
  const date = new Date(Date.UTC(y!, mo! - 1, d!));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo! - 1 && date.getUTCDate() === d && h <= 23 && mi <= 59 && s <= 59 && oh <= 14 && om <= 59;
}

/**
 * GET /api/branches/:branchId/audit query: `from` (inclusive) and `to` (exclusive) are instants
 * (2026-05-01T09:00:00+09:00) or dates (2026-05-01), a date meaning that whole day in Japan time.
 */
export const auditQuerySchema = z.strictObject({
  from: z.optional(z.string().check(z.refine(isInstantText, 'a date (YYYY-MM-DD) or a time (YYYY-MM-DDThh:mm[:ss]Z or ±hh:mm)'))),
  to: z.optional(z.string().check(z.refine(isInstantText, 'a date (YYYY-MM-DD) or a time (YYYY-MM-DDThh:mm[:ss]Z or ±hh:mm)'))),
  format: z.optional(z.enum(['csv', 'json'])),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

/** One applied change (a history record of the branch) with who made it resolved to accounts. */
export const auditEntrySchema = z.object({
  at: z.string(),
  /** The name the change was stamped with. */
  by: z.string(),
  /** The accounts of that name: several when names repeat, none when no account has it now. */
  emails: z.array(z.string()),
  planId: z.string(),
  table: z.string(),
  recordId: z.string(),
  itemId: z.nullable(z.string()),
  changes: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })),
  historyId: z.string(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditResponseSchema = z.object({
  branchId: z.string(),
  /** The range asked for, as UTC instants; null where open. */
  from: z.nullable(z.string()),
  to: z.nullable(z.string()),
  /** In time order. */
  entries: z.array(auditEntrySchema),
});
export type AuditResponse = z.infer<typeof auditResponseSchema>;
