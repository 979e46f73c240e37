// What the app shell says when syncing cannot go on by itself: an expired login (the app stays
// usable, edits are kept, 再ログイン opens the form with the email filled in) and a server that
// needs a newer app (update, after writing what is being typed). The engine is the small fake of
// fake-sync-engine.ts.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { App } from '../../src/ui/app';
import { FakeSyncEngine } from './fake-sync-engine';
import { dbWithFixturePlan, PLAN_ID, ref } from './plan-fixture';

describe('sync banners', () => {
  it('asks for a new login when the token expired and keeps the app usable meanwhile', async () => {
    const db = await dbWithFixturePlan();
    history.replaceState(null, '', `/plans/${PLAN_ID}/items/${encodeURIComponent(ref('p1-2-2'))}?period=2024-H1`);
    const engine = new FakeSyncEngine({ state: 'needs-login', lastError: { code: 'sync.login-expired' } });
    render(<App db={db} engine={engine} />);
    const banner = await screen.findByRole('alert');
    expect(banner.textContent).toContain('ログインの有効期限が切れました。未同期の変更はこの端末に保存されています。');

    // Still usable: an edit is written and waits in the outbox.
    const group = await screen.findByRole('radiogroup', { name: '評価' });
    fireEvent.click(within(group).getByRole('radio', { name: '○' }));
    await waitFor(() => expect(screen.getByTestId('pending-count').textContent).toBe('未同期 1件'));

    fireEvent.click(within(banner).getByRole('button', { name: '再ログイン' }));
    const form = screen.getByRole('region', { name: '再ログイン' });
    expect(((await within(form).findByRole('textbox', { name: 'メールアドレス' })) as HTMLInputElement).value).toBe('lead@demo');
    await waitFor(() => expect(document.activeElement).toBe(within(form).getByLabelText('パスワード')));
    fireEvent.input(within(form).getByLabelText('パスワード'), { target: { value: 'demo1234' } });
    fireEvent.click(within(form).getByRole('button', { name: 'ログイン' }));
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    expect(engine.calls.login).toEqual([['lead@demo', 'demo1234']]);
    expect(screen.queryByRole('region', { name: '再ログイン' })).toBeNull();
    expect(await db.outbox.count()).toBe(1);
  });

  it('S44: asks to update the app when the server speaks a newer protocol', async () => {
    const db = await dbWithFixturePlan();
    const engine = new FakeSyncEngine({ state: 'update-required', lastError: { code: 'sync.update-required' } });
    let applied = 0;
    render(<App db={db} engine={engine} subscribeUpdate={(onReady) => onReady(() => applied++)} />);
    const banner = await screen.findByRole('alert');
    expect(banner.textContent).toContain('アプリを更新してください');
    // The plan list stays readable and editable on the device.
    expect(await screen.findByRole('heading', { level: 1, name: /令和6年度 東京支部事業計画/ })).toBeTruthy();
    fireEvent.click(within(banner).getByRole('button', { name: '再読み込みして更新' }));
    await waitFor(() => expect(applied).toBe(1));
  });
});
