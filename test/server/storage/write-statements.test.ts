// The literals a PostgreSQL write's statements are written with: every text comes back from the
// database exactly as given, whatever it holds, and what the database cannot hold is refused
// before anything is sent.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { integer, keptWritesStatement, literal } from '../../../src/server/storage/write-statements';
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
