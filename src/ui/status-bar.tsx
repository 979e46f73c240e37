import { useEffect, useState } from 'preact/hooks';
import { usePendingCount } from '../db/hooks';
import type { PersistenceState } from '../db/persistence';
import { ActorName } from './actor-name';

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

/** Always visible: network, edits waiting to sync, storage protection, who is writing. */
export function StatusBar({ persistence }: { persistence: PersistenceState | null }) {
  const online = useOnline();
  const pending = usePendingCount();
  return (
    <div class="status-bar" role="status" aria-label="状態">
      <span class={online ? 'badge badge-online' : 'badge badge-offline'}>{online ? 'オンライン' : 'オフライン'}</span>
      <span class="badge" data-testid="pending-count">
        未同期 {pending.loading ? '…' : pending.value}件
      </span>
      {persistence && <span class="status-note">{PERSISTENCE_LABELS[persistence]}</span>}
      <ActorName />
    </div>
  );
}
