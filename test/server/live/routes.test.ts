// The live channel on one server (in-process app, SQLite): a commit is signalled at once to every
// open event stream of the branch (but not to the device that made it, nor to another branch's);
// presence goes only to people of the same branch and expires when no longer repeated.
// Each test is given 30 s: logins hash passwords with scrypt, which is slow on a busy machine.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEMO_BRANCH } from '../../../src/server/demo';
import { TOKEN_TTL_MS } from '../../../src/server/accounts';
import { localBus } from '../../../src/server/live/bus';
import { LiveHub, PRESENCE_SESSIONS_PER_USER } from '../../../src/server/live/hub';
import { DEMO_PLAN_ID } from '../../../src/model/demo';
import type { PresenceRequest } from '../../../src/model/live-protocol';
import { client, ITEM, OTHER_BRANCH, OTHER_ITEM, OTHER_PLAN, startTestServer, type TestServer } from '../helpers';
import { EventLog, isChange, isHello, presenceOf } from '../live-clients';

let server: TestServer;
const logs: EventLog[] = [];

function open(token: string, clientId: string): EventLog {
  const log = new EventLog((url, init) => server.app.request(url, init), token, clientId);
  logs.push(log);
  return log;
}

beforeEach(async () => {
  server = await startTestServer();
});

afterEach(() => {
  for (const l of logs.splice(0)) l.close();
});

/** The data line of the first `change` event of a hub's stream, which it then cancels. */
async function firstChange(stream: ReadableStream<Uint8Array>): Promise<string | undefined> {
  const reader = stream.getReader();
  let text = '';
  while (!text.includes('event: change')) text += new TextDecoder().decode((await reader.read()).value);
  await reader.cancel();
  return text.slice(text.indexOf('event: change')).split('\n')[1];
}

describe('commit signals', () => {
  it('S36, S37: reach every open stream of the branch at once, none of another branch, and not the device that pushed', async () => {
    const [lead, staff, other] = await Promise.all([server.login('lead@demo'), server.login('staff@demo'), server.login('other@test')]);
    const pusher = client('pusher');
    const leadTablet = open(lead, client('lead-tablet').clientId);
    const leadPc = open(lead, client('lead-pc').clientId);
    const ownStream = open(staff, pusher.clientId);
    const osaka = open(other, client('osaka').clientId);
    for (const l of [leadTablet, leadPc, ownStream, osaka]) await l.until(isHello);
    // S49: where the lead's devices stand before the commit.
    const before = await server.pullAll(lead, client('lead-puller').clientId);

    const pushed = await server.sync(staff, { clientId: pusher.clientId, mutations: [pusher.m({ changes: { next: '来月も訪問' }, base: { next: '' } })] });
    // S48: with the version the branch reached, which the pushing device's answer already covers.
    const reached = pushed.changes.find((c) => c.table === 'progress')!.version;
    expect(pushed.versions).toEqual({ [DEMO_BRANCH.id]: expect.any(Number) });
    expect(pushed.versions![DEMO_BRANCH.id]).toBeGreaterThanOrEqual(reached);
    // S49: with the commit's page, which is what a pull from where the devices stood answers.
    const pulled = await server.sync(lead, { clientId: client('lead-puller').clientId, cursor: before.cursor });
    expect(pulled.changes.length).toBeGreaterThan(0);
    for (const l of [leadTablet, leadPc])
      expect((await l.until(isChange(DEMO_BRANCH.id))).event).toEqual({
        type: 'change',
        branches: [DEMO_BRANCH.id],
        versions: { [DEMO_BRANCH.id]: pushed.versions![DEMO_BRANCH.id] },
        page: { after: before.cursor, cursor: pulled.cursor, changes: pulled.changes },
      });

    // A commit in the other branch is signalled there; the stream is in order, so had the demo
    // branch's signal gone to Osaka it would have come before this one.
    const osakaDevice = client('osaka-device');
    await server.sync(other, {
      clientId: osakaDevice.clientId,
      mutations: [osakaDevice.m({ recordId: `progress:${OTHER_ITEM}:2024-H1`, planId: OTHER_PLAN, changes: { next: '大阪' }, base: { next: '' } })],
    });
    await osaka.until(isChange(OTHER_BRANCH));
    expect(osaka.changes()).toEqual([[OTHER_BRANCH]]);

    // The pushing device's stream hears the next commit of someone else, and nothing before it.
    const leadDevice = client('lead-device');
    await server.sync(lead, { clientId: leadDevice.clientId, mutations: [leadDevice.m({ changes: { done: 'リーダーが追記' }, base: { done: '' } })] });
    await ownStream.until(isChange(DEMO_BRANCH.id));
    expect(ownStream.changes()).toEqual([[DEMO_BRANCH.id]]);
  }, 30_000);

  it('S37, S48: a commit of several branches names to each stream only its own, with the version each reached', async () => {
    const hub = new LiveHub(localBus());
    try {
      const tokyo = hub.open({ userId: 'u1', clientId: null, branches: ['tokyo'] });
      const both = hub.open({ userId: 'u2', clientId: null, branches: ['osaka', 'tokyo'] });
      const osaka = hub.open({ userId: 'u3', clientId: null, branches: ['osaka'] });
      hub.committed({ osaka: 12, tokyo: 40 }, 'someone');
      expect(await firstChange(tokyo)).toBe('data: {"branches":["tokyo"],"versions":{"tokyo":40}}');
      expect(await firstChange(both)).toBe('data: {"branches":["osaka","tokyo"],"versions":{"osaka":12,"tokyo":40}}');
      expect(await firstChange(osaka)).toBe('data: {"branches":["osaka"],"versions":{"osaka":12}}');
    } finally {
      await hub.close();
    }
  });

  it('S49: a commit’s page goes to the streams of its one branch only, with the changes as they are', async () => {
    const hub = new LiveHub(localBus());
    try {
      const tokyo = hub.open({ userId: 'u1', clientId: null, branches: ['tokyo'] });
      const both = hub.open({ userId: 'u2', clientId: null, branches: ['osaka', 'tokyo'] });
      const osaka = hub.open({ userId: 'u3', clientId: null, branches: ['osaka'] });
      const change = '{"table":"notes","id":"n1","version":40,"record":{"id":"n1","text":"東京"}}';
      // Osaka's page was left out (too large): its stream is signalled and pulls.
      hub.committed({ osaka: 12, tokyo: 40 }, 'someone', { tokyo: { after: 'v2.db.-.tokyo:13', cursor: 'v2.db.-.tokyo:14', changes: change } });
      expect(await firstChange(tokyo)).toBe(
        `data: {"branches":["tokyo"],"versions":{"tokyo":40},"page":{"after":"v2.db.-.tokyo:13","cursor":"v2.db.-.tokyo:14","changes":[${change}]}}`,
      );
      expect(await firstChange(both)).toBe('data: {"branches":["osaka","tokyo"],"versions":{"osaka":12,"tokyo":40}}');
      expect(await firstChange(osaka)).toBe('data: {"branches":["osaka"],"versions":{"osaka":12}}');
    } finally {
      await hub.close();
    }
  });

  it('S49: sends no page to a stream until its token is checked again after sessions change, and ends it at once if the token no longer holds', async () => {
    const hub = new LiveHub(localBus());
    const listeners = new Set<() => void>();
    const sessions = {
      sessionGeneration: 0,
      sessionsCurrent: true,
      onSessionsChanged(l: () => void) {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    };
    hub.watchSessions(sessions);
    const texts = (stream: ReadableStream<Uint8Array>) => {
      const reader = stream.getReader();
      const seen: string[] = [];
      void (async () => {
        for (;;) {
          const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
          if (done) return;
          seen.push(new TextDecoder().decode(value));
        }
      })();
      return seen;
    };
    try {
      let valid = true;
      let release!: () => void;
      let held: Promise<void> | null = null;
      const check = async () => {
        await held;
        return valid;
      };
      const revoked = hub.open({ userId: 'u', clientId: null, branches: ['b1'], stillValid: check });
      const kept = hub.open({ userId: 'v', clientId: null, branches: ['b1'], stillValid: async () => true });
      const [onRevoked, onKept] = [texts(revoked), texts(kept)];
      const page = { after: 'v2.db.-.b1:1', cursor: 'v2.db.-.b1:2', changes: '{"table":"notes","id":"n1","version":2,"record":{"id":"n1"}}' };
      // A logout: the storage forgets its sessions; the first stream's check is slow to answer.
      held = new Promise<void>((r) => (release = r));
      valid = false;
      sessions.sessionGeneration++;
      for (const l of listeners) l();
      hub.committed({ b1: 2 }, 'someone', { b1: page });
      await vi.waitFor(() => expect(onRevoked.join('')).toContain('event: change'));
      expect(onRevoked.join('')).not.toContain('"page"');
      // The other stream is checked (at once) and gets pages again.
      await vi.waitFor(() => {
        hub.committed({ b1: 3 }, 'someone', { b1: { ...page, after: 'v2.db.-.b1:2', cursor: 'v2.db.-.b1:3' } });
        expect(onKept.join('')).toContain('"page"');
      });
      release();
      await vi.waitFor(() => expect(hub.streamCount).toBe(1), { timeout: 1000 });
      expect(onRevoked.join('')).not.toContain('"page"');
    } finally {
      await hub.close();
    }
  });

  it('S49: sends no page while account changes of other processes are not heard (a PostgreSQL bus that is down)', async () => {
    const hub = new LiveHub(localBus());
    hub.watchSessions({ sessionGeneration: 0, sessionsCurrent: false, onSessionsChanged: () => () => undefined });
    try {
      const stream = hub.open({ userId: 'u', clientId: null, branches: ['b1'], stillValid: async () => true });
      const reader = stream.getReader();
      const page = { after: 'v2.db.-.b1:1', cursor: 'v2.db.-.b1:2', changes: '{"table":"notes","id":"n1","version":2,"record":{"id":"n1"}}' };
      hub.committed({ b1: 2 }, 'someone', { b1: page });
      let text = '';
      while (!text.includes('event: change')) text += new TextDecoder().decode((await reader.read()).value);
      expect(text).not.toContain('"page"');
      await reader.cancel();
    } finally {
      await hub.close();
    }
  });

  it('S49: sends no page to a stream once its token has expired, though its next check is a minute away', async () => {
    const staff = await server.login('staff@demo');
    const stream = open(staff, client('staff-tablet').clientId);
    await stream.until(isHello);
    server.advance(TOKEN_TTL_MS - 60_000);
    // A colleague who signs in later: their token outlives the staff's.
    const lead = await server.login('lead@demo');
    const leadDevice = client('lead-device');
    await server.sync(lead, { clientId: leadDevice.clientId, mutations: [leadDevice.m({ changes: { done: '期限内' }, base: { done: '' } })] });
    const first = await stream.until(isChange(DEMO_BRANCH.id));
    expect(first.event).toHaveProperty('page');
    server.advance(60_000);
    await server.sync(lead, { clientId: leadDevice.clientId, mutations: [leadDevice.m({ changes: { done: '期限後' }, base: { done: '期限内' } })] });
    const { event } = await stream.until(isChange(DEMO_BRANCH.id), first.index + 1);
    expect(event).not.toHaveProperty('page');
  }, 30_000);

  it('S49: on SQLite, a stream of a token just logged out gets no page of a colleague’s commit, and ends', async () => {
    const [lead, staff] = await Promise.all([server.login('lead@demo'), server.login('staff@demo')]);
    const stream = open(staff, client('staff-tablet').clientId);
    await stream.until(isHello);
    expect((await server.post('/api/logout', {}, staff)).status).toBe(200);
    const leadDevice = client('lead-device');
    await server.sync(lead, { clientId: leadDevice.clientId, mutations: [leadDevice.m({ changes: { done: 'ログアウト後の編集' }, base: { done: '' } })] });
    await stream.ended;
    expect(stream.events.some((e) => e.type === 'change' && e.page !== undefined)).toBe(false);
  }, 30_000);

  it('drops a stream whose reader has stopped reading, rather than queue for it without end', async () => {
    const hub = new LiveHub(localBus());
    try {
      const branches = Array.from({ length: 50 }, (_, i) => `b1-${'x'.repeat(50)}-${i}`);
      const stalled = hub.open({ userId: 'u', clientId: null, branches: ['b1', ...branches] });
      expect(hub.streamCount).toBe(1);
      for (let i = 0; i < 200 && hub.streamCount > 0; i++) hub.committed(Object.fromEntries(['b1', ...branches].map((b) => [b, 1])), null);
      expect(hub.streamCount).toBe(0);
      await stalled.cancel();
    } finally {
      await hub.close();
    }
  }, 30_000);

  it('ends a stream whose token no longer holds (logout, password change, a role removed) at the next check', async () => {
    const hub = new LiveHub(localBus(), { recheckMs: 10 });
    try {
      let valid = true;
      const stream = hub.open({ userId: 'u', clientId: null, branches: ['b1'], stillValid: async () => valid });
      const kept = hub.open({ userId: 'v', clientId: null, branches: ['b1'], stillValid: async () => true });
      await new Promise((r) => setTimeout(r, 50));
      expect(hub.streamCount).toBe(2);
      valid = false;
      await vi.waitFor(() => expect(hub.streamCount).toBe(1));
      await Promise.all([stream.cancel(), kept.cancel()]);
    } finally {
      await hub.close();
    }
  }, 30_000);

  it('S36: says nothing for a round trip that changed nothing', async () => {
    const [lead, staff] = await Promise.all([server.login('lead@demo'), server.login('staff@demo')]);
    const stream = open(lead, client('lead').clientId);
    await stream.until(isHello);
    await server.sync(staff, { clientId: client('puller').clientId });
    const pusher = client('pusher');
    await server.sync(staff, { clientId: pusher.clientId, mutations: [pusher.m({ changes: { done: '済' }, base: { done: '' } })] });
    await stream.until(isChange(DEMO_BRANCH.id));
    expect(stream.changes()).toHaveLength(1);
  }, 30_000);

  it('S37: needs a token, in the Authorization header', async () => {
    const res = await server.app.request('/api/events');
    expect(res.status).toBe(401);
    const log = open('not-a-token', client('x').clientId);
    const error = await log.ended;
    expect(error).toMatchObject({ status: 401 });
  }, 30_000);
});

describe('presence', () => {
  const at = (itemId: string | null, field: 'done' | 'next' | null = null) => ({ branchId: DEMO_BRANCH.id, planId: DEMO_PLAN_ID, itemId, field });
  const present = (token: string, body: PresenceRequest) => server.post('/api/presence', body, token);

  it('S39: goes to the people of the branch only, and clears when the tab leaves', async () => {
    const [lead, staff, other] = await Promise.all([server.login('lead@demo'), server.login('staff@demo'), server.login('other@test')]);
    const staffStream = open(staff, client('staff').clientId);
    const osaka = open(other, client('osaka').clientId);
    await staffStream.until(isHello);
    await osaka.until(isHello);

    expect((await present(lead, { sessionId: 'lead-tab-1', at: at(ITEM) })).status).toBe(204);
    const opened = await staffStream.until(presenceOf(DEMO_BRANCH.id, (e) => e.length === 1));
    expect(opened.event).toMatchObject({ entries: [{ sessionId: 'lead-tab-1', name: 'デモ リーダー', planId: DEMO_PLAN_ID, itemId: ITEM, field: null }] });

    await present(lead, { sessionId: 'lead-tab-1', at: at(ITEM, 'done') });
    await staffStream.until(
      presenceOf(DEMO_BRANCH.id, (e) => e[0]?.field === 'done'),
      opened.index + 1,
    );

    await present(lead, { sessionId: 'lead-tab-1', at: null });
    await staffStream.until(
      presenceOf(DEMO_BRANCH.id, (e) => e.length === 0),
      opened.index + 1,
    );

    // Osaka heard of its own (empty) branch on opening, and of nothing of the demo branch since.
    await present(other, { sessionId: 'osaka-tab-1', at: { branchId: OTHER_BRANCH, planId: OTHER_PLAN, itemId: OTHER_ITEM, field: null } });
    await osaka.until(presenceOf(OTHER_BRANCH, (e) => e.length === 1));
    expect(osaka.events.filter((e) => e.type === 'presence' && e.branchId === DEMO_BRANCH.id)).toEqual([]);
  }, 30_000);

  it('keeps at most a few tabs of one person, so made-up session ids cannot swell what every stream is sent', async () => {
    const hub = new LiveHub(localBus());
    try {
      const reader = hub.open({ userId: 'watcher', clientId: null, branches: ['b1'] }).getReader();
      const at = { branchId: 'b1', planId: 'p', itemId: 'i', field: null };
      for (let i = 0; i < 50; i++) hub.present({ id: 'flooder', name: '大量' }, `session-${i}`, at);
      const decoder = new TextDecoder();
      let last = '';
      // hello, the first presence, then one presence event per new tab.
      for (let i = 0; i < 52; i++) last = decoder.decode((await reader.read()).value);
      const entries = (JSON.parse(/^data: (.*)$/m.exec(last)![1]!) as { entries: unknown[] }).entries;
      expect(entries).toHaveLength(PRESENCE_SESSIONS_PER_USER);
      await reader.cancel();
    } finally {
      await hub.close();
    }
  });

  it('S39: is refused for a branch the token does not grant, and for a malformed body', async () => {
    const staff = await server.login('staff@demo');
    expect((await present(staff, { sessionId: 'staff-tab-1', at: { branchId: OTHER_BRANCH, planId: OTHER_PLAN, itemId: null, field: null } })).status).toBe(
      403,
    );
    expect((await server.post('/api/presence', { sessionId: 'staff-tab-1', at: at(ITEM), extra: 1 }, staff)).status).toBe(400);
    expect((await server.post('/api/presence', { sessionId: 'staff-tab-1', at: at(ITEM) })).status).toBe(401);
  }, 30_000);

  it('S39: expires when the tab stops repeating it', async () => {
    let clock = 1_000_000;
    const hub = new LiveHub(localBus(), { presenceTtlMs: 8_000, sweepMs: 5 }, () => clock);
    try {
      const log = new EventLog(async () => new Response(hub.open({ userId: 'u-staff', clientId: null, branches: ['b1'] })), 'token', 'staff-device');
      await log.until(isHello);
      hub.present({ id: 'u-lead', name: '佐藤' }, 'lead-tab-1', { branchId: 'b1', planId: 'p', itemId: 'i', field: null });
      const shown = await log.until(presenceOf('b1', (e) => e.length === 1));
      clock += 7_999;
      hub.present({ id: 'u-lead', name: '佐藤' }, 'lead-tab-1', { branchId: 'b1', planId: 'p', itemId: 'i', field: null });
      clock += 7_999;
      // Repeated just in time, the lead is still there when someone else comes.
      hub.present({ id: 'u-2', name: '鈴木' }, 'staff-tab-2', { branchId: 'b1', planId: 'p', itemId: null, field: null });
      await log.until(
        presenceOf('b1', (e) => e.length === 2),
        shown.index + 1,
      );
      clock += 1;
      const gone = await log.until(
        presenceOf('b1', (e) => e.length === 1 && e[0]!.userId === 'u-2'),
        shown.index + 1,
      );
      clock += 8_000;
      await log.until(
        presenceOf('b1', (e) => e.length === 0),
        gone.index + 1,
      );
      log.close();
    } finally {
      await hub.close();
    }
  }, 30_000);
});
