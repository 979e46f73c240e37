// Login as a person meets it: while the device has no session the login form replaces the
// screens; a refused login shows the engine's message; the embedded default's demo accounts are
// spelled out; offline, the form says a first login needs a connection. The engine is the small
// fake of fake-sync-engine.ts (the screens only see SyncEngineApi).
import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { App } from '../../src/ui/app';
import { FakeSyncEngine } from './fake-sync-engine';
import { dbWithFixturePlan } from './plan-fixture';

const DEMO_INFO = {
  protocolVersion: 3,
  demo: {
    accounts: [
      { email: 'lead@demo', password: 'demo1234', role: 'lead' as const },
      { email: 'staff@demo', password: 'demo1234', role: 'staff' as const },
    ],
  },
};

describe('LoginPage', () => {
  it('replaces the screens while signed out, shows why a login failed, and opens the app once logged in', async () => {
    const db = await dbWithFixturePlan();
    const engine = new FakeSyncEngine({ state: 'signed-out', session: null });
    engine.loginResult = { ok: false, error: { code: 'login.wrong-password' } };
    render(<App db={db} engine={engine} />);
    expect(await screen.findByRole('heading', { name: 'ログイン', level: 1 })).toBeTruthy();
    expect(screen.queryByRole('heading', { level: 1, name: /令和6年度 東京支部事業計画/ })).toBeNull();

    fireEvent.input(screen.getByRole('textbox', { name: 'メールアドレス' }), { target: { value: 'lead@demo' } });
    fireEvent.input(screen.getByLabelText('パスワード'), { target: { value: 'wrong' } });
    fireEvent.click(screen.getByRole('button', { name: 'ログイン' }));
    expect((await screen.findByRole('alert')).textContent).toBe('メールアドレスまたはパスワードが違います。');
    expect(engine.calls.login).toEqual([['lead@demo', 'wrong']]);

    engine.loginResult = { ok: false, error: { code: 'login.too-many-attempts', waitMs: 90_000 } };
    fireEvent.click(screen.getByRole('button', { name: 'ログイン' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('ログインの試行が多すぎます。約2分待ってからもう一度お試しください。'));

    engine.loginResult = { ok: true };
    fireEvent.input(screen.getByLabelText('パスワード'), { target: { value: 'demo1234' } });
    fireEvent.click(screen.getByRole('button', { name: 'ログイン' }));
    expect(await screen.findByRole('heading', { level: 1, name: /令和6年度 東京支部事業計画/ })).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'ログイン' })).toBeNull();
    expect(engine.calls.login[2]).toEqual(['lead@demo', 'demo1234']);
  });

  it('spells out the demo accounts the server advertises', async () => {
    const engine = new FakeSyncEngine({ state: 'signed-out', session: null });
    engine.info = DEMO_INFO;
    render(<App db={await dbWithFixturePlan()} engine={engine} />);
    expect(await screen.findByText('デモ用アカウント: lead@demo（リーダー）/ staff@demo（担当）、パスワード demo1234')).toBeTruthy();
  });

  it('gives no hint when the server has no demo accounts', async () => {
    const engine = new FakeSyncEngine({ state: 'signed-out', session: null });
    engine.info = { protocolVersion: 3, demo: null };
    render(<App db={await dbWithFixturePlan()} engine={engine} />);
    await screen.findByRole('button', { name: 'ログイン' });
    await engine.serverInfo();
    expect(screen.queryByText(/デモ用アカウント/)).toBeNull();
  });

  it('says offline that the first login needs a connection', async () => {
    const engine = new FakeSyncEngine({ state: 'signed-out', session: null, online: false });
    render(<App db={await dbWithFixturePlan()} engine={engine} />);
    expect((await screen.findByText(/最初のログインにはネットワーク接続が必要です/)).textContent).toContain('オフラインです');
    expect(screen.getByRole('status', { name: '状態' }).textContent).toContain('オフライン');
  });
});
