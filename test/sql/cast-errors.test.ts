/**
 * CAST(x AS integer) of a double that is NaN, ±Infinity or beyond the BIGINT
 * range raises "bigint out of range" in PostgreSQL: an engine error that exists
 * only when some row holds such a value (a data-dependent signal, SECURITY.md
 * §3, §7). The rewrite must saturate instead.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDpQuery } from '../../src/sql/compile.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { postgresTestUrl } from './postgres-url.js';

const TABLE = 'cast_probe';
const schema = () =>
  parseSqlSchema({
    dataset: 'cast',
    budget: { epsilon: 10 },
    tables: {
      [TABLE]: {
        privacyUnit: 'person_id',
        columns: { person_id: { type: 'integer' }, x: { type: 'float', lower: 0, upper: 10 } },
      },
    },
  });
const ABS_TABLE = 'abs_probe';
const absSchema = () =>
  parseSqlSchema({
    dataset: 'abs',
    budget: { epsilon: 10 },
    tables: {
      [ABS_TABLE]: { privacyUnit: 'person_id', columns: { person_id: { type: 'integer' }, v: { type: 'integer', lower: 0, upper: 10 } } },
    },
  });
const ROWS: [number, string][] = [
  [1, '1.5'],
  [2, 'NaN'],
  [3, 'Infinity'],
  [4, '-Infinity'],
  [5, '1e300'],
];

let pgEngine: PostgresEngine;
let duck: DuckDbEngine;

beforeAll(async () => {
  const url = postgresTestUrl();
  const c = new pg.Client(url);
  await c.connect();
  try {
    await c.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await c.query(`CREATE TABLE ${TABLE} (person_id bigint, x double precision)`);
    for (const [id, x] of ROWS) await c.query(`INSERT INTO ${TABLE} VALUES ($1, CAST($2 AS double precision))`, [id, x]);
    await c.query(`DROP TABLE IF EXISTS ${ABS_TABLE}`);
    await c.query(`CREATE TABLE ${ABS_TABLE} (person_id bigint, v bigint)`);
    await c.query(`INSERT INTO ${ABS_TABLE} VALUES (1, 3), (2, -9223372036854775808)`);
  } finally {
    await c.end();
  }
  pgEngine = await PostgresEngine.open({ connectionString: url, statementTimeoutMs: 20_000 });
  duck = await DuckDbEngine.open({ allowExternalAccess: true });
  await duck.connection.run(`CREATE TABLE ${TABLE} (person_id BIGINT, x DOUBLE)`);
  for (const [id, x] of ROWS) await duck.connection.run(`INSERT INTO ${TABLE} VALUES (${id}, CAST('${x}' AS DOUBLE))`);
  await duck.connection.run(`CREATE TABLE ${ABS_TABLE} (person_id BIGINT, v BIGINT)`);
  await duck.connection.run(`INSERT INTO ${ABS_TABLE} VALUES (1, 3), (2, -9223372036854775808)`);
});

afterAll(async () => {
  await pgEngine?.close();
  await duck?.close();
});

describe('CAST to integer never raises a data-dependent engine error', () => {
  for (const sql of [
    `SELECT SUM(CAST(x AS integer)) AS s FROM ${TABLE}`,
    `SELECT COUNT(*) AS n FROM ${TABLE} WHERE CAST(x AS bigint) > 3`,
  ]) {
    it(`runs on both engines with NaN, ±Infinity and 1e300 in the column: ${sql}`, async () => {
      const plan = planDpQuery(sql, schema());
      for (const engine of [pgEngine, duck] as SqlEngine[]) {
        const compiled = compileDpQuery(plan, engine.dialect, 5n, schema());
        await expect(engine.query(compiled.main), engine.dialect.name).resolves.toHaveLength(1);
      }
    });
  }
});

describe('ABS never raises a data-dependent engine error', () => {
  for (const sql of [
    `SELECT SUM(ABS(v)) AS s FROM ${ABS_TABLE}`,
    `SELECT COUNT(*) AS n FROM ${ABS_TABLE} WHERE person_id = 2 AND ABS(v) > 3`,
  ]) {
    it(`runs on both engines with the smallest BIGINT in the column: ${sql}`, async () => {
      const plan = planDpQuery(sql, absSchema());
      for (const engine of [pgEngine, duck] as SqlEngine[]) {
        const compiled = compileDpQuery(plan, engine.dialect, 5n, absSchema());
        await expect(engine.query(compiled.main), engine.dialect.name).resolves.toHaveLength(1);
      }
    });
  }
});
