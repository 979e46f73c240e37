// Autosave for a text a person types, driving the pure state machine of
// src/model/autosave-state.ts with the field's DOM events and the live query's values. Every
// edit is written at once (a killed tab loses at most the write in flight), one write at a
// time, never mid-IME-composition; a value read back is the field's own echo, an old value, or
// a change from elsewhere that is merged into the text with the caret kept where it was.
import type { Ref } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { DbError, DB_ERROR } from '../db/errors';
import { autosaveReducer, finalWrite, initialAutosave, isDirty, mapCaret, nextWrite, type AutosaveEvent, type AutosaveState, type Write } from '../model/autosave-state';
import { useRegisterFlush } from './save-registry';

export type SaveState = { kind: 'saved' } | { kind: 'dirty' } | { kind: 'saving' } | { kind: 'error'; message: string };

type TextElement = HTMLTextAreaElement | HTMLInputElement;

/** Writes `value` where the stored text is still `expected` (else throws DbError `stale`). */
export type SaveText = (value: string, expected: string) => Promise<void>;

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

/** `save` null: the text is saved elsewhere (a form's submit); see useSharedText. */
export function useAutosave<E extends TextElement = HTMLTextAreaElement>(persisted: string, save: SaveText | null) {
  const machine = useRef<AutosaveState>(initialAutosave(persisted));
  const element = useRef<E>(null);
  const running = useRef<Promise<void> | null>(null);
  const saveRef = useRef(save);
  saveRef.current = save;
  const [, rerender] = useState(0);

  const start = useCallback((w: Write): Promise<void> => {
    const saveText = saveRef.current;
    if (!saveText) return Promise.resolve();
    machine.current = autosaveReducer(machine.current, { type: 'writeStarted', write: w });
    const write = saveText(w.value, w.base).then(
      () => dispatch({ type: 'writeSucceeded', write: w }),
      (e: unknown) =>
        dispatch(e instanceof DbError && e.code === DB_ERROR.stale ? { type: 'writeStale', write: w } : { type: 'writeFailed', write: w, message: e instanceof Error ? e.message : String(e) }),
    );
    running.current = write;
    return write;
    // eslint-disable-next-line react-hooks/exhaustive-deps
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
    const w = saveRef.current && nextWrite(machine.current);
    if (w) void start(w);
    rerender((n) => n + 1);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => dispatch({ type: 'readBack', value: persisted }), [persisted, dispatch]);

  /** Writes what is on screen now (leaving the page, an app update), composition or not. */
  const flush = useCallback(async (): Promise<void> => {
    if (!saveRef.current) return;
    for (let tries = 0; tries < 20; tries++) {
      if (machine.current.inFlight) {
        await running.current;
        continue;
      }
      const w = finalWrite(machine.current);
      if (!w) return;
      await start(w);
      if (machine.current.error !== null || machine.current.awaitingRead) return;
    }
  }, [start]);

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
