// Fields with unsaved typing register a flush here, so that leaving the page or applying an
// app update first writes what the person typed. One registry per app instance (via context).
import { createContext } from 'preact';
import { useContext, useEffect } from 'preact/hooks';

export class SaveRegistry {
  private readonly flushers = new Set<() => Promise<void>>();

  register(flush: () => Promise<void>): () => void {
    this.flushers.add(flush);
    return () => this.flushers.delete(flush);
  }

  async flushAll(): Promise<void> {
    await Promise.all([...this.flushers].map((f) => f()));
  }
}

export const SaveRegistryContext = createContext<SaveRegistry>(new SaveRegistry());

export function useRegisterFlush(flush: () => Promise<void>): void {
  const registry = useContext(SaveRegistryContext);
  useEffect(() => registry.register(flush), [registry, flush]);
}

export function useSaveRegistry(): SaveRegistry {
  return useContext(SaveRegistryContext);
}
