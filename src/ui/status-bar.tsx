// The always-visible status in the header: one chip (online or offline, edits waiting to sync,
// 要確認 when something needs a person) that opens the details: with a sync engine the last
// sync (和暦 and 西暦), what the engine is doing, why the last attempt failed, 今すぐ同期, refused changes, who is signed in (ログアウト, with 「この端末のデータを消す」 for a
// shared tablet), and the edits earlier people left on this device, which wait for their own
// login (前の利用者（氏名）の未送信 N件, discarded only after a warning). Without an engine
// (local-only use) the device's 記入者 name is shown and editable instead; with one, nobody is
// named before sign-in.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useDb, usePendingCount, useRejectedCount } from './data/hooks';
import { discardPendingOf, eraseThisDevice, type PendingOfAuthor } from '../sync/shared-device';
import { usePendingByAuthor } from './data/pending-hooks';
import type { PersistenceState } from '../db/persistence';
import { SYNC_ERROR, type SyncState } from '../sync/engine-api';
import { ActorName } from './actor-name';
import { problemText } from './messages';
import { dateTimeText } from './date-time';
import { LiveBadge } from './presence';
import { useSaveRegistry } from './save-registry';
import { useSyncEngine, useSyncStatus } from './data/sync-context';

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
  const db = useDb();
  const engine = useSyncEngine();
  const status = useSyncStatus();
  const registry = useSaveRegistry();
  const browserOnline = useOnline();
  const online = status ? status.online : browserOnline;
  const pending = usePendingCount();
  const byAuthor = usePendingByAuthor();
  const rejected = useRejectedCount();
  const [logoutOpen, setLogoutOpen] = useState(false);
  const [detailsOpen, setDetailsOpen] = useState(false);
  const bar = useRef<HTMLDivElement>(null);
  const chip = useRef<HTMLButtonElement>(null);
  // A tap anywhere else, or Escape, closes the details, as a menu does.
  useEffect(() => {
    if (!detailsOpen) return;
    const tap = (e: PointerEvent) => {
      if (!bar.current?.contains(e.target as Node)) setDetailsOpen(false);
    };
    const key = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setDetailsOpen(false);
      chip.current?.focus();
    };
    document.addEventListener('pointerdown', tap);
    document.addEventListener('keydown', key);
    return () => {
      document.removeEventListener('pointerdown', tap);
      document.removeEventListener('keydown', key);
    };
  }, [detailsOpen]);
  const stateLabel = status && STATE_LABELS[status.state];
  // The reason goes with the state it caused; while a retry runs it is the previous attempt's.
  const retrying = status?.state === 'syncing' || status?.state === 'idle';
  const errorLabel = status?.lastError ? (retrying ? '前回のエラー' : stateLabel) : null;
  const canSync = status?.state === 'idle' || status?.state === 'error' || status?.state === 'syncing';
  const me = status?.session?.user.id ?? null;
  // Earlier people's edits wait for their own login; the count beside 未同期 is what this login sends.
  const others =
    me !== null && !byAuthor.loading
      ? byAuthor.value.filter((p): p is PendingOfAuthor & { author: NonNullable<PendingOfAuthor['author']> } => p.author !== null && p.author.id !== me)
      : [];
  const ownCount = pending.loading ? null : pending.value - others.reduce((n, p) => n + p.count, 0);

  async function discard(other: PendingOfAuthor & { author: { id: string; name: string } }) {
    const message = `前の利用者「${other.author.name}」の未送信の変更 ${other.count}件を破棄します。\n破棄した変更は送信されず、元に戻せません（${other.author.name}さんがこの端末で再びログインすれば、破棄しない限り自動で送信されます）。\n破棄しますか？`;
    if (window.confirm(message)) await discardPendingOf(db, other.author.id);
  }

  async function logout(erase: boolean) {
    if (!engine) return;
    if (erase) {
      const unsent = byAuthor.loading ? [] : byAuthor.value;
      const lost = unsent.length > 0 ? `\n次の未送信の変更は送信されずに消えます：\n${unsent.map((p) => `・${authorLabel(p)} ${p.count}件`).join('\n')}` : '';
      if (!window.confirm(`この端末から計画のデータ、未送信の変更、入力途中の内容とログイン情報を消します。${lost}\n消してよろしいですか？`)) return;
    }
    // What is being typed is written first, so a field flushed later never lands after the erase.
    await registry.flushAll();
    await engine.logout();
    if (erase) await eraseThisDevice(db);
    setLogoutOpen(false);
  }

  // What the chip says at a glance; everything else waits behind it, so the header stays one row.
  // No network is not a problem to look at (the chip says オフライン); a sync that fails with one is.
  const failed = status?.state === 'error' && !NO_NETWORK.has(status.lastError?.code ?? '');
  const attention = others.length > 0 || (!rejected.loading && rejected.value > 0) || failed || status?.state === 'update-required';
  const chipState = !online ? 'offline' : attention ? 'attention' : status?.state === 'syncing' ? 'syncing' : 'online';

  return (
    <>
      <div class="status-bar" role="status" aria-label="状態" ref={bar}>
        <button
          ref={chip}
          type="button"
          class={`status-chip status-chip-${chipState}`}
          aria-expanded={detailsOpen}
          aria-controls={DETAILS_ID}
          onClick={() => setDetailsOpen(!detailsOpen)}
        >
          <span class="status-dot" aria-hidden="true" />
          <span class="status-chip-network">{online ? 'オンライン' : 'オフライン'}</span>
          <span class="status-chip-pending" data-testid="pending-count">
            未同期 {ownCount === null ? '…' : ownCount}件
          </span>
          {attention && <span class="status-chip-flag">要確認</span>}
        </button>
        <div id={DETAILS_ID} class="status-details" hidden={!detailsOpen}>
          <h2 class="visually-hidden">同期の状態</h2>
          <ul class="status-lines">
            {status?.session && (
              <li class="status-user">
                <span>
                  <span class="visually-hidden">記入者: </span>
                  {status.session.user.name}
                </span>
                <button type="button" class="link-button" aria-expanded={logoutOpen} onClick={() => setLogoutOpen(!logoutOpen)}>
                  ログアウト
                </button>
              </li>
            )}
            {!engine && (
              <li>
                <ActorName />
              </li>
            )}
            <li>
              <span class={online ? 'badge badge-online' : 'badge badge-offline'}>ネットワーク: {online ? 'オンライン' : 'オフライン'}</span>
              {status?.session && <LiveBadge />}
            </li>
            {others.map((other) => (
              <li key={other.author.id} class="status-others">
                <span class="badge badge-others">
                  前の利用者（{other.author.name}）の未送信 {other.count}件
                </span>
                <button
                  type="button"
                  class="header-button header-button-warn"
                  aria-label={`前の利用者（${other.author.name}）の未送信 ${other.count}件を破棄`}
                  onClick={() => void discard(other)}
                >
                  破棄…
                </button>
              </li>
            ))}
            {(stateLabel || errorLabel) && (
              <li>
                {stateLabel && (retrying || !errorLabel) && <span class={`badge badge-sync-${status!.state}`}>{stateLabel}</span>}
                {errorLabel && (
                  <span class="status-error">
                    <strong>{errorLabel}:</strong> {problemText(status!.lastError!)}
                  </span>
                )}
              </li>
            )}
            {status && status.state !== 'signed-out' && (
              <li class="status-note" data-testid="last-sync">
                {status.lastSyncAt ? (
                  <>
                    最終同期 <time dateTime={status.lastSyncAt}>{dateTimeText(status.lastSyncAt)}</time>
                  </>
                ) : (
                  '未同期（初回同期前）'
                )}
              </li>
            )}
            {persistence && <li class="status-note">{PERSISTENCE_LABELS[persistence]}</li>}
          </ul>
          <div class="status-actions">
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
          </div>
        </div>
      </div>
      {logoutOpen && status?.session && (
        <LogoutPanel unsent={byAuthor.loading ? null : byAuthor.value} onLogout={(erase) => void logout(erase)} onCancel={() => setLogoutOpen(false)} />
      )}
    </>
  );
}

/** Failures that only say the network is not there. */
const NO_NETWORK: ReadonlySet<string> = new Set([SYNC_ERROR.offline, SYNC_ERROR.unreachable]);

/** The details under the chip: one per page, named by the chip's aria-controls. */
const DETAILS_ID = 'status-details';

function authorLabel(p: PendingOfAuthor): string {
  return p.author ? p.author.name : 'ログイン前の入力';
}

/**
 * Signing out: keep the data (the usual: unsent edits go out when their person signs in again)
 * or, on a shared tablet, erase it; what is still unsent is listed per person first.
 */
function LogoutPanel({ unsent, onLogout, onCancel }: { unsent: PendingOfAuthor[] | null; onLogout: (erase: boolean) => void; onCancel: () => void }) {
  return (
    <section class="logout-panel" role="dialog" aria-labelledby="logout-title">
      <h2 id="logout-title">ログアウト</h2>
      {unsent === null ? (
        <p>未送信の変更を確認しています…</p>
      ) : unsent.length > 0 ? (
        <>
          <p>この端末にまだ送信されていない変更があります。</p>
          <ul aria-label="未送信の変更">
            {unsent.map((p) => (
              <li key={p.author?.id ?? ''}>
                {authorLabel(p)}：{p.count}件
              </li>
            ))}
          </ul>
          <p>ログアウトしても未送信の変更はこの端末に残り、入力した人が次にログインしたときに送信されます。</p>
        </>
      ) : (
        <p>未送信の変更はありません。</p>
      )}
      <p>共用の端末では「この端末のデータを消す」を選ぶと、計画のデータとログイン情報がこの端末に残りません。</p>
      <div class="logout-actions">
        <button type="button" onClick={() => onLogout(false)}>
          ログアウト（データは残す）
        </button>
        <button type="button" class="danger" onClick={() => onLogout(true)}>
          この端末のデータを消す
        </button>
        <button type="button" onClick={onCancel}>
          キャンセル
        </button>
      </div>
    </section>
  );
}
