/**
 * review3 (stop 19), commit 5e909da `scaledToCap` on PostgreSQL: the weighted sum is
 * CAST(FLOOR(float8 …) AS numeric), and PostgreSQL's float8 → numeric cast keeps only 15 significant digits
 * (float8_numeric prints with DBL_DIG). So a unit whose weighted sum C·s/n is ≥ 10¹⁵ grid units gets an exact input
 * rounded to a multiple of 10 on PostgreSQL while DuckDB (exact HUGEINT) and the TypeScript reference keep every
 * unit: the engines disagree, contrary to compile.proof.md "Contribution bounding" ("the engines agree exactly").
 * Not a privacy hole (the clamp to ±C·M comes after the cast). Reachable: one unit with n = C + 1 = 500 001 rows in
 * one group, w in [0, 0.9] (2³² grid units per 1): C·s/n = 500 000·2³¹ + 3 ≈ 1.07·10¹⁵.
 * Fix direction: exact integer weighting on the wide type (floor((2·s·C + n) / (2·n))), no float8 → numeric cast.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDpQuery } from '../../src/sql/compile.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import { exactUnits } from '../../src/sql/engine-values.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { postgresTestUrl } from '../sql/postgres-url.js';

const C = 500_000;
const N = C + 1;
// N − 1 rows at 0.5 (2³¹ units) and one at 0.5 + 3·2⁻³² (2³¹ + 3 units).
const INSERT = (range: string) => `INSERT INTO review3_t SELECT 1, CASE WHEN i = 0 THEN 0.5 + 3 * power(2, -32) ELSE 0.5 END FROM ${range}`;

let duck: DuckDbEngine;
let postgres: PostgresEngine;
let client: pg.Client;
beforeAll(async () => {
  const url = postgresTestUrl();
  duck = await DuckDbEngine.open({ allowExternalAccess: true });
  postgres = await PostgresEngine.open({ connectionString: url, statementTimeoutMs: 60_000 });
  client = new pg.Client(url);
  await client.connect();
  await duck.connection.run('CREATE TABLE review3_t (pid BIGINT, w DOUBLE)');
  await duck.connection.run(INSERT(`range(${N}) r(i)`));
  await client.query('DROP TABLE IF EXISTS review3_t');
  await client.query('CREATE TABLE review3_t (pid BIGINT, w DOUBLE PRECISION)');
  await client.query(INSERT(`generate_series(0, ${N - 1}) AS r(i)`));
}, 120_000);
afterAll(async () => {
  await client?.query('DROP TABLE IF EXISTS review3_t');
  await client?.end();
  await duck?.close();
  await postgres?.close();
});

const schema = parseSqlSchema({
  dataset: 'review3',
  budget: { epsilon: 100, delta: 1e-5 },
  tables: {
    review3_t: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: C,
      columns: { pid: { type: 'integer' }, w: { type: 'float', lower: 0, upper: 0.9 } },
    },
  },
});

async function weightedSum(engine: SqlEngine): Promise<bigint> {
  const compiled = compileDpQuery(planDpQuery('SELECT SUM(w) AS s FROM review3_t', schema), engine.dialect, 11n, schema);
  const input = compiled.inputs.find((x) => x !== null);
  if (!input || input.kind !== 'sum') throw new Error('expected one sum input');
  const rows = await engine.query(compiled.main);
  return exactUnits(rows[0] ?? {}, input);
}

describe('scaledToCap gives the same exact input on DuckDB and PostgreSQL (review3)', () => {
  it('a unit whose weighted sum is ≥ 10¹⁵ grid units', async () => {
    const s = BigInt(N) * 2n ** 31n + 3n;
    const reference = BigInt(Math.floor((Number(s) * C) / N + 0.5)); // Number(s) exact: s < 2⁵³
    expect(await weightedSum(duck)).toBe(reference);
    expect(await weightedSum(postgres)).toBe(reference);
  }, 120_000);
});
