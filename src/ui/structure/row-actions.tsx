// The controls at the end of a row of the structure screen, shared by sections, items and KPIs.
/** ↑ ↓ 編集 削除 for one row; names carry the row's name so each control is told apart. */
export function RowActions({
  name,
  index,
  count,
  onMove,
  onEdit,
  onDelete,
  editing,
}: {
  name: string;
  index: number;
  count: number;
  onMove?: (delta: -1 | 1) => void;
  onEdit: () => void;
  onDelete: () => void;
  editing: boolean;
}) {
  return (
    <span class="row-actions">
      {onMove && (
        <>
          <button type="button" class="icon-button" aria-label={`${name}を上へ`} disabled={index === 0} onClick={() => onMove(-1)}>
            ↑
          </button>
          <button type="button" class="icon-button" aria-label={`${name}を下へ`} disabled={index === count - 1} onClick={() => onMove(1)}>
            ↓
          </button>
        </>
      )}
      <button type="button" aria-label={`${name}を編集`} aria-expanded={editing} onClick={onEdit}>
        編集
      </button>
      <button type="button" class="danger" aria-label={`${name}を削除`} onClick={onDelete}>
        削除
      </button>
    </span>
  );
}
