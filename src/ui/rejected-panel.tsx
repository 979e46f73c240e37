// The changes the server refused (no permission, a record that no longer exists …), opened from
// the status bar: what each was about, why it was refused and when, and a way to clear an entry
// once the person has read it. Nothing here resends: a refused change needs a person's action.
import { useDb, useRejected, type RejectedView } from './data/hooks';
import { dismissRejected } from '../db/repository';
import { excerpt, fieldLabel, isShownField, shortValue, TABLE_LABELS } from './change-text';
import { dateTimeText } from './date-time';
import { Link } from './link';
import { rejectedReasonText } from './messages';
import { paths } from './router';

export function RejectedPanel({ onClose }: { onClose: () => void }) {
  const rejected = useRejected();
  return (
    <section class="page rejected-panel" aria-labelledby="rejected-heading">
      <div class="panel-head">
        <h2 id="rejected-heading">送信できなかった変更</h2>
        <button type="button" onClick={onClose}>
          閉じる
        </button>
      </div>
      <p class="hint">
        サーバーが受け付けなかった変更です。ほかの端末には届いていません。必要なら権限のある人に依頼するか、内容を確かめて入力し直してください。
      </p>
      {rejected.loading ? (
        <p>読み込み中…</p>
      ) : rejected.value.length === 0 ? (
        <p>送信できなかった変更はありません。</p>
      ) : (
        <ul class="rejected-list" aria-label="送信できなかった変更の一覧">
          {rejected.value.map((view) => (
            <RejectedRow key={view.entry.id} view={view} />
          ))}
        </ul>
      )}
    </section>
  );
}

function RejectedRow({ view: { entry, item } }: { view: RejectedView }) {
  const db = useDb();
  const fields = Object.entries(entry.changes).filter(([field]) => isShownField(field));
  return (
    <li class="rejected-entry">
      <p class="timeline-meta">
        <time dateTime={entry.at}>{dateTimeText(entry.at)}</time>・{TABLE_LABELS[entry.table]}
      </p>
      {item && (
        <p class="rejected-subject">
          <Link href={paths.item(item.planId, item.id)}>
            {item.label} {excerpt(item.text, 40)}
          </Link>
        </p>
      )}
      {fields.length > 0 && (
        <ul class="change-lines">
          {fields.map(([field, value]) => (
            <li key={field}>
              {fieldLabel(field, entry.table)}: {shortValue(field, value)}
            </li>
          ))}
        </ul>
      )}
      <p class="error">理由: {rejectedReasonText(entry.reason)}</p>
      <button
        type="button"
        onClick={async () => {
          if (entry.id !== undefined && window.confirm('この記録を一覧から消しますか？変更はサーバーに送られないままです。'))
            await dismissRejected(db, entry.id);
        }}
      >
        確認済みにして消す
      </button>
    </li>
  );
}
