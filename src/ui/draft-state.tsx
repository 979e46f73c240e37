// The visible state of a form kept as a draft on the device, with the person's way to discard it.
export function DraftState({ what, onDiscard }: { what: string; onDiscard: () => void }) {
  return (
    <p class="draft-state">
      <span>下書き（この端末に保存済み・送信するまで残ります）</span>
      <button type="button" class="link-button" aria-label={`${what}の下書きを破棄`} onClick={onDiscard}>
        破棄
      </button>
    </p>
  );
}
