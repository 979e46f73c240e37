// The sync engine on fake-indexeddb against a scripted transport: what it does on every kind of
// failure (401, 426, no network, 403 naming a mutation), its triggers and backoff on injected
// timers, and that one database is never synced by two runs at once.
import 'fake-indexeddb/auto';
import { liveQuery } from 'dexie';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TrackerDb } from '../../../src/db/database';
import { deriveSigningKey, withSeal } from '../../../src/sync/outbox-seal';
import { addNote, saveProgress, storePlanRecords } from '../../../src/sync/edits';
import { getCursor, getDeviceSecret, getSession, setSession } from '../../../src/sync/session-store';
import { parsePlanFile, planFileToRecords } from '../../../src/model/plan-file';
import { progressId } from '../../../src/model/schemas';
import { createSyncEngine, SYNC_TIMING, type PageEvents, type SyncEngine, type SyncEngineDeps } from '../../../src/sync/engine';
import { LOGIN_ERROR, SYNC_ERROR } from '../../../src/sync/engine-api';
import type { SyncState } from '../../../src/sync/engine-api';
import { PROTOCOL_VERSION, type LoginRequest, type LoginResponse, type SyncRequest, type SyncResponse } from '../../../src/model/protocol';
import { TransportError, type Transport } from '../../../src/sync/transport';
import good from '../../fixtures/plan-file-good.json';
import { ManualTimers } from '../manual-timers';

const PLAN = 'plan-1';
const key = { planId: PLAN, itemId: `${PLAN}/p1-2-1`, periodId: '2024-H1' };
const T0 = Date.parse('2024-07-01T09:00:00.000Z');

const session: LoginResponse = {
  token: 'tok-1',
  expiresAt: '2030-01-01T00:00:00Z',
  user: { id: 'u1', email: 'sato@example.jp', name: '佐藤' },
  branches: [{ id: 'tokyo', name: '東京支部', role: 'staff' }],
};

async function freshDb(): Promise<TrackerDb> {
  const db = new TrackerDb(`sync-engine-${crypto.randomUUID()}`);
  const parsed = parsePlanFile(good);
  if (!parsed.ok) throw new Error('fixture does not parse');
  let n = 0;
  await storePlanRecords(db, planFileToRecords(parsed.file, { planId: PLAN, now: '2024-07-01T00:00:00.000Z', author: 'テスト', newId: () => `n${++n}` }), {
    outbox: false,
  });
  return db;
}

type Handler = (req: SyncRequest, token: string) => SyncResponse | Promise<SyncResponse>;

function ack(req: SyncRequest, cursor = 'c1'): SyncResponse {
  return {
    protocolVersion: PROTOCOL_VERSION,
    results: req.mutations.map((m) => ({ mutationId: m.id, status: 'applied' })),
    changes: [],
    cursor,
    hasMore: false,
    reset: false,
  };
}

function stub(handler: Handler = (req) => ack(req)) {
  const requests: { req: SyncRequest; token: string }[] = [];
  const logins: LoginRequest[] = [];
  const logouts: string[] = [];
  const state = { handler, login: async (): Promise<LoginResponse> => session, logout: async (): Promise<void> => undefined };
  const transport: Transport = {
    sync: async (req, token) => {
      requests.push({ req: structuredClone(req), token });
      return state.handler(req, token);
    },
    login: (request) => {
      logins.push(request);
      return state.login();
    },
    logout: (token) => {
      logouts.push(token);
      return state.logout();
    },
    info: async () => ({ protocolVersion: PROTOCOL_VERSION, demo: null }),
  };
  return { requests, logins, logouts, state, transport };
}

const engines: SyncEngine[] = [];

function engine(db: TrackerDb, transport: Transport, extra: Partial<SyncEngineDeps> = {}): { engine: SyncEngine; timers: ManualTimers; states: SyncState[] } {
  const timers = new ManualTimers();
  const e = createSyncEngine({
    db,
    transport,
    now: () => new Date(T0 + timers.now),
    random: () => 0.5,
    setTimer: timers.set,
    clearTimer: timers.clear,
    locks: null,
    online: () => true,
    events: null,
    ...extra,
  });
  const states: SyncState[] = [];
  e.subscribe((s) => {
    if (states.at(-1) !== s.state) states.push(s.state);
  });
  engines.push(e);
  return { engine: e, timers, states };
}

afterEach(() => {
  for (const e of engines.splice(0)) e.stop();
  vi.restoreAllMocks();
});

describe('a round trip', () => {
  it('sends the outbox with the cursor, removes what was acknowledged and reports when', async () => {
    const db = await freshDb();
    await setSession(db, session);
    await saveProgress(db, key, { evaluation: '△' }, 'a');
    const { requests, transport } = stub();
    const { engine: e, states } = engine(db, transport);
    await e.start();
    await e.syncNow();
    expect(requests).toHaveLength(1);
    expect(requests[0]!.token).toBe('tok-1');
    expect(requests[0]!.req).toMatchObject({
      protocolVersion: PROTOCOL_VERSION,
      cursor: null,
      mutations: [{ table: 'progress', changes: { evaluation: '△' } }],
    });
    expect(await db.outbox.count()).toBe(0);
    expect(e.getStatus()).toMatchObject({ state: 'idle', lastError: null, lastSyncAt: new Date(T0).toISOString(), session });
    expect(states).toEqual(['idle', 'syncing', 'idle']);
  });

  it('goes on while the server has more, with the cursor it gave', async () => {
    const db = await freshDb();
    await setSession(db, session);
    const { requests, transport } = stub((req) => (req.cursor === null ? { ...ack(req, 'c1'), hasMore: true } : ack(req, 'c2')));
    const { engine: e } = engine(db, transport);
    await e.syncNow();
    expect(requests.map((r) => r.req.cursor)).toEqual([null, 'c1']);
  });

  it('sends a move waiting from before order keys with keys, sealed, as its author syncs after the update', async () => {
    const db = await freshDb();
    const signingKey = await deriveSigningKey('pw', session.user.id);
    await setSession(db, session, signingKey);
    const author = { id: session.user.id, name: session.user.name };
    const entry = { mutationId: 'm-old', table: 'items' as const, recordId: `${PLAN}/p1-2-1`, planId: PLAN, changes: { order: 1 }, base: { order: 0 } };
    await db.outbox.add(withSeal({ ...entry, create: null, createdAt: 't', author }, signingKey!));
    const { requests, transport } = stub();
    const { engine: e } = engine(db, transport);
    await e.syncNow();
    expect(requests[0]!.req.mutations).toMatchObject([{ id: 'm-old', changes: { order: 'a1' }, base: { order: 'a0' } }]);
    expect(await db.rejected.count()).toBe(0);
  });

  it('does nothing without a session', async () => {
    const db = await freshDb();
    const { requests, transport } = stub();
    const { engine: e } = engine(db, transport);
    await e.start();
    await e.syncNow();
    expect(requests).toHaveLength(0);
    expect(e.getStatus().state).toBe('signed-out');
  });
});

describe('failures', () => {
  it('on 401 keeps every pending edit and the user, and asks for a login', async () => {
    const db = await freshDb();
    // As a login leaves it: the session with the key its password makes (the entry is sealed with it).
    await setSession(db, session, await deriveSigningKey('pw', session.user.id));
    await saveProgress(db, key, { done: '実施した' }, 'a');
    const { requests, state, transport } = stub(() => {
      throw new TransportError('http', 'expired', 401, 'token_expired');
    });
    const { engine: e } = engine(db, transport);
    await e.start();
    await e.syncNow();
    expect(e.getStatus()).toMatchObject({ state: 'needs-login', session, lastError: { code: SYNC_ERROR.loginExpired } });
    expect(await db.outbox.count()).toBe(1);
    expect((await db.progress.get(progressId(key.itemId, key.periodId)))?.done).toBe('実施した');
    await e.syncNow();
    expect(requests).toHaveLength(1);

    state.handler = (req) => ack(req);
    state.login = async () => ({ ...session, token: 'tok-2' });
    expect(await e.login('sato@example.jp', 'pw')).toEqual({ ok: true });
    await e.syncNow();
    expect(requests[1]!.token).toBe('tok-2');
    expect(requests[1]!.req.mutations).toEqual(requests[0]!.req.mutations);
    expect(await db.outbox.count()).toBe(0);
  });

  it('S44: on 426 asks for an update and stops trying', async () => {
    const db = await freshDb();
    await setSession(db, session);
    const { requests, transport } = stub(() => {
      throw new TransportError('http', 'old', 426, 'protocol_version');
    });
    const { engine: e, timers } = engine(db, transport);
    await e.start();
    await e.syncNow();
    expect(e.getStatus()).toMatchObject({ state: 'update-required', lastError: { code: SYNC_ERROR.updateRequired } });
    expect(timers.delays()).toEqual([]);
    await e.syncNow();
    expect(requests).toHaveLength(1);
  });

  it('with no network keeps the entries in flight, backs off doubling, and resets after a success', async () => {
    const db = await freshDb();
    await setSession(db, session);
    await saveProgress(db, key, { done: '実施した' }, 'a');
    const { requests, state, transport } = stub(() => {
      throw new TransportError('network', 'Failed to fetch');
    });
    const { engine: e, timers } = engine(db, transport);
    await e.start();
    timers.advance(0);
    await vi.waitFor(() => expect(e.getStatus().state).toBe('error'));
    expect(e.getStatus().lastError).toEqual({ code: SYNC_ERROR.unreachable });
    expect((await db.outbox.toArray()).map((x) => x.inFlight)).toEqual([true]);
    expect(timers.delays()).toEqual([2000]);
    timers.advance(2000);
    await vi.waitFor(() => expect(requests).toHaveLength(2));
    await vi.waitFor(() => expect(timers.delays()).toEqual([4000]));
    // The next edit goes into a new entry: the one in flight is sent again exactly as it was.
    await saveProgress(db, key, { next: '次は' }, 'a');
    state.handler = (req) => ack(req);
    timers.advance(4000);
    await vi.waitFor(() => expect(e.getStatus().state).toBe('idle'));
    expect(requests[2]!.req.mutations[0]).toEqual(requests[0]!.req.mutations[0]);
    expect(requests[2]!.req.mutations).toHaveLength(2);
    expect(await db.outbox.count()).toBe(0);
    expect(timers.delays()).toEqual([30_000]);
  });

  it('waits at least what Retry-After says after a 503 or 429, and backs off as usual without it', async () => {
    const db = await freshDb();
    await setSession(db, session);
    const { requests, state, transport } = stub(() => {
      throw new TransportError('http', 'busy', 503, 'internal', null, 120_000);
    });
    const { engine: e, timers } = engine(db, transport);
    await e.start();
    timers.advance(0);
    await vi.waitFor(() => expect(e.getStatus().state).toBe('error'));
    expect(timers.delays()).toEqual([120_000]);
    state.handler = () => {
      throw new TransportError('http', 'slow down', 429, 'too_many_attempts', null, 1_000);
    };
    timers.advance(120_000);
    await vi.waitFor(() => expect(requests).toHaveLength(2));
    // Its own backoff is longer here: the longer of the two.
    await vi.waitFor(() => expect(timers.delays()).toEqual([4000]));
    state.handler = () => {
      throw new TransportError('http', 'busy', 503, null, null, null);
    };
    timers.advance(4000);
    await vi.waitFor(() => expect(requests).toHaveLength(3));
    await vi.waitFor(() => expect(timers.delays()).toEqual([8000]));
  });

  it('says it is offline when the device is', async () => {
    const db = await freshDb();
    await setSession(db, session);
    const { transport } = stub(() => {
      throw new TransportError('network', 'Failed to fetch');
    });
    const { engine: e } = engine(db, transport, { online: () => false });
    await e.syncNow();
    expect(e.getStatus()).toMatchObject({ state: 'error', online: false, lastError: { code: SYNC_ERROR.offline } });
  });

  it('S35: sets aside the mutation a 403 names and sends the rest', async () => {
    const db = await freshDb();
    await setSession(db, session);
    await saveProgress(db, key, { evaluation: '△' }, 'a');
    const note = await addNote(db, { planId: PLAN, itemId: key.itemId, date: '2024-06-01', text: '訪問' }, 'a');
    const [forbidden] = await db.outbox.toArray();
    const { requests, transport } = stub((req) => {
      if (req.mutations.some((m) => m.id === forbidden!.mutationId))
        throw new TransportError('http', 'この支部に書き込む権限がありません', 403, 'forbidden', forbidden!.mutationId);
      return ack(req);
    });
    const { engine: e } = engine(db, transport);
    await e.syncNow();
    expect(requests.map((r) => r.req.mutations.length)).toEqual([2, 1]);
    const reason = { code: 'rejected.forbidden', detail: 'この支部に書き込む権限がありません' };
    expect(await db.rejected.toArray()).toEqual([expect.objectContaining({ mutationId: forbidden!.mutationId, reason })]);
    expect((await db.progress.get(progressId(key.itemId, key.periodId)))?.evaluation).toBe('○');
    expect(await db.notes.get(note.id)).toEqual(note);
    expect(e.getStatus().state).toBe('idle');
  });

  it('reports a server error and an unreadable answer, keeping the entries', async () => {
    const db = await freshDb();
    await setSession(db, session);
    await saveProgress(db, key, { evaluation: '△' }, 'a');
    const { state, transport } = stub(() => {
      throw new TransportError('http', 'boom', 500, 'internal');
    });
    const { engine: e } = engine(db, transport);
    await e.syncNow();
    expect(e.getStatus()).toMatchObject({ state: 'error', lastError: { code: SYNC_ERROR.server, status: 500 } });
    state.handler = () => {
      throw new TransportError('http', 'bad body', 200);
    };
    await e.syncNow();
    expect(e.getStatus()).toMatchObject({ state: 'error', lastError: { code: SYNC_ERROR.badAnswer } });
    expect(await db.outbox.count()).toBe(1);
  });
});

describe('one run at a time', () => {
  it('does not sync while another tab holds the lock', async () => {
    const db = await freshDb();
    await setSession(db, session);
    const { requests, transport } = stub();
    const locks = {
      request: async (_name: string, _opts: LockOptions, cb: (lock: Lock | null) => unknown) => cb(null),
      query: async () => ({}),
    } as unknown as LockManager;
    const { engine: e } = engine(db, transport, { locks });
    await e.syncNow();
    expect(requests).toHaveLength(0);
  });

  it('with another tab holding the lock, retries a signal that came meanwhile after a pause, not in a tight loop', async () => {
    const db = await freshDb();
    await setSession(db, session);
    const { transport } = stub();
    let asked = 0;
    let release: () => void = () => {};
    const locks = {
      request: async (_name: string, _opts: LockOptions, cb: (lock: Lock | null) => unknown) => {
        asked++;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return cb(null);
      },
      query: async () => ({}),
    } as unknown as LockManager;
    const { engine: e, timers } = engine(db, transport, { locks });
    await e.start();
    timers.advance(0);
    await vi.waitFor(() => expect(asked).toBe(1));
    const before = asked;
    // A commit signal while the lock is being asked for.
    void e.syncNow();
    release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    timers.advance(0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(asked).toBe(before);
    timers.advance(SYNC_TIMING.afterEditMs);
    await vi.waitFor(() => expect(asked).toBe(before + 1));
  });

  it('runs one round trip at a time, across engines sharing a lock and within one engine', async () => {
    const db = await freshDb();
    await setSession(db, session);
    let inFlight = 0;
    let most = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { requests, transport } = stub(async (req) => {
      most = Math.max(most, ++inFlight);
      await gate;
      inFlight--;
      return ack(req);
    });
    let held = false;
    const locks = {
      request: async (_name: string, opts: LockOptions, cb: (lock: Lock | null) => Promise<unknown>) => {
        if (held && opts.ifAvailable) return cb(null);
        held = true;
        try {
          return await cb({ name: 'tracker-sync', mode: 'exclusive' } as Lock);
        } finally {
          held = false;
        }
      },
    } as unknown as LockManager;
    const a = engine(db, transport, { locks }).engine;
    const b = engine(db, transport, { locks }).engine;
    const runs = [a.syncNow(), a.syncNow(), b.syncNow()];
    await vi.waitFor(() => expect(requests).toHaveLength(1));
    release();
    await Promise.all(runs);
    expect(most).toBe(1);
    // The second call on `a` asked for one more loop of the same run; `b` found the lock taken.
    expect(requests).toHaveLength(2);
  });
});

describe('triggers', () => {
  function pageEvents(visible: { value: boolean }): PageEvents & { connection: EventTarget; visibility: EventTarget } {
    return { connection: new EventTarget(), visibility: new EventTarget(), isVisible: () => visible.value };
  }

  it('syncs when the device comes online and when the page becomes visible', async () => {
    const db = await freshDb();
    await setSession(db, session);
    const visible = { value: false };
    const events = pageEvents(visible);
    const { requests, transport } = stub();
    const { engine: e, timers } = engine(db, transport, { events });
    await e.start();
    timers.advance(0);
    await vi.waitFor(() => expect(requests).toHaveLength(1));
    await vi.waitFor(() => expect(e.getStatus().state).toBe('idle'));
    events.connection.dispatchEvent(new Event('offline'));
    expect(e.getStatus().online).toBe(false);
    events.connection.dispatchEvent(new Event('online'));
    await vi.waitFor(() => expect(requests).toHaveLength(2));
    await vi.waitFor(() => expect(e.getStatus().state).toBe('idle'));
    events.visibility.dispatchEvent(new Event('visibilitychange'));
    visible.value = true;
    events.visibility.dispatchEvent(new Event('visibilitychange'));
    await vi.waitFor(() => expect(requests).toHaveLength(3));
  });

  it('S40: pushes an edit after a quiet spell at once, the next within 300 ms of the last push, and syncs every 30 s', async () => {
    const db = await freshDb();
    await setSession(db, session);
    const { requests, transport } = stub();
    const { engine: e, timers } = engine(db, transport);
    await e.start();
    timers.advance(0);
    await vi.waitFor(() => expect(timers.delays()).toEqual([30_000]));
    await saveProgress(db, key, { evaluation: '－' }, 'a');
    await vi.waitFor(() => expect(timers.delays()).toEqual([0]));
    timers.advance(0);
    await vi.waitFor(() => expect(requests).toHaveLength(2));
    expect(requests[1]!.req.mutations).toHaveLength(1);
    await vi.waitFor(() => expect(timers.delays()).toEqual([30_000]));
    // 100 ms after that push, another edit waits the rest of the 300 ms.
    timers.advance(100);
    await saveProgress(db, key, { evaluation: '○' }, 'a');
    await vi.waitFor(() => expect(timers.delays()).toEqual([200]));
    timers.advance(200);
    await vi.waitFor(() => expect(requests).toHaveLength(3));
    await vi.waitFor(() => expect(timers.delays()).toEqual([30_000]));
    timers.advance(30_000);
    await vi.waitFor(() => expect(requests).toHaveLength(4));
  });

  it('stops every trigger on stop()', async () => {
    const db = await freshDb();
    await setSession(db, session);
    const { transport } = stub();
    const { engine: e, timers } = engine(db, transport);
    await e.start();
    e.stop();
    expect(timers.delays()).toEqual([]);
  });
});

describe('login and logout', () => {
  it('refuses a wrong password and stays signed out', async () => {
    const db = await freshDb();
    const { state, transport } = stub();
    state.login = () => Promise.reject(new TransportError('http', 'bad credentials', 401, 'unauthorized'));
    const { engine: e } = engine(db, transport);
    await e.start();
    expect(await e.login('sato@example.jp', 'wrong')).toEqual({ ok: false, error: { code: LOGIN_ERROR.wrongPassword } });
    expect(e.getStatus().state).toBe('signed-out');
    state.login = () => Promise.reject(new TransportError('network', 'Failed to fetch'));
    expect(await e.login('sato@example.jp', 'pw')).toEqual({ ok: false, error: { code: LOGIN_ERROR.offline } });
  });

  it('stores the session and starts syncing; logout forgets it and keeps the outbox', async () => {
    const db = await freshDb();
    const { requests, transport } = stub();
    const { engine: e, timers } = engine(db, transport);
    await e.start();
    expect(await e.login('sato@example.jp', 'pw')).toEqual({ ok: true });
    expect(await getSession(db)).toEqual(session);
    expect(e.getStatus()).toMatchObject({ state: 'idle', session });
    timers.advance(0);
    await vi.waitFor(() => expect(requests).toHaveLength(1));
    await vi.waitFor(() => expect(e.getStatus().state).toBe('idle'));
    await saveProgress(db, key, { evaluation: '－' }, 'a');
    await e.logout();
    expect(await getSession(db)).toBeNull();
    expect(e.getStatus()).toMatchObject({ state: 'signed-out', session: null });
    expect(await db.outbox.count()).toBe(1);
  });

  it('S28: starts the pull over, dropping what was pulled, when another user logs in on the device', async () => {
    const db = await freshDb();
    await setSession(db, session);
    const { requests, transport, state } = stub();
    const { engine: e } = engine(db, transport);
    await e.start();
    await e.syncNow();
    await saveProgress(db, key, { done: '佐藤の入力' }, '佐藤');
    await e.logout();
    state.login = async () => ({
      ...session,
      token: 'tok-2',
      user: { id: 'u2', email: 'suzuki@example.jp', name: '鈴木' },
      branches: [{ id: 'osaka', name: '大阪支部', role: 'lead' }],
    });
    expect(await e.login('suzuki@example.jp', 'pw')).toEqual({ ok: true });
    await e.syncNow();
    expect(requests.map((r) => r.req.cursor)).toEqual([null, null]);
    // The first user's pending edit stays on the device, unsent; the records pulled for them are gone.
    expect(requests[1]!.req.mutations).toHaveLength(0);
    expect(await db.outbox.count()).toBe(1);
    expect(await db.items.count()).toBe(0);
    await e.syncNow();
    expect(requests[2]!.req.cursor).toBe('c1');
  });

  it('says how long to wait when logins are throttled', async () => {
    const db = await freshDb();
    const { state, transport } = stub();
    const { engine: e } = engine(db, transport);
    await e.start();
    state.login = () => Promise.reject(new TransportError('http', 'slow', 429, 'too_many_attempts', null, 90_000));
    const minutes = await e.login('sato@example.jp', 'pw');
    expect(minutes).toEqual({ ok: false, error: { code: LOGIN_ERROR.tooManyAttempts, waitMs: 90_000 } });
    state.login = () => Promise.reject(new TransportError('http', 'slow', 429, 'too_many_attempts', null, null));
    expect(await e.login('sato@example.jp', 'pw')).toEqual({ ok: false, error: { code: LOGIN_ERROR.tooManyAttempts, waitMs: null } });
  });

  it('sends the device secret of the account with its login, keeps the one answered, also after logout', async () => {
    const db = await freshDb();
    const { logins, state, transport } = stub();
    const { engine: e } = engine(db, transport);
    await e.start();
    const secret = 'S'.repeat(43);
    state.login = async () => ({ ...session, deviceSecret: secret });
    expect(await e.login('Sato@Example.jp', 'pw')).toEqual({ ok: true });
    expect(logins[0]).toEqual({ email: 'Sato@Example.jp', password: 'pw' });
    await e.logout();
    // Another person on the same tablet sends none of it.
    state.login = async () => ({ ...session, user: { id: 'u2', email: 'suzuki@example.jp', name: '鈴木' }, deviceSecret: 'T'.repeat(43) });
    expect(await e.login('suzuki@example.jp', 'pw')).toEqual({ ok: true });
    expect(logins[1]).toEqual({ email: 'suzuki@example.jp', password: 'pw' });
    await e.logout();
    state.login = async () => ({ ...session, deviceSecret: secret });
    expect(await e.login('sato@example.jp', 'pw')).toEqual({ ok: true });
    expect(logins[2]).toEqual({ email: 'sato@example.jp', password: 'pw', deviceSecret: secret });
    expect(await getDeviceSecret(db, 'SATO@example.jp')).toBe(secret);
  });

  it('revokes the token on the server at logout, best-effort: offline or hanging, it still signs out at once', async () => {
    const db = await freshDb();
    const { logouts, state, transport } = stub();
    const { engine: e } = engine(db, transport);
    await e.start();
    await e.login('sato@example.jp', 'pw');
    await e.logout();
    expect(logouts).toEqual(['tok-1']);
    expect(e.getStatus().state).toBe('signed-out');
    for (const failing of [() => Promise.reject(new TransportError('network', 'Failed to fetch')), () => new Promise<void>(() => undefined)]) {
      state.logout = failing;
      await e.login('sato@example.jp', 'pw');
      await e.logout();
      expect(await getSession(db)).toBeNull();
      expect(e.getStatus()).toMatchObject({ state: 'signed-out', session: null });
    }
    expect(logouts).toEqual(['tok-1', 'tok-1', 'tok-1']);
  });

  it('tells the login screen what the server says, or null when it cannot be reached', async () => {
    const db = await freshDb();
    const { transport } = stub();
    const { engine: e } = engine(db, transport);
    expect(await e.serverInfo()).toEqual({ protocolVersion: PROTOCOL_VERSION, demo: null });
    transport.info = () => Promise.reject(new TransportError('network', 'x'));
    expect(await e.serverInfo()).toBeNull();
  });
});

/** Resolves a little after a live count of the outbox first meets `test`. */
function outboxSeen(db: TrackerDb, test: (count: number) => boolean): Promise<void> {
  return new Promise<void>((resolve) => {
    const sub = liveQuery(() => db.outbox.count()).subscribe((n) => {
      if (!test(n)) return;
      setTimeout(() => {
        sub.unsubscribe();
        resolve();
      }, 20);
    });
  });
}

describe('initial sync, the next page fetched ahead', () => {
  const PID = progressId(key.itemId, key.periodId);
  const stampAt = '2024-07-01T10:00:00.000Z';
  /** The progress record of `key` as the server has it at page `n`. */
  const serverProgress = (done: string) => ({
    id: PID,
    planId: PLAN,
    itemId: key.itemId,
    periodId: key.periodId,
    evaluation: '○',
    done,
    next: '',
    updatedAt: stampAt,
    updatedBy: 'サーバー',
  });
  /** A note only page `n` brings, so that what is stored shows which pages are in. */
  const pageNote = (n: number) => ({
    id: `note-page-${n}`,
    planId: PLAN,
    itemId: key.itemId,
    date: '2024-06-01',
    author: 'サーバー',
    text: `page ${n}`,
    createdAt: stampAt,
  });
  /** Pages 1…last: page n answers cursor c(n-1) (null for the first) with cursor cn. */
  function page(req: SyncRequest, n: number, last: number): SyncResponse {
    return {
      ...ack(req, `c${n}`),
      changes: [
        { table: 'progress', id: PID, version: n * 10, record: serverProgress(`page ${n}`) },
        { table: 'notes', id: `note-page-${n}`, version: n * 10 + 1, record: pageNote(n) },
      ],
      hasMore: n < last,
    };
  }
  const pageOf = (req: SyncRequest) => (req.cursor === null ? 1 : Number(req.cursor.slice(1)) + 1);
  const notesIn = async (db: TrackerDb) =>
    (await db.notes.where('itemId').equals(key.itemId).toArray())
      .map((n) => n.id)
      .filter((id) => id.startsWith('note-page-'))
      .sort();

  it('S47: asks for the next page before the one it follows is stored, stores them in order, and moves the cursor with each', async () => {
    const db = await freshDb();
    await setSession(db, session);
    // What the device had stored when each page was asked for.
    const seen: { cursor: string | null; stored: string | null; notes: string[] }[] = [];
    const { requests, transport } = stub(async (req) => {
      // Both read in one transaction, so they agree with each other.
      const [stored, notes] = await db.transaction('r', db.meta, db.notes, () => Promise.all([getCursor(db), notesIn(db)]));
      seen.push({ cursor: req.cursor, stored: stored?.cursor ?? null, notes });
      return page(req, pageOf(req), 4);
    });
    const { engine: e } = engine(db, transport);
    await e.syncNow();
    expect(requests.map((r) => r.req.cursor)).toEqual([null, 'c1', 'c2', 'c3']);
    expect(requests.every((r) => r.req.mutations.length === 0)).toBe(true);
    // Each page after the first went out before the page it follows was stored (never after a
    // page not yet asked for): the stored cursor is at most one page behind, never ahead.
    for (const s of seen.slice(1)) {
      const asked = Number(s.cursor!.slice(1));
      const stored = s.stored === null ? 0 : Number(s.stored.slice(1));
      expect(stored).toBeLessThanOrEqual(asked);
      expect(s.notes).toEqual(Array.from({ length: stored }, (_, i) => `note-page-${i + 1}`));
    }
    expect(seen.some((s) => s.cursor !== null && s.stored !== s.cursor)).toBe(true);
    expect(await getCursor(db)).toMatchObject({ cursor: 'c4' });
    expect(await notesIn(db)).toEqual(['note-page-1', 'note-page-2', 'note-page-3', 'note-page-4']);
    // The later page's version of a record wins: pages were stored in order.
    expect((await db.progress.get(PID))?.done).toBe('page 4');
  });

  it('S47: a page that fails to be stored leaves the cursor on the page before, drops the page fetched ahead, and the next sync goes on from there', async () => {
    const db = await freshDb();
    await setSession(db, session);
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { requests, transport } = stub((req) => page(req, pageOf(req), 4));
    const { engine: e } = engine(db, transport);
    // Page 2's transaction fails midway (its notes are written after its progress).
    const notes = db.table('notes');
    const bulkPut = notes.bulkPut.bind(notes);
    let calls = 0;
    vi.spyOn(notes, 'bulkPut').mockImplementation(((...args: Parameters<typeof bulkPut>) => {
      if (++calls === 2) return Promise.reject(new Error('disk trouble'));
      return bulkPut(...args);
    }) as typeof bulkPut);
    await e.syncNow();
    expect(e.getStatus().state).toBe('error');
    // Page 3 was asked for while page 2 was being stored, and is not in.
    expect(requests.map((r) => r.req.cursor)).toEqual([null, 'c1', 'c2']);
    expect(await getCursor(db)).toMatchObject({ cursor: 'c1' });
    expect(await notesIn(db)).toEqual(['note-page-1']);
    expect((await db.progress.get(PID))?.done).toBe('page 1');

    await e.syncNow();
    expect(requests.map((r) => r.req.cursor).slice(3)).toEqual(['c1', 'c2', 'c3']);
    expect(await getCursor(db)).toMatchObject({ cursor: 'c4' });
    expect(await notesIn(db)).toEqual(['note-page-1', 'note-page-2', 'note-page-3', 'note-page-4']);
    expect(e.getStatus().state).toBe('idle');
  });

  it('S47: a page fetched ahead that does not arrive leaves what was stored, and the next sync asks for it again', async () => {
    const db = await freshDb();
    await setSession(db, session);
    let down = true;
    const { requests, transport } = stub((req) => {
      if (req.cursor === 'c2' && down) throw new TransportError('network', 'connection lost');
      return page(req, pageOf(req), 3);
    });
    const { engine: e } = engine(db, transport);
    await e.syncNow();
    expect(e.getStatus()).toMatchObject({ state: 'error', lastError: { code: SYNC_ERROR.unreachable } });
    expect(await getCursor(db)).toMatchObject({ cursor: 'c2' });
    expect(await notesIn(db)).toEqual(['note-page-1', 'note-page-2']);
    down = false;
    await e.syncNow();
    expect(requests.map((r) => r.req.cursor)).toEqual([null, 'c1', 'c2', 'c2']);
    expect(await getCursor(db)).toMatchObject({ cursor: 'c3' });
    expect(await notesIn(db)).toEqual(['note-page-1', 'note-page-2', 'note-page-3']);
  });

  it('S47: stores nothing of an answer that arrives after the person signed out, fetched ahead or not', async () => {
    const db = await freshDb();
    await setSession(db, session);
    const { requests, transport } = stub(async (req) => {
      // Page 3 is asked for as page 2 arrives, before page 2 is stored.
      if (req.cursor === 'c2') await setSession(db, null);
      return page(req, pageOf(req), 3);
    });
    const { engine: e } = engine(db, transport);
    await e.syncNow();
    expect(requests.map((r) => r.req.cursor)).toEqual([null, 'c1', 'c2']);
    expect(await notesIn(db)).toEqual(['note-page-1']);
    expect(await getCursor(db)).toMatchObject({ cursor: 'c1' });
    expect(e.getStatus().state).toBe('signed-out');
  });

  it('S47: keeps an edit made during the initial sync over the pulled record, and sends it in the next round trip', async () => {
    const db = await freshDb();
    await setSession(db, session);
    const { requests, transport } = stub(async (req) => {
      if (req.mutations.length > 0) {
        // The server applies the edit and sends the record back with it.
        const m = req.mutations[0]!;
        return { ...ack(req, 'c9'), changes: [{ table: 'progress', id: PID, version: 90, record: { ...serverProgress('page 2'), ...m.changes } }] };
      }
      if (req.cursor === 'c1') {
        // The person edits while page 1 is being stored and page 2 travels.
        await saveProgress(db, key, { done: '訪問した（端末で）' }, 'a');
        // Page 2 arrives once the outbox's growth has been seen (as the engine's own watch sees it).
        await outboxSeen(db, (n) => n > 0);
      }
      return page(req, pageOf(req), 6);
    });
    const { engine: e } = engine(db, transport);
    await e.start();
    // The engine watches the outbox from its first count on (growth after it is an edit).
    await outboxSeen(db, () => true);
    await e.syncNow();
    // Fetching ahead stopped at the edit: it went in the round trip after the page in flight.
    expect(requests.map((r) => [r.req.cursor, r.req.mutations.length])).toEqual([
      [null, 0],
      ['c1', 0],
      ['c2', 1],
    ]);
    expect(requests[2]!.req.mutations[0]).toMatchObject({ recordId: PID, changes: { done: '訪問した（端末で）' } });
    expect((await db.progress.get(PID))?.done).toBe('訪問した（端末で）');
    expect(await db.outbox.count()).toBe(0);
  });
});
