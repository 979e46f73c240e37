// A stand-in for the sync engine in UI tests. The screens only see SyncEngineApi, so this small
// fake implements it: the test sets the status (and what login answers), and the fake records
// the actions the screens take. The real engine (src/sync/engine.ts) is tested on its own.
import type { LiveApi, LiveState, LoginResult, SyncEngineApi, SyncStatus } from '../../src/sync/engine-api';
import type { PresenceAt, PresenceEntry } from '../../src/model/live-protocol';
import type { LoginResponse, Role, ServerInfo } from '../../src/model/protocol';

export function session(role: Role = 'lead', branchId = 'branch-tokyo'): LoginResponse {
  return {
    token: 'token',
    expiresAt: '2099-01-01T00:00:00.000Z',
    user: { id: 'u-1', email: `${role}@demo`, name: role === 'staff' ? '鈴木（担当）' : '佐藤（リーダー）' },
    branches: [{ id: branchId, name: '東京支部', role }],
  };
}

/** The live channel of the fake: the test sets its state and who is present; where the screen says it is, is recorded. */
export class FakeLive implements LiveApi {
  private state: LiveState = 'connected';
  private entries: PresenceEntry[] = [];
  private readonly stateListeners = new Set<(s: LiveState) => void>();
  private readonly presenceListeners = new Set<(p: readonly PresenceEntry[]) => void>();
  /** Every setPresence call, in order. */
  readonly reported: (PresenceAt | null)[] = [];

  setState(state: LiveState): void {
    this.state = state;
    for (const l of [...this.stateListeners]) l(state);
  }

  /** Who else is present, as the server would tell it. */
  setEntries(entries: PresenceEntry[]): void {
    this.entries = entries;
    for (const l of [...this.presenceListeners]) l(entries);
  }

  getState(): LiveState {
    return this.state;
  }

  subscribe(listener: (state: LiveState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  getPresence(): readonly PresenceEntry[] {
    return this.entries;
  }

  subscribePresence(listener: (entries: readonly PresenceEntry[]) => void): () => void {
    this.presenceListeners.add(listener);
    return () => this.presenceListeners.delete(listener);
  }

  setPresence(at: PresenceAt | null): void {
    this.reported.push(at);
  }
}

export class FakeSyncEngine implements SyncEngineApi {
  readonly live = new FakeLive();
  private status: SyncStatus;
  private readonly listeners = new Set<(status: SyncStatus) => void>();
  readonly calls = { login: [] as [string, string][], logout: 0, syncNow: 0 };
  /** What the next login answers; on success the fake signs in as a lead. */
  loginResult: LoginResult = { ok: true };
  info: ServerInfo | null = null;

  constructor(status: Partial<SyncStatus> = {}) {
    this.status = { state: 'idle', online: true, lastSyncAt: null, lastError: null, session: session(), ...status };
  }

  /** Changes the status and tells the subscribers, as the engine does. */
  set(patch: Partial<SyncStatus>): void {
    this.status = { ...this.status, ...patch };
    for (const l of this.listeners) l(this.status);
  }

  getStatus(): SyncStatus {
    return this.status;
  }

  subscribe(listener: (status: SyncStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async login(email: string, password: string): Promise<LoginResult> {
    this.calls.login.push([email, password]);
    if (this.loginResult.ok) this.set({ state: 'idle', session: session(), lastError: null });
    return this.loginResult;
  }

  async logout(): Promise<void> {
    this.calls.logout++;
    this.set({ state: 'signed-out', session: null });
  }

  async syncNow(): Promise<void> {
    this.calls.syncNow++;
  }

  async serverInfo(): Promise<ServerInfo | null> {
    return this.info;
  }
}
