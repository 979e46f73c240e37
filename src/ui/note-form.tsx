// The notes of an item: the form that adds a メモ or records a visit (訪問: 事業所 with the branch's
// known employers one tap away, purpose chips from the plan's list, 結果, 次回訪問予定), kept as a
// draft until saved, and the timeline of notes, each with 訂正 and 削除 for its author and leads.
// A field worker records a visit on a known employer with few taps: the form opens in the kind
// this device saved last, a recent employer is one tap (name and 事業所記号), a purpose one more.
import { useState } from 'preact/hooks';
import * as z from 'zod/mini';
import { useDraftForm } from './data/draft-form';
import { useActorName, useDb } from './data/hooks';
import { useCanCorrectAnyNote, useSession } from './data/sync-context';
import { rememberNoteKind, useBranchEmployers, useLastNoteKind, type NoteKind } from './data/visit-hooks';
import { addNote, correctNote, setNoteDeleted, type NoteCorrection } from '../sync/edits';
import { isoDateSchema, LIMITS, visitSchema, type Item, type Note, type Plan, type Visit } from '../model/schemas';
import { canCorrectNote, findEmployer, isLiveNote, noteDatesProblem, visitPurposesOf, type Employer } from '../model/visits';
import { formatMoment, localIsoDate, warekiDate } from '../model/wareki';
import { DraftState } from './draft-state';
import { useRegisterFlush } from './save-registry';
import { errorText } from './messages';
import './note-form.css';

/** How many recently visited employers are offered as one-tap buttons. */
const RECENT_EMPLOYERS = 4;

/** The form's fields as kept in the draft (strings only); purposes one per line. */
interface NoteFields extends Record<string, string> {
  kind: NoteKind;
  date: string;
  text: string;
  employer: string;
  code: string;
  purposes: string;
  nextDate: string;
}

type Message = { kind: 'ok' | 'error'; text: string; undo?: () => void } | null;

/** The `from` of a correction's draft, read back from the device. */
const noteCorrectionSchema = z.object({ date: isoDateSchema, text: z.string(), visit: z.optional(visitSchema) });

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return null;
  }
}

const purposeList = (fields: NoteFields): string[] => fields.purposes.split('\n').filter(Boolean);

/** Why the form cannot be saved, or null. */
function formProblem(fields: NoteFields): string | null {
  const what = fields.kind === 'visit' ? '結果' : 'メモ';
  if (fields.kind === 'visit' && !fields.employer.trim()) return '事業所名を入力してください。';
  if (fields.kind === 'visit' && fields.employer.trim().length > LIMITS.employerName) return `事業所名は${LIMITS.employerName}文字までです。`;
  if (fields.kind === 'visit' && fields.code.trim().length > LIMITS.employerCode) return `事業所記号は${LIMITS.employerCode}文字までです。`;
  if (!fields.date) return '日付を入力してください。';
  const dates = noteDatesProblem(fields.date, fields.kind === 'visit' && fields.nextDate ? fields.nextDate : undefined, localIsoDate(new Date()));
  if (dates) return dates;
  if (!fields.text.trim()) return fields.kind === 'visit' ? '結果を入力してください。' : 'メモの内容を入力してください。';
  if (fields.text.length > LIMITS.noteText) return `${what}は${LIMITS.noteText}文字までです（いま${fields.text.length}文字）。`;
  return null;
}

function visitOf(fields: NoteFields): Visit | undefined {
  if (fields.kind !== 'visit') return undefined;
  return {
    employer: fields.employer.trim(),
    ...(fields.code.trim() ? { employerCode: fields.code.trim() } : {}),
    purposes: purposeList(fields),
    ...(fields.nextDate ? { nextDate: fields.nextDate } : {}),
  };
}

export function NotesSection({ plan, item, notes }: { plan: Plan; item: Item; notes: Note[] }) {
  const live = notes.filter(isLiveNote);
  const [message, setMessage] = useState<Message>(null);
  const lastKind = useLastNoteKind();
  return (
    <section class="notes" aria-labelledby="notes-heading">
      <h2 id="notes-heading">メモ・訪問記録</h2>
      {/* The form starts in the kind this device saved last, so it waits for it. */}
      {!lastKind.loading && <NewNoteForm plan={plan} item={item} startKind={lastKind.value} onMessage={setMessage} />}
      {message && (
        <p role={message.kind === 'error' ? 'alert' : 'status'} class={message.kind === 'error' ? 'error' : 'ok'}>
          {message.text}
          {message.undo && (
            <button type="button" class="link-button" onClick={message.undo}>
              元に戻す
            </button>
          )}
        </p>
      )}
      {live.length === 0 ? (
        <p class="hint">まだメモも訪問記録もありません。</p>
      ) : (
        <ol class="timeline" aria-label="メモの一覧">
          {live.map((n) => (
            // Keyed by the note alone: a colleague's correction arriving must not rebuild a form
            // being typed in (focus, the keyboard, an IME composition); what was not typed in it
            // follows the note as it is now (NoteEntry), and only what was is sent.
            <NoteEntry key={n.id} plan={plan} note={n} onMessage={setMessage} />
          ))}
        </ol>
      )}
      <RemovedNotes plan={plan} notes={notes} onMessage={setMessage} />
    </section>
  );
}

/**
 * The removed notes this person may bring back (their own; a lead's, any), folded: a removal
 * stays undoable after its 元に戻す message is gone, as the server allows.
 */
function RemovedNotes({ plan, notes, onMessage }: { plan: Plan; notes: Note[]; onMessage: (m: Message) => void }) {
  const db = useDb();
  const actor = useActorName();
  const isLead = useCanCorrectAnyNote(plan);
  const me = useSession()?.user.id ?? null;
  const removed = notes.filter((n) => !isLiveNote(n) && canCorrectNote(n, me, isLead));
  if (removed.length === 0) return null;
  async function restore(note: Note) {
    const what = note.visit ? '訪問記録' : 'メモ';
    try {
      await setNoteDeleted(db, note.id, false, actor);
      onMessage({ kind: 'ok', text: `${what}を元に戻しました。` });
    } catch (err) {
      onMessage({ kind: 'error', text: errorText(err) });
    }
  }
  return (
    <details class="removed-notes">
      <summary>削除したメモ・訪問記録（{removed.length}件）</summary>
      <ul>
        {removed.map((n) => {
          const day = formatMoment({ date: n.date });
          const what = n.visit ? '訪問記録' : 'メモ';
          return (
            <li key={n.id}>
              <span>
                {day}・{n.author}
                {n.visit && `・${n.visit.employer}`}：{n.text}
              </span>
              <button type="button" aria-label={`${day}の${what}を元に戻す`} onClick={() => void restore(n)}>
                元に戻す
              </button>
            </li>
          );
        })}
      </ul>
    </details>
  );
}

function NewNoteForm({ plan, item, startKind, onMessage }: { plan: Plan; item: Item; startKind: NoteKind; onMessage: (m: Message) => void }) {
  const db = useDb();
  const actor = useActorName();
  const [today] = useState(() => localIsoDate(new Date()));
  const empty: NoteFields = { kind: startKind, date: today, text: '', employer: '', code: '', purposes: '', nextDate: '' };
  // What is typed here is kept on the device as a draft until it is saved or discarded.
  const draft = useDraftForm(`note:${item.id}`, empty);
  useRegisterFlush(draft.flush);
  const fields = draft.fields;

  async function onSubmit(e: Event) {
    e.preventDefault();
    const problem = formProblem(fields);
    if (problem) {
      onMessage({ kind: 'error', text: problem });
      return;
    }
    try {
      const visit = visitOf(fields);
      await addNote(db, { planId: plan.id, itemId: item.id, date: fields.date, text: fields.text, ...(visit ? { visit } : {}) }, actor);
      await rememberNoteKind(db, fields.kind);
      await draft.reset({ ...empty, kind: fields.kind });
      onMessage({ kind: 'ok', text: visit ? `${visit.employer}への訪問を保存しました。` : 'メモを保存しました。' });
    } catch (err) {
      onMessage({ kind: 'error', text: errorText(err) });
    }
  }

  return (
    <form class={`note-form note-form-${fields.kind}`} aria-label={fields.kind === 'visit' ? '訪問の記録' : 'メモの追加'} onSubmit={onSubmit}>
      <fieldset class="note-kind">
        <legend class="visually-hidden">種類</legend>
        {(
          [
            ['memo', 'メモ'],
            ['visit', '訪問'],
          ] as const
        ).map(([kind, label]) => (
          <button key={kind} type="button" class="toggle" aria-pressed={fields.kind === kind} onClick={() => draft.set({ kind })}>
            {label}
          </button>
        ))}
      </fieldset>
      <NoteFieldsInput plan={plan} fields={fields} set={draft.set} idPrefix={`new-${item.id}`} />
      {draft.isDraft && (
        <DraftState
          what={fields.kind === 'visit' ? '訪問記録' : 'メモ'}
          saving={draft.saving}
          failed={draft.failed}
          onDiscard={() => void draft.reset({ ...empty, kind: fields.kind }).then(() => onMessage(null))}
        />
      )}
      {/* Last in the form: on a phone it sticks to the bottom of the screen, under the thumb. */}
      <div class="note-form-actions">
        <button type="submit" class="primary save-note">
          {fields.kind === 'visit' ? '訪問を保存' : 'メモを追加'}
        </button>
      </div>
    </form>
  );
}

/** The fields of a note or a visit, for a new one and for a correction alike. */
function NoteFieldsInput({ plan, fields, set, idPrefix }: { plan: Plan; fields: NoteFields; set: (patch: Partial<NoteFields>) => void; idPrefix: string }) {
  const visit = fields.kind === 'visit';
  return (
    <>
      {visit && <EmployerInput plan={plan} fields={fields} set={set} idPrefix={idPrefix} />}
      {visit && <PurposeChips plan={plan} fields={fields} set={set} />}
      <div class="note-dates">
        <label class="field">
          {visit ? '訪問日' : '日付'}
          <input type="date" required value={fields.date} onInput={(e) => set({ date: e.currentTarget.value })} />
        </label>
        {visit && (
          <label class="field">
            次回訪問予定
            <input type="date" value={fields.nextDate} min={fields.date} onInput={(e) => set({ nextDate: e.currentTarget.value })} />
          </label>
        )}
      </div>
      <label class="field field-grow">
        {visit ? '結果' : 'メモ'}
        <textarea rows={3} value={fields.text} onInput={(e) => set({ text: e.currentTarget.value })} />
      </label>
    </>
  );
}

function EmployerInput({ plan, fields, set, idPrefix }: { plan: Plan; fields: NoteFields; set: (patch: Partial<NoteFields>) => void; idPrefix: string }) {
  const employers = useBranchEmployers(plan);
  const known: Employer[] = employers.loading ? [] : employers.value;
  const listId = `${idPrefix}-employers`;
  const choose = (e: Employer) => set({ employer: e.name, code: e.code });
  const recent = known.slice(0, RECENT_EMPLOYERS).filter((e) => e.name !== fields.employer.trim());
  return (
    <div class="employer">
      <div class="employer-inputs">
        <label class="field field-grow">
          事業所名
          <input
            type="text"
            list={listId}
            autoComplete="off"
            maxLength={LIMITS.employerName}
            value={fields.employer}
            onInput={(e) => {
              const name = e.currentTarget.value;
              // Choosing a known employer from the list fills its 事業所記号 (a typed one stays).
              const match = findEmployer(known, name);
              set(match && !fields.code ? { employer: name, code: match.code } : { employer: name });
            }}
          />
        </label>
        <label class="field employer-code">
          事業所記号
          <input type="text" autoComplete="off" maxLength={LIMITS.employerCode} value={fields.code} onInput={(e) => set({ code: e.currentTarget.value })} />
        </label>
      </div>
      <datalist id={listId}>
        {known.map((e) => (
          <option key={e.name} value={e.name}>
            {e.code}
          </option>
        ))}
      </datalist>
      {recent.length > 0 && (
        <fieldset class="recent-employers">
          <legend>最近訪問した事業所</legend>
          {recent.map((e) => (
            <button key={e.name} type="button" class="chip-button" onClick={() => choose(e)}>
              {e.name}
            </button>
          ))}
        </fieldset>
      )}
    </div>
  );
}

function PurposeChips({ plan, fields, set }: { plan: Plan; fields: NoteFields; set: (patch: Partial<NoteFields>) => void }) {
  const chosen = purposeList(fields);
  // A purpose the plan no longer lists stays choosable on a visit that names it.
  const names = [...new Set([...visitPurposesOf(plan).map((p) => p.name), ...chosen])];
  const toggle = (name: string) => {
    const next = chosen.includes(name) ? chosen.filter((p) => p !== name) : [...chosen, name];
    set({ purposes: names.filter((n) => next.includes(n)).join('\n') });
  };
  return (
    <fieldset class="purpose-chips">
      <legend>訪問目的</legend>
      {names.map((name) => (
        <button key={name} type="button" class="toggle chip-button" aria-pressed={chosen.includes(name)} onClick={() => toggle(name)}>
          {name}
        </button>
      ))}
    </fieldset>
  );
}

function fieldsOf(note: Note): NoteFields {
  return {
    kind: note.visit ? 'visit' : 'memo',
    date: note.date,
    text: note.text,
    employer: note.visit?.employer ?? '',
    code: note.visit?.employerCode ?? '',
    purposes: (note.visit?.purposes ?? []).join('\n'),
    nextDate: note.visit?.nextDate ?? '',
  };
}

/** The note as a correction starts from it, kept in the correction's draft (`from`). */
function correctionOf(note: Note): NoteCorrection {
  return { date: note.date, text: note.text, ...(note.visit ? { visit: note.visit } : {}) };
}

/**
 * A correction's draft before anything is typed: nothing (not the note, which may change under
 * it). The first keystroke fills in the whole form from the note as it is then (NoteEntry).
 */
const NO_CORRECTION: NoteFields & { from: string } = { kind: 'memo', date: '', text: '', employer: '', code: '', purposes: '', nextDate: '', from: '' };

function NoteEntry({ plan, note, onMessage }: { plan: Plan; note: Note; onMessage: (m: Message) => void }) {
  const db = useDb();
  const actor = useActorName();
  const isLead = useCanCorrectAnyNote(plan);
  const me = useSession()?.user.id ?? null;
  const allowed = canCorrectNote(note, me, isLead);
  // A correction being written is a draft too: it survives a reload, and reopens with it.
  const fix = useDraftForm(`note-fix:${note.id}`, NO_CORRECTION);
  useRegisterFlush(fix.flush);
  const [open, setOpen] = useState(false);
  // Until something is typed the form shows the note as it is now (a colleague's correction
  // included), and the first keystroke starts the draft from there.
  const current = { ...fieldsOf(note), from: JSON.stringify(correctionOf(note)) };
  const editing = allowed && (open || fix.isDraft) ? (fix.isDraft ? fix.fields : current) : null;
  const setFix = (patch: Partial<typeof current>) => fix.set(fix.isDraft ? patch : { ...current, ...patch });
  const [confirming, setConfirming] = useState(false);
  const what = note.visit ? '訪問記録' : 'メモ';
  const corrected = note.updatedAt !== undefined && !!note.updatedBy && note.updatedAt !== note.createdAt;

  function startCorrection() {
    // From the note as it is now, whatever an earlier correction left in the form.
    void fix.reset();
    setOpen(true);
  }

  function stopCorrection() {
    void fix.reset();
    setOpen(false);
  }

  async function saveCorrection(e: Event) {
    e.preventDefault();
    if (!editing) return;
    const problem = formProblem(editing);
    if (problem) {
      onMessage({ kind: 'error', text: problem });
      return;
    }
    const values = editing;
    // The draft goes first: the corrected note re-renders this entry, which must not find the
    // draft again.
    await fix.reset();
    try {
      const visit = visitOf(values);
      const from = noteCorrectionSchema.safeParse(safeJson(values.from));
      await correctNote(db, note.id, { date: values.date, text: values.text, ...(visit ? { visit } : {}) }, actor, from.success ? from.data : undefined);
      setOpen(false);
      onMessage({ kind: 'ok', text: `${what}を訂正しました。前の内容は変更履歴に残ります。` });
    } catch (err) {
      fix.set(values);
      onMessage({ kind: 'error', text: errorText(err) });
    }
  }

  async function remove(deleted: boolean) {
    try {
      await setNoteDeleted(db, note.id, deleted, actor);
      setConfirming(false);
      onMessage(deleted ? { kind: 'ok', text: `${what}を削除しました。`, undo: () => void remove(false) } : { kind: 'ok', text: `${what}を元に戻しました。` });
    } catch (err) {
      onMessage({ kind: 'error', text: errorText(err) });
    }
  }

  return (
    <li class={note.visit ? 'note-visit' : undefined}>
      <p class="timeline-meta">
        <time dateTime={note.date}>{formatMoment({ date: note.date }, { seireki: true })}</time>・{note.author}
        {corrected && `・訂正 ${note.updatedBy}`}
      </p>
      {editing ? (
        <form class="note-form note-correction" aria-label={`${what}の訂正`} onSubmit={saveCorrection}>
          <NoteFieldsInput plan={plan} fields={editing} set={setFix} idPrefix={`fix-${note.id}`} />
          <div class="note-form-actions">
            <button type="submit" class="primary">
              訂正を保存
            </button>
            <button type="button" onClick={stopCorrection}>
              やめる
            </button>
          </div>
        </form>
      ) : (
        <>
          {note.visit && (
            <p class="visit-line">
              <strong>訪問</strong> {note.visit.employer}
              {note.visit.employerCode && `（${note.visit.employerCode}）`}
              {note.visit.purposes.map((p) => (
                <span key={p} class="chip chip-purpose">
                  {p}
                </span>
              ))}
            </p>
          )}
          <p class="timeline-text">{note.text}</p>
          {note.visit?.nextDate && <p class="timeline-meta">次回訪問予定 {warekiDate(note.visit.nextDate)}</p>}
        </>
      )}
      {allowed && !editing && (
        <div class="note-actions">
          {confirming ? (
            <>
              <span>この{what}を削除しますか？</span>
              <button type="button" class="danger" onClick={() => void remove(true)}>
                削除する
              </button>
              <button type="button" onClick={() => setConfirming(false)}>
                やめる
              </button>
            </>
          ) : (
            <>
              <button type="button" aria-label={`${warekiDate(note.date)}の${what}を訂正`} onClick={startCorrection}>
                訂正
              </button>
              <button type="button" aria-label={`${warekiDate(note.date)}の${what}を削除`} onClick={() => setConfirming(true)}>
                削除
              </button>
            </>
          )}
        </div>
      )}
    </li>
  );
}
