// A screen that cannot be drawn says so in Japanese with もう一度表示 and 再読み込み, instead of
// 読み込み中… forever: a live query that fails reaches the screen, and so does a component that
// throws. The header's status and the rest of the app stay usable.
import { fireEvent, render, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../src/ui/app';
import { ErrorBoundary } from '../../src/ui/error-boundary';
import { FakeSyncEngine } from './fake-sync-engine';
import { dbWithFixturePlan } from './plan-fixture';

afterEach(() => {
  vi.restoreAllMocks();
  history.replaceState(null, '', '/');
});

describe('ErrorBoundary', () => {
  it('shows a failed read of the device’s data on the screen, and draws it again on request', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const db = await dbWithFixturePlan();
    const read = vi.spyOn(db.plans, 'toArray').mockRejectedValue(new Error('IndexedDB went away'));
    render(<App db={db} engine={new FakeSyncEngine()} />);
    const alert = await screen.findByRole('alert', { name: 'この画面を表示できませんでした' });
    expect(alert.textContent).toContain('この端末のデータを読み込めませんでした。再読み込みしてください。');
    expect(within(alert).getByRole('button', { name: '再読み込み' })).toBeTruthy();
    expect(screen.queryByText('読み込み中…')).toBeNull();
    // The header still works: the status chip opens.
    expect(screen.getByRole('button', { name: /未同期/ })).toBeTruthy();

    read.mockRestore();
    fireEvent.click(within(alert).getByRole('button', { name: 'もう一度表示' }));
    expect(await screen.findByRole('heading', { level: 1, name: /令和6年度 東京支部事業計画/ })).toBeTruthy();
  });

  it('catches a component that throws and names the part that failed', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    function Broken(): never {
      throw new Error('a bug');
    }
    render(
      <ErrorBoundary what="この画面">
        <Broken />
      </ErrorBoundary>,
    );
    const alert = screen.getByRole('alert', { name: 'この画面を表示できませんでした' });
    expect(alert.textContent).toContain('入力中の内容と未同期の変更はこの端末に保存されています。');
    expect(within(alert).getByText('詳しい情報（問い合わせ用）')).toBeTruthy();
    expect(alert.textContent).toContain('a bug');
  });
});
