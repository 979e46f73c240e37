// Autosave for a text a person types, driving the pure state machine of
// src/model/autosave-state.ts with the field's DOM events and the stored text. Every edit is
// written at once (a killed tab loses at most the write in flight), one write at a time, never
// mid-IME-composition. The hook reads the stored text itself, one read at a time and once more
// after every change signalled meanwhile and every write's end, so no read returns an older
// value than the one before; a change from elsewhere is merged into the text with the caret kept
// where it was.
import type { Ref } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { DbError, DB_ERROR } from '../db/errors';
import type { TextStore } from '../sync/text-store';
import {
  autosaveReducer,
  finalWrite,
  initialAutosave,
  isDirty,
  mapCaret,
  nextWrite,
  type AutosaveEvent,
  type AutosaveState,
  type Write,
} from '../model/autosave-state';
import { errorText } from './messages';
import { useRegisterFlush } from './save-registry';

export type SaveState = { kind: 'saved' } | { kind: 'dirty' } | { kind: 'saving' } | { kind: 'error'; message: string };

type TextElement = HTMLTextAreaElement | HTMLInputElement;

export interface AutosaveBinding<E extends TextElement> {
  ref: Ref<E>;
  value: string;
  onInput: (e: Event) => void;
  onCompositionStart: () => void;
  onCompositionEnd: (e: Event) => void;
  onBlur: () => void;
}

/**
 * A text typed into a form that is saved when the form is submitted, while another tab or
 * device may change the same text: nothing is written here, but what comes back from the
 * database is merged into the person's text exactly as in an autosaved field.
 */
export function useSharedText<E extends TextElement = HTMLInputElement>(persisted: string) {
  return useAutosave<E>(persisted, null);
}

/**
 * `store` null: the text is saved elsewhere (a form's submit) and `persisted` (from a live
 * query) is what is stored; see useSharedText. With a store, `persisted` is only where the
 * field starts: the hook reads the store from then on.
 */
export function useAutosave<E extends TextElement = HTMLTextAreaElement>(persisted: string, store: TextStore | null) {
  const machine = useRef<AutosaveState>(initialAutosave(persisted));
  const element = useRef<E>(null);
  const running = useRef<Promise<void> | null>(null);
  const reads = useRef<{ running: Promise<void> | null; again: boolean }>({ running: null, again: false });
  const storeRef = useRef(store);
  storeRef.current = store;
  const storeKey = store?.key ?? null;
  const [, rerender] = useState(0);

  const start = useCallback((w: Write): Promise<void> => {
    const saveText = storeRef.current?.save;
    if (!saveText) return Promise.resolve();
    machine.current = autosaveReducer(machine.current, { type: 'writeStarted', write: w });
    const write = saveText(w.value, w.base, w.ancestor).then(
      () => dispatch({ type: 'writeSucceeded', write: w }),
      (e: unknown) =>
        dispatch(
          e instanceof DbError && e.code === DB_ERROR.stale ? { type: 'writeStale', write: w } : { type: 'writeFailed', write: w, message: errorText(e) },
        ),
    );
    // A read that overlapped the write does not count (autosave-state.ts): one more after its end.
    running.current = write.then(read);
    return running.current;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  /** Reads the stored text, or, with a read under way, once more after it. */
  const read = useCallback((): void => {
    const readText = storeRef.current?.read;
    const r = reads.current;
    if (!readText) return;
    if (r.running) {
      r.again = true;
      return;
    }
    const after = machine.current.writesEnded;
    r.running = readText()
      .then(
        (value) => dispatch({ type: 'readBack', value, after }),
        (e: unknown) => console.error('Reading a saved text failed', e),
      )
      .finally(() => {
        r.running = null;
        if (r.again) {
          r.again = false;
          read();
        }
      });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  /** Until no read is under way or asked for. */
  const readsDone = useCallback(async (): Promise<void> => {
    while (reads.current.running) await reads.current.running;
  }, []);

  const dispatch = useCallback((e: AutosaveEvent) => {
    const before = machine.current;
    const after = autosaveReducer(before, e);
    machine.current = after;
    const el = element.current;
    // A merge changed the text: put it on screen now, before the next key can land on the old
    // text, and keep the caret and selection where they were in the person's words.
    if (after.replaced !== before.replaced && el) {
      const focused = el.ownerDocument.activeElement === el;
      const [from, to] = [el.selectionStart ?? before.text.length, el.selectionEnd ?? before.text.length];
      el.value = after.text;
      if (focused) el.setSelectionRange(mapCaret(before.text, after.text, from), mapCaret(before.text, after.text, to));
    }
    const w = storeRef.current && nextWrite(machine.current);
    if (w) void start(w);
    rerender((n) => n + 1);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => storeRef.current?.watch(read), [storeKey, read]);

  // Without a store, the live query's values are the reads (nothing is written here to overlap them).
  useEffect(() => {
    if (!storeRef.current) dispatch({ type: 'readBack', value: persisted, after: machine.current.writesEnded });
  }, [persisted, dispatch]);

  /** Writes what is on screen now (leaving the page, an app update), composition or not. */
  const flush = useCallback(async (): Promise<void> => {
    if (!storeRef.current) return;
    for (let tries = 0; tries < 20; tries++) {
      if (machine.current.inFlight) {
        await running.current;
        continue;
      }
      // A stale write waits for the read that says what is stored, to write on top of it.
      if (machine.current.awaitingRead) await readsDone();
      if (machine.current.awaitingRead) return;
      const w = finalWrite(machine.current);
      if (!w) return;
      await start(w);
      if (machine.current.error !== null) return;
    }
  }, [start, readsDone]);

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

  const bind: AutosaveBinding<E> = {
    ref: element,
    value: machine.current.text,
    onInput: (e) => {
      const value = (e.currentTarget as TextElement).value;
      const composing = machine.current.composing || (e as InputEvent).isComposing === true;
      dispatch(composing ? { type: 'compositionupdate', value } : { type: 'input', value });
    },
    onCompositionStart: () => dispatch({ type: 'compositionstart' }),
    onCompositionEnd: (e) => dispatch({ type: 'compositionend', value: (e.currentTarget as TextElement).value }),
    onBlur: () => dispatch({ type: 'retry' }),
  };

  return { text: machine.current.text, state: saveStateOf(machine.current), bind, flush };
}

function saveStateOf(s: AutosaveState): SaveState {
  if (s.error !== null) return { kind: 'error', message: s.error };
  if (s.inFlight) return { kind: 'saving' };
  if (s.composing || isDirty(s)) return { kind: 'dirty' };
  return { kind: 'saved' };
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
