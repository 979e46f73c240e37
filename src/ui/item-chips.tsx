import type { Item } from '../model/schemas';

/**
 * An item's owning groups (its own or its section's, see itemGroups) and its tags (重要度：高 …),
 * as chips; `groupPrefix` e.g. 「担当: 」.
 */
export function ItemChips({ item, groups, groupPrefix = '' }: { item: Item; groups: readonly string[]; groupPrefix?: string }) {
  return (
    <>
      {groups.length > 0 && (
        <span class="chip">
          {groupPrefix}
          {groups.join('・')}
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
