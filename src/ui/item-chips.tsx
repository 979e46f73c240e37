import type { Item } from '../model/schemas';

/** An item's owning group and its tags (重要度：高 …), as chips; `groupPrefix` e.g. 「担当: 」. */
export function ItemChips({ item, groupPrefix = '' }: { item: Item; groupPrefix?: string }) {
  return (
    <>
      {item.group && (
        <span class="chip">
          {groupPrefix}
          {item.group}
        </span>
      )}
      {item.tags.map((t) => (
        <span key={t} class="chip chip-tag">
          {t}
        </span>
      ))}
    </>
  );
}
