// A tablet several people sign in on: the status bar names the earlier person whose edits wait
// for their own login (前の利用者（氏名）の未送信 N件) and discards them only after a warning naming
// that person and count; ログアウト lists what is unsent per person and 「この端末のデータを消す」
// erases the plan from IndexedDB and localStorage after asking. Real database (fake-indexeddb),
// the small fake engine signed in as 佐藤（リーダー）.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PLAN_SNAPSHOT_KEY } from '../../src/db/plan-snapshot';
import { saveProgress } from '../../src/sync/edits';
import { setSession } from '../../src/sync/session-store';
import type { TrackerDb } from '../../src/db/database';
import { App } from '../../src/ui/app';
import { openStatus } from './status-chip';
import { FakeSyncEngine, session } from './fake-sync-engine';
import { dbWithFixturePlan, discardDb, PLAN_ID, ref } from './plan-fixture';

const statusBar = () => screen.getByRole('status', { name: '状態' });
const staff = { ...session('staff'), token: 'staff-token', user: { id: 'u-staff', email: 'staff@demo', name: '鈴木（担当）' } };

let db: TrackerDb | null = null;
afterEach(async () => {
  vi.restoreAllMocks();
  if (db) await discardDb(db);
  db = null;
});

/** A device on which 鈴木（担当） left two unsent edits, then signed out; 佐藤（リーダー） is signed in now with one of theirs. */
async function tabletWithEarlierEdits(): Promise<TrackerDb> {
  const d = await dbWithFixturePlan();
  await setSession(d, staff);
  await saveProgress(d, { planId: PLAN_ID, itemId: ref('p1-2-1'), periodId: '2024-H1' }, { evaluation: '△' }, '鈴木（担当）');
  await saveProgress(d, { planId: PLAN_ID, itemId: ref('p1-2-2'), periodId: '2024-H1' }, { done: '訪問した' }, '鈴木（担当）');
  await setSession(d, session());
  await saveProgress(d, { planId: PLAN_ID, itemId: ref('p1-2-2'), periodId: '2024-H2' }, { evaluation: '○' }, '佐藤（リーダー）');
  return d;
}

describe('earlier people’s unsent edits', () => {
  it('S29: are named in the status bar apart from the signed-in person’s, and discarded only after a warning', async () => {
    db = await tabletWithEarlierEdits();
    render(<App db={db} engine={new FakeSyncEngine()} />);
    await waitFor(() => expect(statusBar().textContent).toContain('前の利用者（鈴木（担当））の未送信 2件'));
    expect(screen.getByTestId('pending-count').textContent).toBe('未同期 1件');
    const confirm = vi.spyOn(window, 'confirm').mockReturnValueOnce(false).mockReturnValueOnce(true);
    await openStatus();
    const discard = screen.getByRole('button', { name: '前の利用者（鈴木（担当））の未送信 2件を破棄' });
    fireEvent.click(discard);
    expect(confirm).toHaveBeenLastCalledWith(expect.stringMatching(/鈴木（担当）.*2件を破棄/));
    expect(await db.outbox.count()).toBe(3);
    fireEvent.click(discard);
    await waitFor(() => expect(statusBar().textContent).not.toContain('前の利用者'));
    expect((await db.outbox.toArray()).map((e) => e.author?.id)).toEqual(['u-1']);
    // The records are back to what they were before 鈴木's edits.
    expect((await db.progress.get(`progress:${ref('p1-2-1')}:2024-H1`))?.evaluation).toBe('○');
  });
});

describe('ログアウト on a shared tablet', () => {
  it('S29: lists what is unsent per person and erases the plan from the device only after asking', async () => {
    db = await tabletWithEarlierEdits();
    await db.meta.put({ key: 'sync.deviceSecret', value: 'stays' });
    localStorage.setItem(PLAN_SNAPSHOT_KEY, '{"version":1}');
    const engine = new FakeSyncEngine();
    render(<App db={db} engine={engine} />);
    await waitFor(() => expect(screen.getByTestId('pending-count').textContent).toBe('未同期 1件'));
    await openStatus();
    fireEvent.click(screen.getByRole('button', { name: 'ログアウト' }));
    const dialog = screen.getByRole('dialog', { name: 'ログアウト' });
    const list = await within(dialog).findByRole('list', { name: '未送信の変更' });
    expect(
      within(list)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['鈴木（担当）：2件', '佐藤（リーダー）：1件']);

    const confirm = vi.spyOn(window, 'confirm').mockReturnValueOnce(false).mockReturnValueOnce(true);
    fireEvent.click(within(dialog).getByRole('button', { name: 'この端末のデータを消す' }));
    expect(confirm).toHaveBeenLastCalledWith(expect.stringContaining('・鈴木（担当） 2件\n・佐藤（リーダー） 1件'));
    expect(engine.calls.logout).toBe(0);
    expect(await db.plans.count()).toBe(1);

    fireEvent.click(within(screen.getByRole('dialog', { name: 'ログアウト' })).getByRole('button', { name: 'この端末のデータを消す' }));
    expect(await screen.findByRole('heading', { name: 'ログイン', level: 1 })).toBeTruthy();
    expect(engine.calls.logout).toBe(1);
    await waitFor(async () => expect(await db!.plans.count()).toBe(0));
    for (const t of ['sections', 'items', 'progress', 'notes', 'kpis', 'measurements', 'outbox']) expect(await db.table(t).count(), t).toBe(0);
    expect(await db.meta.toArray()).toEqual([{ key: 'sync.deviceSecret', value: 'stays' }]);
    expect(localStorage.getItem(PLAN_SNAPSHOT_KEY)).toBeNull();
    expect(screen.getByTestId('pending-count').textContent).toBe('未同期 0件');
  });
});
