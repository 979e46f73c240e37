// The form that edits an item (its number, 担当グループ, section, text and tags) or adds one to
// a section; a new item goes last with the next circled number, a moved one goes last in its new
// section.
import { useState } from 'preact/hooks';
import { useActorName, useDb } from '../data/hooks';
import { createItem, updateRecord } from '../../sync/edits';
import { joinGroups, nextItemLabel, splitGroups } from '../../model/plan-tree';
import { newKeyAfter } from '../../model/order-key';
import { LIMITS, TAGS, type Item } from '../../model/schemas';
import { useSharedText } from '../use-autosave';
import type { Ctx } from './editor-context';
import { FormButtons, FormError } from './form-parts';

export function ItemForm({ ctx, item, sectionId: initialSection }: { ctx: Ctx; item?: Item; sectionId: string }) {
  const db = useDb();
  const actor = useActorName();
  const liveSiblings = ctx.items.filter((i) => !i.deleted && i.sectionId === initialSection);
  // A new item gets the next circled number, as the plans number their items.
  const [label, setLabel] = useState(item?.label ?? nextItemLabel(liveSiblings.length));
  const textField = useSharedText<HTMLTextAreaElement>(item?.text ?? '');
  const text = textField.text;
  const [group, setGroup] = useState(item?.group ?? '');
  const [tags, setTags] = useState<readonly string[]>(item?.tags ?? []);
  const [sectionId, setSectionId] = useState(initialSection);
  const [error, setError] = useState<string | null>(null);
  const formId = `item-form-${item?.id ?? `new-${initialSection}`}`;

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (!text.trim()) {
      setError('事業計画の文言を入力してください。');
      return;
    }
    if (text.length > LIMITS.longText) {
      setError(`事業計画の文言は${LIMITS.longText}文字までです（いま${text.length}文字）。`);
      return;
    }
    const fields = { label: label.trim(), text: text.trim(), group: joinGroups(splitGroups(group)), tags: [...tags] };
    const ok = await ctx.run(() => {
      if (!item) return createItem(db, { planId: ctx.plan.id, sectionId, ...fields, order: newKeyAfter(liveSiblings) }, actor);
      // Moved to another section: it goes last there.
      const moved = sectionId !== item.sectionId ? { sectionId, order: newKeyAfter(ctx.items.filter((i) => !i.deleted && i.sectionId === sectionId)) } : {};
      return updateRecord(db, 'items', item.id, { ...fields, ...moved }, actor);
    });
    if (ok) ctx.setEditing(null);
  }

  return (
    <form class={`st-form${item ? '' : ' st-form-indent'}`} aria-label={item ? '項目の編集' : '項目の追加'} onSubmit={onSubmit}>
      <div class="form-row">
        <label class="field field-label">
          番号
          <input value={label} maxLength={LIMITS.shortText} onInput={(e) => setLabel(e.currentTarget.value)} />
        </label>
        <label class="field">
          担当グループ
          <input
            value={group}
            maxLength={LIMITS.shortText}
            list={`${formId}-groups`}
            placeholder="例: 業務、企画総務"
            onInput={(e) => setGroup(e.currentTarget.value)}
          />
          <datalist id={`${formId}-groups`}>
            {ctx.groups.map((g) => (
              <option key={g} value={g} />
            ))}
          </datalist>
        </label>
        {item && (
          <label class="field field-grow">
            区分
            <select value={sectionId} onChange={(e) => setSectionId(e.currentTarget.value)}>
              {ctx.sectionOptions.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.text}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <label class="field">
        事業計画
        <textarea rows={3} aria-invalid={error !== null} {...textField.bind} />
      </label>
      <fieldset class="st-tags">
        <legend>タグ</legend>
        {TAGS.map((t) => (
          <label key={t} class="check">
            <input type="checkbox" checked={tags.includes(t)} onChange={(e) => setTags(e.currentTarget.checked ? [...tags, t] : tags.filter((x) => x !== t))} />
            {t}
          </label>
        ))}
      </fieldset>
      <FormError error={error} />
      <FormButtons ctx={ctx} />
    </form>
  );
}
