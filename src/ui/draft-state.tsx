// The visible state of a form kept as a draft on the device, with the person's way to discard it.
// It says 保存済み only once the latest change is written, and that it could not be kept when the
// write failed, so it never promises what a reload would not keep.
export function DraftState({ what, saving, failed, onDiscard }: { what: string; saving: boolean; failed: boolean; onDiscard: () => void }) {
  return (
    <p class="draft-state">
      <span aria-live="polite">
        {saving
          ? '下書きを保存しています…'
          : failed
            ? '下書きをこの端末に保存できませんでした（入力中の内容は画面にだけあります）'
            : '下書き（この端末に保存済み・送信するまで残ります）'}
      </span>
      <button type="button" class="link-button" aria-label={`${what}の下書きを破棄`} onClick={onDiscard}>
        破棄
      </button>
    </p>
  );
}
