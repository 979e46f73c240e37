// The statements of a PostgreSQL write transaction as SQL text with their values written in as
// literals. A write's statements go to the database together with the next statement that must
// run anyway (the next write's savepoint, or COMMIT), as one simple query of several
// statements, and a simple query takes no parameters. Built by hand rather than by Kysely: they
// are made for every write, and compiling a query builder cost more than the text itself.
import { isWellFormedText } from '../../model/schemas';
import type { Db } from './kysely-storage';

type RecordRow = Db['records'];
type ResultRow = Db['mutation_results'];
type ClientRow = Db['clients'];

/** What a write's kept statements hold (see KyselyWriteTx). */
export interface KeptWrites {
  /** Records to insert, or to replace where their (table, id) exists. */
  records: Iterable<RecordRow>;
  /** Records that must not exist yet: a plain INSERT, which fails the statement if one does (23505). */
  inserts: Iterable<RecordRow>;
  results: Iterable<ResultRow>;
  clients: Iterable<ClientRow>;
  prunes: Iterable<{ clientId: string; userId: string; belowSeq: number }>;
}

/**
 * A text as a PostgreSQL string literal, whatever standard_conforming_strings says (a text with
 * a backslash goes as an E'' literal, as pg.escapeLiteral writes it). PostgreSQL text cannot
 * hold a NUL, and the wire protocol ends a query's text at one; a lone surrogate would arrive
 * as U+FFFD: such texts are refused here, before anything is sent.
 */
export function literal(text: string): string {
  if (text.includes('\u0000')) throw new Error('PostgreSQL text cannot hold a NUL character');
  // Written as U+FFFD, it would make two different texts one in the database.
  if (!isWellFormedText(text)) throw new Error('a text with a lone surrogate (no character) cannot be written to PostgreSQL');
  const quoted = text.replaceAll("'", "''");
  return text.includes('\\') ? ` E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`;
}

/** An integer (a version, a seq) as a literal; anything else is refused. */
export function integer(value: number | string): string {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer to write: ${String(value)}`);
  return String(n);
}

const nullable = (text: string | null) => (text === null ? 'null' : literal(text));

const RECORD_COLUMNS = '(table_name, id, branch_id, plan_id, data, version, updated_at, updated_by)';
const recordValues = (rows: Iterable<RecordRow>) =>
  [...rows]
    .map(
      (r) =>
        `(${literal(r.table_name)}, ${literal(r.id)}, ${literal(r.branch_id)}, ${literal(r.plan_id)}, ${literal(r.data)}, ${integer(r.version)}, ${literal(r.updated_at)}, ${literal(r.updated_by)})`,
    )
    .join(', ');

/** Inserts these records, unless a record of the same (table, id) exists: then nothing. Answers a row per record inserted. */
export function insertUnlessPresent(row: RecordRow): string {
  return `insert into records ${RECORD_COLUMNS} values ${recordValues([row])} on conflict (table_name, id) do nothing returning 1`;
}

/**
 * The kept writes as one statement (a data-modifying WITH), or undefined when there are none.
 * Its parts see one snapshot and write different rows (a kept record is never one of the
 * inserts; a kept result is never one a kept prune deletes), so their order does not matter.
 */
export function keptWritesStatement(kept: KeptWrites): string | undefined {
  const parts: string[] = [];
  const records = recordValues(kept.records);
  if (records)
    parts.push(
      `insert into records ${RECORD_COLUMNS} values ${records} on conflict (table_name, id) do update set branch_id = excluded.branch_id, plan_id = excluded.plan_id, data = excluded.data, version = excluded.version, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    );
  const inserts = recordValues(kept.inserts);
  if (inserts) parts.push(`insert into records ${RECORD_COLUMNS} values ${inserts}`);
  const results = [...kept.results]
    .map((r) => `(${literal(r.client_id)}, ${literal(r.user_id)}, ${integer(r.seq)}, ${literal(r.mutation_id)}, ${literal(r.status)}, ${nullable(r.reason)})`)
    .join(', ');
  if (results)
    parts.push(
      `insert into mutation_results (client_id, user_id, seq, mutation_id, status, reason) values ${results} on conflict (client_id, user_id, seq) do update set mutation_id = excluded.mutation_id, status = excluded.status, reason = excluded.reason`,
    );
  const clients = [...kept.clients].map((c) => `(${literal(c.client_id)}, ${literal(c.user_id)}, ${integer(c.last_seq)}, ${literal(c.updated_at)})`).join(', ');
  if (clients)
    parts.push(
      `insert into clients (client_id, user_id, last_seq, updated_at) values ${clients} on conflict (client_id, user_id) do update set last_seq = excluded.last_seq, updated_at = excluded.updated_at`,
    );
  for (const p of kept.prunes)
    parts.push(`delete from mutation_results where client_id = ${literal(p.clientId)} and user_id = ${literal(p.userId)} and seq < ${integer(p.belowSeq)}`);
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0];
  return `with ${parts.map((p, i) => `w${i} as (${p})`).join(', ')} select 1`;
}

/** Texts as one array literal (`'{"a","b"}'::text[]`): a single token however many, where a list of literals would nest as deep as it is long. */
function textArray(texts: readonly string[]): string {
  return `${literal(`{${texts.map((t) => `"${t.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`)}::text[]`;
}

/**
 * The records of `keys` and the clients' last seqs, in one query. A client's row has an empty
 * table name, the client id in `id`, the user id in `branch_id` and the seq in `version`. The
 * keys go as arrays: a batch reads thousands at once, and PostgreSQL refuses an IN list of
 * rows that long (stack depth). Throws for a key or client that cannot be written as a literal
 * (a NUL, a lone surrogate).
 */
export function preloadStatement(keys: readonly { table: string; id: string }[], clients: readonly { clientId: string; userId: string }[]): string {
  const unique = [...new Map(keys.map((k) => [`${k.table}\u0000${k.id}`, k])).values()];
  const owners = [...new Map(clients.map((c) => [`${c.clientId}\u0000${c.userId}`, c])).values()];
  return (
    `select r.table_name, r.id, r.branch_id, r.plan_id, r.data, r.version, r.updated_at, r.updated_by from records r ` +
    `join unnest(${textArray(unique.map((k) => k.table))}, ${textArray(unique.map((k) => k.id))}) as k(t, i) on r.table_name = k.t and r.id = k.i ` +
    `union all select '', c.client_id, c.user_id, '', '', c.last_seq, '', '' from clients c ` +
    `join unnest(${textArray(owners.map((o) => o.clientId))}, ${textArray(owners.map((o) => o.userId))}) as o(c, u) on c.client_id = o.c and c.user_id = o.u`
  );
}
