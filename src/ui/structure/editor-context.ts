// What the parts of the structure screen share: which row or form is open, and the editor's
// context (the plan's records, the writes that report to the page's notice bar) handed to every
// row and form.
import type { SectionOption } from '../../model/plan-tree';
import type { Item, Kpi, Plan, Section } from '../../model/schemas';

export type Editing =
  | { kind: 'section'; id: string }
  | { kind: 'newSection'; parentId: string | null }
  | { kind: 'item'; id: string }
  | { kind: 'newItem'; sectionId: string }
  | { kind: 'kpi'; id: string }
  | { kind: 'newKpi' }
  | null;

export type DeletableTable = 'sections' | 'items' | 'kpis';

/** What every part of the editor needs; one object instead of a dozen props. */
export interface Ctx {
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
