// Typed errors of the on-device database: a code (and a detail for the log), never the words
// people read; the screens turn the code into Japanese (src/ui/messages.ts).
export const DB_ERROR = {
  quota: 'db.quota',
  /** A write failed on a lost connection (it was retried once). */
  closed: 'db.closed',
  invalid: 'db.invalid',
  notFound: 'db.not-found',
  stale: 'db.stale',
  /** An import under an id a plan on this device already has (the detail is the id). */
  planExists: 'db.plan-exists',
  /** A live query failed, so a screen cannot show this device's data. */
  readFailed: 'db.read-failed',
  /** The connection was lost with no write failing (the health only). */
  connectionLost: 'db.connection-lost',
  /** Another tab opened a newer schema (the health only). */
  upgrade: 'db.upgrade',
  /** Anything else that went wrong (the detail says what, for the log). */
  failed: 'db.failed',
} as const;
export type DbErrorCode = (typeof DB_ERROR)[keyof typeof DB_ERROR];

/** What the codes mean, in English, for logs and the Error's message. */
const LOG_TEXT: Record<DbErrorCode, string> = {
  'db.quota': 'the device storage is full',
  'db.closed': 'the database connection was lost',
  'db.invalid': 'invalid input',
  'db.not-found': 'no such record',
  'db.stale': 'changed elsewhere first',
  'db.plan-exists': 'a plan with this id is already on this device',
  'db.read-failed': 'a read of this device’s data failed',
  'db.connection-lost': 'the database connection was lost',
  'db.upgrade': 'a newer version was opened in another tab',
  'db.failed': 'an unexpected failure',
};

export class DbError extends Error {
  constructor(
    readonly code: DbErrorCode,
    readonly detail?: string,
  ) {
    super(detail ? `${LOG_TEXT[code]} (${detail})` : LOG_TEXT[code]);
    this.name = 'DbError';
  }
}

/** Maps what IndexedDB/Dexie threw to a DbError (quota and lost connections get their own code). */
export function toDbError(e: unknown): DbError {
  if (e instanceof DbError) return e;
  const names = new Set<string>();
  let cur: unknown = e;
  while (cur && typeof cur === 'object') {
    const name = (cur as { name?: unknown }).name;
    if (typeof name === 'string') names.add(name);
    cur = (cur as { inner?: unknown }).inner;
  }
  if (names.has('QuotaExceededError')) return new DbError(DB_ERROR.quota);
  if (names.has('DatabaseClosedError') || names.has('InvalidStateError')) return new DbError(DB_ERROR.closed);
  return new DbError(DB_ERROR.failed, e instanceof Error ? e.message : String(e));
}
