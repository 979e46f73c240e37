// Drafts on a shared tablet: a draft is its person's, so the next person to sign in neither sees
// nor submits what the previous one was writing, and it is back when its person returns.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { TrackerDb } from '../../../src/db/database';
import { discardDraft, readDraft, saveDraft } from '../../../src/db/drafts';
import { setSession } from '../../../src/sync/session-store';
import type { LoginResponse } from '../../../src/model/protocol';

const person = (id: string, name: string): LoginResponse => ({
  token: `tok-${id}`,
  expiresAt: '2030-01-01T00:00:00Z',
  user: { id, email: `${id}@osaka`, name },
  branches: [{ id: 'osaka', name: '大阪支部', role: 'staff' }],
});
const staff = person('u-staff', '大阪 担当');
const lead = person('u-lead', '大阪 リーダー');

describe('a draft', () => {
  it('is its person’s: the next person on the tablet does not get it, its person does again', async () => {
    const db = new TrackerDb(`drafts-${crypto.randomUUID()}`);
    await setSession(db, staff);
    await saveDraft(db, 'note:item-1', { date: '2024-06-03', text: '担当が書きかけのメモ' });
    await setSession(db, null);
    // Signed out, the draft is still the device's last user's.
    expect((await readDraft(db, 'note:item-1'))?.fields.text).toBe('担当が書きかけのメモ');

    await setSession(db, lead);
    expect(await readDraft(db, 'note:item-1')).toBeNull();
    await saveDraft(db, 'note:item-1', { date: '2024-06-04', text: 'リーダーのメモ' });
    await discardDraft(db, 'note:item-1');

    await setSession(db, staff);
    expect((await readDraft(db, 'note:item-1'))?.fields.text).toBe('担当が書きかけのメモ');
    db.close();
  });
});
