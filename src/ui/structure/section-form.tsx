// The form that renames a section or adds one (a pillar, or a section under another); it goes
// last among its siblings.
import { useState } from 'preact/hooks';
import { useActorName, useDb } from '../data/hooks';
import { createSection, updateRecord } from '../../sync/edits';
import { newKeyAfter } from '../../model/order-key';
import { joinGroups, splitGroups } from '../../model/plan-tree';
import { LIMITS, type Section } from '../../model/schemas';
import { useSharedText } from '../use-autosave';
import type { Ctx } from './editor-context';
import { FormButtons, FormError } from './form-parts';

export function SectionForm({ ctx, section, parentId }: { ctx: Ctx; section?: Section; parentId: string | null }) {
  const db = useDb();
  const actor = useActorName();
  const [label, setLabel] = useState(section?.label ?? '');
  const [group, setGroup] = useState(section?.group ?? '');
  const titleField = useSharedText(section?.title ?? '');
  const title = titleField.text;
  const [error, setError] = useState<string | null>(null);
  const what = section ? '区分の編集' : parentId === null ? '柱の追加' : '下位の区分の追加';

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (!title.trim()) {
      setError('区分の名前を入力してください。');
      return;
    }
    const groups = joinGroups(splitGroups(group));
    // Written only when it changes, so renaming a section of an older plan adds no empty group to its history.
    const fields = { label: label.trim(), title: title.trim(), ...(groups !== (section?.group ?? '') ? { group: groups } : {}) };
    const siblings = ctx.sections.filter((s) => !s.deleted && s.parentId === parentId);
    const ok = await ctx.run(() =>
      section
        ? updateRecord(db, 'sections', section.id, fields, actor)
        : createSection(db, { planId: ctx.plan.id, parentId, ...fields, order: newKeyAfter(siblings) }, actor),
    );
    if (ok) ctx.setEditing(null);
  }

  return (
    <form class={`st-form${!section && parentId !== null ? ' st-form-indent' : ''}`} aria-label={what} onSubmit={onSubmit}>
      <div class="form-row">
        <label class="field field-label">
          番号
          <input value={label} maxLength={LIMITS.shortText} placeholder="例: （３）" onInput={(e) => setLabel(e.currentTarget.value)} />
        </label>
        <label class="field field-grow">
          名前
          <input maxLength={LIMITS.shortText} aria-invalid={error !== null} {...titleField.bind} />
        </label>
      </div>
      <label class="field">
        担当グループ（担当のない項目はこの担当）
        <input
          value={group}
          maxLength={LIMITS.shortText}
          list={`section-groups-${section?.id ?? 'new'}`}
          placeholder="例: 業務、企画総務"
          onInput={(e) => setGroup(e.currentTarget.value)}
        />
        <datalist id={`section-groups-${section?.id ?? 'new'}`}>
          {ctx.groups.map((g) => (
            <option key={g} value={g} />
          ))}
        </datalist>
      </label>
      <FormError error={error} />
      <FormButtons ctx={ctx} />
    </form>
  );
}
