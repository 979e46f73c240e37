// The structure screen, for the people who maintain a plan: its title and reporting period, the
// section tree (柱 › 区分) with its items, and the KPIs. Every change is written at once through
// the repository; deletes are tombstones with 「元に戻す」, and bad input writes nothing.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useActorName, useDb, usePlanStructure } from './data/hooks';
import { createItem, createKpi, createSection, moveRecord, setDeleted, updateRecord } from '../sync/edits';
import { describeTarget } from '../model/kpi-judgement';
import { kpisInPlanOrder } from '../model/kpi-order';
import { keyAfter } from '../model/order-key';
import { parseDecimal } from '../model/number-text';
import { PERIOD_KIND_LABELS } from '../model/period';
import { buildTree, groupsOf, type TreeNode } from '../model/plan-tree';
import { KPI_DIRECTIONS, LIMITS, PERIOD_KINDS, TAGS, type Item, type Kpi, type KpiDirection, type KpiTarget, type PeriodKind, type Plan, type Section } from '../model/schemas';
import { bothFiscalYear } from '../model/wareki';
import { ItemChips } from './item-chips';
import { Link } from './link';
import { paths } from './router';
import { useSharedText } from './use-autosave';
import { PlanNotFound } from './plan-not-found';
import './structure-page.css';

export function StructurePage({ planId }: { planId: string }) {
  const structure = usePlanStructure(planId);
  if (structure.loading) return <p class="page">読み込み中…</p>;
  if (!structure.value || structure.value.plan.deleted) {
    return <PlanNotFound />;
  }
  const { plan, sections, items, kpis } = structure.value;
  return <StructureEditor plan={plan} sections={sections} items={items} kpis={kpis} />;
}

type Editing =
  | { kind: 'section'; id: string }
  | { kind: 'newSection'; parentId: string | null }
  | { kind: 'item'; id: string }
  | { kind: 'newItem'; sectionId: string }
  | { kind: 'kpi'; id: string }
  | { kind: 'newKpi' }
  | null;

type DeletableTable = 'sections' | 'items' | 'kpis';

/** What the bar at the bottom says after a delete (with its undo) or a failed change. */
type Notice = { kind: 'deleted'; what: string; table: DeletableTable; id: string } | { kind: 'info'; text: string } | { kind: 'error'; text: string };

interface SectionOption {
  id: string;
  /** Indented by depth, so the tree reads in a flat list. */
  text: string;
}

/** What every part of the editor needs; one object instead of a dozen props. */
interface Ctx {
  plan: Plan;
  sections: Section[];
  items: Item[];
  kpis: Kpi[];
  editing: Editing;
  setEditing: (e: Editing) => void;
  sectionOptions: SectionOption[];
  groups: string[];
  /** Runs a write; a failure shows in the notice bar and is returned as false. */
  run: (write: () => Promise<unknown>) => Promise<boolean>;
  /** Refuses a change with a reason, in the notice bar. */
  refuse: (text: string) => void;
  remove: (table: DeletableTable, id: string, what: string) => Promise<void>;
  move: (table: 'sections' | 'items', siblings: readonly string[], index: number, delta: -1 | 1) => Promise<void>;
}

const sectionName = (s: Section) => `${s.label} ${s.title}`.trim();

function itemName(item: Item): string {
  const text = item.text.replace(/\s+/g, ' ').trim();
  return `${item.label} ${text.length > 24 ? `${text.slice(0, 24)}…` : text}`.trim();
}

const INFO_NOTICE_MS = 6000;

/** A key after the largest, so a new record goes last among its siblings. */
const nextOrder = keyAfter;

function StructureEditor({ plan, sections, items, kpis }: { plan: Plan; sections: Section[]; items: Item[]; kpis: Kpi[] }) {
  const db = useDb();
  const actor = useActorName();
  const [editing, setEditing] = useState<Editing>(null);
  const [notice, setNotice] = useState<Notice | null>(null);

  const tree = useMemo(() => buildTree(sections, items), [sections, items]);
  const sectionOptions = useMemo(() => {
    const out: SectionOption[] = [];
    const visit = (node: TreeNode, depth: number) => {
      out.push({ id: node.section.id, text: `${'　'.repeat(depth)}${sectionName(node.section) || '（名前なし）'}` });
      node.children.forEach((c) => visit(c, depth + 1));
    };
    tree.forEach((n) => visit(n, 0));
    return out;
  }, [tree]);
  const groups = useMemo(() => groupsOf(items), [items]);
  const liveKpis = useMemo(() => kpisInPlanOrder(sections, kpis), [sections, kpis]);

  async function run(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (e) {
      setNotice({ kind: 'error', text: `変更を保存できませんでした: ${e instanceof Error ? e.message : String(e)}` });
      return false;
    }
  }

  const ctx: Ctx = {
    plan,
    sections,
    items,
    kpis,
    editing,
    setEditing: (e) => {
      setEditing(e);
      if (notice?.kind === 'error') setNotice(null);
    },
    sectionOptions,
    groups,
    run,
    refuse: (text) => setNotice({ kind: 'error', text }),
    async remove(table, id, what) {
      if (await run(() => setDeleted(db, table, id, true, actor))) {
        setNotice({ kind: 'deleted', what, table, id });
        setEditing(null);
      }
    },
    async move(table, siblings, index, delta) {
      const target = index + delta;
      if (target < 0 || target >= siblings.length) return;
      const ids = [...siblings];
      [ids[index], ids[target]] = [ids[target]!, ids[index]!];
      await run(() => moveRecord(db, table, siblings[index]!, ids, actor));
    },
  };

  // A confirmation fades on its own; an undo offer and an error stay until acted on.
  useEffect(() => {
    if (notice?.kind !== 'info') return;
    const timer = setTimeout(() => setNotice(null), INFO_NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice]);

  async function undo(n: Extract<Notice, { kind: 'deleted' }>) {
    if (await run(() => setDeleted(db, n.table, n.id, false, actor))) setNotice({ kind: 'info', text: `${n.what}を元に戻しました。` });
  }

  const newRoot = editing?.kind === 'newSection' && editing.parentId === null;
  const newKpi = editing?.kind === 'newKpi';
  return (
    <section class="page structure-page">
      <nav class="breadcrumb" aria-label="パンくず">
        <Link href={paths.plan(plan.id)}>← {plan.title}</Link>
      </nav>
      <h1>
        構成の編集<span class="h1-sub">{plan.title}</span>
      </h1>
      <p class="subtitle">
        {plan.branch}・{bothFiscalYear(plan.fiscalYear)}・変更はすぐにこの端末に保存され、通信できるときに同期されます。
      </p>

      <PlanSettings plan={plan} run={run} />

      <section class="st-block" aria-labelledby="st-tree-heading">
        <h2 id="st-tree-heading">区分と項目</h2>
        {tree.length === 0 && <p class="hint">まだ区分がありません。「柱を追加」から始めてください。</p>}
        <ul class="st-tree">
          {tree.map((node, i) => (
            <SectionBlock key={node.section.id} ctx={ctx} node={node} depth={1} siblings={tree.map((n) => n.section.id)} index={i} />
          ))}
        </ul>
        {newRoot ? (
          <SectionForm ctx={ctx} parentId={null} />
        ) : (
          <button type="button" class="st-add" onClick={() => ctx.setEditing({ kind: 'newSection', parentId: null })}>
            ＋ 柱を追加
          </button>
        )}
      </section>

      <section class="st-block" aria-labelledby="st-kpi-heading">
        <h2 id="st-kpi-heading">KPI</h2>
        {liveKpis.length === 0 && <p class="hint">まだKPIがありません。</p>}
        <ul class="st-list">
          {liveKpis.map((kpi) => (
            <KpiRow key={kpi.id} ctx={ctx} kpi={kpi} />
          ))}
        </ul>
        {newKpi ? (
          <KpiForm ctx={ctx} />
        ) : (
          <button type="button" class="st-add" onClick={() => ctx.setEditing({ kind: 'newKpi' })}>
            ＋ KPIを追加
          </button>
        )}
      </section>

      <div class="notice-bar" role="status" aria-label="お知らせ">
        {notice?.kind === 'deleted' && (
          <div class="notice">
            <span>{notice.what}を削除しました。</span>
            <button type="button" class="primary" onClick={() => void undo(notice)}>
              元に戻す
            </button>
            <button type="button" class="link-button" onClick={() => setNotice(null)}>
              閉じる
            </button>
          </div>
        )}
        {notice?.kind === 'info' && (
          <div class="notice">
            <span>{notice.text}</span>
            <button type="button" class="link-button" onClick={() => setNotice(null)}>
              閉じる
            </button>
          </div>
        )}
      </div>
      {notice?.kind === 'error' && (
        <div class="notice-bar">
          <div class="notice notice-error" role="alert">
            <span>{notice.text}</span>
            <button type="button" class="link-button" onClick={() => setNotice(null)}>
              閉じる
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

function PlanSettings({ plan, run }: { plan: Plan; run: Ctx['run'] }) {
  const db = useDb();
  const actor = useActorName();
  // A name changed elsewhere (another tab or device) is merged into what the person is typing.
  const titleField = useSharedText(plan.title);
  const title = titleField.text;
  const [periodKind, setPeriodKind] = useState<PeriodKind>(plan.periodKind);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const dirty = title !== plan.title || periodKind !== plan.periodKind;
  // A period kind saved elsewhere shows here too; compared with what was last seen, so the
  // first effect run cannot undo a choice made before it.
  const seenKind = useRef(plan.periodKind);
  useEffect(() => {
    if (seenKind.current === plan.periodKind) return;
    seenKind.current = plan.periodKind;
    setPeriodKind(plan.periodKind);
  }, [plan.periodKind]);

  async function onSubmit(e: Event) {
    e.preventDefault();
    setSaved(false);
    if (!title.trim()) {
      setError('計画名を入力してください。');
      return;
    }
    setError(null);
    if (await run(() => updateRecord(db, 'plans', plan.id, { title: title.trim(), periodKind }, actor))) setSaved(true);
  }

  return (
    <form class="st-block st-plan" aria-labelledby="st-plan-heading" onSubmit={onSubmit}>
      <h2 id="st-plan-heading">計画の設定</h2>
      <div class="form-row">
        <label class="field field-grow">
          計画名
          <input maxLength={LIMITS.shortText} {...titleField.bind} />
        </label>
        <label class="field">
          報告期間
          <select value={periodKind} onChange={(e) => setPeriodKind(e.currentTarget.value as PeriodKind)}>
            {PERIOD_KINDS.map((k) => (
              <option key={k} value={k}>
                {PERIOD_KIND_LABELS[k]}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="primary" disabled={!dirty}>
          設定を保存
        </button>
      </div>
      {periodKind !== plan.periodKind && (
        <p class="hint">報告期間を変えると、これまでの期間に記入した実施状況は新しい期間の画面には表示されません（記録は消えません）。</p>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <p role="status" class="ok">
        {saved && !dirty ? '計画の設定を保存しました。' : ''}
      </p>
    </form>
  );
}

/** ↑ ↓ 編集 削除 for one row; names carry the row's name so each control is told apart. */
function RowActions({ name, index, count, onMove, onEdit, onDelete, editing }: { name: string; index: number; count: number; onMove?: (delta: -1 | 1) => void; onEdit: () => void; onDelete: () => void; editing: boolean }) {
  return (
    <span class="row-actions">
      {onMove && (
        <>
          <button type="button" class="icon-button" aria-label={`${name}を上へ`} disabled={index === 0} onClick={() => onMove(-1)}>
            ↑
          </button>
          <button type="button" class="icon-button" aria-label={`${name}を下へ`} disabled={index === count - 1} onClick={() => onMove(1)}>
            ↓
          </button>
        </>
      )}
      <button type="button" aria-label={`${name}を編集`} aria-expanded={editing} onClick={onEdit}>
        編集
      </button>
      <button type="button" class="danger" aria-label={`${name}を削除`} onClick={onDelete}>
        削除
      </button>
    </span>
  );
}

function SectionBlock({ ctx, node, depth, siblings, index }: { ctx: Ctx; node: TreeNode; depth: number; siblings: string[]; index: number }) {
  const { section } = node;
  const name = `区分「${sectionName(section) || '名前なし'}」`;
  const { editing } = ctx;
  const isEditing = editing?.kind === 'section' && editing.id === section.id;
  const addingItem = editing?.kind === 'newItem' && editing.sectionId === section.id;
  const addingChild = editing?.kind === 'newSection' && editing.parentId === section.id;
  const itemIds = node.items.map((i) => i.id);
  const childIds = node.children.map((c) => c.section.id);

  async function onDelete() {
    // Deleting a section would orphan its items, which then vanish from every screen.
    if (node.items.length || node.children.length) {
      ctx.refuse(`${name}には項目${node.items.length}件・下位の区分${node.children.length}件があります。先に移動または削除してから、区分を削除してください。`);
      return;
    }
    await ctx.remove('sections', section.id, name);
  }

  return (
    <li class={`st-section depth-${Math.min(depth, 4)}`}>
      <div class="st-row st-section-row">
        <span class="st-text">
          <span>
            <span class="label">{section.label}</span> {section.title}
          </span>
        </span>
        <RowActions
          name={name}
          index={index}
          count={siblings.length}
          onMove={(d) => void ctx.move('sections', siblings, index, d)}
          onEdit={() => ctx.setEditing(isEditing ? null : { kind: 'section', id: section.id })}
          onDelete={() => void onDelete()}
          editing={isEditing}
        />
      </div>
      {isEditing && <SectionForm ctx={ctx} section={section} parentId={section.parentId} />}
      {node.items.length > 0 && (
        <ul class="st-items">
          {node.items.map((item, i) => (
            <ItemRow key={item.id} ctx={ctx} item={item} siblings={itemIds} index={i} />
          ))}
        </ul>
      )}
      {addingItem && <ItemForm ctx={ctx} sectionId={section.id} />}
      {node.children.length > 0 && (
        <ul class="st-tree">
          {node.children.map((child, i) => (
            <SectionBlock key={child.section.id} ctx={ctx} node={child} depth={depth + 1} siblings={childIds} index={i} />
          ))}
        </ul>
      )}
      {addingChild && <SectionForm ctx={ctx} parentId={section.id} />}
      {!addingItem && !addingChild && (
        <div class="st-add-row">
          <button type="button" class="st-add" aria-label={`${name}に項目を追加`} onClick={() => ctx.setEditing({ kind: 'newItem', sectionId: section.id })}>
            ＋ 項目を追加
          </button>
          <button type="button" class="st-add" aria-label={`${name}に下位の区分を追加`} onClick={() => ctx.setEditing({ kind: 'newSection', parentId: section.id })}>
            ＋ 下位の区分を追加
          </button>
        </div>
      )}
    </li>
  );
}

function FormButtons({ ctx }: { ctx: Ctx }) {
  return (
    <div class="form-buttons">
      <button type="submit" class="primary">
        保存
      </button>
      <button type="button" onClick={() => ctx.setEditing(null)}>
        キャンセル
      </button>
    </div>
  );
}

function FormError({ error }: { error: string | null }) {
  return error ? (
    <p role="alert" class="error">
      {error}
    </p>
  ) : null;
}

function SectionForm({ ctx, section, parentId }: { ctx: Ctx; section?: Section; parentId: string | null }) {
  const db = useDb();
  const actor = useActorName();
  const [label, setLabel] = useState(section?.label ?? '');
  const titleField = useSharedText(section?.title ?? '');
  const title = titleField.text;
  const [error, setError] = useState<string | null>(null);
  const what = section ? '区分の編集' : parentId === null ? '柱の追加' : '下位の区分の追加';

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (!title.trim()) {
      setError('区分の名前を入力してください。');
      return;
    }
    const fields = { label: label.trim(), title: title.trim() };
    const siblings = ctx.sections.filter((s) => !s.deleted && s.parentId === parentId);
    const ok = await ctx.run(() =>
      section ? updateRecord(db, 'sections', section.id, fields, actor) : createSection(db, { planId: ctx.plan.id, parentId, ...fields, order: nextOrder(siblings) }, actor),
    );
    if (ok) ctx.setEditing(null);
  }

  return (
    <form class={`st-form${!section && parentId !== null ? ' st-form-indent' : ''}`} aria-label={what} onSubmit={onSubmit}>
      <div class="form-row">
        <label class="field field-label">
          番号
          <input value={label} maxLength={LIMITS.shortText} placeholder="例: （３）" onInput={(e) => setLabel(e.currentTarget.value)} />
        </label>
        <label class="field field-grow">
          名前
          <input maxLength={LIMITS.shortText} aria-invalid={error !== null} {...titleField.bind} />
        </label>
      </div>
      <FormError error={error} />
      <FormButtons ctx={ctx} />
    </form>
  );
}

function ItemRow({ ctx, item, siblings, index }: { ctx: Ctx; item: Item; siblings: string[]; index: number }) {
  const name = `項目「${itemName(item)}」`;
  const isEditing = ctx.editing?.kind === 'item' && ctx.editing.id === item.id;
  return (
    <li class="st-item">
      <div class="st-row">
        <span class="st-text">
          <span class="st-item-text">
            <span class="label">{item.label}</span> {item.text}
          </span>
          <span class="item-meta">
            <ItemChips item={item} />
          </span>
        </span>
        <RowActions
          name={name}
          index={index}
          count={siblings.length}
          onMove={(d) => void ctx.move('items', siblings, index, d)}
          onEdit={() => ctx.setEditing(isEditing ? null : { kind: 'item', id: item.id })}
          onDelete={() => void ctx.remove('items', item.id, name)}
          editing={isEditing}
        />
      </div>
      {isEditing && <ItemForm ctx={ctx} item={item} sectionId={item.sectionId} />}
    </li>
  );
}

const CIRCLED = '①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳';

function ItemForm({ ctx, item, sectionId: initialSection }: { ctx: Ctx; item?: Item; sectionId: string }) {
  const db = useDb();
  const actor = useActorName();
  const liveSiblings = ctx.items.filter((i) => !i.deleted && i.sectionId === initialSection);
  // A new item gets the next circled number, as the plans number their items.
  const [label, setLabel] = useState(item?.label ?? CIRCLED[liveSiblings.length] ?? '');
  const textField = useSharedText<HTMLTextAreaElement>(item?.text ?? '');
  const text = textField.text;
  const [group, setGroup] = useState(item?.group ?? '');
  const [tags, setTags] = useState<readonly string[]>(item?.tags ?? []);
  const [sectionId, setSectionId] = useState(initialSection);
  const [error, setError] = useState<string | null>(null);
  const formId = `item-form-${item?.id ?? `new-${initialSection}`}`;

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (!text.trim()) {
      setError('事業計画の文言を入力してください。');
      return;
    }
    if (text.length > LIMITS.longText) {
      setError(`事業計画の文言は${LIMITS.longText}文字までです（いま${text.length}文字）。`);
      return;
    }
    const fields = { label: label.trim(), text: text.trim(), group: group.trim(), tags: [...tags] };
    const ok = await ctx.run(() => {
      if (!item) return createItem(db, { planId: ctx.plan.id, sectionId, ...fields, order: nextOrder(liveSiblings) }, actor);
      // Moved to another section: it goes last there.
      const moved = sectionId !== item.sectionId ? { sectionId, order: nextOrder(ctx.items.filter((i) => !i.deleted && i.sectionId === sectionId)) } : {};
      return updateRecord(db, 'items', item.id, { ...fields, ...moved }, actor);
    });
    if (ok) ctx.setEditing(null);
  }

  return (
    <form class={`st-form${item ? '' : ' st-form-indent'}`} aria-label={item ? '項目の編集' : '項目の追加'} onSubmit={onSubmit}>
      <div class="form-row">
        <label class="field field-label">
          番号
          <input value={label} maxLength={LIMITS.shortText} onInput={(e) => setLabel(e.currentTarget.value)} />
        </label>
        <label class="field">
          担当グループ
          <input value={group} maxLength={LIMITS.shortText} list={`${formId}-groups`} placeholder="例: 業務" onInput={(e) => setGroup(e.currentTarget.value)} />
          <datalist id={`${formId}-groups`}>
            {ctx.groups.map((g) => (
              <option key={g} value={g} />
            ))}
          </datalist>
        </label>
        {item && (
          <label class="field field-grow">
            区分
            <select value={sectionId} onChange={(e) => setSectionId(e.currentTarget.value)}>
              {ctx.sectionOptions.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.text}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <label class="field">
        事業計画
        <textarea rows={3} aria-invalid={error !== null} {...textField.bind} />
      </label>
      <fieldset class="st-tags">
        <legend>タグ</legend>
        {TAGS.map((t) => (
          <label key={t} class="check">
            <input type="checkbox" checked={tags.includes(t)} onChange={(e) => setTags(e.currentTarget.checked ? [...tags, t] : tags.filter((x) => x !== t))} />
            {t}
          </label>
        ))}
      </fieldset>
      <FormError error={error} />
      <FormButtons ctx={ctx} />
    </form>
  );
}

function KpiRow({ ctx, kpi }: { ctx: Ctx; kpi: Kpi }) {
  const isEditing = ctx.editing?.kind === 'kpi' && ctx.editing.id === kpi.id;
  const section = ctx.sections.find((s) => s.id === kpi.sectionId && !s.deleted);
  const name = `KPI「${kpi.name}」`;
  return (
    <li class="st-item">
      <div class="st-row">
        <span class="st-text">
          <span class="st-kpi-name">{kpi.name}</span>
          <span class="item-meta">
            <span class="chip">目標: {describeTarget(kpi.target, kpi.unit)}</span>
            {kpi.unit && <span class="chip">単位: {kpi.unit}</span>}
            <span class="chip">{section ? sectionName(section) : '事業計画の指定なし'}</span>
          </span>
        </span>
        <RowActions
          name={name}
          index={0}
          count={1}
          onEdit={() => ctx.setEditing(isEditing ? null : { kind: 'kpi', id: kpi.id })}
          onDelete={() => void ctx.remove('kpis', kpi.id, name)}
          editing={isEditing}
        />
      </div>
      {isEditing && <KpiForm ctx={ctx} kpi={kpi} />}
    </li>
  );
}

type TargetKind = KpiTarget['kind'];
const TARGET_KINDS: Record<TargetKind, string> = { value: '数値目標（例: 68.0%以上）', previousYear: '対前年度（例: 前年度（98.4%）以上）', qualitative: '定性的な目標（例: 毎月情報発信を行う）' };

/** The target as the form edits it: numbers stay text until saved, so a typo can be shown and fixed. */
function targetDraft(t: KpiTarget | undefined) {
  return {
    kind: t?.kind ?? 'value',
    number: t?.kind === 'value' ? String(t.value) : t?.kind === 'previousYear' && t.previousValue !== null ? String(t.previousValue) : '',
    direction: t && t.kind !== 'qualitative' ? t.direction : ('以上' as KpiDirection),
    text: t?.kind === 'qualitative' ? t.text : '',
  };
}

function KpiForm({ ctx, kpi }: { ctx: Ctx; kpi?: Kpi }) {
  const db = useDb();
  const actor = useActorName();
  const nameField = useSharedText(kpi?.name ?? '');
  const name = nameField.text;
  const [unit, setUnit] = useState(kpi?.unit ?? '%');
  const [sectionId, setSectionId] = useState(kpi?.sectionId ?? '');
  const [draft, setDraft] = useState(() => targetDraft(kpi?.target));
  const [error, setError] = useState<string | null>(null);

  /** The target, or the message saying why the form cannot make one. */
  function buildTarget(): KpiTarget | string {
    if (draft.kind === 'qualitative') return draft.text.trim() ? { kind: 'qualitative', text: draft.text.trim() } : '目標の文言を入力してください。';
    if (draft.kind === 'previousYear' && !draft.number.trim()) return { kind: 'previousYear', previousValue: null, direction: draft.direction };
    const n = parseDecimal(draft.number);
    if (n === undefined) return draft.kind === 'value' ? '目標値を数値で入力してください（例: 68.0）。' : '前年度の値は数値で入力してください（わからなければ空欄）。';
    return draft.kind === 'value' ? { kind: 'value', value: n, direction: draft.direction } : { kind: 'previousYear', previousValue: n, direction: draft.direction };
  }

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (!name.trim()) {
      setError('指標名を入力してください。');
      return;
    }
    const target = buildTarget();
    if (typeof target === 'string') {
      setError(target);
      return;
    }
    const fields = { name: name.trim(), unit: unit.trim(), target, sectionId: sectionId || null };
    const ok = await ctx.run(() =>
      kpi ? updateRecord(db, 'kpis', kpi.id, fields, actor) : createKpi(db, { planId: ctx.plan.id, ...fields, order: nextOrder(ctx.kpis) }, actor),
    );
    if (ok) ctx.setEditing(null);
  }

  return (
    <form class="st-form" aria-label={kpi ? 'KPIの編集' : 'KPIの追加'} onSubmit={onSubmit}>
      <div class="form-row">
        <label class="field field-grow">
          指標名
          <input maxLength={LIMITS.shortText} aria-invalid={error !== null && !name.trim()} {...nameField.bind} />
        </label>
        <label class="field field-unit">
          単位
          <input value={unit} maxLength={LIMITS.shortText} placeholder="%" onInput={(e) => setUnit(e.currentTarget.value)} />
        </label>
      </div>
      <label class="field">
        事業計画
        <select value={sectionId} onChange={(e) => setSectionId(e.currentTarget.value)}>
          <option value="">（指定なし）</option>
          {ctx.sectionOptions.map((o) => (
            <option key={o.id} value={o.id}>
              {o.text}
            </option>
          ))}
        </select>
      </label>
      <div class="form-row">
        <label class="field">
          目標の種類
          <select value={draft.kind} onChange={(e) => setDraft({ ...draft, kind: e.currentTarget.value as TargetKind })}>
            {(Object.keys(TARGET_KINDS) as TargetKind[]).map((k) => (
              <option key={k} value={k}>
                {TARGET_KINDS[k]}
              </option>
            ))}
          </select>
        </label>
        {draft.kind === 'qualitative' ? (
          <label class="field field-grow">
            目標の文言
            <input value={draft.text} maxLength={LIMITS.shortText} onInput={(e) => setDraft({ ...draft, text: e.currentTarget.value })} />
          </label>
        ) : (
          <>
            <label class="field field-number">
              {draft.kind === 'value' ? '目標値' : '前年度の値'}
              <input value={draft.number} inputMode="decimal" onInput={(e) => setDraft({ ...draft, number: e.currentTarget.value })} />
            </label>
            <fieldset class="st-direction">
              <legend>方向</legend>
              {KPI_DIRECTIONS.map((d) => (
                <label key={d} class="check">
                  <input type="radio" name={`direction-${kpi?.id ?? 'new'}`} value={d} checked={draft.direction === d} onChange={() => setDraft({ ...draft, direction: d })} />
                  {d}
                </label>
              ))}
            </fieldset>
          </>
        )}
      </div>
      <FormError error={error} />
      <FormButtons ctx={ctx} />
    </form>
  );
}
