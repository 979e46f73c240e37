// The always-visible status in the header: network, edits waiting to sync, and — with a sync
// engine — the last sync (和暦 and 西暦), what the engine is doing, why the last attempt failed,
// 今すぐ同期, refused changes, and who is signed in (ログアウト). Without an engine (local-only
// use) the device's 記入者 name is shown and editable instead.
import { useEffect, useState } from 'preact/hooks';
import { usePendingCount, useRejectedCount } from '../db/hooks';
import type { PersistenceState } from '../db/persistence';
import type { SyncState } from '../sync/engine-api';
import { ActorName } from './actor-name';
import { bothDateTime } from './date-time';
import { LiveBadge } from './presence';
import { useSyncEngine, useSyncStatus } from './sync-context';

function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    window.addEventListener('online', update);
    window.addEventListener('offline', update);
    return () => {
      window.removeEventListener('online', update);
      window.removeEventListener('offline', update);
    };
  }, []);
  return online;
}

const PERSISTENCE_LABELS: Record<PersistenceState, string> = {
  persisted: '端末に保存（保護済み）',
  'not-persisted': '端末に保存（ブラウザが容量不足時に消す可能性あり）',
  unsupported: '端末に保存',
};

/** What the engine is doing, when it is worth a word (idle says nothing). */
const STATE_LABELS: Record<SyncState, string | null> = {
  'signed-out': '未ログイン',
  idle: null,
  syncing: '同期中…',
  error: 'エラー',
  'needs-login': '要ログイン',
  'update-required': '要更新',
};

export interface StatusBarProps {
  persistence: PersistenceState | null;
  /** Whether the list of refused changes is open, and how to open or close it. */
  rejectedOpen: boolean;
  onToggleRejected: () => void;
}

export function StatusBar({ persistence, rejectedOpen, onToggleRejected }: StatusBarProps) {
  const engine = useSyncEngine();
  const status = useSyncStatus();
  const browserOnline = useOnline();
  const online = status ? status.online : browserOnline;
  const pending = usePendingCount();
  const rejected = useRejectedCount();
  const stateLabel = status && STATE_LABELS[status.state];
  // The reason goes with the state it caused; while a retry runs it is the previous attempt's.
  const retrying = status?.state === 'syncing' || status?.state === 'idle';
  const errorLabel = status?.lastError ? (retrying ? '前回のエラー' : stateLabel) : null;
  const canSync = status?.state === 'idle' || status?.state === 'error' || status?.state === 'syncing';

  async function logout() {
    const count = pending.loading ? 0 : pending.value;
    const kept = count > 0 ? `\n未同期の変更 ${count}件はこの端末に残り、次にログインしたときに送信されます。` : '';
    if (engine && window.confirm(`ログアウトしますか？${kept}`)) await engine.logout();
  }

  return (
    <div class="status-bar" role="status" aria-label="状態">
      <span class={online ? 'badge badge-online' : 'badge badge-offline'}>{online ? 'オンライン' : 'オフライン'}</span>
      <span class="badge" data-testid="pending-count">
        未同期 {pending.loading ? '…' : pending.value}件
      </span>
      {stateLabel && (retrying || !errorLabel) && <span class={`badge badge-sync-${status!.state}`}>{stateLabel}</span>}
      {errorLabel && (
        <span class="status-error">
          <strong>{errorLabel}:</strong> {status!.lastError}
        </span>
      )}
      {status?.session && <LiveBadge />}
      {status && status.state !== 'signed-out' && (
        <span class="status-note" data-testid="last-sync">
          {status.lastSyncAt ? (
            <>
              最終同期 <time dateTime={status.lastSyncAt}>{bothDateTime(status.lastSyncAt)}</time>
            </>
          ) : (
            '未同期（初回同期前）'
          )}
        </span>
      )}
      {canSync && (
        <button type="button" class="header-button" disabled={status.state === 'syncing' || !online} onClick={() => void engine?.syncNow()}>
          今すぐ同期
        </button>
      )}
      {!rejected.loading && rejected.value > 0 && (
        <button type="button" class="header-button header-button-warn" aria-expanded={rejectedOpen} onClick={onToggleRejected}>
          送信できなかった変更 {rejected.value}件
        </button>
      )}
      {persistence && <span class="status-note">{PERSISTENCE_LABELS[persistence]}</span>}
      {status?.session ? (
        <span class="status-user">
          <span>
            <span class="visually-hidden">記入者: </span>
            {status.session.user.name}
          </span>
          <button type="button" class="link-button" onClick={() => void logout()}>
            ログアウト
          </button>
        </span>
      ) : (
        <ActorName />
      )}
    </div>
  );
}
