// The numbered migrations, listed statically (no folder scanning, so they bundle and run the
// same under tsx, vitest and a build). Add a new file NNN-name.ts and list it here; never edit
// one that has shipped.
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as m001 from './001-initial';
import * as m002 from './002-device-secrets';
import * as m003 from './003-order-keys';
import * as m004 from './004-branch-versions';

const MIGRATIONS: Record<string, Migration> = {
  '001-initial': m001,
  '002-device-secrets': m002,
  '003-order-keys': m003,
  '004-branch-versions': m004,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};

/**
 * Brings the database to the latest schema; throws with the failing migration's error.
 * PostgreSQL names the schema of the tables: Kysely would otherwise take a migration table in
 * any schema of the database for this one's.
 */
export async function migrateToLatest(db: Kysely<unknown>, options: { schema?: string } = {}): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider, ...(options.schema !== undefined ? { migrationTableSchema: options.schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
