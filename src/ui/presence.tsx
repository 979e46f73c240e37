// Presence on screen: who else has this item open and who is typing in which field (on the item
// screen), a marker on the items someone else has open (on the plan screen), and whether the
// live connection is up (in the status bar). Data comes from the hooks of presence-hooks.ts.
import { useItemPresence, useLiveState } from './data/presence-hooks';
import type { LiveState } from '../sync/engine-api';
import type { PresenceField } from '../model/live-protocol';

export const FIELD_LABELS: Record<PresenceField, string> = { done: '実施状況', next: '今後の実施予定等' };

export function ItemPresence({ itemId }: { itemId: string }) {
  const people = useItemPresence(itemId);
  if (people.length === 0) return null;
  return (
    <section class="presence" aria-label="この項目を開いている人">
      <span class="presence-title">ほかに開いている人:</span>
      <ul class="presence-list">
        {people.map((p) => (
          <li key={p.userId}>
            {p.name}
            {p.typing.length > 0 && <span class="presence-typing">（{p.typing.map((f) => FIELD_LABELS[f]).join('・')}に入力中…）</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** On a plan screen's item row: the others who have it open. */
export function PresenceMarker({ names }: { names: readonly string[] | undefined }) {
  if (!names?.length) return null;
  return <span class="presence-marker">● {names.join('、')}が閲覧中</span>;
}

const LIVE_LABELS: Record<LiveState, string | null> = {
  off: null,
  connecting: 'リアルタイム同期: 接続しています…',
  connected: 'リアルタイム同期: 接続中',
  disconnected: 'リアルタイム同期: 切断（30秒ごとに同期）',
  'other-tab': 'リアルタイム同期: 別のタブで接続',
};

export function LiveBadge() {
  const state = useLiveState();
  const label = state && LIVE_LABELS[state];
  if (!label) return null;
  return (
    <span class={`badge badge-live-${state}`} data-testid="live-state">
      {label}
    </span>
  );
}
