// Loads a screen's code on first use, so the first screen ships only what it needs. The chunks
// are precached by the service worker, so this works offline too.
import type { ComponentChildren, ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

const LOADING = <p class="page">読み込み中…</p>;

/** `placeholder`: what shows until the code is there (a screen says 読み込み中…; a menu part nothing). */
export function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>, placeholder: ComponentChildren = LOADING): ComponentType<P> {
  return function LazyPage(props: P) {
    const [Page, setPage] = useState<ComponentType<P> | null>(null);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      let alive = true;
      load().then(
        (c) => alive && setPage(() => c),
        (e: unknown) => {
          console.error('Loading a screen failed', e);
          if (alive) setFailed(true);
        },
      );
      return () => {
        alive = false;
      };
    }, []);
    if (failed)
      return (
        <p role="alert" class="page error">
          画面を読み込めませんでした。再読み込みしてください。
        </p>
      );
    return Page ? <Page {...props} /> : placeholder;
  };
}
