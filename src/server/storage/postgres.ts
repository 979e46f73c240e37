// PostgreSQL storage, for production: several server processes (and the admin command) share
// one database. The Storage interface is the shared Kysely implementation (kysely-storage.ts)
// over a `pg` pool; what is PostgreSQL's own is how writers are serialized: every write
// transaction starts with BEGIN and `SELECT … FROM branch_versions WHERE branch_id IN (…) ORDER
// BY branch_id FOR UPDATE`, so writers of a branch queue on its counter row (and only on it),
// versions of a branch are allocated in commit order and a pull cursor never skips a change,
// whichever process wrote it. Locks are taken in branch order, so writes naming several
// branches never wait on each other in a cycle. Within a process, writes naming the same
// branches share transactions (group commit, each in a savepoint; KyselyStorage.write), so a
// burst of writes takes one pooled connection, one lock and one commit instead of one each, and
// a write's statements that need no answer go as one statement with the next round trip that
// runs anyway (KyselyWriteTx): a write alone costs two round trips, BEGIN and COMMIT. Pulls are
// served from each process's memory of recent changes where it is provably complete.
//
// Connection: a postgres:// or postgresql:// URL as `pg` reads it (user, password, host, port,
// database, `sslmode`, …). The tables live in one schema: `options.schema` (created if missing),
// otherwise the connection's current schema (the first of its search_path, usually `public`).
// A URL may name the schema with the query parameter `schema` (e.g.
// `postgres://tracker:secret@db.example/tracker?schema=tracker`), which this module takes out of
// the URL before `pg` sees it. The pool holds at most `options.poolSize` connections (10).
import { CompiledQuery, Kysely, PostgresDialect, sql, type DatabaseConnection } from 'kysely';
import pg from 'pg';
import { ACCOUNTS_CHANGED_PAYLOAD, channelOf } from '../live/bus';
import { type AccountChange, KyselyStorage, NEW_COUNTER_VALUE, type Db, type RecordRow, type WriteLocking } from './kysely-storage';
import { migrateToLatest } from './migrations/index';
import { integer, literal } from './write-statements';
import type { Storage } from './storage';

export interface PostgresStorage extends Storage {
  readonly dialect: 'postgres';
  /** The schema that holds the tables. */
  readonly schema: string;
}

export interface PostgresOptions {
  /** The schema for the tables; overrides a `schema` parameter of the URL. */
  schema?: string;
  /** Most connections open at once (default 10). */
  poolSize?: number;
  /** Told about errors of idle pooled connections (e.g. the database restarted). */
  onIdleError?: (error: Error) => void;
  /** Told of every query outside write transactions (tests count what a pull costs). */
  onQuery?: () => void;
}

export const DEFAULT_POOL_SIZE = 10;

/** A schema name as PostgreSQL folds unquoted identifiers: no quoting surprises in search_path. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Splits the `schema` query parameter off a connection URL. */
export function splitSchemaParam(url: string): { url: string; schema: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not the URL itself: it may hold a password.
    throw new Error('The PostgreSQL URL is not a valid URL');
  }
  const schema = parsed.searchParams.get('schema') ?? undefined;
  if (schema === undefined) return { url, schema };
  parsed.searchParams.delete('schema');
  return { url: parsed.toString(), schema };
}

/**
 * int8 (bigint, and count(*)) as a number: versions and seqs stay far below 2^53. A larger
 * value stays text rather than lose digits silently; callers parse it with Number() anyway.
 */
function parseInt8(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

const INT8_OID = 20;
const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** A pool that hands out one connection, already taken from the real pool, and never gives it back. */
function oneConnectionPool(client: pg.PoolClient) {
  // Kysely only queries and releases the client it is given.
  const lent = { query: client.query.bind(client), release: () => undefined };
  return { connect: async () => lent, end: async () => undefined };
}

/** A simple query's results as an array, one per statement, however many statements it had. */
const resultsOf = (result: pg.QueryResult | pg.QueryResult[]) => (Array.isArray(result) ? result : [result]);

/**
 * Write transactions on connections taken from the pool directly: BEGIN with the counters'
 * lock and the batch's reads, and the writes' statements with the counters' update and COMMIT,
 * each go as one simple query of several statements (one round trip each); their values are
 * written in as literals (write-statements.ts).
 */
function postgresLocking(pool: pg.Pool, schema: string | undefined): WriteLocking {
  /** Kysely over one pooled connection, made once per connection. */
  const bound = new WeakMap<pg.PoolClient, Kysely<Db>>();
  return {
    async connect(fn) {
      const client = await pool.connect();
      let conn = bound.get(client);
      if (!conn) {
        conn = new Kysely<Db>({ dialect: new PostgresDialect({ pool: oneConnectionPool(client) as unknown as pg.Pool }) });
        bound.set(client, conn);
      }
      const run = async (text: string) => resultsOf(await client.query(text)).map((r) => r.rows as unknown[]);
      const statements = (...texts: (string | undefined)[]) => texts.filter((t) => t !== undefined).join('; ');
      /** Set when the transaction could not be rolled back: the connection is closed, not pooled. */
      let unusable: Error | undefined;
      try {
        if (schema !== undefined && !(client as { searchPathSet?: boolean }).searchPathSet) {
          await client.query(`select set_config('search_path', $1, false)`, [schema]);
          (client as { searchPathSet?: boolean }).searchPathSet = true;
        }
        return await fn({
          conn,
          run,
          async begin(branches, reads) {
            // `where false` when there is no branch: the statement is there all the same, and the results keep their places.
            const lock = `select branch_id, value from branch_versions where ${branches.length ? `branch_id in (${branches.map(literal).join(', ')})` : 'false'} order by branch_id for update`;
            const results = await run(statements('begin', lock, reads));
            const preloaded = reads ? (results[2] as RecordRow[]) : undefined;
            let rows = results[1] as { branch_id: string; value: number }[];
            if (rows.length < branches.length) {
              // A branch without its row (rows are made with the branch; this is for records of a branch that has none).
              const floor = NEW_COUNTER_VALUE.compile(conn);
              await client.query(
                `insert into branch_versions (branch_id, value) select b, ${floor.sql} from unnest($1::text[]) as b on conflict (branch_id) do nothing`,
                [[...branches]],
              );
              rows = (await client.query<{ branch_id: string; value: number }>(lock)).rows;
            }
            return { counters: new Map(rows.map((r) => [r.branch_id, Number(r.value)])), preloaded };
          },
          async rollbackTo(index) {
            try {
              await client.query(`rollback to savepoint w${integer(index)}`);
              return true;
            } catch {
              return false;
            }
          },
          async commit(before, counters) {
            const update = counters.length
              ? `update branch_versions set value = v.value from (values ${counters.map(([b, v]) => `(${literal(b)}, ${integer(v)}::bigint)`).join(', ')}) as v(branch_id, value) where branch_versions.branch_id = v.branch_id`
              : undefined;
            await run(statements(before, update, 'commit'));
          },
          async rollback() {
            try {
              await client.query('rollback');
            } catch (e) {
              unusable = e as Error;
              throw e;
            }
          },
        });
      } finally {
        client.release(unusable);
      }
    },
  };
}

class PostgresKyselyStorage extends KyselyStorage implements PostgresStorage {
  declare readonly dialect: 'postgres';

  constructor(
    db: Kysely<Db>,
    readonly schema: string,
    locking: WriteLocking,
  ) {
    super('postgres', db, locking);
  }

  /**
   * In one transaction with a notification on the schema's live channel, delivered as it
   * commits (and never if it does not): every instance's bus hears it and forgets its cached
   * sessions, whoever made the change (an instance, the admin command).
   */
  protected override runAccountChange<T>(change: (db: Kysely<Db>) => Promise<AccountChange<T>>): Promise<AccountChange<T>> {
    return this.db.transaction().execute(async (trx) => {
      const out = await change(trx);
      if (out.changed) await sql`select pg_notify(${channelOf(this.schema)}, ${ACCOUNTS_CHANGED_PAYLOAD})`.execute(trx);
      return out;
    });
  }
}

export async function openPostgresStorage(url: string, options: PostgresOptions = {}): Promise<PostgresStorage> {
  const split = splitSchemaParam(url);
  const schema = options.schema ?? split.schema;
  if (schema !== undefined && !SCHEMA_NAME.test(schema))
    throw new Error(`The PostgreSQL schema name must be lower-case letters, digits and _ (at most 63), not ${JSON.stringify(schema)}`);
  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new Error(`The PostgreSQL pool size must be a whole number of at least 1, not ${poolSize}`);

  // A database that cannot be reached fails a request after 10 s instead of holding it forever.
  const pool = new pg.Pool({ connectionString: split.url, max: poolSize, connectionTimeoutMillis: 10_000, types: typeParsers });
  // Without a listener an idle connection's error (a restarted database) would end the process;
  // the pool drops that connection and opens another when needed.
  const onConnectionError =
    options.onIdleError ?? ((e: Error) => console.error(JSON.stringify({ level: 'error', msg: 'PostgreSQL connection failed', error: e.message })));
  pool.on('error', onConnectionError);
  // The same for a connection in use (the database ends it mid-write): the running query fails
  // and its request gets an error, instead of the unhandled 'error' event ending the process.
  pool.on('connect', (client) => client.on('error', onConnectionError));
  const onQuery = options.onQuery;
  const db = new Kysely<Db>({
    ...(onQuery ? { log: () => onQuery() } : {}),
    dialect: new PostgresDialect({
      pool,
      ...(schema !== undefined ? { onCreateConnection: (conn: DatabaseConnection) => setSearchPath(conn, schema) } : {}),
    }),
  });
  try {
    if (schema !== undefined) await createSchema(db, schema);
    const current = (await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db)).rows[0]?.schema ?? null;
    if (current === null)
      throw new Error('PostgreSQL has no schema to create the tables in: name one with ?schema= in DATABASE_URL, or create the one search_path names');
    // Named, so that the migration table of another schema in the same database is not taken for ours.
    await migrateToLatest(db as Kysely<unknown>, { schema: current });
    return new PostgresKyselyStorage(db, current, postgresLocking(pool, schema));
  } catch (e) {
    await db.destroy();
    throw e;
  }
}

async function setSearchPath(conn: DatabaseConnection, schema: string): Promise<void> {
  await conn.executeQuery(CompiledQuery.raw(`select set_config('search_path', $1, false)`, [schema]));
}

/** Creates the schema unless it exists; two processes starting at once may both try. */
async function createSchema(db: Kysely<Db>, schema: string): Promise<void> {
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (e) {
    // IF NOT EXISTS does not cover a concurrent CREATE: the loser fails on the catalog's unique index.
    const exists = await sql`select 1 from pg_namespace where nspname = ${schema}`.execute(db);
    if (exists.rows.length === 0) throw e;
  }
}
