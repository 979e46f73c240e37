// What a screen shows when drawing it throws — a bug, or a read of this device's data that failed
// (useLiveQuery throws those from the render): a Japanese message with もう一度表示 (draws the
// screen again, e.g. after the storage came back) and 再読み込み (writes what is being typed
// first), instead of a blank page or 読み込み中… forever. Drafts are on the device, so nothing
// typed is lost either way.
import { Component, type ComponentChildren } from 'preact';
import { DbError } from '../db/errors';
import { problemText } from './messages';
import { useSaveRegistry } from './save-registry';

interface Props {
  /** Where the failure happened, as people name it: 「この画面」, 「同期の状態」. */
  what: string;
  /** A smaller message for a part of the screen (the header's status) rather than a whole screen. */
  compact?: boolean;
  children: ComponentChildren;
}

export class ErrorBoundary extends Component<Props, { error: unknown }> {
  override state = { error: null as unknown };

  static override getDerivedStateFromError(error: unknown) {
    return { error };
  }

  override componentDidCatch(error: unknown) {
    console.error(`Rendering ${this.props.what} failed`, error);
  }

  render() {
    const { error } = this.state;
    if (error === null) return this.props.children;
    return <ErrorNotice what={this.props.what} compact={this.props.compact === true} error={error} retry={() => this.setState({ error: null })} />;
  }
}

function ErrorNotice({ what, compact, error, retry }: { what: string; compact: boolean; error: unknown; retry: () => void }) {
  const registry = useSaveRegistry();
  const said = error instanceof DbError ? problemText(error) : `${what}を表示できませんでした。`;
  const reload = async () => {
    await registry.flushAll();
    window.location.reload();
  };
  if (compact)
    return (
      <span class="error-compact" role="alert">
        {said}
        <button type="button" class="link-button" onClick={retry}>
          もう一度表示
        </button>
      </span>
    );
  return (
    <section class="page error-screen" role="alert" aria-labelledby="error-screen-title">
      <h1 id="error-screen-title">{what}を表示できませんでした</h1>
      <p>{said}</p>
      <p>入力中の内容と未同期の変更はこの端末に保存されています。</p>
      <div class="error-actions">
        <button type="button" onClick={retry}>
          もう一度表示
        </button>
        <button type="button" onClick={() => void reload()}>
          再読み込み
        </button>
      </div>
      {error instanceof Error && (
        <details>
          <summary>詳しい情報（問い合わせ用）</summary>
          <pre>{error.message}</pre>
        </details>
      )}
    </section>
  );
}
