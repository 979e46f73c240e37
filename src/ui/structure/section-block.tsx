// A section of the structure screen with what is under it: its row, its items' rows, its
// sub-sections, and the forms to edit it or add an item or a sub-section to it.
import { itemGroups, itemName, sectionName, type TreeNode } from '../../model/plan-tree';
import type { Item } from '../../model/schemas';
import { ItemChips } from '../item-chips';
import type { Ctx } from './editor-context';
import { ItemForm } from './item-form';
import { RowActions } from './row-actions';
import { SectionForm } from './section-form';

export function SectionBlock({ ctx, node, depth, siblings, index }: { ctx: Ctx; node: TreeNode; depth: number; siblings: string[]; index: number }) {
  const { section } = node;
  const name = `区分「${sectionName(section) || '名前なし'}」`;
  const { editing } = ctx;
  const isEditing = editing?.kind === 'section' && editing.id === section.id;
  const addingItem = editing?.kind === 'newItem' && editing.sectionId === section.id;
  const addingChild = editing?.kind === 'newSection' && editing.parentId === section.id;
  const itemIds = node.items.map((i) => i.id);
  const childIds = node.children.map((c) => c.section.id);

  async function onDelete() {
    // Deleting a section would orphan its items, which then vanish from every screen.
    if (node.items.length || node.children.length) {
      ctx.refuse(`${name}には項目${node.items.length}件・下位の区分${node.children.length}件があります。先に移動または削除してから、区分を削除してください。`);
      return;
    }
    await ctx.remove('sections', section.id, name);
  }

  return (
    <li class={`st-section depth-${Math.min(depth, 4)}`}>
      <div class="st-row st-section-row">
        <span class="st-text">
          <span>
            <span class="label">{section.label}</span> {section.title}
          </span>
        </span>
        <RowActions
          name={name}
          index={index}
          count={siblings.length}
          onMove={(d) => void ctx.move('sections', siblings, index, d)}
          onEdit={() => ctx.setEditing(isEditing ? null : { kind: 'section', id: section.id })}
          onDelete={() => void onDelete()}
          editing={isEditing}
        />
      </div>
      {isEditing && <SectionForm ctx={ctx} section={section} parentId={section.parentId} />}
      {node.items.length > 0 && (
        <ul class="st-items">
          {node.items.map((item, i) => (
            <ItemRow key={item.id} ctx={ctx} item={item} siblings={itemIds} index={i} />
          ))}
        </ul>
      )}
      {addingItem && <ItemForm ctx={ctx} sectionId={section.id} />}
      {node.children.length > 0 && (
        <ul class="st-tree">
          {node.children.map((child, i) => (
            <SectionBlock key={child.section.id} ctx={ctx} node={child} depth={depth + 1} siblings={childIds} index={i} />
          ))}
        </ul>
      )}
      {addingChild && <SectionForm ctx={ctx} parentId={section.id} />}
      {!addingItem && !addingChild && (
        <div class="st-add-row">
          <button type="button" class="st-add" aria-label={`${name}に項目を追加`} onClick={() => ctx.setEditing({ kind: 'newItem', sectionId: section.id })}>
            ＋ 項目を追加
          </button>
          <button
            type="button"
            class="st-add"
            aria-label={`${name}に下位の区分を追加`}
            onClick={() => ctx.setEditing({ kind: 'newSection', parentId: section.id })}
          >
            ＋ 下位の区分を追加
          </button>
        </div>
      )}
    </li>
  );
}

function ItemRow({ ctx, item, siblings, index }: { ctx: Ctx; item: Item; siblings: string[]; index: number }) {
  const name = `項目「${itemName(item)}」`;
  const isEditing = ctx.editing?.kind === 'item' && ctx.editing.id === item.id;
  return (
    <li class="st-item">
      <div class="st-row">
        <span class="st-text">
          <span class="st-item-text">
            <span class="label">{item.label}</span> {item.text}
          </span>
          <span class="item-meta">
            <ItemChips item={item} groups={itemGroups(item, new Map(ctx.sections.map((s) => [s.id, s])))} />
          </span>
        </span>
        <RowActions
          name={name}
          index={index}
          count={siblings.length}
          onMove={(d) => void ctx.move('items', siblings, index, d)}
          onEdit={() => ctx.setEditing(isEditing ? null : { kind: 'item', id: item.id })}
          onDelete={() => void ctx.remove('items', item.id, name)}
          editing={isEditing}
        />
      </div>
      {isEditing && <ItemForm ctx={ctx} item={item} sectionId={item.sectionId} />}
    </li>
  );
}
