// The plan's own settings on the structure screen: its title (merged with a change made
// elsewhere while it is typed), its reporting period (報告期間) and whether it is still a draft
// (案) or adopted (確定).
import { useEffect, useRef, useState } from 'preact/hooks';
import { useActorName, useDb } from '../data/hooks';
import { updateRecord } from '../../sync/edits';
import { PERIOD_KIND_LABELS } from '../../model/period';
import { LIMITS, PERIOD_KINDS, PLAN_STATUSES, type PeriodKind, type Plan, type PlanStatus } from '../../model/schemas';
import { useSharedText } from '../use-autosave';
import type { Ctx } from './editor-context';

export function PlanSettings({ plan, run }: { plan: Plan; run: Ctx['run'] }) {
  const db = useDb();
  const actor = useActorName();
  // A name changed elsewhere (another tab or device) is merged into what the person is typing.
  const titleField = useSharedText(plan.title);
  const title = titleField.text;
  const [periodKind, setPeriodKind] = useState<PeriodKind>(plan.periodKind);
  const [status, setStatus] = useState<PlanStatus | ''>(plan.status ?? '');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const dirty = title !== plan.title || periodKind !== plan.periodKind || status !== (plan.status ?? '');
  // A period kind saved elsewhere shows here too; compared with what was last seen, so the
  // first effect run cannot undo a choice made before it.
  const seenKind = useRef(plan.periodKind);
  useEffect(() => {
    if (seenKind.current === plan.periodKind) return;
    seenKind.current = plan.periodKind;
    setPeriodKind(plan.periodKind);
  }, [plan.periodKind]);

  async function onSubmit(e: Event) {
    e.preventDefault();
    setSaved(false);
    if (!title.trim()) {
      setError('計画名を入力してください。');
      return;
    }
    setError(null);
    const changes = { title: title.trim(), periodKind, ...(status !== '' && status !== plan.status ? { status } : {}) };
    if (await run(() => updateRecord(db, 'plans', plan.id, changes, actor))) setSaved(true);
  }

  return (
    <form class="st-block st-plan" aria-labelledby="st-plan-heading" onSubmit={onSubmit}>
      <h2 id="st-plan-heading">計画の設定</h2>
      <div class="form-row">
        <label class="field field-grow">
          計画名
          <input maxLength={LIMITS.shortText} {...titleField.bind} />
        </label>
        <label class="field">
          報告期間
          <select value={periodKind} onChange={(e) => setPeriodKind(e.currentTarget.value as PeriodKind)}>
            {PERIOD_KINDS.map((k) => (
              <option key={k} value={k}>
                {PERIOD_KIND_LABELS[k]}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          状態
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value as PlanStatus)}>
            {status === '' && <option value="">（記載なし）</option>}
            {PLAN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="primary" disabled={!dirty}>
          設定を保存
        </button>
      </div>
      {periodKind !== plan.periodKind && (
        <p class="hint">報告期間を変えると、これまでの期間に記入した実施状況は新しい期間の画面には表示されません（記録は消えません）。</p>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <p role="status" class="ok">
        {saved && !dirty ? '計画の設定を保存しました。' : ''}
      </p>
    </form>
  );
}
