// Which branch a plan is imported into, and whether this person may import at all: with an
// account only a branch's admins import (into one of their branches); without one (a device not
// signed in) the plan stays on the device.
import { useState } from 'preact/hooks';
import { useSession } from './sync-context';

export interface ImportTarget {
  /** The branches this person administers; null when no one is signed in. */
  adminBranches: { id: string; name: string }[] | null;
  /** The branch chosen (the first by default); undefined when there is none to import into. */
  target: { id: string; name: string } | undefined;
  choose: (branchId: string) => void;
  canImport: boolean;
}

export function useImportTarget(): ImportTarget {
  const session = useSession();
  const adminBranches = session ? session.branches.filter((b) => b.role === 'admin') : null;
  const [branchId, setBranchId] = useState<string | null>(null);
  const target = adminBranches?.find((b) => b.id === branchId) ?? adminBranches?.[0];
  return { adminBranches, target, choose: setBranchId, canImport: adminBranches === null || target !== undefined };
}
