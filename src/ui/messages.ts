// The one table of what people are told when something goes wrong. The database, the sync
// engine and the stored refused changes report codes (with their data); the screens — status
// bar, login, refused changes, banners, forms — turn them into Japanese here and nowhere else.
import { REJECTED_REASON, rejectedReasonSchema, type RejectedReason, type UnknownRejectedReason } from '../db/database';
import { toDbError, type DbErrorCode } from '../db/errors';
import type { LoginError, SyncError } from '../sync/engine-api';

/** Everything the layers below report: a code, with what its words need. */
export type Problem = { code: DbErrorCode; detail?: string | undefined } | SyncError | LoginError | RejectedReason;

/** Words for each code: a text (a detail, when there is one, follows in brackets) or a function of the problem. */
type Texts = { [P in Problem as P['code']]: string | ((problem: P) => string) };

/** 8秒 / 約2分: how long the server asks to wait, rounded up. */
function waitText(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return seconds < 60 ? `${seconds}秒` : `約${Math.ceil(seconds / 60)}分`;
}

export const MESSAGES: Texts = {
  'db.quota': '端末の保存容量が足りません。不要なデータを削除するか、ブラウザの設定で容量を確保してください。入力は保存されていません。',
  'db.closed': 'データベースとの接続が切れました。再接続してください。入力は保存されていません。',
  'db.invalid': '入力内容が正しくありません。',
  'db.not-found': '対象の記録が見つかりません。',
  'db.stale': 'ほかの画面で先に変更されていました。変更を取り込んでから保存し直します。',
  'db.plan-exists': ({ detail }) => `ID「${detail ?? ''}」の計画はこの端末にすでにあります`,
  'db.read-failed': 'この端末のデータを読み込めませんでした。再読み込みしてください。',
  'db.connection-lost': 'データベースとの接続が切れました。再接続してください。',
  'db.upgrade': '新しいバージョンが別のタブで開かれました。再読み込みしてください。',
  'db.failed': '処理できませんでした。もう一度お試しください。',

  'sync.offline': '通信できません（オフライン）。つながったら自動で同期します。',
  'sync.unreachable': 'サーバーに接続できません。しばらくしてから自動で再試行します。',
  'sync.login-expired': 'ログインの有効期限が切れました。もう一度ログインしてください。未送信の入力はこの端末に残っています。',
  'sync.update-required': 'アプリが古くなっています。最新の版に更新してください。',
  'sync.forbidden': 'この操作を行う権限がありません。',
  'sync.bad-request': 'サーバーが送信内容を受け付けませんでした。',
  'sync.too-large': '送信するデータが大きすぎます。',
  'sync.busy': 'サーバーが混み合っています。しばらくしてから自動で再試行します。',
  'sync.bad-answer': 'サーバーの応答を読み取れませんでした。自動で再試行します。',
  'sync.server': ({ status }) => `サーバーでエラーが発生しました（${status}）。自動で再試行します。`,
  'sync.local': ({ detail }) => `この端末のデータベースに同期結果を書き込めませんでした：${detail}`,

  'login.offline': '通信できません（オフライン）。ネットワークにつながってからログインしてください。',
  'login.wrong-password': 'メールアドレスまたはパスワードが違います。',
  'login.too-many-attempts': ({ waitMs }) =>
    waitMs === null
      ? 'ログインの試行が多すぎます。しばらく待ってからもう一度お試しください。'
      : `ログインの試行が多すぎます。${waitText(waitMs)}待ってからもう一度お試しください。`,
  'login.failed': 'ログインできませんでした。しばらくしてからもう一度お試しください。',

  'rejected.refused': 'サーバーがこの変更を受け付けませんでした。',
  'rejected.forbidden': 'この操作を行う権限がありません。',
  'rejected.bad-request': 'サーバーが送信内容を受け付けませんでした。',
  'rejected.unsealed':
    'この利用者がこの端末で入力したことを確認できない変更のため、送信しませんでした（ログイン中でない間に作られた、またはパスワードが変わった可能性があります）。',
};

/** What to tell people about a problem. */
export function problemText(problem: Problem): string {
  const text = MESSAGES[problem.code] as string | ((p: Problem) => string);
  if (typeof text === 'function') return text(problem);
  const detail = 'detail' in problem ? problem.detail : undefined;
  return detail ? `${text}（${detail}）` : text;
}

/** Why a change was refused; a row stored before reasons had codes keeps its own words. */
export function rejectedReasonText(reason: RejectedReason | UnknownRejectedReason | string): string {
  if (typeof reason === 'string') return japaneseOf(reason) || problemText({ code: REJECTED_REASON.refused });
  const known = rejectedReasonSchema.safeParse(reason);
  const { code, detail } = known.success ? known.data : { code: REJECTED_REASON.refused, detail: reason.detail };
  const shown = detail === undefined ? '' : japaneseOf(detail);
  return problemText(shown ? { code, detail: shown } : { code });
}

/**
 * The server writes a refusal's reason as 「日本語 (English gloss)」 for its logs and API
 * clients; people are shown the Japanese alone, and nothing of a reason in English only (the
 * code's own message says it in Japanese).
 */
export function japaneseOf(reason: string): string {
  const text = reason.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII is the point: the gloss is English
  if (/^[\x00-\x7f]*$/.test(text)) return '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: as above
  return text.replace(/\s*\([\x00-\x7f]*\)$/, '');
}

/** What to tell people about an error a write or an import threw. */
export function errorText(e: unknown): string {
  return problemText(toDbError(e));
}
