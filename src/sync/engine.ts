// The client sync engine: pushes the outbox and pulls changes in round trips on POST /api/sync,
// in one tab at a time (Web Lock 'tracker-sync'), when the device comes online, the page becomes
// visible, at once when the live channel (live-client.ts) signals a commit, every 30 s while that
// channel is down (every minute while it is up), at once after a local edit made after a quiet
// spell (then at most every 300 ms while typing), and with exponential backoff after a failure.
// It implements SyncEngineApi for the UI; all state lives in the closure of createSyncEngine,
// and the database work is in round-trip.ts (one transaction per answer).
import { liveQuery } from 'dexie';
import { REJECTED_REASON, type RejectedReason, type TrackerDb } from '../db/database';
import { deriveSigningKey } from './outbox-seal';
import { applyPage, keyLegacyOrders, parsePage, setAside, setAsideUnsealed, type PulledPage } from './round-trip';
import { countOutboxOf, takeOutboxBatch } from './outbox';
import { getClientId, getCursor, getDeviceSecret, getLastSyncAt, getSession, scopeOf, setDeviceSecret, setSession, type SavedCursor } from './session-store';
import { LOGIN_ERROR, SYNC_ERROR, type LiveState, type LoginResult, type SyncEngineApi, type SyncError, type SyncStatus } from './engine-api';
import { broadcastRelay, createLiveClient, type Relay, type StreamPage } from './live-client';
import type { LiveTransport } from './live-transport';
import { API_ERROR, LIMITS, PROTOCOL_VERSION, type LoginResponse, type Mutation, type ServerInfo } from '../model/protocol';
import { TransportError, type Transport } from './transport';

export const SYNC_LOCK = 'tracker-sync';

/**
 * A signal's page (S49), parsed as a pulled page is: stored only on top of the cursor `after`,
 * and only under the session whose token the stream that brought it was opened with.
 */
interface Delivered {
  after: string;
  page: PulledPage;
  versions: Readonly<Record<string, number>>;
  token: string;
}

function deliveredPage({ page, token }: StreamPage, versions: Readonly<Record<string, number>>): Delivered {
  const parsed = parsePage({
    protocolVersion: PROTOCOL_VERSION,
    results: [],
    changes: page.changes,
    cursor: page.cursor,
    hasMore: false,
    reset: false,
    versions: { ...versions },
  });
  return { after: page.after, page: parsed, versions, token };
}

export const SYNC_TIMING = {
  /** Between round trips while online, the live channel is down and nothing else triggers one. */
  periodicMs: 30_000,
  /** The same while the live channel is up: a safety net for a signal lost on the way (a server
   * instance whose LISTEN connection is down keeps its streams open but hears nothing). */
  periodicLiveMs: 60_000,
  /**
   * Between two pushes of local edits at least: an edit after a quiet spell goes out at once (a
   * tap on 評価 reaches colleagues in one round trip), a burst of typing goes out every
   * afterEditMs, and edits made while a request is out go in the next loop of the same run.
   */
  afterEditMs: 300,
  backoffFirstMs: 2_000,
  backoffMaxMs: 5 * 60_000,
  /** Round trips that push in one syncNow() at most; more work continues at the next trigger. */
  maxLoops: 20,
  /**
   * Pages in one syncNow() at most, pages fetched ahead included (a first pull of five years of
   * plans is about 100 pages): more continues at once in the next run.
   */
  maxPages: 1000,
  /** Of one request body, below the server's limit with room for the envelope. */
  requestBytes: Math.floor(LIMITS.requestBytes * 0.75),
} as const;

/** A window and a document, as far as the engine listens to them. */
export interface PageEvents {
  /** Fires 'online' and 'offline' (the window). */
  connection: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
  /** Fires 'visibilitychange' (the document). */
  visibility: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
  isVisible(): boolean;
}

export type TimerHandle = unknown;

export interface SyncEngineDeps {
  db: TrackerDb;
  transport: Transport;
  now?: () => Date;
  /** In [0, 1), for the backoff's jitter. */
  random?: () => number;
  setTimer?: (run: () => void, ms: number) => TimerHandle;
  clearTimer?: (handle: TimerHandle) => void;
  /** navigator.locks; null runs without (one engine still never runs twice at once). */
  locks?: LockManager | null;
  online?: () => boolean;
  /** The page's events; null when there is no page (tests, workers). */
  events?: PageEvents | null;
  /** The live channel's transport; null or absent runs without it (the periodic pull only). */
  live?: LiveTransport | null;
  /** The device's other tabs, for the live state and presence; a BroadcastChannel when absent. */
  relay?: Relay | null;
}

export interface SyncEngine extends SyncEngineApi {
  /** Loads the session and starts listening to the triggers. */
  start(): Promise<void>;
  /** Stops every trigger; a round trip under way finishes. */
  stop(): void;
}

type RunOutcome =
  | { kind: 'done' }
  /** More to do than one call may do: come back soon. */
  | { kind: 'more' }
  | { kind: 'busy' }
  | { kind: 'failed'; retry: boolean };

/** An answer of another protocol version (the app needs an update). */
class ProtocolMismatch extends Error {}

function defaultEvents(): PageEvents | null {
  if (typeof window === 'undefined' || typeof document === 'undefined') return null;
  return { connection: window, visibility: document, isVisible: () => document.visibilityState === 'visible' };
}

export function createSyncEngine(deps: SyncEngineDeps): SyncEngine {
  const { db, transport } = deps;
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const setTimer = deps.setTimer ?? ((run: () => void, ms: number) => setTimeout(run, ms));
  const clearTimer = deps.clearTimer ?? ((h: TimerHandle) => clearTimeout(h as ReturnType<typeof setTimeout>));
  const locks = deps.locks === undefined ? (globalThis.navigator?.locks ?? null) : deps.locks;
  const online = deps.online ?? (() => globalThis.navigator?.onLine ?? true);
  const events = deps.events === undefined ? defaultEvents() : deps.events;

  let status: SyncStatus = { state: 'signed-out', online: online(), lastSyncAt: null, lastError: null, session: null };
  const listeners = new Set<(s: SyncStatus) => void>();
  let started = false;
  let running: Promise<void> | null = null;
  let again = false;
  /**
   * Commit signals heard during the run (S48): the version each of their branches reached, and
   * not yet pulled. Like `again`, but answered by a page that covers them, not by any round trip.
   */
  const awaited = new Map<string, number>();
  /**
   * Every commit signal heard and not yet covered by a stored page, however its run went: a run
   * that ends without one (the pull read by an instance that had not heard of the commit yet, or
   * refused because another tab held the sync lock) tries again shortly, once per signal.
   */
  const unanswered = new Map<string, number>();
  /** Whether the run after the last new signal already tried again for `unanswered`. */
  let retriedUnanswered = false;
  /**
   * The version per branch the last page this engine stored stands for, under the session it
   * pulled for (a new session, another person or after a restore, knows nothing of it).
   */
  let covered: { token: string; versions: Readonly<Record<string, number>> } | null = null;
  let failures = 0;
  /** What the server's last refusal asked us to wait (Retry-After); the backoff is never shorter. */
  let serverWaitMs = 0;
  /**
   * An edit was made during the run: no page is fetched ahead until the next round trip has
   * taken it, so that it is not held back behind the rest of a long pull.
   */
  let pushWanted = false;
  /** When local edits last went out, for afterEditMs. */
  let lastPushAt = Number.NEGATIVE_INFINITY;
  let timer: { handle: TimerHandle; due: number } | null = null;
  let stopWatching: (() => void) | null = null;

  const live = createLiveClient({
    transport: deps.live ?? { events: () => new Promise<void>(() => undefined), presence: async () => undefined },
    clientId: () => getClientId(db),
    pull: (versions, page) => signalled(versions, page),
    changed: (state) => {
      // The channel went down: the periodic pull takes over from now, not from its last due time.
      if (state !== 'connected') schedule(SYNC_TIMING.periodicMs);
    },
    setTimer,
    clearTimer,
    random,
    locks,
    relay: deps.relay === undefined ? (deps.live ? broadcastRelay() : null) : deps.relay,
  });
  const liveWanted = !!deps.live;

  function setStatus(patch: Partial<SyncStatus>): void {
    const next = { ...status, ...patch };
    if ((Object.keys(next) as (keyof SyncStatus)[]).every((k) => next[k] === status[k])) return;
    status = next;
    for (const l of [...listeners]) l(status);
    live.setSession(liveWanted && status.session && !blocked() ? { token: status.session.token, userId: status.session.user.id } : null);
  }

  function periodicMs(state: LiveState = live.getState()): number {
    return state === 'connected' ? SYNC_TIMING.periodicLiveMs : SYNC_TIMING.periodicMs;
  }

  /** States in which no automatic round trip is tried. */
  function blocked(): boolean {
    return status.state === 'signed-out' || status.state === 'needs-login' || status.state === 'update-required';
  }

  function schedule(ms: number): void {
    if (!started) return;
    const due = now().getTime() + ms;
    if (timer && timer.due <= due) return;
    if (timer) clearTimer(timer.handle);
    timer = {
      due,
      handle: setTimer(() => {
        timer = null;
        autoSync();
      }, ms),
    };
  }

  function cancelTimer(): void {
    if (timer) clearTimer(timer.handle);
    timer = null;
  }

  function autoSync(delivered?: Delivered): void {
    if (!started || blocked() || !online()) return;
    void syncNow(delivered);
  }

  /** Whether the device already has every change up to these versions (S48). */
  function has(versions: Readonly<Record<string, number>>): boolean {
    const c = covered;
    if (!c || c.token !== status.session?.token) return false;
    const branches = Object.keys(versions);
    return branches.length > 0 && branches.every((b) => Object.hasOwn(c.versions, b) && c.versions[b]! >= versions[b]!);
  }

  /**
   * A commit signal, or the stream's hello (no versions): a round trip, unless the device has
   * those versions already; during a run, one more loop unless a page of the run covers them.
   * A signal's page (S49) is stored instead of the round trip when it follows the device's cursor.
   */
  function signalled(versions: Readonly<Record<string, number>> | undefined, page?: StreamPage): void {
    if (versions && has(versions)) return;
    if (versions) {
      heard(unanswered, versions);
      retriedUnanswered = false;
    }
    if (versions && running) {
      heard(awaited, versions);
      return;
    }
    autoSync(versions && page ? deliveredPage(page, versions) : undefined);
  }

  /** Adds a signal's versions to those waited for, the highest per branch. */
  function heard(signals: Map<string, number>, versions: Readonly<Record<string, number>>): void {
    for (const [b, v] of Object.entries(versions)) signals.set(b, Math.max(v, signals.get(b) ?? v));
  }

  /** Forgets the signals a stored page covers. */
  function answered(signals: Map<string, number>): void {
    const c = covered;
    if (c) for (const [b, v] of signals) if (Object.hasOwn(c.versions, b) && c.versions[b]! >= v) signals.delete(b);
  }

  function backoffMs(): number {
    const base = Math.min(SYNC_TIMING.backoffFirstMs * 2 ** Math.max(0, failures - 1), SYNC_TIMING.backoffMaxMs);
    // ±20 % so that many devices that lost the server together do not come back in step.
    return Math.round(base * (0.8 + 0.4 * random()));
  }

  /** Maps a failed round trip to a state; true when trying again later may help. */
  function fail(e: unknown): boolean {
    serverWaitMs = e instanceof TransportError ? (e.retryAfterMs ?? 0) : 0;
    if (e instanceof TransportError) {
      if (e.kind === 'network') {
        setStatus({ state: 'error', online: online(), lastError: { code: online() ? SYNC_ERROR.unreachable : SYNC_ERROR.offline } });
        return true;
      }
      if (e.code === API_ERROR.unauthorized || e.code === API_ERROR.tokenExpired || e.status === 401) {
        // The session's user stays in the status, so the login screen can fill it in.
        setStatus({ state: 'needs-login', lastError: { code: SYNC_ERROR.loginExpired } });
        return false;
      }
      if (e.code === API_ERROR.protocolVersion || e.status === 426) {
        setStatus({ state: 'update-required', lastError: { code: SYNC_ERROR.updateRequired } });
        return false;
      }
      const error: SyncError =
        e.status === 403
          ? { code: SYNC_ERROR.forbidden }
          : e.status === 400
            ? { code: SYNC_ERROR.badRequest }
            : e.status === 413
              ? { code: SYNC_ERROR.tooLarge }
              : e.status === 429
                ? { code: SYNC_ERROR.busy }
                : e.code === null && e.status !== null && e.status < 300
                  ? { code: SYNC_ERROR.badAnswer }
                  : { code: SYNC_ERROR.server, status: e.status ?? 0 };
      setStatus({ state: 'error', lastError: error });
      return true;
    }
    console.error('Sync failed', e);
    setStatus({ state: 'error', lastError: { code: SYNC_ERROR.local, detail: e instanceof Error ? e.message : String(e) } });
    return true;
  }

  /** A pull of the next page, asked for before the page it follows is stored (see run()). */
  interface Ahead {
    /** The cursor it was asked with: the cursor of the page before, as it will be stored. */
    after: SavedCursor;
    /** The session it was asked under. */
    session: LoginResponse;
    clientId: string;
    page: Promise<PulledPage>;
  }

  /** Asks for the page after `cursor`, and parses it as it arrives. */
  function pull(clientId: string, cursor: string | null, mutations: Mutation[], token: string): Promise<PulledPage> {
    return transport.sync({ protocolVersion: PROTOCOL_VERSION, clientId, mutations, cursor }, token).then((response) => {
      // An answer of another protocol version is not parsed as ours: run() asks for an update.
      if (response.protocolVersion !== PROTOCOL_VERSION) throw new ProtocolMismatch();
      return parsePage(response);
    });
  }

  /**
   * Round trips until nothing is left to push or pull (or the loop bound). While the server has
   * more, the next page is asked for as soon as a page arrives (its request needs only that
   * page's cursor), so it travels while this page is stored; it is applied only on top of the
   * page it follows (applyPage's `after`), and carries no mutations: edits made meanwhile wait
   * in the outbox, are laid over the pulled records, and go out in the next round trip.
   */
  async function run(delivered?: Delivered): Promise<RunOutcome> {
    if (delivered && (await storeDelivered(delivered))) return { kind: 'done' };
    let ahead: Ahead | null = null;
    let pages = 0;
    for (let loop = 0; loop < SYNC_TIMING.maxLoops && pages < SYNC_TIMING.maxPages; pages++) {
      // A round trip that takes the outbox answers every signal and edit made before it.
      if (!ahead) {
        again = false;
        awaited.clear();
        pushWanted = false;
      }
      // A page fetched ahead is stored under the session it was asked under: applyPage checks
      // that this is still the one signed in (else it stores nothing and the next loop reads it).
      const fetched = ahead;
      ahead = null;
      const session = fetched?.session ?? (await getSession(db));
      if (!session) {
        setStatus({ state: 'signed-out', session: null });
        return { kind: 'done' };
      }
      setStatus({ state: 'syncing' });
      const scope = scopeOf(session);
      let page: PulledPage;
      let sent: Mutation[] = [];
      let startOver = false;
      let after: SavedCursor | undefined;
      let clientId: string;
      try {
        if (fetched) {
          after = fetched.after;
          clientId = fetched.clientId;
          page = await fetched.page;
        } else {
          loop++;
          clientId = await getClientId(db);
          // Only the signed-in person's own entries, and only those sealed with their key (an
          // entry written in the browser's storage in their name is set aside): earlier users'
          // wait for them on this device.
          await keyLegacyOrders(db);
          await setAsideUnsealed(db, session.user.id, now().toISOString());
          sent = await takeOutboxBatch(db, session.user.id, LIMITS.mutationsPerRequest, SYNC_TIMING.requestBytes);
          if (sent.length > 0) lastPushAt = now().getTime();
          const saved = await getCursor(db);
          // Another user or other branches than the cursor was pulled for: pull everything
          // again and drop what was pulled before (it may be of a branch no longer granted).
          startOver = saved !== null && saved.scope !== scope;
          const cursor = startOver ? null : (saved?.cursor ?? null);
          page = await pull(clientId, cursor, sent, session.token);
        }
      } catch (e) {
        if (e instanceof ProtocolMismatch) {
          setStatus({ state: 'update-required', lastError: { code: SYNC_ERROR.updateRequired } });
          return { kind: 'failed', retry: false };
        }
        // A request the server refused because of one mutation: set that one aside and go on.
        if (e instanceof TransportError && e.mutationId && (e.status === 403 || e.status === 400)) {
          const code = e.status === 403 ? REJECTED_REASON.forbidden : REJECTED_REASON.badRequest;
          const reason: RejectedReason = { code, ...(e.message ? { detail: e.message } : {}) };
          if (await setAside(db, e.mutationId, reason, now().toISOString())) continue;
        }
        return { kind: 'failed', retry: fail(e) };
      }
      // The next page travels while this one is stored, unless an edit waits to go out.
      if (page.hasMore && !pushWanted) {
        const next: Ahead = { after: { cursor: page.cursor, scope }, session, clientId, page: pull(clientId, page.cursor, [], session.token) };
        // Its failure is handled where it is awaited (or it is dropped unread).
        next.page.catch(() => undefined);
        ahead = next;
      }
      const at = now().toISOString();
      let settled: number;
      try {
        const outcome = await applyPage(db, sent, startOver ? { ...page, reset: true } : page, { at, scope, userId: session.user.id, after });
        // A page fetched ahead that no longer follows the stored cursor: the next loop asks again.
        if (!outcome.applied) ahead = null;
        else {
          covered = page.versions ? { token: session.token, versions: page.versions } : null;
          answered(awaited);
          answered(unanswered);
        }
        settled = outcome.acknowledged + outcome.rejected;
      } catch (e) {
        return { kind: 'failed', retry: fail(e) };
      }
      failures = 0;
      setStatus({ lastSyncAt: at, lastError: null });
      if (page.hasMore || again || awaited.size > 0) continue;
      const left = await countOutboxOf(db, session.user.id);
      // A signal or an edit that came during that read still needs this run.
      if (again || awaited.size > 0) continue;
      // Entries the server left unanswered wait for the next trigger rather than spin here.
      if (left === 0 || (sent.length > 0 && settled === 0)) return { kind: 'done' };
    }
    return { kind: 'more' };
  }

  /**
   * Stores a signal's page (S49) as a pull of it would, under the sync lock like every run: only
   * on top of the cursor it follows (applyPage's `after`), and only while nothing waits to go out
   * (a round trip would take the outbox and pull the page anyway). True when it was stored and
   * nothing else came meanwhile (an edit, another signal): then no round trip is needed.
   */
  async function storeDelivered(delivered: Delivered): Promise<boolean> {
    const session = await getSession(db);
    // Another person may have signed in since the stream opened (another tab, a shared tablet):
    // what came on the earlier person's token is not theirs to store; their own pull brings it.
    if (!session || session.token !== delivered.token || (await countOutboxOf(db, session.user.id)) > 0) return false;
    // A page is of one branch, for a device of that branch alone (a cursor that names no branch
    // yet looks the same in every one).
    const branches = Object.keys(delivered.versions);
    if (session.branches.length !== 1 || branches.length !== 1 || branches[0] !== session.branches[0]!.id) return false;
    const scope = scopeOf(session);
    const at = now().toISOString();
    const outcome = await applyPage(db, [], delivered.page, { at, scope, userId: session.user.id, after: { cursor: delivered.after, scope } });
    if (!outcome.applied) return false;
    covered = { token: session.token, versions: delivered.versions };
    answered(awaited);
    answered(unanswered);
    setStatus({ lastSyncAt: at, lastError: null });
    return !again && !pushWanted && awaited.size === 0;
  }

  async function runOnce(delivered?: Delivered): Promise<RunOutcome> {
    if (!locks) return run(delivered);
    // Another tab holding the lock is syncing this same database: nothing to do here.
    return locks.request(SYNC_LOCK, { ifAvailable: true }, (lock) => (lock ? run(delivered) : { kind: 'busy' as const }));
  }

  async function runAndSchedule(delivered?: Delivered): Promise<void> {
    let outcome: RunOutcome;
    try {
      outcome = await runOnce(delivered);
    } catch (e) {
      outcome = { kind: 'failed', retry: fail(e) };
    }
    if (outcome.kind === 'failed') {
      cancelTimer();
      if (outcome.retry) {
        failures++;
        schedule(Math.max(backoffMs(), serverWaitMs));
      }
      return;
    }
    if (status.state === 'syncing') setStatus({ state: 'idle' });
    // `again`: a commit signal or an edit arrived after the run's last loop (while the sync
    // lock was being let go): it must not wait for the periodic pull. With another tab holding
    // the lock it is that tab's run; try again once it may be over, not in a tight loop.
    const soon = again || awaited.size > 0;
    again = false;
    awaited.clear();
    if (blocked()) return;
    // A signal this device has not pulled yet is not left to the periodic pull: another tab's run
    // is waited for, and a run whose pull did not have it yet is tried once more, shortly.
    const retry = unanswered.size > 0 && (outcome.kind === 'busy' || (outcome.kind === 'done' && !retriedUnanswered));
    if (outcome.kind === 'done' && unanswered.size > 0) {
      if (retriedUnanswered) unanswered.clear();
      retriedUnanswered = true;
    }
    if (outcome.kind === 'busy') schedule(soon || retry ? SYNC_TIMING.afterEditMs : periodicMs());
    else schedule(outcome.kind === 'more' || soon ? 0 : retry ? SYNC_TIMING.afterEditMs : periodicMs());
  }

  function syncNow(delivered?: Delivered): Promise<void> {
    if (running) {
      // An edit made while a request is out goes in the next loop of this same run.
      again = true;
      return running;
    }
    if (blocked() && status.state !== 'signed-out') return Promise.resolve();
    running = runAndSchedule(delivered).finally(() => {
      running = null;
      // A signal or an edit in the moment between the run's last look and now.
      if ((again || awaited.size > 0) && !blocked()) {
        again = false;
        awaited.clear();
        schedule(0);
      }
    });
    return running;
  }

  function onOnline(): void {
    setStatus({ online: true });
    failures = 0;
    autoSync();
  }

  function onOffline(): void {
    setStatus({ online: false });
  }

  function onVisibility(): void {
    if (events?.isVisible()) autoSync();
  }

  function watchOutbox(): () => void {
    let last: number | null = null;
    const sub = liveQuery(() => db.outbox.count()).subscribe({
      next: (count) => {
        // Only growth is an edit; the engine itself shrinks the outbox.
        if (last !== null && count > last && status.state !== 'error') {
          if (running) {
            again = true;
            pushWanted = true;
          } else if (online() && !blocked()) schedule(Math.max(0, lastPushAt + SYNC_TIMING.afterEditMs - now().getTime()));
        }
        last = count;
      },
      error: (e: unknown) => console.error('Watching the outbox failed', e),
    });
    return () => sub.unsubscribe();
  }

  return {
    getStatus: () => status,

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async start() {
      if (started) return;
      started = true;
      const [session, lastSyncAt] = await Promise.all([getSession(db), getLastSyncAt(db)]);
      setStatus({ state: session ? 'idle' : 'signed-out', session, lastSyncAt, online: online() });
      events?.connection.addEventListener('online', onOnline);
      events?.connection.addEventListener('offline', onOffline);
      events?.visibility.addEventListener('visibilitychange', onVisibility);
      const unwatch = watchOutbox();
      stopWatching = () => {
        unwatch();
        events?.connection.removeEventListener('online', onOnline);
        events?.connection.removeEventListener('offline', onOffline);
        events?.visibility.removeEventListener('visibilitychange', onVisibility);
      };
      if (liveWanted) live.start();
      if (session) schedule(0);
    },

    stop() {
      started = false;
      live.stop();
      cancelTimer();
      stopWatching?.();
      stopWatching = null;
    },

    async login(email, password): Promise<LoginResult> {
      let session: LoginResponse;
      const deviceSecret = await getDeviceSecret(db, email);
      try {
        session = await transport.login({ email, password, ...(deviceSecret !== null ? { deviceSecret } : {}) });
      } catch (e) {
        if (!(e instanceof TransportError)) throw e;
        if (e.kind === 'network') return { ok: false, error: { code: LOGIN_ERROR.offline } };
        if (e.status === 401 || e.status === 400) return { ok: false, error: { code: LOGIN_ERROR.wrongPassword } };
        if (e.status === 429) return { ok: false, error: { code: LOGIN_ERROR.tooManyAttempts, waitMs: e.retryAfterMs } };
        if (e.status === 426) {
          setStatus({ state: 'update-required', lastError: { code: SYNC_ERROR.updateRequired } });
          return { ok: false, error: { code: SYNC_ERROR.updateRequired } };
        }
        return { ok: false, error: { code: LOGIN_ERROR.failed } };
      }
      if (session.deviceSecret !== undefined) await setDeviceSecret(db, session.user.email, session.deviceSecret);
      // The key that seals this person's entries: from the password, so that only they can
      // make it, and the same at their next login (outbox-seal.ts).
      await setSession(db, session, await deriveSigningKey(password, session.user.id));
      failures = 0;
      setStatus({ state: 'idle', session, lastError: null });
      schedule(0);
      return { ok: true };
    },

    async logout() {
      // Best-effort and not awaited: offline, or with a server that does not answer, the device
      // signs out all the same (the token then ends with its expiry).
      const token = (await getSession(db))?.token;
      if (token !== undefined) transport.logout(token).catch(() => undefined);
      await setSession(db, null);
      cancelTimer();
      setStatus({ state: 'signed-out', session: null, lastError: null });
    },

    syncNow: () => syncNow(),

    live: {
      getState: live.getState,
      subscribe: live.subscribe,
      getPresence: live.getPresence,
      subscribePresence: live.subscribePresence,
      setPresence: live.setPresence,
    },

    async serverInfo(): Promise<ServerInfo | null> {
      try {
        return await transport.info();
      } catch (e) {
        if (!(e instanceof TransportError)) throw e;
        return null;
      }
    },
  };
}
