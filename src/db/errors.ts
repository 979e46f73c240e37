// Typed errors of the on-device database, with the Japanese message the UI shows.
export const DB_ERROR = {
  quota: 'quota',
  closed: 'closed',
  invalid: 'invalid',
  notFound: 'not_found',
  stale: 'stale',
} as const;
export type DbErrorCode = (typeof DB_ERROR)[keyof typeof DB_ERROR];

const MESSAGES: Record<DbErrorCode, string> = {
  quota: '端末の保存容量が足りません。不要なデータを削除するか、ブラウザの設定で容量を確保してください。入力は保存されていません。',
  closed: 'データベースとの接続が切れました。再接続してください。入力は保存されていません。',
  invalid: '入力内容が正しくありません。',
  not_found: '対象の記録が見つかりません。',
  stale: 'ほかの画面で先に変更されていました。変更を取り込んでから保存し直します。',
};

export class DbError extends Error {
  constructor(
    readonly code: DbErrorCode,
    detail?: string,
  ) {
    super(detail ? `${MESSAGES[code]}（${detail}）` : MESSAGES[code]);
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
  return new DbError(DB_ERROR.invalid, e instanceof Error ? e.message : String(e));
}
