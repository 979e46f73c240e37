// The device's 記入者 name belongs to local-only use: with a server, people write under their
// account's name, so before anyone signs in nothing about a 記入者 is shown.
import { render, screen } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { DbContext } from '../../src/ui/data/hooks';
import { SyncContext } from '../../src/ui/data/sync-context';
import { ActorName } from '../../src/ui/actor-name';
import { FakeSyncEngine } from './fake-sync-engine';
import { dbWithFixturePlan } from './plan-fixture';

describe('ActorName', () => {
  it('offers local-only use its 記入者 name to change', async () => {
    const db = await dbWithFixturePlan();
    render(
      <DbContext.Provider value={db}>
        <ActorName />
      </DbContext.Provider>,
    );
    expect(await screen.findByRole('button', { name: '記入者: 担当者' })).toBeTruthy();
  });

  it('shows nothing before sign-in when the app syncs with a server', async () => {
    const db = await dbWithFixturePlan();
    const { container } = render(
      <DbContext.Provider value={db}>
        <SyncContext.Provider value={new FakeSyncEngine({ state: 'signed-out', session: null })}>
          <ActorName />
        </SyncContext.Provider>
      </DbContext.Provider>,
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(container.textContent).toBe('');
    expect(screen.queryByRole('button', { name: /記入者/ })).toBeNull();
  });
});
