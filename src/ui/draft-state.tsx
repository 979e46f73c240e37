// The visible state of a form kept as a draft on the device, with the person's way to discard it.
// It says 保存済み only once the latest change is written, so it never promises what a reload
// would not keep.
export function DraftState({ what, saving, onDiscard }: { what: string; saving: boolean; onDiscard: () => void }) {
  return (
    <p class="draft-state">
      <span aria-live="polite">{saving ? '下書きを保存しています…' : '下書き（この端末に保存済み・送信するまで残ります）'}</span>
      <button type="button" class="link-button" aria-label={`${what}の下書きを破棄`} onClick={onDiscard}>
        破棄
      </button>
    </p>
  );
}
