// What the UI sees of the sync engine: its status and the few actions a person can take.
// The engine (engine.ts) implements it; screens get it through context and never call fetch.
import type { PresenceAt, PresenceEntry } from '../model/live-protocol';
import type { LoginResponse, ServerInfo } from '../model/protocol';

export type SyncState =
  /** No session on this device: the login screen is shown. */
  | 'signed-out'
  /** Nothing to do or waiting for the next trigger. */
  | 'idle'
  | 'syncing'
  /** The last attempt failed (network, server); it retries with backoff. */
  | 'error'
  /** The token expired or was revoked: pending edits are kept, a new login is needed. */
  | 'needs-login'
  /** The server speaks a newer protocol: the app must be updated. */
  | 'update-required';

export interface SyncStatus {
  state: SyncState;
  online: boolean;
  /** ISO time of the last successful round trip. */
  lastSyncAt: string | null;
  /** Why the last attempt failed, in Japanese, for the status bar. */
  lastError: string | null;
  session: LoginResponse | null;
}

export type LoginResult = { ok: true } | { ok: false; message: string };

export interface SyncEngineApi {
  getStatus(): SyncStatus;
  subscribe(listener: (status: SyncStatus) => void): () => void;
  /** Logs in (keeping every pending edit of this device) and starts syncing. */
  login(email: string, password: string): Promise<LoginResult>;
  /** Forgets the session on this device; pending edits stay in the outbox. */
  logout(): Promise<void>;
  /** Runs a round trip now (e.g. the 今すぐ同期 button). */
  syncNow(): Promise<void>;
  /** What the server tells the login screen (demo accounts in the embedded default). */
  serverInfo(): Promise<ServerInfo | null>;
  /** The live channel: commit signals and presence. */
  readonly live: LiveApi;
}

/**
 * The live channel as this tab sees it: 'connected' when the server signals commits at once;
 * 'disconnected' while it is down (the periodic pull goes on); 'other-tab' when another tab of
 * this device holds it and has not said how it is; 'off' without a session or a server.
 */
export type LiveState = 'off' | 'connecting' | 'connected' | 'disconnected' | 'other-tab';

/** Commit signals and presence (live-protocol.ts), for the status bar and the presence hooks. */
export interface LiveApi {
  getState(): LiveState;
  subscribe(listener: (state: LiveState) => void): () => void;
  /** Where the other people of this person's branches are (never this person's own tabs). */
  getPresence(): readonly PresenceEntry[];
  subscribePresence(listener: (entries: readonly PresenceEntry[]) => void): () => void;
  /** Where this tab is now (null: on no plan); repeated to the server while it stays. */
  setPresence(at: PresenceAt | null): void;
}
