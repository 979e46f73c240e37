// Asks the browser to keep this site's storage (so IndexedDB is not evicted under pressure)
// and reports what it granted, for the status shown to the user.
export type PersistenceState = 'persisted' | 'not-persisted' | 'unsupported';

export async function requestPersistentStorage(storage: StorageManager | undefined = globalThis.navigator?.storage): Promise<PersistenceState> {
  if (!storage?.persist || !storage.persisted) return 'unsupported';
  try {
    if (await storage.persisted()) return 'persisted';
    return (await storage.persist()) ? 'persisted' : 'not-persisted';
  } catch {
    return 'not-persisted';
  }
}
