// The always-visible sync status with an engine: edits waiting, the last sync in 和暦 and 西暦
// (or 未同期 when there was none), what the engine is doing and why it last failed, 今すぐ同期,
// and who is signed in — whose name every write carries — with a ログアウト that keeps pending
// edits unless the person chooses to erase the device (see shared-tablet.test.tsx). The engine is
// the small fake of fake-sync-engine.ts.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { saveProgress } from '../../src/sync/edits';
import { progressId } from '../../src/model/schemas';
import { App } from '../../src/ui/app';
import { openStatus } from './status-chip';
import { FakeSyncEngine } from './fake-sync-engine';
import { dbWithFixturePlan, PLAN_ID, ref } from './plan-fixture';

afterEach(() => {
  vi.restoreAllMocks();
});

const statusBar = () => screen.getByRole('status', { name: '状態' });

describe('StatusBar with a sync engine', () => {
  it('shows the edits waiting, the last sync in 和暦, the error state and its reason', async () => {
    const db = await dbWithFixturePlan();
    await saveProgress(db, { planId: PLAN_ID, itemId: ref('p1-2-2'), periodId: '2024-H1' }, { evaluation: '○' }, 'テスト');
    const lastSyncAt = new Date(2026, 10, 22, 18, 30).toISOString();
    const engine = new FakeSyncEngine({ state: 'error', lastSyncAt, lastError: { code: 'sync.server', status: 503 } });
    render(<App db={db} engine={engine} />);
    await waitFor(() => expect(screen.getByTestId('pending-count').textContent).toBe('未同期 1件'));
    const bar = statusBar();
    expect(screen.getByTestId('last-sync').textContent).toBe('最終同期 令和8年11月22日 18:30');
    expect(bar.textContent).toContain('エラー: サーバーでエラーが発生しました（503）。自動で再試行します。');
    expect(bar.textContent).toContain('オンライン');
  });

  it('says 未同期 before the first sync, 同期中… while syncing, and syncs now on request', async () => {
    const engine = new FakeSyncEngine({ state: 'syncing' });
    render(<App db={await dbWithFixturePlan()} engine={engine} />);
    expect((await screen.findByTestId('last-sync')).textContent).toBe('未同期（初回同期前）');
    expect(within(statusBar()).getByText('同期中…')).toBeTruthy();
    await openStatus();
    const syncNow = screen.getByRole('button', { name: '今すぐ同期' }) as HTMLButtonElement;
    expect(syncNow.disabled).toBe(true);
    engine.set({ state: 'idle', lastSyncAt: new Date(2026, 0, 5, 9, 7).toISOString() });
    await waitFor(() => expect(syncNow.disabled).toBe(false));
    expect(screen.getByTestId('last-sync').textContent).toBe('最終同期 令和8年1月5日 09:07');
    expect(within(statusBar()).queryByText('同期中…')).toBeNull();
    fireEvent.click(syncNow);
    expect(engine.calls.syncNow).toBe(1);
    engine.set({ state: 'syncing', lastError: { code: 'sync.offline' } });
    await waitFor(() => expect(statusBar().textContent).toContain('同期中…前回のエラー: 通信できません（オフライン）。つながったら自動で同期します。'));
  });

  it('writes under the signed-in user’s name', async () => {
    const db = await dbWithFixturePlan();
    history.replaceState(null, '', `/plans/${PLAN_ID}/items/${encodeURIComponent(ref('p1-2-2'))}?period=2024-H1`);
    render(<App db={db} engine={new FakeSyncEngine()} />);
    expect(statusBar().textContent).toContain('記入者: 佐藤（リーダー）');
    const group = await screen.findByRole('radiogroup', { name: '評価' });
    fireEvent.click(within(group).getByRole('radio', { name: '○' }));
    await waitFor(async () =>
      expect(await db.progress.get(progressId(ref('p1-2-2'), '2024-H1'))).toMatchObject({ evaluation: '○', updatedBy: '佐藤（リーダー）' }),
    );
  });

  it('logs out, when asked to keep the data, keeping the pending edits on the device', async () => {
    const db = await dbWithFixturePlan();
    await saveProgress(db, { planId: PLAN_ID, itemId: ref('p1-2-2'), periodId: '2024-H1' }, { evaluation: '○' }, 'テスト');
    const engine = new FakeSyncEngine();
    render(<App db={db} engine={engine} />);
    await waitFor(() => expect(screen.getByTestId('pending-count').textContent).toBe('未同期 1件'));
    await openStatus();
    fireEvent.click(screen.getByRole('button', { name: 'ログアウト' }));
    const dialog = screen.getByRole('dialog', { name: 'ログアウト' });
    expect((await within(dialog).findByRole('list', { name: '未送信の変更' })).textContent).toBe('ログイン前の入力：1件');
    fireEvent.click(within(dialog).getByRole('button', { name: 'キャンセル' }));
    expect(screen.queryByRole('dialog', { name: 'ログアウト' })).toBeNull();
    expect(engine.calls.logout).toBe(0);
    fireEvent.click(screen.getByRole('button', { name: 'ログアウト' }));
    fireEvent.click(within(screen.getByRole('dialog', { name: 'ログアウト' })).getByRole('button', { name: 'ログアウト（データは残す）' }));
    await waitFor(() => expect(engine.calls.logout).toBe(1));
    expect(await screen.findByRole('heading', { name: 'ログイン', level: 1 })).toBeTruthy();
    expect(await db.outbox.count()).toBe(1);
    expect(screen.getByTestId('pending-count').textContent).toBe('未同期 1件');
  });
});

describe('the status chip', () => {
  it('says 要確認 when something needs a person, and its details close on Escape', async () => {
    const db = await dbWithFixturePlan();
    const engine = new FakeSyncEngine();
    render(<App db={db} engine={engine} />);
    const chip = await screen.findByRole('button', { name: /未同期 0件/ });
    expect(chip.textContent).not.toContain('要確認');
    expect(chip.getAttribute('aria-expanded')).toBe('false');
    engine.set({ state: 'error', lastError: { code: 'sync.server', status: 503 } });
    await waitFor(() => expect(chip.textContent).toContain('要確認'));
    fireEvent.click(chip);
    expect(chip.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByRole('button', { name: '今すぐ同期' })).toBeTruthy();
    fireEvent.keyDown(document, { key: 'Escape' });
    await waitFor(() => expect(chip.getAttribute('aria-expanded')).toBe('false'));
    expect(screen.queryByRole('button', { name: '今すぐ同期' })).toBeNull();
    expect(document.activeElement).toBe(chip);
  });

  it('does not say 要確認 for being offline: the chip says オフライン', async () => {
    const engine = new FakeSyncEngine({ state: 'error', online: false, lastError: { code: 'sync.offline' } });
    render(<App db={await dbWithFixturePlan()} engine={engine} />);
    const chip = await screen.findByRole('button', { name: /未同期 0件/ });
    expect(chip.textContent).toContain('オフライン');
    expect(chip.textContent).not.toContain('要確認');
    engine.set({ state: 'error', online: true, lastError: { code: 'sync.unreachable' } });
    await waitFor(() => expect(chip.textContent).toContain('オンライン'));
    expect(chip.textContent).not.toContain('要確認');
  });

  it('says 要確認 while changes the server refused wait to be looked at', async () => {
    const db = await dbWithFixturePlan();
    render(<App db={db} engine={new FakeSyncEngine()} />);
    await db.rejected.add({
      mutationId: 'm-1',
      table: 'progress',
      recordId: progressId(ref('p1-2-2'), '2024-H1'),
      planId: PLAN_ID,
      changes: { evaluation: '○' },
      reason: 'この支部を編集する権限がありません',
      at: new Date(2026, 10, 22, 18, 30).toISOString(),
    });
    await waitFor(() => expect(screen.getByRole('button', { name: /未同期 0件/ }).textContent).toContain('要確認'));
  });

  it('names nobody as 記入者 before anyone has signed in', async () => {
    render(<App db={await dbWithFixturePlan()} engine={new FakeSyncEngine({ state: 'signed-out', session: null })} />);
    expect(await screen.findByRole('heading', { name: 'ログイン', level: 1 })).toBeTruthy();
    expect(statusBar().textContent).not.toContain('記入者');
  });
});
