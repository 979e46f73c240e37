import type { ImportTarget } from './data/import-target';

/** The branch a plan is imported into, offered only to an admin of more than one. */
export function ImportBranchSelect({ adminBranches, target, choose }: Pick<ImportTarget, 'adminBranches' | 'target' | 'choose'>) {
  if (!adminBranches || adminBranches.length < 2) return null;
  return (
    <label class="field">
      読み込む支部
      <select value={target?.id} onChange={(e) => choose(e.currentTarget.value)}>
        {adminBranches.map((b) => (
          <option key={b.id} value={b.id}>
            {b.name}
          </option>
        ))}
      </select>
    </label>
  );
}
