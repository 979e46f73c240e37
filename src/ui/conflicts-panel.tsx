// The conflicts of an item: where two devices changed the same field at once, the server kept
// one value and the other waits here. Both values are named by who wrote them and when
// (「田中さん（令和8年12月3日 13:57）の値」, 「あなた（…）の値」 for one's own); a lead (or
// anyone, when the app runs without accounts) keeps one of them or writes a merge, which syncs
// and clears the conflict on every device.
import { useId, useState } from 'preact/hooks';
import { useDraftForm } from './data/draft-form';
import { useActorName, useConflictsOfItem, useDb } from './data/hooks';
import { resolveConflict } from '../sync/edits';
import { LIMITS, type Conflict, type Item, type Plan } from '../model/schemas';
import { fieldLabel, formatValue, LONG_TEXT_FIELDS, periodLabelOf } from './change-text';
import { dateTimeText } from './date-time';
import { DraftState } from './draft-state';
import { useRegisterFlush } from './save-registry';
import { useCanResolveConflicts } from './data/sync-context';
import { errorText } from './messages';

export function ConflictsPanel({ plan, item }: { plan: Plan; item: Item }) {
  const conflicts = useConflictsOfItem(item.id);
  const canResolve = useCanResolveConflicts(plan);
  if (conflicts.loading || conflicts.value.length === 0) return null;
  return (
    <section class="conflicts" aria-labelledby="conflicts-heading">
      <h2 id="conflicts-heading">競合</h2>
      <p class="hint">
        複数の端末で同じ欄が同時に変更されました（未解決 {conflicts.value.length}件）。今は先に届いた方の値が保存されています。
        {canResolve ? 'どちらを残すか選ぶか、統合して保存してください。' : '解決はこの支部のリーダーまたは管理者が行います。'}
      </p>
      {conflicts.value.map((c) => (
        <ConflictCard key={c.id} plan={plan} conflict={c} canResolve={canResolve} />
      ))}
    </section>
  );
}

function ConflictCard({ plan, conflict, canResolve }: { plan: Plan; conflict: Conflict; canResolve: boolean }) {
  const db = useDb();
  const actor = useActorName();
  const id = useId();
  const { field, serverValue, clientValue } = conflict;
  const mergeable = LONG_TEXT_FIELDS.has(field) && typeof serverValue === 'string' && typeof clientValue === 'string';
  const [proposal] = useState(() => (mergeable ? [serverValue, clientValue].filter((t) => t.trim()).join('\n') : ''));
  // A merge being written is kept on the device as a draft until it is saved or discarded.
  const draft = useDraftForm(`conflict-merge:${conflict.id}`, { text: proposal });
  useRegisterFlush(draft.flush);
  const merged = draft.fields.text;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const period = conflict.table === 'progress' && conflict.itemId ? periodLabelOf(plan, conflict.itemId, conflict.recordId) : null;
  const server = sideNames(conflict.serverBy, conflict.serverAt, actor);
  const client = sideNames(conflict.clientBy, conflict.clientAt, actor);
  // The same person on two devices: only the time tells the two values apart.
  const [serverChoice, clientChoice] = server.who === client.who ? [server.heading, client.heading] : [`${server.who}の値`, `${client.who}の値`];

  // On success the conflict is resolved and this card leaves the list.
  async function resolve(value: unknown) {
    setBusy(true);
    setError(null);
    try {
      await resolveConflict(db, conflict, value, actor);
      await draft.reset();
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  }

  return (
    <article class="conflict" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{period ? `${period}の${fieldLabel(field)}` : fieldLabel(field, conflict.table)}</h3>
      <div class="conflict-sides">
        <ConflictSide heading={server.heading} field={field} value={serverValue} />
        <ConflictSide heading={client.heading} field={field} value={clientValue} />
      </div>
      {canResolve && (
        <div class="conflict-actions">
          <button type="button" disabled={busy} onClick={() => void resolve(serverValue)}>
            {serverChoice}を採用
          </button>
          <button type="button" disabled={busy} onClick={() => void resolve(clientValue)}>
            {clientChoice}を採用
          </button>
        </div>
      )}
      {canResolve && mergeable && (
        <div class="conflict-merge">
          <label class="field">
            統合した内容
            <textarea rows={6} maxLength={LIMITS.longText} value={merged} onInput={(e) => draft.set({ text: e.currentTarget.value })} />
          </label>
          <button type="button" class="primary" disabled={busy} onClick={() => void resolve(merged)}>
            統合して保存
          </button>
          {draft.isDraft && <DraftState what="統合した内容" saving={draft.saving} failed={draft.failed} onDiscard={() => void draft.reset()} />}
        </div>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </article>
  );
}

/** Who wrote a side, as the panel says it: 「あなた」 for the person looking, else 「田中さん」; with the time for its heading. */
function sideNames(by: string, at: string, actor: string): { who: string; heading: string } {
  const who = by === actor ? 'あなた' : by.trim() ? `${by}さん` : '記入者不明';
  return { who, heading: `${who}（${dateTimeText(at)}）の値` };
}

function ConflictSide({ heading, field, value }: { heading: string; field: string; value: unknown }) {
  return (
    <div class="conflict-side">
      <h4>{heading}</h4>
      <p class="conflict-value">{formatValue(field, value)}</p>
    </div>
  );
}
