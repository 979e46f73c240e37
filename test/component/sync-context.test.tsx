// What a screen reads of the sync status re-renders it only when that part changes: a round
// trip's syncing → last sync → idle must not render the page under the shell again, or every
// push while someone types re-renders the whole plan.
import { act, render, screen } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { SyncContext, useSession, useSyncSelect } from '../../src/ui/data/sync-context';
import { FakeSyncEngine, session } from './fake-sync-engine';

describe('useSyncSelect', () => {
  it('renders again for a change of the selected part only', () => {
    const engine = new FakeSyncEngine();
    let renders = 0;
    function Who() {
      renders++;
      const me = useSession();
      const online = useSyncSelect((s) => s?.online ?? false);
      return <p>{`${me?.user.name ?? '未ログイン'} ${online ? 'オンライン' : 'オフライン'}`}</p>;
    }
    render(
      <SyncContext.Provider value={engine}>
        <Who />
      </SyncContext.Provider>,
    );
    const first = renders;
    act(() => engine.set({ state: 'syncing' }));
    act(() => engine.set({ lastSyncAt: '2026-12-02T10:00:00.000Z' }));
    act(() => engine.set({ state: 'idle' }));
    expect(renders).toBe(first);

    act(() => engine.set({ online: false }));
    expect(screen.getByText('佐藤（リーダー） オフライン')).toBeTruthy();
    act(() => engine.set({ session: session('staff') }));
    expect(screen.getByText('鈴木（担当） オフライン')).toBeTruthy();
    act(() => engine.set({ session: null }));
    expect(screen.getByText('未ログイン オフライン')).toBeTruthy();
    expect(renders).toBe(first + 3);
  });
});
