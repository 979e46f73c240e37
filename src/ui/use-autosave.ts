// Autosave for a text a person types: every change is written at once (a killed tab loses at
// most the write in flight), writes never overlap (while one runs, the newest text waits and is
// written next), and a failed write keeps the text and says so.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { useRegisterFlush } from './save-registry';

export type SaveState = { kind: 'saved' } | { kind: 'dirty' } | { kind: 'saving' } | { kind: 'error'; message: string };

export function useAutosave(persisted: string, save: (value: string) => Promise<void>) {
  const [text, setText] = useState(persisted);
  const [state, setState] = useState<SaveState>({ kind: 'saved' });
  const latest = useRef(persisted);
  const dirty = useRef(false);
  const running = useRef<Promise<void> | null>(null);
  const saveRef = useRef(save);
  saveRef.current = save;

  // A value that changed elsewhere (another tab, later: another device) shows unless the person is typing.
  useEffect(() => {
    if (!dirty.current && persisted !== latest.current) {
      latest.current = persisted;
      setText(persisted);
    }
  }, [persisted]);

  const flush = useCallback(async (): Promise<void> => {
    if (running.current) {
      await running.current;
      return flush();
    }
    if (!dirty.current) return;
    dirty.current = false;
    const value = latest.current;
    setState({ kind: 'saving' });
    const write = (async () => {
      try {
        await saveRef.current(value);
        if (!dirty.current) setState({ kind: 'saved' });
      } catch (e) {
        dirty.current = true;
        setState({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
        throw e;
      }
    })();
    running.current = write.catch(() => undefined).finally(() => (running.current = null));
    try {
      await write;
    } catch {
      return;
    }
    if (dirty.current) await flush();
  }, []);

  useRegisterFlush(flush);

  useEffect(() => {
    const onHide = () => {
      if (document.visibilityState === 'hidden') void flush();
    };
    document.addEventListener('visibilitychange', onHide);
    window.addEventListener('pagehide', flush);
    return () => {
      document.removeEventListener('visibilitychange', onHide);
      window.removeEventListener('pagehide', flush);
      void flush();
    };
  }, [flush]);

  const onInput = useCallback(
    (value: string) => {
      latest.current = value;
      dirty.current = true;
      setText(value);
      setState({ kind: 'dirty' });
      void flush();
    },
    [flush],
  );

  return { text, state, onInput, flush };
}

export function saveStateLabel(state: SaveState): string {
  switch (state.kind) {
    case 'saved':
      return '保存済み';
    case 'dirty':
      return '入力中（まもなく保存）';
    case 'saving':
      return '保存中…';
    case 'error':
      return `保存できませんでした: ${state.message}`;
  }
}
