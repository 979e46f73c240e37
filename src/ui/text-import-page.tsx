// The screen that turns a plan pasted as text (copied out of the branch's Word file or PDF) into
// a plan: the planner pastes, the app reads every line (src/model/plan-text.ts) and shows what
// each became — 柱 / 節 / 項目 / KPI / 理由 / 無視, with why — and what could not be placed. The
// planner changes a line's kind or fixes its label and sees the plan change; nothing is written
// until they confirm, and then the result is an ordinary plan. The pasted text, the choices made
// and the plan's name are kept as a draft on the device, so a reload loses none of it.
import type { VNode } from 'preact';
import { useCallback, useMemo, useRef, useState } from 'preact/hooks';
import * as z from 'zod/mini';
import { useDraftForm } from './data/draft-form';
import { useActorName, useDb } from './data/hooks';
import { useImportTarget } from './data/import-target';
import { importPlanFile } from '../sync/plan-io';
import { parsePlanFile, walkSections, type PlanFile, type PlanFileProblem } from '../model/plan-file';
import { classifyPlanText, LINE_KIND_LABELS, LINE_KINDS, proposePlan, type LineKind, type PlanTextLine } from '../model/plan-text';
import { PERIOD_KIND_LABELS } from '../model/period';
import { LIMITS, PERIOD_KINDS } from '../model/schemas';
import { bothFiscalYear, fiscalYearFromWareki, fiscalYearOfMonth, localIsoDate, toHalfWidth } from '../model/wareki';
import { DraftState } from './draft-state';
import { ImportBranchSelect } from './import-branch-select';
import { Link } from './link';
import { errorText } from './messages';
import { navigate, paths } from './router';
import './text-import-page.css';

/**
 * What the planner changed of a line, by its place among the lines read (a pasted line may hold
 * more than one, e.g. several ① in a row, so a line number is no key; the text decides the lines,
 * and a new text starts with no changes).
 */
type LineEdit = { kind?: LineKind; label?: string; body?: string };
type Edits = Record<number, LineEdit>;

const EMPTY = { text: '', edits: '{}', branch: '', fiscalYear: '', title: '', periodKind: 'half', stage: 'paste' };

/** A pasted plan is large but not a book: the same bound as a plan file's longest text, ×50. */
const MAX_TEXT = LIMITS.longText * 50;

// The changes come back from the draft on the device: read with a schema, and a draft that does
// not parse counts as no changes (never as a screen that throws).
const editsSchema = z.record(
  z.string().check(z.regex(/^\d+$/)),
  z.object({
    kind: z.optional(z.enum(LINE_KINDS)),
    label: z.optional(z.string().check(z.maxLength(LIMITS.shortText))),
    body: z.optional(z.string().check(z.maxLength(LIMITS.longText))),
  }),
);

function parseEdits(text: string): Edits {
  try {
    const parsed = editsSchema.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data as Edits) : {};
  } catch {
    return {};
  }
}

/** 2025, 令和7 or R7 (年度 may follow) → 2025; undefined when it reads as no year. */
function readFiscalYear(text: string): number | undefined {
  const t = toHalfWidth(text).trim().replace(/年度$/, '');
  if (/^\d{4}$/.test(t)) {
    const year = Number(t);
    return year >= 1989 && year <= 2100 ? year : undefined;
  }
  return fiscalYearFromWareki(`${t}年度`);
}

export function TextImportPage() {
  const draft = useDraftForm('text-import', EMPTY);
  const { fields, set } = draft;
  const { adminBranches, target, choose, canImport } = useImportTarget();
  const tooLong = fields.text.length > MAX_TEXT;
  const editCount = Object.keys(parseEdits(fields.edits)).length;

  if (!canImport) {
    return (
      <section class="page">
        <h1>計画の文章から読み込む</h1>
        <p>計画の読み込みは支部の管理者が行います。</p>
        <Link href={paths.plans()}>計画の一覧へ</Link>
      </section>
    );
  }
  return (
    <section class="page text-import">
      <nav class="breadcrumb" aria-label="パンくず">
        <Link href={paths.plans()}>← 計画の一覧</Link>
      </nav>
      <h1>計画の文章から読み込む</h1>
      {fields.stage === 'review' && fields.text.trim() && !tooLong ? (
        <Review draft={draft} adminBranches={adminBranches} target={target} choose={choose} />
      ) : (
        <>
          <p class="hint">
            事業計画の文章（WordやPDFからコピーしたもの）を貼り付けて「読み取る」を押すと、柱・節・項目・KPIを読み取って、確かめられるように表示します。確定するまで何も保存しません。
          </p>
          <label class="field">
            計画の文章
            <textarea
              class="text-import-source"
              value={fields.text}
              rows={14}
              aria-invalid={tooLong}
              // The person's choices on the review belong to the lines of this text: a changed text is read afresh.
              onInput={(e) => set({ text: e.currentTarget.value, ...(e.currentTarget.value !== fields.text ? { edits: '{}' } : {}) })}
            />
          </label>
          {editCount > 0 && <p class="hint">文章を変えると、読み取ったあとに直した種類・番号（{editCount}行）は取り消されます。</p>}
          {tooLong && (
            <p role="alert" class="error">
              文章が長すぎます（{fields.text.length.toLocaleString('ja-JP')}文字。{MAX_TEXT.toLocaleString('ja-JP')}文字まで）。計画を分けて読み込んでください。
            </p>
          )}
          {draft.isDraft && <DraftState what="貼り付けた文章" saving={draft.saving} failed={draft.failed} onDiscard={() => void draft.reset()} />}
          <div class="text-import-actions">
            <button type="button" class="primary" disabled={!fields.text.trim() || tooLong} onClick={() => set({ stage: 'review' })}>
              読み取る
            </button>
          </div>
        </>
      )}
    </section>
  );
}

function Review({
  draft,
  adminBranches,
  target,
  choose,
}: {
  draft: ReturnType<typeof useDraftForm<typeof EMPTY>>;
  adminBranches: { id: string; name: string }[] | null;
  target: { id: string; name: string } | undefined;
  choose: (id: string) => void;
}) {
  const db = useDb();
  const actor = useActorName();
  const { fields, set } = draft;
  const [saving, setSaving] = useState<
    { kind: 'idle' } | { kind: 'saving' } | { kind: 'error'; message: string } | { kind: 'problems'; problems: PlanFileProblem[] }
  >({
    kind: 'idle',
  });
  const read = useMemo(() => classifyPlanText(fields.text), [fields.text]);
  const edits = useMemo(() => parseEdits(fields.edits), [fields.edits]);
  const lines = useMemo(() => read.map((l, i) => (edits[i] ? { ...l, ...edits[i] } : l)), [read, edits]);
  // 「20行目」, and 「20行目（2）」 for the second line read from line 20.
  const names = useMemo(() => {
    const seen = new Map<number, number>();
    return read.map((l) => {
      const n = (seen.get(l.line) ?? 0) + 1;
      seen.set(l.line, n);
      return n === 1 ? `${l.line}行目` : `${l.line}行目（${n}）`;
    });
  }, [read]);
  const typedYear = fields.fiscalYear.trim() ? readFiscalYear(fields.fiscalYear) : undefined;
  const proposal = useMemo(() => {
    return proposePlan(lines, {
      ...(fields.branch.trim() ? { branch: fields.branch.trim() } : {}),
      ...(typedYear === undefined ? {} : { fiscalYear: typedYear }),
      ...(fields.title.trim() ? { title: fields.title.trim() } : {}),
      periodKind: PERIOD_KINDS.find((k) => k === fields.periodKind) ?? 'half',
      // A text that names no year is this year's plan.
      defaultFiscalYear: fiscalYearOfMonth(localIsoDate(new Date()).slice(0, 7)),
    });
  }, [lines, fields.branch, typedYear, fields.title, fields.periodKind]);
  const counts = useMemo(() => countsOf(proposal.file), [proposal]);
  const yearRefused = fields.fiscalYear.trim() !== '' && typedYear === undefined;
  const plan = proposal.file.plan;

  // One callback for every row, reading the latest changes, and each row's element kept while its
  // line is unchanged (Preact skips an element it has drawn before): a keystroke in one row of a
  // thousand redraws that row alone.
  const editsNow = useRef(edits);
  editsNow.current = edits;
  const edit = useCallback(
    (index: number, change: LineEdit) => set({ edits: JSON.stringify({ ...editsNow.current, [index]: { ...editsNow.current[index], ...change } }) }),
    [set],
  );
  const drawn = useRef(new Map<number, { line: PlanTextLine; edited: boolean; row: VNode }>());
  const rows = lines.map((l, i) => {
    const edited = edits[i] !== undefined;
    const kept = drawn.current.get(i);
    if (kept && kept.line === l && kept.edited === edited) return kept.row;
    const row = <LineRow key={i} index={i} name={names[i]!} line={l} edited={edited} onEdit={edit} />;
    drawn.current.set(i, { line: l, edited, row });
    return row;
  });

  async function confirm() {
    const checked = parsePlanFile(proposal.file);
    if (!checked.ok) {
      setSaving({ kind: 'problems', problems: checked.problems });
      return;
    }
    setSaving({ kind: 'saving' });
    try {
      const planId = await importPlanFile(db, checked.file, actor, target?.id);
      await draft.reset();
      navigate(paths.plan(planId));
    } catch (e) {
      setSaving({ kind: 'error', message: errorText(e) });
    }
  }

  return (
    <>
      <p class="text-import-counts" role="status">
        柱 {counts.pillars}・節 {counts.sections}・項目 {counts.items}・KPI {counts.kpis}
        {proposal.unplaced.length > 0 && `・計画に入らなかった行 ${proposal.unplaced.length}`}
      </p>
      <fieldset class="text-import-meta">
        <legend>計画</legend>
        <label class="field">
          支部
          {/* Empty: what the text says (the placeholder), so clearing a field never snaps back to it. */}
          <input value={fields.branch} placeholder={plan.branch} maxLength={LIMITS.shortText} onInput={(e) => set({ branch: e.currentTarget.value })} />
        </label>
        <label class="field field-number">
          年度
          <input
            value={fields.fiscalYear}
            placeholder={String(plan.fiscalYear)}
            aria-invalid={yearRefused}
            aria-describedby="text-import-year"
            onInput={(e) => set({ fiscalYear: e.currentTarget.value })}
          />
        </label>
        <span id="text-import-year" class={yearRefused ? 'error' : 'hint'}>
          {yearRefused ? '年度は 2025 や 令和7 のように入力してください' : bothFiscalYear(plan.fiscalYear)}
        </span>
        <label class="field field-grow">
          見出し
          <input value={fields.title} placeholder={plan.title} maxLength={LIMITS.shortText} onInput={(e) => set({ title: e.currentTarget.value })} />
        </label>
        <label class="field">
          報告期間
          <select value={fields.periodKind} onChange={(e) => set({ periodKind: e.currentTarget.value })}>
            {PERIOD_KINDS.map((k) => (
              <option key={k} value={k}>
                {PERIOD_KIND_LABELS[k]}
              </option>
            ))}
          </select>
        </label>
        <ImportBranchSelect adminBranches={adminBranches} target={target} choose={choose} />
      </fieldset>

      {proposal.unplaced.length > 0 && (
        <section class="text-import-unplaced" aria-labelledby="unplaced-title">
          <h2 id="unplaced-title">計画に入らなかった行（{proposal.unplaced.length}件）</h2>
          <p class="hint">種類を直すと計画に入ります。そのままでも確定できます（この行は計画に入りません）。</p>
          <ul>
            {[...proposal.unplaced]
              .sort((a, b) => a.line - b.line)
              .map((u, i) => (
                <li key={i}>
                  <a href={`#row-${read.findIndex((l) => l.line === u.line)}`}>{u.line}行目</a>：{u.text.length > 60 ? `${u.text.slice(0, 60)}…` : u.text}
                  <span class="hint">（{u.why}）</span>
                </li>
              ))}
          </ul>
        </section>
      )}

      <DraftState what="読み込みの内容" saving={draft.saving} failed={draft.failed} onDiscard={() => void draft.reset()} />
      <div class="text-import-actions">
        <button type="button" onClick={() => set({ stage: 'paste' })}>
          文章に戻る
        </button>
        <button type="button" class="primary" disabled={saving.kind === 'saving' || yearRefused} onClick={() => void confirm()}>
          この内容で計画を作成
        </button>
      </div>
      {saving.kind === 'error' && (
        <p role="alert" class="error">
          保存できませんでした: {saving.message}
        </p>
      )}
      {saving.kind === 'problems' && (
        <div role="alert" class="problems">
          <p>この内容では計画を作成できません（{saving.problems.length}件の問題）。何も保存していません。</p>
          <ul>
            {saving.problems.map((p, i) => (
              <li key={i}>
                <strong>{p.where}</strong>: {p.message}
              </li>
            ))}
          </ul>
        </div>
      )}

      <table class="text-import-lines">
        <caption>読み取った行（{lines.length}行）</caption>
        <thead>
          <tr>
            <th scope="col" class="col-line">
              行
            </th>
            <th scope="col" class="col-kind">
              種類
            </th>
            <th scope="col" class="col-label">
              番号
            </th>
            <th scope="col">内容</th>
          </tr>
        </thead>
        <tbody>{rows}</tbody>
      </table>
    </>
  );
}

function LineRow({
  index,
  name,
  line,
  edited,
  onEdit,
}: {
  index: number;
  name: string;
  line: PlanTextLine;
  edited: boolean;
  onEdit: (index: number, change: LineEdit) => void;
}) {
  // One row at a time gets a text box: a thousand of them would make the screen slow to draw.
  const [open, setOpen] = useState(false);
  return (
    <tr id={`row-${index}`} class={`line-${line.kind}${edited ? ' line-edited' : ''}`}>
      <th scope="row" class="col-line">
        {line.line}
      </th>
      <td>
        <select aria-label={`${name}の種類`} value={line.kind} onChange={(e) => onEdit(index, { kind: e.currentTarget.value as LineKind })}>
          {LINE_KINDS.map((k) => (
            <option key={k} value={k}>
              {LINE_KIND_LABELS[k]}
            </option>
          ))}
        </select>
      </td>
      <td>
        <input
          aria-label={`${name}の番号`}
          value={line.label}
          maxLength={LIMITS.shortText}
          disabled={line.kind === 'ignore' || line.kind === 'reason'}
          onInput={(e) => onEdit(index, { label: e.currentTarget.value })}
        />
      </td>
      <td>
        {open ? (
          <textarea
            class="line-body-edit"
            aria-label={`${name}の文言`}
            value={line.body}
            maxLength={LIMITS.longText}
            rows={3}
            onInput={(e) => onEdit(index, { body: e.currentTarget.value })}
          />
        ) : (
          <span class="line-body">{line.kind === 'ignore' ? line.text : line.body}</span>
        )}
        <span class="line-why">
          {line.why}
          {line.kind !== 'ignore' && (
            <button type="button" class="link-button" aria-label={open ? `${name}の文言を閉じる` : `${name}の文言を直す`} onClick={() => setOpen(!open)}>
              {open ? '閉じる' : '文言を直す'}
            </button>
          )}
        </span>
      </td>
    </tr>
  );
}

function countsOf(file: PlanFile): { pillars: number; sections: number; items: number; kpis: number } {
  let sections = 0;
  let items = 0;
  for (const { section, parent } of walkSections(file.sections)) {
    if (parent) sections++;
    items += section.items?.length ?? 0;
  }
  return { pillars: file.sections.length, sections, items, kpis: file.kpis?.length ?? 0 };
}
