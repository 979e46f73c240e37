// The item screen: the plan text, its unresolved conflicts (競合), this period's evaluation (a
// radio group 評価 with options ○ △ －), 実施状況 and 今後の実施予定等 with autosave, earlier
// periods' entries, the notes and visits (note-form.tsx), and the change history (変更履歴); ← and
// 前の項目 / 次の項目 around it (item-walk.tsx).
import { useState } from 'preact/hooks';
import { useActorName, useDb, useItemDetail, usePlanStructure } from './data/hooks';
import { saveProgress } from '../sync/edits';
import { progressTextStore } from '../sync/text-store';
import { choosePeriod, periodsOf, type Period } from '../model/period';
import { EMPTY_FILTER, itemGroups, joinLabels, labelPath, type ItemFilter } from '../model/plan-tree';
import { EVALUATIONS, LIMITS, type Evaluation, type Item, type Plan, type Progress, type Section } from '../model/schemas';
import { bothFiscalYear, localIsoDate } from '../model/wareki';
import { dateTimeText } from './date-time';
import { ConflictsPanel } from './conflicts-panel';
import { ItemHistory } from './item-history';
import { NotesSection } from './note-form';
import { ItemChips } from './item-chips';
import { forgetWhereFrom, ItemWalk } from './item-walk';
import { Link } from './link';
import { navigate, paths } from './router';
import { saveStateLabel, useAutosave } from './use-autosave';
import { PeriodSelect } from './period-select';
import { useReportPresence } from './data/presence-hooks';
import { ItemPresence } from './presence';
import { presenceFieldSchema } from '../model/live-protocol';
import { errorText } from './messages';

export function ItemPage({
  planId,
  itemId,
  periodId,
  filter = EMPTY_FILTER,
}: {
  planId: string;
  itemId: string;
  periodId: string | null;
  filter?: ItemFilter;
}) {
  const structure = usePlanStructure(planId);
  const detail = useItemDetail(itemId);
  if (structure.loading || detail.loading) return <p class="page">読み込み中…</p>;
  if (!structure.value || !detail.value || detail.value.item.deleted) {
    return (
      <section class="page">
        <h1>項目が見つかりません</h1>
        <Link href={paths.plan(planId)}>計画へ戻る</Link>
      </section>
    );
  }
  const { plan, sections, items, kpis } = structure.value;
  const { item, progress, notes } = detail.value;
  const withProgress = new Set(progress.map((p) => p.periodId));
  const period = choosePeriod(plan.fiscalYear, plan.periodKind, periodId, withProgress, localIsoDate(new Date()).slice(0, 7));
  const current = progress.find((p) => p.periodId === period.id);
  return (
    <ItemWalk plan={plan} sections={sections} items={items} kpis={kpis} period={period} filter={filter} item={item}>
      <ItemHeader plan={plan} sections={sections} item={item} />
      <ItemPresence itemId={item.id} />
      <PeriodSelect
        plan={plan}
        value={period.id}
        onPick={(id) => {
          navigate(paths.item(plan.id, item.id, id, filter), { replace: true });
          forgetWhereFrom();
        }}
        note={(p) => (withProgress.has(p.id) ? '（記入あり）' : '')}
      />
      <ConflictsPanel plan={plan} item={item} />
      {/* Keyed by period so switching periods starts from that period's saved text. */}
      <ProgressEditor key={period.id} plan={plan} item={item} period={period} progress={current} />
      <EarlierPeriods plan={plan} period={period} progress={progress} />
      <NotesSection plan={plan} item={item} notes={notes} />
      <ItemHistory plan={plan} item={item} />
    </ItemWalk>
  );
}

function ItemHeader({ plan, sections, item }: { plan: Plan; sections: Section[]; item: Item }) {
  const section = sections.find((s) => s.id === item.sectionId);
  return (
    <header class="item-header">
      <p class="subtitle">
        {plan.branch}・{bothFiscalYear(plan.fiscalYear)}・{joinLabels(labelPath(sections, item))}
        {section && `　${section.title}`}
      </p>
      <h1>{item.label && <span class="label">{item.label}</span>} 事業計画</h1>
      <p class="plan-text">{item.text}</p>
      <p class="item-meta">
        <ItemChips item={item} groups={itemGroups(item, new Map(sections.map((s) => [s.id, s])))} groupPrefix="担当: " />
      </p>
    </header>
  );
}

function ProgressEditor({ plan, item, period, progress }: { plan: Plan; item: Item; period: Period; progress: Progress | undefined }) {
  const db = useDb();
  const actor = useActorName();
  const key = { planId: plan.id, itemId: item.id, periodId: period.id };
  const done = useAutosave(progress?.done ?? '', progressTextStore(db, key, 'done', actor));
  const next = useAutosave(progress?.next ?? '', progressTextStore(db, key, 'next', actor));
  const [evalError, setEvalError] = useState<string | null>(null);
  const evaluation = progress?.evaluation ?? null;
  const typing = useReportPresence(plan, item.id);
  // Which field a key went into, for the others' 入力中… (data-presence-field on the textareas).
  const onAnyInput = (e: Event) => {
    const field = presenceFieldSchema.safeParse((e.target as HTMLElement).dataset?.presenceField);
    if (field.success) typing(field.data);
  };

  async function setEvaluation(value: Evaluation | null) {
    try {
      await saveProgress(db, key, { evaluation: value }, actor);
      setEvalError(null);
    } catch (e) {
      setEvalError(errorText(e));
    }
  }

  const states = [done.state, next.state];
  const worst = states.find((s) => s.kind === 'error') ?? states.find((s) => s.kind === 'saving') ?? states.find((s) => s.kind === 'dirty') ?? done.state;

  return (
    <div class="progress-editor" onInput={onAnyInput}>
      <h2>{period.label}の実施状況</h2>
      {/* biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: native radios; radiogroup announces the three marks as one choice */}
      <fieldset class="evaluation" role="radiogroup" aria-label="評価">
        <legend>評価</legend>
        {EVALUATIONS.map((mark) => (
          <label key={mark} class="evaluation-option">
            <input
              type="radio"
              name={`evaluation-${period.id}`}
              value={mark}
              checked={evaluation === mark}
              aria-label={mark}
              onChange={() => void setEvaluation(mark)}
            />
            <span aria-hidden="true">{mark}</span>
          </label>
        ))}
        <button type="button" class="link-button" disabled={evaluation === null} onClick={() => void setEvaluation(null)}>
          評価を消す
        </button>
        <span class="hint">○ 実施・順調　△ 一部・遅れ　－ 評価対象外</span>
      </fieldset>
      {evalError && (
        <p role="alert" class="error">
          {evalError}
        </p>
      )}
      <label class="field">
        実施状況
        <textarea data-presence-field="done" rows={6} maxLength={LIMITS.longText} {...done.bind} />
      </label>
      <label class="field">
        今後の実施予定等
        <textarea data-presence-field="next" rows={4} maxLength={LIMITS.longText} {...next.bind} />
      </label>
      <p class={`save-state save-${worst.kind}`} role="status" data-testid="save-state">
        {saveStateLabel(worst)}
        {progress && worst.kind === 'saved' && progress.updatedAt && `（${dateTimeText(progress.updatedAt)}・${progress.updatedBy}）`}
      </p>
    </div>
  );
}

function EarlierPeriods({ plan, period, progress }: { plan: Plan; period: Period; progress: Progress[] }) {
  const order = periodsOf(plan.fiscalYear, plan.periodKind);
  const others = order
    .filter((p) => p.id !== period.id)
    .map((p) => ({ period: p, progress: progress.find((x) => x.periodId === p.id) }))
    .filter((x) => x.progress);
  if (others.length === 0) return null;
  return (
    <section class="earlier" aria-labelledby="earlier-heading">
      <h2 id="earlier-heading">ほかの期間の記入</h2>
      {others.map(({ period: p, progress: pr }) => (
        <article key={p.id} class="earlier-entry">
          <h3>
            {p.label}　評価: {pr!.evaluation ?? '未評価'}
          </h3>
          {pr!.done && (
            <p>
              <strong>実施状況:</strong> {pr!.done}
            </p>
          )}
          {pr!.next && (
            <p>
              <strong>今後の実施予定等:</strong> {pr!.next}
            </p>
          )}
        </article>
      ))}
    </section>
  );
}
