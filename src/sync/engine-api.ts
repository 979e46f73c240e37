// What the UI sees of the sync engine: its status and the few actions a person can take.
// The engine (engine.ts) implements it; screens get it through context and never call fetch.
// What went wrong is a code with its data; the screens put it in words (src/ui/messages.ts).
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

/** Why the last round trip failed. */
export const SYNC_ERROR = {
  /** No network: the browser says it is offline. */
  offline: 'sync.offline',
  /** No answer though the browser says it is online. */
  unreachable: 'sync.unreachable',
  loginExpired: 'sync.login-expired',
  updateRequired: 'sync.update-required',
  forbidden: 'sync.forbidden',
  badRequest: 'sync.bad-request',
  tooLarge: 'sync.too-large',
  busy: 'sync.busy',
  /** A success status with a body that does not follow the protocol. */
  badAnswer: 'sync.bad-answer',
  /** Any other status (with it). */
  server: 'sync.server',
  /** The answer could not be written to this device's database (with the reason, for the log). */
  local: 'sync.local',
} as const;
export type SyncErrorCode = (typeof SYNC_ERROR)[keyof typeof SYNC_ERROR];
export type SyncError =
  | { code: Exclude<SyncErrorCode, typeof SYNC_ERROR.server | typeof SYNC_ERROR.local> }
  | { code: typeof SYNC_ERROR.server; status: number }
  | { code: typeof SYNC_ERROR.local; detail: string };

/** Why a login did not succeed (an outdated app answers SYNC_ERROR.updateRequired). */
export const LOGIN_ERROR = {
  offline: 'login.offline',
  wrongPassword: 'login.wrong-password',
  /** Throttled: with how long the server asks to wait, when it said. */
  tooManyAttempts: 'login.too-many-attempts',
  failed: 'login.failed',
} as const;
export type LoginErrorCode = (typeof LOGIN_ERROR)[keyof typeof LOGIN_ERROR];
export type LoginError =
  | { code: Exclude<LoginErrorCode, typeof LOGIN_ERROR.tooManyAttempts> | typeof SYNC_ERROR.updateRequired }
  | { code: typeof LOGIN_ERROR.tooManyAttempts; waitMs: number | null };

export interface SyncStatus {
  state: SyncState;
  online: boolean;
  /** ISO time of the last successful round trip. */
  lastSyncAt: string | null;
  /** Why the last attempt failed, for the status bar. */
  lastError: SyncError | null;
  session: LoginResponse | null;
}

export type LoginResult = { ok: true } | { ok: false; error: LoginError };

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
