// The plan list: every plan on this device, with import of a plan file (a bad file shows its
// problems and writes nothing) and export of any plan.
import { useEffect, useState } from 'preact/hooks';
import { useActorName, useDb, usePlans } from './data/hooks';
import type { PlanFileProblem } from '../model/plan-file';
import { PERIOD_KIND_LABELS } from '../model/period';
import { bothFiscalYear, warekiFiscalYear } from '../model/wareki';
import { downloadFile } from './download';
import { ImportBranchSelect } from './import-branch-select';
import { Link } from './link';
import { navigate, paths } from './router';
import { useImportTarget } from './data/import-target';
import { errorText } from './messages';

type ImportState =
  | { kind: 'idle' }
  | { kind: 'reading' }
  | { kind: 'problems'; fileName: string; problems: PlanFileProblem[] }
  | { kind: 'error'; message: string };

/** `openSingle`: with exactly one plan, open it instead (the app's start); the list stays at /plans. */
export function PlanListPage({ openSingle = false }: { openSingle?: boolean }) {
  const db = useDb();
  const actor = useActorName();
  const plans = usePlans();
  const single = openSingle && !plans.loading && plans.value.length === 1 ? plans.value[0]!.id : null;
  useEffect(() => {
    if (single) navigate(paths.plan(single), { replace: true });
  }, [single]);
  const [importState, setImportState] = useState<ImportState>({ kind: 'idle' });
  const { adminBranches, target: targetBranch, choose, canImport } = useImportTarget();

  async function onFile(input: HTMLInputElement) {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    setImportState({ kind: 'reading' });
    const [{ parsePlanFileText }, { importPlanFile }] = await Promise.all([import('../model/plan-file'), import('../sync/plan-io')]);
    const parsed = parsePlanFileText(await file.text());
    if (!parsed.ok) {
      setImportState({ kind: 'problems', fileName: file.name, problems: parsed.problems });
      return;
    }
    try {
      const planId = await importPlanFile(db, parsed.file, actor, targetBranch?.id);
      setImportState({ kind: 'idle' });
      navigate(paths.plan(planId));
    } catch (e) {
      setImportState({ kind: 'error', message: errorText(e) });
    }
  }

  async function onExport(planId: string) {
    const { exportPlanFile } = await import('../sync/plan-io');
    const file = await exportPlanFile(db, planId);
    downloadFile(`${file.plan.branch}-${warekiFiscalYear(file.plan.fiscalYear)}.plan.json`, JSON.stringify(file, null, 2), 'application/json');
  }

  // The only plan opens at once: the list is not drawn for a frame under someone's finger.
  if (single) return <p class="page">計画を開いています…</p>;
  return (
    <section class="page">
      <h1>事業計画の一覧</h1>
      {plans.loading ? (
        <p>読み込み中…</p>
      ) : plans.value.length === 0 ? (
        <p>この端末にはまだ計画がありません。計画ファイルを読み込んでください。</p>
      ) : (
        <ul class="plan-list">
          {plans.value.map((p) => (
            <li key={p.id} class="card">
              <Link href={paths.plan(p.id)} class="card-link">
                <span class="card-title">{p.title}</span>
                <span class="card-meta">
                  {p.branch}・{bothFiscalYear(p.fiscalYear)}・報告期間: {PERIOD_KIND_LABELS[p.periodKind]}
                  {p.demo && <span class="badge badge-demo">デモ</span>}
                  {p.status === '案' && <span class="badge">案</span>}
                </span>
              </Link>
              <div class="card-actions">
                <Link href={paths.kpis(p.id)}>KPI</Link>
                <button type="button" onClick={() => void onExport(p.id)} aria-label={`${p.title}を書き出す`}>
                  書き出す
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {canImport && (
        <>
          <h2>計画ファイルの読み込み</h2>
          <p class="hint">事業計画ファイル（.plan.json）を選ぶと、新しい計画として端末に保存します。内容に問題があるときは何も保存しません。</p>
          <ImportBranchSelect adminBranches={adminBranches} target={targetBranch} choose={choose} />
          <label class="file-button">
            計画ファイルを読み込む{targetBranch && `（${targetBranch.name}）`}
            <input type="file" accept=".json,application/json" onChange={(e) => void onFile(e.currentTarget)} />
          </label>
          <p>
            <Link href={paths.importText()}>計画の文章を貼り付けて読み込む</Link>
            <span class="hint">（WordやPDFからコピーした事業計画の文章を、確かめてから計画にします）</span>
          </p>
        </>
      )}
      {importState.kind === 'reading' && <p role="status">読み込み中…</p>}
      {importState.kind === 'error' && (
        <p role="alert" class="error">
          保存できませんでした: {importState.message}
        </p>
      )}
      {importState.kind === 'problems' && (
        <div role="alert" class="problems">
          <p>
            「{importState.fileName}」は読み込めませんでした（{importState.problems.length}件の問題）。何も保存していません。
          </p>
          <ul>
            {importState.problems.map((p, i) => (
              <li key={i}>
                <strong>{p.where}</strong>: {p.message}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
