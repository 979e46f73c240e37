// What waits on this device for each person, live (the status bar's shared-tablet panel).
import { pendingByAuthor, type PendingOfAuthor } from '../../sync/shared-device';
import { useLiveQuery, type Loadable } from './hooks';

export function usePendingByAuthor(): Loadable<PendingOfAuthor[]> {
  return useLiveQuery((db) => pendingByAuthor(db), []);
}
