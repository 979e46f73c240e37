// Changes the server refused: the status bar counts them and opens the list, which says what
// each was about and why (in Japanese from the stored code, with the server's reason; a row
// stored before codes, in its own words); an entry is dismissed only after confirming.
import { openStatus } from './status-chip';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { progressId } from '../../src/model/schemas';
import { App } from '../../src/ui/app';
import { dbWithFixturePlan, PLAN_ID, ref } from './plan-fixture';

afterEach(() => vi.restoreAllMocks());

describe('RejectedPanel', () => {
  it('lists what was refused and why, and dismisses an entry after confirming', async () => {
    const db = await dbWithFixturePlan();
    await db.rejected.add({
      mutationId: 'm-1',
      table: 'progress',
      recordId: progressId(ref('p1-2-2'), '2024-H1'),
      planId: PLAN_ID,
      changes: { evaluation: '○', done: '窓口来訪者に郵送での申請を案内し、郵送化率が前年度を上回った。' },
      reason: 'この支部を編集する権限がありません',
      at: new Date(2026, 10, 22, 18, 30).toISOString(),
    });
    render(<App db={db} />);
    await openStatus();
    fireEvent.click(await screen.findByRole('button', { name: '送信できなかった変更 1件' }));
    const panel = await screen.findByRole('region', { name: '送信できなかった変更' });
    const [entry] = (await within(panel).findAllByRole('listitem')).filter((li) => li.classList.contains('rejected-entry'));
    expect(entry!.textContent).toContain('令和8年11月22日 18:30・実施状況・評価');
    expect(within(entry!).getByRole('link', { name: /② 現金給付等の申請に係る郵送化の促進/ })).toBeTruthy();
    expect(within(entry!).getByText('評価: ○')).toBeTruthy();
    expect(within(entry!).getByText('実施状況: 窓口来訪者に郵送での申請を案内し、郵送化率が前年度を上回った…')).toBeTruthy();
    expect(entry!.textContent).toContain('理由: この支部を編集する権限がありません');

    const confirm = vi.spyOn(window, 'confirm').mockReturnValueOnce(false).mockReturnValueOnce(true);
    fireEvent.click(within(entry!).getByRole('button', { name: '確認済みにして消す' }));
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(await db.rejected.count()).toBe(1);
    fireEvent.click(within(entry!).getByRole('button', { name: '確認済みにして消す' }));
    await waitFor(() => expect(within(panel).getByText('送信できなかった変更はありません。')).toBeTruthy());
    expect(await db.rejected.count()).toBe(0);
    expect(screen.queryByRole('button', { name: /送信できなかった変更/ })).toBeNull();
    fireEvent.click(within(panel).getByRole('button', { name: '閉じる' }));
    expect(screen.queryByRole('region', { name: '送信できなかった変更' })).toBeNull();
  });

  it('says why in Japanese from the stored code, with the Japanese of the server’s own reason', async () => {
    const db = await dbWithFixturePlan();
    const row = { table: 'progress' as const, recordId: progressId(ref('p1-2-2'), '2024-H1'), planId: PLAN_ID, changes: { evaluation: '○' } };
    const at = (minute: number) => new Date(2026, 10, 22, 18, minute).toISOString();
    await db.rejected.bulkAdd([
      { ...row, mutationId: 'm-1', reason: { code: 'rejected.forbidden', detail: 'この支部の記録は変更できません (not one of your branches)' }, at: at(30) },
      { ...row, mutationId: 'm-2', reason: { code: 'rejected.unsealed' }, at: at(31) },
      // Stored before reasons had codes, when the server had given none.
      { ...row, mutationId: 'm-3', reason: '', at: at(32) },
    ]);
    render(<App db={db} />);
    await openStatus();
    fireEvent.click(await screen.findByRole('button', { name: '送信できなかった変更 3件' }));
    const list = await screen.findByRole('list', { name: '送信できなかった変更の一覧' });
    const reasons = within(list)
      .getAllByText(/^理由: /)
      .map((p) => p.textContent);
    expect(reasons).toEqual([
      '理由: サーバーがこの変更を受け付けませんでした。',
      '理由: この利用者がこの端末で入力したことを確認できない変更のため、送信しませんでした（ログイン中でない間に作られた、またはパスワードが変わった可能性があります）。',
      '理由: この操作を行う権限がありません。（この支部の記録は変更できません）',
    ]);
  });
});
