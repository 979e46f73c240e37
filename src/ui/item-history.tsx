// The change history of an item (its text and structure, and its progress in every period) as
// the server recorded it: newest first, when (和暦 and time), who, and what changed — short
// values as 評価: ○ → △, long texts as 実施状況を変更 with a before/after excerpt.
import { useState } from 'preact/hooks';
import { useHistoryOfItem } from '../db/hooks';
import type { History, Item, Plan } from '../model/schemas';
import { fieldLabel, isShownField, LONG_TEXT_FIELDS, periodLabelOf, shortValue } from './change-text';
import { bothDateTime } from './date-time';

const PAGE = 20;

export function ItemHistory({ plan, item }: { plan: Plan; item: Item }) {
  const history = useHistoryOfItem(item.id);
  const [shown, setShown] = useState(PAGE);
  return (
    <section class="history" aria-labelledby="history-heading">
      <h2 id="history-heading">変更履歴</h2>
      {history.loading ? (
        <p>読み込み中…</p>
      ) : history.value.length === 0 ? (
        <p class="hint">まだ変更履歴はありません。サーバーと同期した変更がここに記録されます。</p>
      ) : (
        <>
          <ol class="timeline" aria-label="変更履歴の一覧">
            {history.value.slice(0, shown).map((h) => (
              <HistoryEntry key={h.id} plan={plan} item={item} entry={h} />
            ))}
          </ol>
          {history.value.length > shown && (
            <button type="button" onClick={() => setShown(shown + PAGE)}>
              さらに表示（残り{history.value.length - shown}件）
            </button>
          )}
        </>
      )}
    </section>
  );
}

function HistoryEntry({ plan, item, entry }: { plan: Plan; item: Item; entry: History }) {
  const period = entry.table === 'progress' ? periodLabelOf(plan, item.id, entry.recordId) : null;
  const fields = Object.entries(entry.changes).filter(([field]) => isShownField(field));
  return (
    <li>
      <p class="timeline-meta">
        <time dateTime={entry.at}>{bothDateTime(entry.at)}</time>・{entry.by}
        {period && `・${period}`}
      </p>
      <ul class="change-lines">
        {fields.map(([field, { from, to }]) =>
          LONG_TEXT_FIELDS.has(field) ? (
            <li key={field}>
              {fieldLabel(field)}を変更
              <span class="change-excerpt">
                「{shortValue(field, from)}」→「{shortValue(field, to)}」
              </span>
            </li>
          ) : (
            <li key={field}>
              {fieldLabel(field)}: {shortValue(field, from)} → {shortValue(field, to)}
            </li>
          ),
        )}
      </ul>
    </li>
  );
}
