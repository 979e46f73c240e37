// Versions per branch (issue 14): writes of different branches no longer queue on one counter.
// Each branch gets its own counter, starting at the old global counter's value, so every
// version a branch allocates from now on is above every version it had: versions stay unique
// and increasing per record, and no record needs to be pulled again. The old counter row is
// removed, so that a process of the previous release left running fails its writes instead of
// allocating versions beside the new counters. The old value is kept in meta: a pull cursor of
// the old form at or below it is still exact for every branch (sync.ts); a database id, also in
// meta, goes into every new cursor, so a cursor of another database is reset, not believed.
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('branch_versions')
    .addColumn('branch_id', 'text', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .execute();
  const old = (await sql<{ value: number | string }>`select value from counters where name = 'version'`.execute(db)).rows[0];
  const start = Number(old?.value ?? 0);
  await sql`insert into branch_versions (branch_id, value) select id, cast(${start} as bigint) from branches`.execute(db);
  await sql`insert into branch_versions (branch_id, value) select distinct branch_id, cast(${start} as bigint) from records where branch_id not in (select branch_id from branch_versions)`.execute(
    db,
  );
  await sql`delete from counters where name = 'version'`.execute(db);
  await sql`insert into meta (key, value) values ('v1CursorLimit', ${String(start)})`.execute(db);
  await sql`insert into meta (key, value) values ('databaseId', ${randomBytes(6).toString('base64url')})`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const max = (await sql<{ value: number | string | null }>`select max(value) as value from branch_versions`.execute(db)).rows[0];
  await sql`insert into counters (name, value) values ('version', cast(${Number(max?.value ?? 0)} as bigint))`.execute(db);
  await sql`delete from meta where key in ('v1CursorLimit', 'databaseId')`.execute(db);
  await db.schema.dropTable('branch_versions').execute();
}
