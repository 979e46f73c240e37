// The parts every form of the structure screen ends with: its error, and 保存 / キャンセル.
import type { Ctx } from './editor-context';

export function FormButtons({ ctx }: { ctx: Ctx }) {
  return (
    <div class="form-buttons">
      <button type="submit" class="primary">
        保存
      </button>
      <button type="button" onClick={() => ctx.setEditing(null)}>
        キャンセル
      </button>
    </div>
  );
}

export function FormError({ error }: { error: string | null }) {
  return error ? (
    <p role="alert" class="error">
      {error}
    </p>
  ) : null;
}
