// The hook of a form whose unsent input is kept as a draft on the device (src/db/drafts.ts):
// every change is written in order, so a reload, a killed tab or an update never loses it.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { discardDraft, readDraft, saveDraft } from '../../db/drafts';
import { useDb } from './hooks';

export interface DraftForm<F extends Record<string, string>> {
  fields: F;
  /** A draft of this form is kept on the device (the form differs from its empty state). */
  isDraft: boolean;
  /** The latest change is not on the device yet (a write is under way). */
  saving: boolean;
  /** The last write of the draft failed (full storage, a closed database): it is not kept. */
  failed: boolean;
  /** Changes fields and keeps the form as a draft (or drops the draft when it is empty again). */
  set: (patch: Partial<F>) => void;
  /** The person discards the draft, or submitted the form: back to the empty form, draft gone. */
  reset: (to?: F) => Promise<void>;
  /** Resolves when every change so far is kept on the device. */
  flush: () => Promise<void>;
}

/**
 * A form whose fields are kept as a draft under `key`. `empty` is the form with nothing typed
 * (a draft equal to it is no draft). A draft read back after the person already typed does
 * not overwrite their typing.
 */
export function useDraftForm<F extends Record<string, string>>(key: string, empty: F): DraftForm<F> {
  const db = useDb();
  const [fields, setFields] = useState<F>(empty);
  const [saving, setSaving] = useState(false);
  const [failed, setFailed] = useState(false);
  const current = useRef(fields);
  const touched = useRef(false);
  /**
   * The latest form not written yet (null: none), with the key it belongs to (the screen may
   * have moved to another item's form while a write ran); `discard` drops the draft instead.
   */
  const pending = useRef<{ key: string; fields: F; discard: boolean } | null>(null);
  const queued = useRef<{ key: string; fields: F; discard: boolean }[]>([]);
  const pump = useRef<Promise<void> | null>(null);
  const emptyRef = useRef(empty);
  emptyRef.current = empty;

  useEffect(() => {
    let live = true;
    touched.current = false;
    void readDraft(db, key).then(
      (draft) => {
        if (!live || touched.current || !draft) return;
        const restored = { ...emptyRef.current, ...draft.fields } as F;
        current.current = restored;
        setFields(restored);
      },
      (e: unknown) => console.error('Reading a draft failed', e),
    );
    return () => {
      live = false;
    };
  }, [db, key]);

  // One write at a time, always of the latest form: typing faster than the device writes
  // skips the forms in between instead of queueing them, so what is on the device is at most
  // one write behind the screen (a reload right after typing keeps all but that write).
  const keep = useCallback(
    (next: F, discard: boolean) => {
      const earlier = pending.current;
      // A form of another key not written yet goes first: only the latest of one key is skipped.
      if (earlier && earlier.key !== key) queued.current.push(earlier);
      pending.current = { key, fields: next, discard: discard || sameFields(next, emptyRef.current) };
      setSaving(true);
      if (pump.current) return pump.current;
      pump.current = (async () => {
        let ok = true;
        for (let job = queued.current.shift() ?? pending.current; job; job = queued.current.shift() ?? pending.current) {
          if (job === pending.current) pending.current = null;
          try {
            await (job.discard ? discardDraft(db, job.key) : saveDraft(db, job.key, job.fields));
            ok = true;
          } catch (e: unknown) {
            ok = false;
            console.error('Keeping a draft failed', e);
          }
        }
        pump.current = null;
        setFailed(!ok);
        setSaving(false);
      })();
      return pump.current;
    },
    [db, key],
  );

  const set = useCallback(
    (patch: Partial<F>) => {
      touched.current = true;
      const next = { ...current.current, ...patch } as F;
      current.current = next;
      setFields(next);
      void keep(next, false);
    },
    [keep],
  );

  const reset = useCallback(
    async (to?: F) => {
      touched.current = true;
      const next = to ?? emptyRef.current;
      current.current = next;
      setFields(next);
      await keep(next, true);
    },
    [keep],
  );

  const flush = useCallback(() => pump.current ?? Promise.resolve(), []);

  return { fields, isDraft: !sameFields(fields, empty), saving, failed, set, reset, flush };
}

function sameFields(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => (a[k] ?? '') === (b[k] ?? ''));
}
