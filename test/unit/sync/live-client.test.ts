// The engine with the live channel (src/sync/live-client.ts), on fake timers and a fake event
// stream: a commit signal makes it pull at once; while the stream is up the periodic pull is
// only a safety net, and when it drops (or falls silent) the 30-second pull takes over and the
// stream is opened again with backoff; only the tab holding the live lock keeps a stream; a
// tab's presence is sent and repeated, and the presence of others is what the stream said.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TrackerDb } from '../../../src/db/database';
import { getCursor, META, scopeOf, setSession } from '../../../src/sync/session-store';
import { saveProgress } from '../../../src/sync/edits';
import { createSyncEngine, SYNC_LOCK, SYNC_TIMING, type SyncEngine } from '../../../src/sync/engine';
import { LIVE_LOCK } from '../../../src/sync/live-client';
import { LIVE_TIMING, type LiveEvent, type PresenceEntry, type PresenceRequest } from '../../../src/model/live-protocol';
import type { LiveTransport } from '../../../src/sync/live-transport';
import { PROTOCOL_VERSION, type LoginResponse, type SyncRequest } from '../../../src/model/protocol';
import { TransportError, type Transport } from '../../../src/sync/transport';
import { ManualTimers } from '../manual-timers';

const session: LoginResponse = {
  token: 'tok-1',
  expiresAt: '2030-01-01T00:00:00Z',
  user: { id: 'u1', email: 'sato@example.jp', name: '佐藤' },
  branches: [{ id: 'tokyo', name: '東京支部', role: 'staff' }],
};

interface FakeStream {
  token: string;
  send(event: LiveEvent): void;
  /** Ends the stream: with an error, as a dropped connection does. */
  drop(error?: Error): void;
  aborted(): boolean;
}

/** The server's side of the live channel, as far as one device sees it. */
class FakeLiveServer implements LiveTransport {
  readonly streams: FakeStream[] = [];
  readonly presences: PresenceRequest[] = [];
  events(token: string, _clientId: string, onEvent: (e: LiveEvent) => void, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      signal.addEventListener('abort', () => reject(new TransportError('network', 'aborted')));
      this.streams.push({ token, send: onEvent, drop: (e) => (e ? reject(e) : resolve()), aborted: () => signal.aborted });
    });
  }
  async presence(request: PresenceRequest): Promise<void> {
    this.presences.push(structuredClone(request));
  }
  get last(): FakeStream {
    return this.streams.at(-1)!;
  }
}

/** A LockManager of one origin, as far as the engine uses it. */
class FakeLocks {
  private readonly held = new Set<string>();
  private readonly waiting = new Map<string, (() => void)[]>();
  async request(name: string, a: LockOptions | ((l: Lock | null) => unknown), b?: (l: Lock | null) => unknown): Promise<unknown> {
    const options = typeof a === 'function' ? {} : a;
    const callback = (typeof a === 'function' ? a : b)!;
    if (this.held.has(name)) {
      if (options.ifAvailable) return callback(null);
      await new Promise<void>((resolve, reject) => {
        const queue = this.waiting.get(name) ?? [];
        this.waiting.set(name, queue);
        queue.push(resolve);
        options.signal?.addEventListener('abort', () => {
          queue.splice(queue.indexOf(resolve), 1);
          reject(new DOMException('aborted', 'AbortError'));
        });
      });
    }
    this.held.add(name);
    try {
      return await callback({ name, mode: 'exclusive' } as Lock);
    } finally {
      this.held.delete(name);
      this.waiting.get(name)?.shift()?.();
    }
  }
  isHeld(name: string): boolean {
    return this.held.has(name);
  }
}

const engines: SyncEngine[] = [];
afterEach(() => {
  for (const e of engines.splice(0)) e.stop();
});

/** What the fake server answers besides its defaults: the versions its cursor stands for (S48), or a held answer. */
type Answer = { versions?: Record<string, number>; held?: Promise<void> };

async function setup(options: { locks?: FakeLocks; timers?: ManualTimers; db?: TrackerDb; answer?: () => Answer } = {}) {
  const db = options.db ?? new TrackerDb(`live-sync-${crypto.randomUUID()}`);
  await setSession(db, session);
  const requests: SyncRequest[] = [];
  const tokens: string[] = [];
  let login = session;
  const transport: Transport = {
    sync: async (req, token) => {
      requests.push(req);
      tokens.push(token);
      const answer = options.answer?.() ?? {};
      await answer.held;
      return {
        protocolVersion: PROTOCOL_VERSION,
        results: req.mutations.map((m) => ({ mutationId: m.id, status: 'applied' })),
        changes: [],
        cursor: 'c1',
        hasMore: false,
        reset: false,
        ...(answer.versions ? { versions: answer.versions } : {}),
      };
    },
    login: async () => login,
    logout: async () => undefined,
    info: async () => ({ protocolVersion: PROTOCOL_VERSION, demo: null }),
  };
  const server = new FakeLiveServer();
  const timers = options.timers ?? new ManualTimers();
  const engine = createSyncEngine({
    db,
    transport,
    live: server,
    relay: null,
    now: () => new Date(timers.now),
    random: () => 0.5,
    setTimer: timers.set,
    clearTimer: timers.clear,
    locks: (options.locks ?? null) as LockManager | null,
    online: () => true,
    events: null,
  });
  engines.push(engine);
  await engine.start();
  return { db, engine, server, timers, requests, tokens, loginAs: (next: LoginResponse) => (login = next) };
}

/** Starts and connects: the first round trip done, the stream open and said hello. */
async function connected(options: Parameters<typeof setup>[0] = {}) {
  const s = await setup(options);
  s.timers.advance(0);
  await vi.waitFor(() => expect(s.requests).toHaveLength(1));
  await vi.waitFor(() => expect(s.server.streams).toHaveLength(1));
  s.server.last.send({ type: 'hello', branches: ['tokyo'] });
  await vi.waitFor(() => expect(s.requests).toHaveLength(2));
  await vi.waitFor(() => expect(s.engine.getStatus().state).toBe('idle'));
  return s;
}

describe('commit signals', () => {
  it('S36, S40: open the stream with the session token and pull at once on each signal', async () => {
    const { engine, server, requests } = await connected();
    expect(server.last.token).toBe('tok-1');
    expect(engine.live.getState()).toBe('connected');
    server.last.send({ type: 'change', branches: ['tokyo'] });
    await vi.waitFor(() => expect(requests).toHaveLength(3));
    server.last.send({ type: 'change', branches: ['tokyo'] });
    await vi.waitFor(() => expect(requests).toHaveLength(4));
  });

  it('S40: pull at once on a signal that comes as a round trip is ending, not a minute later', async () => {
    const { engine, server, requests, timers } = await connected();
    let signalled = false;
    // The moment the run is over but the engine is still finishing it (the sync lock being let go).
    engine.subscribe((status) => {
      if (status.state !== 'idle' || signalled) return;
      signalled = true;
      server.last.send({ type: 'change', branches: ['tokyo'] });
    });
    server.last.send({ type: 'change', branches: ['tokyo'] });
    await vi.waitFor(() => expect(signalled).toBe(true));
    timers.advance(0);
    await vi.waitFor(() => expect(requests).toHaveLength(4));
  });
});

describe('S48: signals the device already has', () => {
  /** Lets the test hold the next answers back, and set the versions they say. */
  function answers(versions: Record<string, number>) {
    const state = { versions, hold: null as { release(): void; promise: Promise<void> } | null };
    return {
      state,
      answer: (): Answer => ({ versions: { ...state.versions }, ...(state.hold ? { held: state.hold.promise } : {}) }),
      hold() {
        let release!: () => void;
        const promise = new Promise<void>((r) => (release = r));
        state.hold = { release, promise };
        return () => {
          state.hold = null;
          release();
        };
      },
    };
  }
  /** Lets every pending promise and timer of 0 ms run, so that a round trip that was going to start has. */
  async function settle(timers: ManualTimers) {
    for (let i = 0; i < 5; i++) {
      timers.advance(0);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  it('runs no round trip for a signal at or below the versions its last answer covered, and one above them', async () => {
    const a = answers({ tokyo: 5 });
    const { server, requests, timers, engine } = await connected({ answer: a.answer });
    server.last.send({ type: 'change', branches: ['tokyo'], versions: { tokyo: 5 } });
    server.last.send({ type: 'change', branches: ['tokyo'], versions: { tokyo: 3 } });
    await settle(timers);
    expect(requests).toHaveLength(2);
    a.state.versions = { tokyo: 6 };
    server.last.send({ type: 'change', branches: ['tokyo'], versions: { tokyo: 6 } });
    await vi.waitFor(() => expect(requests).toHaveLength(3));
    await vi.waitFor(() => expect(engine.getStatus().state).toBe('idle'));
    // Without versions (a server before S48), a signal is pulled as always.
    server.last.send({ type: 'change', branches: ['tokyo'] });
    await vi.waitFor(() => expect(requests).toHaveLength(4));
  });

  it('during a run: no follow-up for a signal the run pulled, one for a signal it did not', async () => {
    const a = answers({ tokyo: 5 });
    const { server, requests, timers, engine } = await connected({ answer: a.answer });
    // A colleague's commit reached version 7; the device's round trip is out meanwhile, and its answer has it.
    let release = a.hold();
    a.state.versions = { tokyo: 7 };
    server.last.send({ type: 'change', branches: ['tokyo'], versions: { tokyo: 6 } });
    await vi.waitFor(() => expect(requests).toHaveLength(3));
    server.last.send({ type: 'change', branches: ['tokyo'], versions: { tokyo: 7 } });
    release();
    await settle(timers);
    await vi.waitFor(() => expect(engine.getStatus().state).toBe('idle'));
    expect(requests).toHaveLength(3);

    // Version 9 committed after the pull was read: the answer (8) does not have it, so the run goes on.
    release = a.hold();
    a.state.versions = { tokyo: 8 };
    server.last.send({ type: 'change', branches: ['tokyo'], versions: { tokyo: 8 } });
    await vi.waitFor(() => expect(requests).toHaveLength(4));
    server.last.send({ type: 'change', branches: ['tokyo'], versions: { tokyo: 9 } });
    a.state.versions = { tokyo: 9 };
    release();
    await vi.waitFor(() => expect(requests).toHaveLength(5));
    await settle(timers);
    await vi.waitFor(() => expect(engine.getStatus().state).toBe('idle'));
    expect(requests).toHaveLength(5);
  });

  it('a signal at the moment a run ends is pulled at once, though its version is only awaited', async () => {
    const a = answers({ tokyo: 5 });
    const { engine, server, requests, timers } = await connected({ answer: a.answer });
    let signalled = false;
    engine.subscribe((status) => {
      if (status.state !== 'idle' || signalled) return;
      signalled = true;
      server.last.send({ type: 'change', branches: ['tokyo'], versions: { tokyo: 7 } });
    });
    a.state.versions = { tokyo: 6 };
    server.last.send({ type: 'change', branches: ['tokyo'], versions: { tokyo: 6 } });
    await vi.waitFor(() => expect(signalled).toBe(true));
    a.state.versions = { tokyo: 7 };
    timers.advance(0);
    await vi.waitFor(() => expect(requests).toHaveLength(4));
  });

  it('a signal heard while another tab holds the sync lock is pulled once it is free, not at the periodic pull', async () => {
    const locks = new FakeLocks();
    const a = answers({ tokyo: 5 });
    const { server, requests, timers } = await connected({ locks, answer: a.answer });
    let release!: () => void;
    const otherTab = locks.request(SYNC_LOCK, () => new Promise<void>((r) => (release = r)));
    server.last.send({ type: 'change', branches: ['tokyo'], versions: { tokyo: 6 } });
    await settle(timers);
    timers.advance(SYNC_TIMING.afterEditMs);
    await settle(timers);
    expect(requests).toHaveLength(2);
    release();
    await otherTab;
    a.state.versions = { tokyo: 6 };
    timers.advance(SYNC_TIMING.afterEditMs);
    await vi.waitFor(() => expect(requests).toHaveLength(3));
  });

  it('a run whose answer lacks the signalled version (an instance that had not heard of it yet) tries once more, shortly', async () => {
    const a = answers({ tokyo: 5 });
    const { server, requests, timers, engine } = await connected({ answer: a.answer });
    server.last.send({ type: 'change', branches: ['tokyo'], versions: { tokyo: 6 } });
    await vi.waitFor(() => expect(requests).toHaveLength(3));
    await vi.waitFor(() => expect(engine.getStatus().state).toBe('idle'));
    timers.advance(SYNC_TIMING.afterEditMs);
    await vi.waitFor(() => expect(requests).toHaveLength(4));
    // Once: a version no answer reaches (a counter that moved without a record) is left to the next signal.
    await vi.waitFor(() => expect(engine.getStatus().state).toBe('idle'));
    timers.advance(SYNC_TIMING.afterEditMs);
    await settle(timers);
    expect(requests).toHaveLength(4);
  });

  it('a signal of a branch the answer does not name, or heard under another session, is pulled', async () => {
    const a = answers({ tokyo: 5 });
    const { server, requests, engine, loginAs } = await connected({ answer: a.answer });
    server.last.send({ type: 'change', branches: ['osaka'], versions: { osaka: 1 } });
    await vi.waitFor(() => expect(requests).toHaveLength(3));
    await vi.waitFor(() => expect(engine.getStatus().state).toBe('idle'));
    // Another person signs in on the device: what the first one's answers covered counts for nothing.
    await engine.logout();
    loginAs({ ...session, token: 'tok-2', user: { id: 'u2', email: 'suzuki@example.jp', name: '鈴木' } });
    expect(await engine.login('suzuki@example.jp', 'pw')).toEqual({ ok: true });
    await vi.waitFor(() => expect(server.streams.filter((s) => s.token === 'tok-2')).toHaveLength(1));
    const before = requests.length;
    server.last.send({ type: 'change', branches: ['tokyo'], versions: { tokyo: 5 } });
    await vi.waitFor(() => expect(requests.length).toBeGreaterThan(before));
  });
});

describe('a dropped channel', () => {
  it('S40: falls back to the 30-second pull and reconnects with backoff', async () => {
    const { engine, server, timers, requests } = await connected();
    // While the stream is up, the pull after the old 30-s timer waits the long safety interval.
    timers.advance(SYNC_TIMING.periodicMs);
    await vi.waitFor(() => expect(requests).toHaveLength(3));
    await vi.waitFor(() => expect(engine.getStatus().state).toBe('idle'));
    server.last.send({ type: 'heartbeat' });

    server.last.drop(new TransportError('network', 'connection reset'));
    await vi.waitFor(() => expect(engine.live.getState()).toBe('disconnected'));
    // The reconnect after about a second opens a stream that never says hello (server down).
    timers.advance(LIVE_TIMING.presenceRepeatMs);
    await vi.waitFor(() => expect(server.streams).toHaveLength(2));
    timers.advance(SYNC_TIMING.periodicMs - LIVE_TIMING.presenceRepeatMs - 1);
    expect(requests).toHaveLength(3);
    timers.advance(1);
    await vi.waitFor(() => expect(requests).toHaveLength(4));
    expect(engine.live.getState()).toBe('disconnected');

    // Back: the stream says hello, the engine pulls what it missed.
    server.last.send({ type: 'hello', branches: ['tokyo'] });
    await vi.waitFor(() => expect(requests).toHaveLength(5));
    expect(engine.live.getState()).toBe('connected');
  });

  it('S38: is noticed when nothing, not even a heartbeat, comes for silenceMs', async () => {
    const { engine, server, timers } = await connected();
    timers.advance(LIVE_TIMING.silenceMs - 1);
    expect(server.last.aborted()).toBe(false);
    timers.advance(1);
    expect(server.streams[0]!.aborted()).toBe(true);
    await vi.waitFor(() => expect(engine.live.getState()).toBe('disconnected'));
    timers.advance(2_000);
    await vi.waitFor(() => expect(server.streams).toHaveLength(2));
  });

  it('S40: waits longer after each failed reconnect', async () => {
    const { server, timers } = await connected();
    server.last.drop(new TransportError('network', 'reset'));
    const opened: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      const before = server.streams.length;
      const start = timers.now;
      while (server.streams.length === before) {
        timers.advance(100);
        // Opening waits for the client id from IndexedDB.
        await new Promise((r) => setTimeout(r, 5));
      }
      opened.push(timers.now - start);
      server.last.drop(new TransportError('network', 'refused'));
      await new Promise((r) => setTimeout(r, 0));
    }
    // In whole seconds: the stream opens on the step of the clock after its timer.
    expect(opened.map((ms) => Math.floor(ms / 1000))).toEqual([1, 2, 4, 8]);
  });
});

describe('one tab keeps the stream', () => {
  it('S40: is the holder of the live lock; when it stops, another tab takes over', async () => {
    const locks = new FakeLocks();
    const db = new TrackerDb(`live-sync-${crypto.randomUUID()}`);
    const first = await setup({ locks, db });
    await vi.waitFor(() => expect(first.server.streams).toHaveLength(1));
    const second = await setup({ locks, db });
    expect(second.engine.live.getState()).toBe('other-tab');
    await new Promise((r) => setTimeout(r, 20));
    expect(second.server.streams).toHaveLength(0);
    expect(locks.isHeld(LIVE_LOCK)).toBe(true);

    first.engine.stop();
    await vi.waitFor(() => expect(second.server.streams).toHaveLength(1));
    expect(first.server.last.aborted()).toBe(true);
  });
});

describe('presence', () => {
  const at = { branchId: 'tokyo', planId: 'p1', itemId: 'p1/i1', field: null };

  it('S39: says where the tab is, repeats it while it stays, and says once that it left', async () => {
    const { engine, server, timers } = await connected();
    engine.live.setPresence(at);
    engine.live.setPresence(at);
    expect(server.presences).toEqual([{ sessionId: expect.any(String), at }]);
    timers.advance(LIVE_TIMING.presenceRepeatMs);
    expect(server.presences).toHaveLength(2);
    engine.live.setPresence({ ...at, field: 'done' });
    expect(server.presences.at(-1)!.at).toEqual({ ...at, field: 'done' });
    engine.live.setPresence(null);
    const count = server.presences.length;
    expect(server.presences.at(-1)!.at).toBeNull();
    timers.advance(LIVE_TIMING.presenceRepeatMs * 3);
    expect(server.presences).toHaveLength(count);
    expect(LIVE_TIMING.presenceRepeatMs).toBeLessThan(LIVE_TIMING.presenceTtlMs);
  });

  it('shows others as the stream says, never the person themself, and nothing once the stream drops', async () => {
    const { engine, server } = await connected();
    const seen: (readonly PresenceEntry[])[] = [];
    engine.live.subscribePresence((p) => seen.push(p));
    const other: PresenceEntry = { sessionId: 'tab-of-suzuki', userId: 'u2', name: '鈴木', planId: 'p1', itemId: 'p1/i1', field: 'next' };
    const self: PresenceEntry = { sessionId: 'my-other-tab', userId: 'u1', name: '佐藤', planId: 'p1', itemId: 'p1/i1', field: null };
    server.last.send({ type: 'presence', branchId: 'tokyo', entries: [other, self] });
    expect(engine.live.getPresence()).toEqual([other]);
    server.last.drop(new TransportError('network', 'reset'));
    await vi.waitFor(() => expect(engine.live.getPresence()).toEqual([]));
    expect(seen.at(-1)).toEqual([]);
  });
});

describe('S49: a signal’s page instead of a round trip', () => {
  const note = (text: string) => ({
    id: 'note-s49',
    planId: 'plan-1',
    itemId: 'plan-1/p1-2-1',
    date: '2024-06-01',
    author: '同僚',
    text,
    createdAt: '2024-07-01T10:00:00.000Z',
  });
  const change = (text: string, version: number) => ({ table: 'notes' as const, id: 'note-s49', version, record: note(text) });
  async function settle(timers: ManualTimers) {
    for (let i = 0; i < 5; i++) {
      timers.advance(0);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  it('stores a page that follows its cursor, with no round trip; a page that does not follow it is pulled', async () => {
    const { db, server, requests, timers, engine } = await connected({ answer: () => ({ versions: { tokyo: 5 } }) });
    server.last.send({ type: 'change', branches: ['tokyo'], versions: { tokyo: 6 }, page: { after: 'c1', cursor: 'c6', changes: [change('同僚のメモ', 6)] } });
    await vi.waitFor(async () => expect((await db.notes.get('note-s49'))?.text).toBe('同僚のメモ'));
    await settle(timers);
    expect(requests).toHaveLength(2);
    expect((await getCursor(db))?.cursor).toBe('c6');
    // The page's versions are the device's now: a signal at them needs nothing.
    server.last.send({ type: 'change', branches: ['tokyo'], versions: { tokyo: 6 } });
    await settle(timers);
    expect(requests).toHaveLength(2);
    // A page after a cursor the device is not at (it missed a commit): stored nowhere, pulled.
    server.last.send({ type: 'change', branches: ['tokyo'], versions: { tokyo: 8 }, page: { after: 'c7', cursor: 'c8', changes: [change('飛ばした先', 8)] } });
    await vi.waitFor(() => expect(requests).toHaveLength(3));
    await vi.waitFor(() => expect(engine.getStatus().state).toBe('idle'));
    expect((await db.notes.get('note-s49'))?.text).toBe('同僚のメモ');
    // A page of a branch this session does not have (another tab's stream of an earlier session): pulled, never stored.
    const cursor = (await getCursor(db))!.cursor;
    server.last.send({
      type: 'change',
      branches: ['osaka'],
      versions: { osaka: 1 },
      page: { after: cursor, cursor: 'o1', changes: [change('大阪のメモ', 1)] },
    });
    await vi.waitFor(() => expect(requests).toHaveLength(4));
    await vi.waitFor(() => expect(engine.getStatus().state).toBe('idle'));
    expect((await db.notes.get('note-s49'))?.text).toBe('同僚のメモ');
  });

  it('with an edit waiting to go out, makes the round trip, which takes the edit and pulls the change', async () => {
    const { db, server, requests, timers } = await connected({ answer: () => ({ versions: { tokyo: 5 } }) });
    // Saved, and not sent yet: its own round trip waits for the edit delay.
    await saveProgress(db, { planId: 'plan-1', itemId: 'plan-1/p1-2-1', periodId: '2024-H1' }, { done: '入力中' }, 'a');
    server.last.send({ type: 'change', branches: ['tokyo'], versions: { tokyo: 6 }, page: { after: 'c1', cursor: 'c6', changes: [change('同僚のメモ', 6)] } });
    await vi.waitFor(() => expect(requests.length).toBeGreaterThanOrEqual(3));
    await settle(timers);
    expect(requests[2]!.mutations).toHaveLength(1);
    expect(await db.notes.get('note-s49')).toBeUndefined();
  });

  it('never stores under the next person’s session a page that came on the previous person’s stream', async () => {
    // A shared tablet: this tab holds 佐藤's stream; 佐藤 signed out in another tab (the logout
    // call never reached the server, so the stream lives on), and 鈴木 of the same branch signed
    // in there and pulled to the same cursor.
    const { db, server, requests, tokens, timers, engine } = await connected({ answer: () => ({ versions: { tokyo: 5 } }) });
    const suzuki: LoginResponse = { ...session, token: 'tok-suzuki', user: { id: 'u2', email: 'suzuki@example.jp', name: '鈴木' } };
    await setSession(db, null);
    await setSession(db, suzuki);
    await db.meta.put({ key: META.cursor, value: { cursor: 'c1', scope: scopeOf(suzuki) } });
    expect(server.last.token).toBe('tok-1');
    server.last.send({
      type: 'change',
      branches: ['tokyo'],
      versions: { tokyo: 6 },
      page: { after: 'c1', cursor: 'c6', changes: [change('佐藤の接続で届いた', 6)] },
    });
    // 鈴木's own round trip, with 鈴木's token, brings the change instead.
    await vi.waitFor(() => expect(requests).toHaveLength(3));
    await settle(timers);
    await vi.waitFor(() => expect(engine.getStatus().state).toBe('idle'));
    expect(await db.notes.get('note-s49')).toBeUndefined();
    expect(tokens[2]).toBe('tok-suzuki');
    expect((await getCursor(db))?.cursor).toBe('c1');
  });
});
