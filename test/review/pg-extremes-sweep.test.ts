/**
 * Review stop 19 (second shift): the class sweep of S54–S58 (class 3: one person's stored value fails a charged
 * query) moved from Parquet to PostgreSQL's own stored types. One table per (stored type, raw extreme): 19 people
 * with NULL and one person with the extreme; every declared type the catalog admits for the stored type is queried in
 * `SHAPES` (engine-extremes-sweep.ts: aggregates, arithmetic past the type's range, comparisons, casts, grouping,
 * date parts, string functions). Every outcome must be answered or refused before the charge.
 *
 * Held (all answered or refused, 02:00 UTC, PostgreSQL 15.18): smallint/integer/bigint at both extremes as integer
 * and float; real and double precision at NaN, ±Infinity, their largest finite values and smallest subnormals;
 * numeric(300,0) at ±(10³⁰⁰ − 1) and NaN; numeric(38,10), numeric(300,299), numeric(5,8) (scale above precision);
 * date at
 * ±infinity, 4713 BC, 5874897 AD and 10000-01-01 (compile-expr.ts's 1–9999 guard); text with control characters,
 * U+10FFFF, numeric- and date-like spellings and a 1 MB value; name, character(3), varchar(2); boolean. The hole on
 * this engine is per-value SIZE, not a value: S59 (pg-long-text-alloc.test.ts). Enum, domain, citext, interval,
 * money, bytea, json/jsonb, arrays, "char", timestamps and oid are refused at the catalog (only initdb's base types
 * of pg_catalog the declared type names: check-public.ts, postgres.ts S41f/S41g); `REFUSED` checks each (with
 * numeric(3,−300): the DECIMAL rule reads no negative scale, and unbounded numeric, which holds ±Infinity).
 * citext is not installed on the test cluster (an extension's type is outside pg_catalog: refused by the same rule).
 *
 * Run against TSDP_TEST_POSTGRES_URL (skipped without it); ≈ 60 s at load 15–20.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { postgresTestUrl } from '../sql/postgres-url.js';
import { chargedFailures, type Declared, outcome, SHAPES, sweepSchema } from './engine-extremes-sweep.js';

const CASES: readonly (readonly [string, readonly string[], readonly Declared[]])[] = [
  ['smallint', ['-32768', '32767'], ['integer', 'float']],
  ['integer', ['-2147483648', '2147483647'], ['integer', 'float']],
  ['bigint', ['-9223372036854775808', '9223372036854775807'], ['integer', 'float']],
  ['real', ["'NaN'", "'Infinity'", "'-Infinity'", '3.4e38', '-3.4e38', '1e-45'], ['float']],
  ['double precision', ["'NaN'", "'Infinity'", "'-Infinity'", '1.7976931348623157e308', '-1.7976931348623157e308', '5e-324'], ['float']],
  ['numeric(300,0)', [`-${'9'.repeat(300)}`, '9'.repeat(300), "'NaN'"], ['float']],
  ['numeric(38,10)', [`-${'9'.repeat(28)}.9999999999`, "'NaN'", '0.0000000001'], ['float']],
  ['numeric(300,299)', [`-9.${'9'.repeat(299)}`, `0.${'0'.repeat(298)}1`], ['float']],
  ['numeric(5,8)', ['-0.00099999', '0.00000001'], ['float']],
  ['date', ["'infinity'", "'-infinity'", "'4713-01-01 BC'", "'5874897-12-31'", "'0001-01-01'", "'9999-12-31'", "'10000-01-01'"], ['date']],
  [
    'text',
    [
      "E'\\x01\\x7f'",
      "repeat('x', 1000000)",
      "E'\\u00a0\\uffff'",
      "E'\\U0010FFFF'",
      "'NaN'",
      "'-infinity'",
      "'1e400'",
      `'${'9'.repeat(400)}'`,
    ],
    ['string'],
  ],
  ['name', ["repeat('é', 40)"], ['string']],
  ['character(3)', ["'a'", "''"], ['string']],
  ['varchar(2)', ["'ab'"], ['string']],
  ['boolean', ['true', 'false'], ['boolean']],
];
/** Stored types the catalog refuses for every declared type (checked once each: refused before the charge). */
const REFUSED: readonly (readonly [string, string, Declared])[] = [
  ['numeric(3,-300)', '1', 'float'],
  ['numeric', "'Infinity'", 'float'],
  ['interval', "'1 day'", 'float'],
  ['money', "'1'", 'float'],
  ['bytea', "'\\x00ff'", 'string'],
  ['json', "'1'", 'string'],
  ['jsonb', "'1'", 'string'],
  ['text[]', "'{a}'", 'string'],
  ['"char"', "'a'", 'string'],
  ['rv_mood', "'a'", 'string'],
  ['rv_short', "'a'", 'string'],
  ['timestamp', "'infinity'", 'date'],
  ['timestamptz', "'2020-01-01'", 'date'],
  ['oid', '1', 'integer'],
];

const url = process.env.TSDP_TEST_POSTGRES_URL ? postgresTestUrl() : '';
let engine: PostgresEngine;
let client: pg.Client;
beforeAll(async () => {
  if (!url) return;
  engine = await PostgresEngine.open({ connectionString: url, statementTimeoutMs: 20_000 });
  client = new pg.Client(url);
  await client.connect();
  await client.query(`DROP TABLE IF EXISTS t; DROP TYPE IF EXISTS rv_mood; DROP DOMAIN IF EXISTS rv_short;
    CREATE TYPE rv_mood AS ENUM ('a', 'b'); CREATE DOMAIN rv_short AS text CHECK (length(VALUE) < 3)`);
}, 60_000);
afterAll(async () => {
  await client?.query('DROP TABLE IF EXISTS t; DROP TYPE IF EXISTS rv_mood; DROP DOMAIN IF EXISTS rv_short');
  await client?.end();
  await engine?.close();
});

async function load(stored: string, value: string): Promise<void> {
  await client.query('DROP TABLE IF EXISTS t');
  await client.query(`CREATE TABLE t (pid bigint, v ${stored})`);
  await client.query(`INSERT INTO t SELECT i, CASE WHEN i = 1 THEN (${value})::${stored} END FROM generate_series(1, 20) i`);
}

describe.skipIf(!url)('review sweep: PostgreSQL stored extremes × declared types (class 3)', () => {
  for (const [stored, values, declared] of CASES)
    it(`${stored}: ${values.length} extremes × ${declared.join(', ')}: answered or refused before the charge`, async () => {
      const run = async (d: Declared) => {
        const got: string[] = [];
        for (const sql of SHAPES[d]) got.push(await outcome(engine, sweepSchema(d), sql));
        return got;
      };
      expect(await chargedFailures(values, declared, (v) => load(stored, v), run)).toEqual([]);
    }, 300_000);
  for (const [stored, value, d] of REFUSED)
    it(`${stored} declared ${d}: refused at the catalog`, async () => {
      await load(stored, value);
      expect(await outcome(engine, sweepSchema(d), SHAPES[d][0] as string)).toBe('refused INVALID_SCHEMA');
    }, 60_000);
});
