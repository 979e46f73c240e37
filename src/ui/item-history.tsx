// The change history of an item (its text and structure, and its progress in every period) as
// the server recorded it: newest first, when (和暦 and time), who, and what changed — short
// values as 評価: ○ → △, long texts as 実施状況を変更 with a before/after excerpt. Each change
// line has 「この値に戻す」, which puts the value from before the change back as a new change
// (synced and recorded like any edit): for a lead on every change, for staff only on their own
// last change of the item when nobody changed that record after it.
import { useState } from 'preact/hooks';
import { useActorName, useDb, useHistoryOfItem } from './data/hooks';
import { restoreField, type RestorableTable } from '../sync/edits';
import { sameValue } from '../model/merge';
import type { History, Item, Plan } from '../model/schemas';
import { fieldLabel, isShownField, LONG_TEXT_FIELDS, periodLabelOf, POSITION_FIELDS, shortValue } from './change-text';
import { dateTimeText } from './date-time';
import { useCanRestoreAnyChange } from './data/sync-context';
import { errorText } from './messages';

const PAGE = 20;

/** Staff may write these (the server refuses them structure changes). */
const STAFF_TABLES: ReadonlySet<string> = new Set(['progress', 'measurements']);

/**
 * The one change staff may undo: their newest of the item, if it is of a table they may write
 * and no newer change of the same record came after it. `history` is newest first.
 */
function ownLastChange(history: readonly History[], actor: string): History | null {
  const own = history.find((h) => h.by === actor);
  if (!own || !STAFF_TABLES.has(own.table)) return null;
  return history.find((h) => h.recordId === own.recordId) === own ? own : null;
}

/** A value a new record starts with: no value, empty text, an empty list. */
function isEmptyDefault(value: unknown): boolean {
  return value === null || value === undefined || value === '' || value === false || (Array.isArray(value) && value.length === 0);
}

/** A create lists the fields it set with from: null; there was no earlier value to go back to. */
function isCreate(entry: History): boolean {
  return Object.hasOwn(entry.changes, 'planId');
}

export function ItemHistory({ plan, item }: { plan: Plan; item: Item }) {
  const history = useHistoryOfItem(item.id);
  const [shown, setShown] = useState(PAGE);
  const canRestoreAny = useCanRestoreAnyChange(plan);
  const actor = useActorName();
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const restorable = (entry: History): boolean =>
    !isCreate(entry) && entry.table !== 'notes' && (canRestoreAny || (!history.loading && ownLastChange(history.value, actor) === entry));
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
              <HistoryEntry key={h.id} plan={plan} item={item} entry={h} restorable={restorable(h)} onDone={setMessage} />
            ))}
          </ol>
          {history.value.length > shown && (
            <button type="button" onClick={() => setShown(shown + PAGE)}>
              さらに表示（残り{history.value.length - shown}件）
            </button>
          )}
        </>
      )}
      {message && (
        <p role={message.kind === 'error' ? 'alert' : 'status'} class={message.kind === 'error' ? 'error' : 'ok'}>
          {message.text}
        </p>
      )}
    </section>
  );
}

interface EntryProps {
  plan: Plan;
  item: Item;
  entry: History;
  restorable: boolean;
  onDone: (message: { kind: 'ok' | 'error'; text: string }) => void;
}

function HistoryEntry({ plan, item, entry, restorable, onDone }: EntryProps) {
  const db = useDb();
  const actor = useActorName();
  const [busy, setBusy] = useState(false);
  const period = entry.table === 'progress' ? periodLabelOf(plan, item.id, entry.recordId) : null;
  // Rows the server wrote before it listed only real changes may hold a field that stayed as it
  // was (評価: 未評価 → 未評価) or a create's empty default: those are no change to show.
  const fields = Object.entries(entry.changes).filter(
    ([field, { from, to }]) => isShownField(field) && !sameValue(from, to) && !(isCreate(entry) && isEmptyDefault(to)),
  );

  async function restore(field: string, value: unknown) {
    setBusy(true);
    try {
      const changed = await restoreField(db, entry.table as RestorableTable, entry.recordId, field, value, actor);
      onDone({
        kind: 'ok',
        text: changed
          ? `${fieldLabel(field, entry.table)}を「${shortValue(field, value)}」に戻しました`
          : `${fieldLabel(field, entry.table)}はすでに「${shortValue(field, value)}」です`,
      });
    } catch (e) {
      onDone({ kind: 'error', text: errorText(e) });
    } finally {
      setBusy(false);
    }
  }

  const restoreButton = (field: string, from: unknown) =>
    restorable && (
      <button
        type="button"
        class="restore"
        disabled={busy}
        aria-label={`${fieldLabel(field, entry.table)}をこの値に戻す（${shortValue(field, from)}）`}
        onClick={() => void restore(field, from)}
      >
        この値に戻す
      </button>
    );
  return (
    <li>
      <p class="timeline-meta">
        <time dateTime={entry.at}>{dateTimeText(entry.at)}</time>・{entry.by}
        {period && `・${period}`}
      </p>
      <ul class="change-lines">
        {fields.map(([field, { from, to }]) =>
          POSITION_FIELDS.has(field) ? (
            <li key={field}>{fieldLabel(field, entry.table)}を変更</li>
          ) : LONG_TEXT_FIELDS.has(field) ? (
            <li key={field}>
              {fieldLabel(field, entry.table)}を変更
              <span class="change-excerpt">
                「{shortValue(field, from)}」→「{shortValue(field, to)}」
              </span>
              {restoreButton(field, from)}
            </li>
          ) : (
            <li key={field}>
              {fieldLabel(field, entry.table)}: {shortValue(field, from)} → {shortValue(field, to)}
              {restoreButton(field, from)}
            </li>
          ),
        )}
      </ul>
    </li>
  );
}
