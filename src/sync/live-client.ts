// The client side of the live channel (docs/sync-protocol.md, "Live channel"), owned by the sync
// engine: one tab of the device (the holder of the Web Lock LIVE_LOCK) keeps the event stream
// open while there is a session, asks the engine to pull at every commit signal (and once on
// connecting, for what it missed), takes a stream that fell silent for dead and reconnects with
// backoff. It keeps the presence the stream reports and relays it, with its state, to the
// device's other tabs over a BroadcastChannel (presence is never stored). Any tab tells the
// server where it is with small POSTs, repeated while it stays. All state is in the closure.
import type { LiveApi, LiveState } from './engine-api';
import { LIVE_TIMING, type LiveEvent, type LivePage, type PresenceAt, type PresenceEntry } from '../model/live-protocol';
import type { LiveTransport } from './live-transport';
import { TransportError } from './transport';

/** Held for the life of the tab that keeps the event stream. */
export const LIVE_LOCK = 'tracker-live';

export const LIVE_RECONNECT = { firstMs: 1_000, maxMs: 30_000 } as const;

/** What the holder tab tells the others. */
export type RelayMessage = { type: 'state'; state: LiveState; presence: PresenceEntry[] } | { type: 'ask' };

export interface Relay {
  post(message: RelayMessage): void;
  listen(listener: (message: RelayMessage) => void): () => void;
  close(): void;
}

/** A signal's page with the token of the stream it came on (on a shared tablet, maybe an earlier person's). */
export interface StreamPage {
  page: LivePage;
  token: string;
}

export interface LiveClientDeps {
  transport: LiveTransport;
  clientId(): Promise<string>;
  /**
   * Ask the engine for a round trip now; for a commit signal, with the version each of its
   * branches reached (S48), which a device that already has them needs no round trip for, and
   * the commit's page (S49), which a device at the page's `after` stores instead of pulling,
   * with the token of the stream that brought it: stored only while that token is the session's.
   */
  pull(versions?: Readonly<Record<string, number>>, page?: StreamPage): void;
  /** The live state changed (the engine picks its periodic interval by it). */
  changed(state: LiveState): void;
  setTimer(run: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  random(): number;
  locks: LockManager | null;
  /** The other tabs of this device; null when there are none to tell (tests, old browsers). */
  relay: Relay | null;
}

export interface LiveClient extends LiveApi {
  start(): void;
  stop(): void;
  /** The engine's session: a token to connect with, or null to stay off. */
  setSession(session: { token: string; userId: string } | null): void;
}

function newSessionId(): string {
  return globalThis.crypto.randomUUID();
}

export function broadcastRelay(): Relay | null {
  if (typeof BroadcastChannel === 'undefined') return null;
  const channel = new BroadcastChannel('tracker-live');
  return {
    post: (m) => channel.postMessage(m),
    listen(listener) {
      const on = (e: MessageEvent) => listener(e.data as RelayMessage);
      channel.addEventListener('message', on);
      return () => channel.removeEventListener('message', on);
    },
    close: () => channel.close(),
  };
}

export function createLiveClient(deps: LiveClientDeps): LiveClient {
  const { transport } = deps;
  const stateListeners = new Set<(s: LiveState) => void>();
  const presenceListeners = new Set<(p: readonly PresenceEntry[]) => void>();
  const sessionId = newSessionId();
  let state: LiveState = 'off';
  let started = false;
  let holder = false;
  let session: { token: string; userId: string } | null = null;
  /** Presence by branch, as the stream (or the holder tab) last said. */
  let byBranch = new Map<string, PresenceEntry[]>();
  /** Presence relayed by the holder tab, when this tab is not it. */
  let relayed: PresenceEntry[] = [];
  let connection: AbortController | null = null;
  let failures = 0;
  let retry: unknown = null;
  let silence: unknown = null;
  let releaseLock: (() => void) | null = null;
  let lockRequest: AbortController | null = null;
  let unlisten: (() => void) | null = null;
  let here: PresenceAt | null = null;
  let repeat: unknown = null;

  function setState(next: LiveState): void {
    if (next === state) return;
    state = next;
    for (const l of [...stateListeners]) l(state);
    deps.changed(state);
    tellOthers();
  }

  function presence(): PresenceEntry[] {
    const all = holder ? [...byBranch.values()].flat() : relayed;
    return session ? all.filter((e) => e.userId !== session!.userId) : [];
  }

  function presenceChanged(): void {
    const now = presence();
    for (const l of [...presenceListeners]) l(now);
    tellOthers();
  }

  function tellOthers(): void {
    if (holder) deps.relay?.post({ type: 'state', state, presence: [...byBranch.values()].flat() });
  }

  function hear(message: RelayMessage): void {
    if (message.type === 'ask') tellOthers();
    else if (!holder) {
      relayed = message.presence;
      setState(message.state);
      presenceChanged();
    }
  }

  function clearTimers(): void {
    if (retry !== null) deps.clearTimer(retry);
    if (silence !== null) deps.clearTimer(silence);
    retry = silence = null;
  }

  function disconnect(): void {
    clearTimers();
    connection?.abort();
    connection = null;
  }

  function watch(): void {
    if (silence !== null) deps.clearTimer(silence);
    silence = deps.setTimer(() => {
      silence = null;
      // Nothing heard, not even a heartbeat: the connection is gone without telling.
      connection?.abort();
    }, LIVE_TIMING.silenceMs);
  }

  function onEvent(event: LiveEvent, attempt: AbortController, token: string): void {
    if (connection !== attempt) return;
    watch();
    if (event.type === 'hello') {
      failures = 0;
      setState('connected');
      // Signals sent while the stream was down are lost: one pull covers them.
      deps.pull();
    } else if (event.type === 'change') deps.pull(event.versions, event.page && { page: event.page, token });
    else if (event.type === 'presence') {
      byBranch.set(event.branchId, event.entries);
      presenceChanged();
    }
  }

  function connect(): void {
    if (!started || !holder || !session || connection) return;
    const attempt = new AbortController();
    connection = attempt;
    const token = session.token;
    if (state !== 'disconnected') setState('connecting');
    watch();
    void deps
      .clientId()
      .then((clientId) => transport.events(token, clientId, (e) => onEvent(e, attempt, token), attempt.signal))
      .then(
        () => ended(attempt, null),
        (e: unknown) => ended(attempt, e),
      );
  }

  function ended(attempt: AbortController, error: unknown): void {
    if (connection !== attempt) return;
    connection = null;
    clearTimers();
    if (byBranch.size) {
      // What the stream said is no longer known to be true.
      byBranch = new Map();
      presenceChanged();
    }
    setState('disconnected');
    if (error instanceof TransportError && (error.status === 401 || error.status === 403)) {
      // The token is refused: the engine's next round trip finds out and asks for a login.
      deps.pull();
      return;
    }
    failures++;
    const base = Math.min(LIVE_RECONNECT.firstMs * 2 ** (failures - 1), LIVE_RECONNECT.maxMs);
    retry = deps.setTimer(
      () => {
        retry = null;
        connect();
      },
      Math.round(base * (0.8 + 0.4 * deps.random())),
    );
  }

  function becomeHolder(): void {
    holder = true;
    relayed = [];
    if (session) connect();
    else setState('off');
  }

  function sendPresence(): void {
    const token = session?.token;
    if (!token) return;
    transport.presence({ sessionId, at: here }, token).catch(() => {
      // Presence is a courtesy: a lost one is sent again with the next repeat.
    });
  }

  function scheduleRepeat(): void {
    if (repeat !== null) deps.clearTimer(repeat);
    repeat = null;
    if (here === null || !started) return;
    repeat = deps.setTimer(() => {
      repeat = null;
      sendPresence();
      scheduleRepeat();
    }, LIVE_TIMING.presenceRepeatMs);
  }

  return {
    getState: () => state,
    subscribe(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    getPresence: presence,
    subscribePresence(listener) {
      presenceListeners.add(listener);
      return () => presenceListeners.delete(listener);
    },

    setPresence(at) {
      const same = JSON.stringify(at) === JSON.stringify(here);
      if (same) return;
      // Leaving says so once; being somewhere is repeated until the tab leaves.
      if (here === null && at === null) return;
      here = at;
      sendPresence();
      scheduleRepeat();
    },

    start() {
      if (started) return;
      started = true;
      if (deps.relay) {
        unlisten = deps.relay.listen(hear);
        deps.relay.post({ type: 'ask' });
      }
      if (!deps.locks) {
        becomeHolder();
        return;
      }
      if (state === 'off' && session) setState('other-tab');
      lockRequest = new AbortController();
      deps.locks
        .request(LIVE_LOCK, { signal: lockRequest.signal }, () => {
          if (!started) return undefined;
          becomeHolder();
          return new Promise<void>((release) => (releaseLock = release));
        })
        .catch(() => {
          // Aborted on stop(): this tab never became the holder.
        });
    },

    stop() {
      started = false;
      disconnect();
      if (repeat !== null) deps.clearTimer(repeat);
      repeat = null;
      if (here !== null) {
        here = null;
        sendPresence();
      }
      lockRequest?.abort();
      releaseLock?.();
      releaseLock = null;
      holder = false;
      unlisten?.();
      unlisten = null;
      setState('off');
    },

    setSession(next) {
      if (next?.token === session?.token && next?.userId === session?.userId) return;
      session = next;
      disconnect();
      byBranch = new Map();
      failures = 0;
      presenceChanged();
      if (!session) {
        here = null;
        if (repeat !== null) deps.clearTimer(repeat);
        repeat = null;
        setState('off');
        return;
      }
      if (holder) connect();
      else if (started) setState('other-tab');
    },
  };
}
