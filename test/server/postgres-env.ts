// PostgreSQL for the server tests, from TEST_DATABASE_URL (CI sets
// postgres://postgres@127.0.0.1:5432/test). describePostgres() runs its tests against that
// database, each storage in a schema of its own that is dropped after the file's tests. Without
// TEST_DATABASE_URL the tests are skipped with a loud warning, except on CI (CI set), where
// they fail: a CI run must never pass without having run them.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, it } from 'vitest';

export interface PostgresTestEnv {
  /** TEST_DATABASE_URL as given. */
  url: string;
  /** A new schema name, unique to this run; the storage creates it, the helper drops it. */
  newSchema(): string;
  /** The URL naming that schema, as DATABASE_URL does (`?schema=`). */
  urlWithSchema(schema: string): string;
}

const NOT_SET = 'TEST_DATABASE_URL is not set (e.g. TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)';

function warnSkipped(name: string): void {
  const line = '#'.repeat(100);
  console.warn(
    [
      '',
      line,
      `#  POSTGRESQL TESTS SKIPPED: "${name}"`,
      `#  ${NOT_SET}.`,
      '#  These tests prove the PostgreSQL storage and several server instances on one database;',
      '#  set the variable to run them. On CI (CI set) they fail instead of being skipped.',
      line,
      '',
    ].join('\n'),
  );
}

export function urlWithSchema(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('schema', schema);
  return parsed.toString();
}

/** Drops these schemas and everything in them. */
async function dropSchemas(url: string, schemas: readonly string[]): Promise<void> {
  if (schemas.length === 0) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`drop schema if exists ${pg.escapeIdentifier(schema)} cascade`);
  } finally {
    await client.end();
  }
}

/** CI=false or CI=0 (as some runners set locally) is not CI. */
const onCi = (): boolean => !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase());

/** describe() on PostgreSQL: skipped loudly without TEST_DATABASE_URL, failing on CI. */
export function describePostgres(name: string, body: (env: PostgresTestEnv) => void): void {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    if (onCi()) {
      describe(name, () => {
        it('has a PostgreSQL to run against', () => {
          throw new Error(`${NOT_SET}, but CI is: the PostgreSQL tests must run on CI`);
        });
      });
    } else {
      warnSkipped(name);
      describe.skip(name, () => {
        it(`needs PostgreSQL: ${NOT_SET}`, () => undefined);
      });
    }
    return;
  }
  describe(name, () => {
    // Lower-case letters, digits and _: the names the storage accepts. `vitest_` marks leftovers of a killed run.
    const run = `vitest_${randomBytes(5).toString('hex')}`;
    const schemas: string[] = [];
    afterAll(() => dropSchemas(url, schemas));
    body({
      url,
      newSchema() {
        const schema = `${run}_${schemas.length + 1}`;
        schemas.push(schema);
        return schema;
      },
      urlWithSchema: (schema) => urlWithSchema(url, schema),
    });
  });
}
