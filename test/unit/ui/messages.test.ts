// The one table of what people are told: every code the database, the sync engine and the stored
// refused changes can report has Japanese words (a code added without them fails here, not on a
// person's screen), and the words take the problem's data.
import { describe, expect, it } from 'vitest';
import { REJECTED_REASON, rejectedEntrySchema } from '../../../src/db/database';
import { DB_ERROR, DbError } from '../../../src/db/errors';
import { LOGIN_ERROR, SYNC_ERROR } from '../../../src/sync/engine-api';
import { errorText, japaneseOf, MESSAGES, problemText, rejectedReasonText, type Problem } from '../../../src/ui/messages';

const JAPANESE = /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u;
const CODES = [...Object.values(DB_ERROR), ...Object.values(SYNC_ERROR), ...Object.values(LOGIN_ERROR), ...Object.values(REJECTED_REASON)];

describe('MESSAGES', () => {
  it.each(CODES)('has Japanese words for %s', (code) => {
    expect(Object.hasOwn(MESSAGES, code)).toBe(true);
    const text = problemText({ code, status: 500, detail: 'x', waitMs: 8_000 } as Problem);
    expect(text).toMatch(JAPANESE);
    expect(text).not.toMatch(/undefined|null|NaN/);
  });

  it('has no words for a code nobody reports', () => {
    expect(Object.keys(MESSAGES).sort()).toEqual([...new Set(CODES)].sort());
  });
});

describe('problemText', () => {
  it('puts a problem’s data in its words', () => {
    expect(problemText({ code: SYNC_ERROR.server, status: 502 })).toBe('サーバーでエラーが発生しました（502）。自動で再試行します。');
    expect(problemText({ code: SYNC_ERROR.local, detail: 'QuotaExceededError' })).toBe(
      'この端末のデータベースに同期結果を書き込めませんでした：QuotaExceededError',
    );
    expect(problemText({ code: DB_ERROR.planExists, detail: 'tokyo-2025' })).toBe('ID「tokyo-2025」の計画はこの端末にすでにあります');
  });

  it('says how long to wait when logins are throttled, rounded up', () => {
    const wait = (waitMs: number | null) => problemText({ code: LOGIN_ERROR.tooManyAttempts, waitMs });
    expect(wait(90_000)).toBe('ログインの試行が多すぎます。約2分待ってからもう一度お試しください。');
    expect(wait(7_200)).toBe('ログインの試行が多すぎます。8秒待ってからもう一度お試しください。');
    expect(wait(null)).toBe('ログインの試行が多すぎます。しばらく待ってからもう一度お試しください。');
  });

  it('adds a detail in brackets to plain words, and nothing without one', () => {
    expect(problemText({ code: DB_ERROR.invalid, detail: 'done: too long' })).toBe('入力内容が正しくありません。（done: too long）');
    expect(problemText({ code: REJECTED_REASON.refused })).toBe('サーバーがこの変更を受け付けませんでした。');
  });
});

describe('rejectedReasonText', () => {
  it('reads a coded reason from the table and keeps the words of a row stored before codes', () => {
    expect(rejectedReasonText({ code: REJECTED_REASON.forbidden, detail: 'no write access' })).toBe('この操作を行う権限がありません。');
    expect(rejectedReasonText({ code: REJECTED_REASON.forbidden, detail: '担当の役割ではKPIを変更できません (role staff may not write kpis)' })).toBe(
      'この操作を行う権限がありません。（担当の役割ではKPIを変更できません）',
    );
    expect(rejectedReasonText('この支部を編集する権限がありません')).toBe('この支部を編集する権限がありません');
    expect(rejectedReasonText('')).toBe('サーバーがこの変更を受け付けませんでした。');
  });

  it('reads a code a newer version stored as a refusal, with its detail', () => {
    const row = rejectedEntrySchema.parse({
      mutationId: 'm',
      table: 'items',
      recordId: 'r',
      planId: 'p',
      changes: {},
      reason: { code: 'rejected.from-the-future', detail: 'why' },
      at: 'x',
    });
    expect(rejectedReasonText(row.reason)).toBe('サーバーがこの変更を受け付けませんでした。');
  });
});

describe('errorText', () => {
  it('puts a DbError in Japanese, and what IndexedDB threw as the code it stands for, never its English alone', () => {
    const stale = new DbError(DB_ERROR.stale);
    expect(stale.message).not.toMatch(JAPANESE);
    expect(errorText(stale)).toBe('ほかの画面で先に変更されていました。変更を取り込んでから保存し直します。');
    expect(errorText(Object.assign(new Error('quota'), { name: 'QuotaExceededError' }))).toBe(MESSAGES['db.quota']);
    expect(errorText(new Error('boom'))).toBe('処理できませんでした。もう一度お試しください。（boom）');
  });
});

describe('japaneseOf', () => {
  it.each([
    ['担当の役割では項目を変更できません (role staff may not write items)', '担当の役割では項目を変更できません'],
    [
      "メモの日付は 2000-01-01 から 2027-12-03 までです (a note's date lies between 2000-01-01 and a year after today)",
      'メモの日付は 2000-01-01 から 2027-12-03 までです',
    ],
    ['報告期間（上期）は計画にありません', '報告期間（上期）は計画にありません'],
    ['changed by someone else meanwhile: done', ''],
    ['  ', ''],
  ])('%s → %s', (reason, shown) => expect(japaneseOf(reason)).toBe(shown));
});
