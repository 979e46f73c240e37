// Runs a describe() body once per storage the server supports: SQLite in memory, and PostgreSQL
// (a schema of its own per storage) when TEST_DATABASE_URL is set (see postgres-env.ts).
import { describe } from 'vitest';
import { openPostgresStorage } from '../../src/server/storage/postgres';
import { openSqliteStorage } from '../../src/server/storage/sqlite';
import type { Storage } from '../../src/server/storage/storage';
import { describePostgres } from './postgres-env';

export type OpenStorage = () => Promise<Storage>;

export function describeEachStorage(name: string, body: (openStorage: OpenStorage, dialect: 'sqlite' | 'postgres') => void): void {
  describe(`${name} (SQLite)`, () => body(() => openSqliteStorage(':memory:'), 'sqlite'));
  describePostgres(`${name} (PostgreSQL)`, (env) => body(() => openPostgresStorage(env.url, { schema: env.newSchema(), poolSize: 2 }), 'postgres'));
}
