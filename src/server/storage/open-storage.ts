// Picks the server's storage from its settings: PostgreSQL when DATABASE_URL is a postgres://
// or postgresql:// URL (production; several server processes may share it), otherwise the
// embedded SQLite file $DATA_DIR/tracker.sqlite. Used by the server (main.ts) and the admin
// command, so both always open the same database from the same environment.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openPostgresStorage, type PostgresStorage } from './postgres';
import { openSqliteStorage, type SqliteStorage } from './sqlite';

export interface StorageSettings {
  /** DATABASE_URL; undefined or '' means the embedded SQLite file. */
  databaseUrl?: string | undefined;
  /** DATA_DIR: where the SQLite file lives (created if missing). */
  dataDir: string;
  /** DATABASE_POOL_SIZE: most PostgreSQL connections this process opens. */
  poolSize?: number;
  /** SQLITE_CACHE_MB: SQLite's page cache in MiB (sqlite.ts's default when unset). */
  sqliteCacheMb?: number;
}

export type OpenedStorage = SqliteStorage | PostgresStorage;

export const SQLITE_FILE = 'tracker.sqlite';

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** Where the storage is, for logs: the SQLite path, or the URL without its password. */
export function describeDatabase(settings: Pick<StorageSettings, 'databaseUrl' | 'dataDir'>): string {
  const url = settings.databaseUrl;
  if (!url) return join(settings.dataDir, SQLITE_FILE);
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return 'an unparsable DATABASE_URL';
  }
}

export async function openStorage(settings: StorageSettings): Promise<OpenedStorage> {
  const url = settings.databaseUrl;
  if (url === undefined || url === '') {
    await mkdir(settings.dataDir, { recursive: true });
    return openSqliteStorage(join(settings.dataDir, SQLITE_FILE), settings.sqliteCacheMb !== undefined ? { cacheMb: settings.sqliteCacheMb } : {});
  }
  if (!isPostgresUrl(url)) {
    // Never echo the value: it may hold a password.
    throw new Error('DATABASE_URL must be a postgres:// or postgresql:// URL (leave it unset for the embedded SQLite database in DATA_DIR)');
  }
  return openPostgresStorage(url, settings.poolSize !== undefined ? { poolSize: settings.poolSize } : {});
}
