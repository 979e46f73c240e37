// The literals a PostgreSQL write's statements are written with: every text comes back from the
// database exactly as given, whatever it holds, and what the database cannot hold is refused
// before anything is sent.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { integer, keptWritesStatement, literal, preloadStatement } from '../../../src/server/storage/write-statements';
import { describePostgres } from '../postgres-env';

const TEXTS = [
  '',
  'plain',
  "it's",
  "''; drop table records; --",
  'back\\slash',
  "\\'; select 1; --",
  "E'\\\\' $$ $1 ?",
  '改行\nタブ\t全角　スペース',
  '😀 \u{10FFFF} \u007f',
  '"{\\"json\\":\\"\\\\u0000\\"}"',
];

describe('literal', () => {
  it('refuses a NUL, which PostgreSQL text cannot hold and which would end the query text', () => {
    expect(() => literal('a\u0000b')).toThrow(/NUL/);
  });

  it('refuses a lone surrogate, which would arrive as U+FFFD and make two texts one', () => {
    for (const bad of ['a\uD800', '\uDC00b', 'x\uDBFF\uDBFFy']) expect(() => literal(bad)).toThrow(/lone surrogate/);
    expect(literal('😀')).toBe("'😀'");
  });

  it('writes a text with a backslash as an E literal, which reads the same whatever standard_conforming_strings says', () => {
    expect(literal('a\\b')).toBe(" E'a\\\\b'");
    expect(literal("a'b")).toBe("'a''b'");
  });

  it('writes only safe integers', () => {
    expect(integer(42)).toBe('42');
    expect(integer('7')).toBe('7');
    for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60, '1; drop']) expect(() => integer(bad)).toThrow();
  });

  it('makes no statement of nothing kept', () => {
    expect(keptWritesStatement({ records: [], inserts: [], results: [], clients: [], prunes: [] })).toBeUndefined();
  });
});

describePostgres('literal in PostgreSQL', (env) => {
  it('reads ahead thousands of keys of any text in one query (an IN list of rows that long exceeds the stack)', async () => {
    const client = new pg.Client({ connectionString: env.url });
    await client.connect();
    try {
      const schema = env.newSchema();
      await client.query(`create schema ${schema}; set search_path = ${schema}`);
      await client.query(
        'create table records (table_name text, id text, branch_id text, plan_id text, data text, version bigint, updated_at text, updated_by text, primary key (table_name, id))',
      );
      await client.query('create table clients (client_id text, user_id text, last_seq bigint, updated_at text, primary key (client_id, user_id))');
      const ids = [...TEXTS.filter((t) => t !== ''), '{,}', 'a b', 'NULL', ...Array.from({ length: 10_000 }, (_, i) => `k${i}`)];
      await client.query("insert into records select 'notes', id, 'b', 'p', '{}', 1, 't', 'u' from unnest($1::text[]) as id", [
        ids.filter((_, i) => i % 2 === 0),
      ]);
      await client.query("insert into clients values ('c\"1', 'u''1', 7, 't')");
      const results = (await client.query(
        preloadStatement(
          ids.map((id) => ({ table: 'notes', id })),
          [
            { clientId: 'c"1', userId: "u'1" },
            { clientId: 'c2', userId: 'u2' },
          ],
        ),
      )) as unknown as pg.QueryResult<{ table_name: string; id: string; branch_id: string; version: string }>;
      const rows = results.rows;
      expect(
        rows
          .filter((r) => r.table_name === 'notes')
          .map((r) => r.id)
          .sort(),
      ).toEqual(ids.filter((_, i) => i % 2 === 0).sort());
      expect(rows.filter((r) => r.table_name === '').map((r) => [r.id, r.branch_id, Number(r.version)])).toEqual([['c"1', "u'1", 7]]);
    } finally {
      await client.end();
    }
  });

  it.each(['on', 'off'])('reads back every text as given with standard_conforming_strings = %s', async (setting) => {
    const client = new pg.Client({ connectionString: env.url });
    await client.connect();
    try {
      await client.query(`set standard_conforming_strings = ${setting}`);
      // One simple query of several statements, as a write sends them.
      const results = (await client.query(TEXTS.map((t) => `select ${literal(t)} as t`).join('; '))) as unknown as pg.QueryResult<{ t: string }>[];
      expect(results.map((r) => r.rows[0]!.t)).toEqual(TEXTS);
    } finally {
      await client.end();
    }
  });
});
