// The live channel's server side (docs/sync-protocol.md, "Live channel"): the open event streams
// of this instance, each with the branches its token grants, and the presence of every person
// of those branches (kept in memory only, forgotten LIVE_TIMING.presenceTtlMs after the tab last
// said where it is). It hears commits and presence updates from the bus (its own instance's and,
// on PostgreSQL, every other's) and writes them to the streams of the branches concerned, with
// this instance's commits' pages to streams of one branch whose token is known to hold (S49); a
// heartbeat comment goes to every stream every LIVE_TIMING.heartbeatMs.
import { LIVE_TIMING, type PresenceAt, type PresenceEntry } from '../../model/live-protocol';
import type { SignalPage } from '../sync';
import type { BusMessage, LiveBus } from './bus';

export interface LiveTiming {
  heartbeatMs: number;
  presenceTtlMs: number;
  /** How often expired presence is looked for. */
  sweepMs: number;
  /** How often each stream's token is checked again (a revoked token or a removed role ends it). */
  recheckMs: number;
}

export interface StreamOwner {
  userId: string;
  /** The device's sync clientId (X-Client-Id), so its own commits are not signalled back to it. */
  clientId: string | null;
  branches: readonly string[];
  /** Whether the stream's token still grants every one of its branches (rejects when that cannot be told); absent: always. */
  stillValid?: () => Promise<boolean>;
  /** The sessions' generation (watchSessions) read before the token was checked to open the stream. */
  validGeneration?: number;
  /** Whether the stream's token has expired: no page after that, though the stream lasts until its next check; absent: never. */
  expired?: () => boolean;
}

interface Stream extends StreamOwner {
  controller: ReadableStreamDefaultController<Uint8Array>;
  /** The sessions' generation at which the token was last found to hold: pages go only to a stream checked at the current one. */
  validGeneration: number;
}

/** The storage's sessions, as the hub watches them (Storage.sessionGeneration, onSessionsChanged). */
export interface SessionWatch {
  readonly sessionGeneration: number;
  readonly sessionsCurrent: boolean;
  onSessionsChanged(listener: () => void): () => void;
}

interface Presence {
  branchId: string;
  entry: PresenceEntry;
  expiresAt: number;
}

/** A stream that has not read this much of what was written to it is dropped (the client reconnects). */
const MAX_UNREAD_BYTES = 256 * 1024;
/**
 * Tabs one person may be present with at once (a newer one replaces their oldest): presence is
 * sent whole to every stream of the branch, so one account making up session ids must not be
 * able to grow it without end and choke everyone's stream.
 */
export const PRESENCE_SESSIONS_PER_USER = 8;

/** Streams whose tokens are checked together in a recheck. */
const RECHECK_AT_ONCE = 32;
/** After a check that could not be made (the database down), the next is tried this soon. */
const RECHECK_RETRY_MS = 5_000;

const encoder = new TextEncoder();
const HEARTBEAT = encoder.encode(': hb\n\n');

function sse(event: string, data: unknown): Uint8Array {
  return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** A change event with its page (S49): the page's changes are joined as they are (JSON elements), not parsed and encoded again. */
function changeWithPage(branches: string[], versions: Record<string, number>, page: SignalPage): Uint8Array {
  const head = `{"branches":${JSON.stringify(branches)},"versions":${JSON.stringify(versions)},"page":{"after":${JSON.stringify(page.after)},"cursor":${JSON.stringify(page.cursor)},"changes":[`;
  return encoder.encode(`event: change\ndata: ${head}${page.changes}]}}\n\n`);
}

export class LiveHub {
  private readonly byBranch = new Map<string, Set<Stream>>();
  private readonly presence = new Map<string, Presence>();
  private readonly timers: ReturnType<typeof setInterval>[];
  private readonly unsubscribe: () => void;
  private readonly timing: LiveTiming;
  private rechecking: Promise<void> | null = null;
  private sessions: SessionWatch | null = null;
  private unwatchSessions: () => void = () => undefined;
  private recheckWanted = false;

  constructor(
    readonly bus: LiveBus,
    timing: Partial<LiveTiming> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.timing = { heartbeatMs: LIVE_TIMING.heartbeatMs, presenceTtlMs: LIVE_TIMING.presenceTtlMs, sweepMs: 1_000, recheckMs: 60_000, ...timing };
    this.unsubscribe = bus.subscribe((m) => this.hear(m));
    this.timers = [
      setInterval(() => this.heartbeat(), this.timing.heartbeatMs),
      setInterval(() => this.sweep(), this.timing.sweepMs),
      setInterval(() => void this.recheck(), this.timing.recheckMs),
    ];
    for (const t of this.timers) t.unref?.();
  }

  /** Open streams on this instance. */
  get streamCount(): number {
    const streams = new Set<Stream>();
    for (const set of this.byBranch.values()) for (const s of set) streams.add(s);
    return streams.size;
  }

  /** A new event stream for this owner: `hello`, then the presence of each of its branches. */
  open(owner: StreamOwner): ReadableStream<Uint8Array> {
    let stream: Stream | null = null;
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          stream = { ...owner, controller, validGeneration: owner.validGeneration ?? this.sessionGeneration };
          // Sessions changed while its token was being checked: checked again, after the change.
          if (stream.validGeneration !== this.sessionGeneration) queueMicrotask(() => void this.recheck());
          for (const b of owner.branches) {
            let set = this.byBranch.get(b);
            if (!set) {
              set = new Set();
              this.byBranch.set(b, set);
            }
            set.add(stream);
          }
          controller.enqueue(sse('hello', { branches: owner.branches }));
          for (const b of owner.branches) controller.enqueue(sse('presence', { branchId: b, entries: this.entriesOf(b) }));
        },
        cancel: () => {
          if (stream) this.remove(stream);
        },
        // Counted in bytes, so that write() can tell how much a slow reader has left unread.
      },
      new ByteLengthQueuingStrategy({ highWaterMark: 0 }),
    );
  }

  /** Whether another process's account change would reach the sessions at once (true until watchSessions). */
  private get sessionsCurrent(): boolean {
    return this.sessions?.sessionsCurrent ?? true;
  }

  /** The sessions' generation now (0 until watchSessions). */
  get sessionGeneration(): number {
    return this.sessions?.sessionGeneration ?? 0;
  }

  /**
   * Streams carry records (S49): whenever the storage forgets its cached sessions (an account
   * changed here, or heard from another process, or seen by SQLite), no page goes to a stream
   * until its token is checked again, and every stream is checked at once; one whose token no
   * longer holds (logged out, a password changed, a role removed) is ended.
   */
  watchSessions(sessions: SessionWatch): void {
    this.unwatchSessions();
    this.sessions = sessions;
    // In a microtask: the storage has forgotten its sessions before it tells, and no page waits on a timer.
    this.unwatchSessions = sessions.onSessionsChanged(() => queueMicrotask(() => void this.recheck()));
  }

  /** The sync route calls this after a commit that changed these branches, with the version each reached and the pages of its changes (S49). */
  committed(versions: Readonly<Record<string, number>>, clientId: string | null, pages: Readonly<Record<string, SignalPage>> = {}): void {
    const branches = Object.keys(versions);
    if (branches.length) this.bus.publish({ kind: 'change', branches, versions: { ...versions }, clientId, pages: { ...pages } });
  }

  /** A tab says where it is (null: it left). The caller has checked that the branch is granted. */
  present(user: { id: string; name: string }, sessionId: string, at: PresenceAt | null): void {
    this.bus.publish({ kind: 'presence', userId: user.id, name: user.name, sessionId, at });
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.unsubscribe();
    this.unwatchSessions();
    for (const set of this.byBranch.values()) for (const s of set) this.end(s);
    this.byBranch.clear();
    this.presence.clear();
  }

  private hear(m: BusMessage): void {
    if (m.kind === 'change') {
      // Each stream hears of its own branches only (S37), with the version each reached (S48);
      // streams of the same branches share one encoding.
      const encoded = new Map<string, Uint8Array>();
      const sent = new Set<Stream>();
      for (const b of m.branches) {
        for (const s of this.byBranch.get(b) ?? []) {
          // A device learns of its own commit from the sync answer itself.
          if (sent.has(s) || (m.clientId !== null && s.clientId === m.clientId)) continue;
          sent.add(s);
          const branches = m.branches.filter((x) => s.branches.includes(x));
          // A stream of one branch gets the commit's page of it (S49): its device's cursor names that branch alone.
          const page =
            m.pages &&
            Object.hasOwn(m.pages, b) &&
            s.branches.length === 1 &&
            s.validGeneration === this.sessionGeneration &&
            this.sessionsCurrent &&
            !s.expired?.()
              ? m.pages[b]
              : undefined;
          const key = `${branches.join('\u0000')}\u0001${page ? 'page' : ''}`;
          let data = encoded.get(key);
          if (!data) {
            const versions = m.versions && Object.fromEntries(branches.filter((x) => Object.hasOwn(m.versions!, x)).map((x) => [x, m.versions![x]!]));
            const exact = versions && Object.keys(versions).length === branches.length;
            data = exact && page ? changeWithPage(branches, versions, page) : sse('change', exact ? { branches, versions } : { branches });
            encoded.set(key, data);
          }
          this.write(s, data);
        }
      }
      return;
    }
    // The storage's business (app.ts), which tells the hub when it forgot its sessions (watchSessions).
    if (m.kind === 'accounts') return;
    const key = `${m.userId}\u0000${m.sessionId}`;
    const before = this.presence.get(key);
    const touched = new Set<string>();
    if (before) touched.add(before.branchId);
    if (m.at === null) this.presence.delete(key);
    else {
      if (!before) this.makeRoomFor(m.userId, touched);
      const entry: PresenceEntry = { sessionId: m.sessionId, userId: m.userId, name: m.name, planId: m.at.planId, itemId: m.at.itemId, field: m.at.field };
      this.presence.set(key, { branchId: m.at.branchId, entry, expiresAt: this.now() + this.timing.presenceTtlMs });
      // A repeat of the same place only extends its life; nobody needs telling.
      if (before && before.branchId === m.at.branchId && samePlace(before.entry, entry)) return;
      touched.add(m.at.branchId);
    }
    for (const b of touched) this.broadcastPresence(b);
  }

  /** Forgets the person's oldest presence when they already have the most a person may. */
  private makeRoomFor(userId: string, touched: Set<string>): void {
    const own = [...this.presence].filter(([, p]) => p.entry.userId === userId).sort(([, a], [, b]) => a.expiresAt - b.expiresAt);
    for (const [key, p] of own.slice(0, Math.max(0, own.length - PRESENCE_SESSIONS_PER_USER + 1))) {
      this.presence.delete(key);
      touched.add(p.branchId);
    }
  }

  /** Checks every stream's token, once more after the check under way when asked during it. */
  private recheck(): Promise<void> {
    if (this.rechecking) {
      this.recheckWanted = true;
      return this.rechecking;
    }
    this.rechecking = (async () => {
      do {
        this.recheckWanted = false;
        await this.endInvalid();
      } while (this.recheckWanted);
    })().finally(() => {
      this.rechecking = null;
    });
    return this.rechecking;
  }

  /** Ends every stream whose token no longer holds (revoked, expired, a role removed); the client reconnects or signs in again. */
  private async endInvalid(): Promise<void> {
    const streams = new Set<Stream>();
    for (const set of this.byBranch.values()) for (const s of set) streams.add(s);
    const all = [...streams];
    let failed = false;
    // A few at a time: thousands of streams are checked in about the time of a few reads.
    for (let i = 0; i < all.length; i += RECHECK_AT_ONCE)
      await Promise.all(
        all.slice(i, i + RECHECK_AT_ONCE).map(async (s) => {
          const generation = this.sessionGeneration;
          // A check that failed (the database down) ends nothing, and confirms nothing either.
          const valid = s.stillValid ? await s.stillValid().catch(() => undefined) : true;
          failed ||= valid === undefined;
          if (valid === true) s.validGeneration = generation;
          if (valid !== false) return;
          this.end(s);
          this.remove(s);
        }),
      );
    // Streams left unconfirmed get no pages: they are not left so until the periodic check.
    if (failed) setTimeout(() => void this.recheck(), RECHECK_RETRY_MS).unref?.();
  }

  private entriesOf(branchId: string): PresenceEntry[] {
    const out: PresenceEntry[] = [];
    for (const p of this.presence.values()) if (p.branchId === branchId) out.push(p.entry);
    return out;
  }

  private broadcastPresence(branchId: string): void {
    const streams = this.byBranch.get(branchId);
    if (!streams?.size) return;
    const data = sse('presence', { branchId, entries: this.entriesOf(branchId) });
    for (const s of streams) this.write(s, data);
  }

  private sweep(): void {
    const at = this.now();
    const touched = new Set<string>();
    for (const [key, p] of this.presence) {
      if (p.expiresAt > at) continue;
      this.presence.delete(key);
      touched.add(p.branchId);
    }
    for (const b of touched) this.broadcastPresence(b);
  }

  private heartbeat(): void {
    const sent = new Set<Stream>();
    for (const set of this.byBranch.values()) {
      for (const s of set) {
        if (sent.has(s)) continue;
        sent.add(s);
        this.write(s, HEARTBEAT);
      }
    }
  }

  private write(s: Stream, data: Uint8Array): void {
    if ((s.controller.desiredSize ?? 0) < -MAX_UNREAD_BYTES) {
      this.end(s);
      this.remove(s);
      return;
    }
    try {
      s.controller.enqueue(data);
    } catch {
      this.remove(s);
    }
  }

  private end(s: Stream): void {
    try {
      s.controller.close();
    } catch {
      // Already closed or cancelled by the client.
    }
  }

  private remove(s: Stream): void {
    for (const b of s.branches) {
      const set = this.byBranch.get(b);
      set?.delete(s);
      if (set?.size === 0) this.byBranch.delete(b);
    }
  }
}

function samePlace(a: PresenceEntry, b: PresenceEntry): boolean {
  return a.planId === b.planId && a.itemId === b.itemId && a.field === b.field && a.name === b.name;
}
